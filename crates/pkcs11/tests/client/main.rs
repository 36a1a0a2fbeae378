//! The module as applications meet it: `libjeton_pkcs11.so` loaded through the `cryptoki`
//! crate, on virtual cards made for each test in a home of its own.
//!
//! Every check of a signature, a decryption, a key agreement or a digest is made against
//! OpenSSL with the public key the token exports, never against the module's own answer.

mod decryption;
mod objects;
mod pins;
mod signing;
mod slots;
mod support;
