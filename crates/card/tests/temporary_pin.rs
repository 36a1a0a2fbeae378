//! The guide's one rule about the temporary PIN received by SMS, at the APDU level: it must
//! really change. While the PIN is temporary, CHANGE REFERENCE DATA to the same value is
//! refused with `6985`, spends no try, and leaves the card as it was.

mod common;

use common::*;
use jeton_card::Personalisation;
use zeroize::Zeroizing;

const TEMPORARY: &str = "735194";

fn temporary_pin_card() -> TestCard {
    let mut personalisation = Personalisation::factory(20_000_102);
    personalisation.pin = Zeroizing::new(TEMPORARY.as_bytes().to_vec());
    personalisation.temporary_pin = true;
    TestCard::with(personalisation)
}

/// Tag 88 of GET METADATA on the PIN: Jeton's temporary-PIN flag.
fn is_temporary(card: &mut jeton_card::Card) -> bool {
    find(&send_hex(card, "00 F7 00 80").ok(), 0x88) == [0x01]
}

#[test]
fn the_temporary_pin_cannot_be_changed_to_itself() {
    let mut t = temporary_pin_card();
    generated(&mut t.card, 0x9E, P256);
    assert_eq!(
        change_reference(&mut t.card, 0x80, TEMPORARY, TEMPORARY),
        0x6985
    );
    assert!(is_temporary(&mut t.card), "the flag stays");
    assert_eq!(tries_and_default(&mut t.card, 0x80), ((3, 3), 1));
    let digest = sha256(b"first use");
    assert_eq!(
        private_op(&mut t.card, P256, 0x9E, &digest).sw,
        0x6985,
        "the card still signs nothing"
    );
    let reopened = &mut t.reopen();
    assert!(is_temporary(reopened), "and it stays after a power cycle");
}

#[test]
fn refusing_the_unchanged_pin_spends_no_try_whatever_the_old_pin() {
    let mut t = temporary_pin_card();
    for _ in 0..5 {
        assert_eq!(
            change_reference(&mut t.card, 0x80, "000000", "000000"),
            0x6985
        );
    }
    assert_eq!(
        tries_and_default(&mut t.card, 0x80).0,
        (3, 3),
        "no try spent: the refusal depends only on the command"
    );
    assert_eq!(pin_status(&mut t.card), 0x63C3);
}

#[test]
fn the_refusal_grants_no_verification() {
    let mut t = temporary_pin_card();
    assert_eq!(
        change_reference(&mut t.card, 0x80, TEMPORARY, TEMPORARY),
        0x6985
    );
    assert_eq!(pin_status(&mut t.card), 0x63C3, "still not verified");
}

#[test]
fn a_really_new_pin_ends_the_temporary_pin() {
    let mut t = temporary_pin_card();
    let public = generated(&mut t.card, 0x9A, P256);
    assert_eq!(
        change_reference(&mut t.card, 0x80, TEMPORARY, TEMPORARY),
        0x6985
    );
    assert_eq!(
        change_reference(&mut t.card, 0x80, TEMPORARY, "Secret42"),
        SW_OK
    );
    assert!(!is_temporary(&mut t.card));
    assert_eq!(verify(&mut t.card, "Secret42"), SW_OK);
    let digest = sha256(b"now it signs");
    assert!(ecdsa_verifies(
        &public,
        &digest,
        &output(private_op(&mut t.card, P256, 0x9A, &digest))
    ));
}

#[test]
fn once_chosen_a_pin_may_be_set_again_to_the_same_value() {
    let mut t = temporary_pin_card();
    assert_eq!(
        change_reference(&mut t.card, 0x80, TEMPORARY, "Secret42"),
        SW_OK
    );
    assert_eq!(
        change_reference(&mut t.card, 0x80, "Secret42", "Secret42"),
        SW_OK,
        "the rule is about the temporary PIN only"
    );
}

#[test]
fn the_unblock_code_holder_chooses_the_new_pin_freely() {
    // RESET RETRY COUNTER sets a PIN chosen by whoever holds the PUK: it ends the temporary
    // PIN, and is not compared with the PIN it replaces.
    let mut t = temporary_pin_card();
    assert_eq!(reset_retry_counter(&mut t.card, PUK, TEMPORARY), SW_OK);
    assert!(!is_temporary(&mut t.card));
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (3, 3));
}
