//! Zero lengths and lengths no buffer has (`CK_ULONG::MAX`, more than memory).

use std::ffi::c_void;
use std::ptr::null_mut;

use cryptoki_sys::*;

use crate::support::*;

#[test]
fn zero_and_huge_lengths_are_answered() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (_, private) = generate(session, 1, false);
    let mut buffer = [0u8; 64];
    let data = buffer.as_mut_ptr();
    let mut len: CK_ULONG = 64;
    let huge = CK_ULONG::MAX;

    let mut ecdsa = mechanism(CKM_ECDSA);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_Sign(session, data, huge, data, &mut len) => CKR_ARGUMENTS_BAD);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_Sign(session, null_mut(), 0, data, &mut len) => CKR_DATA_LEN_RANGE);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_OK);
    check!(C_SignUpdate(session, data, huge) => CKR_ARGUMENTS_BAD);
    check!(C_GenerateRandom(session, data, huge) => CKR_ARGUMENTS_BAD);
    check!(C_GenerateRandom(session, null_mut(), 0) => CKR_OK);
    check!(C_Login(session, CKU_USER, data, huge) => CKR_ARGUMENTS_BAD);
    let mut class: CK_ULONG = 0;
    let mut template = [out_attribute(CKA_CLASS, &mut class)];
    check!(C_FindObjectsInit(session, template.as_mut_ptr(), huge) => CKR_ARGUMENTS_BAD);
    check!(C_GetAttributeValue(session, private, template.as_mut_ptr(), huge) => CKR_ARGUMENTS_BAD);
    // No attribute asked: nothing to answer, once the object is known.
    check!(C_GetAttributeValue(session, private, template.as_mut_ptr(), 0) => CKR_OK);
    check!(C_GetAttributeValue(session, private, null_mut(), 0) => CKR_OK);
    check!(C_GetAttributeValue(session, 0x7777, null_mut(), 0) => CKR_OBJECT_HANDLE_INVALID);
    let mut big_value = [CK_ATTRIBUTE {
        type_: CKA_ID,
        pValue: data as *mut c_void,
        ulValueLen: huge,
    }];
    check!(C_FindObjectsInit(session, big_value.as_mut_ptr(), 1) => CKR_ARGUMENTS_BAD);
    // A length no allocation can hold is CKR_HOST_MEMORY: the module never allocates what
    // ulValueLen claims before it knows it can, and never aborts.
    for claimed in [1 << 46, isize::MAX as CK_ULONG] {
        big_value[0].ulValueLen = claimed;
        check!(C_FindObjectsInit(
            session,
            big_value.as_mut_ptr(),
            1,
        ) => CKR_HOST_MEMORY, "{claimed}");
    }

    // An empty message has a digest; a find with room for none finds none.
    let mut sha256 = mechanism(CKM_SHA256);
    check!(C_DigestInit(session, &mut sha256) => CKR_OK);
    len = 64;
    check!(C_Digest(session, null_mut(), 0, data, &mut len) => CKR_OK);
    assert_eq!(&buffer[..len as usize], &openssl::sha::sha256(b"")[..]);
    check!(C_FindObjectsInit(session, null_mut(), 0) => CKR_OK);
    let mut count = 9;
    check!(C_FindObjects(session, null_mut(), 0, &mut count) => CKR_OK);
    assert_eq!(count, 0);
    let mut found = [0; 2];
    check!(C_FindObjects(session, found.as_mut_ptr(), huge, &mut count) => CKR_OK);
    assert_eq!(count, 2, "the public and the private key");
    check!(C_FindObjectsFinal(session) => CKR_OK);
}
