//! Subject names: typed, checked when made (EN 319 412-2 §4.2.4 natural person, EN 319 412-1
//! §5.1.3/§5.1.4 identifier syntaxes, EN 319 412-2 §4.2.3.1 CA names).

use std::fmt;

use der::asn1::{PrintableStringRef, SetOfVec, Utf8StringRef};
use der::Any;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::oids;

/// Why a name part is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    /// Not an ISO 3166-1 alpha-2 code.
    #[error("{0:?} is not a country code: use two capital letters (ISO 3166-1 alpha-2), e.g. FR")]
    Country(String),
    /// Not a natural-person identifier in the EN 319 412-1 §5.1.3 syntax.
    #[error("{0:?} is not a person identifier: use PNOFR-…, IDCFR-…, PASFR-… or TINFR-… (EN 319 412-1 §5.1.3)")]
    PersonIdentifier(String),
    /// Not an organisation identifier in the EN 319 412-1 §5.1.4 syntax.
    #[error("{0:?} is not an organisation identifier: use VATFR-…, NTRFR-… (EN 319 412-1 §5.1.4)")]
    OrganizationIdentifier(String),
    /// Empty, too long, or with control characters.
    #[error("{field} must be 1 to {max} characters without control characters")]
    Text {
        /// The attribute.
        field: &'static str,
        /// Its upper bound (RFC 5280 Appendix A).
        max: usize,
    },
    /// The organisation name equals its identifier.
    #[error("organizationName must differ from organizationIdentifier")]
    OrganizationNameIsIdentifier,
    /// DER encoding failed.
    #[error("name encoding: {0}")]
    Der(String),
}

fn printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// ISO 3166-1 alpha-2 country code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Country(String);

impl Country {
    /// Checks and wraps a code such as `FR`.
    pub fn new(code: &str) -> Result<Self, NameError> {
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Country(code.to_owned()))
        } else {
            Err(NameError::Country(code.to_owned()))
        }
    }
}

fn split_identifier<'a>(s: &'a str, types: &[&str]) -> Option<(&'a str, &'a str, &'a str)> {
    // type (3) + country (2) + '-' + value (EN 319 412-1 §5.1.3, §5.1.4)
    let (head, value) = s.split_once('-')?;
    if head.len() != 5 || value.is_empty() || s.len() > 64 || !printable(s) || s.contains(' ') {
        return None;
    }
    let (kind, country) = head.split_at(3);
    if !types.contains(&kind) || Country::new(country).is_err() {
        return None;
    }
    Some((kind, country, value))
}

/// A natural person's identifier for the subject serialNumber (EN 319 412-1 §5.1.3):
/// `PNOFR-…` national number, `IDCFR-…` identity card, `PASFR-…` passport, `TINFR-…` tax id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonIdentifier(String);

impl PersonIdentifier {
    /// Checks and wraps an identifier.
    pub fn new(s: &str) -> Result<Self, NameError> {
        split_identifier(s, &["PNO", "IDC", "PAS", "TIN"])
            .map(|_| PersonIdentifier(s.to_owned()))
            .ok_or_else(|| NameError::PersonIdentifier(s.to_owned()))
    }
}

/// An organisation identifier (EN 319 412-1 §5.1.4): `VATFR-…` or `NTRFR-…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationIdentifier(String);

impl OrganizationIdentifier {
    /// Checks and wraps an identifier.
    pub fn new(s: &str) -> Result<Self, NameError> {
        split_identifier(s, &["VAT", "NTR"])
            .map(|_| OrganizationIdentifier(s.to_owned()))
            .ok_or_else(|| NameError::OrganizationIdentifier(s.to_owned()))
    }
}

fn text(field: &'static str, s: &str, max: usize) -> Result<String, NameError> {
    let n = s.chars().count();
    if n == 0 || n > max || s.chars().any(char::is_control) || s.trim() != s {
        return Err(NameError::Text { field, max });
    }
    Ok(s.to_owned())
}

/// An organisation: an employer named in a holder's certificate, or the provider itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    name: String,
    identifier: Option<OrganizationIdentifier>,
}

impl Organization {
    /// `name` is the registered name (organizationName, ≤ 64 characters).
    pub fn new(name: &str, identifier: Option<OrganizationIdentifier>) -> Result<Self, NameError> {
        let name = text("organizationName", name, 64)?;
        if identifier.as_ref().is_some_and(|i| i.0 == name) {
            return Err(NameError::OrganizationNameIsIdentifier);
        }
        Ok(Organization { name, identifier })
    }
}

/// The holder of a token (EN 319 412-2 NAT-4.2.4-1: C, givenName, surname, serialNumber, CN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaturalPerson {
    country: Country,
    given_name: String,
    surname: String,
    identifier: PersonIdentifier,
    common_name: String,
    employer: Option<Organization>,
}

impl NaturalPerson {
    /// A holder, optionally tied to an employer (EN 319 412-2 §4.2.4 notes).
    pub fn new(
        country: Country,
        given_name: &str,
        surname: &str,
        identifier: PersonIdentifier,
        common_name: &str,
        employer: Option<Organization>,
    ) -> Result<Self, NameError> {
        Ok(NaturalPerson {
            country,
            given_name: text("givenName", given_name, 64)?,
            surname: text("surname", surname, 64)?,
            identifier,
            common_name: text("commonName", common_name, 64)?,
            employer,
        })
    }
}

/// An organisation's CA, OCSP responder or time-stamping unit (EN 319 412-2 GEN-4.2.3.1:
/// C, O, CN, and organizationIdentifier when it has one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceName {
    country: Country,
    organization: Organization,
    common_name: String,
}

impl ServiceName {
    /// A service of `organization`, shown as `common_name`.
    pub fn new(
        country: Country,
        organization: Organization,
        common_name: &str,
    ) -> Result<Self, NameError> {
        Ok(ServiceName {
            country,
            organization,
            common_name: text("commonName", common_name, 64)?,
        })
    }
}

/// Who a certificate is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A natural person (the token's holder).
    NaturalPerson(NaturalPerson),
    /// A service of the provider (CA, OCSP responder, TSA).
    Service(ServiceName),
}

impl Subject {
    /// The subject's kind, as profiles name it.
    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::NaturalPerson(_) => SubjectKind::NaturalPerson,
            Subject::Service(_) => SubjectKind::Service,
        }
    }

    /// The distinguished name.
    pub fn to_name(&self) -> Result<Name, NameError> {
        let mut rdns = Vec::new();
        let (country, org, cn) = match self {
            Subject::NaturalPerson(p) => (&p.country, p.employer.as_ref(), &p.common_name),
            Subject::Service(s) => (&s.country, Some(&s.organization), &s.common_name),
        };
        rdns.push(atv(oids::AT_COUNTRY, &country.0, true)?);
        if let Some(org) = org {
            rdns.push(atv(oids::AT_ORGANIZATION, &org.name, false)?);
            if let Some(id) = &org.identifier {
                rdns.push(atv(oids::AT_ORGANIZATION_IDENTIFIER, &id.0, false)?);
            }
        }
        if let Subject::NaturalPerson(p) = self {
            rdns.push(atv(oids::AT_SURNAME, &p.surname, false)?);
            rdns.push(atv(oids::AT_GIVEN_NAME, &p.given_name, false)?);
            // X.520 serialNumber is a PrintableString.
            rdns.push(atv(oids::AT_SERIAL_NUMBER, &p.identifier.0, true)?);
        }
        rdns.push(atv(oids::AT_COMMON_NAME, cn, false)?);
        Ok(RdnSequence(rdns))
    }
}

/// A subject's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    /// A natural person.
    NaturalPerson,
    /// A service of the provider.
    Service,
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubjectKind::NaturalPerson => "natural-person",
            SubjectKind::Service => "service",
        })
    }
}

fn atv(
    oid: der::asn1::ObjectIdentifier,
    value: &str,
    printable_string: bool,
) -> Result<RelativeDistinguishedName, NameError> {
    let der_err = |e: der::Error| NameError::Der(e.to_string());
    // RFC 5280 §4.1.2.4: PrintableString for C and serialNumber, UTF8String otherwise.
    let value = if printable_string {
        Any::encode_from(&PrintableStringRef::new(value).map_err(der_err)?).map_err(der_err)?
    } else {
        Any::encode_from(&Utf8StringRef::new(value).map_err(der_err)?).map_err(der_err)?
    };
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }]).map_err(der_err)?;
    Ok(RelativeDistinguishedName(set))
}
