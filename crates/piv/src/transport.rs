//! How APDUs reach a card: the narrow [`Transport`] trait and its in-process implementation.
//!
//! A transport moves one command APDU to the card and brings back its response (data
//! followed by SW1 SW2). It knows nothing of PIV: command chaining, GET RESPONSE and status
//! words are handled above it, so the same client runs over the in-process card here and over
//! a PC/SC reader later.

/// The card or reader cannot be reached; the command may or may not have been executed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    #[error("the card was removed or its reader is unavailable: {0}")]
    Unavailable(String),
    /// The in-process card could not read or write its state file.
    #[error(transparent)]
    Card(#[from] jeton_card::CardError),
}

/// Sends one command APDU and returns the card's response, data followed by SW1 SW2.
pub trait Transport: Send {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

/// The virtual card of `jeton-card`, called directly in this process.
pub struct InProcessTransport {
    card: jeton_card::Card,
}

impl InProcessTransport {
    pub fn new(card: jeton_card::Card) -> Self {
        InProcessTransport { card }
    }

    pub fn card(&self) -> &jeton_card::Card {
        &self.card
    }

    /// Power off and on, as pulling the key out and plugging it back: the PIN's verified
    /// state and the management-key authentication are lost.
    pub fn power_cycle(&mut self) {
        self.card.power_cycle();
    }

    pub fn into_card(self) -> jeton_card::Card {
        self.card
    }
}

impl From<jeton_card::Card> for InProcessTransport {
    fn from(card: jeton_card::Card) -> Self {
        InProcessTransport::new(card)
    }
}

impl Transport for InProcessTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.card.transmit(command)?)
    }
}
