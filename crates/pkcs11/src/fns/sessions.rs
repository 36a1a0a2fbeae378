//! Session management (PKCS#11 3.0 §5.6): sessions, login and logout, cancelling an
//! operation; and the PIN's two functions of §5.5, `C_InitPIN` and `C_SetPIN`. A PIN is
//! checked here before it reaches the card, so that a typo of the wrong length costs no try.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;
use jeton_piv::{reference, Pin, Puk};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::module::{lock, Module, SessionEntry, NEXT_SESSION};
use crate::session::{Card, Session};
use crate::slots::{self, Login, TokenSource, TokenState};

impl Module {
    fn token_state(&self, slot: CK_SLOT_ID, source: TokenSource) -> Arc<Mutex<TokenState>> {
        let mut tokens = lock(&self.tokens);
        let token = tokens.entry(slot).or_insert_with(|| {
            let cards = lock(&self.slots).cards().clone();
            Arc::new(Mutex::new(TokenState::new(cards, source)))
        });
        Arc::clone(token)
    }

    /// `C_OpenSession` (PKCS#11 3.0 §5.6.1).
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

    /// `C_CloseSession` (PKCS#11 3.0 §5.6.2).
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

    /// `C_CloseAllSessions` (PKCS#11 3.0 §5.6.3).
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

    /// `C_GetSessionInfo` (PKCS#11 3.0 §5.6.4).
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

    /// `C_SessionCancel` (PKCS#11 3.0 §5.6.5): ends the operations the flags name.
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

    /// `C_Login` and `C_LoginUser` (PKCS#11 3.0 §5.6.8, §5.6.9).
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

    /// `C_Logout` (PKCS#11 3.0 §5.6.10).
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

    /// Whether the token's user (`CKU_USER`) is logged in.
    pub(super) fn is_user(session: &Session) -> bool {
        matches!(lock(&session.token).login, Login::User { .. })
    }

    /// `C_InitPIN` (PKCS#11 3.0 §5.5.8): in an SO session, unblocks the PIN with the PUK.
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

    /// `C_SetPIN` (PKCS#11 3.0 §5.5.9).
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
}

/// A PIN given to the module: checked before it reaches the card, so a typo of the wrong
/// length costs no try.
fn user_pin(value: &[u8]) -> Result<Pin> {
    if !(reference::PIN_MIN_LEN..=reference::PIN_MAX_LEN).contains(&value.len()) {
        return Err(Error::PinLenRange);
    }
    Pin::new(value).map_err(|_| Error::PinInvalid)
}

fn unblock_code(value: &[u8]) -> Result<Puk> {
    if value.len() != reference::PUK_LEN {
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
