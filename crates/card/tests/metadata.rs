//! GET METADATA (YubiKey INS F7) as yubikit's `PivSession` reads it: tag 05 "default value"
//! on the PIN, the PUK and the management key, and `6A88` for a key reference that holds
//! no key (which `ykman piv info` skips, and on any other status word fails).

mod common;

use common::*;
use jeton_card::Personalisation;
use zeroize::Zeroizing;

fn default_value(card: &mut jeton_card::Card, reference: u8) -> u8 {
    find(&send(card, &[0x00, 0xF7, 0x00, reference]).ok(), 0x05)[0]
}

#[test]
fn a_factory_card_says_its_pin_puk_and_management_key_are_the_defaults() {
    let mut t = TestCard::factory();
    let pin = send_hex(&mut t.card, "00 F7 00 80").ok();
    // The bytes yubikit parses: algorithm FF, default 01, retries total/remaining.
    assert_eq!(pin[..10], hex("01 01 FF 05 01 01 06 02 03 03")[..]);
    assert_eq!(default_value(&mut t.card, 0x81), 1);
    assert_eq!(default_value(&mut t.card, 0x9B), 1);
}

#[test]
fn changed_values_are_no_longer_defaults_and_the_factory_pin_is_again() {
    let mut t = TestCard::factory();
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, "Secret42"), SW_OK);
    assert_eq!(default_value(&mut t.card, 0x80), 0);
    assert_eq!(change_reference(&mut t.card, 0x80, "Secret42", PIN), SW_OK);
    assert_eq!(default_value(&mut t.card, 0x80), 1, "back to 123456");
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "Secret42"), SW_OK);
    assert_eq!(default_value(&mut t.card, 0x80), 0);
    assert_eq!(change_reference(&mut t.card, 0x81, PUK, "87654321"), SW_OK);
    assert_eq!(default_value(&mut t.card, 0x81), 0);
    admin(&mut t.card);
    assert_eq!(set_management_key(&mut t.card, 0x0C, &[0x42; 32]), SW_OK);
    assert_eq!(default_value(&mut t.card, 0x9B), 0);
    let reopened = &mut t.reopen();
    assert_eq!(default_value(reopened, 0x80), 0, "durable");
}

#[test]
fn a_temporary_pin_is_a_default_value_too() {
    let mut personalisation = Personalisation::factory(20_000_201);
    personalisation.pin = Zeroizing::new(b"735194".to_vec());
    personalisation.temporary_pin = true;
    let mut t = TestCard::with(personalisation);
    let pin = send_hex(&mut t.card, "00 F7 00 80").ok();
    assert_eq!(find(&pin, 0x05), [0x01], "someone else knows it: the SMS");
    assert_eq!(find(&pin, 0x88), [0x01], "and Jeton's flag says why");
    assert_eq!(
        change_reference(&mut t.card, 0x80, "735194", "Secret42"),
        SW_OK
    );
    let pin = send_hex(&mut t.card, "00 F7 00 80").ok();
    assert_eq!((find(&pin, 0x05), find(&pin, 0x88)), (vec![0], vec![0]));
}

#[test]
fn a_factory_pin_is_not_a_temporary_one() {
    let mut t = TestCard::factory();
    let pin = send_hex(&mut t.card, "00 F7 00 80").ok();
    assert_eq!((find(&pin, 0x05), find(&pin, 0x88)), (vec![1], vec![0]));
}

#[test]
fn empty_key_slots_answer_reference_data_not_found() {
    let mut t = TestCard::factory();
    let slots = [0x9A, 0x9C, 0x9D, 0x9E].into_iter().chain(0x82..=0x95);
    for slot in slots.clone() {
        assert_eq!(
            send(&mut t.card, &[0x00, 0xF7, 0x00, slot]).sw,
            0x6A88,
            "slot {slot:02X}"
        );
    }
    // No key reference at all (0x96 is a YubiKey Bio's, which ykman probes): the same.
    assert_eq!(sw(&mut t.card, "00 F7 00 96"), 0x6A88);
    generated(&mut t.card, 0x9D, P256);
    assert_eq!(sw(&mut t.card, "00 F7 00 9D"), SW_OK);
}
