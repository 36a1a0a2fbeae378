//! The entry points: both function lists and the interfaces complete, `C_Initialize`'s
//! arguments, every function before `C_Initialize` and after `C_Finalize`, and the
//! unsupported functions checking what they can before saying so.

use std::ffi::c_void;
use std::ptr::null_mut;

use cryptoki_sys::*;

use crate::support::*;

/// Every entry of a function list after its version, as raw words: none may be null.
fn entries<T>(list: &T) -> Vec<usize> {
    let words = std::mem::size_of::<T>() / std::mem::size_of::<usize>();
    let base = list as *const T as *const usize;
    (1..words).map(|i| unsafe { *base.add(i) }).collect()
}

#[test]
fn every_function_of_both_lists_is_present() {
    let list = functions();
    assert_eq!((list.version.major, list.version.minor), (2, 40));
    assert_eq!(entries(list).len(), 68);
    assert!(entries(list).iter().all(|f| *f != 0));

    let mut count = 0;
    check!(extern C_GetInterfaceList(null_mut(), &mut count) => CKR_OK);
    assert_eq!(count, 2);
    let empty = CK_INTERFACE {
        pInterfaceName: null_mut(),
        pFunctionList: null_mut(),
        flags: 0,
    };
    let mut interfaces = [empty; 2];
    let mut small = 1;
    check!(extern C_GetInterfaceList(interfaces.as_mut_ptr(), &mut small) => CKR_BUFFER_TOO_SMALL);
    assert_eq!(small, 2, "the needed count");
    check!(extern C_GetInterfaceList(interfaces.as_mut_ptr(), &mut count) => CKR_OK);
    let mut versions = Vec::new();
    for interface in interfaces {
        let name = unsafe { std::ffi::CStr::from_ptr(interface.pInterfaceName as *const _) };
        assert_eq!(name.to_bytes(), b"PKCS 11");
        let version = unsafe { *(interface.pFunctionList as *const CK_VERSION) };
        versions.push((version.major, version.minor));
        if version.major == 3 {
            let list = unsafe { &*(interface.pFunctionList as *const CK_FUNCTION_LIST_3_0) };
            assert_eq!(entries(list).len(), 92);
            assert!(entries(list).iter().all(|f| *f != 0));
        } else {
            let list = unsafe { &*(interface.pFunctionList as *const CK_FUNCTION_LIST) };
            assert!(entries(list).iter().all(|f| *f != 0));
        }
    }
    versions.sort();
    assert_eq!(versions, [(2, 40), (3, 0)]);
    check!(extern C_GetInterfaceList(null_mut(), null_mut()) => CKR_ARGUMENTS_BAD);
    check!(extern C_GetFunctionList(null_mut()) => CKR_ARGUMENTS_BAD);
}

#[test]
fn interfaces_are_found_by_name_and_version() {
    let get = |name: Option<&[u8]>, version: Option<(u8, u8)>| {
        let mut version = version.map(|(major, minor)| CK_VERSION { major, minor });
        let version_ptr = version.as_mut().map_or(null_mut(), |v| v as *mut _);
        let mut name = name.map(|n| n.to_vec());
        let name_ptr = name.as_mut().map_or(null_mut(), |n| n.as_mut_ptr());
        let mut interface = null_mut();
        let rv = unsafe { C_GetInterface(name_ptr, version_ptr, &mut interface, 0) };
        let found = (!interface.is_null()).then(|| unsafe {
            let list = (*interface).pFunctionList as *const CK_VERSION;
            ((*list).major, (*list).minor)
        });
        (rv, found)
    };
    assert_eq!(get(None, None), (CKR_OK, Some((3, 0))));
    let pkcs11 = Some(b"PKCS 11\0".as_slice());
    assert_eq!(get(pkcs11, None), (CKR_OK, Some((3, 0))));
    assert_eq!(get(pkcs11, Some((3, 0))), (CKR_OK, Some((3, 0))));
    assert_eq!(get(pkcs11, Some((2, 40))), (CKR_OK, Some((2, 40))));
    assert_ne!(get(Some(b"PKCS 12\0".as_slice()), None).0, CKR_OK);
    assert_ne!(get(Some(b"\0".as_slice()), None).0, CKR_OK);
    assert_ne!(get(None, Some((3, 1))).0, CKR_OK);
    assert_ne!(get(None, Some((1, 0))).0, CKR_OK);
    check!(extern C_GetInterface(null_mut(), null_mut(), null_mut(), 0) => CKR_ARGUMENTS_BAD);
}

unsafe extern "C" fn create_mutex(mutex: *mut *mut c_void) -> CK_RV {
    *mutex = std::ptr::dangling_mut::<c_void>();
    CKR_OK
}

unsafe extern "C" fn mutex_noop(_: *mut c_void) -> CK_RV {
    CKR_OK
}

#[test]
fn initialize_arguments_are_honoured() {
    let _loaded = Loaded::uninitialized();
    let mut args = CK_C_INITIALIZE_ARGS {
        CreateMutex: Some(create_mutex),
        DestroyMutex: Some(mutex_noop),
        LockMutex: Some(mutex_noop),
        UnlockMutex: Some(mutex_noop),
        flags: 0,
        pReserved: null_mut(),
    };
    let initialize = |args: &mut CK_C_INITIALIZE_ARGS| unsafe {
        C_Initialize(args as *mut CK_C_INITIALIZE_ARGS as *mut c_void)
    };
    // Only the application's mutexes, and the module cannot use them (PKCS#11 3.0 §5.4).
    assert_eq!(initialize(&mut args), CKR_CANT_LOCK);
    args.LockMutex = None;
    assert_eq!(
        initialize(&mut args),
        CKR_ARGUMENTS_BAD,
        "some callbacks only"
    );
    args.LockMutex = Some(mutex_noop);
    args.flags = CKF_OS_LOCKING_OK;
    args.pReserved = std::ptr::dangling_mut::<c_void>();
    assert_eq!(
        initialize(&mut args),
        CKR_ARGUMENTS_BAD,
        "pReserved must be null"
    );
    args.pReserved = null_mut();
    assert_eq!(initialize(&mut args), CKR_OK, "the OS's locks will do");
    assert_eq!(initialize(&mut args), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    check!(extern C_Finalize(std::ptr::dangling_mut::<c_void>()) => CKR_ARGUMENTS_BAD);
    check!(extern C_Finalize(null_mut()) => CKR_OK);

    let mut no_callbacks = CK_C_INITIALIZE_ARGS {
        CreateMutex: None,
        DestroyMutex: None,
        LockMutex: None,
        UnlockMutex: None,
        flags: 0,
        pReserved: null_mut(),
    };
    assert_eq!(initialize(&mut no_callbacks), CKR_OK);
    check!(extern C_Finalize(null_mut()) => CKR_OK);
    check!(extern C_Finalize(null_mut()) => CKR_CRYPTOKI_NOT_INITIALIZED);
}

#[test]
fn functions_before_initialize_and_after_finalize_answer_not_initialized() {
    let loaded = Loaded::uninitialized();
    for (name, rv) in every_call(0, 1, 0x10) {
        expect(
            name,
            rv,
            CKR_CRYPTOKI_NOT_INITIALIZED,
            "before C_Initialize".into(),
        );
    }
    check!(extern C_Initialize(null_mut()) => CKR_OK);
    let slot = loaded.slot();
    let session = loaded.user_session();
    check!(extern C_Finalize(null_mut()) => CKR_OK);
    for (name, rv) in every_call(slot, session, 0x10) {
        expect(
            name,
            rv,
            CKR_CRYPTOKI_NOT_INITIALIZED,
            "after C_Finalize".into(),
        );
    }

    // Sessions do not survive C_Finalize (looked at before any new session could take
    // the same handle).
    check!(extern C_Initialize(null_mut()) => CKR_OK);
    let mut info: CK_SESSION_INFO = unsafe { std::mem::zeroed() };
    check!(C_GetSessionInfo(session, &mut info) => CKR_SESSION_HANDLE_INVALID);
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;
    check!(C_Login(session, CKU_USER, pin, 6) => CKR_SESSION_HANDLE_INVALID);
    check!(C_CloseSession(session) => CKR_SESSION_HANDLE_INVALID);
}

#[test]
fn unsupported_functions_check_initialisation_session_and_arguments_first() {
    let loaded = Loaded::uninitialized();
    let mut mech = mechanism(CKM_AES_KEY_GEN);
    let mut key = 0;
    let mut buffer = [0u8; 16];
    let data = buffer.as_mut_ptr();
    let label = [b' '; 32].as_ptr() as *mut CK_UTF8CHAR;
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;
    let everything = |slot: CK_SLOT_ID, session: CK_SESSION_HANDLE, mech: *mut CK_MECHANISM| {
        let mut key = 0;
        let mut len: CK_ULONG = 16;
        [
            ("C_InitToken", call!(C_InitToken(slot, pin, 6, label))),
            ("C_EncryptInit", call!(C_EncryptInit(session, mech, 1))),
            (
                "C_Encrypt",
                call!(C_Encrypt(session, data, 3, null_mut(), &mut len)),
            ),
            (
                "C_GenerateKey",
                call!(C_GenerateKey(session, mech, null_mut(), 0, &mut key)),
            ),
            ("C_DigestKey", call!(C_DigestKey(session, 1))),
            ("C_MessageSignFinal", unsafe { C_MessageSignFinal(session) }),
        ]
    };
    for (name, rv) in everything(0, 1, &mut mech) {
        expect(name, rv, CKR_CRYPTOKI_NOT_INITIALIZED, String::new());
    }

    check!(extern C_Initialize(null_mut()) => CKR_OK);
    let slot = loaded.slot();
    let session = loaded.session();
    for (name, rv) in everything(slot + 100, session + 1000, &mut mech) {
        let expected = if name == "C_InitToken" {
            CKR_SLOT_ID_INVALID
        } else {
            CKR_SESSION_HANDLE_INVALID
        };
        expect(name, rv, expected, String::new());
    }
    check!(C_EncryptInit(session, null_mut(), 1) => CKR_ARGUMENTS_BAD);
    check!(C_Encrypt(session, data, 3, null_mut(), null_mut()) => CKR_ARGUMENTS_BAD);
    check!(C_GenerateKey(session, &mut mech, null_mut(), 0, null_mut()) => CKR_ARGUMENTS_BAD);
    check!(C_InitToken(slot, pin, 6, null_mut()) => CKR_ARGUMENTS_BAD);
    for (name, rv) in everything(slot, session, &mut mech) {
        expect(name, rv, CKR_FUNCTION_NOT_SUPPORTED, String::new());
    }
    check!(C_GenerateKey(
        session,
        &mut mech,
        null_mut(),
        0,
        &mut key,
    ) => CKR_FUNCTION_NOT_SUPPORTED);
}
