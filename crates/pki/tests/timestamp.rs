mod common;

use std::time::SystemTime;

use common::*;
use der::{Decode, Encode};
use jeton_pki::timestamp::{parse_request, Failure};
use jeton_pki::{oids, TimeAccuracy, Tsa};

const POLICY: &str = "0.4.0.2023.1.1";

fn tsa(pki: &Pki) -> Tsa<'_> {
    Tsa::new(
        &pki.tsa,
        &pki.tsa_key,
        der::asn1::ObjectIdentifier::new_unwrap(POLICY),
        TimeAccuracy {
            seconds: 1,
            millis: 0,
            micros: 0,
        },
        true,
    )
    .unwrap()
}

fn serial(n: u64) -> x509_cert::serial_number::SerialNumber {
    x509_cert::serial_number::SerialNumber::new(&n.to_be_bytes()).unwrap()
}

struct Setup {
    pki: Pki,
    dir: Dir,
}

fn setup() -> Setup {
    let pki = Pki::new();
    let dir = Dir::new();
    pki.write(&dir);
    dir.write("doc.txt", b"Contrat de travail, signe le 26 novembre.\n");
    let mut untrusted = cert_pem(&pki.ca.to_der().unwrap());
    untrusted.extend(cert_pem(&pki.tsa.to_der().unwrap()));
    dir.write("untrusted.pem", &untrusted);
    Setup { pki, dir }
}

impl Setup {
    fn query(&self, opts: &[&str]) -> Vec<u8> {
        let mut args = vec![
            "ts",
            "-query",
            "-data",
            self.dir.f("doc.txt"),
            "-out",
            self.dir.f("req.tsq"),
        ];
        args.extend_from_slice(opts);
        openssl_ok(&args);
        self.dir.read("req.tsq")
    }

    fn verify(&self, resp: &[u8]) -> std::process::Output {
        self.dir.write("resp.tsr", resp);
        openssl(&[
            "ts",
            "-verify",
            "-in",
            self.dir.f("resp.tsr"),
            "-queryfile",
            self.dir.f("req.tsq"),
            "-CAfile",
            self.dir.f("root.pem"),
            "-untrusted",
            self.dir.f("untrusted.pem"),
        ])
    }

    fn reply_text(&self, resp: &[u8]) -> String {
        self.dir.write("resp.tsr", resp);
        openssl_ok(&["ts", "-reply", "-in", self.dir.f("resp.tsr"), "-text"])
    }
}

#[test]
fn openssl_verifies_a_token_against_its_query() {
    let s = setup();
    for opts in [
        &["-sha256", "-cert"][..],
        &["-sha512"][..],
        &["-sha384", "-no_nonce"][..],
    ] {
        let req = s.query(opts);
        let resp = tsa(&s.pki)
            .respond(&req, &serial(42), SystemTime::now())
            .unwrap();
        let out = s.verify(&resp);
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains("Verification: OK"),
            "{opts:?}: {text}"
        );

        let text = s.reply_text(&resp);
        for expected in [
            "Status: Granted.",
            "Policy OID: 0.4.0.2023.1.1",
            "Serial number: 0x2A",
            "Accuracy: 0x01 seconds, unspecified millis, unspecified micros",
            "Ordering: no",
            "TSA: DirName:/C=FR/O=Jeton Trust Services/organizationIdentifier=NTRFR-123456789/CN=Jeton TSU 1",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert_eq!(
            !opts.contains(&"-no_nonce"),
            !text.contains("Nonce: unspecified"),
            "{text}"
        );
    }
}

#[test]
fn the_token_carries_ess_cert_id_v2_and_the_qualified_statement() {
    let s = setup();
    let req = s.query(&["-sha256", "-cert"]);
    let resp = tsa(&s.pki)
        .respond(&req, &serial(7), SystemTime::now())
        .unwrap();
    let resp = x509_tsp::TimeStampResp::from_der(&resp).unwrap();
    let token = resp.time_stamp_token.unwrap();
    assert_eq!(token.content_type, oids::CMS_SIGNED_DATA);
    let sd = cms::signed_data::SignedData::from_der(&token.content.to_der().unwrap()).unwrap();
    let si = sd.signer_infos.0.get(0).unwrap();
    let attrs = si.signed_attrs.as_ref().unwrap();
    let ess = attrs
        .iter()
        .find(|a| a.oid == oids::AA_SIGNING_CERTIFICATE_V2)
        .expect("signingCertificateV2");
    let v2: jeton_pki::timestamp::SigningCertificateV2 =
        ess.values.get(0).unwrap().decode_as().unwrap();
    let expected = openssl::hash::hash(
        openssl::hash::MessageDigest::sha256(),
        &s.pki.tsa.to_der().unwrap(),
    )
    .unwrap();
    assert_eq!(v2.certs[0].cert_hash.as_bytes(), &expected[..]);
    let tst = x509_tsp::TstInfo::from_der(sd.encap_content_info.econtent.unwrap().value()).unwrap();
    let ext = &tst.extensions.unwrap()[0];
    assert_eq!(ext.extn_id, oids::QC_STATEMENTS);
    let statements =
        Vec::<jeton_pki::qc::QcStatement>::from_der(ext.extn_value.as_bytes()).unwrap();
    assert_eq!(statements[0].statement_id.to_string(), "0.4.0.19422.1.1");
}

#[test]
fn a_tampered_token_fails_verification() {
    let s = setup();
    let req = s.query(&["-sha256", "-cert"]);
    let mut resp = tsa(&s.pki)
        .respond(&req, &serial(0x5a5a), SystemTime::now())
        .unwrap();
    // The serial number inside TSTInfo: INTEGER 0x5a5a.
    let at = resp
        .windows(4)
        .position(|w| w == [0x02, 0x02, 0x5a, 0x5a])
        .unwrap();
    resp[at + 3] = 0x5b;
    let out = s.verify(&resp);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("Verification: FAILED"),
        "{text}"
    );
}

fn rejection_of(s: &Setup, req: &[u8]) -> String {
    let resp = tsa(&s.pki)
        .respond(req, &serial(1), SystemTime::now())
        .unwrap();
    let text = s.reply_text(&resp);
    assert!(text.contains("Status: Rejected."), "{text}");
    assert!(
        text.contains("TST info:\nNot included."),
        "a rejection carries no token: {text}"
    );
    text
}

#[test]
fn bad_requests_are_rejected_with_the_failure_bit() {
    let s = setup();
    let text = rejection_of(&s, &s.query(&["-sha1"]));
    assert!(
        text.contains("unrecognized or unsupported algorithm identifier"),
        "{text}"
    );
    let text = rejection_of(&s, &s.query(&["-sha256", "-tspolicy", "1.2.3.4"]));
    assert!(
        text.contains("requested TSA policy is not supported"),
        "{text}"
    );
    let text = rejection_of(
        &s,
        &s.query(&["-sha256", "-tspolicy", "1.2.3.4"])
            .into_iter()
            .chain([0])
            .collect::<Vec<_>>(),
    );
    assert!(
        text.contains("the data submitted has the wrong format"),
        "trailing byte: {text}"
    );
    let text = rejection_of(&s, b"not a request");
    assert!(
        text.contains("the data submitted has the wrong format"),
        "{text}"
    );

    // A SHA-256 imprint of 20 bytes.
    let mut req = x509_tsp::TimeStampReq::from_der(&s.query(&["-sha256"])).unwrap();
    req.message_imprint.hashed_message = der::asn1::OctetString::new(vec![0u8; 20]).unwrap();
    let bytes = req.to_der().unwrap();
    assert_eq!(parse_request(&bytes).unwrap_err(), Failure::BadDataFormat);
    rejection_of(&s, &bytes);
    // An extension the TSA does not support.
    let mut req = x509_tsp::TimeStampReq::from_der(&s.query(&["-sha256"])).unwrap();
    req.extensions = Some(vec![x509_cert::ext::Extension {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.2.3.4"),
        critical: false,
        extn_value: der::asn1::OctetString::new(vec![5, 0]).unwrap(),
    }]);
    let text = rejection_of(&s, &req.to_der().unwrap());
    assert!(text.contains("unacceptedExtension"), "{text}");
    // Truncated.
    let good = s.query(&["-sha256"]);
    for cut in 0..good.len() {
        assert_eq!(
            parse_request(&good[..cut]).unwrap_err(),
            Failure::BadDataFormat,
            "cut {cut}"
        );
    }
}

#[test]
fn a_tsa_needs_its_own_key_and_a_timestamping_certificate() {
    let pki = Pki::new();
    let policy = der::asn1::ObjectIdentifier::new_unwrap(POLICY);
    let acc = TimeAccuracy {
        seconds: 1,
        millis: 0,
        micros: 0,
    };
    assert!(matches!(
        Tsa::new(&pki.tsa, &pki.ca_key, policy, acc, false),
        Err(jeton_pki::TsaError::KeyMismatch)
    ));
    assert!(matches!(
        Tsa::new(&pki.responder, &pki.responder_key, policy, acc, false),
        Err(jeton_pki::TsaError::NotTsaCertificate)
    ));
}
