//! The mechanisms the token offers, what each one needs, and the host-side half of each:
//! hashing and padding before the card's private-key operation, unpadding after it, and
//! verification with the public key in software.

use cryptoki_sys::*;
use jeton_piv::signing::{mgf1, pkcs1v15_type1_block, pss_encode};
use jeton_piv::HashAlgorithm;
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::Hasher;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Padding;
use openssl::sign::RsaPssSaltlen;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::objects::PublicParts;

/// The parameter of a mechanism, read from `CK_MECHANISM.pParameter` by the C shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parameter {
    None,
    Pss {
        hash: CK_MECHANISM_TYPE,
        mgf: CK_RSA_PKCS_MGF_TYPE,
        salt_len: CK_ULONG,
    },
    Oaep {
        hash: CK_MECHANISM_TYPE,
        mgf: CK_RSA_PKCS_MGF_TYPE,
        label: Vec<u8>,
    },
    Ecdh {
        kdf: CK_EC_KDF_TYPE,
        shared_data: Vec<u8>,
        public_data: Vec<u8>,
    },
    /// A parameter this module does not read (its mechanism will refuse it).
    Other,
}

/// A mechanism and its parameter, as the caller asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mechanism {
    pub kind: CK_MECHANISM_TYPE,
    pub parameter: Parameter,
}

fn hash_of_digest_mechanism(mechanism: CK_MECHANISM_TYPE) -> Option<HashAlgorithm> {
    Some(match mechanism {
        CKM_SHA_1 => HashAlgorithm::Sha1,
        CKM_SHA224 => HashAlgorithm::Sha224,
        CKM_SHA256 => HashAlgorithm::Sha256,
        CKM_SHA384 => HashAlgorithm::Sha384,
        CKM_SHA512 => HashAlgorithm::Sha512,
        _ => return None,
    })
}

fn hash_of_mgf(mgf: CK_RSA_PKCS_MGF_TYPE) -> Option<HashAlgorithm> {
    Some(match mgf {
        CKG_MGF1_SHA1 => HashAlgorithm::Sha1,
        CKG_MGF1_SHA224 => HashAlgorithm::Sha224,
        CKG_MGF1_SHA256 => HashAlgorithm::Sha256,
        CKG_MGF1_SHA384 => HashAlgorithm::Sha384,
        CKG_MGF1_SHA512 => HashAlgorithm::Sha512,
        _ => return None,
    })
}

/// One mechanism the token offers, with `C_GetMechanismInfo`'s answer (PKCS#11 3.0 §5.5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offered {
    pub kind: CK_MECHANISM_TYPE,
    /// The smallest and largest key, in bits for RSA and EC keys; 0 for a digest (no key).
    pub min_key_bits: CK_ULONG,
    pub max_key_bits: CK_ULONG,
    pub flags: CK_FLAGS,
}

impl Offered {
    /// With the card's RSA keys, 2048 to 4096 bits.
    const fn rsa(kind: CK_MECHANISM_TYPE, flags: CK_FLAGS) -> Offered {
        Offered {
            kind,
            min_key_bits: 2048,
            max_key_bits: 4096,
            flags: CKF_HW | flags,
        }
    }

    /// With the card's EC keys: P-256 and P-384, named curves, uncompressed points.
    const fn ec(kind: CK_MECHANISM_TYPE, flags: CK_FLAGS) -> Offered {
        Offered {
            kind,
            min_key_bits: 256,
            max_key_bits: 384,
            flags: CKF_HW | flags | EC_FLAGS,
        }
    }

    /// A digest, made in software: no key, no card.
    const fn digest(kind: CK_MECHANISM_TYPE) -> Offered {
        Offered {
            kind,
            min_key_bits: 0,
            max_key_bits: 0,
            flags: CKF_DIGEST,
        }
    }

    /// The mechanism of this kind, if the token offers it.
    pub fn find(kind: CK_MECHANISM_TYPE) -> Option<&'static Offered> {
        MECHANISMS.iter().find(|offered| offered.kind == kind)
    }

    pub fn info(&self) -> CK_MECHANISM_INFO {
        CK_MECHANISM_INFO {
            ulMinKeySize: self.min_key_bits,
            ulMaxKeySize: self.max_key_bits,
            flags: self.flags,
        }
    }
}

/// Every mechanism the token offers, in `C_GetMechanismList`'s order.
pub const MECHANISMS: &[Offered] = &[
    Offered::rsa(CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR),
    Offered::rsa(CKM_RSA_PKCS, CKF_SIGN | CKF_VERIFY | CKF_DECRYPT),
    Offered::rsa(CKM_RSA_X_509, CKF_SIGN | CKF_VERIFY | CKF_DECRYPT),
    Offered::rsa(CKM_RSA_PKCS_OAEP, CKF_DECRYPT),
    Offered::rsa(CKM_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA1_RSA_PKCS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA224_RSA_PKCS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA256_RSA_PKCS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA384_RSA_PKCS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA512_RSA_PKCS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA1_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA224_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA256_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA384_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY),
    Offered::rsa(CKM_SHA512_RSA_PKCS_PSS, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR),
    Offered::ec(CKM_ECDSA, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_ECDSA_SHA1, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_ECDSA_SHA224, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_ECDSA_SHA256, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_ECDSA_SHA384, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_ECDSA_SHA512, CKF_SIGN | CKF_VERIFY),
    Offered::ec(CKM_ECDH1_DERIVE, CKF_DERIVE),
    Offered::digest(CKM_SHA_1),
    Offered::digest(CKM_SHA224),
    Offered::digest(CKM_SHA256),
    Offered::digest(CKM_SHA384),
    Offered::digest(CKM_SHA512),
];

const EC_FLAGS: CK_FLAGS = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;

/// A signature scheme: how the message becomes the card's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignScheme {
    /// `CKM_RSA_PKCS` (data is the DigestInfo) or `CKM_SHA*_RSA_PKCS` (data is hashed).
    RsaPkcs1 {
        hash: Option<HashAlgorithm>,
    },
    RsaPss {
        hash: Option<HashAlgorithm>,
        pss_hash: HashAlgorithm,
        mgf_hash: HashAlgorithm,
        salt_len: usize,
    },
    RsaRaw,
    Ecdsa {
        hash: Option<HashAlgorithm>,
    },
}

impl SignScheme {
    pub fn from_mechanism(mechanism: &Mechanism) -> Result<SignScheme> {
        let hashed = |h| Some(h);
        let scheme = match mechanism.kind {
            CKM_RSA_PKCS => SignScheme::RsaPkcs1 { hash: None },
            CKM_SHA1_RSA_PKCS => SignScheme::RsaPkcs1 {
                hash: hashed(HashAlgorithm::Sha1),
            },
            CKM_SHA224_RSA_PKCS => SignScheme::RsaPkcs1 {
                hash: hashed(HashAlgorithm::Sha224),
            },
            CKM_SHA256_RSA_PKCS => SignScheme::RsaPkcs1 {
                hash: hashed(HashAlgorithm::Sha256),
            },
            CKM_SHA384_RSA_PKCS => SignScheme::RsaPkcs1 {
                hash: hashed(HashAlgorithm::Sha384),
            },
            CKM_SHA512_RSA_PKCS => SignScheme::RsaPkcs1 {
                hash: hashed(HashAlgorithm::Sha512),
            },
            CKM_RSA_X_509 => SignScheme::RsaRaw,
            CKM_ECDSA => SignScheme::Ecdsa { hash: None },
            CKM_ECDSA_SHA1 => SignScheme::Ecdsa {
                hash: hashed(HashAlgorithm::Sha1),
            },
            CKM_ECDSA_SHA224 => SignScheme::Ecdsa {
                hash: hashed(HashAlgorithm::Sha224),
            },
            CKM_ECDSA_SHA256 => SignScheme::Ecdsa {
                hash: hashed(HashAlgorithm::Sha256),
            },
            CKM_ECDSA_SHA384 => SignScheme::Ecdsa {
                hash: hashed(HashAlgorithm::Sha384),
            },
            CKM_ECDSA_SHA512 => SignScheme::Ecdsa {
                hash: hashed(HashAlgorithm::Sha512),
            },
            CKM_RSA_PKCS_PSS
            | CKM_SHA1_RSA_PKCS_PSS
            | CKM_SHA224_RSA_PKCS_PSS
            | CKM_SHA256_RSA_PKCS_PSS
            | CKM_SHA384_RSA_PKCS_PSS
            | CKM_SHA512_RSA_PKCS_PSS => {
                let Parameter::Pss {
                    hash,
                    mgf,
                    salt_len,
                } = mechanism.parameter
                else {
                    return Err(Error::MechanismParamInvalid);
                };
                let pss_hash =
                    hash_of_digest_mechanism(hash).ok_or(Error::MechanismParamInvalid)?;
                let mgf_hash = hash_of_mgf(mgf).ok_or(Error::MechanismParamInvalid)?;
                let hash = match mechanism.kind {
                    CKM_RSA_PKCS_PSS => None,
                    CKM_SHA1_RSA_PKCS_PSS => hashed(HashAlgorithm::Sha1),
                    CKM_SHA224_RSA_PKCS_PSS => hashed(HashAlgorithm::Sha224),
                    CKM_SHA256_RSA_PKCS_PSS => hashed(HashAlgorithm::Sha256),
                    CKM_SHA384_RSA_PKCS_PSS => hashed(HashAlgorithm::Sha384),
                    _ => hashed(HashAlgorithm::Sha512),
                };
                // The hash of the mechanism and of its parameter must agree (PKCS#11 3.0 §2.1.14).
                if hash.is_some_and(|h| h != pss_hash) {
                    return Err(Error::MechanismParamInvalid);
                }
                SignScheme::RsaPss {
                    hash,
                    pss_hash,
                    mgf_hash,
                    salt_len: salt_len as usize,
                }
            }
            _ => return Err(Error::MechanismInvalid),
        };
        if !matches!(scheme, SignScheme::RsaPss { .. }) && mechanism.parameter != Parameter::None {
            return Err(Error::MechanismParamInvalid);
        }
        Ok(scheme)
    }

    pub fn is_rsa(self) -> bool {
        !matches!(self, SignScheme::Ecdsa { .. })
    }

    /// The hash applied to the message on the host, if the mechanism hashes.
    pub fn message_hash(self) -> Option<HashAlgorithm> {
        match self {
            SignScheme::RsaPkcs1 { hash }
            | SignScheme::Ecdsa { hash }
            | SignScheme::RsaPss { hash, .. } => hash,
            SignScheme::RsaRaw => None,
        }
    }

    /// The card's input for this message (already hashed if the mechanism hashes).
    pub fn card_input(self, data: &[u8], key: &PublicParts) -> Result<Zeroizing<Vec<u8>>> {
        match (self, key) {
            (SignScheme::RsaPkcs1 { hash }, PublicParts::Rsa { modulus, .. }) => {
                let t = match hash {
                    Some(hash) => [hash.digest_info_prefix(), data].concat(),
                    None => data.to_vec(),
                };
                pkcs1v15_type1_block(modulus.len(), &t).ok_or(Error::DataLenRange)
            }
            (
                SignScheme::RsaPss {
                    pss_hash,
                    mgf_hash,
                    salt_len,
                    ..
                },
                PublicParts::Rsa { modulus, .. },
            ) => {
                if data.len() != pss_hash.output_len() {
                    return Err(Error::DataLenRange);
                }
                pss_encode(modulus.len() * 8, pss_hash, mgf_hash, salt_len, data)
                    .map_err(|_| Error::MechanismParamInvalid)
            }
            (SignScheme::RsaRaw, PublicParts::Rsa { modulus, .. }) => {
                if data.len() > modulus.len() {
                    return Err(Error::DataLenRange);
                }
                let mut block = Zeroizing::new(vec![0u8; modulus.len() - data.len()]);
                block.extend_from_slice(data);
                Ok(block)
            }
            (SignScheme::Ecdsa { .. }, PublicParts::Ec { .. }) => {
                if data.is_empty() || data.len() > 64 {
                    return Err(Error::DataLenRange);
                }
                Ok(Zeroizing::new(data.to_vec()))
            }
            _ => Err(Error::KeyTypeInconsistent),
        }
    }

    /// The signature's length for a key, for the two-call length convention.
    pub fn signature_len(self, key: &PublicParts) -> usize {
        match key {
            PublicParts::Rsa { modulus, .. } => modulus.len(),
            PublicParts::Ec { curve, .. } => 2 * curve.field_bytes(),
        }
    }

    /// What the card returned, in PKCS#11's form (ECDSA: r ‖ s, each the field size).
    pub fn finish(self, card_output: Vec<u8>, key: &PublicParts) -> Result<Vec<u8>> {
        match key {
            PublicParts::Ec { curve, .. } => {
                let signature = EcdsaSig::from_der(&card_output).map_err(|_| Error::DeviceError)?;
                let width = curve.field_bytes() as i32;
                let mut out = signature
                    .r()
                    .to_vec_padded(width)
                    .map_err(|_| Error::DeviceError)?;
                out.extend(
                    signature
                        .s()
                        .to_vec_padded(width)
                        .map_err(|_| Error::DeviceError)?,
                );
                Ok(out)
            }
            PublicParts::Rsa { .. } => Ok(card_output),
        }
    }

    /// Checks a signature with the public key, in software.
    pub fn verify(self, data: &[u8], signature: &[u8], key: &PublicParts) -> Result<()> {
        let pkey = public_pkey(key)?;
        let good = match (self, key) {
            (SignScheme::Ecdsa { .. }, PublicParts::Ec { curve, .. }) => {
                let width = curve.field_bytes();
                if signature.len() != 2 * width {
                    return Err(Error::SignatureLenRange);
                }
                let r = BigNum::from_slice(&signature[..width])?;
                let s = BigNum::from_slice(&signature[width..])?;
                let signature = EcdsaSig::from_private_components(r, s)?;
                signature.verify(data, &*pkey.ec_key()?).unwrap_or(false)
            }
            (
                SignScheme::RsaPss {
                    pss_hash,
                    mgf_hash,
                    salt_len,
                    ..
                },
                PublicParts::Rsa { modulus, .. },
            ) => {
                if signature.len() != modulus.len() {
                    return Err(Error::SignatureLenRange);
                }
                if data.len() != pss_hash.output_len() {
                    return Err(Error::DataLenRange);
                }
                let mut ctx = openssl::pkey_ctx::PkeyCtx::new(&pkey)?;
                ctx.verify_init()?;
                ctx.set_rsa_padding(Padding::PKCS1_PSS)?;
                ctx.set_signature_md(md(pss_hash))?;
                ctx.set_rsa_mgf1_md(md(mgf_hash))?;
                ctx.set_rsa_pss_saltlen(RsaPssSaltlen::custom(salt_len as i32))?;
                ctx.verify(data, signature).unwrap_or(false)
            }
            (
                SignScheme::RsaPkcs1 { .. } | SignScheme::RsaRaw,
                PublicParts::Rsa { modulus, .. },
            ) => {
                if signature.len() != modulus.len() {
                    return Err(Error::SignatureLenRange);
                }
                let expected = self.card_input(data, key)?;
                let rsa = pkey.rsa()?;
                let mut recovered = vec![0u8; modulus.len()];
                match rsa.public_decrypt(signature, &mut recovered, Padding::NONE) {
                    Ok(len) => {
                        let mut full = vec![0u8; modulus.len() - len];
                        full.extend_from_slice(&recovered[..len]);
                        full == *expected
                    }
                    Err(_) => false,
                }
            }
            _ => return Err(Error::KeyTypeInconsistent),
        };
        if good {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

fn md(hash: HashAlgorithm) -> &'static openssl::md::MdRef {
    match hash {
        HashAlgorithm::Sha1 => openssl::md::Md::sha1(),
        HashAlgorithm::Sha224 => openssl::md::Md::sha224(),
        HashAlgorithm::Sha256 => openssl::md::Md::sha256(),
        HashAlgorithm::Sha384 => openssl::md::Md::sha384(),
        HashAlgorithm::Sha512 => openssl::md::Md::sha512(),
    }
}

pub fn public_pkey(key: &PublicParts) -> Result<PKey<Public>> {
    key.to_piv()
        .and_then(|key| key.to_pkey().ok())
        .ok_or(Error::KeyTypeInconsistent)
}

/// A message being signed or verified in parts: hashed as it comes when the mechanism
/// hashes, else kept whole.
pub enum MessageBuffer {
    Hashing(Hasher),
    Whole(Zeroizing<Vec<u8>>),
}

impl MessageBuffer {
    pub fn new(scheme: SignScheme) -> Result<MessageBuffer> {
        Ok(match scheme.message_hash() {
            Some(hash) => MessageBuffer::Hashing(Hasher::new(hash.message_digest())?),
            None => MessageBuffer::Whole(Zeroizing::new(Vec::new())),
        })
    }

    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        match self {
            MessageBuffer::Hashing(hasher) => hasher.update(data)?,
            MessageBuffer::Whole(buffer) => {
                // Unhashed inputs are at most a modulus: anything larger is refused later.
                if buffer.len() + data.len() > 1024 {
                    return Err(Error::DataLenRange);
                }
                buffer.extend_from_slice(data);
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Zeroizing<Vec<u8>>> {
        Ok(match self {
            MessageBuffer::Hashing(mut hasher) => Zeroizing::new(hasher.finish()?.to_vec()),
            MessageBuffer::Whole(buffer) => buffer,
        })
    }
}

/// A decryption scheme in 9D: how the card's raw output is unpadded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecryptScheme {
    RsaPkcs1,
    RsaOaep {
        hash: HashAlgorithm,
        mgf_hash: HashAlgorithm,
        label: Vec<u8>,
    },
    RsaRaw,
}

impl DecryptScheme {
    pub fn from_mechanism(mechanism: &Mechanism) -> Result<DecryptScheme> {
        match (&mechanism.kind, &mechanism.parameter) {
            (&CKM_RSA_PKCS, Parameter::None) => Ok(DecryptScheme::RsaPkcs1),
            (&CKM_RSA_X_509, Parameter::None) => Ok(DecryptScheme::RsaRaw),
            (&CKM_RSA_PKCS_OAEP, Parameter::Oaep { hash, mgf, label }) => {
                Ok(DecryptScheme::RsaOaep {
                    hash: hash_of_digest_mechanism(*hash).ok_or(Error::MechanismParamInvalid)?,
                    mgf_hash: hash_of_mgf(*mgf).ok_or(Error::MechanismParamInvalid)?,
                    label: label.clone(),
                })
            }
            (&CKM_RSA_PKCS | &CKM_RSA_X_509 | &CKM_RSA_PKCS_OAEP, _) => {
                Err(Error::MechanismParamInvalid)
            }
            _ => Err(Error::MechanismInvalid),
        }
    }

    /// The plaintext from the card's raw RSA output. Padding errors all look alike and
    /// the scan does not stop early, to give a padding oracle as little as possible.
    pub fn unpad(&self, block: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            DecryptScheme::RsaRaw => Ok(Zeroizing::new(block.to_vec())),
            DecryptScheme::RsaPkcs1 => unpad_pkcs1_type2(block),
            DecryptScheme::RsaOaep {
                hash,
                mgf_hash,
                label,
            } => unpad_oaep(block, *hash, *mgf_hash, label),
        }
    }
}

/// EME-PKCS1-v1_5 decoding (RFC 8017 §7.2.2): 00 02 PS(≥ 8 non-zero) 00 M.
fn unpad_pkcs1_type2(block: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if block.len() < 11 {
        return Err(Error::EncryptedDataInvalid);
    }
    let mut good = block[0].ct_eq(&0) & block[1].ct_eq(&2);
    let mut separator = 0u64;
    let mut found = subtle::Choice::from(0);
    for (i, byte) in block.iter().enumerate().skip(2) {
        let is_zero = byte.ct_eq(&0);
        let first = is_zero & !found;
        separator = u64::conditional_select(&separator, &(i as u64), first);
        found |= is_zero;
    }
    good &= found;
    good &= subtle::Choice::from(u8::from(separator >= 10));
    let separator = separator as usize;
    if bool::from(good) {
        Ok(Zeroizing::new(block[separator + 1..].to_vec()))
    } else {
        Err(Error::EncryptedDataInvalid)
    }
}

/// EME-OAEP decoding (RFC 8017 §7.1.2).
fn unpad_oaep(
    block: &[u8],
    hash: HashAlgorithm,
    mgf_hash: HashAlgorithm,
    label: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let h_len = hash.output_len();
    if block.len() < 2 * h_len + 2 {
        return Err(Error::EncryptedDataInvalid);
    }
    let label_hash = hash.digest(label).map_err(|_| Error::FunctionFailed)?;
    let (masked_seed, masked_db) = block[1..].split_at(h_len);
    let seed_mask = mgf1(mgf_hash, masked_db, h_len).map_err(|_| Error::FunctionFailed)?;
    let seed: Zeroizing<Vec<u8>> = Zeroizing::new(
        masked_seed
            .iter()
            .zip(seed_mask)
            .map(|(a, b)| a ^ b)
            .collect(),
    );
    let db_mask = mgf1(mgf_hash, &seed, masked_db.len()).map_err(|_| Error::FunctionFailed)?;
    let db: Zeroizing<Vec<u8>> =
        Zeroizing::new(masked_db.iter().zip(db_mask).map(|(a, b)| a ^ b).collect());
    let mut good = block[0].ct_eq(&0) & db[..h_len].ct_eq(&label_hash[..]);
    let mut separator = 0u64;
    let mut found = subtle::Choice::from(0);
    let mut bad_padding = subtle::Choice::from(0);
    for (i, byte) in db.iter().enumerate().skip(h_len) {
        let is_one = byte.ct_eq(&1);
        let is_zero = byte.ct_eq(&0);
        let first = is_one & !found;
        separator = u64::conditional_select(&separator, &(i as u64), first);
        bad_padding |= !found & !is_one & !is_zero;
        found |= is_one;
    }
    good &= found & !bad_padding;
    let separator = separator as usize;
    if bool::from(good) {
        Ok(Zeroizing::new(db[separator + 1..].to_vec()))
    } else {
        Err(Error::EncryptedDataInvalid)
    }
}

/// A digest in progress (`C_DigestInit` … `C_DigestFinal`).
pub fn digest_hasher(mechanism: &Mechanism) -> Result<Hasher> {
    if mechanism.parameter != Parameter::None {
        return Err(Error::MechanismParamInvalid);
    }
    let hash = hash_of_digest_mechanism(mechanism.kind).ok_or(Error::MechanismInvalid)?;
    Ok(Hasher::new(hash.message_digest())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    #[test]
    fn each_mechanism_is_offered_once_and_found_by_its_kind() {
        for offered in MECHANISMS {
            let same = MECHANISMS.iter().filter(|o| o.kind == offered.kind).count();
            assert_eq!(same, 1, "{:#x} offered {same} times", offered.kind);
            assert_eq!(Offered::find(offered.kind), Some(offered));
        }
        assert_eq!(Offered::find(CKM_AES_CBC), None);
    }

    #[test]
    fn pkcs1_and_oaep_unpadding_match_openssl() {
        let rsa = Rsa::generate(2048).unwrap();
        let public =
            Rsa::from_public_components(rsa.n().to_owned().unwrap(), rsa.e().to_owned().unwrap())
                .unwrap();
        let mut encrypted = vec![0u8; 256];
        public
            .public_encrypt(b"session key", &mut encrypted, Padding::PKCS1)
            .unwrap();
        let mut raw = vec![0u8; 256];
        rsa.private_decrypt(&encrypted, &mut raw, Padding::NONE)
            .unwrap();
        assert_eq!(
            &DecryptScheme::RsaPkcs1.unpad(&raw).unwrap()[..],
            b"session key"
        );

        public
            .public_encrypt(b"oaep secret", &mut encrypted, Padding::PKCS1_OAEP)
            .unwrap();
        rsa.private_decrypt(&encrypted, &mut raw, Padding::NONE)
            .unwrap();
        let oaep = DecryptScheme::RsaOaep {
            hash: HashAlgorithm::Sha1,
            mgf_hash: HashAlgorithm::Sha1,
            label: vec![],
        };
        assert_eq!(&oaep.unpad(&raw).unwrap()[..], b"oaep secret");
        raw[5] ^= 1;
        assert_eq!(oaep.unpad(&raw).unwrap_err(), Error::EncryptedDataInvalid);
        assert_eq!(
            DecryptScheme::RsaPkcs1.unpad(&[0u8; 256]).unwrap_err(),
            Error::EncryptedDataInvalid
        );
    }

    #[test]
    fn pss_needs_matching_parameters() {
        let mechanism = |kind, parameter| Mechanism { kind, parameter };
        let pss = Parameter::Pss {
            hash: CKM_SHA256,
            mgf: CKG_MGF1_SHA256,
            salt_len: 32,
        };
        assert!(
            SignScheme::from_mechanism(&mechanism(CKM_SHA256_RSA_PKCS_PSS, pss.clone())).is_ok()
        );
        assert_eq!(
            SignScheme::from_mechanism(&mechanism(CKM_SHA384_RSA_PKCS_PSS, pss)).unwrap_err(),
            Error::MechanismParamInvalid
        );
        assert_eq!(
            SignScheme::from_mechanism(&mechanism(CKM_RSA_PKCS_PSS, Parameter::None)).unwrap_err(),
            Error::MechanismParamInvalid
        );
        assert_eq!(
            SignScheme::from_mechanism(&mechanism(CKM_AES_CBC, Parameter::None)).unwrap_err(),
            Error::MechanismInvalid
        );
    }
}
