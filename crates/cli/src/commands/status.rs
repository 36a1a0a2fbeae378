//! `jeton status`: what the holder needs to know about their card, read without spending
//! a try: counters, temporary PIN, and each slot's key and certificate.

use jeton_piv::{Error as PivError, KeyReference, KeySlot, Metadata, MetadataAlgorithm, PinPolicy};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::x509::{X509NameRef, X509};
use serde::Serialize;

use super::{Ctx, Piv};
use crate::cli::StatusArgs;
use crate::error::CliError;
use crate::i18n::Msg;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub serial: u32,
    pub pin_tries_left: u8,
    pub pin_tries_max: u8,
    pub puk_tries_left: u8,
    pub puk_tries_max: u8,
    pub pin_blocked: bool,
    pub puk_blocked: bool,
    /// PIN and PUK both blocked: a new certificate must be ordered.
    pub dead: bool,
    pub temporary_pin: bool,
    /// Stable codes, never translated: `pin_default` (GET METADATA tag 05 on the PIN: the
    /// factory or the temporary value), `puk_default`, `management_key_default`,
    /// `certificate_key_mismatch`, `certificate_expired`, `certificate_not_yet_valid`.
    pub warnings: Vec<&'static str>,
    pub slots: Vec<SlotReport>,
}

#[derive(Debug, Serialize)]
pub struct SlotReport {
    #[serde(skip)]
    pub id: KeySlot,
    pub slot: String,
    pub key: Option<String>,
    /// "never", "once" or "always".
    pub pin_policy: Option<String>,
    pub certificate: Option<CertificateReport>,
    /// Whether the certificate is for the slot's key (None: no key and certificate to
    /// compare, or a card that does not tell its public keys).
    pub certificate_matches_key: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct CertificateReport {
    pub subject: String,
    pub issuer: String,
    /// Hexadecimal, as `openssl x509 -serial` prints it.
    pub serial: String,
    /// SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256_fingerprint: String,
    pub not_before: String,
    pub not_after: String,
    /// `valid`, `expired`, `not_yet_valid`, or `unreadable`.
    pub validity: &'static str,
}

pub fn run(ctx: &mut Ctx, args: &StatusArgs) -> Result<(), CliError> {
    let mut piv = ctx.open(&args.card)?;
    let report = report(&mut piv)?;
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(CliError::Json)?;
        return writeln!(ctx.out, "{text}").map_err(CliError::Output);
    }
    print(ctx, &report)
}

pub fn report(piv: &mut Piv) -> Result<StatusReport, CliError> {
    let status = piv.status()?;
    let mut warnings = Vec::new();
    // A card without these metadata says nothing about them: no warning rather than a guess.
    let is_default = |piv: &mut Piv, reference| {
        matches!(
            piv.metadata(reference),
            Ok(Metadata {
                is_default: Some(true),
                ..
            })
        )
    };
    if status.temporary_pin || is_default(piv, KeyReference::Pin) {
        warnings.push("pin_default");
    }
    if is_default(piv, KeyReference::Puk) {
        warnings.push("puk_default");
    }
    if is_default(piv, KeyReference::ManagementKey) {
        warnings.push("management_key_default");
    }
    let mut slots = Vec::new();
    for slot in KeySlot::all() {
        let (key, pin_policy, public_key) = match piv.metadata(KeyReference::KeySlot(slot)) {
            Ok(metadata) => (
                match metadata.algorithm {
                    Some(MetadataAlgorithm::Key(algorithm)) => Some(algorithm.to_string()),
                    _ => None,
                },
                metadata.pin_policy.and_then(policy_name).map(str::to_owned),
                metadata.public_key,
            ),
            Err(PivError::NotFound | PivError::ReferenceNotFound) => (None, None, None),
            Err(error) => return Err(error.into()),
        };
        let der = match piv.read_certificate(slot) {
            Ok(der) => Some(der),
            Err(PivError::NotFound) => None,
            Err(error) => return Err(error.into()),
        };
        let certificate = der.as_deref().map(describe_certificate);
        let certificate_matches_key = match (&der, &public_key) {
            (Some(der), Some(public_key)) => {
                let key = public_key.to_pkey()?;
                Some(
                    X509::from_der(der)
                        .and_then(|cert| cert.public_key())
                        .is_ok_and(|cert_key| cert_key.public_eq(&key)),
                )
            }
            _ => None,
        };
        if certificate_matches_key == Some(false) {
            warnings.push("certificate_key_mismatch");
        }
        match certificate.as_ref().map(|c| c.validity) {
            Some("expired") => warnings.push("certificate_expired"),
            Some("not_yet_valid") => warnings.push("certificate_not_yet_valid"),
            _ => {}
        }
        if key.is_some() || certificate.is_some() {
            slots.push(SlotReport {
                id: slot,
                slot: slot.to_string(),
                key,
                pin_policy,
                certificate,
                certificate_matches_key,
            });
        }
    }
    warnings.dedup();
    Ok(StatusReport {
        serial: status.serial,
        pin_tries_left: status.pin.remaining,
        pin_tries_max: status.pin.max,
        puk_tries_left: status.puk.remaining,
        puk_tries_max: status.puk.max,
        pin_blocked: status.pin_blocked(),
        puk_blocked: status.puk_blocked(),
        dead: status.dead(),
        temporary_pin: status.temporary_pin,
        warnings,
        slots,
    })
}

fn policy_name(policy: PinPolicy) -> Option<&'static str> {
    match policy {
        PinPolicy::Never => Some("never"),
        PinPolicy::Once => Some("once"),
        PinPolicy::Always => Some("always"),
        PinPolicy::Other(_) => None,
    }
}

/// Subject, issuer and validity; a certificate that does not parse is shown as such
/// rather than hiding the slot.
fn describe_certificate(der: &[u8]) -> CertificateReport {
    let fingerprint = openssl::hash::hash(MessageDigest::sha256(), der)
        .map(|digest| colon_hex(&digest))
        .unwrap_or_else(|_| "?".into());
    match X509::from_der(der) {
        Ok(cert) => CertificateReport {
            subject: name(cert.subject_name()),
            issuer: name(cert.issuer_name()),
            serial: cert
                .serial_number()
                .to_bn()
                .and_then(|bn| bn.to_hex_str().map(|hex| hex.to_string()))
                .unwrap_or_else(|_| "?".into()),
            sha256_fingerprint: fingerprint,
            not_before: iso_time(cert.not_before()),
            not_after: iso_time(cert.not_after()),
            validity: validity(&cert),
        },
        Err(_) => CertificateReport {
            subject: "?".into(),
            issuer: "?".into(),
            serial: "?".into(),
            sha256_fingerprint: fingerprint,
            not_before: "?".into(),
            not_after: "?".into(),
            validity: "unreadable",
        },
    }
}

/// RFC 5280 §4.1.2.5: valid from notBefore to notAfter, both included.
fn validity(cert: &X509) -> &'static str {
    let Ok(now) = Asn1Time::days_from_now(0) else {
        return "valid";
    };
    if cert.not_after() < now {
        "expired"
    } else if cert.not_before() > now {
        "not_yet_valid"
    } else {
        "valid"
    }
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// ISO 8601 in UTC, the same in every language. OpenSSL prints `Nov 25 23:34:48 2026 GMT`
/// (ASN1_TIME_print); anything else is shown as OpenSSL prints it.
fn iso_time(time: &Asn1TimeRef) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let text = time.to_string();
    let parts: Vec<&str> = text.split_whitespace().collect();
    if let [month, day, clock, year, "GMT"] = parts[..] {
        if let (Some(m), Ok(day)) = (
            MONTHS.iter().position(|&name| name == month),
            day.parse::<u8>(),
        ) {
            return format!("{year}-{:02}-{day:02}T{clock}Z", m + 1);
        }
    }
    text
}

/// The name as RFC 4514 text with the ETSI attribute names, as `jeton ca` prints it
/// (`CN=…,O=…,C=…`); OpenSSL's short names if it cannot be read that way.
pub fn name(name: &X509NameRef) -> String {
    if let Some(text) = name
        .to_der()
        .ok()
        .and_then(|der| jeton_pki::dn::der_to_rfc4514(&der).ok())
    {
        return text;
    }
    name.entries()
        .map(|entry| {
            let key = entry.object().nid().short_name().unwrap_or("?");
            let value = entry.data().to_string().unwrap_or_else(|_| "?".into());
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn print(ctx: &mut Ctx, report: &StatusReport) -> Result<(), CliError> {
    ctx.say(Msg::StatusCard(report.serial))?;
    if report.dead {
        ctx.say(Msg::StatusDead)?;
    } else if report.pin_blocked {
        ctx.say(Msg::StatusPinBlocked)?;
    } else {
        ctx.say(Msg::StatusPinTries(
            report.pin_tries_left,
            report.pin_tries_max,
        ))?;
    }
    if report.puk_blocked {
        if !report.dead {
            ctx.say(Msg::StatusPukBlocked)?;
        }
    } else {
        ctx.say(Msg::StatusPukTries(
            report.puk_tries_left,
            report.puk_tries_max,
        ))?;
    }
    if report.temporary_pin && !report.dead {
        ctx.say(Msg::StatusTemporaryPin)?;
    }
    if report.warnings.contains(&"pin_default") && !report.temporary_pin && !report.pin_blocked {
        ctx.say(Msg::StatusFactoryPin)?;
    }
    if report.warnings.contains(&"puk_default") && !report.puk_blocked {
        ctx.say(Msg::StatusFactoryPuk)?;
    }
    if report.warnings.contains(&"management_key_default") {
        ctx.say(Msg::StatusFactoryManagementKey)?;
    }
    if report.slots.is_empty() {
        return ctx.say(Msg::StatusNoKeys);
    }
    for slot in &report.slots {
        ctx.say(Msg::StatusSlot {
            slot: slot.id,
            key: slot.key.as_deref(),
            pin_policy: slot.pin_policy.as_deref(),
        })?;
        match &slot.certificate {
            Some(cert) => {
                ctx.say(Msg::StatusCertificate {
                    subject: &cert.subject,
                    issuer: &cert.issuer,
                    not_before: &cert.not_before,
                    not_after: &cert.not_after,
                })?;
                ctx.say(Msg::StatusCertificateId {
                    serial: &cert.serial,
                    fingerprint: &cert.sha256_fingerprint,
                })?;
                match cert.validity {
                    "expired" => ctx.say(Msg::StatusExpired(&cert.not_after))?,
                    "not_yet_valid" => ctx.say(Msg::StatusNotYetValid(&cert.not_before))?,
                    _ => {}
                }
                if slot.certificate_matches_key == Some(false) {
                    ctx.say(Msg::StatusKeyMismatch(slot.id))?;
                }
            }
            None => ctx.say(Msg::StatusNoCertificate)?,
        }
    }
    Ok(())
}
