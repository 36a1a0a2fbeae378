//! The values PIV commands take and return, parsed and checked once at the edge.

use std::fmt;

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Rsa;
use zeroize::Zeroizing;

use jeton_wire::object::{metadata, tag};
pub use jeton_wire::reference::RetryCounter;
use jeton_wire::{key, reference, tlv};
pub use jeton_wire::{KeyAlgorithm, KeySlot, ManagementKeyAlgorithm, ObjectId};

use crate::error::Error;

/// A name on a command line that is no slot or algorithm: the error the holder sees.
impl From<jeton_wire::UnknownName> for Error {
    fn from(e: jeton_wire::UnknownName) -> Self {
        match e {
            jeton_wire::UnknownName::KeySlot(s) => Error::InvalidSlot(s),
            jeton_wire::UnknownName::KeyAlgorithm(s) => Error::InvalidAlgorithm(s),
            jeton_wire::UnknownName::ManagementKeyAlgorithm(s) => {
                Error::InvalidManagementKeyAlgorithm(s)
            }
        }
    }
}

/// The curve of an EC algorithm; `None` for RSA.
pub(crate) fn curve(algorithm: KeyAlgorithm) -> Option<Nid> {
    match algorithm {
        KeyAlgorithm::EccP256 => Some(Nid::X9_62_PRIME256V1),
        KeyAlgorithm::EccP384 => Some(Nid::SECP384R1),
        _ => None,
    }
}

/// Pads a PIN or PUK with FF to the 8 bytes of the wire format (SP 800-73-4 Part 2 §2.4.3).
/// Only called on values whose length the constructors checked.
fn padded(value: &[u8]) -> Zeroizing<[u8; 8]> {
    reference::pad(value).unwrap_or_else(|| Zeroizing::new([reference::PADDING; 8]))
}

/// The holder's PIN: 6 to 8 printable ASCII characters (digits or alphanumeric, as the guide
/// allows). Wiped when dropped; never shown by `Debug`.
#[derive(Clone)]
pub struct Pin(Zeroizing<Vec<u8>>);

impl Pin {
    pub fn new(value: impl AsRef<[u8]>) -> Result<Pin, Error> {
        let value = value.as_ref();
        if !reference::is_valid_pin(value) {
            return Err(Error::InvalidPinFormat);
        }
        Ok(Pin(Zeroizing::new(value.to_vec())))
    }

    /// The PIV default PIN every tool knows, 123456, as on a new card.
    pub fn factory_default() -> Pin {
        Pin(Zeroizing::new(reference::FACTORY_PIN.to_vec()))
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
        if !reference::is_valid_puk(value) {
            return Err(Error::InvalidPukFormat);
        }
        Ok(Puk(Zeroizing::new(value.to_vec())))
    }

    /// The PIV default PUK every tool knows, 12345678.
    pub fn factory_default() -> Puk {
        Puk(Zeroizing::new(reference::FACTORY_PUK.to_vec()))
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
            let modulus = tlv::find_in(template, tag::RSA_MODULUS)?
                .ok_or(Error::MalformedResponse("no RSA modulus"))?;
            let exponent = tlv::find_in(template, tag::RSA_EXPONENT)?
                .ok_or(Error::MalformedResponse("no RSA exponent"))?;
            PublicKey::Rsa {
                algorithm,
                modulus: modulus.to_vec(),
                exponent: exponent.to_vec(),
            }
        } else {
            let point = tlv::find_in(template, tag::EC_POINT)?
                .ok_or(Error::MalformedResponse("no EC point"))?;
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
                let nid = curve(*algorithm).ok_or(Error::UnsupportedForAlgorithm(
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

/// A key reference that GET METADATA can describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyReference {
    /// 80, the holder's PIN.
    Pin,
    /// 81, the unblock code.
    Puk,
    /// 9B, the management key.
    ManagementKey,
    KeySlot(KeySlot),
}

impl KeyReference {
    pub fn id(self) -> u8 {
        match self {
            KeyReference::Pin => key::PIN_REFERENCE,
            KeyReference::Puk => key::PUK_REFERENCE,
            KeyReference::ManagementKey => key::MANAGEMENT_KEY_REFERENCE,
            KeyReference::KeySlot(slot) => slot.id(),
        }
    }
}

impl From<KeySlot> for KeyReference {
    fn from(slot: KeySlot) -> Self {
        KeyReference::KeySlot(slot)
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
                (metadata::ALGORITHM, [id]) => {
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
                (metadata::POLICY, [pin, touch, ..]) => {
                    metadata.pin_policy = Some(PinPolicy::from_byte(*pin));
                    metadata.touch_policy = Some(*touch);
                }
                (metadata::POLICY, [pin]) => metadata.pin_policy = Some(PinPolicy::from_byte(*pin)),
                (metadata::ORIGIN, [origin]) => {
                    metadata.origin = Some(match origin {
                        0x01 => KeyOrigin::Generated,
                        0x02 => KeyOrigin::Imported,
                        other => KeyOrigin::Other(*other),
                    })
                }
                (metadata::IS_DEFAULT, [flag]) => metadata.is_default = Some(*flag != 0),
                (metadata::TEMPORARY_PIN, [flag]) => metadata.temporary = Some(*flag != 0),
                (metadata::REFUSES_WEAK_PINS, [flag]) => {
                    metadata.refuses_weak_pins = Some(*flag != 0)
                }
                (metadata::PIN_WRAP, value) if value.len() == 8 => {
                    metadata.wrap_tag = value.try_into().ok();
                }
                (metadata::RETRIES, [max, remaining]) => {
                    metadata.retries = Some(RetryCounter {
                        remaining: *remaining,
                        max: *max,
                    })
                }
                (
                    metadata::ALGORITHM
                    | metadata::POLICY
                    | metadata::ORIGIN
                    | metadata::IS_DEFAULT
                    | metadata::RETRIES
                    | metadata::TEMPORARY_PIN
                    | metadata::REFUSES_WEAK_PINS
                    | metadata::PIN_WRAP,
                    _,
                ) => return Err(Error::MalformedResponse("metadata field of the wrong size")),
                _ => {}
            }
        }
        if let Some(value) = tlvs
            .iter()
            .find(|t| t.tag == metadata::PUBLIC_KEY)
            .map(|t| t.value)
        {
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
