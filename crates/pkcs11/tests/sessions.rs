//! Sessions cost no file descriptors: an application under the usual `ulimit -n` opens
//! thousands of them (Firefox and NSS open one per certificate look-up) and the token stays
//! present and signs. Its own test binary, because it lowers its process's RLIMIT_NOFILE.

use std::path::PathBuf;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use jeton_card::{CardDirectory, Personalisation};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;

const SESSIONS: usize = 10_000;
const FILE_LIMIT: libc::rlim_t = 256;
const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

/// The module this test run built, beside the test binary in `deps/` or one level up.
fn module_path() -> PathBuf {
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

/// `ulimit -n 256` for this process only.
fn lower_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    limit.rlim_cur = FILE_LIMIT.min(limit.rlim_max);
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

#[test]
fn ten_thousand_sessions_open_under_ulimit_256_and_the_last_one_signs() {
    let home = tempfile::tempdir().unwrap();
    CardDirectory::new(home.path().join("cards"))
        .create(&Personalisation::factory(1001))
        .unwrap();
    std::env::set_var("JETON_HOME", home.path());
    std::env::remove_var("JETON_PKCS11_CONF");
    std::env::remove_var("JETON_PKCS11_MGMT_KEY");
    let pkcs11 = Pkcs11::new(module_path()).unwrap();
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = pkcs11.get_slots_with_token().unwrap()[0];
    let setup = pkcs11.open_rw_session(slot).unwrap();
    setup
        .login(UserType::User, Some(&AuthPin::new("123456".into())))
        .unwrap();
    let (public, _) = setup
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::EcParams(P256.to_vec()),
                Attribute::Token(true),
                Attribute::Id(vec![1]),
            ],
            &[Attribute::Token(true), Attribute::Id(vec![1])],
        )
        .unwrap();
    let point = match setup
        .get_attributes(public, &[AttributeType::EcPoint])
        .unwrap()
        .as_slice()
    {
        [Attribute::EcPoint(der)] => der[2..].to_vec(),
        other => panic!("CKA_EC_POINT: {other:?}"),
    };

    lower_file_limit();
    let sessions: Vec<_> = (0..SESSIONS)
        .map(|i| {
            pkcs11
                .open_ro_session(slot)
                .unwrap_or_else(|e| panic!("session {i}: {e}"))
        })
        .collect();
    assert!(
        pkcs11.get_slots_with_token().unwrap().contains(&slot),
        "the token is still present"
    );
    assert_eq!(
        pkcs11.get_token_info(slot).unwrap().session_count(),
        Some(SESSIONS as u64 + 1)
    );

    let last = sessions.last().unwrap();
    let private = last
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Id(vec![1]),
        ])
        .unwrap()[0];
    let digest = openssl::sha::sha256(b"the last session signs");
    let signature = last.sign(&Mechanism::Ecdsa, private, &digest).unwrap();

    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let point = EcPoint::from_bytes(&group, &point, &mut BigNumContext::new().unwrap()).unwrap();
    let key = EcKey::from_public_key(&group, &point).unwrap();
    let (r, s) = signature.split_at(32);
    let signature = EcdsaSig::from_private_components(
        BigNum::from_slice(r).unwrap(),
        BigNum::from_slice(s).unwrap(),
    )
    .unwrap();
    assert!(signature.verify(&digest, &key).unwrap());
    drop(sessions);
    drop(setup);
    pkcs11.finalize().unwrap();
}
