//! The C entry points: the only `unsafe` code of the module. Each one checks its pointers
//! and lengths, turns them into Rust values, calls the safe `Module`, and turns the result
//! into a `CK_RV`. A panic never crosses this boundary: it becomes `CKR_GENERAL_ERROR`.
#![allow(unsafe_code, non_snake_case, clippy::missing_safety_doc)]

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::mechanisms::{Mechanism, Parameter};
use crate::module::{lock, Module, Output};

/// The loaded module, with the process it was initialized in: a child after `fork` sees
/// another pid and must call `C_Initialize` again (PKCS#11 3.0 §5.4).
static MODULE: Mutex<Option<(u32, Arc<Module>)>> = Mutex::new(None);

fn module() -> Result<Arc<Module>> {
    match &*lock(&MODULE) {
        Some((pid, module)) if *pid == std::process::id() => Ok(Arc::clone(module)),
        _ => Err(Error::NotInitialized),
    }
}

fn guard(body: impl FnOnce() -> Result<()>) -> CK_RV {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => CKR_OK,
        Ok(Err(error)) => error.rv(),
        Err(_) => CKR_GENERAL_ERROR,
    }
}

/// Bytes the caller passes in; a zero length may come with a null pointer.
unsafe fn input<'a>(data: *const CK_BYTE, len: CK_ULONG) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() || len > isize::MAX as CK_ULONG {
        return Err(Error::ArgumentsBad);
    }
    Ok(std::slice::from_raw_parts(data, len as usize))
}

unsafe fn out_ref<'a, T>(pointer: *mut T) -> Result<&'a mut T> {
    pointer.as_mut().ok_or(Error::ArgumentsBad)
}

/// The two-call convention for a list: a null buffer asks for the count.
unsafe fn write_list<T: Copy>(buffer: *mut T, count: *mut CK_ULONG, items: &[T]) -> Result<()> {
    let count = out_ref(count)?;
    let needed = items.len() as CK_ULONG;
    if buffer.is_null() {
        *count = needed;
        return Ok(());
    }
    if *count < needed {
        *count = needed;
        return Err(Error::BufferTooSmall);
    }
    ptr::copy_nonoverlapping(items.as_ptr(), buffer, items.len());
    *count = needed;
    Ok(())
}

/// How much room the caller gives for an output: `None` for a length query.
unsafe fn capacity(buffer: *mut CK_BYTE, len: *mut CK_ULONG) -> Result<Option<usize>> {
    let len = out_ref(len)?;
    Ok(if buffer.is_null() {
        None
    } else {
        Some(*len as usize)
    })
}

unsafe fn write_output<T: AsRef<[u8]>>(
    buffer: *mut CK_BYTE,
    len: *mut CK_ULONG,
    output: Output<T>,
) -> Result<()> {
    let len = out_ref(len)?;
    match output {
        Output::Needed(needed) => {
            let asked = !buffer.is_null();
            *len = needed as CK_ULONG;
            if asked {
                Err(Error::BufferTooSmall)
            } else {
                Ok(())
            }
        }
        Output::Done(bytes) => {
            let bytes = bytes.as_ref();
            ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len());
            *len = bytes.len() as CK_ULONG;
            Ok(())
        }
    }
}

/// A call that fails ends its operation, except `CKR_BUFFER_TOO_SMALL` (PKCS#11 3.0
/// §5.12–5.14). The module ends it on its own errors; this ends it on the shell's argument
/// errors too, so that the next `C_*Init` is not refused with `CKR_OPERATION_ACTIVE`.
fn ending_on_bad_arguments(
    module: &Module,
    session: CK_SESSION_HANDLE,
    operation: CK_FLAGS,
    result: Result<()>,
) -> Result<()> {
    if result == Err(Error::ArgumentsBad) {
        let _ = module.session_cancel(session, operation);
    }
    result
}

unsafe fn template(
    attributes: *const CK_ATTRIBUTE,
    count: CK_ULONG,
) -> Result<Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if attributes.is_null() || count > 4096 {
        return Err(Error::ArgumentsBad);
    }
    std::slice::from_raw_parts(attributes, count as usize)
        .iter()
        .map(|a| Ok((a.type_, owned(a.pValue as *const CK_BYTE, a.ulValueLen)?)))
        .collect()
}

/// A copy of the caller's bytes. The room is reserved before the bytes are looked at, and
/// a length no allocation can hold is `CKR_HOST_MEMORY` (PKCS#11 3.0 §5.1.1), not an abort.
unsafe fn owned(data: *const CK_BYTE, len: CK_ULONG) -> Result<Vec<u8>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if data.is_null() || len > isize::MAX as CK_ULONG {
        return Err(Error::ArgumentsBad);
    }
    let mut copy = Vec::new();
    copy.try_reserve_exact(len as usize)
        .map_err(|_| Error::HostMemory)?;
    copy.extend_from_slice(input(data, len)?);
    Ok(copy)
}

unsafe fn parameter<T: Copy>(mechanism: &CK_MECHANISM) -> Result<T> {
    if mechanism.pParameter.is_null()
        || mechanism.ulParameterLen as usize != std::mem::size_of::<T>()
    {
        return Err(Error::MechanismParamInvalid);
    }
    Ok(ptr::read_unaligned(mechanism.pParameter as *const T))
}

unsafe fn mechanism(pointer: *const CK_MECHANISM) -> Result<Mechanism> {
    let mechanism = pointer.as_ref().ok_or(Error::ArgumentsBad)?;
    let kind = mechanism.mechanism;
    let parameter = match kind {
        CKM_RSA_PKCS_PSS
        | CKM_SHA1_RSA_PKCS_PSS
        | CKM_SHA224_RSA_PKCS_PSS
        | CKM_SHA256_RSA_PKCS_PSS
        | CKM_SHA384_RSA_PKCS_PSS
        | CKM_SHA512_RSA_PKCS_PSS => {
            let p: CK_RSA_PKCS_PSS_PARAMS = parameter(mechanism)?;
            Parameter::Pss {
                hash: p.hashAlg,
                mgf: p.mgf,
                salt_len: p.sLen,
            }
        }
        CKM_RSA_PKCS_OAEP => {
            let p: CK_RSA_PKCS_OAEP_PARAMS = parameter(mechanism)?;
            let label = match p.source {
                0 => Vec::new(),
                CKZ_DATA_SPECIFIED => {
                    input(p.pSourceData as *const CK_BYTE, p.ulSourceDataLen)?.to_vec()
                }
                _ => return Err(Error::MechanismParamInvalid),
            };
            Parameter::Oaep {
                hash: p.hashAlg,
                mgf: p.mgf,
                label,
            }
        }
        CKM_ECDH1_DERIVE => {
            let p: CK_ECDH1_DERIVE_PARAMS = parameter(mechanism)?;
            Parameter::Ecdh {
                kdf: p.kdf,
                shared_data: input(p.pSharedData, p.ulSharedDataLen)?.to_vec(),
                public_data: input(p.pPublicData, p.ulPublicDataLen)?.to_vec(),
            }
        }
        _ if mechanism.pParameter.is_null() || mechanism.ulParameterLen == 0 => Parameter::None,
        _ => Parameter::Other,
    };
    Ok(Mechanism { kind, parameter })
}

// ---- general-purpose functions ----

#[no_mangle]
pub unsafe extern "C" fn C_Initialize(init_args: *mut c_void) -> CK_RV {
    guard(|| {
        if let Some(args) = (init_args as *const CK_C_INITIALIZE_ARGS).as_ref() {
            if !args.pReserved.is_null() {
                return Err(Error::ArgumentsBad);
            }
            let callbacks = [
                args.CreateMutex.is_some(),
                args.DestroyMutex.is_some(),
                args.LockMutex.is_some(),
                args.UnlockMutex.is_some(),
            ];
            if callbacks.iter().any(|c| *c) && !callbacks.iter().all(|c| *c) {
                return Err(Error::ArgumentsBad);
            }
            // The module locks with the OS's primitives; it cannot use the caller's.
            if callbacks[0] && args.flags & CKF_OS_LOCKING_OK == 0 {
                return Err(Error::CantLock);
            }
        }
        let mut slot = lock(&MODULE);
        if matches!(&*slot, Some((pid, _)) if *pid == std::process::id()) {
            return Err(Error::AlreadyInitialized);
        }
        let config = Config::from_environment().map_err(|error| {
            eprintln!("jeton-pkcs11: {error}");
            Error::GeneralError
        })?;
        *slot = Some((std::process::id(), Arc::new(Module::new(config)?)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_Finalize(reserved: *mut c_void) -> CK_RV {
    guard(|| {
        if !reserved.is_null() {
            return Err(Error::ArgumentsBad);
        }
        let module = module()?;
        module.finalize();
        *lock(&MODULE) = None;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetInfo(info: *mut CK_INFO) -> CK_RV {
    guard(|| {
        let info = out_ref(info)?;
        *info = module()?.info();
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    guard(|| {
        *out_ref(list)? = &FUNCTION_LIST as *const CK_FUNCTION_LIST as *mut CK_FUNCTION_LIST;
        Ok(())
    })
}

/// `CK_INTERFACE` holds raw pointers, to static data only: sharing it between threads is
/// safe.
struct Interfaces([CK_INTERFACE; 2]);
unsafe impl Sync for Interfaces {}

static INTERFACE_NAME: &[u8; 8] = b"PKCS 11\0";

static INTERFACES: Interfaces = Interfaces([
    CK_INTERFACE {
        pInterfaceName: INTERFACE_NAME.as_ptr() as *mut CK_UTF8CHAR,
        pFunctionList: &FUNCTION_LIST_3_0 as *const CK_FUNCTION_LIST_3_0 as *mut c_void,
        flags: 0,
    },
    CK_INTERFACE {
        pInterfaceName: INTERFACE_NAME.as_ptr() as *mut CK_UTF8CHAR,
        pFunctionList: &FUNCTION_LIST as *const CK_FUNCTION_LIST as *mut c_void,
        flags: 0,
    },
]);

#[no_mangle]
pub unsafe extern "C" fn C_GetInterfaceList(
    list: *mut CK_INTERFACE,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| write_list(list, count, &INTERFACES.0))
}

#[no_mangle]
pub unsafe extern "C" fn C_GetInterface(
    name: *mut CK_UTF8CHAR,
    version: *mut CK_VERSION,
    interface: *mut *mut CK_INTERFACE,
    flags: CK_FLAGS,
) -> CK_RV {
    guard(|| {
        let interface = out_ref(interface)?;
        if !name.is_null()
            && std::ffi::CStr::from_ptr(name as *const std::ffi::c_char).to_bytes() != b"PKCS 11"
        {
            return Err(Error::ArgumentsBad);
        }
        if flags != 0 {
            return Err(Error::ArgumentsBad);
        }
        let wanted = version.as_ref().map(|v| (v.major, v.minor));
        let index = match wanted {
            None | Some((3, 0)) => 0,
            Some((2, 40)) => 1,
            Some(_) => return Err(Error::ArgumentsBad),
        };
        *interface = &INTERFACES.0[index] as *const CK_INTERFACE as *mut CK_INTERFACE;
        Ok(())
    })
}

// ---- slots and tokens ----

#[no_mangle]
pub unsafe extern "C" fn C_GetSlotList(
    token_present: CK_BBOOL,
    list: *mut CK_SLOT_ID,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        out_ref(count)?;
        let slots = module()?.slot_list(token_present != CK_FALSE)?;
        write_list(list, count, &slots)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetSlotInfo(slot: CK_SLOT_ID, info: *mut CK_SLOT_INFO) -> CK_RV {
    guard(|| {
        let info = out_ref(info)?;
        *info = module()?.slot_info(slot)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetTokenInfo(slot: CK_SLOT_ID, info: *mut CK_TOKEN_INFO) -> CK_RV {
    guard(|| {
        let info = out_ref(info)?;
        *info = module()?.token_info(slot)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetMechanismList(
    slot: CK_SLOT_ID,
    list: *mut CK_MECHANISM_TYPE,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        out_ref(count)?;
        let mechanisms = module()?.mechanism_list(slot)?;
        write_list(list, count, &mechanisms)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetMechanismInfo(
    slot: CK_SLOT_ID,
    kind: CK_MECHANISM_TYPE,
    info: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    guard(|| {
        let info = out_ref(info)?;
        *info = module()?.mechanism_info(slot, kind)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_WaitForSlotEvent(
    flags: CK_FLAGS,
    slot: *mut CK_SLOT_ID,
    reserved: *mut c_void,
) -> CK_RV {
    guard(|| {
        if !reserved.is_null() {
            return Err(Error::ArgumentsBad);
        }
        let slot = out_ref(slot)?;
        *slot = module()?.wait_for_slot_event(flags & CKF_DONT_BLOCK != 0)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_InitPIN(
    session: CK_SESSION_HANDLE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.init_pin(session, input(pin, len)?)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_SetPIN(
    session: CK_SESSION_HANDLE,
    old: *mut CK_UTF8CHAR,
    old_len: CK_ULONG,
    new: *mut CK_UTF8CHAR,
    new_len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.set_pin(session, input(old, old_len)?, input(new, new_len)?)
    })
}

// ---- sessions ----

#[no_mangle]
pub unsafe extern "C" fn C_OpenSession(
    slot: CK_SLOT_ID,
    flags: CK_FLAGS,
    _application: *mut c_void,
    _notify: CK_NOTIFY,
    session: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    guard(|| {
        let session = out_ref(session)?;
        *session = module()?.open_session(slot, flags)?;
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn C_CloseSession(session: CK_SESSION_HANDLE) -> CK_RV {
    guard(|| module()?.close_session(session))
}

#[no_mangle]
pub extern "C" fn C_CloseAllSessions(slot: CK_SLOT_ID) -> CK_RV {
    guard(|| module()?.close_all_sessions(slot))
}

#[no_mangle]
pub unsafe extern "C" fn C_GetSessionInfo(
    session: CK_SESSION_HANDLE,
    info: *mut CK_SESSION_INFO,
) -> CK_RV {
    guard(|| {
        let info = out_ref(info)?;
        *info = module()?.session_info(session)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_Login(
    session: CK_SESSION_HANDLE,
    user: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.login(session, user, input(pin, len)?)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_LoginUser(
    session: CK_SESSION_HANDLE,
    user: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
    _username: *mut CK_UTF8CHAR,
    _username_len: CK_ULONG,
) -> CK_RV {
    // A PIV card has one PIN and no user names.
    C_Login(session, user, pin, len)
}

#[no_mangle]
pub extern "C" fn C_Logout(session: CK_SESSION_HANDLE) -> CK_RV {
    guard(|| module()?.logout(session))
}

#[no_mangle]
pub extern "C" fn C_SessionCancel(session: CK_SESSION_HANDLE, flags: CK_FLAGS) -> CK_RV {
    guard(|| module()?.session_cancel(session, flags))
}

// ---- objects ----

#[no_mangle]
pub unsafe extern "C" fn C_CreateObject(
    session: CK_SESSION_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
    object: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        let object = out_ref(object)?;
        let template = template(attributes, count)?;
        *object = module()?.create_object(session, &template)?;
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn C_DestroyObject(session: CK_SESSION_HANDLE, object: CK_OBJECT_HANDLE) -> CK_RV {
    guard(|| module()?.destroy_object(session, object))
}

#[no_mangle]
pub unsafe extern "C" fn C_GetObjectSize(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    size: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let size = out_ref(size)?;
        *size = module()?.object_size(session, object)? as CK_ULONG;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GetAttributeValue(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    guard(|| {
        if count == 0 {
            // Nothing asked, nothing to say, once the session and object are known.
            return module()?.attribute_values(session, object, &[]).map(drop);
        }
        if attributes.is_null() || count > 4096 {
            return Err(Error::ArgumentsBad);
        }
        let attributes = std::slice::from_raw_parts_mut(attributes, count as usize);
        let kinds: Vec<_> = attributes.iter().map(|a| a.type_).collect();
        let values = module()?.attribute_values(session, object, &kinds)?;
        // PKCS#11 3.0 §5.7.5: every attribute is processed; the worst problem is returned.
        let (mut sensitive, mut invalid, mut too_small) = (false, false, false);
        for (attribute, value) in attributes.iter_mut().zip(values) {
            match value {
                Ok(value) if attribute.pValue.is_null() => {
                    attribute.ulValueLen = value.len() as CK_ULONG
                }
                Ok(value) if (attribute.ulValueLen as usize) < value.len() => {
                    attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    too_small = true;
                }
                Ok(value) => {
                    ptr::copy_nonoverlapping(
                        value.as_ptr(),
                        attribute.pValue as *mut u8,
                        value.len(),
                    );
                    attribute.ulValueLen = value.len() as CK_ULONG;
                }
                Err(error) => {
                    attribute.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    sensitive |= error == Error::AttributeSensitive;
                    invalid |= error != Error::AttributeSensitive;
                }
            }
        }
        match (sensitive, invalid, too_small) {
            (true, _, _) => Err(Error::AttributeSensitive),
            (_, true, _) => Err(Error::AttributeTypeInvalid),
            (_, _, true) => Err(Error::BufferTooSmall),
            _ => Ok(()),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_SetAttributeValue(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    guard(|| {
        template(attributes, count)?;
        module()?.attribute_values(session, object, &[])?;
        // What a PIV card holds cannot be relabelled or changed in place.
        Err(Error::AttributeReadOnly)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_FindObjectsInit(
    session: CK_SESSION_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let template = template(attributes, count)?;
        module()?.find_objects_init(session, &template)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_FindObjects(
    session: CK_SESSION_HANDLE,
    objects: *mut CK_OBJECT_HANDLE,
    max: CK_ULONG,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let count = out_ref(count)?;
        if objects.is_null() && max > 0 {
            return Err(Error::ArgumentsBad);
        }
        let found = module()?.find_objects(session, max.min(1 << 20) as usize)?;
        ptr::copy_nonoverlapping(found.as_ptr(), objects, found.len());
        *count = found.len() as CK_ULONG;
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn C_FindObjectsFinal(session: CK_SESSION_HANDLE) -> CK_RV {
    guard(|| module()?.find_objects_final(session))
}

// ---- signing and verification ----

#[no_mangle]
pub unsafe extern "C" fn C_SignInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.sign_init(session, &mechanism(mech)?, key)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_Sign(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    signature: *mut CK_BYTE,
    signature_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = (|| {
            let room = capacity(signature, signature_len)?;
            let output = module.sign(session, input(data, data_len)?, room)?;
            write_output(signature, signature_len, output)
        })();
        ending_on_bad_arguments(&module, session, CKF_SIGN, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_SignUpdate(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = input(data, len).and_then(|data| module.sign_update(session, data));
        ending_on_bad_arguments(&module, session, CKF_SIGN, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_SignFinal(
    session: CK_SESSION_HANDLE,
    signature: *mut CK_BYTE,
    signature_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = (|| {
            let room = capacity(signature, signature_len)?;
            let output = module.sign_final(session, room)?;
            write_output(signature, signature_len, output)
        })();
        ending_on_bad_arguments(&module, session, CKF_SIGN, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_VerifyInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.verify_init(session, &mechanism(mech)?, key)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_Verify(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    signature: *mut CK_BYTE,
    signature_len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = (|| {
            module.verify(
                session,
                input(data, data_len)?,
                input(signature, signature_len)?,
            )
        })();
        ending_on_bad_arguments(&module, session, CKF_VERIFY, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_VerifyUpdate(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = input(data, len).and_then(|data| module.verify_update(session, data));
        ending_on_bad_arguments(&module, session, CKF_VERIFY, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_VerifyFinal(
    session: CK_SESSION_HANDLE,
    signature: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = input(signature, len).and_then(|sig| module.verify_final(session, sig));
        ending_on_bad_arguments(&module, session, CKF_VERIFY, result)
    })
}

// ---- decryption, digests, keys, random ----

#[no_mangle]
pub unsafe extern "C" fn C_DecryptInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.decrypt_init(session, &mechanism(mech)?, key)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_Decrypt(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    out: *mut CK_BYTE,
    out_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = (|| {
            let room = capacity(out, out_len)?;
            let output = module.decrypt(session, input(data, data_len)?, room)?;
            write_output(out, out_len, output)
        })();
        ending_on_bad_arguments(&module, session, CKF_DECRYPT, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_DigestInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        module.digest_init(session, &mechanism(mech)?)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_Digest(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    digest: *mut CK_BYTE,
    digest_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = (|| {
            let room = capacity(digest, digest_len)?;
            let output = module.digest(session, input(data, data_len)?, room)?;
            write_output(digest, digest_len, output)
        })();
        ending_on_bad_arguments(&module, session, CKF_DIGEST, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_DigestUpdate(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = input(data, len).and_then(|data| module.digest_update(session, data));
        ending_on_bad_arguments(&module, session, CKF_DIGEST, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_DigestFinal(
    session: CK_SESSION_HANDLE,
    digest: *mut CK_BYTE,
    digest_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let result = (|| {
            let room = capacity(digest, digest_len)?;
            let output = module.digest_final(session, room)?;
            write_output(digest, digest_len, output)
        })();
        ending_on_bad_arguments(&module, session, CKF_DIGEST, result)
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_GenerateKeyPair(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    public_attributes: *mut CK_ATTRIBUTE,
    public_count: CK_ULONG,
    private_attributes: *mut CK_ATTRIBUTE,
    private_count: CK_ULONG,
    public_key: *mut CK_OBJECT_HANDLE,
    private_key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let (public_key, private_key) = (out_ref(public_key)?, out_ref(private_key)?);
        let public_template = template(public_attributes, public_count)?;
        let private_template = template(private_attributes, private_count)?;
        let (public, private) = module.generate_key_pair(
            session,
            &mechanism(mech)?,
            &public_template,
            &private_template,
        )?;
        *public_key = public;
        *private_key = private;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_DeriveKey(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    base_key: CK_OBJECT_HANDLE,
    attributes: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
    key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        let key = out_ref(key)?;
        let template = template(attributes, count)?;
        *key = module.derive_key(session, &mechanism(mech)?, base_key, &template)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn C_SeedRandom(
    session: CK_SESSION_HANDLE,
    seed: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    match guard(|| {
        module()?.check_session(session)?;
        input(seed, len).map(drop)
    }) {
        // OpenSSL seeds itself from the OS; outside seeds are not taken.
        CKR_OK => CKR_RANDOM_SEED_NOT_SUPPORTED,
        rv => rv,
    }
}

#[no_mangle]
pub unsafe extern "C" fn C_GenerateRandom(
    session: CK_SESSION_HANDLE,
    out: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let module = module()?;
        if len == 0 {
            return module.check_session(session);
        }
        if out.is_null() || len > isize::MAX as CK_ULONG {
            return Err(Error::ArgumentsBad);
        }
        module.generate_random(session, std::slice::from_raw_parts_mut(out, len as usize))
    })
}

#[no_mangle]
pub extern "C" fn C_GetFunctionStatus(session: CK_SESSION_HANDLE) -> CK_RV {
    match guard(|| module()?.check_session(session)) {
        CKR_OK => CKR_FUNCTION_NOT_PARALLEL,
        rv => rv,
    }
}

#[no_mangle]
pub extern "C" fn C_CancelFunction(session: CK_SESSION_HANDLE) -> CK_RV {
    C_GetFunctionStatus(session)
}

// ---- what a PIV card cannot do: CKR_FUNCTION_NOT_SUPPORTED ----

include!("unsupported.rs");

// ---- the function lists ----

include!("function_lists.rs");
