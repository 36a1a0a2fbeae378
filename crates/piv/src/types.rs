//! The values PIV commands take and return, parsed and checked once at the edge.

use std::fmt;
use std::str::FromStr;

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Rsa;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::tlv;

/// A key slot (SP 800-73-4 Part 1 §3.1, key references of Part 1 Table 4b).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(u8);

impl Slot {
    /// 9A, PIV Authentication: PIN once per session.
    pub const AUTHENTICATION: Slot = Slot(0x9A);
    /// 9C, Digital Signature: PIN before every use.
    pub const SIGNATURE: Slot = Slot(0x9C);
    /// 9D, Key Management (decryption, ECDH).
    pub const KEY_MANAGEMENT: Slot = Slot(0x9D);
    /// 9E, Card Authentication: no PIN.
    pub const CARD_AUTHENTICATION: Slot = Slot(0x9E);

    /// The slot with this key reference, if it is one.
    pub fn from_id(id: u8) -> Option<Slot> {
        matches!(id, 0x9A | 0x9C | 0x9D | 0x9E | 0x82..=0x95).then_some(Slot(id))
    }

    /// Retired key management slot `n` (1 to 20), key references 82 to 95.
    pub fn retired(n: u8) -> Option<Slot> {
        (1..=20).contains(&n).then(|| Slot(0x81 + n))
    }

    pub fn id(self) -> u8 {
        self.0
    }

    /// Every slot: 9A, 9C, 9D, 9E, then 82 to 95.
    pub fn all() -> impl Iterator<Item = Slot> {
        [0x9A, 0x9C, 0x9D, 0x9E]
            .into_iter()
            .chain(0x82..=0x95)
            .map(Slot)
    }

    /// The data object holding this slot's certificate (SP 800-73-4 Part 1 Table 3, Table 10):
    /// 9A → 5FC105, 9C → 5FC10A, 9D → 5FC10B, 9E → 5FC101, 82..95 → 5FC10D..5FC120.
    pub fn certificate_object(self) -> ObjectId {
        ObjectId(match self.0 {
            0x9A => 0x5FC105,
            0x9C => 0x5FC10A,
            0x9D => 0x5FC10B,
            0x9E => 0x5FC101,
            retired => 0x5FC10D + u32::from(retired - 0x82),
        })
    }

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

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}", self.0)
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slot({:02X})", self.0)
    }
}

impl FromStr for Slot {
    type Err = Error;

    fn from_str(s: &str) -> Result<Slot, Error> {
        let hex = s.trim();
        let hex = hex.strip_prefix("0x").unwrap_or(hex);
        (hex.len() == 2)
            .then(|| u8::from_str_radix(hex, 16).ok())
            .flatten()
            .and_then(Slot::from_id)
            .ok_or_else(|| Error::InvalidSlot(s.to_owned()))
    }
}

/// An asymmetric key algorithm of a slot (SP 800-78-4 Table 6-2 identifiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EccP256,
    EccP384,
}

impl KeyAlgorithm {
    pub fn id(self) -> u8 {
        match self {
            KeyAlgorithm::Rsa2048 => 0x07,
            KeyAlgorithm::Rsa3072 => 0x05,
            KeyAlgorithm::Rsa4096 => 0x16,
            KeyAlgorithm::EccP256 => 0x11,
            KeyAlgorithm::EccP384 => 0x14,
        }
    }

    pub fn from_id(id: u8) -> Option<KeyAlgorithm> {
        Some(match id {
            0x07 => KeyAlgorithm::Rsa2048,
            0x05 => KeyAlgorithm::Rsa3072,
            0x16 => KeyAlgorithm::Rsa4096,
            0x11 => KeyAlgorithm::EccP256,
            0x14 => KeyAlgorithm::EccP384,
            _ => return None,
        })
    }

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

    /// Bytes of a GENERAL AUTHENTICATE input: the modulus (RSA) or the field element (ECDSA).
    pub fn input_len(self) -> usize {
        self.bits() as usize / 8
    }

    pub(crate) fn curve(self) -> Option<Nid> {
        match self {
            KeyAlgorithm::EccP256 => Some(Nid::X9_62_PRIME256V1),
            KeyAlgorithm::EccP384 => Some(Nid::SECP384R1),
            _ => None,
        }
    }

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
    type Err = Error;

    fn from_str(s: &str) -> Result<KeyAlgorithm, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "rsa2048" => KeyAlgorithm::Rsa2048,
            "rsa3072" => KeyAlgorithm::Rsa3072,
            "rsa4096" => KeyAlgorithm::Rsa4096,
            "p256" | "eccp256" => KeyAlgorithm::EccP256,
            "p384" | "eccp384" => KeyAlgorithm::EccP384,
            _ => return Err(Error::InvalidAlgorithm(s.to_owned())),
        })
    }
}

/// The management key's cipher (SP 800-78-4 Table 6-2; AES per SP 800-73-4 Part 2 §3.2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ManagementKeyAlgorithm {
    TripleDes,
    Aes128,
    Aes192,
    Aes256,
}

impl ManagementKeyAlgorithm {
    pub fn id(self) -> u8 {
        match self {
            ManagementKeyAlgorithm::TripleDes => 0x03,
            ManagementKeyAlgorithm::Aes128 => 0x08,
            ManagementKeyAlgorithm::Aes192 => 0x0A,
            ManagementKeyAlgorithm::Aes256 => 0x0C,
        }
    }

    pub fn from_id(id: u8) -> Option<ManagementKeyAlgorithm> {
        Some(match id {
            0x03 => ManagementKeyAlgorithm::TripleDes,
            0x08 => ManagementKeyAlgorithm::Aes128,
            0x0A => ManagementKeyAlgorithm::Aes192,
            0x0C => ManagementKeyAlgorithm::Aes256,
            _ => return None,
        })
    }

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
    type Err = Error;

    fn from_str(s: &str) -> Result<ManagementKeyAlgorithm, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "3des" | "tdes" => ManagementKeyAlgorithm::TripleDes,
            "aes128" => ManagementKeyAlgorithm::Aes128,
            "aes192" => ManagementKeyAlgorithm::Aes192,
            "aes256" => ManagementKeyAlgorithm::Aes256,
            _ => return Err(Error::InvalidManagementKeyAlgorithm(s.to_owned())),
        })
    }
}

fn printable(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| (0x21..=0x7E).contains(b))
}

/// Pads a PIN or PUK with FF to the 8 bytes of the wire format (SP 800-73-4 Part 2 §2.4.3).
fn padded(value: &[u8]) -> Zeroizing<[u8; 8]> {
    let mut out = Zeroizing::new([0xFF; 8]);
    out[..value.len()].copy_from_slice(value);
    out
}

/// The holder's PIN: 6 to 8 printable ASCII characters (digits or alphanumeric, as the guide
/// allows). Wiped when dropped; never shown by `Debug`.
#[derive(Clone)]
pub struct Pin(Zeroizing<Vec<u8>>);

impl Pin {
    pub fn new(value: impl AsRef<[u8]>) -> Result<Pin, Error> {
        let value = value.as_ref();
        if !(6..=8).contains(&value.len()) || !printable(value) {
            return Err(Error::InvalidPinFormat);
        }
        Ok(Pin(Zeroizing::new(value.to_vec())))
    }

    /// The PIV default PIN every tool knows, 123456, as on a new card.
    pub fn factory_default() -> Pin {
        Pin(Zeroizing::new(b"123456".to_vec()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_numeric(&self) -> bool {
        self.0.iter().all(u8::is_ascii_digit)
    }

    pub(crate) fn padded(&self) -> Zeroizing<[u8; 8]> {
        padded(&self.0)
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(***)")
    }
}

/// The unblock code (PIV PUK): exactly 8 printable ASCII characters. Wiped when dropped;
/// never shown by `Debug`.
#[derive(Clone)]
pub struct Puk(Zeroizing<Vec<u8>>);

impl Puk {
    pub fn new(value: impl AsRef<[u8]>) -> Result<Puk, Error> {
        let value = value.as_ref();
        if value.len() != 8 || !printable(value) {
            return Err(Error::InvalidPukFormat);
        }
        Ok(Puk(Zeroizing::new(value.to_vec())))
    }

    /// The PIV default PUK every tool knows, 12345678.
    pub fn factory_default() -> Puk {
        Puk(Zeroizing::new(b"12345678".to_vec()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn padded(&self) -> Zeroizing<[u8; 8]> {
        padded(&self.0)
    }
}

impl fmt::Debug for Puk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Puk(***)")
    }
}

/// The card administrator's management key (key reference 9B). Wiped when dropped; never
/// shown by `Debug`.
#[derive(Clone)]
pub struct ManagementKey {
    algorithm: ManagementKeyAlgorithm,
    key: Zeroizing<Vec<u8>>,
}

impl ManagementKey {
    pub fn new(algorithm: ManagementKeyAlgorithm, key: &[u8]) -> Result<ManagementKey, Error> {
        if key.len() != algorithm.key_len() {
            return Err(Error::InvalidManagementKey(match algorithm {
                ManagementKeyAlgorithm::TripleDes => "a 3DES key has 24 bytes (48 hex digits)",
                ManagementKeyAlgorithm::Aes128 => "an AES-128 key has 16 bytes (32 hex digits)",
                ManagementKeyAlgorithm::Aes192 => "an AES-192 key has 24 bytes (48 hex digits)",
                ManagementKeyAlgorithm::Aes256 => "an AES-256 key has 32 bytes (64 hex digits)",
            }));
        }
        Ok(ManagementKey {
            algorithm,
            key: Zeroizing::new(key.to_vec()),
        })
    }

    pub fn from_hex(algorithm: ManagementKeyAlgorithm, hex: &str) -> Result<ManagementKey, Error> {
        let hex: Zeroizing<Vec<u8>> = Zeroizing::new(
            hex.bytes()
                .filter(|b| !b.is_ascii_whitespace() && *b != b':')
                .collect(),
        );
        if !hex.len().is_multiple_of(2) {
            return Err(Error::InvalidManagementKey("odd number of hex digits"));
        }
        let mut key = Zeroizing::new(Vec::with_capacity(hex.len() / 2));
        for pair in hex.chunks(2) {
            let digit = |b: u8| (b as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(hi), Some(lo)) => key.push((hi * 16 + lo) as u8),
                _ => return Err(Error::InvalidManagementKey("not hexadecimal")),
            }
        }
        ManagementKey::new(algorithm, &key)
    }

    /// The PIV default 3DES key every tool knows, 0102030405060708 three times.
    pub fn factory_default() -> ManagementKey {
        ManagementKey {
            algorithm: ManagementKeyAlgorithm::TripleDes,
            key: Zeroizing::new([1, 2, 3, 4, 5, 6, 7, 8].repeat(3)),
        }
    }

    /// A fresh random key from OpenSSL's CSPRNG.
    pub fn generate(algorithm: ManagementKeyAlgorithm) -> Result<ManagementKey, Error> {
        let mut key = Zeroizing::new(vec![0; algorithm.key_len()]);
        openssl::rand::rand_bytes(&mut key)?;
        Ok(ManagementKey { algorithm, key })
    }

    pub fn algorithm(&self) -> ManagementKeyAlgorithm {
        self.algorithm
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.key
    }

    /// Lower-case hex, to print a generated key once.
    pub fn to_hex(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.key.len() * 2));
        for b in self.key.iter() {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

impl fmt::Debug for ManagementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ManagementKey({}, ***)", self.algorithm)
    }
}

/// A slot's public key, as GENERATE or GET METADATA return it.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa {
        algorithm: KeyAlgorithm,
        modulus: Vec<u8>,
        exponent: Vec<u8>,
    },
    Ec {
        algorithm: KeyAlgorithm,
        /// Uncompressed point 04‖X‖Y.
        point: Vec<u8>,
    },
}

impl PublicKey {
    /// Reads the TLVs inside a `7F49` template (SP 800-73-4 Part 2 §3.3.2, Table 11):
    /// `81` modulus and `82` exponent for RSA, `86` point for EC. Checks the key is usable.
    pub(crate) fn from_template(
        algorithm: KeyAlgorithm,
        template: &[u8],
    ) -> Result<PublicKey, Error> {
        let key = if algorithm.is_rsa() {
            let modulus =
                tlv::find(template, 0x81)?.ok_or(Error::MalformedResponse("no RSA modulus"))?;
            let exponent =
                tlv::find(template, 0x82)?.ok_or(Error::MalformedResponse("no RSA exponent"))?;
            PublicKey::Rsa {
                algorithm,
                modulus: modulus.to_vec(),
                exponent: exponent.to_vec(),
            }
        } else {
            let point =
                tlv::find(template, 0x86)?.ok_or(Error::MalformedResponse("no EC point"))?;
            PublicKey::Ec {
                algorithm,
                point: point.to_vec(),
            }
        };
        let pkey = key
            .to_pkey()
            .map_err(|_| Error::MalformedResponse("public key unusable"))?;
        if pkey.bits() != algorithm.bits() {
            return Err(Error::MalformedResponse("public key of the wrong size"));
        }
        Ok(key)
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            PublicKey::Rsa { algorithm, .. } | PublicKey::Ec { algorithm, .. } => *algorithm,
        }
    }

    /// The key as an OpenSSL public key, to verify signatures or encrypt to it.
    pub fn to_pkey(&self) -> Result<PKey<Public>, Error> {
        match self {
            PublicKey::Rsa {
                modulus, exponent, ..
            } => {
                let rsa = Rsa::from_public_components(
                    BigNum::from_slice(modulus)?,
                    BigNum::from_slice(exponent)?,
                )?;
                Ok(PKey::from_rsa(rsa)?)
            }
            PublicKey::Ec { algorithm, point } => {
                let nid = algorithm.curve().ok_or(Error::UnsupportedForAlgorithm(
                    "an EC key with an RSA algorithm",
                ))?;
                let group = EcGroup::from_curve_name(nid)?;
                let mut ctx = openssl::bn::BigNumContext::new()?;
                let point = EcPoint::from_bytes(&group, point, &mut ctx)?;
                let key = EcKey::from_public_key(&group, &point)?;
                key.check_key()?;
                Ok(PKey::from_ec_key(key)?)
            }
        }
    }

    /// DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.to_pkey()?.public_key_to_der()?)
    }

    /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn to_pem(&self) -> Result<String, Error> {
        let pem = self.to_pkey()?.public_key_to_pem()?;
        String::from_utf8(pem).map_err(|_| Error::MalformedResponse("PEM not UTF-8"))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.algorithm())
    }
}

/// A data object tag of the PIV application (SP 800-73-4 Part 1 Table 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId(pub u32);

impl ObjectId {
    pub const DISCOVERY: ObjectId = ObjectId(0x7E);
    pub const BIOMETRIC_GROUP_TEMPLATE: ObjectId = ObjectId(0x7F61);
    pub const CARD_CAPABILITY_CONTAINER: ObjectId = ObjectId(0x5FC107);
    pub const CHUID: ObjectId = ObjectId(0x5FC102);
    pub const SECURITY_OBJECT: ObjectId = ObjectId(0x5FC106);
    pub const PRINTED_INFORMATION: ObjectId = ObjectId(0x5FC109);
    pub const KEY_HISTORY: ObjectId = ObjectId(0x5FC10C);

    /// The tag bytes as they go inside `5C` (1, 2 or 3 bytes).
    pub(crate) fn tag_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3);
        tlv::encode_tag(self.0, &mut out);
        out
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}", self.0)
    }
}

/// A key reference that GET METADATA can describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyReference {
    /// 80, the holder's PIN.
    Pin,
    /// 81, the unblock code.
    Puk,
    /// 9B, the management key.
    ManagementKey,
    Slot(Slot),
}

impl KeyReference {
    pub fn id(self) -> u8 {
        match self {
            KeyReference::Pin => 0x80,
            KeyReference::Puk => 0x81,
            KeyReference::ManagementKey => 0x9B,
            KeyReference::Slot(slot) => slot.id(),
        }
    }
}

impl From<Slot> for KeyReference {
    fn from(slot: Slot) -> Self {
        KeyReference::Slot(slot)
    }
}

/// When a key needs the PIN (Yubico PIV extension, GET METADATA tag 02 byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinPolicy {
    Never,
    Once,
    Always,
    Other(u8),
}

impl PinPolicy {
    fn from_byte(b: u8) -> PinPolicy {
        match b {
            0x01 => PinPolicy::Never,
            0x02 => PinPolicy::Once,
            0x03 => PinPolicy::Always,
            other => PinPolicy::Other(other),
        }
    }
}

/// Where a key came from (GET METADATA tag 03).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    Generated,
    Imported,
    Other(u8),
}

/// The algorithm a key reference holds (GET METADATA tag 01).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataAlgorithm {
    Key(KeyAlgorithm),
    ManagementKey(ManagementKeyAlgorithm),
    /// FF: a PIN or PUK.
    Pin,
    Other(u8),
}

/// A retry counter: tries left out of the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryCounter {
    pub remaining: u8,
    pub max: u8,
}

impl RetryCounter {
    pub fn is_blocked(self) -> bool {
        self.remaining == 0
    }
}

/// What GET METADATA (Yubico PIV extension, INS F7) says about one key reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub algorithm: Option<MetadataAlgorithm>,
    pub pin_policy: Option<PinPolicy>,
    /// Touch policy byte as the card sends it (01 never on this card).
    pub touch_policy: Option<u8>,
    pub origin: Option<KeyOrigin>,
    pub public_key: Option<PublicKey>,
    /// Tag 05: the value is known to someone else, so tools warn: the factory default (PIN,
    /// PUK, management key) or, on a Jeton card's PIN, the temporary PIN sent by SMS.
    pub is_default: Option<bool>,
    /// Tag 06, on the PIN and the PUK.
    pub retries: Option<RetryCounter>,
    /// Tag 88, Jeton's, on the PIN: the temporary PIN has not been changed yet.
    pub temporary: Option<bool>,
    /// Tag 89, Jeton's, on the PIN: the card refuses weak new PINs (the provider's policy).
    pub refuses_weak_pins: Option<bool>,
    /// Tag 8A, Jeton's, on the PIN: changes whenever the PIN does (changed or unblocked),
    /// so a host that remembers the PIN knows it is stale without spending a try.
    pub wrap_tag: Option<[u8; 8]>,
}

impl Metadata {
    pub(crate) fn parse(bytes: &[u8]) -> Result<Metadata, Error> {
        let mut metadata = Metadata {
            algorithm: None,
            pin_policy: None,
            touch_policy: None,
            origin: None,
            public_key: None,
            is_default: None,
            retries: None,
            temporary: None,
            refuses_weak_pins: None,
            wrap_tag: None,
        };
        let tlvs = tlv::parse_all(bytes)?;
        for t in &tlvs {
            match (t.tag, t.value) {
                (0x01, [id]) => {
                    metadata.algorithm = Some(match *id {
                        0xFF => MetadataAlgorithm::Pin,
                        id => KeyAlgorithm::from_id(id)
                            .map(MetadataAlgorithm::Key)
                            .or_else(|| {
                                ManagementKeyAlgorithm::from_id(id)
                                    .map(MetadataAlgorithm::ManagementKey)
                            })
                            .unwrap_or(MetadataAlgorithm::Other(id)),
                    })
                }
                (0x02, [pin, touch, ..]) => {
                    metadata.pin_policy = Some(PinPolicy::from_byte(*pin));
                    metadata.touch_policy = Some(*touch);
                }
                (0x02, [pin]) => metadata.pin_policy = Some(PinPolicy::from_byte(*pin)),
                (0x03, [origin]) => {
                    metadata.origin = Some(match origin {
                        0x01 => KeyOrigin::Generated,
                        0x02 => KeyOrigin::Imported,
                        other => KeyOrigin::Other(*other),
                    })
                }
                (0x05, [flag]) => metadata.is_default = Some(*flag != 0),
                (0x88, [flag]) => metadata.temporary = Some(*flag != 0),
                (0x89, [flag]) => metadata.refuses_weak_pins = Some(*flag != 0),
                (0x8A, value) if value.len() == 8 => {
                    metadata.wrap_tag = value.try_into().ok();
                }
                (0x06, [max, remaining]) => {
                    metadata.retries = Some(RetryCounter {
                        remaining: *remaining,
                        max: *max,
                    })
                }
                (0x01 | 0x02 | 0x03 | 0x05 | 0x06 | 0x88 | 0x89 | 0x8A, _) => {
                    return Err(Error::MalformedResponse("metadata field of the wrong size"))
                }
                _ => {}
            }
        }
        if let Some(value) = tlvs.iter().find(|t| t.tag == 0x04).map(|t| t.value) {
            if let Some(MetadataAlgorithm::Key(algorithm)) = metadata.algorithm {
                metadata.public_key = Some(PublicKey::from_template(algorithm, value)?);
            }
        }
        Ok(metadata)
    }
}

/// Firmware version (Yubico PIV extension, INS FD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub patch: u8,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The holder's view of the card: who it is, and how many tries are left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardStatus {
    pub serial: u32,
    pub pin: RetryCounter,
    pub puk: RetryCounter,
    /// The PIN received by SMS has not been changed yet: private-key operations are refused.
    pub temporary_pin: bool,
}

impl CardStatus {
    pub fn pin_blocked(&self) -> bool {
        self.pin.is_blocked()
    }

    /// The PIN can no longer be unblocked (it may still work).
    pub fn puk_blocked(&self) -> bool {
        self.puk.is_blocked()
    }

    /// PIN and PUK both blocked: no private-key operation will work again; a new certificate
    /// must be ordered.
    pub fn dead(&self) -> bool {
        self.pin_blocked() && self.puk_blocked()
    }
}

/// What VERIFY without data says about the PIN (SP 800-73-4 Part 2 §3.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinVerification {
    Verified,
    NotVerified { tries_left: u8 },
    Blocked,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_of_six_to_eight_printable_characters_are_accepted() {
        for ok in ["123456", "abc123", "Zz!~0aB9", "12345678"] {
            assert!(Pin::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "12345",
            "123456789",
            "12 456",
            "1234\u{e9}6",
            "",
            "123456\n",
        ] {
            assert!(
                matches!(Pin::new(bad), Err(Error::InvalidPinFormat)),
                "{bad:?}"
            );
        }
        assert!(Pin::new([0x31, 0x32, 0x33, 0x34, 0x35, 0xFF]).is_err());
    }

    #[test]
    fn puks_have_exactly_eight_printable_characters() {
        assert!(Puk::new("12345678").is_ok());
        assert!(Puk::new("abcDEF#!").is_ok());
        for bad in ["1234567", "123456789", "1234 678"] {
            assert!(
                matches!(Puk::new(bad), Err(Error::InvalidPukFormat)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn pins_are_padded_with_ff_and_never_shown() {
        let pin = Pin::new("123456").unwrap();
        assert_eq!(
            *pin.padded(),
            [0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF]
        );
        assert_eq!(format!("{pin:?}"), "Pin(***)");
        assert!(pin.is_numeric());
        assert!(!Pin::new("abc123").unwrap().is_numeric());
        let puk = Puk::factory_default();
        assert_eq!(*puk.padded(), *b"12345678");
        assert_eq!(format!("{puk:?}"), "Puk(***)");
        let key = ManagementKey::factory_default();
        assert!(!format!("{key:?}").contains("01"));
    }

    #[test]
    fn management_keys_parse_from_hex_with_their_length_checked() {
        let key = ManagementKey::from_hex(
            ManagementKeyAlgorithm::TripleDes,
            "010203040506070801020304050607080102030405060708",
        )
        .unwrap();
        assert_eq!(key.as_bytes(), ManagementKey::factory_default().as_bytes());
        assert_eq!(
            &*key.to_hex(),
            "010203040506070801020304050607080102030405060708"
        );
        assert!(ManagementKey::from_hex(ManagementKeyAlgorithm::Aes128, "0102").is_err());
        assert!(
            ManagementKey::from_hex(ManagementKeyAlgorithm::Aes128, "zz".repeat(16).as_str())
                .is_err()
        );
        assert!(ManagementKey::from_hex(ManagementKeyAlgorithm::Aes256, &"ab".repeat(32)).is_ok());
        let random = ManagementKey::generate(ManagementKeyAlgorithm::Aes192).unwrap();
        assert_eq!(random.as_bytes().len(), 24);
    }

    #[test]
    fn slots_parse_and_print_as_hex() {
        assert_eq!("9a".parse::<Slot>().unwrap(), Slot::AUTHENTICATION);
        assert_eq!("9C".parse::<Slot>().unwrap(), Slot::SIGNATURE);
        assert_eq!("82".parse::<Slot>().unwrap(), Slot::retired(1).unwrap());
        assert_eq!("95".parse::<Slot>().unwrap(), Slot::retired(20).unwrap());
        for bad in ["9b", "80", "96", "81", "9", "9a0", "zz", ""] {
            assert!(bad.parse::<Slot>().is_err(), "{bad}");
        }
        assert_eq!(Slot::SIGNATURE.to_string(), "9c");
        assert_eq!(Slot::all().count(), 24);
    }

    #[test]
    fn certificate_objects_follow_sp_800_73_4_table_3() {
        assert_eq!(
            Slot::AUTHENTICATION.certificate_object(),
            ObjectId(0x5FC105)
        );
        assert_eq!(Slot::SIGNATURE.certificate_object(), ObjectId(0x5FC10A));
        assert_eq!(
            Slot::KEY_MANAGEMENT.certificate_object(),
            ObjectId(0x5FC10B)
        );
        assert_eq!(
            Slot::CARD_AUTHENTICATION.certificate_object(),
            ObjectId(0x5FC101)
        );
        assert_eq!(
            Slot::retired(1).unwrap().certificate_object(),
            ObjectId(0x5FC10D)
        );
        assert_eq!(
            Slot::retired(20).unwrap().certificate_object(),
            ObjectId(0x5FC120)
        );
    }

    #[test]
    fn key_algorithms_parse_by_name_and_id() {
        for (name, alg, id) in [
            ("rsa2048", KeyAlgorithm::Rsa2048, 0x07),
            ("rsa3072", KeyAlgorithm::Rsa3072, 0x05),
            ("rsa4096", KeyAlgorithm::Rsa4096, 0x16),
            ("p256", KeyAlgorithm::EccP256, 0x11),
            ("p384", KeyAlgorithm::EccP384, 0x14),
        ] {
            assert_eq!(name.parse::<KeyAlgorithm>().unwrap(), alg);
            assert_eq!(alg.to_string(), name);
            assert_eq!(KeyAlgorithm::from_id(id), Some(alg));
            assert_eq!(alg.id(), id);
        }
        assert!("rsa1024".parse::<KeyAlgorithm>().is_err());
    }

    #[test]
    fn pin_metadata_carries_the_temporary_flag_and_the_counter() {
        let metadata =
            Metadata::parse(&[0x01, 0x01, 0xFF, 0x05, 0x01, 0x01, 0x06, 0x02, 0x03, 0x02]).unwrap();
        assert_eq!(metadata.algorithm, Some(MetadataAlgorithm::Pin));
        assert_eq!(metadata.is_default, Some(true));
        assert_eq!(
            metadata.retries,
            Some(RetryCounter {
                remaining: 2,
                max: 3
            })
        );
        assert!(Metadata::parse(&[0x06, 0x01, 0x03]).is_err());
    }
}
