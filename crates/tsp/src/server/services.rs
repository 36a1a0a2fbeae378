//! The status services behind the HTTP routes: OCSP (pre-signed or live), CRLs, CA
//! certificates and time-stamps, over a [`StatusRecords`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::asn1::{Null, OctetString};
use der::{Any, Encode};
use jeton_pki::ocsp::{CertState, Request, RequestError};
use jeton_pki::timestamp;
use jeton_pki::{Certificate, HashAlg, OcspResponse, Responder, Signer, Tsa};
use spki::AlgorithmIdentifierOwned;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::CertId;

use super::presigned::{Cache, Presigned, PRESIGNED_HASHES};
use super::records::{Issued, StatusRecords};
use super::ServerError;

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
            cache: Cache::default(),
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

    /// Signs the pre-signed response for `serial` in `hash` from `issued` as read with
    /// `ticket`, and puts it in the cache. None for a hash that is not pre-signed.
    pub fn presign(
        &self,
        hash: HashAlg,
        issued: &Issued,
        ticket: u64,
        now: SystemTime,
    ) -> Result<Option<Arc<Presigned>>, ServerError> {
        let Some(id) = self.cert_id(hash, &issued.serial) else {
            return Ok(None);
        };
        let state = issued.state_at(now);
        let basic = self.responder.sign(&[(id, state)], None, now)?;
        let der = OcspResponse::successful(basic)?.to_der()?;
        let mut fresh_until = now + self.validity / 2;
        if let Some(t) = issued.changes_after(now) {
            fresh_until = fresh_until.min(t);
        }
        let etag = format!(
            "\"{}\"",
            hex(&HashAlg::Sha256.digest(&der).map_err(crypto)?[..16])
        );
        let entry = Arc::new(Presigned {
            der: bytes::Bytes::from(der),
            this_update: now,
            next_update: now + self.validity,
            fresh_until,
            etag,
            revoked: matches!(state, CertState::Revoked { .. }),
            state,
            ticket,
        });
        self.cache
            .put(hash, issued.serial.as_bytes(), Arc::clone(&entry));
        Ok(Some(entry))
    }

    /// Pre-signs every hash of `issued` unless a fresh response with the same state is held.
    pub fn presign_all(
        &self,
        issued: &Issued,
        ticket: u64,
        now: SystemTime,
    ) -> Result<usize, ServerError> {
        let revoked = matches!(issued.state_at(now), CertState::Revoked { .. });
        let fresh = PRESIGNED_HASHES.iter().all(|h| {
            self.cache
                .get(*h, issued.serial.as_bytes(), now)
                .is_some_and(|p| p.revoked == revoked && issued.changes_after(now).is_none())
        });
        if fresh {
            return Ok(0);
        }
        for hash in PRESIGNED_HASHES {
            self.presign(hash, issued, ticket, now)?;
        }
        Ok(PRESIGNED_HASHES.len())
    }
}

/// What an OCSP request gets.
pub enum OcspAnswer {
    /// A pre-signed response (cacheable by HTTP caches).
    Presigned(Arc<Presigned>),
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
            Ok(r) => r,
            Err(_) => {
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
            if let Some(p) = ca.cache.get(hash, id.serial_number.as_bytes(), now) {
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
            // A fresh pre-signed response knows the status as well as the store: revocations
            // drop it first, and it expires at a revocation dated in the future.
            let known = HashAlg::from_oid(&id.hash_algorithm.oid)
                .and_then(|hash| ca.cache.get(hash, id.serial_number.as_bytes(), now));
            if let Some(p) = known {
                states.push((id.clone(), p.state));
                records.push(None);
                continue;
            }
            match self.records.issued(&ca.name, &id.serial_number).await {
                Ok(Some(issued)) => {
                    states.push((id.clone(), issued.state_at(now)));
                    records.push(Some(issued));
                }
                Ok(None) => {
                    states.push((id.clone(), CertState::NeverIssued));
                    records.push(None);
                }
                Err(_) => return Ok(OcspAnswer::Live(OcspResponse::try_later().to_der()?)),
            }
        }
        if let (Some((hash, _)), Some(Some(issued))) = (single, records.first()) {
            if let Some(p) = ca.presign(hash, issued, ticket, now)? {
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
            let now = SystemTime::now();
            for hash in PRESIGNED_HASHES {
                ca.presign(hash, &issued, ticket, now)?;
            }
        }
        Ok(())
    }

    /// Pre-signs what is missing, stale or changed for every certificate of `ca`. Returns the
    /// number of responses signed.
    pub async fn resync(self: &Arc<Self>, ca_index: usize) -> Result<usize, ServerError> {
        let ca = &self.cas[ca_index];
        let ticket = ca.cache.ticket();
        let issued = self.records.all_issued(&ca.name).await?;
        let services = Arc::clone(self);
        // Thousands of signatures: off the async workers.
        tokio::task::spawn_blocking(move || {
            let ca = &services.cas[ca_index];
            let now = SystemTime::now();
            let mut signed = 0;
            for record in &issued {
                signed += ca.presign_all(record, ticket, now)?;
            }
            Ok(signed)
        })
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

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// OpenSSL could not hash: the request is answered with an error, not a crash.
fn crypto(e: jeton_pki::CryptoError) -> ServerError {
    ServerError::Sign(e.to_string())
}
