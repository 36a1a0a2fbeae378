//! The status services over the provider's database ([`Store`]): the [`StatusRecords`] it
//! answers, and the services set up from the CAs, responders and TSA it records.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use der::Decode;
use jeton_pki::Certificate;
use tokio::sync::{broadcast, mpsc, Mutex};
use x509_cert::serial_number::SerialNumber;

use super::records::{
    CertCursor, CrlMeta, Issued, RecordsError, RevocationEvent, StatusRecords, StoredCrl,
};
use super::services::{CaService, Services, TsaService};
use super::{ServerConfig, ServerError};
use crate::ca::{load_key, role_of, KeyRef};
use crate::keys::RoleSecrets;
use crate::store::{Actor, CaRecord, CrlRecord, Serial, Status, Store, StoreError};

/// Who the audit log names for what the server does (publishing CRLs).
pub const ACTOR: &str = "jeton server";

/// Time-stamp serials are taken from the database this many at a time.
const TSA_SERIAL_BLOCK: u32 = 256;

/// The provider's database as the status services read it.
pub struct DatabaseRecords {
    store: Store,
    poll_interval: Duration,
    tsa_serials: Mutex<Range<u64>>,
    crl_archive: Option<(PathBuf, usize)>,
}

impl DatabaseRecords {
    /// Reads `store`; revocations a notification missed are polled every `poll_interval`.
    pub fn new(store: Store, poll_interval: Duration) -> Self {
        DatabaseRecords {
            store,
            poll_interval,
            tsa_serials: Mutex::new(0..0),
            crl_archive: None,
        }
    }

    /// Keeps the newest `keep` CRLs of each CA in the database; older ones are archived as
    /// files in `dir` first (`{ca}-{number}.crl`, mode 0600). Without it nothing is pruned.
    pub fn with_crl_archive(mut self, dir: PathBuf, keep: usize) -> Self {
        self.crl_archive = Some((dir, keep));
        self
    }

    /// The store read.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// Writes `der` to `dir/name`, mode 0600, so that a crash leaves the file whole or absent:
/// a temporary file written and synced, renamed, the folder synced.
fn archive_file(dir: &Path, name: &str, der: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let path = dir.join(name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(der)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, &path)?;
    std::fs::File::open(dir)?.sync_all()
}

fn unavailable(e: StoreError) -> RecordsError {
    RecordsError(e.to_string())
}

/// A u64 as a positive DER INTEGER.
fn serial_number(n: u64) -> Result<SerialNumber, RecordsError> {
    Ok(Serial::from_bytes(&n.to_be_bytes()).to_serial_number())
}

impl StatusRecords for DatabaseRecords {
    async fn ca_certificate(&self, ca: &str) -> Result<Option<Vec<u8>>, RecordsError> {
        match self.store.ca(ca).await {
            Ok(record) => Ok(Some(record.certificate)),
            Err(StoreError::UnknownCa(_)) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn issued(
        &self,
        ca: &str,
        serial: &SerialNumber,
    ) -> Result<Option<Issued>, RecordsError> {
        // One query for "issued?" and the revocation with its time, even a future one: the
        // status as of the end of time.
        let end_of_time = SystemTime::now() + Duration::from_secs(200 * 365 * 86_400);
        let status = self
            .store
            .status_of(ca, &Serial::of(serial), end_of_time)
            .await
            .map_err(unavailable)?;
        Ok(match status {
            Status::Unknown => None,
            Status::Good => Some(Issued {
                serial: serial.clone(),
                revocation: None,
            }),
            Status::Revoked { at, reason } => {
                // Only a revoked certificate pays this read: its invalidity date, which the
                // answer carries (RFC 6960 §4.4.5).
                let invalidity_date = self
                    .store
                    .revocation(ca, &Serial::of(serial))
                    .await
                    .map_err(unavailable)?
                    .and_then(|r| r.invalidity_date);
                Some(Issued {
                    serial: serial.clone(),
                    revocation: Some(jeton_pki::Revocation {
                        serial: serial.clone(),
                        revoked_at: at,
                        reason,
                        invalidity_date,
                    }),
                })
            }
        })
    }

    async fn issued_since(
        &self,
        ca: &str,
        after: &CertCursor,
        limit: u32,
    ) -> Result<(Vec<Issued>, CertCursor), RecordsError> {
        let rows = self
            .store
            .certificates_since(ca, after, limit)
            .await
            .map_err(unavailable)?;
        let cursor = rows
            .last()
            .map_or_else(|| after.clone(), |r| r.cursor.clone());
        let issued = rows
            .into_iter()
            .map(|r| Issued {
                serial: r.serial.to_serial_number(),
                revocation: r.revocation.map(|r| r.to_crl_entry()),
            })
            .collect();
        Ok((issued, cursor))
    }

    async fn revoked(&self, ca: &str) -> Result<Vec<jeton_pki::Revocation>, RecordsError> {
        Ok(self
            .store
            .revocations(Some(ca))
            .await
            .map_err(unavailable)?
            .iter()
            .map(|r| r.to_crl_entry())
            .collect())
    }

    async fn revoked_since(
        &self,
        ca: &str,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<jeton_pki::Revocation>, i64), RecordsError> {
        let rows = self
            .store
            .revocations_of_since(ca, after, limit)
            .await
            .map_err(unavailable)?;
        let cursor = rows.last().map_or(after, |r| r.id);
        Ok((rows.iter().map(|r| r.to_crl_entry()).collect(), cursor))
    }

    async fn latest_crl(&self, ca: &str) -> Result<Option<StoredCrl>, RecordsError> {
        Ok(self
            .store
            .latest_crl(ca)
            .await
            .map_err(unavailable)?
            .map(|c| StoredCrl {
                number: c.number,
                this_update: c.this_update,
                next_update: c.next_update,
                der: c.der,
            }))
    }

    async fn latest_crl_meta(&self, ca: &str) -> Result<Option<CrlMeta>, RecordsError> {
        self.store.latest_crl_meta(ca).await.map_err(unavailable)
    }

    async fn prune_crls(&self, ca: &str) -> Result<Vec<u64>, RecordsError> {
        let Some((dir, keep)) = &self.crl_archive else {
            return Ok(Vec::new());
        };
        let mut pruned = Vec::new();
        for number in self
            .store
            .crls_beyond(ca, (*keep).max(1))
            .await
            .map_err(unavailable)?
        {
            // One at a time: a CRL of a million entries is 48 MB.
            let Some(crl) = self.store.crl(ca, number).await.map_err(unavailable)? else {
                continue;
            };
            let dir = dir.clone();
            let name = format!("{ca}-{number:010}.crl");
            // Archived (durably) before the row goes: a crash leaves a copy at least.
            tokio::task::spawn_blocking(move || archive_file(&dir, &name, &crl.der))
                .await
                .map_err(|e| RecordsError(format!("archiving CRL {number}: {e}")))?
                .map_err(|e| RecordsError(format!("archiving CRL {number}: {e}")))?;
            self.store
                .delete_crl(ca, number)
                .await
                .map_err(unavailable)?;
            pruned.push(number);
        }
        Ok(pruned)
    }

    async fn next_crl_number(&self, ca: &str) -> Result<u64, RecordsError> {
        self.store.next_crl_number(ca).await.map_err(unavailable)
    }

    async fn save_crl(&self, ca: &str, crl: &StoredCrl) -> Result<(), RecordsError> {
        let record = CrlRecord {
            ca: ca.to_owned(),
            number: crl.number,
            der: crl.der.clone(),
            this_update: crl.this_update,
            next_update: crl.next_update,
        };
        self.store
            .store_crl(&record, Actor::unsigned(ACTOR))
            .await
            .map_err(unavailable)
    }

    async fn next_tsa_serial(&self) -> Result<SerialNumber, RecordsError> {
        let mut block = self.tsa_serials.lock().await;
        if block.is_empty() {
            *block = self
                .store
                .reserve_tsa_serials(TSA_SERIAL_BLOCK)
                .await
                .map_err(unavailable)?;
        }
        let n = block.start;
        block.start += 1;
        serial_number(n)
    }

    async fn audit_head(&self) -> Result<Option<crate::audit::SignedHead>, RecordsError> {
        self.store.latest_signed_head().await.map_err(unavailable)
    }

    async fn revocations(&self) -> Result<mpsc::Receiver<RevocationEvent>, RecordsError> {
        let mut notices = self
            .store
            .subscribe_revocations()
            .await
            .map_err(unavailable)?;
        // The cursor starts at the newest revocation: the caller rescans everything after
        // subscribing.
        let mut cursor = self
            .store
            .revocations_since(0)
            .await
            .map_err(unavailable)?
            .last()
            .map_or(0, |r| r.id);
        let (sender, receiver) = mpsc::channel(1024);
        let store = self.store.clone();
        let poll = self.poll_interval;
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(poll);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let events = tokio::select! {
                    notice = notices.recv() => match notice {
                        Ok(n) => vec![RevocationEvent { ca: n.ca, serial: n.serial.to_serial_number() }],
                        // Lagged: the poll below catches up.
                        Err(broadcast::error::RecvError::Lagged(_)) => Vec::new(),
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = ticker.tick() => match store.revocations_since(cursor).await {
                        Ok(records) => {
                            if let Some(last) = records.last() {
                                cursor = last.id;
                            }
                            records
                                .into_iter()
                                .map(|r| RevocationEvent { ca: r.ca, serial: r.serial.to_serial_number() })
                                .collect()
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "polling revocations failed");
                            Vec::new()
                        }
                    },
                };
                for event in events {
                    if sender.send(event).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(receiver)
    }
}

fn certificate(record: &CaRecord) -> Result<Certificate, ServerError> {
    Certificate::from_der(&record.certificate).map_err(|e| {
        ServerError::Setup(format!(
            "the certificate recorded for `{}` does not parse: {e}",
            record.name
        ))
    })
}

/// The services for the CAs, responders and TSA recorded in `store`, as `config` selects
/// them, each key opened with its role's secret in `secrets` (the passphrase of its key
/// file or the token's PIN): every issuing CA (each answered by the delegated responder it
/// issued, if any, else by its own key) and the TSA.
pub async fn services(
    store: Store,
    config: &ServerConfig,
    secrets: &RoleSecrets,
) -> Result<Services<DatabaseRecords>, ServerError> {
    let records = store.cas().await?;
    let open = |r: &CaRecord| {
        let text = config.keys.get(&r.name).unwrap_or(&r.key_ref);
        KeyRef::parse(text)
            .and_then(|key_ref| load_key(&key_ref, secrets.get(role_of(r)?)?))
            .map_err(|e| ServerError::Setup(format!("the key of `{}`: {e}", r.name)))
    };
    let wanted: Vec<&CaRecord> = match &config.cas {
        Some(names) => names
            .iter()
            .map(|n| {
                records.iter().find(|r| &r.name == n).ok_or_else(|| {
                    ServerError::Setup(format!(
                        "no CA named `{n}` in the store: `jeton ca list` shows them"
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
        None => records.iter().filter(|r| r.role == "issuing-ca").collect(),
    };
    let mut cas = Vec::with_capacity(wanted.len());
    for ca in wanted {
        let responder = records
            .iter()
            .find(|r| r.role == "ocsp-responder" && r.issuer.as_deref() == Some(&ca.name));
        let ocsp = match responder {
            Some(r) => Some((certificate(r)?, open(r)?)),
            None => None,
        };
        cas.push(CaService::new(
            ca.name.clone(),
            certificate(ca)?,
            open(ca)?,
            ocsp,
            config.ocsp_validity,
        )?);
    }
    let tsa_record =
        match &config.tsa {
            Some(name) => Some(records.iter().find(|r| &r.name == name).ok_or_else(|| {
                ServerError::Setup(format!("no TSA named `{name}` in the store"))
            })?),
            None => records.iter().find(|r| r.role == "tsa"),
        };
    let tsa = match tsa_record {
        Some(r) => Some(TsaService::new(
            certificate(r)?,
            open(r)?,
            config.tsa_policy,
            config.tsa_accuracy,
            config.tsa_qualified,
        )?),
        None => None,
    };
    // Pruned CRLs go to the provider folder, beside the database (or where configured).
    let archive = config.crl_archive.clone().or_else(|| {
        store
            .sqlite_path()
            .and_then(|p| p.parent().map(|d| d.join("crl-archive")))
    });
    let mut records = DatabaseRecords::new(store, config.poll_interval);
    if let Some(dir) = archive {
        records = records.with_crl_archive(dir, config.crl_keep);
    }
    Ok(Services { records, cas, tsa })
}
