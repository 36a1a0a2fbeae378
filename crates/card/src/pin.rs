//! PIN and PUK retry counters and the weak-PIN policy (SP 800-73-4 Part 2 §3.2.1–3.2.3, with
//! the guide's 3 tries each). The format rules and the FF padding are `jeton_wire::reference`.

use jeton_wire::reference;
use subtle::ConstantTimeEq;

pub const DEFAULT_TRIES: u8 = 3;
pub use jeton_wire::reference::{RetryCounter, MAX_TRIES};

/// Why a PIN is too weak to be chosen as a new PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinWeakness {
    /// The factory PIN, 123456, that every PIV tool knows.
    FactoryValue,
    /// One character repeated: 000000, aaaaaaa.
    RepeatedCharacter,
    /// An ascending or descending run by one code point over the whole PIN: 234567,
    /// 987654, abcdef, fedcba.
    Sequence,
}

/// Whether a PIN is one of the trivial ones a new PIN must not be, and why (the factory
/// value wins over the run it also is). `value` is the PIN without its FF padding; a value
/// shorter than two characters has no weakness here (the length rule refuses it).
pub fn pin_weakness(value: &[u8]) -> Option<PinWeakness> {
    let factory = reference::FACTORY_PIN;
    if constant_time_eq(value, factory) {
        return Some(PinWeakness::FactoryValue);
    }
    if value.len() < 2 {
        return None;
    }
    let steps = || value.windows(2).map(|w| i16::from(w[1]) - i16::from(w[0]));
    if steps().all(|step| step == 0) {
        Some(PinWeakness::RepeatedCharacter)
    } else if steps().all(|step| step == 1) || steps().all(|step| step == -1) {
        Some(PinWeakness::Sequence)
    } else {
        None
    }
}

/// `pin_weakness` of reference data as it comes on the wire (the PIN padded with FF).
pub(crate) fn weakness_of_reference(reference: &[u8]) -> Option<PinWeakness> {
    let len = reference::unpadded_len(reference)?;
    pin_weakness(&reference[..len])
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_pins_are_named_by_their_weakness() {
        use PinWeakness::*;
        let table: &[(&[u8], Option<PinWeakness>)] = &[
            (b"123456", Some(FactoryValue)),
            (b"000000", Some(RepeatedCharacter)),
            (b"aaaaaaa", Some(RepeatedCharacter)),
            (b"99999999", Some(RepeatedCharacter)),
            (b"234567", Some(Sequence)),
            (b"12345678", Some(Sequence)),
            (b"1234567", Some(Sequence)),
            (b"987654", Some(Sequence)),
            (b"654321", Some(Sequence)),
            (b"abcdef", Some(Sequence)),
            (b"fedcba", Some(Sequence)),
            (b"ABCDEFGH", Some(Sequence)),
            // Not a run over the whole PIN, or not by one code point.
            (b"735194", None),
            (b"123457", None),
            (b"890123", None),
            (b"135791", None),
            (b"112233", None),
            (b"abcdeF", None),
            (b"000001", None),
            (b"Abc!2345", None),
            // Too short to judge: the length rule refuses these anyway.
            (b"", None),
            (b"1", None),
        ];
        for (value, expected) in table {
            assert_eq!(
                pin_weakness(value),
                *expected,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }
}
