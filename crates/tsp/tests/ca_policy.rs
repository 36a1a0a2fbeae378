//! The CA's policy on what it is asked for: passphrases of new key files, and where a
//! certificate stands in its validity period (as `jeton ca list` shows it).

use std::time::{Duration, SystemTime};

use jeton_tsp::ca::{check_passphrase, Validity, WeakPassphrase};
use jeton_tsp::store::CertificateRecord;

#[test]
fn weak_passphrases_are_refused_with_the_reason() {
    let cases: [(&str, WeakPassphrase); 6] = [
        ("", WeakPassphrase::TooShort(0)),
        ("short pass", WeakPassphrase::TooShort(10)),
        ("aaaaaaaaaaaaaaaa", WeakPassphrase::TooFewDistinct(1)),
        ("abababababababab", WeakPassphrase::TooFewDistinct(2)),
        ("abcdefghijklmnop", WeakPassphrase::Sequence),
        ("987654321098", WeakPassphrase::Sequence),
    ];
    for (passphrase, why) in cases {
        assert_eq!(
            check_passphrase(passphrase.as_bytes()),
            Err(why),
            "{passphrase:?}"
        );
    }
    for good in [
        "correct horse battery staple",
        "crash-test passphrase",
        "démo prestataire 2026",
    ] {
        assert_eq!(check_passphrase(good.as_bytes()), Ok(()), "{good:?}");
    }
}

fn record(from: SystemTime, until: SystemTime) -> CertificateRecord {
    CertificateRecord {
        ca: "issuing".into(),
        serial: "01".parse().unwrap(),
        profile: "qualified-signing".into(),
        subject: "CN=x".into(),
        der: Vec::new(),
        not_before: from,
        not_after: until,
    }
}

#[test]
fn expired_and_not_yet_valid_certificates_are_told_apart() {
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    assert_eq!(
        Validity::of(&record(now - day, now + day), now),
        Validity::Valid
    );
    assert_eq!(
        Validity::of(&record(now - 2 * day, now - day), now),
        Validity::Expired
    );
    assert_eq!(
        Validity::of(&record(now + day, now + 2 * day), now),
        Validity::NotYetValid
    );
    // RFC 5280 §4.1.2.5: both ends of the period are inside it.
    assert_eq!(Validity::of(&record(now, now), now), Validity::Valid);
}

#[test]
fn a_subject_with_an_escaped_comma_is_read_as_rfc_4514() {
    let subject = jeton_tsp::ca::parse_person(
        "C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont,\
         O=Dupont\\, Durand et Fils,organizationIdentifier=NTRFR-123456789",
    )
    .unwrap();
    let name = jeton_pki::to_rfc4514(&subject.to_name().unwrap());
    assert!(name.contains("O=Dupont\\, Durand et Fils"), "{name}");
    assert!(
        name.contains("organizationIdentifier=NTRFR-123456789"),
        "{name}"
    );
    let multi = jeton_tsp::ca::parse_person(
        "C=FR,givenName=Jeanne+surname=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont",
    );
    assert!(multi.is_ok(), "{multi:?}");
}
