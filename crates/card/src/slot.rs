//! Key references and what each one allows (SP 800-73-4 Part 1 §3.1 and Part 2 Table 4).

use openssl::nid::Nid;

/// The asymmetric key slots of the PIV card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeySlot(u8);

/// When the PIN must have been verified before a slot's private key may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinPolicy {
    /// 9E card authentication: no PIN.
    Never,
    /// 9A, 9D, retired keys: once per session.
    Once,
    /// 9C digital signature: before every use (sole control).
    Always,
}

impl PinPolicy {
    /// YubiKey metadata encoding (01 never, 02 once, 03 always).
    pub fn metadata_byte(self) -> u8 {
        match self {
            PinPolicy::Never => 0x01,
            PinPolicy::Once => 0x02,
            PinPolicy::Always => 0x03,
        }
    }
}

impl KeySlot {
    pub const AUTHENTICATION: KeySlot = KeySlot(0x9A);
    pub const SIGNATURE: KeySlot = KeySlot(0x9C);
    pub const KEY_MANAGEMENT: KeySlot = KeySlot(0x9D);
    pub const CARD_AUTHENTICATION: KeySlot = KeySlot(0x9E);

    pub fn from_reference(reference: u8) -> Option<KeySlot> {
        match reference {
            0x9A | 0x9C | 0x9D | 0x9E | 0x82..=0x95 => Some(KeySlot(reference)),
            _ => None,
        }
    }

    pub fn reference(self) -> u8 {
        self.0
    }

    pub fn pin_policy(self) -> PinPolicy {
        match self.0 {
            0x9E => PinPolicy::Never,
            0x9C => PinPolicy::Always,
            _ => PinPolicy::Once,
        }
    }

    /// Key agreement is for the key-management key and its retired predecessors.
    pub fn allows_key_agreement(self) -> bool {
        self.0 == 0x9D || (0x82..=0x95).contains(&self.0)
    }

    /// The tag of the certificate container of this slot (SP 800-73-4 Part 1 Table 3).
    pub fn certificate_tag(self) -> u32 {
        match self.0 {
            0x9A => 0x5FC105,
            0x9C => 0x5FC10A,
            0x9D => 0x5FC10B,
            0x9E => 0x5FC101,
            retired => 0x5FC10D + u32::from(retired - 0x82),
        }
    }
}

/// Asymmetric algorithms (SP 800-78-4 Table 6-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EccP256,
    EccP384,
}

impl KeyAlgorithm {
    pub fn from_id(id: u8) -> Option<KeyAlgorithm> {
        match id {
            0x07 => Some(KeyAlgorithm::Rsa2048),
            0x05 => Some(KeyAlgorithm::Rsa3072),
            0x16 => Some(KeyAlgorithm::Rsa4096),
            0x11 => Some(KeyAlgorithm::EccP256),
            0x14 => Some(KeyAlgorithm::EccP384),
            _ => None,
        }
    }

    pub fn id(self) -> u8 {
        match self {
            KeyAlgorithm::Rsa2048 => 0x07,
            KeyAlgorithm::Rsa3072 => 0x05,
            KeyAlgorithm::Rsa4096 => 0x16,
            KeyAlgorithm::EccP256 => 0x11,
            KeyAlgorithm::EccP384 => 0x14,
        }
    }

    pub fn curve(self) -> Option<Nid> {
        match self {
            KeyAlgorithm::EccP256 => Some(crate::crypto::nid_p256()),
            KeyAlgorithm::EccP384 => Some(crate::crypto::nid_p384()),
            _ => None,
        }
    }

    pub fn rsa_bits(self) -> u32 {
        match self {
            KeyAlgorithm::Rsa3072 => 3072,
            KeyAlgorithm::Rsa4096 => 4096,
            _ => 2048,
        }
    }

    pub fn ec_field_bytes(self) -> usize {
        match self {
            KeyAlgorithm::EccP384 => 48,
            _ => 32,
        }
    }

    pub const ALL: [KeyAlgorithm; 5] = [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
        KeyAlgorithm::EccP256,
        KeyAlgorithm::EccP384,
    ];
}

/// Management-key algorithms (SP 800-78-4 Table 6-1).
pub const MANAGEMENT_KEY_ALGORITHMS: [(u8, usize); 4] =
    [(0x03, 24), (0x08, 16), (0x0A, 24), (0x0C, 32)];

/// The key length a management-key algorithm needs, if the algorithm is one we know.
pub fn management_key_length(algorithm_id: u8) -> Option<usize> {
    MANAGEMENT_KEY_ALGORITHMS
        .iter()
        .find(|(id, _)| *id == algorithm_id)
        .map(|(_, len)| *len)
}

/// Reference data and key references that are not asymmetric slots.
pub const PIN_REFERENCE: u8 = 0x80;
pub const PUK_REFERENCE: u8 = 0x81;
pub const MANAGEMENT_KEY_REFERENCE: u8 = 0x9B;
