//! Distinguished names as text, RFC 4514: read (escaped specials, `\HH` pairs, `+` for
//! multi-valued RDNs) and printed, with the attribute names of ETSI EN 319 412-1/-2
//! (`organizationIdentifier`, `serialNumber`, `givenName`, `surname`, `pseudonym`) instead
//! of dotted OIDs and hex. One printing for the whole of Jeton: records, listings, messages.

use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Encode, Tag, Tagged};
use x509_cert::name::Name;

/// Why a name's text is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DnError {
    /// A part is not `type=value`.
    #[error("{0:?} is not type=value (RFC 4514)")]
    NotTypeValue(String),
    /// A backslash not followed by a special character or two hex digits.
    #[error("{0:?}: a backslash must escape one of ,+\"\\<>;=# or space, or give two hex digits (RFC 4514 §2.4)")]
    BadEscape(String),
    /// An unescaped special character inside a value.
    #[error("{0:?}: escape the character {1:?} with a backslash (RFC 4514 §2.4)")]
    Unescaped(String, char),
    /// `#…` hex values name BER encodings: not accepted as input.
    #[error("{0:?}: give the value as text, not as #hex")]
    HexValue(String),
    /// The escapes do not make UTF-8.
    #[error("{0:?}: the escaped bytes are not UTF-8")]
    NotUtf8(String),
}

/// The names printed for the attribute types Jeton meets: RFC 4514 §3 for its own, then
/// X.520/RFC 4519 and EN 319 412-1 §5.1.4 names.
const NAMES: [(&str, &str); 16] = [
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("2.5.4.4", "surname"),
    ("2.5.4.42", "givenName"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.65", "pseudonym"),
    ("2.5.4.97", "organizationIdentifier"),
    ("2.5.4.12", "title"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
];

/// The attribute names read besides those printed (case-insensitive).
const ALIASES: [(&str, &str); 5] = [
    ("SN", "surname"),
    ("GN", "givenName"),
    ("OI", "organizationIdentifier"),
    ("organizationName", "O"),
    ("commonName", "CN"),
];

/// The printed name of an attribute type given by name or alias (any case), if known.
pub fn attribute_name(text: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .map(|(_, n)| *n)
        .find(|n| n.eq_ignore_ascii_case(text))
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(text))
                .map(|(_, n)| *n)
        })
}

/// RFC 4514 §2.4: escapes `value` for printing.
fn escape(value: &str, out: &mut String) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// The text of a directory string value, if it is one Jeton can show as text.
fn value_text(value: &der::Any) -> Option<String> {
    let text = match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value).ok()?.as_str().to_owned(),
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()?
            .as_str()
            .to_owned(),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok()?.as_str().to_owned(),
        Tag::TeletexString => TeletexStringRef::try_from(value).ok()?.as_str().to_owned(),
        _ => return None,
    };
    Some(text)
}

/// `name` as RFC 4514 text: the last RDN first (§2.1), `+` between the values of a
/// multi-valued RDN, specials escaped, ETSI attribute names; a value that is not a string
/// is printed `#` and the hex of its DER (§2.4).
pub fn to_rfc4514(name: &Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let oid = atv.oid.to_string();
            match NAMES.iter().find(|(o, _)| *o == oid) {
                Some((_, n)) => out.push_str(n),
                None => out.push_str(&oid),
            }
            out.push('=');
            match value_text(&atv.value) {
                Some(text) => escape(&text, &mut out),
                None => {
                    out.push('#');
                    for b in atv.value.to_der().unwrap_or_default() {
                        out.push_str(&format!("{b:02X}"));
                    }
                }
            }
        }
    }
    out
}

/// A DER `Name` (as OpenSSL hands it out) as RFC 4514 text, like [`to_rfc4514`].
pub fn der_to_rfc4514(der: &[u8]) -> Result<String, der::Error> {
    use der::Decode;
    Ok(to_rfc4514(&Name::from_der(der)?))
}

/// One attribute of a name's text: its type as written and its unescaped value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextAttribute {
    /// The type, as written (`CN`, `organizationIdentifier`, `2.5.4.97`).
    pub kind: String,
    /// The value, escapes resolved.
    pub value: String,
}

/// Reads RFC 4514 text into its RDNs, in the order written, each with its attributes.
/// Spaces around `,`, `+` and `=` are ignored, as most tools write `CN=a, O=b`; a space
/// that belongs to a value is escaped (`\ `).
pub fn parse_rfc4514(text: &str) -> Result<Vec<Vec<TextAttribute>>, DnError> {
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // The type, up to '='.
        let mut kind = String::new();
        let mut equals = false;
        for c in chars.by_ref() {
            if c == '=' {
                equals = true;
                break;
            }
            if c == ',' || c == '+' {
                return Err(DnError::NotTypeValue(kind.trim().to_owned()));
            }
            kind.push(c);
        }
        let kind = kind.trim().to_owned();
        if kind.is_empty() || !equals {
            return Err(DnError::NotTypeValue(text.to_owned()));
        }
        // The value, up to an unescaped ',' or '+'.
        let mut bytes: Vec<u8> = Vec::new();
        let mut kept = 0; // length up to the last escaped or non-space byte
        let mut started = false;
        let mut end = None;
        while let Some(c) = chars.next() {
            match c {
                ',' | '+' => {
                    end = Some(c);
                    break;
                }
                '\\' => {
                    let next = chars
                        .next()
                        .ok_or_else(|| DnError::BadEscape(kind.clone()))?;
                    if ",+\"\\<>;=# ".contains(next) {
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
                    } else {
                        let low = chars
                            .next()
                            .ok_or_else(|| DnError::BadEscape(kind.clone()))?;
                        let hex: String = [next, low].iter().collect();
                        let b = u8::from_str_radix(&hex, 16)
                            .map_err(|_| DnError::BadEscape(kind.clone()))?;
                        bytes.push(b);
                    }
                    started = true;
                    kept = bytes.len();
                }
                ' ' if !started => {}
                '#' if !started => return Err(DnError::HexValue(kind)),
                '"' | ';' | '<' | '>' => return Err(DnError::Unescaped(kind, c)),
                c => {
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    started = true;
                    if c != ' ' {
                        kept = bytes.len();
                    }
                }
            }
        }
        bytes.truncate(kept);
        let value = String::from_utf8(bytes).map_err(|_| DnError::NotUtf8(kind.clone()))?;
        rdn.push(TextAttribute { kind, value });
        match end {
            Some('+') => {}
            Some(_) => rdns.push(std::mem::take(&mut rdn)),
            None => {
                rdns.push(rdn);
                return Ok(rdns);
            }
        }
    }
}

/// The OID of an attribute type written by name, alias or dotted number.
pub fn attribute_oid(kind: &str) -> Option<der::asn1::ObjectIdentifier> {
    match attribute_name(kind) {
        Some(name) => NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .and_then(|(oid, _)| der::asn1::ObjectIdentifier::new(oid).ok()),
        None => der::asn1::ObjectIdentifier::new(kind).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oids;

    #[test]
    fn the_etsi_types_print_by_name() {
        assert_eq!(
            attribute_oid("organizationIdentifier"),
            Some(oids::AT_ORGANIZATION_IDENTIFIER)
        );
        assert_eq!(attribute_oid("SN"), Some(oids::AT_SURNAME));
        assert_eq!(attribute_name("gn"), Some("givenName"));
    }
}
