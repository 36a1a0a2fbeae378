//! Object management (PKCS#11 3.0 §5.7).
use std::ptr;

use cryptoki_sys::*;

use super::{guard, module, out_ref, template};
use crate::error::Error;

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
