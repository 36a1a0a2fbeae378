mod common;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use common::*;
use der::{Decode, Encode};
use jeton_pki::ocsp::{parse_get_request, parse_request, RequestError, Responder};
use jeton_pki::{CertState, KeyKind, RevocationReason, SoftwareKey, Unavailable};
use x509_cert::serial_number::SerialNumber;

struct Story {
    pki: Pki,
    dir: Dir,
    good: jeton_pki::Certificate,
    lost: jeton_pki::Certificate,
    states: HashMap<Vec<u8>, CertState>,
}

fn story() -> Story {
    let pki = Pki::new();
    let dir = Dir::new();
    pki.write(&dir);
    let good = pki.issue_holder(
        "qualified-signing",
        &SoftwareKey::generate(KeyKind::P256).unwrap(),
    );
    let lost = pki.issue_holder(
        "authentication",
        &SoftwareKey::generate(KeyKind::P256).unwrap(),
    );
    dir.write("good.pem", &cert_pem(&good.to_der().unwrap()));
    dir.write("lost.pem", &cert_pem(&lost.to_der().unwrap()));
    let mut states = HashMap::new();
    states.insert(
        good.tbs_certificate.serial_number.as_bytes().to_vec(),
        CertState::Good,
    );
    states.insert(
        lost.tbs_certificate.serial_number.as_bytes().to_vec(),
        CertState::Revoked {
            at: SystemTime::now() - DAY,
            reason: RevocationReason::KeyCompromise,
            invalidity_date: Some(SystemTime::now() - 2 * DAY),
        },
    );
    Story {
        pki,
        dir,
        good,
        lost,
        states,
    }
}

impl Story {
    fn lookup(&self) -> impl Fn(&SerialNumber) -> Result<CertState, Unavailable> + '_ {
        |serial| {
            Ok(self
                .states
                .get(serial.as_bytes())
                .copied()
                .unwrap_or(CertState::NeverIssued))
        }
    }

    fn responder(&self) -> Responder<'_> {
        Responder::new(
            &self.pki.ca,
            Some(&self.pki.responder),
            &self.pki.responder_key,
            Duration::from_secs(3600),
            Some(SystemTime::from(
                self.pki.ca.tbs_certificate.validity.not_before,
            )),
        )
        .unwrap()
    }

    /// `openssl ocsp -reqout` for good, lost and a never-issued serial, with extra options.
    fn openssl_request(&self, extra: &[&str]) -> Vec<u8> {
        let d = &self.dir;
        let mut args = vec!["ocsp"];
        // Digest options must come before -cert.
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            "-issuer",
            d.f("ca.pem"),
            "-cert",
            d.f("good.pem"),
            "-cert",
            d.f("lost.pem"),
            "-serial",
            "0x1234567890",
            "-reqout",
            d.f("req.der"),
        ]);
        openssl_ok(&args);
        d.read("req.der")
    }

    /// `openssl ocsp -respin`: first against the request file (signature, nonce), then for
    /// the statuses of good, lost and the never-issued serial (openssl builds its own request
    /// from -cert, so that run skips the nonce). `extra` goes first (e.g. -sha256).
    fn openssl_check(&self, response: &[u8], trust: &[&str], extra: &[&str]) -> String {
        let d = &self.dir;
        d.write("resp.der", response);
        let mut args = vec![
            "ocsp",
            "-respin",
            d.f("resp.der"),
            "-reqin",
            d.f("req.der"),
            "-resp_text",
        ];
        args.extend_from_slice(trust);
        let mut out = openssl_ok(&args);
        let mut args = vec!["ocsp"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            "-respin",
            d.f("resp.der"),
            "-no_nonce",
            "-issuer",
            d.f("ca.pem"),
            "-cert",
            d.f("good.pem"),
            "-cert",
            d.f("lost.pem"),
            "-serial",
            "0x1234567890",
        ]);
        args.extend_from_slice(trust);
        out += &openssl_ok(&args);
        out
    }
}

#[test]
fn openssl_reads_good_revoked_and_never_issued_answers_with_the_nonce_echoed() {
    let s = story();
    let req = s.openssl_request(&[]);
    let parsed = parse_request(&req).unwrap();
    assert_eq!(parsed.cert_ids.len(), 3);
    assert!(parsed.nonce.is_some());
    let resp = s
        .responder()
        .respond_der(Ok(parsed), &s.lookup(), SystemTime::now())
        .unwrap();

    for trust in [
        vec!["-VAfile", s.dir.f("responder.pem")],
        vec![
            "-CAfile",
            s.dir.f("root.pem"),
            "-verify_other",
            s.dir.f("ca.pem"),
        ],
    ] {
        let out = s.openssl_check(&resp, &trust, &[]);
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains("good.pem: good"), "{out}");
        assert!(out.contains("lost.pem: revoked"), "{out}");
        assert!(out.contains("Reason: keyCompromise"), "{out}");
        // The never-issued serial is not good (RFC 6960 §2.2, BR §4.9.10).
        assert!(out.contains("0x1234567890: revoked"), "{out}");
        assert!(out.contains("Reason: certificateHold"), "{out}");
        assert!(
            out.contains("Revocation Time: Jan  1 00:00:00 1970 GMT"),
            "{out}"
        );
        assert!(out.contains("OCSP Nonce"), "{out}");
        assert!(
            // OpenSSL names id-pkix-ocsp-extended-revoke 1.3.6.1.5.5.7.48.1.9 "valid".
            out.contains("valid: "),
            "extended revoke: {out}"
        );
        assert!(out.contains("OCSP Archive Cutoff"), "{out}");
        // The lost key's suspected compromise, as on the CRL (RFC 6960 §4.4.5).
        assert!(out.contains("Invalidity Date"), "{out}");
        assert!(!out.contains("WARNING: no nonce"), "{out}");
    }
    pkilint_clean(
        "lint_ocsp_response",
        &["lint", "-s", "WARNING", s.dir.f("resp.der")],
    );
}

#[test]
fn sha256_cert_ids_are_answered_in_sha256_and_no_nonce_means_none_echoed() {
    let s = story();
    let req = s.openssl_request(&["-sha256", "-no_nonce"]);
    let parsed = parse_request(&req).unwrap();
    assert!(parsed.nonce.is_none());
    let resp = s
        .responder()
        .respond_der(Ok(parsed.clone()), &s.lookup(), SystemTime::now())
        .unwrap();
    let out = s.openssl_check(&resp, &["-VAfile", s.dir.f("responder.pem")], &["-sha256"]);
    assert!(
        out.contains("Response verify OK") && out.contains("good.pem: good"),
        "{out}"
    );
    assert!(out.contains("Hash Algorithm: sha256"), "{out}");
    assert!(!out.contains("Hash Algorithm: sha1"), "{out}");
    assert!(!out.contains("OCSP Nonce"), "{out}");
}

#[test]
fn the_get_form_decodes_to_the_same_request() {
    let s = story();
    let req = s.openssl_request(&[]);
    let b64 = openssl::base64::encode_block(&req);
    let url = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    assert_eq!(
        parse_get_request(&url).unwrap(),
        parse_request(&req).unwrap()
    );
    // Unencoded base64 and missing padding are accepted too.
    assert_eq!(
        parse_get_request(b64.trim_end_matches('=')).unwrap(),
        parse_request(&req).unwrap()
    );
    assert_eq!(parse_get_request("%ZZ"), Err(RequestError::Encoding));
    assert_eq!(parse_get_request("!!!!"), Err(RequestError::Encoding));
}

#[test]
fn a_tampered_response_fails_verification() {
    let s = story();
    let req = s.openssl_request(&[]);
    let mut resp = s
        .responder()
        .respond_der(parse_request(&req), &s.lookup(), SystemTime::now())
        .unwrap();
    // Change the revocation reason's byte (keyCompromise 1 → 2) inside the signed data.
    let at = resp
        .windows(5)
        .position(|w| w == [0xa0, 0x03, 0x0a, 0x01, 0x01])
        .unwrap();
    resp[at + 4] = 0x02;
    s.dir.write("resp.der", &resp);
    let out = openssl(&[
        "ocsp",
        "-respin",
        s.dir.f("resp.der"),
        "-reqin",
        s.dir.f("req.der"),
        "-VAfile",
        s.dir.f("responder.pem"),
    ]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() || text.contains("Response Verify Failure"),
        "{text}"
    );
    assert!(!text.contains("Response verify OK"), "{text}");
}

#[test]
fn the_ca_key_can_answer_itself() {
    let s = story();
    let req = s.openssl_request(&[]);
    let ca_responder = Responder::new(
        &s.pki.ca,
        None,
        &s.pki.ca_key,
        Duration::from_secs(600),
        None,
    )
    .unwrap();
    let resp = ca_responder
        .respond_der(parse_request(&req), &s.lookup(), SystemTime::now())
        .unwrap();
    let out = s.openssl_check(
        &resp,
        &[
            "-CAfile",
            s.dir.f("root.pem"),
            "-verify_other",
            s.dir.f("ca.pem"),
        ],
        &[],
    );
    assert!(
        out.contains("Response verify OK") && out.contains("good.pem: good"),
        "{out}"
    );
}

fn status_of(der: &[u8]) -> x509_ocsp::OcspResponseStatus {
    let r = x509_ocsp::OcspResponse::from_der(der).unwrap();
    if r.response_status != x509_ocsp::OcspResponseStatus::Successful {
        assert!(
            r.response_bytes.is_none(),
            "RFC 6960 §4.2.1: error responses are not signed"
        );
    }
    r.response_status
}

#[test]
fn errors_get_malformed_unauthorized_and_try_later() {
    use x509_ocsp::OcspResponseStatus::*;
    let s = story();
    let responder = s.responder();
    let now = SystemTime::now();

    assert_eq!(
        status_of(
            &responder
                .respond_der(parse_request(b"\x30\x03junk"), &s.lookup(), now)
                .unwrap()
        ),
        MalformedRequest
    );

    // A certificate of another CA (the issuing CA's own, under the root).
    let d = &s.dir;
    openssl_ok(&[
        "ocsp",
        "-issuer",
        d.f("root.pem"),
        "-cert",
        d.f("ca.pem"),
        "-reqout",
        d.f("other.der"),
    ]);
    assert_eq!(
        status_of(
            &responder
                .respond_der(parse_request(&d.read("other.der")), &s.lookup(), now)
                .unwrap()
        ),
        Unauthorized
    );

    let req = s.openssl_request(&[]);
    let down = |_: &SerialNumber| -> Result<CertState, Unavailable> { Err(Unavailable) };
    assert_eq!(
        status_of(
            &responder
                .respond_der(parse_request(&req), &down, now)
                .unwrap()
        ),
        TryLater
    );

    // A 33-octet nonce is refused (RFC 8954 §2.1), a 32-octet one echoed.
    let mut ocsp_req = x509_ocsp::OcspRequest::from_der(&req).unwrap();
    for (len, expected) in [(33, MalformedRequest), (32, Successful), (1, Successful)] {
        let nonce = der::asn1::OctetString::new(vec![7u8; len])
            .unwrap()
            .to_der()
            .unwrap();
        ocsp_req.tbs_request.request_extensions = Some(vec![x509_cert::ext::Extension {
            extn_id: jeton_pki::oids::OCSP_NONCE,
            critical: false,
            extn_value: der::asn1::OctetString::new(nonce).unwrap(),
        }]);
        let parsed = parse_request(&ocsp_req.to_der().unwrap());
        if len == 33 {
            assert_eq!(parsed, Err(RequestError::NonceLength(33)));
        }
        let resp = responder.respond_der(parsed, &s.lookup(), now).unwrap();
        assert_eq!(status_of(&resp), expected, "nonce of {len}");
    }
}

#[test]
fn a_responder_must_be_delegated_by_its_ca_and_hold_its_key() {
    let s = story();
    let hour = Duration::from_secs(3600);
    assert!(matches!(
        Responder::new(&s.pki.ca, Some(&s.pki.responder), &s.pki.ca_key, hour, None),
        Err(jeton_pki::ocsp::ResponderError::KeyMismatch)
    ));
    assert!(matches!(
        Responder::new(&s.pki.ca, Some(&s.pki.tsa), &s.pki.tsa_key, hour, None),
        Err(jeton_pki::ocsp::ResponderError::NotDelegated)
    ));
    let _ = (&s.good, &s.lost);
}
