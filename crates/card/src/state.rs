//! The card's persistent state and its file format.
//!
//! Format: `JETONPIV` magic, a big-endian `u16` format version, then records of
//! `tag u8 ‖ length u32 BE ‖ value`, then an HMAC-SHA256 of everything before it under a
//! key derived from the folder's device key (see `vault`). A file that is truncated,
//! altered (a retry counter, a flag), foreign, from another card folder or from a newer
//! Jeton is refused with a typed error.
//!
//! Versions: 1, the first; 2 adds two flags, "the PIN is the factory value" and the
//! provider's "refuse weak PINs" policy; 3 authenticates the file (2 and 1 ended with an
//! unkeyed SHA-256), gives each wrap its own scheme and scrypt parameters (the `KDF` record
//! is then the card's parameters for new wraps), and adds the "fixed retries" flag.
//! Version 1 files are read with the version 2 flags off (the policy did not exist when
//! they were personalised; the PIN flag is learnt at the next right PIN); version 1 and 2
//! files have "fixed retries" as their weak-PIN policy (both are the provider's
//! personalisation). They are written back as version 3, their wraps enveloped under the
//! device key (`vault::envelope`) until the next right PIN or PUK re-makes them. A Jeton
//! that knows only an older version refuses a newer file instead of silently dropping
//! what it does not know.
//!
//! What a MAC cannot see is a whole older file put back: without a counter outside the
//! file, a software card cannot tell its previous state from its present one.

use std::collections::BTreeMap;

use subtle::ConstantTimeEq;

use crate::crypto::{self, CryptoError, KdfParams};
use crate::pin::RetryCounter;
use crate::vault::{self, DeviceKey, Wrap, WrapScheme};
use jeton_wire::{KeyAlgorithm, KeySlot, ManagementKeyAlgorithm};

const MAGIC: &[u8; 8] = b"JETONPIV";
const FORMAT_VERSION: u16 = 3;
const OLDEST_FORMAT_VERSION: u16 = 1;
/// The SHA-256 of formats 1 and 2, the HMAC-SHA256 of format 3: both 32 bytes.
const CHECKSUM_LEN: usize = 32;

/// Why a card file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("not a Jeton card file")]
    Foreign,
    #[error("card file format {0} is newer than this Jeton understands")]
    NewerFormat(u16),
    #[error("card file is truncated or corrupt")]
    Corrupt,
}

/// Where a slot's key came from (YubiKey metadata tag 03).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    Generated = 1,
    Imported = 2,
}

/// A private key as stored: sealed (see `vault`), with its public part in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub algorithm: KeyAlgorithm,
    pub origin: KeyOrigin,
    /// `81 n 82 e` or `86 point`, as inside `7F49`.
    pub public_template: Vec<u8>,
    pub sealed_private: Vec<u8>,
}

/// Everything the card remembers across power cycles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    pub serial: u32,
    pub pin: RetryCounter,
    pub puk: RetryCounter,
    /// Vault private key wrapped under the PIN and under the PUK (and the device key).
    pub pin_wrap: Wrap,
    pub puk_wrap: Wrap,
    /// The scrypt parameters of new wraps; a wrap made at others is re-made at the next
    /// right secret.
    pub kdf: KdfParams,
    pub vault_public: Vec<u8>,
    /// Set at personalisation: the PIN must be changed before any private-key operation.
    pub temporary_pin: bool,
    /// The PIN is the factory 123456 (GET METADATA tag 05).
    pub pin_is_default: bool,
    pub puk_is_default: bool,
    /// The provider's personalisation policy: new PINs for which `pin::pin_weakness` finds
    /// a weakness are refused.
    pub refuse_weak_pins: bool,
    /// The provider's personalisation: SET PIN RETRIES is refused, the tries stay as made.
    pub fixed_retries: bool,
    pub management_algorithm: u8,
    /// Sealed with the device key.
    pub management_sealed: Vec<u8>,
    pub management_is_default: bool,
    pub objects: BTreeMap<u32, Vec<u8>>,
    pub keys: BTreeMap<KeySlot, StoredKey>,
    /// The attestation key (slot F9), PKCS#8 sealed with the device key; cards made
    /// before attestation existed have none.
    pub attestation_sealed: Option<Vec<u8>>,
}

impl CardState {
    /// Beyond 3 wrong PINs and 3 wrong PUKs the card is dead for good.
    pub fn is_terminated(&self) -> bool {
        self.pin.is_blocked() && self.puk.is_blocked()
    }

    /// A state read from a format 1 or 2 file still has wraps under its secrets alone.
    pub fn needs_migration(&self) -> bool {
        [&self.pin_wrap, &self.puk_wrap]
            .iter()
            .any(|wrap| wrap.scheme == WrapScheme::SecretOnly)
    }

    /// Seals the wraps of a format 1 or 2 file under the device key, so that no file
    /// written from now on gives anything without it.
    pub fn migrate(&mut self, device: &DeviceKey) -> Result<(), CryptoError> {
        let serial = self.serial;
        self.pin_wrap = vault::envelope(&self.pin_wrap, device, &crate::applet::pin_aad(serial))?;
        self.puk_wrap = vault::envelope(&self.puk_wrap, device, &crate::applet::puk_aad(serial))?;
        Ok(())
    }
}

mod tag {
    pub const SERIAL: u8 = 1;
    pub const PIN_COUNTER: u8 = 2;
    pub const PUK_COUNTER: u8 = 3;
    pub const PIN_WRAP: u8 = 4;
    pub const PUK_WRAP: u8 = 5;
    pub const KDF: u8 = 6;
    pub const VAULT_PUBLIC: u8 = 7;
    pub const FLAGS: u8 = 8;
    pub const MANAGEMENT_ALGORITHM: u8 = 9;
    pub const MANAGEMENT_SEALED: u8 = 10;
    pub const OBJECT: u8 = 11;
    pub const KEY: u8 = 12;
    pub const ATTESTATION_KEY: u8 = 13;
}

const FLAG_TEMPORARY_PIN: u8 = 0x01;
const FLAG_PUK_DEFAULT: u8 = 0x02;
const FLAG_MANAGEMENT_DEFAULT: u8 = 0x04;
const FLAG_PIN_DEFAULT: u8 = 0x08;
const FLAG_REFUSE_WEAK_PINS: u8 = 0x10;
const FLAG_FIXED_RETRIES: u8 = 0x20;

fn kdf_bytes(kdf: KdfParams) -> Vec<u8> {
    let mut out = vec![kdf.log_n];
    out.extend_from_slice(&kdf.r.to_be_bytes());
    out.extend_from_slice(&kdf.p.to_be_bytes());
    out
}

fn kdf_of(value: &[u8]) -> Result<KdfParams, StateError> {
    let (log_n, rest) = value.split_first().ok_or(StateError::Corrupt)?;
    let (r, p) = rest.split_at_checked(4).ok_or(StateError::Corrupt)?;
    let params = KdfParams {
        log_n: *log_n,
        r: u32_of(r)?,
        p: u32_of(p)?,
    };
    params
        .is_sane()
        .then_some(params)
        .ok_or(StateError::Corrupt)
}

/// A wrap record of format 3: `scheme ‖ log_n ‖ r u32 ‖ p u32 ‖ bytes`.
fn wrap_record(wrap: &Wrap) -> Vec<u8> {
    let mut out = vec![wrap.scheme as u8];
    out.extend(kdf_bytes(wrap.kdf));
    out.extend_from_slice(&wrap.bytes);
    out
}

fn wrap_of(value: &[u8]) -> Result<Wrap, StateError> {
    let (scheme, rest) = value.split_first().ok_or(StateError::Corrupt)?;
    let (kdf, bytes) = rest.split_at_checked(9).ok_or(StateError::Corrupt)?;
    // Format 3 is never written with a wrap under the secret alone.
    let scheme = WrapScheme::from_byte(*scheme)
        .filter(|scheme| *scheme != WrapScheme::SecretOnly)
        .ok_or(StateError::Corrupt)?;
    Ok(Wrap {
        scheme,
        kdf: kdf_of(kdf)?,
        bytes: bytes.to_vec(),
    })
}

fn authenticator(content: &[u8], device: &DeviceKey) -> Result<[u8; 32], CryptoError> {
    let key = vault::state_key(device)?;
    Ok(*crypto::hmac_sha256(&key[..], &[content])?)
}

/// `content` (magic, version, records) followed by its authenticator under `device`, as
/// `CardState::encode` ends a file: for tools and tests that build a file record by record.
pub fn authenticated(content: &[u8], device: &DeviceKey) -> Result<Vec<u8>, CryptoError> {
    Ok([content, &authenticator(content, device)?[..]].concat())
}

fn put(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

fn records(mut body: &[u8]) -> Result<Vec<(u8, &[u8])>, StateError> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = body.split_first() {
        let (len, rest) = rest.split_first_chunk::<4>().ok_or(StateError::Corrupt)?;
        let len = u32::from_be_bytes(*len) as usize;
        let value = rest.get(..len).ok_or(StateError::Corrupt)?;
        out.push((tag, value));
        body = &rest[len..];
    }
    Ok(out)
}

fn u32_of(value: &[u8]) -> Result<u32, StateError> {
    Ok(u32::from_be_bytes(
        value.try_into().map_err(|_| StateError::Corrupt)?,
    ))
}

fn counter_of(value: &[u8]) -> Result<RetryCounter, StateError> {
    match value {
        [remaining, max] => {
            let counter = RetryCounter {
                remaining: *remaining,
                max: *max,
            };
            counter
                .is_sane()
                .then_some(counter)
                .ok_or(StateError::Corrupt)
        }
        _ => Err(StateError::Corrupt),
    }
}

impl CardState {
    /// The file, authenticated under `device`. A state still to migrate is refused: its
    /// wraps must be enveloped first (`migrate`).
    pub fn encode(&self, device: &DeviceKey) -> Result<Vec<u8>, CryptoError> {
        if self.needs_migration() {
            return Err(CryptoError);
        }
        let mut body = Vec::with_capacity(4096);
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        put(&mut body, tag::SERIAL, &self.serial.to_be_bytes());
        put(
            &mut body,
            tag::PIN_COUNTER,
            &[self.pin.remaining, self.pin.max],
        );
        put(
            &mut body,
            tag::PUK_COUNTER,
            &[self.puk.remaining, self.puk.max],
        );
        put(&mut body, tag::PIN_WRAP, &wrap_record(&self.pin_wrap));
        put(&mut body, tag::PUK_WRAP, &wrap_record(&self.puk_wrap));
        put(&mut body, tag::KDF, &kdf_bytes(self.kdf));
        put(&mut body, tag::VAULT_PUBLIC, &self.vault_public);
        let mut flags = 0;
        if self.temporary_pin {
            flags |= FLAG_TEMPORARY_PIN;
        }
        if self.puk_is_default {
            flags |= FLAG_PUK_DEFAULT;
        }
        if self.management_is_default {
            flags |= FLAG_MANAGEMENT_DEFAULT;
        }
        if self.pin_is_default {
            flags |= FLAG_PIN_DEFAULT;
        }
        if self.refuse_weak_pins {
            flags |= FLAG_REFUSE_WEAK_PINS;
        }
        if self.fixed_retries {
            flags |= FLAG_FIXED_RETRIES;
        }
        put(&mut body, tag::FLAGS, &[flags]);
        put(
            &mut body,
            tag::MANAGEMENT_ALGORITHM,
            &[self.management_algorithm],
        );
        put(&mut body, tag::MANAGEMENT_SEALED, &self.management_sealed);
        for (object_tag, value) in &self.objects {
            let mut record = object_tag.to_be_bytes().to_vec();
            record.extend_from_slice(value);
            put(&mut body, tag::OBJECT, &record);
        }
        for (slot, key) in &self.keys {
            let mut record = vec![slot.id(), key.algorithm.id(), key.origin as u8];
            record.extend_from_slice(&(key.public_template.len() as u32).to_be_bytes());
            record.extend_from_slice(&key.public_template);
            record.extend_from_slice(&key.sealed_private);
            put(&mut body, tag::KEY, &record);
        }
        if let Some(sealed) = &self.attestation_sealed {
            put(&mut body, tag::ATTESTATION_KEY, sealed);
        }
        let authenticator = authenticator(&body, device)?;
        body.extend_from_slice(&authenticator);
        Ok(body)
    }

    /// Reads a card file of this folder (`device`): formats 1 and 2 by their checksum,
    /// format 3 by its authenticator.
    pub fn decode(bytes: &[u8], device: &DeviceKey) -> Result<CardState, StateError> {
        if !bytes.starts_with(MAGIC) {
            return Err(StateError::Foreign);
        }
        let (content, checksum) = bytes
            .split_at_checked(bytes.len().saturating_sub(CHECKSUM_LEN))
            .ok_or(StateError::Corrupt)?;
        let version = content.get(8..10).ok_or(StateError::Corrupt)?;
        let version = u16::from_be_bytes([version[0], version[1]]);
        let authentic = |expected: [u8; 32]| bool::from(expected.ct_eq(checksum));
        let keyed = || authenticator(content, device).is_ok_and(authentic);
        let intact = match version {
            ..=2 => authentic(crypto::sha256(&[content])),
            FORMAT_VERSION => keyed(),
            // A newer Jeton's file is told apart from damage by either trailer.
            _ => keyed() || authentic(crypto::sha256(&[content])),
        };
        if !intact {
            return Err(StateError::Corrupt);
        }
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(if version > FORMAT_VERSION {
                StateError::NewerFormat(version)
            } else {
                StateError::Corrupt
            });
        }

        let mut serial = None;
        let mut pin = None;
        let mut puk = None;
        let mut pin_wrap = None;
        let mut puk_wrap = None;
        let mut kdf = None;
        let mut vault_public = None;
        let mut flags = None;
        let mut management_algorithm = None;
        let mut management_sealed = None;
        let mut objects = BTreeMap::new();
        let mut keys = BTreeMap::new();
        let mut attestation_sealed = None;
        for (record_tag, value) in records(&content[10..])? {
            match record_tag {
                tag::SERIAL => serial = Some(u32_of(value)?),
                tag::PIN_COUNTER => pin = Some(counter_of(value)?),
                tag::PUK_COUNTER => puk = Some(counter_of(value)?),
                tag::PIN_WRAP => pin_wrap = Some(value),
                tag::PUK_WRAP => puk_wrap = Some(value),
                tag::KDF => kdf = Some(kdf_of(value)?),
                tag::VAULT_PUBLIC if value.len() == 32 => vault_public = Some(value.to_vec()),
                tag::FLAGS if value.len() == 1 => flags = Some(value[0]),
                tag::MANAGEMENT_ALGORITHM => match value {
                    [algorithm] if ManagementKeyAlgorithm::from_id(*algorithm).is_some() => {
                        management_algorithm = Some(*algorithm)
                    }
                    _ => return Err(StateError::Corrupt),
                },
                tag::MANAGEMENT_SEALED => management_sealed = Some(value.to_vec()),
                tag::OBJECT => {
                    let (object_tag, data) =
                        value.split_at_checked(4).ok_or(StateError::Corrupt)?;
                    objects.insert(u32_of(object_tag)?, data.to_vec());
                }
                tag::KEY => {
                    let (slot, key) = decode_key(value)?;
                    keys.insert(slot, key);
                }
                tag::ATTESTATION_KEY => attestation_sealed = Some(value.to_vec()),
                _ => return Err(StateError::Corrupt),
            }
        }
        let flags = flags.ok_or(StateError::Corrupt)?;
        // Older versions had no such flags: a set bit there is damage, not a policy.
        let unknown = match version {
            1 => FLAG_PIN_DEFAULT | FLAG_REFUSE_WEAK_PINS | FLAG_FIXED_RETRIES,
            2 => FLAG_FIXED_RETRIES,
            _ => 0,
        };
        if flags & (unknown | 0xC0) != 0 {
            return Err(StateError::Corrupt);
        }
        let kdf = kdf.ok_or(StateError::Corrupt)?;
        let (pin_wrap, puk_wrap) = (
            pin_wrap.ok_or(StateError::Corrupt)?,
            puk_wrap.ok_or(StateError::Corrupt)?,
        );
        let (pin_wrap, puk_wrap, kdf, fixed_retries) = if version >= 3 {
            (
                wrap_of(pin_wrap)?,
                wrap_of(puk_wrap)?,
                kdf,
                flags & FLAG_FIXED_RETRIES != 0,
            )
        } else {
            // Formats 1 and 2: one set of parameters for both wraps, under the secrets
            // alone; new wraps are made at today's parameters.
            let old = |bytes: &[u8]| Wrap {
                scheme: WrapScheme::SecretOnly,
                kdf,
                bytes: bytes.to_vec(),
            };
            (
                old(pin_wrap),
                old(puk_wrap),
                KdfParams::DEFAULT,
                flags & FLAG_REFUSE_WEAK_PINS != 0,
            )
        };
        Ok(CardState {
            serial: serial.ok_or(StateError::Corrupt)?,
            pin: pin.ok_or(StateError::Corrupt)?,
            puk: puk.ok_or(StateError::Corrupt)?,
            pin_wrap,
            puk_wrap,
            kdf,
            fixed_retries,
            vault_public: vault_public.ok_or(StateError::Corrupt)?,
            temporary_pin: flags & FLAG_TEMPORARY_PIN != 0,
            pin_is_default: flags & FLAG_PIN_DEFAULT != 0,
            puk_is_default: flags & FLAG_PUK_DEFAULT != 0,
            refuse_weak_pins: flags & FLAG_REFUSE_WEAK_PINS != 0,
            management_is_default: flags & FLAG_MANAGEMENT_DEFAULT != 0,
            management_algorithm: management_algorithm.ok_or(StateError::Corrupt)?,
            management_sealed: management_sealed.ok_or(StateError::Corrupt)?,
            objects,
            keys,
            attestation_sealed,
        })
    }
}

fn decode_key(value: &[u8]) -> Result<(KeySlot, StoredKey), StateError> {
    let (&[reference, algorithm, origin], rest) =
        value.split_first_chunk::<3>().ok_or(StateError::Corrupt)?;
    let (public_len, rest) = rest.split_first_chunk::<4>().ok_or(StateError::Corrupt)?;
    let (public_template, sealed_private) = rest
        .split_at_checked(u32::from_be_bytes(*public_len) as usize)
        .ok_or(StateError::Corrupt)?;
    let slot = KeySlot::from_id(reference).ok_or(StateError::Corrupt)?;
    let algorithm = KeyAlgorithm::from_id(algorithm).ok_or(StateError::Corrupt)?;
    let origin = match origin {
        1 => KeyOrigin::Generated,
        2 => KeyOrigin::Imported,
        _ => return Err(StateError::Corrupt),
    };
    Ok((
        slot,
        StoredKey {
            algorithm,
            origin,
            public_template: public_template.to_vec(),
            sealed_private: sealed_private.to_vec(),
        },
    ))
}
