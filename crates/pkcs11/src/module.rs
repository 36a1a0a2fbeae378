//! The module's state and every PKCS#11 operation, in safe Rust. The C shell (`ffi`) turns
//! pointers into these types and these results into `CK_RV`s.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use cryptoki_sys::*;
use jeton_card::CardDirectory;
use jeton_piv::{CardStatus, KeyAlgorithm, KeyReference, Pin, Puk, RetryCounter, Slot};
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::mechanisms::{
    self, DecryptScheme, Mechanism, MessageBuffer, Parameter, SignScheme, MECHANISMS,
};
use crate::objects::{self, CertificateInfo, Curve, ObjectKind, PublicParts, SlotContents};
use crate::session::{Card, DecryptOperation, DigestOperation, Parts, Session, SignOperation};
use crate::slots::{self, Login, SlotTable, TokenSource, TokenState};

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
struct SecretObject {
    session: CK_SESSION_HANDLE,
    value: Zeroizing<Vec<u8>>,
    key_type: CK_KEY_TYPE,
    sensitive: bool,
    extractable: bool,
    label: Vec<u8>,
    id: Vec<u8>,
}

/// Secret objects get handles above 2^32, token objects below (see `objects::handle_of`).
const SECRET_HANDLE_BASE: CK_OBJECT_HANDLE = 1 << 32;

/// Handles are never given twice in a process, not even across `C_Finalize` and
/// `C_Initialize`, so that a handle kept from before never names someone else's session.
static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);
static NEXT_SECRET: AtomicU64 = AtomicU64::new(SECRET_HANDLE_BASE);

/// A poisoned lock means a panic was caught at the boundary; the data is still usable.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn padded<const N: usize>(text: &str) -> [CK_UTF8CHAR; N] {
    let mut out = [b' '; N];
    let bytes = text.as_bytes();
    let len = bytes.len().min(N);
    out[..len].copy_from_slice(&bytes[..len]);
    out
}

fn find_attribute(template: &Template, kind: CK_ATTRIBUTE_TYPE) -> Option<&[u8]> {
    template
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, v)| v.as_slice())
}

fn ulong_of(value: &[u8]) -> Result<CK_ULONG> {
    Ok(CK_ULONG::from_ne_bytes(
        value.try_into().map_err(|_| Error::AttributeValueInvalid)?,
    ))
}

fn bool_of(value: &[u8]) -> Result<bool> {
    match value {
        [b] => Ok(*b != 0),
        _ => Err(Error::AttributeValueInvalid),
    }
}

/// A PIN given to the module: checked before it reaches the card, so a typo of the wrong
/// length costs no try.
fn user_pin(value: &[u8]) -> Result<Pin> {
    if !(6..=8).contains(&value.len()) {
        return Err(Error::PinLenRange);
    }
    Pin::new(value).map_err(|_| Error::PinInvalid)
}

fn unblock_code(value: &[u8]) -> Result<Puk> {
    if value.len() != 8 {
        return Err(Error::PinLenRange);
    }
    Puk::new(value).map_err(|_| Error::PinInvalid)
}

/// A secret given to `C_Login`: one the card cannot hold (wrong length, a space, a
/// non-printable or non-ASCII byte) cannot be the right one, so it is `CKR_PIN_INCORRECT`
/// (PKCS#11 3.0 §5.6 C_Login), still without reaching the card or spending a try. NSS asks
/// again only on that code; `CKR_PIN_LEN_RANGE` stays for a *new* PIN (C_SetPIN, C_InitPIN).
fn login_secret<T>(parse: fn(&[u8]) -> Result<T>, value: &[u8]) -> Result<T> {
    parse(value).map_err(|_| Error::PinIncorrect)
}

pub struct Module {
    config: Config,
    slots: Mutex<SlotTable>,
    tokens: Mutex<HashMap<CK_SLOT_ID, Arc<Mutex<TokenState>>>>,
    sessions: RwLock<HashMap<CK_SESSION_HANDLE, Arc<SessionEntry>>>,
    secrets: Mutex<HashMap<CK_OBJECT_HANDLE, SecretObject>>,
    /// What `C_WaitForSlotEvent` last reported.
    seen_slots: Mutex<BTreeSet<CK_SLOT_ID>>,
    finalizing: AtomicBool,
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

    /// `C_Finalize`: wakes a `C_WaitForSlotEvent` blocked in another thread.
    pub fn finalize(&self) {
        self.finalizing.store(true, Ordering::SeqCst);
    }

    // ---- general information, slots and tokens ----

    pub fn info(&self) -> CK_INFO {
        CK_INFO {
            cryptokiVersion: CK_VERSION { major: 3, minor: 0 },
            manufacturerID: padded("Jeton"),
            flags: 0,
            libraryDescription: padded("Jeton PKCS#11 module"),
            libraryVersion: CK_VERSION { major: 0, minor: 1 },
        }
    }

    /// Every slot, or only those with a token in them (a PIV card in the reader).
    pub fn slot_list(&self, with_token_only: bool) -> Result<Vec<CK_SLOT_ID>> {
        let present = {
            let mut slots = lock(&self.slots);
            slots.refresh()?;
            slots.present().to_vec()
        };
        Ok(present
            .into_iter()
            .filter(|(_, source)| !with_token_only || self.connect(source.clone()).is_ok())
            .map(|(id, _)| id)
            .collect())
    }

    fn token_source(&self, slot: CK_SLOT_ID) -> Result<TokenSource> {
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
    fn connect(&self, source: TokenSource) -> Result<Card> {
        let cards = lock(&self.slots).cards().clone();
        slots::connect(&cards, &source)
    }

    pub fn slot_info(&self, slot: CK_SLOT_ID) -> Result<CK_SLOT_INFO> {
        let source = self.token_source(slot)?;
        let (description, hardware) = match &source {
            TokenSource::Virtual(serial) => (format!("Jeton virtual card {serial}"), 0),
            TokenSource::Reader(name) => (name.clone(), CKF_HW_SLOT),
        };
        let present = if self.connect(source).is_ok() {
            CKF_TOKEN_PRESENT
        } else {
            0
        };
        Ok(CK_SLOT_INFO {
            slotDescription: padded(&description),
            manufacturerID: padded("Jeton"),
            flags: present | hardware | CKF_REMOVABLE_DEVICE,
            hardwareVersion: CK_VERSION { major: 1, minor: 0 },
            firmwareVersion: CK_VERSION { major: 1, minor: 0 },
        })
    }

    pub fn token_info(&self, slot: CK_SLOT_ID) -> Result<CK_TOKEN_INFO> {
        let source = self.token_source(slot)?;
        let mut card = self.connect(source)?;
        let status = card_status(&mut card)?;
        let label = card
            .read_certificate(Slot::AUTHENTICATION)
            .ok()
            .and_then(CertificateInfo::parse)
            .map(|c| c.common_name().to_string())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("Jeton PIV {}", status.serial));
        let mut flags =
            CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
        let counter_flags =
            |counter: jeton_piv::RetryCounter, low, last, locked| match counter.remaining {
                0 => locked,
                1 if counter.max > 1 => low | last,
                n if n < counter.max => low,
                _ => 0,
            };
        flags |= counter_flags(
            status.pin,
            CKF_USER_PIN_COUNT_LOW,
            CKF_USER_PIN_FINAL_TRY,
            CKF_USER_PIN_LOCKED,
        );
        flags |= counter_flags(
            status.puk,
            CKF_SO_PIN_COUNT_LOW,
            CKF_SO_PIN_FINAL_TRY,
            CKF_SO_PIN_LOCKED,
        );
        if status.temporary_pin {
            flags |= CKF_USER_PIN_TO_BE_CHANGED;
        }
        let (sessions, rw_sessions) = {
            let map = self.sessions.read().unwrap_or_else(|p| p.into_inner());
            let on_slot = map.values().filter(|entry| entry.slot_id == slot);
            let all: Vec<_> = on_slot.collect();
            (
                all.len(),
                all.iter().filter(|entry| entry.read_write).count(),
            )
        };
        Ok(CK_TOKEN_INFO {
            label: padded(&label),
            manufacturerID: padded("Jeton"),
            model: padded("PIV virtual"),
            serialNumber: padded(&status.serial.to_string()),
            flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: sessions as CK_ULONG,
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: rw_sessions as CK_ULONG,
            ulMaxPinLen: 8,
            ulMinPinLen: 6,
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: CK_VERSION { major: 1, minor: 0 },
            firmwareVersion: CK_VERSION { major: 5, minor: 7 },
            utcTime: [b' '; 16],
        })
    }

    pub fn mechanism_list(&self, slot: CK_SLOT_ID) -> Result<Vec<CK_MECHANISM_TYPE>> {
        self.token_source(slot)?;
        Ok(MECHANISMS.iter().map(|(kind, ..)| *kind).collect())
    }

    pub fn mechanism_info(
        &self,
        slot: CK_SLOT_ID,
        kind: CK_MECHANISM_TYPE,
    ) -> Result<CK_MECHANISM_INFO> {
        self.token_source(slot)?;
        let (_, min, max, flags) = MECHANISMS
            .iter()
            .find(|(k, ..)| *k == kind)
            .ok_or(Error::MechanismInvalid)?;
        Ok(CK_MECHANISM_INFO {
            ulMinKeySize: *min,
            ulMaxKeySize: *max,
            flags: *flags,
        })
    }

    /// Blocks (unless `dont_block`) until a card appears or goes; returns its slot.
    pub fn wait_for_slot_event(&self, dont_block: bool) -> Result<CK_SLOT_ID> {
        loop {
            let now: BTreeSet<CK_SLOT_ID> = self.slot_list(true)?.into_iter().collect();
            {
                let mut seen = lock(&self.seen_slots);
                if let Some(changed) = now.symmetric_difference(&seen).next().copied() {
                    if now.contains(&changed) {
                        seen.insert(changed);
                    } else {
                        seen.remove(&changed);
                    }
                    return Ok(changed);
                }
            }
            if dont_block {
                return Err(Error::NoEvent);
            }
            if self.finalizing.load(Ordering::SeqCst) {
                return Err(Error::NotInitialized);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    // ---- sessions and login ----

    fn token_state(&self, slot: CK_SLOT_ID, source: TokenSource) -> Arc<Mutex<TokenState>> {
        let mut tokens = lock(&self.tokens);
        let token = tokens.entry(slot).or_insert_with(|| {
            let cards = lock(&self.slots).cards().clone();
            Arc::new(Mutex::new(TokenState::new(cards, source)))
        });
        Arc::clone(token)
    }

    fn entry(&self, handle: CK_SESSION_HANDLE) -> Result<Arc<SessionEntry>> {
        let map = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        map.get(&handle).cloned().ok_or(Error::SessionHandleInvalid)
    }

    pub fn open_session(&self, slot: CK_SLOT_ID, flags: CK_FLAGS) -> Result<CK_SESSION_HANDLE> {
        if flags & CKF_SERIAL_SESSION == 0 {
            return Err(Error::SessionParallelNotSupported);
        }
        let read_write = flags & CKF_RW_SESSION != 0;
        let source = self.token_source(slot)?;
        let token = self.token_state(slot, source);
        if !read_write && matches!(lock(&token).login, Login::SecurityOfficer { .. }) {
            return Err(Error::SessionReadWriteSoExists);
        }
        let mut session = Session::new(slot, token);
        // The card must answer now; the connection goes back to the token for the calls.
        session.with_card(|card| card.select().map_err(|_| Error::TokenNotPresent))?;
        let handle = NEXT_SESSION.fetch_add(1, Ordering::SeqCst);
        let entry = Arc::new(SessionEntry {
            slot_id: slot,
            read_write,
            session: Mutex::new(session),
        });
        self.sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(handle, entry);
        Ok(handle)
    }

    pub fn close_session(&self, handle: CK_SESSION_HANDLE) -> Result<()> {
        let entry = self
            .sessions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&handle)
            .ok_or(Error::SessionHandleInvalid)?;
        lock(&self.secrets).retain(|_, secret| secret.session != handle);
        // The last session of a token closed: everybody is logged out (PKCS#11 §5.6).
        let slot = entry.slot_id;
        let others = self
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .any(|e| e.slot_id == slot);
        if !others {
            if let Some(token) = lock(&self.tokens).get(&slot) {
                lock(token).log_out();
            }
        }
        Ok(())
    }

    pub fn close_all_sessions(&self, slot: CK_SLOT_ID) -> Result<()> {
        match self.token_source(slot) {
            Ok(_) | Err(Error::TokenNotPresent) => {}
            Err(error) => return Err(error),
        }
        let handles: Vec<_> = self
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, e)| e.slot_id == slot)
            .map(|(h, _)| *h)
            .collect();
        for handle in handles {
            let _ = self.close_session(handle);
        }
        Ok(())
    }

    pub fn session_info(&self, handle: CK_SESSION_HANDLE) -> Result<CK_SESSION_INFO> {
        let entry = self.entry(handle)?;
        let session = lock(&entry.session);
        let login = match lock(&session.token).login {
            Login::Public => 0,
            Login::User { .. } => 1,
            Login::SecurityOfficer { .. } => 2,
        };
        let state = match (entry.read_write, login) {
            (false, 0) => CKS_RO_PUBLIC_SESSION,
            (false, _) => CKS_RO_USER_FUNCTIONS,
            (true, 0) => CKS_RW_PUBLIC_SESSION,
            (true, 1) => CKS_RW_USER_FUNCTIONS,
            (true, _) => CKS_RW_SO_FUNCTIONS,
        };
        let rw = if entry.read_write { CKF_RW_SESSION } else { 0 };
        Ok(CK_SESSION_INFO {
            slotID: entry.slot_id,
            state,
            flags: CKF_SERIAL_SESSION | rw,
            ulDeviceError: 0,
        })
    }

    pub fn login(
        &self,
        handle: CK_SESSION_HANDLE,
        user: CK_USER_TYPE,
        secret: &[u8],
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let session = &mut *session;
        let token_arc = Arc::clone(&session.token);
        match user {
            CKU_USER => {
                let mut token = lock(&token_arc);
                match token.login {
                    Login::User { .. } => return Err(Error::UserAlreadyLoggedIn),
                    Login::SecurityOfficer { .. } => return Err(Error::UserAnotherAlreadyLoggedIn),
                    Login::Public => {}
                }
                let pin = login_secret(user_pin, secret)?;
                let mut connection = session.take_connection(&mut token)?;
                let result = connection.card.verify_pin(&pin).map_err(Error::from);
                if result.is_ok() {
                    // Read after the VERIFY: the tag of the wrap this PIN opens now.
                    let wrap = slots::wrap_tag(&mut connection.card).ok().flatten();
                    token.login = Login::User {
                        pin: Zeroizing::new(secret.to_vec()),
                        wrap,
                    };
                    token.generation += 1;
                    connection.generation = Some(token.generation);
                }
                let gone = result == Err(Error::DeviceRemoved);
                session.give_back(&mut token, connection, gone);
                result?;
            }
            CKU_SO => {
                let read_only_exists = self
                    .sessions
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .values()
                    .any(|e| e.slot_id == entry.slot_id && !e.read_write);
                if read_only_exists {
                    return Err(Error::SessionReadOnlyExists);
                }
                let mut token = lock(&token_arc);
                match token.login {
                    Login::SecurityOfficer { .. } => return Err(Error::UserAlreadyLoggedIn),
                    Login::User { .. } => return Err(Error::UserAnotherAlreadyLoggedIn),
                    Login::Public => {}
                }
                let puk = login_secret(unblock_code, secret)?;
                // PIV has no VERIFY for the PUK: CHANGE REFERENCE DATA 81 with old = new
                // checks it, spending a try when wrong and restoring them when right.
                let mut connection = session.take_connection(&mut token)?;
                let result = connection.card.change_puk(&puk, &puk).map_err(Error::from);
                if result.is_ok() {
                    token.login = Login::SecurityOfficer {
                        puk: Zeroizing::new(secret.to_vec()),
                    };
                    token.generation += 1;
                    connection.generation = Some(token.generation);
                }
                let gone = result == Err(Error::DeviceRemoved);
                session.give_back(&mut token, connection, gone);
                result?;
            }
            CKU_CONTEXT_SPECIFIC => {
                let pin = login_secret(user_pin, secret)?;
                let waiting = session
                    .sign
                    .as_ref()
                    .is_some_and(|op| op.needs_context_login)
                    || session
                        .decrypt
                        .as_ref()
                        .is_some_and(|op| op.needs_context_login);
                if !waiting {
                    return Err(Error::OperationNotInitialized);
                }
                // The session keeps this connection until the operation ends: its card
                // allows the one PIN-always use there.
                session.with_card(|card| Ok(card.verify_pin(&pin)?))?;
                if let Some(op) = session.sign.as_mut() {
                    op.context_login_done = true;
                }
                if let Some(op) = session.decrypt.as_mut() {
                    op.context_login_done = true;
                }
            }
            _ => return Err(Error::UserTypeInvalid),
        }
        Ok(())
    }

    pub fn logout(&self, handle: CK_SESSION_HANDLE) -> Result<()> {
        let entry = self.entry(handle)?;
        let session = lock(&entry.session);
        let mut token = lock(&session.token);
        if matches!(token.login, Login::Public) {
            return Err(Error::UserNotLoggedIn);
        }
        token.log_out();
        Ok(())
    }

    fn is_user(session: &Session) -> bool {
        matches!(lock(&session.token).login, Login::User { .. })
    }

    pub fn init_pin(&self, handle: CK_SESSION_HANDLE, new_pin: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        let mut session = lock(&entry.session);
        let token_arc = Arc::clone(&session.token);
        let token = lock(&token_arc);
        let Login::SecurityOfficer { puk } = &token.login else {
            return Err(Error::UserNotLoggedIn);
        };
        let (puk, new_pin) = (unblock_code(puk)?, user_pin(new_pin)?);
        drop(token);
        session.with_card(|card| Ok(card.unblock_pin(&puk, &new_pin)?))
    }

    pub fn set_pin(&self, handle: CK_SESSION_HANDLE, old: &[u8], new: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        let mut session = lock(&entry.session);
        let token_arc = Arc::clone(&session.token);
        // The token stays locked: no login or logout comes between the change and the
        // login state that follows it.
        let mut token = lock(&token_arc);
        let mut connection = session.take_connection(&mut token)?;
        let result = Self::change_secret(&mut token, &mut connection.card, old, new);
        let gone = result == Err(Error::DeviceRemoved);
        session.give_back(&mut token, connection, gone);
        result
    }

    /// `C_SetPIN` on one connection: the PUK in an SO session, else the PIN (or, when the
    /// PIN is blocked in a public session, an unblock with the PUK).
    fn change_secret(
        token: &mut TokenState,
        card: &mut Card,
        old: &[u8],
        new: &[u8],
    ) -> Result<()> {
        match &token.login {
            Login::SecurityOfficer { .. } => {
                let (old, new) = (unblock_code(old)?, unblock_code(new)?);
                card.change_puk(&old, &new)?;
                token.login = Login::SecurityOfficer {
                    puk: Zeroizing::new(new.as_bytes().to_vec()),
                };
            }
            login => {
                let logged_in = matches!(login, Login::User { .. });
                let new_pin = user_pin(new)?;
                // A blocked PIN cannot be changed, only unblocked: in a public session,
                // C_SetPIN(unblock code, new PIN) then unblocks, as OpenSC's
                // `pkcs11-tool --unlock-pin --puk` expects (its "set_pin_in_unlogged_session").
                let blocked = !logged_in
                    && matches!(
                        card.pin_verification(),
                        Ok(jeton_piv::PinVerification::Blocked)
                    );
                if blocked {
                    card.unblock_pin(&unblock_code(old)?, &new_pin)?;
                    return Ok(());
                }
                card.change_pin(&user_pin(old)?, &new_pin)?;
                if logged_in {
                    // The new wrap's tag, or the other connections would take this very
                    // change for one made elsewhere.
                    let wrap = slots::wrap_tag(card).ok().flatten();
                    token.login = Login::User {
                        pin: Zeroizing::new(new.to_vec()),
                        wrap,
                    };
                }
            }
        }
        Ok(())
    }

    // ---- objects ----

    /// What a PIV slot holds, read once per session and search.
    fn contents(session: &mut Session, slot: Slot) -> Result<&SlotContents> {
        if !session.contents.contains_key(&slot) {
            let ((public, origin), certificate) = session.with_card(|card| {
                let key = match card.metadata(KeyReference::Slot(slot)) {
                    Ok(metadata) => (
                        metadata.public_key.as_ref().map(PublicParts::from_piv),
                        metadata.origin,
                    ),
                    Err(_) => (None, None),
                };
                let certificate = card
                    .read_certificate(slot)
                    .ok()
                    .and_then(CertificateInfo::parse);
                Ok((key, certificate))
            })?;
            session.contents.insert(
                slot,
                SlotContents {
                    slot,
                    public,
                    origin,
                    certificate,
                },
            );
        }
        session.contents.get(&slot).ok_or(Error::GeneralError)
    }

    /// The token object behind a handle, if it exists and this session may see it.
    fn token_object(session: &mut Session, handle: CK_OBJECT_HANDLE) -> Result<(Slot, ObjectKind)> {
        let (slot_id, slot, kind) =
            objects::parse_handle(handle).ok_or(Error::ObjectHandleInvalid)?;
        if slot_id != session.slot_id || (kind == ObjectKind::PrivateKey && !Self::is_user(session))
        {
            return Err(Error::ObjectHandleInvalid);
        }
        if !Self::contents(session, slot)?.has(kind) {
            return Err(Error::ObjectHandleInvalid);
        }
        Ok((slot, kind))
    }

    pub fn find_objects_init(&self, handle: CK_SESSION_HANDLE, template: &Template) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.found.is_some() {
            return Err(Error::OperationActive);
        }
        session.contents.clear();
        let user = Self::is_user(&session);
        let mut found = Vec::new();
        for slot in Slot::all() {
            let contents = Self::contents(&mut session, slot)?.clone();
            for kind in contents.kinds() {
                if (kind != ObjectKind::PrivateKey || user)
                    && objects::matches(&contents, kind, template)
                {
                    found.push(objects::handle_of(entry.slot_id, slot, kind));
                }
            }
        }
        for (secret_handle, secret) in lock(&self.secrets).iter() {
            if secret.session == handle
                && template
                    .iter()
                    .all(|(t, v)| secret_attribute(secret, *t).is_ok_and(|actual| actual == *v))
            {
                found.push(*secret_handle);
            }
        }
        found.reverse();
        session.found = Some(found);
        Ok(())
    }

    pub fn find_objects(
        &self,
        handle: CK_SESSION_HANDLE,
        max: usize,
    ) -> Result<Vec<CK_OBJECT_HANDLE>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let found = session
            .found
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let mut out = Vec::new();
        while out.len() < max {
            match found.pop() {
                Some(object) => out.push(object),
                None => break,
            }
        }
        Ok(out)
    }

    pub fn find_objects_final(&self, handle: CK_SESSION_HANDLE) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        session
            .found
            .take()
            .map(drop)
            .ok_or(Error::OperationNotInitialized)
    }

    /// Each attribute's value, or why it has none (sensitive, or not an attribute of it).
    pub fn attribute_values(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
        kinds: &[CK_ATTRIBUTE_TYPE],
    ) -> Result<Vec<Result<Vec<u8>>>> {
        let entry = self.entry(handle)?;
        if object >= SECRET_HANDLE_BASE {
            let secrets = lock(&self.secrets);
            let secret = secrets
                .get(&object)
                .filter(|s| s.session == handle)
                .ok_or(Error::ObjectHandleInvalid)?;
            return Ok(kinds
                .iter()
                .map(|kind| secret_attribute(secret, *kind))
                .collect());
        }
        let mut session = lock(&entry.session);
        let (slot, kind) = Self::token_object(&mut session, object)?;
        let contents = Self::contents(&mut session, slot)?;
        Ok(kinds
            .iter()
            .map(|attribute| objects::attribute(contents, kind, *attribute))
            .collect())
    }

    pub fn object_size(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
    ) -> Result<usize> {
        let entry = self.entry(handle)?;
        if object >= SECRET_HANDLE_BASE {
            let secrets = lock(&self.secrets);
            let secret = secrets
                .get(&object)
                .filter(|s| s.session == handle)
                .ok_or(Error::ObjectHandleInvalid)?;
            return Ok(secret.value.len());
        }
        let mut session = lock(&entry.session);
        let (slot, kind) = Self::token_object(&mut session, object)?;
        let contents = Self::contents(&mut session, slot)?;
        Ok(match kind {
            ObjectKind::Certificate => contents.certificate.as_ref().map_or(0, |c| c.der.len()),
            _ => CK_UNAVAILABLE_INFORMATION as usize,
        })
    }

    pub fn create_object(
        &self,
        handle: CK_SESSION_HANDLE,
        template: &Template,
    ) -> Result<CK_OBJECT_HANDLE> {
        let entry = self.entry(handle)?;
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        let class = find_attribute(template, CKA_CLASS)
            .ok_or(Error::TemplateIncomplete)
            .and_then(ulong_of)?;
        if class != CKO_CERTIFICATE {
            return Err(Error::TemplateInconsistent);
        }
        if let Some(kind) = find_attribute(template, CKA_CERTIFICATE_TYPE) {
            if ulong_of(kind)? != CKC_X_509 {
                return Err(Error::TemplateInconsistent);
            }
        }
        let der = find_attribute(template, CKA_VALUE).ok_or(Error::TemplateIncomplete)?;
        let certificate =
            CertificateInfo::parse(der.to_vec()).ok_or(Error::AttributeValueInvalid)?;
        let mut session = lock(&entry.session);
        let slot = match find_attribute(template, CKA_ID) {
            Some(id) => objects::slot_of_id(id).ok_or(Error::AttributeValueInvalid)?,
            // Without an id, the slot whose key the certificate certifies.
            None => {
                let public = certificate
                    .certified_key()
                    .cloned()
                    .ok_or(Error::AttributeValueInvalid)?;
                let mut chosen = None;
                for slot in Slot::all() {
                    if Self::contents(&mut session, slot)?.public.as_ref() == Some(&public) {
                        chosen = Some(slot);
                        break;
                    }
                }
                chosen.ok_or(Error::TemplateIncomplete)?
            }
        };
        session.with_card(|card| {
            card.authenticate(&self.config.management_key)?;
            Ok(card.write_certificate(slot, der)?)
        })?;
        session.contents.remove(&slot);
        Ok(objects::handle_of(
            entry.slot_id,
            slot,
            ObjectKind::Certificate,
        ))
    }

    pub fn destroy_object(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        if object >= SECRET_HANDLE_BASE {
            let mut secrets = lock(&self.secrets);
            return match secrets.get(&object) {
                Some(secret) if secret.session == handle => {
                    secrets.remove(&object);
                    Ok(())
                }
                _ => Err(Error::ObjectHandleInvalid),
            };
        }
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        let mut session = lock(&entry.session);
        let (slot, kind) = Self::token_object(&mut session, object)?;
        if kind != ObjectKind::Certificate {
            // PIV has no command that deletes a key.
            return Err(Error::ActionProhibited);
        }
        session.with_card(|card| {
            card.authenticate(&self.config.management_key)?;
            Ok(card.delete_certificate(slot)?)
        })?;
        session.contents.remove(&slot);
        Ok(())
    }

    pub fn generate_key_pair(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        public_template: &Template,
        private_template: &Template,
    ) -> Result<(CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)> {
        let entry = self.entry(handle)?;
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        if mechanism.parameter != Parameter::None {
            return Err(Error::MechanismParamInvalid);
        }
        let either = |kind| {
            find_attribute(public_template, kind).or_else(|| find_attribute(private_template, kind))
        };
        let algorithm = match mechanism.kind {
            CKM_RSA_PKCS_KEY_PAIR_GEN => {
                if let Some(exponent) = find_attribute(public_template, CKA_PUBLIC_EXPONENT) {
                    let trimmed: Vec<u8> =
                        exponent.iter().copied().skip_while(|b| *b == 0).collect();
                    if trimmed != [0x01, 0x00, 0x01] {
                        return Err(Error::TemplateInconsistent);
                    }
                }
                let bits = find_attribute(public_template, CKA_MODULUS_BITS)
                    .ok_or(Error::TemplateIncomplete)?;
                match ulong_of(bits)? {
                    2048 => KeyAlgorithm::Rsa2048,
                    3072 => KeyAlgorithm::Rsa3072,
                    4096 => KeyAlgorithm::Rsa4096,
                    _ => return Err(Error::AttributeValueInvalid),
                }
            }
            CKM_EC_KEY_PAIR_GEN => {
                let params = either(CKA_EC_PARAMS).ok_or(Error::TemplateIncomplete)?;
                Curve::from_params(params)
                    .ok_or(Error::AttributeValueInvalid)?
                    .algorithm()
            }
            _ => return Err(Error::MechanismInvalid),
        };
        let mut session = lock(&entry.session);
        if !Self::is_user(&session) {
            return Err(Error::UserNotLoggedIn);
        }
        let slot = match either(CKA_ID) {
            Some(id) => objects::slot_of_id(id).ok_or(Error::AttributeValueInvalid)?,
            // Without an id, the first free slot whose key needs the PIN once: never 9C
            // (the holder's qualified signature key, asked for by id) nor 9E (no PIN at all).
            None => {
                let mut free = None;
                for slot in Slot::all()
                    .filter(|s| ![Slot::SIGNATURE, Slot::CARD_AUTHENTICATION].contains(s))
                {
                    if Self::contents(&mut session, slot)?.public_key().is_none() {
                        free = Some(slot);
                        break;
                    }
                }
                free.ok_or(Error::DeviceMemory)?
            }
        };
        session.with_user_card(|card| {
            card.authenticate(&self.config.management_key)?;
            Ok(card.generate(slot, algorithm)?)
        })?;
        session.contents.remove(&slot);
        Ok((
            objects::handle_of(entry.slot_id, slot, ObjectKind::PublicKey),
            objects::handle_of(entry.slot_id, slot, ObjectKind::PrivateKey),
        ))
    }

    // ---- signing and verifying ----

    fn key_for(
        session: &mut Session,
        key: CK_OBJECT_HANDLE,
        wanted: ObjectKind,
    ) -> Result<(Slot, PublicParts)> {
        let (slot, kind) = Self::token_object(session, key).map_err(|_| Error::KeyHandleInvalid)?;
        if kind != wanted {
            return Err(Error::KeyHandleInvalid);
        }
        let public = Self::contents(session, slot)?
            .public_key()
            .cloned()
            .ok_or(Error::KeyHandleInvalid)?;
        Ok((slot, public))
    }

    /// A signature to make with a private key, or to check with a public one.
    fn signature_operation(
        session: &mut Session,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
        kind: ObjectKind,
    ) -> Result<SignOperation> {
        let scheme = SignScheme::from_mechanism(mechanism)?;
        let (slot, public) = Self::key_for(session, key, kind)?;
        if scheme.is_rsa() != matches!(public, PublicParts::Rsa { .. }) {
            return Err(Error::KeyTypeInconsistent);
        }
        let signing = kind == ObjectKind::PrivateKey;
        Ok(SignOperation {
            scheme,
            slot,
            key: public,
            // Verification hashes as the data comes; signing decides at the first call.
            message: if signing {
                None
            } else {
                Some(MessageBuffer::new(scheme)?)
            },
            parts: Parts::Undecided,
            // The 9C key needs the PIN again for each signature (sole control).
            needs_context_login: signing && slot == Slot::SIGNATURE,
            context_login_done: false,
        })
    }

    pub fn sign_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.sign.is_some() {
            return Err(Error::OperationActive);
        }
        let operation =
            Self::signature_operation(&mut session, mechanism, key, ObjectKind::PrivateKey)?;
        session.sign = Some(operation);
        Ok(())
    }

    /// Runs the card's signature of a prepared message (hashed when the mechanism hashes).
    fn card_sign(session: &mut Session, op: &SignOperation, message: &[u8]) -> Result<Vec<u8>> {
        if !Self::is_user(session) || (op.needs_context_login && !op.context_login_done) {
            return Err(Error::UserNotLoggedIn);
        }
        let input = op.scheme.card_input(message, &op.key)?;
        let algorithm = op.key.algorithm().ok_or(Error::KeyTypeInconsistent)?;
        let output =
            session.with_user_card(|card| Ok(card.sign_raw(op.slot, algorithm, &input)?))?;
        op.scheme.finish(output, &op.key)
    }

    pub fn sign(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .sign
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        if let Err(error) = op.parts.settle(Parts::Single) {
            session.sign = None;
            return Err(error);
        }
        let needed = op.scheme.signature_len(&op.key);
        if capacity.is_none_or(|c| c < needed) {
            return Ok(Output::Needed(needed));
        }
        let op = session.sign.take().ok_or(Error::OperationNotInitialized)?;
        let message = match op.scheme.message_hash() {
            Some(hash) => Zeroizing::new(hash.digest(data).map_err(|_| Error::FunctionFailed)?),
            None => Zeroizing::new(data.to_vec()),
        };
        Self::card_sign(&mut session, &op, &message).map(Output::Done)
    }

    pub fn sign_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .sign
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let result = op.parts.settle(Parts::Multiple).and_then(|()| {
            let message = match &mut op.message {
                Some(message) => message,
                empty => empty.insert(MessageBuffer::new(op.scheme)?),
            };
            message.update(data)
        });
        if result.is_err() {
            session.sign = None;
        }
        result
    }

    pub fn sign_final(
        &self,
        handle: CK_SESSION_HANDLE,
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .sign
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        if let Err(error) = op.parts.settle(Parts::Multiple) {
            session.sign = None;
            return Err(error);
        }
        let needed = op.scheme.signature_len(&op.key);
        if capacity.is_none_or(|c| c < needed) {
            return Ok(Output::Needed(needed));
        }
        let mut op = session.sign.take().ok_or(Error::OperationNotInitialized)?;
        let message = match op.message.take() {
            Some(buffer) => buffer.finish()?,
            None => MessageBuffer::new(op.scheme)?.finish()?,
        };
        Self::card_sign(&mut session, &op, &message).map(Output::Done)
    }

    pub fn verify_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.verify.is_some() {
            return Err(Error::OperationActive);
        }
        let operation =
            Self::signature_operation(&mut session, mechanism, key, ObjectKind::PublicKey)?;
        session.verify = Some(operation);
        Ok(())
    }

    pub fn verify(&self, handle: CK_SESSION_HANDLE, data: &[u8], signature: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let mut op = session
            .verify
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        op.parts.settle(Parts::Single)?;
        let mut buffer = op.message.take().ok_or(Error::OperationNotInitialized)?;
        buffer.update(data)?;
        op.scheme.verify(&buffer.finish()?, signature, &op.key)
    }

    pub fn verify_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .verify
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let result = op
            .parts
            .settle(Parts::Multiple)
            .and_then(|()| op.message.as_mut().map_or(Ok(()), |m| m.update(data)));
        if result.is_err() {
            session.verify = None;
        }
        result
    }

    pub fn verify_final(&self, handle: CK_SESSION_HANDLE, signature: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let mut op = session
            .verify
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        let buffer = op.message.take().ok_or(Error::OperationNotInitialized)?;
        op.scheme.verify(&buffer.finish()?, signature, &op.key)
    }

    // ---- decryption (9D), key agreement, digests, random ----

    pub fn decrypt_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.decrypt.is_some() {
            return Err(Error::OperationActive);
        }
        let scheme = DecryptScheme::from_mechanism(mechanism)?;
        let (slot, public) = Self::key_for(&mut session, key, ObjectKind::PrivateKey)?;
        let contents = Self::contents(&mut session, slot)?;
        if objects::attribute(contents, ObjectKind::PrivateKey, CKA_DECRYPT)? != [CK_TRUE] {
            return Err(Error::KeyFunctionNotPermitted);
        }
        session.decrypt = Some(DecryptOperation {
            scheme,
            slot,
            key: public,
            pending: None,
            needs_context_login: slot == Slot::SIGNATURE,
            context_login_done: false,
        });
        Ok(())
    }

    pub fn decrypt(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output<Zeroizing<Vec<u8>>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let session = &mut *session;
        let op = session
            .decrypt
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let PublicParts::Rsa { modulus, .. } = &op.key else {
            session.decrypt = None;
            return Err(Error::KeyTypeInconsistent);
        };
        let Some(capacity) = capacity else {
            return Ok(Output::Needed(
                op.pending.as_ref().map_or(modulus.len(), |p| p.len()),
            ));
        };
        let plaintext = match op.pending.take() {
            Some(plaintext) => plaintext,
            None => {
                let op = session
                    .decrypt
                    .take()
                    .ok_or(Error::OperationNotInitialized)?;
                let result = (|| {
                    if data.len() != modulus_len(&op.key) {
                        return Err(Error::EncryptedDataLenRange);
                    }
                    let algorithm = op.key.algorithm().ok_or(Error::KeyTypeInconsistent)?;
                    let block = session
                        .with_user_card(|card| Ok(card.decrypt(op.slot, algorithm, data)?))?;
                    op.scheme.unpad(&block)
                })();
                let plaintext = result?;
                session.decrypt = Some(op);
                plaintext
            }
        };
        if plaintext.len() > capacity {
            let needed = plaintext.len();
            if let Some(op) = session.decrypt.as_mut() {
                op.pending = Some(plaintext);
            }
            return Ok(Output::Needed(needed));
        }
        session.decrypt = None;
        Ok(Output::Done(plaintext))
    }

    pub fn derive_key(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        base_key: CK_OBJECT_HANDLE,
        template: &Template,
    ) -> Result<CK_OBJECT_HANDLE> {
        let entry = self.entry(handle)?;
        let Parameter::Ecdh {
            kdf,
            shared_data,
            public_data,
        } = &mechanism.parameter
        else {
            return Err(if mechanism.kind == CKM_ECDH1_DERIVE {
                Error::MechanismParamInvalid
            } else {
                Error::MechanismInvalid
            });
        };
        if mechanism.kind != CKM_ECDH1_DERIVE {
            return Err(Error::MechanismInvalid);
        }
        if *kdf != CKD_NULL || !shared_data.is_empty() {
            return Err(Error::MechanismParamInvalid);
        }
        if find_attribute(template, CKA_TOKEN)
            .map(bool_of)
            .transpose()?
            == Some(true)
        {
            return Err(Error::TemplateInconsistent);
        }
        let mut session = lock(&entry.session);
        let (slot, public) = Self::key_for(&mut session, base_key, ObjectKind::PrivateKey)?;
        let PublicParts::Ec { curve, .. } = public else {
            return Err(Error::KeyTypeInconsistent);
        };
        if objects::attribute(
            Self::contents(&mut session, slot)?,
            ObjectKind::PrivateKey,
            CKA_DERIVE,
        )? != [CK_TRUE]
        {
            return Err(Error::KeyFunctionNotPermitted);
        }
        // The peer's point, raw or wrapped in a DER OCTET STRING.
        let raw_len = 1 + 2 * curve.field_bytes();
        let point = match public_data.as_slice() {
            raw if raw.len() == raw_len => raw,
            [0x04, len, rest @ ..] if usize::from(*len) == rest.len() && rest.len() == raw_len => {
                rest
            }
            [0x04, 0x81, len, rest @ ..]
                if usize::from(*len) == rest.len() && rest.len() == raw_len =>
            {
                rest
            }
            _ => return Err(Error::MechanismParamInvalid),
        };
        let mut value =
            session.with_user_card(|card| Ok(card.ecdh(slot, curve.algorithm(), point)?))?;
        if let Some(len) = find_attribute(template, CKA_VALUE_LEN) {
            let len = ulong_of(len)? as usize;
            if len == 0 || len > value.len() {
                return Err(Error::AttributeValueInvalid);
            }
            value.truncate(len);
        }
        let attribute_bool = |kind, default| {
            find_attribute(template, kind)
                .map(bool_of)
                .transpose()
                .map(|v| v.unwrap_or(default))
        };
        let secret = SecretObject {
            session: handle,
            value,
            key_type: find_attribute(template, CKA_KEY_TYPE)
                .map(ulong_of)
                .transpose()?
                .unwrap_or(CKK_GENERIC_SECRET),
            sensitive: attribute_bool(CKA_SENSITIVE, false)?,
            extractable: attribute_bool(CKA_EXTRACTABLE, true)?,
            label: find_attribute(template, CKA_LABEL)
                .unwrap_or_default()
                .to_vec(),
            id: find_attribute(template, CKA_ID)
                .unwrap_or_default()
                .to_vec(),
        };
        let secret_handle = NEXT_SECRET.fetch_add(1, Ordering::SeqCst);
        lock(&self.secrets).insert(secret_handle, secret);
        Ok(secret_handle)
    }

    pub fn digest_init(&self, handle: CK_SESSION_HANDLE, mechanism: &Mechanism) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.digest.is_some() {
            return Err(Error::OperationActive);
        }
        session.digest = Some(DigestOperation {
            hasher: mechanisms::digest_hasher(mechanism)?,
            parts: Parts::Undecided,
        });
        Ok(())
    }

    /// The digest operation, in the form this call needs; a call of the other form ends it.
    fn digest_operation(session: &mut Session, form: Parts) -> Result<&mut DigestOperation> {
        let op = session
            .digest
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        if let Err(error) = op.parts.settle(form) {
            session.digest = None;
            return Err(error);
        }
        session
            .digest
            .as_mut()
            .ok_or(Error::OperationNotInitialized)
    }

    /// The digest's length, or `None` when the caller has room for it. A digest's size is
    /// known from its hasher only once finished: a clone is asked.
    fn digest_room(op: &DigestOperation, capacity: Option<usize>) -> Result<Option<usize>> {
        let needed = op.hasher.clone().finish()?.len();
        Ok(capacity.is_none_or(|c| c < needed).then_some(needed))
    }

    pub fn digest(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = Self::digest_operation(&mut session, Parts::Single)?;
        if let Some(needed) = Self::digest_room(op, capacity)? {
            return Ok(Output::Needed(needed));
        }
        let mut op = session
            .digest
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        op.hasher.update(data)?;
        Ok(Output::Done(op.hasher.finish()?.to_vec()))
    }

    pub fn digest_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = Self::digest_operation(&mut session, Parts::Multiple)?;
        if op.hasher.update(data).is_err() {
            session.digest = None;
            return Err(Error::FunctionFailed);
        }
        Ok(())
    }

    pub fn digest_final(
        &self,
        handle: CK_SESSION_HANDLE,
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = Self::digest_operation(&mut session, Parts::Multiple)?;
        if let Some(needed) = Self::digest_room(op, capacity)? {
            return Ok(Output::Needed(needed));
        }
        let mut op = session
            .digest
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        Ok(Output::Done(op.hasher.finish()?.to_vec()))
    }

    pub fn generate_random(&self, handle: CK_SESSION_HANDLE, out: &mut [u8]) -> Result<()> {
        self.entry(handle)?;
        openssl::rand::rand_bytes(out).map_err(|_| Error::RandomNoRng)
    }

    /// `C_SessionCancel`: ends the operations the flags name.
    pub fn session_cancel(&self, handle: CK_SESSION_HANDLE, flags: CK_FLAGS) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if flags & CKF_SIGN != 0 {
            session.sign = None;
        }
        if flags & CKF_VERIFY != 0 {
            session.verify = None;
        }
        if flags & CKF_DECRYPT != 0 {
            session.decrypt = None;
        }
        if flags & CKF_DIGEST != 0 {
            session.digest = None;
        }
        if flags & CKF_FIND_OBJECTS != 0 {
            session.found = None;
        }
        Ok(())
    }

    pub fn check_session(&self, handle: CK_SESSION_HANDLE) -> Result<()> {
        self.entry(handle).map(drop)
    }
}

/// The card's serial and counters. A PIV card without the YubiKey extensions (GET SERIAL,
/// GET METADATA) still tells its PIN tries through VERIFY without data; its PUK tries and
/// temporary-PIN flag stay unknown.
fn card_status(card: &mut Card) -> Result<CardStatus> {
    if let Ok(status) = card.status() {
        return Ok(status);
    }
    let remaining = match card.pin_verification()? {
        jeton_piv::PinVerification::Blocked => 0,
        jeton_piv::PinVerification::NotVerified { tries_left } => tries_left,
        jeton_piv::PinVerification::Verified => 3,
    };
    Ok(CardStatus {
        serial: card.serial().unwrap_or(0),
        pin: RetryCounter {
            remaining,
            max: remaining.max(3),
        },
        puk: RetryCounter {
            remaining: 3,
            max: 3,
        },
        temporary_pin: false,
    })
}

fn modulus_len(key: &PublicParts) -> usize {
    match key {
        PublicParts::Rsa { modulus, .. } => modulus.len(),
        PublicParts::Ec { .. } => 0,
    }
}

fn secret_attribute(secret: &SecretObject, kind: CK_ATTRIBUTE_TYPE) -> Result<Vec<u8>> {
    let boolean = |b: bool| vec![if b { CK_TRUE } else { CK_FALSE }];
    let ulong = |v: CK_ULONG| v.to_ne_bytes().to_vec();
    Ok(match kind {
        CKA_CLASS => ulong(CKO_SECRET_KEY),
        CKA_KEY_TYPE => ulong(secret.key_type),
        CKA_TOKEN | CKA_LOCAL | CKA_MODIFIABLE | CKA_ENCRYPT | CKA_DECRYPT | CKA_SIGN
        | CKA_VERIFY | CKA_WRAP | CKA_UNWRAP | CKA_DERIVE => boolean(false),
        CKA_PRIVATE => boolean(true),
        CKA_SENSITIVE | CKA_ALWAYS_SENSITIVE => boolean(secret.sensitive),
        CKA_EXTRACTABLE => boolean(secret.extractable),
        CKA_NEVER_EXTRACTABLE => boolean(!secret.extractable),
        CKA_LABEL => secret.label.clone(),
        CKA_ID => secret.id.clone(),
        CKA_VALUE_LEN => ulong(secret.value.len() as CK_ULONG),
        CKA_KEY_GEN_MECHANISM => ulong(CKM_ECDH1_DERIVE),
        CKA_VALUE if secret.sensitive || !secret.extractable => {
            return Err(Error::AttributeSensitive)
        }
        CKA_VALUE => secret.value.to_vec(),
        _ => return Err(Error::AttributeTypeInvalid),
    })
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
