//! The guide's PIN and PUK story at the APDU level: VERIFY, CHANGE REFERENCE DATA, RESET
//! RETRY COUNTER, the temporary PIN, the dead card and its RESET.

mod common;

use common::*;
use jeton_card::{Card, Personalisation};
use zeroize::Zeroizing;

fn temporary_pin_card() -> TestCard {
    let mut personalisation = Personalisation::factory(20_000_002);
    personalisation.pin = Zeroizing::new(b"735194".to_vec());
    personalisation.temporary_pin = true;
    TestCard::with(personalisation)
}

/// 3 wrong PINs, then 3 wrong unblock codes.
fn kill(card: &mut Card) {
    for _ in 0..3 {
        verify(card, "000000");
    }
    for _ in 0..3 {
        reset_retry_counter(card, "00000000", "111111");
    }
    assert_eq!(pin_status(card), 0x6983);
    assert_eq!(reset_retry_counter(card, PUK, "111111"), 0x6983);
}

#[test]
fn verify_without_data_tells_the_tries_left() {
    let mut t = TestCard::factory();
    assert_eq!(pin_status(&mut t.card), 0x63C3);
    assert_eq!(
        sw(&mut t.card, "00 20 00 80 00"),
        0x63C3,
        "yubico-piv-tool's form, with Le"
    );
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(pin_status(&mut t.card), SW_OK, "verified");
}

#[test]
fn three_wrong_pins_block_the_pin() {
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, "654321"), 0x63C2);
    assert_eq!(verify(&mut t.card, "654321"), 0x63C1);
    assert_eq!(verify(&mut t.card, "654321"), 0x63C0);
    assert_eq!(verify(&mut t.card, "654321"), 0x6983);
    assert_eq!(verify(&mut t.card, PIN), 0x6983, "even the right PIN");
    assert_eq!(pin_status(&mut t.card), 0x6983);
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (3, 0));
}

#[test]
fn right_pin_restores_the_counter() {
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, "111111"), 0x63C2);
    assert_eq!(verify(&mut t.card, "222222"), 0x63C1);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(pin_tries_left(&mut t.card), 3);
    assert_eq!(verify(&mut t.card, "111111"), 0x63C2);
    assert_eq!(
        pin_status(&mut t.card),
        0x63C2,
        "a wrong PIN also drops the verified state"
    );
}

#[test]
fn verify_with_p1_ff_clears_the_verified_state() {
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(sw(&mut t.card, "00 20 FF 80"), SW_OK);
    assert_eq!(pin_status(&mut t.card), 0x63C3);
}

#[test]
fn the_puk_is_never_verified() {
    let mut t = TestCard::factory();
    let mut command = hex("00 20 00 81 08");
    command.extend_from_slice(&padded(PUK));
    assert_eq!(send(&mut t.card, &command).sw, 0x6A88);
    assert_eq!(sw(&mut t.card, "00 20 00 00"), 0x6A88, "no global PIN");
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 3));
}

#[test]
fn verify_with_a_pin_of_the_wrong_length_is_refused() {
    let mut t = TestCard::factory();
    assert_eq!(sw(&mut t.card, "00 20 00 80 06 31 32 33 34 35 36"), 0x6A80);
    assert_eq!(pin_tries_left(&mut t.card), 3);
}

#[test]
fn change_pin_needs_the_old_pin_and_a_wrong_one_costs_a_try() {
    let mut t = TestCard::factory();
    assert_eq!(
        change_reference(&mut t.card, 0x80, "999999", "246810"),
        0x63C2
    );
    assert_eq!(
        verify(&mut t.card, "246810"),
        0x63C1,
        "the PIN did not change"
    );
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, "246810"), SW_OK);
    assert_eq!(pin_tries_left(&mut t.card), 3);
    assert_eq!(verify(&mut t.card, PIN), 0x63C2);
    assert_eq!(verify(&mut t.card, "246810"), SW_OK);
}

#[test]
fn change_puk_needs_the_old_puk_and_a_wrong_one_costs_a_puk_try() {
    let mut t = TestCard::factory();
    assert_eq!(
        change_reference(&mut t.card, 0x81, "87654321", "11223344"),
        0x63C2
    );
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 2));
    assert_eq!(
        pin_tries_left(&mut t.card),
        3,
        "the PIN counter is untouched"
    );
    assert_eq!(
        tries_and_default(&mut t.card, 0x81).1,
        1,
        "still the factory PUK"
    );
    assert_eq!(change_reference(&mut t.card, 0x81, PUK, "11223344"), SW_OK);
    assert_eq!(tries_and_default(&mut t.card, 0x81), ((3, 3), 0));
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "654321"), 0x63C2);
    assert_eq!(
        reset_retry_counter(&mut t.card, "11223344", "654321"),
        SW_OK
    );
    assert_eq!(verify(&mut t.card, "654321"), SW_OK);
}

#[test]
fn a_badly_formed_new_pin_is_refused_without_costing_a_try() {
    let mut t = TestCard::factory();
    for bad in ["12345", "123 456", "1234\u{e9}6"] {
        assert_eq!(
            change_reference(&mut t.card, 0x80, PIN, bad),
            0x6A80,
            "{bad:?}"
        );
        assert_eq!(
            change_reference(&mut t.card, 0x80, "000000", bad),
            0x6A80,
            "{bad:?} with a wrong old PIN"
        );
        assert_eq!(reset_retry_counter(&mut t.card, PUK, bad), 0x6A80);
    }
    assert_eq!(
        change_reference(&mut t.card, 0x81, PUK, "1234567"),
        0x6A80,
        "a PUK has 8 characters"
    );
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (3, 3));
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 3));
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
}

#[test]
fn an_alphanumeric_pin_is_accepted() {
    let mut t = TestCard::factory();
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, "Abc!23xy"), SW_OK);
    assert_eq!(verify(&mut t.card, "abc!23xy"), 0x63C2, "case matters");
    assert_eq!(verify(&mut t.card, "Abc!23xy"), SW_OK);
}

#[test]
fn puk_unblocks_and_sets_new_pin() {
    let mut t = TestCard::factory();
    for _ in 0..3 {
        verify(&mut t.card, "000000");
    }
    assert_eq!(
        reset_retry_counter(&mut t.card, "87654321", "271828"),
        0x63C2
    );
    assert_eq!(
        pin_status(&mut t.card),
        0x6983,
        "a wrong PUK leaves the PIN blocked"
    );
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "271828"), SW_OK);
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (3, 3));
    assert_eq!(
        tries_and_default(&mut t.card, 0x81).0,
        (3, 3),
        "the PUK counter is restored too"
    );
    assert_eq!(
        pin_status(&mut t.card),
        0x63C3,
        "unblocking does not verify"
    );
    assert_eq!(verify(&mut t.card, PIN), 0x63C2, "the old PIN is gone");
    assert_eq!(verify(&mut t.card, "271828"), SW_OK);
}

#[test]
fn third_wrong_puk_terminates_the_card() {
    let mut t = TestCard::factory();
    for _ in 0..3 {
        verify(&mut t.card, "000000");
    }
    assert_eq!(
        reset_retry_counter(&mut t.card, "00000000", "111111"),
        0x63C2
    );
    assert_eq!(
        reset_retry_counter(&mut t.card, "00000000", "111111"),
        0x63C1
    );
    assert_eq!(
        reset_retry_counter(&mut t.card, "00000000", "111111"),
        0x63C0
    );
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "111111"), 0x6983);
    assert_eq!(change_reference(&mut t.card, 0x81, PUK, "11223344"), 0x6983);
    assert_eq!(verify(&mut t.card, PIN), 0x6983);
}

#[test]
fn a_blocked_puk_alone_leaves_the_pin_usable() {
    let mut t = TestCard::factory();
    let public = generated(&mut t.card, 0x9A, P256);
    for _ in 0..3 {
        change_reference(&mut t.card, 0x81, "00000000", "11223344");
    }
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 0));
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let digest = sha256(b"still signing");
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9A, &digest))
    ));
    assert_eq!(
        change_reference(&mut t.card, 0x80, PIN, "424242"),
        SW_OK,
        "the PIN can still change"
    );
    assert_eq!(sw(&mut t.card, "00 FB 00 00"), 0x6985, "not dead: no reset");
}

#[test]
fn temporary_pin_must_be_changed_before_any_private_key_operation() {
    let mut t = temporary_pin_card();
    assert_eq!(
        tries_and_default(&mut t.card, 0x80),
        ((3, 3), 1),
        "tag 05 says temporary"
    );
    let public = generated(&mut t.card, 0x9A, P256);
    generated(&mut t.card, 0x9E, P256);
    assert_eq!(
        verify(&mut t.card, "735194"),
        SW_OK,
        "the temporary PIN verifies"
    );
    let digest = sha256(b"first use");
    assert_eq!(private_op(&mut t.card, P256, 0x9A, &digest).sw, 0x6985);
    assert_eq!(
        private_op(&mut t.card, P256, 0x9E, &digest).sw,
        0x6985,
        "even the no-PIN key"
    );
    assert_eq!(
        change_reference(&mut t.card, 0x80, "735194", "Secret42"),
        SW_OK
    );
    assert_eq!(tries_and_default(&mut t.card, 0x80), ((3, 3), 0));
    assert_eq!(verify(&mut t.card, "Secret42"), SW_OK);
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9A, &digest))
    ));
}

#[test]
fn unblocking_with_the_puk_also_ends_the_temporary_pin() {
    let mut t = temporary_pin_card();
    let public = generated(&mut t.card, 0x9E, P256);
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "Chosen77"), SW_OK);
    assert_eq!(tries_and_default(&mut t.card, 0x80).1, 0);
    let digest = sha256(b"card authentication");
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9E, &digest))
    ));
}

#[test]
fn a_wrong_old_pin_does_not_end_the_temporary_pin() {
    let mut t = temporary_pin_card();
    assert_eq!(
        change_reference(&mut t.card, 0x80, "000000", "Secret42"),
        0x63C2
    );
    assert_eq!(tries_and_default(&mut t.card, 0x80), ((3, 2), 1));
}

#[test]
fn dead_card_refuses_every_private_key_operation_but_shows_its_public_data() {
    let mut t = TestCard::factory();
    let digest = sha256(b"too late");
    for slot in [0x9A, 0x9C, 0x9D, 0x9E] {
        generated(&mut t.card, slot, P256);
    }
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9C, &certificate_object(400, 3)),
        SW_OK
    );
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    kill(&mut t.card);
    for slot in [0x9A, 0x9C, 0x9D, 0x9E] {
        assert_eq!(
            private_op(&mut t.card, P256, slot, &digest).sw,
            0x6983,
            "slot {slot:02X}"
        );
    }
    // The holder can still see which certificate died.
    assert_eq!(
        find(&get_object(&mut t.card, CERT_9C).ok(), 0x53),
        certificate_object(400, 3)
    );
    assert_eq!(get_object(&mut t.card, CHUID).sw, SW_OK);
    let metadata = send_hex(&mut t.card, "00 F7 00 9A").ok();
    assert_eq!(find(&metadata, 0x01), [P256]);
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (3, 0));
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 0));
    // Nothing new can be put on a dead card either, even with the management key.
    admin(&mut t.card);
    assert_eq!(generate(&mut t.card, 0x9A, P256).sw, 0x6983);
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1]), 0x6983);
    // A new session changes nothing.
    t.card.power_cycle();
    assert_eq!(private_op(&mut t.card, P256, 0x9E, &digest).sw, 0x6983);
    let mut reopened = t.reopen();
    assert_eq!(private_op(&mut reopened, P256, 0x9E, &digest).sw, 0x6983);
}

#[test]
fn reset_is_refused_until_the_card_is_dead() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, P256);
    assert_eq!(sw(&mut t.card, "00 FB 00 00"), 0x6985);
    for _ in 0..3 {
        verify(&mut t.card, "000000");
    }
    assert_eq!(
        sw(&mut t.card, "00 FB 00 00"),
        0x6985,
        "a blocked PIN can still be unblocked"
    );
    assert_eq!(
        send_hex(&mut t.card, "00 F7 00 9A").sw,
        SW_OK,
        "the key is still there"
    );
}

#[test]
fn reset_of_a_dead_card_destroys_keys_and_certificates_and_brings_the_factory_pin_back() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, P256);
    generated(&mut t.card, 0x9E, P256);
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9A, &certificate_object(300, 1)),
        SW_OK
    );
    assert_eq!(
        put_object(&mut t.card, KEY_HISTORY, &hex("C1 01 00 C2 01 00")),
        SW_OK
    );
    assert_eq!(set_management_key(&mut t.card, 0x0C, &[0x77; 32]), SW_OK);
    assert_eq!(change_reference(&mut t.card, 0x81, PUK, "99887766"), SW_OK);
    kill(&mut t.card);
    assert_eq!(sw(&mut t.card, "00 FB 00 00"), SW_OK);
    for slot in ["9A", "9E"] {
        assert_eq!(
            sw(&mut t.card, &format!("00 F7 00 {slot}")),
            0x6A88,
            "key {slot} destroyed"
        );
    }
    assert_eq!(
        get_object(&mut t.card, CERT_9A).sw,
        0x6A82,
        "certificate destroyed"
    );
    assert_eq!(get_object(&mut t.card, KEY_HISTORY).sw, 0x6A82);
    assert_eq!(get_object(&mut t.card, CHUID).sw, SW_OK, "a fresh CHUID");
    assert_eq!(
        tries_and_default(&mut t.card, 0x80),
        ((3, 3), 1),
        "factory PIN"
    );
    assert_eq!(
        tries_and_default(&mut t.card, 0x81),
        ((3, 3), 1),
        "factory PUK"
    );
    assert_eq!(verify(&mut t.card, PIN), SW_OK, "factory PIN");
    admin(&mut t.card);
    assert_eq!(
        generate(&mut t.card, 0x9A, P256).sw,
        SW_OK,
        "the card is usable again"
    );
    let mut reopened = t.reopen();
    assert_eq!(verify(&mut reopened, PIN), SW_OK, "the reset is durable");
}

#[test]
fn reset_with_wrong_parameters_is_refused() {
    let mut t = TestCard::factory();
    kill(&mut t.card);
    assert_eq!(sw(&mut t.card, "00 FB 01 00"), 0x6A86);
    assert_eq!(pin_status(&mut t.card), 0x6983, "still dead");
}

#[test]
fn pin_references_other_than_80_and_81_are_refused() {
    let mut t = TestCard::factory();
    assert_eq!(change_reference(&mut t.card, 0x9B, PIN, "654321"), 0x6A88);
    let mut command = hex("00 2C 00 81 10");
    command.extend_from_slice(&[padded(PUK), padded("654321")].concat());
    assert_eq!(send(&mut t.card, &command).sw, 0x6A88);
    assert_eq!(
        sw(&mut t.card, "00 24 00 80 08 31 32 33 34 35 36 FF FF"),
        0x6A80,
        "old and new are 16 bytes"
    );
    assert_eq!(pin_tries_left(&mut t.card), 3);
}

#[test]
fn an_empty_puk_and_pin_count_the_puk_down_as_ykman_reset_expects() {
    // yubikit's PivSession.reset(): VERIFY "" until the PIN is blocked, then RESET RETRY
    // COUNTER "" "" until the PUK is, then RESET.
    let mut t = TestCard::factory();
    for tries_left in [2, 1, 0] {
        assert_eq!(verify(&mut t.card, ""), 0x63C0 | tries_left);
    }
    for tries_left in [2, 1, 0] {
        assert_eq!(
            reset_retry_counter(&mut t.card, "", ""),
            0x63C0 | tries_left
        );
    }
    assert_eq!(sw(&mut t.card, "00 FB 00 00"), SW_OK);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
}

#[test]
fn a_right_puk_with_a_badly_formed_pin_changes_nothing() {
    let mut t = TestCard::factory();
    for _ in 0..3 {
        verify(&mut t.card, "000000");
    }
    assert_eq!(
        reset_retry_counter(&mut t.card, "00000000", "12345"),
        0x63C2
    );
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "12345"), 0x6A80);
    assert_eq!(
        tries_and_default(&mut t.card, 0x81).0,
        (3, 3),
        "the right PUK restored its counter"
    );
    assert_eq!(
        t.reopen().transmit(&hex("00 F7 00 81")).unwrap()[..],
        hex("01 01 FF 05 01 01 06 02 03 03 90 00")[..],
        "durably"
    );
    assert_eq!(pin_status(&mut t.card), 0x6983, "the PIN is still blocked");
}
