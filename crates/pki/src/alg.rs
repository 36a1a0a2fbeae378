//! Hash and signature algorithms Jeton signs and verifies with (ETSI TS 119 312: SHA-2
//! only in signatures, RSA PKCS#1 v1.5 or ECDSA), and their identifiers.

use der::asn1::Null;
use der::{Any, Encode};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use crate::oids;

/// A hash function, as named in an `AlgorithmIdentifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-1: only to name a certificate in an OCSP CertID (RFC 5019 clients), never to sign.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The hash's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha1 => oids::SHA1,
            HashAlg::Sha256 => oids::SHA256,
            HashAlg::Sha384 => oids::SHA384,
            HashAlg::Sha512 => oids::SHA512,
        }
    }

    /// The hash named by `oid`, if Jeton knows it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [
            HashAlg::Sha1,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ]
        .into_iter()
        .find(|h| h.oid() == *oid)
    }

    /// `AlgorithmIdentifier` with absent parameters (RFC 5754 §2: implementations should omit them).
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    pub(crate) fn message_digest(self) -> MessageDigest {
        match self {
            HashAlg::Sha1 => MessageDigest::sha1(),
            HashAlg::Sha256 => MessageDigest::sha256(),
            HashAlg::Sha384 => MessageDigest::sha384(),
            HashAlg::Sha512 => MessageDigest::sha512(),
        }
    }

    /// The hash of `data`. OpenSSL fails it when no provider offers the hash (a FIPS-only
    /// or broken configuration) or memory runs out: the caller gets the error.
    pub fn digest(self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        openssl::hash::hash(self.message_digest(), data)
            .map(|d| d.to_vec())
            .map_err(|e| CryptoError::Digest(self.name(), e.to_string()))
    }

    /// The hash's name, as OpenSSL and the standards write it.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }
}

/// OpenSSL could not do what every signature needs: a digest, or random bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The digest failed (no provider offers it, or no memory).
    #[error("OpenSSL could not compute {0}: {1}")]
    Digest(&'static str, String),
    /// The random generator failed (not seeded, or no provider offers it).
    #[error("OpenSSL's random generator failed: {0}")]
    Random(String),
}

/// `len` bytes from OpenSSL's CSPRNG.
pub fn random_bytes(len: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; len];
    openssl::rand::rand_bytes(&mut bytes).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A signature algorithm (RFC 5280 §4.1.1.2, RFC 5758 §3.2, RFC 4055).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlg {
    /// ecdsa-with-SHA256.
    EcdsaSha256,
    /// ecdsa-with-SHA384.
    EcdsaSha384,
    /// ecdsa-with-SHA512.
    EcdsaSha512,
    /// sha256WithRSAEncryption (PKCS#1 v1.5).
    RsaSha256,
    /// sha384WithRSAEncryption.
    RsaSha384,
    /// sha512WithRSAEncryption.
    RsaSha512,
}

impl SignatureAlg {
    const ALL: [SignatureAlg; 6] = [
        SignatureAlg::EcdsaSha256,
        SignatureAlg::EcdsaSha384,
        SignatureAlg::EcdsaSha512,
        SignatureAlg::RsaSha256,
        SignatureAlg::RsaSha384,
        SignatureAlg::RsaSha512,
    ];

    /// The algorithm's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            SignatureAlg::EcdsaSha256 => oids::ECDSA_WITH_SHA256,
            SignatureAlg::EcdsaSha384 => oids::ECDSA_WITH_SHA384,
            SignatureAlg::EcdsaSha512 => oids::ECDSA_WITH_SHA512,
            SignatureAlg::RsaSha256 => oids::SHA256_WITH_RSA,
            SignatureAlg::RsaSha384 => oids::SHA384_WITH_RSA,
            SignatureAlg::RsaSha512 => oids::SHA512_WITH_RSA,
        }
    }

    /// The hash the algorithm signs with.
    pub fn hash(self) -> HashAlg {
        match self {
            SignatureAlg::EcdsaSha256 | SignatureAlg::RsaSha256 => HashAlg::Sha256,
            SignatureAlg::EcdsaSha384 | SignatureAlg::RsaSha384 => HashAlg::Sha384,
            SignatureAlg::EcdsaSha512 | SignatureAlg::RsaSha512 => HashAlg::Sha512,
        }
    }

    /// Whether it is an ECDSA algorithm.
    pub fn is_ecdsa(self) -> bool {
        matches!(
            self,
            SignatureAlg::EcdsaSha256 | SignatureAlg::EcdsaSha384 | SignatureAlg::EcdsaSha512
        )
    }

    /// The `AlgorithmIdentifier`: ECDSA with absent parameters (RFC 5758 §3.2), RSA with NULL
    /// (RFC 4055 §5).
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: if self.is_ecdsa() {
                None
            } else {
                Some(Any::from(Null))
            },
        }
    }

    /// The algorithm named by an `AlgorithmIdentifier`, if Jeton supports it.
    pub fn from_identifier(id: &AlgorithmIdentifierOwned) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.oid() == id.oid)
    }
}

/// Why a signature did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The signature algorithm is not one Jeton accepts (TS 119 312: SHA-2 with RSA or ECDSA).
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(ObjectIdentifier),
    /// The public key could not be read.
    #[error("the public key cannot be read: {0}")]
    BadKey(String),
    /// The key type does not match the signature algorithm.
    #[error("the key does not match signature algorithm {0}")]
    KeyMismatch(ObjectIdentifier),
    /// The signature is wrong.
    #[error("the signature does not verify")]
    Invalid,
}

/// Verifies `signature` over `message` with the key in `spki`, as an X.509 signature
/// (ECDSA signatures as DER `ECDSA-Sig-Value`, RFC 5480 §2.2 / RFC 3279 §2.2.3).
pub fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let alg = SignatureAlg::from_identifier(algorithm)
        .ok_or(VerifyError::UnsupportedAlgorithm(algorithm.oid))?;
    let spki_der = spki
        .to_der()
        .map_err(|e| VerifyError::BadKey(e.to_string()))?;
    let key =
        PKey::public_key_from_der(&spki_der).map_err(|e| VerifyError::BadKey(e.to_string()))?;
    let key_is_ec = key.id() == openssl::pkey::Id::EC;
    let key_is_rsa = key.id() == openssl::pkey::Id::RSA;
    if (alg.is_ecdsa() && !key_is_ec) || (!alg.is_ecdsa() && !key_is_rsa) {
        return Err(VerifyError::KeyMismatch(algorithm.oid));
    }
    let mut verifier = openssl::sign::Verifier::new(alg.hash().message_digest(), &key)
        .map_err(|e| VerifyError::BadKey(e.to_string()))?;
    match verifier.verify_oneshot(signature, message) {
        Ok(true) => Ok(()),
        _ => Err(VerifyError::Invalid),
    }
}
