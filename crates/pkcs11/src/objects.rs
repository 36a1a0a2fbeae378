//! The objects a token shows, built from what its PIV slots hold: for each populated slot a
//! certificate, a public key and a private key that share one `CKA_ID` (the numbering OpenSC
//! uses: 9A → 01, 9C → 02, 9D → 03, 9E → 04, retired 82..95 → 05..18).

use cryptoki_sys::*;
use jeton_piv::{KeyAlgorithm, KeyOrigin, KeySlot};
use openssl::bn::BigNumContext;
use openssl::ec::PointConversionForm;
use openssl::nid::Nid;
use openssl::x509::X509;

use crate::error::{Error, Result};

/// What kind of object, from the PIV slot it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Certificate,
    PublicKey,
    PrivateKey,
}

impl ObjectKind {
    fn code(self) -> CK_OBJECT_HANDLE {
        match self {
            ObjectKind::Certificate => 1,
            ObjectKind::PublicKey => 2,
            ObjectKind::PrivateKey => 3,
        }
    }

    fn from_code(code: CK_OBJECT_HANDLE) -> Option<Self> {
        match code {
            1 => Some(ObjectKind::Certificate),
            2 => Some(ObjectKind::PublicKey),
            3 => Some(ObjectKind::PrivateKey),
            _ => None,
        }
    }
}

/// A token object's handle says which token, slot and kind it is, so handles stay the same
/// while the module is loaded: `token << 16 | PIV slot << 4 | kind`.
pub fn handle_of(token: CK_SLOT_ID, slot: KeySlot, kind: ObjectKind) -> CK_OBJECT_HANDLE {
    ((token & 0xFFFF) << 16) | (CK_OBJECT_HANDLE::from(slot.id()) << 4) | kind.code()
}

pub fn parse_handle(handle: CK_OBJECT_HANDLE) -> Option<(CK_SLOT_ID, KeySlot, ObjectKind)> {
    if handle >> 32 != 0 {
        return None;
    }
    let kind = ObjectKind::from_code(handle & 0xF)?;
    let slot = KeySlot::from_id(((handle >> 4) & 0xFF) as u8)?;
    Some((handle >> 16, slot, kind))
}

/// The `CKA_ID` of a PIV slot, as OpenSC numbers them.
pub fn id_of(slot: KeySlot) -> u8 {
    match slot.id() {
        0x9A => 1,
        0x9C => 2,
        0x9D => 3,
        0x9E => 4,
        retired => retired - 0x82 + 5,
    }
}

pub fn slot_of_id(id: &[u8]) -> Option<KeySlot> {
    match id {
        [1] => Some(KeySlot::AUTHENTICATION),
        [2] => Some(KeySlot::SIGNATURE),
        [3] => Some(KeySlot::KEY_MANAGEMENT),
        [4] => Some(KeySlot::CARD_AUTHENTICATION),
        [n @ 5..=24] => KeySlot::from_id(n - 5 + 0x82),
        _ => None,
    }
}

fn slot_purpose(slot: KeySlot) -> String {
    match slot.id() {
        0x9A => "PIV Authentication".into(),
        0x9C => "Digital Signature".into(),
        0x9D => "Key Management".into(),
        0x9E => "Card Authentication".into(),
        retired => format!("Retired Key Management {}", retired - 0x81),
    }
}

/// A public key in the two forms PKCS#11 shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicParts {
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    Ec { curve: Curve, point: Vec<u8> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl Curve {
    /// DER of the curve's OID, as `CKA_EC_PARAMS` holds it.
    pub fn params(self) -> &'static [u8] {
        match self {
            Curve::P256 => &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
            Curve::P384 => &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22],
        }
    }

    pub fn from_params(params: &[u8]) -> Option<Curve> {
        [Curve::P256, Curve::P384]
            .into_iter()
            .find(|c| c.params() == params)
    }

    pub fn field_bytes(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
        }
    }

    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            Curve::P256 => KeyAlgorithm::EccP256,
            Curve::P384 => KeyAlgorithm::EccP384,
        }
    }
}

impl PublicParts {
    pub fn from_piv(key: &jeton_piv::PublicKey) -> PublicParts {
        match key {
            jeton_piv::PublicKey::Rsa {
                modulus, exponent, ..
            } => PublicParts::Rsa {
                modulus: modulus.clone(),
                exponent: exponent.clone(),
            },
            jeton_piv::PublicKey::Ec { algorithm, point } => PublicParts::Ec {
                curve: if *algorithm == KeyAlgorithm::EccP384 {
                    Curve::P384
                } else {
                    Curve::P256
                },
                point: point.clone(),
            },
        }
    }

    fn from_certificate(certificate: &X509) -> Option<PublicParts> {
        let key = certificate.public_key().ok()?;
        if let Ok(rsa) = key.rsa() {
            return Some(PublicParts::Rsa {
                modulus: rsa.n().to_vec(),
                exponent: rsa.e().to_vec(),
            });
        }
        let ec = key.ec_key().ok()?;
        let curve = match ec.group().curve_name()? {
            Nid::X9_62_PRIME256V1 => Curve::P256,
            Nid::SECP384R1 => Curve::P384,
            _ => return None,
        };
        let mut ctx = BigNumContext::new().ok()?;
        let point = ec
            .public_key()
            .to_bytes(ec.group(), PointConversionForm::UNCOMPRESSED, &mut ctx)
            .ok()?;
        Some(PublicParts::Ec { curve, point })
    }

    pub fn algorithm(&self) -> Option<KeyAlgorithm> {
        match self {
            PublicParts::Ec { curve, .. } => Some(curve.algorithm()),
            PublicParts::Rsa { modulus, .. } => match modulus.len() * 8 {
                2048 => Some(KeyAlgorithm::Rsa2048),
                3072 => Some(KeyAlgorithm::Rsa3072),
                4096 => Some(KeyAlgorithm::Rsa4096),
                _ => None,
            },
        }
    }

    pub fn to_piv(&self) -> Option<jeton_piv::PublicKey> {
        let algorithm = self.algorithm()?;
        Some(match self {
            PublicParts::Rsa { modulus, exponent } => jeton_piv::PublicKey::Rsa {
                algorithm,
                modulus: modulus.clone(),
                exponent: exponent.clone(),
            },
            PublicParts::Ec { point, .. } => jeton_piv::PublicKey::Ec {
                algorithm,
                point: point.clone(),
            },
        })
    }

    fn key_type(&self) -> CK_KEY_TYPE {
        match self {
            PublicParts::Rsa { .. } => CKK_RSA,
            PublicParts::Ec { .. } => CKK_EC,
        }
    }
}

/// A certificate as the token shows it.
#[derive(Debug, Clone)]
pub struct CertificateInfo {
    pub der: Vec<u8>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    serial: Vec<u8>,
    label: String,
    public: Option<PublicParts>,
}

impl CertificateInfo {
    pub fn parse(der: Vec<u8>) -> Option<CertificateInfo> {
        let x509 = X509::from_der(&der).ok()?;
        let subject = x509.subject_name().to_der().ok()?;
        let issuer = x509.issuer_name().to_der().ok()?;
        let serial = der_integer(&x509.serial_number().to_bn().ok()?.to_vec());
        let label = x509
            .subject_name()
            .entries_by_nid(Nid::COMMONNAME)
            .next()
            .and_then(|entry| entry.data().to_string().ok())
            .unwrap_or_default();
        let public = PublicParts::from_certificate(&x509);
        Some(CertificateInfo {
            der,
            subject,
            issuer,
            serial,
            label,
            public,
        })
    }

    /// The public key the certificate certifies.
    pub fn certified_key(&self) -> Option<&PublicParts> {
        self.public.as_ref()
    }

    /// The common name of the subject, used for the token label like OpenSC does.
    pub fn common_name(&self) -> &str {
        &self.label
    }
}

/// DER INTEGER of a non-negative big-endian magnitude (`CKA_SERIAL_NUMBER`).
fn der_integer(magnitude: &[u8]) -> Vec<u8> {
    let mut content = magnitude.to_vec();
    if content.is_empty() || content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    let mut out = vec![0x02];
    push_der_length(&mut out, content.len());
    out.extend(content);
    out
}

fn push_der_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
}

/// `CKA_EC_POINT`: the point in a DER OCTET STRING (PKCS#11 3.0 §2.3.3).
pub fn der_octet_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04];
    push_der_length(&mut out, bytes.len());
    out.extend_from_slice(bytes);
    out
}

/// What one PIV slot holds.
#[derive(Debug, Clone)]
pub struct SlotContents {
    pub slot: KeySlot,
    pub public: Option<PublicParts>,
    pub origin: Option<KeyOrigin>,
    pub certificate: Option<CertificateInfo>,
}

impl SlotContents {
    /// The key's public part: from the card's metadata, else from the certificate.
    pub fn public_key(&self) -> Option<&PublicParts> {
        self.public
            .as_ref()
            .or(self.certificate.as_ref().and_then(|c| c.public.as_ref()))
    }

    pub fn has(&self, kind: ObjectKind) -> bool {
        match kind {
            ObjectKind::Certificate => self.certificate.is_some(),
            ObjectKind::PublicKey | ObjectKind::PrivateKey => self.public_key().is_some(),
        }
    }

    pub fn kinds(&self) -> impl Iterator<Item = ObjectKind> + '_ {
        [
            ObjectKind::Certificate,
            ObjectKind::PublicKey,
            ObjectKind::PrivateKey,
        ]
        .into_iter()
        .filter(|kind| self.has(*kind))
    }

    fn label(&self, kind: ObjectKind) -> String {
        let purpose = slot_purpose(self.slot);
        match kind {
            ObjectKind::Certificate => format!("Certificate for {purpose}"),
            ObjectKind::PublicKey => format!("Public key for {purpose}"),
            ObjectKind::PrivateKey => format!("Private key for {purpose}"),
        }
    }
}

/// An attribute value in its C encoding.
fn boolean(value: bool) -> Vec<u8> {
    vec![if value { CK_TRUE } else { CK_FALSE }]
}

fn ulong(value: CK_ULONG) -> Vec<u8> {
    value.to_ne_bytes().to_vec()
}

/// One attribute of a token object: its value, or why it has none.
pub fn attribute(
    contents: &SlotContents,
    kind: ObjectKind,
    attribute: CK_ATTRIBUTE_TYPE,
) -> Result<Vec<u8>> {
    let common = match attribute {
        CKA_TOKEN => Some(boolean(true)),
        CKA_PRIVATE => Some(boolean(kind == ObjectKind::PrivateKey)),
        CKA_MODIFIABLE | CKA_COPYABLE => Some(boolean(false)),
        CKA_DESTROYABLE => Some(boolean(kind == ObjectKind::Certificate)),
        CKA_LABEL => Some(contents.label(kind).into_bytes()),
        CKA_ID => Some(vec![id_of(contents.slot)]),
        CKA_CLASS => Some(ulong(match kind {
            ObjectKind::Certificate => CKO_CERTIFICATE,
            ObjectKind::PublicKey => CKO_PUBLIC_KEY,
            ObjectKind::PrivateKey => CKO_PRIVATE_KEY,
        })),
        _ => None,
    };
    if let Some(value) = common {
        return Ok(value);
    }
    match kind {
        ObjectKind::Certificate => certificate_attribute(contents, attribute),
        ObjectKind::PublicKey | ObjectKind::PrivateKey => key_attribute(contents, kind, attribute),
    }
}

fn certificate_attribute(contents: &SlotContents, attribute: CK_ATTRIBUTE_TYPE) -> Result<Vec<u8>> {
    let certificate = contents
        .certificate
        .as_ref()
        .ok_or(Error::ObjectHandleInvalid)?;
    Ok(match attribute {
        CKA_CERTIFICATE_TYPE => ulong(CKC_X_509),
        CKA_CERTIFICATE_CATEGORY => ulong(CK_CERTIFICATE_CATEGORY_TOKEN_USER),
        CKA_TRUSTED => boolean(false),
        CKA_VALUE => certificate.der.clone(),
        CKA_SUBJECT => certificate.subject.clone(),
        CKA_ISSUER => certificate.issuer.clone(),
        CKA_SERIAL_NUMBER => certificate.serial.clone(),
        CKA_CHECK_VALUE => {
            let digest = openssl::sha::sha1(&certificate.der);
            digest[..3].to_vec()
        }
        CKA_START_DATE
        | CKA_END_DATE
        | CKA_URL
        | CKA_HASH_OF_SUBJECT_PUBLIC_KEY
        | CKA_HASH_OF_ISSUER_PUBLIC_KEY => Vec::new(),
        CKA_JAVA_MIDP_SECURITY_DOMAIN => ulong(0),
        _ => return Err(Error::AttributeTypeInvalid),
    })
}

fn key_attribute(
    contents: &SlotContents,
    kind: ObjectKind,
    attribute: CK_ATTRIBUTE_TYPE,
) -> Result<Vec<u8>> {
    let public = contents.public_key().ok_or(Error::ObjectHandleInvalid)?;
    let is_private = kind == ObjectKind::PrivateKey;
    let is_rsa = matches!(public, PublicParts::Rsa { .. });
    let key_management = contents.slot == KeySlot::KEY_MANAGEMENT
        || contents.slot.id() >= 0x82 && contents.slot.id() <= 0x95;
    let generated = contents.origin == Some(KeyOrigin::Generated);
    Ok(match attribute {
        CKA_KEY_TYPE => ulong(public.key_type()),
        CKA_LOCAL => boolean(generated),
        CKA_KEY_GEN_MECHANISM => ulong(match (generated, is_rsa) {
            (false, _) => CK_UNAVAILABLE_INFORMATION,
            (true, true) => CKM_RSA_PKCS_KEY_PAIR_GEN,
            (true, false) => CKM_EC_KEY_PAIR_GEN,
        }),
        CKA_START_DATE | CKA_END_DATE => Vec::new(),
        // Both halves of a key-agreement pair say so (PKCS#11 3.0 §4.8: CKA_DERIVE on
        // CKO_PUBLIC_KEY and CKO_PRIVATE_KEY alike), as p11test's usage_test checks.
        CKA_DERIVE => boolean(!is_rsa && key_management),
        CKA_SUBJECT => contents
            .certificate
            .as_ref()
            .map(|c| c.subject.clone())
            .unwrap_or_default(),
        CKA_PUBLIC_KEY_INFO => public
            .to_piv()
            .and_then(|key| key.to_der().ok())
            .unwrap_or_default(),
        CKA_MODULUS if is_rsa => match public {
            PublicParts::Rsa { modulus, .. } => modulus.clone(),
            PublicParts::Ec { .. } => return Err(Error::AttributeTypeInvalid),
        },
        CKA_PUBLIC_EXPONENT if is_rsa => match public {
            PublicParts::Rsa { exponent, .. } => exponent.clone(),
            PublicParts::Ec { .. } => return Err(Error::AttributeTypeInvalid),
        },
        CKA_MODULUS_BITS if is_rsa => match public {
            PublicParts::Rsa { modulus, .. } => ulong((modulus.len() * 8) as CK_ULONG),
            PublicParts::Ec { .. } => return Err(Error::AttributeTypeInvalid),
        },
        CKA_EC_PARAMS if !is_rsa => match public {
            PublicParts::Ec { curve, .. } => curve.params().to_vec(),
            PublicParts::Rsa { .. } => return Err(Error::AttributeTypeInvalid),
        },
        CKA_EC_POINT if !is_rsa && !is_private => match public {
            PublicParts::Ec { point, .. } => der_octet_string(point),
            PublicParts::Rsa { .. } => return Err(Error::AttributeTypeInvalid),
        },
        // Public key capabilities.
        CKA_VERIFY if !is_private => boolean(true),
        CKA_ENCRYPT | CKA_WRAP if !is_private => boolean(is_rsa && key_management),
        CKA_VERIFY_RECOVER if !is_private => boolean(false),
        CKA_TRUSTED if !is_private => boolean(false),
        // Private key capabilities and protections.
        CKA_SIGN if is_private => boolean(true),
        CKA_DECRYPT | CKA_UNWRAP if is_private => boolean(is_rsa && key_management),
        CKA_SIGN_RECOVER if is_private => boolean(false),
        CKA_SENSITIVE | CKA_ALWAYS_SENSITIVE if is_private => {
            boolean(attribute == CKA_SENSITIVE || generated)
        }
        CKA_EXTRACTABLE if is_private => boolean(false),
        CKA_NEVER_EXTRACTABLE if is_private => boolean(generated),
        CKA_WRAP_WITH_TRUSTED if is_private => boolean(false),
        CKA_ALWAYS_AUTHENTICATE if is_private => boolean(contents.slot == KeySlot::SIGNATURE),
        CKA_VALUE | CKA_PRIVATE_EXPONENT | CKA_PRIME_1 | CKA_PRIME_2 | CKA_EXPONENT_1
        | CKA_EXPONENT_2 | CKA_COEFFICIENT
            if is_private =>
        {
            return Err(Error::AttributeSensitive)
        }
        _ => return Err(Error::AttributeTypeInvalid),
    })
}

/// Whether an object matches a search template: every attribute present and equal.
pub fn matches(
    contents: &SlotContents,
    kind: ObjectKind,
    template: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)],
) -> bool {
    template.iter().all(|(kind_of, value)| {
        attribute(contents, kind, *kind_of).is_ok_and(|actual| actual == *value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_ids_follow_opensc() {
        let handle = handle_of(3, KeySlot::SIGNATURE, ObjectKind::PrivateKey);
        assert_eq!(
            parse_handle(handle),
            Some((3, KeySlot::SIGNATURE, ObjectKind::PrivateKey))
        );
        assert_eq!(parse_handle(0), None);
        assert_eq!(parse_handle(u64::MAX as CK_OBJECT_HANDLE), None);
        assert_eq!(id_of(KeySlot::SIGNATURE), 2);
        assert_eq!(slot_of_id(&[5]), KeySlot::from_id(0x82));
        assert_eq!(slot_of_id(&[25]), None);
    }

    #[test]
    fn serial_numbers_are_der_integers() {
        assert_eq!(der_integer(&[0x01]), [0x02, 0x01, 0x01]);
        assert_eq!(der_integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
    }
}
