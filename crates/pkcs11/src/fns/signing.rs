//! Signing (PKCS#11 3.0 §5.13) with the card's private keys, and verifying signatures
//! (§5.15) with their public keys in software. The 9C key needs `CKU_CONTEXT_SPECIFIC`
//! before each signature.

use cryptoki_sys::*;
use jeton_piv::KeySlot;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::mechanisms::{Mechanism, MessageBuffer, SignScheme};
use crate::module::{lock, Module, Output};
use crate::objects::{ObjectKind, PublicParts};
use crate::session::{Parts, Session, SignOperation};

impl Module {
    /// A signature to make with a private key, or to check with a public one.
    fn signature_operation(
        session: &mut Session,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
        kind: ObjectKind,
    ) -> Result<SignOperation> {
        let scheme = SignScheme::from_mechanism(mechanism)?;
        let (slot, public) = Self::key_for(session, key, kind)?;
        if scheme.is_rsa() != matches!(public, PublicParts::Rsa { .. }) {
            return Err(Error::KeyTypeInconsistent);
        }
        let signing = kind == ObjectKind::PrivateKey;
        Ok(SignOperation {
            scheme,
            slot,
            key: public,
            // Verification hashes as the data comes; signing decides at the first call.
            message: if signing {
                None
            } else {
                Some(MessageBuffer::new(scheme)?)
            },
            parts: Parts::Undecided,
            // The 9C key needs the PIN again for each signature (sole control).
            needs_context_login: signing && slot == KeySlot::SIGNATURE,
            context_login_done: false,
        })
    }

    /// Runs the card's signature of a prepared message (hashed when the mechanism hashes).
    fn card_sign(session: &mut Session, op: &SignOperation, message: &[u8]) -> Result<Vec<u8>> {
        if !Self::is_user(session) || (op.needs_context_login && !op.context_login_done) {
            return Err(Error::UserNotLoggedIn);
        }
        let input = op.scheme.card_input(message, &op.key)?;
        let algorithm = op.key.algorithm().ok_or(Error::KeyTypeInconsistent)?;
        let output =
            session.with_user_card(|card| Ok(card.sign_raw(op.slot, algorithm, &input)?))?;
        op.scheme.finish(output, &op.key)
    }

    /// `C_SignInit` (PKCS#11 3.0 §5.13.1).
    pub fn sign_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.sign.is_some() {
            return Err(Error::OperationActive);
        }
        let operation =
            Self::signature_operation(&mut session, mechanism, key, ObjectKind::PrivateKey)?;
        session.sign = Some(operation);
        Ok(())
    }

    /// `C_Sign` (PKCS#11 3.0 §5.13.2).
    pub fn sign(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .sign
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        if let Err(error) = op.parts.settle(Parts::Single) {
            session.sign = None;
            return Err(error);
        }
        let needed = op.scheme.signature_len(&op.key);
        if capacity.is_none_or(|c| c < needed) {
            return Ok(Output::Needed(needed));
        }
        let op = session.sign.take().ok_or(Error::OperationNotInitialized)?;
        let message = match op.scheme.message_hash() {
            Some(hash) => Zeroizing::new(hash.digest(data).map_err(|_| Error::FunctionFailed)?),
            None => Zeroizing::new(data.to_vec()),
        };
        Self::card_sign(&mut session, &op, &message).map(Output::Done)
    }

    /// `C_SignUpdate` (PKCS#11 3.0 §5.13.3).
    pub fn sign_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .sign
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let result = op.parts.settle(Parts::Multiple).and_then(|()| {
            let message = match &mut op.message {
                Some(message) => message,
                empty => empty.insert(MessageBuffer::new(op.scheme)?),
            };
            message.update(data)
        });
        if result.is_err() {
            session.sign = None;
        }
        result
    }

    /// `C_SignFinal` (PKCS#11 3.0 §5.13.4).
    pub fn sign_final(
        &self,
        handle: CK_SESSION_HANDLE,
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .sign
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        if let Err(error) = op.parts.settle(Parts::Multiple) {
            session.sign = None;
            return Err(error);
        }
        let needed = op.scheme.signature_len(&op.key);
        if capacity.is_none_or(|c| c < needed) {
            return Ok(Output::Needed(needed));
        }
        let mut op = session.sign.take().ok_or(Error::OperationNotInitialized)?;
        let message = match op.message.take() {
            Some(buffer) => buffer.finish()?,
            None => MessageBuffer::new(op.scheme)?.finish()?,
        };
        Self::card_sign(&mut session, &op, &message).map(Output::Done)
    }

    /// `C_VerifyInit` (PKCS#11 3.0 §5.15.1).
    pub fn verify_init(
        &self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.verify.is_some() {
            return Err(Error::OperationActive);
        }
        let operation =
            Self::signature_operation(&mut session, mechanism, key, ObjectKind::PublicKey)?;
        session.verify = Some(operation);
        Ok(())
    }

    /// `C_Verify` (PKCS#11 3.0 §5.15.2).
    pub fn verify(&self, handle: CK_SESSION_HANDLE, data: &[u8], signature: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let mut op = session
            .verify
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        op.parts.settle(Parts::Single)?;
        let mut buffer = op.message.take().ok_or(Error::OperationNotInitialized)?;
        buffer.update(data)?;
        op.scheme.verify(&buffer.finish()?, signature, &op.key)
    }

    /// `C_VerifyUpdate` (PKCS#11 3.0 §5.15.3).
    pub fn verify_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = session
            .verify
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        let result = op
            .parts
            .settle(Parts::Multiple)
            .and_then(|()| op.message.as_mut().map_or(Ok(()), |m| m.update(data)));
        if result.is_err() {
            session.verify = None;
        }
        result
    }

    /// `C_VerifyFinal` (PKCS#11 3.0 §5.15.4).
    pub fn verify_final(&self, handle: CK_SESSION_HANDLE, signature: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let mut op = session
            .verify
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        let buffer = op.message.take().ok_or(Error::OperationNotInitialized)?;
        op.scheme.verify(&buffer.finish()?, signature, &op.key)
    }
}
