//! Certificate revocation lists (RFC 5280 §5) as the provider publishes them: reasons and
//! invalidity dates per entry, CRL number and AKI, expired certificates kept with
//! ExpiredCertsOnCRL (EN 319 411-2 CSS-6.3.10-02/-05), and the CA's last CRL.

use std::str::FromStr;
use std::time::SystemTime;

use der::asn1::{BitString, OctetString, Uint};
use der::{Decode, Encode};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason, SubjectKeyIdentifier};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::{Certificate, Version};

use crate::alg::{verify, VerifyError};
use crate::issue::key_identifier;
use crate::oids;
use crate::signer::{Signer, SignerError};
use crate::time::{end_of_time, generalized_time, x509_time};

/// Why a certificate was revoked (RFC 5280 §5.3.1). There is no certificateHold and no
/// removeFromCRL: a revoked certificate is never reinstated (EN 319 411-1 REV-6.3.9-04).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0): written as no reasonCode at all (RFC 5280 §5.3.1).
    Unspecified,
    /// keyCompromise (1): the token was lost or stolen.
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3): the holder left the company.
    AffiliationChanged,
    /// superseded (4): renewed.
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    /// All reasons, for listing them to an operator.
    pub const ALL: [RevocationReason; 8] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::CaCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::PrivilegeWithdrawn,
        RevocationReason::AaCompromise,
    ];

    /// The reason's CRLReason code.
    pub fn crl_reason(self) -> CrlReason {
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::CaCompromise => CrlReason::CaCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
            RevocationReason::AaCompromise => CrlReason::AaCompromise,
        }
    }

    /// The name used on the command line and in storage (RFC 5280 spelling in kebab case).
    pub fn name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key-compromise",
            RevocationReason::CaCompromise => "ca-compromise",
            RevocationReason::AffiliationChanged => "affiliation-changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation-of-operation",
            RevocationReason::PrivilegeWithdrawn => "privilege-withdrawn",
            RevocationReason::AaCompromise => "aa-compromise",
        }
    }
}

/// An unknown revocation reason name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown revocation reason {0:?}: use one of unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation, privilege-withdrawn, aa-compromise")]
pub struct UnknownReason(pub String);

impl FromStr for RevocationReason {
    type Err = UnknownReason;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownReason(s.to_owned()))
    }
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The certificate's serial number.
    pub serial: SerialNumber,
    /// When it was revoked (RFC 5280 §5.3 revocationDate).
    pub revoked_at: SystemTime,
    /// Why.
    pub reason: RevocationReason,
    /// When the key is known or suspected to have been compromised, if earlier
    /// (RFC 5280 §5.3.2 invalidityDate).
    pub invalidity_date: Option<SystemTime>,
}

/// When the next CRL comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextUpdate {
    /// At this time (EN 319 411-1 CSS-6.3.9-05: within 24 hours for end entities).
    At(SystemTime),
    /// Never: the CA's last CRL, nextUpdate 99991231235959Z (EN 319 411-1 CSS-6.3.9-06).
    Final,
}

/// The list-wide fields of a CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlInfo {
    /// cRLNumber, increasing with every CRL of this issuer (RFC 5280 §5.2.3).
    pub number: u64,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: NextUpdate,
    /// ExpiredCertsOnCRL: revoked certificates that expired on or after this time stay listed
    /// (X.509 §9.6.2.9; EN 319 411-2 CSS-6.3.10-05). Usually the CA's notBefore.
    pub expired_certs_on_crl: Option<SystemTime>,
}

/// Why a CRL could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// The signer's key is not the issuer certificate's.
    #[error("the CRL signing key does not match the issuer certificate")]
    IssuerKeyMismatch,
    /// thisUpdate after nextUpdate.
    #[error("nextUpdate must be after thisUpdate")]
    Times,
    /// DER encoding or decoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The CA's key could not sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// The CRL's signature does not verify.
    #[error("CRL signature: {0}")]
    Signature(#[from] VerifyError),
    /// OpenSSL could not hash the CA's key.
    #[error(transparent)]
    Crypto(#[from] crate::alg::CryptoError),
}

fn ext<T: Encode>(oid: der::asn1::ObjectIdentifier, value: &T) -> Result<Extension, der::Error> {
    Ok(Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// Builds and signs a CRL for the certificates `issuer` issued.
pub fn build_crl(
    issuer: &Certificate,
    signer: &dyn Signer,
    info: &CrlInfo,
    revoked: &[Revocation],
) -> Result<CertificateList, CrlError> {
    let ca = &issuer.tbs_certificate;
    if signer.public_key() != ca.subject_public_key_info {
        return Err(CrlError::IssuerKeyMismatch);
    }
    let next_update = match info.next_update {
        NextUpdate::At(t) if t <= info.this_update => return Err(CrlError::Times),
        NextUpdate::At(t) => x509_time(t)?,
        NextUpdate::Final => Time::GeneralTime(end_of_time()),
    };
    let mut entries = Vec::with_capacity(revoked.len());
    for r in revoked {
        let mut exts = Vec::new();
        if r.reason != RevocationReason::Unspecified {
            exts.push(ext(oids::CE_REASON_CODE, &r.reason.crl_reason())?);
        }
        if let Some(t) = r.invalidity_date {
            exts.push(ext(oids::CE_INVALIDITY_DATE, &generalized_time(t)?)?);
        }
        entries.push(RevokedCert {
            serial_number: r.serial.clone(),
            revocation_date: x509_time(r.revoked_at)?,
            crl_entry_extensions: (!exts.is_empty()).then_some(exts),
        });
    }
    let aki = ca
        .get::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| Ok(ski.0.as_bytes().to_vec()))
        .unwrap_or_else(|| key_identifier(&ca.subject_public_key_info))?;
    // RFC 5280 §5.2.1 and §5.2.3: AKI and cRLNumber are required in conforming CRLs.
    let mut exts = vec![
        ext(
            oids::CE_AUTHORITY_KEY_ID,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?,
        ext(
            oids::CE_CRL_NUMBER,
            &CrlNumber(Uint::new(&info.number.to_be_bytes())?),
        )?,
    ];
    if let Some(t) = info.expired_certs_on_crl {
        exts.push(ext(oids::CE_EXPIRED_CERTS_ON_CRL, &generalized_time(t)?)?);
    }
    let tbs = TbsCertList {
        version: Version::V2,
        signature: signer.algorithm(),
        issuer: ca.subject.clone(),
        this_update: x509_time(info.this_update)?,
        next_update: Some(next_update),
        // RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked.
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(exts),
    };
    let signature = signer.sign(&tbs.to_der()?)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: signer.algorithm(),
        signature: BitString::from_bytes(&signature)?,
    })
}

/// Parses a DER CRL and checks its signature against `issuer`.
pub fn parse_crl(der: &[u8], issuer: &Certificate) -> Result<CertificateList, CrlError> {
    let crl = CertificateList::from_der(der)?;
    verify(
        &issuer.tbs_certificate.subject_public_key_info,
        &crl.signature_algorithm,
        &crl.tbs_cert_list.to_der()?,
        crl.signature.raw_bytes(),
    )?;
    Ok(crl)
}
