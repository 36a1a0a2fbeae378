//! Random number generation (PKCS#11 3.0 §5.19).
use cryptoki_sys::*;

use super::{guard, input, module};
use crate::error::Error;

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
