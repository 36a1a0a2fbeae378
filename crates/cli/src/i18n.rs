//! What the holder reads, chosen from the values: each case names its message in the Fluent
//! catalogue (`crates/messages/locales/{en,fr}/*.ftl`, where the words are) and fills its
//! placeholders. `tests/messages.rs` checks every id named here exists, with exactly the
//! placeholders given.
//!
//! The language comes from `--lang`, else from the first of `LC_ALL`, `LC_MESSAGES`, `LANG`
//! that is set (the POSIX order): French when it starts with `fr`, English otherwise.

use jeton_card::{CardError, StateError};
use jeton_piv::{Error as PivError, KeySlot, TransportError};
use jeton_tsp::keys::KeyRole;

use crate::error::CliError;
use crate::secrets::{SecretKind, Stage};

pub use jeton_messages::Lang;
use jeton_messages::{tr, Count};

/// What commands say when things go right.
pub enum Msg<'a> {
    Prompt(SecretKind, Stage),

    CardCreated(u32),
    DrawnSecrets {
        pin: &'a str,
        puk: &'a str,
        key: &'a str,
    },
    FactoryValues,
    TemporaryPinSet,
    /// Whether the new card refuses trivial new PINs.
    WeakPinPolicy(bool),
    NoCardYet,
    CardDeleted(u32),
    CardReset(u32),

    StatusCard(u32),
    StatusPinTries(u8, u8),
    StatusPinBlocked,
    StatusPukTries(u8, u8),
    StatusPukBlocked,
    StatusDead,
    StatusTemporaryPin,
    StatusNoKeys,
    StatusSlot {
        slot: KeySlot,
        key: Option<&'a str>,
        pin_policy: Option<&'a str>,
    },
    StatusCertificate {
        subject: &'a str,
        issuer: &'a str,
        not_before: &'a str,
        not_after: &'a str,
    },
    StatusNoCertificate,
    StatusCertificateId {
        serial: &'a str,
        fingerprint: &'a str,
    },
    StatusExpired(&'a str),
    StatusNotYetValid(&'a str),
    StatusKeyMismatch(KeySlot),
    StatusFactoryPin,
    StatusFactoryPuk,
    StatusFactoryManagementKey,

    PinCorrect,
    PinChanged,
    PinUnblocked,
    PukChanged,
    ManagementKeyChanged(&'a str),
    KeyGenerated(KeySlot, &'a str),
    Signed(KeySlot),
    CertificateImported(KeySlot),
    CertificateRemoved(KeySlot),

    /// What a destructive command would destroy, before it asks.
    DeleteLoses {
        serial: u32,
        keys: usize,
    },
    ResetLoses {
        serial: u32,
        keys: usize,
    },
    GenerateLoses {
        slot: KeySlot,
        subject: &'a str,
    },
    ConfirmQuestion,
    BackupWritten {
        serial: u32,
        file: &'a str,
    },
    RestoreReplaces(u32),
    Restored(u32),

    ServeStarting(u32, &'a str),
    ServeConnected(u32, &'a str),
    ServeWaiting(u32, &'a str),
    ServeDisconnected(u32),
    ServeStopped,

    DemoHome(&'a str),
    DemoStep(u8, DemoStep),
    DemoRefused(&'a str),
    DemoVerified(KeySlot),
    DemoRevokedOnCrl(&'a str),
    DemoRightPin,
    DemoPassed,

    CaMade {
        name: &'a str,
        role: &'a str,
        serial: &'a str,
        subject: &'a str,
    },
    CaReady(&'a str),
    /// The demo's provider keys: one passphrase each, the root's folder apart.
    DemoProviderKeys(&'a str),
    /// The provider's configuration is readable by other users (a warning, on stderr).
    ConfigReadable {
        path: &'a str,
        mode: u32,
        fix: &'a str,
    },
    /// After `ca init`: where things are, what to back up, what to run next.
    CaNextSteps {
        dir: &'a str,
        config: &'a str,
        wrote_config: bool,
        pkcs11: bool,
        root_offline: bool,
    },
    CaFinishedEarlierRun,
    CaIssued {
        serial: &'a str,
        profile: &'a str,
        subject: &'a str,
    },
    CaRevoked {
        serial: &'a str,
        at: &'a str,
        reason: &'a str,
        future: bool,
    },
    /// Nothing changed; `planned`: the record is not in effect yet.
    CaAlreadyRevoked {
        serial: &'a str,
        at: &'a str,
        reason: &'a str,
        planned: bool,
    },
    CaRevocationAdvanced {
        serial: &'a str,
        at: &'a str,
        from: &'a str,
        reason: &'a str,
        old_reason: &'a str,
    },
    CaReasonRaised {
        serial: &'a str,
        at: &'a str,
        old_reason: &'a str,
    },
    CaListed {
        name: &'a str,
        role: &'a str,
        key: &'a str,
    },
    CertificateListed {
        ca: &'a str,
        serial: &'a str,
        profile: &'a str,
        subject: &'a str,
        status: &'a str,
        until: &'a str,
    },
    CaCrlSigned {
        ca: &'a str,
        number: u64,
        entries: usize,
    },
    AuditIntact {
        entries: usize,
        signed: usize,
        key: bool,
    },
    AuditUnsigned {
        from: i64,
        to: i64,
    },
    AuditHeadsArchive {
        path: &'a str,
        heads: usize,
    },
    AuditNoHeadsArchive,
}

/// The steps of the first-use guide's story, as `jeton demo` tells it.
#[derive(Clone, Copy, Debug)]
pub enum DemoStep {
    CreateCard,
    IssueCertificates,
    Status,
    SignWithTemporaryPin,
    ChangePin,
    Sign,
    ThreeWrongPins,
    Unblock,
    Dead,
    FinalStatus,
    LostToken,
}

impl Msg<'_> {
    pub fn text(&self, lang: Lang) -> String {
        match *self {
            Msg::Prompt(kind, stage) => {
                let what = prompt(kind, stage, lang);
                tr!(lang, "prompt", what)
            }

            Msg::CardCreated(serial) => tr!(lang, "card-created", serial),
            Msg::DrawnSecrets { pin, puk, key } => tr!(lang, "card-drawn-secrets", pin, puk, key),
            Msg::FactoryValues => tr!(lang, "card-factory-values"),
            Msg::TemporaryPinSet => tr!(lang, "pin-temporary-set"),
            Msg::WeakPinPolicy(true) => tr!(lang, "pin-policy-refuses-trivial"),
            Msg::WeakPinPolicy(false) => tr!(lang, "pin-policy-accepts-trivial"),
            Msg::NoCardYet => tr!(lang, "card-none-yet"),
            Msg::CardDeleted(serial) => tr!(lang, "card-deleted", serial),
            Msg::CardReset(serial) => tr!(lang, "card-reset", serial),

            Msg::StatusCard(serial) => tr!(lang, "status-card", serial),
            Msg::StatusPinTries(left, max) => {
                tr!(lang, "status-pin-tries", left = Count(left.into()), max)
            }
            Msg::StatusPinBlocked => tr!(lang, "status-pin-blocked"),
            Msg::StatusPukTries(left, max) => {
                tr!(lang, "status-puk-tries", left = Count(left.into()), max)
            }
            Msg::StatusPukBlocked => tr!(lang, "status-puk-blocked"),
            Msg::StatusDead => tr!(lang, "status-card-dead"),
            Msg::StatusTemporaryPin => tr!(lang, "status-pin-temporary"),
            Msg::StatusNoKeys => tr!(lang, "status-no-keys"),
            Msg::StatusSlot {
                slot,
                key,
                pin_policy,
            } => {
                let name = slot_name(slot, lang);
                let key = match key {
                    Some(key) => key.to_owned(),
                    None => tr!(lang, "status-slot-no-key"),
                };
                match pin_policy.map(|p| policy_text(p, lang)) {
                    Some(policy) => tr!(lang, "status-slot-with-policy", slot, name, key, policy),
                    None => tr!(lang, "status-slot", slot, name, key),
                }
            }
            Msg::StatusCertificate {
                subject,
                issuer,
                not_before,
                not_after,
            } => tr!(
                lang,
                "status-certificate",
                subject,
                issuer,
                not_before,
                not_after
            ),
            Msg::StatusNoCertificate => tr!(lang, "status-no-certificate"),
            Msg::StatusCertificateId {
                serial,
                fingerprint,
            } => tr!(lang, "status-certificate-id", serial, fingerprint),
            Msg::StatusExpired(until) => tr!(lang, "status-certificate-expired", until),
            Msg::StatusNotYetValid(from) => tr!(lang, "status-certificate-not-yet-valid", from),
            Msg::StatusKeyMismatch(slot) => tr!(lang, "status-certificate-key-mismatch", slot),
            Msg::StatusFactoryPin => tr!(lang, "status-pin-factory"),
            Msg::StatusFactoryPuk => tr!(lang, "status-puk-factory"),
            Msg::StatusFactoryManagementKey => tr!(lang, "status-management-key-factory"),

            Msg::PinCorrect => tr!(lang, "pin-correct"),
            Msg::PinChanged => tr!(lang, "pin-changed"),
            Msg::PinUnblocked => tr!(lang, "pin-unblocked"),
            Msg::PukChanged => tr!(lang, "puk-changed"),
            Msg::ManagementKeyChanged(alg) => tr!(lang, "management-key-changed", alg),
            Msg::KeyGenerated(slot, alg) => tr!(lang, "key-generated", alg, slot),
            Msg::Signed(slot) => tr!(lang, "key-signed", slot),
            Msg::CertificateImported(slot) => tr!(lang, "certificate-imported", slot),

            Msg::CertificateRemoved(slot) => tr!(lang, "certificate-removed", slot),
            Msg::DeleteLoses { serial, keys } => {
                tr!(lang, "card-delete-loses", serial, keys = Count(keys as u64))
            }
            Msg::ResetLoses { serial, keys } => {
                tr!(lang, "card-reset-loses", serial, keys = Count(keys as u64))
            }
            Msg::GenerateLoses { slot, subject } => tr!(lang, "key-generate-loses", slot, subject),
            Msg::BackupWritten { serial, file } => tr!(lang, "card-backup-written", serial, file),
            Msg::RestoreReplaces(serial) => tr!(lang, "card-restore-replaces", serial),
            Msg::Restored(serial) => tr!(lang, "card-restored", serial),
            Msg::ConfirmQuestion => tr!(lang, "confirm-question"),
            Msg::ServeStarting(serial, address) => tr!(lang, "serve-starting", serial, address),
            Msg::ServeConnected(serial, address) => tr!(lang, "serve-connected", serial, address),
            Msg::ServeWaiting(serial, address) => tr!(lang, "serve-waiting", serial, address),
            Msg::ServeDisconnected(serial) => tr!(lang, "serve-disconnected", serial),
            Msg::ServeStopped => tr!(lang, "serve-stopped"),
            Msg::DemoHome(path) => tr!(lang, "demo-home", path),
            Msg::DemoStep(n, step) => {
                let what = demo_step(step, lang);
                tr!(lang, "demo-step", n, what)
            }
            Msg::DemoRefused(reason) => tr!(lang, "demo-refused", reason),
            Msg::DemoVerified(slot) => tr!(lang, "demo-verified", slot),
            Msg::DemoRevokedOnCrl(serial) => tr!(lang, "demo-revoked-on-crl", serial),
            Msg::DemoRightPin => tr!(lang, "demo-right-pin-refused"),
            Msg::DemoPassed => tr!(lang, "demo-passed"),
            Msg::CaMade {
                name,
                role,
                serial,
                subject,
            } => tr!(lang, "ca-made", name, role, serial, subject),
            Msg::ConfigReadable { path, mode, fix } => tr!(
                lang,
                "config-readable",
                path,
                mode = format!("{mode:04o}"),
                fix
            ),
            Msg::DemoProviderKeys(dir) => tr!(lang, "demo-provider-keys", dir),
            Msg::CaReady(dir) => tr!(lang, "ca-ready", dir),
            Msg::CaNextSteps {
                dir,
                config,
                wrote_config,
                pkcs11,
                root_offline,
            } => {
                let wrote = match wrote_config {
                    true => tr!(lang, "ca-next-steps-wrote-config", config),
                    false => String::new(),
                };
                let keys = match pkcs11 {
                    true => tr!(lang, "ca-next-steps-keys-on-token"),
                    false => tr!(lang, "ca-next-steps-keys-in-files", dir),
                };
                let keys = match root_offline {
                    true => keys,
                    false => tr!(lang, "ca-next-steps-root-online", keys),
                };
                tr!(lang, "ca-next-steps", wrote, keys, dir, config)
            }
            Msg::CaFinishedEarlierRun => tr!(lang, "ca-finished-earlier-run"),
            Msg::CaIssued {
                serial,
                profile,
                subject,
            } => tr!(lang, "ca-issued", profile, serial, subject),
            Msg::CaRevoked {
                serial,
                at,
                reason,
                future: false,
            } => tr!(lang, "ca-revoked", serial, reason, at),
            Msg::CaRevoked {
                serial,
                at,
                reason,
                future: true,
            } => tr!(lang, "ca-revoked-future", serial, reason, at),
            Msg::CaAlreadyRevoked {
                serial,
                at,
                reason,
                planned: false,
            } => tr!(lang, "ca-already-revoked", serial, reason, at),
            Msg::CaAlreadyRevoked {
                serial,
                at,
                reason,
                planned: true,
            } => tr!(lang, "ca-already-revoked-planned", serial, reason, at),
            Msg::CaRevocationAdvanced {
                serial,
                at,
                from,
                reason,
                old_reason,
            } => tr!(
                lang,
                "ca-revocation-advanced",
                serial,
                from,
                old_reason,
                at,
                reason
            ),
            Msg::CaReasonRaised {
                serial,
                at,
                old_reason,
            } => tr!(lang, "ca-reason-raised", serial, old_reason, at),
            Msg::CaListed { name, role, key } => tr!(lang, "ca-listed", name, role, key),
            Msg::CertificateListed {
                ca,
                serial,
                profile,
                subject,
                status,
                until,
            } => tr!(
                lang,
                "certificate-listed",
                ca,
                serial,
                profile,
                status,
                until,
                subject
            ),
            Msg::CaCrlSigned {
                ca,
                number,
                entries,
            } => tr!(lang, "crl-signed", number, ca, entries),
            Msg::AuditIntact {
                entries,
                signed,
                key: true,
            } => tr!(lang, "audit-intact", entries, signed),
            Msg::AuditIntact {
                entries,
                key: false,
                ..
            } => tr!(lang, "audit-chain-intact-unsigned", entries),
            Msg::AuditUnsigned { from, to } => tr!(lang, "audit-unsigned-tail", from, to),
            Msg::AuditHeadsArchive { path, heads } => tr!(lang, "audit-heads-archive", heads, path),
            Msg::AuditNoHeadsArchive => tr!(lang, "audit-no-heads-archive"),
        }
    }
}

fn prompt(kind: SecretKind, stage: Stage, lang: Lang) -> String {
    match (kind, stage) {
        (SecretKind::Pin, Stage::Current) => tr!(lang, "prompt-pin"),
        (SecretKind::Pin, Stage::New) => tr!(lang, "prompt-pin-new"),
        (SecretKind::Pin, Stage::Confirm) => tr!(lang, "prompt-pin-confirm"),
        (SecretKind::Puk, Stage::Current) => {
            tr!(lang, "prompt-puk")
        }
        (SecretKind::Puk, Stage::New) => tr!(lang, "prompt-puk-new"),
        (SecretKind::Puk, Stage::Confirm) => tr!(lang, "prompt-puk-confirm"),
        (SecretKind::ManagementKey, Stage::Current) => tr!(lang, "prompt-management-key"),
        (SecretKind::ManagementKey, Stage::New) => tr!(lang, "prompt-management-key-new"),
        (SecretKind::ManagementKey, Stage::Confirm) => tr!(lang, "prompt-management-key-confirm"),
        (SecretKind::ProviderKey(role), Stage::Current) => {
            let key = key_role(role, lang);
            tr!(lang, "prompt-passphrase", key)
        }
        (SecretKind::ProviderKey(role), Stage::New) => {
            let key = key_role(role, lang);
            tr!(lang, "prompt-passphrase-new", key)
        }
        (SecretKind::ProviderKey(role), Stage::Confirm) => {
            let key = key_role(role, lang);
            tr!(lang, "prompt-passphrase-confirm", key)
        }
    }
}

/// One of the provider's keys, named for a sentence ("the passphrase of the …").
pub fn key_role(role: KeyRole, lang: Lang) -> String {
    match role {
        KeyRole::Root => tr!(lang, "key-role-root"),
        KeyRole::Issuing => tr!(lang, "key-role-issuing"),
        KeyRole::Ocsp => tr!(lang, "key-role-ocsp"),
        KeyRole::Tsa => tr!(lang, "key-role-tsa"),
        KeyRole::Audit => tr!(lang, "key-role-audit"),
    }
}

/// What was missing at the end of the input, as the end of a sentence.
fn missing(kind: SecretKind, stage: Stage, lang: Lang) -> String {
    match (kind, stage) {
        (SecretKind::Pin, Stage::Current) => tr!(lang, "missing-pin"),
        (SecretKind::Pin, Stage::New) => tr!(lang, "missing-pin-new"),
        (SecretKind::Pin, Stage::Confirm) => tr!(lang, "missing-pin-confirm"),
        (SecretKind::Puk, Stage::Current) => {
            tr!(lang, "missing-puk")
        }
        (SecretKind::Puk, Stage::New) => tr!(lang, "missing-puk-new"),
        (SecretKind::Puk, Stage::Confirm) => tr!(lang, "missing-puk-confirm"),
        (SecretKind::ManagementKey, Stage::Current) => tr!(lang, "missing-management-key"),
        (SecretKind::ManagementKey, Stage::New) => {
            tr!(lang, "missing-management-key-new")
        }
        (SecretKind::ManagementKey, Stage::Confirm) => tr!(lang, "missing-management-key-confirm"),
        (SecretKind::ProviderKey(role), Stage::Current) => {
            let key = key_role(role, lang);
            tr!(lang, "missing-passphrase", key)
        }
        (SecretKind::ProviderKey(role), Stage::New) => {
            let key = key_role(role, lang);
            tr!(lang, "missing-passphrase-new", key)
        }
        (SecretKind::ProviderKey(role), Stage::Confirm) => {
            let key = key_role(role, lang);
            tr!(lang, "missing-passphrase-confirm", key)
        }
    }
}

/// System errors in the holder's words: the OS's own text is English only.
pub fn io_error(error: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => tr!(lang, "io-not-found"),
        ErrorKind::PermissionDenied => tr!(lang, "io-permission-denied"),
        ErrorKind::AlreadyExists => tr!(lang, "io-already-exists"),
        ErrorKind::AddrInUse => tr!(lang, "io-address-in-use"),
        ErrorKind::AddrNotAvailable => tr!(lang, "io-address-not-available"),
        ErrorKind::ConnectionRefused => tr!(lang, "io-connection-refused"),
        ErrorKind::NotADirectory => tr!(lang, "io-not-a-folder"),
        ErrorKind::IsADirectory => tr!(lang, "io-is-a-folder"),
        ErrorKind::StorageFull => tr!(lang, "io-disk-full"),
        ErrorKind::ReadOnlyFilesystem => tr!(lang, "io-read-only"),
        ErrorKind::BrokenPipe => tr!(lang, "io-broken-pipe"),
        ErrorKind::TimedOut => tr!(lang, "io-timed-out"),
        _ => error.to_string(),
    }
}

fn slot_name(slot: KeySlot, lang: Lang) -> String {
    match slot {
        KeySlot::AUTHENTICATION => tr!(lang, "slot-authentication"),
        KeySlot::SIGNATURE => tr!(lang, "slot-signature"),
        KeySlot::KEY_MANAGEMENT => tr!(lang, "slot-key-management"),
        KeySlot::CARD_AUTHENTICATION => {
            tr!(lang, "slot-card-authentication")
        }
        _ => tr!(lang, "slot-retired"),
    }
}

fn policy_text(policy: &str, lang: Lang) -> String {
    match policy {
        "never" => tr!(lang, "pin-policy-never"),
        "once" => tr!(lang, "pin-policy-once"),
        "always" => tr!(lang, "pin-policy-always"),
        other => other.to_owned(),
    }
}

fn demo_step(step: DemoStep, lang: Lang) -> String {
    match step {
        DemoStep::CreateCard => tr!(lang, "demo-step-create-card"),
        DemoStep::IssueCertificates => tr!(lang, "demo-step-issue-certificates"),
        DemoStep::Status => tr!(lang, "demo-step-status"),
        DemoStep::SignWithTemporaryPin => tr!(lang, "demo-step-sign-with-temporary-pin"),
        DemoStep::ChangePin => tr!(lang, "demo-step-change-pin"),
        DemoStep::Sign => tr!(lang, "demo-step-sign"),
        DemoStep::ThreeWrongPins => tr!(lang, "demo-step-three-wrong-pins"),
        DemoStep::Unblock => tr!(lang, "demo-step-unblock"),
        DemoStep::Dead => tr!(lang, "demo-step-dead"),
        DemoStep::FinalStatus => tr!(lang, "demo-step-final-status"),
        DemoStep::LostToken => tr!(lang, "demo-step-lost-token"),
    }
}

impl CliError {
    /// The message, in the holder's terms, with what to do next.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            CliError::Piv(error) => piv_error(error, lang),
            CliError::Card(error) => card_error(error, lang),
            CliError::NoHome => tr!(lang, "home-none"),
            CliError::HomeUnusable { home, error } => {
                let (path, origin) = (home.root().display(), home.origin());
                let error = io_error(error, lang);
                tr!(lang, "home-unusable", path, origin, error)
            }
            CliError::NoCard(home) => {
                let (path, origin) = (home.cards_dir(), home.origin());
                let path = path.display();
                tr!(lang, "home-no-card", path, origin)
            }
            CliError::UnknownCard(serial, home) => {
                let (path, origin) = (home.cards_dir(), home.origin());
                let path = path.display();
                tr!(lang, "home-unknown-card", serial, path, origin)
            }
            CliError::ConfirmationNeeded => tr!(lang, "confirmation-needed"),
            CliError::NotConfirmed => tr!(lang, "not-confirmed"),
            CliError::SeveralCards(serials) => {
                let list = serials
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                tr!(lang, "several-cards", list)
            }
            CliError::CardExists(serial) => tr!(lang, "card-exists", serial),
            CliError::SecretFd { fd, error } => {
                let error = io_error(error, lang);
                tr!(lang, "secret-fd-unreadable", fd, error)
            }
            CliError::Terminal(error) => {
                let error = io_error(error, lang);
                tr!(lang, "terminal-unreadable", error)
            }
            CliError::SecretRead(error) => {
                let error = io_error(error, lang);
                tr!(lang, "secrets-unreadable", error)
            }
            CliError::SecretMissing(kind, stage) => {
                let what = missing(*kind, *stage, lang);
                tr!(lang, "secret-missing", what)
            }
            CliError::SecretTooLong(kind) => match kind {
                SecretKind::Pin => tr!(lang, "pin-too-long"),
                SecretKind::Puk => tr!(lang, "puk-too-long"),
                SecretKind::ManagementKey => tr!(lang, "management-key-too-long"),
                SecretKind::ProviderKey(_) => tr!(lang, "passphrase-too-long"),
            },
            CliError::SecretMismatch(kind) => match kind {
                SecretKind::Pin => tr!(lang, "pin-confirmation-differs"),
                SecretKind::Puk => tr!(lang, "puk-confirmation-differs"),
                SecretKind::ManagementKey => tr!(lang, "management-key-confirmation-differs"),
                SecretKind::ProviderKey(_) => tr!(lang, "passphrase-confirmation-differs"),
            },
            CliError::NothingTyped(kind) => match kind {
                SecretKind::Puk => tr!(lang, "puk-nothing-typed"),
                _ => tr!(lang, "pin-nothing-typed"),
            },
            CliError::NotAscii(kind) => match kind {
                SecretKind::Puk => tr!(lang, "puk-not-ascii"),
                _ => tr!(lang, "pin-not-ascii"),
            },
            CliError::Blank(kind) => match kind {
                SecretKind::Puk => tr!(lang, "puk-blank"),
                _ => tr!(lang, "pin-blank"),
            },
            CliError::Length(kind, typed) => match kind {
                SecretKind::Puk => tr!(lang, "puk-length", typed),
                _ => tr!(lang, "pin-length", typed),
            },
            CliError::WeakPin(weakness) => match weakness {
                jeton_card::PinWeakness::FactoryValue => tr!(lang, "pin-weak-factory"),
                jeton_card::PinWeakness::RepeatedCharacter => tr!(lang, "pin-weak-repeated"),
                jeton_card::PinWeakness::Sequence => tr!(lang, "pin-weak-sequence"),
            },
            CliError::PinUnchanged => tr!(lang, "pin-unchanged"),
            CliError::NewPinRefused => tr!(lang, "pin-new-refused"),
            CliError::BinaryToTerminal => tr!(lang, "signature-to-terminal"),
            CliError::PinNotNumeric => tr!(lang, "pin-not-numeric"),
            CliError::PinNotAlphanumeric => tr!(lang, "pin-not-alphanumeric"),
            CliError::Io { path, error } => {
                let path = path.display();
                let error = io_error(error, lang);
                tr!(lang, "io-path", path, error)
            }
            CliError::Output(error) => {
                let error = io_error(error, lang);
                tr!(lang, "output-unwritable", error)
            }
            CliError::Json(error) => tr!(lang, "json-unwritable", error),
            CliError::NotACertificate(path) => {
                let path = path.display();
                tr!(lang, "not-a-certificate", path)
            }
            CliError::CertificateKeyMismatch(slot) => tr!(lang, "certificate-key-mismatch", slot),
            CliError::NoKey(slot) => tr!(lang, "no-key-in-slot", slot),
            CliError::NoCertificate(slot) => tr!(lang, "no-certificate-in-slot", slot),
            CliError::CorruptCertificate(slot) => tr!(lang, "certificate-corrupt", slot),
            CliError::ResetNotAllowed => tr!(lang, "reset-not-allowed"),
            CliError::BackupExists(path) => {
                let path = path.display();
                tr!(lang, "backup-exists", path)
            }
            CliError::NotABackup(path) => {
                let path = path.display();
                tr!(lang, "not-a-backup", path)
            }
            CliError::DeviceKeyConflict(path) => {
                let path = path.display();
                tr!(lang, "device-key-conflict", path)
            }
            CliError::NoPcscSupport => tr!(lang, "no-pcsc-support"),
            CliError::CardAndReader => tr!(lang, "card-and-reader"),
            CliError::ReaderNotApplicable => tr!(lang, "reader-not-applicable"),
            CliError::NoPkcs11Module(tried) => {
                let tried = tried
                    .iter()
                    .map(|path| format!("\n  {}", path.display()))
                    .collect::<String>();
                tr!(lang, "pkcs11-module-missing", tried)
            }
            CliError::ServePairing { cards, readers } => tr!(lang, "serve-pairing", cards, readers),
            CliError::ServeTwice(what) => tr!(lang, "serve-twice", what),
            CliError::Signal(error) => tr!(lang, "signal-uncatchable", error),
            CliError::Vpcd(serial, error) => tr!(lang, "serve-card-stopped", serial, error),
            CliError::DemoStep(what) => tr!(lang, "demo-off-story", what),
            CliError::Bench(what) => tr!(lang, "bench-failed", what),
            // The provider's library errors say what to do in English; French names the part.
            CliError::Ca(jeton_tsp::ca::CaError::WeakPassphrase(role, why)) => {
                use jeton_tsp::ca::WeakPassphrase;
                let key = key_role(*role, lang);
                let rule = tr!(lang, "passphrase-rule");
                match why {
                    WeakPassphrase::TooShort(n) => tr!(lang, "passphrase-too-short", key, n, rule),
                    WeakPassphrase::TooFewDistinct(n) => {
                        tr!(lang, "passphrase-too-few-distinct", key, n, rule)
                    }
                    WeakPassphrase::Sequence => tr!(lang, "passphrase-sequence", key, rule),
                }
            }
            CliError::Ca(jeton_tsp::ca::CaError::Secrets(jeton_tsp::keys::SecretsError::Same(
                a,
                b,
            ))) => {
                let (a, b) = (key_role(*a, lang), key_role(*b, lang));
                tr!(lang, "passphrase-same", a, b)
            }
            CliError::Ca(jeton_tsp::ca::CaError::Secrets(
                jeton_tsp::keys::SecretsError::Missing(role),
            )) => {
                let key = key_role(*role, lang);
                tr!(lang, "secret-not-given", key, role)
            }
            CliError::Ca(jeton_tsp::ca::CaError::Issue(
                jeton_pki::IssueError::EndEntityFromRoot(profile),
            )) => tr!(lang, "root-issues-ca-only", profile),
            CliError::Ca(jeton_tsp::ca::CaError::Incomplete(missing)) => {
                let missing = missing.join("\n  ");
                tr!(lang, "provider-incomplete", missing)
            }
            CliError::Ca(jeton_tsp::ca::CaError::InTheWay(path)) => {
                let path = path.display();
                tr!(lang, "provider-in-the-way", path)
            }
            CliError::Ca(jeton_tsp::ca::CaError::Permissions(error)) => {
                use jeton_tsp::permissions::PermissionError;
                match error {
                    PermissionError::TooOpen(loose) => {
                        let (path, mode, fix) = (loose.path.display(), loose.mode, loose.fix());
                        tr!(
                            lang,
                            "permissions-too-open",
                            path,
                            mode = format!("{mode:04o}"),
                            fix
                        )
                    }
                    PermissionError::ConfigWritable(loose) => {
                        let (path, mode, fix) = (loose.path.display(), loose.mode, loose.fix());
                        tr!(
                            lang,
                            "permissions-config-writable",
                            path,
                            mode = format!("{mode:04o}"),
                            fix
                        )
                    }
                    PermissionError::ConfigPassword(loose) => {
                        let (path, mode, fix) = (loose.path.display(), loose.mode, loose.fix());
                        tr!(
                            lang,
                            "permissions-config-password",
                            path,
                            mode = format!("{mode:04o}"),
                            fix
                        )
                    }
                    PermissionError::Io { path, error } => {
                        let (path, error) = (path.display(), io_error(error, lang));
                        tr!(lang, "permissions-io", path, error)
                    }
                }
            }
            CliError::Ca(error) => ca_error(error, lang),
            CliError::Store(error) => store_error(error, lang),
            CliError::Config(error) => tr!(lang, "config-error", error),
            CliError::Runtime(error) => tr!(lang, "runtime-unavailable", error),
            CliError::Server(jeton_tsp::server::ServerError::Listen { address, error }) => {
                let error = io_error(error, lang);
                tr!(lang, "server-cannot-listen", address, error)
            }
            CliError::Server(jeton_tsp::server::ServerError::Config(
                jeton_tsp::server::ConfigError::OutOfRange {
                    setting,
                    value,
                    min,
                    max,
                },
            )) => tr!(
                lang,
                "server-setting-out-of-range",
                setting,
                value,
                min,
                max
            ),
            CliError::Server(error) => server_error(error, lang),
            CliError::BadTime(text) => tr!(lang, "bad-time", text = format!("{text:?}")),
            CliError::BadSerial(error) => {
                let text = &error.0;
                tr!(lang, "bad-serial", text = format!("{text:?}"))
            }
            CliError::UnknownReason(error) => {
                let text = &error.0;
                tr!(lang, "unknown-reason", text = format!("{text:?}"))
            }
            CliError::NotAPublicKey(path) => {
                let path = path.display();
                tr!(lang, "not-a-public-key", path)
            }
            CliError::AuditLogTampered(findings) => {
                let list: Vec<String> = findings.iter().map(|f| finding(f, lang)).collect();
                let list = list.join("\n  ");
                tr!(lang, "audit-tampered", list)
            }
        }
    }
}

/// The CA's errors not matched above (those that say what to do are). Errors of the
/// formats library (a CSR, a CRL, DER) keep its English detail inside the sentence.
fn ca_error(error: &jeton_tsp::ca::CaError, lang: Lang) -> String {
    use jeton_tsp::ca::CaError;
    match error {
        CaError::Store(error) => store_error(error, lang),
        CaError::Config(error) => tr!(lang, "config-error", error),
        CaError::KeyFile { path, error } => tr!(lang, "ca-key-file", path = path.display(), error),
        CaError::Io { path, error } => {
            tr!(
                lang,
                "ca-io",
                path = path.display(),
                error = io_error(error, lang)
            )
        }
        CaError::KeyExists(path) => tr!(lang, "ca-key-exists", path = path.display()),
        CaError::AlreadyInitialised(name) => {
            tr!(lang, "ca-already-initialised", name = format!("{name:?}"))
        }
        CaError::KeyRef(reference) => {
            tr!(
                lang,
                "ca-key-reference",
                reference = format!("{reference:?}")
            )
        }
        CaError::NoPkcs11 => tr!(lang, "ca-no-pkcs11"),
        CaError::UnknownProfile(profile) => {
            tr!(lang, "ca-unknown-profile", profile = format!("{profile:?}"))
        }
        CaError::CaProfile(profile) => {
            tr!(lang, "ca-profile-of-a-ca", profile = format!("{profile:?}"))
        }
        CaError::Subject(why) => tr!(lang, "ca-subject", why),
        CaError::Name(why) => tr!(lang, "ca-subject", why),
        CaError::PublicKey(path) => tr!(lang, "ca-not-a-public-key", path = path.display()),
        CaError::CorruptCertificate(name) => {
            tr!(lang, "ca-certificate-corrupt", name = format!("{name:?}"))
        }
        CaError::KeyMismatch(key, name) => {
            tr!(lang, "ca-key-mismatch", key, name = format!("{name:?}"))
        }
        CaError::NoRole(name, profile) => tr!(
            lang,
            "ca-no-role",
            name = format!("{name:?}"),
            profile = format!("{profile:?}")
        ),
        other => tr!(lang, "ca-error", error = other),
    }
}

/// The provider's database errors not matched above.
fn store_error(error: &jeton_tsp::StoreError, lang: Lang) -> String {
    use jeton_tsp::StoreError;
    match error {
        StoreError::RevocationBeforeValidity {
            serial,
            at,
            not_before,
        } => {
            let (at, not_before) = (jeton_tsp::store::utc(at), jeton_tsp::store::utc(not_before));
            tr!(lang, "revocation-before-validity", serial, at, not_before)
        }
        StoreError::RevocationInPast { serial, at, now } => {
            let (at, now) = (jeton_tsp::store::utc(at), jeton_tsp::store::utc(now));
            tr!(lang, "revocation-in-past", serial, at, now)
        }
        StoreError::InvalidityDateInFuture { serial, date, now } => {
            let (date, now) = (jeton_tsp::store::utc(date), jeton_tsp::store::utc(now));
            tr!(lang, "invalidity-date-in-future", serial, date, now)
        }
        StoreError::BadUrl(url) => tr!(lang, "store-bad-url", url = format!("{url:?}")),
        StoreError::Database(error) => tr!(lang, "store-database", error),
        StoreError::Migrate(error) => tr!(lang, "store-migration", error),
        StoreError::UnknownCa(name) => tr!(lang, "store-unknown-ca", name = format!("{name:?}")),
        StoreError::CaExists(name) => tr!(lang, "store-ca-exists", name = format!("{name:?}")),
        StoreError::UnknownCertificate { ca, serial } => {
            tr!(
                lang,
                "store-unknown-certificate",
                ca = format!("{ca:?}"),
                serial
            )
        }
        StoreError::DuplicateSerial { ca, serial } => {
            tr!(
                lang,
                "store-duplicate-serial",
                ca = format!("{ca:?}"),
                serial
            )
        }
        StoreError::Corrupt(what) => tr!(lang, "store-corrupt", what),
        StoreError::Sign(error) => tr!(lang, "store-audit-head-unsigned", error),
        StoreError::HeadsArchive { path, error } => tr!(
            lang,
            "store-heads-archive",
            path = path.display(),
            error = io_error(error, lang)
        ),
    }
}

/// `jeton server`'s errors not matched above.
fn server_error(error: &jeton_tsp::server::ServerError, lang: Lang) -> String {
    use jeton_tsp::server::ServerError;
    match error {
        ServerError::Store(error) => store_error(error, lang),
        ServerError::Sign(why) => tr!(lang, "server-signing", why),
        ServerError::Der(error) => tr!(lang, "server-der", error),
        other => tr!(lang, "server-error", error = other),
    }
}

/// The card file's errors. Nothing is repaired or reset silently: a damaged card is the
/// holder's identity, so the way out is a backup or a new card.
fn card_error(error: &CardError, lang: Lang) -> String {
    match error {
        CardError::State { path, source } => {
            let path = path.display();
            match source {
                StateError::Foreign => tr!(lang, "card-file-foreign", path),
                StateError::NewerFormat(version) => {
                    tr!(lang, "card-file-newer-format", path, version)
                }
                StateError::Corrupt => tr!(lang, "card-file-corrupt", path),
            }
        }
        CardError::NotFound(path) => {
            let path = path.display();
            tr!(lang, "card-file-not-found", path)
        }
        CardError::AlreadyExists(path) => {
            let path = path.display();
            tr!(lang, "card-file-exists", path)
        }
        CardError::Io { path, source } => {
            let path = path.display();
            let source = io_error(source, lang);
            tr!(lang, "card-file-io", path, source)
        }
        CardError::DeviceKeyMissing(path) | CardError::DeviceKeyCorrupt(path) => {
            let path = path.display();
            tr!(lang, "device-key-unusable", path)
        }
        CardError::InvalidPersonalisation(why) => tr!(lang, "card-personalisation-invalid", why),
        other => tr!(lang, "card-file-unusable", other),
    }
}

/// The PIV client's errors, matched by variant so that each says what to do next.
pub fn piv_error(error: &PivError, lang: Lang) -> String {
    match error {
        PivError::WrongPin { tries_left: 0 } | PivError::PinBlocked => tr!(lang, "pin-blocked"),
        PivError::WrongPin { tries_left: left } => {
            tr!(lang, "pin-wrong", left = Count((*left).into()))
        }
        PivError::WrongPuk { tries_left: 0 } | PivError::PukBlocked => tr!(lang, "puk-blocked"),
        PivError::WrongPuk { tries_left: left } => {
            tr!(lang, "puk-wrong", left = Count((*left).into()))
        }
        PivError::CardDead => tr!(lang, "card-dead"),
        PivError::TemporaryPin => tr!(lang, "pin-temporary"),
        PivError::PinRequired => tr!(lang, "pin-required"),
        PivError::RejectedByPolicy => tr!(lang, "new-value-refused-by-policy"),
        PivError::ManagementKeyRequired => tr!(lang, "management-key-required"),
        PivError::ManagementKeyRejected => tr!(lang, "management-key-wrong"),
        PivError::CardAuthenticationFailed => tr!(lang, "card-authentication-failed"),
        PivError::ResetRefused => tr!(lang, "card-reset-refused"),
        PivError::InvalidPinFormat => tr!(lang, "pin-format-invalid"),
        PivError::InvalidPukFormat => tr!(lang, "puk-format-invalid"),
        PivError::InvalidManagementKey(why) => tr!(lang, "management-key-invalid", why),
        PivError::InvalidSlot(slot) => tr!(lang, "slot-unknown", slot = format!("{slot:?}")),
        PivError::InvalidAlgorithm(alg) => tr!(lang, "algorithm-unknown", alg = format!("{alg:?}")),
        PivError::NotFound => tr!(lang, "card-not-found-on-card"),
        PivError::NoKeyInSlot => tr!(lang, "no-key-in-this-slot"),
        PivError::ObjectTooLarge => tr!(lang, "object-too-large"),
        PivError::CompressedCertificate => tr!(lang, "certificate-compressed"),
        PivError::ConditionsNotSatisfied
        | PivError::InvalidData
        | PivError::IncorrectParameters
        | PivError::ReferenceNotFound
        | PivError::WrongLength
        | PivError::UnsupportedInstruction
        | PivError::UnsupportedClass
        | PivError::UnexpectedStatus(_)
        | PivError::MalformedResponse(_) => tr!(lang, "card-refused-command", error),
        PivError::Crypto(stack) => tr!(lang, "crypto-library-error", stack),
        PivError::Transport(TransportError::NoReader { wanted, available }) => {
            let list = if available.is_empty() {
                tr!(lang, "readers-none")
            } else {
                available.join(", ")
            };
            tr!(
                lang,
                "reader-not-found",
                wanted = format!("{wanted:?}"),
                list
            )
        }
        PivError::Transport(TransportError::NoCard(reader)) => {
            tr!(lang, "reader-empty", reader = format!("{reader:?}"))
        }
        PivError::Transport(TransportError::NoService(why)) => {
            tr!(lang, "pcsc-service-unavailable", why)
        }
        PivError::Transport(TransportError::NotPiv(reader)) => {
            tr!(lang, "reader-card-not-piv", reader = format!("{reader:?}"))
        }
        PivError::Transport(error) => tr!(lang, "card-not-answering", error),
        // Variants added to jeton-piv later: its own (English) words until translated here.
        other => tr!(lang, "card-error-other", other),
    }
}

/// One fault of the audit log, in words.
pub fn finding(f: &jeton_tsp::audit::Finding, lang: Lang) -> String {
    use jeton_tsp::audit::Finding;
    match *f {
        Finding::Changed { seq } => tr!(lang, "finding-changed", seq),
        Finding::Rewritten { seq } => tr!(lang, "finding-rewritten", seq),
        Finding::BadSignature { seq } => tr!(lang, "finding-bad-signature", seq),
        Finding::Removed { from, to } if from == to => tr!(lang, "finding-removed-one", from),
        Finding::Removed { from, to } => tr!(lang, "finding-removed", from, to),
        Finding::Inserted { seq } => tr!(lang, "finding-inserted", seq),
        Finding::Reordered { seq, follows } => tr!(lang, "finding-reordered", seq, follows),
        Finding::Broken { seq } => tr!(lang, "finding-broken", seq),
        Finding::CertificateUnlogged { ref ca, ref serial } => {
            tr!(lang, "finding-certificate-unlogged", serial, ca)
        }
        Finding::CertificateDeleted { ref ca, ref serial } => {
            tr!(lang, "finding-certificate-deleted", serial, ca)
        }
        Finding::CertificateEdited { ref ca, ref serial } => {
            tr!(lang, "finding-certificate-edited", serial, ca)
        }
        Finding::RevocationUnlogged { ref ca, ref serial } => {
            tr!(lang, "finding-revocation-unlogged", serial, ca)
        }
        Finding::RevocationDeleted {
            ref ca,
            ref serial,
            ref reason,
            revoked_at,
        } => {
            let at = crate::commands::ca::show_time(jeton_tsp::store::time_of(revoked_at));
            tr!(lang, "finding-revocation-deleted", serial, ca, reason, at)
        }
        Finding::RevocationEdited {
            ref ca,
            ref serial,
            ref field,
            ref logged,
            ref stored,
        } => tr!(
            lang,
            "finding-revocation-edited",
            serial,
            ca,
            field,
            stored,
            logged
        ),
        Finding::CutBelowArchivedHead { from, to } => {
            tr!(lang, "finding-cut-below-archived-head", from, to)
        }
        Finding::ArchivedHeadMismatch { seq } => tr!(lang, "finding-archived-head-mismatch", seq),
        Finding::BadArchivedHead { line } => tr!(lang, "finding-bad-archived-head", line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_to_do_next_in_both_languages() {
        let blocked = CliError::Piv(PivError::PinBlocked);
        assert!(blocked.text(Lang::En).contains("jeton pin unblock"));
        assert!(blocked.text(Lang::Fr).contains("jeton pin unblock"));
        assert!(CliError::Piv(PivError::CardDead)
            .text(Lang::Fr)
            .contains("nouveau"));
        assert!(CliError::Piv(PivError::TemporaryPin)
            .text(Lang::En)
            .contains("jeton pin change"));
    }

    /// Issue 8: the provider's library errors printed English inside the French frame.
    #[test]
    fn the_provider_s_errors_are_french_inside_the_french_frame() {
        use jeton_tsp::{ca::CaError, server::ServerError, StoreError};
        let unknown = CliError::Store(StoreError::UnknownCa("issuing".into()));
        assert_eq!(
            unknown.text(Lang::En),
            "provider storage: no CA named \"issuing\": `jeton ca list` shows them"
        );
        assert_eq!(
            unknown.text(Lang::Fr),
            "base du prestataire : aucune AC nommée \"issuing\" : `jeton ca list` les montre"
        );
        let profile = CliError::Ca(CaError::UnknownProfile("qualified".into()));
        assert_eq!(
            profile.text(Lang::Fr),
            "AC : pas de profil de certificat \"qualified\" : utilisez qualified-signing, authentication, ocsp-responder ou tsa"
        );
        // Through the CA and the server, the store's words are the same.
        let through_ca = CliError::Ca(CaError::Store(StoreError::CaExists("root".into())));
        assert_eq!(
            through_ca.text(Lang::Fr),
            "base du prestataire : une AC nommée \"root\" existe déjà"
        );
        let signing = CliError::Server(ServerError::Sign("no key".into()));
        assert_eq!(signing.text(Lang::Fr), "serveur : signature : no key");
    }
}
