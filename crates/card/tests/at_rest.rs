//! The card at rest (issue 9): a card file without its folder's `device.key` gives no key
//! and allows no offline guess, even with the factory PUK; an edited counter or flag is
//! refused as damage; the scrypt cost is the raised one; files of formats 1 and 2 keep
//! working and are migrated on first use; SET PIN RETRIES follows the personalisation.

mod common;

use std::fs;

use common::*;
use jeton_card::crypto::KdfParams;
use jeton_card::state::CardState;
use jeton_card::vault::{self, WrapScheme};
use jeton_card::{CardDirectory, CardError, Personalisation, StateError};
use zeroize::Zeroizing;

fn corrupt(error: CardError) -> bool {
    matches!(
        error,
        CardError::State {
            source: StateError::Corrupt,
            ..
        }
    )
}

fn open_error(cards: &CardDirectory, serial: u32) -> CardError {
    match cards.open(serial) {
        Ok(_) => panic!("the card file opened"),
        Err(error) => error,
    }
}

fn puk_aad(serial: u32) -> Vec<u8> {
    [b"jeton puk wrap ".as_slice(), &serial.to_be_bytes()].concat()
}

/// What an attacker with the card file alone computes for a guess: scrypt(guess, salt) as
/// the key of the wrap's AES-256-GCM (the vault's layout: salt ‖ nonce ‖ ciphertext ‖ tag).
fn opens_with_scrypt_alone(wrap: &[u8], guess: &[u8], kdf: KdfParams, aad: &[u8]) -> bool {
    let (salt, sealed) = wrap.split_at(16);
    let key = jeton_card::crypto::derive_key(guess, salt, kdf).unwrap();
    jeton_card::crypto::aead_open(&key, aad, sealed).is_ok()
}

/// The records of a card file: `(offset of the value, tag, length)`.
fn records(bytes: &[u8]) -> Vec<(usize, u8, usize)> {
    let mut out = Vec::new();
    let mut at = 10;
    while at + 5 <= bytes.len() - 32 {
        let len = u32::from_be_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        out.push((at + 5, bytes[at], len));
        at += 5 + len;
    }
    out
}

fn value_at(bytes: &[u8], tag: u8) -> usize {
    records(bytes)
        .into_iter()
        .find(|(_, t, _)| *t == tag)
        .expect("record")
        .0
}

#[test]
fn the_card_file_alone_gives_no_key_with_the_factory_puk_and_the_right_pin() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, P256);
    generated(&mut t.card, 0x9C, P256);
    generated(&mut t.card, 0x9E, P256);
    let stolen = fs::read(t.file()).unwrap();

    // Into another folder, with its own device key: refused whole, as damage.
    let elsewhere = tempfile::tempdir().unwrap();
    let thief = CardDirectory::new(elsewhere.path().join("cards"));
    let mut other = Personalisation::factory(1);
    other.kdf = KdfParams::TESTING;
    thief.create(&other).unwrap();
    fs::write(thief.path_of(t.serial), &stolen).unwrap();
    let error = open_error(&thief, t.serial);
    assert!(corrupt(error), "another folder's device key");
    // Into a folder without any device key.
    let bare = tempfile::tempdir().unwrap();
    let alone = CardDirectory::new(bare.path());
    fs::write(alone.path_of(t.serial), &stolen).unwrap();
    assert!(matches!(
        open_error(&alone, t.serial),
        CardError::DeviceKeyMissing(_)
    ));

    // And the offline guess: the PUK wrap does not open with scrypt(factory PUK) alone,
    // nor through the vault under another device key, although the PUK is right.
    let device = t.cards.device_key().unwrap();
    let state = CardState::decode(&stolen, &device).unwrap();
    assert_eq!(state.puk_wrap.scheme, WrapScheme::DeviceBound);
    let aad = puk_aad(t.serial);
    assert!(!opens_with_scrypt_alone(
        &state.puk_wrap.bytes,
        b"12345678",
        state.puk_wrap.kdf,
        &aad
    ));
    let their_device = thief.device_key().unwrap();
    assert!(vault::unwrap(&state.puk_wrap, b"12345678", &their_device, &aad).is_none());
    assert!(vault::unwrap(&state.puk_wrap, b"12345678", &device, &aad).is_some());
    // Neither can the file be read under another folder's key to try the PIN there.
    assert_eq!(
        CardState::decode(&stolen, &their_device),
        Err(StateError::Corrupt)
    );
}

#[test]
fn an_edited_counter_or_a_cleared_temporary_flag_is_refused_as_damaged() {
    let mut personalisation = Personalisation::factory(20_000_901);
    personalisation.temporary_pin = true;
    let mut t = TestCard::with(personalisation);
    assert_eq!(verify(&mut t.card, "000000"), 0x63C2);
    assert_eq!(verify(&mut t.card, "000000"), 0x63C1);
    let bytes = fs::read(t.file()).unwrap();

    let pin_counter = value_at(&bytes, 2);
    let flags = value_at(&bytes, 8);
    assert_eq!(bytes[pin_counter..pin_counter + 2], [1, 3]);
    assert_eq!(bytes[flags] & 0x01, 0x01, "temporary");
    let edits: [(&str, usize, u8); 3] = [
        ("PIN tries back to 3", pin_counter, 3),
        ("PUK max raised", value_at(&bytes, 3) + 1, 15),
        ("temporary flag cleared", flags, bytes[flags] & !0x01),
    ];
    for (what, at, value) in edits {
        let mut edited = bytes.clone();
        edited[at] = value;
        // With the trailer as formats 1 and 2 had it, recomputed by whoever edits: what
        // this morning's card accepted.
        let content = &edited[..edited.len() - 32];
        let resummed = [content, &openssl::sha::sha256(content)].concat();
        for file in [edited.clone(), resummed] {
            fs::write(t.file(), &file).unwrap();
            let error = open_error(&t.cards, t.serial);
            assert!(
                error.to_string().contains("truncated or corrupt"),
                "{what}: {error}"
            );
            assert!(corrupt(error), "{what}");
            // The open card refuses it too, and writes nothing over it.
            assert!(t.card.transmit(&hex("00 20 00 80")).is_err(), "{what}");
            assert_eq!(fs::read(t.file()).unwrap(), file, "{what}");
        }
    }
    fs::write(t.file(), &bytes).unwrap();
    assert_eq!(pin_tries_left(&mut t.reopen()), 1);
}

#[test]
fn another_cards_file_under_this_cards_name_is_refused() {
    let t = TestCard::factory();
    let mut second = Personalisation::factory(t.serial + 1);
    second.kdf = KdfParams::TESTING;
    t.cards.create(&second).unwrap();
    fs::copy(t.cards.path_of(t.serial + 1), t.file()).unwrap();
    assert!(corrupt(open_error(&t.cards, t.serial)));
}

#[test]
fn cards_are_made_at_the_raised_scrypt_cost_by_default() {
    assert_eq!(Personalisation::factory(1).kdf, KdfParams::DEFAULT);
    const { assert!(KdfParams::DEFAULT.log_n >= 17 && KdfParams::DEFAULT.r >= 8) };
    let dir = tempfile::tempdir().unwrap();
    let cards = CardDirectory::new(dir.path());
    let mut card = cards.create(&Personalisation::factory(20_000_902)).unwrap();
    let device = cards.device_key().unwrap();
    let state = CardState::decode(&fs::read(cards.path_of(20_000_902)).unwrap(), &device).unwrap();
    assert_eq!(state.kdf, KdfParams::DEFAULT);
    for wrap in [&state.pin_wrap, &state.puk_wrap] {
        assert_eq!(
            (wrap.scheme, wrap.kdf),
            (WrapScheme::DeviceBound, KdfParams::DEFAULT)
        );
    }
    assert_eq!(verify(&mut card, PIN), SW_OK);
}

#[test]
fn a_format_2_card_file_still_works_and_is_migrated_on_first_use() {
    let old = OldCard::copy("format2");
    let device = old.cards.device_key().unwrap();
    let original = fs::read(old.file()).unwrap();
    assert_eq!(original[8..10], [0, 2]);
    let before = CardState::decode(&original, &device).unwrap();
    assert_eq!(before.puk_wrap.scheme, WrapScheme::SecretOnly);
    assert!(
        opens_with_scrypt_alone(
            &before.puk_wrap.bytes,
            b"12345678",
            KdfParams::FORMAT_2,
            &puk_aad(old.serial)
        ),
        "the fixture is this morning's format: its file alone gave the vault key"
    );

    let mut card = old.cards.open(old.serial).unwrap();
    // Opened once: authenticated, and its wraps sealed under the device key.
    let opened = fs::read(old.file()).unwrap();
    assert_eq!(opened[8..10], [0, 3]);
    let state = CardState::decode(&opened, &device).unwrap();
    for wrap in [&state.pin_wrap, &state.puk_wrap] {
        assert_eq!(wrap.scheme, WrapScheme::Enveloped);
        assert_eq!(wrap.kdf, KdfParams::FORMAT_2);
    }
    assert_eq!(state.kdf, KdfParams::DEFAULT);
    assert!(
        state.refuse_weak_pins && state.fixed_retries,
        "the provider's card"
    );
    assert_eq!(tries_and_default(&mut card, 0x80).0, (3, 2), "as it was");
    let elsewhere = tempfile::tempdir().unwrap();
    let alone = CardDirectory::new(elsewhere.path());
    fs::write(alone.path_of(old.serial), &opened).unwrap();
    assert!(matches!(
        open_error(&alone, old.serial),
        CardError::DeviceKeyMissing(_)
    ));

    // The keys work: 9E without the PIN, 9A after it, each against its public key.
    let digest = sha256(b"after migration");
    let signature = output(private_op(&mut card, P256, 0x9E, &digest));
    assert!(ecdsa_verifies(&old.public_key("9e"), &digest, &signature));
    assert_eq!(
        verify(&mut card, "000000"),
        0x63C1,
        "a wrong PIN still counts"
    );
    assert_eq!(verify(&mut card, "735194"), SW_OK);
    let signature = output(private_op(&mut card, P256, 0x9A, &digest));
    assert!(ecdsa_verifies(&old.public_key("9a"), &digest, &signature));
    assert_eq!(verify(&mut card, "735194"), SW_OK);
    let signature = output(private_op(&mut card, P256, 0x9C, &digest));
    assert!(ecdsa_verifies(&old.public_key("9c"), &digest, &signature));

    // The right PIN re-made the PIN wrap; the PUK wrap waits for the PUK.
    let state = CardState::decode(&fs::read(old.file()).unwrap(), &device).unwrap();
    assert_eq!(
        (state.pin_wrap.scheme, state.pin_wrap.kdf),
        (WrapScheme::DeviceBound, KdfParams::DEFAULT)
    );
    assert_eq!(state.puk_wrap.scheme, WrapScheme::Enveloped);
    assert_eq!(state.pin, jeton_card::pin::RetryCounter::new(3));

    // In a new process the new wrap opens (no memory of it), and the old PUK still works.
    vault::forget_opened();
    let mut card = old.cards.open(old.serial).unwrap();
    assert_eq!(verify(&mut card, "735194"), SW_OK);
    assert_eq!(reset_retry_counter(&mut card, PUK, "281946"), SW_OK);
    let state = CardState::decode(&fs::read(old.file()).unwrap(), &device).unwrap();
    for wrap in [&state.pin_wrap, &state.puk_wrap] {
        assert_eq!(
            (wrap.scheme, wrap.kdf),
            (WrapScheme::DeviceBound, KdfParams::DEFAULT)
        );
    }
    vault::forget_opened();
    let mut card = old.cards.open(old.serial).unwrap();
    assert_eq!(verify(&mut card, "281946"), SW_OK);
    let signature = output(private_op(&mut card, P256, 0x9A, &digest));
    assert!(ecdsa_verifies(&old.public_key("9a"), &digest, &signature));
}

#[test]
fn set_pin_retries_is_refused_on_a_card_of_the_providers_personalisation() {
    let mut personalisation = Personalisation::factory(20_000_903);
    personalisation.pin = Zeroizing::new(b"735194".to_vec());
    personalisation.refuse_weak_pins = true;
    personalisation.fixed_retries = true;
    personalisation.temporary_pin = true;
    let mut t = TestCard::with(personalisation);
    admin(&mut t.card);
    assert_eq!(verify(&mut t.card, "735194"), SW_OK);
    assert_eq!(send(&mut t.card, &[0x00, 0xFA, 0x0F, 0x0F]).sw, 0x6985);
    // Nothing changed: the tries, the PIN, the temporary flag.
    let card = &mut t.reopen();
    assert_eq!(tries_and_default(card, 0x80).0, (3, 3));
    assert_eq!(tries_and_default(card, 0x81).0, (3, 3));
    assert_eq!(find(&send_hex(card, "00 F7 00 80").ok(), 0x88), [0x01]);
    assert_eq!(verify(card, "735194"), SW_OK);
    // Without the management key or the PIN, the same answer.
    assert_eq!(send(card, &[0x00, 0xFA, 0x05, 0x05]).sw, 0x6985);
}

#[test]
fn set_pin_retries_where_allowed_keeps_a_temporary_pin_temporary() {
    let mut personalisation = Personalisation::factory(20_000_904);
    personalisation.temporary_pin = true;
    let mut t = TestCard::with(personalisation);
    admin(&mut t.card);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(send(&mut t.card, &[0x00, 0xFA, 0x05, 0x04]).sw, SW_OK);
    let card = &mut t.reopen();
    assert_eq!(tries_and_default(card, 0x80).0, (5, 5));
    assert_eq!(
        find(&send_hex(card, "00 F7 00 80").ok(), 0x88),
        [0x01],
        "still temporary"
    );
}
