//! When OpenSSL cannot hash or draw random bytes (no provider offers them: a broken or
//! FIPS-only configuration), jeton-pki returns typed errors instead of panicking.
//! Its own test binary: it unloads OpenSSL's default provider for the whole process.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use common::*;
use jeton_pki::{CryptoError, HashAlg, Responder, TimeAccuracy, Tsa};

fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{what} panicked"))
}

#[test]
fn without_a_digest_or_random_provider_every_builder_returns_an_error() {
    // The null provider stops OpenSSL from loading the default one on its own: before the
    // random generator is first used, serial numbers cannot be drawn.
    let null = openssl::provider::Provider::load(None, "null").unwrap();
    let serial = no_panic("random_serial", jeton_pki::issue::random_serial);
    assert!(serial.is_err(), "{serial:?}");
    let default = openssl::provider::Provider::load(None, "default").unwrap();
    let pki = Pki::new();
    let holder_key = jeton_pki::SoftwareKey::generate(jeton_pki::KeyKind::P256).unwrap();
    drop(default);

    let digest = no_panic("digest", || HashAlg::Sha256.digest(b"document"));
    assert!(
        matches!(digest, Err(CryptoError::Digest("SHA-256", _))),
        "{digest:?}"
    );
    let responder = no_panic("Responder::new", || {
        Responder::new(
            &pki.ca,
            Some(&pki.responder),
            &pki.responder_key,
            Duration::from_secs(3600),
            None,
        )
        .map(|_| ())
    });
    assert!(responder.is_err());
    let tsa = no_panic("Tsa::new", || {
        Tsa::new(
            &pki.tsa,
            &pki.tsa_key,
            der::asn1::ObjectIdentifier::new_unwrap("0.4.0.2023.1.1"),
            TimeAccuracy {
                seconds: 1,
                millis: 0,
                micros: 0,
            },
            true,
        )
        .map(|_| ())
    });
    assert!(tsa.is_err());
    let issued = no_panic("issue", || {
        jeton_pki::issue(
            &profile("qualified-signing"),
            &provider(),
            &holder(false),
            &jeton_pki::Signer::public_key(&holder_key),
            &jeton_pki::Issuer {
                certificate: &pki.ca,
                signer: &pki.ca_key,
                urls: &ca_urls(),
            },
            period(0, 365),
        )
    });
    assert!(issued.is_err());
    drop(null);
}
