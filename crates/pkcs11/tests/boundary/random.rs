//! Random call sequences (proptest) that respect the C contract but not the module's
//! rules: every answer is a known `CK_RV`, never a caught panic.

use std::ffi::c_void;
use std::ptr::null_mut;

use cryptoki_sys::*;

use proptest::prelude::*;

use crate::support::*;

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
    check!(C_CloseSession(setup) => CKR_OK);

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
