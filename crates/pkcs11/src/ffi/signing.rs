//! Signing (PKCS#11 3.0 §5.13) and verifying signatures (§5.15).
use cryptoki_sys::*;

use super::{capacity, ending_on_bad_arguments, guard, input, mechanism, module, write_output};

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
