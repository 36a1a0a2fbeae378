//! # jeton-wire: the words a PIV card and its host share
//!
//! What goes on the wire between a PIV application (NIST SP 800-73-4) and the program that
//! drives it, written once for both ends: `jeton-card` answers with it, `jeton-piv` asks with
//! it, so the two cannot drift apart and the card still never imports the host.
//!
//! - [`StatusWord`]: ISO 7816-4 SW1 SW2, with the `63 Cx` and `61 xx` forms built and read;
//! - [`tlv`]: the BER-TLV codec, which returns a typed [`tlv::TlvError`] and never panics on
//!   any input;
//! - [`ins`]: instruction bytes, PIV's and the Yubico extensions';
//! - [`KeySlot`] (9A, 9C, 9D, 9E, 82–95) with its certificate object and PIN policy, the
//!   other key references ([`key::PIN_REFERENCE`]…), [`KeyAlgorithm`] and
//!   [`ManagementKeyAlgorithm`] with their identifiers;
//! - [`object`]: the PIV AID, data object tags ([`ObjectId`]) and template tags;
//! - [`reference`](mod@reference): PIN and PUK format rules and their FF padding.
//!
//! It is not an APDU transport (that is `jeton-piv`), not a card (`jeton-card`), and holds no
//! policy beyond what the standards and the guide fix (3 tries, weak PINs: the card's).
//!
//! ## Example
//!
//! ```
//! use jeton_wire::{ins, reference, tlv, KeySlot, StatusWord};
//!
//! // GET DATA of the 9C certificate: 00 CB 3F FF, then 5C 03 5F C1 0A.
//! let object = KeySlot::SIGNATURE.certificate_object();
//! let data = tlv::encode(jeton_wire::object::tag::TAG_LIST, &object.tag_bytes());
//! assert_eq!(data, [0x5C, 0x03, 0x5F, 0xC1, 0x0A]);
//! assert_eq!(ins::GET_DATA, 0xCB);
//!
//! // VERIFY's data: the PIN padded with FF.
//! assert!(reference::is_valid_pin(b"246810"));
//! assert_eq!(&reference::pad(b"246810").unwrap()[..], b"246810\xff\xff");
//!
//! // A wrong PIN: 63 C2, two tries left.
//! assert_eq!(StatusWord::from_bytes(0x63, 0xC2).tries_left(), Some(2));
//!
//! // Garbage gives an error, not a panic.
//! assert_eq!(tlv::parse_all(&[0x53, 0x82, 0x01]), Err(tlv::TlvError::Truncated));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ins;
pub mod key;
pub mod object;
pub mod reference;
pub mod status;
pub mod tlv;

pub use key::{KeyAlgorithm, KeySlot, ManagementKeyAlgorithm, PinPolicy, UnknownName};
pub use object::{ObjectId, PIV_AID};
pub use status::StatusWord;
