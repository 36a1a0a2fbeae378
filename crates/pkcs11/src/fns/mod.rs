//! The PKCS#11 functions in safe Rust, one file per function family of the standard
//! (PKCS#11 3.0 §5), each an `impl Module` block: the C entry point of the same family in
//! `ffi` checks the pointers, calls the function here and turns its result into a `CK_RV`.
//!
//! | family (PKCS#11 3.0)                   | here         |
//! |----------------------------------------|--------------|
//! | general purpose (§5.4)                 | `general`    |
//! | slots and tokens (§5.5)                | `slots`      |
//! | sessions and login, the PIN (§5.6, §5.5) | `sessions` |
//! | objects (§5.7)                         | `objects`    |
//! | decryption (§5.10)                     | `decryption` |
//! | digests (§5.12)                        | `digests`    |
//! | signing and verifying (§5.13, §5.15)   | `signing`    |
//! | key pair generation, derivation (§5.18) | `keys`      |
//! | random numbers (§5.19)                 | `random`     |
//!
//! What a PIV card cannot do (encryption, wrapping, message-based functions…) has no body
//! here: `ffi::unsupported` answers it.

mod decryption;
mod digests;
mod general;
mod keys;
mod objects;
mod random;
mod sessions;
mod signing;
mod slots;
