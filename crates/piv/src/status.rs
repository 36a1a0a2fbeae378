//! ISO 7816-4 status words (SW1 SW2), as the card ends every response.

use std::fmt;

/// The two status bytes that end every response APDU (ISO 7816-4 §5.6, SP 800-73-4 Part 2 Table 6).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x6700);
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);
    pub const AUTHENTICATION_METHOD_BLOCKED: StatusWord = StatusWord(0x6983);
    pub const CONDITIONS_NOT_SATISFIED: StatusWord = StatusWord(0x6985);
    pub const INCORRECT_DATA: StatusWord = StatusWord(0x6A80);
    pub const FUNCTION_NOT_SUPPORTED: StatusWord = StatusWord(0x6A81);
    pub const NOT_FOUND: StatusWord = StatusWord(0x6A82);
    pub const NOT_ENOUGH_MEMORY: StatusWord = StatusWord(0x6A84);
    pub const INCORRECT_P1_P2: StatusWord = StatusWord(0x6A86);
    pub const REFERENCE_NOT_FOUND: StatusWord = StatusWord(0x6A88);
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D00);
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E00);

    pub fn from_bytes(sw1: u8, sw2: u8) -> StatusWord {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    pub fn is_success(self) -> bool {
        self == StatusWord::SUCCESS
    }

    /// `61 xx`: more response bytes wait for GET RESPONSE (xx = 00 means 256 or more).
    pub fn bytes_remaining(self) -> Option<usize> {
        (self.sw1() == 0x61).then(|| match self.sw2() {
            0 => 256,
            n => usize::from(n),
        })
    }

    /// `63 Cx`: verification failed, x tries left (SP 800-73-4 Part 2 §3.2.1).
    pub fn tries_left(self) -> Option<u8> {
        (self.0 & 0xFFF0 == 0x63C0).then_some(self.sw2() & 0x0F)
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
    }
}
