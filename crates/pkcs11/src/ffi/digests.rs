//! Message digesting (PKCS#11 3.0 §5.12).
use cryptoki_sys::*;

use super::{capacity, ending_on_bad_arguments, guard, input, mechanism, module, write_output};

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
