//! How the card keeps private keys encrypted at rest.
//!
//! A copy of a card file must not give its PIN-protected keys away, yet key generation
//! under the management key must work without the PIN. So the card has a **vault key
//! pair** (X25519):
//!
//! - the vault *public* key is stored in clear; a new private key is sealed to it
//!   (ephemeral X25519 agreement → SHA-256 → AES-256-GCM), so GENERATE needs no PIN;
//! - the vault *private* key is stored twice, wrapped under a key derived from the PIN and
//!   under one derived from the PUK. A successful VERIFY is exactly a successful unwrap;
//!   RESET RETRY COUNTER unwraps with the PUK and rewraps under the new PIN; a PIN or PUK
//!   change rewraps the one copy. The sealed slot keys never change.
//!
//! What must work without any PIN (the 9E card-authentication key and the management
//! key) is sealed with the **device key**, a random key in a separate file of the card
//! folder (`device.key`, mode 0600). Each key-encryption key of a wrap is
//! HKDF-SHA256 over scrypt(secret, salt) *and* a key derived from the device key, with the
//! wrap's own label (PIN or PUK, and the card's serial) as info. So:
//!
//! - a card file copied alone gives nothing, and allows no offline guessing: without the
//!   device key a guess cannot be checked, whatever the PIN or PUK (even the factory PUK);
//! - a copy of the whole folder gives the no-PIN keys, and the PIN-protected keys still
//!   need an offline guess of the PIN (or PUK) against scrypt at `KdfParams::DEFAULT`.
//!   A software card cannot do better than that; a hardware token can, which is why the
//!   provider issues qualified certificates on those.
//!
//! **Older wraps.** Cards made before format 3 have wraps under scrypt(secret) alone, at a
//! lower cost. When such a file is first written, each of those wraps is sealed once more
//! under a key derived from the device key (`WrapScheme::Enveloped`), which needs no
//! secret: from then on the card file alone gives nothing either. The next right PIN (and
//! the next right PUK) re-makes its wrap as `WrapScheme::DeviceBound` at the card's scrypt
//! parameters, as does any wrap made at parameters other than the card's.
//!
//! **Repeated unwraps in one process.** scrypt guards the file at rest; it need not be paid
//! again for a PIN this very process has already seen open the same wrap. After a good
//! unwrap (or a wrap), the process remembers, per wrap, a keyed hash of the secret under a
//! random key of its own and the unwrapped vault key, both zeroized when forgotten. A later
//! unwrap of the same wrap bytes, under the same device key, compares the keyed hash in
//! constant time instead of running scrypt: a match is the right secret, anything else is
//! wrong (the wrap opens with one secret only). Nothing of this reaches the disk, so a
//! copied card folder still costs one scrypt per guess; the retry counters, spent before
//! each comparison, are the card's business and do not change.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::{self, CryptoError, KdfParams};

const SALT_LEN: usize = 16;
const X25519_LEN: usize = 32;

/// How a wrap's key-encryption key is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapScheme {
    /// scrypt(secret) alone: cards of formats 1 and 2, read but never written again.
    SecretOnly = 0,
    /// A `SecretOnly` wrap sealed under a key derived from the device key, until the next
    /// right secret re-makes it.
    Enveloped = 1,
    /// HKDF over scrypt(secret) and a key derived from the device key.
    DeviceBound = 2,
}

impl WrapScheme {
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(WrapScheme::SecretOnly),
            1 => Some(WrapScheme::Enveloped),
            2 => Some(WrapScheme::DeviceBound),
            _ => None,
        }
    }
}

/// The vault private key wrapped under one secret, with how it was wrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrap {
    pub scheme: WrapScheme,
    pub kdf: KdfParams,
    /// `salt ‖ AES-256-GCM` (an `Enveloped` wrap: the device's AES-256-GCM of those).
    pub bytes: Vec<u8>,
}

impl Wrap {
    /// Whether the next right secret should re-make this wrap: it is not bound to the
    /// device key, or not at the card's scrypt parameters.
    pub fn needs_rewrap(&self, target: KdfParams) -> bool {
        self.scheme != WrapScheme::DeviceBound || self.kdf != target
    }

    /// A digest of everything the wrap is, for "is it still the same wrap?".
    pub fn digest(&self) -> [u8; 32] {
        crypto::sha256(&[
            b"jeton vault wrap",
            &[self.scheme as u8, self.kdf.log_n],
            &self.kdf.r.to_be_bytes(),
            &self.kdf.p.to_be_bytes(),
            &self.bytes,
        ])
    }
}

/// The wrap bytes, as before wraps carried their scheme (hosts hash them as a tag).
impl std::ops::Deref for Wrap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// What each key derived from the device key is for: one label, one use.
const DEVICE_KEK_LABEL: &[u8] = b"jeton device: key-encryption keys of the vault wraps";
const DEVICE_ENVELOPE_LABEL: &[u8] = b"jeton device: envelope of format 2 wraps";
const DEVICE_STATE_LABEL: &[u8] = b"jeton device: authentication of card files";
const DEVICE_CACHE_LABEL: &[u8] = b"jeton device: identity in the unwrap cache";

fn bound_kek(
    secret: &[u8],
    salt: &[u8],
    kdf: KdfParams,
    device: &DeviceKey,
    aad: &[u8],
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let stretched = crypto::derive_key(secret, salt, kdf)?;
    let device_part = device.subkey(DEVICE_KEK_LABEL)?;
    crypto::hkdf_sha256(
        salt,
        &[&stretched[..], &device_part[..]],
        &[b"jeton vault kek: ", aad],
    )
}

fn envelope_aad(aad: &[u8]) -> Vec<u8> {
    [b"jeton vault envelope: ".as_slice(), aad].concat()
}

/// Wraps the vault private key under `secret` (the padded PIN or PUK) and the device key.
pub fn wrap(
    vault_private: &[u8],
    secret: &[u8],
    kdf: KdfParams,
    device: &DeviceKey,
    aad: &[u8],
) -> Result<Wrap, CryptoError> {
    let salt = crypto::random_bytes::<SALT_LEN>()?;
    let kek = bound_kek(secret, &salt, kdf, device, aad)?;
    let mut bytes = salt.to_vec();
    bytes.extend(crypto::aead_seal(&kek, aad, vault_private)?);
    let wrap = Wrap {
        scheme: WrapScheme::DeviceBound,
        kdf,
        bytes,
    };
    remember(&wrap, device, secret, aad, vault_private);
    Ok(wrap)
}

/// Seals a `SecretOnly` wrap under the device key (no secret needed); any other wrap is
/// returned as it is.
pub fn envelope(wrap: &Wrap, device: &DeviceKey, aad: &[u8]) -> Result<Wrap, CryptoError> {
    if wrap.scheme != WrapScheme::SecretOnly {
        return Ok(wrap.clone());
    }
    let key = device.subkey(DEVICE_ENVELOPE_LABEL)?;
    Ok(Wrap {
        scheme: WrapScheme::Enveloped,
        kdf: wrap.kdf,
        bytes: crypto::aead_seal(&key, &envelope_aad(aad), &wrap.bytes)?,
    })
}

/// Unwraps with `secret` and the device key; `None` when either is wrong (or the bytes
/// were altered).
pub fn unwrap(
    wrap: &Wrap,
    secret: &[u8],
    device: &DeviceKey,
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if let Some(known) = recall(wrap, device, secret, aad) {
        return known;
    }
    let opened = match wrap.scheme {
        WrapScheme::SecretOnly => open_secret_only(&wrap.bytes, secret, wrap.kdf, aad)?,
        WrapScheme::Enveloped => {
            let key = device.subkey(DEVICE_ENVELOPE_LABEL).ok()?;
            let inner = crypto::aead_open(&key, &envelope_aad(aad), &wrap.bytes).ok()?;
            open_secret_only(&inner, secret, wrap.kdf, aad)?
        }
        WrapScheme::DeviceBound => {
            let (salt, sealed) = wrap.bytes.split_at_checked(SALT_LEN)?;
            let kek = bound_kek(secret, salt, wrap.kdf, device, aad).ok()?;
            crypto::aead_open(&kek, aad, sealed).ok()?
        }
    };
    remember(wrap, device, secret, aad, &opened);
    Some(opened)
}

fn open_secret_only(
    bytes: &[u8],
    secret: &[u8],
    kdf: KdfParams,
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let (salt, sealed) = bytes.split_at_checked(SALT_LEN)?;
    let kek = crypto::derive_key(secret, salt, kdf).ok()?;
    crypto::aead_open(&kek, aad, sealed).ok()
}

/// The key that authenticates the card files of a folder.
pub(crate) fn state_key(device: &DeviceKey) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    device.subkey(DEVICE_STATE_LABEL)
}

/// What this process knows of one wrap it has seen opened.
struct Opened {
    /// The wrap's digest, under the device key it was opened with.
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

/// The same wrap bytes under another device key are another wrap: a card file copied to
/// another folder in this process does not open from memory.
fn wrap_fingerprint(wrap: &Wrap, device: &DeviceKey) -> Option<[u8; 32]> {
    let identity = device.subkey(DEVICE_CACHE_LABEL).ok()?;
    Some(crypto::sha256(&[&identity[..], &wrap.digest()]))
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
    wrap: &Wrap,
    device: &DeviceKey,
    secret: &[u8],
    aad: &[u8],
) -> Option<Option<Zeroizing<Vec<u8>>>> {
    let verifier = verifier_of(aad, secret)?;
    let fingerprint = wrap_fingerprint(wrap, device)?;
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

fn remember(wrap: &Wrap, device: &DeviceKey, secret: &[u8], aad: &[u8], vault_private: &[u8]) {
    let (Some(verifier), Some(fingerprint)) =
        (verifier_of(aad, secret), wrap_fingerprint(wrap, device))
    else {
        return;
    };
    let entry = Opened {
        wrap: fingerprint,
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

    /// A key for one use, derived from the device key (HKDF-SHA256, `label` as info), so
    /// that no two uses share a key.
    pub(crate) fn subkey(&self, label: &[u8]) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
        crypto::hkdf_sha256(b"jeton device key", &[&self.0[..]], &[label])
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

    const FAST: KdfParams = KdfParams::TESTING;

    /// The tests that forget the process's cache take turns, so that none forgets under
    /// the timing test.
    static CACHE: Mutex<()> = Mutex::new(());

    fn cache_turn() -> std::sync::MutexGuard<'static, ()> {
        CACHE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn device() -> DeviceKey {
        DeviceKey::generate().unwrap()
    }

    /// A wrap as formats 1 and 2 made them: scrypt(secret) alone.
    fn secret_only(vault_private: &[u8], secret: &[u8], kdf: KdfParams, aad: &[u8]) -> Wrap {
        let salt = crypto::random_bytes::<SALT_LEN>().unwrap();
        let kek = crypto::derive_key(secret, &salt, kdf).unwrap();
        let mut bytes = salt.to_vec();
        bytes.extend(crypto::aead_seal(&kek, aad, vault_private).unwrap());
        Wrap {
            scheme: WrapScheme::SecretOnly,
            kdf,
            bytes,
        }
    }

    #[test]
    fn pin_wrap_opens_only_with_the_pin_and_the_device_key() {
        let _turn = cache_turn();
        let (private, _) = crypto::x25519_generate().unwrap();
        let (ours, theirs) = (device(), device());
        let aad = b"pin_wrap_opens_only pin";
        let wrapped = wrap(&private, b"123456\xff\xff", FAST, &ours, aad).unwrap();
        forget_opened();
        assert_eq!(
            unwrap(&wrapped, b"123456\xff\xff", &ours, aad).unwrap()[..],
            private[..]
        );
        assert!(unwrap(&wrapped, b"123457\xff\xff", &ours, aad).is_none());
        assert!(unwrap(&wrapped, b"123456\xff\xff", &ours, b"puk").is_none());
        assert!(
            unwrap(&wrapped, b"123456\xff\xff", &theirs, aad).is_none(),
            "the right PIN under another device key opens nothing, even remembered"
        );
        forget_opened();
        assert!(unwrap(&wrapped, b"123456\xff\xff", &theirs, aad).is_none());
    }

    #[test]
    fn a_device_bound_wrap_is_not_checkable_from_scrypt_of_the_secret_alone() {
        // What an attacker with the card file and the factory PUK would compute.
        let (private, _) = crypto::x25519_generate().unwrap();
        let aad = b"not_checkable puk";
        let wrapped = wrap(&private, b"12345678", FAST, &device(), aad).unwrap();
        let (salt, sealed) = wrapped.bytes.split_at(SALT_LEN);
        let kek = crypto::derive_key(b"12345678", salt, FAST).unwrap();
        assert!(crypto::aead_open(&kek, aad, sealed).is_err());
    }

    #[test]
    fn an_old_wrap_enveloped_still_opens_but_only_with_the_device_key() {
        let _turn = cache_turn();
        let (private, _) = crypto::x25519_generate().unwrap();
        let (ours, theirs) = (device(), device());
        let aad = b"enveloped puk";
        let old = secret_only(&private, b"12345678", FAST, aad);
        assert_eq!(
            unwrap(&old, b"12345678", &ours, aad).unwrap()[..],
            private[..]
        );
        let enveloped = envelope(&old, &ours, aad).unwrap();
        assert_eq!(enveloped.scheme, WrapScheme::Enveloped);
        assert!(enveloped.needs_rewrap(FAST));
        forget_opened();
        assert!(unwrap(&enveloped, b"12345678", &theirs, aad).is_none());
        assert!(unwrap(&enveloped, b"12345679", &ours, aad).is_none());
        assert_eq!(
            unwrap(&enveloped, b"12345678", &ours, aad).unwrap()[..],
            private[..]
        );
        let fresh = wrap(&private, b"12345678", FAST, &ours, aad).unwrap();
        assert!(!fresh.needs_rewrap(FAST));
        assert!(fresh.needs_rewrap(KdfParams::DEFAULT));
    }

    #[test]
    fn a_wrap_opened_once_opens_again_without_scrypt_and_only_with_its_secret() {
        let _turn = cache_turn();
        let (private, _) = crypto::x25519_generate().unwrap();
        let aad = b"a_wrap_opened_once pin";
        let device = device();
        // The cost of a holder's card: the cache must save exactly this.
        let kdf = KdfParams::FORMAT_2;
        let wrapped = wrap(&private, b"24681357", kdf, &device, aad).unwrap();
        // Forget what `wrap` remembered: the first unwrap pays scrypt.
        forget_opened();
        let timed = |secret: &[u8]| {
            let start = std::time::Instant::now();
            let result = unwrap(&wrapped, secret, &device, aad);
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
        *altered.bytes.last_mut().unwrap() ^= 1;
        assert!(unwrap(&altered, b"24681357", &device, aad).is_none());
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
