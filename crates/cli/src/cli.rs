//! The command line, as clap parses it. Values are parsed here into types (a slot, a key
//! algorithm), so that a bad value is a bad command line (exit status 2); `help` puts the
//! words in the holder's language and `main` renders clap's errors in it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jeton_piv::{KeyAlgorithm, KeySlot};
use jeton_tsp::keys::KeyRole;

use crate::i18n::Lang;

/// The holder's Security Interface for Jeton cards: PIN, unblock code, keys, certificates.
///
/// Secrets (PIN, PUK, management key) are never taken from the command line: they are
/// prompted without echo on a terminal, read one per line from stdin otherwise, or from the
/// file descriptor given by --secret-fd.
#[derive(Debug, Parser)]
#[command(name = "jeton", version)]
pub struct Cli {
    /// Language of messages (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, global = true, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,

    /// Before the command, as earlier versions took it: the same as the command's own
    /// --secret-fd.
    #[arg(long, value_name = "N", hide = true)]
    pub secret_fd: Option<u32>,

    /// Before the command, as earlier versions took it: the same as the command's own
    /// --reader.
    #[arg(long, value_name = "NAME", hide = true)]
    pub reader: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, delete, reset, back up or restore virtual cards, or serve them to PC/SC readers.
    #[command(subcommand)]
    Card(CardCommand),
    /// Show a card's serial, PIN and PUK tries, keys and certificates.
    Status(StatusArgs),
    /// Verify, change or unblock the PIN.
    #[command(subcommand)]
    Pin(PinCommand),
    /// Change the unblock code (PUK).
    #[command(subcommand)]
    Puk(PukCommand),
    /// Change the management key that guards key generation and certificate import.
    #[command(subcommand, name = "mgmt-key")]
    MgmtKey(MgmtKeyCommand),
    /// Generate a key pair in a slot, or sign a file with it.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Import or export a slot's certificate.
    #[command(subcommand)]
    Cert(CertCommand),
    /// The PKCS#11 module through which applications use the card.
    #[command(subcommand)]
    Pkcs11(Pkcs11Command),
    /// The provider's certificate authority: set-up, issuance, revocation, CRLs.
    Ca(CaArgs),
    /// The provider's audit log.
    Audit(AuditArgs),
    /// The provider's status services over HTTP: OCSP, CRLs, CA certificates, time-stamps.
    Server(ServerArgs),
    /// Walk the first-use guide's story on a fresh virtual card, step by step.
    Demo,
    /// Measure signatures per second through the card against OpenSSL with the same key.
    Bench {
        /// Seconds per measurement (each is repeated in alternating rounds).
        #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
        seconds: f64,
        /// Print the figures without judging them (for a smoke run on a debug build).
        #[arg(long)]
        report_only: bool,
    },
}

impl Command {
    /// The command's own `--secret-fd`, for the commands that read secrets.
    pub fn secret_fd(&self) -> Option<u32> {
        let input = match self {
            Command::Card(CardCommand::Create(args)) => args.secrets,
            Command::Pin(
                PinCommand::Verify { secrets, .. }
                | PinCommand::Change { secrets, .. }
                | PinCommand::Unblock { secrets, .. },
            )
            | Command::Puk(PukCommand::Change { secrets, .. })
            | Command::MgmtKey(MgmtKeyCommand::Change { secrets, .. })
            | Command::Key(
                KeyCommand::Generate { secrets, .. } | KeyCommand::Sign { secrets, .. },
            )
            | Command::Cert(CertCommand::Import { secrets, .. }) => *secrets,
            Command::Ca(args) => args.secrets,
            Command::Server(args) => args.secrets,
            _ => SecretInput::default(),
        };
        input.secret_fd
    }
}

/// Which card to use: needed only when there is more than one, or for a card in a reader.
#[derive(Debug, Args, Clone, Default)]
pub struct CardChoice {
    /// Serial number of the virtual card (default: the only card there is).
    #[arg(long = "card", value_name = "SERIAL")]
    pub serial: Option<u32>,
    /// Use the PIV card in the PC/SC reader whose name contains NAME (any case), instead
    /// of a virtual card. Needs a build with the `pcsc` feature.
    #[arg(long, value_name = "NAME", conflicts_with = "serial")]
    pub reader: Option<String>,
}

/// Where secrets come from when not from the terminal or stdin.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct SecretInput {
    /// Read secrets one per line from this file descriptor instead of the terminal or stdin.
    #[arg(long, value_name = "N")]
    pub secret_fd: Option<u32>,
}

/// What a script says to a question a holder would answer.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct Confirmation {
    /// Do it without asking first (for scripts): what is lost is lost.
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Create a virtual card: with no option, as it leaves the factory (PIN 123456,
    /// PUK 12345678, the default 3DES management key).
    Create(CreateArgs),
    /// List the virtual cards.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a virtual card and everything on it, after showing what will be lost.
    Delete {
        /// Serial number of the card to delete.
        #[arg(value_name = "SERIAL")]
        serial: u32,
        #[command(flatten)]
        confirmation: Confirmation,
    },
    /// Reset a dead card (PIN and PUK both blocked): destroys its keys and certificates.
    Reset {
        #[command(flatten)]
        card: CardChoice,
        #[command(flatten)]
        confirmation: Confirmation,
    },
    /// Write one archive of a virtual card and of its folder's device key, without which
    /// the card file cannot be opened (refused if FILE exists; private to its owner).
    Backup {
        /// Serial number of the card (default: the only card there is).
        #[arg(long = "card", value_name = "SERIAL")]
        serial: Option<u32>,
        /// The archive to write.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Put a card back from an archive made by `jeton card backup`; asks before replacing a
    /// card with the same serial.
    Restore {
        /// The archive to read.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        confirmation: Confirmation,
    },
    /// Put virtual cards in PC/SC readers through the vsmartcard vpcd driver of pcscd,
    /// until Ctrl-C: every smart-card program then sees them.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A card to serve; repeat for several (default: the only card).
    #[arg(long = "card", value_name = "SERIAL")]
    pub cards: Vec<u32>,
    /// vpcd's address for each card, in the order of --card (default: 127.0.0.1:35963,
    /// then 35964, vpcd's two readers).
    #[arg(long, value_name = "HOST:PORT")]
    pub vpcd: Vec<String>,
    /// Log each APDU's instruction, status word and time (never its data); also
    /// JETON_LOG=debug.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Serial number (default: drawn at random).
    #[arg(long, value_name = "SERIAL")]
    pub serial: Option<u32>,
    /// Read the PIN as a secret instead of using 123456.
    #[arg(long, conflicts_with = "random")]
    pub custom_pin: bool,
    /// Read the PUK as a secret instead of using 12345678.
    #[arg(long, conflicts_with = "random")]
    pub custom_puk: bool,
    /// Read the management key (hex) as a secret instead of using the default.
    #[arg(long, conflicts_with = "random")]
    pub custom_mgmt_key: bool,
    /// Algorithm of the custom management key.
    #[arg(long, value_enum, default_value = "3des", requires = "custom_mgmt_key")]
    pub mgmt_alg: MgmtAlg,
    /// Draw the PIN, the PUK and an AES-256 management key at random and print them once.
    #[arg(long)]
    pub random: bool,
    /// Mark the PIN as temporary: the card signs nothing until it has been changed.
    #[arg(long)]
    pub temporary_pin: bool,
    /// Let the card accept trivial new PINs (123456, one repeated character, a run). By
    /// default it refuses them, whoever asks, unless its own PIN is such a PIN that is not
    /// temporary (the factory card).
    #[arg(long)]
    pub allow_weak_pins: bool,
    #[command(flatten)]
    pub secrets: SecretInput,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub card: CardChoice,
    /// Print the status as JSON, with stable codes for warnings.
    #[arg(long)]
    pub json: bool,
}

/// The kind of new PIN, as the guide's form asks.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct PinKind {
    /// The new PIN has digits only.
    #[arg(long, conflicts_with = "alphanumeric")]
    pub numeric: bool,
    /// The new PIN has letters and digits.
    #[arg(long)]
    pub alphanumeric: bool,
}

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Check the PIN and show the tries left.
    Verify {
        #[command(flatten)]
        card: CardChoice,
        #[command(flatten)]
        secrets: SecretInput,
    },
    /// Change the PIN: old PIN, new PIN, confirmation.
    Change {
        #[command(flatten)]
        card: CardChoice,
        #[command(flatten)]
        kind: PinKind,
        #[command(flatten)]
        secrets: SecretInput,
    },
    /// Set a new PIN with the unblock code (PUK) from support: code, new PIN, confirmation.
    Unblock {
        #[command(flatten)]
        card: CardChoice,
        #[command(flatten)]
        kind: PinKind,
        #[command(flatten)]
        secrets: SecretInput,
    },
}

#[derive(Debug, Subcommand)]
pub enum PukCommand {
    /// Change the unblock code: old PUK, new PUK, confirmation.
    Change {
        #[command(flatten)]
        card: CardChoice,
        #[command(flatten)]
        secrets: SecretInput,
    },
}

#[derive(Debug, Subcommand)]
pub enum MgmtKeyCommand {
    /// Change the management key: current key, new key, confirmation (hex).
    Change {
        #[command(flatten)]
        card: CardChoice,
        /// Algorithm of the new key.
        #[arg(long, value_enum, default_value = "aes256")]
        alg: MgmtAlg,
        #[command(flatten)]
        secrets: SecretInput,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MgmtAlg {
    #[value(name = "3des")]
    TripleDes,
    Aes128,
    Aes192,
    Aes256,
}

impl From<MgmtAlg> for jeton_piv::ManagementKeyAlgorithm {
    fn from(alg: MgmtAlg) -> Self {
        match alg {
            MgmtAlg::TripleDes => Self::TripleDes,
            MgmtAlg::Aes128 => Self::Aes128,
            MgmtAlg::Aes192 => Self::Aes192,
            MgmtAlg::Aes256 => Self::Aes256,
        }
    }
}

/// `--slot`: 9a, 9c, 9d, 9e or 82 to 95 (any case, `0x` allowed).
fn slot(text: &str) -> Result<KeySlot, jeton_piv::Error> {
    Ok(text.parse()?)
}

/// `--alg`: p256, p384, rsa2048, rsa3072 or rsa4096.
fn key_algorithm(text: &str) -> Result<KeyAlgorithm, jeton_piv::Error> {
    Ok(text.parse()?)
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key pair on the card; prints the public key (PEM). Over a slot whose key
    /// has a certificate, asks first and removes that certificate.
    Generate {
        #[command(flatten)]
        card: CardChoice,
        /// The slot: 9a (authentication), 9c (signature), 9d (key management),
        /// 9e (card authentication), or 82 to 95 (retired keys).
        #[arg(long, value_name = "SLOT", value_parser = slot)]
        slot: KeySlot,
        /// The key's algorithm: p256, p384, rsa2048, rsa3072 or rsa4096.
        #[arg(long, value_name = "ALG", value_parser = key_algorithm)]
        alg: KeyAlgorithm,
        /// Write the public key here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        confirmation: Confirmation,
        #[command(flatten)]
        secrets: SecretInput,
    },
    /// Sign the SHA-256 digest of a file (ECDSA: DER; RSA: PKCS#1 v1.5).
    Sign {
        #[command(flatten)]
        card: CardChoice,
        /// The slot whose key signs: 9c for a qualified signature, 9a to authenticate.
        #[arg(long, value_name = "SLOT", value_parser = slot)]
        slot: KeySlot,
        /// The file to sign (read as it comes, whatever its size).
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// Write the signature here instead of stdout (which must then not be a terminal).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        secrets: SecretInput,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Store a certificate (PEM or DER) in a slot; it must match the slot's key.
    Import {
        #[command(flatten)]
        card: CardChoice,
        /// The slot the certificate is for: 9a, 9c, 9d, 9e or 82 to 95.
        #[arg(long, value_name = "SLOT", value_parser = slot)]
        slot: KeySlot,
        /// The certificate file, PEM or DER.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        secrets: SecretInput,
    },
    /// Write a slot's certificate (PEM).
    Export {
        #[command(flatten)]
        card: CardChoice,
        /// The slot whose certificate to write: 9a, 9c, 9d, 9e or 82 to 95.
        #[arg(long, value_name = "SLOT", value_parser = slot)]
        slot: KeySlot,
        /// Write the certificate here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Pkcs11Command {
    /// Print the module's absolute path, to give to Firefox, modutil, ssh or pyHanko.
    Path,
}

/// Where the provider's settings are.
#[derive(Debug, Default, Args)]
pub struct ProviderArgs {
    /// The provider's configuration (default: $JETON_HOME/provider.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who is acting, as the audit log records it (default: $USER).
    #[arg(long, global = true, value_name = "NAME")]
    pub operator: Option<String>,
}

/// Where the provider's key secrets come from: one per key role (root, issuing, ocsp, tsa,
/// audit), each from a file, else from the terminal or stdin in that order.
#[derive(Debug, Default, Args, Clone)]
pub struct KeySecretArgs {
    /// Read the secret of key ROLE (root, issuing, ocsp, tsa or audit: its key file's
    /// passphrase, or the PIN of the token holding it) from the first line of FILE; repeat
    /// for each role. Roles without a file are asked for on the terminal, or read one per
    /// line from stdin (or --secret-fd) in the order root, issuing, ocsp, tsa, audit: only
    /// those the command needs. Files for roles a command does not need are not read.
    #[arg(long = "passphrase-file", global = true, value_name = "ROLE=FILE", value_parser = role_file)]
    pub passphrase_files: Vec<(KeyRole, PathBuf)>,
}

fn role_file(text: &str) -> Result<(KeyRole, PathBuf), String> {
    let (role, file) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: give ROLE=FILE, e.g. issuing=/run/secrets/issuing"))?;
    if file.is_empty() {
        return Err(format!("{text:?}: the file is missing after `=`"));
    }
    Ok((
        role.parse()
            .map_err(|e: jeton_tsp::keys::UnknownRole| e.to_string())?,
        file.into(),
    ))
}

#[derive(Debug, Args)]
pub struct CaArgs {
    #[command(flatten)]
    pub provider: ProviderArgs,
    #[command(flatten)]
    pub secrets: SecretInput,
    #[command(flatten)]
    pub keys: KeySecretArgs,
    /// The offline root key's folder: where `ca init` writes root.key.pem (a folder that is
    /// not the server's, such as a removable medium), and where commands that sign with the
    /// root (`ca crl --ca root`) find it, if it is mounted elsewhere than at set-up.
    #[arg(long, global = true, value_name = "DIR")]
    pub root_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: CaCommand,
}

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Set the provider up: root CA, issuing CA, OCSP responder and TSA keys and
    /// certificates, and the audit key. Keys go in files (scrypt-encrypted PKCS#8), each
    /// with its own passphrase (read as secrets, each new one then its confirmation: root,
    /// issuing, ocsp, tsa, audit), or on a PKCS#11 token with --pkcs11 (its PIN read for
    /// each role). The root key can go offline: --root-dir or --root-pkcs11.
    Init {
        /// A token for the keys: pkcs11:token=LABEL?module-path=/path/to/module.so
        #[arg(long, value_name = "URI")]
        pkcs11: Option<String>,
        /// A token for the root key alone (kept offline), instead of --root-dir.
        #[arg(long, value_name = "URI")]
        root_pkcs11: Option<String>,
    },
    /// Issue a holder's certificate from a CSR or a public key.
    Issue {
        /// qualified-signing (slot 9C), authentication (9A), ocsp-responder or tsa.
        #[arg(long)]
        profile: String,
        /// The PKCS#10 request (PEM or DER).
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "public_key",
            conflicts_with = "public_key"
        )]
        csr: Option<PathBuf>,
        /// The subject's public key (PEM or DER), e.g. from `jeton key generate --slot 9c`.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        /// C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-…,CN=Jeanne Dupont[,O=…,organizationIdentifier=…]
        #[arg(long)]
        subject: String,
        /// Validity in days (default: the profile's maximum).
        #[arg(long)]
        days: Option<u32>,
        /// The issuing CA.
        #[arg(long, default_value = "issuing")]
        ca: String,
        /// Write the certificate (PEM) here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Revoke a certificate, now or from a later date; it is never reinstated.
    Revoke {
        /// The serial number in hexadecimal (as `openssl x509 -noout -serial` prints it).
        serial: String,
        /// unspecified, key-compromise, ca-compromise, affiliation-changed, superseded,
        /// cessation-of-operation, privilege-withdrawn, aa-compromise.
        #[arg(long)]
        reason: String,
        /// From when: 2026-12-31, 2026-12-31T18:00:00Z or @UNIXTIME (default: now).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// When the key was compromised, if earlier.
        #[arg(long, value_name = "TIME")]
        invalidity_date: Option<String>,
        /// The issuing CA.
        #[arg(long, default_value = "issuing")]
        ca: String,
    },
    /// List the CAs and the certificates issued, with their status.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign and store a fresh CRL, and write it (PEM).
    Crl {
        /// The CA whose CRL to sign.
        #[arg(long, default_value = "issuing")]
        ca: String,
        /// Hours until the next CRL is due, from 1 to 168 (a week).
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=168))]
        next_update_hours: u32,
        /// Write the CRL here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub provider: ProviderArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain and signatures, the certificates and revocations
    /// against it, and the log against the archived signed heads; name any entry or record
    /// changed, removed, inserted or moved.
    Verify {
        /// Print the findings as JSON, by stable code.
        #[arg(long)]
        json: bool,
        /// The archived signed heads to check the log against (default: the provider's
        /// audit-heads.log, when there is one).
        #[arg(long, value_name = "FILE")]
        heads: Option<PathBuf>,
    },
}

/// `jeton server`: settings in the `[server]` table of the provider's configuration.
#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub provider: ProviderArgs,
    #[command(flatten)]
    pub secrets: SecretInput,
    /// The secrets of the online keys only: issuing, ocsp, tsa (never the root's nor the
    /// audit key's).
    #[command(flatten)]
    pub keys: KeySecretArgs,
    /// Address or host name and port to listen on, e.g. localhost:8080 (port 0: any free
    /// port), instead of the configured one.
    #[arg(long, value_name = "HOST:PORT")]
    pub listen: Option<String>,
}
