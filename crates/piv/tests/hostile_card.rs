//! Whatever a card answers, the client returns a value or a typed error: it never panics
//! and never loops forever.

use jeton_piv::*;
use proptest::prelude::*;

/// A "card" that plays back arbitrary answers, then keeps asking for GET RESPONSE.
struct Hostile {
    answers: Vec<Vec<u8>>,
    sent: usize,
}

impl Transport for Hostile {
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        Ok(if self.answers.is_empty() {
            vec![0x61, 0x01]
        } else {
            self.answers.remove(0)
        })
    }
}

fn answers() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let answer = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // Plausible shapes: a TLV-ish body with a real status word.
        (
            proptest::collection::vec(any::<u8>(), 0..120),
            prop_oneof![
                Just([0x90, 0x00]),
                Just([0x61, 0x10]),
                Just([0x63, 0xC1]),
                Just([0x69, 0x83])
            ]
        )
            .prop_map(|(mut body, sw)| {
                body.extend_from_slice(&sw);
                body
            }),
    ];
    proptest::collection::vec(answer, 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_answers_never_panic(answers in answers(), op in 0u8..14) {
        let mut piv = PivClient::new(Hostile { answers, sent: 0 });
        let slot = KeySlot::AUTHENTICATION;
        let _ = match op {
            0 => piv.select().map(drop),
            1 => piv.status().map(drop),
            2 => piv.serial().map(drop),
            3 => piv.version().map(drop),
            4 => piv.verify_pin(&Pin::factory_default()),
            5 => piv.pin_verification().map(drop),
            6 => piv.authenticate(&ManagementKey::factory_default()),
            7 => piv.generate(slot, KeyAlgorithm::EccP256).map(drop),
            8 => piv.generate(slot, KeyAlgorithm::Rsa2048).map(drop),
            9 => piv.sign_message(slot, KeyAlgorithm::EccP384, b"m", HashAlgorithm::Sha384).map(drop),
            10 => piv.read_certificate(slot).map(drop),
            11 => piv.metadata(slot.into()).map(drop),
            12 => piv.unblock_pin(&Puk::factory_default(), &Pin::factory_default()),
            _ => piv.ecdh(KeySlot::KEY_MANAGEMENT, KeyAlgorithm::EccP256, &[4; 65]).map(drop),
        };
        prop_assert!(piv.transport().sent < 10_000);
    }
}
