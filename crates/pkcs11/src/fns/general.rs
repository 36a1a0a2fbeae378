//! General-purpose functions (PKCS#11 3.0 §5.4): what the library is, and its end.

use std::sync::atomic::Ordering;

use cryptoki_sys::*;

use crate::module::{padded, Module};

impl Module {
    /// `C_Finalize` (PKCS#11 3.0 §5.4.2): wakes a `C_WaitForSlotEvent` blocked in another
    /// thread.
    pub fn finalize(&self) {
        self.finalizing.store(true, Ordering::SeqCst);
    }

    /// `C_GetInfo` (PKCS#11 3.0 §5.4.3).
    pub fn info(&self) -> CK_INFO {
        CK_INFO {
            cryptokiVersion: CK_VERSION { major: 3, minor: 0 },
            manufacturerID: padded("Jeton"),
            flags: 0,
            libraryDescription: padded("Jeton PKCS#11 module"),
            libraryVersion: CK_VERSION { major: 0, minor: 1 },
        }
    }
}
