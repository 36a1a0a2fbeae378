//! OCSP (RFC 6960, the RFC 5019 lightweight profile, RFC 8954 nonces) as pure functions:
//! requests parsed from DER or from the GET form, responses built and signed. The status of a
//! serial comes from the caller ([`StatusSource`]); the server and its database live elsewhere.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::asn1::{BitString, Null, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::pkix::{BasicConstraints, CrlReason, ExtendedKeyUsage};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

use crate::alg::HashAlg;
use crate::crl::RevocationReason;
use crate::oids;
use crate::signer::{Signer, SignerError};
use crate::time::generalized_time;

/// Largest request accepted (RFC 6960 sets none; real requests are a few hundred bytes).
pub const MAX_REQUEST_LEN: usize = 64 * 1024;
/// Most certificates asked about in one request.
pub const MAX_CERT_IDS: usize = 100;

/// What the CA's records say about a serial number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertState {
    /// Issued by this CA and not revoked.
    Good,
    /// Revoked at this time for this reason.
    Revoked {
        /// revocationTime.
        at: SystemTime,
        /// revocationReason.
        reason: RevocationReason,
        /// When the key is known or suspected to have been compromised: the invalidityDate
        /// CRL entry extension, which OCSP carries in singleExtensions (RFC 6960 §4.4.5,
        /// RFC 5280 §5.3.2).
        invalidity_date: Option<SystemTime>,
    },
    /// This CA never issued this serial: never "good" (CA/B Forum BR §4.9.10); answered
    /// "revoked" with extended-revoke (RFC 6960 §2.2, §4.4.8).
    NeverIssued,
}

/// The status store cannot answer now: the response is `tryLater` (RFC 6960 §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("certificate status is temporarily unavailable")]
pub struct Unavailable;

/// Where statuses come from: the server's database, a CRL, a test table.
pub trait StatusSource {
    /// The state of `serial` among the certificates of the responder's CA.
    fn status(&self, serial: &SerialNumber) -> Result<CertState, Unavailable>;
}

impl<F> StatusSource for F
where
    F: Fn(&SerialNumber) -> Result<CertState, Unavailable>,
{
    fn status(&self, serial: &SerialNumber) -> Result<CertState, Unavailable> {
        self(serial)
    }
}

/// Why a request is malformed (answered `malformedRequest`, RFC 6960 §2.3).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not DER of an OCSPRequest.
    #[error("not an OCSP request: {0}")]
    Malformed(String),
    /// The GET form is not URL-encoded base64.
    #[error("the GET request is not URL-encoded base64 (RFC 6960 Appendix A.1)")]
    Encoding,
    /// Larger than [`MAX_REQUEST_LEN`].
    #[error("the request is larger than {MAX_REQUEST_LEN} bytes")]
    TooLarge,
    /// No certificate asked about, or more than [`MAX_CERT_IDS`].
    #[error("a request asks about 1 to {MAX_CERT_IDS} certificates, not {0}")]
    CertCount(usize),
    /// The nonce is not 1 to 32 octets (RFC 8954 §2.1).
    #[error("the nonce must be 1 to 32 octets, not {0}")]
    NonceLength(usize),
}

/// A parsed request: the certificates asked about and the nonce to echo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The CertIDs, in request order.
    pub cert_ids: Vec<CertId>,
    /// The nonce extension exactly as received, echoed in the response (RFC 6960 §4.4.1).
    pub nonce: Option<Extension>,
}

/// Parses a DER OCSPRequest (the POST body, `application/ocsp-request`).
pub fn parse_request(der: &[u8]) -> Result<Request, RequestError> {
    if der.len() > MAX_REQUEST_LEN {
        return Err(RequestError::TooLarge);
    }
    let req = OcspRequest::from_der(der).map_err(|e| RequestError::Malformed(e.to_string()))?;
    let list = req.tbs_request.request_list;
    if list.is_empty() || list.len() > MAX_CERT_IDS {
        return Err(RequestError::CertCount(list.len()));
    }
    let nonce = req
        .tbs_request
        .request_extensions
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == oids::OCSP_NONCE);
    if let Some(ext) = &nonce {
        // RFC 8954 §2.1: Nonce ::= OCTET STRING (SIZE(1..32)), itself wrapped in extnValue.
        // Some clients put the bytes directly in extnValue: measure those then.
        let raw = ext.extn_value.as_bytes();
        let len = OctetString::from_der(raw)
            .map(|inner| inner.as_bytes().len())
            .unwrap_or(raw.len());
        if !(1..=32).contains(&len) {
            return Err(RequestError::NonceLength(len));
        }
    }
    Ok(Request {
        cert_ids: list.into_iter().map(|r| r.req_cert).collect(),
        nonce,
    })
}

/// Parses the GET form: the last path segment, URL-encoded base64 of the DER request
/// (RFC 6960 Appendix A.1, RFC 5019 §5).
pub fn parse_get_request(segment: &str) -> Result<Request, RequestError> {
    if segment.len() > MAX_REQUEST_LEN * 2 {
        return Err(RequestError::TooLarge);
    }
    let decoded = percent_decode(segment).ok_or(RequestError::Encoding)?;
    let mut b64: String = decoded;
    while !b64.len().is_multiple_of(4) {
        b64.push('=');
    }
    let der = openssl::base64::decode_block(&b64).map_err(|_| RequestError::Encoding)?;
    parse_request(&der)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why a responder could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ResponderError {
    /// The signer's key is not the responder certificate's (or the CA's).
    #[error("the OCSP signing key does not match the responder certificate")]
    KeyMismatch,
    /// A delegated responder must be issued directly by the CA and carry id-kp-OCSPSigning
    /// (RFC 6960 §4.2.2.2).
    #[error("the responder certificate is not a delegated OCSP responder of this CA (RFC 6960 §4.2.2.2)")]
    NotDelegated,
    /// DER encoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// OpenSSL could not hash the names and keys a CertID is matched with.
    #[error(transparent)]
    Crypto(#[from] crate::alg::CryptoError),
}

/// Why a response could not be signed (the server answers `internalError`).
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// DER encoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The responder's key could not sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// An OCSP responder for one CA: the CA's key itself, or a delegated responder.
pub struct Responder<'a> {
    issuer: &'a Certificate,
    certificate: Option<&'a Certificate>,
    signer: &'a dyn Signer,
    validity: Duration,
    archive_cutoff: Option<SystemTime>,
    responder_id: ResponderId,
    // (hash, issuerNameHash, issuerKeyHash) of the CA for every hash a CertID may use.
    issuer_hashes: Vec<(HashAlg, Vec<u8>, Vec<u8>)>,
}

impl<'a> Responder<'a> {
    /// A responder answering for the certificates `issuer` issued. `certificate` is the
    /// delegated responder's certificate (None when the CA key signs), `validity` the time
    /// between thisUpdate and nextUpdate, `archive_cutoff` the date from which status is kept
    /// (RFC 6960 §4.4.4; EN 319 411-2 CSS-6.3.10-10: the CA's notBefore).
    pub fn new(
        issuer: &'a Certificate,
        certificate: Option<&'a Certificate>,
        signer: &'a dyn Signer,
        validity: Duration,
        archive_cutoff: Option<SystemTime>,
    ) -> Result<Self, ResponderError> {
        let signing_cert = certificate.unwrap_or(issuer);
        if signer.public_key() != signing_cert.tbs_certificate.subject_public_key_info {
            return Err(ResponderError::KeyMismatch);
        }
        if let Some(c) = certificate {
            let tbs = &c.tbs_certificate;
            let eku_ok = tbs
                .get::<ExtendedKeyUsage>()
                .ok()
                .flatten()
                .is_some_and(|(_, eku)| eku.0.contains(&oids::KP_OCSP_SIGNING));
            let not_ca = !tbs
                .get::<BasicConstraints>()
                .ok()
                .flatten()
                .is_some_and(|(_, bc)| bc.ca);
            let signed_by_issuer = tbs.issuer == issuer.tbs_certificate.subject
                && crate::alg::verify(
                    &issuer.tbs_certificate.subject_public_key_info,
                    &c.signature_algorithm,
                    &tbs.to_der()?,
                    c.signature.raw_bytes(),
                )
                .is_ok();
            if !(eku_ok && not_ca && signed_by_issuer) {
                return Err(ResponderError::NotDelegated);
            }
        }
        let key_bits = |c: &Certificate| {
            c.tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes()
                .to_vec()
        };
        // RFC 6960 §4.2.1 / RFC 5019 §2.2.3: byKey, SHA-1 of the responder's key bits.
        let responder_id = ResponderId::ByKey(OctetString::new(
            HashAlg::Sha1.digest(&key_bits(signing_cert))?,
        )?);
        let name = issuer.tbs_certificate.subject.to_der()?;
        let key = key_bits(issuer);
        let issuer_hashes = [
            HashAlg::Sha1,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ]
        .into_iter()
        .map(|h| Ok((h, h.digest(&name)?, h.digest(&key)?)))
        .collect::<Result<_, crate::alg::CryptoError>>()?;
        Ok(Responder {
            issuer,
            certificate,
            signer,
            validity,
            archive_cutoff,
            responder_id,
            issuer_hashes,
        })
    }

    /// The CA this responder answers for.
    pub fn issuer(&self) -> &Certificate {
        self.issuer
    }

    /// Whether `id` names a certificate of this responder's CA (RFC 6960 §4.1.1: hash of the
    /// issuer's DN and of its key bits, with the CertID's own hash).
    pub fn is_ours(&self, id: &CertId) -> bool {
        let Some(hash) = HashAlg::from_oid(&id.hash_algorithm.oid) else {
            return false;
        };
        self.issuer_hashes.iter().any(|(h, name, key)| {
            *h == hash
                && name.as_slice() == id.issuer_name_hash.as_bytes()
                && key.as_slice() == id.issuer_key_hash.as_bytes()
        })
    }

    /// Answers a parsed request: `successful` with a signed BasicOCSPResponse,
    /// `unauthorized` when a CertID is not of this CA, `tryLater` when the status source is
    /// unavailable.
    pub fn respond(
        &self,
        request: &Request,
        status: &dyn StatusSource,
        now: SystemTime,
    ) -> Result<OcspResponse, ResponseError> {
        let mut states = Vec::with_capacity(request.cert_ids.len());
        for id in &request.cert_ids {
            if !self.is_ours(id) {
                // RFC 6960 §2.3, RFC 5019 §2.2.3.
                return Ok(OcspResponse::unauthorized());
            }
            match status.status(&id.serial_number) {
                Ok(s) => states.push((id.clone(), s)),
                Err(Unavailable) => return Ok(OcspResponse::try_later()),
            }
        }
        let basic = self.sign(&states, request.nonce.clone(), now)?;
        Ok(OcspResponse::successful(basic)?)
    }

    /// Builds and signs a BasicOCSPResponse for these CertIDs and states: the pre-signing path
    /// (no nonce) and the live one share it.
    pub fn sign(
        &self,
        states: &[(CertId, CertState)],
        nonce: Option<Extension>,
        now: SystemTime,
    ) -> Result<BasicOcspResponse, ResponseError> {
        let this_update = OcspGeneralizedTime(generalized_time(now)?);
        let next_update = OcspGeneralizedTime(generalized_time(now + self.validity)?);
        let archive_cutoff = match self.archive_cutoff {
            Some(t) => Some(Extension {
                extn_id: oids::OCSP_ARCHIVE_CUTOFF,
                critical: false,
                extn_value: OctetString::new(generalized_time(t)?.to_der()?)?,
            }),
            None => None,
        };
        let mut never_issued = false;
        let mut responses = Vec::with_capacity(states.len());
        for (id, state) in states {
            let mut single_extensions: Vec<Extension> = archive_cutoff.iter().cloned().collect();
            let cert_status = match state {
                CertState::Good => CertStatus::good(),
                CertState::Revoked {
                    at,
                    reason,
                    invalidity_date,
                } => {
                    if let Some(t) = invalidity_date {
                        single_extensions.push(Extension {
                            extn_id: oids::CE_INVALIDITY_DATE,
                            critical: false,
                            extn_value: OctetString::new(generalized_time(*t)?.to_der()?)?,
                        });
                    }
                    CertStatus::Revoked(RevokedInfo {
                        revocation_time: OcspGeneralizedTime(generalized_time(*at)?),
                        revocation_reason: (*reason != RevocationReason::Unspecified)
                            .then(|| reason.crl_reason()),
                    })
                }
                CertState::NeverIssued => {
                    // RFC 6960 §2.2: revoked, 1970-01-01T00:00:00Z, certificateHold.
                    never_issued = true;
                    CertStatus::Revoked(RevokedInfo {
                        revocation_time: OcspGeneralizedTime(generalized_time(UNIX_EPOCH)?),
                        revocation_reason: Some(CrlReason::CertificateHold),
                    })
                }
            };
            responses.push(SingleResponse {
                cert_id: id.clone(),
                cert_status,
                this_update,
                next_update: Some(next_update),
                // RFC 6960 §4.4.4: archiveCutoff goes in singleExtensions.
                single_extensions: (!single_extensions.is_empty()).then_some(single_extensions),
            });
        }
        let mut extensions = Vec::new();
        if let Some(n) = nonce {
            extensions.push(n);
        }
        if never_issued {
            // RFC 6960 §4.4.8: MUST be present when "revoked" answers a non-issued serial.
            extensions.push(Extension {
                extn_id: oids::OCSP_EXTENDED_REVOKE,
                critical: false,
                extn_value: OctetString::new(Null.to_der()?)?,
            });
        }
        let tbs = ResponseData {
            version: Version::V1,
            responder_id: self.responder_id.clone(),
            produced_at: this_update,
            responses,
            response_extensions: (!extensions.is_empty()).then_some(extensions),
        };
        let signature = self.signer.sign(&tbs.to_der()?)?;
        Ok(BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: self.signer.algorithm(),
            signature: BitString::from_bytes(&signature)?,
            // RFC 6960 §4.2.2.2: a delegated responder includes its certificate.
            certs: self.certificate.map(|c| vec![c.clone()]),
        })
    }

    /// Answers a request as parsed (or not) with the DER of the response: `malformedRequest`
    /// for input that is not a valid request, else as [`Responder::respond`]. An error means
    /// the response could not be signed: answer `internalError`.
    pub fn respond_der(
        &self,
        request: Result<Request, RequestError>,
        status: &dyn StatusSource,
        now: SystemTime,
    ) -> Result<Vec<u8>, ResponseError> {
        let response = match request {
            Err(_) => OcspResponse::malformed_request(),
            Ok(req) => self.respond(&req, status, now)?,
        };
        Ok(response.to_der()?)
    }
}
