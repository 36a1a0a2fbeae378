//! One slot per virtual card, found again while the module is loaded.

use cryptoki::error::RvError;
use jeton_card::Personalisation;

use crate::support::{rv, Token};

#[test]
fn cards_created_and_deleted_while_loaded_appear_and_go() {
    let token = Token::factory();
    let first = token.slot();
    assert_eq!(token.info().serial_number(), "1001");
    assert_eq!(token.pkcs11.get_slot_event().unwrap(), None, "nothing yet");

    token
        .cards()
        .create(&Personalisation::factory(2002))
        .map(drop)
        .unwrap();
    let added = token
        .pkcs11
        .get_slot_event()
        .unwrap()
        .expect("C_WaitForSlotEvent(CKF_DONT_BLOCK) reports the new card");
    assert_ne!(added, first);
    let slots = token.pkcs11.get_slots_with_token().unwrap();
    assert_eq!(slots.len(), 2);
    assert!(slots.contains(&first) && slots.contains(&added));
    let info = token.pkcs11.get_token_info(added).unwrap();
    assert_eq!(info.serial_number(), "2002");
    assert_eq!(
        token.pkcs11.get_slot_event().unwrap(),
        None,
        "reported once"
    );

    token.cards().delete(2002).unwrap();
    assert_eq!(token.pkcs11.get_slot_event().unwrap(), Some(added));
    assert_eq!(token.pkcs11.get_slots_with_token().unwrap(), vec![first]);
    assert_eq!(
        rv(token.pkcs11.get_token_info(added)),
        RvError::TokenNotPresent
    );
    assert_eq!(
        rv(token.pkcs11.open_ro_session(added)),
        RvError::TokenNotPresent
    );
    assert_eq!(token.pkcs11.get_slot_event().unwrap(), None);
}

#[test]
fn a_new_card_gets_a_new_slot_and_slot_ids_are_not_reused() {
    let token = Token::with_cards(&[]);
    assert!(token.pkcs11.get_slots_with_token().unwrap().is_empty());
    token
        .cards()
        .create(&Personalisation::factory(7))
        .map(drop)
        .unwrap();
    let first = token.slot();
    token.cards().delete(7).unwrap();
    token
        .cards()
        .create(&Personalisation::factory(8))
        .map(drop)
        .unwrap();
    let second = token.slot();
    assert_ne!(first, second, "another card, another slot");
    assert_eq!(token.info().serial_number(), "8");
}

#[test]
fn the_token_info_tells_the_truth_about_a_factory_card() {
    let token = Token::factory();
    let info = token.info();
    assert!(info.login_required());
    assert!(info.user_pin_initialized());
    assert!(info.token_initialized());
    assert!(info.rng());
    assert_eq!((info.min_pin_length(), info.max_pin_length()), (6, 8));
    let library = token.pkcs11.get_library_info().unwrap();
    assert_eq!(library.cryptoki_version().major(), 3);
}
