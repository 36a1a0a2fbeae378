//! Slot and token management (PKCS#11 3.0 §5.5); the PIN's functions are in `sessions`.
use std::ffi::c_void;

use cryptoki_sys::*;

use super::{guard, module, out_ref, write_list};
use crate::error::Error;

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
