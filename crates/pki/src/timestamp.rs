//! RFC 3161 time-stamps with the RFC 5816 ESSCertIDv2 and the ETSI EN 319 422 profile:
//! TimeStampReq in, TimeStampResp out. Every input gets an answer: a token, or a rejection
//! with the PKIFailureInfo bit that says why (badAlg, badRequest, badDataFormat,
//! unacceptedPolicy, unacceptedExtension), never a panic.

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{
    BitString, GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec, Utf8StringRef,
};
use der::{Any, Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TspVersion, TstInfo};

use crate::alg::{HashAlg, SignatureAlg};
use crate::oids;
use crate::qc::QcStatement;
use crate::signer::{Signer, SignerError};

/// Largest request accepted (a real one is under 100 bytes).
pub const MAX_REQUEST_LEN: usize = 16 * 1024;

/// `ESSCertIDv2` (RFC 5035 §3, used by RFC 5816).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EssCertIdV2 {
    /// The hash of the certificate; absent means SHA-256.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// The hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// The certificate's issuer and serial.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial` (RFC 5035 §4).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct IssuerSerial {
    /// The issuer, as a directoryName.
    pub issuer: Vec<GeneralName>,
    /// The certificate's serial.
    pub serial_number: SerialNumber,
}

/// `SigningCertificateV2` (RFC 5035 §3), without policies.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signing certificate first.
    pub certs: Vec<EssCertIdV2>,
}

/// Why a request is rejected: the PKIFailureInfo bit (RFC 3161 §2.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// Unrecognized or unsupported hash algorithm (SHA-1 is refused, ETSI TS 119 312).
    #[error("badAlg: use SHA-256, SHA-384 or SHA-512")]
    BadAlg,
    /// Transaction not permitted or supported.
    #[error("badRequest: the request is not acceptable")]
    BadRequest,
    /// The data submitted has the wrong format (not DER, or a hash of the wrong length).
    #[error(
        "badDataFormat: not a DER TimeStampReq, or the hash length does not match its algorithm"
    )]
    BadDataFormat,
    /// The requested TSA policy is not supported.
    #[error("unacceptedPolicy: this TSA issues time-stamps under its own policy only")]
    UnacceptedPolicy,
    /// The requested extension is not supported.
    #[error("unacceptedExtension: this TSA supports no request extension")]
    UnacceptedExtension,
}

impl Failure {
    /// The PKIFailureInfo bit number (RFC 3161 §2.4.2).
    pub fn bit(self) -> u8 {
        match self {
            Failure::BadAlg => 0,
            Failure::BadRequest => 2,
            Failure::BadDataFormat => 5,
            Failure::UnacceptedPolicy => 15,
            Failure::UnacceptedExtension => 16,
        }
    }

    /// PKIFailureInfo as a DER named-bit BIT STRING (X.690 §11.2.2: no trailing zero bits).
    fn bit_string(self) -> Result<BitString, der::Error> {
        let n = self.bit();
        let mut bytes = vec![0u8; usize::from(n / 8) + 1];
        bytes[usize::from(n / 8)] = 0x80 >> (n % 8);
        BitString::new(7 - n % 8, bytes)
    }
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2, from RFC 4210). The `cmpv2` crate's own type encodes
/// failInfo bits wrongly (positions used as masks), hence this one.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct StatusInfo<'a> {
    /// granted (0), grantedWithMods (1), rejection (2), …
    pub status: u8,
    /// Text for a person.
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Utf8StringRef<'a>>>,
    /// Why a request was rejected.
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TimeStampResp<'a> {
    /// The status.
    pub status: StatusInfo<'a>,
    /// The token when granted.
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<ContentInfo>,
}

/// A request the TSA accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The hash of the data to stamp, and its algorithm.
    pub message_imprint: MessageImprint,
    /// The client's nonce, echoed.
    pub nonce: Option<Int>,
    /// Whether the TSA certificate goes into the token.
    pub cert_req: bool,
}

/// Why a TSA could not be set up or a token not made.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// The signer's key is not the TSA certificate's.
    #[error("the TSA signing key does not match the TSA certificate")]
    KeyMismatch,
    /// RFC 3161 §2.3: the TSA certificate has a critical EKU with id-kp-timeStamping only.
    #[error("the TSA certificate needs a critical extendedKeyUsage with id-kp-timeStamping only (RFC 3161 §2.3)")]
    NotTsaCertificate,
    /// DER failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The TSA key could not sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// OpenSSL could not hash.
    #[error(transparent)]
    Crypto(#[from] crate::alg::CryptoError),
}

/// The declared accuracy of genTime (EN 319 421: ±1 s or better).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeAccuracy {
    /// Seconds.
    pub seconds: u64,
    /// Milliseconds (0–999).
    pub millis: u16,
    /// Microseconds (0–999).
    pub micros: u16,
}

/// A time-stamping unit: its certificate, key, policy and accuracy.
pub struct Tsa<'a> {
    certificate: &'a Certificate,
    signer: &'a dyn Signer,
    policy: ObjectIdentifier,
    accuracy: TimeAccuracy,
    qualified: bool,
    digest: HashAlg,
    signing_certificate: Attribute,
}

/// Parses a DER TimeStampReq and checks it.
pub fn parse_request(der: &[u8]) -> Result<(Request, Option<ObjectIdentifier>), Failure> {
    if der.len() > MAX_REQUEST_LEN {
        return Err(Failure::BadRequest);
    }
    let req = TimeStampReq::from_der(der).map_err(|_| Failure::BadDataFormat)?;
    let imprint = &req.message_imprint;
    let hash = match HashAlg::from_oid(&imprint.hash_algorithm.oid) {
        Some(HashAlg::Sha1) | None => return Err(Failure::BadAlg),
        Some(h) => h,
    };
    // Parameters absent or NULL (RFC 5754 §2).
    if imprint
        .hash_algorithm
        .parameters
        .as_ref()
        .is_some_and(|p| p.tag() != Tag::Null || !p.value().is_empty())
    {
        return Err(Failure::BadAlg);
    }
    if imprint.hashed_message.as_bytes().len() != hash.output_len() {
        return Err(Failure::BadDataFormat);
    }
    if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
        return Err(Failure::UnacceptedExtension);
    }
    Ok((
        Request {
            message_imprint: req.message_imprint,
            nonce: req.nonce,
            cert_req: req.cert_req,
        },
        req.req_policy,
    ))
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

impl<'a> Tsa<'a> {
    /// A TSU signing with `signer` under `policy` (e.g. the provider's TSA policy, or
    /// best-practices-ts-policy 0.4.0.2023.1.1). `qualified` adds the EN 319 422 §9.1
    /// EuQCompliance statement to each token.
    pub fn new(
        certificate: &'a Certificate,
        signer: &'a dyn Signer,
        policy: ObjectIdentifier,
        accuracy: TimeAccuracy,
        qualified: bool,
    ) -> Result<Self, TsaError> {
        let tbs = &certificate.tbs_certificate;
        if signer.public_key() != tbs.subject_public_key_info {
            return Err(TsaError::KeyMismatch);
        }
        let eku_ok = tbs
            .get::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(critical, eku)| critical && eku.0 == [oids::KP_TIME_STAMPING]);
        if !eku_ok {
            return Err(TsaError::NotTsaCertificate);
        }
        let digest = SignatureAlg::from_identifier(&signer.algorithm())
            .map(SignatureAlg::hash)
            .unwrap_or(HashAlg::Sha256);
        // RFC 5816 §2.2.1: ESSCertIDv2 with SHA-256 (the default, so hashAlgorithm omitted).
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm: None,
                cert_hash: OctetString::new(HashAlg::Sha256.digest(&certificate.to_der()?)?)?,
                issuer_serial: Some(IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                    serial_number: tbs.serial_number.clone(),
                }),
            }],
        };
        let signing_certificate =
            attribute(oids::AA_SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?;
        Ok(Tsa {
            certificate,
            signer,
            policy,
            accuracy,
            qualified,
            digest,
            signing_certificate,
        })
    }

    /// Answers the DER of a TimeStampReq with the DER of a TimeStampResp: a token stamped
    /// `gen_time` with the caller's unique `serial`, or a rejection. An error means the token
    /// could not be signed (answer with an HTTP error, or a systemFailure).
    pub fn respond(
        &self,
        request: &[u8],
        serial: &SerialNumber,
        gen_time: SystemTime,
    ) -> Result<Vec<u8>, TsaError> {
        let checked = parse_request(request).and_then(|(req, policy)| match policy {
            Some(p) if p != self.policy => Err(Failure::UnacceptedPolicy),
            _ => Ok(req),
        });
        match checked {
            Ok(req) => {
                let token = self.token(&req, serial, gen_time)?;
                Ok(TimeStampResp {
                    status: StatusInfo {
                        status: 0,
                        status_string: None,
                        fail_info: None,
                    },
                    time_stamp_token: Some(token),
                }
                .to_der()?)
            }
            Err(failure) => Ok(rejection(failure)?),
        }
    }

    /// The signed token (a CMS SignedData over TSTInfo) for an accepted request.
    pub fn token(
        &self,
        req: &Request,
        serial: &SerialNumber,
        gen_time: SystemTime,
    ) -> Result<ContentInfo, TsaError> {
        let extensions = if self.qualified {
            // EN 319 422 §9.1, Annex B: qcStatements with esi4-qtstStatement-1.
            let statements = vec![QcStatement {
                statement_id: oids::EU_QC_TIMESTAMP,
                statement_info: None,
            }];
            Some(vec![Extension {
                extn_id: oids::QC_STATEMENTS,
                critical: false,
                extn_value: OctetString::new(statements.to_der()?)?,
            }])
        } else {
            None
        };
        let a = self.accuracy;
        let tst = TstInfo {
            version: TspVersion::V1,
            policy: self.policy,
            message_imprint: req.message_imprint.clone(),
            serial_number: Int::new(serial.as_bytes())?,
            gen_time: GeneralizedTime::from_system_time(gen_time)?,
            accuracy: Some(Accuracy {
                seconds: (a.seconds > 0).then_some(a.seconds),
                millis: (a.millis > 0).then_some(a.millis as i16),
                micros: (a.micros > 0).then_some(a.micros as i16),
            }),
            // EN 319 422: ordering false.
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: Some(GeneralName::DirectoryName(
                self.certificate.tbs_certificate.subject.clone(),
            )),
            extensions,
        };
        let tst_der = tst.to_der()?;
        let signed_attrs = SetOfVec::try_from(vec![
            attribute(oids::AA_CONTENT_TYPE, Any::encode_from(&oids::CT_TST_INFO)?)?,
            attribute(
                oids::AA_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(self.digest.digest(&tst_der)?)?)?,
            )?,
            self.signing_certificate.clone(),
        ])?;
        // RFC 5652 §5.4: the signature covers the DER of the SET OF attributes.
        let signature = self.signer.sign(&signed_attrs.to_der()?)?;
        let tbs = &self.certificate.tbs_certificate;
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: self.digest.identifier(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: self.signer.algorithm(),
            signature: OctetString::new(signature)?,
            unsigned_attrs: None,
        };
        let signed_data = SignedData {
            // RFC 5652 §5.1: v3 because eContentType is not id-data.
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![self.digest.identifier()])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oids::CT_TST_INFO,
                econtent: Some(Any::new(Tag::OctetString, tst_der)?),
            },
            certificates: if req.cert_req {
                Some(CertificateSet::try_from(vec![
                    CertificateChoices::Certificate(self.certificate.clone()),
                ])?)
            } else {
                None
            },
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info])?,
        };
        Ok(ContentInfo {
            content_type: oids::CMS_SIGNED_DATA,
            content: Any::encode_from(&signed_data)?,
        })
    }
}

/// The DER of a rejection (status 2) with `failure`'s bit and its text.
pub fn rejection(failure: Failure) -> Result<Vec<u8>, der::Error> {
    let text = failure.to_string();
    TimeStampResp {
        status: StatusInfo {
            status: 2,
            status_string: Some(vec![Utf8StringRef::new(&text)?]),
            fail_info: Some(failure.bit_string()?),
        },
        time_stamp_token: None,
    }
    .to_der()
}
