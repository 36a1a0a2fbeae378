//! `jeton demo`: the first-use guide's story, played for real on a virtual card in a fresh
//! temporary home, through the same command code the holder uses. It fails (non-zero exit)
//! as soon as a step does not behave as the guide says.

use std::fs;
use std::path::{Path, PathBuf};

use jeton_piv::{Error as PivError, KeyAlgorithm, KeySlot};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Verifier;
use openssl::x509::{X509Crl, X509};

use super::{ca, card, cert, key, pin, status, Ctx};
use crate::cli::{
    CaArgs, CaCommand, CardChoice, Confirmation, CreateArgs, KeySecretArgs, MgmtAlg, PinKind,
    ProviderArgs, SecretInput,
};
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

/// The provider's side: the settings the interop scripts and benchmarks share, with the
/// French PDS beside the English one, and the passphrases of its CA keys.
const PROVIDER_TOML: &str = concat!(
    include_str!("../../../../tests/fixtures/provider.toml"),
    r#"
[[provider.pds]]
url = "https://pki.jeton.example/pds/fr.pdf"
language = "fr"
"#
);
/// One passphrase per key role, never the same (`ca init` refuses two alike).
const ROOT_PASSPHRASE: &str = "demo root key, kept offline";
const ISSUING_PASSPHRASE: &str = "demo issuing CA key";
const OCSP_PASSPHRASE: &str = "demo OCSP responder key";
const TSA_PASSPHRASE: &str = "demo time-stamping key";
const AUDIT_PASSPHRASE: &str = "demo audit log key";
const HOLDER: &str = "C=FR,GN=Camille,SN=Martin,serialNumber=PNOFR-1850775123456,CN=Camille Martin";

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
        card: CardChoice::default(),
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

    /// Runs library code that needs a context but is no command of the story: nothing shown.
    fn quietly<T>(
        &mut self,
        command: impl FnOnce(&mut Ctx) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut ctx = Ctx {
            lang: self.lang,
            home: Home::at(&self.home),
            secrets: Secrets::scripted(&[] as &[&str], self.lang),
            reader: None,
            out: &mut out,
            err: &mut err,
        };
        command(&mut ctx)
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

    /// Where the demo keeps the root key, outside the provider's home.
    fn offline_root(&self) -> PathBuf {
        self.file("offline-root")
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
            allow_weak_pins: false,
            secrets: SecretInput::default(),
        };
        let serial = self.jeton(
            "card create --temporary-pin --custom-pin --custom-puk",
            &[SMS_PIN, SMS_PIN, PUK, PUK],
            |ctx| card::create(ctx, &args),
        )?;
        self.card = CardChoice {
            serial: Some(serial),
            reader: None,
        };

        self.say(Msg::DemoStep(2, DemoStep::IssueCertificates))?;
        self.issue_certificates()?;

        self.say(Msg::DemoStep(3, DemoStep::Status))?;
        let report = self.status()?;
        expect(report.temporary_pin, "the new card's PIN is not temporary")?;

        self.say(Msg::DemoStep(4, DemoStep::SignWithTemporaryPin))?;
        let (document, choice) = (self.file("contract.txt"), self.card.clone());
        write(&document, DOCUMENT)?;
        let signature = self.file("9c.sig");
        self.refused(
            "key sign --slot 9c --in contract.txt --out 9c.sig",
            &[SMS_PIN],
            |ctx| {
                key::sign(
                    ctx,
                    choice.clone(),
                    KeySlot::SIGNATURE,
                    &document,
                    Some(signature.as_path()),
                )
            },
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
            |ctx| pin::change(ctx, choice.clone(), alphanumeric),
        )?;

        self.say(Msg::DemoStep(6, DemoStep::Sign))?;
        self.sign_and_verify(KeySlot::AUTHENTICATION, CHOSEN_PIN)?;
        self.sign_and_verify(KeySlot::SIGNATURE, CHOSEN_PIN)?;

        self.say(Msg::DemoStep(7, DemoStep::ThreeWrongPins))?;
        self.three_wrong_pins()?;
        self.say(Msg::DemoRightPin)?;
        self.refused(
            "pin verify",
            &[CHOSEN_PIN],
            |ctx| pin::verify(ctx, choice.clone()),
            |e| matches!(e, PivError::PinBlocked),
        )?;

        self.say(Msg::DemoStep(8, DemoStep::Unblock))?;
        self.jeton(
            "pin unblock --alphanumeric",
            &[PUK, PIN_AFTER_UNBLOCK, PIN_AFTER_UNBLOCK],
            |ctx| pin::unblock(ctx, choice.clone(), alphanumeric),
        )?;
        self.sign_and_verify(KeySlot::SIGNATURE, PIN_AFTER_UNBLOCK)?;

        self.say(Msg::DemoStep(9, DemoStep::Dead))?;
        self.three_wrong_pins()?;
        for tries_left in [2, 1] {
            self.refused(
                "pin unblock",
                &["00000000", "385172", "385172"],
                |ctx| pin::unblock(ctx, choice.clone(), PinKind::default()),
                |e| matches!(e, PivError::WrongPuk { tries_left: t } if *t == tries_left),
            )?;
        }
        self.refused(
            "pin unblock",
            &["00000000", "385172", "385172"],
            |ctx| pin::unblock(ctx, choice.clone(), PinKind::default()),
            |e| matches!(e, PivError::CardDead),
        )?;
        self.say(Msg::DemoRightPin)?;
        self.refused(
            "pin verify",
            &[PIN_AFTER_UNBLOCK],
            |ctx| pin::verify(ctx, choice.clone()),
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

        self.say(Msg::DemoStep(11, DemoStep::LostToken))?;
        self.revoke_signature_certificate()?;
        self.say(Msg::DemoPassed)
    }

    /// Runs `jeton ca …` as the provider's operator.
    fn ca(&mut self, line: &str, secrets: &[&str], command: CaCommand) -> Result<(), CliError> {
        let root_dir = matches!(command, CaCommand::Init { .. }).then(|| self.offline_root());
        let args = CaArgs {
            provider: ProviderArgs {
                operator: Some("support-desk".into()),
                ..ProviderArgs::default()
            },
            secrets: SecretInput::default(),
            keys: KeySecretArgs::default(),
            root_dir,
            command,
        };
        self.jeton(&format!("ca {line}"), secrets, |ctx| ca::run(ctx, args))
    }

    /// The guide's urgent revocation: the signature certificate is revoked at once, and the
    /// CRL the provider publishes lists it, signed by the issuing CA.
    fn revoke_signature_certificate(&mut self) -> Result<(), CliError> {
        let certificate = X509::from_pem(&read(&self.file("9c.crt"))?)?;
        let serial = certificate
            .serial_number()
            .to_bn()?
            .to_hex_str()?
            .to_string();
        self.ca(
            &format!("revoke {serial} --reason key-compromise"),
            &[AUDIT_PASSPHRASE],
            CaCommand::Revoke {
                serial: serial.clone(),
                reason: "key-compromise".into(),
                at: None,
                invalidity_date: None,
                ca: "issuing".into(),
            },
        )?;
        let crl_file = self.file("issuing.crl");
        self.ca(
            "crl --out issuing.crl",
            &[ISSUING_PASSPHRASE, AUDIT_PASSPHRASE],
            CaCommand::Crl {
                ca: "issuing".into(),
                next_update_hours: 24,
                out: Some(crl_file.clone()),
            },
        )?;
        // What `openssl crl -verify` and `openssl verify -crl_check` look at.
        let crl = X509Crl::from_pem(&read(&crl_file)?)?;
        let issuer = X509::from_pem(&read(&self.file("issuing-ca.crt"))?)?;
        expect(
            crl.verify(&*issuer.public_key()?)?,
            "the CRL's signature does not verify",
        )?;
        let listed = crl.get_by_serial(certificate.serial_number());
        expect(
            matches!(listed, openssl::x509::CrlStatus::Revoked(_)),
            "the CRL does not list the revoked certificate",
        )?;
        self.say(Msg::DemoRevokedOnCrl(&serial))
    }

    fn status(&mut self) -> Result<status::StatusReport, CliError> {
        let choice = self.card.clone();
        self.jeton("status", &[], |ctx| {
            let mut piv = ctx.open(&choice)?;
            let report = status::report(&mut piv)?;
            status::print(ctx, &report)?;
            Ok(report)
        })
    }

    fn three_wrong_pins(&mut self) -> Result<(), CliError> {
        let choice = self.card.clone();
        for tries_left in [2, 1, 0] {
            self.refused(
                "pin verify",
                &["000000"],
                |ctx| pin::verify(ctx, choice.clone()),
                |e| match e {
                    PivError::WrongPin { tries_left: t } => *t == tries_left,
                    PivError::PinBlocked => tries_left == 0,
                    _ => false,
                },
            )?;
        }
        Ok(())
    }

    /// The provider's part: it sets up its CAs, the card makes the keys, and the provider
    /// certifies them: an authentication certificate for 9A, a qualified one for 9C.
    fn issue_certificates(&mut self) -> Result<(), CliError> {
        // 0600, as `ca init` writes its default: the provider's files are its own.
        fs::create_dir_all(&self.home)
            .and_then(|()| {
                jeton_tsp::permissions::create_private_file(&self.home.join("provider.toml"))
            })
            .map_err(|error| CliError::Io {
                path: self.home.clone(),
                error,
            })?;
        // The demo's certificates say they are a demo's.
        let config = PROVIDER_TOML.replacen(
            "organization = \"Jeton Trust Services\"",
            "organization = \"Jeton Trust Services (demo)\"",
            1,
        );
        write(&self.home.join("provider.toml"), config.as_bytes())?;
        // Each key its own passphrase (each typed twice); the root key goes to a folder apart
        // from the provider's, as on a medium kept offline.
        self.say(Msg::DemoProviderKeys(
            &self.offline_root().display().to_string(),
        ))?;
        self.ca(
            "init --root-dir offline-root",
            &[
                ROOT_PASSPHRASE,
                ROOT_PASSPHRASE,
                ISSUING_PASSPHRASE,
                ISSUING_PASSPHRASE,
                OCSP_PASSPHRASE,
                OCSP_PASSPHRASE,
                TSA_PASSPHRASE,
                TSA_PASSPHRASE,
                AUDIT_PASSPHRASE,
                AUDIT_PASSPHRASE,
            ],
            CaCommand::Init {
                pkcs11: None,
                root_pkcs11: None,
            },
        )?;
        let choice = self.card.clone();
        for (slot, alg, profile) in [
            (
                KeySlot::AUTHENTICATION,
                KeyAlgorithm::Rsa2048,
                "authentication",
            ),
            (
                KeySlot::SIGNATURE,
                KeyAlgorithm::EccP256,
                "qualified-signing",
            ),
        ] {
            let public = self.file(&format!("{slot}.pub.pem"));
            self.jeton(
                &format!("key generate --slot {slot} --alg {alg} --out {slot}.pub.pem"),
                &[FACTORY_KEY],
                |ctx| {
                    key::generate(
                        ctx,
                        choice.clone(),
                        slot,
                        alg,
                        Some(&public),
                        Confirmation::default(),
                    )
                },
            )?;
            let file = self.file(&format!("{slot}.crt"));
            self.ca(
                &format!(
                    "issue --profile {profile} --public-key {slot}.pub.pem --subject '{HOLDER}' --out {slot}.crt"
                ),
                &[ISSUING_PASSPHRASE, AUDIT_PASSPHRASE],
                CaCommand::Issue {
                    profile: profile.into(),
                    csr: None,
                    public_key: Some(public),
                    subject: HOLDER.into(),
                    days: None,
                    ca: "issuing".into(),
                    out: Some(file.clone()),
                },
            )?;
            self.jeton(
                &format!("cert import --slot {slot} {slot}.crt"),
                &[FACTORY_KEY],
                |ctx| cert::import(ctx, choice.clone(), slot, &file),
            )?;
        }
        // The issuing CA's certificate, as `GET /ca/issuing.crt` serves it: the CRL's check.
        let issuing = self.quietly(|ctx| {
            let provider = ca::Provider::open(ctx, &ProviderArgs::default())?;
            let record = provider.runtime.block_on(provider.store.ca("issuing"))?;
            Ok(X509::from_der(&record.certificate)?.to_pem()?)
        })?;
        write(&self.file("issuing-ca.crt"), &issuing)
    }

    fn sign_and_verify(&mut self, slot: KeySlot, pin_value: &str) -> Result<(), CliError> {
        let (document, choice) = (self.file("contract.txt"), self.card.clone());
        let signature = self.file(&format!("{slot}.sig"));
        self.jeton(
            &format!("key sign --slot {slot} --in contract.txt --out {slot}.sig"),
            &[pin_value],
            |ctx| {
                key::sign(
                    ctx,
                    choice.clone(),
                    slot,
                    &document,
                    Some(signature.as_path()),
                )
            },
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
