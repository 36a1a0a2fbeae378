//! QCStatements (RFC 3739 §3.2.6, ETSI EN 319 412-5 §4) and their DER shapes.

use der::asn1::{Ia5String, ObjectIdentifier, PrintableString};
use der::{Any, Sequence};

/// `QCStatement ::= SEQUENCE { statementId OID, statementInfo ANY OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct QcStatement {
    /// The statement.
    pub statement_id: ObjectIdentifier,
    /// Its information, if the statement has any.
    #[asn1(optional = "true")]
    pub statement_info: Option<Any>,
}

/// `PdsLocation ::= SEQUENCE { url IA5String, language PrintableString (SIZE(2)) }`
/// (EN 319 412-5 §4.3.4).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PdsLocation {
    /// Where the PKI disclosure statement is (https, EN 319 412-5 §4.3.4).
    pub url: Ia5String,
    /// ISO 639-1 language code.
    pub language: PrintableString,
}

/// `SemanticsInformation` of pkixQCSyntax-v2 (RFC 3739 §3.2.6.1), without
/// nameRegistrationAuthorities (only the semantics identifier is used).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SemanticsInformation {
    /// E.g. id-etsi-qcs-semanticsId-Natural (EN 319 412-1 §5.1.3).
    #[asn1(optional = "true")]
    pub semantics_identifier: Option<ObjectIdentifier>,
}
