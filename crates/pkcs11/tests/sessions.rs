//! Sessions cost no file descriptors: an application under the usual `ulimit -n` opens
//! thousands of them (Firefox and NSS open one per certificate look-up) and the token stays
//! present and signs. Its own test binary, because it lowers its process's RLIMIT_NOFILE.

mod common;

use common::{generate_p256, home_with_factory_card, load_module, FACTORY_PIN};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;

const SESSIONS: usize = 10_000;
const FILE_LIMIT: libc::rlim_t = 256;

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
    let _home = home_with_factory_card(1001);
    let pkcs11 = load_module();
    let slot = pkcs11.get_slots_with_token().unwrap()[0];
    let setup = pkcs11.open_rw_session(slot).unwrap();
    setup
        .login(UserType::User, Some(&AuthPin::new(FACTORY_PIN.into())))
        .unwrap();
    let (public, _) = generate_p256(&setup, 1);
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
