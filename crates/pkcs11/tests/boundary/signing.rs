//! Signatures made through the C boundary and checked by OpenSSL: the 9C key after a
//! context-specific login, RSA-PSS with SHA-224.

use std::ffi::c_void;

use cryptoki_sys::*;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;

use crate::support::*;

#[test]
fn the_signature_key_signs_in_one_part_after_context_login() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 2, false);
    let point = read_attribute(session, public, CKA_EC_POINT);
    let digest = openssl::sha::sha256(b"contract");
    let mut digest_in = digest;
    let mut signature = [0u8; 64];
    let mut len: CK_ULONG = 64;
    let mut ecdsa = mechanism(CKM_ECDSA);
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;

    for _ in 0..2 {
        check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
        check!(C_Login(session, CKU_CONTEXT_SPECIFIC, pin, 6) => CKR_OK);
        check!(C_Sign(
            session,
            digest_in.as_mut_ptr(),
            32,
            signature.as_mut_ptr(),
            &mut len,
        ) => CKR_OK);
        assert!(p256_verifies(&point, &digest, &signature));
    }
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_Sign(
        session,
        digest_in.as_mut_ptr(),
        32,
        signature.as_mut_ptr(),
        &mut len,
    ) => CKR_USER_NOT_LOGGED_IN);
}

#[test]
fn sha224_pss_signs_and_openssl_verifies() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 1, true);
    let n = BigNum::from_slice(&read_attribute(session, public, CKA_MODULUS)).unwrap();
    let e = BigNum::from_slice(&read_attribute(session, public, CKA_PUBLIC_EXPONENT)).unwrap();
    let key =
        openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::from_public_components(n, e).unwrap())
            .unwrap();
    let params = CK_RSA_PKCS_PSS_PARAMS {
        hashAlg: CKM_SHA224,
        mgf: CKG_MGF1_SHA224,
        sLen: 28,
    };
    let mut pss = CK_MECHANISM {
        mechanism: CKM_SHA224_RSA_PKCS_PSS,
        pParameter: &params as *const _ as *mut c_void,
        ulParameterLen: std::mem::size_of::<CK_RSA_PKCS_PSS_PARAMS>() as CK_ULONG,
    };
    let mut message = *b"SHA-224 is in the issue too";
    let mut signature = [0u8; 256];
    let mut len: CK_ULONG = 256;
    check!(C_SignInit(session, &mut pss, private) => CKR_OK);
    check!(C_Sign(
        session,
        message.as_mut_ptr(),
        message.len() as CK_ULONG,
        signature.as_mut_ptr(),
        &mut len,
    ) => CKR_OK);
    let mut verifier = openssl::sign::Verifier::new(MessageDigest::sha224(), &key).unwrap();
    verifier
        .set_rsa_padding(openssl::rsa::Padding::PKCS1_PSS)
        .unwrap();
    verifier.set_rsa_mgf1_md(MessageDigest::sha224()).unwrap();
    verifier
        .set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::custom(28))
        .unwrap();
    assert!(verifier.verify_oneshot(&signature, &message).unwrap());
    check!(C_VerifyInit(session, &mut pss, public) => CKR_OK);
    check!(C_Verify(
        session,
        message.as_mut_ptr(),
        message.len() as CK_ULONG,
        signature.as_mut_ptr(),
        256,
    ) => CKR_OK);
}
