//! Decryption (PKCS#11 3.0 §5.10): RSA decryption by the card, unpadded here.

use cryptoki_sys::*;
use jeton_piv::KeySlot;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::mechanisms::{DecryptScheme, Mechanism};
use crate::module::{lock, Module, Output};
use crate::objects::{self, ObjectKind, PublicParts};
use crate::session::DecryptOperation;

impl Module {
    /// `C_DecryptInit` (PKCS#11 3.0 §5.10.1).
    pub fn decrypt_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.decrypt.is_some() {
            return Err(Error::OperationActive);
        }
        let scheme = DecryptScheme::from_mechanism(mechanism)?;
        let (slot, public) = Self::key_for(&mut session, key, ObjectKind::PrivateKey)?;
        let contents = Self::contents(&mut session, slot)?;
        if objects::attribute(contents, ObjectKind::PrivateKey, CKA_DECRYPT)? != [CK_TRUE] {
            return Err(Error::KeyFunctionNotPermitted);
        }
        session.decrypt = Some(DecryptOperation {
            scheme,
            slot,
            key: public,
            pending: None,
            needs_context_login: slot == KeySlot::SIGNATURE,
            context_login_done: false,
        });
        Ok(())
    }

    /// `C_Decrypt` (PKCS#11 3.0 §5.10.2).
    pub fn decrypt(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output<Zeroizing<Vec<u8>>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let session = &mut *session;
        let op = session
            .decrypt
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let PublicParts::Rsa { modulus, .. } = &op.key else {
            session.decrypt = None;
            return Err(Error::KeyTypeInconsistent);
        };
        let Some(capacity) = capacity else {
            return Ok(Output::Needed(
                op.pending.as_ref().map_or(modulus.len(), |p| p.len()),
            ));
        };
        let plaintext = match op.pending.take() {
            Some(plaintext) => plaintext,
            None => {
                let op = session
                    .decrypt
                    .take()
                    .ok_or(Error::OperationNotInitialized)?;
                let result = (|| {
                    if data.len() != modulus_len(&op.key) {
                        return Err(Error::EncryptedDataLenRange);
                    }
                    let algorithm = op.key.algorithm().ok_or(Error::KeyTypeInconsistent)?;
                    let block = session
                        .with_user_card(|card| Ok(card.decrypt(op.slot, algorithm, data)?))?;
                    op.scheme.unpad(&block)
                })();
                let plaintext = result?;
                session.decrypt = Some(op);
                plaintext
            }
        };
        if plaintext.len() > capacity {
            let needed = plaintext.len();
            if let Some(op) = session.decrypt.as_mut() {
                op.pending = Some(plaintext);
            }
            return Ok(Output::Needed(needed));
        }
        session.decrypt = None;
        Ok(Output::Done(plaintext))
    }
}

fn modulus_len(key: &PublicParts) -> usize {
    match key {
        PublicParts::Rsa { modulus, .. } => modulus.len(),
        PublicParts::Ec { .. } => 0,
    }
}
