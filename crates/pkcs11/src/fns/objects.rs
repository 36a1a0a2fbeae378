//! Object management (PKCS#11 3.0 §5.7): finding the token's objects and the session's
//! secrets, their attributes, and the certificates an application writes or deletes. What
//! each object is and says is in `crate::objects`; this is how the functions reach them.

use cryptoki_sys::*;
use jeton_piv::{KeyReference, KeySlot};

use crate::error::{Error, Result};
use crate::module::{
    find_attribute, lock, ulong_of, Module, SecretObject, Template, SECRET_HANDLE_BASE,
};
use crate::objects::{self, CertificateInfo, ObjectKind, PublicParts, SlotContents};
use crate::session::Session;

impl Module {
    /// What a PIV slot holds, read once per session and search.
    pub(super) fn contents(session: &mut Session, slot: KeySlot) -> Result<&SlotContents> {
        if !session.contents.contains_key(&slot) {
            let ((public, origin), certificate) = session.with_card(|card| {
                let key = match card.metadata(KeyReference::KeySlot(slot)) {
                    Ok(metadata) => (
                        metadata.public_key.as_ref().map(PublicParts::from_piv),
                        metadata.origin,
                    ),
                    Err(_) => (None, None),
                };
                let certificate = card
                    .read_certificate(slot)
                    .ok()
                    .and_then(CertificateInfo::parse);
                Ok((key, certificate))
            })?;
            session.contents.insert(
                slot,
                SlotContents {
                    slot,
                    public,
                    origin,
                    certificate,
                },
            );
        }
        session.contents.get(&slot).ok_or(Error::GeneralError)
    }

    /// The token object behind a handle, if it exists and this session may see it.
    pub(super) fn token_object(
        session: &mut Session,
        handle: CK_OBJECT_HANDLE,
    ) -> Result<(KeySlot, ObjectKind)> {
        let (slot_id, slot, kind) =
            objects::parse_handle(handle).ok_or(Error::ObjectHandleInvalid)?;
        if slot_id != session.slot_id || (kind == ObjectKind::PrivateKey && !Self::is_user(session))
        {
            return Err(Error::ObjectHandleInvalid);
        }
        if !Self::contents(session, slot)?.has(kind) {
            return Err(Error::ObjectHandleInvalid);
        }
        Ok((slot, kind))
    }

    /// The key object behind a handle, of the kind wanted, with its public parts.
    pub(super) fn key_for(
        session: &mut Session,
        key: CK_OBJECT_HANDLE,
        wanted: ObjectKind,
    ) -> Result<(KeySlot, PublicParts)> {
        let (slot, kind) = Self::token_object(session, key).map_err(|_| Error::KeyHandleInvalid)?;
        if kind != wanted {
            return Err(Error::KeyHandleInvalid);
        }
        let public = Self::contents(session, slot)?
            .public_key()
            .cloned()
            .ok_or(Error::KeyHandleInvalid)?;
        Ok((slot, public))
    }

    /// `C_CreateObject` (PKCS#11 3.0 §5.7.1): a certificate written to the slot of its key.
    pub fn create_object(
        &self,
        handle: CK_SESSION_HANDLE,
        template: &Template,
    ) -> Result<CK_OBJECT_HANDLE> {
        let entry = self.entry(handle)?;
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        let class = find_attribute(template, CKA_CLASS)
            .ok_or(Error::TemplateIncomplete)
            .and_then(ulong_of)?;
        if class != CKO_CERTIFICATE {
            return Err(Error::TemplateInconsistent);
        }
        if let Some(kind) = find_attribute(template, CKA_CERTIFICATE_TYPE) {
            if ulong_of(kind)? != CKC_X_509 {
                return Err(Error::TemplateInconsistent);
            }
        }
        let der = find_attribute(template, CKA_VALUE).ok_or(Error::TemplateIncomplete)?;
        let certificate =
            CertificateInfo::parse(der.to_vec()).ok_or(Error::AttributeValueInvalid)?;
        let mut session = lock(&entry.session);
        let slot = match find_attribute(template, CKA_ID) {
            Some(id) => objects::slot_of_id(id).ok_or(Error::AttributeValueInvalid)?,
            // Without an id, the slot whose key the certificate certifies.
            None => {
                let public = certificate
                    .certified_key()
                    .cloned()
                    .ok_or(Error::AttributeValueInvalid)?;
                let mut chosen = None;
                for slot in KeySlot::all() {
                    if Self::contents(&mut session, slot)?.public.as_ref() == Some(&public) {
                        chosen = Some(slot);
                        break;
                    }
                }
                chosen.ok_or(Error::TemplateIncomplete)?
            }
        };
        session.with_card(|card| {
            card.authenticate(&self.config.management_key)?;
            Ok(card.write_certificate(slot, der)?)
        })?;
        session.contents.remove(&slot);
        Ok(objects::handle_of(
            entry.slot_id,
            slot,
            ObjectKind::Certificate,
        ))
    }

    /// `C_DestroyObject` (PKCS#11 3.0 §5.7.3).
    pub fn destroy_object(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        if object >= SECRET_HANDLE_BASE {
            let mut secrets = lock(&self.secrets);
            return match secrets.get(&object) {
                Some(secret) if secret.session == handle => {
                    secrets.remove(&object);
                    Ok(())
                }
                _ => Err(Error::ObjectHandleInvalid),
            };
        }
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        let mut session = lock(&entry.session);
        let (slot, kind) = Self::token_object(&mut session, object)?;
        if kind != ObjectKind::Certificate {
            // PIV has no command that deletes a key.
            return Err(Error::ActionProhibited);
        }
        session.with_card(|card| {
            card.authenticate(&self.config.management_key)?;
            Ok(card.delete_certificate(slot)?)
        })?;
        session.contents.remove(&slot);
        Ok(())
    }

    /// `C_GetObjectSize` (PKCS#11 3.0 §5.7.4).
    pub fn object_size(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
    ) -> Result<usize> {
        let entry = self.entry(handle)?;
        if object >= SECRET_HANDLE_BASE {
            let secrets = lock(&self.secrets);
            let secret = secrets
                .get(&object)
                .filter(|s| s.session == handle)
                .ok_or(Error::ObjectHandleInvalid)?;
            return Ok(secret.value.len());
        }
        let mut session = lock(&entry.session);
        let (slot, kind) = Self::token_object(&mut session, object)?;
        let contents = Self::contents(&mut session, slot)?;
        Ok(match kind {
            ObjectKind::Certificate => contents.certificate.as_ref().map_or(0, |c| c.der.len()),
            _ => CK_UNAVAILABLE_INFORMATION as usize,
        })
    }

    /// `C_GetAttributeValue` (PKCS#11 3.0 §5.7.5).
    ///
    /// Each attribute's value, or why it has none (sensitive, or not an attribute of it).
    pub fn attribute_values(
        &self,
        handle: CK_SESSION_HANDLE,
        object: CK_OBJECT_HANDLE,
        kinds: &[CK_ATTRIBUTE_TYPE],
    ) -> Result<Vec<Result<Vec<u8>>>> {
        let entry = self.entry(handle)?;
        if object >= SECRET_HANDLE_BASE {
            let secrets = lock(&self.secrets);
            let secret = secrets
                .get(&object)
                .filter(|s| s.session == handle)
                .ok_or(Error::ObjectHandleInvalid)?;
            return Ok(kinds
                .iter()
                .map(|kind| secret_attribute(secret, *kind))
                .collect());
        }
        let mut session = lock(&entry.session);
        let (slot, kind) = Self::token_object(&mut session, object)?;
        let contents = Self::contents(&mut session, slot)?;
        Ok(kinds
            .iter()
            .map(|attribute| objects::attribute(contents, kind, *attribute))
            .collect())
    }

    /// `C_FindObjectsInit` (PKCS#11 3.0 §5.7.7).
    pub fn find_objects_init(&self, handle: CK_SESSION_HANDLE, template: &Template) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.found.is_some() {
            return Err(Error::OperationActive);
        }
        session.contents.clear();
        let user = Self::is_user(&session);
        let mut found = Vec::new();
        for slot in KeySlot::all() {
            let contents = Self::contents(&mut session, slot)?.clone();
            for kind in contents.kinds() {
                if (kind != ObjectKind::PrivateKey || user)
                    && objects::matches(&contents, kind, template)
                {
                    found.push(objects::handle_of(entry.slot_id, slot, kind));
                }
            }
        }
        for (secret_handle, secret) in lock(&self.secrets).iter() {
            if secret.session == handle
                && template
                    .iter()
                    .all(|(t, v)| secret_attribute(secret, *t).is_ok_and(|actual| actual == *v))
            {
                found.push(*secret_handle);
            }
        }
        found.reverse();
        session.found = Some(found);
        Ok(())
    }

    /// `C_FindObjects` (PKCS#11 3.0 §5.7.8).
    pub fn find_objects(
        &self,
        handle: CK_SESSION_HANDLE,
        max: usize,
    ) -> Result<Vec<CK_OBJECT_HANDLE>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let found = session
            .found
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let mut out = Vec::new();
        while out.len() < max {
            match found.pop() {
                Some(object) => out.push(object),
                None => break,
            }
        }
        Ok(out)
    }

    /// `C_FindObjectsFinal` (PKCS#11 3.0 §5.7.9).
    pub fn find_objects_final(&self, handle: CK_SESSION_HANDLE) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        session
            .found
            .take()
            .map(drop)
            .ok_or(Error::OperationNotInitialized)
    }
}

fn secret_attribute(secret: &SecretObject, kind: CK_ATTRIBUTE_TYPE) -> Result<Vec<u8>> {
    let boolean = |b: bool| vec![if b { CK_TRUE } else { CK_FALSE }];
    let ulong = |v: CK_ULONG| v.to_ne_bytes().to_vec();
    Ok(match kind {
        CKA_CLASS => ulong(CKO_SECRET_KEY),
        CKA_KEY_TYPE => ulong(secret.key_type),
        CKA_TOKEN | CKA_LOCAL | CKA_MODIFIABLE | CKA_ENCRYPT | CKA_DECRYPT | CKA_SIGN
        | CKA_VERIFY | CKA_WRAP | CKA_UNWRAP | CKA_DERIVE => boolean(false),
        CKA_PRIVATE => boolean(true),
        CKA_SENSITIVE | CKA_ALWAYS_SENSITIVE => boolean(secret.sensitive),
        CKA_EXTRACTABLE => boolean(secret.extractable),
        CKA_NEVER_EXTRACTABLE => boolean(!secret.extractable),
        CKA_LABEL => secret.label.clone(),
        CKA_ID => secret.id.clone(),
        CKA_VALUE_LEN => ulong(secret.value.len() as CK_ULONG),
        CKA_KEY_GEN_MECHANISM => ulong(CKM_ECDH1_DERIVE),
        CKA_VALUE if secret.sensitive || !secret.extractable => {
            return Err(Error::AttributeSensitive)
        }
        CKA_VALUE => secret.value.to_vec(),
        _ => return Err(Error::AttributeTypeInvalid),
    })
}
