//! Message digesting (PKCS#11 3.0 §5.12), in software.

use cryptoki_sys::*;

use crate::error::{Error, Result};
use crate::mechanisms::{self, Mechanism};
use crate::module::{lock, Module, Output};
use crate::session::{DigestOperation, Parts, Session};

impl Module {
    /// `C_DigestInit` (PKCS#11 3.0 §5.12.1).
    pub fn digest_init(&self, handle: CK_SESSION_HANDLE, mechanism: &Mechanism) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        if session.digest.is_some() {
            return Err(Error::OperationActive);
        }
        session.digest = Some(DigestOperation {
            hasher: mechanisms::digest_hasher(mechanism)?,
            parts: Parts::Undecided,
        });
        Ok(())
    }

    /// The digest operation, in the form this call needs; a call of the other form ends it.
    fn digest_operation(session: &mut Session, form: Parts) -> Result<&mut DigestOperation> {
        let op = session
            .digest
            .as_mut()
            .ok_or(Error::OperationNotInitialized)?;
        if let Err(error) = op.parts.settle(form) {
            session.digest = None;
            return Err(error);
        }
        session
            .digest
            .as_mut()
            .ok_or(Error::OperationNotInitialized)
    }

    /// The digest's length, or `None` when the caller has room for it. A digest's size is
    /// known from its hasher only once finished: a clone is asked.
    fn digest_room(op: &DigestOperation, capacity: Option<usize>) -> Result<Option<usize>> {
        let needed = op.hasher.clone().finish()?.len();
        Ok(capacity.is_none_or(|c| c < needed).then_some(needed))
    }

    /// `C_Digest` (PKCS#11 3.0 §5.12.2).
    pub fn digest(
        &self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = Self::digest_operation(&mut session, Parts::Single)?;
        if let Some(needed) = Self::digest_room(op, capacity)? {
            return Ok(Output::Needed(needed));
        }
        let mut op = session
            .digest
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        op.hasher.update(data)?;
        Ok(Output::Done(op.hasher.finish()?.to_vec()))
    }

    /// `C_DigestUpdate` (PKCS#11 3.0 §5.12.3).
    pub fn digest_update(&self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = Self::digest_operation(&mut session, Parts::Multiple)?;
        if op.hasher.update(data).is_err() {
            session.digest = None;
            return Err(Error::FunctionFailed);
        }
        Ok(())
    }

    /// `C_DigestFinal` (PKCS#11 3.0 §5.12.5).
    pub fn digest_final(
        &self,
        handle: CK_SESSION_HANDLE,
        capacity: Option<usize>,
    ) -> Result<Output<Vec<u8>>> {
        let entry = self.entry(handle)?;
        let mut session = lock(&entry.session);
        let op = Self::digest_operation(&mut session, Parts::Multiple)?;
        if let Some(needed) = Self::digest_room(op, capacity)? {
            return Ok(Output::Needed(needed));
        }
        let mut op = session
            .digest
            .take()
            .ok_or(Error::OperationNotInitialized)?;
        Ok(Output::Done(op.hasher.finish()?.to_vec()))
    }
}
