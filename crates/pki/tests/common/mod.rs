//! Helpers shared by the tests: temporary files and the real `openssl` command.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().expect("temporary directory"))
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }
    /// The path as a `&str` for command lines (leaked: tests are short-lived).
    pub fn f(&self, name: &str) -> &'static str {
        Box::leak(
            self.path(name)
                .to_str()
                .expect("UTF-8 path")
                .to_owned()
                .into_boxed_str(),
        )
    }
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read test file")
    }
}

/// Runs `openssl` with `args`, returning its output whatever the exit status.
pub fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command is installed")
}

/// Runs `openssl` and fails the test, showing its output, unless it succeeds; returns stdout+stderr.
pub fn openssl_ok(args: &[&str]) -> String {
    let out = openssl(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// PEM of a DER certificate.
pub fn cert_pem(der: &[u8]) -> Vec<u8> {
    openssl::x509::X509::from_der(der)
        .expect("certificate parses in OpenSSL")
        .to_pem()
        .expect("PEM")
}

use std::time::{Duration, SystemTime};

use der::Encode;
use jeton_pki::{
    issue, issue_self_signed, name::Subject, profile, Certificate, Country, IssuerUrls, KeyKind,
    NaturalPerson, Organization, OrganizationIdentifier, Pds, Period, PersonIdentifier, Profile,
    Provider, ServiceName, Signer, SoftwareKey,
};

pub const DAY: Duration = Duration::from_secs(86_400);

pub fn profiles() -> Vec<Profile> {
    profile::builtin().expect("the shipped profiles load")
}

pub fn profile(name: &str) -> Profile {
    profiles()
        .into_iter()
        .find(|p| p.name == name)
        .expect("profile exists")
}

pub fn provider() -> Provider {
    Provider {
        // A test value: a deployment puts its CP's OID under its own arc.
        policy: Some(der::asn1::ObjectIdentifier::new_unwrap(
            "1.3.6.1.4.1.99999.1.1",
        )),
        pds: vec![Pds {
            url: "https://pki.jeton.eu/pds/en.pdf".into(),
            language: "en".into(),
        }],
    }
}

pub fn service(cn: &str) -> Subject {
    Subject::Service(
        ServiceName::new(
            Country::new("FR").unwrap(),
            Organization::new(
                "Jeton Trust Services",
                Some(OrganizationIdentifier::new("NTRFR-123456789").unwrap()),
            )
            .unwrap(),
            cn,
        )
        .unwrap(),
    )
}

pub fn holder(employer: bool) -> Subject {
    Subject::NaturalPerson(
        NaturalPerson::new(
            Country::new("FR").unwrap(),
            "Jeanne",
            "Dupont",
            PersonIdentifier::new("PNOFR-1850775123456").unwrap(),
            "Jeanne Dupont",
            employer.then(|| {
                Organization::new(
                    "Exemple SA",
                    Some(OrganizationIdentifier::new("VATFR-12345678901").unwrap()),
                )
                .unwrap()
            }),
        )
        .unwrap(),
    )
}

pub fn root_urls() -> IssuerUrls {
    IssuerUrls {
        ca_issuers: Some("http://pki.jeton.eu/ca/root.crt".into()),
        ocsp: None,
        crl: Some("http://pki.jeton.eu/crl/root.crl".into()),
    }
}

pub fn ca_urls() -> IssuerUrls {
    IssuerUrls {
        ca_issuers: Some("http://pki.jeton.eu/ca/issuing.crt".into()),
        ocsp: Some("http://pki.jeton.eu/ocsp".into()),
        crl: Some("http://pki.jeton.eu/crl/issuing.crl".into()),
    }
}

/// A provider's PKI: root, issuing CA, OCSP responder and TSA, with their keys.
pub struct Pki {
    pub root_key: SoftwareKey,
    pub root: Certificate,
    pub ca_key: SoftwareKey,
    pub ca: Certificate,
    pub responder_key: SoftwareKey,
    pub responder: Certificate,
    pub tsa_key: SoftwareKey,
    pub tsa: Certificate,
}

pub fn period(from_days_ago: u64, days: u64) -> Period {
    let not_before = SystemTime::now() - DAY * from_days_ago as u32;
    Period {
        not_before,
        not_after: not_before + DAY * days as u32,
    }
}

impl Pki {
    pub fn new() -> Self {
        let root_key = SoftwareKey::generate(KeyKind::P384).unwrap();
        let root = issue_self_signed(
            &profile("root-ca"),
            &provider(),
            &service("Jeton Root CA"),
            &root_key,
            period(10, 7000),
        )
        .unwrap();
        let ca_key = SoftwareKey::generate(KeyKind::P256).unwrap();
        let ca = issue(
            &profile("issuing-ca"),
            &provider(),
            &service("Jeton Qualified CA"),
            &ca_key.public_key(),
            &jeton_pki::Issuer {
                certificate: &root,
                signer: &root_key,
                urls: &root_urls(),
            },
            period(5, 3000),
        )
        .unwrap();
        let responder_key = SoftwareKey::generate(KeyKind::P256).unwrap();
        let responder = Self::issue_by(
            &ca,
            &ca_key,
            "ocsp-responder",
            &service("Jeton OCSP"),
            &responder_key.public_key(),
            period(1, 60),
        );
        let tsa_key = SoftwareKey::generate(KeyKind::P256).unwrap();
        let tsa = Self::issue_by(
            &ca,
            &ca_key,
            "tsa",
            &service("Jeton TSU 1"),
            &tsa_key.public_key(),
            period(1, 1000),
        );
        Pki {
            root_key,
            root,
            ca_key,
            ca,
            responder_key,
            responder,
            tsa_key,
            tsa,
        }
    }

    pub fn issue_by(
        ca: &Certificate,
        ca_key: &SoftwareKey,
        profile_name: &str,
        subject: &Subject,
        spki: &spki::SubjectPublicKeyInfoOwned,
        period: Period,
    ) -> Certificate {
        issue(
            &profile(profile_name),
            &provider(),
            subject,
            spki,
            &jeton_pki::Issuer {
                certificate: ca,
                signer: ca_key,
                urls: &ca_urls(),
            },
            period,
        )
        .unwrap()
    }

    pub fn issue_holder(&self, profile_name: &str, key: &SoftwareKey) -> Certificate {
        Self::issue_by(
            &self.ca,
            &self.ca_key,
            profile_name,
            &holder(true),
            &key.public_key(),
            period(0, 1000),
        )
    }

    /// Writes root.pem, ca.pem, responder.pem, tsa.pem, chain.pem (ca + root) into `dir`.
    pub fn write(&self, dir: &Dir) {
        dir.write("root.pem", &cert_pem(&self.root.to_der().unwrap()));
        dir.write("ca.pem", &cert_pem(&self.ca.to_der().unwrap()));
        dir.write(
            "responder.pem",
            &cert_pem(&self.responder.to_der().unwrap()),
        );
        dir.write("tsa.pem", &cert_pem(&self.tsa.to_der().unwrap()));
        let mut chain = cert_pem(&self.ca.to_der().unwrap());
        chain.extend(cert_pem(&self.root.to_der().unwrap()));
        dir.write("chain.pem", &chain);
    }
}

/// Runs a pkilint tool when it is installed (PyPI `pkilint`); asserts it reports nothing at
/// the threshold given. pkilint exits 0 even when it reports findings: the output is what
/// counts. Returns false, saying so on stderr, when pkilint is not on PATH (CI installs it
/// from `.ci/pip-packages`, and tests/interop/tsp_lint.sh fails without it).
pub fn pkilint_clean(tool: &str, args: &[&str]) -> bool {
    let Ok(out) = Command::new(tool).args(args).output() else {
        eprintln!(
            "SKIPPED: {tool} is not on PATH, so pkilint did not check this; \
             install it with `python3 -m pip install pkilint`"
        );
        return false;
    };
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.trim().is_empty(),
        "{tool} {args:?}:\n{text}"
    );
    true
}
