//! Null pointers, alone and inside templates and mechanisms: `CKR_ARGUMENTS_BAD`.

use std::ffi::c_void;
use std::ptr::null_mut;

use cryptoki_sys::*;

use crate::support::*;

#[test]
fn null_pointers_are_answered_with_arguments_bad() {
    let loaded = Loaded::new();
    let slot = loaded.slot();
    let session = loaded.user_session();
    let (public, private) = generate(session, 1, false);
    let mut len: CK_ULONG = 64;
    let mut handle = 0;
    let mut buffer = [0u8; 64];
    let data = buffer.as_mut_ptr();
    let mut sha256 = mechanism(CKM_SHA256);
    let checks = [
        ("C_GetInfo", call!(C_GetInfo(null_mut()))),
        (
            "C_GetSlotList",
            call!(C_GetSlotList(CK_TRUE, null_mut(), null_mut())),
        ),
        ("C_GetSlotInfo", call!(C_GetSlotInfo(slot, null_mut()))),
        ("C_GetTokenInfo", call!(C_GetTokenInfo(slot, null_mut()))),
        (
            "C_GetMechanismList",
            call!(C_GetMechanismList(slot, null_mut(), null_mut())),
        ),
        (
            "C_GetMechanismInfo",
            call!(C_GetMechanismInfo(slot, CKM_ECDSA, null_mut())),
        ),
        (
            "C_WaitForSlotEvent",
            call!(C_WaitForSlotEvent(CKF_DONT_BLOCK, null_mut(), null_mut())),
        ),
        (
            "C_OpenSession",
            call!(C_OpenSession(
                slot,
                CKF_SERIAL_SESSION,
                null_mut(),
                None,
                null_mut()
            )),
        ),
        (
            "C_GetSessionInfo",
            call!(C_GetSessionInfo(session, null_mut())),
        ),
        (
            "C_Login",
            call!(C_Login(session, CKU_CONTEXT_SPECIFIC, null_mut(), 6)),
        ),
        ("C_InitPIN", call!(C_InitPIN(session, null_mut(), 6))),
        (
            "C_SetPIN",
            call!(C_SetPIN(session, null_mut(), 6, null_mut(), 6)),
        ),
        (
            "C_FindObjectsInit",
            call!(C_FindObjectsInit(session, null_mut(), 2)),
        ),
        (
            "C_GetAttributeValue",
            call!(C_GetAttributeValue(session, public, null_mut(), 1)),
        ),
        (
            "C_SetAttributeValue",
            call!(C_SetAttributeValue(session, public, null_mut(), 1)),
        ),
        (
            "C_GetObjectSize",
            call!(C_GetObjectSize(session, public, null_mut())),
        ),
        (
            "C_CreateObject",
            call!(C_CreateObject(session, null_mut(), 1, &mut handle)),
        ),
        (
            "C_CreateObject",
            call!(C_CreateObject(session, null_mut(), 0, null_mut())),
        ),
        (
            "C_SignInit",
            call!(C_SignInit(session, null_mut(), private)),
        ),
        (
            "C_VerifyInit",
            call!(C_VerifyInit(session, null_mut(), public)),
        ),
        (
            "C_DecryptInit",
            call!(C_DecryptInit(session, null_mut(), private)),
        ),
        ("C_DigestInit", call!(C_DigestInit(session, null_mut()))),
        (
            "C_GenerateKeyPair",
            call!(C_GenerateKeyPair(
                session,
                null_mut(),
                null_mut(),
                0,
                null_mut(),
                0,
                &mut handle,
                &mut handle
            )),
        ),
        (
            "C_GenerateKeyPair",
            call!(C_GenerateKeyPair(
                session,
                &mut sha256,
                null_mut(),
                0,
                null_mut(),
                0,
                null_mut(),
                null_mut()
            )),
        ),
        (
            "C_DeriveKey",
            call!(C_DeriveKey(
                session,
                null_mut(),
                private,
                null_mut(),
                0,
                &mut handle
            )),
        ),
        ("C_SeedRandom", call!(C_SeedRandom(session, null_mut(), 8))),
        (
            "C_GenerateRandom",
            call!(C_GenerateRandom(session, null_mut(), 8)),
        ),
        ("C_Finalize", unsafe { C_Finalize(data as *mut c_void) }),
    ];
    for (name, rv) in checks {
        expect(name, rv, CKR_ARGUMENTS_BAD, String::new());
    }

    // In an operation: null data with a length, and a null length pointer.
    let mut ecdsa = mechanism(CKM_ECDSA);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_Sign(session, null_mut(), 32, data, &mut len) => CKR_ARGUMENTS_BAD);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_Sign(session, data, 32, data, null_mut()) => CKR_ARGUMENTS_BAD);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_SignUpdate(session, null_mut(), 5) => CKR_ARGUMENTS_BAD);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_SignFinal(session, data, null_mut()) => CKR_ARGUMENTS_BAD);
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_Digest(session, null_mut(), 3, data, &mut len) => CKR_ARGUMENTS_BAD);
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_DigestUpdate(session, null_mut(), 3) => CKR_ARGUMENTS_BAD);
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    check!(C_DigestFinal(session, data, null_mut()) => CKR_ARGUMENTS_BAD);
    check!(C_VerifyInit(session, &mut ecdsa, public) => CKR_OK);
    check!(C_Verify(session, data, 32, null_mut(), 64) => CKR_ARGUMENTS_BAD);
    check!(C_FindObjectsInit(session, null_mut(), 0) => CKR_OK);
    check!(C_FindObjects(session, null_mut(), 4, &mut len) => CKR_ARGUMENTS_BAD);
    let mut found = [0; 4];
    check!(C_FindObjects(session, found.as_mut_ptr(), 4, null_mut()) => CKR_ARGUMENTS_BAD);

    // A null value pointer inside a template, with a length.
    let mut template = [CK_ATTRIBUTE {
        type_: CKA_CLASS,
        pValue: null_mut(),
        ulValueLen: 8,
    }];
    check!(C_FindObjectsFinal(session) => CKR_OK);
    check!(C_FindObjectsInit(session, template.as_mut_ptr(), 1) => CKR_ARGUMENTS_BAD);
    // A mechanism parameter that claims a length it does not have.
    let mut pss = CK_MECHANISM {
        mechanism: CKM_SHA256_RSA_PKCS_PSS,
        pParameter: null_mut(),
        ulParameterLen: 24,
    };
    check!(C_SignInit(session, &mut pss, private) => CKR_MECHANISM_PARAM_INVALID);
}
