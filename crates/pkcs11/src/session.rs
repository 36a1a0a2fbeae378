//! A session: its own connection to the card (so that sessions on several threads sign in
//! parallel), the operations in progress, and the object cache of its searches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;
use jeton_piv::{PivClient, Slot, Transport};
use openssl::hash::Hasher;
use zeroize::Zeroizing;

use crate::mechanisms::{DecryptScheme, MessageBuffer, SignScheme};
use crate::objects::{PublicParts, SlotContents};
use crate::slots::TokenState;

/// A connection to the token's card: in-process, or through a PC/SC reader.
pub type Card = PivClient<Box<dyn Transport>>;

/// A signature being made or checked.
pub struct SignOperation {
    pub scheme: SignScheme,
    pub slot: Slot,
    pub key: PublicParts,
    pub message: Option<MessageBuffer>,
    /// `C_SignUpdate` was called: `C_Sign` is no longer allowed.
    pub multipart: bool,
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

pub struct Session {
    pub slot_id: CK_SLOT_ID,
    pub token: Arc<Mutex<TokenState>>,
    pub card: Card,
    /// The token's login generation this session's card connection is in step with.
    pub seen_generation: u64,
    pub contents: HashMap<Slot, SlotContents>,
    pub found: Option<Vec<CK_OBJECT_HANDLE>>,
    pub sign: Option<SignOperation>,
    pub verify: Option<SignOperation>,
    pub decrypt: Option<DecryptOperation>,
    pub digest: Option<Hasher>,
}

impl Session {
    pub fn new(slot_id: CK_SLOT_ID, token: Arc<Mutex<TokenState>>, card: Card) -> Session {
        Session {
            slot_id,
            token,
            card,
            seen_generation: 0,
            contents: HashMap::new(),
            found: None,
            sign: None,
            verify: None,
            decrypt: None,
            digest: None,
        }
    }
}
