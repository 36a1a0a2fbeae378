//! # jeton-tsp: the trust service provider behind Jeton's tokens
//!
//! What the provider keeps and does, below its HTTP front (`jeton server`, in
//! [`server`]) and its operator commands (`jeton ca …`, `jeton audit …`):
//!
//! - [`store`]: the database — SQLite in one file by default, PostgreSQL by URL for several
//!   front ends — with its CAs, issued certificates, revocations (durable before they are
//!   acknowledged, never undone, announced to every process), CRLs, TSA serials;
//! - [`audit`]: the hash-chained audit log, its signed head, and the check that names the
//!   entry that was changed, removed, inserted or moved;
//! - [`config`]: the provider's settings (`provider.toml` and the environment), typed;
//! - [`ca`]: the CA's operations: set-up, issuance from a CSR or a public key, CRLs;
//! - [`keys`]: one secret per key role (root, issuing CA, OCSP, TSA, audit);
//! - [`permissions`]: the provider's folders 0700 and files 0600, checked before use.
//!
//! What it is not: no ASN.1 here (certificates, CRLs, OCSP and time-stamps are built by
//! `jeton-pki`), no terminal I/O (the `jeton` command reads secrets and prints).
//!
//! ```no_run
//! # async fn example() -> Result<(), jeton_tsp::store::StoreError> {
//! use std::time::SystemTime;
//! use jeton_tsp::store::{Status, Store};
//!
//! let store = Store::open("sqlite:///var/lib/jeton/provider/tsp.sqlite").await?;
//! let serial = "4A1F00C3".parse().expect("hex serial");
//! match store.status_of("issuing", &serial, SystemTime::now()).await? {
//!     Status::Good => println!("good"),
//!     Status::Revoked { reason, .. } => println!("revoked: {}", reason.name()),
//!     Status::Unknown => println!("never issued here"),
//! }
//! # Ok(()) }
//! ```

pub mod audit;
pub mod ca;
pub mod config;
pub mod keys;
pub mod permissions;
pub mod server;
pub mod store;

pub use store::{Actor, RevocationNotice, RevokeOutcome, Serial, Status, Store, StoreError};
