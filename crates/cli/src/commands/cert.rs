//! `jeton cert import|export`: a slot's X.509 certificate, in PEM or DER.

use std::path::Path;

use jeton_piv::{Error as PivError, KeyReference, KeySlot};
use openssl::x509::X509;

use super::Ctx;
use crate::cli::CardChoice;
use crate::error::CliError;
use crate::i18n::Msg;

pub fn import(
    ctx: &mut Ctx,
    choice: CardChoice,
    slot: KeySlot,
    file: &Path,
) -> Result<(), CliError> {
    let bytes = std::fs::read(file).map_err(|error| CliError::Io {
        path: file.to_owned(),
        error,
    })?;
    let cert =
        parse_certificate(&bytes).ok_or_else(|| CliError::NotACertificate(file.to_owned()))?;
    let mut piv = ctx.open(&choice)?;
    // A certificate for another key would make every relying party reject the signatures:
    // refuse it while the mistake is cheap.
    if let Ok(metadata) = piv.metadata(KeyReference::KeySlot(slot)) {
        if let Some(public_key) = metadata.public_key {
            let (cert_key, card_key) = (cert.public_key()?, public_key.to_pkey()?);
            if !cert_key.public_eq(&card_key) {
                return Err(CliError::CertificateKeyMismatch(slot));
            }
        }
    }
    ctx.authenticate(&mut piv)?;
    piv.write_certificate(slot, &cert.to_der()?)?;
    ctx.say(Msg::CertificateImported(slot))
}

pub fn export(
    ctx: &mut Ctx,
    choice: CardChoice,
    slot: KeySlot,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    let der = match piv.read_certificate(slot) {
        Ok(der) => der,
        Err(PivError::NotFound) => return Err(CliError::NoCertificate(slot)),
        Err(error) => return Err(error.into()),
    };
    let pem = X509::from_der(&der)
        .and_then(|cert| cert.to_pem())
        .map_err(|_| CliError::CorruptCertificate(slot))?;
    ctx.write_output(out, &pem)
}

/// PEM if it looks like PEM, DER otherwise.
pub fn parse_certificate(bytes: &[u8]) -> Option<X509> {
    let is_pem = bytes
        .windows(b"-----BEGIN".len())
        .any(|w| w == b"-----BEGIN");
    if is_pem {
        X509::from_pem(bytes).ok()
    } else {
        X509::from_der(bytes).ok()
    }
}
