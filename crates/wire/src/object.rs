//! The PIV application's identifier and data object tags (SP 800-73-4 Part 1 §2.2 and
//! Table 3), and the tags inside the templates that both sides read and write.

use std::fmt;

/// The PIV application identifier with its version (SP 800-73-4 Part 1 §2.2).
pub const PIV_AID: [u8; 11] = [
    0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
];

/// A data object tag of the PIV application (SP 800-73-4 Part 1 Table 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId(pub u32);

impl ObjectId {
    /// `7E`, Discovery Object.
    pub const DISCOVERY: ObjectId = ObjectId(0x7E);
    /// `7F61`, Biometric Information Templates Group Template.
    pub const BIOMETRIC_GROUP_TEMPLATE: ObjectId = ObjectId(0x7F61);
    /// `5FC101`, X.509 Certificate for Card Authentication (9E).
    pub const CARD_AUTHENTICATION_CERTIFICATE: ObjectId = ObjectId(0x5FC101);
    /// `5FC102`, Card Holder Unique Identifier.
    pub const CHUID: ObjectId = ObjectId(0x5FC102);
    /// `5FC105`, X.509 Certificate for PIV Authentication (9A).
    pub const AUTHENTICATION_CERTIFICATE: ObjectId = ObjectId(0x5FC105);
    /// `5FC106`, Security Object.
    pub const SECURITY_OBJECT: ObjectId = ObjectId(0x5FC106);
    /// `5FC107`, Card Capability Container.
    pub const CARD_CAPABILITY_CONTAINER: ObjectId = ObjectId(0x5FC107);
    /// `5FC109`, Printed Information.
    pub const PRINTED_INFORMATION: ObjectId = ObjectId(0x5FC109);
    /// `5FC10A`, X.509 Certificate for Digital Signature (9C).
    pub const SIGNATURE_CERTIFICATE: ObjectId = ObjectId(0x5FC10A);
    /// `5FC10B`, X.509 Certificate for Key Management (9D).
    pub const KEY_MANAGEMENT_CERTIFICATE: ObjectId = ObjectId(0x5FC10B);
    /// `5FC10C`, Key History Object.
    pub const KEY_HISTORY: ObjectId = ObjectId(0x5FC10C);
    /// `5FC10D`, the first Retired X.509 Certificate for Key Management (82); 95's is
    /// `5FC120`.
    pub const FIRST_RETIRED_CERTIFICATE: ObjectId = ObjectId(0x5FC10D);
    /// `5FC123`, Pairing Code Reference Data Container.
    pub const PAIRING_CODE: ObjectId = ObjectId(0x5FC123);
    /// `5FFF00`, Yubico's admin data (PIN-protected management key flag and salt).
    pub const YUBICO_ADMIN_DATA: ObjectId = ObjectId(0x5FFF00);

    /// The tag bytes as they go inside `5C` (1, 2 or 3 bytes).
    pub fn tag_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3);
        crate::tlv::write_tag(&mut out, self.0);
        out
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}", self.0)
    }
}

/// Tags of the templates exchanged by GET DATA, PUT DATA, GENERATE and GENERAL AUTHENTICATE
/// (SP 800-73-4 Part 2 §3 and Tables 7, 10, 11).
pub mod tag {
    /// `5C`: the tag list naming the object of GET DATA and PUT DATA.
    pub const TAG_LIST: u32 = 0x5C;
    /// `53`: the data of an object.
    pub const DATA: u32 = 0x53;
    /// `70`: a certificate in its container.
    pub const CERTIFICATE: u32 = 0x70;
    /// `71`: CertInfo (00: not compressed).
    pub const CERT_INFO: u32 = 0x71;
    /// `FE`: error detection code, empty.
    pub const ERROR_DETECTION_CODE: u32 = 0xFE;
    /// `7C`: Dynamic Authentication Template of GENERAL AUTHENTICATE.
    pub const DYNAMIC_AUTHENTICATION: u32 = 0x7C;
    /// `80` in `7C`: witness.
    pub const WITNESS: u32 = 0x80;
    /// `81` in `7C`: challenge (the block to sign or decrypt).
    pub const CHALLENGE: u32 = 0x81;
    /// `82` in `7C`: response.
    pub const RESPONSE: u32 = 0x82;
    /// `85` in `7C`: exponentiation (the peer's point of an ECDH).
    pub const EXPONENTIATION: u32 = 0x85;
    /// `AC`: control reference template of GENERATE.
    pub const CONTROL_REFERENCE: u32 = 0xAC;
    /// `80` in `AC`: the algorithm to generate.
    pub const ALGORITHM: u32 = 0x80;
    /// `7F49`: public key template (Table 11).
    pub const PUBLIC_KEY: u32 = 0x7F49;
    /// `81` in `7F49`: RSA modulus.
    pub const RSA_MODULUS: u32 = 0x81;
    /// `82` in `7F49`: RSA public exponent.
    pub const RSA_EXPONENT: u32 = 0x82;
    /// `86` in `7F49`: EC point, uncompressed.
    pub const EC_POINT: u32 = 0x86;
}

/// Tags of the GET METADATA answer: Yubico's 01–06, and Jeton's 88–8A on the PIN (a
/// YubiKey never sends these).
pub mod metadata {
    /// `01`: algorithm (FF for a PIN or PUK).
    pub const ALGORITHM: u32 = 0x01;
    /// `02`: PIN policy and touch policy.
    pub const POLICY: u32 = 0x02;
    /// `03`: origin (01 generated, 02 imported).
    pub const ORIGIN: u32 = 0x03;
    /// `04`: public key, as in `7F49`.
    pub const PUBLIC_KEY: u32 = 0x04;
    /// `05`: the value is the default one.
    pub const IS_DEFAULT: u32 = 0x05;
    /// `06`: retries, maximum then remaining.
    pub const RETRIES: u32 = 0x06;
    /// `88`, Jeton's: the temporary PIN has not been changed yet.
    pub const TEMPORARY_PIN: u32 = 0x88;
    /// `89`, Jeton's: the card refuses weak new PINs.
    pub const REFUSES_WEAK_PINS: u32 = 0x89;
    /// `8A`, Jeton's: a tag of the PIN's current wrap (8 bytes of a hash over it), new at
    /// each change or unblock, so that a host which remembers a PIN can tell it is stale
    /// without spending a try. The wrap is salted: this says nothing about the PIN.
    pub const PIN_WRAP: u32 = 0x8A;
}
