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
    Ok(out)
}

/// Unwraps with `secret`; `None` when the secret is wrong (or the bytes were altered).
pub fn unwrap(
    wrapped: &[u8],
    secret: &[u8],
    kdf: KdfParams,
    aad: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let (salt, sealed) = wrapped.split_at_checked(SALT_LEN)?;
    let kek = crypto::derive_key(secret, salt, kdf).ok()?;
    crypto::aead_open(&kek, aad, sealed).ok()
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
