//! The status services behind the HTTP routes: OCSP (pre-signed or live), CRLs, CA
//! certificates and time-stamps, over a [`StatusRecords`].

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use der::asn1::{Null, OctetString};
use der::{Any, Encode};
use jeton_pki::ocsp::{CertState, Request, RequestError};
use jeton_pki::timestamp;
use jeton_pki::{Certificate, HashAlg, OcspResponse, Responder, Signer, Tsa};
use spki::AlgorithmIdentifierOwned;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::CertId;

use super::presigned::{
    Cache, Due, Entry, Negative, OnDemand, Presigned, Signed, PRESIGNED_HASHES,
};
use super::records::{Issued, StatusRecords, StoredCrl};
use super::ServerError;
use crate::store::CertCursor;

/// CertIDs answered in one request. RFC 5019 clients send one; OpenSSL, NSS and the PKCS#11
/// module ask about a chain at most a few long. Each CertID that is not pre-signed may cost a
/// database read and makes the live signature's response longer, so a request for many
/// (`jeton_pki::ocsp::MAX_CERT_IDS`, 100, is the parser's DER-level bound) would make one
/// request cost a hundred: above this the request is malformedRequest (RFC 6960 §2.3).
pub const MAX_CERT_IDS: usize = 10;

/// Never-issued serials remembered, per generation (two are kept): 2 × 50,000 × ~60 octets.
pub const NEGATIVE_CAPACITY: usize = 50_000;

/// Certificates read from the store per query while following issuance.
const PAGE: u32 = 20_000;

/// The latest CRL of a CA, held for GET: its ETag and Last-Modified are checked against the
/// request before anything else.
#[derive(Debug)]
pub struct HeldCrl {
    /// cRLNumber.
    pub number: u64,
    /// thisUpdate (Last-Modified).
    pub this_update: SystemTime,
    /// nextUpdate (Expires).
    pub next_update: Option<SystemTime>,
    /// The DER, shared by every response.
    pub der: bytes::Bytes,
    /// The strong ETag, quoted.
    pub etag: String,
}

impl HeldCrl {
    /// From a stored CRL.
    pub fn of(crl: StoredCrl) -> HeldCrl {
        HeldCrl {
            number: crl.number,
            this_update: crl.this_update,
            next_update: crl.next_update,
            etag: format!("\"crl-{}\"", crl.number),
            der: bytes::Bytes::from(crl.der),
        }
    }
}

/// One CA the server answers for: its certificate, its OCSP responder and CRL key, and its
/// pre-signed responses.
pub struct CaService {
    /// The CA's name (in the store and in URLs).
    pub name: String,
    /// The CA certificate, DER.
    pub certificate_der: bytes::Bytes,
    certificate: &'static Certificate,
    crl_signer: &'static dyn Signer,
    responder: Responder<'static>,
    // CertID issuerNameHash and issuerKeyHash for each pre-signed hash.
    issuer_hashes: Vec<(HashAlg, OctetString, OctetString)>,
    /// The pre-signed responses.
    pub cache: Cache,
    /// Serials the store said were never issued.
    pub negative: Negative,
    /// Where following issuance resumes.
    cursor: tokio::sync::Mutex<CertCursor>,
    /// Every certificate read once and pre-signed.
    ready: AtomicBool,
    /// The latest CRL, for GET.
    crl: RwLock<Option<Arc<HeldCrl>>>,
    /// Wakes the CRL publisher when a revocation of this CA is seen.
    pub crl_wake: tokio::sync::Notify,
    validity: Duration,
}

// The CA certificate and keys live as long as the process: the responder borrows them.
fn keep<T: ?Sized>(value: Box<T>) -> &'static T {
    Box::leak(value)
}

impl CaService {
    /// A CA answered by its own key (`ocsp` None) or by a delegated responder. `validity` is
    /// nextUpdate − thisUpdate of the OCSP responses.
    pub fn new(
        name: String,
        certificate: Certificate,
        ca_signer: Box<dyn Signer>,
        ocsp: Option<(Certificate, Box<dyn Signer>)>,
        validity: Duration,
    ) -> Result<Self, ServerError> {
        let certificate_der = bytes::Bytes::from(certificate.to_der()?);
        // Every response carries the delegated responder's certificate: held once.
        let shared = match &ocsp {
            Some((cert, _)) => bytes::Bytes::from(cert.to_der()?),
            None => bytes::Bytes::new(),
        };
        if ca_signer.public_key() != certificate.tbs_certificate.subject_public_key_info {
            return Err(ServerError::Setup(format!(
                "the key configured for CA `{name}` is not its certificate's"
            )));
        }
        let certificate = keep(Box::new(certificate));
        let crl_signer: &'static dyn Signer = keep(ca_signer);
        let (responder_cert, responder_signer) = match ocsp {
            Some((cert, signer)) => (Some(keep(Box::new(cert))), keep(signer)),
            None => (None, crl_signer),
        };
        // RFC 5019 §4 / EN 319 411-2 CSS-6.3.10-10: archiveCutoff is the CA's notBefore.
        let archive_cutoff = SystemTime::from(certificate.tbs_certificate.validity.not_before);
        let responder = Responder::new(
            certificate,
            responder_cert,
            responder_signer,
            validity,
            Some(archive_cutoff),
        )
        .map_err(|e| ServerError::Setup(format!("OCSP responder of CA `{name}`: {e}")))?;
        let subject = certificate.tbs_certificate.subject.to_der()?;
        let key = certificate
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let mut issuer_hashes = Vec::new();
        for hash in PRESIGNED_HASHES {
            issuer_hashes.push((
                hash,
                OctetString::new(hash.digest(&subject).map_err(crypto)?)?,
                OctetString::new(hash.digest(key).map_err(crypto)?)?,
            ));
        }
        Ok(CaService {
            name,
            certificate_der,
            certificate,
            crl_signer,
            responder,
            issuer_hashes,
            cache: Cache::new(shared),
            negative: Negative::new(NEGATIVE_CAPACITY),
            cursor: tokio::sync::Mutex::new(CertCursor::START),
            ready: AtomicBool::new(false),
            crl: RwLock::new(None),
            crl_wake: tokio::sync::Notify::new(),
            validity,
        })
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &'static Certificate {
        self.certificate
    }

    /// The key CRLs are signed with.
    pub fn crl_signer(&self) -> &'static dyn Signer {
        self.crl_signer
    }

    /// The CertID `openssl ocsp` and most clients send: hash parameters NULL (RFC 6960
    /// §4.1.1 with RFC 3279's SHA-1 identifier).
    fn cert_id(&self, hash: HashAlg, serial: &SerialNumber) -> Option<CertId> {
        let (_, name, key) = self.issuer_hashes.iter().find(|(h, _, _)| *h == hash)?;
        Some(CertId {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: hash.oid(),
                parameters: Some(Any::from(Null)),
            },
            issuer_name_hash: name.clone(),
            issuer_key_hash: key.clone(),
            serial_number: serial.clone(),
        })
    }

    /// Whether every certificate has been read once and pre-signed.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// The latest CRL held, if any.
    pub fn held_crl(&self) -> Option<Arc<HeldCrl>> {
        self.crl.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Holds `crl` unless a newer one is held already.
    pub fn hold_crl(&self, crl: Arc<HeldCrl>) {
        let mut held = self.crl.write().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().is_none_or(|h| h.number < crl.number) {
            *held = Some(crl);
        }
    }

    /// Signs the response for `issued` in the hash signed ahead, as read with `ticket`.
    pub fn presign(
        &self,
        issued: &Issued,
        ticket: u64,
        now: SystemTime,
    ) -> Result<Entry, ServerError> {
        let state = issued.state_at(now);
        let response = self.sign_one(PRESIGNED_HASHES[0], &issued.serial, state, now)?;
        let next_update = now + self.validity;
        let pending = issued.changes_after(now);
        // Re-signed between a quarter and a half of the validity: spread, so that responses
        // signed together do not all fall due together.
        let quarter = self.validity / 4;
        let jitter = quarter.mul_f64(unit_random(issued.serial.as_bytes(), now));
        Ok(Entry {
            response,
            on_demand: Default::default(),
            this_update: now,
            next_update,
            fresh_until: pending.map_or(next_update, |t| t.min(next_update)),
            refresh_at: now + self.validity / 2 - jitter,
            state,
            pending: pending.and(issued.revocation.clone()).map(Box::new),
            ticket,
        })
    }

    /// One response for `serial` in `hash`, saying `state`, signed at `now`.
    fn sign_one(
        &self,
        hash: HashAlg,
        serial: &SerialNumber,
        state: CertState,
        now: SystemTime,
    ) -> Result<Signed, ServerError> {
        let id = self
            .cert_id(hash, serial)
            .ok_or_else(|| ServerError::Sign(format!("no CertID in {hash:?}")))?;
        let basic = self.responder.sign(&[(id, state)], None, now)?;
        let der = OcspResponse::successful(basic)?.to_der()?;
        Ok(Signed::new(&der, self.cache.shared()))
    }

    /// The held response for `serial` in `hash` valid at `now`; the SHA-256 one signed now
    /// from the held status if it is the first request in that hash.
    pub fn held(
        &self,
        hash: HashAlg,
        serial: &SerialNumber,
        now: SystemTime,
    ) -> Result<Option<Presigned>, ServerError> {
        if hash == PRESIGNED_HASHES[0] {
            return Ok(self.cache.get(hash, serial.as_bytes(), now));
        }
        if !PRESIGNED_HASHES.contains(&hash) {
            return Ok(None);
        }
        self.cache.get_or_sign(serial.as_bytes(), now, |state| {
            Ok(OnDemand {
                response: self.sign_one(hash, serial, state, now)?,
                this_update: now,
                next_update: now + self.validity,
            })
        })
    }

    /// Signs and holds `issued`'s responses; the response in `hash` as now held.
    pub fn presign_one(
        &self,
        hash: HashAlg,
        issued: &Issued,
        ticket: u64,
        now: SystemTime,
    ) -> Result<Option<Presigned>, ServerError> {
        let entry = self.presign(issued, ticket, now)?;
        self.cache.put(issued.serial.as_bytes(), entry);
        self.held(hash, &issued.serial, now)
    }
}

/// A number in [0, 1) from `serial` and `now`: jitter without a random number generator.
fn unit_random(serial: &[u8], now: SystemTime) -> f64 {
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let mut h = KEYS.get_or_init(Default::default).build_hasher();
    serial.hash(&mut h);
    now.hash(&mut h);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// What re-signing works on: a certificate's status, the ticket it was read with, and for a
/// re-signing the ticket of the entry it replaces.
struct Job {
    issued: Issued,
    ticket: u64,
    replaces: Option<u64>,
}

impl Job {
    fn of_due(due: Due) -> Option<Job> {
        let serial = SerialNumber::new(&due.serial).ok()?;
        let revocation = match due.state {
            CertState::Revoked {
                at,
                reason,
                invalidity_date,
            } => Some(jeton_pki::Revocation {
                serial: serial.clone(),
                revoked_at: at,
                reason,
                invalidity_date,
            }),
            _ => due.pending.map(|r| *r),
        };
        Some(Job {
            issued: Issued { serial, revocation },
            ticket: due.ticket,
            replaces: Some(due.ticket),
        })
    }
}

/// Set when the future waiting for a batch is dropped (the server stopping aborts its
/// background tasks): the signing threads stop after their current signature, so that a
/// resync of a million certificates never holds up the runtime's shutdown.
#[derive(Default)]
struct Cancel(Arc<AtomicBool>);

impl Drop for Cancel {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Signs `jobs` for `ca` on every core, until `cancelled`; returns the number of
/// certificates signed.
fn sign_all(ca: &CaService, jobs: Vec<Job>, cancelled: &AtomicBool) -> Result<usize, ServerError> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len().max(1));
    let chunk = jobs.len().div_ceil(threads).max(1);
    let done = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut done = 0;
                    for job in part {
                        if cancelled.load(Ordering::Relaxed) {
                            break;
                        }
                        let now = SystemTime::now();
                        let entry = ca.presign(&job.issued, job.ticket, now)?;
                        let serial = job.issued.serial.as_bytes();
                        let put = match job.replaces {
                            Some(ticket) => ca.cache.replace(serial, ticket, entry),
                            None => ca.cache.put(serial, entry),
                        };
                        done += usize::from(put);
                    }
                    Ok::<_, ServerError>(done)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(ServerError::Sign("a signing thread failed".into())))
            })
            .sum::<Result<usize, ServerError>>()
    })?;
    Ok(done)
}

/// What an OCSP request gets.
pub enum OcspAnswer {
    /// A pre-signed response (cacheable by HTTP caches).
    Presigned(Presigned),
    /// A response signed for this request (it has a nonce, or several CertIDs, or a hash
    /// that is not pre-signed); or an unsigned error status.
    Live(Vec<u8>),
    /// `malformedRequest` (RFC 6960 §2.3): HTTP 400 with the OCSP error as body.
    Malformed(Vec<u8>),
}

/// The TSA: its unit and the store that numbers its tokens.
pub struct TsaService {
    tsa: Tsa<'static>,
}

impl TsaService {
    /// A TSU signing with `signer` under `policy`.
    pub fn new(
        certificate: Certificate,
        signer: Box<dyn Signer>,
        policy: der::asn1::ObjectIdentifier,
        accuracy: Duration,
        qualified: bool,
    ) -> Result<Self, ServerError> {
        let millis = accuracy.as_millis().min(999) as u16;
        let accuracy = if accuracy >= Duration::from_secs(1) {
            jeton_pki::TimeAccuracy {
                seconds: accuracy.as_secs(),
                millis: 0,
                micros: 0,
            }
        } else {
            jeton_pki::TimeAccuracy {
                seconds: 0,
                millis,
                micros: 0,
            }
        };
        let tsa = Tsa::new(
            keep(Box::new(certificate)),
            keep(signer),
            policy,
            accuracy,
            qualified,
        )
        .map_err(|e| ServerError::Setup(format!("TSA: {e}")))?;
        Ok(TsaService { tsa })
    }
}

/// What a time-stamp request gets: the TimeStampResp DER, and whether the request itself
/// was bad (HTTP 400).
pub struct TsaAnswer {
    /// The DER TimeStampResp.
    pub der: Vec<u8>,
    /// The request could not be read (badRequest, badDataFormat, badAlg).
    pub bad_request: bool,
}

/// The services over one store.
pub struct Services<S> {
    /// The provider's records.
    pub records: S,
    /// The CAs answered for.
    pub cas: Vec<CaService>,
    /// The TSA, if configured.
    pub tsa: Option<TsaService>,
}

impl<S: StatusRecords> Services<S> {
    /// The CA called `name`.
    pub fn ca(&self, name: &str) -> Option<&CaService> {
        self.cas.iter().find(|c| c.name == name)
    }

    /// Answers an OCSP request: pre-signed when one fits (RFC 5019: one CertID, no nonce),
    /// else from the store and signed now.
    pub async fn ocsp(&self, request: Result<Request, RequestError>) -> OcspAnswer {
        match self.ocsp_der(request).await {
            Ok(answer) => answer,
            // RFC 6960 §2.3: internalError, unsigned.
            Err(_) => OcspAnswer::Live(OcspResponse::internal_error().to_der().unwrap_or_default()),
        }
    }

    async fn ocsp_der(
        &self,
        request: Result<Request, RequestError>,
    ) -> Result<OcspAnswer, ServerError> {
        let request = match request {
            Ok(r) if r.cert_ids.len() <= MAX_CERT_IDS => r,
            _ => {
                return Ok(OcspAnswer::Malformed(
                    OcspResponse::malformed_request().to_der()?,
                ))
            }
        };
        let Some(ca) = self
            .cas
            .iter()
            .find(|c| c.responder.is_ours(&request.cert_ids[0]))
        else {
            return Ok(OcspAnswer::Live(OcspResponse::unauthorized().to_der()?));
        };
        let now = SystemTime::now();
        let single = (request.cert_ids.len() == 1 && request.nonce.is_none())
            .then(|| &request.cert_ids[0])
            .and_then(|id| {
                let hash = HashAlg::from_oid(&id.hash_algorithm.oid)?;
                (ca.cert_id(hash, &id.serial_number).as_ref() == Some(id)).then_some((hash, id))
            });
        if let Some((hash, id)) = single {
            if let Some(p) = ca.held(hash, &id.serial_number, now)? {
                return Ok(OcspAnswer::Presigned(p));
            }
        }
        let mut states = Vec::with_capacity(request.cert_ids.len());
        let mut records = Vec::with_capacity(request.cert_ids.len());
        let ticket = ca.cache.ticket();
        for id in &request.cert_ids {
            if !ca.responder.is_ours(id) {
                return Ok(OcspAnswer::Live(OcspResponse::unauthorized().to_der()?));
            }
            let serial = id.serial_number.as_bytes();
            // A held response knows the status as well as the store: revocations replace it
            // first, and it expires at a revocation dated in the future.
            if let Some(state) = ca.cache.state(serial, now) {
                states.push((id.clone(), state));
                records.push(None);
                continue;
            }
            if ca.negative.contains(serial) {
                states.push((id.clone(), CertState::NeverIssued));
                records.push(None);
                continue;
            }
            let epoch = ca.negative.epoch();
            match self.records.issued(&ca.name, &id.serial_number).await {
                Ok(Some(issued)) => {
                    states.push((id.clone(), issued.state_at(now)));
                    records.push(Some(issued));
                }
                Ok(None) => {
                    ca.negative.insert(serial, epoch);
                    states.push((id.clone(), CertState::NeverIssued));
                    records.push(None);
                }
                Err(_) => return Ok(OcspAnswer::Live(OcspResponse::try_later().to_der()?)),
            }
        }
        if let (Some((hash, _)), Some(Some(issued))) = (single, records.first()) {
            if let Some(p) = ca.presign_one(hash, issued, ticket, now)? {
                return Ok(OcspAnswer::Presigned(p));
            }
        }
        let basic = ca.responder.sign(&states, request.nonce, now)?;
        Ok(OcspAnswer::Live(OcspResponse::successful(basic)?.to_der()?))
    }

    /// Re-reads `serial` of `ca` and replaces its pre-signed responses: what a revocation
    /// event does. The old responses are dropped first, so that even if the store cannot be
    /// read now, no stale "good" is served.
    pub async fn refresh(&self, ca: &CaService, serial: &SerialNumber) -> Result<(), ServerError> {
        ca.cache.forget(serial.as_bytes());
        let ticket = ca.cache.ticket();
        if let Some(issued) = self.records.issued(&ca.name, serial).await? {
            let entry = ca.presign(&issued, ticket, SystemTime::now())?;
            ca.cache.put(serial.as_bytes(), entry);
        }
        Ok(())
    }

    /// Follows issuance from the cursor: pre-signs the certificates `ca` issued since the
    /// last call (every one, the first time), by this process or any other, and forgets them
    /// in the never-issued cache. Returns the number of certificates signed.
    pub async fn resync(self: &Arc<Self>, ca_index: usize) -> Result<usize, ServerError> {
        let ca = &self.cas[ca_index];
        let started = Instant::now();
        let mut cursor = ca.cursor.lock().await;
        let mut signed = 0;
        loop {
            let ticket = ca.cache.ticket();
            let (page, next) = self.records.issued_since(&ca.name, &cursor, PAGE).await?;
            let full = page.len() as u32 >= PAGE;
            if page.is_empty() {
                break;
            }
            ca.negative.issued(page.iter().map(|i| i.serial.as_bytes()));
            let jobs: Vec<Job> = page
                .into_iter()
                .map(|issued| Job {
                    issued,
                    ticket,
                    replaces: None,
                })
                .collect();
            signed += self.sign(ca_index, jobs).await?;
            *cursor = next;
            if !full {
                break;
            }
        }
        if !ca.ready.swap(true, Ordering::SeqCst) {
            super::memory::release_free();
            tracing::info!(
                ca = %ca.name,
                certificates = ca.cache.len(),
                seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                "every OCSP response pre-signed"
            );
        }
        Ok(signed)
    }

    /// Re-signs the responses of `ca` due at `now` (at most `limit`), from the status they
    /// hold; each old one is served until its replacement is in. Returns the number signed.
    pub async fn refresh_due(
        self: &Arc<Self>,
        ca_index: usize,
        now: SystemTime,
        limit: usize,
    ) -> Result<usize, ServerError> {
        let due = self.cas[ca_index].cache.due(now, limit);
        let jobs: Vec<Job> = due.into_iter().filter_map(Job::of_due).collect();
        self.sign(ca_index, jobs).await
    }

    /// After the revocation feed was lost: every revocation of `ca` the held responses do
    /// not show yet is applied (the feed's notices in between may be gone).
    pub async fn recheck_revocations(&self, ca_index: usize) -> Result<usize, ServerError> {
        let ca = &self.cas[ca_index];
        let mut applied = 0;
        for r in self.records.revoked(&ca.name).await? {
            if ca.cache.known(r.serial.as_bytes()) != Some(true) {
                self.refresh(ca, &r.serial).await?;
                applied += 1;
            }
        }
        Ok(applied)
    }

    async fn sign(self: &Arc<Self>, ca_index: usize, jobs: Vec<Job>) -> Result<usize, ServerError> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let services = Arc::clone(self);
        let cancel = Cancel::default();
        let cancelled = Arc::clone(&cancel.0);
        // Thousands of signatures: off the async workers, on every core.
        tokio::task::spawn_blocking(move || sign_all(&services.cas[ca_index], jobs, &cancelled))
            .await
            .map_err(|e| ServerError::Setup(format!("pre-signing stopped: {e}")))?
    }

    /// A time-stamp for the DER `request`.
    pub async fn timestamp(&self, request: &[u8]) -> Result<TsaAnswer, ServerError> {
        let Some(tsa) = &self.tsa else {
            return Err(ServerError::Setup("no TSA is configured".into()));
        };
        if let Err(failure) = timestamp::parse_request(request) {
            return Ok(TsaAnswer {
                der: timestamp::rejection(failure)?,
                bad_request: true,
            });
        }
        // No unique serial, no token: the route answers 503 (RFC 3161 has no failure bit
        // for a TSA that cannot number its tokens now).
        let serial = self.records.next_tsa_serial().await?;
        let der = tsa
            .tsa
            .respond(request, &serial, SystemTime::now())
            .map_err(|e| ServerError::Sign(e.to_string()))?;
        Ok(TsaAnswer {
            der,
            bad_request: false,
        })
    }
}

/// Responses re-signed per round and CA: a round takes a few seconds at most, so that the
/// next due ones are not kept waiting behind a long batch.
const REFRESH_BATCH: usize = 50_000;

/// Re-signing rounds at least this big give their freed memory back to the system.
const RELEASE_AFTER: usize = 1_000;

/// Aborts a task when dropped: the server's background tasks end with it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The background work on OCSP responses, for as long as the server runs: revocations
/// applied as they are committed; issuance followed from its cursor every `resync`;
/// responses re-signed when due.
pub async fn background<S: StatusRecords>(services: Arc<Services<S>>, resync: Duration) {
    let subscribed = Arc::new(tokio::sync::Notify::new());
    let _fresh = AbortOnDrop(tokio::spawn(keep_fresh(
        Arc::clone(&services),
        resync,
        Arc::clone(&subscribed),
    )));
    follow(services, subscribed).await
}

async fn follow<S: StatusRecords>(
    services: Arc<Services<S>>,
    subscribed: Arc<tokio::sync::Notify>,
) {
    let mut first = true;
    let mut recheck = false;
    loop {
        // Subscribe first, then read: nothing committed in between is missed.
        let feed = services.records.revocations().await;
        if first {
            subscribed.notify_one();
            first = false;
        } else if recheck {
            for index in 0..services.cas.len() {
                if let Err(e) = services.recheck_revocations(index).await {
                    tracing::warn!(ca = %services.cas[index].name, error = %e, "re-checking revocations failed");
                }
            }
        }
        let mut feed = match feed {
            Ok(feed) => feed,
            Err(e) => {
                tracing::warn!(error = %e, "no revocation feed; retrying");
                recheck = true;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        while let Some(event) = feed.recv().await {
            revoked(&services, &event).await;
        }
        recheck = true;
        tracing::warn!("the revocation feed closed; resubscribing");
    }
}

async fn revoked<S: StatusRecords>(
    services: &Arc<Services<S>>,
    event: &super::records::RevocationEvent,
) {
    let Some(ca) = services.ca(&event.ca) else {
        return;
    };
    if let Err(e) = services.refresh(ca, &event.serial).await {
        // The stale responses are gone already: requests read the store until it answers.
        tracing::warn!(ca = %event.ca, error = %e, "re-signing after a revocation failed");
    }
    ca.crl_wake.notify_one();
    tracing::info!(ca = %event.ca, serial = %crate::store::Serial::of(&event.serial), "revocation applied");
}

async fn keep_fresh<S: StatusRecords>(
    services: Arc<Services<S>>,
    resync: Duration,
    subscribed: Arc<tokio::sync::Notify>,
) {
    subscribed.notified().await;
    let tick = resync.min(Duration::from_secs(1));
    let mut next_resync = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_resync {
            for index in 0..services.cas.len() {
                match services.resync(index).await {
                    Ok(0) => {}
                    Ok(signed) => {
                        tracing::debug!(ca = %services.cas[index].name, signed, "newly issued certificates pre-signed")
                    }
                    Err(e) => {
                        tracing::warn!(ca = %services.cas[index].name, error = %e, "following issuance failed")
                    }
                }
            }
            next_resync = tokio::time::Instant::now() + resync;
        }
        for index in 0..services.cas.len() {
            match services
                .refresh_due(index, SystemTime::now(), REFRESH_BATCH)
                .await
            {
                Ok(0) => {}
                Ok(signed) => {
                    if signed >= RELEASE_AFTER {
                        super::memory::release_free();
                    }
                    tracing::debug!(ca = %services.cas[index].name, signed, "OCSP responses re-signed")
                }
                Err(e) => {
                    tracing::warn!(ca = %services.cas[index].name, error = %e, "re-signing failed")
                }
            }
        }
        tokio::time::sleep(tick).await;
    }
}

/// OpenSSL could not hash: the request is answered with an error, not a crash.
fn crypto(e: jeton_pki::CryptoError) -> ServerError {
    ServerError::Sign(e.to_string())
}
