//! How the card keeps private keys encrypted at rest.
//!
//! A copy of a card file must not give its PIN-protected keys away, yet key generation
//! under the management key must work without the PIN. So the card has a **vault key
//! pair** (X25519):
//!
//! - the vault *public* key is stored in clear; a new private key is sealed to it
//!   (ephemeral X25519 agreement → SHA-256 → AES-256-GCM), so GENERATE needs no PIN;
//! - the vault *private* key is stored twice, wrapped under a key derived from the PIN and
//!   under one derived from the PUK (scrypt → AES-256-GCM). A successful VERIFY is exactly
//!   a successful unwrap; RESET RETRY COUNTER unwraps with the PUK and rewraps under the
//!   new PIN; a PIN or PUK change rewraps the one copy. The sealed slot keys never change.
//!
//! What must work without any PIN (the 9E card-authentication key and the management
//! key) is sealed with the **device key**, a random key in a separate file of the card
//! folder (`device.key`, mode 0600): a card file copied alone gives nothing, a copy of the
//! whole folder gives the no-PIN keys only, and the PIN-protected keys still need an
//! offline guess of the PIN against scrypt. A software card cannot do better than that;
//! a hardware token can, which is why the provider issues qualified certificates on those.
//!
//! **Repeated unwraps in one process.** scrypt guards the file at rest; it need not be paid
//! again for a PIN this very process has already seen open the same wrap. After a good
//! unwrap (or a wrap), the process remembers, per wrap, a keyed hash of the secret under a
//! random key of its own and the unwrapped vault key, both zeroized when forgotten. A later
//! unwrap of the same wrap bytes compares the keyed hash in constant time instead of running
//! scrypt: a match is the right secret, anything else is wrong (the wrap opens with one
//! secret only). Nothing of this reaches the disk, so a copied card folder still costs one
//! scrypt per guess; the retry counters, spent before each comparison, are the card's
//! business and do not change.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::{self, CryptoError, KdfParams};

const SALT_LEN: usize = 16;
const X25519_LEN: usize = 32;

/// Wraps the vault private key under a key derived from `secret` (the padded PIN or PUK).
pub fn wrap(
    vault_private: &[u8],
    secret: &[u8],
    kdf: KdfParams,
    aad: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let salt = crypto::random_bytes::<SALT_LEN>()?;
    let kek = crypto::derive_key(secret, &salt, kdf)?;
    let mut out = salt.to_vec();
    out.extend(crypto::aead_seal(&kek, aad, vault_private)?);
    remember(&out, secret, kdf, aad, vault_private);
    Ok(out)
}

/// Unwraps with `secret`; `None` when the secret is wrong (or the bytes were altered).
pub fn unwrap(
    wrapped: &[u8],
    secret: &[u8],
    kdf: KdfParams,
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if let Some(known) = recall(wrapped, secret, kdf, aad) {
        return known;
    }
    let (salt, sealed) = wrapped.split_at_checked(SALT_LEN)?;
    let kek = crypto::derive_key(secret, salt, kdf).ok()?;
    let opened = crypto::aead_open(&kek, aad, sealed).ok()?;
    remember(wrapped, secret, kdf, aad, &opened);
    Some(opened)
}

/// What this process knows of one wrap it has seen opened.
struct Opened {
    /// SHA-256 of the wrap bytes and the scrypt parameters.
    wrap: [u8; 32],
    /// The keyed hash of the secret that opened it.
    verifier: Zeroizing<[u8; 32]>,
    vault_private: Zeroizing<Vec<u8>>,
}

/// The wraps opened in this process, one per `aad` (a card's PIN wrap, its PUK wrap): a
/// new wrap of the same card (a PIN change) replaces the old one's entry, so the
/// remembered secrets are only ever the current ones.
static OPENED: LazyLock<Mutex<HashMap<Vec<u8>, Opened>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The key of the keyed hashes: random, made once per process, never stored.
static VERIFIER_KEY: LazyLock<Option<Zeroizing<[u8; 32]>>> =
    LazyLock::new(|| crypto::random_bytes::<32>().ok().map(Zeroizing::new));

fn wrap_fingerprint(wrapped: &[u8], kdf: KdfParams) -> [u8; 32] {
    let params = [&[kdf.log_n][..], &kdf.r.to_be_bytes(), &kdf.p.to_be_bytes()].concat();
    crypto::sha256(&[b"jeton vault wrap", &params, wrapped])
}

/// SHA-256 over a fixed-length secret key, the wrap's `aad` and the secret: a keyed hash
/// of fixed-format input, where a length-extension has nothing to extend.
fn verifier_of(aad: &[u8], secret: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let key = VERIFIER_KEY.as_ref()?;
    let aad_len = (aad.len() as u64).to_be_bytes();
    Some(Zeroizing::new(crypto::sha256(&[
        b"jeton vault verifier",
        &key[..],
        &aad_len,
        aad,
        secret,
    ])))
}

fn opened() -> std::sync::MutexGuard<'static, HashMap<Vec<u8>, Opened>> {
    OPENED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `Some(answer)` when this process has seen this very wrap opened; `None` when scrypt
/// must decide.
fn recall(
    wrapped: &[u8],
    secret: &[u8],
    kdf: KdfParams,
    aad: &[u8],
) -> Option<Option<Zeroizing<Vec<u8>>>> {
    let verifier = verifier_of(aad, secret)?;
    let fingerprint = wrap_fingerprint(wrapped, kdf);
    let opened = opened();
    let known = opened.get(aad).filter(|known| known.wrap == fingerprint)?;
    let right: bool = known.verifier.ct_eq(&verifier[..]).into();
    Some(right.then(|| known.vault_private.clone()))
}

/// Forgets every wrap this process has seen opened: the next unwrap pays scrypt, as in a
/// new process (what `jeton bench` measures as the cold VERIFY).
pub fn forget_opened() {
    opened().clear();
}

fn remember(wrapped: &[u8], secret: &[u8], kdf: KdfParams, aad: &[u8], vault_private: &[u8]) {
    let Some(verifier) = verifier_of(aad, secret) else {
        return;
    };
    let entry = Opened {
        wrap: wrap_fingerprint(wrapped, kdf),
        verifier,
        vault_private: Zeroizing::new(vault_private.to_vec()),
    };
    opened().insert(aad.to_vec(), entry);
}

/// Seals `plaintext` so that only the vault private key opens it.
pub fn seal_to(vault_public: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (ephemeral_private, ephemeral_public) = crypto::x25519_generate()?;
    let shared = crypto::x25519_agree(&ephemeral_private, vault_public)?;
    let key = Zeroizing::new(crypto::sha256(&[
        b"jeton vault seal",
        &shared,
        &ephemeral_public,
        vault_public,
    ]));
    let mut out = ephemeral_public;
    out.extend(crypto::aead_seal(&key, aad, plaintext)?);
    Ok(out)
}

/// Opens what `seal_to` sealed.
pub fn open_with(
    vault_private: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let (ephemeral_public, rest) = sealed.split_at_checked(X25519_LEN).ok_or(CryptoError)?;
    let vault_public = crypto::x25519_public_of(vault_private)?;
    let shared = crypto::x25519_agree(vault_private, ephemeral_public)?;
    let key = Zeroizing::new(crypto::sha256(&[
        b"jeton vault seal",
        &shared,
        ephemeral_public,
        &vault_public,
    ]));
    crypto::aead_open(&key, aad, rest)
}

/// The key of the card folder that seals what needs no PIN.
pub struct DeviceKey(Zeroizing<[u8; 32]>);

impl DeviceKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DeviceKey(Zeroizing::new(bytes))
    }

    pub fn generate() -> Result<Self, CryptoError> {
        Ok(DeviceKey(Zeroizing::new(crypto::random_bytes::<32>()?)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        crypto::aead_seal(&self.0, aad, plaintext)
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        crypto::aead_open(&self.0, aad, sealed)
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_wrap_opens_only_with_the_pin() {
        let (private, _) = crypto::x25519_generate().unwrap();
        let wrapped = wrap(&private, b"123456\xff\xff", KdfParams::DEFAULT, b"pin").unwrap();
        assert_eq!(
            unwrap(&wrapped, b"123456\xff\xff", KdfParams::DEFAULT, b"pin").unwrap()[..],
            private[..]
        );
        assert!(unwrap(&wrapped, b"123457\xff\xff", KdfParams::DEFAULT, b"pin").is_none());
        assert!(unwrap(&wrapped, b"123456\xff\xff", KdfParams::DEFAULT, b"puk").is_none());
    }

    #[test]
    fn a_wrap_opened_once_opens_again_without_scrypt_and_only_with_its_secret() {
        let (private, _) = crypto::x25519_generate().unwrap();
        let aad = b"a_wrap_opened_once pin";
        let wrapped = wrap(&private, b"24681357", KdfParams::DEFAULT, aad).unwrap();
        // Forget what `wrap` remembered: the first unwrap pays scrypt.
        forget_opened();
        let timed = |secret: &[u8]| {
            let start = std::time::Instant::now();
            let result = unwrap(&wrapped, secret, KdfParams::DEFAULT, aad);
            (result, start.elapsed())
        };
        let (first, scrypt) = timed(b"24681357");
        assert_eq!(first.unwrap()[..], private[..]);
        let (again, remembered) = timed(b"24681357");
        assert_eq!(again.unwrap()[..], private[..]);
        assert!(
            remembered * 10 < scrypt,
            "remembered {remembered:?}, scrypt {scrypt:?}"
        );
        let (wrong, _) = timed(b"24681358");
        assert!(wrong.is_none(), "a wrong secret stays wrong");
        assert!(timed(b"24681357").0.is_some(), "and forgets nothing");
        // Altered wrap bytes are not the remembered wrap: scrypt decides, and refuses.
        let mut altered = wrapped.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(unwrap(&altered, b"24681357", KdfParams::DEFAULT, aad).is_none());
    }

    #[test]
    fn sealed_key_opens_only_with_the_vault_private_key() {
        let (private, public) = crypto::x25519_generate().unwrap();
        let sealed = seal_to(&public, b"slot 9a", b"secret key").unwrap();
        assert_eq!(
            &open_with(&private, b"slot 9a", &sealed).unwrap()[..],
            b"secret key"
        );
        let (other, _) = crypto::x25519_generate().unwrap();
        assert!(open_with(&other, b"slot 9a", &sealed).is_err());
        assert!(open_with(&private, b"slot 9c", &sealed).is_err());
    }
}
