//! The C boundary under abuse: every entry point called directly (the rlib's `#[no_mangle]`
//! functions, through the module's own function lists) with null pointers, zero and huge
//! lengths, stale and random handles, and in the wrong state. Each call must answer a
//! `CK_RV`; none may crash or panic (a caught panic shows as `CKR_GENERAL_ERROR`).
#![allow(non_snake_case)]

extern crate jeton_pkcs11;

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::{Mutex, MutexGuard};

use cryptoki_sys::*;
use jeton_card::{CardDirectory, Personalisation};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use proptest::prelude::*;

extern "C" {
    fn C_Initialize(init_args: *mut c_void) -> CK_RV;
    fn C_Finalize(reserved: *mut c_void) -> CK_RV;
    fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV;
    fn C_GetInterfaceList(list: *mut CK_INTERFACE, count: *mut CK_ULONG) -> CK_RV;
    fn C_GetInterface(
        name: *mut CK_UTF8CHAR,
        version: *mut CK_VERSION,
        interface: *mut *mut CK_INTERFACE,
        flags: CK_FLAGS,
    ) -> CK_RV;
    fn C_SessionCancel(session: CK_SESSION_HANDLE, flags: CK_FLAGS) -> CK_RV;
    fn C_MessageSignFinal(session: CK_SESSION_HANDLE) -> CK_RV;
}

/// The 2.40 function list, whose entries are the module's own `C_` functions.
fn functions() -> &'static CK_FUNCTION_LIST {
    let mut list = null_mut();
    assert_eq!(unsafe { C_GetFunctionList(&mut list) }, CKR_OK);
    unsafe { &*list }
}

/// Calls an entry point of the function list.
macro_rules! call {
    ($name:ident($($arg:expr),* $(,)?)) => {
        unsafe { (functions().$name.expect(stringify!($name)))($($arg),*) }
    };
}

/// The module state is process-wide: the tests of this binary take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const PIN: &[u8] = b"123456";
const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

/// A home with one factory card (many tries, so that random logins never block it), and
/// the module initialized on it; finalized when dropped.
struct Loaded {
    _home: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Loaded {
    fn new() -> Loaded {
        let loaded = Loaded::uninitialized();
        assert_eq!(unsafe { C_Initialize(null_mut()) }, CKR_OK);
        loaded
    }

    fn uninitialized() -> Loaded {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let home = tempfile::tempdir().unwrap();
        let mut card = Personalisation::factory(1001);
        card.pin_tries = 15;
        card.puk_tries = 15;
        CardDirectory::new(home.path().join("cards"))
            .create(&card)
            .map(drop)
            .unwrap();
        std::env::set_var("JETON_HOME", home.path());
        std::env::remove_var("JETON_PKCS11_CONF");
        std::env::remove_var("JETON_PKCS11_MGMT_KEY");
        // Whatever an earlier failed test left behind.
        unsafe { C_Finalize(null_mut()) };
        Loaded {
            _home: home,
            _turn: turn,
        }
    }

    fn slot(&self) -> CK_SLOT_ID {
        let (mut slot, mut count) = (0, 1);
        assert_eq!(call!(C_GetSlotList(CK_TRUE, &mut slot, &mut count)), CKR_OK);
        assert_eq!(count, 1);
        slot
    }

    fn session(&self) -> CK_SESSION_HANDLE {
        let mut session = 0;
        let flags = CKF_SERIAL_SESSION | CKF_RW_SESSION;
        let rv = call!(C_OpenSession(
            self.slot(),
            flags,
            null_mut(),
            None,
            &mut session
        ));
        assert_eq!(rv, CKR_OK);
        session
    }

    fn user_session(&self) -> CK_SESSION_HANDLE {
        let session = self.session();
        let rv = call!(C_Login(session, CKU_USER, PIN.as_ptr() as *mut _, 6));
        assert!(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, "{rv:#x}");
        session
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        unsafe { C_Finalize(null_mut()) };
    }
}

fn mechanism(kind: CK_MECHANISM_TYPE) -> CK_MECHANISM {
    CK_MECHANISM {
        mechanism: kind,
        pParameter: null_mut(),
        ulParameterLen: 0,
    }
}

fn attribute<T>(kind: CK_ATTRIBUTE_TYPE, value: &T) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: kind,
        pValue: value as *const T as *mut c_void,
        ulValueLen: std::mem::size_of::<T>() as CK_ULONG,
    }
}

/// An attribute the module writes into.
fn out_attribute<T>(kind: CK_ATTRIBUTE_TYPE, value: &mut T) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: kind,
        pValue: value as *mut T as *mut c_void,
        ulValueLen: std::mem::size_of::<T>() as CK_ULONG,
    }
}

fn attribute_bytes(kind: CK_ATTRIBUTE_TYPE, value: &[u8]) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: kind,
        pValue: value.as_ptr() as *mut c_void,
        ulValueLen: value.len() as CK_ULONG,
    }
}

/// `C_GenerateKeyPair` of a P-256 key (or RSA-2048) into the slot of `CKA_ID` `id`.
fn generate(session: CK_SESSION_HANDLE, id: u8, rsa: bool) -> (CK_OBJECT_HANDLE, CK_OBJECT_HANDLE) {
    let id = [id];
    let bits: CK_ULONG = 2048;
    let (mut kind, mut public_template) = if rsa {
        (
            mechanism(CKM_RSA_PKCS_KEY_PAIR_GEN),
            vec![attribute(CKA_MODULUS_BITS, &bits)],
        )
    } else {
        (
            mechanism(CKM_EC_KEY_PAIR_GEN),
            vec![attribute_bytes(CKA_EC_PARAMS, P256)],
        )
    };
    public_template.push(attribute_bytes(CKA_ID, &id));
    let mut private_template = [attribute_bytes(CKA_ID, &id)];
    let (mut public, mut private) = (0, 0);
    let rv = call!(C_GenerateKeyPair(
        session,
        &mut kind,
        public_template.as_mut_ptr(),
        public_template.len() as CK_ULONG,
        private_template.as_mut_ptr(),
        1,
        &mut public,
        &mut private,
    ));
    assert_eq!(rv, CKR_OK);
    (public, private)
}

/// An attribute's value by the two-call convention: length first, then the bytes.
fn read_attribute(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    kind: CK_ATTRIBUTE_TYPE,
) -> Vec<u8> {
    let mut template = [CK_ATTRIBUTE {
        type_: kind,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    let rv = call!(C_GetAttributeValue(
        session,
        object,
        template.as_mut_ptr(),
        1
    ));
    assert_eq!(rv, CKR_OK);
    let mut value = vec![0u8; template[0].ulValueLen as usize];
    template[0].pValue = value.as_mut_ptr() as *mut c_void;
    let rv = call!(C_GetAttributeValue(
        session,
        object,
        template.as_mut_ptr(),
        1
    ));
    assert_eq!(rv, CKR_OK);
    assert_eq!(template[0].ulValueLen as usize, value.len());
    value
}

/// An r ‖ s signature checked by OpenSSL against the exported `CKA_EC_POINT`.
fn p256_verifies(ec_point: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let point = EcPoint::from_bytes(&group, &ec_point[2..], &mut ctx).unwrap();
    let key = EcKey::from_public_key(&group, &point).unwrap();
    let r = BigNum::from_slice(&signature[..32]).unwrap();
    let s = BigNum::from_slice(&signature[32..]).unwrap();
    let signature = EcdsaSig::from_private_components(r, s).unwrap();
    signature.verify(digest, &key).unwrap()
}

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
    assert_eq!(
        unsafe { C_GetInterfaceList(null_mut(), &mut count) },
        CKR_OK
    );
    assert_eq!(count, 2);
    let empty = CK_INTERFACE {
        pInterfaceName: null_mut(),
        pFunctionList: null_mut(),
        flags: 0,
    };
    let mut interfaces = [empty; 2];
    let mut small = 1;
    assert_eq!(
        unsafe { C_GetInterfaceList(interfaces.as_mut_ptr(), &mut small) },
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(small, 2, "the needed count");
    assert_eq!(
        unsafe { C_GetInterfaceList(interfaces.as_mut_ptr(), &mut count) },
        CKR_OK
    );
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
    assert_eq!(
        unsafe { C_GetInterfaceList(null_mut(), null_mut()) },
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(unsafe { C_GetFunctionList(null_mut()) }, CKR_ARGUMENTS_BAD);
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
    assert_eq!(
        unsafe { C_GetInterface(null_mut(), null_mut(), null_mut(), 0) },
        CKR_ARGUMENTS_BAD
    );
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
    assert_eq!(
        unsafe { C_Finalize(std::ptr::dangling_mut::<c_void>()) },
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(unsafe { C_Finalize(null_mut()) }, CKR_OK);

    let mut no_callbacks = CK_C_INITIALIZE_ARGS {
        CreateMutex: None,
        DestroyMutex: None,
        LockMutex: None,
        UnlockMutex: None,
        flags: 0,
        pReserved: null_mut(),
    };
    assert_eq!(initialize(&mut no_callbacks), CKR_OK);
    assert_eq!(unsafe { C_Finalize(null_mut()) }, CKR_OK);
    assert_eq!(
        unsafe { C_Finalize(null_mut()) },
        CKR_CRYPTOKI_NOT_INITIALIZED
    );
}

/// Calls every function that needs the module with valid pointers, and collects the answers.
fn every_call(
    slot: CK_SLOT_ID,
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
) -> Vec<(&'static str, CK_RV)> {
    let mut buffer = [0u8; 512];
    let mut len: CK_ULONG = 512;
    let mut handle: CK_OBJECT_HANDLE = 0;
    let mut handles = [0 as CK_OBJECT_HANDLE; 8];
    let mut count: CK_ULONG = 0;
    let mut mech = mechanism(CKM_SHA256);
    let mut template = [CK_ATTRIBUTE {
        type_: CKA_LABEL,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    let data = buffer.as_mut_ptr();
    let mut info: CK_INFO = unsafe { std::mem::zeroed() };
    let mut slot_info: CK_SLOT_INFO = unsafe { std::mem::zeroed() };
    let mut token_info: CK_TOKEN_INFO = unsafe { std::mem::zeroed() };
    let mut session_info: CK_SESSION_INFO = unsafe { std::mem::zeroed() };
    let mut mechanism_info: CK_MECHANISM_INFO = unsafe { std::mem::zeroed() };
    let mut slots = [0 as CK_SLOT_ID; 4];
    let mut slot_count: CK_ULONG = 4;
    let mut kinds = [0 as CK_MECHANISM_TYPE; 64];
    let mut kind_count: CK_ULONG = 64;
    let mut new_session = 0;
    let t = template.as_mut_ptr();
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;
    vec![
        ("C_GetInfo", call!(C_GetInfo(&mut info))),
        (
            "C_GetSlotList",
            call!(C_GetSlotList(CK_FALSE, slots.as_mut_ptr(), &mut slot_count)),
        ),
        ("C_GetSlotInfo", call!(C_GetSlotInfo(slot, &mut slot_info))),
        (
            "C_GetTokenInfo",
            call!(C_GetTokenInfo(slot, &mut token_info)),
        ),
        (
            "C_GetMechanismList",
            call!(C_GetMechanismList(
                slot,
                kinds.as_mut_ptr(),
                &mut kind_count
            )),
        ),
        (
            "C_GetMechanismInfo",
            call!(C_GetMechanismInfo(slot, CKM_ECDSA, &mut mechanism_info)),
        ),
        (
            "C_WaitForSlotEvent",
            call!(C_WaitForSlotEvent(CKF_DONT_BLOCK, &mut handle, null_mut())),
        ),
        (
            "C_OpenSession",
            call!(C_OpenSession(
                slot,
                CKF_SERIAL_SESSION,
                null_mut(),
                None,
                &mut new_session
            )),
        ),
        (
            "C_GetSessionInfo",
            call!(C_GetSessionInfo(session, &mut session_info)),
        ),
        ("C_Login", call!(C_Login(session, CKU_USER, pin, 6))),
        ("C_InitPIN", call!(C_InitPIN(session, pin, 6))),
        ("C_SetPIN", call!(C_SetPIN(session, pin, 6, pin, 6))),
        (
            "C_FindObjectsInit",
            call!(C_FindObjectsInit(session, null_mut(), 0)),
        ),
        (
            "C_FindObjects",
            call!(C_FindObjects(session, handles.as_mut_ptr(), 8, &mut count)),
        ),
        ("C_FindObjectsFinal", call!(C_FindObjectsFinal(session))),
        (
            "C_GetAttributeValue",
            call!(C_GetAttributeValue(session, object, t, 1)),
        ),
        (
            "C_SetAttributeValue",
            call!(C_SetAttributeValue(session, object, t, 1)),
        ),
        (
            "C_GetObjectSize",
            call!(C_GetObjectSize(session, object, &mut count)),
        ),
        (
            "C_CreateObject",
            call!(C_CreateObject(session, t, 1, &mut handle)),
        ),
        ("C_DestroyObject", call!(C_DestroyObject(session, object))),
        ("C_SignInit", call!(C_SignInit(session, &mut mech, object))),
        ("C_Sign", call!(C_Sign(session, data, 32, data, &mut len))),
        ("C_SignUpdate", call!(C_SignUpdate(session, data, 32))),
        ("C_SignFinal", call!(C_SignFinal(session, data, &mut len))),
        (
            "C_VerifyInit",
            call!(C_VerifyInit(session, &mut mech, object)),
        ),
        ("C_Verify", call!(C_Verify(session, data, 32, data, 64))),
        ("C_VerifyUpdate", call!(C_VerifyUpdate(session, data, 32))),
        ("C_VerifyFinal", call!(C_VerifyFinal(session, data, 64))),
        (
            "C_DecryptInit",
            call!(C_DecryptInit(session, &mut mech, object)),
        ),
        (
            "C_Decrypt",
            call!(C_Decrypt(session, data, 256, data, &mut len)),
        ),
        ("C_DigestInit", call!(C_DigestInit(session, &mut mech))),
        (
            "C_Digest",
            call!(C_Digest(session, data, 32, data, &mut len)),
        ),
        ("C_DigestUpdate", call!(C_DigestUpdate(session, data, 32))),
        (
            "C_DigestFinal",
            call!(C_DigestFinal(session, data, &mut len)),
        ),
        (
            "C_GenerateKeyPair",
            call!(C_GenerateKeyPair(
                session,
                &mut mech,
                t,
                1,
                t,
                1,
                &mut handle,
                &mut handle
            )),
        ),
        (
            "C_DeriveKey",
            call!(C_DeriveKey(session, &mut mech, object, t, 1, &mut handle)),
        ),
        ("C_SeedRandom", call!(C_SeedRandom(session, data, 32))),
        (
            "C_GenerateRandom",
            call!(C_GenerateRandom(session, data, 32)),
        ),
        ("C_GetFunctionStatus", call!(C_GetFunctionStatus(session))),
        ("C_CancelFunction", call!(C_CancelFunction(session))),
        ("C_Logout", call!(C_Logout(session))),
        ("C_CloseSession", call!(C_CloseSession(session))),
        ("C_CloseAllSessions", call!(C_CloseAllSessions(slot))),
    ]
}

/// The functions of `every_call` that take no session.
const SESSION_LESS: &[&str] = &[
    "C_GetInfo",
    "C_GetSlotList",
    "C_GetSlotInfo",
    "C_GetTokenInfo",
    "C_GetMechanismList",
    "C_GetMechanismInfo",
    "C_WaitForSlotEvent",
    "C_OpenSession",
    "C_CloseAllSessions",
];

#[test]
fn functions_before_initialize_and_after_finalize_answer_not_initialized() {
    let loaded = Loaded::uninitialized();
    for (name, rv) in every_call(0, 1, 0x10) {
        assert_eq!(
            rv, CKR_CRYPTOKI_NOT_INITIALIZED,
            "{name} before C_Initialize"
        );
    }
    assert_eq!(unsafe { C_Initialize(null_mut()) }, CKR_OK);
    let slot = loaded.slot();
    let session = loaded.user_session();
    assert_eq!(unsafe { C_Finalize(null_mut()) }, CKR_OK);
    for (name, rv) in every_call(slot, session, 0x10) {
        assert_eq!(rv, CKR_CRYPTOKI_NOT_INITIALIZED, "{name} after C_Finalize");
    }

    // Sessions do not survive C_Finalize (looked at before any new session could take
    // the same handle).
    assert_eq!(unsafe { C_Initialize(null_mut()) }, CKR_OK);
    let mut info: CK_SESSION_INFO = unsafe { std::mem::zeroed() };
    assert_eq!(
        call!(C_GetSessionInfo(session, &mut info)),
        CKR_SESSION_HANDLE_INVALID
    );
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;
    assert_eq!(
        call!(C_Login(session, CKU_USER, pin, 6)),
        CKR_SESSION_HANDLE_INVALID
    );
    assert_eq!(call!(C_CloseSession(session)), CKR_SESSION_HANDLE_INVALID);
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
        assert_eq!(rv, CKR_CRYPTOKI_NOT_INITIALIZED, "{name}");
    }

    assert_eq!(unsafe { C_Initialize(null_mut()) }, CKR_OK);
    let slot = loaded.slot();
    let session = loaded.session();
    for (name, rv) in everything(slot + 100, session + 1000, &mut mech) {
        let expected = if name == "C_InitToken" {
            CKR_SLOT_ID_INVALID
        } else {
            CKR_SESSION_HANDLE_INVALID
        };
        assert_eq!(rv, expected, "{name}");
    }
    assert_eq!(
        call!(C_EncryptInit(session, null_mut(), 1)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(C_Encrypt(session, data, 3, null_mut(), null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(C_GenerateKey(session, &mut mech, null_mut(), 0, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(C_InitToken(slot, pin, 6, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    for (name, rv) in everything(slot, session, &mut mech) {
        assert_eq!(rv, CKR_FUNCTION_NOT_SUPPORTED, "{name}");
    }
    assert_eq!(
        call!(C_GenerateKey(session, &mut mech, null_mut(), 0, &mut key)),
        CKR_FUNCTION_NOT_SUPPORTED
    );
}

#[test]
fn stale_and_random_handles_are_answered() {
    let loaded = Loaded::new();
    let session = loaded.user_session();
    let (public, private) = generate(session, 1, false);
    let stale = loaded.session();
    assert_eq!(call!(C_CloseSession(stale)), CKR_OK);
    assert_eq!(call!(C_CloseSession(stale)), CKR_SESSION_HANDLE_INVALID);

    for bogus in [0, stale, 0xDEAD_BEEF, CK_ULONG::MAX] {
        for (name, rv) in every_call(loaded.slot(), bogus, public) {
            if !SESSION_LESS.contains(&name) {
                assert_eq!(
                    rv, CKR_SESSION_HANDLE_INVALID,
                    "{name} on session {bogus:#x}"
                );
            }
        }
    }

    for bogus_slot in [loaded.slot() + 1000, CK_ULONG::MAX] {
        let mut info: CK_TOKEN_INFO = unsafe { std::mem::zeroed() };
        assert_eq!(
            call!(C_GetTokenInfo(bogus_slot, &mut info)),
            CKR_SLOT_ID_INVALID
        );
        let mut handle = 0;
        let rv = call!(C_OpenSession(
            bogus_slot,
            CKF_SERIAL_SESSION,
            null_mut(),
            None,
            &mut handle
        ));
        assert_eq!(rv, CKR_SLOT_ID_INVALID);
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
        assert_eq!(
            call!(C_GetAttributeValue(
                session,
                object,
                template.as_mut_ptr(),
                1
            )),
            CKR_OBJECT_HANDLE_INVALID,
            "{object:#x}"
        );
        let mut ecdsa = mechanism(CKM_ECDSA);
        assert_eq!(
            call!(C_SignInit(session, &mut ecdsa, object)),
            CKR_KEY_HANDLE_INVALID
        );
        assert_eq!(
            call!(C_DestroyObject(session, object)),
            CKR_OBJECT_HANDLE_INVALID
        );
    }
    // A public key is no signing key, a private key no verifying key.
    let mut ecdsa = mechanism(CKM_ECDSA);
    assert_eq!(
        call!(C_SignInit(session, &mut ecdsa, public)),
        CKR_KEY_HANDLE_INVALID
    );
    assert_eq!(
        call!(C_VerifyInit(session, &mut ecdsa, private)),
        CKR_KEY_HANDLE_INVALID
    );
    let mut rsa = mechanism(CKM_SHA256_RSA_PKCS);
    assert_eq!(
        call!(C_SignInit(session, &mut rsa, private)),
        CKR_KEY_TYPE_INCONSISTENT
    );
    let mut unknown = mechanism(0x7FFF_0001);
    assert_eq!(
        call!(C_SignInit(session, &mut unknown, private)),
        CKR_MECHANISM_INVALID
    );

    // Logged out, the private key's handle is no longer valid.
    assert_eq!(call!(C_Logout(session)), CKR_OK);
    assert_eq!(
        call!(C_SignInit(session, &mut ecdsa, private)),
        CKR_KEY_HANDLE_INVALID
    );
    let mut class: CK_ULONG = 0;
    let mut template = [out_attribute(CKA_CLASS, &mut class)];
    assert_eq!(
        call!(C_GetAttributeValue(
            session,
            private,
            template.as_mut_ptr(),
            1
        )),
        CKR_OBJECT_HANDLE_INVALID
    );
}

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
        assert_eq!(rv, CKR_ARGUMENTS_BAD, "{name}");
    }

    // In an operation: null data with a length, and a null length pointer.
    let mut ecdsa = mechanism(CKM_ECDSA);
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, null_mut(), 32, data, &mut len)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, data, 32, data, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_SignUpdate(session, null_mut(), 5)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_SignFinal(session, data, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(
        call!(C_Digest(session, null_mut(), 3, data, &mut len)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(
        call!(C_DigestUpdate(session, null_mut(), 3)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(
        call!(C_DigestFinal(session, data, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_VerifyInit(session, &mut ecdsa, public)), CKR_OK);
    assert_eq!(
        call!(C_Verify(session, data, 32, null_mut(), 64)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_FindObjectsInit(session, null_mut(), 0)), CKR_OK);
    assert_eq!(
        call!(C_FindObjects(session, null_mut(), 4, &mut len)),
        CKR_ARGUMENTS_BAD
    );
    let mut found = [0; 4];
    assert_eq!(
        call!(C_FindObjects(session, found.as_mut_ptr(), 4, null_mut())),
        CKR_ARGUMENTS_BAD
    );

    // A null value pointer inside a template, with a length.
    let mut template = [CK_ATTRIBUTE {
        type_: CKA_CLASS,
        pValue: null_mut(),
        ulValueLen: 8,
    }];
    assert_eq!(call!(C_FindObjectsFinal(session)), CKR_OK);
    assert_eq!(
        call!(C_FindObjectsInit(session, template.as_mut_ptr(), 1)),
        CKR_ARGUMENTS_BAD
    );
    // A mechanism parameter that claims a length it does not have.
    let mut pss = CK_MECHANISM {
        mechanism: CKM_SHA256_RSA_PKCS_PSS,
        pParameter: null_mut(),
        ulParameterLen: 24,
    };
    assert_eq!(
        call!(C_SignInit(session, &mut pss, private)),
        CKR_MECHANISM_PARAM_INVALID
    );
}

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
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, data, huge, data, &mut len)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, null_mut(), 0, data, &mut len)),
        CKR_DATA_LEN_RANGE
    );
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(call!(C_SignUpdate(session, data, huge)), CKR_ARGUMENTS_BAD);
    assert_eq!(
        call!(C_GenerateRandom(session, data, huge)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(C_GenerateRandom(session, null_mut(), 0)), CKR_OK);
    assert_eq!(
        call!(C_Login(session, CKU_USER, data, huge)),
        CKR_ARGUMENTS_BAD
    );
    let mut class: CK_ULONG = 0;
    let mut template = [out_attribute(CKA_CLASS, &mut class)];
    assert_eq!(
        call!(C_FindObjectsInit(session, template.as_mut_ptr(), huge)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(C_GetAttributeValue(
            session,
            private,
            template.as_mut_ptr(),
            huge
        )),
        CKR_ARGUMENTS_BAD
    );
    // No attribute asked: nothing to answer, once the object is known.
    assert_eq!(
        call!(C_GetAttributeValue(
            session,
            private,
            template.as_mut_ptr(),
            0
        )),
        CKR_OK
    );
    assert_eq!(
        call!(C_GetAttributeValue(session, private, null_mut(), 0)),
        CKR_OK
    );
    assert_eq!(
        call!(C_GetAttributeValue(session, 0x7777, null_mut(), 0)),
        CKR_OBJECT_HANDLE_INVALID
    );
    let mut big_value = [CK_ATTRIBUTE {
        type_: CKA_ID,
        pValue: data as *mut c_void,
        ulValueLen: huge,
    }];
    assert_eq!(
        call!(C_FindObjectsInit(session, big_value.as_mut_ptr(), 1)),
        CKR_ARGUMENTS_BAD
    );
    // A length no allocation can hold is CKR_HOST_MEMORY: the module never allocates what
    // ulValueLen claims before it knows it can, and never aborts.
    for claimed in [1 << 46, isize::MAX as CK_ULONG] {
        big_value[0].ulValueLen = claimed;
        assert_eq!(
            call!(C_FindObjectsInit(session, big_value.as_mut_ptr(), 1)),
            CKR_HOST_MEMORY,
            "{claimed}"
        );
    }

    // An empty message has a digest; a find with room for none finds none.
    let mut sha256 = mechanism(CKM_SHA256);
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    len = 64;
    assert_eq!(
        call!(C_Digest(session, null_mut(), 0, data, &mut len)),
        CKR_OK
    );
    assert_eq!(&buffer[..len as usize], &openssl::sha::sha256(b"")[..]);
    assert_eq!(call!(C_FindObjectsInit(session, null_mut(), 0)), CKR_OK);
    let mut count = 9;
    assert_eq!(
        call!(C_FindObjects(session, null_mut(), 0, &mut count)),
        CKR_OK
    );
    assert_eq!(count, 0);
    let mut found = [0; 2];
    assert_eq!(
        call!(C_FindObjects(session, found.as_mut_ptr(), huge, &mut count)),
        CKR_OK
    );
    assert_eq!(count, 2, "the public and the private key");
    assert_eq!(call!(C_FindObjectsFinal(session)), CKR_OK);
}

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

    assert_eq!(
        call!(C_Sign(session, data, 32, data, &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_SignUpdate(session, data, 32)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_SignFinal(session, data, &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_Verify(session, data, 32, data, 64)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_VerifyUpdate(session, data, 32)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_VerifyFinal(session, data, 64)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_Decrypt(session, data, 64, data, &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_Digest(session, data, 3, data, &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_DigestUpdate(session, data, 3)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_DigestFinal(session, data, &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_FindObjects(session, found.as_mut_ptr(), 4, &mut count)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_FindObjectsFinal(session)),
        CKR_OPERATION_NOT_INITIALIZED
    );

    let mut ecdsa = mechanism(CKM_ECDSA);
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_SignInit(session, &mut ecdsa, private)),
        CKR_OPERATION_ACTIVE
    );
    assert_eq!(call!(C_VerifyInit(session, &mut ecdsa, public)), CKR_OK);
    assert_eq!(
        call!(C_VerifyInit(session, &mut ecdsa, public)),
        CKR_OPERATION_ACTIVE
    );
    let mut sha256 = mechanism(CKM_SHA256);
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(
        call!(C_DigestInit(session, &mut sha256)),
        CKR_OPERATION_ACTIVE
    );
    assert_eq!(call!(C_FindObjectsInit(session, null_mut(), 0)), CKR_OK);
    assert_eq!(
        call!(C_FindObjectsInit(session, null_mut(), 0)),
        CKR_OPERATION_ACTIVE
    );
    assert_eq!(call!(C_FindObjectsFinal(session)), CKR_OK);

    // A multi-part signature cannot be finished with C_Sign.
    assert_eq!(call!(C_SignUpdate(session, data, 32)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, data, 32, data, &mut len)),
        CKR_OPERATION_ACTIVE
    );

    // A finished signature ends its operation.
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    len = 64;
    assert_eq!(call!(C_Sign(session, data, 32, data, &mut len)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, data, 32, data, &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );

    // Logins in the wrong state.
    let pin = PIN.as_ptr() as *mut CK_UTF8CHAR;
    assert_eq!(
        call!(C_Login(session, CKU_USER, pin, 6)),
        CKR_USER_ALREADY_LOGGED_IN
    );
    assert_eq!(call!(C_Login(session, 7, pin, 6)), CKR_USER_TYPE_INVALID);
    assert_eq!(call!(C_Logout(session)), CKR_OK);
    assert_eq!(call!(C_Logout(session)), CKR_USER_NOT_LOGGED_IN);
    let mut read_only = 0;
    let rv = call!(C_OpenSession(
        loaded.slot(),
        0,
        null_mut(),
        None,
        &mut read_only
    ));
    assert_eq!(rv, CKR_SESSION_PARALLEL_NOT_SUPPORTED);
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
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(call!(C_DigestUpdate(session, data, 3)), CKR_OK);
    assert_eq!(
        call!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len)),
        CKR_OPERATION_ACTIVE
    );
    assert_eq!(
        call!(C_DigestFinal(session, out.as_mut_ptr(), &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    // A C_DigestFinal length query is a multi-part call too.
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(call!(C_DigestUpdate(session, data, 1)), CKR_OK);
    assert_eq!(call!(C_DigestFinal(session, null_mut(), &mut len)), CKR_OK);
    assert_eq!(len, 32);
    assert_eq!(
        call!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len)),
        CKR_OPERATION_ACTIVE
    );
    // A C_Digest length query makes it single-part: C_DigestFinal is refused.
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(
        call!(C_Digest(session, data, 3, null_mut(), &mut len)),
        CKR_OK
    );
    len = 64;
    assert_eq!(
        call!(C_DigestFinal(session, out.as_mut_ptr(), &mut len)),
        CKR_OPERATION_ACTIVE
    );
    assert_eq!(
        call!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    // Unmixed, both forms still work.
    assert_eq!(call!(C_DigestInit(session, &mut sha256)), CKR_OK);
    assert_eq!(
        call!(C_Digest(session, data, 3, null_mut(), &mut len)),
        CKR_OK
    );
    assert_eq!(
        call!(C_Digest(session, data, 3, out.as_mut_ptr(), &mut len)),
        CKR_OK
    );
    assert_eq!(&out[..32], &openssl::sha::sha256(&buffer[..3])[..]);

    // A C_Sign length query after C_SignUpdate, and C_SignUpdate after a C_Sign query.
    let mut ecdsa_sha256 = mechanism(CKM_ECDSA_SHA256);
    assert_eq!(
        call!(C_SignInit(session, &mut ecdsa_sha256, private)),
        CKR_OK
    );
    assert_eq!(call!(C_SignUpdate(session, data, 32)), CKR_OK);
    assert_eq!(
        call!(C_Sign(session, data, 32, null_mut(), &mut len)),
        CKR_OPERATION_ACTIVE
    );
    len = 64;
    assert_eq!(
        call!(C_SignFinal(session, out.as_mut_ptr(), &mut len)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    assert_eq!(
        call!(C_SignInit(session, &mut ecdsa_sha256, private)),
        CKR_OK
    );
    assert_eq!(
        call!(C_Sign(session, data, 32, null_mut(), &mut len)),
        CKR_OK
    );
    assert_eq!(len, 64);
    assert_eq!(call!(C_SignUpdate(session, data, 32)), CKR_OPERATION_ACTIVE);
    assert_eq!(
        call!(C_SignInit(session, &mut ecdsa_sha256, private)),
        CKR_OK,
        "the refused call ended the operation"
    );
    assert_eq!(call!(C_SignUpdate(session, data, 32)), CKR_OK);
    len = 64;
    assert_eq!(
        call!(C_SignFinal(session, out.as_mut_ptr(), &mut len)),
        CKR_OK
    );
}

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
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(
            session,
            digest_in.as_mut_ptr(),
            32,
            null_mut(),
            &mut len
        )),
        CKR_OK
    );
    assert_eq!(len, 64);
    len = 10;
    assert_eq!(
        call!(C_Sign(
            session,
            digest_in.as_mut_ptr(),
            32,
            signature.as_mut_ptr(),
            &mut len
        )),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(len, 64);
    assert_eq!(
        call!(C_Sign(
            session,
            digest_in.as_mut_ptr(),
            32,
            signature.as_mut_ptr(),
            &mut len
        )),
        CKR_OK
    );
    assert_eq!(len, 64);
    assert!(p256_verifies(&point, &digest, &signature));

    // C_SignFinal and C_DigestFinal the same way.
    let mut sha256 = mechanism(CKM_ECDSA_SHA256);
    assert_eq!(call!(C_SignInit(session, &mut sha256, private)), CKR_OK);
    let mut message = *b"two calls";
    assert_eq!(
        call!(C_SignUpdate(session, message.as_mut_ptr(), 9)),
        CKR_OK
    );
    len = 63;
    assert_eq!(
        call!(C_SignFinal(session, signature.as_mut_ptr(), &mut len)),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(len, 64);
    assert_eq!(
        call!(C_SignFinal(session, signature.as_mut_ptr(), &mut len)),
        CKR_OK
    );
    assert!(p256_verifies(&point, &digest, &signature));

    let mut sha512 = mechanism(CKM_SHA512);
    let mut out = [0u8; 64];
    assert_eq!(call!(C_DigestInit(session, &mut sha512)), CKR_OK);
    len = 32;
    assert_eq!(
        call!(C_Digest(
            session,
            message.as_mut_ptr(),
            9,
            out.as_mut_ptr(),
            &mut len
        )),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(len, 64);
    assert_eq!(
        call!(C_Digest(
            session,
            message.as_mut_ptr(),
            9,
            out.as_mut_ptr(),
            &mut len
        )),
        CKR_OK
    );
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
    assert_eq!(
        call!(C_GetAttributeValue(
            session,
            public,
            template.as_mut_ptr(),
            2
        )),
        CKR_BUFFER_TOO_SMALL
    );
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
    assert_eq!(
        call!(C_GetAttributeValue(
            session,
            private,
            template.as_mut_ptr(),
            3
        )),
        CKR_ATTRIBUTE_SENSITIVE
    );
    assert_eq!(template[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_eq!(template[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_eq!(template[2].ulValueLen, 1);
    let mut template = [CK_ATTRIBUTE {
        type_: 0x8000_4242,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    assert_eq!(
        call!(C_GetAttributeValue(
            session,
            private,
            template.as_mut_ptr(),
            1
        )),
        CKR_ATTRIBUTE_TYPE_INVALID
    );

    // The lists.
    let mut count = 0;
    assert_eq!(
        call!(C_GetSlotList(CK_TRUE, null_mut(), &mut count)),
        CKR_OK
    );
    assert_eq!(count, 1);
    count = 0;
    let mut slot = 99;
    assert_eq!(
        call!(C_GetSlotList(CK_TRUE, &mut slot, &mut count)),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(count, 1);
    assert_eq!(
        call!(C_GetMechanismList(loaded.slot(), null_mut(), &mut count)),
        CKR_OK
    );
    let needed = count;
    assert!(needed >= 25, "{needed} mechanisms");
    let mut kinds = vec![0; needed as usize];
    count = 3;
    assert_eq!(
        call!(C_GetMechanismList(
            loaded.slot(),
            kinds.as_mut_ptr(),
            &mut count
        )),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(count, needed);
    assert_eq!(
        call!(C_GetMechanismList(
            loaded.slot(),
            kinds.as_mut_ptr(),
            &mut count
        )),
        CKR_OK
    );
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
    assert_eq!(call!(C_DecryptInit(session, &mut pkcs1, private)), CKR_OK);
    let mut out = [0u8; 256];
    let mut len: CK_ULONG = 0;
    assert_eq!(
        call!(C_Decrypt(
            session,
            encrypted.as_mut_ptr(),
            256,
            null_mut(),
            &mut len
        )),
        CKR_OK
    );
    assert!(len >= 16, "at most the modulus: {len}");
    len = 4;
    assert_eq!(
        call!(C_Decrypt(
            session,
            encrypted.as_mut_ptr(),
            256,
            out.as_mut_ptr(),
            &mut len
        )),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(len, 16, "now the exact length is known");
    assert_eq!(
        call!(C_Decrypt(
            session,
            encrypted.as_mut_ptr(),
            256,
            out.as_mut_ptr(),
            &mut len
        )),
        CKR_OK
    );
    assert_eq!(&out[..len as usize], b"0123456789abcdef");

    assert_eq!(call!(C_DecryptInit(session, &mut pkcs1, private)), CKR_OK);
    len = 256;
    assert_eq!(
        call!(C_Decrypt(
            session,
            encrypted.as_mut_ptr(),
            100,
            out.as_mut_ptr(),
            &mut len
        )),
        CKR_ENCRYPTED_DATA_LEN_RANGE
    );
    assert_eq!(call!(C_DecryptInit(session, &mut pkcs1, private)), CKR_OK);
    let mut garbage = [0x55u8; 256];
    assert_eq!(
        call!(C_Decrypt(
            session,
            garbage.as_mut_ptr(),
            256,
            out.as_mut_ptr(),
            &mut len
        )),
        CKR_ENCRYPTED_DATA_INVALID
    );
}

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
        assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
        assert_eq!(
            call!(C_Login(session, CKU_CONTEXT_SPECIFIC, pin, 6)),
            CKR_OK
        );
        assert_eq!(
            call!(C_Sign(
                session,
                digest_in.as_mut_ptr(),
                32,
                signature.as_mut_ptr(),
                &mut len
            )),
            CKR_OK
        );
        assert!(p256_verifies(&point, &digest, &signature));
    }
    assert_eq!(call!(C_SignInit(session, &mut ecdsa, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(
            session,
            digest_in.as_mut_ptr(),
            32,
            signature.as_mut_ptr(),
            &mut len
        )),
        CKR_USER_NOT_LOGGED_IN
    );
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
    assert_eq!(call!(C_SignInit(session, &mut pss, private)), CKR_OK);
    assert_eq!(
        call!(C_Sign(
            session,
            message.as_mut_ptr(),
            message.len() as CK_ULONG,
            signature.as_mut_ptr(),
            &mut len
        )),
        CKR_OK
    );
    let mut verifier = openssl::sign::Verifier::new(MessageDigest::sha224(), &key).unwrap();
    verifier
        .set_rsa_padding(openssl::rsa::Padding::PKCS1_PSS)
        .unwrap();
    verifier.set_rsa_mgf1_md(MessageDigest::sha224()).unwrap();
    verifier
        .set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::custom(28))
        .unwrap();
    assert!(verifier.verify_oneshot(&signature, &message).unwrap());
    assert_eq!(call!(C_VerifyInit(session, &mut pss, public)), CKR_OK);
    assert_eq!(
        call!(C_Verify(
            session,
            message.as_mut_ptr(),
            message.len() as CK_ULONG,
            signature.as_mut_ptr(),
            256
        )),
        CKR_OK
    );
}

/// Every code the module may answer (PKCS#11 3.0 §5.1).
const KNOWN_RVS: &[CK_RV] = &[
    CKR_OK,
    CKR_ARGUMENTS_BAD,
    CKR_BUFFER_TOO_SMALL,
    CKR_CRYPTOKI_NOT_INITIALIZED,
    CKR_CRYPTOKI_ALREADY_INITIALIZED,
    CKR_CANT_LOCK,
    CKR_SLOT_ID_INVALID,
    CKR_TOKEN_NOT_PRESENT,
    CKR_SESSION_HANDLE_INVALID,
    CKR_SESSION_PARALLEL_NOT_SUPPORTED,
    CKR_SESSION_READ_ONLY,
    CKR_SESSION_READ_ONLY_EXISTS,
    CKR_SESSION_READ_WRITE_SO_EXISTS,
    CKR_OBJECT_HANDLE_INVALID,
    CKR_KEY_HANDLE_INVALID,
    CKR_KEY_TYPE_INCONSISTENT,
    CKR_KEY_FUNCTION_NOT_PERMITTED,
    CKR_MECHANISM_INVALID,
    CKR_MECHANISM_PARAM_INVALID,
    CKR_OPERATION_ACTIVE,
    CKR_OPERATION_NOT_INITIALIZED,
    CKR_DATA_LEN_RANGE,
    CKR_DATA_INVALID,
    CKR_ENCRYPTED_DATA_INVALID,
    CKR_ENCRYPTED_DATA_LEN_RANGE,
    CKR_SIGNATURE_INVALID,
    CKR_SIGNATURE_LEN_RANGE,
    CKR_HOST_MEMORY,
    CKR_PIN_INCORRECT,
    CKR_PIN_INVALID,
    CKR_PIN_LEN_RANGE,
    CKR_PIN_LOCKED,
    CKR_PIN_EXPIRED,
    CKR_USER_NOT_LOGGED_IN,
    CKR_USER_ALREADY_LOGGED_IN,
    CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
    CKR_USER_TYPE_INVALID,
    CKR_USER_PIN_NOT_INITIALIZED,
    CKR_TEMPLATE_INCOMPLETE,
    CKR_TEMPLATE_INCONSISTENT,
    CKR_ATTRIBUTE_VALUE_INVALID,
    CKR_ATTRIBUTE_TYPE_INVALID,
    CKR_ATTRIBUTE_SENSITIVE,
    CKR_ATTRIBUTE_READ_ONLY,
    CKR_ACTION_PROHIBITED,
    CKR_DEVICE_ERROR,
    CKR_DEVICE_MEMORY,
    CKR_DEVICE_REMOVED,
    CKR_FUNCTION_NOT_SUPPORTED,
    CKR_FUNCTION_FAILED,
    CKR_NO_EVENT,
    CKR_RANDOM_NO_RNG,
    CKR_RANDOM_SEED_NOT_SUPPORTED,
    CKR_FUNCTION_NOT_PARALLEL,
    CKR_FUNCTION_CANCELED,
];

/// One call of a random sequence: which entry point, and raw choices for its arguments.
#[derive(Debug, Clone)]
struct RandomCall {
    function: u8,
    session: u8,
    object: u8,
    mechanism: u8,
    length: u8,
    null_output: bool,
    bytes: Vec<u8>,
}

fn random_call() -> impl Strategy<Value = RandomCall> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(
            |(function, session, object, mechanism, length, null_output, bytes)| RandomCall {
                function,
                session,
                object,
                mechanism,
                length,
                null_output,
                bytes,
            },
        )
}

const MECHANISMS: &[CK_MECHANISM_TYPE] = &[
    CKM_RSA_PKCS,
    CKM_SHA256_RSA_PKCS,
    CKM_RSA_X_509,
    CKM_RSA_PKCS_OAEP,
    CKM_RSA_PKCS_PSS,
    CKM_SHA256_RSA_PKCS_PSS,
    CKM_ECDSA,
    CKM_ECDSA_SHA256,
    CKM_ECDSA_SHA512,
    CKM_ECDH1_DERIVE,
    CKM_SHA_1,
    CKM_SHA256,
    CKM_SHA512,
    CKM_AES_CBC,
    0xFFFF_FFFF,
];

/// Runs one random call against the module with arguments that respect the C contract
/// (every pointer is null or valid for the length given) but not the module's rules.
fn run(
    call: &RandomCall,
    slot: CK_SLOT_ID,
    sessions: &mut Vec<CK_SESSION_HANDLE>,
    objects: &[CK_OBJECT_HANDLE],
) -> CK_RV {
    let session = match call.session % 8 {
        0 => 0,
        1 => CK_ULONG::MAX,
        2 => u64::from(call.session) << 24,
        n => sessions
            .get(n as usize % sessions.len().max(1))
            .copied()
            .unwrap_or(1),
    };
    let object = match call.object % 6 {
        0 => u64::from(call.object).wrapping_mul(0x9E37_79B9),
        n => objects[n as usize % objects.len()],
    };
    let kind = MECHANISMS[call.mechanism as usize % MECHANISMS.len()];
    let mut bytes = call.bytes.clone();
    let length = match call.length % 4 {
        0 => 0,
        1 => CK_ULONG::MAX,
        _ => (call.length as usize % (bytes.len() + 1)) as CK_ULONG,
    };
    let data = if call.length.is_multiple_of(5) {
        null_mut()
    } else {
        bytes.as_mut_ptr()
    };
    let mut output = [0u8; 600];
    let mut output_len: CK_ULONG = (CK_ULONG::from(call.length) * 3).min(600);
    let out = if call.null_output {
        null_mut()
    } else {
        output.as_mut_ptr()
    };
    // A parameter of random bytes the size of CK_RSA_PKCS_PSS_PARAMS: read as PSS
    // parameters, and refused by the mechanisms whose parameters hold pointers (OAEP,
    // ECDH), which random bytes must never reach.
    let mut parameter = [0u8; 64];
    let shared = bytes.len().min(64);
    parameter[..shared].copy_from_slice(&bytes[..shared]);
    let mut mech = CK_MECHANISM {
        mechanism: kind,
        pParameter: if call.object.is_multiple_of(2) {
            null_mut()
        } else {
            parameter.as_mut_ptr() as *mut c_void
        },
        ulParameterLen: if call.object.is_multiple_of(2) {
            0
        } else {
            std::mem::size_of::<CK_RSA_PKCS_PSS_PARAMS>() as CK_ULONG
        },
    };
    let mut class: CK_ULONG = CKO_CERTIFICATE;
    let mut template = [
        out_attribute(CKA_CLASS, &mut class),
        CK_ATTRIBUTE {
            type_: u64::from(call.mechanism) % 0x180,
            pValue: data as *mut c_void,
            ulValueLen: if data.is_null() {
                0
            } else {
                length.min(bytes.len() as CK_ULONG)
            },
        },
    ];
    let t = template.as_mut_ptr();
    let mut handle = 0;
    let mut count: CK_ULONG = 4;
    let mut handles = [0; 4];
    let mut session_info: CK_SESSION_INFO = unsafe { std::mem::zeroed() };
    let pin = b"123456".as_ptr() as *mut CK_UTF8CHAR;
    match call.function % 30 {
        0 => {
            let mut new = 0;
            let flags = CKF_SERIAL_SESSION | if call.null_output { 0 } else { CKF_RW_SESSION };
            let rv = call!(C_OpenSession(slot, flags, null_mut(), None, &mut new));
            if rv == CKR_OK {
                sessions.push(new);
            }
            rv
        }
        1 => call!(C_CloseSession(session)),
        2 => call!(C_Login(
            session,
            u64::from(call.mechanism % 4),
            if call.null_output { data } else { pin },
            if call.null_output { length } else { 6 }
        )),
        3 => call!(C_Logout(session)),
        4 => call!(C_SignInit(session, &mut mech, object)),
        5 => call!(C_Sign(session, data, length, out, &mut output_len)),
        6 => call!(C_SignUpdate(session, data, length)),
        7 => call!(C_SignFinal(session, out, &mut output_len)),
        8 => call!(C_VerifyInit(session, &mut mech, object)),
        9 => call!(C_Verify(
            session,
            data,
            length,
            bytes.as_mut_ptr(),
            bytes.len() as CK_ULONG
        )),
        10 => call!(C_VerifyUpdate(session, data, length)),
        11 => call!(C_VerifyFinal(session, data, length)),
        12 => call!(C_DecryptInit(session, &mut mech, object)),
        13 => call!(C_Decrypt(session, data, length, out, &mut output_len)),
        14 => call!(C_DigestInit(session, &mut mech)),
        15 => call!(C_Digest(session, data, length, out, &mut output_len)),
        16 => call!(C_DigestUpdate(session, data, length)),
        17 => call!(C_DigestFinal(session, out, &mut output_len)),
        18 => call!(C_FindObjectsInit(session, t, u64::from(call.length % 3))),
        19 => call!(C_FindObjects(
            session,
            handles.as_mut_ptr(),
            u64::from(call.length % 5),
            &mut count
        )),
        20 => call!(C_FindObjectsFinal(session)),
        21 => call!(C_GetAttributeValue(session, object, t, 2)),
        22 => call!(C_GetObjectSize(session, object, &mut count)),
        23 => call!(C_DeriveKey(
            session,
            &mut mech,
            object,
            t,
            u64::from(call.length % 3),
            &mut handle
        )),
        24 => call!(C_GenerateRandom(session, out, output_len.min(600))),
        25 => unsafe { C_SessionCancel(session, u64::from(call.mechanism)) },
        26 => call!(C_GetSessionInfo(session, &mut session_info)),
        27 => call!(C_WaitForSlotEvent(CKF_DONT_BLOCK, &mut handle, null_mut())),
        28 => call!(C_SetAttributeValue(session, object, t, 2)),
        _ => call!(C_CloseAllSessions(if call.null_output {
            slot
        } else {
            slot + 1
        })),
    }
}

#[test]
fn random_call_sequences_only_ever_answer_error_codes() {
    let loaded = Loaded::new();
    let slot = loaded.slot();
    let setup = loaded.user_session();
    let (ec_public, ec_private) = generate(setup, 1, false);
    let (rsa_public, rsa_private) = generate(setup, 3, true);
    let objects = [
        ec_public,
        ec_private,
        rsa_public,
        rsa_private,
        ec_public | 0x100,
    ];
    assert_eq!(call!(C_CloseSession(setup)), CKR_OK);

    let config = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(calls in proptest::collection::vec(random_call(), 1..60))| {
        let mut sessions = Vec::new();
        for call in &calls {
            let rv = run(call, slot, &mut sessions, &objects);
            prop_assert!(rv != CKR_GENERAL_ERROR, "a panic was caught in {call:?}");
            prop_assert!(KNOWN_RVS.contains(&rv), "{rv:#x} from {call:?}");
        }
        prop_assert_eq!(call!(C_CloseAllSessions(slot)), CKR_OK);
    });
}
