//! Which subject keys Jeton certifies: ETSI TS 119 312 §6 (RSA of at least 2048 bits with an
//! odd exponent 2^16 < e < 2^256, ECDSA on P-256, P-384 or P-521). Anything weaker is refused
//! with the reason.

use der::Encode;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey};
use spki::SubjectPublicKeyInfoOwned;

/// A subject key that passed the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// RSA with this modulus size in bits.
    Rsa(u32),
    /// ECDSA on P-256.
    P256,
    /// ECDSA on P-384.
    P384,
    /// ECDSA on P-521.
    P521,
}

/// Why a subject key is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyPolicyError {
    /// The SubjectPublicKeyInfo does not hold a readable key.
    #[error("the public key cannot be read: {0}")]
    Unreadable(String),
    /// RSA modulus too short.
    #[error("RSA-{0} is too weak: ETSI TS 119 312 needs at least 2048 bits (3072 recommended); make a new key")]
    RsaTooShort(u32),
    /// RSA public exponent outside TS 119 312 §6.2.2.1.
    #[error(
        "the RSA public exponent must be odd and between 2^16 and 2^256 (ETSI TS 119 312 §6.2.2.1)"
    )]
    RsaExponent,
    /// An elliptic curve outside the policy.
    #[error("elliptic curve {0} is not accepted: use P-256 or P-384 (ETSI TS 119 312)")]
    Curve(String),
    /// Neither RSA nor ECDSA.
    #[error("key algorithm {0} is not accepted: use RSA (2048 bits or more) or ECDSA P-256/P-384")]
    Algorithm(String),
}

/// Checks a subject public key against the policy.
pub fn check_key(spki: &SubjectPublicKeyInfoOwned) -> Result<KeyType, KeyPolicyError> {
    let der = spki
        .to_der()
        .map_err(|e| KeyPolicyError::Unreadable(e.to_string()))?;
    let key =
        PKey::public_key_from_der(&der).map_err(|e| KeyPolicyError::Unreadable(e.to_string()))?;
    match key.id() {
        Id::RSA => {
            let rsa = key
                .rsa()
                .map_err(|e| KeyPolicyError::Unreadable(e.to_string()))?;
            let bits = key.bits();
            if bits < 2048 {
                return Err(KeyPolicyError::RsaTooShort(bits));
            }
            let e = rsa.e();
            if !e.is_bit_set(0) || e.num_bits() <= 16 || e.num_bits() > 256 {
                return Err(KeyPolicyError::RsaExponent);
            }
            Ok(KeyType::Rsa(bits))
        }
        Id::EC => {
            let ec = key
                .ec_key()
                .map_err(|e| KeyPolicyError::Unreadable(e.to_string()))?;
            match ec.group().curve_name() {
                Some(Nid::X9_62_PRIME256V1) => Ok(KeyType::P256),
                Some(Nid::SECP384R1) => Ok(KeyType::P384),
                Some(Nid::SECP521R1) => Ok(KeyType::P521),
                Some(nid) => Err(KeyPolicyError::Curve(
                    nid.short_name().unwrap_or("unknown").to_owned(),
                )),
                None => Err(KeyPolicyError::Curve("explicit parameters".to_owned())),
            }
        }
        _ => Err(KeyPolicyError::Algorithm(spki.algorithm.oid.to_string())),
    }
}
