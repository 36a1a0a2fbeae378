//! Stale, random and wrong-kind session, slot and object handles.

use std::ptr::null_mut;

use cryptoki_sys::*;

use crate::support::*;

#[test]
fn stale_and_random_handles_are_answered() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 1, false);
    let stale = loaded.session();
    check!(C_CloseSession(stale) => CKR_OK);
    check!(C_CloseSession(stale) => CKR_SESSION_HANDLE_INVALID);

    for bogus in [0, stale, 0xDEAD_BEEF, CK_ULONG::MAX] {
        for (name, rv) in every_call(loaded.slot(), bogus, public) {
            if !SESSION_LESS.contains(&name) {
                expect(
                    name,
                    rv,
                    CKR_SESSION_HANDLE_INVALID,
                    format!("on session {bogus:#x}"),
                );
            }
        }
    }

    for bogus_slot in [loaded.slot() + 1000, CK_ULONG::MAX] {
        let mut info: CK_TOKEN_INFO = unsafe { std::mem::zeroed() };
        check!(C_GetTokenInfo(bogus_slot, &mut info) => CKR_SLOT_ID_INVALID);
        let mut handle = 0;
        check!(C_OpenSession(
            bogus_slot,
            CKF_SERIAL_SESSION,
            null_mut(),
            None,
            &mut handle,
        ) => CKR_SLOT_ID_INVALID);
    }

    let session = loaded.user_session();
    let empty_slot = (public & !0xFF0) | (0x9D << 4);
    for object in [
        0,
        0xDEAD_BEEF,
        CK_ULONG::MAX,
        empty_slot,
        1 << 32,
        (1 << 32) + 7,
    ] {
        let mut class: CK_ULONG = 0;
        let mut template = [out_attribute(CKA_CLASS, &mut class)];
        check!(C_GetAttributeValue(
            session,
            object,
            template.as_mut_ptr(),
            1,
        ) => CKR_OBJECT_HANDLE_INVALID, "{object:#x}");
        let mut ecdsa = mechanism(CKM_ECDSA);
        check!(C_SignInit(session, &mut ecdsa, object) => CKR_KEY_HANDLE_INVALID);
        check!(C_DestroyObject(session, object) => CKR_OBJECT_HANDLE_INVALID);
    }
    // A public key is no signing key, a private key no verifying key.
    let mut ecdsa = mechanism(CKM_ECDSA);
    check!(C_SignInit(session, &mut ecdsa, public) => CKR_KEY_HANDLE_INVALID);
    check!(C_VerifyInit(session, &mut ecdsa, private) => CKR_KEY_HANDLE_INVALID);
    let mut rsa = mechanism(CKM_SHA256_RSA_PKCS);
    check!(C_SignInit(session, &mut rsa, private) => CKR_KEY_TYPE_INCONSISTENT);
    let mut unknown = mechanism(0x7FFF_0001);
    check!(C_SignInit(session, &mut unknown, private) => CKR_MECHANISM_INVALID);

    // Logged out, the private key's handle is no longer valid.
    check!(C_Logout(session) => CKR_OK);
    check!(C_SignInit(session, &mut ecdsa, private) => CKR_KEY_HANDLE_INVALID);
    let mut class: CK_ULONG = 0;
    let mut template = [out_attribute(CKA_CLASS, &mut class)];
    check!(C_GetAttributeValue(
        session,
        private,
        template.as_mut_ptr(),
        1,
    ) => CKR_OBJECT_HANDLE_INVALID);
}
