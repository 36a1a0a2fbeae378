//! The holder's secrets: `jeton pin verify|change|unblock`, `jeton puk change`,
//! `jeton mgmt-key change`. Every value is read and checked before anything is sent, so a
//! typo in the new PIN never costs a try of the old one.

use jeton_piv::{reference, CardStatus, Error as PivError, ManagementKey, Pin, Puk};

use super::{Ctx, Piv};
use crate::cli::{CardChoice, MgmtAlg, PinKind};
use crate::error::CliError;
use crate::i18n::Msg;
use crate::secrets::{Secret, SecretKind, Stage};

/// Before a PIN is asked for: typing it cannot help a blocked PIN or a dead card, so say so
/// without a prompt (ykman does the same from the counters).
pub fn pin_usable(piv: &mut Piv) -> Result<CardStatus, CliError> {
    let status = piv.status()?;
    if status.dead() {
        return Err(PivError::CardDead.into());
    }
    if status.pin_blocked() {
        return Err(PivError::PinBlocked.into());
    }
    Ok(status)
}

/// Before the unblock code is asked for: a blocked PUK cannot be helped by typing it.
fn puk_usable(piv: &mut Piv) -> Result<(), CliError> {
    let status = piv.status()?;
    if status.dead() {
        return Err(PivError::CardDead.into());
    }
    if status.puk_blocked() {
        return Err(PivError::PukBlocked.into());
    }
    Ok(())
}

pub fn verify(ctx: &mut Ctx, choice: CardChoice) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    pin_usable(&mut piv)?;
    let pin = pin_value(&ctx.secrets.read(SecretKind::Pin, Stage::Current)?)?;
    piv.verify_pin(&pin)?;
    ctx.say(Msg::PinCorrect)
}

pub fn change(ctx: &mut Ctx, choice: CardChoice, kind: PinKind) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    pin_usable(&mut piv)?;
    let old = pin_value(&ctx.secrets.read(SecretKind::Pin, Stage::Current)?)?;
    let new = new_pin(&ctx.secrets.read_new(SecretKind::Pin)?, kind)?;
    // The temporary PIN must really change (the card refuses it too); for any PIN, the
    // same value again changes nothing and would only look like it did.
    if old.as_bytes() == new.as_bytes() {
        return Err(CliError::PinUnchanged);
    }
    piv.change_pin(&old, &new).map_err(new_value_refused)?;
    ctx.say(Msg::PinChanged)
}

pub fn unblock(ctx: &mut Ctx, choice: CardChoice, kind: PinKind) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    puk_usable(&mut piv)?;
    let puk = puk_value(&ctx.secrets.read(SecretKind::Puk, Stage::Current)?)?;
    let new = new_pin(&ctx.secrets.read_new(SecretKind::Pin)?, kind)?;
    piv.unblock_pin(&puk, &new).map_err(new_value_refused)?;
    ctx.say(Msg::PinUnblocked)
}

pub fn change_puk(ctx: &mut Ctx, choice: CardChoice) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    puk_usable(&mut piv)?;
    let old = puk_value(&ctx.secrets.read(SecretKind::Puk, Stage::Current)?)?;
    let new = puk_value(&ctx.secrets.read_new(SecretKind::Puk)?)?;
    piv.change_puk(&old, &new)?;
    ctx.say(Msg::PukChanged)
}

pub fn change_management_key(
    ctx: &mut Ctx,
    choice: CardChoice,
    algorithm: MgmtAlg,
) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    ctx.authenticate(&mut piv)?;
    let hex = ctx.secrets.read_new(SecretKind::ManagementKey)?;
    let text = std::str::from_utf8(&hex)
        .map_err(|_| jeton_piv::Error::InvalidManagementKey("not hexadecimal"))?;
    let new = ManagementKey::from_hex(algorithm.into(), text)?;
    piv.set_management_key(&new)?;
    ctx.say(Msg::ManagementKeyChanged(new.algorithm().name()))
}

/// The card's 6A80 on a new value of the right form is its policy speaking (a new PIN
/// equal to the temporary one, or a weak PIN on a card personalised to refuse them).
fn new_value_refused(error: PivError) -> CliError {
    match error {
        PivError::RejectedByPolicy => CliError::NewPinRefused,
        other => other.into(),
    }
}

/// What is wrong with a typed value, in the holder's terms, before the card sees it.
fn check_form(
    value: &Secret,
    kind: SecretKind,
    lengths: std::ops::RangeInclusive<usize>,
) -> Result<(), CliError> {
    if value.is_empty() {
        return Err(CliError::NothingTyped(kind));
    }
    let Ok(text) = std::str::from_utf8(value) else {
        return Err(CliError::NotAscii(kind));
    };
    if !text.is_ascii() {
        return Err(CliError::NotAscii(kind));
    }
    if text.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(CliError::Blank(kind));
    }
    if !lengths.contains(&text.len()) {
        return Err(CliError::Length(kind, text.len()));
    }
    Ok(())
}

/// A PIN as typed: 6 to 8 printable ASCII characters, no space.
pub fn pin_value(value: &Secret) -> Result<Pin, CliError> {
    check_form(
        value,
        SecretKind::Pin,
        reference::PIN_MIN_LEN..=reference::PIN_MAX_LEN,
    )?;
    Ok(Pin::new(&**value)?)
}

/// An unblock code as typed: exactly 8 printable ASCII characters.
pub fn puk_value(value: &Secret) -> Result<Puk, CliError> {
    check_form(
        value,
        SecretKind::Puk,
        reference::PUK_LEN..=reference::PUK_LEN,
    )?;
    Ok(Puk::new(&**value)?)
}

/// A new PIN as the guide's form asks for it: 6 to 8 characters, digits only or letters
/// and digits when the holder chose so, and none of the trivial PINs anyone would try
/// first (the factory value, one character repeated, a run).
pub fn new_pin(value: &Secret, kind: PinKind) -> Result<Pin, CliError> {
    let pin = pin_value(value)?;
    if kind.numeric && !pin.is_numeric() {
        return Err(CliError::PinNotNumeric);
    }
    if kind.alphanumeric && !pin.as_bytes().iter().all(u8::is_ascii_alphanumeric) {
        return Err(CliError::PinNotAlphanumeric);
    }
    if let Some(weakness) = jeton_card::pin_weakness(pin.as_bytes()) {
        return Err(CliError::WeakPin(weakness));
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
        assert!(check("385172", true, false).is_ok());
        assert!(matches!(
            check("abc123", true, false),
            Err(CliError::PinNotNumeric)
        ));
        assert!(check("Jeton2fa", false, true).is_ok());
        assert!(check("385172", false, true).is_ok());
        assert!(matches!(
            check("abc-123", false, true),
            Err(CliError::PinNotAlphanumeric)
        ));
        assert!(check("abc-123", false, false).is_ok());
        assert!(matches!(
            check("12345", false, false),
            Err(CliError::Length(SecretKind::Pin, 5))
        ));
    }

    #[test]
    fn the_pin_rule_says_what_is_wrong() {
        type Expected = fn(&CliError) -> bool;
        let cases: &[(&str, Expected)] = &[
            ("", |e| matches!(e, CliError::NothingTyped(SecretKind::Pin))),
            ("\u{e9}t\u{e9}2024", |e| {
                matches!(e, CliError::NotAscii(SecretKind::Pin))
            }),
            ("12 4567", |e| matches!(e, CliError::Blank(SecretKind::Pin))),
            ("123456789", |e| {
                matches!(e, CliError::Length(SecretKind::Pin, 9))
            }),
            ("123456", |e| {
                matches!(e, CliError::WeakPin(jeton_card::PinWeakness::FactoryValue))
            }),
            ("777777", |e| {
                matches!(
                    e,
                    CliError::WeakPin(jeton_card::PinWeakness::RepeatedCharacter)
                )
            }),
            ("876543", |e| {
                matches!(e, CliError::WeakPin(jeton_card::PinWeakness::Sequence))
            }),
        ];
        for (value, expected) in cases {
            let error = check(value, false, false).expect_err(value);
            assert!(expected(&error), "{value:?}: {error:?}");
        }
    }
}
