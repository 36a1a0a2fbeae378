//! The card file: what survives a restart, what a damaged or foreign file gives, and what
//! a copy of the file gives away.

mod common;

use std::fs;

use common::*;
use jeton_card::{CardDirectory, CardError, Personalisation, StateError, FACTORY_MANAGEMENT_KEY};

fn open_error(t: &TestCard) -> CardError {
    match t.cards.open(t.serial) {
        Ok(_) => panic!("a damaged card file opened"),
        Err(error) => error,
    }
}

#[test]
fn counters_keys_objects_and_the_management_key_survive_reopening() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9A, P256);
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9A, &certificate_object(700, 2)),
        SW_OK
    );
    assert_eq!(set_management_key(&mut t.card, 0x0A, &[0x42; 24]), SW_OK);
    assert_eq!(verify(&mut t.card, "000000"), 0x63C2);
    assert_eq!(
        change_reference(&mut t.card, 0x81, "00000000", "11223344"),
        0x63C2
    );
    drop(t.card);

    let mut card = t.cards.open(t.serial).unwrap();
    assert_eq!(card.serial(), t.serial);
    assert_eq!(pin_status(&mut card), 0x63C2, "the wrong PIN still counts");
    assert_eq!(tries_and_default(&mut card, 0x81).0, (3, 2));
    assert_eq!(
        find(&get_object(&mut card, CERT_9A).ok(), 0x53),
        certificate_object(700, 2)
    );
    assert_eq!(mutual_auth(&mut card, 0x0A, &[0x42; 24]), SW_OK);
    assert_eq!(
        private_op(&mut card, P256, 0x9A, &sha256(b"x")).sw,
        0x6982,
        "the session did not survive"
    );
    assert_eq!(verify(&mut card, PIN), SW_OK);
    let digest = sha256(b"after a restart");
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut card, P256, 0x9A, &digest))
    ));
}

#[test]
fn a_changed_pin_survives_reopening() {
    let mut t = TestCard::factory();
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, "Zz9-Zz9"), SW_OK);
    let mut card = t.reopen();
    assert_eq!(verify(&mut card, PIN), 0x63C2);
    assert_eq!(verify(&mut card, "Zz9-Zz9"), SW_OK);
}

#[test]
fn the_cards_of_a_folder_are_listed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let cards = CardDirectory::new(dir.path());
    assert_eq!(cards.list().unwrap(), Vec::<u32>::new());
    for serial in [30, 4, 1000] {
        let mut personalisation = Personalisation::factory(serial);
        personalisation.kdf = jeton_card::crypto::KdfParams::TESTING;
        cards.create(&personalisation).unwrap();
    }
    assert!(matches!(
        cards.create(&Personalisation::factory(4)),
        Err(CardError::AlreadyExists(_))
    ));
    assert_eq!(cards.list().unwrap(), [4, 30, 1000]);
    cards.delete(30).unwrap();
    assert_eq!(cards.list().unwrap(), [4, 1000]);
    assert!(matches!(cards.open(30), Err(CardError::NotFound(_))));
    assert!(matches!(cards.delete(30), Err(CardError::NotFound(_))));
}

#[test]
fn a_card_is_never_made_with_a_pin_or_puk_the_guide_forbids() {
    let dir = tempfile::tempdir().unwrap();
    let cards = CardDirectory::new(dir.path());
    let mut short_pin = Personalisation::factory(1);
    short_pin.pin = zeroize::Zeroizing::new(b"12345".to_vec());
    let mut short_puk = Personalisation::factory(2);
    short_puk.puk = zeroize::Zeroizing::new(b"1234567".to_vec());
    let mut too_many_tries = Personalisation::factory(3);
    too_many_tries.pin_tries = 16;
    let mut bad_key = Personalisation::factory(4);
    bad_key.management_key_algorithm = 0x08;
    for personalisation in [short_pin, short_puk, too_many_tries, bad_key] {
        let serial = personalisation.serial;
        assert!(
            matches!(
                cards.create(&personalisation),
                Err(CardError::InvalidPersonalisation(_))
            ),
            "{serial}"
        );
        assert!(!cards.path_of(serial).exists());
    }
}

#[test]
fn a_truncated_card_file_is_refused_with_a_clear_error() {
    let t = TestCard::factory();
    let bytes = fs::read(t.file()).unwrap();
    for len in [
        bytes.len() - 1,
        bytes.len() - 32,
        bytes.len() / 2,
        11,
        10,
        9,
    ] {
        fs::write(t.file(), &bytes[..len]).unwrap();
        let error = open_error(&t);
        assert!(
            matches!(
                error,
                CardError::State {
                    source: StateError::Corrupt,
                    ..
                }
            ),
            "{len} bytes: {error:?}"
        );
        assert!(
            error.to_string().contains("truncated or corrupt"),
            "{error}"
        );
    }
}

#[test]
fn an_empty_card_file_is_refused_not_reset() {
    let t = TestCard::factory();
    fs::write(t.file(), b"").unwrap();
    assert!(matches!(open_error(&t), CardError::State { .. }));
    assert!(matches!(
        t.cards.create(&Personalisation::factory(t.serial)),
        Err(CardError::AlreadyExists(_))
    ));
    assert_eq!(fs::read(t.file()).unwrap(), b"", "nobody overwrote it");
}

#[test]
fn every_flipped_bit_is_detected() {
    let t = TestCard::factory();
    let bytes = fs::read(t.file()).unwrap();
    for position in (0..bytes.len()).step_by(3) {
        let mut damaged = bytes.clone();
        damaged[position] ^= 1 << (position % 8);
        fs::write(t.file(), &damaged).unwrap();
        let error = open_error(&t);
        assert!(
            matches!(error, CardError::State { .. }),
            "byte {position}: {error:?}"
        );
    }
    fs::write(t.file(), &bytes).unwrap();
    t.reopen();
}

#[test]
fn a_foreign_file_is_refused_as_foreign() {
    let t = TestCard::factory();
    fs::write(
        t.file(),
        b"\x89PNG\r\n\x1a\n and then some image data, long enough to look real",
    )
    .unwrap();
    let error = open_error(&t);
    assert!(
        matches!(
            error,
            CardError::State {
                source: StateError::Foreign,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("not a Jeton card file"));
}

#[test]
fn a_file_from_a_newer_jeton_is_refused_as_newer() {
    let t = TestCard::factory();
    let bytes = fs::read(t.file()).unwrap();
    let mut content = bytes[..bytes.len() - 32].to_vec();
    content[8..10].copy_from_slice(&[0x00, 0x07]);
    let checksum = openssl::sha::sha256(&content);
    content.extend_from_slice(&checksum);
    fs::write(t.file(), &content).unwrap();
    assert!(matches!(
        open_error(&t),
        CardError::State {
            source: StateError::NewerFormat(7),
            ..
        }
    ));
}

#[test]
fn damage_while_the_card_is_open_stops_it_answering_without_resetting_it() {
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, "000000"), 0x63C2);
    let bytes = fs::read(t.file()).unwrap();
    let mut damaged = bytes.clone();
    damaged[40] ^= 0xFF;
    fs::write(t.file(), &damaged).unwrap();
    assert!(matches!(
        t.card.transmit(&hex("00 20 00 80")),
        Err(CardError::State { .. })
    ));
    assert!(t
        .card
        .transmit(&hex("00 20 00 80 08 31 32 33 34 35 36 FF FF"))
        .is_err());
    assert_eq!(
        fs::read(t.file()).unwrap(),
        damaged,
        "the card did not write over the damage"
    );
    fs::remove_file(t.file()).unwrap();
    assert!(matches!(
        t.card.transmit(&hex("00 20 00 80")),
        Err(CardError::NotFound(_))
    ));
    fs::write(t.file(), &bytes).unwrap();
    assert_eq!(
        pin_status(&mut t.card),
        0x63C2,
        "the repaired file is read again"
    );
}

#[test]
fn a_missing_or_damaged_device_key_is_reported() {
    let t = TestCard::factory();
    let device_key = t.cards.root().join("device.key");
    let saved = fs::read(&device_key).unwrap();
    fs::write(&device_key, b"JETONDEV short").unwrap();
    assert!(matches!(open_error(&t), CardError::DeviceKeyCorrupt(_)));
    fs::remove_file(&device_key).unwrap();
    assert!(matches!(open_error(&t), CardError::DeviceKeyMissing(_)));
    fs::write(&device_key, saved).unwrap();
    t.reopen();
}

/// The DER that starts a PKCS#8 `PrivateKeyInfo`: version 0, then the algorithm.
const EC_PKCS8_START: &str = "02 01 00 30 13 06 07 2A 86 48 CE 3D 02 01";
const RSA_PKCS8_START: &str = "02 01 00 30 0D 06 09 2A 86 48 86 F7 0D 01 01 01";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn the_card_file_holds_no_private_key_in_clear() {
    let mut t = TestCard::factory();
    let mut publics = Vec::new();
    for (slot, algorithm) in [(0x9A, P256), (0x9C, P384), (0x9D, RSA2048), (0x9E, P256)] {
        publics.push(generated(&mut t.card, slot, algorithm));
    }
    let file = fs::read(t.file()).unwrap();
    for header in [
        EC_PKCS8_START,
        RSA_PKCS8_START,
        "30 81 87 02 01 00 30 13",
        "30 82 04",
    ] {
        assert!(
            !contains(&file, &hex(header)),
            "PKCS#8 header {header} in the card file"
        );
    }
    assert!(!contains(&file, b"123456\xff\xff"), "the PIN in clear");
    assert!(!contains(&file, b"12345678"), "the PUK in clear");
    assert!(
        !contains(&file, &FACTORY_MANAGEMENT_KEY),
        "the management key in clear"
    );
    // The public keys are there (metadata needs them), which shows the search works.
    let public = publics[0].public_key_to_der().unwrap();
    assert!(contains(&file, &public[public.len() - 65..]));
}
