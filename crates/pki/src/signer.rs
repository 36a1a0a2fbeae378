//! The one narrow trait every certificate, CRL, OCSP response and time-stamp is signed
//! through, and its software implementation (a key in an encrypted PKCS#8 file).

use der::Decode;
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

    /// The key as an encrypted PKCS#8 PEM (PBES2, AES-256-CBC).
    pub fn to_encrypted_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
        Ok(Zeroizing::new(
            self.key.private_key_to_pem_pkcs8_passphrase(
                openssl::symm::Cipher::aes_256_cbc(),
                passphrase,
            )?,
        ))
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
