//! What the single-test binaries (`stale_pin.rs`, `sessions.rs`, `no_wrap_tag.rs`) share:
//! the module this run built, a fresh `$JETON_HOME` it is loaded on, and a P-256 key pair
//! made through it. Each of those binaries sets the process environment, hence one test
//! per binary.

// Each binary uses its own part of this file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectHandle};
use cryptoki::session::Session;
use jeton_card::{CardDirectory, Personalisation};

pub const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// The factory PIN of `Personalisation::factory`.
pub const FACTORY_PIN: &str = "123456";

/// The module this test run built, beside the test binary in `deps/` or one level up.
pub fn module_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let deps = exe.parent().expect("deps dir");
    let beside = deps.join("libjeton_pkcs11.so");
    if beside.exists() {
        return beside;
    }
    deps.parent()
        .expect("target dir")
        .join("libjeton_pkcs11.so")
}

/// A home of its own with one factory card in `cards/`, which the module will find:
/// `JETON_HOME` points at it and no configuration or management key is inherited.
pub fn home_with_factory_card(serial: u32) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temporary home");
    CardDirectory::new(home.path().join("cards"))
        .create(&Personalisation::factory(serial))
        .expect("card created");
    use_home(home.path());
    home
}

/// Points the module (loaded after this) at `home`, with nothing else inherited.
pub fn use_home(home: &Path) {
    std::env::set_var("JETON_HOME", home);
    std::env::remove_var("JETON_PKCS11_CONF");
    std::env::remove_var("JETON_PKCS11_MGMT_KEY");
}

/// The module loaded and `C_Initialize`d, as a multi-threaded application does.
pub fn load_module() -> Pkcs11 {
    let pkcs11 = Pkcs11::new(module_path()).expect("module loads");
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .expect("C_Initialize");
    pkcs11
}

/// A P-256 key pair on the token under `CKA_ID` `id`: (public, private).
pub fn generate_p256(session: &Session, id: u8) -> (ObjectHandle, ObjectHandle) {
    session
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::EcParams(P256.to_vec()),
                Attribute::Token(true),
                Attribute::Id(vec![id]),
            ],
            &[Attribute::Token(true), Attribute::Id(vec![id])],
        )
        .expect("C_GenerateKeyPair")
}

/// The `CK_RV` of a call that should fail, `None` if it succeeded.
pub fn rv<T>(result: Result<T, CkError>) -> Option<RvError> {
    match result {
        Ok(_) => None,
        Err(CkError::Pkcs11(rv, _)) => Some(rv),
        Err(other) => panic!("not a PKCS#11 answer: {other}"),
    }
}
