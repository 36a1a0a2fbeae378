//! Arbitrary and mutated bytes into every parser: an error answer, never a panic.

mod common;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use common::*;
use der::Encode;
use jeton_pki::ocsp::{parse_get_request, parse_request, Responder};
use jeton_pki::{parse_csr, CertState, TimeAccuracy, Tsa};
use proptest::prelude::*;

struct Fixture {
    pki: Pki,
    csr: Vec<u8>,
    ocsp_req: Vec<u8>,
    ts_req: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let pki = Pki::new();
        let dir = Dir::new();
        pki.write(&dir);
        openssl_ok(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            dir.f("k.pem"),
        ]);
        openssl_ok(&[
            "req",
            "-new",
            "-key",
            dir.f("k.pem"),
            "-subj",
            "/CN=x",
            "-outform",
            "DER",
            "-out",
            dir.f("r.der"),
        ]);
        openssl_ok(&[
            "ocsp",
            "-issuer",
            dir.f("ca.pem"),
            "-cert",
            dir.f("tsa.pem"),
            "-reqout",
            dir.f("o.der"),
        ]);
        dir.write("doc", b"doc");
        openssl_ok(&[
            "ts",
            "-query",
            "-data",
            dir.f("doc"),
            "-sha256",
            "-cert",
            "-out",
            dir.f("t.tsq"),
        ]);
        Fixture {
            csr: dir.read("r.der"),
            ocsp_req: dir.read("o.der"),
            ts_req: dir.read("t.tsq"),
            pki,
        }
    })
}

fn mutate(valid: &[u8], flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut v = valid.to_vec();
    for (at, x) in flips {
        let i = at % v.len();
        v[i] ^= x;
    }
    v.truncate(cut % (v.len() + 1));
    v
}

fn respond_ocsp(bytes: &[u8]) {
    let f = fixture();
    let responder = Responder::new(
        &f.pki.ca,
        Some(&f.pki.responder),
        &f.pki.responder_key,
        Duration::from_secs(60),
        None,
    )
    .unwrap();
    let lookup = |_: &x509_cert::serial_number::SerialNumber| Ok(CertState::Good);
    let out = responder
        .respond_der(parse_request(bytes), &lookup, SystemTime::now())
        .unwrap();
    assert!(!out.is_empty());
}

fn respond_ts(bytes: &[u8]) {
    let f = fixture();
    let tsa = Tsa::new(
        &f.pki.tsa,
        &f.pki.tsa_key,
        jeton_pki::oids::BEST_PRACTICES_TS_POLICY,
        TimeAccuracy {
            seconds: 1,
            millis: 0,
            micros: 0,
        },
        false,
    )
    .unwrap();
    let serial = x509_cert::serial_number::SerialNumber::new(&[1]).unwrap();
    assert!(!tsa
        .respond(bytes, &serial, SystemTime::now())
        .unwrap()
        .is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_csr(&bytes);
        respond_ocsp(&bytes);
        respond_ts(&bytes);
    }

    #[test]
    fn random_get_paths(path in "[A-Za-z0-9+/=%]{0,300}") {
        let _ = parse_get_request(&path);
    }

    #[test]
    fn mutated_valid_inputs(flips in proptest::collection::vec((any::<usize>(), 1u8..), 1..4), cut in any::<usize>()) {
        let f = fixture();
        let _ = parse_csr(&mutate(&f.csr, &flips, cut));
        respond_ocsp(&mutate(&f.ocsp_req, &flips, cut));
        respond_ts(&mutate(&f.ts_req, &flips, cut));
    }
}

#[test]
fn the_unmutated_inputs_are_accepted() {
    let f = fixture();
    parse_csr(&f.csr).unwrap();
    parse_request(&f.ocsp_req).unwrap();
    jeton_pki::timestamp::parse_request(&f.ts_req).unwrap();
    let _ = f.pki.root.to_der().unwrap();
}
