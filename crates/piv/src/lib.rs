//! # jeton-piv: the host side of PIV
//!
//! `jeton-piv` talks to a PIV card (NIST SP 800-73-4) from the host: it builds the command
//! APDUs, sends them through a [`Transport`], and turns the card's answers into typed values
//! and typed errors that say what the holder should do next.
//!
//! It is:
//! - a narrow [`Transport`] trait, with [`InProcessTransport`] over the virtual card of
//!   `jeton-card`, and `PcscTransport` for cards and USB keys in PC/SC readers (cargo
//!   feature `pcsc`: it links libpcsclite);
//! - [`PivClient`], one method per PIV operation: select, status, PIN and PUK management,
//!   management-key authentication, key generation, signing, decryption, ECDH, data objects
//!   and certificates, plus the Yubico extensions Jeton's card speaks (serial, version,
//!   GET METADATA, set management key, reset);
//! - host-side signing preparation ([`signing`]): hashing, PKCS#1 v1.5 and PSS padding,
//!   ECDSA digest sizing, as a PIV card signs only prepared blocks;
//! - the words it shares with the card, from `jeton-wire`: [`StatusWord`], [`KeySlot`], the
//!   algorithms, and the BER-TLV codec ([`tlv`]) that never panics on what a card sends.
//!
//! It is not a card (that is `jeton-card`), not a PKCS#11 module (`jeton-pkcs11` sits on
//! top of it), and it keeps no state: the PIN's verified state lives in the card.
//!
//! Secrets ([`Pin`], [`Puk`], [`ManagementKey`]) are checked when built, wiped when dropped
//! and never shown by `Debug`.
//!
//! ## Example
//!
//! ```no_run
//! use jeton_piv::{HashAlgorithm, InProcessTransport, KeyAlgorithm, ManagementKey, Pin, PivClient, KeySlot};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cards = jeton_card::CardDirectory::new("/tmp/jeton/cards");
//! let card = cards.open(1234)?;
//! let mut piv = PivClient::open(InProcessTransport::new(card))?;
//!
//! piv.authenticate(&ManagementKey::factory_default())?;
//! let public_key = piv.generate(KeySlot::SIGNATURE, KeyAlgorithm::EccP256)?;
//! println!("{}", public_key.to_pem()?);
//!
//! // 9C wants the PIN before every signature.
//! piv.verify_pin(&Pin::new("123456")?)?;
//! let signature =
//!     piv.sign_message(KeySlot::SIGNATURE, KeyAlgorithm::EccP256, b"document", HashAlgorithm::Sha256)?;
//! # let _ = signature;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod apdu;
mod client;
mod error;
#[cfg(feature = "pcsc")]
mod pcsc;
pub mod signing;
mod transport;
mod types;

#[cfg(test)]
mod trace_tests;

// `crate::status::StatusWord` for the modules that read status words.
use jeton_wire::status;

pub use client::{PivClient, PIV_AID};
pub use error::Error;
/// The PIN and PUK format rules ([`Pin::new`] and [`Puk::new`] follow them), for front ends
/// that say what is wrong with a typed value.
pub use jeton_wire::reference;
pub use jeton_wire::{tlv, StatusWord};
#[cfg(feature = "pcsc")]
pub use pcsc::PcscTransport;
pub use signing::{HashAlgorithm, RsaPadding};
pub use transport::{InProcessTransport, Transmit, Transport, TransportError};
/// The PIV key slot (9A, 9C, 9D, 9E, 82–95), from `jeton-wire`.
pub use types::KeySlot;
pub use types::{
    CardStatus, KeyAlgorithm, KeyOrigin, KeyReference, ManagementKey, ManagementKeyAlgorithm,
    Metadata, MetadataAlgorithm, ObjectId, Pin, PinPolicy, PinVerification, PublicKey, Puk,
    RetryCounter, Version,
};
