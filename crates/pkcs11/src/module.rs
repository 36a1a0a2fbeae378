//! The module's state, shared by every function family: the slot table, the tokens, the
//! sessions and the session secrets, with the lookups the families share. The operations
//! themselves are in `fns`, one file per PKCS#11 function family; the C shell (`ffi`) turns
//! pointers into their types and their results into `CK_RV`s.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use cryptoki_sys::*;
use jeton_card::CardDirectory;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::session::{Card, Session};
use crate::slots::{self, SlotTable, TokenSource, TokenState};

/// A result for the two-call length convention: the bytes, or how many the caller needs.
pub enum Output<T> {
    Needed(usize),
    Done(T),
}

/// A template: attribute types and their values in C encoding.
pub type Template = [(CK_ATTRIBUTE_TYPE, Vec<u8>)];

/// A session's entry: what never changes is readable without locking the session.
pub struct SessionEntry {
    pub slot_id: CK_SLOT_ID,
    pub read_write: bool,
    pub session: Mutex<Session>,
}

/// A secret made by `C_DeriveKey` (ECDH): a session object, gone with its session.
pub(crate) struct SecretObject {
    pub(crate) session: CK_SESSION_HANDLE,
    pub(crate) value: Zeroizing<Vec<u8>>,
    pub(crate) key_type: CK_KEY_TYPE,
    pub(crate) sensitive: bool,
    pub(crate) extractable: bool,
    pub(crate) label: Vec<u8>,
    pub(crate) id: Vec<u8>,
}

/// Secret objects get handles above 2^32, token objects below (see `objects::handle_of`).
pub(crate) const SECRET_HANDLE_BASE: CK_OBJECT_HANDLE = 1 << 32;

/// Handles are never given twice in a process, not even across `C_Finalize` and
/// `C_Initialize`, so that a handle kept from before never names someone else's session.
pub(crate) static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);
pub(crate) static NEXT_SECRET: AtomicU64 = AtomicU64::new(SECRET_HANDLE_BASE);

/// A poisoned lock means a panic was caught at the boundary; the data is still usable.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn padded<const N: usize>(text: &str) -> [CK_UTF8CHAR; N] {
    let mut out = [b' '; N];
    let bytes = text.as_bytes();
    let len = bytes.len().min(N);
    out[..len].copy_from_slice(&bytes[..len]);
    out
}

pub(crate) fn find_attribute(template: &Template, kind: CK_ATTRIBUTE_TYPE) -> Option<&[u8]> {
    template
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, v)| v.as_slice())
}

pub(crate) fn ulong_of(value: &[u8]) -> Result<CK_ULONG> {
    Ok(CK_ULONG::from_ne_bytes(
        value.try_into().map_err(|_| Error::AttributeValueInvalid)?,
    ))
}

pub(crate) fn bool_of(value: &[u8]) -> Result<bool> {
    match value {
        [b] => Ok(*b != 0),
        _ => Err(Error::AttributeValueInvalid),
    }
}

pub struct Module {
    pub(crate) config: Config,
    pub(crate) slots: Mutex<SlotTable>,
    pub(crate) tokens: Mutex<HashMap<CK_SLOT_ID, Arc<Mutex<TokenState>>>>,
    pub(crate) sessions: RwLock<HashMap<CK_SESSION_HANDLE, Arc<SessionEntry>>>,
    pub(crate) secrets: Mutex<HashMap<CK_OBJECT_HANDLE, SecretObject>>,
    /// What `C_WaitForSlotEvent` last reported.
    pub(crate) seen_slots: Mutex<BTreeSet<CK_SLOT_ID>>,
    pub(crate) finalizing: AtomicBool,
}

impl Module {
    pub fn new(config: Config) -> Result<Module> {
        let slots = SlotTable::new(CardDirectory::new(config.cards()));
        Module::over(config, slots)
    }

    fn over(config: Config, mut slots: SlotTable) -> Result<Module> {
        slots.refresh()?;
        // What C_WaitForSlotEvent compares with: the slots with a token now. A reader empty
        // from the start is no event; a virtual card in the folder is there (opening all of
        // them here would double the first C_GetSlotList's work).
        let cards = slots.cards().clone();
        let seen = slots
            .present()
            .iter()
            .filter(|(_, source)| match source {
                TokenSource::Virtual(_) => true,
                TokenSource::Reader(_) => slots::connect(&cards, source).is_ok(),
            })
            .map(|(id, _)| *id)
            .collect();
        Ok(Module {
            config,
            slots: Mutex::new(slots),
            tokens: Mutex::new(HashMap::new()),
            sessions: RwLock::new(HashMap::new()),
            secrets: Mutex::new(HashMap::new()),
            seen_slots: Mutex::new(seen),
            finalizing: AtomicBool::new(false),
        })
    }

    /// The token behind a slot id; a slot not seen yet is looked for once more.
    pub(crate) fn token_source(&self, slot: CK_SLOT_ID) -> Result<TokenSource> {
        let mut slots = lock(&self.slots);
        match slots.token(slot) {
            Err(Error::SlotIdInvalid) => {
                slots.refresh()?;
                slots.token(slot)
            }
            other => other,
        }
    }

    /// A connection of its own, for a look at a token outside any session.
    pub(crate) fn connect(&self, source: TokenSource) -> Result<Card> {
        let cards = lock(&self.slots).cards().clone();
        slots::connect(&cards, &source)
    }

    /// A session by its handle.
    pub(crate) fn entry(&self, handle: CK_SESSION_HANDLE) -> Result<Arc<SessionEntry>> {
        let map = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        map.get(&handle).cloned().ok_or(Error::SessionHandleInvalid)
    }

    /// `CKR_SESSION_HANDLE_INVALID` unless the session exists (the first check of most
    /// functions, PKCS#11 3.0 §5.1).
    pub fn check_session(&self, handle: CK_SESSION_HANDLE) -> Result<()> {
        self.entry(handle).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jeton_piv::ManagementKey;

    fn two_empty_readers() -> Vec<String> {
        vec!["Fake Reader 00 00".into(), "Fake Reader 00 01".into()]
    }

    #[test]
    fn readers_empty_from_the_start_are_no_slot_event() {
        let home = tempfile::tempdir().unwrap();
        let cards = CardDirectory::new(home.path().join("cards"));
        cards
            .create(&jeton_card::Personalisation::factory(7))
            .unwrap();
        let config = Config {
            home: home.path().to_path_buf(),
            management_key: ManagementKey::factory_default(),
        };
        let module = Module::over(
            config,
            SlotTable::with_readers(cards.clone(), two_empty_readers),
        )
        .unwrap();
        assert_eq!(
            module.slot_list(false).unwrap().len(),
            3,
            "two readers, one card"
        );
        let with_card = module.slot_list(true).unwrap();
        assert_eq!(with_card.len(), 1, "the readers are empty");
        // Firefox polls without blocking right after C_Initialize.
        assert!(matches!(
            module.wait_for_slot_event(true),
            Err(Error::NoEvent)
        ));
        // A real change still shows: the card goes, and that is one event.
        cards.delete(7).unwrap();
        assert_eq!(module.wait_for_slot_event(true), Ok(with_card[0]));
        assert!(matches!(
            module.wait_for_slot_event(true),
            Err(Error::NoEvent)
        ));
    }
}
