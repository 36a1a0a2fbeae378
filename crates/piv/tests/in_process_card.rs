//! The holder's story, driven through `jeton-piv` into the in-process virtual card.

use jeton_card::{CardDirectory, Personalisation};
use jeton_piv::*;
use openssl::derive::Deriver;
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Verifier};
use tempfile::TempDir;
use zeroize::Zeroizing;

const SERIAL: u32 = 4_200_001;

struct TestCard {
    piv: PivClient<InProcessTransport>,
    _home: TempDir,
}

fn card_with(personalise: impl FnOnce(&mut Personalisation)) -> TestCard {
    let home = tempfile::tempdir().unwrap();
    let mut personalisation = Personalisation::factory(SERIAL);
    // The lowest scrypt cost: these suites make many cards (the default is the card
    // crate's to check).
    personalisation.kdf = jeton_card::crypto::KdfParams::TESTING;
    personalise(&mut personalisation);
    let card = CardDirectory::new(home.path().join("cards"))
        .create(&personalisation)
        .unwrap();
    TestCard {
        piv: PivClient::open(InProcessTransport::new(card)).unwrap(),
        _home: home,
    }
}

fn factory_card() -> TestCard {
    card_with(|_| {})
}

fn pin(s: &str) -> Pin {
    Pin::new(s).unwrap()
}

fn puk(s: &str) -> Puk {
    Puk::new(s).unwrap()
}

fn verify(public_key: &PublicKey, message: &[u8], signature: &[u8], pss: bool) -> bool {
    let pkey = public_key.to_pkey().unwrap();
    let mut verifier = Verifier::new(MessageDigest::sha256(), &pkey).unwrap();
    if pss {
        verifier.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        verifier
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .unwrap();
    }
    verifier.update(message).unwrap();
    verifier.verify(signature).unwrap()
}

fn block_pin(piv: &mut PivClient<InProcessTransport>) {
    for tries_left in [2, 1, 0] {
        let result = piv.verify_pin(&pin("000000"));
        assert!(
            matches!(result, Err(Error::WrongPin { tries_left: t }) if t == tries_left),
            "{result:?}"
        );
    }
}

#[test]
fn a_factory_card_reports_its_serial_and_full_counters() {
    let TestCard { mut piv, _home } = factory_card();
    let status = piv.status().unwrap();
    assert_eq!(status.serial, SERIAL);
    assert_eq!(
        status.pin,
        RetryCounter {
            remaining: 3,
            max: 3
        }
    );
    assert_eq!(
        status.puk,
        RetryCounter {
            remaining: 3,
            max: 3
        }
    );
    assert!(!status.temporary_pin && !status.pin_blocked() && !status.puk_blocked());
    assert!(!status.dead());
    assert!(piv.version().is_ok());
    assert!(matches!(
        piv.metadata(KeyReference::KeySlot(KeySlot::AUTHENTICATION)),
        Err(Error::NotFound)
    ));
}

#[test]
fn the_temporary_pin_is_refused_for_signing_until_changed() {
    let TestCard { mut piv, _home } = card_with(|p| p.temporary_pin = true);
    assert!(piv.status().unwrap().temporary_pin);
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let key = piv
        .generate(KeySlot::AUTHENTICATION, KeyAlgorithm::EccP256)
        .unwrap();
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let refused = piv.sign_message(
        KeySlot::AUTHENTICATION,
        KeyAlgorithm::EccP256,
        b"contract",
        HashAlgorithm::Sha256,
    );
    assert!(matches!(refused, Err(Error::TemporaryPin)), "{refused:?}");

    piv.change_pin(&Pin::factory_default(), &pin("Secret7!"))
        .unwrap();
    assert!(!piv.status().unwrap().temporary_pin);
    piv.verify_pin(&pin("Secret7!")).unwrap();
    let signature = piv
        .sign_message(
            KeySlot::AUTHENTICATION,
            KeyAlgorithm::EccP256,
            b"contract",
            HashAlgorithm::Sha256,
        )
        .unwrap();
    assert!(verify(&key, b"contract", &signature, false));
}

#[test]
fn three_wrong_pins_block_the_pin_and_the_puk_unblocks_it() {
    let TestCard { mut piv, _home } = factory_card();
    assert_eq!(
        piv.pin_verification().unwrap(),
        PinVerification::NotVerified { tries_left: 3 }
    );
    block_pin(&mut piv);
    assert!(matches!(
        piv.verify_pin(&Pin::factory_default()),
        Err(Error::PinBlocked)
    ));
    assert_eq!(piv.pin_verification().unwrap(), PinVerification::Blocked);
    let status = piv.status().unwrap();
    assert!(status.pin_blocked() && !status.dead());

    piv.unblock_pin(&Puk::factory_default(), &pin("246810"))
        .unwrap();
    piv.verify_pin(&pin("246810")).unwrap();
    assert_eq!(piv.pin_verification().unwrap(), PinVerification::Verified);
    piv.clear_verification().unwrap();
    assert_eq!(
        piv.pin_verification().unwrap(),
        PinVerification::NotVerified { tries_left: 3 }
    );
    assert_eq!(piv.status().unwrap().pin.remaining, 3);
}

#[test]
fn a_wrong_old_pin_costs_a_try() {
    let TestCard { mut piv, _home } = factory_card();
    let result = piv.change_pin(&pin("999999"), &pin("abcdef"));
    assert!(matches!(result, Err(Error::WrongPin { tries_left: 2 })));
    piv.change_pin(&Pin::factory_default(), &pin("abcdef"))
        .unwrap();
    assert_eq!(piv.status().unwrap().pin.remaining, 3);
}

#[test]
fn third_wrong_puk_with_a_blocked_pin_kills_the_card_and_only_then_reset_works() {
    let TestCard { mut piv, _home } = factory_card();
    assert!(matches!(piv.reset(), Err(Error::ResetRefused)));
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    piv.generate(KeySlot::SIGNATURE, KeyAlgorithm::EccP256)
        .unwrap();
    block_pin(&mut piv);
    assert!(matches!(piv.reset(), Err(Error::ResetRefused)));

    let wrong = puk("87654321");
    for tries_left in [2, 1] {
        let result = piv.unblock_pin(&wrong, &pin("135790"));
        assert!(
            matches!(result, Err(Error::WrongPuk { tries_left: t }) if t == tries_left),
            "{result:?}"
        );
    }
    let result = piv.unblock_pin(&wrong, &pin("135790"));
    assert!(matches!(result, Err(Error::CardDead)), "{result:?}");
    let result = piv.unblock_pin(&Puk::factory_default(), &pin("135790"));
    assert!(matches!(result, Err(Error::CardDead)), "{result:?}");
    assert!(matches!(
        piv.verify_pin(&Pin::factory_default()),
        Err(Error::CardDead)
    ));
    let result = piv.sign_message(
        KeySlot::SIGNATURE,
        KeyAlgorithm::EccP256,
        b"x",
        HashAlgorithm::Sha256,
    );
    assert!(matches!(result, Err(Error::CardDead)), "{result:?}");
    assert!(piv.status().unwrap().dead());

    piv.reset().unwrap();
    let status = piv.status().unwrap();
    assert!(!status.dead() && status.pin.remaining == 3 && status.puk.remaining == 3);
    assert!(matches!(
        piv.metadata(KeyReference::KeySlot(KeySlot::SIGNATURE)),
        Err(Error::NotFound)
    ));
    piv.verify_pin(&Pin::factory_default()).unwrap();
}

#[test]
fn a_blocked_puk_leaves_the_pin_usable() {
    let TestCard { mut piv, _home } = factory_card();
    let wrong = puk("00000000");
    for _ in 0..3 {
        assert!(matches!(
            piv.change_puk(&wrong, &puk("11111111")),
            Err(Error::WrongPuk { .. })
        ));
    }
    assert!(matches!(
        piv.change_puk(&Puk::factory_default(), &puk("11111111")),
        Err(Error::PukBlocked)
    ));
    let status = piv.status().unwrap();
    assert!(status.puk_blocked() && !status.pin_blocked() && !status.dead());
    piv.verify_pin(&Pin::factory_default()).unwrap();
}

#[test]
fn a_changed_puk_unblocks_the_pin() {
    let TestCard { mut piv, _home } = factory_card();
    piv.change_puk(&Puk::factory_default(), &puk("Unbl0ck!"))
        .unwrap();
    block_pin(&mut piv);
    assert!(matches!(
        piv.unblock_pin(&Puk::factory_default(), &pin("123123")),
        Err(Error::WrongPuk { tries_left: 2 })
    ));
    piv.unblock_pin(&puk("Unbl0ck!"), &pin("123123")).unwrap();
    piv.verify_pin(&pin("123123")).unwrap();
}

fn generate_sign_verify(algorithm: KeyAlgorithm) {
    let TestCard { mut piv, _home } = factory_card();
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let key = piv.generate(KeySlot::AUTHENTICATION, algorithm).unwrap();
    assert_eq!(key.algorithm(), algorithm);
    let metadata = piv.metadata(KeySlot::AUTHENTICATION.into()).unwrap();
    assert_eq!(metadata.public_key.as_ref(), Some(&key));
    assert_eq!(metadata.algorithm, Some(MetadataAlgorithm::Key(algorithm)));
    assert_eq!(metadata.pin_policy, Some(PinPolicy::Once));
    assert_eq!(metadata.origin, Some(KeyOrigin::Generated));

    let unverified = piv.sign_message(
        KeySlot::AUTHENTICATION,
        algorithm,
        b"m",
        HashAlgorithm::Sha256,
    );
    assert!(
        matches!(unverified, Err(Error::PinRequired)),
        "{unverified:?}"
    );
    piv.verify_pin(&Pin::factory_default()).unwrap();
    // 9A: the PIN once per session is enough for several signatures.
    for message in [&b"first"[..], b"second"] {
        let signature = piv
            .sign_message(
                KeySlot::AUTHENTICATION,
                algorithm,
                message,
                HashAlgorithm::Sha256,
            )
            .unwrap();
        assert!(verify(&key, message, &signature, false), "{algorithm}");
    }
    if algorithm.is_rsa() {
        let signature = piv
            .sign_message_with_padding(
                KeySlot::AUTHENTICATION,
                algorithm,
                b"pss",
                HashAlgorithm::Sha256,
                RsaPadding::Pss,
            )
            .unwrap();
        assert!(verify(&key, b"pss", &signature, true));
    }
}

#[test]
fn generate_sign_and_verify_p256() {
    generate_sign_verify(KeyAlgorithm::EccP256);
}

#[test]
fn generate_sign_and_verify_p384() {
    generate_sign_verify(KeyAlgorithm::EccP384);
}

#[test]
fn generate_sign_and_verify_rsa2048() {
    generate_sign_verify(KeyAlgorithm::Rsa2048);
}

#[test]
fn the_signature_slot_needs_the_pin_before_every_signature() {
    let TestCard { mut piv, _home } = factory_card();
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let key = piv
        .generate(KeySlot::SIGNATURE, KeyAlgorithm::EccP256)
        .unwrap();
    let sign = |piv: &mut PivClient<InProcessTransport>| {
        piv.sign_message(
            KeySlot::SIGNATURE,
            KeyAlgorithm::EccP256,
            b"deed",
            HashAlgorithm::Sha256,
        )
    };
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let signature = sign(&mut piv).unwrap();
    assert!(verify(&key, b"deed", &signature, false));
    assert!(matches!(sign(&mut piv), Err(Error::PinRequired)));
    piv.verify_pin(&Pin::factory_default()).unwrap();
    assert!(sign(&mut piv).is_ok());
}

#[test]
fn signing_with_an_empty_slot_says_there_is_no_key() {
    let TestCard { mut piv, _home } = factory_card();
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let result = piv.sign_message(
        KeySlot::KEY_MANAGEMENT,
        KeyAlgorithm::EccP256,
        b"x",
        HashAlgorithm::Sha256,
    );
    assert!(matches!(result, Err(Error::NoKeyInSlot)), "{result:?}");
}

#[test]
fn ecdh_in_9d_agrees_with_openssl() {
    let TestCard { mut piv, _home } = factory_card();
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let card_key = piv
        .generate(KeySlot::KEY_MANAGEMENT, KeyAlgorithm::EccP384)
        .unwrap();
    let group = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
    let peer = EcKey::generate(&group).unwrap();
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let peer_point = peer
        .public_key()
        .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap();
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let shared = piv
        .ecdh(KeySlot::KEY_MANAGEMENT, KeyAlgorithm::EccP384, &peer_point)
        .unwrap();
    let peer = PKey::from_ec_key(peer).unwrap();
    let card_public = card_key.to_pkey().unwrap();
    let mut deriver = Deriver::new(&peer).unwrap();
    deriver.set_peer(&card_public).unwrap();
    assert_eq!(&shared[..], &deriver.derive_to_vec().unwrap()[..]);
}

#[test]
fn rsa_decryption_in_9d_returns_the_padded_block() {
    let TestCard { mut piv, _home } = factory_card();
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let key = piv
        .generate(KeySlot::KEY_MANAGEMENT, KeyAlgorithm::Rsa2048)
        .unwrap();
    let rsa = key.to_pkey().unwrap().rsa().unwrap();
    let mut ciphertext = vec![0; 256];
    rsa.public_encrypt(b"session key", &mut ciphertext, Padding::PKCS1)
        .unwrap();
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let block: Zeroizing<Vec<u8>> = piv
        .decrypt(KeySlot::KEY_MANAGEMENT, KeyAlgorithm::Rsa2048, &ciphertext)
        .unwrap();
    assert_eq!(&block[..2], &[0x00, 0x02]);
    assert!(block.ends_with(b"\x00session key"));
}

#[test]
fn administration_needs_the_management_key() {
    let TestCard { mut piv, _home } = factory_card();
    assert!(matches!(
        piv.generate(KeySlot::AUTHENTICATION, KeyAlgorithm::EccP256),
        Err(Error::ManagementKeyRequired)
    ));
    assert!(matches!(
        piv.write_object(ObjectId::SECURITY_OBJECT, b"x"),
        Err(Error::ManagementKeyRequired)
    ));
    let wrong = ManagementKey::generate(ManagementKeyAlgorithm::TripleDes).unwrap();
    assert!(matches!(
        piv.authenticate(&wrong),
        Err(Error::ManagementKeyRejected)
    ));
    let other_algorithm = ManagementKey::generate(ManagementKeyAlgorithm::Aes128).unwrap();
    assert!(matches!(
        piv.authenticate(&other_algorithm),
        Err(Error::ManagementKeyRejected)
    ));
}

#[test]
fn the_management_key_changes_from_3des_to_each_aes_size() {
    let TestCard { mut piv, _home } = factory_card();
    let mut current = ManagementKey::factory_default();
    for algorithm in [
        ManagementKeyAlgorithm::Aes128,
        ManagementKeyAlgorithm::Aes192,
        ManagementKeyAlgorithm::Aes256,
        ManagementKeyAlgorithm::TripleDes,
    ] {
        piv.authenticate(&current).unwrap();
        let next = ManagementKey::generate(algorithm).unwrap();
        piv.set_management_key(&next).unwrap();
        piv.transport_mut().power_cycle();
        assert!(matches!(
            piv.authenticate(&current),
            Err(Error::ManagementKeyRejected)
        ));
        piv.authenticate(&next).unwrap();
        let metadata = piv.metadata(KeyReference::ManagementKey).unwrap();
        assert_eq!(
            metadata.algorithm,
            Some(MetadataAlgorithm::ManagementKey(algorithm))
        );
        current = next;
    }
}

#[test]
fn a_card_created_with_an_aes_key_authenticates_with_it() {
    let key = ManagementKey::generate(ManagementKeyAlgorithm::Aes256).unwrap();
    let bytes = key.as_bytes().to_vec();
    let TestCard { mut piv, _home } = card_with(|p| {
        p.management_key_algorithm = 0x0C;
        p.management_key = Zeroizing::new(bytes);
    });
    piv.authenticate(&key).unwrap();
    assert!(matches!(
        piv.authenticate(&ManagementKey::factory_default()),
        Err(Error::ManagementKeyRejected)
    ));
}

fn self_signed_certificate(key: &PublicKey) -> Vec<u8> {
    use openssl::x509::{X509Builder, X509NameBuilder};
    let issuer_key = PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "Jeton Holder").unwrap();
    let name = name.build();
    let mut builder = X509Builder::new().unwrap();
    builder.set_version(2).unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key.to_pkey().unwrap()).unwrap();
    let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
    let later = openssl::asn1::Asn1Time::days_from_now(365).unwrap();
    builder.set_not_before(&now).unwrap();
    builder.set_not_after(&later).unwrap();
    builder.sign(&issuer_key, MessageDigest::sha256()).unwrap();
    builder.build().to_der().unwrap()
}

#[test]
fn certificates_are_written_read_and_deleted() {
    let TestCard { mut piv, _home } = factory_card();
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let key = piv
        .generate(KeySlot::retired(3).unwrap(), KeyAlgorithm::Rsa2048)
        .unwrap();
    let der = self_signed_certificate(&key);
    assert!(der.len() > 255, "the write must be chained");
    piv.write_certificate(KeySlot::retired(3).unwrap(), &der)
        .unwrap();
    piv.transport_mut().power_cycle();
    // Certificates are public: no PIN, no management key needed to read them.
    assert_eq!(
        piv.read_certificate(KeySlot::retired(3).unwrap()).unwrap(),
        der
    );
    assert!(matches!(
        piv.read_certificate(KeySlot::SIGNATURE),
        Err(Error::NotFound)
    ));
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    piv.delete_certificate(KeySlot::retired(3).unwrap())
        .unwrap();
    assert!(matches!(
        piv.read_certificate(KeySlot::retired(3).unwrap()),
        Err(Error::NotFound)
    ));
}

#[test]
fn data_objects_round_trip() {
    let TestCard { mut piv, _home } = factory_card();
    piv.authenticate(&ManagementKey::factory_default()).unwrap();
    let value: Vec<u8> = (0..700u32).map(|i| i as u8).collect();
    piv.write_object(ObjectId::SECURITY_OBJECT, &value).unwrap();
    assert_eq!(piv.read_object(ObjectId::SECURITY_OBJECT).unwrap(), value);
    piv.delete_object(ObjectId::SECURITY_OBJECT).unwrap();
    assert!(matches!(
        piv.read_object(ObjectId::SECURITY_OBJECT),
        Err(Error::NotFound)
    ));
    let discovery = piv.read_object(ObjectId::DISCOVERY).unwrap();
    assert_eq!(&discovery[2..13], &PIV_AID);
}
