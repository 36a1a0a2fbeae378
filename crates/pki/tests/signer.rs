mod common;

use common::{openssl_ok, p, Dir};
use der::Encode;
use jeton_pki::{alg, KeyFileError, KeyKind, Signer, SoftwareKey};

#[test]
fn software_key_round_trips_through_an_encrypted_pkcs8_file_and_signs() {
    for kind in [KeyKind::P256, KeyKind::P384, KeyKind::Rsa(2048)] {
        let key = SoftwareKey::generate(kind).unwrap();
        let pem = key.to_encrypted_pem(b"correct horse").unwrap();
        assert!(std::str::from_utf8(&pem)
            .unwrap()
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let loaded = SoftwareKey::from_encrypted_pem(&pem, b"correct horse").unwrap();
        assert_eq!(loaded.public_key(), key.public_key());
        let sig = loaded.sign(b"document").unwrap();
        alg::verify(&key.public_key(), &key.algorithm(), b"document", &sig).unwrap();
        assert_eq!(
            alg::verify(&key.public_key(), &key.algorithm(), b"other", &sig),
            Err(jeton_pki::VerifyError::Invalid)
        );

        // OpenSSL reads the file with the passphrase and checks the signature.
        let dir = Dir::new();
        let keyfile = dir.write("key.pem", &pem);
        let pubfile = dir.path("pub.pem");
        openssl_ok(&[
            "pkey",
            "-in",
            p(&keyfile),
            "-passin",
            "pass:correct horse",
            "-pubout",
            "-out",
            p(&pubfile),
        ]);
        let msg = dir.write("msg", b"document");
        let sigfile = dir.write("sig", &sig);
        let digest = format!(
            "-{}",
            match kind {
                KeyKind::P384 => "sha384",
                _ => "sha256",
            }
        );
        openssl_ok(&[
            "dgst",
            &digest,
            "-verify",
            p(&pubfile),
            "-signature",
            p(&sigfile),
            p(&msg),
        ]);
        let spki_der = key.public_key().to_der().unwrap();
        let pub_der = openssl::pkey::PKey::public_key_from_pem(&std::fs::read(&pubfile).unwrap())
            .unwrap()
            .public_key_to_der()
            .unwrap();
        assert_eq!(spki_der, pub_der);
    }
}

#[test]
fn wrong_passphrase_is_refused() {
    let pem = SoftwareKey::generate(KeyKind::P256)
        .unwrap()
        .to_encrypted_pem(b"right")
        .unwrap();
    assert!(matches!(
        SoftwareKey::from_encrypted_pem(&pem, b"wrong"),
        Err(KeyFileError::Decrypt)
    ));
}

#[test]
fn a_key_in_the_clear_is_refused() {
    let key = openssl::ec::EcKey::generate(
        &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
    )
    .unwrap();
    let clear = openssl::pkey::PKey::from_ec_key(key)
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    assert!(matches!(
        SoftwareKey::from_encrypted_pem(&clear, b""),
        Err(KeyFileError::NotEncrypted)
    ));
}

#[test]
fn rsa_below_2048_bits_is_refused() {
    assert!(matches!(
        SoftwareKey::generate(KeyKind::Rsa(1024)),
        Err(KeyFileError::Unsupported(_))
    ));
}
