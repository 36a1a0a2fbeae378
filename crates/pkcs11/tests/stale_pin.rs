//! The module never blocks the holder's PIN by itself (issue 9): once the PIN is changed
//! by another application, the PIN the module kept is not sent again on new connections;
//! the login is dropped, every session sees `CKR_USER_NOT_LOGGED_IN`, the PIN's tries stay
//! 3 of 3, and a login with the new PIN works. Its own test binary: it sets `JETON_HOME`.

mod common;

use std::path::Path;

use common::{generate_p256, home_with_factory_card, load_module, rv};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::ObjectHandle;
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::types::AuthPin;
use jeton_card::CardDirectory;
use jeton_piv::{InProcessTransport, Pin, PivClient, RetryCounter};

const SERIAL: u32 = 1009;
const OLD_PIN: &str = common::FACTORY_PIN;
const NEW_PIN: &str = "271828";

/// Another application on the same card, as `jeton pin change` is: its own connection.
fn other_application(home: &Path) -> PivClient<InProcessTransport> {
    let card = CardDirectory::new(home.join("cards")).open(SERIAL).unwrap();
    let mut piv = PivClient::new(InProcessTransport::new(card));
    piv.select().unwrap();
    piv
}

fn pin_tries(home: &Path) -> RetryCounter {
    other_application(home).status().unwrap().pin
}

fn generate(session: &Session, id: u8) -> ObjectHandle {
    generate_p256(session, id).1
}

#[test]
fn a_pin_changed_elsewhere_drops_the_login_and_spends_no_try() {
    let home = home_with_factory_card(SERIAL);
    let pkcs11 = load_module();
    let slot = pkcs11.get_slots_with_token().unwrap()[0];
    let first = pkcs11.open_rw_session(slot).unwrap();
    first
        .login(UserType::User, Some(&AuthPin::new(OLD_PIN.into())))
        .unwrap();
    let authentication = generate(&first, 1);
    let signature_key = generate(&first, 2);
    let digest = [0x5Au8; 32];
    first
        .sign(&Mechanism::Ecdsa, authentication, &digest)
        .expect("signs while the PIN is the one it logged in with");

    // A 9C signature waiting in a session keeps its connection (PIN Always): the next
    // session's call needs a connection of its own, where the module VERIFYs what it kept.
    let waiting = pkcs11.open_ro_session(slot).unwrap();
    waiting
        .sign_init(&Mechanism::EcdsaSha256, signature_key)
        .unwrap();
    waiting
        .login(
            UserType::ContextSpecific,
            Some(&AuthPin::new(OLD_PIN.into())),
        )
        .unwrap();

    other_application(home.path())
        .change_pin(&Pin::new(OLD_PIN).unwrap(), &Pin::new(NEW_PIN).unwrap())
        .unwrap();

    // New sessions, each on a new connection: the first is told the login is gone, and
    // none of them spends a try.
    let mut sessions = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..4 {
        let session = pkcs11.open_ro_session(slot).unwrap();
        answers.push(rv(session.sign(&Mechanism::Ecdsa, authentication, &digest)));
        sessions.push(session);
    }
    let tries = pin_tries(home.path());
    assert_eq!(
        (tries.remaining, tries.max),
        (3, 3),
        "tries spent by the module; it answered {answers:?}"
    );
    assert_eq!(answers[0], Some(RvError::UserNotLoggedIn));
    for answer in &answers[1..] {
        // The login is gone: the private key's handle is not this public session's.
        assert!(
            matches!(
                answer,
                Some(RvError::UserNotLoggedIn | RvError::KeyHandleInvalid)
            ),
            "{answers:?}"
        );
    }
    for session in &sessions {
        assert_eq!(
            session.get_session_info().unwrap().session_state(),
            SessionState::RoPublic
        );
    }

    // Every session of the application shares the lost login, the waiting one too.
    assert_eq!(
        first.get_session_info().unwrap().session_state(),
        SessionState::RwPublic
    );
    assert!(rv(first.sign(&Mechanism::Ecdsa, authentication, &digest)).is_some());
    assert!(rv(waiting.sign_final()).is_some());
    assert_eq!(pin_tries(home.path()).remaining, 3);

    // The holder types the new PIN: everything works again, on every connection.
    first
        .login(UserType::User, Some(&AuthPin::new(NEW_PIN.into())))
        .unwrap();
    for session in sessions.iter().chain([&first]) {
        session
            .sign(&Mechanism::Ecdsa, authentication, &digest)
            .expect("signs after the login with the new PIN");
    }
    assert_eq!(pin_tries(home.path()).remaining, 3);

    // A change through the module itself is no change "elsewhere": the login stays, on
    // the connections that had VERIFYed and on new ones.
    first
        .set_pin(
            &AuthPin::new(NEW_PIN.into()),
            &AuthPin::new("314159".into()),
        )
        .unwrap();
    waiting
        .sign_init(&Mechanism::EcdsaSha256, signature_key)
        .unwrap();
    waiting
        .login(
            UserType::ContextSpecific,
            Some(&AuthPin::new("314159".into())),
        )
        .unwrap();
    for session in sessions.iter().chain([&first]) {
        session
            .sign(&Mechanism::Ecdsa, authentication, &digest)
            .expect("still logged in after C_SetPIN");
    }
    assert_eq!(pin_tries(home.path()).remaining, 3);
}
