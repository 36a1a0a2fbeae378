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

/// One entry of the revokedCertificates list.
fn revoked_cert(r: &Revocation) -> Result<RevokedCert, der::Error> {
    let mut exts = Vec::new();
    if r.reason != RevocationReason::Unspecified {
        exts.push(ext(oids::CE_REASON_CODE, &r.reason.crl_reason())?);
    }
    if let Some(t) = r.invalidity_date {
        exts.push(ext(oids::CE_INVALIDITY_DATE, &generalized_time(t)?)?);
    }
    Ok(RevokedCert {
        serial_number: r.serial.clone(),
        revocation_date: x509_time(r.revoked_at)?,
        crl_entry_extensions: (!exts.is_empty()).then_some(exts),
    })
}

/// The list-wide part of the TBSCertList (no entries yet).
fn tbs_without_entries(
    issuer: &Certificate,
    signer: &dyn Signer,
    info: &CrlInfo,
) -> Result<TbsCertList, CrlError> {
    let ca = &issuer.tbs_certificate;
    if signer.public_key() != ca.subject_public_key_info {
        return Err(CrlError::IssuerKeyMismatch);
    }
    let next_update = match info.next_update {
        NextUpdate::At(t) if t <= info.this_update => return Err(CrlError::Times),
        NextUpdate::At(t) => x509_time(t)?,
        NextUpdate::Final => Time::GeneralTime(end_of_time()),
    };
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
    Ok(TbsCertList {
        version: Version::V2,
        signature: signer.algorithm(),
        issuer: ca.subject.clone(),
        this_update: x509_time(info.this_update)?,
        next_update: Some(next_update),
        // RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked.
        revoked_certificates: None,
        crl_extensions: Some(exts),
    })
}

/// Builds and signs a CRL for the certificates `issuer` issued.
pub fn build_crl(
    issuer: &Certificate,
    signer: &dyn Signer,
    info: &CrlInfo,
    revoked: &[Revocation],
) -> Result<CertificateList, CrlError> {
    let mut tbs = tbs_without_entries(issuer, signer, info)?;
    let entries = revoked
        .iter()
        .map(revoked_cert)
        .collect::<Result<Vec<_>, _>>()?;
    tbs.revoked_certificates = (!entries.is_empty()).then_some(entries);
    let signature = signer.sign(&tbs.to_der()?)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: signer.algorithm(),
        signature: BitString::from_bytes(&signature)?,
    })
}

/// The DER of the CRL [`build_crl`] makes, written entry by entry: a million entries cost
/// the 38 MB of their DER, not the few hundred MB of a million decoded `RevokedCert`s.
pub fn encode_crl<'a>(
    issuer: &Certificate,
    signer: &dyn Signer,
    info: &CrlInfo,
    revoked: impl IntoIterator<Item = &'a Revocation>,
) -> Result<Vec<u8>, CrlError> {
    let mut tbs = tbs_without_entries(issuer, signer, info)?;
    let mut entries = Vec::new();
    for r in revoked {
        revoked_cert(r)?.encode_to_vec(&mut entries)?;
    }
    // TBSCertList's fields in order: those before revokedCertificates, the entries, then
    // crlExtensions [0] (the last field). The two list-wide encodings differ by that last
    // field alone.
    let with_exts = tbs.to_der()?;
    tbs.crl_extensions = None;
    let without_exts = tbs.to_der()?;
    let head = content(&without_exts)?;
    let exts_tlv = content(&with_exts)?
        .get(head.len()..)
        .ok_or(der::Error::from(der::ErrorKind::Failed))?;
    let mut body = head.to_vec();
    if !entries.is_empty() {
        sequence_header(entries.len())?.encode_to_vec(&mut body)?;
        body.extend_from_slice(&entries);
        drop(entries);
    }
    body.extend_from_slice(exts_tlv);
    let mut tbs_der = Vec::with_capacity(body.len() + 8);
    sequence_header(body.len())?.encode_to_vec(&mut tbs_der)?;
    tbs_der.extend_from_slice(&body);
    drop(body);
    let signature = signer.sign(&tbs_der)?;
    let algorithm = signer.algorithm().to_der()?;
    let signature = BitString::from_bytes(&signature)?.to_der()?;
    let mut der = Vec::with_capacity(tbs_der.len() + algorithm.len() + signature.len() + 8);
    sequence_header(tbs_der.len() + algorithm.len() + signature.len())?.encode_to_vec(&mut der)?;
    der.extend_from_slice(&tbs_der);
    der.extend_from_slice(&algorithm);
    der.extend_from_slice(&signature);
    Ok(der)
}

fn sequence_header(len: usize) -> Result<der::Header, der::Error> {
    der::Header::new(der::Tag::Sequence, der::Length::try_from(len)?)
}

/// The content octets of the DER SEQUENCE `der`.
fn content(der: &[u8]) -> Result<&[u8], der::Error> {
    use der::Reader;
    let mut reader = der::SliceReader::new(der)?;
    let header = der::Header::decode(&mut reader)?;
    let at = usize::try_from(reader.position())?;
    der.get(at..at + usize::try_from(header.length)?)
        .ok_or(der::Error::from(der::ErrorKind::Incomplete {
            expected_len: header.length,
            actual_len: der::Length::try_from(der.len())?,
        }))
}

/// The number of entries in the DER CRL `der`, counted without decoding them (a million
/// entries in a few milliseconds). Its signature is not checked.
pub fn count_crl_entries(der: &[u8]) -> Result<usize, CrlError> {
    use der::{Reader, Tagged};
    let list = content(der)?;
    let tbs = content(list)?;
    // version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?,
    // [0] crlExtensions?: the entries are the third SEQUENCE, if there is one.
    let mut reader = der::SliceReader::new(tbs)?;
    let mut sequences = 0;
    while !reader.is_finished() {
        let field = der::asn1::AnyRef::decode(&mut reader)?;
        if field.tag() != der::Tag::Sequence {
            continue;
        }
        sequences += 1;
        if sequences == 3 {
            let mut entries = der::SliceReader::new(field.value())?;
            let mut count = 0;
            while !entries.is_finished() {
                der::asn1::AnyRef::decode(&mut entries)?;
                count += 1;
            }
            return Ok(count);
        }
    }
    Ok(0)
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
