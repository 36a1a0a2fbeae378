//! Decryption (PKCS#11 3.0 §5.10).
use cryptoki_sys::*;

use super::{capacity, ending_on_bad_arguments, guard, input, mechanism, module, write_output};

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
