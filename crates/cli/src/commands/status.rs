//! `jeton status`: what the holder needs to know about their card, read without spending
//! a try: counters, temporary PIN, and each slot's key and certificate.

use jeton_piv::{Error as PivError, KeyReference, MetadataAlgorithm, PinPolicy, Slot};
use openssl::asn1::Asn1TimeRef;
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
    pub slots: Vec<SlotReport>,
}

#[derive(Debug, Serialize)]
pub struct SlotReport {
    #[serde(skip)]
    pub id: Slot,
    pub slot: String,
    pub key: Option<String>,
    /// "never", "once" or "always".
    pub pin_policy: Option<String>,
    pub certificate: Option<CertificateReport>,
}

#[derive(Debug, Serialize)]
pub struct CertificateReport {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
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
    let mut slots = Vec::new();
    for slot in Slot::all() {
        let (key, pin_policy) = match piv.metadata(KeyReference::Slot(slot)) {
            Ok(metadata) => (
                match metadata.algorithm {
                    Some(MetadataAlgorithm::Key(algorithm)) => Some(algorithm.to_string()),
                    _ => None,
                },
                metadata.pin_policy.and_then(policy_name).map(str::to_owned),
            ),
            Err(PivError::NotFound | PivError::ReferenceNotFound) => (None, None),
            Err(error) => return Err(error.into()),
        };
        let certificate = match piv.read_certificate(slot) {
            Ok(der) => Some(describe_certificate(&der)),
            Err(PivError::NotFound) => None,
            Err(error) => return Err(error.into()),
        };
        if key.is_some() || certificate.is_some() {
            slots.push(SlotReport {
                id: slot,
                slot: slot.to_string(),
                key,
                pin_policy,
                certificate,
            });
        }
    }
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
    match X509::from_der(der) {
        Ok(cert) => CertificateReport {
            subject: name(cert.subject_name()),
            issuer: name(cert.issuer_name()),
            not_before: iso_time(cert.not_before()),
            not_after: iso_time(cert.not_after()),
        },
        Err(_) => CertificateReport {
            subject: "?".into(),
            issuer: "?".into(),
            not_before: "?".into(),
            not_after: "?".into(),
        },
    }
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

/// `CN=…, O=…, C=…`, in the order of the certificate.
pub fn name(name: &X509NameRef) -> String {
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
            Some(cert) => ctx.say(Msg::StatusCertificate {
                subject: &cert.subject,
                issuer: &cert.issuer,
                not_before: &cert.not_before,
                not_after: &cert.not_after,
            })?,
            None => ctx.say(Msg::StatusNoCertificate)?,
        }
    }
    Ok(())
}
