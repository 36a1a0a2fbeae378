//! Pre-signed OCSP responses (RFC 5019 §2.2, RFC 6960 §4.2.2.1): one per certificate and
//! CertID hash, signed ahead so that the hot path only looks one up.
//!
//! An entry is served until `fresh_until`: half of its validity, or the moment a revocation
//! dated in the future takes effect, whichever comes first. After that the request takes the
//! slow path (a store read and a live signature), which also puts a fresh entry back.
//!
//! A signer that read the store earlier must not overwrite an entry made from a later read
//! (a refresh that started before a revocation would otherwise put "good" back): every read
//! takes a ticket from one counter, and an entry only replaces one with an older ticket. A
//! "revoked" entry is never replaced by a "good" one: there is no hold.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use jeton_pki::ocsp::CertState;
use jeton_pki::HashAlg;

/// The hashes CertIDs are pre-signed for: SHA-1 (RFC 5019 clients, `openssl ocsp` by default)
/// and SHA-256. Requests in other hashes are signed live.
pub const PRESIGNED_HASHES: [HashAlg; 2] = [HashAlg::Sha1, HashAlg::Sha256];

/// One signed response, ready to send.
#[derive(Debug)]
pub struct Presigned {
    /// The DER OCSPResponse.
    pub der: bytes::Bytes,
    /// Its thisUpdate (HTTP Last-Modified).
    pub this_update: SystemTime,
    /// Its nextUpdate (HTTP Expires).
    pub next_update: SystemTime,
    /// Served until then, re-signed after.
    pub fresh_until: SystemTime,
    /// The strong ETag: a hash of the DER, quoted.
    pub etag: String,
    /// "revoked" (never replaced by "good").
    pub revoked: bool,
    /// The status it says, true until `fresh_until`: requests with a nonce are signed live
    /// from it, without a trip to the store.
    pub state: CertState,
    /// The store-read ticket this entry was made from.
    pub ticket: u64,
}

/// (index of the hash in [`PRESIGNED_HASHES`], serial number octets).
type Key = (u8, Vec<u8>);

/// The pre-signed responses of one CA.
#[derive(Debug, Default)]
pub struct Cache {
    entries: RwLock<HashMap<Key, Arc<Presigned>>>,
    tickets: AtomicU64,
}

fn hash_index(hash: HashAlg) -> Option<u8> {
    PRESIGNED_HASHES
        .iter()
        .position(|h| *h == hash)
        .map(|i| i as u8)
}

impl Cache {
    /// A ticket to take before reading a status from the store.
    pub fn ticket(&self) -> u64 {
        self.tickets.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The response for `serial` in `hash`, if one is fresh at `now`.
    pub fn get(&self, hash: HashAlg, serial: &[u8], now: SystemTime) -> Option<Arc<Presigned>> {
        let key = (hash_index(hash)?, serial.to_vec());
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&key)
            .filter(|p| now < p.fresh_until)
            .map(Arc::clone)
    }

    /// Puts `entry` in unless a newer read already did. Returns whether it went in.
    pub fn put(&self, hash: HashAlg, serial: &[u8], entry: Arc<Presigned>) -> bool {
        let Some(index) = hash_index(hash) else {
            return false;
        };
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        match entries.get(&(index, serial.to_vec())) {
            Some(old) if old.ticket > entry.ticket || (old.revoked && !entry.revoked) => false,
            _ => {
                entries.insert((index, serial.to_vec()), entry);
                true
            }
        }
    }

    /// Forgets `serial`'s responses, so that the next request reads the store.
    pub fn forget(&self, serial: &[u8]) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        for index in 0..PRESIGNED_HASHES.len() as u8 {
            entries.remove(&(index, serial.to_vec()));
        }
    }

    /// The serials with a response due for re-signing at `now`.
    pub fn due(&self, now: SystemTime) -> Vec<Vec<u8>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let mut serials: Vec<Vec<u8>> = entries
            .iter()
            .filter(|(_, p)| now >= p.fresh_until)
            .map(|((_, serial), _)| serial.clone())
            .collect();
        serials.sort();
        serials.dedup();
        serials
    }

    /// Whether `serial` has a response in every pre-signed hash, fresh or not, and whether
    /// they say "revoked".
    pub fn known(&self, serial: &[u8]) -> Option<bool> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let mut revoked = true;
        for index in 0..PRESIGNED_HASHES.len() as u8 {
            revoked &= entries.get(&(index, serial.to_vec()))?.revoked;
        }
        Some(revoked)
    }

    /// Number of responses held.
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no response is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(ticket: u64, revoked: bool, fresh_for: u64) -> Arc<Presigned> {
        let now = SystemTime::now();
        Arc::new(Presigned {
            der: bytes::Bytes::from_static(b"r"),
            this_update: now,
            next_update: now + Duration::from_secs(100),
            fresh_until: now + Duration::from_secs(fresh_for),
            etag: "\"x\"".into(),
            revoked,
            state: if revoked {
                CertState::Revoked {
                    at: now,
                    reason: jeton_pki::RevocationReason::KeyCompromise,
                    invalidity_date: None,
                }
            } else {
                CertState::Good
            },
            ticket,
        })
    }

    #[test]
    fn an_older_read_never_overwrites_a_newer_one() {
        let cache = Cache::default();
        assert!(cache.put(HashAlg::Sha1, b"s", entry(2, true, 50)));
        assert!(!cache.put(HashAlg::Sha1, b"s", entry(1, false, 50)));
        assert!(
            cache
                .get(HashAlg::Sha1, b"s", SystemTime::now())
                .unwrap()
                .revoked
        );
    }

    #[test]
    fn revoked_is_never_replaced_by_good() {
        let cache = Cache::default();
        assert!(cache.put(HashAlg::Sha256, b"s", entry(1, true, 50)));
        assert!(!cache.put(HashAlg::Sha256, b"s", entry(9, false, 50)));
        assert!(cache.put(HashAlg::Sha256, b"s", entry(9, true, 50)));
    }

    #[test]
    fn stale_entries_are_not_served_and_are_due() {
        let cache = Cache::default();
        cache.put(HashAlg::Sha1, b"s", entry(1, false, 0));
        assert!(cache.get(HashAlg::Sha1, b"s", SystemTime::now()).is_none());
        assert_eq!(cache.due(SystemTime::now()), vec![b"s".to_vec()]);
        assert!(cache
            .get(HashAlg::Sha384, b"s", SystemTime::now())
            .is_none());
    }

    #[test]
    fn forgetting_a_serial_sends_its_requests_to_the_store() {
        let cache = Cache::default();
        cache.put(HashAlg::Sha1, b"s", entry(1, false, 50));
        cache.put(HashAlg::Sha256, b"s", entry(1, false, 50));
        assert_eq!(cache.known(b"s"), Some(false));
        cache.forget(b"s");
        assert!(cache.is_empty());
        assert_eq!(cache.known(b"s"), None);
    }
}
