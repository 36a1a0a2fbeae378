//! Management-key authentication, key generation and every private-key operation, each
//! checked by OpenSSL on the host side; the slot PIN policies; GET METADATA of slots.

mod common;

use common::*;
use jeton_card::FACTORY_MANAGEMENT_KEY;
use openssl::derive::Deriver;
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Padding;

#[test]
fn mutual_authentication_with_the_factory_3des_key_allows_put_data() {
    let mut t = TestCard::factory();
    assert_eq!(
        mutual_auth(&mut t.card, 0x03, &FACTORY_MANAGEMENT_KEY),
        SW_OK
    );
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1, 2, 3]), SW_OK);
}

#[test]
fn external_authentication_with_the_factory_3des_key_allows_put_data() {
    let mut t = TestCard::factory();
    assert_eq!(
        external_auth(&mut t.card, 0x03, &FACTORY_MANAGEMENT_KEY),
        SW_OK
    );
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1, 2, 3]), SW_OK);
}

#[test]
fn a_wrong_witness_answers_6982_and_grants_nothing() {
    let mut t = TestCard::factory();
    assert_eq!(
        mutual_auth_with(&mut t.card, 0x03, &FACTORY_MANAGEMENT_KEY, true),
        0x6982
    );
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1]), 0x6982);
    assert_eq!(
        external_auth(&mut t.card, 0x03, &[0x55; 24]),
        0x6982,
        "wrong key, external"
    );
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1]), 0x6982);
    assert_eq!(
        mutual_auth(&mut t.card, 0x03, &[0x55; 24]),
        0x6982,
        "wrong key, mutual"
    );
    assert_eq!(generate(&mut t.card, 0x9A, P256).sw, 0x6982);
}

#[test]
fn a_witness_without_a_pending_challenge_is_refused() {
    let mut t = TestCard::factory();
    let items = [tlv(0x80, &[0; 8]), tlv(0x81, &[0; 8])].concat();
    let response = exchange(
        &mut t.card,
        &apdu([0x00, 0x87, 0x03, 0x9B], &tlv(0x7C, &items)),
    );
    assert_eq!(response.sw, 0x6985);
    // A challenge is forgotten as soon as another command comes between the two steps.
    let first = exchange(
        &mut t.card,
        &apdu([0x00, 0x87, 0x03, 0x9B], &hex("7C 02 80 00")),
    );
    assert_eq!(first.sw, SW_OK);
    assert_eq!(pin_status(&mut t.card), 0x63C3);
    let encrypted = find(&find(&first.data, 0x7C), 0x80);
    let witness = block(
        0x03,
        &FACTORY_MANAGEMENT_KEY,
        &encrypted,
        openssl::symm::Mode::Decrypt,
    );
    let items = [tlv(0x80, &witness), tlv(0x81, &[0; 8])].concat();
    assert_eq!(
        exchange(
            &mut t.card,
            &apdu([0x00, 0x87, 0x03, 0x9B], &tlv(0x7C, &items))
        )
        .sw,
        0x6985
    );
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1]), 0x6982);
}

#[test]
fn authentication_with_another_algorithm_than_the_cards_is_refused() {
    let mut t = TestCard::factory();
    assert_eq!(
        mutual_auth(&mut t.card, 0x08, &FACTORY_MANAGEMENT_KEY[..16]),
        0x6A86
    );
}

#[test]
fn management_key_can_become_aes_of_each_size_and_the_old_key_stops_working() {
    let mut t = TestCard::factory();
    let mut current: (u8, Vec<u8>) = (0x03, FACTORY_MANAGEMENT_KEY.to_vec());
    for (algorithm, len) in [(0x08u8, 16usize), (0x0A, 24), (0x0C, 32), (0x03, 24)] {
        let key: Vec<u8> = (0..len as u8)
            .map(|i| i.wrapping_mul(7) ^ algorithm)
            .collect();
        assert_eq!(mutual_auth(&mut t.card, current.0, &current.1), SW_OK);
        assert_eq!(
            set_management_key(&mut t.card, algorithm, &key),
            SW_OK,
            "alg {algorithm:02X}"
        );
        let metadata = send_hex(&mut t.card, "00 F7 00 9B").ok();
        assert_eq!(find(&metadata, 0x01), [algorithm]);
        assert_eq!(find(&metadata, 0x05), [0], "no longer the default key");
        t.card.power_cycle();
        if algorithm != current.0 {
            assert_eq!(
                mutual_auth(&mut t.card, current.0, &current.1),
                0x6A86,
                "old algorithm"
            );
        } else {
            assert_eq!(
                mutual_auth(&mut t.card, current.0, &current.1),
                0x6982,
                "old key"
            );
        }
        assert_eq!(
            mutual_auth(&mut t.card, algorithm, &key),
            SW_OK,
            "mutual, alg {algorithm:02X}"
        );
        t.card.power_cycle();
        assert_eq!(
            external_auth(&mut t.card, algorithm, &key),
            SW_OK,
            "external, alg {algorithm:02X}"
        );
        assert_eq!(put_object(&mut t.card, CERT_9A, &[algorithm]), SW_OK);
        current = (algorithm, key);
    }
    let mut reopened = t.reopen();
    assert_eq!(
        mutual_auth(&mut reopened, current.0, &current.1),
        SW_OK,
        "the new key is durable"
    );
}

#[test]
fn set_management_key_needs_the_current_one_and_a_well_formed_key() {
    let mut t = TestCard::factory();
    assert_eq!(set_management_key(&mut t.card, 0x08, &[1; 16]), 0x6982);
    admin(&mut t.card);
    assert_eq!(
        set_management_key(&mut t.card, 0x08, &[1; 24]),
        0x6A80,
        "AES-128 takes 16 bytes"
    );
    assert_eq!(
        set_management_key(&mut t.card, 0x11, &[1; 32]),
        0x6A80,
        "no such algorithm"
    );
    t.card.power_cycle();
    admin(&mut t.card);
}

#[test]
fn generate_needs_the_management_key() {
    let mut t = TestCard::factory();
    assert_eq!(generate(&mut t.card, 0x9A, P256).sw, 0x6982);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(
        generate(&mut t.card, 0x9A, P256).sw,
        0x6982,
        "the PIN is not enough"
    );
    assert_eq!(sw(&mut t.card, "00 F7 00 9A"), 0x6A88, "no key");
}

#[test]
fn generate_refuses_unknown_algorithms_and_slots() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(
        generate(&mut t.card, 0x9A, 0x06).sw,
        0x6A80,
        "RSA-1024 is not offered"
    );
    assert_eq!(generate(&mut t.card, 0x9B, P256).sw, 0x6A86);
    assert_eq!(generate(&mut t.card, 0x81, P256).sw, 0x6A86);
}

#[test]
fn generate_p256_and_p384_return_the_public_point() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    for (algorithm, point_len) in [(P256, 65), (P384, 97)] {
        let response = generate(&mut t.card, 0x9D, algorithm).ok();
        let point = find(&find(&response, 0x7F49), 0x86);
        assert_eq!(
            (point.len(), point[0]),
            (point_len, 0x04),
            "uncompressed point"
        );
        public_key(algorithm, &response);
    }
}

#[test]
fn generate_rsa_2048_and_3072_return_modulus_and_exponent() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    for (algorithm, bits) in [(RSA2048, 2048), (RSA3072, 3072)] {
        let response = generate(&mut t.card, 0x9A, algorithm).ok();
        let public = public_key(algorithm, &response);
        assert_eq!(public.bits(), bits);
        assert_eq!(public.rsa().unwrap().e().to_vec(), [1, 0, 1]);
    }
}

#[test]
fn generate_rsa_4096_and_sign_with_it() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9D, RSA4096);
    assert_eq!(public.bits(), 4096);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let message = b"a 4096-bit signature";
    let signature = output(private_op(
        &mut t.card,
        RSA4096,
        0x9D,
        &pkcs1_v15_sha256_block(message, 512),
    ));
    assert!(rsa_signature_verifies(&public, message, &signature));
}

#[test]
fn ecdsa_signatures_verify_against_the_generated_public_key() {
    let mut t = TestCard::factory();
    for (algorithm, digest) in [
        (P256, sha256(b"hello")),
        (P384, openssl::sha::sha384(b"hello").to_vec()),
    ] {
        let public = generated(&mut t.card, 0x9A, algorithm);
        assert_eq!(verify(&mut t.card, PIN), SW_OK);
        let signature = output(private_op(&mut t.card, algorithm, 0x9A, &digest));
        assert!(
            ecdsa_verifies(&public, &digest, &signature),
            "alg {algorithm:02X}"
        );
        let mut other = digest.clone();
        other[0] ^= 1;
        assert!(!ecdsa_verifies(&public, &other, &signature));
    }
}

#[test]
fn rsa_raw_signature_sent_with_chaining_verifies_with_openssl() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9A, RSA2048);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let message = b"signed with PKCS#1 v1.5 padding done by the host";
    let block = pkcs1_v15_sha256_block(message, 256);
    // 266 bytes of data: two links, and a 264-byte answer in 256 + 61 08.
    let signature = output(private_op(&mut t.card, RSA2048, 0x9A, &block));
    assert_eq!(signature.len(), 256);
    assert!(rsa_signature_verifies(&public, message, &signature));
}

#[test]
fn rsa_raw_signature_sent_with_extended_length_comes_back_at_once() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9A, RSA3072);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let message = b"one extended APDU";
    let items = [
        tlv(0x82, &[]),
        tlv(0x81, &pkcs1_v15_sha256_block(message, 384)),
    ]
    .concat();
    let response = send(
        &mut t.card,
        &extended_apdu([0x00, 0x87, RSA3072, 0x9A], &tlv(0x7C, &items)),
    );
    let signature = output(response);
    assert!(rsa_signature_verifies(&public, message, &signature));
}

#[test]
fn rsa_input_of_the_wrong_size_is_refused() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, RSA2048);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(
        private_op(&mut t.card, RSA2048, 0x9A, &[0x01; 255]).sw,
        0x6A80
    );
    assert_eq!(
        private_op(&mut t.card, P256, 0x9A, &[0x01; 256]).sw,
        0x6A86,
        "wrong algorithm"
    );
}

#[test]
fn rsa_decryption_recovers_what_openssl_encrypted() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9D, RSA2048);
    let secret = b"a session key of 32 bytes.......";
    let mut encrypted = vec![0u8; 256];
    let n = public
        .rsa()
        .unwrap()
        .public_encrypt(secret, &mut encrypted, Padding::PKCS1)
        .unwrap();
    assert_eq!(n, 256);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let block = output(private_op(&mut t.card, RSA2048, 0x9D, &encrypted));
    // EME-PKCS1-v1_5: 00 02 nonzero padding 00 message (the host removes it).
    assert_eq!(block.len(), 256);
    assert_eq!(block[..2], [0x00, 0x02]);
    assert_eq!(block[256 - secret.len() - 1], 0x00);
    assert_eq!(&block[256 - secret.len()..], secret);
}

fn ecdh_with_the_card(t: &mut TestCard, algorithm: u8, nid: Nid) -> (Vec<u8>, Vec<u8>) {
    let public = generated(&mut t.card, 0x9D, algorithm);
    let group = EcGroup::from_curve_name(nid).unwrap();
    let host = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let point = host
        .ec_key()
        .unwrap()
        .public_key()
        .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap();
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let items = [tlv(0x82, &[]), tlv(0x85, &point)].concat();
    let card_secret = output(exchange(
        &mut t.card,
        &apdu([0x00, 0x87, algorithm, 0x9D], &tlv(0x7C, &items)),
    ));
    let mut deriver = Deriver::new(&host).unwrap();
    deriver.set_peer(&public).unwrap();
    (card_secret, deriver.derive_to_vec().unwrap())
}

#[test]
fn ecdh_in_9d_agrees_with_openssl() {
    let mut t = TestCard::factory();
    for (algorithm, nid, len) in [
        (P256, Nid::X9_62_PRIME256V1, 32),
        (P384, Nid::SECP384R1, 48),
    ] {
        let (card, host) = ecdh_with_the_card(&mut t, algorithm, nid);
        assert_eq!(card.len(), len);
        assert_eq!(card, host, "alg {algorithm:02X}");
    }
}

#[test]
fn ecdh_refuses_a_point_off_the_curve_and_signing_slots() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9D, P256);
    generated(&mut t.card, 0x9A, P256);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let mut point = vec![0x04];
    point.extend_from_slice(&[0x01; 64]);
    let items = [tlv(0x82, &[]), tlv(0x85, &point)].concat();
    let response = exchange(
        &mut t.card,
        &apdu([0x00, 0x87, P256, 0x9D], &tlv(0x7C, &items)),
    );
    assert_eq!(response.sw, 0x6A80);
    let (_, good_point) = {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        (
            (),
            key.public_key()
                .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
                .unwrap(),
        )
    };
    let items = [tlv(0x82, &[]), tlv(0x85, &good_point)].concat();
    let response = exchange(
        &mut t.card,
        &apdu([0x00, 0x87, P256, 0x9A], &tlv(0x7C, &items)),
    );
    assert_eq!(response.sw, 0x6985, "9A is no key-agreement key");
}

#[test]
fn slot_9a_needs_the_pin_once_per_session() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9A, P256);
    let digest = sha256(b"login");
    assert_eq!(private_op(&mut t.card, P256, 0x9A, &digest).sw, 0x6982);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    for _ in 0..3 {
        assert!(ecdsa_verifies(
            &public,
            &digest,
            &output(private_op(&mut t.card, P256, 0x9A, &digest))
        ));
    }
    t.card.power_cycle();
    assert_eq!(
        private_op(&mut t.card, P256, 0x9A, &digest).sw,
        0x6982,
        "a new session needs the PIN"
    );
}

#[test]
fn slot_9c_needs_the_pin_before_every_signature() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9C, P256);
    let digest = sha256(b"qualified signature");
    assert_eq!(private_op(&mut t.card, P256, 0x9C, &digest).sw, 0x6982);
    for _ in 0..2 {
        assert_eq!(verify(&mut t.card, PIN), SW_OK);
        assert!(ecdsa_verifies(
            &public,
            &digest,
            &output(private_op(&mut t.card, P256, 0x9C, &digest))
        ));
        assert_eq!(
            private_op(&mut t.card, P256, 0x9C, &digest).sw,
            0x6982,
            "second signature without VERIFY"
        );
    }
    // VERIFY without data reports the PIN as verified but does not re-arm 9C.
    assert_eq!(pin_status(&mut t.card), SW_OK);
    assert_eq!(private_op(&mut t.card, P256, 0x9C, &digest).sw, 0x6982);
}

#[test]
fn slot_9d_and_retired_slots_need_the_pin_once() {
    let mut t = TestCard::factory();
    let public_9d = generated(&mut t.card, 0x9D, P256);
    let public_82 = generated(&mut t.card, 0x82, P384);
    let digest = sha256(b"retired");
    let digest_384 = openssl::sha::sha384(b"retired").to_vec();
    assert_eq!(private_op(&mut t.card, P256, 0x9D, &digest).sw, 0x6982);
    assert_eq!(private_op(&mut t.card, P384, 0x82, &digest_384).sw, 0x6982);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert!(ecdsa_verifies(
        &public_9d,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9D, &digest))
    ));
    assert!(ecdsa_verifies(
        &public_82,
        &digest_384,
        &output(private_op(&mut t.card, P384, 0x82, &digest_384))
    ));
    assert!(ecdsa_verifies(
        &public_82,
        &digest_384,
        &output(private_op(&mut t.card, P384, 0x82, &digest_384))
    ));
}

#[test]
fn slot_9e_needs_no_pin() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9E, P256);
    t.card.power_cycle();
    let digest = sha256(b"card authentication");
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9E, &digest))
    ));
    let mut reopened = t.reopen();
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut reopened, P256, 0x9E, &digest))
    ));
}

#[test]
fn a_slot_without_a_key_answers_6a88() {
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(
        private_op(&mut t.card, P256, 0x9A, &sha256(b"x")).sw,
        0x6A88
    );
}

#[test]
fn a_new_key_replaces_the_old_one_in_its_slot() {
    let mut t = TestCard::factory();
    let first = generated(&mut t.card, 0x9A, P256);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let digest = sha256(b"before");
    assert!(ecdsa_verifies(
        &first,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9A, &digest))
    ));
    let second = generated(&mut t.card, 0x9A, P256);
    let signature = output(private_op(&mut t.card, P256, 0x9A, &digest));
    assert!(ecdsa_verifies(&second, &digest, &signature));
    assert!(!ecdsa_verifies(&first, &digest, &signature));
}

#[test]
fn metadata_of_slots_tells_algorithm_policy_origin_and_public_key() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let mut templates = Vec::new();
    for (slot, algorithm, policy) in [
        (0x9A, P256, 2),
        (0x9C, P384, 3),
        (0x9D, RSA2048, 2),
        (0x9E, P256, 1),
    ] {
        let response = generate(&mut t.card, slot, algorithm).ok();
        templates.push((slot, algorithm, policy, find(&response, 0x7F49)));
    }
    for (slot, algorithm, policy, template) in templates {
        let metadata = exchange(&mut t.card, &[0x00, 0xF7, 0x00, slot]).ok();
        assert_eq!(find(&metadata, 0x01), [algorithm], "slot {slot:02X}");
        assert_eq!(
            find(&metadata, 0x02)[0],
            policy,
            "slot {slot:02X} PIN policy"
        );
        assert_eq!(find(&metadata, 0x03), [0x01], "generated on the card");
        assert_eq!(
            find(&metadata, 0x04),
            template,
            "slot {slot:02X} public key"
        );
    }
    let management = send_hex(&mut t.card, "00 F7 00 9B").ok();
    assert_eq!(find(&management, 0x01), [0x03]);
    assert_eq!(find(&management, 0x05), [0x01], "factory management key");
    assert_eq!(sw(&mut t.card, "00 F7 00 42"), 0x6A88, "no such reference");
    assert_eq!(
        sw(&mut t.card, "00 F7 00 95"),
        0x6A88,
        "retired slot without a key"
    );
}

/// GENERATE with YubiKey's PIN-policy (AA) and touch-policy (AB) items.
fn generate_with_policies(card: &mut jeton_card::Card, slot: u8, policies: &str) -> u16 {
    let control = [tlv(0x80, &[P256]), hex(policies)].concat();
    exchange(card, &apdu([0x00, 0x47, 0x00, slot], &tlv(0xAC, &control))).sw
}

#[test]
fn a_pin_or_touch_policy_other_than_the_slots_is_refused_not_ignored() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(
        generate_with_policies(&mut t.card, 0x9C, "AA 01 03"),
        SW_OK,
        "always"
    );
    assert_eq!(
        generate_with_policies(&mut t.card, 0x9A, "AA 01 02 AB 01 01"),
        SW_OK
    );
    assert_eq!(
        generate_with_policies(&mut t.card, 0x9E, "AA 01 00 AB 01 00"),
        SW_OK
    );
    assert_eq!(
        generate_with_policies(&mut t.card, 0x9C, "AA 01 01"),
        0x6A80,
        "a 9C key that needs no PIN would break sole control"
    );
    assert_eq!(
        generate_with_policies(&mut t.card, 0x9A, "AB 01 02"),
        0x6A80,
        "no touch"
    );
    let item = tlv(0x06, &[0x42; 32]);
    let mut import = [item, hex("AA 01 01")].concat();
    assert_eq!(
        exchange(&mut t.card, &apdu([0x00, 0xFE, P256, 0x9D], &import)).sw,
        0x6A80,
        "9D needs the PIN once"
    );
    import.truncate(34);
    assert_eq!(
        exchange(&mut t.card, &apdu([0x00, 0xFE, P256, 0x9D], &import)).sw,
        SW_OK
    );
}
