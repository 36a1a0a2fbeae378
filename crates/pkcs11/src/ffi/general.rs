//! General-purpose functions (PKCS#11 3.0 §5.4) and parallel function management (§5.20).
use std::ffi::c_void;
use std::sync::Arc;

use cryptoki_sys::*;

use super::{guard, module, out_ref, MODULE};
use crate::config::Config;
use crate::error::Error;
use crate::module::{lock, Module};

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
