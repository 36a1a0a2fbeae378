//! The key-management key (9D) decrypts and agrees keys; digests and random numbers.

use cryptoki::error::RvError;
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;

use crate::support::{boolean, bytes, digest, exported_public_key, generate, rv, KeyKind, Token};

const SESSION_KEY: &[u8] = b"an AES-256 key, 32 bytes long!!!";

#[test]
fn the_key_management_key_decrypts_what_openssl_encrypted() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, private) = generate(&session, 3, KeyKind::Rsa2048);
    let key = exported_public_key(&session, public);

    let mut encrypted = vec![0u8; 256];
    key.rsa()
        .unwrap()
        .public_encrypt(SESSION_KEY, &mut encrypted, Padding::PKCS1)
        .unwrap();
    let plaintext = session
        .decrypt(&Mechanism::RsaPkcs, private, &encrypted)
        .unwrap();
    assert_eq!(plaintext, SESSION_KEY);

    // OAEP with SHA-1 (OpenSSL's default) and with SHA-256 and a label.
    let oaep = |md, label: &[u8]| {
        let mut ctx = PkeyCtx::new(&key).unwrap();
        ctx.encrypt_init().unwrap();
        ctx.set_rsa_padding(Padding::PKCS1_OAEP).unwrap();
        ctx.set_rsa_oaep_md(md).unwrap();
        ctx.set_rsa_mgf1_md(md).unwrap();
        if !label.is_empty() {
            ctx.set_rsa_oaep_label(label).unwrap();
        }
        let mut out = Vec::new();
        ctx.encrypt_to_vec(SESSION_KEY, &mut out).unwrap();
        out
    };
    let sha1 = oaep(openssl::md::Md::sha1(), b"");
    let params = PkcsOaepParams::new(
        MechanismType::SHA1,
        PkcsMgfType::MGF1_SHA1,
        PkcsOaepSource::empty(),
    );
    let plaintext = session
        .decrypt(&Mechanism::RsaPkcsOaep(params), private, &sha1)
        .unwrap();
    assert_eq!(plaintext, SESSION_KEY);

    let sha256 = oaep(openssl::md::Md::sha256(), b"jeton");
    let params = PkcsOaepParams::new(
        MechanismType::SHA256,
        PkcsMgfType::MGF1_SHA256,
        PkcsOaepSource::data_specified(b"jeton"),
    );
    let plaintext = session
        .decrypt(&Mechanism::RsaPkcsOaep(params), private, &sha256)
        .unwrap();
    assert_eq!(plaintext, SESSION_KEY);

    let wrong_label = PkcsOaepParams::new(
        MechanismType::SHA256,
        PkcsMgfType::MGF1_SHA256,
        PkcsOaepSource::data_specified(b"other"),
    );
    assert_eq!(
        rv(session.decrypt(&Mechanism::RsaPkcsOaep(wrong_label), private, &sha256)),
        RvError::EncryptedDataInvalid
    );
}

#[test]
fn only_the_key_management_key_decrypts() {
    let token = Token::factory();
    let session = token.user_session();
    let (_, private) = generate(&session, 1, KeyKind::Rsa2048);
    assert_eq!(
        rv(session.decrypt(&Mechanism::RsaPkcs, private, &[1; 256])),
        RvError::KeyFunctionNotPermitted
    );
}

#[test]
fn both_halves_of_a_key_agreement_pair_can_derive() {
    let token = Token::factory();
    let session = token.user_session();
    let (public_9d, private_9d) = generate(&session, 3, KeyKind::P256);
    let (public_retired, private_retired) = generate(&session, 5, KeyKind::P384);
    for object in [public_9d, private_9d, public_retired, private_retired] {
        assert!(boolean(&session, object, AttributeType::Derive), "{object}");
    }
    // 9A signs, it does not agree on keys; nor does an RSA key.
    let (public_9a, private_9a) = generate(&session, 1, KeyKind::P256);
    let (public_rsa, private_rsa) = generate(&session, 6, KeyKind::Rsa2048);
    for object in [public_9a, private_9a, public_rsa, private_rsa] {
        assert!(
            !boolean(&session, object, AttributeType::Derive),
            "{object}"
        );
    }
}

#[test]
fn ecdh_in_the_key_management_slot_agrees_with_openssl() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, private) = generate(&session, 3, KeyKind::P256);
    let token_key = exported_public_key(&session, public);

    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let peer = EcKey::generate(&group).unwrap();
    let mut ctx = BigNumContext::new().unwrap();
    let peer_point = peer
        .public_key()
        .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap();

    let params = Ecdh1DeriveParams::new(EcKdf::null(), &peer_point);
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ];
    let secret = session
        .derive_key(&Mechanism::Ecdh1Derive(params), private, &template)
        .unwrap();
    let ours = bytes(&session, secret, AttributeType::Value);

    let peer = PKey::from_ec_key(peer).unwrap();
    let mut deriver = openssl::derive::Deriver::new(&peer).unwrap();
    deriver.set_peer(&token_key).unwrap();
    assert_eq!(ours, deriver.derive_to_vec().unwrap());
    assert_eq!(ours.len(), 32);
}

#[test]
fn digests_equal_openssls_in_one_part_and_many() {
    let token = Token::factory();
    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    for (mechanism, md) in [
        (Mechanism::Sha1, MessageDigest::sha1()),
        (Mechanism::Sha224, MessageDigest::sha224()),
        (Mechanism::Sha256, MessageDigest::sha256()),
        (Mechanism::Sha384, MessageDigest::sha384()),
        (Mechanism::Sha512, MessageDigest::sha512()),
    ] {
        let expected = digest(md, &data);
        assert_eq!(session.digest(&mechanism, &data).unwrap(), expected);
        session.digest_init(&mechanism).unwrap();
        for chunk in data.chunks(700) {
            session.digest_update(chunk).unwrap();
        }
        assert_eq!(session.digest_final().unwrap(), expected);
    }
}

#[test]
fn random_bytes_come_without_login_and_differ() {
    let token = Token::factory();
    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    let first = session.generate_random_vec(64).unwrap();
    let second = session.generate_random_vec(64).unwrap();
    assert_eq!(first.len(), 64);
    assert_ne!(first, second);
    assert_ne!(first, vec![0; 64]);
}
