//! Random number generation (PKCS#11 3.0 §5.19), from OpenSSL's generator.

use cryptoki_sys::*;

use crate::error::{Error, Result};
use crate::module::Module;

impl Module {
    /// `C_GenerateRandom` (PKCS#11 3.0 §5.19.2).
    pub fn generate_random(&self, handle: CK_SESSION_HANDLE, out: &mut [u8]) -> Result<()> {
        self.entry(handle)?;
        openssl::rand::rand_bytes(out).map_err(|_| Error::RandomNoRng)
    }
}
