//! Slots and tokens: one slot per virtual card in `$JETON_HOME/cards`, and (with the `pcsc`
//! feature) one per PC/SC reader, found again at each look so that a card created or
//! deleted, or a reader plugged in, appears or goes. Slot ids are never reused while the
//! module is loaded.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cryptoki_sys::CK_SLOT_ID;
use jeton_card::CardDirectory;
use jeton_piv::{InProcessTransport, KeyReference, PinVerification, PivClient, Transport};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::session::Card;

/// Where a token lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenSource {
    /// A virtual card of `$JETON_HOME/cards`, by serial.
    Virtual(u32),
    /// A PC/SC reader, by name: its token is whatever PIV card is in it.
    Reader(String),
}

pub struct SlotTable {
    cards: CardDirectory,
    /// The PC/SC readers' names, asked at each look.
    readers: fn() -> Vec<String>,
    ids: BTreeMap<TokenSource, CK_SLOT_ID>,
    present: Vec<(CK_SLOT_ID, TokenSource)>,
}

impl SlotTable {
    pub fn new(cards: CardDirectory) -> SlotTable {
        SlotTable::with_readers(cards, readers)
    }

    /// A table whose readers come from `readers` (the tests' fake reader lists).
    pub fn with_readers(cards: CardDirectory, readers: fn() -> Vec<String>) -> SlotTable {
        SlotTable {
            cards,
            readers,
            ids: BTreeMap::new(),
            present: Vec::new(),
        }
    }

    pub fn cards(&self) -> &CardDirectory {
        &self.cards
    }

    /// Looks at the card folder again.
    pub fn refresh(&mut self) -> Result<()> {
        let serials = self.cards.list().map_err(|_| Error::DeviceError)?;
        let sources = serials
            .into_iter()
            .map(TokenSource::Virtual)
            .chain((self.readers)().into_iter().map(TokenSource::Reader));
        self.present.clear();
        for source in sources {
            let next = self.ids.len() as CK_SLOT_ID;
            let id = *self.ids.entry(source.clone()).or_insert(next);
            self.present.push((id, source));
        }
        Ok(())
    }

    pub fn present(&self) -> &[(CK_SLOT_ID, TokenSource)] {
        &self.present
    }

    /// The token in a slot, as of the last look.
    pub fn token(&self, slot: CK_SLOT_ID) -> Result<TokenSource> {
        if let Some((_, source)) = self.present.iter().find(|(id, _)| *id == slot) {
            return Ok(source.clone());
        }
        if self.ids.values().any(|id| *id == slot) {
            Err(Error::TokenNotPresent)
        } else {
            Err(Error::SlotIdInvalid)
        }
    }
}

/// The PC/SC readers pcscd knows; none when there is no pcscd, or no PC/SC in this build:
/// the virtual cards work all the same.
#[cfg(feature = "pcsc")]
fn readers() -> Vec<String> {
    jeton_piv::PcscTransport::readers().unwrap_or_default()
}

#[cfg(not(feature = "pcsc"))]
fn readers() -> Vec<String> {
    Vec::new()
}

/// A new connection to a token's card, with the PIV application selected.
pub fn connect(cards: &CardDirectory, source: &TokenSource) -> Result<Card> {
    let transport: Box<dyn Transport> = match source {
        TokenSource::Virtual(serial) => Box::new(InProcessTransport::new(
            cards.open(*serial).map_err(|_| Error::TokenNotPresent)?,
        )),
        TokenSource::Reader(name) => reader_transport(name)?,
    };
    let mut card = PivClient::new(transport);
    card.select().map_err(|_| Error::TokenNotPresent)?;
    Ok(card)
}

/// A reader's card, through PC/SC.
#[cfg(feature = "pcsc")]
fn reader_transport(name: &str) -> Result<Box<dyn Transport>> {
    Ok(Box::new(
        jeton_piv::PcscTransport::connect(name).map_err(|_| Error::TokenNotPresent)?,
    ))
}

#[cfg(not(feature = "pcsc"))]
fn reader_transport(_name: &str) -> Result<Box<dyn Transport>> {
    Err(Error::TokenNotPresent)
}

/// Who is logged in to a token, for all the application's sessions on it (PKCS#11 §6.7.6).
#[derive(Default)]
pub enum Login {
    #[default]
    Public,
    /// The PIN is kept while logged in so that each connection to the card can VERIFY it
    /// once; it is wiped at logout. `wrap` is the card's tag of the PIN it was right for
    /// (GET METADATA 8A, a Jeton card's): a different tag means the PIN was changed or
    /// unblocked elsewhere, and the kept one is not sent again. `None` on a card without it.
    User {
        pin: Zeroizing<Vec<u8>>,
        wrap: Option<[u8; 8]>,
    },
    /// The unblock code (PUK), checked at login and kept for `C_InitPIN`.
    SecurityOfficer { puk: Zeroizing<Vec<u8>> },
}

/// One connection to the card (for a virtual card: its state file and lock, two file
/// descriptors), with the card's own security status.
pub struct Connection {
    pub card: Card,
    /// The token's login generation this connection's security status is in step with;
    /// `None` for a new connection while the user is logged in (it has not VERIFYed yet).
    pub generation: Option<u64>,
    /// A card in a PC/SC reader, which other programs may reset between two calls (its
    /// PIN status then gone); a virtual card's connection keeps its status.
    pub shared: bool,
}

/// Idle connections kept per token: as many as calls ran at once lately, at most this.
const IDLE_CONNECTIONS: usize = 8;

/// A token as all the application's sessions share it: the login (PKCS#11 3.0 §5.6: the
/// sessions of an application share one login state), and the connections to its card.
/// Sessions borrow a connection for each call, so file descriptors grow with the calls
/// running at once, never with the sessions open.
pub struct TokenState {
    pub login: Login,
    /// Bumped at each login and logout, so connections know to VERIFY again or forget.
    pub generation: u64,
    cards: CardDirectory,
    source: TokenSource,
    idle: Vec<Connection>,
    /// Held while the kept PIN is VERIFYed on a new connection, so that two threads never
    /// both send a PIN the card has stopped accepting: the second sees the first's logout.
    pub replay: Arc<Mutex<()>>,
}

impl TokenState {
    pub fn new(cards: CardDirectory, source: TokenSource) -> TokenState {
        TokenState {
            login: Login::Public,
            generation: 0,
            cards,
            source,
            idle: Vec::new(),
            replay: Arc::new(Mutex::new(())),
        }
    }

    /// An idle connection, or a new one. A connection that is behind a logout forgets its
    /// PIN status first; one behind a login VERIFYs when a private-key operation needs it.
    pub fn take(&mut self) -> Result<Connection> {
        let user = matches!(self.login, Login::User { .. });
        let mut connection = match self.idle.pop() {
            Some(connection) => connection,
            None => Connection {
                card: connect(&self.cards, &self.source)?,
                generation: (!user).then_some(self.generation),
                shared: matches!(self.source, TokenSource::Reader(_)),
            },
        };
        if connection.generation != Some(self.generation) && !user {
            connection.card.clear_verification()?;
            connection.generation = Some(self.generation);
        }
        Ok(connection)
    }

    /// Takes a connection back after a call; one whose card went away is dropped.
    pub fn put(&mut self, connection: Connection, card_gone: bool) {
        if !card_gone && self.idle.len() < IDLE_CONNECTIONS {
            self.idle.push(connection);
        }
    }

    /// Logs everybody out: the PIN status of every idle connection is cleared now, that of
    /// connections in use when they come back (`take`).
    pub fn log_out(&mut self) {
        self.login = Login::Public;
        self.generation += 1;
        let generation = self.generation;
        self.idle.retain_mut(|connection| {
            connection.generation = Some(generation);
            connection.card.clear_verification().is_ok()
        });
    }
}

/// What a card tells of its PIN without spending a try: the tag of its wrap (a Jeton
/// card's GET METADATA 8A) and the tries left, each `None` where the card does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinState {
    pub wrap: Option<[u8; 8]>,
    pub tries_left: Option<u8>,
    /// This connection's card already has the PIN verified.
    pub verified: bool,
}

/// The tag of the card's PIN wrap (GET METADATA 8A), `None` on a card that has none.
pub fn wrap_tag(card: &mut Card) -> Result<Option<[u8; 8]>> {
    match card.metadata(KeyReference::Pin) {
        Ok(metadata) => Ok(metadata.wrap_tag),
        Err(jeton_piv::Error::Transport(_)) => Err(Error::DeviceRemoved),
        Err(_) => Ok(None),
    }
}

impl PinState {
    /// From GET METADATA when the card has it (YubiKey 5.3 and later, Jeton), and VERIFY
    /// without data (SP 800-73-4 §3.2.1, any PIV card): neither spends a try.
    pub fn read(card: &mut Card) -> Result<PinState> {
        let (wrap, mut tries_left) = match card.metadata(KeyReference::Pin) {
            Ok(metadata) => (metadata.wrap_tag, metadata.retries.map(|r| r.remaining)),
            Err(jeton_piv::Error::Transport(_)) => return Err(Error::DeviceRemoved),
            Err(_) => (None, None),
        };
        let verified = match card.pin_verification() {
            Ok(PinVerification::Verified) => true,
            Ok(PinVerification::Blocked) => {
                tries_left = Some(0);
                false
            }
            Ok(PinVerification::NotVerified { tries_left: left }) => {
                tries_left = Some(left);
                false
            }
            Err(jeton_piv::Error::Transport(_)) => return Err(Error::DeviceRemoved),
            Err(_) => false,
        };
        Ok(PinState {
            wrap,
            tries_left,
            verified,
        })
    }
}
