//! Issuing a certificate from a checked profile (RFC 5280 §4.1, EN 319 412-2).

use std::time::SystemTime;

use der::asn1::{BitString, Ia5String, Null, ObjectIdentifier, OctetString, PrintableString};
use der::flagset::FlagSet;
use der::{Any, Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

use crate::alg::{random_bytes, CryptoError, HashAlg};
use crate::keypolicy::{check_key, KeyPolicyError};
use crate::name::{NameError, Subject};
use crate::oids;
use crate::profile::{AccessPointer, KeyUsageBit, Profile, QcType, Semantics};
use crate::qc::{PdsLocation, QcStatement, SemanticsInformation};
use crate::signer::{Signer, SignerError};
use crate::time::x509_time;

/// Why a certificate was not issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The subject is not of the kind the profile is for.
    #[error("profile {profile:?} is for a {expected} subject")]
    SubjectKind {
        /// The profile.
        profile: String,
        /// The subject kind it wants.
        expected: crate::name::SubjectKind,
    },
    /// The subject name is wrong.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The subject's key is refused.
    #[error(transparent)]
    KeyPolicy(#[from] KeyPolicyError),
    /// The validity period is wrong.
    #[error("validity: {0}")]
    Validity(String),
    /// A root CA signs only CA certificates (EN 319 411-1 §6.5.1 key usage separation, as
    /// CA/Browser Forum BR §6.1.7 puts it: root keys sign no end-entity certificate).
    #[error("a root CA issues only CA certificates: issue profile {0:?} from the issuing CA")]
    EndEntityFromRoot(String),
    /// The issuer certificate is not a CA certificate.
    #[error("the issuer certificate is not a CA (basicConstraints cA and keyCertSign, RFC 5280 §4.2.1.9)")]
    IssuerNotCa,
    /// The issuer's signer does not hold the issuer certificate's key.
    #[error("the issuer's signing key does not match the issuer certificate")]
    IssuerKeyMismatch,
    /// A URL the profile needs was not given, or is not acceptable.
    #[error("URL for {what}: {reason}")]
    Url {
        /// Which pointer.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The provider's settings lack what the profile needs.
    #[error("provider settings: {0}")]
    Provider(String),
    /// DER encoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The issuer's key could not sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// OpenSSL could not hash or draw the serial number.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// A PKI disclosure statement location (EN 319 412-5 §4.3.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pds {
    /// https URL.
    pub url: String,
    /// ISO 639-1 language code, e.g. `en`.
    pub language: String,
}

/// The provider-wide settings that certificates carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provider {
    /// The provider's own certificate policy OID (its CP), added where profiles ask for it.
    pub policy: Option<ObjectIdentifier>,
    /// PKI disclosure statements; an English one is expected (EN 319 412-5 §4.3.4).
    pub pds: Vec<Pds>,
}

/// Where an issuer publishes its certificate, its status and its CRL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IssuerUrls {
    /// The issuer's certificate (DER), http(s) (RFC 5280 §4.2.2.1, EN 319 412-2 GEN-4.4.1-3).
    pub ca_issuers: Option<String>,
    /// The OCSP responder, http(s) (EN 319 412-2 GEN-4.4.1-6).
    pub ocsp: Option<String>,
    /// The CRL, http(s) or ldap (EN 319 412-2 GEN-4.3.11-4).
    pub crl: Option<String>,
}

/// The issuing CA: its certificate, its key, its publication points.
pub struct Issuer<'a> {
    /// The CA certificate.
    pub certificate: &'a Certificate,
    /// The CA's key.
    pub signer: &'a dyn Signer,
    /// Where it publishes.
    pub urls: &'a IssuerUrls,
}

/// The validity period asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
}

/// A positive random serial number of 16 octets (RFC 5280 §4.1.2.2; ≥ 64 bits of CSPRNG
/// output as CA/B Forum BR §7.1 asks): 126 random bits, top bit clear, second bit set so the
/// DER length never shrinks.
pub fn random_serial() -> Result<SerialNumber, IssueError> {
    let mut bytes = random_bytes(16)?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::new(&bytes)?)
}

/// The RFC 5280 §4.2.1.2 method (1) key identifier: SHA-1 of the subjectPublicKey bits.
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<Vec<u8>, CryptoError> {
    HashAlg::Sha1.digest(spki.subject_public_key.raw_bytes())
}

/// Issues a certificate for `subject` and its key `spki`, signed by `issuer`.
pub fn issue(
    profile: &Profile,
    provider: &Provider,
    subject: &Subject,
    spki: &SubjectPublicKeyInfoOwned,
    issuer: &Issuer<'_>,
    period: Period,
) -> Result<Certificate, IssueError> {
    let ca = &issuer.certificate.tbs_certificate;
    let is_ca = ca
        .get::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca);
    let can_sign = ca
        .get::<KeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, ku)| ku.key_cert_sign());
    if !is_ca || !can_sign {
        return Err(IssueError::IssuerNotCa);
    }
    if issuer.signer.public_key() != ca.subject_public_key_info {
        return Err(IssueError::IssuerKeyMismatch);
    }
    if ca.subject == ca.issuer && !profile.role.is_ca() {
        return Err(IssueError::EndEntityFromRoot(profile.name.clone()));
    }
    // RFC 5280 §6.1.3: a certificate outside its issuer's validity does not validate.
    if period.not_before < ca.validity.not_before.to_system_time()
        || period.not_after > ca.validity.not_after.to_system_time()
    {
        return Err(IssueError::Validity(
            "the period must lie within the issuer certificate's validity".into(),
        ));
    }
    let aki = ca
        .get::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| Ok(ski.0.as_bytes().to_vec()))
        .unwrap_or_else(|| key_identifier(&ca.subject_public_key_info))?;
    build(
        profile,
        provider,
        subject,
        spki,
        ca.subject.clone(),
        aki,
        issuer.signer,
        issuer.urls,
        period,
    )
}

/// Issues a self-signed root CA certificate with `signer`'s key.
pub fn issue_self_signed(
    profile: &Profile,
    provider: &Provider,
    subject: &Subject,
    signer: &dyn Signer,
    period: Period,
) -> Result<Certificate, IssueError> {
    let spki = signer.public_key();
    let name = subject.to_name()?;
    let aki = key_identifier(&spki)?;
    build(
        profile,
        provider,
        subject,
        &spki,
        name,
        aki,
        signer,
        &IssuerUrls::default(),
        period,
    )
}

fn ext<T: Encode>(
    oid: ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, der::Error> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(
    what: &'static str,
    url: Option<&String>,
    schemes: &[&str],
) -> Result<GeneralName, IssueError> {
    let url = url.ok_or(IssueError::Url {
        what,
        reason: "not configured".into(),
    })?;
    if !schemes.iter().any(|s| url.starts_with(&format!("{s}://"))) {
        return Err(IssueError::Url {
            what,
            reason: format!("{url:?} must start with {}", schemes.join("://, ") + "://"),
        });
    }
    let ia5 = Ia5String::new(url).map_err(|_| IssueError::Url {
        what,
        reason: "only ASCII is allowed (IA5String)".into(),
    })?;
    Ok(GeneralName::UniformResourceIdentifier(ia5))
}

#[allow(clippy::too_many_arguments)]
fn build(
    profile: &Profile,
    provider: &Provider,
    subject: &Subject,
    spki: &SubjectPublicKeyInfoOwned,
    issuer_name: Name,
    authority_key_id: Vec<u8>,
    signer: &dyn Signer,
    urls: &IssuerUrls,
    period: Period,
) -> Result<Certificate, IssueError> {
    if subject.kind() != profile.subject {
        return Err(IssueError::SubjectKind {
            profile: profile.name.clone(),
            expected: profile.subject,
        });
    }
    check_key(spki)?;
    let lifetime = period
        .not_after
        .duration_since(period.not_before)
        .map_err(|_| IssueError::Validity("notAfter is before notBefore".into()))?;
    if lifetime.is_zero() {
        return Err(IssueError::Validity(
            "notAfter must be after notBefore (a certificate valid for no time)".into(),
        ));
    }
    if lifetime.as_secs() > u64::from(profile.max_validity_days) * 86_400 {
        return Err(IssueError::Validity(format!(
            "profile {:?} allows at most {} days",
            profile.name, profile.max_validity_days
        )));
    }

    let mut exts = Vec::new();
    if profile.role.is_ca() {
        // RFC 5280 §4.2.1.9: critical in CA certificates.
        exts.push(ext(
            oids::CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: profile.path_length,
            },
        )?);
    }
    let mut ku = FlagSet::<KeyUsages>::default();
    for bit in &profile.key_usage {
        ku |= match bit {
            KeyUsageBit::DigitalSignature => KeyUsages::DigitalSignature,
            KeyUsageBit::NonRepudiation => KeyUsages::NonRepudiation,
            KeyUsageBit::KeyEncipherment => KeyUsages::KeyEncipherment,
            KeyUsageBit::KeyAgreement => KeyUsages::KeyAgreement,
            KeyUsageBit::KeyCertSign => KeyUsages::KeyCertSign,
            KeyUsageBit::CrlSign => KeyUsages::CRLSign,
        };
    }
    // RFC 5280 §4.2.1.3: SHOULD be critical.
    exts.push(ext(oids::CE_KEY_USAGE, true, &KeyUsage(ku))?);
    if !profile.extended_key_usage.is_empty() {
        let eku = ExtendedKeyUsage(profile.extended_key_usage.iter().map(|e| e.oid()).collect());
        exts.push(ext(
            oids::CE_EXT_KEY_USAGE,
            profile.extended_key_usage_critical,
            &eku,
        )?);
    }
    let mut policies: Vec<ObjectIdentifier> = profile.policy_oids().to_vec();
    if profile.provider_policy {
        policies.push(provider.policy.ok_or_else(|| {
            IssueError::Provider(format!(
                "profile {:?} needs the provider's certificate policy OID",
                profile.name
            ))
        })?);
    }
    if !policies.is_empty() {
        let cp = CertificatePolicies(
            policies
                .into_iter()
                .map(|policy_identifier| PolicyInformation {
                    policy_identifier,
                    policy_qualifiers: None,
                })
                .collect(),
        );
        // EN 319 412-2 §4.3.3: should not be critical.
        exts.push(ext(oids::CE_CERTIFICATE_POLICIES, false, &cp)?);
    }
    exts.push(ext(
        oids::CE_SUBJECT_KEY_ID,
        false,
        &SubjectKeyIdentifier(OctetString::new(key_identifier(spki)?)?),
    )?);
    exts.push(ext(
        oids::CE_AUTHORITY_KEY_ID,
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(authority_key_id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    )?);
    let mut aia = Vec::new();
    if profile.pointers.contains(&AccessPointer::CaIssuers) {
        aia.push(AccessDescription {
            access_method: oids::AD_CA_ISSUERS,
            access_location: uri("caIssuers", urls.ca_issuers.as_ref(), &["http", "https"])?,
        });
    }
    if profile.pointers.contains(&AccessPointer::Ocsp) {
        aia.push(AccessDescription {
            access_method: oids::AD_OCSP,
            access_location: uri("OCSP", urls.ocsp.as_ref(), &["http", "https"])?,
        });
    }
    if !aia.is_empty() {
        exts.push(ext(
            oids::PE_AUTHORITY_INFO_ACCESS,
            false,
            &AuthorityInfoAccessSyntax(aia),
        )?);
    }
    if profile
        .pointers
        .contains(&AccessPointer::CrlDistributionPoint)
    {
        let dp = DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![uri(
                "CRL distribution point",
                urls.crl.as_ref(),
                &["http", "ldap"],
            )?])),
            reasons: None,
            crl_issuer: None,
        };
        // EN 319 412-2 GEN-4.3.11-5: not critical.
        exts.push(ext(
            oids::CE_CRL_DISTRIBUTION_POINTS,
            false,
            &CrlDistributionPoints(vec![dp]),
        )?);
    }
    if let Some(qc) = &profile.qc_statements {
        exts.push(ext(
            oids::QC_STATEMENTS,
            false,
            &qc_statements(qc, provider)?,
        )?);
    }
    if profile.ocsp_nocheck {
        exts.push(ext(oids::OCSP_NOCHECK, false, &Null)?);
    }

    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: random_serial()?,
        signature: signer.algorithm(),
        issuer: issuer_name,
        validity: Validity {
            not_before: x509_time(period.not_before)?,
            not_after: x509_time(period.not_after)?,
        },
        subject: subject.to_name()?,
        subject_public_key_info: spki.clone(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(exts),
    };
    let signature = signer.sign(&tbs.to_der()?)?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signer.algorithm(),
        signature: BitString::from_bytes(&signature)?,
    })
}

/// The QCStatements of EN 319 412-5 §4 in the order of the research notes' DER shape.
fn qc_statements(
    qc: &crate::profile::QcStatements,
    provider: &Provider,
) -> Result<Vec<QcStatement>, IssueError> {
    let bare = |statement_id| QcStatement {
        statement_id,
        statement_info: None,
    };
    let mut out = Vec::new();
    if qc.compliance {
        out.push(bare(oids::QC_COMPLIANCE));
    }
    if qc.sscd {
        out.push(bare(oids::QC_SSCD));
    }
    if let Some(QcType::Esign) = qc.qc_type {
        out.push(QcStatement {
            statement_id: oids::QC_TYPE,
            statement_info: Some(Any::encode_from(&vec![oids::QCT_ESIGN])?),
        });
    }
    if qc.pds {
        if provider.pds.is_empty() {
            return Err(IssueError::Provider(
                "QcPDS needs at least one PKI disclosure statement (EN 319 411-1 §6.1)".into(),
            ));
        }
        let mut locations = Vec::new();
        for pds in &provider.pds {
            // EN 319 412-5 §4.3.4: https only; ISO 639-1 two-letter language.
            if !pds.url.starts_with("https://") {
                return Err(IssueError::Url {
                    what: "QcPDS",
                    reason: format!("{:?} must be an https URL (EN 319 412-5 §4.3.4)", pds.url),
                });
            }
            if pds.language.len() != 2 || !pds.language.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(IssueError::Provider(format!(
                    "PDS language {:?} is not an ISO 639-1 code such as \"en\"",
                    pds.language
                )));
            }
            locations.push(PdsLocation {
                url: Ia5String::new(&pds.url).map_err(|_| IssueError::Url {
                    what: "QcPDS",
                    reason: "only ASCII is allowed (IA5String)".into(),
                })?,
                language: PrintableString::new(&pds.language)?,
            });
        }
        out.push(QcStatement {
            statement_id: oids::QC_PDS,
            statement_info: Some(Any::encode_from(&locations)?),
        });
    }
    if let Some(Semantics::Natural) = qc.semantics {
        out.push(QcStatement {
            statement_id: oids::PKIX_QC_SYNTAX_V2,
            statement_info: Some(Any::encode_from(&SemanticsInformation {
                semantics_identifier: Some(oids::SEMANTICS_ID_NATURAL),
            })?),
        });
    }
    if let Some(years) = qc.retention_period_years {
        out.push(QcStatement {
            statement_id: oids::QC_RETENTION_PERIOD,
            statement_info: Some(Any::encode_from(&years)?),
        });
    }
    Ok(out)
}

/// Parses a DER certificate.
pub fn parse_certificate(der: &[u8]) -> Result<Certificate, der::Error> {
    Certificate::from_der(der)
}
