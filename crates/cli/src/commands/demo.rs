//! `jeton demo`: the first-use guide's story, played for real on a virtual card in a fresh
//! temporary home, through the same command code the holder uses. It fails (non-zero exit)
//! as soon as a step does not behave as the guide says.

use std::fs;
use std::path::{Path, PathBuf};

use jeton_piv::{Error as PivError, Slot};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::sign::Verifier;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Name, X509};

use super::{card, cert, key, pin, status, Ctx};
use crate::cli::{CardChoice, CreateArgs, MgmtAlg, PinKind};
use crate::error::CliError;
use crate::home::Home;
use crate::i18n::{DemoStep, Lang, Msg};
use crate::secrets::Secrets;

/// The holder's values in the story: the PIN sent by SMS, the unblock code kept by
/// support, and the PINs the holder chooses.
const SMS_PIN: &str = "482916";
const PUK: &str = "73051864";
const CHOSEN_PIN: &str = "Jeton2fa";
const PIN_AFTER_UNBLOCK: &str = "Soleil26";
/// An empty management-key line means the factory key.
const FACTORY_KEY: &str = "";

const DOCUMENT: &[u8] = b"Contract between the holder and the provider, signed with Jeton.\n";

struct Demo<'o> {
    lang: Lang,
    home: PathBuf,
    work: PathBuf,
    card: CardChoice,
    out: &'o mut dyn std::io::Write,
}

pub fn run(lang: Lang, out: &mut dyn std::io::Write) -> Result<(), CliError> {
    let dir = tempfile::Builder::new()
        .prefix("jeton-demo-")
        .tempdir()
        .map_err(|error| CliError::Io {
            path: std::env::temp_dir(),
            error,
        })?;
    let home = dir.path().join("home");
    let work = dir.path().join("files");
    fs::create_dir_all(&work).map_err(|error| CliError::Io {
        path: work.clone(),
        error,
    })?;
    let mut demo = Demo {
        lang,
        home,
        work,
        card: CardChoice { serial: None },
        out,
    };
    demo.say(Msg::DemoHome(&dir.path().display().to_string()))?;
    demo.story()
}

impl Demo<'_> {
    fn say(&mut self, msg: Msg) -> Result<(), CliError> {
        writeln!(self.out, "{}", msg.text(self.lang)).map_err(CliError::Output)
    }

    /// Runs one command as the holder would type it, with these secrets on its input;
    /// prints the command line and its output, indented.
    fn jeton<T>(
        &mut self,
        line: &str,
        secrets: &[&str],
        command: impl FnOnce(&mut Ctx) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        writeln!(self.out, "  $ jeton {line}").map_err(CliError::Output)?;
        let mut out = Vec::new();
        let mut err = Vec::new();
        let result = {
            let mut ctx = Ctx {
                lang: self.lang,
                home: Home::at(&self.home),
                secrets: Secrets::scripted(secrets, self.lang),
                reader: None,
                out: &mut out,
                err: &mut err,
            };
            command(&mut ctx)
        };
        for line in String::from_utf8_lossy(&out)
            .lines()
            .chain(String::from_utf8_lossy(&err).lines())
        {
            writeln!(self.out, "    {line}").map_err(CliError::Output)?;
        }
        result
    }

    /// Runs a command that the card must refuse with the error `expected` accepts.
    fn refused(
        &mut self,
        line: &str,
        secrets: &[&str],
        command: impl FnOnce(&mut Ctx) -> Result<(), CliError>,
        expected: impl Fn(&PivError) -> bool,
    ) -> Result<(), CliError> {
        match self.jeton(line, secrets, command) {
            Err(CliError::Piv(error)) if expected(&error) => {
                let reason = crate::i18n::piv_error(&error, self.lang);
                self.say(Msg::DemoRefused(&reason))
            }
            Err(other) => Err(CliError::DemoStep(format!(
                "`jeton {line}` failed otherwise than expected: {}",
                other.text(Lang::En)
            ))),
            Ok(()) => Err(CliError::DemoStep(format!(
                "`jeton {line}` succeeded where the card must refuse"
            ))),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.work.join(name)
    }

    fn story(&mut self) -> Result<(), CliError> {
        self.say(Msg::DemoStep(1, DemoStep::CreateCard))?;
        let args = CreateArgs {
            serial: None,
            custom_pin: true,
            custom_puk: true,
            custom_mgmt_key: false,
            mgmt_alg: MgmtAlg::TripleDes,
            random: false,
            temporary_pin: true,
        };
        let serial = self.jeton(
            "card create --temporary-pin --custom-pin --custom-puk",
            &[SMS_PIN, SMS_PIN, PUK, PUK],
            |ctx| card::create(ctx, &args),
        )?;
        self.card = CardChoice {
            serial: Some(serial),
        };

        self.say(Msg::DemoStep(2, DemoStep::IssueCertificates))?;
        self.issue_certificates(serial)?;

        self.say(Msg::DemoStep(3, DemoStep::Status))?;
        let report = self.status()?;
        expect(report.temporary_pin, "the new card's PIN is not temporary")?;

        self.say(Msg::DemoStep(4, DemoStep::SignWithTemporaryPin))?;
        let (document, choice) = (self.file("contract.txt"), self.card);
        write(&document, DOCUMENT)?;
        let signature = self.file("9c.sig");
        self.refused(
            "key sign --slot 9c --in contract.txt --out 9c.sig",
            &[SMS_PIN],
            |ctx| key::sign(ctx, choice, "9c", &document, Some(&signature)),
            |e| matches!(e, PivError::TemporaryPin),
        )?;

        self.say(Msg::DemoStep(5, DemoStep::ChangePin))?;
        let alphanumeric = PinKind {
            numeric: false,
            alphanumeric: true,
        };
        self.jeton(
            "pin change --alphanumeric",
            &[SMS_PIN, CHOSEN_PIN, CHOSEN_PIN],
            |ctx| pin::change(ctx, choice, alphanumeric),
        )?;

        self.say(Msg::DemoStep(6, DemoStep::Sign))?;
        self.sign_and_verify(Slot::AUTHENTICATION, CHOSEN_PIN)?;
        self.sign_and_verify(Slot::SIGNATURE, CHOSEN_PIN)?;

        self.say(Msg::DemoStep(7, DemoStep::ThreeWrongPins))?;
        self.three_wrong_pins()?;
        self.say(Msg::DemoRightPin)?;
        self.refused(
            "pin verify",
            &[CHOSEN_PIN],
            |ctx| pin::verify(ctx, choice),
            |e| matches!(e, PivError::PinBlocked),
        )?;

        self.say(Msg::DemoStep(8, DemoStep::Unblock))?;
        self.jeton(
            "pin unblock --alphanumeric",
            &[PUK, PIN_AFTER_UNBLOCK, PIN_AFTER_UNBLOCK],
            |ctx| pin::unblock(ctx, choice, alphanumeric),
        )?;
        self.sign_and_verify(Slot::SIGNATURE, PIN_AFTER_UNBLOCK)?;

        self.say(Msg::DemoStep(9, DemoStep::Dead))?;
        self.three_wrong_pins()?;
        for tries_left in [2, 1] {
            self.refused(
                "pin unblock",
                &["00000000", "123456", "123456"],
                |ctx| pin::unblock(ctx, choice, PinKind::default()),
                |e| matches!(e, PivError::WrongPuk { tries_left: t } if *t == tries_left),
            )?;
        }
        self.refused(
            "pin unblock",
            &["00000000", "123456", "123456"],
            |ctx| pin::unblock(ctx, choice, PinKind::default()),
            |e| matches!(e, PivError::CardDead),
        )?;
        self.say(Msg::DemoRightPin)?;
        self.refused(
            "pin verify",
            &[PIN_AFTER_UNBLOCK],
            |ctx| pin::verify(ctx, choice),
            |e| matches!(e, PivError::PinBlocked | PivError::CardDead),
        )?;

        self.say(Msg::DemoStep(10, DemoStep::FinalStatus))?;
        let report = self.status()?;
        expect(
            report.dead,
            "the card is not dead after 3 wrong PINs and 3 wrong PUKs",
        )?;
        expect(
            report.slots.iter().all(|s| s.certificate.is_some()),
            "the dead card no longer shows its certificates",
        )?;
        self.say(Msg::DemoPassed)
    }

    fn status(&mut self) -> Result<status::StatusReport, CliError> {
        let choice = self.card;
        self.jeton("status", &[], |ctx| {
            let mut piv = ctx.open(choice.serial)?;
            let report = status::report(&mut piv)?;
            status::print(ctx, &report)?;
            Ok(report)
        })
    }

    fn three_wrong_pins(&mut self) -> Result<(), CliError> {
        let choice = self.card;
        for tries_left in [2, 1, 0] {
            self.refused(
                "pin verify",
                &["000000"],
                |ctx| pin::verify(ctx, choice),
                |e| match e {
                    PivError::WrongPin { tries_left: t } => *t == tries_left,
                    PivError::PinBlocked => tries_left == 0,
                    _ => false,
                },
            )?;
        }
        Ok(())
    }

    /// The provider's part: keys made on the card, certificates from a CA made for the demo.
    fn issue_certificates(&mut self, serial: u32) -> Result<(), CliError> {
        let ca_key = ec_key()?;
        let ca = certificate(&ca_key, "Jeton demo CA", None)?;
        let choice = self.card;
        for (slot, alg) in [(Slot::AUTHENTICATION, "rsa2048"), (Slot::SIGNATURE, "p256")] {
            let public = self.file(&format!("{slot}.pub.pem"));
            self.jeton(
                &format!("key generate --slot {slot} --alg {alg} --out {slot}.pub.pem"),
                &[FACTORY_KEY],
                |ctx| key::generate(ctx, choice, &slot.to_string(), alg, Some(&public)),
            )?;
            let holder = PKey::public_key_from_pem(&read(&public)?)?;
            let usage = if slot == Slot::SIGNATURE {
                KeyUsage::new().critical().non_repudiation().build()?
            } else {
                KeyUsage::new().critical().digital_signature().build()?
            };
            let subject = format!("Camille Martin {serial}");
            let cert = certificate(&ca_key, &subject, Some((&ca, &holder, usage)))?;
            let file = self.file(&format!("{slot}.crt"));
            write(&file, &cert.to_pem()?)?;
            self.jeton(
                &format!("cert import --slot {slot} {slot}.crt"),
                &[FACTORY_KEY],
                |ctx| cert::import(ctx, choice, &slot.to_string(), &file),
            )?;
        }
        Ok(())
    }

    fn sign_and_verify(&mut self, slot: Slot, pin_value: &str) -> Result<(), CliError> {
        let (document, choice) = (self.file("contract.txt"), self.card);
        let signature = self.file(&format!("{slot}.sig"));
        self.jeton(
            &format!("key sign --slot {slot} --in contract.txt --out {slot}.sig"),
            &[pin_value],
            |ctx| key::sign(ctx, choice, &slot.to_string(), &document, Some(&signature)),
        )?;
        // What `openssl dgst -sha256 -verify 9c.pub.pem -signature 9c.sig contract.txt` does.
        let public = PKey::public_key_from_pem(&read(&self.file(&format!("{slot}.pub.pem")))?)?;
        let mut verifier = Verifier::new(MessageDigest::sha256(), &public)?;
        verifier.update(DOCUMENT)?;
        expect(
            verifier.verify(&read(&signature)?)?,
            "OpenSSL rejects the card's signature",
        )?;
        self.say(Msg::DemoVerified(slot))
    }
}

fn expect(condition: bool, what: &str) -> Result<(), CliError> {
    if condition {
        Ok(())
    } else {
        Err(CliError::DemoStep(what.to_owned()))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    fs::read(path).map_err(|error| CliError::Io {
        path: path.to_owned(),
        error,
    })
}

fn write(path: &Path, data: &[u8]) -> Result<(), CliError> {
    fs::write(path, data).map_err(|error| CliError::Io {
        path: path.to_owned(),
        error,
    })
}

fn ec_key() -> Result<PKey<Private>, CliError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

/// A certificate signed by `ca_key`: the CA's own (self-signed) when `issued` is `None`,
/// else the holder's, for the holder's public key, valid three years.
fn certificate(
    ca_key: &PKey<Private>,
    common_name: &str,
    issued: Option<(
        &X509,
        &PKey<openssl::pkey::Public>,
        openssl::x509::X509Extension,
    )>,
) -> Result<X509, CliError> {
    let mut name = X509Name::builder()?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Jeton demo")?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(64, MsbOption::MAYBE_ZERO, false)?;
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    let (not_before, not_after) = (
        Asn1Time::days_from_now(0)?,
        Asn1Time::days_from_now(3 * 365)?,
    );
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    match issued {
        None => {
            builder.set_issuer_name(&name)?;
            builder.set_pubkey(ca_key)?;
            builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        }
        Some((ca, holder, usage)) => {
            builder.set_issuer_name(ca.subject_name())?;
            builder.set_pubkey(holder)?;
            builder.append_extension(usage)?;
        }
    }
    builder.sign(ca_key, MessageDigest::sha256())?;
    Ok(builder.build())
}
