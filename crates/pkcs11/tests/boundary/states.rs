//! Calls in the wrong state: operations not begun or already active, logins twice, and
//! single-part and multi-part calls of one operation that must not mix.

use std::ptr::null_mut;

use cryptoki_sys::*;

use crate::support::*;

#[test]
fn operations_in_the_wrong_state_are_answered() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 1, false);
    let mut buffer = [0u8; 64];
    let data = buffer.as_mut_ptr();
    let mut len: CK_ULONG = 64;
    let mut count = 0;
    let mut found = [0; 4];

    check!(C_Sign(session, data, 32, data, &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_SignUpdate(session, data, 32) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_SignFinal(session, data, &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_Verify(session, data, 32, data, 64) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_VerifyUpdate(session, data, 32) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_VerifyFinal(session, data, 64) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_Decrypt(session, data, 64, data, &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_Digest(session, data, 3, data, &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_DigestUpdate(session, data, 3) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_DigestFinal(session, data, &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_FindObjects(
        session,
        found.as_mut_ptr(),
        4,
        &mut count,
    ) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_FindObjectsFinal(session) => CKR_OPERATION_NOT_INITIALIZED);

    let mut ecdsa = mechanism(CKM_ECDSA);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OPERATION_ACTIVE);
    check!(C_VerifyInit(session, &mut ecdsa, public) => CKR_OK);
    check!(C_VerifyInit(session, &mut ecdsa, public) => CKR_OPERATION_ACTIVE);
    let mut sha256 = mechanism(CKM_SHA256);
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_DigestInit(session, &mut sha256) => CKR_OPERATION_ACTIVE);
    check!(C_FindObjectsInit(session, null_mut(), 0) => CKR_OK);
    check!(C_FindObjectsInit(session, null_mut(), 0) => CKR_OPERATION_ACTIVE);
    check!(C_FindObjectsFinal(session) => CKR_OK);

    // A multi-part signature cannot be finished with C_Sign.
    check!(C_SignUpdate(session, data, 32) => CKR_OK);
    check!(C_Sign(session, data, 32, data, &mut len) => CKR_OPERATION_ACTIVE);

    // A finished signature ends its operation.
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    len = 64;
    check!(C_Sign(session, data, 32, data, &mut len) => CKR_OK);
    check!(C_Sign(session, data, 32, data, &mut len) => CKR_OPERATION_NOT_INITIALIZED);

    // Logins in the wrong state.
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;
    check!(C_Login(session, CKU_USER, pin, 6) => CKR_USER_ALREADY_LOGGED_IN);
    check!(C_Login(session, 7, pin, 6) => CKR_USER_TYPE_INVALID);
    check!(C_Logout(session) => CKR_OK);
    check!(C_Logout(session) => CKR_USER_NOT_LOGGED_IN);
    let mut read_only = 0;
    check!(C_OpenSession(
        loaded.slot(),
        0,
        null_mut(),
        None,
        &mut read_only,
    ) => CKR_SESSION_PARALLEL_NOT_SUPPORTED);
}

#[test]
fn single_part_and_multi_part_calls_do_not_mix() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (_, private) = generate(session, 1, false);
    let mut buffer = [0u8; 64];
    let data = buffer.as_mut_ptr();
    let mut out = [0u8; 64];
    let mut len: CK_ULONG = 64;
    let mut sha256 = mechanism(CKM_SHA256);

    // C_DigestUpdate, then C_Digest: refused, and the refusal ends the operation
    // (PKCS#11 3.0 §5.12: a failed C_Digest terminates it).
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_DigestUpdate(session, data, 3) => CKR_OK);
    check!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len) => CKR_OPERATION_ACTIVE);
    check!(C_DigestFinal(session, out.as_mut_ptr(), &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    // A C_DigestFinal length query is a multi-part call too.
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_DigestUpdate(session, data, 1) => CKR_OK);
    check!(C_DigestFinal(session, null_mut(), &mut len) => CKR_OK);
    assert_eq!(len, 32);
    check!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len) => CKR_OPERATION_ACTIVE);
    // A C_Digest length query makes it single-part: C_DigestFinal is refused.
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_Digest(session, data, 3, null_mut(), &mut len) => CKR_OK);
    len = 64;
    check!(C_DigestFinal(session, out.as_mut_ptr(), &mut len) => CKR_OPERATION_ACTIVE);
    check!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    // Unmixed, both forms still work.
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_Digest(session, data, 3, null_mut(), &mut len) => CKR_OK);
    check!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len) => CKR_OK);
    assert_eq!(&out[..32], &openssl::sha::sha256(&buffer[..3])[..]);

    // A C_Sign length query after C_SignUpdate, and C_SignUpdate after a C_Sign query.
    let mut ecdsa_sha256 = mechanism(CKM_ECDSA_SHA256);
    check!(C_SignInit(session, &mut ecdsa_sha256, private) => CKR_OK);
    check!(C_SignUpdate(session, data, 32) => CKR_OK);
    check!(C_Sign(session, data, 32, null_mut(), &mut len) => CKR_OPERATION_ACTIVE);
    len = 64;
    check!(C_SignFinal(session, out.as_mut_ptr(), &mut len) => CKR_OPERATION_NOT_INITIALIZED);
    check!(C_SignInit(session, &mut ecdsa_sha256, private) => CKR_OK);
    check!(C_Sign(session, data, 32, null_mut(), &mut len) => CKR_OK);
    assert_eq!(len, 64);
    check!(C_SignUpdate(session, data, 32) => CKR_OPERATION_ACTIVE);
    check!(C_SignInit(
        session,
        &mut ecdsa_sha256,
        private,
    ) => CKR_OK, "the refused call ended the operation");
    check!(C_SignUpdate(session, data, 32) => CKR_OK);
    len = 64;
    check!(C_SignFinal(session, out.as_mut_ptr(), &mut len) => CKR_OK);
}
