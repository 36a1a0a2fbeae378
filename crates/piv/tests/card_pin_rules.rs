//! The card's PIN rules as `jeton-piv` reports them: a temporary PIN that must really change,
//! the provider's weak-PIN policy, and GET METADATA's default value beside Jeton's flags.

use jeton_card::{CardDirectory, Personalisation};
use jeton_piv::*;
use tempfile::TempDir;
use zeroize::Zeroizing;

struct TestCard {
    piv: PivClient<InProcessTransport>,
    _home: TempDir,
}

fn card_with(personalise: impl FnOnce(&mut Personalisation)) -> TestCard {
    let home = tempfile::tempdir().unwrap();
    let mut personalisation = Personalisation::factory(4_200_801);
    // The lowest scrypt cost: these suites make many cards (the default is the card
    // crate's to check).
    personalisation.kdf = jeton_card::crypto::KdfParams::TESTING;
    personalise(&mut personalisation);
    let card = CardDirectory::new(home.path().join("cards"))
        .create(&personalisation)
        .unwrap();
    TestCard {
        piv: PivClient::open(InProcessTransport::new(card)).unwrap(),
        _home: home,
    }
}

fn pin(s: &str) -> Pin {
    Pin::new(s).unwrap()
}

#[test]
fn the_temporary_pin_cannot_be_kept_and_no_try_is_spent() {
    let TestCard { mut piv, _home } = card_with(|p| {
        p.pin = Zeroizing::new(b"735194".to_vec());
        p.temporary_pin = true;
    });
    let refused = piv.change_pin(&pin("735194"), &pin("735194"));
    assert!(
        matches!(refused, Err(Error::RejectedByPolicy)),
        "{refused:?}"
    );
    let status = piv.status().unwrap();
    assert!(status.temporary_pin);
    assert_eq!(status.pin.remaining, 3);
    piv.change_pin(&pin("735194"), &pin("Secret42")).unwrap();
    assert!(!piv.status().unwrap().temporary_pin);
}

#[test]
fn weak_pins_are_refused_on_a_card_with_the_policy() {
    let TestCard { mut piv, _home } = card_with(|p| {
        p.pin = Zeroizing::new(b"735194".to_vec());
        p.refuse_weak_pins = true;
    });
    let metadata = piv.metadata(KeyReference::Pin).unwrap();
    assert_eq!(metadata.refuses_weak_pins, Some(true));
    let refused = piv.change_pin(&pin("735194"), &pin("111111"));
    assert!(
        matches!(refused, Err(Error::RejectedByPolicy)),
        "{refused:?}"
    );
    let refused = piv.unblock_pin(&Puk::new("12345678").unwrap(), &pin("abcdef"));
    assert!(
        matches!(refused, Err(Error::RejectedByPolicy)),
        "{refused:?}"
    );
    let status = piv.status().unwrap();
    assert_eq!((status.pin.remaining, status.puk.remaining), (3, 3));
}

#[test]
fn a_factory_pin_is_a_default_value_but_not_temporary() {
    let TestCard { mut piv, _home } = card_with(|_| {});
    let metadata = piv.metadata(KeyReference::Pin).unwrap();
    assert_eq!(metadata.is_default, Some(true));
    assert_eq!(metadata.temporary, Some(false));
    assert_eq!(metadata.refuses_weak_pins, Some(false));
    assert!(!piv.status().unwrap().temporary_pin);
}
