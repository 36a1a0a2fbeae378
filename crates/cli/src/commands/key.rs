//! `jeton key generate|sign`: keys are made on the card and never leave it.

use std::io::{IsTerminal, Read};
use std::path::Path;

use jeton_piv::{
    Error as PivError, HashAlgorithm, KeyAlgorithm, KeyReference, KeySlot, MetadataAlgorithm,
    PinPolicy, RsaPadding,
};
use openssl::hash::{Hasher, MessageDigest};
use openssl::x509::X509;

use super::{Ctx, Piv};
use crate::cli::{CardChoice, Confirmation};
use crate::error::CliError;
use crate::i18n::Msg;
use crate::secrets::{SecretKind, Stage};

pub fn generate(
    ctx: &mut Ctx,
    choice: CardChoice,
    slot: KeySlot,
    algorithm: KeyAlgorithm,
    out: Option<&Path>,
    confirmation: Confirmation,
) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    // A key with its certificate is the holder's identity: replacing it loses both for good.
    let certified = match key_of(&mut piv, slot) {
        Ok(_) => piv.read_certificate(slot).ok(),
        Err(_) => None,
    };
    if let Some(der) = &certified {
        let subject = X509::from_der(der)
            .map(|cert| super::status::name(cert.subject_name()))
            .unwrap_or_else(|_| "?".into());
        ctx.confirm(
            confirmation,
            Msg::GenerateLoses {
                slot,
                subject: &subject,
            },
        )?;
    }
    ctx.authenticate(&mut piv)?;
    let public_key = piv.generate(slot, algorithm)?;
    // The old key's certificate now lies about the slot's key: no application may use it.
    if certified.is_some() {
        piv.delete_certificate(slot)?;
    }
    ctx.write_output(out, public_key.to_pem()?.as_bytes())?;
    ctx.note(Msg::KeyGenerated(slot, algorithm.name()))?;
    if certified.is_some() {
        ctx.note(Msg::CertificateRemoved(slot))?;
    }
    Ok(())
}

/// The algorithm and PIN policy of the key in `slot`; an empty slot is the holder's error.
pub fn key_of(piv: &mut Piv, slot: KeySlot) -> Result<(KeyAlgorithm, Option<PinPolicy>), CliError> {
    match piv.metadata(KeyReference::KeySlot(slot)) {
        Ok(metadata) => match metadata.algorithm {
            Some(MetadataAlgorithm::Key(algorithm)) => Ok((algorithm, metadata.pin_policy)),
            _ => Err(CliError::NoKey(slot)),
        },
        Err(PivError::NotFound | PivError::ReferenceNotFound) => Err(CliError::NoKey(slot)),
        Err(error) => Err(error.into()),
    }
}

/// Signs the SHA-256 digest of `input`: ECDSA gives a DER `ECDSA-Sig-Value`, RSA a
/// PKCS#1 v1.5 signature, both as `openssl dgst -sha256 -verify` reads them. The file is
/// hashed as it is read, so memory stays flat whatever its size.
pub fn sign(
    ctx: &mut Ctx,
    choice: CardChoice,
    slot: KeySlot,
    input: &Path,
    out: Option<&Path>,
) -> Result<(), CliError> {
    // A signature is binary: on a terminal it is garbage, and can upset the terminal.
    if out.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::BinaryToTerminal);
    }
    let digest = sha256_of(input)?;
    let mut piv = ctx.open(&choice)?;
    let (algorithm, policy) = key_of(&mut piv, slot)?;
    // 9E never needs the PIN; every other slot does (9C before each signature).
    if policy != Some(PinPolicy::Never) {
        let status = super::pin::pin_usable(&mut piv)?;
        if status.temporary_pin {
            refuse_if_temporary(&mut piv, slot, algorithm)?;
        }
        let pin = super::pin::pin_value(&ctx.secrets.read(SecretKind::Pin, Stage::Current)?)?;
        piv.verify_pin(&pin)?;
    }
    let signature = piv.sign_digest(
        slot,
        algorithm,
        HashAlgorithm::Sha256,
        &digest,
        RsaPadding::Pkcs1v15,
    )?;
    ctx.write_output(out, &signature)?;
    ctx.note(Msg::Signed(slot))
}

/// A card whose PIN is still the temporary one refuses every private-key operation before
/// it looks at the PIN (`6985`; a PIN not yet verified gives `6982`), so asking first costs
/// no try, and the holder is not asked for a PIN that cannot help.
fn refuse_if_temporary(
    piv: &mut Piv,
    slot: KeySlot,
    algorithm: KeyAlgorithm,
) -> Result<(), CliError> {
    let probe = vec![0u8; algorithm.input_len()];
    match piv.sign_raw(slot, algorithm, &probe) {
        Err(PivError::TemporaryPin) => Err(PivError::TemporaryPin.into()),
        _ => Ok(()),
    }
}

fn sha256_of(path: &Path) -> Result<Vec<u8>, CliError> {
    let io_error = |error| CliError::Io {
        path: path.to_owned(),
        error,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut hasher = Hasher::new(MessageDigest::sha256())?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n])?,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(io_error(error)),
        }
    }
    Ok(hasher.finish()?.to_vec())
}
