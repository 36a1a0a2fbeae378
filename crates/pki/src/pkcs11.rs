//! A [`Signer`] whose key lives on a PKCS#11 token (an HSM, SoftHSMv2, or Jeton's own card
//! through `jeton-pkcs11`). The private key never leaves the token: generated there as
//! sensitive and non-extractable, used through C_Sign only.
//!
//! Mechanisms: CKM_ECDSA on a digest computed here (the raw r‖s it returns is re-encoded as a
//! DER ECDSA-Sig-Value for X.509, RFC 3279 §2.2.3) and CKM_SHA256_RSA_PKCS, the two that
//! `jeton-pkcs11` offers for its 9A/9C/9D keys.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType as CkKeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::alg::SignatureAlg;
use crate::oids;
use crate::signer::{KeyKind, Signer, SignerError};

/// Why a PKCS#11 key could not be opened or made.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs11Error {
    /// The module could not be loaded or initialised.
    #[error("PKCS#11 module {0}: {1}")]
    Module(String, String),
    /// No token with that label.
    #[error("no PKCS#11 token labelled {0:?} is present")]
    TokenNotFound(String),
    /// Login refused.
    #[error("PKCS#11 login refused: {0} (check the user PIN)")]
    Login(String),
    /// No key pair with that CKA_ID.
    #[error("no private key with CKA_ID {0} on the token, or no public key to go with it")]
    KeyNotFound(String),
    /// The key is of a type Jeton does not sign with.
    #[error("unsupported key on the token: {0}")]
    Unsupported(String),
    /// Another PKCS#11 failure.
    #[error("PKCS#11: {0}")]
    Call(#[from] CkError),
}

/// A private key on a PKCS#11 token.
pub struct Pkcs11Key {
    session: Mutex<Session>,
    key: ObjectHandle,
    alg: SignatureAlg,
    spki: SubjectPublicKeyInfoOwned,
    // Keeps the module loaded while the key is in use.
    _module: Pkcs11,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("algorithm", &self.alg)
            .finish_non_exhaustive()
    }
}

fn hex(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// One initialised context per module for the whole process: C_Initialize and C_Finalize
/// are process-wide (PKCS#11 §5.4), so a key dropped must not finalise the module under the
/// others.
fn context(module: &Path) -> Result<Pkcs11, Pkcs11Error> {
    static MODULES: Mutex<Vec<(PathBuf, Pkcs11)>> = Mutex::new(Vec::new());
    let mut modules = MODULES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, ctx)) = modules.iter().find(|(p, _)| p == module) {
        return Ok(ctx.clone());
    }
    let module_name = module.display().to_string();
    let ctx =
        Pkcs11::new(module).map_err(|e| Pkcs11Error::Module(module_name.clone(), e.to_string()))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) => {}
        Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(Pkcs11Error::Module(module_name, e.to_string())),
    }
    modules.push((module.to_path_buf(), ctx.clone()));
    Ok(ctx)
}

fn login(module: &Path, token_label: &str, pin: &str) -> Result<(Pkcs11, Session), Pkcs11Error> {
    let ctx = context(module)?;
    let mut found = None;
    for slot in ctx.get_slots_with_token()? {
        if ctx.get_token_info(slot)?.label().trim_end() == token_label {
            found = Some(slot);
            break;
        }
    }
    let slot = found.ok_or_else(|| Pkcs11Error::TokenNotFound(token_label.to_owned()))?;
    let session = ctx.open_rw_session(slot)?;
    match session.login(UserType::User, Some(&AuthPin::from(pin.to_owned()))) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => return Err(Pkcs11Error::Login(e.to_string())),
    }
    Ok((ctx, session))
}

fn find(
    session: &Session,
    class: ObjectClass,
    id: &[u8],
) -> Result<Option<ObjectHandle>, Pkcs11Error> {
    Ok(session
        .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])?
        .into_iter()
        .next())
}

fn attr_bytes(
    session: &Session,
    obj: ObjectHandle,
    t: AttributeType,
) -> Result<Vec<u8>, Pkcs11Error> {
    for a in session.get_attributes(obj, &[t])? {
        match a {
            Attribute::EcParams(v)
            | Attribute::EcPoint(v)
            | Attribute::Modulus(v)
            | Attribute::PublicExponent(v) => return Ok(v),
            _ => {}
        }
    }
    Err(Pkcs11Error::Unsupported(format!(
        "the public key has no {t}"
    )))
}

/// Reads the public key object's attributes into an SPKI and the algorithm to sign with.
fn public_key(
    session: &Session,
    public: ObjectHandle,
) -> Result<(SignatureAlg, SubjectPublicKeyInfoOwned), Pkcs11Error> {
    let key_type = session
        .get_attributes(public, &[AttributeType::KeyType])?
        .into_iter()
        .find_map(|a| match a {
            Attribute::KeyType(k) => Some(k),
            _ => None,
        })
        .ok_or_else(|| Pkcs11Error::Unsupported("no CKA_KEY_TYPE".into()))?;
    let ossl = |e: openssl::error::ErrorStack| Pkcs11Error::Unsupported(e.to_string());
    let (alg, pkey) = if key_type == CkKeyType::EC {
        let params = attr_bytes(session, public, AttributeType::EcParams)?;
        let curve = ObjectIdentifier::from_der(&params)
            .map_err(|_| Pkcs11Error::Unsupported("EC parameters are not a named curve".into()))?;
        let (nid, alg) = match curve {
            c if c == oids::SECP256R1 => (Nid::X9_62_PRIME256V1, SignatureAlg::EcdsaSha256),
            c if c == oids::SECP384R1 => (Nid::SECP384R1, SignatureAlg::EcdsaSha384),
            c if c == oids::SECP521R1 => (Nid::SECP521R1, SignatureAlg::EcdsaSha512),
            c => return Err(Pkcs11Error::Unsupported(format!("curve {c}"))),
        };
        let raw = attr_bytes(session, public, AttributeType::EcPoint)?;
        // PKCS#11 §2.3.3: CKA_EC_POINT is a DER OCTET STRING; some tokens give the bare point.
        let point = OctetString::from_der(&raw)
            .map(|o| o.as_bytes().to_vec())
            .unwrap_or(raw);
        let group = EcGroup::from_curve_name(nid).map_err(ossl)?;
        let mut ctx = BigNumContext::new().map_err(ossl)?;
        let point = EcPoint::from_bytes(&group, &point, &mut ctx).map_err(ossl)?;
        let key = EcKey::from_public_key(&group, &point).map_err(ossl)?;
        (alg, PKey::from_ec_key(key).map_err(ossl)?)
    } else if key_type == CkKeyType::RSA {
        let n = BigNum::from_slice(&attr_bytes(session, public, AttributeType::Modulus)?)
            .map_err(ossl)?;
        let e = BigNum::from_slice(&attr_bytes(session, public, AttributeType::PublicExponent)?)
            .map_err(ossl)?;
        let rsa = Rsa::from_public_components(n, e).map_err(ossl)?;
        (SignatureAlg::RsaSha256, PKey::from_rsa(rsa).map_err(ossl)?)
    } else {
        return Err(Pkcs11Error::Unsupported(format!("key type {key_type}")));
    };
    let der = pkey.public_key_to_der().map_err(ossl)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&der)
        .map_err(|e| Pkcs11Error::Unsupported(e.to_string()))?;
    Ok((alg, spki))
}

impl Pkcs11Key {
    /// Opens the key pair with CKA_ID `key_id` on the token labelled `token_label`, logging in
    /// with the user `pin`.
    pub fn open(
        module: &Path,
        token_label: &str,
        pin: &str,
        key_id: &[u8],
    ) -> Result<Self, Pkcs11Error> {
        let (ctx, session) = login(module, token_label, pin)?;
        let not_found = || Pkcs11Error::KeyNotFound(hex(key_id));
        let key = find(&session, ObjectClass::PRIVATE_KEY, key_id)?.ok_or_else(not_found)?;
        let public = find(&session, ObjectClass::PUBLIC_KEY, key_id)?.ok_or_else(not_found)?;
        let (alg, spki) = public_key(&session, public)?;
        Ok(Pkcs11Key {
            session: Mutex::new(session),
            key,
            alg,
            spki,
            _module: ctx,
        })
    }

    /// Generates a key pair on the token (CA key generation: EN 319 411-1 OVR-6.5.2-01 wants
    /// it in a secure cryptographic device). The private key is sensitive and
    /// non-extractable: it never leaves the token.
    pub fn generate(
        module: &Path,
        token_label: &str,
        pin: &str,
        key_id: &[u8],
        label: &str,
        kind: KeyKind,
    ) -> Result<Self, Pkcs11Error> {
        let (ctx, session) = login(module, token_label, pin)?;
        let common = |private: bool| {
            vec![
                Attribute::Token(true),
                Attribute::Private(private),
                Attribute::Id(key_id.to_vec()),
                Attribute::Label(label.as_bytes().to_vec()),
            ]
        };
        let mut public = common(false);
        public.push(Attribute::Verify(true));
        let mut private = common(true);
        private.extend([
            Attribute::Sign(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ]);
        let mechanism = match kind {
            KeyKind::P256 | KeyKind::P384 => {
                let curve = if kind == KeyKind::P256 {
                    oids::SECP256R1
                } else {
                    oids::SECP384R1
                };
                public.push(Attribute::EcParams(
                    curve
                        .to_der()
                        .map_err(|e| Pkcs11Error::Unsupported(e.to_string()))?,
                ));
                Mechanism::EccKeyPairGen
            }
            KeyKind::Rsa(bits) => {
                if bits < 2048 {
                    return Err(Pkcs11Error::Unsupported(format!(
                        "RSA-{bits}: at least 2048 bits"
                    )));
                }
                public.push(Attribute::ModulusBits(u64::from(bits).into()));
                public.push(Attribute::PublicExponent(vec![1, 0, 1]));
                Mechanism::RsaPkcsKeyPairGen
            }
        };
        let (public, key) = session.generate_key_pair(&mechanism, &public, &private)?;
        let (alg, spki) = public_key(&session, public)?;
        Ok(Pkcs11Key {
            session: Mutex::new(session),
            key,
            alg,
            spki,
            _module: ctx,
        })
    }
}

impl Signer for Pkcs11Key {
    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        self.alg.identifier()
    }

    fn public_key(&self) -> SubjectPublicKeyInfoOwned {
        self.spki.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let session = self
            .session
            .lock()
            .map_err(|_| SignerError::Key("the PKCS#11 session was poisoned by a panic".into()))?;
        let failed = |e: CkError| SignerError::Failed(e.to_string());
        if self.alg.is_ecdsa() {
            let digest = self
                .alg
                .hash()
                .digest(message)
                .map_err(|e| SignerError::Failed(e.to_string()))?;
            let raw = session
                .sign(&Mechanism::Ecdsa, self.key, &digest)
                .map_err(failed)?;
            // PKCS#11 §2.3.1: r ‖ s, each half the length.
            let (r, s) = raw.split_at(raw.len() / 2);
            let ossl = |e: openssl::error::ErrorStack| SignerError::Failed(e.to_string());
            let sig = EcdsaSig::from_private_components(
                BigNum::from_slice(r).map_err(ossl)?,
                BigNum::from_slice(s).map_err(ossl)?,
            )
            .map_err(ossl)?;
            sig.to_der().map_err(ossl)
        } else {
            session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
                .map_err(failed)
        }
    }
}
