//! The card's persistent state and its file format.
//!
//! Format: `JETONPIV` magic, a big-endian `u16` format version, then records of
//! `tag u8 ‖ length u32 BE ‖ value`, then the SHA-256 of everything before it. A file that
//! is truncated, altered, foreign or from a newer Jeton is refused with a typed error.
//!
//! Versions: 1, the first; 2 adds two flags, "the PIN is the factory value" and the
//! provider's "refuse weak PINs" policy. Version 1 files are read with both off (the policy
//! did not exist when they were personalised; the PIN flag is learnt at the next right PIN)
//! and written back as version 2. A Jeton that knows only version 1 refuses a version 2
//! file instead of silently dropping the policy.

use std::collections::BTreeMap;

use crate::crypto::{self, KdfParams};
use crate::pin::RetryCounter;
use crate::slot::{management_key_length, KeyAlgorithm, KeySlot};

const MAGIC: &[u8; 8] = b"JETONPIV";
const FORMAT_VERSION: u16 = 2;
const OLDEST_FORMAT_VERSION: u16 = 1;
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
    /// Vault private key wrapped under the PIN and under the PUK.
    pub pin_wrap: Vec<u8>,
    pub puk_wrap: Vec<u8>,
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
    pub fn encode(&self) -> Vec<u8> {
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
        put(&mut body, tag::PIN_WRAP, &self.pin_wrap);
        put(&mut body, tag::PUK_WRAP, &self.puk_wrap);
        let mut kdf = vec![self.kdf.log_n];
        kdf.extend_from_slice(&self.kdf.r.to_be_bytes());
        kdf.extend_from_slice(&self.kdf.p.to_be_bytes());
        put(&mut body, tag::KDF, &kdf);
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
            let mut record = vec![slot.reference(), key.algorithm.id(), key.origin as u8];
            record.extend_from_slice(&(key.public_template.len() as u32).to_be_bytes());
            record.extend_from_slice(&key.public_template);
            record.extend_from_slice(&key.sealed_private);
            put(&mut body, tag::KEY, &record);
        }
        if let Some(sealed) = &self.attestation_sealed {
            put(&mut body, tag::ATTESTATION_KEY, sealed);
        }
        let checksum = crypto::sha256(&[&body]);
        body.extend_from_slice(&checksum);
        body
    }

    pub fn decode(bytes: &[u8]) -> Result<CardState, StateError> {
        if !bytes.starts_with(MAGIC) {
            return Err(StateError::Foreign);
        }
        let (content, checksum) = bytes
            .split_at_checked(bytes.len().saturating_sub(CHECKSUM_LEN))
            .ok_or(StateError::Corrupt)?;
        let version = content.get(8..10).ok_or(StateError::Corrupt)?;
        let version = u16::from_be_bytes([version[0], version[1]]);
        if crypto::sha256(&[content])[..] != *checksum {
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
                tag::PIN_WRAP => pin_wrap = Some(value.to_vec()),
                tag::PUK_WRAP => puk_wrap = Some(value.to_vec()),
                tag::KDF => {
                    let (log_n, rest) = value.split_first().ok_or(StateError::Corrupt)?;
                    let (r, p) = rest.split_at_checked(4).ok_or(StateError::Corrupt)?;
                    let params = KdfParams {
                        log_n: *log_n,
                        r: u32_of(r)?,
                        p: u32_of(p)?,
                    };
                    kdf = Some(
                        params
                            .is_sane()
                            .then_some(params)
                            .ok_or(StateError::Corrupt)?,
                    );
                }
                tag::VAULT_PUBLIC if value.len() == 32 => vault_public = Some(value.to_vec()),
                tag::FLAGS if value.len() == 1 => flags = Some(value[0]),
                tag::MANAGEMENT_ALGORITHM => match value {
                    [algorithm] if management_key_length(*algorithm).is_some() => {
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
        // Version 1 had no such flags: a set bit there is damage, not a policy.
        if version == 1 && flags & (FLAG_PIN_DEFAULT | FLAG_REFUSE_WEAK_PINS) != 0 {
            return Err(StateError::Corrupt);
        }
        Ok(CardState {
            serial: serial.ok_or(StateError::Corrupt)?,
            pin: pin.ok_or(StateError::Corrupt)?,
            puk: puk.ok_or(StateError::Corrupt)?,
            pin_wrap: pin_wrap.ok_or(StateError::Corrupt)?,
            puk_wrap: puk_wrap.ok_or(StateError::Corrupt)?,
            kdf: kdf.ok_or(StateError::Corrupt)?,
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
    let slot = KeySlot::from_reference(reference).ok_or(StateError::Corrupt)?;
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
