//! `jeton card create|list|delete|reset`: virtual cards in `$JETON_HOME/cards`.

use jeton_card::Personalisation;
use jeton_piv::{ManagementKey, ManagementKeyAlgorithm};
use serde::Serialize;
use zeroize::Zeroizing;

use super::Ctx;
use crate::cli::{CardChoice, Confirmation, CreateArgs};
use crate::error::CliError;
use crate::i18n::Msg;
use crate::secrets::SecretKind;

/// Random serials have 8 digits, like the serials printed on tokens.
const SERIAL_RANGE: std::ops::Range<u32> = 10_000_000..100_000_000;

pub fn create(ctx: &mut Ctx, args: &CreateArgs) -> Result<u32, CliError> {
    let existing = ctx.home.serials()?;
    let serial = match args.serial {
        Some(serial) if existing.contains(&serial) => return Err(CliError::CardExists(serial)),
        Some(serial) => serial,
        None => loop {
            let serial = random_below(SERIAL_RANGE.end - SERIAL_RANGE.start)? + SERIAL_RANGE.start;
            if !existing.contains(&serial) {
                break serial;
            }
        },
    };

    let mut card = Personalisation::factory(serial);
    card.temporary_pin = args.temporary_pin;
    let mut drawn = None;
    if args.random {
        let pin = random_digits(8)?;
        let puk = random_digits(8)?;
        let key = ManagementKey::generate(ManagementKeyAlgorithm::Aes256)?;
        card.pin = Zeroizing::new(pin.as_bytes().to_vec());
        card.puk = Zeroizing::new(puk.as_bytes().to_vec());
        card.management_key_algorithm = key.algorithm().id();
        card.management_key = Zeroizing::new(key.as_bytes().to_vec());
        drawn = Some((pin, puk, key.to_hex()));
    }
    // Each value is checked as soon as it is read, so a typo is reported before the next
    // prompt.
    if args.custom_pin {
        let pin = ctx.secrets.read_new(SecretKind::Pin)?;
        super::pin::pin_value(&pin)?;
        card.pin = pin;
    }
    if args.custom_puk {
        let puk = ctx.secrets.read_new(SecretKind::Puk)?;
        super::pin::puk_value(&puk)?;
        card.puk = puk;
    }
    if args.custom_mgmt_key {
        let hex = ctx.secrets.read_new(SecretKind::ManagementKey)?;
        let text = std::str::from_utf8(&hex)
            .map_err(|_| jeton_piv::Error::InvalidManagementKey("not hexadecimal"))?;
        let key = ManagementKey::from_hex(args.mgmt_alg.into(), text)?;
        card.management_key_algorithm = key.algorithm().id();
        card.management_key = Zeroizing::new(key.as_bytes().to_vec());
    }

    // The provider's policy (issue 8): the card itself refuses trivial new PINs, so that
    // no PIV tool can set one. A card handed over with a trivial PIN must be able to keep
    // working, so the policy needs that PIN to be temporary (the card enforces this too).
    card.refuse_weak_pins = !args.allow_weak_pins
        && (card.temporary_pin || jeton_card::pin_weakness(&card.pin).is_none());
    // The guide's 3 tries are the provider's, whatever the PIN: no PIV tool may change
    // them with SET PIN RETRIES (issue 9), which would also undo the temporary PIN.
    card.fixed_retries = true;
    ctx.home.ensure_cards_dir()?.create(&card)?;
    ctx.say(Msg::CardCreated(serial))?;
    if let Some((pin, puk, key)) = drawn {
        ctx.say(Msg::DrawnSecrets {
            pin: &pin,
            puk: &puk,
            key: &key,
        })?;
    } else if !args.custom_pin && !args.custom_puk && !args.custom_mgmt_key {
        ctx.say(Msg::FactoryValues)?;
    }
    if args.temporary_pin {
        ctx.say(Msg::TemporaryPinSet)?;
    }
    ctx.say(Msg::WeakPinPolicy(card.refuse_weak_pins))?;
    Ok(serial)
}

#[derive(Serialize)]
struct CardEntry {
    serial: u32,
    file: String,
}

pub fn list(ctx: &mut Ctx, json: bool) -> Result<(), CliError> {
    let cards = ctx.home.cards();
    let entries: Vec<CardEntry> = ctx
        .home
        .serials()?
        .into_iter()
        .map(|serial| CardEntry {
            serial,
            file: cards.path_of(serial).display().to_string(),
        })
        .collect();
    if json {
        let text = serde_json::to_string_pretty(&entries).map_err(CliError::Json)?;
        return writeln!(ctx.out, "{text}").map_err(CliError::Output);
    }
    if entries.is_empty() {
        return ctx.say(Msg::NoCardYet);
    }
    for entry in &entries {
        writeln!(ctx.out, "{}  {}", entry.serial, entry.file).map_err(CliError::Output)?;
    }
    Ok(())
}

pub fn delete(ctx: &mut Ctx, serial: u32, confirmation: Confirmation) -> Result<(), CliError> {
    if !ctx.home.serials()?.contains(&serial) {
        return Err(CliError::UnknownCard(serial, ctx.home.clone()));
    }
    let keys = keys_on(ctx, serial);
    ctx.confirm(confirmation, Msg::DeleteLoses { serial, keys })?;
    ctx.home.cards().delete(serial)?;
    ctx.say(Msg::CardDeleted(serial))
}

/// The way out of a dead card: the card allows RESET only when both PIN and PUK are
/// blocked; check first so the holder is told why not in their terms.
pub fn reset(
    ctx: &mut Ctx,
    choice: CardChoice,
    confirmation: Confirmation,
) -> Result<(), CliError> {
    let mut piv = ctx.open(&choice)?;
    let status = piv.status()?;
    if !status.dead() {
        return Err(CliError::ResetNotAllowed);
    }
    let keys = super::status::report(&mut piv)?.slots.len();
    ctx.confirm(
        confirmation,
        Msg::ResetLoses {
            serial: status.serial,
            keys,
        },
    )?;
    piv.reset()?;
    ctx.say(Msg::CardReset(status.serial))
}

/// How many slots of a virtual card hold a key or a certificate, to say what a deletion
/// destroys; a card that cannot be read is deleted all the same, so it counts none.
fn keys_on(ctx: &Ctx, serial: u32) -> usize {
    let choice = CardChoice {
        serial: Some(serial),
        reader: None,
    };
    ctx.open(&choice)
        .and_then(|mut piv| super::status::report(&mut piv))
        .map_or(0, |report| report.slots.len())
}

/// A uniform number below `bound`, by rejection, from OpenSSL's CSPRNG.
fn random_below(bound: u32) -> Result<u32, CliError> {
    let limit = u32::MAX - u32::MAX % bound;
    loop {
        let mut bytes = [0u8; 4];
        openssl::rand::rand_bytes(&mut bytes)?;
        let value = u32::from_le_bytes(bytes);
        if value < limit {
            return Ok(value % bound);
        }
    }
}

fn random_digits(count: usize) -> Result<Zeroizing<String>, CliError> {
    let mut out = Zeroizing::new(String::with_capacity(count));
    for _ in 0..count {
        let digit = random_below(10)? as u8;
        out.push(char::from(b'0' + digit));
    }
    Ok(out)
}
