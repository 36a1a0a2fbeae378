//! The PKCS#11 signer against SoftHSMv2 (Debian `softhsm2`): a CA key generated on the token
//! signs a root, a holder certificate and a CRL that OpenSSL accepts.
#![cfg(feature = "pkcs11")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use common::*;
use der::Encode;
use jeton_pki::pkcs11::{Pkcs11Error, Pkcs11Key};
use jeton_pki::{
    build_crl, issue, issue_self_signed, CrlInfo, KeyKind, NextUpdate, Signer, SoftwareKey,
};

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

#[test]
fn a_ca_key_generated_in_softhsm_signs_what_openssl_accepts() {
    if !Path::new(SOFTHSM).exists() {
        eprintln!("SoftHSMv2 not installed; skipped");
        return;
    }
    let dir = Dir::new();
    std::fs::create_dir(dir.path("tokens")).unwrap();
    let conf = dir.write(
        "softhsm2.conf",
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            dir.f("tokens")
        )
        .as_bytes(),
    );
    // Set before the module is loaded; this test binary has this one test only.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let out = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "jeton-ca",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let module = Path::new(SOFTHSM);

    let root_key =
        Pkcs11Key::generate(module, "jeton-ca", "1234", &[1], "root", KeyKind::P384).unwrap();
    let root = issue_self_signed(
        &profile("root-ca"),
        &provider(),
        &service("Jeton HSM Root"),
        &root_key,
        period(1, 3650),
    )
    .unwrap();
    let ca_key = Pkcs11Key::generate(
        module,
        "jeton-ca",
        "1234",
        &[2],
        "issuing",
        KeyKind::Rsa(2048),
    )
    .unwrap();
    let ca = issue(
        &profile("issuing-ca"),
        &provider(),
        &service("Jeton HSM CA"),
        &ca_key.public_key(),
        &jeton_pki::Issuer {
            certificate: &root,
            signer: &root_key,
            urls: &root_urls(),
        },
        period(1, 3000),
    )
    .unwrap();
    drop(ca_key);
    // Opened again by its CKA_ID, the key still signs: it lives on the token.
    let ca_key = Pkcs11Key::open(module, "jeton-ca", "1234", &[2]).unwrap();
    let holder_key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let holder = issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &holder_key.public_key(),
        &jeton_pki::Issuer {
            certificate: &ca,
            signer: &ca_key,
            urls: &ca_urls(),
        },
        period(0, 365),
    )
    .unwrap();
    // The root key still signs after another key of the same module was dropped.
    root_key.sign(b"still here").unwrap();
    let crl = build_crl(
        &ca,
        &ca_key,
        &CrlInfo {
            number: 1,
            this_update: SystemTime::now(),
            next_update: NextUpdate::At(SystemTime::now() + DAY),
            expired_certs_on_crl: None,
        },
        &[],
    )
    .unwrap();

    dir.write("root.pem", &cert_pem(&root.to_der().unwrap()));
    let mut chain = cert_pem(&ca.to_der().unwrap());
    chain.extend(cert_pem(&root.to_der().unwrap()));
    dir.write("chain.pem", &chain);
    dir.write("ca.pem", &cert_pem(&ca.to_der().unwrap()));
    dir.write("holder.pem", &cert_pem(&holder.to_der().unwrap()));
    dir.write("crl.der", &crl.to_der().unwrap());
    let out = openssl_ok(&[
        "verify",
        "-x509_strict",
        "-CAfile",
        dir.f("root.pem"),
        "-untrusted",
        dir.f("ca.pem"),
        dir.f("holder.pem"),
    ]);
    assert!(out.contains("holder.pem: OK"), "{out}");
    let out = openssl_ok(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        dir.f("crl.der"),
        "-CAfile",
        dir.f("chain.pem"),
        "-noout",
    ]);
    assert!(out.contains("verify OK"), "{out}");

    // The private keys are sensitive and cannot be exported.
    let out = Command::new("pkcs11-tool")
        .args([
            "--module",
            SOFTHSM,
            "--login",
            "--pin",
            "1234",
            "--token-label",
            "jeton-ca",
            "--list-objects",
            "--type",
            "privkey",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output();
    if let Ok(out) = out {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("sensitive") && text.contains("never extractable"),
            "{text}"
        );
    }

    assert!(matches!(
        Pkcs11Key::open(module, "jeton-ca", "1234", &[9]),
        Err(Pkcs11Error::KeyNotFound(_))
    ));
    assert!(matches!(
        Pkcs11Key::open(module, "no-such-token", "1234", &[1]),
        Err(Pkcs11Error::TokenNotFound(_))
    ));
}
