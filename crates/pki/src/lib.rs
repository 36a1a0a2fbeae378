//! # jeton-pki: X.509 for a qualified trust service provider, built and parsed
//!
//! What Jeton's provider signs and what it reads, as pure functions over bytes:
//!
//! - [`signer`]: the narrow [`Signer`] trait everything signs through, and a software key
//!   loaded from an encrypted PKCS#8 PEM;
//! - [`alg`]: the hash and signature algorithms (ETSI TS 119 312), signature verification;
//! - [`profile`]: certificate profiles as TOML data (root CA, issuing CA, the holder's qualified
//!   signing certificate for slot 9C, authentication for 9A, OCSP responder, TSA), checked
//!   when loaded; [`issue()`] makes certificates from them for a [`name::Subject`];
//! - [`dn`]: distinguished names as RFC 4514 text, read and printed with the ETSI names;
//! - [`keypolicy`]: which subject keys are accepted (ETSI TS 119 312);
//! - [`csr`]: PKCS#10 requests, with the proof of possession checked;
//! - [`crl`]: revocation lists (RFC 5280 §5), including the CA's last one;
//! - [`ocsp`]: OCSP requests parsed (POST and GET forms) and responses signed (RFC 6960,
//!   RFC 5019, RFC 8954), with the status lookup given by the caller;
//! - [`timestamp`]: RFC 3161 / RFC 5816 time-stamps (EN 319 422 profile);
//! - `pkcs11` (feature `pkcs11`): a [`Signer`] whose key lives on a PKCS#11 token.
//!
//! What it is not: no I/O (callers read and write files), no database, no HTTP, no clock
//! (callers pass the time). The provider's server, storage and status services live in
//! `jeton-tsp`, which calls this crate.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use jeton_pki::{issue_self_signed, profile, Country, KeyKind, Organization, Period, Provider,
//!                 ServiceName, Subject, SoftwareKey};
//!
//! let root = profile::builtin()?.into_iter().find(|p| p.name == "root-ca").unwrap();
//! let key = SoftwareKey::generate(KeyKind::P384)?;
//! let name = ServiceName::new(Country::new("FR")?, Organization::new("Jeton", None)?, "Jeton Root")?;
//! let now = SystemTime::now();
//! let period = Period { not_before: now, not_after: now + Duration::from_secs(86_400 * 3650) };
//! let cert = issue_self_signed(&root, &Provider::default(), &Subject::Service(name), &key, period)?;
//! assert_eq!(cert.tbs_certificate.issuer, cert.tbs_certificate.subject);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ASN.1 goes through the RustCrypto formats crates (`der`, `x509-cert`, `x509-ocsp`,
//! `x509-tsp`, `cms`); hashes and signatures through OpenSSL.

pub mod alg;
pub mod crl;
pub mod csr;
pub mod dn;
pub mod issue;
pub mod keypolicy;
pub mod name;
pub mod ocsp;
pub mod oids;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
pub mod profile;
pub mod qc;
pub mod signer;
pub mod time;
pub mod timestamp;

pub use alg::{CryptoError, HashAlg, SignatureAlg, VerifyError};
pub use crl::{
    build_crl, count_crl_entries, encode_crl, parse_crl, CrlError, CrlInfo, NextUpdate, Revocation,
    RevocationReason,
};
pub use csr::{parse_csr, CertificationRequest, CsrError};
pub use dn::{parse_rfc4514, to_rfc4514, DnError};
pub use issue::{issue, issue_self_signed, IssueError, Issuer, IssuerUrls, Pds, Period, Provider};
pub use keypolicy::{check_key, KeyPolicyError, KeyType};
pub use name::{
    Country, NaturalPerson, Organization, OrganizationIdentifier, PersonIdentifier, ServiceName,
    Subject,
};
pub use ocsp::{CertState, Responder, StatusSource, Unavailable};
pub use profile::{Profile, ProfileError};
pub use signer::{KeyFileError, KeyKind, Signer, SignerError, SoftwareKey};
pub use timestamp::{TimeAccuracy, Tsa, TsaError};
pub use x509_cert::Certificate;
pub use x509_ocsp::OcspResponse;
