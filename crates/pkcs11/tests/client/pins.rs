//! The PIN story of the guide through PKCS#11: the PIN is `CKU_USER`, the unblock code
//! (PUK) is `CKU_SO`, and the token's flags say where the holder stands at each step.

use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::session::UserType;
use cryptoki::slot::TokenInfo;
use jeton_card::Personalisation;
use zeroize::Zeroizing;

use crate::support::{generate, pin, rv, KeyKind, Token, PIN, PUK};

/// The PIN flags of `C_GetTokenInfo`, by name.
fn pin_flags(info: &TokenInfo) -> Vec<&'static str> {
    [
        (info.user_pin_count_low(), "USER_PIN_COUNT_LOW"),
        (info.user_pin_final_try(), "USER_PIN_FINAL_TRY"),
        (info.user_pin_locked(), "USER_PIN_LOCKED"),
        (info.user_pin_to_be_changed(), "USER_PIN_TO_BE_CHANGED"),
        (info.so_pin_count_low(), "SO_PIN_COUNT_LOW"),
        (info.so_pin_final_try(), "SO_PIN_FINAL_TRY"),
        (info.so_pin_locked(), "SO_PIN_LOCKED"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect()
}

#[test]
fn wrong_pins_lower_the_count_then_lock_the_pin() {
    let token = Token::factory();
    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    assert!(pin_flags(&token.info()).is_empty());

    let wrong = pin("654321");
    assert_eq!(
        rv(session.login(UserType::User, Some(&wrong))),
        RvError::PinIncorrect
    );
    assert_eq!(pin_flags(&token.info()), ["USER_PIN_COUNT_LOW"]);
    assert_eq!(
        rv(session.login(UserType::User, Some(&wrong))),
        RvError::PinIncorrect
    );
    assert_eq!(
        pin_flags(&token.info()),
        ["USER_PIN_COUNT_LOW", "USER_PIN_FINAL_TRY"]
    );
    assert_eq!(
        rv(session.login(UserType::User, Some(&wrong))),
        RvError::PinLocked,
        "the third wrong PIN blocks it"
    );
    assert_eq!(pin_flags(&token.info()), ["USER_PIN_LOCKED"]);
    assert_eq!(
        rv(session.login(UserType::User, Some(&pin(PIN)))),
        RvError::PinLocked,
        "even the right PIN is refused now"
    );
}

#[test]
fn a_right_pin_restores_the_tries() {
    let token = Token::factory();
    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    assert_eq!(
        rv(session.login(UserType::User, Some(&pin("000000")))),
        RvError::PinIncorrect
    );
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    assert!(pin_flags(&token.info()).is_empty());
}

/// Secrets the card cannot hold: of the wrong length, or with a byte outside printable
/// ASCII (a space, a control character, an accented letter).
const IMPOSSIBLE_PINS: [&str; 7] = [
    "12345",
    "123456789",
    "",
    "123 456",
    "12345\u{1}",
    "été202",
    "1234567\u{7f}",
];

#[test]
fn impossible_pins_are_incorrect_at_login_without_costing_a_try() {
    let token = Token::factory();
    let session = token.pkcs11.open_rw_session(token.slot()).unwrap();
    for bad in IMPOSSIBLE_PINS {
        // NSS (Firefox, Thunderbird) asks again only on CKR_PIN_INCORRECT.
        assert_eq!(
            rv(session.login(UserType::User, Some(&pin(bad)))),
            RvError::PinIncorrect,
            "user PIN {bad:?}"
        );
        assert_eq!(
            rv(session.login(UserType::So, Some(&pin(bad)))),
            RvError::PinIncorrect,
            "unblock code {bad:?}"
        );
    }
    assert!(pin_flags(&token.info()).is_empty(), "no try spent");
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
}

#[test]
fn an_impossible_context_pin_is_incorrect_without_costing_a_try() {
    let token = Token::factory();
    let session = token.user_session();
    let (_, private) = generate(&session, 2, KeyKind::P256);
    session.sign_init(&Mechanism::Ecdsa, private).unwrap();
    for bad in IMPOSSIBLE_PINS {
        assert_eq!(
            rv(session.login(UserType::ContextSpecific, Some(&pin(bad)))),
            RvError::PinIncorrect,
            "{bad:?}"
        );
    }
    assert!(pin_flags(&token.info()).is_empty(), "no try spent");
}

#[test]
fn an_impossible_new_pin_is_out_of_range_or_invalid() {
    let token = Token::factory();
    let session = token.user_session();
    for (new, expected) in [
        ("12345", RvError::PinLenRange),
        ("123456789", RvError::PinLenRange),
        ("123 456", RvError::PinInvalid),
        ("été202", RvError::PinInvalid),
    ] {
        assert_eq!(
            rv(session.set_pin(&pin(PIN), &pin(new))),
            expected,
            "{new:?}"
        );
    }
    session.logout().unwrap();
    session.login(UserType::So, Some(&pin(PUK))).unwrap();
    assert_eq!(rv(session.init_pin(&pin("12345"))), RvError::PinLenRange);
    assert_eq!(rv(session.init_pin(&pin("123 456"))), RvError::PinInvalid);
    assert!(pin_flags(&token.info()).is_empty(), "no try spent");
}

#[test]
fn a_pin_the_process_has_seen_still_costs_a_try_when_wrong() {
    let token = Token::factory();
    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    // The first login pays scrypt; the card remembers the PIN for this process, in memory.
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    session.logout().unwrap();
    // A wrong PIN is answered from that memory, but the try is spent all the same.
    assert_eq!(
        rv(session.login(UserType::User, Some(&pin("654321")))),
        RvError::PinIncorrect
    );
    assert_eq!(pin_flags(&token.info()), ["USER_PIN_COUNT_LOW"]);
    // The card file says so too: VERIFY without data on a connection of its own.
    let mut card = token.cards().open(1001).unwrap();
    let select = [0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08];
    assert!(card.transmit(&select).unwrap().ends_with(&[0x90, 0x00]));
    assert_eq!(
        card.transmit(&[0x00, 0x20, 0x00, 0x80]).unwrap(),
        [0x63, 0xC2]
    );
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    assert!(
        pin_flags(&token.info()).is_empty(),
        "the right PIN gives it back"
    );
}

#[test]
fn the_puk_as_so_pin_unblocks_with_init_pin() {
    let token = Token::factory();
    let session = token.pkcs11.open_rw_session(token.slot()).unwrap();
    for _ in 0..3 {
        let _ = session.login(UserType::User, Some(&pin("999999")));
    }
    assert_eq!(pin_flags(&token.info()), ["USER_PIN_LOCKED"]);

    session.login(UserType::So, Some(&pin(PUK))).unwrap();
    session.init_pin(&pin("24681357")).unwrap();
    session.logout().unwrap();
    assert!(pin_flags(&token.info()).is_empty(), "unblocked");

    assert_eq!(
        rv(session.login(UserType::User, Some(&pin(PIN)))),
        RvError::PinIncorrect,
        "the old PIN is gone"
    );
    session
        .login(UserType::User, Some(&pin("24681357")))
        .unwrap();
}

#[test]
fn init_pin_needs_the_so_logged_in() {
    let token = Token::factory();
    let session = token.pkcs11.open_rw_session(token.slot()).unwrap();
    assert_eq!(
        rv(session.init_pin(&pin("24681357"))),
        RvError::UserNotLoggedIn
    );
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
    assert_eq!(
        rv(session.init_pin(&pin("24681357"))),
        RvError::UserNotLoggedIn
    );
}

#[test]
fn wrong_puks_lower_the_so_count_then_lock_it() {
    let token = Token::factory();
    let session = token.pkcs11.open_rw_session(token.slot()).unwrap();
    let wrong = pin("87654321");
    assert_eq!(
        rv(session.login(UserType::So, Some(&wrong))),
        RvError::PinIncorrect
    );
    assert_eq!(pin_flags(&token.info()), ["SO_PIN_COUNT_LOW"]);
    assert_eq!(
        rv(session.login(UserType::So, Some(&wrong))),
        RvError::PinIncorrect
    );
    assert_eq!(
        pin_flags(&token.info()),
        ["SO_PIN_COUNT_LOW", "SO_PIN_FINAL_TRY"]
    );
    assert_eq!(
        rv(session.login(UserType::So, Some(&wrong))),
        RvError::PinLocked
    );
    assert_eq!(pin_flags(&token.info()), ["SO_PIN_LOCKED"]);
    assert_eq!(
        rv(session.login(UserType::So, Some(&pin(PUK)))),
        RvError::PinLocked
    );
    session.login(UserType::User, Some(&pin(PIN))).unwrap();
}

#[test]
fn so_login_needs_no_read_only_session_open() {
    let token = Token::factory();
    let read_only = token.pkcs11.open_ro_session(token.slot()).unwrap();
    let read_write = token.pkcs11.open_rw_session(token.slot()).unwrap();
    assert_eq!(
        rv(read_write.login(UserType::So, Some(&pin(PUK)))),
        RvError::SessionReadOnlyExists
    );
    drop(read_only);
    read_write.login(UserType::So, Some(&pin(PUK))).unwrap();
}

#[test]
fn set_pin_in_an_so_session_changes_the_puk() {
    let token = Token::factory();
    let session = token.pkcs11.open_rw_session(token.slot()).unwrap();
    session.login(UserType::So, Some(&pin(PUK))).unwrap();
    session.set_pin(&pin(PUK), &pin("Unbl0ck!")).unwrap();
    session.logout().unwrap();

    assert_eq!(
        rv(session.login(UserType::So, Some(&pin(PUK)))),
        RvError::PinIncorrect,
        "the old PUK is gone"
    );
    session.login(UserType::So, Some(&pin("Unbl0ck!"))).unwrap();
    assert!(
        pin_flags(&token.info()).is_empty(),
        "the right PUK restored its tries"
    );
}

#[test]
fn set_pin_in_a_user_session_changes_the_pin_and_alphanumeric_pins_work() {
    let token = Token::factory();
    let session = token.user_session();
    session.set_pin(&pin(PIN), &pin("Tr0ub4dr")).unwrap();
    session.logout().unwrap();
    assert_eq!(
        rv(session.login(UserType::User, Some(&pin(PIN)))),
        RvError::PinIncorrect
    );
    session
        .login(UserType::User, Some(&pin("Tr0ub4dr")))
        .unwrap();
    session.set_pin(&pin("Tr0ub4dr"), &pin("a-b_c.d")).unwrap();
    session.logout().unwrap();
    session
        .login(UserType::User, Some(&pin("a-b_c.d")))
        .unwrap();
}

#[test]
fn a_card_personalised_with_an_alphanumeric_pin_logs_in_with_it() {
    let mut card = Personalisation::factory(31);
    card.pin = Zeroizing::new(b"Jeton2go".to_vec());
    let token = Token::with_cards(&[card]);
    let session = token.pkcs11.open_ro_session(token.slot()).unwrap();
    session
        .login(UserType::User, Some(&pin("Jeton2go")))
        .unwrap();
}

#[test]
fn a_dead_card_refuses_every_login_and_shows_both_locked() {
    let token = Token::factory();
    let session = token.pkcs11.open_rw_session(token.slot()).unwrap();
    for _ in 0..3 {
        let _ = session.login(UserType::User, Some(&pin("999999")));
    }
    for _ in 0..3 {
        let _ = session.login(UserType::So, Some(&pin("99999999")));
    }
    assert_eq!(
        pin_flags(&token.info()),
        ["USER_PIN_LOCKED", "SO_PIN_LOCKED"]
    );
    assert_eq!(
        rv(session.login(UserType::User, Some(&pin(PIN)))),
        RvError::PinLocked
    );
    assert_eq!(
        rv(session.login(UserType::So, Some(&pin(PUK)))),
        RvError::PinLocked
    );
}

#[test]
fn a_temporary_pin_must_be_changed_before_the_card_signs() {
    let mut card = Personalisation::factory(41);
    card.temporary_pin = true;
    let token = Token::with_cards(&[card]);
    assert_eq!(pin_flags(&token.info()), ["USER_PIN_TO_BE_CHANGED"]);

    let session = token.user_session();
    let (_, private) = generate(&session, 1, KeyKind::P256);
    assert_eq!(
        rv(session.sign(&Mechanism::Ecdsa, private, &[7; 32])),
        RvError::PinExpired
    );

    session.set_pin(&pin(PIN), &pin("86420975")).unwrap();
    assert!(
        pin_flags(&token.info()).is_empty(),
        "changed: no longer temporary"
    );
    let signature = session.sign(&Mechanism::Ecdsa, private, &[7; 32]).unwrap();
    assert_eq!(signature.len(), 64);
}
