//! The provider's storage: CAs and their keys' references, issued certificates, revocations,
//! CRLs, TSA serials and the audit log, in SQLite (embedded, the default) or PostgreSQL (by
//! URL, for several front ends over one database).
//!
//! Both go through sqlx's `Any` driver with one set of portable migrations
//! (`crates/tsp/migrations/`). Every change and its audit entry commit in one transaction:
//! a revocation is durable before [`Store::revoke`] returns, and its audit entry with it.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jeton_pki::{RevocationReason, Signer};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Row, Transaction};
use tokio::sync::{broadcast, Mutex};
use x509_cert::serial_number::SerialNumber;

use crate::audit::{self, AuditEntry, Event};

/// The PostgreSQL channel revocations are announced on (LISTEN/NOTIFY).
pub const REVOCATION_CHANNEL: &str = "jeton_revocations";

const MIGRATIONS: [(i64, &str, &str); 2] = [
    (
        1,
        "provider",
        include_str!("../migrations/0001_provider.sql"),
    ),
    (
        2,
        "certificate cursor",
        include_str!("../migrations/0002_certificate_cursor.sql"),
    ),
];

/// What can go wrong with the storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no database Jeton stores in.
    #[error("database URL {0:?}: use sqlite:///path/to/file.sqlite or postgres://user@host/db")]
    BadUrl(String),
    /// The database refused or is unreachable.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database schema migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// No CA (or responder, TSA) of that name.
    #[error("no CA named {0:?}: `jeton ca list` shows them")]
    UnknownCa(String),
    /// A CA of that name already exists.
    #[error("a CA named {0:?} already exists")]
    CaExists(String),
    /// The CA never issued that serial.
    #[error("CA {ca:?} never issued a certificate with serial {serial}")]
    UnknownCertificate {
        /// The CA.
        ca: String,
        /// The serial asked for.
        serial: Serial,
    },
    /// A certificate with this serial is already recorded.
    #[error("CA {ca:?} already recorded serial {serial}")]
    DuplicateSerial {
        /// The CA.
        ca: String,
        /// The serial.
        serial: Serial,
    },
    /// A row holds a value Jeton never writes: the database was changed by hand.
    #[error("the database holds a value Jeton never writes ({0}): was it edited by hand?")]
    Corrupt(String),
    /// The audit head could not be signed.
    #[error("signing the audit log's head: {0}")]
    Sign(#[from] jeton_pki::SignerError),
    /// The change was committed, but its signed head could not be archived.
    #[error("the change is recorded, but its signed audit head could not be appended to {}: {error}", path.display())]
    HeadsArchive {
        /// The heads file.
        path: std::path::PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A revocation dated before the certificate's notBefore.
    #[error("certificate {serial}: a revocation cannot be dated {}, before the certificate was valid (notBefore {})", utc(.at), utc(.not_before))]
    RevocationBeforeValidity {
        /// The certificate.
        serial: Serial,
        /// The date asked for.
        at: SystemTime,
        /// Its notBefore.
        not_before: SystemTime,
    },
    /// A revocation dated in the past (RFC 5280 §5.1.2.6, §5.3.2).
    #[error("certificate {serial}: a revocation cannot be dated {}, in the past (now {}): the revocation date is when the CA processes it (RFC 5280 §5.1.2.6); an earlier suspected compromise is the invalidity date (§5.3.2)", utc(.at), utc(.now))]
    RevocationInPast {
        /// The certificate.
        serial: Serial,
        /// The date asked for.
        at: SystemTime,
        /// The provider's clock.
        now: SystemTime,
    },
    /// An invalidity date in the future.
    #[error("certificate {serial}: the invalidity date {} is in the future (now {}): it is when the key is known or suspected to have been compromised (RFC 5280 §5.3.2)", utc(.date), utc(.now))]
    InvalidityDateInFuture {
        /// The certificate.
        serial: Serial,
        /// The date given.
        date: SystemTime,
        /// The provider's clock.
        now: SystemTime,
    },
}

impl StoreError {
    /// A stable code for scripts (`--json`) and for front ends choosing their words.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::BadUrl(_) => "store-bad-url",
            StoreError::Database(_) => "store-database",
            StoreError::Migrate(_) => "store-migration",
            StoreError::UnknownCa(_) => "unknown-ca",
            StoreError::CaExists(_) => "ca-exists",
            StoreError::UnknownCertificate { .. } => "unknown-certificate",
            StoreError::DuplicateSerial { .. } => "duplicate-serial",
            StoreError::Corrupt(_) => "store-corrupt",
            StoreError::Sign(_) => "audit-head-unsigned",
            StoreError::HeadsArchive { .. } => "audit-heads-archive",
            StoreError::RevocationBeforeValidity { .. } => "revocation-before-validity",
            StoreError::RevocationInPast { .. } => "revocation-in-past",
            StoreError::InvalidityDateInFuture { .. } => "invalidity-date-in-future",
        }
    }
}

/// A time in UTC, RFC 3339, for messages.
pub fn utc(t: &SystemTime) -> String {
    der::DateTime::from_system_time(*t)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| format!("@{}", secs(*t)))
}

/// How far a revocation "now" may be behind the provider's clock: the caller reads the clock
/// a moment before the store does, and one provider's machines may disagree by a few
/// seconds. Anything older is a backdated revocation.
pub const CLOCK_SKEW: Duration = Duration::from_secs(5);

/// A certificate serial number as upper-case hexadecimal, as `openssl x509 -serial` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(String);

/// A serial number that is not hexadecimal.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a serial number: give it in hexadecimal, as `openssl x509 -noout -serial` prints it (colons allowed)")]
pub struct BadSerial(pub String);

impl Serial {
    /// The serial of an X.509 certificate.
    pub fn of(serial: &SerialNumber) -> Serial {
        Serial::from_bytes(serial.as_bytes())
    }

    /// From the DER INTEGER's content octets.
    pub fn from_bytes(bytes: &[u8]) -> Serial {
        let mut text: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        // One canonical spelling: no leading zero octets (DER adds one before a high bit).
        while text.len() > 2 && text.starts_with("00") {
            text.drain(..2);
        }
        Serial(text)
    }

    /// The DER INTEGER content octets (with a leading zero when the high bit is set).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes: Vec<u8> = (0..self.0.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&self.0[i..i + 2], 16).unwrap_or(0))
            .collect();
        if bytes.first().is_some_and(|b| b & 0x80 != 0) {
            bytes.insert(0, 0);
        }
        bytes
    }

    /// As an X.509 serial number.
    pub fn to_serial_number(&self) -> SerialNumber {
        SerialNumber::new(&self.to_bytes())
            .unwrap_or_else(|e| panic!("a checked serial always encodes: {e}"))
    }

    /// The hexadecimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Serial {
    type Err = BadSerial;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let trimmed = trimmed
            .strip_prefix("serial=")
            .or_else(|| trimmed.strip_prefix("0x"))
            .unwrap_or(trimmed);
        let hex: String = trimmed.chars().filter(|c| *c != ':').collect();
        if hex.is_empty() || hex.len() > 42 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(BadSerial(s.to_owned()));
        }
        let even = if hex.len() % 2 == 1 {
            format!("0{hex}")
        } else {
            hex
        };
        let bytes: Vec<u8> = (0..even.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&even[i..i + 2], 16).map_err(|_| BadSerial(s.to_owned())))
            .collect::<Result<_, _>>()?;
        Ok(Serial::from_bytes(&bytes))
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Seconds since the Unix epoch, as stored.
pub(crate) fn secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A stored time (seconds since the epoch) as a `SystemTime`.
pub fn time_of(s: i64) -> SystemTime {
    time(s)
}

pub(crate) fn time(s: i64) -> SystemTime {
    if s >= 0 {
        UNIX_EPOCH + Duration::from_secs(s.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(s.unsigned_abs())
    }
}

/// Which database is behind the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One file, one machine.
    Sqlite,
    /// A server shared by several processes.
    Postgres,
}

/// A CA, OCSP responder or TSA of the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaRecord {
    /// Its name (`root`, `issuing`, `ocsp`, `tsa`…), used in URLs.
    pub name: String,
    /// The profile role it was made with (`root-ca`, `issuing-ca`, `ocsp-responder`, `tsa`).
    pub role: String,
    /// The CA that issued its certificate (none for a root).
    pub issuer: Option<String>,
    /// Its certificate, DER.
    pub certificate: Vec<u8>,
    /// Where its key is: a file path (encrypted PKCS#8) or a `pkcs11:` URI.
    pub key_ref: String,
}

/// An issued certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRecord {
    /// The issuing CA's name.
    pub ca: String,
    /// Its serial.
    pub serial: Serial,
    /// The profile it was issued with.
    pub profile: String,
    /// Its subject, as text (RFC 4514).
    pub subject: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
}

/// A revocation, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationRecord {
    /// The issuing CA's name.
    pub ca: String,
    /// The revoked certificate's serial.
    pub serial: Serial,
    /// Why.
    pub reason: RevocationReason,
    /// From when the certificate is revoked; may be in the future (a leaving date).
    pub revoked_at: SystemTime,
    /// When the key is known or suspected to have been compromised.
    pub invalidity_date: Option<SystemTime>,
    /// When the provider recorded it.
    pub recorded_at: SystemTime,
    /// Increasing with each revocation recorded or advanced: the cursor of
    /// [`Store::revocations_since`].
    pub id: i64,
}

impl RevocationRecord {
    /// As a CRL entry.
    pub fn to_crl_entry(&self) -> jeton_pki::Revocation {
        jeton_pki::Revocation {
            serial: self.serial.to_serial_number(),
            revoked_at: self.revoked_at,
            reason: self.reason,
            invalidity_date: self.invalidity_date,
        }
    }
}

/// A revocation asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationRequest {
    /// The issuing CA's name.
    pub ca: String,
    /// The certificate's serial.
    pub serial: Serial,
    /// Why.
    pub reason: RevocationReason,
    /// From when (now, or a future leaving date).
    pub at: SystemTime,
    /// When the key was compromised, if known and earlier.
    pub invalidity_date: Option<SystemTime>,
}

/// What [`Store::revoke`] did. In every case the certificate stays revoked for good.
///
/// A revocation in effect is never rewritten (its date is when the CA processed it, RFC 5280
/// §5.1.2.6), with one exception: its reason may be raised to keyCompromise when a
/// compromise comes to light, the date staying as it was and the suspected time of the
/// compromise going into the invalidity date (§5.3.1, §5.3.2). A revocation planned for a
/// later date is not in effect yet: a new revocation may bring it forward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Newly revoked.
    Revoked(RevocationRecord),
    /// Already revoked, or planned from an earlier or equal time: nothing changed.
    AlreadyRevoked(RevocationRecord),
    /// A revocation planned for later was brought forward to this earlier time (a token
    /// lost before the leaving date), with the new reason and invalidity date.
    Advanced {
        /// The record before.
        previous: RevocationRecord,
        /// The record now.
        now: RevocationRecord,
    },
    /// The reason was raised to keyCompromise; the revocation date stands.
    ReasonRaised {
        /// The record before.
        previous: RevocationRecord,
        /// The record now.
        now: RevocationRecord,
    },
}

impl RevokeOutcome {
    /// The record in force.
    pub fn record(&self) -> &RevocationRecord {
        match self {
            RevokeOutcome::Revoked(r) | RevokeOutcome::AlreadyRevoked(r) => r,
            RevokeOutcome::Advanced { now, .. } | RevokeOutcome::ReasonRaised { now, .. } => now,
        }
    }
}

/// The dates a revocation may carry (RFC 5280 §5.1.2.6, §5.3.2): from the certificate's
/// notBefore and not in the past (beyond [`CLOCK_SKEW`]); an invalidity date not in the
/// future. Times in whole seconds, as stored.
fn check_dates(
    request: &RevocationRequest,
    not_before: SystemTime,
    now: SystemTime,
) -> Result<(), StoreError> {
    let at = time(secs(request.at));
    if at < not_before {
        return Err(StoreError::RevocationBeforeValidity {
            serial: request.serial.clone(),
            at,
            not_before,
        });
    }
    if at + CLOCK_SKEW < now {
        return Err(StoreError::RevocationInPast {
            serial: request.serial.clone(),
            at,
            now,
        });
    }
    match request.invalidity_date.map(|t| time(secs(t))) {
        Some(date) if date > now + CLOCK_SKEW => Err(StoreError::InvalidityDateInFuture {
            serial: request.serial.clone(),
            date,
            now,
        }),
        _ => Ok(()),
    }
}

/// Whether a reason already says the key is compromised (a raise to keyCompromise would
/// tell nothing new).
fn is_compromise(reason: RevocationReason) -> bool {
    matches!(
        reason,
        RevocationReason::KeyCompromise
            | RevocationReason::CaCompromise
            | RevocationReason::AaCompromise
    )
}

/// A certificate's status at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Issued by this CA and not revoked at that time.
    Good,
    /// Revoked at that time.
    Revoked {
        /// Since when.
        at: SystemTime,
        /// Why.
        reason: RevocationReason,
    },
    /// This CA never issued the serial.
    Unknown,
}

impl From<Status> for jeton_pki::CertState {
    fn from(s: Status) -> Self {
        match s {
            Status::Good => jeton_pki::CertState::Good,
            // The status alone has no invalidity date: [`Store::revocation`] has it.
            Status::Revoked { at, reason } => jeton_pki::CertState::Revoked {
                at,
                reason,
                invalidity_date: None,
            },
            Status::Unknown => jeton_pki::CertState::NeverIssued,
        }
    }
}

/// A certificate as a status follower needs it ([`Store::certificates_since`]): its place in
/// issue order, its serial and its revocation, without its DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedRow {
    /// Where a follower resumes after it.
    pub cursor: CertCursor,
    /// The serial.
    pub serial: Serial,
    /// Its revocation, if it has one (possibly dated in the future).
    pub revocation: Option<RevocationRecord>,
}

/// A position in the issue order of one CA's certificates: (seq, serial), since rows issued
/// before the cursor existed share seq 0. [`CertCursor::START`] is before every row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CertCursor {
    /// The row's seq.
    pub seq: i64,
    /// Its serial, as stored.
    pub serial: String,
}

impl CertCursor {
    /// Before the first certificate.
    pub const START: CertCursor = CertCursor {
        seq: -1,
        serial: String::new(),
    };
}

/// A published CRL without its DER ([`Store::latest_crl_meta`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlMeta {
    /// cRLNumber.
    pub number: u64,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: Option<SystemTime>,
}

/// A published CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlRecord {
    /// The issuing CA's name.
    pub ca: String,
    /// cRLNumber.
    pub number: u64,
    /// The CRL, DER.
    pub der: Vec<u8>,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate; none for the CA's last CRL.
    pub next_update: Option<SystemTime>,
}

/// Who makes a change, and the audit key when they hold it: the audit log's head is then
/// signed with it in the same transaction.
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    /// Who: an operator's login, `jeton server`, …
    pub name: &'a str,
    /// The provider's audit key (ECDSA P-256), when at hand.
    pub audit_key: Option<&'a dyn Signer>,
}

impl<'a> Actor<'a> {
    /// An actor without the audit key: entries are chained, the head is signed later.
    pub fn unsigned(name: &'a str) -> Self {
        Actor {
            name,
            audit_key: None,
        }
    }
}

/// A revocation, as announced to every process of the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationNotice {
    /// The issuing CA.
    pub ca: String,
    /// The serial.
    pub serial: Serial,
}

/// One record of the provider's set-up, with its audit entry ([`Store::record_setup`]).
pub enum SetupStep {
    /// An audit entry alone (the configuration, a key generated).
    Audit(Event),
    /// A CA, responder or TSA.
    Ca(CaRecord, Event),
    /// A certificate it was given.
    Certificate(CertificateRecord, Event),
}

/// The provider's database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
    notices: broadcast::Sender<RevocationNotice>,
    listening: Arc<Mutex<bool>>,
    heads_archive: Option<Arc<std::path::PathBuf>>,
}

/// What `jeton audit verify` reads, from one snapshot of the database.
#[derive(Clone, Debug)]
pub struct AuditSnapshot {
    /// The log, in stored order.
    pub entries: Vec<AuditEntry>,
    /// The head row.
    pub head: audit::Head,
    /// Every certificate issued.
    pub certificates: Vec<CertificateRecord>,
    /// Every revocation.
    pub revocations: Vec<RevocationRecord>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password.
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

fn migrator() -> Migrator {
    Migrator {
        migrations: Cow::Owned(
            MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect(),
        ),
        ..Migrator::DEFAULT
    }
}

const CA_COLUMNS: &str = "name, role, issuer, certificate, key_ref";
const CERT_COLUMNS: &str = "ca, serial, profile, subject, der, not_before, not_after";
const REVOCATION_COLUMNS: &str = "ca, serial, reason, revoked_at, invalidity_date, recorded_at, id";
const CRL_COLUMNS: &str = "ca, number, der, this_update, next_update";
const AUDIT_COLUMNS: &str = "seq, at, kind, actor, details, prev_hash, hash, head_signature";

fn serial_of(row: &AnyRow, column: &str) -> Result<Serial, StoreError> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("serial {text:?}")))
}

fn ca_row(row: &AnyRow) -> Result<CaRecord, StoreError> {
    Ok(CaRecord {
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        issuer: row.try_get("issuer")?,
        certificate: row.try_get("certificate")?,
        key_ref: row.try_get("key_ref")?,
    })
}

fn cert_row(row: &AnyRow) -> Result<CertificateRecord, StoreError> {
    Ok(CertificateRecord {
        ca: row.try_get("ca")?,
        serial: serial_of(row, "serial")?,
        profile: row.try_get("profile")?,
        subject: row.try_get("subject")?,
        der: row.try_get("der")?,
        not_before: time(row.try_get("not_before")?),
        not_after: time(row.try_get("not_after")?),
    })
}

fn revocation_row(row: &AnyRow) -> Result<RevocationRecord, StoreError> {
    let reason: String = row.try_get("reason")?;
    Ok(RevocationRecord {
        ca: row.try_get("ca")?,
        serial: serial_of(row, "serial")?,
        reason: reason
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("revocation reason {reason:?}")))?,
        revoked_at: time(row.try_get("revoked_at")?),
        invalidity_date: row.try_get::<Option<i64>, _>("invalidity_date")?.map(time),
        recorded_at: time(row.try_get("recorded_at")?),
        id: row.try_get("id")?,
    })
}

fn crl_row(row: &AnyRow) -> Result<CrlRecord, StoreError> {
    let number: i64 = row.try_get("number")?;
    Ok(CrlRecord {
        ca: row.try_get("ca")?,
        number: u64::try_from(number)
            .map_err(|_| StoreError::Corrupt(format!("CRL number {number}")))?,
        der: row.try_get("der")?,
        this_update: time(row.try_get("this_update")?),
        next_update: row.try_get::<Option<i64>, _>("next_update")?.map(time),
    })
}

fn audit_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        kind: row.try_get("kind")?,
        actor: row.try_get("actor")?,
        details: row.try_get("details")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        head_signature: row.try_get("head_signature")?,
    })
}

async fn next_value(tx: &mut Transaction<'_, Any>, name: &str) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO sequences (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("UPDATE sequences SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(name)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("value")?)
}

/// Appends `event` to the audit log inside `tx`, signing the new head when the actor holds
/// the audit key.
async fn append(
    tx: &mut Transaction<'_, Any>,
    actor: Actor<'_>,
    event: &Event,
) -> Result<AuditEntry, StoreError> {
    // Taking the head's row first serialises appenders (a row lock in PostgreSQL, the write
    // lock in SQLite), so the chain never forks.
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: Vec<u8> = head.try_get("hash")?;
    let mut entry = AuditEntry {
        seq,
        at: secs(SystemTime::now()),
        kind: event.kind().to_owned(),
        actor: actor.name.to_owned(),
        details: event.details(),
        prev_hash,
        hash: Vec::new(),
        head_signature: None,
    };
    entry.hash = entry.compute_hash();
    if let Some(key) = actor.audit_key {
        entry.head_signature = Some(key.sign(&audit::head_message(entry.seq, &entry.hash))?);
    }
    sqlx::query(&format!(
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.kind)
    .bind(&entry.actor)
    .bind(&entry.details)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .bind(entry.head_signature.clone())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&entry.hash)
        .execute(&mut **tx)
        .await?;
    Ok(entry)
}

/// Inserts a CA row inside `tx`; a CA of that name already there is refused.
async fn insert_ca(tx: &mut Transaction<'_, Any>, ca: &CaRecord) -> Result<(), StoreError> {
    let exists = sqlx::query("SELECT name FROM cas WHERE name = $1")
        .bind(&ca.name)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_some() {
        return Err(StoreError::CaExists(ca.name.clone()));
    }
    sqlx::query(&format!(
        "INSERT INTO cas ({CA_COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(&ca.name)
    .bind(&ca.role)
    .bind(ca.issuer.clone())
    .bind(&ca.certificate)
    .bind(&ca.key_ref)
    .bind(secs(SystemTime::now()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts a certificate row inside `tx`, refusing a serial used twice or an unknown CA.
async fn insert_certificate(
    tx: &mut Transaction<'_, Any>,
    cert: &CertificateRecord,
) -> Result<(), StoreError> {
    let known = sqlx::query("SELECT serial FROM certificates WHERE ca = $1 AND serial = $2")
        .bind(&cert.ca)
        .bind(cert.serial.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if known.is_some() {
        return Err(StoreError::DuplicateSerial {
            ca: cert.ca.clone(),
            serial: cert.serial.clone(),
        });
    }
    let ca = sqlx::query("SELECT name FROM cas WHERE name = $1")
        .bind(&cert.ca)
        .fetch_optional(&mut **tx)
        .await?;
    if ca.is_none() {
        return Err(StoreError::UnknownCa(cert.ca.clone()));
    }
    // The follower's cursor (Store::certificates_since): in commit order, see the migration.
    let seq = next_value(tx, "certificate").await?;
    sqlx::query(&format!(
        "INSERT INTO certificates ({CERT_COLUMNS}, issued_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&cert.ca)
    .bind(cert.serial.as_str())
    .bind(&cert.profile)
    .bind(&cert.subject)
    .bind(&cert.der)
    .bind(secs(cert.not_before))
    .bind(secs(cert.not_after))
    .bind(secs(SystemTime::now()))
    .bind(seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Opens (creating it if needed) the database at `url` and brings its schema up to date:
    /// `sqlite:///path/file.sqlite` or `postgres://user:password@host:port/database`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let (backend, connect_url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            // Create the file on first use; sqlx's defaults (WAL, synchronous=FULL,
            // foreign keys on) are what durability wants.
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                url.to_owned()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(10))
            .connect(&connect_url)
            .await?;
        migrator().run(&pool).await?;
        sqlx::query(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(vec![0u8; 32])
        .execute(&pool)
        .await?;
        let (notices, _) = broadcast::channel(1024);
        Ok(Store {
            pool,
            backend,
            url: url.to_owned(),
            notices,
            listening: Arc::new(Mutex::new(false)),
            heads_archive: None,
        })
    }

    /// Opens the SQLite database in `path`, creating it if needed.
    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let text = path
            .to_str()
            .ok_or_else(|| StoreError::BadUrl(path.display().to_string()))?;
        Store::open(&format!("sqlite://{text}")).await
    }

    /// Appends every head this store signs to the file at `path` too (after its commit,
    /// with fsync): a copy outside the database, so that cutting the log's tail and
    /// rewriting its head row still shows ([`audit::check_archived_heads`]).
    pub fn archive_heads_to(mut self, path: std::path::PathBuf) -> Store {
        self.heads_archive = Some(Arc::new(path));
        self
    }

    /// After a commit: the entries' signed heads go to the archive, if one is set.
    fn archive(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let Some(path) = &self.heads_archive else {
            return Ok(());
        };
        let heads: Vec<_> = entries.iter().filter_map(audit::SignedHead::of).collect();
        audit::archive_heads(path, &heads).map_err(|error| StoreError::HeadsArchive {
            path: path.to_path_buf(),
            error,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the connections (waiting for them to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Records a CA (or responder, TSA) with the audit entry `event`.
    pub async fn record_ca(
        &self,
        ca: &CaRecord,
        actor: Actor<'_>,
        event: &Event,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_ca(&mut tx, ca).await?;
        let entry = append(&mut tx, actor, event).await?;
        tx.commit().await?;
        self.archive(&[entry])
    }

    /// The CA of that name.
    pub async fn ca(&self, name: &str) -> Result<CaRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {CA_COLUMNS} FROM cas WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UnknownCa(name.to_owned()))?;
        ca_row(&row)
    }

    /// Every CA, responder and TSA, oldest first.
    pub async fn cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CA_COLUMNS} FROM cas ORDER BY created_at, name"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(ca_row)
        .collect()
    }

    /// Records an issued certificate with the audit entry `event`.
    pub async fn record_certificate(
        &self,
        cert: &CertificateRecord,
        actor: Actor<'_>,
        event: &Event,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_certificate(&mut tx, cert).await?;
        let entry = append(&mut tx, actor, event).await?;
        tx.commit().await?;
        self.archive(&[entry])
    }

    /// Records the provider's set-up in one transaction: its audit entries, CAs and their
    /// certificates, in `steps`' order. An interrupted `jeton ca init` leaves all of it or
    /// none of it, on PostgreSQL as on SQLite.
    pub async fn record_setup(
        &self,
        actor: Actor<'_>,
        steps: &[SetupStep],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut entries = Vec::with_capacity(steps.len());
        for step in steps {
            let event = match step {
                SetupStep::Audit(event) => event,
                SetupStep::Ca(ca, event) => {
                    insert_ca(&mut tx, ca).await?;
                    event
                }
                SetupStep::Certificate(cert, event) => {
                    insert_certificate(&mut tx, cert).await?;
                    event
                }
            };
            entries.push(append(&mut tx, actor, event).await?);
        }
        tx.commit().await?;
        self.archive(&entries)
    }

    /// The certificate `serial` of `ca`, if it issued one.
    pub async fn certificate(
        &self,
        ca: &str,
        serial: &Serial,
    ) -> Result<Option<CertificateRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE ca = $1 AND serial = $2"
        ))
        .bind(ca)
        .bind(serial.as_str())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(cert_row)
        .transpose()
    }

    /// The rows of one CA (`of_ca`, binding `$1`), or of all of them (`of_all`).
    async fn rows_of_ca(
        &self,
        of_ca: &str,
        of_all: &str,
        ca: Option<&str>,
    ) -> Result<Vec<AnyRow>, StoreError> {
        Ok(match ca {
            Some(ca) => sqlx::query(of_ca).bind(ca).fetch_all(&self.pool).await?,
            None => sqlx::query(of_all).fetch_all(&self.pool).await?,
        })
    }

    /// Every certificate issued (by `ca` only, if given), in order of issue.
    pub async fn certificates(
        &self,
        ca: Option<&str>,
    ) -> Result<Vec<CertificateRecord>, StoreError> {
        let rows = self
            .rows_of_ca(
                &format!("SELECT {CERT_COLUMNS} FROM certificates WHERE ca = $1 ORDER BY issued_at, serial"),
                &format!("SELECT {CERT_COLUMNS} FROM certificates ORDER BY issued_at, ca, serial"),
                ca,
            )
            .await?;
        rows.iter().map(cert_row).collect()
    }

    /// Revokes a certificate. The revocation is committed (with its audit entry) before this
    /// returns, and then announced to [`Store::subscribe_revocations`] in every process. A
    /// revoked certificate is never reinstated, and a revocation in effect never rewritten
    /// (see [`RevokeOutcome`]).
    ///
    /// Refused: a date before the certificate's notBefore, a date more than [`CLOCK_SKEW`]
    /// in the past (the revocation date is when the CA processes it, RFC 5280 §5.1.2.6; an
    /// earlier compromise is the invalidity date, §5.3.2), an invalidity date in the future.
    /// A date in the future is a planned revocation (a leaving date).
    pub async fn revoke(
        &self,
        request: &RevocationRequest,
        actor: Actor<'_>,
    ) -> Result<RevokeOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The revocation counter first: it takes the write lock, so the check below and the
        // write cannot interleave with another revoker's.
        let id = next_value(&mut tx, "revocation").await?;
        let known =
            sqlx::query("SELECT not_before FROM certificates WHERE ca = $1 AND serial = $2")
                .bind(&request.ca)
                .bind(request.serial.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(known) = known else {
            return Err(StoreError::UnknownCertificate {
                ca: request.ca.clone(),
                serial: request.serial.clone(),
            });
        };
        // As stored: whole seconds, as CRLs and OCSP carry them.
        let now = time(secs(SystemTime::now()));
        let at = time(secs(request.at));
        let invalidity_date = request.invalidity_date.map(|t| time(secs(t)));
        check_dates(request, time(known.try_get("not_before")?), now)?;
        let existing = sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE ca = $1 AND serial = $2"
        ))
        .bind(&request.ca)
        .bind(request.serial.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(revocation_row)
        .transpose()?;
        let fresh = RevocationRecord {
            ca: request.ca.clone(),
            serial: request.serial.clone(),
            reason: request.reason,
            revoked_at: at,
            invalidity_date,
            recorded_at: now,
            id,
        };
        let outcome = match existing {
            None => {
                sqlx::query(&format!(
                    "INSERT INTO revocations ({REVOCATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ))
                .bind(&fresh.ca)
                .bind(fresh.serial.as_str())
                .bind(fresh.reason.name())
                .bind(secs(fresh.revoked_at))
                .bind(fresh.invalidity_date.map(secs))
                .bind(secs(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                RevokeOutcome::Revoked(fresh)
            }
            // Planned and not in effect yet: brought forward, never postponed. A reason that
            // already says compromise is kept.
            Some(previous) if previous.revoked_at > now && at < previous.revoked_at => {
                let record = RevocationRecord {
                    reason: if is_compromise(previous.reason) {
                        previous.reason
                    } else {
                        request.reason
                    },
                    invalidity_date: invalidity_date.or(previous.invalidity_date),
                    ..fresh
                };
                RevokeOutcome::Advanced {
                    previous,
                    now: record,
                }
            }
            // The one change RFC 5280 leaves open for a revocation in effect: a compromise
            // found later raises the reason; the date stays when the CA processed it.
            Some(previous)
                if request.reason == RevocationReason::KeyCompromise
                    && !is_compromise(previous.reason) =>
            {
                let record = RevocationRecord {
                    reason: RevocationReason::KeyCompromise,
                    revoked_at: previous.revoked_at,
                    invalidity_date: invalidity_date.or(previous.invalidity_date),
                    ..fresh
                };
                RevokeOutcome::ReasonRaised {
                    previous,
                    now: record,
                }
            }
            Some(previous) => {
                // Nothing changes; the counter's step is simply skipped.
                return Ok(RevokeOutcome::AlreadyRevoked(previous));
            }
        };
        if let RevokeOutcome::Advanced {
            previous,
            now: record,
        }
        | RevokeOutcome::ReasonRaised {
            previous,
            now: record,
        } = &outcome
        {
            // Guarded by the old values, so that a concurrent change is never overwritten.
            sqlx::query(
                "UPDATE revocations SET reason = $1, revoked_at = $2, invalidity_date = $3, \
                 recorded_at = $4, id = $5 WHERE ca = $6 AND serial = $7 AND revoked_at = $8 \
                 AND reason = $9",
            )
            .bind(record.reason.name())
            .bind(secs(record.revoked_at))
            .bind(record.invalidity_date.map(secs))
            .bind(secs(now))
            .bind(id)
            .bind(&record.ca)
            .bind(record.serial.as_str())
            .bind(secs(previous.revoked_at))
            .bind(previous.reason.name())
            .execute(&mut *tx)
            .await?;
        }
        let record = outcome.record().clone();
        let entry = append(
            &mut tx,
            actor,
            &Event::Revocation {
                ca: record.ca.clone(),
                serial: record.serial.to_string(),
                reason: record.reason.name().to_owned(),
                revoked_at: secs(record.revoked_at),
                invalidity_date: record.invalidity_date.map(secs),
                advanced_from: match &outcome {
                    RevokeOutcome::Advanced { previous, .. } => Some(secs(previous.revoked_at)),
                    _ => None,
                },
                raised_from: match &outcome {
                    RevokeOutcome::ReasonRaised { previous, .. } => {
                        Some(previous.reason.name().to_owned())
                    }
                    _ => None,
                },
            },
        )
        .await?;
        if self.backend == Backend::Postgres {
            // Delivered by PostgreSQL at commit, to every process that LISTENs.
            sqlx::query("SELECT count(*) AS sent FROM (SELECT pg_notify($1, $2)) AS n")
                .bind(REVOCATION_CHANNEL)
                .bind(format!("{} {}", record.ca, record.serial))
                .fetch_one(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if self.backend == Backend::Sqlite {
            // No receiver is fine: nobody is listening in this process.
            let _ = self.notices.send(RevocationNotice {
                ca: record.ca.clone(),
                serial: record.serial.clone(),
            });
        }
        self.archive(&[entry])?;
        Ok(outcome)
    }

    /// Whether [`Store::revoke`] would accept the request's certificate and dates, without
    /// recording anything: a front end checks before asking for the audit key's secret.
    pub async fn check_revocation(&self, request: &RevocationRequest) -> Result<(), StoreError> {
        let cert = self
            .certificate(&request.ca, &request.serial)
            .await?
            .ok_or_else(|| StoreError::UnknownCertificate {
                ca: request.ca.clone(),
                serial: request.serial.clone(),
            })?;
        check_dates(
            request,
            time(secs(cert.not_before)),
            time(secs(SystemTime::now())),
        )
    }

    /// The status of `serial` among `ca`'s certificates at time `now`: a revocation dated
    /// later than `now` is not in effect yet.
    pub async fn status_of(
        &self,
        ca: &str,
        serial: &Serial,
        now: SystemTime,
    ) -> Result<Status, StoreError> {
        let row = sqlx::query(
            "SELECT c.serial AS serial, r.reason AS reason, r.revoked_at AS revoked_at \
             FROM certificates c LEFT JOIN revocations r ON r.ca = c.ca AND r.serial = c.serial \
             WHERE c.ca = $1 AND c.serial = $2",
        )
        .bind(ca)
        .bind(serial.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Status::Unknown);
        };
        let revoked_at: Option<i64> = row.try_get("revoked_at")?;
        match revoked_at {
            Some(at) if at <= secs(now) => {
                let reason: String = row.try_get("reason")?;
                Ok(Status::Revoked {
                    at: time(at),
                    reason: reason.parse().map_err(|_| {
                        StoreError::Corrupt(format!("revocation reason {reason:?}"))
                    })?,
                })
            }
            _ => Ok(Status::Good),
        }
    }

    /// The revocation of `serial` among `ca`'s certificates, if it was revoked (even from a
    /// future date).
    pub async fn revocation(
        &self,
        ca: &str,
        serial: &Serial,
    ) -> Result<Option<RevocationRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE ca = $1 AND serial = $2"
        ))
        .bind(ca)
        .bind(serial.as_str())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(revocation_row)
        .transpose()
    }

    /// The revocations of `ca` (all CAs if none), including those dated in the future.
    pub async fn revocations(&self, ca: Option<&str>) -> Result<Vec<RevocationRecord>, StoreError> {
        let rows = self
            .rows_of_ca(
                &format!("SELECT {REVOCATION_COLUMNS} FROM revocations WHERE ca = $1 ORDER BY id"),
                &format!("SELECT {REVOCATION_COLUMNS} FROM revocations ORDER BY id"),
                ca,
            )
            .await?;
        rows.iter().map(revocation_row).collect()
    }

    /// Revocations recorded (or advanced) after the one with id `after` (0: all), in order:
    /// what a follower missed. Keep the last `id` seen as the cursor.
    pub async fn revocations_since(&self, after: i64) -> Result<Vec<RevocationRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE id > $1 ORDER BY id"
        ))
        .bind(after)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(revocation_row)
        .collect()
    }

    /// At most `limit` revocations of `ca` recorded (or advanced, or raised) after the one
    /// with id `after` (0: from the first), in id order: a CRL publisher keeps the list in
    /// memory and reads each change once. Ids are taken under the write lock and committed
    /// in order, so a reader never sees a higher id before a lower one.
    pub async fn revocations_of_since(
        &self,
        ca: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<RevocationRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE ca = $1 AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(ca)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(revocation_row)
        .collect()
    }

    /// Revocations of `ca` in effect at `now`: the entries of a CRL made then.
    pub async fn revoked_at(
        &self,
        ca: &str,
        now: SystemTime,
    ) -> Result<Vec<RevocationRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE ca = $1 AND revoked_at <= $2 ORDER BY id"
        ))
        .bind(ca)
        .bind(secs(now))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(revocation_row)
        .collect()
    }

    /// Takes the next cRLNumber of `ca` (1, 2, …; never twice, even across processes).
    pub async fn next_crl_number(&self, ca: &str) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = next_value(&mut tx, &format!("crl:{ca}")).await?;
        tx.commit().await?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("CRL number {n}")))
    }

    /// Stores a CRL the CA signed, with its audit entry.
    pub async fn store_crl(&self, crl: &CrlRecord, actor: Actor<'_>) -> Result<(), StoreError> {
        let number =
            i64::try_from(crl.number).map_err(|_| StoreError::Corrupt("CRL number".into()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO crls ({CRL_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(&crl.ca)
        .bind(number)
        .bind(&crl.der)
        .bind(secs(crl.this_update))
        .bind(crl.next_update.map(secs))
        .execute(&mut *tx)
        .await?;
        let entry = append(
            &mut tx,
            actor,
            &Event::Crl {
                ca: crl.ca.clone(),
                number: crl.number,
                this_update: secs(crl.this_update),
                next_update: crl.next_update.map(secs),
                sha256: audit::hex(&audit::sha256(&crl.der)),
            },
        )
        .await?;
        tx.commit().await?;
        self.archive(&[entry])
    }

    /// The CRL of `ca` with the highest number, if any.
    pub async fn latest_crl(&self, ca: &str) -> Result<Option<CrlRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {CRL_COLUMNS} FROM crls WHERE ca = $1 ORDER BY number DESC LIMIT 1"
        ))
        .bind(ca)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(crl_row)
        .transpose()
    }

    /// The newest CRL of `ca` without its DER: what a server compares with the one it holds,
    /// without reading megabytes.
    pub async fn latest_crl_meta(&self, ca: &str) -> Result<Option<CrlMeta>, StoreError> {
        let row = sqlx::query(
            "SELECT number, this_update, next_update FROM crls WHERE ca = $1 \
             ORDER BY number DESC LIMIT 1",
        )
        .bind(ca)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let number: i64 = row.try_get("number")?;
        Ok(Some(CrlMeta {
            number: u64::try_from(number)
                .map_err(|_| StoreError::Corrupt(format!("CRL number {number}")))?,
            this_update: time(row.try_get("this_update")?),
            next_update: row.try_get::<Option<i64>, _>("next_update")?.map(time),
        }))
    }

    /// The CRL of `ca` numbered `number`.
    pub async fn crl(&self, ca: &str, number: u64) -> Result<Option<CrlRecord>, StoreError> {
        let number = i64::try_from(number).map_err(|_| StoreError::Corrupt("CRL number".into()))?;
        sqlx::query(&format!(
            "SELECT {CRL_COLUMNS} FROM crls WHERE ca = $1 AND number = $2"
        ))
        .bind(ca)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(crl_row)
        .transpose()
    }

    /// The numbers of `ca`'s CRLs that are not among its `keep` newest, oldest first: what
    /// pruning archives and deletes.
    pub async fn crls_beyond(&self, ca: &str, keep: usize) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query("SELECT number FROM crls WHERE ca = $1 ORDER BY number DESC")
            .bind(ca)
            .fetch_all(&self.pool)
            .await?;
        let mut numbers = rows
            .iter()
            .skip(keep)
            .map(|row| {
                let n: i64 = row.try_get("number")?;
                u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("CRL number {n}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        numbers.reverse();
        Ok(numbers)
    }

    /// Deletes the CRL of `ca` numbered `number` (once archived: see `crls_beyond`). The
    /// newest one is never deleted, whatever is asked.
    pub async fn delete_crl(&self, ca: &str, number: u64) -> Result<(), StoreError> {
        let number = i64::try_from(number).map_err(|_| StoreError::Corrupt("CRL number".into()))?;
        sqlx::query(
            "DELETE FROM crls WHERE ca = $1 AND number = $2 \
             AND number < (SELECT MAX(number) FROM crls WHERE ca = $1)",
        )
        .bind(ca)
        .bind(number)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// At most `limit` certificates of `ca` after `after` in issue order, with their
    /// revocations and without their DER: what a status server reads to follow issuance
    /// (rows issued by any process), instead of every certificate each time.
    pub async fn certificates_since(
        &self,
        ca: &str,
        after: &CertCursor,
        limit: u32,
    ) -> Result<Vec<IssuedRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.seq AS seq, c.serial AS serial, r.reason AS reason, \
             r.revoked_at AS revoked_at, r.invalidity_date AS invalidity_date, \
             r.recorded_at AS recorded_at, r.id AS id \
             FROM certificates c LEFT JOIN revocations r ON r.ca = c.ca AND r.serial = c.serial \
             WHERE c.ca = $1 AND (c.seq > $2 OR (c.seq = $2 AND c.serial > $3)) \
             ORDER BY c.seq, c.serial LIMIT $4",
        )
        .bind(ca)
        .bind(after.seq)
        .bind(&after.serial)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let serial = serial_of(row, "serial")?;
                let reason: Option<String> = row.try_get("reason")?;
                let revocation = match reason {
                    None => None,
                    Some(reason) => Some(RevocationRecord {
                        ca: ca.to_owned(),
                        serial: serial.clone(),
                        reason: reason.parse().map_err(|_| {
                            StoreError::Corrupt(format!("revocation reason {reason:?}"))
                        })?,
                        revoked_at: time(row.try_get("revoked_at")?),
                        invalidity_date: row
                            .try_get::<Option<i64>, _>("invalidity_date")?
                            .map(time),
                        recorded_at: time(row.try_get("recorded_at")?),
                        id: row.try_get("id")?,
                    }),
                };
                Ok(IssuedRow {
                    cursor: CertCursor {
                        seq: row.try_get("seq")?,
                        serial: row.try_get("serial")?,
                    },
                    serial,
                    revocation,
                })
            })
            .collect()
    }

    /// Records many issued certificates, each with its audit entry, in one transaction: the
    /// rows [`Store::record_certificate`] writes, for a bulk load (the 1,000,000-certificate
    /// benchmark) that would otherwise pay a commit per certificate.
    pub async fn record_certificates(
        &self,
        batch: &[(CertificateRecord, Event)],
        actor: Actor<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut entries = Vec::with_capacity(batch.len());
        for (cert, event) in batch {
            insert_certificate(&mut tx, cert).await?;
            entries.push(append(&mut tx, actor, event).await?);
        }
        tx.commit().await?;
        self.archive(&entries)
    }

    /// Revokes many certificates never revoked before, each with the row and audit entry
    /// [`Store::revoke`] writes for a first revocation, in one transaction: a bulk load (the
    /// 1,000,000-entry CRL of the benchmark). The same date rules; a certificate already
    /// revoked is refused (use [`Store::revoke`]); no notice is sent (followers poll
    /// [`Store::revocations_since`]).
    pub async fn revoke_many(
        &self,
        requests: &[RevocationRequest],
        actor: Actor<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut entries = Vec::with_capacity(requests.len());
        let now = time(secs(SystemTime::now()));
        for request in requests {
            let id = next_value(&mut tx, "revocation").await?;
            let known = sqlx::query(
                "SELECT c.not_before AS not_before, r.id AS revoked FROM certificates c \
                 LEFT JOIN revocations r ON r.ca = c.ca AND r.serial = c.serial \
                 WHERE c.ca = $1 AND c.serial = $2",
            )
            .bind(&request.ca)
            .bind(request.serial.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let unknown = || StoreError::UnknownCertificate {
                ca: request.ca.clone(),
                serial: request.serial.clone(),
            };
            let known = known.ok_or_else(unknown)?;
            if known.try_get::<Option<i64>, _>("revoked")?.is_some() {
                return Err(StoreError::Corrupt(format!(
                    "bulk revocation of {}, already revoked",
                    request.serial
                )));
            }
            check_dates(request, time(known.try_get("not_before")?), now)?;
            let at = time(secs(request.at));
            let invalidity_date = request.invalidity_date.map(|t| time(secs(t)));
            sqlx::query(&format!(
                "INSERT INTO revocations ({REVOCATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(&request.ca)
            .bind(request.serial.as_str())
            .bind(request.reason.name())
            .bind(secs(at))
            .bind(invalidity_date.map(secs))
            .bind(secs(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            entries.push(
                append(
                    &mut tx,
                    actor,
                    &Event::Revocation {
                        ca: request.ca.clone(),
                        serial: request.serial.to_string(),
                        reason: request.reason.name().to_owned(),
                        revoked_at: secs(at),
                        invalidity_date: invalidity_date.map(secs),
                        advanced_from: None,
                        raised_from: None,
                    },
                )
                .await?,
            );
        }
        tx.commit().await?;
        self.archive(&entries)
    }

    /// The SQLite database file, if the store is one: the provider folder it lives in.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let rest = self.url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty()).then(|| std::path::PathBuf::from(path))
    }

    /// The next time-stamp serial (1, 2, …; unique across processes sharing the database).
    pub async fn next_tsa_serial(&self) -> Result<u64, StoreError> {
        Ok(self.reserve_tsa_serials(1).await?.start)
    }

    /// Reserves `count` consecutive time-stamp serials at once, so that a busy TSA touches
    /// the database once per block rather than once per token.
    pub async fn reserve_tsa_serials(
        &self,
        count: u32,
    ) -> Result<std::ops::Range<u64>, StoreError> {
        let count = i64::from(count.max(1));
        let row = sqlx::query(
            "UPDATE sequences SET value = value + $1 WHERE name = 'tsa' RETURNING value",
        )
        .bind(count)
        .fetch_one(&self.pool)
        .await?;
        let end: i64 = row.try_get("value")?;
        let end = u64::try_from(end).map_err(|_| StoreError::Corrupt("TSA serial".into()))?;
        Ok(end + 1 - count as u64..end + 1)
    }

    /// Appends an entry to the audit log on its own (a configuration change, a key
    /// generation).
    pub async fn audit(&self, actor: Actor<'_>, event: &Event) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        let entry = append(&mut tx, actor, event).await?;
        tx.commit().await?;
        self.archive(std::slice::from_ref(&entry))?;
        Ok(entry)
    }

    /// The whole audit log in its stored order, and the head the database keeps, both from
    /// one snapshot: an entry appended between two separate reads (a running server
    /// publishing a CRL) would make an intact log look tampered with.
    pub async fn audit_log(&self) -> Result<(Vec<AuditEntry>, audit::Head), StoreError> {
        let s = self.snapshot(false).await?;
        Ok((s.entries, s.head))
    }

    /// The latest entry whose head the audit key signed, as published.
    pub async fn latest_signed_head(&self) -> Result<Option<audit::SignedHead>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE head_signature IS NOT NULL \
             ORDER BY seq DESC LIMIT 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .as_ref()
            .map(audit_row)
            .transpose()?
            .as_ref()
            .and_then(audit::SignedHead::of))
    }

    /// The log, its head row and the records it vouches for, from one snapshot.
    pub async fn audit_snapshot(&self) -> Result<AuditSnapshot, StoreError> {
        self.snapshot(true).await
    }

    async fn snapshot(&self, with_records: bool) -> Result<AuditSnapshot, StoreError> {
        // SQLite (WAL): a transaction's reads share the snapshot its first read took.
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // READ COMMITTED would take a new snapshot for each statement.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let entries = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq"
        ))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(audit_row)
        .collect::<Result<Vec<_>, _>>()?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let (mut certificates, mut revocations) = (Vec::new(), Vec::new());
        if with_records {
            certificates = sqlx::query(&format!(
                "SELECT {CERT_COLUMNS} FROM certificates ORDER BY issued_at, ca, serial"
            ))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(cert_row)
            .collect::<Result<_, _>>()?;
            revocations = sqlx::query(&format!(
                "SELECT {REVOCATION_COLUMNS} FROM revocations ORDER BY id"
            ))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(revocation_row)
            .collect::<Result<_, _>>()?;
        }
        tx.commit().await?;
        Ok(AuditSnapshot {
            entries,
            head: audit::Head {
                seq: head.try_get("seq")?,
                hash: head.try_get("hash")?,
            },
            certificates,
            revocations,
        })
    }

    /// A stream of revocations made by any process on this database, from now on. On
    /// PostgreSQL it LISTENs on [`REVOCATION_CHANNEL`] (delivery within milliseconds of the
    /// commit); on SQLite it hears this process's revocations. Notifications can be lost when
    /// a connection drops or a receiver lags: followers also poll
    /// [`Store::revocations_since`] every few seconds with their last id.
    pub async fn subscribe_revocations(
        &self,
    ) -> Result<broadcast::Receiver<RevocationNotice>, StoreError> {
        let receiver = self.notices.subscribe();
        if self.backend == Backend::Postgres {
            let mut listening = self.listening.lock().await;
            if !*listening {
                let mut listener = sqlx::postgres::PgListener::connect(&self.url).await?;
                listener.listen(REVOCATION_CHANNEL).await?;
                let notices = self.notices.clone();
                let flag = Arc::clone(&self.listening);
                tokio::spawn(async move {
                    loop {
                        match listener.recv().await {
                            Ok(n) => {
                                if let Some((ca, serial)) = n.payload().split_once(' ') {
                                    if let Ok(serial) = serial.parse() {
                                        let _ = notices.send(RevocationNotice {
                                            ca: ca.to_owned(),
                                            serial,
                                        });
                                    }
                                }
                            }
                            // PgListener reconnects on the next call; pause so a database
                            // that is down is not hammered.
                            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
                        }
                        if notices.receiver_count() == 0 {
                            // Nobody listens any more: the next subscriber starts anew.
                            *flag.lock().await = false;
                            break;
                        }
                    }
                });
                *listening = true;
            }
        }
        Ok(receiver)
    }
}
