//! ISO 7816-4 status words (SW1 SW2), as a PIV card ends every response (SP 800-73-4 Part 2
//! §3, Table 6).

use std::fmt;

/// The two status bytes that end every response APDU (ISO 7816-4 §5.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing.
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// `6581`: memory failure; the card's write of its state failed.
    pub const MEMORY_FAILURE: StatusWord = StatusWord(0x6581);
    /// `6700`: wrong length (Lc or Le).
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    /// `6883`: the last command of a chain was expected.
    pub const LAST_COMMAND_OF_CHAIN_EXPECTED: StatusWord = StatusWord(0x6883);
    /// `6982`: security status not satisfied (PIN or management key needed).
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    /// `6983`: authentication method blocked (no tries left).
    pub const AUTHENTICATION_METHOD_BLOCKED: StatusWord = StatusWord(0x6983);
    /// `6985`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    /// `6A80`: incorrect parameters in the data field.
    pub const INCORRECT_DATA: StatusWord = StatusWord(0x6A80);
    /// `6A81`: function not supported.
    pub const FUNCTION_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    /// `6A82`: file or application (data object) not found.
    pub const NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// `6A84`: not enough memory.
    pub const NOT_ENOUGH_MEMORY: StatusWord = StatusWord(0x6A84);
    /// `6A86`: incorrect P1 or P2.
    pub const INCORRECT_P1_P2: StatusWord = StatusWord(0x6A86);
    /// `6A88`: referenced data (key) not found.
    pub const REFERENCE_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    /// `6D00`: instruction not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    /// `6E00`: class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);
    /// `6F00`: no precise diagnosis.
    pub const UNKNOWN: StatusWord = StatusWord(0x6F00);

    /// The status word of SW1 and SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> StatusWord {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    /// SW1 SW2, as they go on the wire.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// The first status byte.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// The second status byte.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// `9000`.
    pub fn is_success(self) -> bool {
        self == StatusWord::SUCCESS
    }

    /// `63 Cx`: verification failed, `x` tries left (SP 800-73-4 Part 2 §3.2.1); more than
    /// 15 is reported as 15, all `63 Cx` can say.
    pub fn with_tries_left(tries: u8) -> StatusWord {
        StatusWord(0x63C0 | u16::from(tries.min(15)))
    }

    /// The tries a `63 Cx` reports, if this is one.
    pub fn tries_left(self) -> Option<u8> {
        (self.0 & 0xFFF0 == 0x63C0).then_some(self.sw2() & 0x0F)
    }

    /// `61 xx`: `xx` more bytes wait for GET RESPONSE; 256 or more are reported as `00`.
    pub fn with_bytes_remaining(remaining: usize) -> StatusWord {
        StatusWord(0x6100 | u16::try_from(remaining).map_or(0, |n| if n >= 256 { 0 } else { n }))
    }

    /// The bytes a `61 xx` announces (`00` means 256 or more), if this is one.
    pub fn bytes_remaining(self) -> Option<usize> {
        (self.sw1() == 0x61).then(|| match self.sw2() {
            0 => 256,
            n => usize::from(n),
        })
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_retry_counters_and_pending_bytes() {
        assert_eq!(StatusWord(0x63C2).tries_left(), Some(2));
        assert_eq!(StatusWord(0x63C0).tries_left(), Some(0));
        assert_eq!(StatusWord(0x6300).tries_left(), None);
        assert_eq!(StatusWord(0x61AA).bytes_remaining(), Some(0xAA));
        assert_eq!(StatusWord(0x6100).bytes_remaining(), Some(256));
        assert_eq!(StatusWord::SUCCESS.bytes_remaining(), None);
        assert_eq!(StatusWord::from_bytes(0x6A, 0x82), StatusWord::NOT_FOUND);
        assert_eq!(StatusWord::NOT_FOUND.to_string(), "6A82");
        assert_eq!(StatusWord::NOT_FOUND.to_bytes(), [0x6A, 0x82]);
    }

    #[test]
    fn builds_what_it_reads() {
        for tries in 0..=15 {
            assert_eq!(StatusWord::with_tries_left(tries).tries_left(), Some(tries));
        }
        assert_eq!(StatusWord::with_tries_left(200), StatusWord(0x63CF));
        assert_eq!(StatusWord::with_bytes_remaining(0xAA), StatusWord(0x61AA));
        assert_eq!(StatusWord::with_bytes_remaining(256), StatusWord(0x6100));
        assert_eq!(StatusWord::with_bytes_remaining(70_000), StatusWord(0x6100));
    }
}
