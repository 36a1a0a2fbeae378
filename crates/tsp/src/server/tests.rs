//! The status services' story over an in-memory store: good, then revoked at once; a
//! revocation dated in the future takes effect at its time; CRLs follow; bad input gets the
//! protocol's error; the HTTP headers RFC 5019 asks for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use der::asn1::OctetString;
use der::{Decode, Encode};
use jeton_pki::ocsp::parse_request;
use jeton_pki::{
    issue, issue_self_signed, profile, Certificate, Country, HashAlg, IssuerUrls, KeyKind,
    Organization, Period, Provider, Revocation, RevocationReason, ServiceName, Signer, SoftwareKey,
    Subject,
};
use tokio::sync::mpsc;
use tower::ServiceExt;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus};

use super::crl::{CrlTiming, Publisher};
use super::http::{self, Limits};
use super::records::{
    CertCursor, CrlMeta, Issued, RecordsError, RevocationEvent, StatusRecords, StoredCrl,
};
use super::services::{CaService, OcspAnswer, Services, TsaService};

const DAY: Duration = Duration::from_secs(86_400);

#[derive(Default)]
struct Memory {
    issued: Mutex<HashMap<Vec<u8>, Issued>>,
    // Issue order: the cursor of `issued_since` is a position in it.
    order: Mutex<Vec<Vec<u8>>>,
    // Rows `issued_since` returned, and reads of one certificate or of the latest CRL.
    rows_read: Mutex<usize>,
    reads: Mutex<usize>,
    crl_keep: Option<usize>,
    archived: Mutex<Vec<StoredCrl>>,
    crls: Mutex<Vec<StoredCrl>>,
    tsa: Mutex<u64>,
    down: Mutex<bool>,
    head: Mutex<Option<crate::audit::SignedHead>>,
}

impl Memory {
    fn check(&self) -> Result<(), RecordsError> {
        if *self.down.lock().unwrap() {
            Err(RecordsError("down".into()))
        } else {
            Ok(())
        }
    }

    fn add(&self, serial: &SerialNumber) {
        self.issued.lock().unwrap().insert(
            serial.as_bytes().to_vec(),
            Issued {
                serial: serial.clone(),
                revocation: None,
            },
        );
        self.order.lock().unwrap().push(serial.as_bytes().to_vec());
    }

    fn revoke(&self, serial: &SerialNumber, at: SystemTime) {
        let mut issued = self.issued.lock().unwrap();
        let record = issued.get_mut(serial.as_bytes()).unwrap();
        record.revocation = Some(Revocation {
            serial: serial.clone(),
            revoked_at: at,
            reason: RevocationReason::KeyCompromise,
            invalidity_date: None,
        });
    }
}

impl StatusRecords for Memory {
    async fn ca_certificate(&self, _ca: &str) -> Result<Option<Vec<u8>>, RecordsError> {
        Ok(None)
    }
    async fn issued(
        &self,
        _ca: &str,
        serial: &SerialNumber,
    ) -> Result<Option<Issued>, RecordsError> {
        self.check()?;
        *self.reads.lock().unwrap() += 1;
        Ok(self.issued.lock().unwrap().get(serial.as_bytes()).cloned())
    }
    async fn issued_since(
        &self,
        _ca: &str,
        after: &CertCursor,
        limit: u32,
    ) -> Result<(Vec<Issued>, CertCursor), RecordsError> {
        self.check()?;
        let order = self.order.lock().unwrap();
        let issued = self.issued.lock().unwrap();
        let from = usize::try_from(after.seq + 1).unwrap_or(0);
        let page: Vec<Issued> = order
            .iter()
            .skip(from)
            .take(limit as usize)
            .map(|s| issued[s].clone())
            .collect();
        *self.rows_read.lock().unwrap() += page.len();
        let cursor = CertCursor {
            seq: after.seq + page.len() as i64,
            serial: String::new(),
        };
        Ok((page, cursor))
    }
    async fn revoked(&self, _ca: &str) -> Result<Vec<Revocation>, RecordsError> {
        self.check()?;
        let issued = self.issued.lock().unwrap();
        Ok(issued
            .values()
            .filter_map(|i| i.revocation.clone())
            .collect())
    }
    async fn latest_crl(&self, _ca: &str) -> Result<Option<StoredCrl>, RecordsError> {
        self.check()?;
        *self.reads.lock().unwrap() += 1;
        Ok(self.crls.lock().unwrap().last().cloned())
    }
    async fn latest_crl_meta(&self, _ca: &str) -> Result<Option<CrlMeta>, RecordsError> {
        self.check()?;
        Ok(self.crls.lock().unwrap().last().map(|c| CrlMeta {
            number: c.number,
            this_update: c.this_update,
            next_update: c.next_update,
        }))
    }
    async fn prune_crls(&self, _ca: &str) -> Result<Vec<u64>, RecordsError> {
        let Some(keep) = self.crl_keep else {
            return Ok(Vec::new());
        };
        let mut crls = self.crls.lock().unwrap();
        let beyond = crls.len().saturating_sub(keep);
        let old: Vec<StoredCrl> = crls.drain(..beyond).collect();
        let numbers = old.iter().map(|c| c.number).collect();
        self.archived.lock().unwrap().extend(old);
        Ok(numbers)
    }
    async fn next_crl_number(&self, _ca: &str) -> Result<u64, RecordsError> {
        let crls = self.crls.lock().unwrap();
        Ok(crls.last().map_or(0, |c| c.number) + 1)
    }
    async fn save_crl(&self, _ca: &str, crl: &StoredCrl) -> Result<(), RecordsError> {
        self.crls.lock().unwrap().push(crl.clone());
        Ok(())
    }
    async fn next_tsa_serial(&self) -> Result<SerialNumber, RecordsError> {
        let mut n = self.tsa.lock().unwrap();
        *n += 1;
        Ok(SerialNumber::new(&[0, *n as u8 + 1]).unwrap())
    }
    async fn audit_head(&self) -> Result<Option<crate::audit::SignedHead>, RecordsError> {
        self.check()?;
        Ok(self.head.lock().unwrap().clone())
    }
    async fn revocations(&self) -> Result<mpsc::Receiver<RevocationEvent>, RecordsError> {
        Ok(mpsc::channel(1).1)
    }
}

fn service(cn: &str) -> Subject {
    Subject::Service(
        ServiceName::new(
            Country::new("FR").unwrap(),
            Organization::new("Jeton Trust Services", None).unwrap(),
            cn,
        )
        .unwrap(),
    )
}

fn provider() -> Provider {
    Provider {
        policy: Some(der::asn1::ObjectIdentifier::new_unwrap(
            "1.3.6.1.4.1.99999.1.1",
        )),
        pds: Vec::new(),
    }
}

fn period(days: u32) -> Period {
    let now = SystemTime::now() - Duration::from_secs(60);
    Period {
        not_before: now,
        not_after: now + DAY * days,
    }
}

fn profile(name: &str) -> jeton_pki::Profile {
    profile::builtin()
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
}

struct Story {
    services: Arc<Services<Memory>>,
    ca: Certificate,
    good: SerialNumber,
    lost: SerialNumber,
}

fn story() -> Story {
    story_with(Duration::from_secs(3600), None)
}

/// The story with OCSP responses valid for `validity`, and CRLs pruned to `crl_keep`.
fn story_with(validity: Duration, crl_keep: Option<usize>) -> Story {
    let root_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let root = issue_self_signed(
        &profile("root-ca"),
        &provider(),
        &service("Root"),
        &root_key,
        period(3000),
    )
    .unwrap();
    let urls = IssuerUrls {
        ca_issuers: Some("http://127.0.0.1/ca/issuing.crt".into()),
        ocsp: Some("http://127.0.0.1/ocsp".into()),
        crl: Some("http://127.0.0.1/crl/issuing.crl".into()),
    };
    let by = |cert: &Certificate,
              key: &SoftwareKey,
              prof: &str,
              cn: &str,
              spki: &spki::SubjectPublicKeyInfoOwned| {
        // Children end well before their issuer.
        let days = if prof == "issuing-ca" { 300 } else { 30 };
        issue(
            &profile(prof),
            &provider(),
            &service(cn),
            spki,
            &jeton_pki::Issuer {
                certificate: cert,
                signer: key,
                urls: &urls,
            },
            period(days),
        )
        .unwrap()
    };
    let ca_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let ca = by(
        &root,
        &root_key,
        "issuing-ca",
        "Issuing",
        &ca_key.public_key(),
    );
    let ocsp_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let ocsp = by(
        &ca,
        &ca_key,
        "ocsp-responder",
        "OCSP",
        &ocsp_key.public_key(),
    );
    let tsa_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let tsa = by(&ca, &ca_key, "tsa", "TSU", &tsa_key.public_key());
    let memory = Memory {
        crl_keep,
        ..Memory::default()
    };
    let mut serials = Vec::new();
    for cn in ["Good", "Lost"] {
        let key = SoftwareKey::generate(KeyKind::P256).unwrap();
        let cert = by(&ca, &ca_key, "ocsp-responder", cn, &key.public_key());
        let serial = cert.tbs_certificate.serial_number.clone();
        memory.add(&serial);
        serials.push(serial);
    }
    let ca_service = CaService::new(
        "issuing".into(),
        ca.clone(),
        Box::new(ca_key),
        Some((ocsp, Box::new(ocsp_key))),
        validity,
    )
    .unwrap();
    let tsa_service = TsaService::new(
        tsa,
        Box::new(tsa_key),
        der::asn1::ObjectIdentifier::new_unwrap("0.4.0.2023.1.1"),
        Duration::from_secs(1),
        true,
    )
    .unwrap();
    Story {
        services: Arc::new(Services {
            records: memory,
            cas: vec![ca_service],
            tsa: Some(tsa_service),
        }),
        ca,
        good: serials[0].clone(),
        lost: serials[1].clone(),
    }
}

impl Story {
    fn request(&self, serial: &SerialNumber, hash: HashAlg, nonce: Option<&[u8]>) -> Vec<u8> {
        let tbs = &self.ca.tbs_certificate;
        let id = x509_ocsp::CertId {
            hash_algorithm: spki::AlgorithmIdentifierOwned {
                oid: hash.oid(),
                parameters: Some(der::Any::from(der::asn1::Null)),
            },
            issuer_name_hash: OctetString::new(
                hash.digest(&tbs.subject.to_der().unwrap()).unwrap(),
            )
            .unwrap(),
            issuer_key_hash: OctetString::new(
                hash.digest(tbs.subject_public_key_info.subject_public_key.raw_bytes())
                    .unwrap(),
            )
            .unwrap(),
            serial_number: serial.clone(),
        };
        let nonce = nonce.map(|n| {
            vec![Extension {
                extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2"),
                critical: false,
                extn_value: OctetString::new(OctetString::new(n).unwrap().to_der().unwrap())
                    .unwrap(),
            }]
        });
        OcspRequest {
            tbs_request: x509_ocsp::TbsRequest {
                version: x509_ocsp::Version::V1,
                requestor_name: None,
                request_list: vec![x509_ocsp::Request {
                    req_cert: id,
                    single_request_extensions: None,
                }],
                request_extensions: nonce,
            },
            optional_signature: None,
        }
        .to_der()
        .unwrap()
    }

    async fn ask(&self, serial: &SerialNumber, nonce: Option<&[u8]>) -> (bool, BasicOcspResponse) {
        self.ask_in(HashAlg::Sha1, serial, nonce).await
    }

    async fn ask_in(
        &self,
        hash: HashAlg,
        serial: &SerialNumber,
        nonce: Option<&[u8]>,
    ) -> (bool, BasicOcspResponse) {
        let der = self.request(serial, hash, nonce);
        match self.services.ocsp(parse_request(&der)).await {
            OcspAnswer::Presigned(p) => (true, basic(&p.der)),
            OcspAnswer::Live(der) => (false, basic(&der)),
            OcspAnswer::Malformed(_) => panic!("a good request was refused"),
        }
    }

    fn router(&self) -> axum::Router {
        http::router(
            Arc::clone(&self.services),
            Limits {
                max_body: 64 * 1024,
                timeout: Duration::from_secs(5),
                crl_max_age: Duration::from_secs(60),
            },
        )
    }
}

fn basic(der: &[u8]) -> BasicOcspResponse {
    let response = OcspResponse::from_der(der).unwrap();
    assert_eq!(response.response_status, OcspResponseStatus::Successful);
    BasicOcspResponse::from_der(response.response_bytes.unwrap().response.as_bytes()).unwrap()
}

fn status(b: &BasicOcspResponse) -> &CertStatus {
    &b.tbs_response_data.responses[0].cert_status
}

#[tokio::test]
async fn good_is_pre_signed_and_a_revocation_replaces_it_at_once() {
    let s = story();
    assert_eq!(s.services.resync(0).await.unwrap(), 2);
    let (presigned, first) = s.ask(&s.good, None).await;
    assert!(presigned && matches!(status(&first), CertStatus::Good(_)));
    // The hot path hands out the very same bytes: nothing signed per request.
    let (_, again) = s.ask(&s.good, None).await;
    assert_eq!(first, again);

    s.services
        .records
        .revoke(&s.good, SystemTime::now() - Duration::from_secs(1));
    let ca = &s.services.cas[0];
    s.services.refresh(ca, &s.good).await.unwrap();
    let (presigned, after) = s.ask(&s.good, None).await;
    assert!(presigned && matches!(status(&after), CertStatus::Revoked(_)));
    // A later resync (read before the revocation, in a race) cannot put "good" back.
    assert_eq!(ca.cache.known(s.good.as_bytes()), Some(true));
}

#[tokio::test]
async fn a_sha256_certid_is_signed_at_its_first_request_from_the_held_status_then_held() {
    let s = story();
    s.services.resync(0).await.unwrap();
    let reads = *s.services.records.reads.lock().unwrap();
    let (presigned, first) = s.ask_in(HashAlg::Sha256, &s.good, None).await;
    assert!(presigned && matches!(status(&first), CertStatus::Good(_)));
    let id = &first.tbs_response_data.responses[0].cert_id;
    assert_eq!(id.hash_algorithm.oid, HashAlg::Sha256.identifier().oid);
    // Signed from the status held in memory, and held from then on.
    let (_, again) = s.ask_in(HashAlg::Sha256, &s.good, None).await;
    assert_eq!(first, again);
    assert_eq!(*s.services.records.reads.lock().unwrap(), reads);
    // A revocation replaces the entry: the next SHA-256 answer says "revoked".
    s.services
        .records
        .revoke(&s.good, SystemTime::now() - Duration::from_secs(1));
    s.services
        .refresh(&s.services.cas[0], &s.good)
        .await
        .unwrap();
    let (presigned, after) = s.ask_in(HashAlg::Sha256, &s.good, None).await;
    assert!(presigned && matches!(status(&after), CertStatus::Revoked(_)));
}

#[tokio::test]
async fn a_revocation_dated_in_the_future_takes_effect_at_its_time() {
    let s = story();
    let at = SystemTime::now() + Duration::from_millis(1500);
    s.services.records.revoke(&s.lost, at);
    s.services.resync(0).await.unwrap();
    let (_, before) = s.ask(&s.lost, None).await;
    assert!(matches!(status(&before), CertStatus::Good(_)));
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (_, after) = s.ask(&s.lost, None).await;
    assert!(
        matches!(status(&after), CertStatus::Revoked(_)),
        "{after:?}"
    );
}

#[tokio::test]
async fn a_nonce_is_answered_live_and_echoed() {
    let s = story();
    s.services.resync(0).await.unwrap();
    let (presigned, b) = s.ask(&s.good, Some(b"0123456789abcdef")).await;
    assert!(!presigned);
    let ext = b.tbs_response_data.response_extensions.unwrap();
    assert!(ext
        .iter()
        .any(|e| e.extn_value.as_bytes().ends_with(b"0123456789abcdef")));
}

#[tokio::test]
async fn a_never_issued_serial_is_never_good_and_never_cached() {
    let s = story();
    let forged = SerialNumber::new(&[0x12, 0x34, 0x56]).unwrap();
    let (presigned, b) = s.ask(&forged, None).await;
    assert!(!presigned && matches!(status(&b), CertStatus::Revoked(_)));
    assert!(s.services.cas[0].cache.is_empty());
}

#[tokio::test]
async fn a_store_that_cannot_answer_gets_try_later() {
    let s = story();
    *s.services.records.down.lock().unwrap() = true;
    let der = s.request(&s.good, HashAlg::Sha256, None);
    let OcspAnswer::Live(der) = s.services.ocsp(parse_request(&der)).await else {
        panic!("tryLater is not pre-signed");
    };
    assert_eq!(
        OcspResponse::from_der(&der).unwrap().response_status,
        OcspResponseStatus::TryLater
    );
}

#[tokio::test]
async fn crls_follow_revocations_and_are_not_republished_for_nothing() {
    let s = story();
    let timing = CrlTiming {
        interval: Duration::from_secs(60),
        validity: DAY,
    };
    let mut publisher = Publisher::default();
    let now = SystemTime::now();
    assert_eq!(
        publisher
            .round(&s.services, 0, timing, now)
            .await
            .unwrap()
            .published,
        Some(1)
    );
    assert_eq!(
        publisher
            .round(&s.services, 0, timing, now)
            .await
            .unwrap()
            .published,
        None
    );
    s.services
        .records
        .revoke(&s.lost, now - Duration::from_secs(5));
    let later = now + Duration::from_secs(1);
    let round = publisher
        .round(&s.services, 0, timing, later)
        .await
        .unwrap();
    assert_eq!(round.published, Some(2));
    let crl = s
        .services
        .records
        .crls
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let parsed = jeton_pki::parse_crl(&crl.der, &s.ca).unwrap();
    let listed = parsed.tbs_cert_list.revoked_certificates.unwrap();
    assert_eq!(listed[0].serial_number, s.lost);

    // A future revocation is not listed before its time, and the round says when it is due.
    let due = later + Duration::from_secs(30);
    s.services.records.revoke(&s.good, due);
    let round = publisher
        .round(&s.services, 0, timing, later + Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!((round.published, round.next_revocation), (None, Some(due)));
}

async fn call(
    router: axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, body.to_vec())
}

fn post(uri: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn get_answers_carry_rfc_5019_caching_headers_and_revalidate() {
    let s = story();
    s.services.resync(0).await.unwrap();
    let der = s.request(&s.good, HashAlg::Sha1, None);
    let path = format!(
        "/ocsp/{}",
        openssl::base64::encode_block(&der).replace('+', "%2B")
    );
    let (code, headers, body) =
        call(s.router(), Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], http::OCSP_RESPONSE);
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap();
    assert!(
        cache.starts_with("max-age=") && cache.contains("public"),
        "{cache}"
    );
    for h in [header::LAST_MODIFIED, header::EXPIRES, header::ETAG] {
        assert!(headers.contains_key(&h), "{h} missing");
    }
    assert!(matches!(status(&basic(&body)), CertStatus::Good(_)));
    let again = Request::get(&path)
        .header(header::IF_NONE_MATCH, headers[header::ETAG].clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(s.router(), again).await.0, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn bad_input_gets_the_protocols_error_and_a_4xx() {
    let s = story();
    let malformed = der::Encode::to_der(&OcspResponse::malformed_request()).unwrap();
    let cases = [
        (
            post(
                "/ocsp",
                "application/ocsp-request",
                b"\x30\x03garbage".to_vec(),
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(
                "/ocsp",
                "text/plain",
                s.request(&s.good, HashAlg::Sha1, None),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            post("/ocsp", "application/ocsp-request", vec![0x30; 70_000]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Request::get("/ocsp/!!notbase64")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (request, expected) in cases {
        let (code, headers, body) = call(s.router(), request).await;
        assert_eq!(code, expected);
        assert_eq!(headers[header::CONTENT_TYPE], http::OCSP_RESPONSE);
        assert_eq!(body, malformed);
    }
    let (code, headers, body) = call(
        s.router(),
        post("/tsa", "application/timestamp-query", vec![1, 2, 3]),
    )
    .await;
    assert_eq!(
        (code, &headers[header::CONTENT_TYPE]),
        (
            StatusCode::BAD_REQUEST,
            &http::TIMESTAMP_REPLY.parse().unwrap()
        )
    );
    // PKIStatus rejection (2).
    assert!(body.windows(3).any(|w| w == [0x02, 0x01, 0x02]));
    let (code, _, _) = call(
        s.router(),
        post("/tsa", "application/ocsp-request", vec![1]),
    )
    .await;
    assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (code, _, _) = call(
        s.router(),
        Request::get("/crl/other.crl").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn time_stamps_are_granted_with_unique_serials() {
    let s = story();
    let digest = HashAlg::Sha256.digest(b"document").unwrap();
    let request = x509_tsp::TimeStampReq {
        version: x509_tsp::TspVersion::V1,
        message_imprint: x509_tsp::MessageImprint {
            hash_algorithm: HashAlg::Sha256.identifier(),
            hashed_message: OctetString::new(digest).unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .unwrap();
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let (code, headers, body) = call(
            s.router(),
            post("/tsa", "application/timestamp-query", request.clone()),
        )
        .await;
        assert_eq!(code, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], http::TIMESTAMP_REPLY);
        bodies.push(body);
    }
    assert_ne!(bodies[0], bodies[1]);
    assert_eq!(*s.services.records.tsa.lock().unwrap(), 2);
}

#[test]
fn the_ca_key_must_be_the_certificates() {
    let s = story();
    let other = SoftwareKey::generate(KeyKind::P256).unwrap();
    assert_ne!(
        other.public_key(),
        s.ca.tbs_certificate.subject_public_key_info
    );
    let error = CaService::new("x".into(), s.ca.clone(), Box::new(other), None, DAY)
        .err()
        .expect("a key that is not the CA's is refused");
    assert!(
        error.to_string().contains("not its certificate's"),
        "{error}"
    );
}

#[tokio::test]
async fn the_latest_signed_audit_head_is_served_as_json_that_verifies() {
    let s = story();
    let get = || Request::get("/audit/head").body(Body::empty()).unwrap();
    let (code, _, _) = call(s.router(), get()).await;
    assert_eq!(code, StatusCode::NOT_FOUND, "no signed head yet");
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let mut entry = crate::audit::AuditEntry {
        seq: 12,
        at: 1_800_000_000,
        kind: "revocation".into(),
        actor: "officer".into(),
        details: "{}".into(),
        prev_hash: vec![0; 32],
        hash: Vec::new(),
        head_signature: None,
    };
    entry.hash = entry.compute_hash();
    entry.head_signature = Some(
        key.sign(&crate::audit::head_message(12, &entry.hash))
            .unwrap(),
    );
    *s.services.records.head.lock().unwrap() = crate::audit::SignedHead::of(&entry);
    let (code, headers, body) = call(s.router(), get()).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let head: crate::audit::SignedHead = serde_json::from_slice(&body).unwrap();
    assert_eq!(head.seq, 12);
    assert!(head.verifies(&key.public_key()));
    *s.services.records.down.lock().unwrap() = true;
    let (code, _, _) = call(s.router(), get()).await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
}

// Issue 9, scale: what the server reads and holds at a million certificates.

#[tokio::test]
async fn resync_reads_only_the_certificates_issued_since_its_cursor() {
    let s = story();
    assert_eq!(s.services.resync(0).await.unwrap(), 2);
    assert_eq!(*s.services.records.rows_read.lock().unwrap(), 2);
    // Nothing new: nothing read, nothing signed.
    assert_eq!(s.services.resync(0).await.unwrap(), 0);
    assert_eq!(*s.services.records.rows_read.lock().unwrap(), 2);
    // A certificate issued by another process: that row alone is read, and pre-signed.
    let new = SerialNumber::new(&[0x51, 0x23]).unwrap();
    s.services.records.add(&new);
    assert_eq!(s.services.resync(0).await.unwrap(), 1);
    assert_eq!(*s.services.records.rows_read.lock().unwrap(), 3);
    let (presigned, b) = s.ask(&new, None).await;
    assert!(presigned && matches!(status(&b), CertStatus::Good(_)));
    assert_eq!(*s.services.records.reads.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_response_due_for_re_signing_is_served_until_its_replacement_is_in() {
    // Valid 4 s: due after 1 to 2 s (a quarter to a half), valid until 4 s.
    let s = story_with(Duration::from_secs(4), None);
    s.services.resync(0).await.unwrap();
    let (_, first) = s.ask(&s.good, None).await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let ca = &s.services.cas[0];
    assert_eq!(ca.cache.due(SystemTime::now(), 10).len(), 2);
    // Past its half-life, with the store down: still the same pre-signed response, no read.
    *s.services.records.down.lock().unwrap() = true;
    let (presigned, stale) = s.ask(&s.good, None).await;
    assert!(presigned, "a valid response is served until it is replaced");
    assert_eq!(first, stale);
    assert_eq!(*s.services.records.reads.lock().unwrap(), 0);
    // Re-signed from the status it holds (no store needed), then the new one is served.
    let signed = s
        .services
        .refresh_due(0, SystemTime::now(), 100)
        .await
        .unwrap();
    assert_eq!(signed, 2);
    let (presigned, fresh) = s.ask(&s.good, None).await;
    assert!(presigned && matches!(status(&fresh), CertStatus::Good(_)));
    assert!(
        fresh.tbs_response_data.produced_at.0.to_unix_duration()
            > first.tbs_response_data.produced_at.0.to_unix_duration()
    );
    assert!(ca.cache.due(SystemTime::now(), 10).is_empty());
}

#[tokio::test]
async fn a_revocation_during_re_signing_is_never_undone() {
    let s = story_with(Duration::from_secs(4), None);
    s.services.resync(0).await.unwrap();
    let ca = &s.services.cas[0];
    // What a re-signing round took, before the revocation.
    let due = ca.cache.due(SystemTime::now() + Duration::from_secs(3), 10);
    s.services
        .records
        .revoke(&s.good, SystemTime::now() - Duration::from_secs(1));
    s.services.refresh(ca, &s.good).await.unwrap();
    let ticket = due
        .iter()
        .find(|d| &*d.serial == s.good.as_bytes())
        .unwrap()
        .ticket;
    let good = Issued {
        serial: s.good.clone(),
        revocation: None,
    };
    let entry = ca.presign(&good, ticket, SystemTime::now()).unwrap();
    assert!(!ca.cache.replace(s.good.as_bytes(), ticket, entry));
    let (_, b) = s.ask(&s.good, None).await;
    assert!(matches!(status(&b), CertStatus::Revoked(_)));
}

#[tokio::test]
async fn a_never_issued_serial_is_answered_from_the_negative_cache_until_it_is_issued() {
    let s = story();
    s.services.resync(0).await.unwrap();
    let unknown = SerialNumber::new(&[0x66, 0x01]).unwrap();
    for _ in 0..3 {
        let (presigned, b) = s.ask(&unknown, None).await;
        // RFC 6960 §2.2: "revoked" (certificateHold, 1970) for a serial never issued.
        assert!(!presigned && matches!(status(&b), CertStatus::Revoked(_)));
    }
    assert_eq!(*s.services.records.reads.lock().unwrap(), 1);
    assert!(s.services.cas[0].negative.contains(unknown.as_bytes()));
    // Issued by another process: the cursor sees it, and the negative entry goes.
    s.services.records.add(&unknown);
    s.services.resync(0).await.unwrap();
    assert!(!s.services.cas[0].negative.contains(unknown.as_bytes()));
    let (presigned, b) = s.ask(&unknown, None).await;
    assert!(presigned && matches!(status(&b), CertStatus::Good(_)));
}

#[tokio::test]
async fn a_request_for_more_cert_ids_than_the_cap_is_malformed() {
    let s = story();
    let one = s.request(&s.good, HashAlg::Sha1, None);
    let mut request = OcspRequest::from_der(&one).unwrap();
    let id = request.tbs_request.request_list[0].clone();
    // Eleven: within the parser's bound (100), over the server's cap (10).
    assert_eq!(super::services::MAX_CERT_IDS, 10);
    request.tbs_request.request_list = vec![id; 11];
    let der = request.to_der().unwrap();
    assert!(matches!(
        s.services.ocsp(parse_request(&der)).await,
        OcspAnswer::Malformed(_)
    ));
    assert_eq!(*s.services.records.reads.lock().unwrap(), 0);
}

async fn publish(s: &Story, publisher: &mut Publisher, at: SystemTime) -> Option<u64> {
    let timing = CrlTiming {
        interval: Duration::from_secs(60),
        validity: DAY,
    };
    publisher
        .round(&s.services, 0, timing, at)
        .await
        .unwrap()
        .published
}

#[tokio::test]
async fn a_crl_get_is_answered_from_memory_and_a_matching_etag_reads_no_database() {
    let s = story();
    let mut publisher = Publisher::default();
    assert_eq!(
        publish(&s, &mut publisher, SystemTime::now()).await,
        Some(1)
    );
    let get = || Request::get("/crl/issuing.crl");
    let (code, headers, body) = call(s.router(), get().body(Body::empty()).unwrap()).await;
    assert_eq!(code, StatusCode::OK);
    let etag = headers[header::ETAG].clone();
    let last_modified = headers[header::LAST_MODIFIED].clone();
    // The database is gone: conditional GETs and downloads are still answered.
    *s.services.records.down.lock().unwrap() = true;
    let reads = *s.services.records.reads.lock().unwrap();
    let (code, _, _) = call(
        s.router(),
        get()
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_MODIFIED);
    let (code, _, _) = call(
        s.router(),
        get()
            .header(header::IF_MODIFIED_SINCE, last_modified)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_MODIFIED);
    let (code, _, again) = call(s.router(), get().body(Body::empty()).unwrap()).await;
    assert_eq!((code, &again), (StatusCode::OK, &body));
    assert_eq!(*s.services.records.reads.lock().unwrap(), reads);
}

#[tokio::test]
async fn old_crls_are_pruned_to_the_newest_n_and_archived() {
    let s = story_with(Duration::from_secs(3600), Some(2));
    let mut publisher = Publisher::default();
    let mut at = SystemTime::now();
    for n in 1..=5 {
        assert_eq!(publish(&s, &mut publisher, at).await, Some(n));
        // Past the half-life of the CRL just published: the next round publishes.
        at += DAY / 2 + Duration::from_secs(1);
    }
    let kept: Vec<u64> = s
        .services
        .records
        .crls
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.number)
        .collect();
    assert_eq!(kept, vec![4, 5]);
    let archived: Vec<u64> = s
        .services
        .records
        .archived
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.number)
        .collect();
    assert_eq!(archived, vec![1, 2, 3]);
}
