mod common;

use common::*;
use der::Encode;
use jeton_pki::profile::{ProfileError, Rule};
use jeton_pki::{IssueError, KeyKind, Profile, Signer, SoftwareKey};

fn text_of(dir: &Dir, name: &str) -> String {
    openssl_ok(&["x509", "-noout", "-text", "-in", p(&dir.path(name))])
}

#[test]
fn every_shipped_profile_loads() {
    let names: Vec<String> = profiles().into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "root-ca",
            "issuing-ca",
            "qualified-signing",
            "authentication",
            "ocsp-responder",
            "tsa"
        ]
    );
}

#[test]
fn qualified_signing_certificate_verifies_and_carries_the_eidas_fields() {
    let pki = Pki::new();
    let dir = Dir::new();
    pki.write(&dir);
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let cert = pki.issue_holder("qualified-signing", &key);
    dir.write("holder.pem", &cert_pem(&cert.to_der().unwrap()));

    let out = openssl_ok(&[
        "verify",
        "-x509_strict",
        "-CAfile",
        p(&dir.path("root.pem")),
        "-untrusted",
        p(&dir.path("ca.pem")),
        p(&dir.path("holder.pem")),
    ]);
    assert!(out.contains(": OK"), "{out}");

    let text = text_of(&dir, "holder.pem");
    for expected in [
        "Subject: C = FR, O = Exemple SA, organizationIdentifier = VATFR-12345678901, SN = Dupont, GN = Jeanne, serialNumber = PNOFR-1850775123456, CN = Jeanne Dupont",
        "X509v3 Key Usage: critical\n                Non Repudiation\n",
        "Policy: 0.4.0.194112.1.2",
        "Policy: 1.3.6.1.4.1.99999.1.1",
        "CA Issuers - URI:http://pki.jeton.eu/ca/issuing.crt",
        "OCSP - URI:http://pki.jeton.eu/ocsp",
        "URI:http://pki.jeton.eu/crl/issuing.crl",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "qcStatements",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("Basic Constraints"), "{text}");

    // The QCStatements, read back field by field (EN 319 412-5 §4).
    let (critical, statements) = qc_statements(&cert);
    assert!(!critical, "QCS-4.1-02: not critical");
    let ids: Vec<String> = statements
        .iter()
        .map(|s| s.statement_id.to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "0.4.0.1862.1.1",
            "0.4.0.1862.1.4",
            "0.4.0.1862.1.6",
            "0.4.0.1862.1.5",
            "1.3.6.1.5.5.7.11.2",
            "0.4.0.1862.1.3"
        ]
    );
    let qctype: Vec<der::asn1::ObjectIdentifier> = statements[2]
        .statement_info
        .as_ref()
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(
        qctype,
        [der::asn1::ObjectIdentifier::new_unwrap("0.4.0.1862.1.6.1")]
    );
    let pds: Vec<jeton_pki::qc::PdsLocation> = statements[3]
        .statement_info
        .as_ref()
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(pds[0].url.as_str(), "https://pki.jeton.eu/pds/en.pdf");
    assert_eq!(pds[0].language.as_str(), "en");
    let sem: jeton_pki::qc::SemanticsInformation = statements[4]
        .statement_info
        .as_ref()
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(
        sem.semantics_identifier.unwrap().to_string(),
        "0.4.0.194121.1.1"
    );

    // Serial: positive, 16 octets (RFC 5280 §4.1.2.2, ≥ 64 random bits).
    let serial = cert.tbs_certificate.serial_number.as_bytes();
    assert_eq!(serial.len(), 16);
    assert!(serial[0] & 0x80 == 0 && serial[0] != 0);
}

fn qc_statements(cert: &jeton_pki::Certificate) -> (bool, Vec<jeton_pki::qc::QcStatement>) {
    use der::Decode;
    let ext = cert
        .tbs_certificate
        .extensions
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.extn_id == jeton_pki::oids::QC_STATEMENTS)
        .expect("qcStatements present");
    (
        ext.critical,
        Vec::from_der(ext.extn_value.as_bytes()).unwrap(),
    )
}

#[test]
fn authentication_ocsp_and_tsa_certificates_follow_their_profiles() {
    let pki = Pki::new();
    let dir = Dir::new();
    pki.write(&dir);
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let auth = pki.issue_holder("authentication", &key);
    dir.write("auth.pem", &cert_pem(&auth.to_der().unwrap()));
    for (file, purpose) in [
        ("auth.pem", "sslclient"),
        ("responder.pem", "ocsphelper"),
        ("tsa.pem", "timestampsign"),
    ] {
        let out = openssl_ok(&[
            "verify",
            "-x509_strict",
            "-purpose",
            purpose,
            "-CAfile",
            p(&dir.path("root.pem")),
            "-untrusted",
            p(&dir.path("ca.pem")),
            p(&dir.path(file)),
        ]);
        assert!(out.contains(": OK"), "{file}: {out}");
    }
    let text = text_of(&dir, "auth.pem");
    assert!(text.contains("Digital Signature\n"), "{text}");
    assert!(text.contains("Policy: 0.4.0.2042.1.2"), "{text}");
    assert!(!text.contains("qcStatements"), "not qualified: {text}");

    let text = text_of(&dir, "responder.pem");
    assert!(text.contains("OCSP Signing"), "{text}");
    assert!(text.contains("OCSP No Check"), "{text}");

    let text = text_of(&dir, "tsa.pem");
    assert!(
        text.contains("X509v3 Extended Key Usage: critical\n                Time Stamping\n"),
        "{text}"
    );

    let text = text_of(&dir, "ca.pem");
    assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");
    assert!(text.contains("Certificate Sign, CRL Sign"), "{text}");
}

#[test]
fn gnutls_certtool_accepts_the_chain() {
    if std::process::Command::new("certtool")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("certtool not installed; skipped");
        return;
    }
    let pki = Pki::new();
    let dir = Dir::new();
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let cert = pki.issue_holder("qualified-signing", &key);
    let mut chain = cert_pem(&cert.to_der().unwrap());
    chain.extend(cert_pem(&pki.ca.to_der().unwrap()));
    chain.extend(cert_pem(&pki.root.to_der().unwrap()));
    let chainfile = dir.write("chain.pem", &chain);
    let out = std::process::Command::new("certtool")
        .args(["--verify-chain", "--infile", p(&chainfile)])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Chain verification output: Verified."),
        "{text}"
    );
}

#[test]
fn a_weak_subject_key_is_refused() {
    let pki = Pki::new();
    let rsa1024 =
        openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
    let spki = <spki::SubjectPublicKeyInfoOwned as der::Decode>::from_der(
        &rsa1024.public_key_to_der().unwrap(),
    )
    .unwrap();
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &spki,
        &jeton_pki::Issuer {
            certificate: &pki.ca,
            signer: &pki.ca_key,
            urls: &ca_urls(),
        },
        period(0, 100),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            IssueError::KeyPolicy(jeton_pki::KeyPolicyError::RsaTooShort(1024))
        ),
        "{err}"
    );
}

#[test]
fn issuance_refuses_a_wrong_subject_a_long_period_and_a_foreign_key() {
    let pki = Pki::new();
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let issuer = jeton_pki::Issuer {
        certificate: &pki.ca,
        signer: &pki.ca_key,
        urls: &ca_urls(),
    };
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &service("x"),
        &key.public_key(),
        &issuer,
        period(0, 100),
    )
    .unwrap_err();
    assert!(matches!(err, IssueError::SubjectKind { .. }), "{err}");
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &key.public_key(),
        &issuer,
        period(0, 1200),
    )
    .unwrap_err();
    assert!(matches!(err, IssueError::Validity(_)), "{err}");
    let wrong = jeton_pki::Issuer {
        certificate: &pki.ca,
        signer: &pki.root_key,
        urls: &ca_urls(),
    };
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &key.public_key(),
        &wrong,
        period(0, 100),
    )
    .unwrap_err();
    assert!(matches!(err, IssueError::IssuerKeyMismatch), "{err}");
    let not_ca = pki.issue_holder("authentication", &key);
    let leaf = jeton_pki::Issuer {
        certificate: &not_ca,
        signer: &key,
        urls: &ca_urls(),
    };
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &key.public_key(),
        &leaf,
        period(0, 100),
    )
    .unwrap_err();
    assert!(matches!(err, IssueError::IssuerNotCa), "{err}");
    let mut no_pds = provider();
    no_pds.pds[0].url = "http://pki.jeton.eu/pds".into();
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &no_pds,
        &holder(false),
        &key.public_key(),
        &issuer,
        period(0, 100),
    )
    .unwrap_err();
    assert!(
        matches!(err, IssueError::Url { what: "QcPDS", .. }),
        "{err}"
    );
}

#[test]
fn bad_names_are_refused_with_the_syntax_to_use() {
    use jeton_pki::{Country, OrganizationIdentifier, PersonIdentifier};
    assert!(PersonIdentifier::new("IDCFR-X12345").is_ok());
    for bad in [
        "1234567890",
        "PNOfr-1",
        "PNOFR-",
        "XYZFR-1",
        "PNOFR 1",
        "TAXFR-1",
    ] {
        assert!(PersonIdentifier::new(bad).is_err(), "{bad}");
    }
    assert!(OrganizationIdentifier::new("NTRFR-B123").is_ok());
    assert!(OrganizationIdentifier::new("SIRFR-1").is_err());
    assert!(Country::new("France").is_err());
}

fn rule_of(toml: &str) -> Rule {
    match Profile::from_toml(toml) {
        Err(ProfileError::Invalid { rule, .. }) => rule,
        other => panic!("expected a rule violation, got {other:?}"),
    }
}

#[test]
fn profiles_breaking_the_standards_are_refused_when_loaded() {
    let signing = jeton_pki::profile::BUILTIN[2].1;
    assert_eq!(
        rule_of(&signing.replace(
            r#"key_usage = ["non-repudiation"]"#,
            r#"key_usage = ["non-repudiation", "digital-signature"]"#
        )),
        Rule::SigningKeyUsage
    );
    assert_eq!(
        rule_of(&signing.replace("sscd = true", "sscd = false")),
        Rule::MissingQcStatement("QcSSCD")
    );
    assert_eq!(
        rule_of(&signing.replace(
            r#"policies = ["0.4.0.194112.1.2"]"#,
            r#"policies = ["0.4.0.194112.1.0"]"#
        )),
        Rule::MissingPolicy("QCP-n-qscd 0.4.0.194112.1.2")
    );
    assert_eq!(
        rule_of(&signing.replace(r#", "ocsp""#, "")),
        Rule::MissingPointer("ocsp")
    );
    let ocsp = jeton_pki::profile::BUILTIN[4].1;
    assert_eq!(
        rule_of(&ocsp.replace("max_validity_days = 90", "max_validity_days = 400")),
        Rule::Validity(400)
    );
    assert_eq!(
        rule_of(&ocsp.replace("ocsp_nocheck = true", "")),
        Rule::OcspResponder
    );
    let tsa = jeton_pki::profile::BUILTIN[5].1;
    assert_eq!(
        rule_of(&tsa.replace("extended_key_usage_critical = true", "")),
        Rule::Tsa
    );
    let root = jeton_pki::profile::BUILTIN[0].1;
    assert_eq!(
        rule_of(&root.replace(r#""crl-sign""#, r#""digital-signature""#)),
        Rule::CaKeyUsage
    );
    assert!(matches!(
        Profile::from_toml(&format!("{root}\ncolour = \"blue\"\n")),
        Err(ProfileError::Syntax(_))
    ));
}

#[test]
fn the_root_is_self_signed_and_signer_keys_survive_a_passphrase_round_trip() {
    let pki = Pki::new();
    let pem = pki.root_key.to_encrypted_pem(b"pass").unwrap();
    let back = SoftwareKey::from_encrypted_pem(&pem, b"pass").unwrap();
    assert_eq!(
        back.public_key(),
        pki.root.tbs_certificate.subject_public_key_info
    );
    assert_eq!(
        pki.root.tbs_certificate.issuer,
        pki.root.tbs_certificate.subject
    );
}

/// pkilint (PyPI), when installed: the holder's certificates and the provider's are clean at
/// WARNING level. Skipped, saying so, when pkilint is not on PATH.
#[test]
fn pkilint_finds_nothing_to_warn_about() {
    let pki = Pki::new();
    let dir = Dir::new();
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let q = dir.write(
        "q.pem",
        &cert_pem(
            &pki.issue_holder("qualified-signing", &key)
                .to_der()
                .unwrap(),
        ),
    );
    let a = dir.write(
        "a.pem",
        &cert_pem(&pki.issue_holder("authentication", &key).to_der().unwrap()),
    );
    pki.write(&dir);
    let etsi = |template, file| {
        pkilint_clean(
            "lint_etsi_cert",
            &["lint", "-t", template, "-s", "WARNING", file],
        )
    };
    if !etsi("QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE", p(&q)) {
        return;
    }
    etsi("NCP-NATURAL-PERSON-CERTIFICATE", p(&a));
    for f in ["root.pem", "ca.pem", "responder.pem", "tsa.pem"] {
        pkilint_clean(
            "lint_pkix_cert",
            &["lint", "-s", "WARNING", p(&dir.path(f))],
        );
    }
    // pkilint is not silent by construction: a certificate without QCStatements, linted as
    // a qualified one, draws findings.
    let out = std::process::Command::new("lint_etsi_cert")
        .args([
            "lint",
            "-t",
            "QCP-N-QSCD-EIDAS-FINAL-CERTIFICATE",
            "-s",
            "WARNING",
            p(&a),
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("qc_statements"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
#[ignore = "writes sample certificates to $JETON_PKI_DUMP for manual inspection"]
fn dump_samples() {
    let Ok(dir) = std::env::var("JETON_PKI_DUMP") else {
        return;
    };
    let pki = Pki::new();
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let q = pki.issue_holder("qualified-signing", &key);
    let a = pki.issue_holder("authentication", &key);
    for (name, c) in [
        ("root", &pki.root),
        ("ca", &pki.ca),
        ("qualified", &q),
        ("auth", &a),
        ("responder", &pki.responder),
        ("tsa", &pki.tsa),
    ] {
        std::fs::write(format!("{dir}/{name}.der"), c.to_der().unwrap()).unwrap();
    }
}

#[test]
fn the_root_issues_no_end_entity_certificate() {
    let pki = Pki::new();
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let from_root = jeton_pki::Issuer {
        certificate: &pki.root,
        signer: &pki.root_key,
        urls: &ca_urls(),
    };
    for name in [
        "qualified-signing",
        "authentication",
        "ocsp-responder",
        "tsa",
    ] {
        let subject = if name.contains("ocsp") || name == "tsa" {
            service("Jeton service")
        } else {
            holder(false)
        };
        let err = jeton_pki::issue(
            &profile(name),
            &provider(),
            &subject,
            &key.public_key(),
            &from_root,
            period(0, 30),
        )
        .unwrap_err();
        assert!(
            matches!(err, IssueError::EndEntityFromRoot(_)),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_certificate_valid_for_no_time_is_refused() {
    let pki = Pki::new();
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let now = std::time::SystemTime::now();
    let err = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &key.public_key(),
        &jeton_pki::Issuer {
            certificate: &pki.ca,
            signer: &pki.ca_key,
            urls: &ca_urls(),
        },
        jeton_pki::Period {
            not_before: now,
            not_after: now,
        },
    )
    .unwrap_err();
    assert!(matches!(err, IssueError::Validity(_)), "{err}");
}
