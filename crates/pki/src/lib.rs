//! # jeton-pki: X.509 for a qualified trust service provider, built and parsed
//!
//! What Jeton's provider signs and what it reads, as pure functions over bytes:
//!
//! - [`signer`]: the narrow [`Signer`] trait everything signs through, and a software key
//!   loaded from an encrypted PKCS#8 PEM;
//! - [`alg`]: the hash and signature algorithms (ETSI TS 119 312), signature verification.
//!
//! What it is not: no I/O (callers read and write files), no database, no HTTP, no clock
//! (callers pass the time). The provider's server, storage and status services live in
//! `jeton-tsp`, which calls this crate.
//!
//! ASN.1 goes through the RustCrypto formats crates (`der`, `x509-cert`, `x509-ocsp`,
//! `x509-tsp`, `cms`); hashes and signatures through OpenSSL.

pub mod alg;
pub mod oids;
pub mod signer;

pub use alg::{HashAlg, SignatureAlg, VerifyError};
pub use signer::{KeyFileError, KeyKind, Signer, SignerError, SoftwareKey};
