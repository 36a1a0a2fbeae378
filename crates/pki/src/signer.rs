//! The one narrow trait every certificate, CRL, OCSP response and time-stamp is signed
//! through, and its software implementation (a key in an encrypted PKCS#8 file).

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use crate::alg::SignatureAlg;

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// The key is unusable for signing (wrong type, token gone, not logged in…).
    #[error("the signing key cannot be used: {0}")]
    Key(String),
    /// The signing operation itself failed.
    #[error("signing failed: {0}")]
    Failed(String),
}

/// Signs for a CA, an OCSP responder or a TSA. Narrow on purpose (STYLE: rustls' `Signer`):
/// the key may live in software, on a PKCS#11 token or on a card, and never leaves it.
pub trait Signer: Send + Sync {
    /// The `signatureAlgorithm` this signer produces (RFC 5280 §4.1.1.2).
    fn algorithm(&self) -> AlgorithmIdentifierOwned;
    /// The signer's public key.
    fn public_key(&self) -> SubjectPublicKeyInfoOwned;
    /// Signs `message` (the whole message, not a digest). ECDSA signatures are returned as
    /// DER `ECDSA-Sig-Value` (RFC 3279 §2.2.3), as X.509 and CMS carry them.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// Why a software key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The PEM is not an `ENCRYPTED PRIVATE KEY` (PKCS#8, RFC 5958 §3): Jeton keeps no key
    /// in the clear.
    #[error("the key file is not an encrypted PKCS#8 PEM (\"-----BEGIN ENCRYPTED PRIVATE KEY-----\"); re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`")]
    NotEncrypted,
    /// Wrong passphrase or damaged file.
    #[error("the key file cannot be decrypted: wrong passphrase or damaged file")]
    Decrypt,
    /// The key is of a type or size Jeton does not sign with.
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// OpenSSL failed.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// Kinds of software keys Jeton can generate (ETSI TS 119 312 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA on P-256, signs with SHA-256.
    P256,
    /// ECDSA on P-384, signs with SHA-384.
    P384,
    /// RSA with this modulus size in bits (≥ 2048), signs with SHA-256.
    Rsa(u32),
}

/// A private key held in memory, loaded from an encrypted PKCS#8 PEM.
pub struct SoftwareKey {
    key: PKey<Private>,
    alg: SignatureAlg,
    spki: SubjectPublicKeyInfoOwned,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("SoftwareKey")
            .field("algorithm", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SoftwareKey {
    /// Generates a fresh key.
    pub fn generate(kind: KeyKind) -> Result<Self, KeyFileError> {
        let key = match kind {
            KeyKind::P256 | KeyKind::P384 => {
                let nid = if kind == KeyKind::P256 {
                    Nid::X9_62_PRIME256V1
                } else {
                    Nid::SECP384R1
                };
                let group = EcGroup::from_curve_name(nid)?;
                PKey::from_ec_key(EcKey::generate(&group)?)?
            }
            KeyKind::Rsa(bits) => {
                if bits < 2048 {
                    return Err(KeyFileError::Unsupported(format!(
                        "RSA-{bits}: ETSI TS 119 312 needs at least 2048 bits"
                    )));
                }
                PKey::from_rsa(Rsa::generate(bits)?)?
            }
        };
        Self::from_pkey(key)
    }

    /// Loads a key from an encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`).
    /// The caller reads the file: this crate does no I/O.
    pub fn from_encrypted_pem(pem: &[u8], passphrase: &[u8]) -> Result<Self, KeyFileError> {
        let text = std::str::from_utf8(pem).map_err(|_| KeyFileError::NotEncrypted)?;
        if !text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(KeyFileError::NotEncrypted);
        }
        let key = PKey::private_key_from_pem_passphrase(pem, passphrase)
            .map_err(|_| KeyFileError::Decrypt)?;
        Self::from_pkey(key)
    }

    /// The key as an encrypted PKCS#8 PEM: PBES2 (RFC 8018 §6.2) with scrypt (RFC 7914 §7)
    /// and AES-256-CBC, which `openssl pkcs8` and every OpenSSL ≥ 1.1 read. OpenSSL's own
    /// writer uses PBKDF2 with 2,048 iterations, which a GPU guesses through in no time.
    pub fn to_encrypted_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
        let plain = Zeroizing::new(self.key.private_key_to_pkcs8()?);
        let der = encrypt_pkcs8(&plain, passphrase, &SCRYPT)?;
        let pem = der::pem::encode_string("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
        Ok(Zeroizing::new(pem.into_bytes()))
    }

    fn from_pkey(key: PKey<Private>) -> Result<Self, KeyFileError> {
        let alg = match key.id() {
            Id::EC => {
                let nid = key.ec_key()?.group().curve_name();
                match nid {
                    Some(Nid::X9_62_PRIME256V1) => SignatureAlg::EcdsaSha256,
                    Some(Nid::SECP384R1) => SignatureAlg::EcdsaSha384,
                    Some(Nid::SECP521R1) => SignatureAlg::EcdsaSha512,
                    other => {
                        return Err(KeyFileError::Unsupported(format!(
                            "EC curve {other:?}: use P-256, P-384 or P-521"
                        )))
                    }
                }
            }
            Id::RSA if key.bits() >= 2048 => SignatureAlg::RsaSha256,
            Id::RSA => {
                return Err(KeyFileError::Unsupported(format!(
                    "RSA-{}: ETSI TS 119 312 needs at least 2048 bits",
                    key.bits()
                )))
            }
            other => {
                return Err(KeyFileError::Unsupported(format!(
                    "key type {other:?}: use RSA or ECDSA"
                )))
            }
        };
        let spki_der = key.public_key_to_der()?;
        let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der)
            .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
        Ok(SoftwareKey { key, alg, spki })
    }

    /// The signature algorithm this key signs with.
    pub fn signature_alg(&self) -> SignatureAlg {
        self.alg
    }
}

/// scrypt's cost for key files: N = 2^14, r = 8, p = 5, one of OWASP's equivalents of
/// N = 2^17, p = 1 (2025 Password Storage Cheat Sheet) that stays within the 32 MiB OpenSSL
/// lets a PKCS#8 decoder use (`openssl pkcs8` refuses N = 2^15 with r = 8): p multiplies
/// the time, not the memory. About half a second per key here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScryptCost {
    /// log2 of N.
    pub log_n: u8,
    /// r.
    pub r: u32,
    /// p.
    pub p: u32,
}

/// What Jeton writes key files with.
pub const SCRYPT: ScryptCost = ScryptCost {
    log_n: 14,
    r: 8,
    p: 5,
};

const ID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const ID_SCRYPT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11591.4.11");
const AES_256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");

/// RFC 7914 §7.1 `scrypt-params`.
#[derive(Sequence)]
struct ScryptParams {
    salt: OctetString,
    cost_parameter: u64,
    block_size: u64,
    parallelization_parameter: u64,
    key_length: Option<u64>,
}

/// RFC 8018 A.4 `PBES2-params`.
#[derive(Sequence)]
struct Pbes2Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    encryption_scheme: AlgorithmIdentifierOwned,
}

/// RFC 5958 §3 `EncryptedPrivateKeyInfo`.
#[derive(Sequence)]
struct EncryptedPrivateKeyInfo {
    encryption_algorithm: AlgorithmIdentifierOwned,
    encrypted_data: OctetString,
}

fn any<T: Encode>(value: &T) -> Result<der::Any, KeyFileError> {
    value
        .to_der()
        .and_then(|der| der::Any::from_der(&der))
        .map_err(|e| KeyFileError::Unsupported(e.to_string()))
}

/// Encrypts a PKCS#8 `PrivateKeyInfo` under `passphrase` with PBES2-scrypt-AES-256-CBC.
fn encrypt_pkcs8(
    plain: &[u8],
    passphrase: &[u8],
    cost: &ScryptCost,
) -> Result<Vec<u8>, KeyFileError> {
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    openssl::rand::rand_bytes(&mut salt)?;
    openssl::rand::rand_bytes(&mut iv)?;
    let n = 1u64 << cost.log_n;
    let (r, p) = (u64::from(cost.r), u64::from(cost.p));
    let mut key = Zeroizing::new([0u8; 32]);
    // The memory scrypt needs, 128·r·(N + p + 2) bytes, and a little room.
    let maxmem = 128 * r * (n + p + 2) + (1 << 20);
    openssl::pkcs5::scrypt(passphrase, &salt, n, r, p, maxmem, &mut key[..])?;
    let encrypted = openssl::symm::encrypt(
        openssl::symm::Cipher::aes_256_cbc(),
        &key[..],
        Some(&iv),
        plain,
    )?;
    let bad = |e: der::Error| KeyFileError::Unsupported(e.to_string());
    let scrypt = ScryptParams {
        salt: OctetString::new(salt.to_vec()).map_err(bad)?,
        cost_parameter: n,
        block_size: r,
        parallelization_parameter: p,
        key_length: Some(32),
    };
    let pbes2 = Pbes2Params {
        key_derivation_func: AlgorithmIdentifierOwned {
            oid: ID_SCRYPT,
            parameters: Some(any(&scrypt)?),
        },
        encryption_scheme: AlgorithmIdentifierOwned {
            oid: AES_256_CBC,
            parameters: Some(any(&OctetString::new(iv.to_vec()).map_err(bad)?)?),
        },
    };
    EncryptedPrivateKeyInfo {
        encryption_algorithm: AlgorithmIdentifierOwned {
            oid: ID_PBES2,
            parameters: Some(any(&pbes2)?),
        },
        encrypted_data: OctetString::new(encrypted).map_err(bad)?,
    }
    .to_der()
    .map_err(bad)
}

/// How an encrypted PKCS#8 file's key is derived from its passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFileKdf {
    /// PBES2 with scrypt, at this cost.
    Scrypt(ScryptCost),
    /// PBES2 with PBKDF2 (OpenSSL's default writer), with this many iterations.
    Pbkdf2(u64),
    /// Anything else (PBES1, a PKCS#12 scheme…).
    Other,
}

/// Reads how the key file `pem` is protected, without its passphrase.
pub fn key_file_kdf(pem: &[u8]) -> Result<KeyFileKdf, KeyFileError> {
    #[derive(Sequence)]
    struct Pbkdf2Params {
        salt: der::Any,
        iteration_count: u64,
        key_length: Option<u64>,
        prf: Option<AlgorithmIdentifierOwned>,
    }
    let text = std::str::from_utf8(pem).map_err(|_| KeyFileError::NotEncrypted)?;
    let (label, der) =
        der::pem::decode_vec(text.trim().as_bytes()).map_err(|_| KeyFileError::NotEncrypted)?;
    if label != "ENCRYPTED PRIVATE KEY" {
        return Err(KeyFileError::NotEncrypted);
    }
    let info = EncryptedPrivateKeyInfo::from_der(&der).map_err(|_| KeyFileError::NotEncrypted)?;
    let params = match (
        &info.encryption_algorithm.oid,
        &info.encryption_algorithm.parameters,
    ) {
        (oid, Some(params)) if *oid == ID_PBES2 => params,
        _ => return Ok(KeyFileKdf::Other),
    };
    let pbes2: Pbes2Params = params.decode_as().map_err(|_| KeyFileError::NotEncrypted)?;
    let kdf = &pbes2.key_derivation_func;
    let Some(params) = &kdf.parameters else {
        return Ok(KeyFileKdf::Other);
    };
    const ID_PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
    if kdf.oid == ID_SCRYPT {
        let s: ScryptParams = params.decode_as().map_err(|_| KeyFileError::NotEncrypted)?;
        let cost = ScryptCost {
            log_n: s.cost_parameter.checked_ilog2().unwrap_or(0) as u8,
            r: s.block_size as u32,
            p: s.parallelization_parameter as u32,
        };
        return Ok(KeyFileKdf::Scrypt(cost));
    }
    if kdf.oid == ID_PBKDF2 {
        let p: Pbkdf2Params = params.decode_as().map_err(|_| KeyFileError::NotEncrypted)?;
        return Ok(KeyFileKdf::Pbkdf2(p.iteration_count));
    }
    Ok(KeyFileKdf::Other)
}

impl Signer for SoftwareKey {
    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        self.alg.identifier()
    }

    fn public_key(&self) -> SubjectPublicKeyInfoOwned {
        self.spki.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        // OpenSSL's ECDSA output is already DER ECDSA-Sig-Value.
        let mut signer = openssl::sign::Signer::new(self.alg.hash().message_digest(), &self.key)
            .map_err(|e| SignerError::Key(e.to_string()))?;
        signer
            .sign_oneshot_to_vec(message)
            .map_err(|e| SignerError::Failed(e.to_string()))
    }
}
