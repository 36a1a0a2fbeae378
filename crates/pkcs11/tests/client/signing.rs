//! Every signature mechanism of the issue, checked by the module's `C_Verify` and by
//! OpenSSL with the exported public key.

use cryptoki::error::RvError;
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::ObjectHandle;
use cryptoki::session::{Session, UserType};
use openssl::hash::MessageDigest;

use crate::support::{
    digest, ecdsa_verifies, exported_public_key, generate, pin, pkcs1_verifies, pss_verifies, rv,
    KeyKind, Token, PIN,
};

const MESSAGE: &[u8] = b"I, the holder, sign this contract on the 3rd of March.";

/// DigestInfo of SHA-256 (RFC 8017 §9.2 note 1) followed by the digest.
fn sha256_digest_info(message: &[u8]) -> Vec<u8> {
    let prefix = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    [&prefix[..], &digest(MessageDigest::sha256(), message)].concat()
}

fn pss(hash: MechanismType, mgf: PkcsMgfType, salt: u64) -> PkcsPssParams {
    PkcsPssParams {
        hash_alg: hash,
        mgf,
        s_len: salt.into(),
    }
}

/// Signs with the module, then checks with `C_Verify` (and that a changed message fails).
fn sign_and_verify(
    session: &Session,
    mechanism: &Mechanism,
    private: ObjectHandle,
    public: ObjectHandle,
    data: &[u8],
) -> Vec<u8> {
    let signature = session
        .sign(mechanism, private, data)
        .unwrap_or_else(|e| panic!("{mechanism:?}: {e}"));
    session
        .verify(mechanism, public, data, &signature)
        .unwrap_or_else(|e| panic!("C_Verify {mechanism:?}: {e}"));
    let mut changed = data.to_vec();
    changed[0] ^= 1;
    assert_eq!(
        rv(session.verify(mechanism, public, &changed, &signature)),
        RvError::SignatureInvalid,
        "{mechanism:?}"
    );
    signature
}

#[test]
fn every_rsa_mechanism_signs_and_openssl_verifies() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, private) = generate(&session, 1, KeyKind::Rsa2048);
    let key = exported_public_key(&session, public);

    let signature = sign_and_verify(
        &session,
        &Mechanism::RsaPkcs,
        private,
        public,
        &sha256_digest_info(MESSAGE),
    );
    assert!(pkcs1_verifies(
        &key,
        MessageDigest::sha256(),
        MESSAGE,
        &signature
    ));

    let hashed = [
        (Mechanism::Sha1RsaPkcs, MessageDigest::sha1()),
        (Mechanism::Sha224RsaPkcs, MessageDigest::sha224()),
        (Mechanism::Sha256RsaPkcs, MessageDigest::sha256()),
        (Mechanism::Sha384RsaPkcs, MessageDigest::sha384()),
        (Mechanism::Sha512RsaPkcs, MessageDigest::sha512()),
    ];
    for (mechanism, md) in hashed {
        let signature = sign_and_verify(&session, &mechanism, private, public, MESSAGE);
        assert_eq!(signature.len(), 256);
        assert!(
            pkcs1_verifies(&key, md, MESSAGE, &signature),
            "{mechanism:?}"
        );
    }

    let raw_pss = Mechanism::RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32));
    let signature = sign_and_verify(
        &session,
        &raw_pss,
        private,
        public,
        &digest(MessageDigest::sha256(), MESSAGE),
    );
    assert!(pss_verifies(
        &key,
        MessageDigest::sha256(),
        MESSAGE,
        &signature
    ));

    let hashed_pss = [
        (
            Mechanism::Sha1RsaPkcsPss(pss(MechanismType::SHA1, PkcsMgfType::MGF1_SHA1, 20)),
            MessageDigest::sha1(),
        ),
        (
            Mechanism::Sha256RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32)),
            MessageDigest::sha256(),
        ),
        (
            Mechanism::Sha384RsaPkcsPss(pss(MechanismType::SHA384, PkcsMgfType::MGF1_SHA384, 48)),
            MessageDigest::sha384(),
        ),
        (
            Mechanism::Sha512RsaPkcsPss(pss(MechanismType::SHA512, PkcsMgfType::MGF1_SHA512, 64)),
            MessageDigest::sha512(),
        ),
    ];
    for (mechanism, md) in hashed_pss {
        let signature = sign_and_verify(&session, &mechanism, private, public, MESSAGE);
        assert!(pss_verifies(&key, md, MESSAGE, &signature), "{mechanism:?}");
    }

    // Raw RSA: the signature is the block to the private exponent, nothing added.
    let mut block = vec![0u8; 256];
    openssl::rand::rand_bytes(&mut block[1..]).unwrap();
    let signature = sign_and_verify(&session, &Mechanism::RsaX509, private, public, &block);
    let mut recovered = vec![0u8; 256];
    let len = key
        .rsa()
        .unwrap()
        .public_decrypt(&signature, &mut recovered, openssl::rsa::Padding::NONE)
        .unwrap();
    assert_eq!(&recovered[..len], &block[..]);
}

#[test]
fn pss_parameters_that_disagree_with_the_mechanism_are_refused() {
    let token = Token::factory();
    let session = token.user_session();
    let (_, private) = generate(&session, 1, KeyKind::Rsa2048);
    let mismatched =
        Mechanism::Sha384RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32));
    assert_eq!(
        rv(session.sign(&mismatched, private, MESSAGE)),
        RvError::MechanismParamInvalid
    );
    let raw_pss = Mechanism::RsaPkcsPss(pss(MechanismType::SHA256, PkcsMgfType::MGF1_SHA256, 32));
    assert_eq!(
        rv(session.sign(&raw_pss, private, b"not a SHA-256 digest")),
        RvError::DataLenRange
    );
}

#[test]
fn every_ecdsa_mechanism_signs_and_openssl_verifies_on_p256_and_p384() {
    let token = Token::factory();
    let session = token.user_session();
    for (id, kind, width, raw_md) in [
        (1, KeyKind::P256, 32, MessageDigest::sha256()),
        (4, KeyKind::P384, 48, MessageDigest::sha384()),
    ] {
        let (public, private) = generate(&session, id, kind);
        let key = exported_public_key(&session, public);

        let hash = digest(raw_md, MESSAGE);
        let signature = sign_and_verify(&session, &Mechanism::Ecdsa, private, public, &hash);
        assert_eq!(signature.len(), 2 * width, "{kind:?}: r ‖ s");
        assert!(ecdsa_verifies(&key, &hash, &signature), "{kind:?}");

        for (mechanism, md) in [
            (Mechanism::EcdsaSha1, MessageDigest::sha1()),
            (Mechanism::EcdsaSha224, MessageDigest::sha224()),
            (Mechanism::EcdsaSha256, MessageDigest::sha256()),
            (Mechanism::EcdsaSha384, MessageDigest::sha384()),
            (Mechanism::EcdsaSha512, MessageDigest::sha512()),
        ] {
            let signature = sign_and_verify(&session, &mechanism, private, public, MESSAGE);
            assert_eq!(signature.len(), 2 * width);
            assert!(
                ecdsa_verifies(&key, &digest(md, MESSAGE), &signature),
                "{kind:?} {mechanism:?}"
            );
        }
    }
}

#[test]
fn multi_part_signatures_equal_single_part_ones() {
    let token = Token::factory();
    let session = token.user_session();
    let (rsa_public, rsa_private) = generate(&session, 1, KeyKind::Rsa2048);
    let (ec_public, ec_private) = generate(&session, 4, KeyKind::P256);
    let long: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();

    // PKCS#1 v1.5 is deterministic: the same bytes either way.
    let single = session
        .sign(&Mechanism::Sha256RsaPkcs, rsa_private, &long)
        .unwrap();
    session
        .sign_init(&Mechanism::Sha256RsaPkcs, rsa_private)
        .unwrap();
    for chunk in long.chunks(999) {
        session.sign_update(chunk).unwrap();
    }
    assert_eq!(session.sign_final().unwrap(), single);
    session
        .verify_init(&Mechanism::Sha256RsaPkcs, rsa_public)
        .unwrap();
    for chunk in long.chunks(1234) {
        session.verify_update(chunk).unwrap();
    }
    session.verify_final(&single).unwrap();

    // ECDSA is not: the multi-part signature passes the single-part check and OpenSSL's.
    let key = exported_public_key(&session, ec_public);
    for (mechanism, md) in [
        (Mechanism::EcdsaSha256, MessageDigest::sha256()),
        (Mechanism::EcdsaSha384, MessageDigest::sha384()),
    ] {
        session.sign_init(&mechanism, ec_private).unwrap();
        for chunk in long.chunks(100) {
            session.sign_update(chunk).unwrap();
        }
        let signature = session.sign_final().unwrap();
        session
            .verify(&mechanism, ec_public, &long, &signature)
            .unwrap();
        assert!(ecdsa_verifies(&key, &digest(md, &long), &signature));
    }
}

#[test]
fn the_signature_key_needs_the_pin_again_for_each_signature() {
    let token = Token::factory();
    let session = token.user_session();
    let (public, private) = generate(&session, 2, KeyKind::P256);
    let key = exported_public_key(&session, public);
    let hash = digest(MessageDigest::sha256(), MESSAGE);

    assert_eq!(
        rv(session.sign(&Mechanism::EcdsaSha256, private, MESSAGE)),
        RvError::UserNotLoggedIn,
        "logged in as user is not enough for 9C"
    );

    for _ in 0..2 {
        session.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
        session
            .login(UserType::ContextSpecific, Some(&pin(PIN)))
            .unwrap();
        session.sign_update(MESSAGE).unwrap();
        let signature = session.sign_final().unwrap();
        assert!(ecdsa_verifies(&key, &hash, &signature));

        // The PIN given for one signature does not carry over to the next.
        assert_eq!(
            rv(session.sign(&Mechanism::EcdsaSha256, private, MESSAGE)),
            RvError::UserNotLoggedIn
        );
    }
}

#[test]
fn a_context_login_serves_its_own_operation_while_other_sessions_sign() {
    let token = Token::factory();
    let first = token.user_session();
    let (public, signature_key) = generate(&first, 2, KeyKind::P256);
    let (_, authentication_key) = generate(&first, 1, KeyKind::P256);
    let key = exported_public_key(&first, public);
    let hash = digest(MessageDigest::sha256(), MESSAGE);
    let second = token.pkcs11.open_ro_session(token.slot()).unwrap();

    first
        .sign_init(&Mechanism::EcdsaSha256, signature_key)
        .unwrap();
    first
        .login(UserType::ContextSpecific, Some(&pin(PIN)))
        .unwrap();
    // In between, another session signs with 9A and tries 9C without its own PIN: the card
    // connections are shared by the token, the PIN-always permission is not.
    second
        .sign(&Mechanism::EcdsaSha256, authentication_key, MESSAGE)
        .unwrap();
    assert_eq!(
        rv(second.sign(&Mechanism::EcdsaSha256, signature_key, MESSAGE)),
        RvError::UserNotLoggedIn
    );
    first.sign_update(MESSAGE).unwrap();
    let signature = first.sign_final().unwrap();
    assert!(ecdsa_verifies(&key, &hash, &signature));
}

#[test]
fn a_wrong_context_pin_costs_a_try_and_signs_nothing() {
    let token = Token::factory();
    let session = token.user_session();
    let (_, private) = generate(&session, 2, KeyKind::P256);
    session.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
    assert_eq!(
        rv(session.login(UserType::ContextSpecific, Some(&pin("000000")))),
        RvError::PinIncorrect
    );
    assert!(token.info().user_pin_count_low());
    session.sign_update(MESSAGE).unwrap();
    assert_eq!(rv(session.sign_final()), RvError::UserNotLoggedIn);
}

#[test]
fn context_login_without_an_operation_waiting_is_refused() {
    let token = Token::factory();
    let session = token.user_session();
    assert_eq!(
        rv(session.login(UserType::ContextSpecific, Some(&pin(PIN)))),
        RvError::OperationNotInitialized
    );
}

#[test]
fn signing_needs_the_user_logged_in() {
    let token = Token::factory();
    let session = token.user_session();
    let (_, private) = generate(&session, 1, KeyKind::P256);
    session.logout().unwrap();
    assert_eq!(
        rv(session.sign(&Mechanism::Ecdsa, private, &[1; 32])),
        RvError::KeyHandleInvalid,
        "a private key is not even visible before login"
    );
}

#[test]
fn two_threads_with_their_own_sessions_sign_concurrently() {
    let token = Token::factory();
    let setup = token.user_session();
    let (public, private) = generate(&setup, 1, KeyKind::P256);
    let key = exported_public_key(&setup, public);
    let slot = token.slot();

    let signatures: Vec<Vec<(Vec<u8>, Vec<u8>)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2u8)
            .map(|worker| {
                let pkcs11 = token.pkcs11.clone();
                scope.spawn(move || {
                    // Logged in already: the login belongs to the token (PKCS#11 §5.6).
                    let session = pkcs11.open_rw_session(slot).unwrap();
                    (0..25u8)
                        .map(|i| {
                            let message = vec![worker, i, 0x5A];
                            let signature = session
                                .sign(&Mechanism::EcdsaSha256, private, &message)
                                .unwrap();
                            (message, signature)
                        })
                        .collect()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    for (message, signature) in signatures.iter().flatten() {
        assert!(ecdsa_verifies(
            &key,
            &digest(MessageDigest::sha256(), message),
            signature
        ));
    }
    assert_eq!(signatures.iter().flatten().count(), 50);
}
