//! A session: the operations in progress and the object cache of its searches. It holds no
//! connection to the card of its own: each call borrows one from its token (see
//! `slots::TokenState`), so that thousands of sessions cost no file descriptors while
//! sessions on several threads still sign in parallel, each on its own connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;
use jeton_piv::{Pin, PivClient, Slot, Transport};
use openssl::hash::Hasher;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::mechanisms::{DecryptScheme, MessageBuffer, SignScheme};
use crate::module::lock;
use crate::objects::{PublicParts, SlotContents};
use crate::slots::{Connection, Login, TokenState};

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
    pub slot: Slot,
    pub key: PublicParts,
    pub message: Option<MessageBuffer>,
    pub parts: Parts,
    /// The 9C key needs `C_Login(CKU_CONTEXT_SPECIFIC)` for this very operation.
    pub needs_context_login: bool,
    pub context_login_done: bool,
}

pub struct DecryptOperation {
    pub scheme: DecryptScheme,
    pub slot: Slot,
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
    pub contents: HashMap<Slot, SlotContents>,
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
    pub fn with_user_card<T>(&mut self, call: impl FnOnce(&mut Card) -> Result<T>) -> Result<T> {
        let token_arc = Arc::clone(&self.token);
        let (pin, generation, mut connection) = {
            let mut token = lock(&token_arc);
            let Login::User { pin } = &token.login else {
                return Err(Error::UserNotLoggedIn);
            };
            let pin = Pin::new(&pin[..]).map_err(|_| Error::GeneralError)?;
            let generation = token.generation;
            (pin, generation, self.take_connection(&mut token)?)
        };
        let result = (|| {
            if connection.generation != Some(generation) {
                connection.card.verify_pin(&pin)?;
                connection.generation = Some(generation);
            }
            call(&mut connection.card)
        })();
        self.give_back(&mut lock(&token_arc), connection, card_gone(&result));
        result
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(connection) = self.held.take() {
            lock(&self.token).put(connection, false);
        }
    }
}
