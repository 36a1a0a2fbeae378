//! Key management (PKCS#11 3.0 §5.18): key pair generation and ECDH derivation.
use cryptoki_sys::*;

use super::{guard, mechanism, module, out_ref, template};

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
