//! Certificate profiles as data: TOML files shipped in `crates/pki/profiles/`, checked when
//! loaded against the rules of RFC 5280 and the ETSI EN 319 412 family, so that a profile that
//! would produce a non-conforming certificate never reaches the CA.

use std::collections::BTreeSet;
use std::fmt;

use der::asn1::ObjectIdentifier;
use serde::Deserialize;

use crate::name::SubjectKind;
use crate::oids;

/// The profiles shipped with Jeton, as (file name, TOML text).
pub const BUILTIN: [(&str, &str); 6] = [
    ("root-ca.toml", include_str!("../profiles/root-ca.toml")),
    (
        "issuing-ca.toml",
        include_str!("../profiles/issuing-ca.toml"),
    ),
    (
        "qualified-signing.toml",
        include_str!("../profiles/qualified-signing.toml"),
    ),
    (
        "authentication.toml",
        include_str!("../profiles/authentication.toml"),
    ),
    (
        "ocsp-responder.toml",
        include_str!("../profiles/ocsp-responder.toml"),
    ),
    ("tsa.toml", include_str!("../profiles/tsa.toml")),
];

/// Loads and checks every shipped profile.
pub fn builtin() -> Result<Vec<Profile>, ProfileError> {
    BUILTIN
        .iter()
        .map(|(_, text)| Profile::from_toml(text))
        .collect()
}

/// What a certificate made from the profile is for; each role has its own rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Self-signed root CA.
    RootCa,
    /// CA issuing the holders' certificates, signed by the root.
    IssuingCa,
    /// The holder's qualified signing certificate (PIV slot 9C), QCP-n-qscd.
    QualifiedSigning,
    /// The holder's authentication certificate (PIV slot 9A), NCP+, not qualified.
    Authentication,
    /// Delegated OCSP responder (RFC 6960 §4.2.2.2).
    OcspResponder,
    /// Time-stamping unit (RFC 3161 §2.3).
    Tsa,
}

impl Role {
    /// Whether certificates of this role are CA certificates.
    pub fn is_ca(self) -> bool {
        matches!(self, Role::RootCa | Role::IssuingCa)
    }
}

/// A keyUsage bit (RFC 5280 §4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyUsageBit {
    /// digitalSignature.
    DigitalSignature,
    /// nonRepudiation (contentCommitment).
    NonRepudiation,
    /// keyEncipherment.
    KeyEncipherment,
    /// keyAgreement.
    KeyAgreement,
    /// keyCertSign.
    KeyCertSign,
    /// cRLSign.
    CrlSign,
}

/// An extended key usage a profile may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtendedKeyUsage {
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-emailProtection.
    EmailProtection,
    /// id-kp-timeStamping.
    TimeStamping,
    /// id-kp-OCSPSigning.
    OcspSigning,
}

impl ExtendedKeyUsage {
    /// The usage's OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            ExtendedKeyUsage::ClientAuth => oids::KP_CLIENT_AUTH,
            ExtendedKeyUsage::EmailProtection => oids::KP_EMAIL_PROTECTION,
            ExtendedKeyUsage::TimeStamping => oids::KP_TIME_STAMPING,
            ExtendedKeyUsage::OcspSigning => oids::KP_OCSP_SIGNING,
        }
    }
}

/// Pointers to the issuer's services put in the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessPointer {
    /// AIA caIssuers (RFC 5280 §4.2.2.1).
    CaIssuers,
    /// AIA OCSP.
    Ocsp,
    /// cRLDistributionPoints (RFC 5280 §4.2.1.13).
    CrlDistributionPoint,
}

/// QcType (EN 319 412-5 §4.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QcType {
    /// qct-esign: electronic signatures.
    Esign,
}

/// Semantics identifier (EN 319 412-1 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Semantics {
    /// id-etsi-qcs-semanticsId-Natural.
    Natural,
}

/// The QCStatements a profile asks for (EN 319 412-5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QcStatements {
    /// QcCompliance: an EU qualified certificate.
    #[serde(default)]
    pub compliance: bool,
    /// QcSSCD: the key is in a QSCD.
    #[serde(default)]
    pub sscd: bool,
    /// QcType.
    #[serde(default, rename = "type")]
    pub qc_type: Option<QcType>,
    /// QcPDS, with the provider's PDS locations.
    #[serde(default)]
    pub pds: bool,
    /// pkixQCSyntax-v2 semantics identifier.
    #[serde(default)]
    pub semantics: Option<Semantics>,
    /// QcRetentionPeriod in years.
    #[serde(default)]
    pub retention_period_years: Option<u32>,
}

/// A certificate profile, checked.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The profile's name, e.g. `qualified-signing`.
    pub name: String,
    /// What certificates of this profile are for.
    pub role: Role,
    /// The kind of subject.
    pub subject: SubjectKind,
    /// Longest validity allowed, in days.
    pub max_validity_days: u32,
    /// keyUsage bits (always critical, RFC 5280 §4.2.1.3).
    pub key_usage: BTreeSet<KeyUsageBit>,
    /// extendedKeyUsage, absent when empty.
    #[serde(default)]
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
    /// Whether extendedKeyUsage is critical.
    #[serde(default)]
    pub extended_key_usage_critical: bool,
    /// pathLenConstraint of a CA.
    #[serde(default)]
    pub path_length: Option<u8>,
    /// Policy OIDs from the standards, in dotted form.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Whether the provider's own policy OID is added to `policies`.
    #[serde(default)]
    pub provider_policy: bool,
    /// Service pointers put in the certificate.
    #[serde(default)]
    pub pointers: Vec<AccessPointer>,
    /// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
    #[serde(default)]
    pub ocsp_nocheck: bool,
    /// QCStatements, absent when `None`.
    #[serde(default)]
    pub qc_statements: Option<QcStatements>,
    #[serde(skip)]
    policy_oids: Vec<ObjectIdentifier>,
}

/// A rule a profile breaks, with the clause that states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A policy is not a dotted OID.
    PolicyOid(String),
    /// A CA needs keyCertSign and cRLSign (RFC 5280 §4.2.1.3, §4.2.1.9).
    CaKeyUsage,
    /// An end entity must not have keyCertSign or cRLSign (RFC 5280 §4.2.1.9).
    EndEntityCertSign,
    /// pathLenConstraint only for CAs.
    PathLengthOnEndEntity,
    /// The subject kind does not suit the role.
    SubjectKind(SubjectKind),
    /// Validity must be at least a day, and short for an OCSP responder.
    Validity(u32),
    /// The qualified signing certificate has nonRepudiation only (EN 319 412-2 NAT-4.3.2, type A).
    SigningKeyUsage,
    /// A QCStatement required for QCP-n-qscd is missing (EN 319 412-5 QCS-5-01).
    MissingQcStatement(&'static str),
    /// QCP-n-qscd policy missing (EN 319 411-2 §5.3, EN 319 412-2 QCS-5.2).
    MissingPolicy(&'static str),
    /// An extendedKeyUsage is critical where it must not be (EN 319 412-2 GEN-4.3.10-1).
    CriticalEku,
    /// The authentication certificate has digitalSignature only (EN 319 412-2 NAT-4.3.2, type C).
    AuthenticationKeyUsage,
    /// Only the qualified signing profile carries QCStatements here: the authentication
    /// certificate is not qualified and its key usage is not for content commitment.
    QcStatementsNotAllowed,
    /// An OCSP responder: EKU OCSPSigning only, ocsp-nocheck, digitalSignature (RFC 6960 §4.2.2.2).
    OcspResponder,
    /// A TSA: critical EKU with timeStamping only, digitalSignature (RFC 3161 §2.3).
    Tsa,
    /// End-entity certificates point to caIssuers, OCSP and the CRL (EN 319 412-2 GEN-4.4.1,
    /// GEN-4.3.11).
    MissingPointer(&'static str),
    /// ocsp-nocheck only in an OCSP responder certificate.
    NocheckOutsideResponder,
    /// QcRetentionPeriod must be positive (EN 319 412-5 §4.3.3).
    RetentionPeriod,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::PolicyOid(s) => write!(f, "policy {s:?} is not a dotted OID"),
            Rule::CaKeyUsage => f.write_str("a CA profile needs key-cert-sign and crl-sign (RFC 5280 §4.2.1.9)"),
            Rule::EndEntityCertSign => f.write_str("an end-entity profile must not have key-cert-sign or crl-sign (RFC 5280 §4.2.1.9)"),
            Rule::PathLengthOnEndEntity => f.write_str("path_length is only for CA profiles (RFC 5280 §4.2.1.9)"),
            Rule::SubjectKind(k) => write!(f, "subject {k} does not suit this role"),
            Rule::Validity(d) => write!(f, "max_validity_days {d} is out of range for this role (an OCSP responder certificate lives at most 92 days, RFC 6960 §4.2.2.2.1)"),
            Rule::SigningKeyUsage => f.write_str("the qualified signing certificate has key_usage [\"non-repudiation\"] only (EN 319 412-2 NAT-4.3.2, type A)"),
            Rule::MissingQcStatement(s) => write!(f, "QCStatement {s} is required for a QCP-n-qscd certificate (EN 319 412-5 QCS-5-01)"),
            Rule::MissingPolicy(p) => write!(f, "policy {p} is required (EN 319 411-2 §5.3)"),
            Rule::CriticalEku => f.write_str("extendedKeyUsage must not be critical in a holder certificate (EN 319 412-2 GEN-4.3.10-1)"),
            Rule::AuthenticationKeyUsage => f.write_str("the authentication certificate has key_usage [\"digital-signature\"] only (EN 319 412-2 NAT-4.3.2, type C)"),
            Rule::QcStatementsNotAllowed => f.write_str("QCStatements are only for the qualified signing profile"),
            Rule::OcspResponder => f.write_str("an OCSP responder has extended_key_usage [\"ocsp-signing\"] only, ocsp_nocheck = true, key_usage [\"digital-signature\"] (RFC 6960 §4.2.2.2)"),
            Rule::Tsa => f.write_str("a TSA has a critical extended_key_usage [\"time-stamping\"] only and key_usage digital-signature and/or non-repudiation (RFC 3161 §2.3)"),
            Rule::MissingPointer(p) => write!(f, "pointers must include {p} (EN 319 412-2 GEN-4.4.1, GEN-4.3.11)"),
            Rule::NocheckOutsideResponder => f.write_str("ocsp_nocheck is only for the OCSP responder profile"),
            Rule::RetentionPeriod => f.write_str("retention_period_years must be positive (EN 319 412-5 §4.3.3)"),
        }
    }
}

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The TOML does not parse or has unknown fields.
    #[error("profile TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    /// The profile breaks a rule.
    #[error("profile {profile:?}: {rule}")]
    Invalid {
        /// The profile's name.
        profile: String,
        /// The rule.
        rule: Rule,
    },
}

impl Profile {
    /// Parses and checks a profile.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let mut profile: Profile = toml::from_str(text)?;
        let invalid = |rule| ProfileError::Invalid {
            profile: profile.name.clone(),
            rule,
        };
        let mut oids_ = Vec::new();
        for p in &profile.policies {
            oids_.push(ObjectIdentifier::new(p).map_err(|_| invalid(Rule::PolicyOid(p.clone())))?);
        }
        profile.check().map_err(invalid)?;
        profile.policy_oids = oids_;
        Ok(profile)
    }

    /// The policy OIDs from the standards.
    pub fn policy_oids(&self) -> &[ObjectIdentifier] {
        &self.policy_oids
    }

    fn has_pointer(&self, p: AccessPointer) -> bool {
        self.pointers.contains(&p)
    }

    fn check(&self) -> Result<(), Rule> {
        use KeyUsageBit::*;
        let ku = |bits: &[KeyUsageBit]| self.key_usage == bits.iter().copied().collect();
        let has_policy = |oid: &str| self.policies.iter().any(|p| p == oid);
        let cert_sign = self.key_usage.contains(&KeyCertSign) || self.key_usage.contains(&CrlSign);
        if self.max_validity_days == 0 {
            return Err(Rule::Validity(0));
        }
        if self.role.is_ca() {
            if !(self.key_usage.contains(&KeyCertSign) && self.key_usage.contains(&CrlSign)) {
                return Err(Rule::CaKeyUsage);
            }
        } else {
            if cert_sign {
                return Err(Rule::EndEntityCertSign);
            }
            if self.path_length.is_some() {
                return Err(Rule::PathLengthOnEndEntity);
            }
        }
        let expected_subject = match self.role {
            Role::QualifiedSigning | Role::Authentication => SubjectKind::NaturalPerson,
            _ => SubjectKind::Service,
        };
        if self.subject != expected_subject {
            return Err(Rule::SubjectKind(self.subject));
        }
        if self.ocsp_nocheck && self.role != Role::OcspResponder {
            return Err(Rule::NocheckOutsideResponder);
        }
        if self.role != Role::QualifiedSigning && self.qc_statements.is_some() {
            return Err(Rule::QcStatementsNotAllowed);
        }
        if matches!(self.role, Role::QualifiedSigning | Role::Authentication) {
            for (p, name) in [
                (AccessPointer::CaIssuers, "ca-issuers"),
                (AccessPointer::Ocsp, "ocsp"),
                (
                    AccessPointer::CrlDistributionPoint,
                    "crl-distribution-point",
                ),
            ] {
                if !self.has_pointer(p) {
                    return Err(Rule::MissingPointer(name));
                }
            }
            if self.extended_key_usage_critical {
                return Err(Rule::CriticalEku);
            }
        }
        match self.role {
            Role::RootCa | Role::IssuingCa => {}
            Role::QualifiedSigning => {
                if !ku(&[NonRepudiation]) {
                    return Err(Rule::SigningKeyUsage);
                }
                if !has_policy("0.4.0.194112.1.2") {
                    return Err(Rule::MissingPolicy("QCP-n-qscd 0.4.0.194112.1.2"));
                }
                let qc = self.qc_statements.clone().unwrap_or_default();
                let missing = [
                    (qc.compliance, "QcCompliance"),
                    (qc.sscd, "QcSSCD"),
                    (qc.qc_type == Some(QcType::Esign), "QcType esign"),
                    (qc.pds, "QcPDS"),
                    (
                        qc.semantics == Some(Semantics::Natural),
                        "pkixQCSyntax-v2 semanticsId-Natural",
                    ),
                ];
                if let Some((_, name)) = missing.iter().find(|(ok, _)| !ok) {
                    return Err(Rule::MissingQcStatement(name));
                }
                if qc.retention_period_years == Some(0) {
                    return Err(Rule::RetentionPeriod);
                }
            }
            Role::Authentication => {
                if !ku(&[DigitalSignature]) {
                    return Err(Rule::AuthenticationKeyUsage);
                }
                if !has_policy("0.4.0.2042.1.2") {
                    return Err(Rule::MissingPolicy("NCP+ 0.4.0.2042.1.2"));
                }
            }
            Role::OcspResponder => {
                if self.extended_key_usage != [ExtendedKeyUsage::OcspSigning]
                    || !self.ocsp_nocheck
                    || !ku(&[DigitalSignature])
                {
                    return Err(Rule::OcspResponder);
                }
                if self.max_validity_days > 92 {
                    return Err(Rule::Validity(self.max_validity_days));
                }
            }
            Role::Tsa => {
                let ku_ok = !self.key_usage.is_empty()
                    && self
                        .key_usage
                        .iter()
                        .all(|b| matches!(b, DigitalSignature | NonRepudiation));
                if self.extended_key_usage != [ExtendedKeyUsage::TimeStamping]
                    || !self.extended_key_usage_critical
                    || !ku_ok
                {
                    return Err(Rule::Tsa);
                }
            }
        }
        Ok(())
    }
}
