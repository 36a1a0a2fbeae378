//! PIN and PUK reference data: the format rules and the padding (SP 800-73-4 Part 2 §2.4.3,
//! with the guide's policy: a PIN of 6 to 8 printable characters, a PUK of exactly 8).
//!
//! On the wire, VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER carry each value in
//! 8 bytes, padded with `FF`. The host checks the rules when it builds a PIN; the card checks
//! them again on what arrives, with the same functions.

use zeroize::Zeroizing;

/// Reference data on the wire: the value padded with FF to 8 bytes.
pub const REFERENCE_LEN: usize = 8;
/// The padding byte.
pub const PADDING: u8 = 0xFF;
/// The shortest PIN.
pub const PIN_MIN_LEN: usize = 6;
/// The longest PIN.
pub const PIN_MAX_LEN: usize = 8;
/// A PUK's length.
pub const PUK_LEN: usize = 8;

/// The PIV default PIN every tool knows, as on a new card.
pub const FACTORY_PIN: &[u8] = b"123456";
/// The PIV default PUK every tool knows.
pub const FACTORY_PUK: &[u8] = b"12345678";
/// [`FACTORY_PIN`] as reference data.
pub const FACTORY_PIN_REFERENCE: [u8; REFERENCE_LEN] = *b"123456\xff\xff";
/// [`FACTORY_PUK`] as reference data.
pub const FACTORY_PUK_REFERENCE: [u8; REFERENCE_LEN] = *b"12345678";

/// The most tries a counter can have: all `63 Cx` can report.
pub const MAX_TRIES: u8 = 15;

/// A PIN or PUK retry counter: tries left out of the maximum, as GET METADATA's tag 06 carries
/// it (maximum first) and as the card stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryCounter {
    /// Tries left.
    pub remaining: u8,
    /// Tries after a success or an unblock.
    pub max: u8,
}

impl RetryCounter {
    /// A full counter.
    pub fn new(max: u8) -> RetryCounter {
        RetryCounter {
            remaining: max,
            max,
        }
    }

    /// No try left.
    pub fn is_blocked(self) -> bool {
        self.remaining == 0
    }

    /// A maximum of 1 to [`MAX_TRIES`], and no more left than the maximum.
    pub fn is_sane(self) -> bool {
        (1..=MAX_TRIES).contains(&self.max) && self.remaining <= self.max
    }
}

/// A character a PIN or PUK may hold: printable ASCII, no space (`21`–`7E`).
pub fn is_printable(byte: u8) -> bool {
    (0x21..=0x7E).contains(&byte)
}

/// A PIN value (unpadded) the rules allow: 6 to 8 printable ASCII characters.
pub fn is_valid_pin(value: &[u8]) -> bool {
    (PIN_MIN_LEN..=PIN_MAX_LEN).contains(&value.len()) && value.iter().all(|b| is_printable(*b))
}

/// A PUK value (unpadded) the rules allow: exactly 8 printable ASCII characters.
pub fn is_valid_puk(value: &[u8]) -> bool {
    value.len() == PUK_LEN && value.iter().all(|b| is_printable(*b))
}

/// `value` padded with FF to 8 bytes; `None` if it is longer. Wiped when dropped.
pub fn pad(value: &[u8]) -> Option<Zeroizing<[u8; REFERENCE_LEN]>> {
    let mut out = Zeroizing::new([PADDING; REFERENCE_LEN]);
    out.get_mut(..value.len())?.copy_from_slice(value);
    Some(out)
}

/// The length of the value before its FF padding, if `reference` is 8 bytes of printable
/// characters followed only by padding.
pub fn unpadded_len(reference: &[u8]) -> Option<usize> {
    if reference.len() != REFERENCE_LEN {
        return None;
    }
    let len = reference
        .iter()
        .position(|b| *b == PADDING)
        .unwrap_or(REFERENCE_LEN);
    let (value, padding) = reference.split_at(len);
    (value.iter().all(|b| is_printable(*b)) && padding.iter().all(|b| *b == PADDING)).then_some(len)
}

/// Reference data that holds a PIN the rules allow.
pub fn is_valid_pin_reference(reference: &[u8]) -> bool {
    unpadded_len(reference).is_some_and(|len| len >= PIN_MIN_LEN)
}

/// Reference data that holds a PUK the rules allow.
pub fn is_valid_puk_reference(reference: &[u8]) -> bool {
    unpadded_len(reference) == Some(PUK_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pins_of_six_to_eight_printable_characters() {
        for ok in ["123456", "abc123", "Zz!~0aB9", "12345678"] {
            assert!(is_valid_pin(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "12345",
            "123456789",
            "12 456",
            "1234\u{e9}6",
            "",
            "123456\n",
        ] {
            assert!(!is_valid_pin(bad.as_bytes()), "{bad:?}");
        }
        assert!(!is_valid_pin(&[0x31, 0x32, 0x33, 0x34, 0x35, 0xFF]));
        assert!(is_valid_puk(b"12345678"));
        assert!(is_valid_puk(b"abcDEF#!"));
        for bad in ["1234567", "123456789", "1234 678"] {
            assert!(!is_valid_puk(bad.as_bytes()), "{bad:?}");
        }
    }

    #[test]
    fn retry_counters_know_when_they_are_blocked_or_broken() {
        let mut counter = RetryCounter::new(3);
        assert!(counter.is_sane() && !counter.is_blocked());
        counter.remaining = 0;
        assert!(counter.is_sane() && counter.is_blocked());
        assert!(!RetryCounter {
            remaining: 4,
            max: 3
        }
        .is_sane());
        assert!(!RetryCounter::new(0).is_sane());
        assert!(!RetryCounter::new(16).is_sane());
        assert!(RetryCounter::new(MAX_TRIES).is_sane());
    }

    #[test]
    fn reference_data_is_padded_with_ff() {
        assert_eq!(*pad(b"123456").unwrap(), FACTORY_PIN_REFERENCE);
        assert_eq!(*pad(FACTORY_PUK).unwrap(), FACTORY_PUK_REFERENCE);
        assert_eq!(pad(b"123456789"), None);
        assert!(is_valid_pin_reference(b"123456\xff\xff"));
        assert!(is_valid_pin_reference(b"abc123\xff\xff"));
        assert!(is_valid_pin_reference(b"Abc!2345"));
        assert!(!is_valid_pin_reference(b"12345\xff\xff\xff"));
        assert!(!is_valid_pin_reference(b"123 456\xff"));
        assert!(!is_valid_pin_reference(b"12\xff3456\xff"));
        assert!(!is_valid_pin_reference(b"123456"));
        assert!(is_valid_puk_reference(b"12345678"));
        assert!(!is_valid_puk_reference(b"1234567\xff"));
    }

    proptest! {
        #[test]
        fn host_and_card_rules_agree(value in proptest::collection::vec(any::<u8>(), 0..10)) {
            if let Some(reference) = pad(&value) {
                // A value that holds FF itself is not one the host builds.
                if !value.contains(&PADDING) {
                    prop_assert_eq!(is_valid_pin(&value), is_valid_pin_reference(&*reference));
                    prop_assert_eq!(is_valid_puk(&value), is_valid_puk_reference(&*reference));
                }
            } else {
                prop_assert!(value.len() > REFERENCE_LEN);
            }
        }
    }
}
