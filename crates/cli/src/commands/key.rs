//! `jeton key generate|sign`: keys are made on the card and never leave it.

use std::path::{Path, PathBuf};

use jeton_piv::{
    Error as PivError, HashAlgorithm, KeyAlgorithm, KeyReference, MetadataAlgorithm, Pin,
    PinPolicy, Slot,
};

use super::{parse_slot, Ctx, Piv};
use crate::cli::CardChoice;
use crate::error::CliError;
use crate::i18n::Msg;
use crate::secrets::{SecretKind, Stage};

pub fn generate(
    ctx: &mut Ctx,
    choice: CardChoice,
    slot: &str,
    algorithm: &str,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let slot = parse_slot(slot)?;
    let algorithm: KeyAlgorithm = algorithm.parse()?;
    let mut piv = ctx.open(choice.serial)?;
    ctx.authenticate(&mut piv)?;
    let public_key = piv.generate(slot, algorithm)?;
    ctx.write_output(out, public_key.to_pem()?.as_bytes())?;
    ctx.note(Msg::KeyGenerated(slot, algorithm.name()))?;
    // The old key's certificate is still there, and now lies about the slot's key.
    if piv.read_certificate(slot).is_ok() {
        ctx.note(Msg::CertificateOutdated(slot))?;
    }
    Ok(())
}

/// The algorithm and PIN policy of the key in `slot`; an empty slot is the holder's error.
pub fn key_of(piv: &mut Piv, slot: Slot) -> Result<(KeyAlgorithm, Option<PinPolicy>), CliError> {
    match piv.metadata(KeyReference::Slot(slot)) {
        Ok(metadata) => match metadata.algorithm {
            Some(MetadataAlgorithm::Key(algorithm)) => Ok((algorithm, metadata.pin_policy)),
            _ => Err(CliError::NoKey(slot)),
        },
        Err(PivError::NotFound | PivError::ReferenceNotFound) => Err(CliError::NoKey(slot)),
        Err(error) => Err(error.into()),
    }
}

/// Signs the SHA-256 digest of `input`: ECDSA gives a DER `ECDSA-Sig-Value`, RSA a
/// PKCS#1 v1.5 signature, both as `openssl dgst -sha256 -verify` reads them.
pub fn sign(
    ctx: &mut Ctx,
    choice: CardChoice,
    slot: &str,
    input: &Path,
    out: Option<&PathBuf>,
) -> Result<(), CliError> {
    let slot = parse_slot(slot)?;
    let message = std::fs::read(input).map_err(|error| CliError::Io {
        path: input.to_owned(),
        error,
    })?;
    let mut piv = ctx.open(choice.serial)?;
    let (algorithm, policy) = key_of(&mut piv, slot)?;
    // 9E never needs the PIN; every other slot does (9C before each signature).
    if policy != Some(PinPolicy::Never) {
        let pin = Pin::new(&*ctx.secrets.read(SecretKind::Pin, Stage::Current)?)?;
        piv.verify_pin(&pin)?;
    }
    let signature = piv.sign_message(slot, algorithm, &message, HashAlgorithm::Sha256)?;
    ctx.write_output(out.map(PathBuf::as_path), &signature)?;
    ctx.note(Msg::Signed(slot))
}
