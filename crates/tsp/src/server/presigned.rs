//! Pre-signed OCSP responses (RFC 5019 §2.2, RFC 6960 §4.2.2.1): one per certificate and
//! CertID hash, signed ahead so that the hot path only looks one up.
//!
//! Memory is what answering needs: per certificate its serial, its status and the DER of the
//! response for SHA-1 CertIDs (RFC 5019's hash, what OpenSSL, browsers and Windows send),
//! without the responder certificate every response carries (held once, put back when a
//! response is sent). The response for SHA-256 CertIDs is signed at the first such request,
//! from the status the entry holds (no store read), and kept with it until the entry is
//! re-signed: certificates nobody asks about in SHA-256 cost nothing for it.
//!
//! An entry is served until its nextUpdate, or until a revocation dated in the future takes
//! effect, whichever comes first (`fresh_until`). It is re-signed earlier, at `refresh_at`:
//! between a quarter and a half of its validity, spread at random so that a million
//! responses signed at start do not all fall due in the same second; until its replacement
//! exists the old one is served (it is still valid).
//!
//! A signer that read the store earlier must not overwrite an entry made from a later read
//! (a refresh that started before a revocation would otherwise put "good" back): every read
//! takes a ticket from one counter, and an entry only replaces one with an older ticket; a
//! re-signing from the cache itself replaces only the very entry it started from. A
//! "revoked" entry is never replaced by a "good" one: there is no hold.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::SystemTime;

use jeton_pki::ocsp::CertState;
use jeton_pki::{HashAlg, Revocation};

/// The hashes whose responses are held: SHA-1 (RFC 5019 clients, `openssl ocsp` by default),
/// signed ahead, and SHA-256, signed at the first request. Requests in other hashes are
/// signed live.
pub const PRESIGNED_HASHES: [HashAlg; 2] = [HashAlg::Sha1, HashAlg::Sha256];

/// Independent locks: re-signing one part never holds up readers of the others.
const SHARDS: usize = 64;

/// One signed response, its DER without the shared responder certificate.
#[derive(Debug)]
pub struct Signed {
    /// The DER with the shared certificate cut out at `cut` (`u32::MAX`: it holds none).
    body: Box<[u8]>,
    cut: u32,
    /// 64 bits of SHA-256 over the whole DER: the strong ETag.
    etag: u64,
}

impl Signed {
    /// Keeps `der`, cutting `shared` out of it when it is there.
    pub fn new(der: &[u8], shared: &[u8]) -> Signed {
        let etag = HashAlg::Sha256
            .digest(der)
            .ok()
            .and_then(|d| {
                d.get(..8)
                    .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
            })
            .unwrap_or(0);
        // The responder certificate is the last field of the BasicOCSPResponse, itself the
        // last octets of the OCSPResponse: found at the end without a search.
        let at = if shared.is_empty() {
            None
        } else if der.ends_with(shared) {
            Some(der.len() - shared.len())
        } else {
            der.windows(shared.len()).position(|w| w == shared)
        };
        match at {
            Some(at) => {
                let mut body = Vec::with_capacity(der.len() - shared.len());
                body.extend_from_slice(&der[..at]);
                body.extend_from_slice(&der[at + shared.len()..]);
                Signed {
                    body: body.into_boxed_slice(),
                    cut: at as u32,
                    etag,
                }
            }
            None => Signed {
                body: der.into(),
                cut: u32::MAX,
                etag,
            },
        }
    }

    /// The whole DER, the shared certificate put back.
    pub fn der(&self, shared: &[u8]) -> bytes::Bytes {
        if self.cut == u32::MAX {
            return bytes::Bytes::copy_from_slice(&self.body);
        }
        let at = self.cut as usize;
        let mut der = Vec::with_capacity(self.body.len() + shared.len());
        der.extend_from_slice(&self.body[..at]);
        der.extend_from_slice(shared);
        der.extend_from_slice(&self.body[at..]);
        der.into()
    }
}

/// A response signed at the first request in its hash, with its own times.
#[derive(Debug)]
pub struct OnDemand {
    /// The response.
    pub response: Signed,
    /// Its thisUpdate.
    pub this_update: SystemTime,
    /// Its nextUpdate.
    pub next_update: SystemTime,
}

/// The pre-signed responses of one certificate: SHA-1's signed ahead, SHA-256's on demand.
#[derive(Debug)]
pub struct Entry {
    /// The response for SHA-1 CertIDs ([`PRESIGNED_HASHES`]`[0]`).
    pub response: Signed,
    /// The response for SHA-256 CertIDs, once one was asked for (8 octets until then).
    pub on_demand: OnceLock<Box<OnDemand>>,
    /// Their thisUpdate (HTTP Last-Modified).
    pub this_update: SystemTime,
    /// Their nextUpdate (HTTP Expires).
    pub next_update: SystemTime,
    /// Served until then: nextUpdate, or a revocation dated in the future taking effect.
    pub fresh_until: SystemTime,
    /// Re-signed from then on (the old one still served until the new one is in).
    pub refresh_at: SystemTime,
    /// The status they say, true until `fresh_until`: requests with a nonce are signed live
    /// from it, without a trip to the store.
    pub state: CertState,
    /// A revocation dated after `this_update` (rare: a leaving date), to re-sign from.
    pub pending: Option<Box<Revocation>>,
    /// The store-read ticket this entry was made from.
    pub ticket: u64,
}

impl Entry {
    /// "revoked" (never replaced by "good").
    pub fn revoked(&self) -> bool {
        matches!(self.state, CertState::Revoked { .. })
    }
}

/// What the hot path hands out: one response, whole.
#[derive(Debug)]
pub struct Presigned {
    /// The DER OCSPResponse.
    pub der: bytes::Bytes,
    /// Its thisUpdate (HTTP Last-Modified).
    pub this_update: SystemTime,
    /// Its nextUpdate (HTTP Expires).
    pub next_update: SystemTime,
    /// Until when an HTTP cache may keep it: its re-signing time, or a revocation dated in
    /// the future taking effect.
    pub fresh_until: SystemTime,
    /// The strong ETag, quoted.
    pub etag: String,
    /// "revoked".
    pub revoked: bool,
    /// The status it says.
    pub state: CertState,
}

/// An entry due for re-signing: what the re-signer needs, without holding a lock.
#[derive(Debug)]
pub struct Due {
    /// The serial's content octets.
    pub serial: Box<[u8]>,
    /// The status as the entry knows it, and a pending revocation.
    pub state: CertState,
    /// A revocation dated in the future.
    pub pending: Option<Box<Revocation>>,
    /// The entry's ticket: the new one goes in only over this very entry.
    pub ticket: u64,
}

// Entries boxed: a table keeps spare slots, and a slot is then 24 octets, not 200.
type Shard = RwLock<HashMap<Box<[u8]>, Box<Entry>>>;

/// The pre-signed responses of one CA.
#[derive(Debug)]
pub struct Cache {
    shards: Vec<Shard>,
    hasher: std::collections::hash_map::RandomState,
    tickets: AtomicU64,
    /// The responder certificate every response carries, held once.
    shared: bytes::Bytes,
}

impl Default for Cache {
    fn default() -> Self {
        Cache::new(bytes::Bytes::new())
    }
}

fn hash_index(hash: HashAlg) -> Option<usize> {
    PRESIGNED_HASHES.iter().position(|h| *h == hash)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

impl Cache {
    /// A cache whose responses all carry `shared` (the delegated responder's certificate,
    /// DER; empty when the CA signs its own responses).
    pub fn new(shared: bytes::Bytes) -> Cache {
        Cache {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            hasher: Default::default(),
            tickets: AtomicU64::new(0),
            shared,
        }
    }

    fn shard(&self, serial: &[u8]) -> &Shard {
        &self.shards[(self.hasher.hash_one(serial) as usize) % SHARDS]
    }

    /// The certificate all responses carry.
    pub fn shared(&self) -> &[u8] {
        &self.shared
    }

    /// A ticket to take before reading a status from the store.
    pub fn ticket(&self) -> u64 {
        self.tickets.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The response for `serial` in `hash`, if one is held and valid at `now`.
    pub fn get(&self, hash: HashAlg, serial: &[u8], now: SystemTime) -> Option<Presigned> {
        let index = hash_index(hash)?;
        let entries = read(self.shard(serial));
        let e = entries.get(serial).filter(|e| now < e.fresh_until)?;
        if index == 0 {
            return Some(self.presigned(e, &e.response, e.this_update, e.next_update));
        }
        let later = e.on_demand.get()?;
        Some(self.presigned(e, &later.response, later.this_update, later.next_update))
    }

    /// The response for `serial` in the on-demand hash, signed now by `sign` from the status
    /// the entry holds if it has none yet; None if no entry is valid at `now`. The shard is
    /// only read-locked meanwhile: two requests racing may both sign, one is kept.
    pub fn get_or_sign<E>(
        &self,
        serial: &[u8],
        now: SystemTime,
        sign: impl FnOnce(CertState) -> Result<OnDemand, E>,
    ) -> Result<Option<Presigned>, E> {
        let entries = read(self.shard(serial));
        let Some(e) = entries.get(serial).filter(|e| now < e.fresh_until) else {
            return Ok(None);
        };
        let later = match e.on_demand.get() {
            Some(later) => later,
            None => {
                let signed = Box::new(sign(e.state)?);
                e.on_demand.get_or_init(|| signed)
            }
        };
        Ok(Some(self.presigned(
            e,
            &later.response,
            later.this_update,
            later.next_update,
        )))
    }

    fn presigned(
        &self,
        e: &Entry,
        response: &Signed,
        this_update: SystemTime,
        next_update: SystemTime,
    ) -> Presigned {
        Presigned {
            der: response.der(&self.shared),
            this_update,
            next_update,
            fresh_until: e.refresh_at.min(e.fresh_until),
            etag: format!("\"{:016x}\"", response.etag),
            revoked: e.revoked(),
            state: e.state,
        }
    }

    /// The status a valid entry of `serial` says at `now`, and whether a response is held.
    pub fn state(&self, serial: &[u8], now: SystemTime) -> Option<CertState> {
        let entries = read(self.shard(serial));
        entries
            .get(serial)
            .filter(|e| now < e.fresh_until)
            .map(|e| e.state)
    }

    /// Puts `entry` in unless a newer read already did. Returns whether it went in.
    pub fn put(&self, serial: &[u8], entry: Entry) -> bool {
        let mut entries = write(self.shard(serial));
        match entries.get(serial) {
            Some(old) if old.ticket > entry.ticket || (old.revoked() && !entry.revoked()) => false,
            _ => {
                entries.insert(serial.into(), Box::new(entry));
                true
            }
        }
    }

    /// Puts `entry` in over the entry with ticket `expected` only (a re-signing of that
    /// entry): an entry a revocation put in meanwhile, or none at all, stays as it is.
    pub fn replace(&self, serial: &[u8], expected: u64, entry: Entry) -> bool {
        let mut entries = write(self.shard(serial));
        match entries.get_mut(serial) {
            Some(old) if old.ticket == expected && (entry.revoked() || !old.revoked()) => {
                **old = entry;
                true
            }
            _ => false,
        }
    }

    /// Forgets `serial`'s responses, so that the next request reads the store.
    pub fn forget(&self, serial: &[u8]) {
        write(self.shard(serial)).remove(serial);
    }

    /// The entries due for re-signing at `now`, at most `limit` of them.
    pub fn due(&self, now: SystemTime, limit: usize) -> Vec<Due> {
        let mut due = Vec::new();
        for shard in &self.shards {
            let entries = read(shard);
            for (serial, e) in entries.iter() {
                if due.len() >= limit {
                    return due;
                }
                if now >= e.refresh_at || now >= e.fresh_until {
                    due.push(Due {
                        serial: serial.clone(),
                        state: e.state,
                        pending: e.pending.clone(),
                        ticket: e.ticket,
                    });
                }
            }
        }
        due
    }

    /// Whether `serial` has responses, fresh or not, and whether they say "revoked".
    pub fn known(&self, serial: &[u8]) -> Option<bool> {
        read(self.shard(serial)).get(serial).map(|e| e.revoked())
    }

    /// Number of certificates with responses held.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| read(s).len()).sum()
    }

    /// Whether no response is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The newer and the older set of never-issued serials.
type Generations = (HashSet<Box<[u8]>>, HashSet<Box<[u8]>>);

/// Serials the store said were never issued, so that asking again for one costs no database
/// read. Bounded: two generations of at most `capacity` each, the older dropped when the
/// newer fills. An entry goes in only if no issuance was seen since the read that found the
/// serial unknown (`epoch`); issuance seen later removes the serial ([`Negative::issued`]).
#[derive(Debug)]
pub struct Negative {
    capacity: usize,
    sets: Mutex<Generations>,
    epoch: AtomicU64,
}

impl Negative {
    /// At most 2 × `capacity` serials.
    pub fn new(capacity: usize) -> Negative {
        Negative {
            capacity: capacity.max(1),
            sets: Mutex::default(),
            epoch: AtomicU64::new(0),
        }
    }

    fn sets(&self) -> std::sync::MutexGuard<'_, Generations> {
        self.sets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// To take before reading the store for a serial that may be unknown.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Whether `serial` is known never to have been issued.
    pub fn contains(&self, serial: &[u8]) -> bool {
        let sets = self.sets();
        sets.0.contains(serial) || sets.1.contains(serial)
    }

    /// The store said `serial` was never issued, in a read after `epoch` was taken.
    pub fn insert(&self, serial: &[u8], epoch: u64) {
        let mut sets = self.sets();
        // Checked under the lock `issued` takes too: an issuance seen since wins.
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        if sets.0.len() >= self.capacity {
            sets.1 = std::mem::take(&mut sets.0);
        }
        sets.0.insert(serial.into());
    }

    /// These serials were just seen issued (by this process or any other).
    pub fn issued<'a>(&self, serials: impl IntoIterator<Item = &'a [u8]>) {
        let mut sets = self.sets();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        for serial in serials {
            sets.0.remove(serial);
            sets.1.remove(serial);
        }
    }

    /// Number of serials held.
    pub fn len(&self) -> usize {
        let sets = self.sets();
        sets.0.len() + sets.1.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(ticket: u64, revoked: bool, fresh_for: u64) -> Entry {
        let now = SystemTime::now();
        Entry {
            response: Signed::new(b"r-CERT-r", b"CERT"),
            on_demand: OnceLock::new(),
            this_update: now,
            next_update: now + Duration::from_secs(100),
            fresh_until: now + Duration::from_secs(fresh_for),
            refresh_at: now + Duration::from_secs(fresh_for / 2),
            state: if revoked {
                CertState::Revoked {
                    at: now,
                    reason: jeton_pki::RevocationReason::KeyCompromise,
                    invalidity_date: None,
                }
            } else {
                CertState::Good
            },
            pending: None,
            ticket,
        }
    }

    fn cache() -> Cache {
        Cache::new(bytes::Bytes::from_static(b"CERT"))
    }

    #[test]
    fn the_shared_certificate_is_held_once_and_put_back() {
        let s = Signed::new(b"r-CERT-r", b"CERT");
        assert_eq!(&*s.body, b"r--r");
        assert_eq!(&s.der(b"CERT")[..], b"r-CERT-r");
        let alone = Signed::new(b"plain", b"CERT");
        assert_eq!(&alone.der(b"CERT")[..], b"plain");
    }

    #[test]
    fn an_older_read_never_overwrites_a_newer_one() {
        let cache = cache();
        assert!(cache.put(b"s", entry(2, true, 50)));
        assert!(!cache.put(b"s", entry(1, false, 50)));
        let got = cache.get(HashAlg::Sha1, b"s", SystemTime::now()).unwrap();
        assert!(got.revoked);
        assert_eq!(&got.der[..], b"r-CERT-r");
    }

    #[test]
    fn revoked_is_never_replaced_by_good() {
        let cache = cache();
        assert!(cache.put(b"s", entry(1, true, 50)));
        assert!(!cache.put(b"s", entry(9, false, 50)));
        assert!(cache.put(b"s", entry(9, true, 50)));
        assert!(!cache.replace(b"s", 9, entry(9, false, 50)));
    }

    #[test]
    fn a_re_signing_replaces_only_the_entry_it_started_from() {
        let cache = cache();
        cache.put(b"s", entry(1, false, 50));
        assert!(cache.replace(b"s", 1, entry(1, false, 60)));
        // A revocation's refresh went in meanwhile (ticket 5), or dropped the entry.
        cache.put(b"s", entry(5, true, 50));
        assert!(!cache.replace(b"s", 1, entry(1, false, 60)));
        cache.forget(b"s");
        assert!(!cache.replace(b"s", 5, entry(5, true, 60)));
        assert!(cache.is_empty());
    }

    #[test]
    fn due_entries_are_still_served_until_they_expire() {
        let cache = cache();
        let mut e = entry(1, false, 50);
        e.refresh_at = SystemTime::now() - Duration::from_secs(1);
        cache.put(b"s", e);
        assert!(cache.get(HashAlg::Sha1, b"s", SystemTime::now()).is_some());
        assert_eq!(cache.due(SystemTime::now(), 10).len(), 1);
        cache.put(b"t", entry(1, false, 0));
        assert!(cache.get(HashAlg::Sha1, b"t", SystemTime::now()).is_none());
        assert!(cache
            .get(HashAlg::Sha384, b"s", SystemTime::now())
            .is_none());
    }

    #[test]
    fn forgetting_a_serial_sends_its_requests_to_the_store() {
        let cache = cache();
        cache.put(b"s", entry(1, false, 50));
        assert_eq!(cache.known(b"s"), Some(false));
        cache.forget(b"s");
        assert!(cache.is_empty());
        assert_eq!(cache.known(b"s"), None);
    }

    #[test]
    fn the_negative_cache_is_bounded_and_yields_to_issuance() {
        let n = Negative::new(2);
        for i in 0..10u8 {
            n.insert(&[i], n.epoch());
        }
        assert!(n.len() <= 4);
        assert!(n.contains(&[9]));
        n.issued([&[9u8][..]]);
        assert!(!n.contains(&[9]));
        // A read that began before an issuance was seen does not put its serial in.
        let epoch = n.epoch();
        n.issued([&[7u8][..]]);
        n.insert(&[7], epoch);
        assert!(!n.contains(&[7]));
    }
}
