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
    /// No PC/SC reader's name contains what was asked for.
    #[error(
        "no smart-card reader matches {wanted:?} (readers: {})",
        list_or_none(available)
    )]
    NoReader {
        wanted: String,
        available: Vec<String>,
    },
    #[error("no card in the reader {0:?}")]
    NoCard(String),
    /// pcscd is not running (or the PC/SC library is missing).
    #[error("the PC/SC service is not available: {0}")]
    NoService(String),
    /// The card answered, but has no PIV application.
    #[error("the card in the reader {0:?} is not a PIV card")]
    NotPiv(String),
    /// The in-process card could not read or write its state file.
    #[error(transparent)]
    Card(#[from] jeton_card::CardError),
}

/// One APDU out, its response back: what [`Transport::exclusive`] lends its work.
pub type Transmit<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, TransportError> + 'a;

fn list_or_none(readers: &[String]) -> String {
    if readers.is_empty() {
        "none".into()
    } else {
        readers.join(", ")
    }
}

/// Sends one command APDU and returns the card's response, data followed by SW1 SW2.
pub trait Transport: Send {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Runs `work` with the card reserved for this program, so that no other program's
    /// APDU comes in between (PC/SC: `SCardBeginTransaction`/`SCardEndTransaction`). A
    /// card no one else can reach needs nothing more than [`transmit`](Self::transmit).
    fn exclusive(&mut self, work: &mut dyn FnMut(&mut Transmit<'_>)) -> Result<(), TransportError> {
        work(&mut |command| self.transmit(command));
        Ok(())
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn exclusive(&mut self, work: &mut dyn FnMut(&mut Transmit<'_>)) -> Result<(), TransportError> {
        (**self).exclusive(work)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn exclusive(&mut self, work: &mut dyn FnMut(&mut Transmit<'_>)) -> Result<(), TransportError> {
        (**self).exclusive(work)
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
