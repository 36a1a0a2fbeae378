//! `jeton-pkcs11`: the PKCS#11 3.0 module (`libjeton_pkcs11.so`) through which every
//! application (Firefox/NSS, OpenSSL, GnuTLS, ssh, pyHanko…) uses a Jeton token.
//!
//! One slot per virtual card of `$JETON_HOME/cards`; for each populated PIV slot a
//! certificate, a public key and a private key sharing one `CKA_ID`. `CKU_USER` is the PIN,
//! `CKU_SO` the unblock code (PUK) and `C_InitPIN` in an SO session unblocks the PIN; the 9C
//! signature key needs `CKU_CONTEXT_SPECIFIC` before every use. It is not a software token:
//! private keys never leave the card, which does every private-key operation.
//!
//! Layout, walked like the standard's chapter 5: `fns` has one file per PKCS#11 function
//! family (`fns::signing` for `C_SignInit`…`C_VerifyFinal`), each function safe Rust whose
//! doc names its section; `ffi` is the thin C shell (the only `unsafe` code), with one file
//! per family of the same name, the two function lists (`ffi::function_lists`) and the
//! functions a PIV card has no use for (`ffi::unsupported`). `module` holds the state the
//! families share; `slots`, `session`, `objects`, `mechanisms` and `config` one concern each.

// Only the C shell may use `unsafe` (it says so with its own `allow`).
#![deny(unsafe_code)]

mod config;
pub mod error;
mod ffi;
mod fns;
mod mechanisms;
mod module;
mod objects;
mod session;
mod slots;

pub use config::{Config, ConfigError};
pub use error::Error;
