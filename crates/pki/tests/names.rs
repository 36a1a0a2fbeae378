//! Subject names as text (RFC 4514), read and printed with the ETSI attribute names.

mod common;

use std::str::FromStr;

use common::*;
use jeton_pki::{
    parse_rfc4514, to_rfc4514, Country, NaturalPerson, Organization, OrganizationIdentifier,
    PersonIdentifier, Signer, SoftwareKey, Subject,
};
use x509_cert::name::Name;

fn employee() -> Subject {
    let employer = Organization::new(
        "Dupont, Durand et Fils",
        Some(OrganizationIdentifier::new("NTRFR-123456789").unwrap()),
    )
    .unwrap();
    Subject::NaturalPerson(
        NaturalPerson::new(
            Country::new("FR").unwrap(),
            "Jeanne",
            "Dupont",
            PersonIdentifier::new("PNOFR-1850775123456").unwrap(),
            "Jeanne Dupont",
            Some(employer),
        )
        .unwrap(),
    )
}

#[test]
fn an_issued_subject_prints_with_etsi_names_and_escaped_commas() {
    let pki = Pki::new();
    let key = SoftwareKey::generate(jeton_pki::KeyKind::P256).unwrap();
    let cert = Pki::issue_by(
        &pki.ca,
        &pki.ca_key,
        "qualified-signing",
        &employee(),
        &key.public_key(),
        period(0, 30),
    );
    let text = to_rfc4514(&cert.tbs_certificate.subject);
    assert_eq!(
        text,
        "CN=Jeanne Dupont,serialNumber=PNOFR-1850775123456,givenName=Jeanne,surname=Dupont,\
         organizationIdentifier=NTRFR-123456789,O=Dupont\\, Durand et Fils,C=FR"
    );
    assert!(!text.contains("2.5.4.97") && !text.contains('#'), "{text}");
    // Read back, the same attributes (RFC 4514 writes the last RDN first).
    let rdns = parse_rfc4514(&text).unwrap();
    let organization = rdns.iter().flatten().find(|a| a.kind == "O").unwrap();
    assert_eq!(organization.value, "Dupont, Durand et Fils");
    assert_eq!(rdns.len(), 7);
}

#[test]
fn multi_valued_rdns_leading_hash_and_spaces_round_trip() {
    for text in [
        "CN=Jeanne+OU=Ventes,C=FR",
        "CN=\\#1 Root,O=Jeton,C=FR",
        "CN=\\ padded\\ ,C=FR",
        "O=a\\+b\\;c\\<d\\>e\\\"f\\\\g,C=FR",
    ] {
        let name = Name::from_str(text).unwrap();
        assert_eq!(to_rfc4514(&name), text);
    }
    let rdns = parse_rfc4514("GN=Jeanne + SN=Dupont, C=FR").unwrap();
    assert_eq!(rdns.len(), 2);
    assert_eq!(rdns[0].len(), 2);
    assert_eq!(rdns[0][1].value, "Dupont");
    assert_eq!(
        parse_rfc4514("CN=\\ padded\\ ").unwrap()[0][0].value,
        " padded "
    );
    assert_eq!(parse_rfc4514("CN=caf\\C3\\A9").unwrap()[0][0].value, "café");
    for bad in ["CN", "CN=a;b", "CN=#0c01", "CN=\\q", "=x"] {
        assert!(parse_rfc4514(bad).is_err(), "{bad}");
    }
}
