//! ISO 7816-4 status words, as the PIV card answers them (SP 800-73-4 Part 2 §3, Table 6).

use std::fmt;

/// SW1 SW2 of a response APDU.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub const SUCCESS: Self = Self(0x9000);
    pub const WRONG_LENGTH: Self = Self(0x6700);
    pub const LAST_COMMAND_OF_CHAIN_EXPECTED: Self = Self(0x6883);
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    pub const AUTHENTICATION_METHOD_BLOCKED: Self = Self(0x6983);
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    pub const INCORRECT_DATA: Self = Self(0x6A80);
    pub const FUNCTION_NOT_SUPPORTED: Self = Self(0x6A81);
    pub const NOT_FOUND: Self = Self(0x6A82);
    pub const NOT_ENOUGH_MEMORY: Self = Self(0x6A84);
    pub const INCORRECT_P1_P2: Self = Self(0x6A86);
    pub const REFERENCE_NOT_FOUND: Self = Self(0x6A88);
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);
    pub const UNKNOWN: Self = Self(0x6F00);

    /// `63 Cx`: verification failed, `x` tries left.
    pub fn tries_left(tries: u8) -> Self {
        Self(0x63C0 | u16::from(tries.min(15)))
    }

    /// `61 xx`: `xx` more bytes wait for GET RESPONSE (00 means 256 or more).
    pub fn bytes_remaining(remaining: usize) -> Self {
        Self(
            0x6100
                | if remaining >= 256 {
                    0
                } else {
                    remaining as u16
                },
        )
    }

    /// The write of the card's state failed (ISO 7816-4 "memory failure").
    pub const MEMORY_FAILURE: Self = Self(0x6581);

    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW {:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}
