//! jeton-pki's figures for the provider benchmark of issue 5, through the library on one
//! thread: a CRL of 1,000,000 entries built, signed and parsed back (and read by
//! `openssl crl`), certificates issued per second from PKCS#10 requests (software P-256 CA
//! key; with `--features pkcs11`, a P-256 CA key in SoftHSMv2 too), OCSP responses signed
//! live and RFC 3161 time-stamps per second (P-256 keys).
//!
//!     cargo bench -p jeton-pki --features pkcs11 --bench pki
//!
//! Each rate is measured for `JETON_BENCH_SECONDS` (default 2) seconds. Not run by CI.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use common::{holder, period, profile, provider, Dir, Pki};
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use jeton_pki::ocsp::{parse_request, CertState, StatusSource, Unavailable};
use jeton_pki::{
    build_crl, issue, parse_crl, parse_csr, CrlInfo, HashAlg, Issuer, IssuerUrls, NextUpdate,
    Responder, Revocation, RevocationReason, Signer, SoftwareKey, TimeAccuracy, Tsa,
};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509NameBuilder, X509ReqBuilder};
use x509_cert::serial_number::SerialNumber;

const CRL_ENTRIES: usize = 1_000_000;
const CRL_TARGET: Duration = Duration::from_secs(5);
const TIMESTAMPS_TARGET: f64 = 5_000.0;

/// One line of the printed table.
struct Row {
    measure: String,
    result: String,
    target: &'static str,
    met: Option<bool>,
}

fn row(measure: &str, result: String, target: &'static str, met: Option<bool>) -> Row {
    Row {
        measure: measure.to_owned(),
        result,
        target,
        met,
    }
}

fn budget() -> Duration {
    let secs = std::env::var("JETON_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

/// Calls `f(0)`, `f(1)`… for `budget()`; returns the calls per second.
fn per_second(mut f: impl FnMut(usize)) -> f64 {
    let budget = budget();
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < budget {
        f(n);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn rate(r: f64) -> String {
    format!("{r:.0}/s")
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    openssl::rand::rand_bytes(&mut b).expect("OpenSSL CSPRNG");
    b
}

/// A 16-octet positive serial, as `jeton_pki::issue` draws them.
fn random_serial() -> SerialNumber {
    let mut b = random_bytes::<16>();
    b[0] = (b[0] & 0x7f) | 0x40;
    SerialNumber::new(&b).expect("serial")
}

fn crl(pki: &Pki, dir: &Dir, rows: &mut Vec<Row>) {
    let now = SystemTime::now();
    let reasons = [
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::Unspecified,
    ];
    // What the server reads from its database: the input, not timed.
    let revoked: Vec<Revocation> = (0..CRL_ENTRIES)
        .map(|i| Revocation {
            serial: random_serial(),
            revoked_at: now - Duration::from_secs((i % 30_000_000) as u64),
            reason: reasons[i % reasons.len()],
            invalidity_date: (i % 10 == 0).then(|| now - Duration::from_secs(86_400 * 40)),
        })
        .collect();
    let info = CrlInfo {
        number: 42,
        this_update: now,
        next_update: NextUpdate::At(now + Duration::from_secs(86_400)),
        expired_certs_on_crl: Some(now - Duration::from_secs(86_400 * 5)),
    };
    let start = Instant::now();
    let der = build_crl(&pki.ca, &pki.ca_key, &info, &revoked)
        .and_then(|c| Ok(c.to_der()?))
        .expect("CRL built");
    let built = start.elapsed();
    drop(revoked);
    rows.push(row(
        &format!(
            "CRL of {CRL_ENTRIES} entries built and signed ({} MB DER)",
            der.len() / 1_000_000
        ),
        secs(built),
        "< 5 s",
        Some(built < CRL_TARGET),
    ));

    let start = Instant::now();
    let parsed = parse_crl(&der, &pki.ca).expect("CRL parses and verifies");
    let parse_time = start.elapsed();
    let entries = parsed
        .tbs_cert_list
        .revoked_certificates
        .as_ref()
        .map_or(0, Vec::len);
    assert_eq!(entries, CRL_ENTRIES, "every entry read back");
    rows.push(row(
        "  parsed back and verified (jeton_pki::parse_crl)",
        secs(parse_time),
        "",
        None,
    ));

    let path = dir.write("big.crl", &der);
    let ca = dir.write("ca.pem", &common::cert_pem(&pki.ca.to_der().expect("DER")));
    let start = Instant::now();
    let out = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-in"])
        .arg(&path)
        .arg("-CAfile")
        .arg(&ca)
        .output();
    let openssl_time = start.elapsed();
    let verdict = match out {
        Ok(o) if o.status.success() && String::from_utf8_lossy(&o.stderr).contains("verify OK") => {
            secs(openssl_time)
        }
        Ok(o) => format!("failed: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => format!("not run: {e}"),
    };
    rows.push(row(
        "  read and verified by `openssl crl -noout -CAfile`",
        verdict,
        "",
        None,
    ));
}

/// PKCS#10 requests for fresh P-256 keys, made by OpenSSL.
fn csrs(count: usize) -> Vec<Vec<u8>> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    (0..count)
        .map(|i| {
            let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("key");
            let mut name = X509NameBuilder::new().expect("name");
            name.append_entry_by_text("CN", &format!("holder {i}"))
                .expect("CN");
            let mut req = X509ReqBuilder::new().expect("request");
            req.set_subject_name(&name.build()).expect("subject");
            req.set_pubkey(&key).expect("key");
            req.sign(&key, MessageDigest::sha256()).expect("signed");
            req.build().to_der().expect("DER")
        })
        .collect()
}

/// Certificates per second: each CSR parsed (proof of possession checked) and a qualified
/// signing certificate issued and encoded.
fn issuance(ca: &jeton_pki::Certificate, ca_key: &dyn Signer, csrs: &[Vec<u8>]) -> f64 {
    let profile = profile("qualified-signing");
    let provider = provider();
    let subject = holder(true);
    let urls = IssuerUrls {
        ca_issuers: Some("http://pki.jeton.eu/ca/issuing.crt".into()),
        ocsp: Some("http://pki.jeton.eu/ocsp".into()),
        crl: Some("http://pki.jeton.eu/crl/issuing.crl".into()),
    };
    let issuer = Issuer {
        certificate: ca,
        signer: ca_key,
        urls: &urls,
    };
    per_second(|n| {
        let request = parse_csr(&csrs[n % csrs.len()]).expect("CSR accepted");
        let cert = issue(
            &profile,
            &provider,
            &subject,
            &request.public_key,
            &issuer,
            period(0, 365),
        )
        .expect("issued");
        std::hint::black_box(cert.to_der().expect("DER"));
    })
}

/// A P-256 issuing CA whose key was generated in a fresh SoftHSMv2 token, under `pki`'s root.
#[cfg(feature = "pkcs11")]
fn softhsm_ca(
    pki: &Pki,
    dir: &Dir,
) -> Option<(jeton_pki::Certificate, jeton_pki::pkcs11::Pkcs11Key)> {
    use jeton_pki::pkcs11::Pkcs11Key;
    use jeton_pki::KeyKind;
    let module = std::path::Path::new("/usr/lib/softhsm/libsofthsm2.so");
    if !module.exists() {
        return None;
    }
    std::fs::create_dir(dir.path("tokens")).expect("token folder");
    let conf = dir.write(
        "softhsm2.conf",
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            dir.f("tokens")
        )
        .as_bytes(),
    );
    // Before the module is loaded, while this process has one thread.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let init = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "jeton-bench"])
        .args(["--pin", "1234", "--so-pin", "5678"])
        .output()
        .ok()?;
    if !init.status.success() {
        return None;
    }
    let key = Pkcs11Key::generate(module, "jeton-bench", "1234", &[1], "ca", KeyKind::P256)
        .expect("P-256 key generated on SoftHSMv2");
    let ca = Pki::issue_by(
        &pki.root,
        &pki.root_key,
        "issuing-ca",
        &common::service("Jeton HSM CA"),
        &key.public_key(),
        period(1, 3000),
    );
    Some((ca, key))
}

struct AllGood;

impl StatusSource for AllGood {
    fn status(&self, _: &SerialNumber) -> Result<CertState, Unavailable> {
        Ok(CertState::Good)
    }
}

/// OCSP responses per second for a request with a nonce: parsed, signed, encoded.
fn ocsp_live(pki: &Pki, dir: &Dir) -> Option<f64> {
    let holder = pki.issue_holder(
        "qualified-signing",
        &SoftwareKey::generate(jeton_pki::KeyKind::P256).ok()?,
    );
    let ca = dir.write("issuer.pem", &common::cert_pem(&pki.ca.to_der().ok()?));
    let cert = dir.write("holder.pem", &common::cert_pem(&holder.to_der().ok()?));
    let req = dir.path("req.der");
    let out = Command::new("openssl")
        .args(["ocsp", "-issuer"])
        .arg(&ca)
        .arg("-cert")
        .arg(&cert)
        .arg("-reqout")
        .arg(&req)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let request = std::fs::read(&req).ok()?;
    let responder = Responder::new(
        &pki.ca,
        Some(&pki.responder),
        &pki.responder_key,
        Duration::from_secs(4 * 3600),
        None,
    )
    .expect("responder");
    Some(per_second(|_| {
        let der = responder
            .respond_der(parse_request(&request), &AllGood, SystemTime::now())
            .expect("signed");
        std::hint::black_box(der);
    }))
}

/// Time-stamps per second: TimeStampReq parsed, TSTInfo signed in CMS, TimeStampResp encoded.
fn timestamps(pki: &Pki) -> f64 {
    let tsa = Tsa::new(
        &pki.tsa,
        &pki.tsa_key,
        der::asn1::ObjectIdentifier::new_unwrap("0.4.0.2023.1.1"),
        TimeAccuracy {
            seconds: 1,
            millis: 0,
            micros: 0,
        },
        true,
    )
    .expect("TSA");
    let requests: Vec<Vec<u8>> = (0..1000)
        .map(|_| {
            x509_tsp::TimeStampReq {
                version: x509_tsp::TspVersion::V1,
                message_imprint: x509_tsp::MessageImprint {
                    hash_algorithm: HashAlg::Sha256.identifier(),
                    hashed_message: OctetString::new(random_bytes::<32>()).expect("imprint"),
                },
                req_policy: None,
                nonce: Some(Int::new(&random_bytes::<8>()).expect("nonce")),
                cert_req: true,
                extensions: None,
            }
            .to_der()
            .expect("request")
        })
        .collect();
    per_second(|n| {
        let serial = SerialNumber::new(&(n as u64 + 1).to_be_bytes()).expect("serial");
        let der = tsa
            .respond(&requests[n % requests.len()], &serial, SystemTime::now())
            .expect("time-stamped");
        debug_assert!(x509_tsp::TimeStampResp::from_der(&der).is_ok());
        std::hint::black_box(der);
    })
}

fn main() {
    let dir = Dir::new();
    let pki = Pki::new();
    let mut rows = Vec::new();

    // SoftHSMv2 first: its configuration goes into the environment before any thread starts.
    #[cfg(feature = "pkcs11")]
    let hsm = softhsm_ca(&pki, &dir);

    crl(&pki, &dir, &mut rows);

    let requests = csrs(2000);
    rows.push(row(
        "certificates from CSRs, software P-256 CA key",
        rate(issuance(&pki.ca, &pki.ca_key, &requests)),
        "",
        None,
    ));
    #[cfg(feature = "pkcs11")]
    rows.push(match &hsm {
        Some((ca, key)) => row(
            "certificates from CSRs, P-256 CA key in SoftHSMv2",
            rate(issuance(ca, key, &requests)),
            "",
            None,
        ),
        None => row(
            "certificates from CSRs, P-256 CA key in SoftHSMv2",
            "not run: SoftHSMv2 missing".into(),
            "",
            None,
        ),
    });
    #[cfg(not(feature = "pkcs11"))]
    rows.push(row(
        "certificates from CSRs, CA key in SoftHSMv2",
        "not run: build with --features pkcs11".into(),
        "",
        None,
    ));

    if let Some(r) = ocsp_live(&pki, &dir) {
        rows.push(row(
            "OCSP responses signed live (nonce), P-256 responder",
            rate(r),
            "",
            None,
        ));
    }
    let ts = timestamps(&pki);
    rows.push(row(
        "time-stamps, P-256 TSA key",
        rate(ts),
        "≥ 5000/s",
        Some(ts >= TIMESTAMPS_TARGET),
    ));

    println!(
        "jeton-pki through the library, one thread, release ({:.0} s per rate)",
        budget().as_secs_f64()
    );
    let width = rows
        .iter()
        .map(|r| r.measure.chars().count())
        .max()
        .unwrap_or(0);
    for r in &rows {
        let verdict = match r.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        println!(
            "  {:<width$}  {:>10}  {:>9}  {verdict}",
            r.measure, r.result, r.target
        );
    }
}
