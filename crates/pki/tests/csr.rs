mod common;

use common::*;
use jeton_pki::{parse_csr, CsrError, KeyPolicyError, KeyType};

/// A CSR made by `openssl req` for a key made by `openssl genpkey` with `keyopts`.
fn openssl_csr(dir: &Dir, keyopts: &[&str]) -> Vec<u8> {
    let key = dir.path("key.pem");
    let mut args = vec!["genpkey", "-out", p(&key)];
    args.extend_from_slice(keyopts);
    openssl_ok(&args);
    let csr = dir.path("req.pem");
    openssl_ok(&[
        "req",
        "-new",
        "-key",
        p(&key),
        "-subj",
        "/C=FR/GN=Jeanne/SN=Dupont/CN=Jeanne Dupont",
        "-addext",
        "keyUsage=critical,nonRepudiation",
        "-out",
        p(&csr),
    ]);
    std::fs::read(csr).unwrap()
}

#[test]
fn openssl_requests_for_p256_p384_and_rsa_2048_are_accepted() {
    let dir = Dir::new();
    for (opts, expected) in [
        (
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
            KeyType::P256,
        ),
        (
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"][..],
            KeyType::P384,
        ),
        (
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
            KeyType::Rsa(2048),
        ),
    ] {
        let pem = openssl_csr(&dir, opts);
        let req = parse_csr(&pem).unwrap();
        assert_eq!(req.key_type, expected);
        assert_eq!(
            req.subject.to_string(),
            "CN=Jeanne Dupont,SN=Dupont,GIVENNAME=Jeanne,C=FR"
        );
        assert_eq!(req.requested_extensions.len(), 1);
        // DER works too.
        openssl_ok(&[
            "req",
            "-in",
            p(&dir.path("req.pem")),
            "-outform",
            "DER",
            "-out",
            p(&dir.path("req.der")),
        ]);
        assert_eq!(parse_csr(&dir.read("req.der")).unwrap(), req);
    }
}

#[test]
fn weak_keys_are_refused_with_the_reason() {
    let dir = Dir::new();
    let pem = openssl_csr(
        &dir,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    );
    let err = parse_csr(&pem).unwrap_err();
    assert_eq!(err, CsrError::KeyPolicy(KeyPolicyError::RsaTooShort(1024)));
    assert!(err.to_string().contains("at least 2048 bits"), "{err}");

    let pem = openssl_csr(
        &dir,
        &[
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:secp256k1",
        ],
    );
    assert!(matches!(
        parse_csr(&pem),
        Err(CsrError::KeyPolicy(KeyPolicyError::Curve(_)))
    ));

    let pem = openssl_csr(&dir, &["-algorithm", "ED25519"]);
    assert!(matches!(
        parse_csr(&pem),
        Err(CsrError::KeyPolicy(KeyPolicyError::Algorithm(_)))
    ));

    let pem = openssl_csr(
        &dir,
        &[
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-pkeyopt",
            "rsa_keygen_pubexp:3",
        ],
    );
    assert_eq!(
        parse_csr(&pem),
        Err(CsrError::KeyPolicy(KeyPolicyError::RsaExponent))
    );
}

#[test]
fn a_request_whose_signature_does_not_match_its_key_is_refused() {
    let dir = Dir::new();
    openssl_csr(
        &dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    openssl_ok(&[
        "req",
        "-in",
        p(&dir.path("req.pem")),
        "-outform",
        "DER",
        "-out",
        p(&dir.path("req.der")),
    ]);
    let mut der = dir.read("req.der");
    // Change one letter of the subject ("Jeanne" → "Jeannf"): the signature no longer covers it.
    let at = der.windows(6).position(|w| w == b"Jeanne").unwrap();
    der[at + 5] = b'f';
    assert!(matches!(
        parse_csr(&der),
        Err(CsrError::ProofOfPossession(jeton_pki::VerifyError::Invalid))
    ));
}

#[test]
fn garbage_and_truncated_requests_are_malformed() {
    let dir = Dir::new();
    openssl_csr(
        &dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    openssl_ok(&[
        "req",
        "-in",
        p(&dir.path("req.pem")),
        "-outform",
        "DER",
        "-out",
        p(&dir.path("req.der")),
    ]);
    let der = dir.read("req.der");
    for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
        assert!(
            matches!(parse_csr(&der[..cut]), Err(CsrError::Malformed(_))),
            "cut at {cut}"
        );
    }
    assert!(matches!(
        parse_csr(b"-----BEGIN CERTIFICATE REQUEST-----\nnope\n"),
        Err(CsrError::Malformed(_))
    ));
    assert_eq!(parse_csr(&vec![0x30; 70_000]), Err(CsrError::TooLarge));
}

#[test]
fn a_certificate_issued_from_a_request_verifies_against_the_requesters_key() {
    use der::Encode;
    let dir = Dir::new();
    let pki = Pki::new();
    pki.write(&dir);
    let pem = openssl_csr(
        &dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let req = parse_csr(&pem).unwrap();
    let cert = jeton_pki::issue(
        &profile("qualified-signing"),
        &provider(),
        &holder(false),
        &req.public_key,
        &jeton_pki::Issuer {
            certificate: &pki.ca,
            signer: &pki.ca_key,
            urls: &ca_urls(),
        },
        period(0, 365),
    )
    .unwrap();
    dir.write("holder.pem", &cert_pem(&cert.to_der().unwrap()));
    openssl_ok(&[
        "verify",
        "-CAfile",
        p(&dir.path("root.pem")),
        "-untrusted",
        p(&dir.path("ca.pem")),
        p(&dir.path("holder.pem")),
    ]);
    // The requester's private key matches the certificate.
    let cert_pub = openssl_ok(&[
        "x509",
        "-in",
        p(&dir.path("holder.pem")),
        "-noout",
        "-pubkey",
    ]);
    let key_pub = openssl_ok(&["pkey", "-in", p(&dir.path("key.pem")), "-pubout"]);
    assert_eq!(cert_pub, key_pub);
}
