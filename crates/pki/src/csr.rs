//! PKCS#10 certification requests (RFC 2986): parsed, the key checked against the policy of
//! ETSI TS 119 312, and the proof of possession verified (RFC 2986 §3: the request is signed
//! with the private key of the public key it carries).

use const_oid::AssociatedOid;
use der::{Decode, DecodePem, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, ExtensionReq, Version};

use crate::alg::{verify, VerifyError};
use crate::keypolicy::{check_key, KeyPolicyError, KeyType};

/// Largest request accepted, well above any real CSR (a few KB).
pub const MAX_CSR_LEN: usize = 64 * 1024;

/// A request whose key passed the policy and whose proof of possession verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificationRequest {
    /// The subject the requester asked for (the RA decides what is certified).
    pub subject: Name,
    /// The key to certify.
    pub public_key: SubjectPublicKeyInfoOwned,
    /// The key's type.
    pub key_type: KeyType,
    /// Extensions asked for in an extensionRequest attribute (RFC 2985 §5.4.2), for information:
    /// the profile decides the certificate's extensions.
    pub requested_extensions: Vec<Extension>,
}

/// Why a request is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsrError {
    /// Larger than [`MAX_CSR_LEN`].
    #[error("the request is larger than {MAX_CSR_LEN} bytes")]
    TooLarge,
    /// Neither DER nor PEM of a PKCS#10 request.
    #[error("not a PKCS#10 certification request (DER or PEM \"CERTIFICATE REQUEST\"): {0}")]
    Malformed(String),
    /// The key is refused by the policy.
    #[error(transparent)]
    KeyPolicy(#[from] KeyPolicyError),
    /// The signature does not prove possession of the private key.
    #[error("proof of possession failed: {0}")]
    ProofOfPossession(#[from] VerifyError),
}

/// Parses a request (DER, or PEM with the `CERTIFICATE REQUEST` label) and checks it.
pub fn parse_csr(bytes: &[u8]) -> Result<CertificationRequest, CsrError> {
    if bytes.len() > MAX_CSR_LEN {
        return Err(CsrError::TooLarge);
    }
    let req = if bytes.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(bytes).map_err(|e| CsrError::Malformed(e.to_string()))?;
        let text = text.replace("NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST");
        CertReq::from_pem(text.as_bytes())
    } else {
        CertReq::from_der(bytes)
    }
    .map_err(|e| CsrError::Malformed(e.to_string()))?;
    if req.info.version != Version::V1 {
        return Err(CsrError::Malformed("version must be v1 (0)".into()));
    }
    let key_type = check_key(&req.info.public_key)?;
    let info = req
        .info
        .to_der()
        .map_err(|e| CsrError::Malformed(e.to_string()))?;
    verify(
        &req.info.public_key,
        &req.algorithm,
        &info,
        req.signature.raw_bytes(),
    )?;
    let mut requested_extensions = Vec::new();
    for attr in req.info.attributes.iter() {
        if attr.oid == ExtensionReq::OID {
            for value in attr.values.iter() {
                let exts: ExtensionReq = value
                    .decode_as()
                    .map_err(|e| CsrError::Malformed(e.to_string()))?;
                requested_extensions.extend(exts.0);
            }
        }
    }
    Ok(CertificationRequest {
        subject: req.info.subject,
        public_key: req.info.public_key,
        key_type,
        requested_extensions,
    })
}
