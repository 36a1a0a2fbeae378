//! `jeton-card`: a virtual PIV smart card (NIST SP 800-73-4 Part 2). APDU in, APDU out.
//!
//! The card knows nothing of PKCS#11, of other cards, or of the host: it answers command
//! APDUs exactly like a chip, keeps its PIN and PUK retry counters, keys and data objects
//! in one durable file, and forgets its security status at power-off. Hosts reach it
//! through `jeton-piv` (in-process) or through PC/SC.
//!
//! ```no_run
//! use jeton_card::{CardDirectory, Personalisation};
//! let cards = CardDirectory::new("/tmp/jeton/cards");
//! let mut card = cards.create(&Personalisation::factory(1234))?;
//! let response = card.transmit(&[0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08])?;
//! assert_eq!(response[response.len() - 2..], [0x90, 0x00]);
//! # Ok::<(), jeton_card::CardError>(())
//! ```
//!
//! # What the card does
//! - ISO 7816-4 framing: short and extended lengths, command chaining, `61xx` + GET RESPONSE.
//! - SELECT, GET DATA, PUT DATA, VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
//!   GENERAL AUTHENTICATE (RSA, ECDSA, ECDH, 3DES/AES management key), GENERATE.
//! - YubiKey extensions: GET SERIAL (F8), GET VERSION (FD), GET METADATA (F7),
//!   SET MANAGEMENT KEY (FF), RESET (FB), IMPORT KEY (FE), SET PIN RETRIES (FA), MOVE KEY
//!   (F6, its delete form only) and ATTEST (F9: see `attestation`).
//! - The guide's policy: PIN of 6–8 printable characters, PUK of 8, 3 tries each; both
//!   blocked means the card is dead for good until a RESET destroys every key.
//! - A temporary-PIN flag set at personalisation: private-key operations answer `6985`
//!   until the PIN is changed to another value (or set anew with the PUK). GET METADATA on
//!   the PIN (`00 F7 00 80`) reports it in Jeton's tag `88`, and in tag `05` ("default
//!   value", also set while the PIN is 123456), beside the retry counters in `06`.
//! - The provider's PIN policy, set at personalisation (`Personalisation::refuse_weak_pins`,
//!   tag `89` of the PIN's metadata): new PINs that [`pin_weakness`] finds weak are
//!   refused with `6985`, before any try is spent.
//!
//! # Durability
//! See `storage` (atomic replace under a lock, re-read when changed), `state` (the file,
//! authenticated under a key derived from the folder's `device.key`) and `vault` (how
//! private keys are encrypted at rest, under the PIN or PUK *and* the device key). A try
//! is spent durably before each comparison, so a crash never gives one back. Files of
//! older formats are migrated at their first open.

#![forbid(unsafe_code)]

mod apdu;
mod applet;
pub mod attestation;
mod card;
pub mod crypto;
pub mod objects;
pub mod pin;
mod session;
pub mod state;
mod storage;
pub mod vault;
pub mod vpcd;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub use apdu::Command;
pub use applet::VERSION;
pub use card::Card;
pub use pin::{pin_weakness, PinWeakness};
pub use state::StateError;

use jeton_wire::{reference, ManagementKeyAlgorithm};

use crate::crypto::KdfParams;
use crate::pin::RetryCounter;
use crate::state::CardState;
use crate::storage::CardFile;
use crate::vault::DeviceKey;

/// The 3DES management key every PIV tool knows as the factory default.
pub const FACTORY_MANAGEMENT_KEY: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];

/// Why a card could not be made, found or used.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("no card file at {0}")]
    NotFound(PathBuf),
    #[error("a card already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: {source}")]
    State { path: PathBuf, source: StateError },
    #[error("the device key {0} is missing: the cards of this folder cannot be opened")]
    DeviceKeyMissing(PathBuf),
    #[error("the device key {0} is corrupt")]
    DeviceKeyCorrupt(PathBuf),
    #[error("invalid personalisation: {0}")]
    InvalidPersonalisation(&'static str),
    #[error("cryptographic failure")]
    Crypto,
}

/// What a card is given when it is made.
pub struct Personalisation {
    pub serial: u32,
    /// The PIN, 6 to 8 printable ASCII characters (not padded).
    pub pin: Zeroizing<Vec<u8>>,
    /// The PUK, 8 printable ASCII characters.
    pub puk: Zeroizing<Vec<u8>>,
    /// Management-key algorithm (03 3DES, 08 AES-128, 0A AES-192, 0C AES-256) and key.
    pub management_key_algorithm: u8,
    pub management_key: Zeroizing<Vec<u8>>,
    /// The PIN was sent by SMS and must be changed before first use.
    pub temporary_pin: bool,
    /// Tries before the PIN / the PUK block (3 in the guide; at most 15).
    pub pin_tries: u8,
    pub puk_tries: u8,
    /// The provider's PIN policy: the card refuses a new PIN that `pin_weakness` finds weak
    /// (CHANGE REFERENCE DATA and RESET RETRY COUNTER answer `6985`). Off as the card leaves
    /// the factory; it survives a RESET.
    pub refuse_weak_pins: bool,
    /// The provider's personalisation: the tries stay as made, SET PIN RETRIES answers
    /// `6985`. Off as the card leaves the factory; it survives a RESET.
    pub fixed_retries: bool,
    /// The scrypt parameters of the PIN and PUK wraps: `KdfParams::DEFAULT` unless a test
    /// suite that makes hundreds of cards asks for less.
    pub kdf: KdfParams,
}

impl Personalisation {
    /// A card as it leaves the factory: PIN 123456, PUK 12345678, the 3DES management key
    /// 0102…08 ×3, 3 tries each, no temporary PIN.
    pub fn factory(serial: u32) -> Self {
        Personalisation {
            serial,
            pin: Zeroizing::new(b"123456".to_vec()),
            puk: Zeroizing::new(reference::FACTORY_PUK.to_vec()),
            management_key_algorithm: 0x03,
            management_key: Zeroizing::new(FACTORY_MANAGEMENT_KEY.to_vec()),
            temporary_pin: false,
            pin_tries: pin::DEFAULT_TRIES,
            puk_tries: pin::DEFAULT_TRIES,
            refuse_weak_pins: false,
            fixed_retries: false,
            kdf: KdfParams::DEFAULT,
        }
    }
}

/// Builds the state of a new (or reset) card.
pub(crate) fn new_state(p: &Personalisation, device: &DeviceKey) -> Result<CardState, CardError> {
    let kdf = p.kdf;
    let pin = reference::pad(&p.pin)
        .filter(|pin| reference::is_valid_pin_reference(&pin[..]))
        .ok_or(CardError::InvalidPersonalisation(
            "the PIN must be 6 to 8 printable ASCII characters",
        ))?;
    let puk = reference::pad(&p.puk)
        .filter(|puk| reference::is_valid_puk_reference(&puk[..]))
        .ok_or(CardError::InvalidPersonalisation(
            "the PUK must be 8 printable ASCII characters",
        ))?;
    if ManagementKeyAlgorithm::from_id(p.management_key_algorithm)
        .map(ManagementKeyAlgorithm::key_len)
        != Some(p.management_key.len())
    {
        return Err(CardError::InvalidPersonalisation(
            "the management key does not fit its algorithm",
        ));
    }
    // A weak PIN under the weak-PIN policy is acceptable only as a temporary one, which the
    // holder must change before the card signs anything.
    if p.refuse_weak_pins && !p.temporary_pin && pin::pin_weakness(&p.pin).is_some() {
        return Err(CardError::InvalidPersonalisation(
            "a card that refuses weak PINs cannot be given a weak PIN unless it is temporary",
        ));
    }
    if !kdf.is_sane() {
        return Err(CardError::InvalidPersonalisation(
            "the scrypt parameters are out of range",
        ));
    }
    let tries_ok = |t: u8| (1..=pin::MAX_TRIES).contains(&t);
    if !tries_ok(p.pin_tries) || !tries_ok(p.puk_tries) {
        return Err(CardError::InvalidPersonalisation(
            "tries must be between 1 and 15",
        ));
    }
    let crypto_error = |_| CardError::Crypto;
    let (vault_private, vault_public) = crypto::x25519_generate().map_err(crypto_error)?;
    let serial = p.serial;
    let guid = crypto::random_bytes::<12>().map_err(crypto_error)?;
    let card_id = crypto::random_bytes::<14>().map_err(crypto_error)?;
    let (attestation_sealed, attestation_certificate) =
        attestation::generate(serial, device).map_err(crypto_error)?;
    Ok(CardState {
        serial,
        pin: RetryCounter::new(p.pin_tries),
        puk: RetryCounter::new(p.puk_tries),
        pin_wrap: vault::wrap(
            &vault_private,
            &pin[..],
            kdf,
            device,
            &applet::pin_aad(serial),
        )
        .map_err(crypto_error)?,
        puk_wrap: vault::wrap(
            &vault_private,
            &puk[..],
            kdf,
            device,
            &applet::puk_aad(serial),
        )
        .map_err(crypto_error)?,
        kdf,
        vault_public,
        temporary_pin: p.temporary_pin,
        pin_is_default: pin::constant_time_eq(&pin[..], &reference::FACTORY_PIN_REFERENCE),
        refuse_weak_pins: p.refuse_weak_pins,
        fixed_retries: p.fixed_retries,
        puk_is_default: pin::constant_time_eq(&puk[..], &reference::FACTORY_PUK_REFERENCE),
        management_algorithm: p.management_key_algorithm,
        management_sealed: device
            .seal(&applet::management_aad(serial), &p.management_key)
            .map_err(crypto_error)?,
        management_is_default: p.management_key_algorithm == 0x03
            && pin::constant_time_eq(&p.management_key, &FACTORY_MANAGEMENT_KEY),
        objects: [
            (objects::CHUID, objects::default_chuid(serial, guid)),
            (objects::CCC, objects::default_ccc(card_id)),
            (
                attestation::CERTIFICATE_OBJECT,
                attestation::container(&attestation_certificate),
            ),
        ]
        .into_iter()
        .collect(),
        keys: Default::default(),
        attestation_sealed: Some(attestation_sealed),
    })
}

/// The folder of card files (`$JETON_HOME/cards`): `SERIAL.card`, `SERIAL.lock`, and the
/// folder's `device.key`.
#[derive(Debug, Clone)]
pub struct CardDirectory {
    root: PathBuf,
}

impl CardDirectory {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        CardDirectory { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, serial: u32) -> PathBuf {
        self.root.join(format!("{serial}.card"))
    }

    /// Makes a new card; fails if a card with this serial exists.
    pub fn create(&self, personalisation: &Personalisation) -> Result<Card, CardError> {
        storage::create_folder(&self.root)?;
        let device = storage::device_key(&self.root, true)?;
        let state = new_state(personalisation, &device)?;
        let path = self.path_of(personalisation.serial);
        let bytes = state.encode(&device).map_err(|_| CardError::Crypto)?;
        storage::write_atomically(&path, &bytes, true)?;
        Card::load(CardFile::open(path)?, device)
    }

    pub fn open(&self, serial: u32) -> Result<Card, CardError> {
        let path = self.path_of(serial);
        if !path.exists() {
            return Err(CardError::NotFound(path));
        }
        let device = self.device_key()?;
        let card = Card::load(CardFile::open(path.clone())?, device)?;
        // Another card's file under this one's name is not this card.
        if card.serial() != serial {
            return Err(CardError::State {
                path,
                source: StateError::Corrupt,
            });
        }
        Ok(card)
    }

    /// The folder's device key, which seals and authenticates its card files.
    pub fn device_key(&self) -> Result<DeviceKey, CardError> {
        storage::device_key(&self.root, false)
    }

    /// The serials of the cards in the folder, in order.
    pub fn list(&self) -> Result<Vec<u32>, CardError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(CardError::Io {
                    path: self.root.clone(),
                    source: e,
                })
            }
        };
        let mut serials: Vec<u32> = entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let name = entry.file_name();
                name.to_str()?.strip_suffix(".card")?.parse().ok()
            })
            .collect();
        serials.sort_unstable();
        Ok(serials)
    }

    /// Deletes a card's file for good (its keys with it).
    pub fn delete(&self, serial: u32) -> Result<(), CardError> {
        let path = self.path_of(serial);
        fs::remove_file(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => CardError::NotFound(path.clone()),
            _ => CardError::Io {
                path: path.clone(),
                source: e,
            },
        })?;
        let _ = fs::remove_file(path.with_extension("lock"));
        Ok(())
    }
}
