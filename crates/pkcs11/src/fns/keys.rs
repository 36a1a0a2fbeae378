//! Key management (PKCS#11 3.0 §5.18): a new key pair in a PIV slot, and ECDH with a
//! card's key into a session secret.

use std::sync::atomic::Ordering;

use cryptoki_sys::*;
use jeton_piv::{KeyAlgorithm, KeySlot};

use crate::error::{Error, Result};
use crate::mechanisms::{Mechanism, Parameter};
use crate::module::{
    bool_of, find_attribute, lock, ulong_of, Module, SecretObject, Template, NEXT_SECRET,
};
use crate::objects::{self, Curve, ObjectKind, PublicParts};

impl Module {
    /// `C_GenerateKeyPair` (PKCS#11 3.0 §5.18.2): a new key in a PIV slot.
    pub fn generate_key_pair(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        public_template: &Template,
        private_template: &Template,
    ) -> Result<(CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)> {
        let entry = self.entry(handle)?;
        if !entry.read_write {
            return Err(Error::SessionReadOnly);
        }
        if mechanism.parameter != Parameter::None {
            return Err(Error::MechanismParamInvalid);
        }
        let either = |kind| {
            find_attribute(public_template, kind).or_else(|| find_attribute(private_template, kind))
        };
        let algorithm = match mechanism.kind {
            CKM_RSA_PKCS_KEY_PAIR_GEN => {
                if let Some(exponent) = find_attribute(public_template, CKA_PUBLIC_EXPONENT) {
                    let trimmed: Vec<u8> =
                        exponent.iter().copied().skip_while(|b| *b == 0).collect();
                    if trimmed != [0x01, 0x00, 0x01] {
                        return Err(Error::TemplateInconsistent);
                    }
                }
                let bits = find_attribute(public_template, CKA_MODULUS_BITS)
                    .ok_or(Error::TemplateIncomplete)?;
                match ulong_of(bits)? {
                    2048 => KeyAlgorithm::Rsa2048,
                    3072 => KeyAlgorithm::Rsa3072,
                    4096 => KeyAlgorithm::Rsa4096,
                    _ => return Err(Error::AttributeValueInvalid),
                }
            }
            CKM_EC_KEY_PAIR_GEN => {
                let params = either(CKA_EC_PARAMS).ok_or(Error::TemplateIncomplete)?;
                Curve::from_params(params)
                    .ok_or(Error::AttributeValueInvalid)?
                    .algorithm()
            }
            _ => return Err(Error::MechanismInvalid),
        };
        let mut session = lock(&entry.session);
        if !Self::is_user(&session) {
            return Err(Error::UserNotLoggedIn);
        }
        let slot = match either(CKA_ID) {
            Some(id) => objects::slot_of_id(id).ok_or(Error::AttributeValueInvalid)?,
            // Without an id, the first free slot whose key needs the PIN once: never 9C
            // (the holder's qualified signature key, asked for by id) nor 9E (no PIN at all).
            None => {
                let mut free = None;
                for slot in KeySlot::all()
                    .filter(|s| ![KeySlot::SIGNATURE, KeySlot::CARD_AUTHENTICATION].contains(s))
                {
                    if Self::contents(&mut session, slot)?.public_key().is_none() {
                        free = Some(slot);
                        break;
                    }
                }
                free.ok_or(Error::DeviceMemory)?
            }
        };
        session.with_user_card(|card| {
            card.authenticate(&self.config.management_key)?;
            Ok(card.generate(slot, algorithm)?)
        })?;
        session.contents.remove(&slot);
        Ok((
            objects::handle_of(entry.slot_id, slot, ObjectKind::PublicKey),
            objects::handle_of(entry.slot_id, slot, ObjectKind::PrivateKey),
        ))
    }

    /// `C_DeriveKey` (PKCS#11 3.0 §5.18.5): ECDH with a card's key, a session secret.
    pub fn derive_key(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        base_key: CK_OBJECT_HANDLE,
        template: &Template,
    ) -> Result<CK_OBJECT_HANDLE> {
        let entry = self.entry(handle)?;
        let Parameter::Ecdh {
            kdf,
            shared_data,
            public_data,
        } = &mechanism.parameter
        else {
            return Err(if mechanism.kind == CKM_ECDH1_DERIVE {
                Error::MechanismParamInvalid
            } else {
                Error::MechanismInvalid
            });
        };
        if mechanism.kind != CKM_ECDH1_DERIVE {
            return Err(Error::MechanismInvalid);
        }
        if *kdf != CKD_NULL || !shared_data.is_empty() {
            return Err(Error::MechanismParamInvalid);
        }
        if find_attribute(template, CKA_TOKEN)
            .map(bool_of)
            .transpose()?
            == Some(true)
        {
            return Err(Error::TemplateInconsistent);
        }
        let mut session = lock(&entry.session);
        let (slot, public) = Self::key_for(&mut session, base_key, ObjectKind::PrivateKey)?;
        let PublicParts::Ec { curve, .. } = public else {
            return Err(Error::KeyTypeInconsistent);
        };
        if objects::attribute(
            Self::contents(&mut session, slot)?,
            ObjectKind::PrivateKey,
            CKA_DERIVE,
        )? != [CK_TRUE]
        {
            return Err(Error::KeyFunctionNotPermitted);
        }
        // The peer's point, raw or wrapped in a DER OCTET STRING.
        let raw_len = 1 + 2 * curve.field_bytes();
        let point = match public_data.as_slice() {
            raw if raw.len() == raw_len => raw,
            [0x04, len, rest @ ..] if usize::from(*len) == rest.len() && rest.len() == raw_len => {
                rest
            }
            [0x04, 0x81, len, rest @ ..]
                if usize::from(*len) == rest.len() && rest.len() == raw_len =>
            {
                rest
            }
            _ => return Err(Error::MechanismParamInvalid),
        };
        let mut value =
            session.with_user_card(|card| Ok(card.ecdh(slot, curve.algorithm(), point)?))?;
        if let Some(len) = find_attribute(template, CKA_VALUE_LEN) {
            let len = ulong_of(len)? as usize;
            if len == 0 || len > value.len() {
                return Err(Error::AttributeValueInvalid);
            }
            value.truncate(len);
        }
        let attribute_bool = |kind, default| {
            find_attribute(template, kind)
                .map(bool_of)
                .transpose()
                .map(|v| v.unwrap_or(default))
        };
        let secret = SecretObject {
            session: handle,
            value,
            key_type: find_attribute(template, CKA_KEY_TYPE)
                .map(ulong_of)
                .transpose()?
                .unwrap_or(CKK_GENERIC_SECRET),
            sensitive: attribute_bool(CKA_SENSITIVE, false)?,
            extractable: attribute_bool(CKA_EXTRACTABLE, true)?,
            label: find_attribute(template, CKA_LABEL)
                .unwrap_or_default()
                .to_vec(),
            id: find_attribute(template, CKA_ID)
                .unwrap_or_default()
                .to_vec(),
        };
        let secret_handle = NEXT_SECRET.fetch_add(1, Ordering::SeqCst);
        lock(&self.secrets).insert(secret_handle, secret);
        Ok(secret_handle)
    }
}
