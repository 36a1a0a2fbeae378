//! The holder's secrets: `jeton pin verify|change|unblock`, `jeton puk change`,
//! `jeton mgmt-key change`. Every value is read and checked before anything is sent, so a
//! typo in the new PIN never costs a try of the old one.

use jeton_piv::{ManagementKey, Pin, Puk};

use super::Ctx;
use crate::cli::{CardChoice, MgmtAlg, PinKind};
use crate::error::CliError;
use crate::i18n::Msg;
use crate::secrets::{Secret, SecretKind, Stage};

pub fn verify(ctx: &mut Ctx, choice: CardChoice) -> Result<(), CliError> {
    let mut piv = ctx.open(choice.serial)?;
    let pin = Pin::new(&*ctx.secrets.read(SecretKind::Pin, Stage::Current)?)?;
    piv.verify_pin(&pin)?;
    ctx.say(Msg::PinCorrect)
}

pub fn change(ctx: &mut Ctx, choice: CardChoice, kind: PinKind) -> Result<(), CliError> {
    let mut piv = ctx.open(choice.serial)?;
    let old = Pin::new(&*ctx.secrets.read(SecretKind::Pin, Stage::Current)?)?;
    let new = new_pin(&ctx.secrets.read_new(SecretKind::Pin)?, kind)?;
    piv.change_pin(&old, &new)?;
    ctx.say(Msg::PinChanged)
}

pub fn unblock(ctx: &mut Ctx, choice: CardChoice, kind: PinKind) -> Result<(), CliError> {
    let mut piv = ctx.open(choice.serial)?;
    let puk = Puk::new(&*ctx.secrets.read(SecretKind::Puk, Stage::Current)?)?;
    let new = new_pin(&ctx.secrets.read_new(SecretKind::Pin)?, kind)?;
    piv.unblock_pin(&puk, &new)?;
    ctx.say(Msg::PinUnblocked)
}

pub fn change_puk(ctx: &mut Ctx, choice: CardChoice) -> Result<(), CliError> {
    let mut piv = ctx.open(choice.serial)?;
    let old = Puk::new(&*ctx.secrets.read(SecretKind::Puk, Stage::Current)?)?;
    let new = Puk::new(&*ctx.secrets.read_new(SecretKind::Puk)?)?;
    piv.change_puk(&old, &new)?;
    ctx.say(Msg::PukChanged)
}

pub fn change_management_key(
    ctx: &mut Ctx,
    choice: CardChoice,
    algorithm: MgmtAlg,
) -> Result<(), CliError> {
    let mut piv = ctx.open(choice.serial)?;
    ctx.authenticate(&mut piv)?;
    let hex = ctx.secrets.read_new(SecretKind::ManagementKey)?;
    let text = std::str::from_utf8(&hex)
        .map_err(|_| jeton_piv::Error::InvalidManagementKey("not hexadecimal"))?;
    let new = ManagementKey::from_hex(algorithm.into(), text)?;
    piv.set_management_key(&new)?;
    ctx.say(Msg::ManagementKeyChanged(new.algorithm().name()))
}

/// A new PIN as the guide's form asks for it: 6 to 8 characters, and digits only or
/// letters and digits when the holder chose so.
pub fn new_pin(value: &Secret, kind: PinKind) -> Result<Pin, CliError> {
    let pin = Pin::new(&**value)?;
    if kind.numeric && !pin.is_numeric() {
        return Err(CliError::PinNotNumeric);
    }
    if kind.alphanumeric && !pin.as_bytes().iter().all(u8::is_ascii_alphanumeric) {
        return Err(CliError::PinNotAlphanumeric);
    }
    Ok(pin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn check(value: &str, numeric: bool, alphanumeric: bool) -> Result<Pin, CliError> {
        let kind = PinKind {
            numeric,
            alphanumeric,
        };
        new_pin(&Zeroizing::new(value.as_bytes().to_vec()), kind)
    }

    #[test]
    fn the_form_constrains_the_new_pin() {
        assert!(check("123456", true, false).is_ok());
        assert!(matches!(
            check("abc123", true, false),
            Err(CliError::PinNotNumeric)
        ));
        assert!(check("Jeton2fa", false, true).is_ok());
        assert!(check("123456", false, true).is_ok());
        assert!(matches!(
            check("abc-123", false, true),
            Err(CliError::PinNotAlphanumeric)
        ));
        assert!(check("abc-123", false, false).is_ok());
        assert!(matches!(
            check("12345", false, false),
            Err(CliError::Piv(jeton_piv::Error::InvalidPinFormat))
        ));
    }
}
