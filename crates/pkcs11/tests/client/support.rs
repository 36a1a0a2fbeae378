//! A fresh `$JETON_HOME` with its cards, the module loaded on it, and the software checks
//! (OpenSSL) that the token's answers are measured against.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use jeton_card::{CardDirectory, Personalisation};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Rsa;

pub const PIN: &str = "123456";
pub const PUK: &str = "12345678";
pub const P256: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
pub const P384: &[u8] = &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22];

/// The module keeps process-wide state: tests in this binary take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// `target/debug/deps/<test>` → `target/debug/libjeton_pkcs11.so`.
/// The module this very test run built: `cargo test` leaves the cdylib beside the test
/// binaries in `deps/` (a `cargo build` also copies it one level up).
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

/// The module, initialized on a home of its own; `C_Finalize` when dropped.
pub struct Token {
    pub pkcs11: Pkcs11,
    pub home: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Token {
    /// One factory card (PIN 123456, PUK 12345678, three tries each).
    pub fn factory() -> Token {
        Token::with_cards(&[Personalisation::factory(1001)])
    }

    pub fn with_cards(cards: &[Personalisation]) -> Token {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let home = tempfile::tempdir().expect("temporary home");
        let directory = CardDirectory::new(home.path().join("cards"));
        for card in cards {
            directory.create(card).expect("card created");
        }
        std::env::set_var("JETON_HOME", home.path());
        std::env::remove_var("JETON_PKCS11_CONF");
        std::env::remove_var("JETON_PKCS11_MGMT_KEY");
        let pkcs11 = Pkcs11::new(module_path()).expect("module loads");
        pkcs11
            .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .expect("C_Initialize");
        Token {
            pkcs11,
            home,
            _turn: turn,
        }
    }

    pub fn cards(&self) -> CardDirectory {
        CardDirectory::new(self.home.path().join("cards"))
    }

    /// The slot of the only card.
    pub fn slot(&self) -> Slot {
        let slots = self.pkcs11.get_slots_with_token().expect("C_GetSlotList");
        assert_eq!(slots.len(), 1, "one card, one slot");
        slots[0]
    }

    pub fn info(&self) -> TokenInfo {
        self.pkcs11
            .get_token_info(self.slot())
            .expect("C_GetTokenInfo")
    }

    /// A read-write session logged in with the factory PIN.
    pub fn user_session(&self) -> Session {
        let session = self.pkcs11.open_rw_session(self.slot()).expect("session");
        session
            .login(UserType::User, Some(&pin(PIN)))
            .expect("C_Login");
        session
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        let _ = self.pkcs11.clone().finalize();
    }
}

pub fn pin(text: &str) -> AuthPin {
    AuthPin::new(text.into())
}

/// The `CK_RV` of a call that must fail.
pub fn rv<T: std::fmt::Debug>(result: cryptoki::error::Result<T>) -> RvError {
    match result {
        Err(Error::Pkcs11(rv, _)) => rv,
        other => panic!("expected a PKCS#11 error, got {other:?}"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    P256,
    P384,
}

/// `C_GenerateKeyPair` into the PIV slot of `CKA_ID` `id`: (public, private).
pub fn generate(session: &Session, id: u8, kind: KeyKind) -> (ObjectHandle, ObjectHandle) {
    let (mechanism, mut public) = match kind {
        KeyKind::Rsa2048 => (
            Mechanism::RsaPkcsKeyPairGen,
            vec![
                Attribute::ModulusBits(2048.into()),
                Attribute::PublicExponent(vec![1, 0, 1]),
            ],
        ),
        KeyKind::P256 => (
            Mechanism::EccKeyPairGen,
            vec![Attribute::EcParams(P256.to_vec())],
        ),
        KeyKind::P384 => (
            Mechanism::EccKeyPairGen,
            vec![Attribute::EcParams(P384.to_vec())],
        ),
    };
    public.extend([Attribute::Token(true), Attribute::Id(vec![id])]);
    let private = [Attribute::Token(true), Attribute::Id(vec![id])];
    session
        .generate_key_pair(&mechanism, &public, &private)
        .expect("C_GenerateKeyPair")
}

/// The one object of a class with a `CKA_ID`.
pub fn find(session: &Session, class: ObjectClass, id: u8) -> ObjectHandle {
    let found = session
        .find_objects(&[Attribute::Class(class), Attribute::Id(vec![id])])
        .expect("C_FindObjects");
    assert_eq!(found.len(), 1, "one {class:?} with id {id}");
    found[0]
}

pub fn bytes(session: &Session, object: ObjectHandle, kind: AttributeType) -> Vec<u8> {
    let attributes = session
        .get_attributes(object, &[kind])
        .expect("C_GetAttributeValue");
    match attributes.as_slice() {
        [Attribute::Modulus(v)
        | Attribute::PublicExponent(v)
        | Attribute::EcParams(v)
        | Attribute::EcPoint(v)
        | Attribute::Value(v)
        | Attribute::Subject(v)
        | Attribute::Issuer(v)
        | Attribute::SerialNumber(v)
        | Attribute::Id(v)
        | Attribute::Label(v)] => v.clone(),
        other => panic!("{kind:?}: {other:?}"),
    }
}

pub fn boolean(session: &Session, object: ObjectHandle, kind: AttributeType) -> bool {
    let attributes = session
        .get_attributes(object, &[kind])
        .expect("C_GetAttributeValue");
    match attributes.as_slice() {
        [Attribute::Sensitive(b)
        | Attribute::Extractable(b)
        | Attribute::AlwaysAuthenticate(b)
        | Attribute::AlwaysSensitive(b)
        | Attribute::NeverExtractable(b)
        | Attribute::Private(b)
        | Attribute::Token(b)
        | Attribute::Sign(b)
        | Attribute::Decrypt(b)
        | Attribute::Derive(b)] => *b,
        other => panic!("{kind:?}: {other:?}"),
    }
}

/// The public key as OpenSSL sees it, rebuilt from the token's public-key attributes
/// (modulus and exponent, or curve and point) — not from anything the module computed.
pub fn exported_public_key(session: &Session, public: ObjectHandle) -> PKey<Public> {
    let params = session
        .get_attributes(public, &[AttributeType::EcParams])
        .expect("C_GetAttributeValue");
    if params.is_empty() {
        let n = BigNum::from_slice(&bytes(session, public, AttributeType::Modulus)).unwrap();
        let e = BigNum::from_slice(&bytes(session, public, AttributeType::PublicExponent)).unwrap();
        return PKey::from_rsa(Rsa::from_public_components(n, e).unwrap()).unwrap();
    }
    let nid = match bytes(session, public, AttributeType::EcParams).as_slice() {
        P256 => Nid::X9_62_PRIME256V1,
        P384 => Nid::SECP384R1,
        other => panic!("unknown curve {other:02x?}"),
    };
    let group = EcGroup::from_curve_name(nid).unwrap();
    let der = bytes(session, public, AttributeType::EcPoint);
    // CKA_EC_POINT is the point in a DER OCTET STRING (PKCS#11 3.0 §2.3.3).
    let point = match der.as_slice() {
        [0x04, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
        [0x04, 0x81, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
        other => panic!("CKA_EC_POINT is not an OCTET STRING: {other:02x?}"),
    };
    let mut ctx = openssl::bn::BigNumContext::new().unwrap();
    let point = EcPoint::from_bytes(&group, point, &mut ctx).unwrap();
    PKey::from_ec_key(EcKey::from_public_key(&group, &point).unwrap()).unwrap()
}

pub fn digest(md: MessageDigest, data: &[u8]) -> Vec<u8> {
    openssl::hash::hash(md, data).unwrap().to_vec()
}

/// An ECDSA signature in PKCS#11's form (r ‖ s) checked by OpenSSL on a digest.
pub fn ecdsa_verifies(key: &PKey<Public>, digest: &[u8], signature: &[u8]) -> bool {
    let half = signature.len() / 2;
    let r = BigNum::from_slice(&signature[..half]).unwrap();
    let s = BigNum::from_slice(&signature[half..]).unwrap();
    let signature = EcdsaSig::from_private_components(r, s).unwrap();
    signature.verify(digest, &key.ec_key().unwrap()).unwrap()
}

/// A PKCS#1 v1.5 signature of `message` hashed with `md`, checked by OpenSSL.
pub fn pkcs1_verifies(key: &PKey<Public>, md: MessageDigest, message: &[u8], sig: &[u8]) -> bool {
    let mut verifier = openssl::sign::Verifier::new(md, key).unwrap();
    verifier
        .set_rsa_padding(openssl::rsa::Padding::PKCS1)
        .unwrap();
    verifier.verify_oneshot(sig, message).unwrap_or(false)
}

/// A PSS signature of `message` (MGF1 with the same hash, salt of the hash's length).
pub fn pss_verifies(key: &PKey<Public>, md: MessageDigest, message: &[u8], sig: &[u8]) -> bool {
    let mut verifier = openssl::sign::Verifier::new(md, key).unwrap();
    verifier
        .set_rsa_padding(openssl::rsa::Padding::PKCS1_PSS)
        .unwrap();
    verifier.set_rsa_mgf1_md(md).unwrap();
    verifier
        .set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::custom(md.size() as i32))
        .unwrap();
    verifier.verify_oneshot(sig, message).unwrap_or(false)
}
