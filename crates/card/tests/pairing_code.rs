//! The pairing code reference data container `5FC123` (SP 800-73-4 Part 1 Table 3, access
//! rule "PIN or OCC"): readable only once the PIN is verified in this card session.

mod common;

use common::*;

const PAIRING_CODE: u32 = 0x5FC123;

fn card_with_a_pairing_code() -> TestCard {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(
        put_object(
            &mut t.card,
            PAIRING_CODE,
            &hex("99 08 31 32 33 34 35 36 37 38")
        ),
        SW_OK
    );
    t
}

#[test]
fn the_pairing_code_needs_the_pin() {
    let mut t = card_with_a_pairing_code();
    assert_eq!(get_object(&mut t.card, PAIRING_CODE).sw, 0x6982);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    let object = get_object(&mut t.card, PAIRING_CODE).ok();
    assert_eq!(find(&find(&object, 0x53), 0x99), b"12345678");
}

#[test]
fn the_pairing_code_is_hidden_again_when_the_pin_status_is_reset() {
    let mut t = card_with_a_pairing_code();
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(sw(&mut t.card, "00 20 FF 80"), SW_OK);
    assert_eq!(get_object(&mut t.card, PAIRING_CODE).sw, 0x6982);
    let reopened = &mut t.reopen();
    assert_eq!(
        get_object(reopened, PAIRING_CODE).sw,
        0x6982,
        "a new card session starts unverified"
    );
}
