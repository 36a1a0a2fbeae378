mod common;

use std::time::SystemTime;

use common::*;
use der::{Decode, Encode};
use jeton_pki::{
    build_crl, count_crl_entries, encode_crl, parse_crl, CrlInfo, KeyKind, NextUpdate, Revocation,
    RevocationReason, SoftwareKey,
};

fn info(number: u64, next: NextUpdate) -> CrlInfo {
    CrlInfo {
        number,
        this_update: SystemTime::now() - DAY,
        next_update: next,
        expired_certs_on_crl: None,
    }
}

#[test]
fn openssl_accepts_a_good_certificate_and_rejects_a_revoked_one() {
    let pki = Pki::new();
    let dir = Dir::new();
    pki.write(&dir);
    let good_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let good = pki.issue_holder("qualified-signing", &good_key);
    let lost_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let lost = pki.issue_holder("qualified-signing", &lost_key);
    dir.write("good.pem", &cert_pem(&good.to_der().unwrap()));
    dir.write("lost.pem", &cert_pem(&lost.to_der().unwrap()));

    let now = SystemTime::now();
    let mut crl_info = info(7, NextUpdate::At(now + DAY));
    crl_info.expired_certs_on_crl =
        Some(SystemTime::from(pki.ca.tbs_certificate.validity.not_before));
    let crl = build_crl(
        &pki.ca,
        &pki.ca_key,
        &crl_info,
        &[Revocation {
            serial: lost.tbs_certificate.serial_number.clone(),
            revoked_at: now - DAY / 2,
            reason: RevocationReason::KeyCompromise,
            invalidity_date: Some(now - DAY),
        }],
    )
    .unwrap();
    let der = crl.to_der().unwrap();
    let crl_file = dir.write("crl.der", &der);
    openssl_ok(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        p(&crl_file),
        "-out",
        p(&dir.path("crl.pem")),
    ]);

    pkilint_clean(
        "lint_crl",
        &[
            "lint",
            "-t",
            "CRL",
            "-p",
            "PKIX",
            "-s",
            "WARNING",
            p(&crl_file),
        ],
    );
    let out = openssl_ok(&[
        "crl",
        "-in",
        p(&dir.path("crl.pem")),
        "-CAfile",
        p(&dir.path("chain.pem")),
        "-noout",
        "-text",
    ]);
    assert!(out.contains("verify OK"), "{out}");
    for expected in [
        "X509v3 CRL Number: \n                7",
        "X509v3 Authority Key Identifier",
        "X509v3 CRL Reason Code: \n                Key Compromise",
        "Invalidity Date: ",
        "2.5.29.60: ",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }

    let check = |leaf: &str| {
        openssl(&[
            "verify",
            "-x509_strict",
            "-crl_check",
            "-CAfile",
            p(&dir.path("chain.pem")),
            "-CRLfile",
            p(&dir.path("crl.pem")),
            p(&dir.path(leaf)),
        ])
    };
    let out = check("good.pem");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = check("lost.pem");
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("certificate revoked"), "{text}");

    // Read back with our parser, signature checked.
    let back = parse_crl(&der, &pki.ca).unwrap();
    assert_eq!(back, crl);
    let ext = back
        .tbs_cert_list
        .crl_extensions
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.extn_id == jeton_pki::oids::CE_EXPIRED_CERTS_ON_CRL)
        .unwrap();
    let t = der::asn1::GeneralizedTime::from_der(ext.extn_value.as_bytes()).unwrap();
    assert_eq!(
        t.to_unix_duration(),
        pki.ca
            .tbs_certificate
            .validity
            .not_before
            .to_unix_duration()
    );
    assert!(
        parse_crl(&der, &pki.root).is_err(),
        "another CA's key does not verify it"
    );
}

#[test]
fn the_last_crl_never_expires_and_an_empty_crl_lists_nothing() {
    let pki = Pki::new();
    let dir = Dir::new();
    pki.write(&dir);
    let crl = build_crl(&pki.ca, &pki.ca_key, &info(99, NextUpdate::Final), &[]).unwrap();
    assert!(crl.tbs_cert_list.revoked_certificates.is_none());
    let der = crl.to_der().unwrap();
    // nextUpdate is GeneralizedTime 99991231235959Z (EN 319 411-1 CSS-6.3.9-06).
    assert!(der.windows(17).any(|w| w == b"\x18\x0f99991231235959Z"));
    let f = dir.write("final.der", &der);
    let out = openssl_ok(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        p(&f),
        "-CAfile",
        p(&dir.path("chain.pem")),
        "-noout",
        "-text",
    ]);
    assert!(
        out.contains("verify OK") && out.contains("Next Update: Dec 31 23:59:59 9999 GMT"),
        "{out}"
    );
    assert!(out.contains("No Revoked Certificates."), "{out}");
    pkilint_clean(
        "lint_crl",
        &["lint", "-t", "CRL", "-p", "PKIX", "-s", "WARNING", p(&f)],
    );
}

#[test]
fn unspecified_reason_is_written_as_no_reason_code() {
    let pki = Pki::new();
    let serial = jeton_pki::issue::random_serial().unwrap();
    let crl = build_crl(
        &pki.ca,
        &pki.ca_key,
        &info(1, NextUpdate::At(SystemTime::now() + DAY)),
        &[Revocation {
            serial,
            revoked_at: SystemTime::now(),
            reason: RevocationReason::Unspecified,
            invalidity_date: None,
        }],
    )
    .unwrap();
    assert!(crl.tbs_cert_list.revoked_certificates.unwrap()[0]
        .crl_entry_extensions
        .is_none());
}

#[test]
fn reasons_have_names_and_hold_does_not_exist() {
    for r in RevocationReason::ALL {
        assert_eq!(r.name().parse::<RevocationReason>(), Ok(r));
    }
    assert!("certificate-hold".parse::<RevocationReason>().is_err());
    assert_eq!(
        "affiliation-changed".parse(),
        Ok(RevocationReason::AffiliationChanged)
    );
}

#[test]
fn a_crl_is_signed_only_by_its_issuers_key() {
    let pki = Pki::new();
    let err = build_crl(&pki.ca, &pki.root_key, &info(1, NextUpdate::Final), &[]).unwrap_err();
    assert!(matches!(err, jeton_pki::CrlError::IssuerKeyMismatch));
    let now = SystemTime::now();
    let mut bad = info(1, NextUpdate::At(now));
    bad.this_update = now;
    assert!(matches!(
        build_crl(&pki.ca, &pki.ca_key, &bad, &[]),
        Err(jeton_pki::CrlError::Times)
    ));
}

/// The server writes its CRLs entry by entry (`encode_crl`, for a million entries): the
/// same CRL as `build_crl`'s, field for field, signed, and counted without decoding.
#[test]
fn a_crl_written_entry_by_entry_is_the_one_built_whole() {
    let pki = Pki::new();
    let now = SystemTime::now();
    let mut crl_info = info(12, NextUpdate::At(now + DAY));
    crl_info.expired_certs_on_crl =
        Some(SystemTime::from(pki.ca.tbs_certificate.validity.not_before));
    let revoked: Vec<Revocation> = (1..=300u32)
        .map(|i| Revocation {
            serial: x509_cert::serial_number::SerialNumber::new(&(i * 7919).to_be_bytes()).unwrap(),
            revoked_at: now - DAY / 2,
            reason: if i % 3 == 0 {
                RevocationReason::Unspecified
            } else {
                RevocationReason::KeyCompromise
            },
            invalidity_date: (i % 2 == 0).then(|| now - DAY),
        })
        .collect();
    for entries in [&revoked[..], &revoked[..1], &[]] {
        let whole = build_crl(&pki.ca, &pki.ca_key, &crl_info, entries).unwrap();
        let der = encode_crl(&pki.ca, &pki.ca_key, &crl_info, entries).unwrap();
        let written = parse_crl(&der, &pki.ca).unwrap();
        assert_eq!(written.tbs_cert_list, whole.tbs_cert_list);
        assert_eq!(written.signature_algorithm, whole.signature_algorithm);
        assert_eq!(count_crl_entries(&der).unwrap(), entries.len());
        assert_eq!(
            count_crl_entries(&whole.to_der().unwrap()).unwrap(),
            entries.len()
        );
    }
    assert!(count_crl_entries(b"\x30\x03\x02\x01").is_err());
}
