//! The provider's PIN policy, set at personalisation and kept in the card file: a card that
//! refuses weak PINs answers `6985` to CHANGE REFERENCE DATA and RESET RETRY COUNTER with a
//! new PIN that `pin_weakness` finds weak, before any try is spent. A factory card has the
//! policy off.

mod common;

use common::*;
use jeton_card::state::CardState;
use jeton_card::{CardDirectory, CardError, Personalisation, StateError};
use zeroize::Zeroizing;

const CHOSEN: &str = "735194";
const WEAK: [&str; 7] = [
    "123456", "000000", "aaaaaaa", "234567", "987654", "abcdef", "fedcba",
];

fn policy_card() -> TestCard {
    let mut personalisation = Personalisation::factory(20_000_301);
    personalisation.pin = Zeroizing::new(CHOSEN.as_bytes().to_vec());
    personalisation.refuse_weak_pins = true;
    TestCard::with(personalisation)
}

/// Tag 89 of GET METADATA on the PIN: Jeton's weak-PIN policy.
fn refuses_weak_pins(card: &mut jeton_card::Card) -> bool {
    find(&send_hex(card, "00 F7 00 80").ok(), 0x89) == [0x01]
}

fn is_temporary(card: &mut jeton_card::Card) -> bool {
    find(&send_hex(card, "00 F7 00 80").ok(), 0x88) == [0x01]
}

#[test]
fn weak_new_pins_are_refused_and_cost_no_try() {
    let mut t = policy_card();
    assert!(refuses_weak_pins(&mut t.card));
    for weak in WEAK {
        assert_eq!(
            change_reference(&mut t.card, 0x80, CHOSEN, weak),
            0x6985,
            "change to {weak}"
        );
        assert_eq!(
            change_reference(&mut t.card, 0x80, "000001", weak),
            0x6985,
            "change to {weak} with a wrong old PIN"
        );
        assert_eq!(
            reset_retry_counter(&mut t.card, PUK, weak),
            0x6985,
            "unblock to {weak}"
        );
    }
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (3, 3));
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 3));
    assert_eq!(verify(&mut t.card, CHOSEN), SW_OK, "the PIN did not change");
}

#[test]
fn other_pins_are_accepted() {
    let mut t = policy_card();
    assert_eq!(
        change_reference(&mut t.card, 0x80, CHOSEN, "Secret42"),
        SW_OK
    );
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "281946"), SW_OK);
    assert_eq!(verify(&mut t.card, "281946"), SW_OK);
}

#[test]
fn a_factory_card_has_the_policy_off() {
    let mut t = TestCard::factory();
    assert!(!refuses_weak_pins(&mut t.card));
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, "654321"), SW_OK);
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "000000"), SW_OK);
}

#[test]
fn the_policy_is_kept_in_the_card_file() {
    let t = policy_card();
    let reopened = &mut t.reopen();
    assert!(refuses_weak_pins(reopened));
    assert_eq!(change_reference(reopened, 0x80, CHOSEN, "111111"), 0x6985);
}

#[test]
fn a_weak_pin_under_the_policy_must_be_a_temporary_one() {
    let dir = tempfile::tempdir().unwrap();
    let cards = CardDirectory::new(dir.path().join("cards"));
    let mut personalisation = Personalisation::factory(20_000_302);
    personalisation.refuse_weak_pins = true;
    assert!(matches!(
        cards.create(&personalisation),
        Err(CardError::InvalidPersonalisation(_))
    ));
    personalisation.temporary_pin = true;
    let mut card = cards.create(&personalisation).expect("a temporary 123456");
    assert!(is_temporary(&mut card));
}

#[test]
fn after_set_pin_retries_the_factory_pin_must_be_changed() {
    let mut t = policy_card();
    admin(&mut t.card);
    assert_eq!(verify(&mut t.card, CHOSEN), SW_OK);
    assert_eq!(send(&mut t.card, &[0x00, 0xFA, 0x05, 0x04]).sw, SW_OK);
    assert!(is_temporary(&mut t.card), "123456 is back, and weak");
    assert_eq!(tries_and_default(&mut t.card, 0x80), ((5, 5), 1));
}

#[test]
fn the_policy_survives_the_reset_of_a_dead_card() {
    let mut t = policy_card();
    for _ in 0..3 {
        verify(&mut t.card, "000001");
    }
    for _ in 0..3 {
        reset_retry_counter(&mut t.card, "00000000", "281946");
    }
    assert_eq!(sw(&mut t.card, "00 FB 00 00"), SW_OK);
    assert!(refuses_weak_pins(&mut t.card));
    assert!(is_temporary(&mut t.card), "the factory PIN must be changed");
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, PIN), 0x6985);
}

/// A card file of format 1 or 2 rewritten in format `version`, its flags (record tag 8)
/// passed through `flags`, with a fresh checksum.
fn rewritten(bytes: &[u8], version: u16, flags: impl Fn(u8) -> u8) -> Vec<u8> {
    let mut content = bytes[..bytes.len() - 32].to_vec();
    content[8..10].copy_from_slice(&version.to_be_bytes());
    let mut at = 10;
    while at < content.len() {
        let len = u32::from_be_bytes(content[at + 1..at + 5].try_into().unwrap()) as usize;
        if content[at] == 8 {
            content[at + 5] = flags(content[at + 5]);
        }
        at += 5 + len;
    }
    let checksum = openssl::sha::sha256(&content);
    content.extend_from_slice(&checksum);
    content
}

/// As Jeton wrote it before the policy existed: format 1 had only the flags 01, 02, 04.
fn as_format_1(bytes: &[u8]) -> Vec<u8> {
    rewritten(bytes, 1, |flags| flags & 0x07)
}

#[test]
fn a_format_1_card_file_reads_with_the_policy_off_and_learns_its_factory_pin() {
    let old = OldCard::copy("format2-factory");
    let v1 = as_format_1(&std::fs::read(old.file()).unwrap());
    std::fs::write(old.file(), &v1).unwrap();
    let card = &mut old.cards.open(old.serial).unwrap();
    assert!(!refuses_weak_pins(card));
    assert_eq!(tries_and_default(card, 0x80).1, 0, "not known yet");
    assert_eq!(sw(card, "00 F7 00 9A"), SW_OK, "the key is still there");
    assert_eq!(verify(card, PIN), SW_OK);
    assert_eq!(
        tries_and_default(card, 0x80).1,
        1,
        "learnt from the right PIN"
    );
    let device = old.cards.device_key().unwrap();
    let state = CardState::decode(&std::fs::read(old.file()).unwrap(), &device).unwrap();
    assert!(state.pin_is_default && !state.refuse_weak_pins && !state.fixed_retries);
}

#[test]
fn a_format_1_file_with_flags_it_could_not_have_is_corrupt() {
    let old = OldCard::copy("format2");
    let device = old.cards.device_key().unwrap();
    let bytes = std::fs::read(old.file()).unwrap();
    assert!(CardState::decode(&bytes, &device).unwrap().refuse_weak_pins);
    assert!(CardState::decode(&as_format_1(&bytes), &device).is_ok());
    let policy_kept = rewritten(&bytes, 1, |flags| flags);
    assert_eq!(
        CardState::decode(&policy_kept, &device),
        Err(StateError::Corrupt)
    );
    let fixed_in_format_2 = rewritten(&bytes, 2, |flags| flags | 0x20);
    assert_eq!(
        CardState::decode(&fixed_in_format_2, &device),
        Err(StateError::Corrupt)
    );
}
