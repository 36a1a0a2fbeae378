//! The C boundary under abuse: every entry point called directly (the rlib's `#[no_mangle]`
//! functions, through the module's own function lists) with null pointers, zero and huge
//! lengths, stale and random handles, and in the wrong state. Each call must answer a
//! `CK_RV`; none may crash or panic (a caught panic shows as `CKR_GENERAL_ERROR`).
//!
//! One binary, a module per concern: the entry points and their lists (`entry_points`),
//! handles (`handles`), null pointers (`pointers`), zero and huge lengths (`lengths`),
//! calls in the wrong state (`states`), the two-call buffer convention (`buffers`),
//! signatures checked by OpenSSL (`signing`), and random call sequences (`random`). Each
//! check names the function it calls and the codes it got and wanted (`check!`).
#![allow(non_snake_case)]

extern crate jeton_pkcs11;

/// Calls an entry point of the function list.
macro_rules! call {
    ($name:ident($($arg:expr),* $(,)?)) => {
        unsafe { (crate::support::functions().$name.expect(stringify!($name)))($($arg),*) }
    };
}

/// Asserts that an entry point answers `expected`; the failure names the function and both
/// codes: `check!(C_Sign(session, data, 32, out, &mut len) => CKR_OK)`, then an optional
/// message as for `assert!`. `extern` calls a function that is not in the function list.
macro_rules! check {
    (extern $name:ident($($arg:expr),* $(,)?) => $expected:expr $(,)?) => {
        crate::support::expect(
            stringify!($name),
            unsafe { $name($($arg),*) },
            $expected,
            String::new(),
        )
    };
    (extern $name:ident($($arg:expr),* $(,)?) => $expected:expr, $($context:tt)+) => {
        crate::support::expect(
            stringify!($name),
            unsafe { $name($($arg),*) },
            $expected,
            format!($($context)+),
        )
    };
    ($name:ident($($arg:expr),* $(,)?) => $expected:expr $(,)?) => {
        crate::support::expect(
            stringify!($name),
            call!($name($($arg),*)),
            $expected,
            String::new(),
        )
    };
    ($name:ident($($arg:expr),* $(,)?) => $expected:expr, $($context:tt)+) => {
        crate::support::expect(
            stringify!($name),
            call!($name($($arg),*)),
            $expected,
            format!($($context)+),
        )
    };
}

mod buffers;
mod entry_points;
mod handles;
mod lengths;
mod pointers;
mod random;
mod signing;
mod states;
mod support;
