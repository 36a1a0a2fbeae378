//! Object identifiers used by Jeton's profiles, each with the clause that defines it
//! (checked in shared/research/eidas-profiles.md §1).

use der::asn1::ObjectIdentifier as Oid;

// Certificate policies.
/// QCP-n-qscd: EU qualified certificate, natural person, key in a QSCD (EN 319 411-2 §5.3).
pub const QCP_N_QSCD: Oid = Oid::new_unwrap("0.4.0.194112.1.2");
/// QCP-n: EU qualified certificate, natural person (EN 319 411-2 §5.3).
pub const QCP_N: Oid = Oid::new_unwrap("0.4.0.194112.1.0");
/// NCP+: normalized policy, key on a secure device (EN 319 411-1 §5.3).
pub const NCP_PLUS: Oid = Oid::new_unwrap("0.4.0.2042.1.2");
/// best-practices-ts-policy (EN 319 421 §5.2).
pub const BEST_PRACTICES_TS_POLICY: Oid = Oid::new_unwrap("0.4.0.2023.1.1");

// QCStatements (RFC 3739 §3.2.6, EN 319 412-5 §4).
/// id-pe-qcStatements.
pub const QC_STATEMENTS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.3");
/// esi4-qcStatement-1, QcCompliance (EN 319 412-5 §4.2.1).
pub const QC_COMPLIANCE: Oid = Oid::new_unwrap("0.4.0.1862.1.1");
/// QcRetentionPeriod (EN 319 412-5 §4.3.3).
pub const QC_RETENTION_PERIOD: Oid = Oid::new_unwrap("0.4.0.1862.1.3");
/// esi4-qcStatement-4, QcSSCD (EN 319 412-5 §4.2.2).
pub const QC_SSCD: Oid = Oid::new_unwrap("0.4.0.1862.1.4");
/// QcPDS (EN 319 412-5 §4.3.4).
pub const QC_PDS: Oid = Oid::new_unwrap("0.4.0.1862.1.5");
/// QcType (EN 319 412-5 §4.2.3).
pub const QC_TYPE: Oid = Oid::new_unwrap("0.4.0.1862.1.6");
/// qct-esign.
pub const QCT_ESIGN: Oid = Oid::new_unwrap("0.4.0.1862.1.6.1");
/// id-qcs-pkixQCSyntax-v2 (RFC 3739 §3.2.6.1).
pub const PKIX_QC_SYNTAX_V2: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.11.2");
/// id-etsi-qcs-semanticsId-Natural (EN 319 412-1 §5.1.3).
pub const SEMANTICS_ID_NATURAL: Oid = Oid::new_unwrap("0.4.0.194121.1.1");
/// id-etsi-tsts-EuQCompliance, for qualified time-stamps (EN 319 422 Annex B).
pub const EU_QC_TIMESTAMP: Oid = Oid::new_unwrap("0.4.0.19422.1.1");

// Name attributes (X.520).
/// countryName.
pub const AT_COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// organizationName.
pub const AT_ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// commonName.
pub const AT_COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// givenName.
pub const AT_GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
/// surname.
pub const AT_SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
/// serialNumber (the person's identifier, not the certificate's).
pub const AT_SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
/// organizationIdentifier.
pub const AT_ORGANIZATION_IDENTIFIER: Oid = Oid::new_unwrap("2.5.4.97");

// Certificate and CRL extensions (RFC 5280 §4.2, §5.2, §5.3).
/// subjectKeyIdentifier.
pub const CE_SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
/// keyUsage.
pub const CE_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
/// basicConstraints.
pub const CE_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
/// cRLNumber.
pub const CE_CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
/// reasonCode.
pub const CE_REASON_CODE: Oid = Oid::new_unwrap("2.5.29.21");
/// invalidityDate.
pub const CE_INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");
/// cRLDistributionPoints.
pub const CE_CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
/// certificatePolicies.
pub const CE_CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
/// authorityKeyIdentifier.
pub const CE_AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
/// extKeyUsage.
pub const CE_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
/// ExpiredCertsOnCRL (ITU-T X.509; EN 319 411-2 CSS-6.3.10-05).
pub const CE_EXPIRED_CERTS_ON_CRL: Oid = Oid::new_unwrap("2.5.29.60");
/// authorityInfoAccess (RFC 5280 §4.2.2.1).
pub const PE_AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
/// id-ad-ocsp.
pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers.
pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");

// Extended key usages.
/// id-kp-clientAuth (RFC 5280 §4.2.1.12).
pub const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection.
pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping (RFC 3161 §2.3).
pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-OCSPSigning (RFC 6960 §4.2.2.2).
pub const KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");

// OCSP (RFC 6960 §4.2.1, §4.4).
/// id-pkix-ocsp-basic.
pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce (RFC 8954).
pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");
/// id-pkix-ocsp-archive-cutoff (RFC 6960 §4.4.4).
pub const OCSP_ARCHIVE_CUTOFF: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.6");
/// id-pkix-ocsp-extended-revoke (RFC 6960 §4.4.8).
pub const OCSP_EXTENDED_REVOKE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.9");

// CMS and time-stamps (RFC 5652, RFC 3161, RFC 5816).
/// id-signedData.
pub const CMS_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-ct-TSTInfo.
pub const CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-contentType attribute.
pub const AA_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest attribute.
pub const AA_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// id-aa-signingCertificateV2 (RFC 5035, RFC 5816).
pub const AA_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");

// Algorithms.
/// id-sha1 (only as an OCSP CertID hash, never in a signature).
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// id-sha256.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
/// rsaEncryption.
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512.
pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
/// secp256r1 (P-256).
pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (P-384).
pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
/// secp521r1 (P-521).
pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
