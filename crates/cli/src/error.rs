//! Everything that can stop a command. The words are in `i18n`, in the holder's language;
//! here only what happened.

use std::io;
use std::path::PathBuf;

use jeton_piv::KeySlot;

use crate::home::Home;
use crate::secrets::{SecretKind, Stage};

#[derive(Debug)]
pub enum CliError {
    /// The card refused, or the host-side PIV client refused the input.
    Piv(jeton_piv::Error),
    /// The card's file: missing, locked, corrupt.
    Card(jeton_card::CardError),

    NoHome,
    /// `$JETON_HOME` (or the folder it defaults to) exists but cannot be a home.
    HomeUnusable {
        home: Home,
        error: io::Error,
    },
    NoCard(Home),
    UnknownCard(u32, Home),
    SeveralCards(Vec<u32>),
    CardExists(u32),

    /// A destructive command with no terminal to ask on and no `--yes`.
    ConfirmationNeeded,
    /// The holder answered no: nothing was done.
    NotConfirmed,

    SecretFd {
        fd: u32,
        error: io::Error,
    },
    Terminal(io::Error),
    SecretRead(io::Error),
    SecretMissing(SecretKind, Stage),
    SecretTooLong(SecretKind),
    SecretMismatch(SecretKind),
    /// An empty line where a PIN or PUK was asked for.
    NothingTyped(SecretKind),
    /// Letters outside ASCII (`é`): the card's PIN alphabet is printable ASCII.
    NotAscii(SecretKind),
    /// A space or a control character.
    Blank(SecretKind),
    /// The wrong number of characters (as counted by the holder, not in bytes).
    Length(SecretKind, usize),
    PinNotNumeric,
    PinNotAlphanumeric,
    /// The factory PIN, one repeated character, or a run: refused as a new PIN.
    WeakPin(jeton_card::PinWeakness),
    /// The new PIN is the PIN it replaces.
    PinUnchanged,
    /// The card refused the new value although it has the right form: its policy (a new
    /// PIN equal to the temporary one, or too weak for the provider's personalisation).
    NewPinRefused,

    Io {
        path: PathBuf,
        error: io::Error,
    },
    Output(io::Error),
    /// A signature (binary) would go to a terminal.
    BinaryToTerminal,
    Json(serde_json::Error),
    NotACertificate(PathBuf),
    CertificateKeyMismatch(KeySlot),
    NoKey(KeySlot),
    NoCertificate(KeySlot),
    CorruptCertificate(KeySlot),
    ResetNotAllowed,
    /// `jeton card backup` never writes over a file.
    BackupExists(PathBuf),
    /// Not an archive of `jeton card backup`, or a damaged one.
    NotABackup(PathBuf),
    /// The archive's device key is not the one this folder's other cards are sealed with.
    DeviceKeyConflict(PathBuf),

    /// `--reader` in a build without the `pcsc` feature.
    #[cfg_attr(feature = "pcsc", allow(dead_code))]
    NoPcscSupport,
    CardAndReader,
    ReaderNotApplicable,
    /// `jeton pkcs11 path`: the module is in none of these places.
    NoPkcs11Module(Vec<PathBuf>),
    ServePairing {
        cards: usize,
        readers: usize,
    },
    /// The same card, or the same vpcd address, given twice.
    ServeTwice(String),
    Signal(io::Error),
    /// A served card stopped answering (its file failed).
    Vpcd(u32, String),

    /// A step of the demo did not behave as the guide says.
    DemoStep(String),
    /// The benchmark could not run, or a figure missed the target.
    Bench(String),

    /// The provider's CA refused or failed.
    Ca(jeton_tsp::ca::CaError),
    /// The provider's database failed.
    Store(jeton_tsp::StoreError),
    /// The provider's configuration is wrong.
    Config(jeton_tsp::config::ConfigError),
    /// The async runtime could not start.
    Runtime(io::Error),
    /// `jeton server` could not start or stopped.
    Server(jeton_tsp::server::ServerError),
    BadTime(String),
    BadSerial(jeton_tsp::store::BadSerial),
    UnknownReason(jeton_pki::crl::UnknownReason),
    NotAPublicKey(PathBuf),
    /// `jeton audit verify` found these.
    AuditLogTampered(Vec<jeton_tsp::audit::Finding>),
}

impl CliError {
    /// The exit status, as the README says: 2 for a bad command line (a bad value for an
    /// option included, and a question a script did not answer with --yes), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Piv(
                jeton_piv::Error::InvalidSlot(_) | jeton_piv::Error::InvalidAlgorithm(_),
            )
            | CliError::ConfirmationNeeded
            | CliError::CardAndReader
            | CliError::ReaderNotApplicable
            | CliError::ServePairing { .. }
            | CliError::ServeTwice(_)
            | CliError::BadTime(_)
            | CliError::BadSerial(_)
            | CliError::UnknownReason(_) => 2,
            _ => 1,
        }
    }
}

impl CliError {
    /// The stable code `--json` prints for this error: the library's own where it has one,
    /// never the words, which change with the language.
    pub fn code(&self) -> &'static str {
        use jeton_card::{CardError, StateError};
        match self {
            CliError::Piv(error) => error.code(),
            CliError::Card(CardError::State { source, .. }) => match source {
                StateError::Foreign => "not-a-card-file",
                StateError::NewerFormat(_) => "card-file-newer-format",
                StateError::Corrupt => "card-file-corrupt",
            },
            CliError::Card(CardError::NotFound(_)) => "card-file-not-found",
            CliError::Card(CardError::AlreadyExists(_)) => "card-file-exists",
            CliError::Card(CardError::Io { .. }) => "card-file-io",
            CliError::Card(CardError::DeviceKeyMissing(_) | CardError::DeviceKeyCorrupt(_)) => {
                "device-key-unusable"
            }
            CliError::Card(CardError::InvalidPersonalisation(_)) => "invalid-personalisation",
            CliError::Card(_) => "card-file",
            CliError::NoHome => "no-home",
            CliError::HomeUnusable { .. } => "home-unusable",
            CliError::NoCard(_) => "no-card",
            CliError::UnknownCard(..) => "unknown-card",
            CliError::SeveralCards(_) => "several-cards",
            CliError::CardExists(_) => "card-exists",
            CliError::ConfirmationNeeded => "confirmation-needed",
            CliError::NotConfirmed => "not-confirmed",
            CliError::SecretFd { .. } => "secret-fd-unreadable",
            CliError::Terminal(_) => "terminal-unreadable",
            CliError::SecretRead(_) => "secrets-unreadable",
            CliError::SecretMissing(..) => "secret-missing",
            CliError::SecretTooLong(_) => "secret-too-long",
            CliError::SecretMismatch(_) => "confirmation-differs",
            CliError::NothingTyped(_) => "nothing-typed",
            CliError::NotAscii(_) => "not-ascii",
            CliError::Blank(_) => "blank",
            CliError::Length(..) => "length",
            CliError::PinNotNumeric => "pin-not-numeric",
            CliError::PinNotAlphanumeric => "pin-not-alphanumeric",
            CliError::WeakPin(_) => "weak-pin",
            CliError::PinUnchanged => "pin-unchanged",
            CliError::NewPinRefused => "new-pin-refused",
            CliError::Io { .. } => "io",
            CliError::Output(_) => "output",
            CliError::BinaryToTerminal => "binary-to-terminal",
            CliError::Json(_) => "json",
            CliError::NotACertificate(_) => "not-a-certificate",
            CliError::CertificateKeyMismatch(_) => "certificate-key-mismatch",
            CliError::NoKey(_) => "no-key",
            CliError::NoCertificate(_) => "no-certificate",
            CliError::CorruptCertificate(_) => "certificate-corrupt",
            CliError::ResetNotAllowed => "reset-not-allowed",
            CliError::BackupExists(_) => "backup-exists",
            CliError::NotABackup(_) => "not-a-backup",
            CliError::DeviceKeyConflict(_) => "device-key-conflict",
            CliError::NoPcscSupport => "no-pcsc-support",
            CliError::CardAndReader => "card-and-reader",
            CliError::ReaderNotApplicable => "reader-not-applicable",
            CliError::NoPkcs11Module(_) => "no-pkcs11-module",
            CliError::ServePairing { .. } => "serve-pairing",
            CliError::ServeTwice(_) => "serve-twice",
            CliError::Signal(_) => "signal",
            CliError::Vpcd(..) => "vpcd",
            CliError::DemoStep(_) => "demo-step",
            CliError::Bench(_) => "bench",
            CliError::Ca(error) => error.code(),
            CliError::Store(error) => error.code(),
            CliError::Config(_) => "config",
            CliError::Runtime(_) => "runtime",
            CliError::Server(error) => error.code(),
            CliError::BadTime(_) => "bad-time",
            CliError::BadSerial(_) => "bad-serial",
            CliError::UnknownReason(_) => "unknown-reason",
            CliError::NotAPublicKey(_) => "not-a-public-key",
            CliError::AuditLogTampered(_) => "audit-log-tampered",
        }
    }
}

impl From<jeton_tsp::ca::CaError> for CliError {
    fn from(error: jeton_tsp::ca::CaError) -> Self {
        CliError::Ca(error)
    }
}

impl From<jeton_tsp::StoreError> for CliError {
    fn from(error: jeton_tsp::StoreError) -> Self {
        CliError::Store(error)
    }
}

impl From<jeton_tsp::config::ConfigError> for CliError {
    fn from(error: jeton_tsp::config::ConfigError) -> Self {
        CliError::Config(error)
    }
}

impl From<jeton_tsp::server::ServerError> for CliError {
    fn from(error: jeton_tsp::server::ServerError) -> Self {
        CliError::Server(error)
    }
}

impl From<jeton_tsp::store::BadSerial> for CliError {
    fn from(error: jeton_tsp::store::BadSerial) -> Self {
        CliError::BadSerial(error)
    }
}

impl From<jeton_pki::crl::UnknownReason> for CliError {
    fn from(error: jeton_pki::crl::UnknownReason) -> Self {
        CliError::UnknownReason(error)
    }
}

impl From<jeton_piv::Error> for CliError {
    fn from(error: jeton_piv::Error) -> Self {
        CliError::Piv(error)
    }
}

impl From<jeton_card::CardError> for CliError {
    fn from(error: jeton_card::CardError) -> Self {
        CliError::Card(error)
    }
}

impl From<openssl::error::ErrorStack> for CliError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        CliError::Piv(jeton_piv::Error::Crypto(error))
    }
}
