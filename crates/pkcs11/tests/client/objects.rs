//! What the token shows: generated keys under the chosen `CKA_ID`, certificates written
//! with `C_CreateObject`, private keys that never give themselves away.

use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeInfo, AttributeType, CertificateType, KeyType, ObjectClass,
};
use cryptoki::session::UserType;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509Builder, X509NameBuilder};

use crate::support::{
    boolean, bytes, digest, ecdsa_verifies, exported_public_key, find, generate, pin,
    pkcs1_verifies, rv, KeyKind, Token, PIN,
};

#[test]
fn generated_keys_appear_under_the_chosen_id() {
    let token = Token::factory();
    let session = token.user_session();
    let (rsa_public, rsa_private) = generate(&session, 3, KeyKind::Rsa2048);
    let (ec_public, ec_private) = generate(&session, 4, KeyKind::P384);

    assert_eq!(find(&session, ObjectClass::PUBLIC_KEY, 3), rsa_public);
    assert_eq!(find(&session, ObjectClass::PRIVATE_KEY, 3), rsa_private);
    assert_eq!(find(&session, ObjectClass::PUBLIC_KEY, 4), ec_public);
    assert_eq!(find(&session, ObjectClass::PRIVATE_KEY, 4), ec_private);
    assert!(session
        .find_objects(&[Attribute::Id(vec![1])])
        .unwrap()
        .is_empty());

    let attributes = session
        .get_attributes(
            rsa_public,
            &[AttributeType::ModulusBits, AttributeType::KeyType],
        )
        .unwrap();
    assert!(matches!(
        attributes.as_slice(),
        [Attribute::ModulusBits(bits), Attribute::KeyType(KeyType::RSA)] if u64::from(*bits) == 2048
    ));
    assert_eq!(
        bytes(&session, ec_private, AttributeType::EcParams),
        crate::support::P384
    );

    // The keys work, and the exported public parts are the ones that verify.
    let rsa = exported_public_key(&session, rsa_public);
    let signature = session
        .sign(&Mechanism::Sha256RsaPkcs, rsa_private, b"new key")
        .unwrap();
    assert!(pkcs1_verifies(
        &rsa,
        MessageDigest::sha256(),
        b"new key",
        &signature
    ));
    let ec = exported_public_key(&session, ec_public);
    let signature = session
        .sign(&Mechanism::EcdsaSha384, ec_private, b"new key")
        .unwrap();
    assert!(ecdsa_verifies(
        &ec,
        &digest(MessageDigest::sha384(), b"new key"),
        &signature
    ));
}

#[test]
fn a_new_key_replaces_the_old_one_in_its_slot() {
    let token = Token::factory();
    let session = token.user_session();
    let (first, _) = generate(&session, 1, KeyKind::P256);
    let before = bytes(&session, first, AttributeType::EcPoint);
    let (second, _) = generate(&session, 1, KeyKind::P256);
    assert_ne!(bytes(&session, second, AttributeType::EcPoint), before);
    assert_eq!(
        session
            .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY)])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn key_generation_needs_a_read_write_session_and_the_user() {
    let token = Token::factory();
    let read_only = token.pkcs11.open_ro_session(token.slot()).unwrap();
    read_only.login(UserType::User, Some(&pin(PIN))).unwrap();
    let template = [Attribute::EcParams(crate::support::P256.to_vec())];
    assert_eq!(
        rv(read_only.generate_key_pair(&Mechanism::EccKeyPairGen, &template, &[])),
        RvError::SessionReadOnly
    );
    read_only.logout().unwrap();
    let read_write = token.pkcs11.open_rw_session(token.slot()).unwrap();
    assert_eq!(
        rv(read_write.generate_key_pair(&Mechanism::EccKeyPairGen, &template, &[])),
        RvError::UserNotLoggedIn
    );
}

/// A certificate for `key`, issued by a software CA.
fn certificate_for(key: &PKey<openssl::pkey::Public>) -> openssl::x509::X509 {
    let ca = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let name = |cn: &str| {
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("O", "Jeton").unwrap();
        name.append_entry_by_text("CN", cn).unwrap();
        name.build()
    };
    let mut builder = X509Builder::new().unwrap();
    builder.set_version(2).unwrap();
    let serial = BigNum::from_hex_str("00C0FFEE0123456789").unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(&name("Alice Martin")).unwrap();
    builder.set_issuer_name(&name("Jeton Test CA")).unwrap();
    builder.set_pubkey(key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(365).unwrap())
        .unwrap();
    builder.sign(&ca, MessageDigest::sha256()).unwrap();
    builder.build()
}

#[test]
fn a_certificate_written_with_create_object_is_found_by_class_and_id() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, _) = generate(&session, 1, KeyKind::P256);
    let certificate = certificate_for(&exported_public_key(&session, public));
    let der = certificate.to_der().unwrap();

    let created = session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Id(vec![1]),
            Attribute::Label(b"Alice Martin".to_vec()),
            Attribute::Value(der.clone()),
        ])
        .unwrap();
    let found = find(&session, ObjectClass::CERTIFICATE, 1);
    assert_eq!(found, created);

    // Public objects: a fresh session that never logged in sees the certificate too.
    session.logout().unwrap();
    let reader = token.pkcs11.open_ro_session(token.slot()).unwrap();
    let found = find(&reader, ObjectClass::CERTIFICATE, 1);
    assert_eq!(bytes(&reader, found, AttributeType::Value), der);
    assert_eq!(
        bytes(&reader, found, AttributeType::Subject),
        certificate.subject_name().to_der().unwrap()
    );
    assert_eq!(
        bytes(&reader, found, AttributeType::Issuer),
        certificate.issuer_name().to_der().unwrap()
    );
    // CKA_SERIAL_NUMBER is the DER INTEGER (PKCS#11 3.0 §4.6.3).
    assert_eq!(
        bytes(&reader, found, AttributeType::SerialNumber),
        [0x02, 0x09, 0x00, 0xC0, 0xFF, 0xEE, 0x01, 0x23, 0x45, 0x67, 0x89]
    );
    // The token label follows the authentication certificate's holder, as OpenSC does.
    assert_eq!(token.info().label(), "Alice Martin");
}

#[test]
fn a_certificate_without_an_id_goes_to_the_slot_of_its_key() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, _) = generate(&session, 3, KeyKind::P256);
    let der = certificate_for(&exported_public_key(&session, public))
        .to_der()
        .unwrap();
    session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Value(der),
        ])
        .unwrap();
    find(&session, ObjectClass::CERTIFICATE, 3);
}

#[test]
fn a_certificate_can_be_destroyed_but_a_key_cannot() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, private) = generate(&session, 1, KeyKind::P256);
    let der = certificate_for(&exported_public_key(&session, public))
        .to_der()
        .unwrap();
    let certificate = session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Id(vec![1]),
            Attribute::Value(der),
        ])
        .unwrap();
    session.destroy_object(certificate).unwrap();
    assert!(session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .unwrap()
        .is_empty());
    assert_eq!(
        rv(session.destroy_object(private)),
        RvError::ActionProhibited
    );
}

#[test]
fn garbage_is_not_a_certificate() {
    let token = Token::factory();
    let session = token.user_session();
    assert_eq!(
        rv(session.create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Id(vec![1]),
            Attribute::Value(b"not DER".to_vec()),
        ])),
        RvError::AttributeValueInvalid
    );
    assert_eq!(
        rv(session.create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Value(vec![0; 32]),
        ])),
        RvError::TemplateInconsistent
    );
}

#[test]
fn private_keys_are_sensitive_and_only_the_signature_key_always_authenticates() {
    let token = Token::factory();
    let session = token.user_session();
    let (_, authentication) = generate(&session, 1, KeyKind::Rsa2048);
    let (_, signature) = generate(&session, 2, KeyKind::P256);

    for (key, always) in [(authentication, false), (signature, true)] {
        assert!(boolean(&session, key, AttributeType::Sensitive));
        assert!(!boolean(&session, key, AttributeType::Extractable));
        assert!(boolean(&session, key, AttributeType::AlwaysSensitive));
        assert!(boolean(&session, key, AttributeType::NeverExtractable));
        assert!(boolean(&session, key, AttributeType::Private));
        assert!(boolean(&session, key, AttributeType::Sign));
        assert_eq!(
            boolean(&session, key, AttributeType::AlwaysAuthenticate),
            always
        );
        let info = session
            .get_attribute_info(
                key,
                &[
                    AttributeType::Value,
                    AttributeType::VendorDefined(0x8000_1234),
                ],
            )
            .unwrap();
        assert!(
            matches!(
                info.as_slice(),
                [AttributeInfo::Sensitive, AttributeInfo::TypeInvalid]
            ),
            "{info:?}"
        );
    }
    let info = session
        .get_attribute_info(
            authentication,
            &[AttributeType::PrivateExponent, AttributeType::Prime1],
        )
        .unwrap();
    assert!(matches!(
        info.as_slice(),
        [AttributeInfo::Sensitive, AttributeInfo::Sensitive]
    ));
}

#[test]
fn private_objects_are_invisible_before_login() {
    let token = Token::factory();
    let setup = token.user_session();
    let (public, private) = generate(&setup, 1, KeyKind::P256);
    setup.logout().unwrap();

    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    assert_eq!(session.find_objects(&[]).unwrap(), vec![public]);
    assert!(session
        .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
        .unwrap()
        .is_empty());
    assert_eq!(
        rv(session.get_attributes(private, &[AttributeType::Label])),
        RvError::ObjectHandleInvalid
    );

    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    let all = session.find_objects(&[]).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.contains(&public) && all.contains(&private));
    session.logout().unwrap();
    assert_eq!(session.find_objects(&[]).unwrap(), vec![public]);
}
