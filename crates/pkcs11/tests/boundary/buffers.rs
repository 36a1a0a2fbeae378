//! The two-call convention: a length query, a buffer too small that tells the length
//! needed, and the operation kept for the next call.

use std::ffi::c_void;
use std::ptr::null_mut;

use cryptoki_sys::*;
use openssl::bn::BigNum;

use crate::support::*;

#[test]
fn buffer_too_small_tells_the_needed_length() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 1, false);
    let point = read_attribute(session, public, CKA_EC_POINT);
    assert_eq!(point.len(), 67, "04 41 04 X Y");

    // C_Sign: a length query, then too small, then right; the operation survives both.
    let digest = openssl::sha::sha256(b"two calls");
    let mut digest_in = digest;
    let mut signature = [0u8; 64];
    let mut len: CK_ULONG = 0;
    let mut ecdsa = mechanism(CKM_ECDSA);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_Sign(session, digest_in.as_mut_ptr(), 32, null_mut(), &mut len) => CKR_OK);
    assert_eq!(len, 64);
    len = 10;
    check!(C_Sign(
        session,
        digest_in.as_mut_ptr(),
        32,
        signature.as_mut_ptr(),
        &mut len,
    ) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(len, 64);
    check!(C_Sign(session, digest_in.as_mut_ptr(), 32, signature.as_mut_ptr(), &mut len) => CKR_OK);
    assert_eq!(len, 64);
    assert!(p256_verifies(&point, &digest, &signature));

    // C_SignFinal and C_DigestFinal the same way.
    let mut sha256 = mechanism(CKM_ECDSA_SHA256);
    check!(C_SignInit(session, &mut sha256, private) => CKR_OK);
    let mut message = *b"two calls";
    check!(C_SignUpdate(session, message.as_mut_ptr(), 9) => CKR_OK);
    len = 63;
    check!(C_SignFinal(session, signature.as_mut_ptr(), &mut len) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(len, 64);
    check!(C_SignFinal(session, signature.as_mut_ptr(), &mut len) => CKR_OK);
    assert!(p256_verifies(&point, &digest, &signature));

    let mut sha512 = mechanism(CKM_SHA512);
    let mut out = [0u8; 64];
    check!(C_DigestInit(session, &mut sha512) => CKR_OK);
    len = 32;
    check!(C_Digest(
        session,
        message.as_mut_ptr(),
        9,
        out.as_mut_ptr(),
        &mut len,
    ) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(len, 64);
    check!(C_Digest(session, message.as_mut_ptr(), 9, out.as_mut_ptr(), &mut len) => CKR_OK);
    assert_eq!(out, openssl::sha::sha512(b"two calls"));

    // C_GetAttributeValue: too small says CK_UNAVAILABLE_INFORMATION (PKCS#11 3.0 §5.7.5),
    // and every attribute of the template is still processed.
    let mut small = [0u8; 10];
    let mut class: CK_ULONG = 0;
    let mut template = [
        CK_ATTRIBUTE {
            type_: CKA_EC_POINT,
            pValue: small.as_mut_ptr() as *mut c_void,
            ulValueLen: 10,
        },
        out_attribute(CKA_CLASS, &mut class),
    ];
    check!(C_GetAttributeValue(session, public, template.as_mut_ptr(), 2) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(template[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_eq!((class, template[1].ulValueLen), (CKO_PUBLIC_KEY, 8));
    let mut template = [
        CK_ATTRIBUTE {
            type_: CKA_VALUE,
            pValue: null_mut(),
            ulValueLen: 0,
        },
        CK_ATTRIBUTE {
            type_: 0x8000_4242,
            pValue: null_mut(),
            ulValueLen: 0,
        },
        CK_ATTRIBUTE {
            type_: CKA_ID,
            pValue: null_mut(),
            ulValueLen: 0,
        },
    ];
    check!(C_GetAttributeValue(
        session,
        private,
        template.as_mut_ptr(),
        3,
    ) => CKR_ATTRIBUTE_SENSITIVE);
    assert_eq!(template[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_eq!(template[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_eq!(template[2].ulValueLen, 1);
    let mut template = [CK_ATTRIBUTE {
        type_: 0x8000_4242,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    check!(C_GetAttributeValue(
        session,
        private,
        template.as_mut_ptr(),
        1,
    ) => CKR_ATTRIBUTE_TYPE_INVALID);

    // The lists.
    let mut count = 0;
    check!(C_GetSlotList(CK_TRUE, null_mut(), &mut count) => CKR_OK);
    assert_eq!(count, 1);
    count = 0;
    let mut slot = 99;
    check!(C_GetSlotList(CK_TRUE, &mut slot, &mut count) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(count, 1);
    check!(C_GetMechanismList(loaded.slot(), null_mut(), &mut count) => CKR_OK);
    let needed = count;
    assert!(needed >= 25, "{needed} mechanisms");
    let mut kinds = vec![0; needed as usize];
    count = 3;
    check!(C_GetMechanismList(
        loaded.slot(),
        kinds.as_mut_ptr(),
        &mut count,
    ) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(count, needed);
    check!(C_GetMechanismList(loaded.slot(), kinds.as_mut_ptr(), &mut count) => CKR_OK);
    for kind in [
        CKM_ECDSA,
        CKM_ECDSA_SHA512,
        CKM_RSA_PKCS_OAEP,
        CKM_SHA224_RSA_PKCS_PSS,
        CKM_ECDH1_DERIVE,
        CKM_SHA384,
        CKM_EC_KEY_PAIR_GEN,
    ] {
        assert!(kinds.contains(&kind), "{kind:#x}");
    }
}

#[test]
fn decryption_keeps_its_result_for_a_larger_buffer() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 3, true);
    let n = BigNum::from_slice(&read_attribute(session, public, CKA_MODULUS)).unwrap();
    let e = BigNum::from_slice(&read_attribute(session, public, CKA_PUBLIC_EXPONENT)).unwrap();
    let rsa = openssl::rsa::Rsa::from_public_components(n, e).unwrap();
    let mut encrypted = vec![0u8; 256];
    rsa.public_encrypt(
        b"0123456789abcdef",
        &mut encrypted,
        openssl::rsa::Padding::PKCS1,
    )
    .unwrap();

    let mut pkcs1 = mechanism(CKM_RSA_PKCS);
    check!(C_DecryptInit(session, &mut pkcs1, private) => CKR_OK);
    let mut out = [0u8; 256];
    let mut len: CK_ULONG = 0;
    check!(C_Decrypt(session, encrypted.as_mut_ptr(), 256, null_mut(), &mut len) => CKR_OK);
    assert!(len >= 16, "at most the modulus: {len}");
    len = 4;
    check!(C_Decrypt(
        session,
        encrypted.as_mut_ptr(),
        256,
        out.as_mut_ptr(),
        &mut len,
    ) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(len, 16, "now the exact length is known");
    check!(C_Decrypt(session, encrypted.as_mut_ptr(), 256, out.as_mut_ptr(), &mut len) => CKR_OK);
    assert_eq!(&out[..len as usize], b"0123456789abcdef");

    check!(C_DecryptInit(session, &mut pkcs1, private) => CKR_OK);
    len = 256;
    check!(C_Decrypt(
        session,
        encrypted.as_mut_ptr(),
        100,
        out.as_mut_ptr(),
        &mut len,
    ) => CKR_ENCRYPTED_DATA_LEN_RANGE);
    check!(C_DecryptInit(session, &mut pkcs1, private) => CKR_OK);
    let mut garbage = [0x55u8; 256];
    check!(C_Decrypt(
        session,
        garbage.as_mut_ptr(),
        256,
        out.as_mut_ptr(),
        &mut len,
    ) => CKR_ENCRYPTED_DATA_INVALID);
}
