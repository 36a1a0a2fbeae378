//! Every function a PIV card has no use for (from cryptoki-sys's CK_FUNCTION_LIST_3_0). Each
//! still answers in the standard's order (PKCS#11 3.0 §5.1): CKR_CRYPTOKI_NOT_INITIALIZED,
//! then CKR_SLOT_ID_INVALID or CKR_SESSION_HANDLE_INVALID, then CKR_ARGUMENTS_BAD for a
//! missing pointer, and only then CKR_FUNCTION_NOT_SUPPORTED.

use std::ffi::c_void;

use cryptoki_sys::*;

use super::{guard, module};
use crate::error::Error;

/// A pointer the function needs.
fn given<T>(pointer: *const T) -> bool {
    !pointer.is_null()
}

/// Bytes with their length: a null pointer only with a zero length.
fn bytes<T>(pointer: *const T, len: CK_ULONG) -> bool {
    len == 0 || !pointer.is_null()
}

/// A template with its count: a null pointer only with a zero count.
fn attributes(pointer: *const CK_ATTRIBUTE, count: CK_ULONG) -> bool {
    count == 0 || !pointer.is_null()
}

/// `CKR_FUNCTION_NOT_SUPPORTED` for a well-formed call on a valid session.
fn not_supported(session: CK_SESSION_HANDLE, arguments: &[bool]) -> CK_RV {
    guard(|| {
        module()?.check_session(session)?;
        if arguments.contains(&false) {
            return Err(Error::ArgumentsBad);
        }
        Err(Error::FunctionNotSupported)
    })
}

#[no_mangle]
pub extern "C" fn C_InitToken(
    slot: CK_SLOT_ID,
    pin: *mut CK_UTF8CHAR,
    pin_len: CK_ULONG,
    label: *mut CK_UTF8CHAR,
) -> CK_RV {
    guard(|| {
        module()?.slot_info(slot)?;
        if ![given(label), bytes(pin, pin_len)].iter().all(|ok| *ok) {
            return Err(Error::ArgumentsBad);
        }
        Err(Error::FunctionNotSupported)
    })
}

#[no_mangle]
pub extern "C" fn C_GetOperationState(
    s: CK_SESSION_HANDLE,
    _state: *mut CK_BYTE,
    len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[given(len)])
}

#[no_mangle]
pub extern "C" fn C_SetOperationState(
    s: CK_SESSION_HANDLE,
    state: *mut CK_BYTE,
    len: CK_ULONG,
    _encryption_key: CK_OBJECT_HANDLE,
    _authentication_key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[bytes(state, len)])
}

#[no_mangle]
pub extern "C" fn C_CopyObject(
    s: CK_SESSION_HANDLE,
    _object: CK_OBJECT_HANDLE,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
    new_object: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[attributes(template, count), given(new_object)])
}

#[no_mangle]
pub extern "C" fn C_EncryptInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_Encrypt(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_EncryptUpdate(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_EncryptFinal(
    s: CK_SESSION_HANDLE,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_DecryptUpdate(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_DecryptFinal(
    s: CK_SESSION_HANDLE,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_DigestKey(s: CK_SESSION_HANDLE, _key: CK_OBJECT_HANDLE) -> CK_RV {
    not_supported(s, &[])
}

#[no_mangle]
pub extern "C" fn C_SignRecoverInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_SignRecover(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_VerifyRecoverInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_VerifyRecover(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_DigestEncryptUpdate(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_DecryptDigestUpdate(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_SignEncryptUpdate(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_DecryptVerifyUpdate(
    s: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_GenerateKey(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(
        s,
        &[given(mechanism), attributes(template, count), given(key)],
    )
}

#[no_mangle]
pub extern "C" fn C_WrapKey(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _wrapping_key: CK_OBJECT_HANDLE,
    _key: CK_OBJECT_HANDLE,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[given(mechanism), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_UnwrapKey(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _unwrapping_key: CK_OBJECT_HANDLE,
    wrapped: *mut CK_BYTE,
    wrapped_len: CK_ULONG,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(
        s,
        &[
            given(mechanism),
            bytes(wrapped, wrapped_len),
            attributes(template, count),
            given(key),
        ],
    )
}

#[no_mangle]
pub extern "C" fn C_MessageEncryptInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_EncryptMessage(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    aad: *mut CK_BYTE,
    aad_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(
        s,
        &[bytes(aad, aad_len), bytes(data, data_len), given(out_len)],
    )
}

#[no_mangle]
pub extern "C" fn C_EncryptMessageBegin(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    aad: *mut CK_BYTE,
    aad_len: CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(aad, aad_len)])
}

#[no_mangle]
pub extern "C" fn C_EncryptMessageNext(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
    _flags: CK_FLAGS,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_MessageEncryptFinal(s: CK_SESSION_HANDLE) -> CK_RV {
    not_supported(s, &[])
}

#[no_mangle]
pub extern "C" fn C_MessageDecryptInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_DecryptMessage(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    aad: *mut CK_BYTE,
    aad_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(
        s,
        &[bytes(aad, aad_len), bytes(data, data_len), given(out_len)],
    )
}

#[no_mangle]
pub extern "C" fn C_DecryptMessageBegin(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    aad: *mut CK_BYTE,
    aad_len: CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(aad, aad_len)])
}

#[no_mangle]
pub extern "C" fn C_DecryptMessageNext(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
    _flags: CK_FLAGS,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_MessageDecryptFinal(s: CK_SESSION_HANDLE) -> CK_RV {
    not_supported(s, &[])
}

#[no_mangle]
pub extern "C" fn C_MessageSignInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_SignMessage(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), given(out_len)])
}

#[no_mangle]
pub extern "C" fn C_SignMessageBegin(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
) -> CK_RV {
    not_supported(s, &[])
}

#[no_mangle]
pub extern "C" fn C_SignMessageNext(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    _out: *mut CK_BYTE,
    _out_len: *mut CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len)])
}

#[no_mangle]
pub extern "C" fn C_MessageSignFinal(s: CK_SESSION_HANDLE) -> CK_RV {
    not_supported(s, &[])
}

#[no_mangle]
pub extern "C" fn C_MessageVerifyInit(
    s: CK_SESSION_HANDLE,
    mechanism: *mut CK_MECHANISM,
    _key: CK_OBJECT_HANDLE,
) -> CK_RV {
    not_supported(s, &[given(mechanism)])
}

#[no_mangle]
pub extern "C" fn C_VerifyMessage(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    signature: *mut CK_BYTE,
    signature_len: CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), bytes(signature, signature_len)])
}

#[no_mangle]
pub extern "C" fn C_VerifyMessageBegin(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
) -> CK_RV {
    not_supported(s, &[])
}

#[no_mangle]
pub extern "C" fn C_VerifyMessageNext(
    s: CK_SESSION_HANDLE,
    _parameter: *mut c_void,
    _parameter_len: CK_ULONG,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    signature: *mut CK_BYTE,
    signature_len: CK_ULONG,
) -> CK_RV {
    not_supported(s, &[bytes(data, data_len), bytes(signature, signature_len)])
}

#[no_mangle]
pub extern "C" fn C_MessageVerifyFinal(s: CK_SESSION_HANDLE) -> CK_RV {
    not_supported(s, &[])
}
