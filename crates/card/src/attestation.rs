//! Key attestation, as a YubiKey does it (INS F9): the card's own attestation key (slot F9,
//! P-256, made with the card and sealed with the device key like 9E) signs an X.509
//! certificate for a slot's public key, which proves the key was generated on this card.
//! The attestation key's self-signed certificate is the data object 5FFF01, readable by
//! anyone; a provider may replace it with one its own CA issued (PUT DATA).
//!
//! The attestation certificate carries Yubico's extensions so that existing tools read it:
//! firmware version (1.3.6.1.4.1.41482.3.3), serial (…3.7), PIN and touch policies (…3.8).

use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::{BigNum, BigNumContext, MsbOption};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Builder, X509Extension, X509Name, X509};
use zeroize::Zeroizing;

use crate::crypto::{self, CryptoError};
use crate::vault::DeviceKey;
use jeton_wire::tlv;
use jeton_wire::{KeyAlgorithm, KeySlot};

/// The data object holding the attestation key's certificate (YubiKey's tag).
pub const CERTIFICATE_OBJECT: u32 = 0x5FFF01;

const YUBICO_FIRMWARE: &str = "1.3.6.1.4.1.41482.3.3";
const YUBICO_SERIAL: &str = "1.3.6.1.4.1.41482.3.7";
const YUBICO_POLICY: &str = "1.3.6.1.4.1.41482.3.8";
/// YubiKey touch policy byte: "never" (this card has no button).
const TOUCH_NEVER: u8 = 0x01;

pub(crate) fn aad(serial: u32) -> Vec<u8> {
    [b"jeton attestation key ".as_slice(), &serial.to_be_bytes()].concat()
}

fn name(common_name: &str) -> Result<X509Name, CryptoError> {
    let mut name = X509Name::builder()?;
    name.append_entry_by_text("CN", common_name)?;
    Ok(name.build())
}

fn random_serial() -> Result<Asn1Integer, CryptoError> {
    let mut serial = BigNum::new()?;
    // 127 random bits with the top one set: positive, 16 bytes, as RFC 5280 §4.1.2.2 allows.
    serial.rand(127, MsbOption::ONE, false)?;
    Ok(serial.to_asn1_integer()?)
}

/// A new attestation key: its PKCS#8 sealed with the device key, and its self-signed
/// certificate (DER).
pub(crate) fn generate(serial: u32, device: &DeviceKey) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let group = EcGroup::from_curve_name(crypto::nid_p256())?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let serial_number = random_serial()?;
    builder.set_serial_number(&serial_number)?;
    let subject = name(&format!("Jeton PIV Attestation {serial}"))?;
    builder.set_subject_name(&subject)?;
    builder.set_issuer_name(&subject)?;
    builder.set_pubkey(&key)?;
    builder.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    builder.set_not_after(&*Asn1Time::from_str("20991231235959Z")?)?;
    builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    builder.append_extension(KeyUsage::new().critical().key_cert_sign().build()?)?;
    builder.sign(&key, MessageDigest::sha256())?;
    let certificate = builder.build().to_der()?;
    let pkcs8 = Zeroizing::new(key.private_key_to_pkcs8()?);
    Ok((device.seal(&aad(serial), &pkcs8)?, certificate))
}

/// A certificate as PIV containers hold it (SP 800-73-4 Part 1 Appendix A): `70 cert,
/// 71 CertInfo (uncompressed), FE` (the value inside `53`).
pub fn container(certificate_der: &[u8]) -> Vec<u8> {
    let mut out = tlv::encode(0x70, certificate_der);
    tlv::write(&mut out, 0x71, &[0x00]);
    tlv::write(&mut out, 0xFE, &[]);
    out
}

/// The certificate inside a container, if there is one.
pub(crate) fn certificate_of(container: &[u8]) -> Option<&[u8]> {
    let items = tlv::parse_all(container).ok()?;
    tlv::find(&items, 0x70)
}

/// The public key inside a `7F49` template body: RSA `81 n 82 e`, EC `86 point`.
fn public_key(algorithm: KeyAlgorithm, template: &[u8]) -> Result<PKey<Public>, CryptoError> {
    let items = tlv::parse_all(template).map_err(|_| CryptoError)?;
    match crypto::curve(algorithm) {
        Some(nid) => {
            let group = EcGroup::from_curve_name(nid)?;
            let point = tlv::find(&items, 0x86).ok_or(CryptoError)?;
            let mut context = BigNumContext::new()?;
            let point = EcPoint::from_bytes(&group, point, &mut context)?;
            Ok(PKey::from_ec_key(EcKey::from_public_key(&group, &point)?)?)
        }
        None => {
            let n = tlv::find(&items, 0x81).ok_or(CryptoError)?;
            let e = tlv::find(&items, 0x82).ok_or(CryptoError)?;
            let rsa = Rsa::from_public_components(BigNum::from_slice(n)?, BigNum::from_slice(e)?)?;
            Ok(PKey::from_rsa(rsa)?)
        }
    }
}

fn extension(oid: &str, value: &[u8]) -> Result<X509Extension, CryptoError> {
    let oid = Asn1Object::from_str(oid)?;
    let value = Asn1OctetString::new_from_bytes(value)?;
    Ok(X509Extension::new_from_der(&oid, false, &value)?)
}

/// What is attested about one slot's key.
pub(crate) struct Subject<'a> {
    pub serial: u32,
    pub version: [u8; 3],
    pub slot: KeySlot,
    pub algorithm: KeyAlgorithm,
    pub public_template: &'a [u8],
}

/// The attestation certificate for `subject`'s key, signed by the attestation key whose
/// certificate is `issuer_der`.
pub(crate) fn attest(
    subject: &Subject<'_>,
    sealed_key: &[u8],
    issuer_der: &[u8],
    device: &DeviceKey,
) -> Result<Vec<u8>, CryptoError> {
    let pkcs8 = device.open(&aad(subject.serial), sealed_key)?;
    let signer: PKey<Private> = PKey::private_key_from_pkcs8(&pkcs8)?;
    let issuer = X509::from_der(issuer_der)?;
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let serial_number = random_serial()?;
    builder.set_serial_number(&serial_number)?;
    builder.set_issuer_name(issuer.subject_name())?;
    let slot = subject.slot.id();
    let subject_name = name(&format!("Jeton PIV Attestation {slot:02x}"))?;
    builder.set_subject_name(&subject_name)?;
    let attested_key = public_key(subject.algorithm, subject.public_template)?;
    builder.set_pubkey(&attested_key)?;
    builder.set_not_before(&*Asn1Time::days_from_now(0)?)?;
    builder.set_not_after(issuer.not_after())?;
    builder.append_extension(extension(YUBICO_FIRMWARE, &subject.version)?)?;
    // The serial as a DER INTEGER, as the YubiKey writes it: big-endian, minimal, positive.
    let mut serial = subject.serial.to_be_bytes().to_vec();
    while serial.len() > 1 && serial[0] == 0 && serial[1] & 0x80 == 0 {
        serial.remove(0);
    }
    if serial[0] & 0x80 != 0 {
        serial.insert(0, 0);
    }
    let serial_der = tlv::encode(0x02, &serial);
    builder.append_extension(extension(YUBICO_SERIAL, &serial_der)?)?;
    let pin_policy = subject.slot.pin_policy().metadata_byte();
    builder.append_extension(extension(YUBICO_POLICY, &[pin_policy, TOUCH_NEVER])?)?;
    builder.sign(&signer, MessageDigest::sha256())?;
    Ok(builder.build().to_der()?)
}
