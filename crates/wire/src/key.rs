//! Key references and algorithms (SP 800-73-4 Part 1 §3.1 and Table 4b, SP 800-78-4
//! Tables 6-1 and 6-2): which slots exist, what each allows, and the identifiers of the
//! algorithms a slot or the management key may hold.

use std::fmt;
use std::str::FromStr;

/// Key reference 80: the holder's PIN.
pub const PIN_REFERENCE: u8 = 0x80;
/// Key reference 81: the PIN Unblocking Key (PUK).
pub const PUK_REFERENCE: u8 = 0x81;
/// Key reference 9B: the card management key.
pub const MANAGEMENT_KEY_REFERENCE: u8 = 0x9B;

/// A name that is not one of the PIV vocabulary's, as typed on a command line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnknownName {
    /// Not 9a, 9c, 9d, 9e or 82 to 95.
    #[error("no key slot {0:?}")]
    KeySlot(String),
    /// Not rsa2048, rsa3072, rsa4096, p256 or p384.
    #[error("no key algorithm {0:?}")]
    KeyAlgorithm(String),
    /// Not 3des, aes128, aes192 or aes256.
    #[error("no management key algorithm {0:?}")]
    ManagementKeyAlgorithm(String),
}

/// An asymmetric key slot of the PIV card: 9A, 9C, 9D, 9E, or the retired 82 to 95.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySlot(u8);

impl KeySlot {
    /// 9A, PIV Authentication: PIN once per session.
    pub const AUTHENTICATION: KeySlot = KeySlot(0x9A);
    /// 9C, Digital Signature: PIN before every use.
    pub const SIGNATURE: KeySlot = KeySlot(0x9C);
    /// 9D, Key Management (decryption, ECDH).
    pub const KEY_MANAGEMENT: KeySlot = KeySlot(0x9D);
    /// 9E, Card Authentication: no PIN.
    pub const CARD_AUTHENTICATION: KeySlot = KeySlot(0x9E);

    /// The slot with this key reference, if it is one.
    pub fn from_id(id: u8) -> Option<KeySlot> {
        matches!(id, 0x9A | 0x9C | 0x9D | 0x9E | 0x82..=0x95).then_some(KeySlot(id))
    }

    /// Retired key management slot `n` (1 to 20), key references 82 to 95.
    pub fn retired(n: u8) -> Option<KeySlot> {
        (1..=20).contains(&n).then(|| KeySlot(0x81 + n))
    }

    /// The key reference.
    pub fn id(self) -> u8 {
        self.0
    }

    /// Every slot: 9A, 9C, 9D, 9E, then 82 to 95.
    pub fn all() -> impl Iterator<Item = KeySlot> {
        [0x9A, 0x9C, 0x9D, 0x9E]
            .into_iter()
            .chain(0x82..=0x95)
            .map(KeySlot)
    }

    /// The data object holding this slot's certificate (SP 800-73-4 Part 1 Table 3, Table 10):
    /// 9A → 5FC105, 9C → 5FC10A, 9D → 5FC10B, 9E → 5FC101, 82..95 → 5FC10D..5FC120.
    pub fn certificate_object(self) -> crate::ObjectId {
        use crate::ObjectId;
        match self.0 {
            0x9A => ObjectId::AUTHENTICATION_CERTIFICATE,
            0x9C => ObjectId::SIGNATURE_CERTIFICATE,
            0x9D => ObjectId::KEY_MANAGEMENT_CERTIFICATE,
            0x9E => ObjectId::CARD_AUTHENTICATION_CERTIFICATE,
            retired => ObjectId(ObjectId::FIRST_RETIRED_CERTIFICATE.0 + u32::from(retired - 0x82)),
        }
    }

    /// When the PIN must have been verified before this slot's private key is used
    /// (SP 800-73-4 Part 1 §3.1.1–3.1.4).
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

    /// The slot's name in SP 800-73-4.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x9A => "PIV Authentication",
            0x9C => "Digital Signature",
            0x9D => "Key Management",
            0x9E => "Card Authentication",
            _ => "Retired Key Management",
        }
    }
}

impl fmt::Display for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}", self.0)
    }
}

impl fmt::Debug for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeySlot({:02X})", self.0)
    }
}

impl FromStr for KeySlot {
    type Err = UnknownName;

    /// Two hex digits, with or without `0x`: `9c`, `0x9C`, `82`.
    fn from_str(s: &str) -> Result<KeySlot, UnknownName> {
        let hex = s.trim();
        let hex = hex.strip_prefix("0x").unwrap_or(hex);
        (hex.len() == 2)
            .then(|| u8::from_str_radix(hex, 16).ok())
            .flatten()
            .and_then(KeySlot::from_id)
            .ok_or_else(|| UnknownName::KeySlot(s.to_owned()))
    }
}

/// When a key needs the PIN: the policy of a slot (Yubico's GET METADATA tag 02, byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinPolicy {
    /// 01: no PIN (9E).
    Never,
    /// 02: once per session (9A, 9D, retired keys).
    Once,
    /// 03: before every use (9C, sole control).
    Always,
}

impl PinPolicy {
    /// The byte GET METADATA sends.
    pub fn metadata_byte(self) -> u8 {
        match self {
            PinPolicy::Never => 0x01,
            PinPolicy::Once => 0x02,
            PinPolicy::Always => 0x03,
        }
    }

    /// The policy a GET METADATA byte names, if it is one of these three.
    pub fn from_metadata_byte(byte: u8) -> Option<PinPolicy> {
        match byte {
            0x01 => Some(PinPolicy::Never),
            0x02 => Some(PinPolicy::Once),
            0x03 => Some(PinPolicy::Always),
            _ => None,
        }
    }
}

/// An asymmetric key algorithm of a slot (SP 800-78-4 Table 6-2 identifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// 07.
    Rsa2048,
    /// 05.
    Rsa3072,
    /// 16.
    Rsa4096,
    /// 11, NIST P-256.
    EccP256,
    /// 14, NIST P-384.
    EccP384,
}

impl KeyAlgorithm {
    /// Every algorithm, in the order the card advertises them.
    pub const ALL: [KeyAlgorithm; 5] = [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
        KeyAlgorithm::EccP256,
        KeyAlgorithm::EccP384,
    ];

    /// The algorithm identifier.
    pub fn id(self) -> u8 {
        match self {
            KeyAlgorithm::Rsa2048 => 0x07,
            KeyAlgorithm::Rsa3072 => 0x05,
            KeyAlgorithm::Rsa4096 => 0x16,
            KeyAlgorithm::EccP256 => 0x11,
            KeyAlgorithm::EccP384 => 0x14,
        }
    }

    /// The algorithm of this identifier, if it is one.
    pub fn from_id(id: u8) -> Option<KeyAlgorithm> {
        KeyAlgorithm::ALL.into_iter().find(|a| a.id() == id)
    }

    /// RSA, as opposed to EC.
    pub fn is_rsa(self) -> bool {
        matches!(
            self,
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096
        )
    }

    /// Modulus size in bits (RSA) or field size in bits (EC).
    pub fn bits(self) -> u32 {
        match self {
            KeyAlgorithm::Rsa2048 => 2048,
            KeyAlgorithm::Rsa3072 => 3072,
            KeyAlgorithm::Rsa4096 => 4096,
            KeyAlgorithm::EccP256 => 256,
            KeyAlgorithm::EccP384 => 384,
        }
    }

    /// Bytes of a GENERAL AUTHENTICATE input: the modulus (RSA) or the field element (EC).
    pub fn input_len(self) -> usize {
        self.bits() as usize / 8
    }

    /// The name on Jeton's command line.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa2048 => "rsa2048",
            KeyAlgorithm::Rsa3072 => "rsa3072",
            KeyAlgorithm::Rsa4096 => "rsa4096",
            KeyAlgorithm::EccP256 => "p256",
            KeyAlgorithm::EccP384 => "p384",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<KeyAlgorithm, UnknownName> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "rsa2048" => KeyAlgorithm::Rsa2048,
            "rsa3072" => KeyAlgorithm::Rsa3072,
            "rsa4096" => KeyAlgorithm::Rsa4096,
            "p256" | "eccp256" => KeyAlgorithm::EccP256,
            "p384" | "eccp384" => KeyAlgorithm::EccP384,
            _ => return Err(UnknownName::KeyAlgorithm(s.to_owned())),
        })
    }
}

/// The management key's cipher (SP 800-78-4 Table 6-1; AES per SP 800-73-4 Part 2 §3.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ManagementKeyAlgorithm {
    /// 03, three-key 3DES.
    TripleDes,
    /// 08.
    Aes128,
    /// 0A.
    Aes192,
    /// 0C.
    Aes256,
}

impl ManagementKeyAlgorithm {
    /// Every algorithm, in the order the card advertises them.
    pub const ALL: [ManagementKeyAlgorithm; 4] = [
        ManagementKeyAlgorithm::TripleDes,
        ManagementKeyAlgorithm::Aes128,
        ManagementKeyAlgorithm::Aes192,
        ManagementKeyAlgorithm::Aes256,
    ];

    /// The algorithm identifier.
    pub fn id(self) -> u8 {
        match self {
            ManagementKeyAlgorithm::TripleDes => 0x03,
            ManagementKeyAlgorithm::Aes128 => 0x08,
            ManagementKeyAlgorithm::Aes192 => 0x0A,
            ManagementKeyAlgorithm::Aes256 => 0x0C,
        }
    }

    /// The algorithm of this identifier, if it is one.
    pub fn from_id(id: u8) -> Option<ManagementKeyAlgorithm> {
        ManagementKeyAlgorithm::ALL
            .into_iter()
            .find(|a| a.id() == id)
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            ManagementKeyAlgorithm::TripleDes | ManagementKeyAlgorithm::Aes192 => 24,
            ManagementKeyAlgorithm::Aes128 => 16,
            ManagementKeyAlgorithm::Aes256 => 32,
        }
    }

    /// Challenge and witness size: one cipher block.
    pub fn block_len(self) -> usize {
        match self {
            ManagementKeyAlgorithm::TripleDes => 8,
            _ => 16,
        }
    }

    /// The name on Jeton's command line.
    pub fn name(self) -> &'static str {
        match self {
            ManagementKeyAlgorithm::TripleDes => "3des",
            ManagementKeyAlgorithm::Aes128 => "aes128",
            ManagementKeyAlgorithm::Aes192 => "aes192",
            ManagementKeyAlgorithm::Aes256 => "aes256",
        }
    }
}

impl fmt::Display for ManagementKeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ManagementKeyAlgorithm {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<ManagementKeyAlgorithm, UnknownName> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "3des" | "tdes" => ManagementKeyAlgorithm::TripleDes,
            "aes128" => ManagementKeyAlgorithm::Aes128,
            "aes192" => ManagementKeyAlgorithm::Aes192,
            "aes256" => ManagementKeyAlgorithm::Aes256,
            _ => return Err(UnknownName::ManagementKeyAlgorithm(s.to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ObjectId;

    #[test]
    fn slots_parse_and_print_as_hex() {
        assert_eq!("9a".parse::<KeySlot>().unwrap(), KeySlot::AUTHENTICATION);
        assert_eq!("0x9C".parse::<KeySlot>().unwrap(), KeySlot::SIGNATURE);
        assert_eq!(
            "82".parse::<KeySlot>().unwrap(),
            KeySlot::retired(1).unwrap()
        );
        assert_eq!(
            "95".parse::<KeySlot>().unwrap(),
            KeySlot::retired(20).unwrap()
        );
        for bad in ["9b", "80", "96", "81", "9", "9a0", "zz", ""] {
            assert_eq!(
                bad.parse::<KeySlot>(),
                Err(UnknownName::KeySlot(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(KeySlot::SIGNATURE.to_string(), "9c");
        assert_eq!(format!("{:?}", KeySlot::SIGNATURE), "KeySlot(9C)");
        assert_eq!(KeySlot::all().count(), 24);
        assert!(KeySlot::all().all(|s| KeySlot::from_id(s.id()) == Some(s)));
        assert_eq!(KeySlot::retired(0), None);
        assert_eq!(KeySlot::retired(21), None);
    }

    #[test]
    fn certificate_objects_follow_sp_800_73_4_table_3() {
        let table = [
            (KeySlot::AUTHENTICATION, 0x5FC105),
            (KeySlot::SIGNATURE, 0x5FC10A),
            (KeySlot::KEY_MANAGEMENT, 0x5FC10B),
            (KeySlot::CARD_AUTHENTICATION, 0x5FC101),
            (KeySlot::retired(1).unwrap(), 0x5FC10D),
            (KeySlot::retired(20).unwrap(), 0x5FC120),
        ];
        for (slot, tag) in table {
            assert_eq!(slot.certificate_object(), ObjectId(tag), "{slot}");
        }
    }

    #[test]
    fn slot_policies_follow_sp_800_73_4() {
        assert_eq!(KeySlot::SIGNATURE.pin_policy(), PinPolicy::Always);
        assert_eq!(KeySlot::CARD_AUTHENTICATION.pin_policy(), PinPolicy::Never);
        assert_eq!(KeySlot::AUTHENTICATION.pin_policy(), PinPolicy::Once);
        assert!(KeySlot::KEY_MANAGEMENT.allows_key_agreement());
        assert!(KeySlot::retired(20).unwrap().allows_key_agreement());
        assert!(!KeySlot::SIGNATURE.allows_key_agreement());
        for policy in [PinPolicy::Never, PinPolicy::Once, PinPolicy::Always] {
            assert_eq!(
                PinPolicy::from_metadata_byte(policy.metadata_byte()),
                Some(policy)
            );
        }
        assert_eq!(PinPolicy::from_metadata_byte(0x00), None);
    }

    #[test]
    fn key_algorithms_parse_by_name_and_id() {
        for (name, alg, id, len) in [
            ("rsa2048", KeyAlgorithm::Rsa2048, 0x07, 256),
            ("rsa3072", KeyAlgorithm::Rsa3072, 0x05, 384),
            ("rsa4096", KeyAlgorithm::Rsa4096, 0x16, 512),
            ("p256", KeyAlgorithm::EccP256, 0x11, 32),
            ("p384", KeyAlgorithm::EccP384, 0x14, 48),
        ] {
            assert_eq!(name.parse::<KeyAlgorithm>().unwrap(), alg);
            assert_eq!(alg.to_string(), name);
            assert_eq!(KeyAlgorithm::from_id(id), Some(alg));
            assert_eq!(alg.id(), id);
            assert_eq!(alg.input_len(), len);
        }
        assert_eq!(
            "rsa1024".parse::<KeyAlgorithm>(),
            Err(UnknownName::KeyAlgorithm("rsa1024".into()))
        );
        assert_eq!(KeyAlgorithm::from_id(0x06), None);
    }

    #[test]
    fn management_key_algorithms_know_their_key_length() {
        for (name, alg, id, len) in [
            ("3des", ManagementKeyAlgorithm::TripleDes, 0x03, 24),
            ("aes128", ManagementKeyAlgorithm::Aes128, 0x08, 16),
            ("aes192", ManagementKeyAlgorithm::Aes192, 0x0A, 24),
            ("aes256", ManagementKeyAlgorithm::Aes256, 0x0C, 32),
        ] {
            assert_eq!(name.parse::<ManagementKeyAlgorithm>().unwrap(), alg);
            assert_eq!(ManagementKeyAlgorithm::from_id(id), Some(alg));
            assert_eq!(alg.key_len(), len);
        }
        assert_eq!(ManagementKeyAlgorithm::from_id(0x07), None);
        assert!("des".parse::<ManagementKeyAlgorithm>().is_err());
    }
}
