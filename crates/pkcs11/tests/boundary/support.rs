//! What every concern shares: the module's entry points, a home with one card and the
//! module initialized on it, templates and mechanisms, key generation, the codes' names.

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::{Mutex, MutexGuard};

use cryptoki_sys::*;
use jeton_card::{CardDirectory, Personalisation};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
extern "C" {
    pub fn C_Initialize(init_args: *mut c_void) -> CK_RV;
    pub fn C_Finalize(reserved: *mut c_void) -> CK_RV;
    pub fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV;
    pub fn C_GetInterfaceList(list: *mut CK_INTERFACE, count: *mut CK_ULONG) -> CK_RV;
    pub fn C_GetInterface(
        name: *mut CK_UTF8CHAR,
        version: *mut CK_VERSION,
        interface: *mut *mut CK_INTERFACE,
        flags: CK_FLAGS,
    ) -> CK_RV;
    pub fn C_SessionCancel(session: CK_SESSION_HANDLE, flags: CK_FLAGS) -> CK_RV;
    pub fn C_MessageSignFinal(session: CK_SESSION_HANDLE) -> CK_RV;
}

/// The 2.40 function list, whose entries are the module's own `C_` functions.
pub fn functions() -> &'static CK_FUNCTION_LIST {
    let mut list = null_mut();
    check!(extern C_GetFunctionList(&mut list) => CKR_OK);
    unsafe { &*list }
}
/// The module state is process-wide: the tests of this binary take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub const PIN: &[u8] = b"123456";
pub const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

/// A home with one factory card (many tries, so that random logins never block it), and
/// the module initialized on it; finalized when dropped.
pub struct Loaded {
    _home: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Loaded {
    pub fn new() -> Loaded {
        let loaded = Loaded::uninitialized();
        check!(extern C_Initialize(null_mut()) => CKR_OK);
        loaded
    }

    pub fn uninitialized() -> Loaded {
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

    pub fn slot(&self) -> CK_SLOT_ID {
        let (mut slot, mut count) = (0, 1);
        check!(C_GetSlotList(CK_TRUE, &mut slot, &mut count) => CKR_OK);
        assert_eq!(count, 1);
        slot
    }

    pub fn session(&self) -> CK_SESSION_HANDLE {
        let mut session = 0;
        let flags = CKF_SERIAL_SESSION | CKF_RW_SESSION;
        check!(C_OpenSession(self.slot(), flags, null_mut(), None, &mut session) => CKR_OK);
        session
    }

    pub fn user_session(&self) -> CK_SESSION_HANDLE {
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

pub fn mechanism(kind: CK_MECHANISM_TYPE) -> CK_MECHANISM {
    CK_MECHANISM {
        mechanism: kind,
        pParameter: null_mut(),
        ulParameterLen: 0,
    }
}

pub fn attribute<T>(kind: CK_ATTRIBUTE_TYPE, value: &T) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: kind,
        pValue: value as *const T as *mut c_void,
        ulValueLen: std::mem::size_of::<T>() as CK_ULONG,
    }
}

/// An attribute the module writes into.
pub fn out_attribute<T>(kind: CK_ATTRIBUTE_TYPE, value: &mut T) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: kind,
        pValue: value as *mut T as *mut c_void,
        ulValueLen: std::mem::size_of::<T>() as CK_ULONG,
    }
}

pub fn attribute_bytes(kind: CK_ATTRIBUTE_TYPE, value: &[u8]) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: kind,
        pValue: value.as_ptr() as *mut c_void,
        ulValueLen: value.len() as CK_ULONG,
    }
}

/// `C_GenerateKeyPair` of a P-256 key (or RSA-2048) into the slot of `CKA_ID` `id`.
pub fn generate(
    session: CK_SESSION_HANDLE,
    id: u8,
    rsa: bool,
) -> (CK_OBJECT_HANDLE, CK_OBJECT_HANDLE) {
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
    check!(C_GenerateKeyPair(
        session,
        &mut kind,
        public_template.as_mut_ptr(),
        public_template.len() as CK_ULONG,
        private_template.as_mut_ptr(),
        1,
        &mut public,
        &mut private,
    ) => CKR_OK);
    (public, private)
}

/// An attribute's value by the two-call convention: length first, then the bytes.
pub fn read_attribute(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    kind: CK_ATTRIBUTE_TYPE,
) -> Vec<u8> {
    let mut template = [CK_ATTRIBUTE {
        type_: kind,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    check!(C_GetAttributeValue(session, object, template.as_mut_ptr(), 1) => CKR_OK);
    let mut value = vec![0u8; template[0].ulValueLen as usize];
    template[0].pValue = value.as_mut_ptr() as *mut c_void;
    check!(C_GetAttributeValue(session, object, template.as_mut_ptr(), 1) => CKR_OK);
    assert_eq!(template[0].ulValueLen as usize, value.len());
    value
}

/// An r ‖ s signature checked by OpenSSL against the exported `CKA_EC_POINT`.
pub fn p256_verifies(ec_point: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let point = EcPoint::from_bytes(&group, &ec_point[2..], &mut ctx).unwrap();
    let key = EcKey::from_public_key(&group, &point).unwrap();
    let r = BigNum::from_slice(&signature[..32]).unwrap();
    let s = BigNum::from_slice(&signature[32..]).unwrap();
    let signature = EcdsaSig::from_private_components(r, s).unwrap();
    signature.verify(digest, &key).unwrap()
}

/// Calls every function that needs the module with valid pointers, and collects the answers.
pub fn every_call(
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
pub const SESSION_LESS: &[&str] = &[
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

/// A code by its name in the specification, as `cryptoki` spells it (`CKR_ARGUMENTS_BAD`
/// is `ArgumentsBad`).
pub fn rv_name(rv: CK_RV) -> String {
    match cryptoki::error::Rv::from(rv) {
        cryptoki::error::Rv::Ok => "Ok".into(),
        cryptoki::error::Rv::Error(error) => format!("{error:?}"),
    }
}

/// The assertion of `check!`: `function` answered `rv`, and should have answered `expected`.
#[track_caller]
pub fn expect(function: &str, rv: CK_RV, expected: CK_RV, context: String) {
    if rv != expected {
        let context = if context.is_empty() {
            context
        } else {
            format!(": {context}")
        };
        panic!(
            "{function} answered {} ({rv:#x}), not {} ({expected:#x}){context}",
            rv_name(rv),
            rv_name(expected)
        );
    }
}
