//! CRL publication: a fresh CRL whenever a revocation has taken effect that the latest CRL
//! does not list yet, and before the latest one gets old (EN 319 411-1 CSS-6.3.9-05 asks for
//! one every 24 hours; Jeton publishes within `crl_interval` of a revocation).
//!
//! Revocations are never removed (there is no hold), so "the latest CRL lists fewer entries
//! than there are effective revocations" is exactly "a revocation is missing".

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jeton_pki::{count_crl_entries, encode_crl, CrlInfo, NextUpdate, Revocation};

use super::records::{StatusRecords, StoredCrl};
use super::services::{HeldCrl, Services};
use super::ServerError;

/// When CRLs are published.
#[derive(Clone, Copy, Debug)]
pub struct CrlTiming {
    /// Longest delay between a revocation taking effect and a CRL listing it.
    pub interval: Duration,
    /// nextUpdate − thisUpdate.
    pub validity: Duration,
}

/// What the publisher remembers between rounds: every revocation of its CA, followed from a
/// cursor (a million rows are read once, not every round), and the entry count of the
/// latest CRL it has read, by number (a CRL of a million entries is counted once).
#[derive(Default)]
pub struct Publisher {
    revocations: HashSet<BySerial>,
    cursor: i64,
    counted: Option<(u64, usize)>,
}

/// Revocations read per query while catching up.
const PAGE: u32 = 50_000;

/// A revocation, equal to another of the same serial: the set holds the latest of each.
struct BySerial(Revocation);

impl PartialEq for BySerial {
    fn eq(&self, other: &Self) -> bool {
        self.0.serial == other.0.serial
    }
}

impl Eq for BySerial {}

impl std::hash::Hash for BySerial {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.serial.as_bytes().hash(state)
    }
}

/// The result of one round.
#[derive(Debug, PartialEq, Eq)]
pub struct Round {
    /// The CRL published, if one was.
    pub published: Option<u64>,
    /// The next time a revocation dated in the future takes effect.
    pub next_revocation: Option<SystemTime>,
}

impl Publisher {
    /// Publishes a CRL of CA number `ca_index` if one is needed at `now`.
    pub async fn round<S: StatusRecords>(
        &mut self,
        services: &Arc<Services<S>>,
        ca_index: usize,
        timing: CrlTiming,
        now: SystemTime,
    ) -> Result<Round, ServerError> {
        let ca = &services.cas[ca_index];
        loop {
            let (page, next) = services
                .records
                .revoked_since(&ca.name, self.cursor, PAGE)
                .await?;
            let full = page.len() as u32 >= PAGE && next != self.cursor;
            for r in page {
                // A later row for the same serial is the revocation brought forward or its
                // reason raised: it replaces the earlier one.
                self.revocations.replace(BySerial(r));
            }
            self.cursor = next;
            if !full {
                break;
            }
        }
        let mut effective = 0;
        let mut next_revocation: Option<SystemTime> = None;
        for BySerial(r) in &self.revocations {
            if r.revoked_at <= now {
                effective += 1;
            } else {
                next_revocation =
                    Some(next_revocation.map_or(r.revoked_at, |t| t.min(r.revoked_at)));
            }
        }
        // What the database holds now (another process may have published), without its
        // DER; the DER is read only when it is newer than the one held in memory.
        let latest = services.records.latest_crl_meta(&ca.name).await?;
        let held = match (ca.held_crl(), latest) {
            (Some(h), Some(l)) if h.number >= l.number => Some(h),
            (_, Some(_)) => match services.records.latest_crl(&ca.name).await? {
                Some(crl) => {
                    let crl = Arc::new(HeldCrl::of(crl));
                    ca.hold_crl(Arc::clone(&crl));
                    Some(crl)
                }
                None => None,
            },
            (_, None) => None,
        };
        let needed = match &held {
            None => true,
            Some(crl) => {
                let listed = match self.counted {
                    Some((number, count)) if number == crl.number => count,
                    _ => {
                        let count = count_crl_entries(&crl.der).unwrap_or(0);
                        self.counted = Some((crl.number, count));
                        count
                    }
                };
                let halfway = crl
                    .next_update
                    .map(|next| {
                        let life = next.duration_since(crl.this_update).unwrap_or_default();
                        now >= crl.this_update + life / 2
                    })
                    .unwrap_or(false);
                listed < effective || halfway
            }
        };
        if !needed {
            return Ok(Round {
                published: None,
                next_revocation,
            });
        }
        let number = services.records.next_crl_number(&ca.name).await?;
        let (certificate, signer) = (ca.certificate(), ca.crl_signer());
        let count = effective;
        let info = CrlInfo {
            number,
            this_update: now,
            next_update: NextUpdate::At(now + timing.validity),
            // EN 319 411-2 CSS-6.3.10-05: expired revoked certificates stay listed.
            expired_certs_on_crl: Some(SystemTime::from(
                certificate.tbs_certificate.validity.not_before,
            )),
        };
        // A large CRL takes a while to sign and encode: off the async workers, the list lent
        // to the blocking thread and given back.
        let revocations = std::mem::take(&mut self.revocations);
        let (revocations, der) = tokio::task::spawn_blocking(move || {
            let mut effective: Vec<&Revocation> = revocations
                .iter()
                .map(|BySerial(r)| r)
                .filter(|r| r.revoked_at <= now)
                .collect();
            // In the order of revocation, then of serial: the same list gives the same CRL.
            effective.sort_unstable_by(|a, b| {
                (a.revoked_at, a.serial.as_bytes()).cmp(&(b.revoked_at, b.serial.as_bytes()))
            });
            let der = encode_crl(certificate, signer, &info, effective);
            (revocations, der)
        })
        .await
        .map_err(|e| {
            // The list went with the thread: read it all again next round.
            self.cursor = 0;
            ServerError::Sign(format!("CRL signing stopped: {e}"))
        })?;
        self.revocations = revocations;
        super::memory::release_free();
        let der = der?;
        let stored = StoredCrl {
            number,
            this_update: now,
            next_update: Some(now + timing.validity),
            der,
        };
        services.records.save_crl(&ca.name, &stored).await?;
        self.counted = Some((number, count));
        ca.hold_crl(Arc::new(HeldCrl::of(stored)));
        // Older CRLs leave the database (archived first): 48 MB each at a million entries.
        match services.records.prune_crls(&ca.name).await {
            Ok(pruned) if !pruned.is_empty() => {
                tracing::info!(ca = %ca.name, count = pruned.len(), "old CRLs archived")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(ca = %ca.name, error = %e, "archiving old CRLs failed"),
        }
        Ok(Round {
            published: Some(number),
            next_revocation,
        })
    }
}

/// Publishes CRLs of CA number `ca_index` for as long as the server runs: a round every
/// `interval`, right after a revocation of this CA is seen, and when a revocation dated in
/// the future takes effect.
pub async fn run<S: StatusRecords>(services: Arc<Services<S>>, ca_index: usize, timing: CrlTiming) {
    let mut publisher = Publisher::default();
    let ca_name = services.cas[ca_index].name.clone();
    loop {
        let now = SystemTime::now();
        let wait = match publisher.round(&services, ca_index, timing, now).await {
            Ok(round) => {
                if let Some(number) = round.published {
                    tracing::info!(ca = %ca_name, number, "CRL published");
                }
                let until_due = round
                    .next_revocation
                    .and_then(|t| t.duration_since(now).ok())
                    .unwrap_or(timing.interval);
                // Just after the due second, so that the revocation is effective then.
                timing.interval.min(until_due + Duration::from_millis(10))
            }
            Err(e) => {
                tracing::warn!(ca = %ca_name, error = %e, "CRL publication failed; retrying");
                timing.interval.min(Duration::from_secs(5))
            }
        };
        let wake = &services.cas[ca_index].crl_wake;
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {
                // Several revocations in a burst make one CRL.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
