//! A session: the operations in progress and the object cache of its searches. It holds no
//! connection to the card of its own: each call borrows one from its token (see
//! `slots::TokenState`), so that thousands of sessions cost no file descriptors while
//! sessions on several threads still sign in parallel, each on its own connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;
use jeton_piv::{KeySlot, Pin, PivClient, Transport};
use openssl::hash::Hasher;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::mechanisms::{DecryptScheme, MessageBuffer, SignScheme};
use crate::module::lock;
use crate::objects::{PublicParts, SlotContents};
use crate::slots::{self, Connection, Login, PinState, TokenState};
use subtle::ConstantTimeEq;

/// A connection to the token's card: in-process, or through a PC/SC reader.
pub type Card = PivClient<Box<dyn Transport>>;

/// Whether an operation runs in one call (`C_Sign`, `C_Digest`) or in several (`*Update`
/// then `*Final`): its first call decides, a length query included. A call of the other
/// form is then `CKR_OPERATION_ACTIVE`, and ends the operation as any failed call does
/// (PKCS#11 3.0 §5.12–5.14: "C_Sign cannot be used to terminate a multi-part operation").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    Undecided,
    Single,
    Multiple,
}

impl Parts {
    /// Settles the form on the first call, or refuses the other form.
    pub fn settle(&mut self, form: Parts) -> Result<()> {
        match *self {
            Parts::Undecided => {
                *self = form;
                Ok(())
            }
            current if current == form => Ok(()),
            _ => Err(Error::OperationActive),
        }
    }
}

/// A signature being made or checked.
pub struct SignOperation {
    pub scheme: SignScheme,
    pub slot: KeySlot,
    pub key: PublicParts,
    pub message: Option<MessageBuffer>,
    pub parts: Parts,
    /// The 9C key needs `C_Login(CKU_CONTEXT_SPECIFIC)` for this very operation.
    pub needs_context_login: bool,
    pub context_login_done: bool,
}

pub struct DecryptOperation {
    pub scheme: DecryptScheme,
    pub slot: KeySlot,
    pub key: PublicParts,
    /// A result the caller's buffer was too small for, kept for the next call.
    pub pending: Option<Zeroizing<Vec<u8>>>,
    pub needs_context_login: bool,
    pub context_login_done: bool,
}

pub struct DigestOperation {
    pub hasher: Hasher,
    pub parts: Parts,
}

pub struct Session {
    pub slot_id: CK_SLOT_ID,
    pub token: Arc<Mutex<TokenState>>,
    /// The connection kept from a 9C operation's start to its end: the context login's
    /// VERIFY arms the card's PIN-always status on one connection, and the signature must
    /// run on that same one (SP 800-73-4 Part 1 §3.5.2, "PIN Always").
    held: Option<Connection>,
    pub contents: HashMap<KeySlot, SlotContents>,
    pub found: Option<Vec<CK_OBJECT_HANDLE>>,
    pub sign: Option<SignOperation>,
    pub verify: Option<SignOperation>,
    pub decrypt: Option<DecryptOperation>,
    pub digest: Option<DigestOperation>,
}

/// A connection handed back after a call: a transport failure means the card went away.
fn card_gone<T>(result: &Result<T>) -> bool {
    matches!(result, Err(Error::DeviceRemoved))
}

impl Session {
    pub fn new(slot_id: CK_SLOT_ID, token: Arc<Mutex<TokenState>>) -> Session {
        Session {
            slot_id,
            token,
            held: None,
            contents: HashMap::new(),
            found: None,
            sign: None,
            verify: None,
            decrypt: None,
            digest: None,
        }
    }

    fn waits_for_context_login(&self) -> bool {
        self.sign.as_ref().is_some_and(|op| op.needs_context_login)
            || self
                .decrypt
                .as_ref()
                .is_some_and(|op| op.needs_context_login)
    }

    /// The connection for this call, with the token already locked by the caller.
    pub fn take_connection(&mut self, token: &mut TokenState) -> Result<Connection> {
        match self.held.take() {
            Some(connection) => Ok(connection),
            None => token.take(),
        }
    }

    /// Gives a connection back: kept by the session while a 9C operation is under way,
    /// else returned to the token.
    pub fn give_back(&mut self, token: &mut TokenState, connection: Connection, gone: bool) {
        if !gone && self.waits_for_context_login() {
            self.held = Some(connection);
        } else {
            token.put(connection, gone);
        }
    }

    /// Runs `call` on a connection to the card.
    pub fn with_card<T>(&mut self, call: impl FnOnce(&mut Card) -> Result<T>) -> Result<T> {
        let token_arc = Arc::clone(&self.token);
        let mut connection = self.take_connection(&mut lock(&token_arc))?;
        let result = call(&mut connection.card);
        self.give_back(&mut lock(&token_arc), connection, card_gone(&result));
        result
    }

    /// Runs `call` on a connection whose card knows the user's PIN, VERIFYing it first on
    /// a connection that has not seen this login yet; `CKR_USER_NOT_LOGGED_IN` otherwise.
    ///
    /// The kept PIN is never sent where it may be wrong: when the card says its PIN changed
    /// since the login (another process ran `jeton pin change`, or a PIV tool through
    /// pcscd), or when a replay is refused, every session of the token is logged out and
    /// the application asks again (PKCS#11 3.0 §5.6), instead of the module spending the
    /// holder's tries by itself.
    pub fn with_user_card<T>(&mut self, call: impl FnOnce(&mut Card) -> Result<T>) -> Result<T> {
        let token_arc = Arc::clone(&self.token);
        let (generation, mut connection) = {
            let mut token = lock(&token_arc);
            if !matches!(token.login, Login::User { .. }) {
                return Err(Error::UserNotLoggedIn);
            }
            (token.generation, self.take_connection(&mut token)?)
        };
        let result = Self::as_user(&token_arc, generation, &mut connection)
            .and_then(|()| call(&mut connection.card));
        self.give_back(&mut lock(&token_arc), connection, card_gone(&result));
        result
    }

    /// Brings a connection into the login `generation`, or logs the token out when the PIN
    /// it keeps is stale.
    fn as_user(
        token_arc: &Arc<Mutex<TokenState>>,
        generation: u64,
        connection: &mut Connection,
    ) -> Result<()> {
        if connection.generation == Some(generation) {
            // Already VERIFYed on this connection; still, a PIN changed elsewhere ends the
            // login here too, so that every session sees one login state.
            // A card in a reader may also have been reset by another program since: then
            // it needs the PIN again, which the tag says is still the one kept.
            let (tag, verified) = if connection.shared {
                let state = PinState::read(&mut connection.card)?;
                (state.wrap, state.verified)
            } else {
                (slots::wrap_tag(&mut connection.card)?, true)
            };
            still_logged_in(&mut lock(token_arc), generation, tag)?;
            if verified {
                return Ok(());
            }
            connection.generation = None;
        }
        // One replay at a time per token: a thread that waited here sees the logout of
        // the one before it, and sends nothing.
        let replay = Arc::clone(&lock(token_arc).replay);
        let _replaying = lock(&replay);
        let state = PinState::read(&mut connection.card)?;
        let pin = {
            let mut token = lock(token_arc);
            still_logged_in(&mut token, generation, state.wrap)?;
            let Login::User { pin, wrap } = &token.login else {
                return Err(Error::UserNotLoggedIn);
            };
            // Without the card's tag, nothing says the PIN is still right: never spend
            // the last try (or one of a blocked PIN) on a guess of the module's own.
            if wrap.is_none() && state.tries_left.is_some_and(|left| left < 2) {
                token.log_out();
                return Err(Error::UserNotLoggedIn);
            }
            Pin::new(&pin[..]).map_err(|_| Error::GeneralError)?
        };
        if !state.verified {
            match connection.card.verify_pin(&pin).map_err(Error::from) {
                Ok(()) => {
                    // A card may re-wrap the PIN at a right VERIFY (a newer format): the
                    // tag to compare with is the one after it.
                    let after = slots::wrap_tag(&mut connection.card)?;
                    let mut token = lock(token_arc);
                    if let (
                        true,
                        Login::User {
                            wrap: known @ Some(_),
                            ..
                        },
                    ) = (token.generation == generation, &mut token.login)
                    {
                        *known = after;
                    }
                }
                Err(Error::PinIncorrect | Error::PinLocked) => {
                    let mut token = lock(token_arc);
                    if token.generation == generation {
                        token.log_out();
                    }
                    return Err(Error::UserNotLoggedIn);
                }
                Err(error) => return Err(error),
            }
        }
        connection.generation = Some(generation);
        Ok(())
    }
}

/// Whether the login `generation` still stands, given the card's PIN wrap tag now; a tag
/// other than the one the PIN was right for logs the token out.
fn still_logged_in(token: &mut TokenState, generation: u64, tag: Option<[u8; 8]>) -> Result<()> {
    let Login::User { wrap, .. } = &token.login else {
        return Err(Error::UserNotLoggedIn);
    };
    if token.generation != generation {
        return Err(Error::UserNotLoggedIn);
    }
    if let Some(known) = wrap {
        if tag.is_none_or(|tag| !bool::from(tag.ct_eq(known))) {
            token.log_out();
            return Err(Error::UserNotLoggedIn);
        }
    }
    Ok(())
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(connection) = self.held.take() {
            lock(&self.token).put(connection, false);
        }
    }
}
