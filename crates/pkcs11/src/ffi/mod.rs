//! The C entry points: the only `unsafe` code of the module. Each one checks its pointers
//! and lengths, turns them into Rust values, calls the safe function of the same family in
//! `fns`, and turns the result into a `CK_RV`. A panic never crosses this boundary: it
//! becomes `CKR_GENERAL_ERROR`. This file holds what every family uses: the loaded module,
//! the panic guard, and the readers and writers of C arguments.
#![allow(unsafe_code, non_snake_case, clippy::missing_safety_doc)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex};

use cryptoki_sys::*;

use crate::error::{Error, Result};
use crate::mechanisms::{Mechanism, Parameter};
use crate::module::{lock, Module, Output};

mod decryption;
mod digests;
mod function_lists;
mod general;
mod keys;
mod objects;
mod random;
mod sessions;
mod signing;
mod slots;
mod unsupported;

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
