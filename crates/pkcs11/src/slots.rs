//! Slots and tokens: one slot per virtual card in `$JETON_HOME/cards`, and (with the `pcsc`
//! feature) one per PC/SC reader, found again at each look so that a card created or
//! deleted, or a reader plugged in, appears or goes. Slot ids are never reused while the
//! module is loaded.

use std::collections::BTreeMap;

use cryptoki_sys::CK_SLOT_ID;
use jeton_card::CardDirectory;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

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
    ids: BTreeMap<TokenSource, CK_SLOT_ID>,
    present: Vec<(CK_SLOT_ID, TokenSource)>,
}

impl SlotTable {
    pub fn new(cards: CardDirectory) -> SlotTable {
        SlotTable {
            cards,
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
            .chain(readers().into_iter().map(TokenSource::Reader));
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

/// Who is logged in to a token, for all the application's sessions on it (PKCS#11 §6.7.6).
#[derive(Default)]
pub enum Login {
    #[default]
    Public,
    /// The PIN is kept while logged in so that each session's connection to the card can
    /// VERIFY it once; it is wiped at logout.
    User { pin: Zeroizing<Vec<u8>> },
    /// The unblock code (PUK), checked at login and kept for `C_InitPIN`.
    SecurityOfficer { puk: Zeroizing<Vec<u8>> },
}

#[derive(Default)]
pub struct TokenState {
    pub login: Login,
    /// Bumped at each login and logout, so sessions know to VERIFY again or forget.
    pub generation: u64,
}
