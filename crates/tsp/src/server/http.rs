//! The HTTP face of the status services (axum): media types of RFC 6960 Appendix A, RFC 5280
//! §4.2.1.13 / RFC 2585 and RFC 3161 §3.4, RFC 5019 §6 caching headers on GET, body size and
//! time limits. Bad input gets the protocol's own error in a 4xx, never a panic.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use jeton_pki::ocsp::{parse_get_request, parse_request};
use jeton_pki::timestamp;

use super::presigned::Presigned;
use super::records::StatusRecords;
use super::services::{HeldCrl, OcspAnswer, Services};

/// `application/ocsp-request` (RFC 6960 Appendix A.1).
pub const OCSP_REQUEST: &str = "application/ocsp-request";
/// `application/ocsp-response` (RFC 6960 Appendix A.2).
pub const OCSP_RESPONSE: &str = "application/ocsp-response";
/// `application/pkix-crl` (RFC 2585 §4.2).
pub const PKIX_CRL: &str = "application/pkix-crl";
/// `application/pkix-cert` (RFC 2585 §4.1).
pub const PKIX_CERT: &str = "application/pkix-cert";
/// `application/timestamp-query` (RFC 3161 §3.4).
pub const TIMESTAMP_QUERY: &str = "application/timestamp-query";
/// `application/timestamp-reply` (RFC 3161 §3.4).
pub const TIMESTAMP_REPLY: &str = "application/timestamp-reply";

/// Limits applied to every request.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest body.
    pub max_body: usize,
    /// Longest time a request may take.
    pub timeout: Duration,
    /// `max-age` of CRLs: a new one may come this soon after a revocation.
    pub crl_max_age: Duration,
}

struct App<S> {
    services: Arc<Services<S>>,
    limits: Limits,
}

/// The router: `/ocsp` (POST and GET), `/crl/{ca}.crl`, `/ca/{ca}.crt`, `/tsa`, `/healthz`,
/// `/audit/head`.
pub fn router<S: StatusRecords>(services: Arc<Services<S>>, limits: Limits) -> Router {
    let app = Arc::new(App { services, limits });
    let timeout = limits.timeout;
    Router::new()
        .route("/ocsp", post(ocsp_post::<S>))
        // Some clients post to the responder's root URL.
        .route("/", post(ocsp_post::<S>))
        // The GET form's base64 may hold "/": the rest of the path is the request.
        .route("/ocsp/{*request}", get(ocsp_get::<S>))
        .route("/crl/{file}", get(crl::<S>))
        .route("/ca/{file}", get(ca_certificate::<S>))
        .route("/tsa", post(tsa::<S>))
        .route("/healthz", get(healthz::<S>))
        .route("/audit/head", get(audit_head::<S>))
        .with_state(app)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            time_limit(request, next, timeout)
        }))
}

async fn time_limit(request: Request, next: Next, limit: Duration) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "request took too long\n").into_response(),
    }
}

fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

fn body_response(status: StatusCode, media_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

/// Reads at most `limit` bytes of body: Err(413) beyond.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, StatusCode> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)
}

fn malformed() -> Vec<u8> {
    der::Encode::to_der(&jeton_pki::OcspResponse::malformed_request()).unwrap_or_default()
}

async fn ocsp_post<S: StatusRecords>(State(app): State<Arc<App<S>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if !content_type_is(&parts.headers, OCSP_REQUEST) {
        return body_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            OCSP_RESPONSE,
            malformed(),
        );
    }
    let body = match read_body(body, app.limits.max_body).await {
        Ok(b) => b,
        Err(status) => return body_response(status, OCSP_RESPONSE, malformed()),
    };
    // RFC 5019 §5: POST responses are not cached by HTTP caches; no caching headers.
    answer(app.services.ocsp(parse_request(&body)).await, false, None)
}

async fn ocsp_get<S: StatusRecords>(
    State(app): State<Arc<App<S>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    // The path as sent: axum's own decoding of the parameter would turn "%2B" into "+" and
    // leave "+" as is, which is right, but the raw text is what RFC 6960 A.1 describes.
    let segment = uri.path().strip_prefix("/ocsp/").unwrap_or_default();
    let answer_for = app.services.ocsp(parse_get_request(segment)).await;
    answer(answer_for, true, headers.get(header::IF_NONE_MATCH))
}

fn answer(answer: OcspAnswer, cacheable: bool, if_none_match: Option<&HeaderValue>) -> Response {
    match answer {
        OcspAnswer::Presigned(p) => presigned(&p, cacheable, if_none_match),
        OcspAnswer::Live(der) => {
            let mut response = body_response(StatusCode::OK, OCSP_RESPONSE, der);
            if cacheable {
                // Signed for this request (a nonce, several CertIDs): not for a shared cache.
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            response
        }
        OcspAnswer::Malformed(der) => body_response(StatusCode::BAD_REQUEST, OCSP_RESPONSE, der),
    }
}

fn http_date(t: SystemTime) -> HeaderValue {
    HeaderValue::from_str(&httpdate::fmt_http_date(t)).unwrap_or(HeaderValue::from_static(""))
}

/// RFC 5019 §6.2: max-age up to nextUpdate, Last-Modified thisUpdate, Expires nextUpdate,
/// an ETag, "public, no-transform, must-revalidate".
fn presigned(p: &Presigned, cacheable: bool, if_none_match: Option<&HeaderValue>) -> Response {
    let now = SystemTime::now();
    let not_modified =
        cacheable && if_none_match.is_some_and(|v| v.as_bytes() == p.etag.as_bytes());
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body_response(StatusCode::OK, OCSP_RESPONSE, p.der.clone())
    };
    if cacheable {
        // Not beyond the time the pre-signed response itself is replaced, so that a cache
        // does not outlive a revocation dated in the future.
        let max_age = p
            .fresh_until
            .min(p.next_update)
            .duration_since(now)
            .unwrap_or_default()
            .as_secs();
        let h = response.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&format!(
                "max-age={max_age}, public, no-transform, must-revalidate"
            ))
            .unwrap_or(HeaderValue::from_static("no-cache")),
        );
        h.insert(header::LAST_MODIFIED, http_date(p.this_update));
        h.insert(header::EXPIRES, http_date(p.next_update));
        if let Ok(etag) = HeaderValue::from_str(&p.etag) {
            h.insert(header::ETAG, etag);
        }
    }
    response
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("{what}\n")).into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the certificate store cannot be read now; try again shortly\n",
    )
        .into_response()
}

async fn crl<S: StatusRecords>(
    State(app): State<Arc<App<S>>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(name) = file.strip_suffix(".crl") else {
        return not_found("CRLs are at /crl/{ca}.crl");
    };
    let Some(ca) = app.services.ca(name) else {
        return not_found("no such CA here");
    };
    // The latest CRL is held in memory: conditional requests and downloads alike are
    // answered without a database read (the publisher keeps it current).
    let crl = match ca.held_crl() {
        Some(crl) => crl,
        None => match app.services.records.latest_crl(name).await {
            Ok(Some(crl)) => {
                let crl = Arc::new(HeldCrl::of(crl));
                ca.hold_crl(Arc::clone(&crl));
                crl
            }
            Ok(None) => return not_found("this CA has published no CRL yet"),
            Err(_) => return unavailable(),
        },
    };
    let etag = crl.etag.as_str();
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        // RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is sent.
        Some(v) => v
            .to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| {
                // HTTP dates are whole seconds.
                crl.this_update
                    .duration_since(std::time::UNIX_EPOCH)
                    .is_ok_and(|t| {
                        since
                            .duration_since(std::time::UNIX_EPOCH)
                            .is_ok_and(|s| t.as_secs() <= s.as_secs())
                    })
            }),
    };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body_response(StatusCode::OK, PKIX_CRL, crl.der.clone())
    };
    let h = response.headers_mut();
    // A newer CRL may follow a revocation within crl_interval: caches keep it no longer.
    let mut max_age = app.limits.crl_max_age;
    if let Some(next) = crl.next_update {
        max_age = max_age.min(next.duration_since(SystemTime::now()).unwrap_or_default());
        h.insert(header::EXPIRES, http_date(next));
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "max-age={}, public, no-transform",
        max_age.as_secs()
    )) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::LAST_MODIFIED, http_date(crl.this_update));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    response
}

async fn ca_certificate<S: StatusRecords>(
    State(app): State<Arc<App<S>>>,
    Path(file): Path<String>,
) -> Response {
    let Some(name) = file.strip_suffix(".crt") else {
        return not_found("CA certificates are at /ca/{ca}.crt");
    };
    if let Some(ca) = app.services.ca(name) {
        return certificate_response(ca.certificate_der.clone());
    }
    // The root and other CAs this server does not answer for, from the store.
    match app.services.records.ca_certificate(name).await {
        Ok(Some(der)) => certificate_response(Bytes::from(der)),
        Ok(None) => not_found("no such CA"),
        Err(_) => unavailable(),
    }
}

fn certificate_response(der: Bytes) -> Response {
    let mut response = body_response(StatusCode::OK, PKIX_CERT, der);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, public"),
    );
    response
}

fn tsa_rejection(status: StatusCode, failure: timestamp::Failure) -> Response {
    body_response(
        status,
        TIMESTAMP_REPLY,
        timestamp::rejection(failure).unwrap_or_default(),
    )
}

async fn tsa<S: StatusRecords>(State(app): State<Arc<App<S>>>, request: Request) -> Response {
    if app.services.tsa.is_none() {
        return not_found("this server has no TSA");
    }
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST || !content_type_is(&parts.headers, TIMESTAMP_QUERY) {
        return tsa_rejection(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            timestamp::Failure::BadRequest,
        );
    }
    let limit = app.limits.max_body.min(timestamp::MAX_REQUEST_LEN);
    let body = match read_body(body, limit).await {
        Ok(b) => b,
        Err(status) => return tsa_rejection(status, timestamp::Failure::BadRequest),
    };
    match app.services.timestamp(&body).await {
        Ok(answer) => body_response(
            if answer.bad_request {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            },
            TIMESTAMP_REPLY,
            answer.der,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "time-stamp failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the TSA cannot stamp now; try again shortly\n",
            )
                .into_response()
        }
    }
}

/// The audit log's latest signed head as JSON ([`crate::audit::SignedHead`]): a copy outside
/// the database that anyone may keep, so that a log cut below it shows. Never cached.
async fn audit_head<S: StatusRecords>(State(app): State<Arc<App<S>>>) -> Response {
    match app.services.records.audit_head().await {
        Ok(Some(head)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            head.to_line(),
        )
            .into_response(),
        Ok(None) => not_found("signed audit head"),
        Err(_) => unavailable(),
    }
}

/// `ok`, or 503 and what is missing: every CA served must still be in the store (a row
/// deleted, a database restored from the wrong backup), since its answers come from there.
async fn healthz<S: StatusRecords>(State(app): State<Arc<App<S>>>) -> Response {
    let mut missing = Vec::new();
    for ca in &app.services.cas {
        match app.services.records.ca_certificate(&ca.name).await {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(format!("CA `{}` in the database", ca.name)),
            Err(_) => return unavailable(),
        }
    }
    if missing.is_empty() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        let text = format!("missing: {}\n", missing.join(", "));
        (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
    }
}
