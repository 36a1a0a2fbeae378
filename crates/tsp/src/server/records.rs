//! What the status services need from storage, and nothing more (STYLE: a narrow trait at a
//! boundary that may change). The provider's database implements it in `server::database` (the `Store` of this crate);
//! unit tests use an in-memory double.

use std::future::Future;
use std::time::SystemTime;

use jeton_pki::ocsp::CertState;
use jeton_pki::Revocation;
use tokio::sync::mpsc;

pub use crate::store::{CertCursor, CrlMeta};
use x509_cert::serial_number::SerialNumber;

/// The store could not answer (database down, corrupt row…). OCSP answers `tryLater`, HTTP
/// answers 503; nothing is cached from a failed read.
#[derive(Debug, thiserror::Error)]
#[error("certificate store: {0}")]
pub struct RecordsError(pub String);

/// One certificate a CA issued, with its revocation if it has one (possibly dated in the
/// future: it takes effect at `revoked_at`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The certificate's serial number.
    pub serial: SerialNumber,
    /// Its revocation, effective from `revoked_at`.
    pub revocation: Option<Revocation>,
}

impl Issued {
    /// The state OCSP reports at `at`: revoked once the revocation's time has come.
    pub fn state_at(&self, at: SystemTime) -> CertState {
        match &self.revocation {
            Some(r) if r.revoked_at <= at => CertState::Revoked {
                at: r.revoked_at,
                reason: r.reason,
                invalidity_date: r.invalidity_date,
            },
            _ => CertState::Good,
        }
    }

    /// When the state changes next after `at`: the time of a revocation still to come.
    pub fn changes_after(&self, at: SystemTime) -> Option<SystemTime> {
        self.revocation
            .as_ref()
            .map(|r| r.revoked_at)
            .filter(|t| *t > at)
    }
}

/// A CRL as stored: its DER and the fields a publisher compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCrl {
    /// cRLNumber.
    pub number: u64,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate (None for the CA's last CRL).
    pub next_update: Option<SystemTime>,
    /// The signed CRL.
    pub der: Vec<u8>,
}

/// A revocation just committed (by any process): the serial whose status changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationEvent {
    /// The name of the issuing CA.
    pub ca: String,
    /// The revoked certificate's serial.
    pub serial: SerialNumber,
}

/// The server's view of the provider's records.
pub trait StatusRecords: Send + Sync + 'static {
    /// The DER certificate of the CA called `ca`, if there is one.
    fn ca_certificate(
        &self,
        ca: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, RecordsError>> + Send;

    /// The issuing record of `serial` among `ca`'s certificates (None: never issued).
    fn issued(
        &self,
        ca: &str,
        serial: &SerialNumber,
    ) -> impl Future<Output = Result<Option<Issued>, RecordsError>> + Send;

    /// At most `limit` certificates `ca` issued after `after` in issue order (by any
    /// process), revoked or not, expired or not (status outlives expiry, EN 319 411-2
    /// CSS-6.3.10-02), and where the next call resumes: a follower reads each row once.
    fn issued_since(
        &self,
        ca: &str,
        after: &CertCursor,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<Issued>, CertCursor), RecordsError>> + Send;

    /// The revocations of `ca`, those dated in the future too: what its CRLs are made of.
    fn revoked(
        &self,
        ca: &str,
    ) -> impl Future<Output = Result<Vec<Revocation>, RecordsError>> + Send;

    /// At most `limit` revocations of `ca` recorded or changed (brought forward, reason
    /// raised) after cursor `after` (0: from the first), and where the next call resumes: a
    /// CRL publisher keeps the list and reads each change once. By default the whole list
    /// every time, with the cursor unchanged.
    fn revoked_since(
        &self,
        ca: &str,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<Revocation>, i64), RecordsError>> + Send {
        let _ = limit;
        async move { Ok((self.revoked(ca).await?, after)) }
    }

    /// The newest CRL of `ca`.
    fn latest_crl(
        &self,
        ca: &str,
    ) -> impl Future<Output = Result<Option<StoredCrl>, RecordsError>> + Send;

    /// The newest CRL of `ca` without its DER.
    fn latest_crl_meta(
        &self,
        ca: &str,
    ) -> impl Future<Output = Result<Option<CrlMeta>, RecordsError>> + Send;

    /// Keeps the newest CRLs of `ca` (as many as configured) and archives the older ones
    /// out of the database; returns the numbers archived.
    fn prune_crls(&self, ca: &str) -> impl Future<Output = Result<Vec<u64>, RecordsError>> + Send;

    /// Allocates the next cRLNumber of `ca` (strictly increasing, unique across processes).
    fn next_crl_number(&self, ca: &str) -> impl Future<Output = Result<u64, RecordsError>> + Send;

    /// Records a CRL of `ca` (and audits it), making it the latest when its number is the
    /// highest.
    fn save_crl(
        &self,
        ca: &str,
        crl: &StoredCrl,
    ) -> impl Future<Output = Result<(), RecordsError>> + Send;

    /// A serial number never given to another time-stamp.
    fn next_tsa_serial(&self) -> impl Future<Output = Result<SerialNumber, RecordsError>> + Send;

    /// The audit log's latest signed head, for `GET /audit/head`.
    fn audit_head(
        &self,
    ) -> impl Future<Output = Result<Option<crate::audit::SignedHead>, RecordsError>> + Send;

    /// Revocations as they are committed, by this process or any other on the same database.
    /// The channel closes when the feed is lost; the server then resubscribes and rescans.
    fn revocations(
        &self,
    ) -> impl Future<Output = Result<mpsc::Receiver<RevocationEvent>, RecordsError>> + Send;
}
