//! The PIV card application: one handler per instruction (SP 800-73-4 Part 2 §3), plus the
//! YubiKey extensions that let existing tools manage the card (GET SERIAL, GET VERSION,
//! GET METADATA, SET MANAGEMENT KEY, RESET, IMPORT KEY, SET PIN RETRIES, ATTEST, and MOVE
//! KEY's delete form).
//!
//! "Not found" follows a YubiKey, which yubikit and yubico-piv-tool rely on: `6A82` (file
//! not found) for a data object or an application (GET DATA, SELECT), `6A88` (reference
//! data not found) for a key reference that is unknown or holds no key (GET METADATA,
//! GENERAL AUTHENTICATE, ATTEST, VERIFY and CHANGE REFERENCE DATA on another reference).

use jeton_wire::object::metadata;
use jeton_wire::reference::{self, REFERENCE_LEN};
use jeton_wire::{
    ins, key, tlv, KeyAlgorithm, KeySlot, ManagementKeyAlgorithm, PinPolicy, StatusWord,
};
use zeroize::Zeroizing;

use crate::apdu::Command;
use crate::attestation;
use crate::crypto::{self, SlotPrivateKey};
use crate::objects::{self, ReadAccess, MAX_OBJECT_SIZE, PIV_AID};
use crate::pin::{self, RetryCounter};
use crate::session::{ManagementChallenge, Session, VerifiedPin};
use crate::state::{CardState, KeyOrigin, StoredKey};
use crate::storage::CardFile;
use crate::vault::{self, DeviceKey};
use crate::{CardError, FACTORY_MANAGEMENT_KEY};

/// Why a command did not succeed: a status word for the host, or the card's storage failed.
pub(crate) enum Fault {
    Status(StatusWord),
    Storage(CardError),
}

impl From<StatusWord> for Fault {
    fn from(sw: StatusWord) -> Self {
        Fault::Status(sw)
    }
}

pub(crate) type Reply = Result<Vec<u8>, Fault>;

/// The version GET VERSION reports: the YubiKey 5.7 command set this card follows.
pub const VERSION: [u8; 3] = [5, 7, 0];

/// A new PIN that the card's rules refuse: equal to the temporary PIN it replaces, or weak
/// under the provider's policy. `6985` is what a YubiKey 5.7 with PIN complexity answers
/// for a PIN it refuses (ykman: "PIN does not meet complexity requirement."; OpenSC:
/// "Conditions of use not satisfied"; yubico-piv-tool: "Conditions not met to use
/// command"), and it cannot be mistaken for a badly formed value (`6A80`).
const NEW_PIN_REFUSED: StatusWord = StatusWord::CONDITIONS_NOT_SATISFIED;

pub(crate) struct Applet<'a> {
    pub state: &'a mut CardState,
    pub session: &'a mut Session,
    pub file: &'a mut CardFile,
    pub device: &'a DeviceKey,
}

pub(crate) fn pin_aad(serial: u32) -> Vec<u8> {
    [b"jeton pin wrap ".as_slice(), &serial.to_be_bytes()].concat()
}

pub(crate) fn puk_aad(serial: u32) -> Vec<u8> {
    [b"jeton puk wrap ".as_slice(), &serial.to_be_bytes()].concat()
}

pub(crate) fn slot_aad(serial: u32, slot: KeySlot) -> Vec<u8> {
    [
        b"jeton slot key ".as_slice(),
        &serial.to_be_bytes(),
        &[slot.id()],
    ]
    .concat()
}

pub(crate) fn management_aad(serial: u32) -> Vec<u8> {
    [b"jeton management key ".as_slice(), &serial.to_be_bytes()].concat()
}

fn expect(condition: bool, otherwise: StatusWord) -> Result<(), Fault> {
    if condition {
        Ok(())
    } else {
        Err(otherwise.into())
    }
}

fn crypto_failed<E>(_: E) -> Fault {
    Fault::Status(StatusWord::UNKNOWN)
}

impl Applet<'_> {
    pub fn process(&mut self, command: &Command) -> Reply {
        if command.ins != ins::GENERAL_AUTHENTICATE {
            self.session.management_challenge = None;
        }
        match command.ins {
            ins::SELECT => self.select(command),
            ins::GET_DATA => self.get_data(command),
            ins::PUT_DATA => self.put_data(command),
            ins::VERIFY => self.verify(command),
            ins::CHANGE_REFERENCE_DATA => self.change_reference(command),
            ins::RESET_RETRY_COUNTER => self.reset_retry_counter(command),
            ins::GENERAL_AUTHENTICATE => self.general_authenticate(command),
            ins::GENERATE_ASYMMETRIC_KEY_PAIR => self.generate(command),
            ins::GET_SERIAL => Ok(self.state.serial.to_be_bytes().to_vec()),
            ins::GET_VERSION => Ok(VERSION.to_vec()),
            ins::MOVE_KEY => self.move_key(command),
            ins::GET_METADATA => self.metadata(command),
            ins::SET_MANAGEMENT_KEY => self.set_management_key(command),
            ins::RESET => self.reset(command),
            ins::IMPORT_KEY => self.import_key(command),
            ins::SET_PIN_RETRIES => self.set_pin_retries(command),
            ins::ATTEST => self.attest(command),
            _ => Err(StatusWord::INS_NOT_SUPPORTED.into()),
        }
    }

    /// What changes keys, objects or the management key needs: a management-key
    /// authentication in this session, on a card that is not dead.
    fn require_administration(&self) -> Result<(), Fault> {
        expect(
            self.session.management_authenticated,
            StatusWord::SECURITY_STATUS_NOT_SATISFIED,
        )?;
        expect(
            !self.state.is_terminated(),
            StatusWord::AUTHENTICATION_METHOD_BLOCKED,
        )
    }

    fn persist(&mut self) -> Result<(), Fault> {
        self.file
            .write(self.state, self.device)
            .map_err(Fault::Storage)
    }

    /// SELECT (§3.1.1): the PIV AID, whole or truncated to at least its 5-byte RID+PIX
    /// start. Any other AID answers 6A82 and leaves PIV selected.
    fn select(&mut self, command: &Command) -> Reply {
        let is_piv =
            command.p1 == 0x04 && command.data.len() >= 5 && PIV_AID.starts_with(&command.data);
        expect(is_piv, StatusWord::NOT_FOUND)?;
        Ok(application_property_template())
    }

    fn object_tag(command: &Command) -> Result<u32, Fault> {
        expect(
            command.p1 == 0x3F && command.p2 == 0xFF,
            StatusWord::INCORRECT_P1_P2,
        )?;
        let (tag_list, rest) =
            tlv::parse_one(&command.data).map_err(|_| StatusWord::INCORRECT_DATA)?;
        expect(
            tag_list.tag == 0x5C && (1..=3).contains(&tag_list.value.len()),
            StatusWord::INCORRECT_DATA,
        )?;
        let tag = tag_list
            .value
            .iter()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        // PUT DATA carries the value after the tag list; GET DATA carries nothing more.
        expect(
            command.ins == ins::PUT_DATA || rest.is_empty(),
            StatusWord::INCORRECT_DATA,
        )?;
        Ok(tag)
    }

    /// GET DATA (§3.1.2).
    fn get_data(&mut self, command: &Command) -> Reply {
        let tag = Self::object_tag(command)?;
        if tag == objects::DISCOVERY {
            return Ok(objects::discovery());
        }
        let access = objects::read_access(tag).ok_or(StatusWord::NOT_FOUND)?;
        // The security status first: without the PIN, a protected object that is absent
        // answers like one that is present, so its existence is not told.
        expect(
            access == ReadAccess::Always || self.session.pin_verified,
            StatusWord::SECURITY_STATUS_NOT_SATISFIED,
        )?;
        let value = self.state.objects.get(&tag).ok_or(StatusWord::NOT_FOUND)?;
        Ok(tlv::encode(0x53, value))
    }

    /// PUT DATA (§3.3.2): needs the management key; `53 00` deletes the object.
    fn put_data(&mut self, command: &Command) -> Reply {
        let tag = Self::object_tag(command)?;
        self.require_administration()?;
        expect(
            objects::read_access(tag).is_some(),
            StatusWord::INCORRECT_DATA,
        )?;
        let (_, rest) = tlv::parse_one(&command.data).map_err(|_| StatusWord::INCORRECT_DATA)?;
        let (value, rest) = tlv::parse_one(rest).map_err(|_| StatusWord::INCORRECT_DATA)?;
        expect(
            value.tag == 0x53 && rest.is_empty(),
            StatusWord::INCORRECT_DATA,
        )?;
        expect(
            value.value.len() <= MAX_OBJECT_SIZE,
            StatusWord::NOT_ENOUGH_MEMORY,
        )?;
        if value.value.is_empty() {
            self.state.objects.remove(&tag);
        } else {
            self.state.objects.insert(tag, value.value.to_vec());
        }
        self.persist()?;
        Ok(Vec::new())
    }

    /// VERIFY (§3.2.1) of the PIV PIN, key reference 80. The PUK is never VERIFYed.
    fn verify(&mut self, command: &Command) -> Reply {
        expect(
            command.p2 == key::PIN_REFERENCE,
            StatusWord::REFERENCE_NOT_FOUND,
        )?;
        match command.p1 {
            0xFF => {
                expect(command.data.is_empty(), StatusWord::INCORRECT_DATA)?;
                self.session.clear_pin_status();
                return Ok(Vec::new());
            }
            0x00 => {}
            _ => return Err(StatusWord::INCORRECT_P1_P2.into()),
        }
        if command.data.is_empty() {
            return if self.session.pin_verified {
                Ok(Vec::new())
            } else if self.state.pin.is_blocked() {
                Err(StatusWord::AUTHENTICATION_METHOD_BLOCKED.into())
            } else {
                Err(StatusWord::with_tries_left(self.state.pin.remaining).into())
            };
        }
        let reference = reference_data(&command.data)?;
        match self.check_pin(&reference)? {
            Some(vault_private) => {
                self.session.pin_verified = true;
                self.session.pin_always = true;
                self.session.vault_private = Some(vault_private);
                Ok(Vec::new())
            }
            None => {
                self.session.clear_pin_status();
                Err(StatusWord::with_tries_left(self.state.pin.remaining).into())
            }
        }
    }

    /// Checks a PIN against the card, spending a try durably *before* the comparison, as
    /// a chip does against tearing. Returns the unwrapped vault key when right.
    fn check_pin(&mut self, reference: &[u8; 8]) -> Result<Option<Zeroizing<Vec<u8>>>, Fault> {
        expect(
            !self.state.pin.is_blocked(),
            StatusWord::AUTHENTICATION_METHOD_BLOCKED,
        )?;
        self.state.pin.remaining -= 1;
        self.persist()?;

        let fingerprint = self.state.pin_wrap.digest();
        let cached = match (&self.session.verified_pin, &self.session.vault_private) {
            (Some(verified), Some(vault)) if verified.wrap_fingerprint == fingerprint => Some(
                pin::constant_time_eq(&verified.reference[..], reference).then(|| vault.clone()),
            ),
            _ => None,
        };
        let unwrapped = match cached {
            Some(result) => result,
            None => vault::unwrap(
                &self.state.pin_wrap,
                reference,
                self.device,
                &pin_aad(self.state.serial),
            ),
        };
        let Some(vault_private) = unwrapped else {
            return Ok(None);
        };
        self.state.pin.remaining = self.state.pin.max;
        // Cards of format 1 did not record it: a right PIN tells.
        self.state.pin_is_default =
            pin::constant_time_eq(reference, &reference::FACTORY_PIN_REFERENCE);
        // A wrap of an older format, or at older scrypt parameters, is re-made now that
        // the PIN is known, in the same write as the restored counter.
        if self.state.pin_wrap.needs_rewrap(self.state.kdf) {
            self.state.pin_wrap = vault::wrap(
                &vault_private,
                reference,
                self.state.kdf,
                self.device,
                &pin_aad(self.state.serial),
            )
            .map_err(crypto_failed)?;
        }
        self.persist()?;
        self.session.verified_pin = Some(VerifiedPin {
            reference: Zeroizing::new(*reference),
            wrap_fingerprint: self.state.pin_wrap.digest(),
        });
        Ok(Some(vault_private))
    }

    /// Checks the PUK the same way, for CHANGE REFERENCE DATA 81 and RESET RETRY COUNTER.
    fn check_puk(&mut self, reference: &[u8; 8]) -> Result<Option<Zeroizing<Vec<u8>>>, Fault> {
        expect(
            !self.state.puk.is_blocked(),
            StatusWord::AUTHENTICATION_METHOD_BLOCKED,
        )?;
        self.state.puk.remaining -= 1;
        self.persist()?;
        let unwrapped = vault::unwrap(
            &self.state.puk_wrap,
            reference,
            self.device,
            &puk_aad(self.state.serial),
        );
        if let Some(vault_private) = &unwrapped {
            self.state.puk.remaining = self.state.puk.max;
            // As for the PIN: an older wrap is re-made with the PUK just seen right. The
            // callers write the state before they answer.
            if self.state.puk_wrap.needs_rewrap(self.state.kdf) {
                self.state.puk_wrap = vault::wrap(
                    vault_private,
                    reference,
                    self.state.kdf,
                    self.device,
                    &puk_aad(self.state.serial),
                )
                .map_err(crypto_failed)?;
            }
        }
        Ok(unwrapped)
    }

    fn wrap_under_pin(&mut self, vault_private: &[u8], new_pin: &[u8; 8]) -> Result<(), Fault> {
        self.state.pin_wrap = vault::wrap(
            vault_private,
            new_pin,
            self.state.kdf,
            self.device,
            &pin_aad(self.state.serial),
        )
        .map_err(crypto_failed)?;
        self.state.pin = RetryCounter::new(self.state.pin.max);
        // Whoever sets a PIN chose it: it is no longer the temporary one sent by SMS.
        self.state.temporary_pin = false;
        self.state.pin_is_default =
            pin::constant_time_eq(new_pin, &reference::FACTORY_PIN_REFERENCE);
        self.session.verified_pin = Some(VerifiedPin {
            reference: Zeroizing::new(*new_pin),
            wrap_fingerprint: self.state.pin_wrap.digest(),
        });
        self.session.vault_private = Some(Zeroizing::new(vault_private.to_vec()));
        Ok(())
    }

    /// CHANGE REFERENCE DATA (§3.2.2) of the PIN (80) or the PUK (81): old ‖ new.
    fn change_reference(&mut self, command: &Command) -> Reply {
        expect(command.p1 == 0x00, StatusWord::INCORRECT_P1_P2)?;
        let is_pin = match command.p2 {
            key::PIN_REFERENCE => true,
            key::PUK_REFERENCE => false,
            _ => return Err(StatusWord::REFERENCE_NOT_FOUND.into()),
        };
        let (old, new) = old_and_new(&command.data)?;
        // A badly formed new value is refused before it can cost a try.
        expect(
            if is_pin {
                reference::is_valid_pin_reference(&new)
            } else {
                reference::is_valid_puk_reference(&new)
            },
            StatusWord::INCORRECT_DATA,
        )?;
        if is_pin {
            // The guide: the temporary PIN received by SMS must really change. Both values
            // come from the host, so this check reveals nothing and, being refused anyway,
            // spends no try; the flag stays.
            expect(
                !(self.state.temporary_pin && pin::constant_time_eq(&old, &new)),
                NEW_PIN_REFUSED,
            )?;
            self.refuse_weak_pin(&new)?;
            let Some(vault_private) = self.check_pin(&old)? else {
                self.session.clear_pin_status();
                return Err(StatusWord::with_tries_left(self.state.pin.remaining).into());
            };
            self.wrap_under_pin(&vault_private, &new)?;
        } else {
            let Some(vault_private) = self.check_puk(&old)? else {
                return Err(StatusWord::with_tries_left(self.state.puk.remaining).into());
            };
            self.state.puk_wrap = vault::wrap(
                &vault_private,
                &new,
                self.state.kdf,
                self.device,
                &puk_aad(self.state.serial),
            )
            .map_err(crypto_failed)?;
            self.state.puk_is_default =
                pin::constant_time_eq(&new, &reference::FACTORY_PUK_REFERENCE);
        }
        self.persist()?;
        Ok(Vec::new())
    }

    /// The provider's weak-PIN policy, checked before any try is spent.
    fn refuse_weak_pin(&self, new_pin: &[u8; REFERENCE_LEN]) -> Result<(), Fault> {
        expect(
            !(self.state.refuse_weak_pins && pin::weakness_of_reference(new_pin).is_some()),
            NEW_PIN_REFUSED,
        )
    }

    /// RESET RETRY COUNTER (§3.2.3): PUK ‖ new PIN; success restores both counters.
    fn reset_retry_counter(&mut self, command: &Command) -> Reply {
        expect(command.p1 == 0x00, StatusWord::INCORRECT_P1_P2)?;
        expect(
            command.p2 == key::PIN_REFERENCE,
            StatusWord::REFERENCE_NOT_FOUND,
        )?;
        let (puk, new_pin) = old_and_new(&command.data)?;
        // The new PIN is the unblock-code holder's own choice, so it ends a temporary PIN
        // like a change does; it is not compared with the PIN it replaces (that would make
        // this command an oracle for the old PIN). The policy refuses it whatever the PUK,
        // so before any try is spent.
        self.refuse_weak_pin(&new_pin)?;
        // Unlike CHANGE REFERENCE DATA, the PUK is checked before the new PIN's format, as
        // a YubiKey does: ykman's `piv reset` blocks the PUK with an empty PUK and PIN and
        // counts down the 63Cx answers. A right PUK with a badly formed PIN changes
        // nothing; the PUK's counter is restored as after any right PUK.
        let Some(vault_private) = self.check_puk(&puk)? else {
            return Err(StatusWord::with_tries_left(self.state.puk.remaining).into());
        };
        if !reference::is_valid_pin_reference(&new_pin) {
            self.persist()?;
            return Err(StatusWord::INCORRECT_DATA.into());
        }
        self.session.clear_pin_status();
        self.wrap_under_pin(&vault_private, &new_pin)?;
        self.persist()?;
        Ok(Vec::new())
    }

    /// GENERAL AUTHENTICATE (§3.2.4): management-key authentication on 9B, private-key
    /// operations on the asymmetric slots.
    fn general_authenticate(&mut self, command: &Command) -> Reply {
        let (template, rest) =
            tlv::parse_one(&command.data).map_err(|_| StatusWord::INCORRECT_DATA)?;
        expect(
            template.tag == 0x7C && rest.is_empty(),
            StatusWord::INCORRECT_DATA,
        )?;
        let items = DynamicAuthentication::parse(template.value)?;
        if command.p2 == key::MANAGEMENT_KEY_REFERENCE {
            return self.authenticate_management_key(command.p1, &items);
        }
        let slot = KeySlot::from_id(command.p2).ok_or(StatusWord::INCORRECT_P1_P2)?;
        self.private_key_operation(command.p1, slot, &items)
    }

    fn management_key(&self) -> Result<Zeroizing<Vec<u8>>, Fault> {
        self.device
            .open(
                &management_aad(self.state.serial),
                &self.state.management_sealed,
            )
            .map_err(crypto_failed)
    }

    fn authenticate_management_key(
        &mut self,
        algorithm: u8,
        items: &DynamicAuthentication<'_>,
    ) -> Reply {
        expect(
            algorithm == self.state.management_algorithm,
            StatusWord::INCORRECT_P1_P2,
        )?;
        let cipher = crypto::management_cipher(algorithm).ok_or(StatusWord::INCORRECT_P1_P2)?;
        let block = cipher.block_size();
        let key = self.management_key()?;
        let pending = self.session.management_challenge.take();
        let DynamicAuthentication {
            witness,
            challenge,
            response,
            ..
        } = *items;
        let mut out = Vec::new();
        match (witness, challenge, response, pending) {
            // Mutual, step 1: the card sends an encrypted witness.
            (Some([]), None, _, _) => {
                let witness = Zeroizing::new(random_block(block)?);
                let encrypted =
                    crypto::block_encrypt(algorithm, &key, &witness).map_err(crypto_failed)?;
                tlv::write(&mut out, 0x80, &encrypted);
                self.session.management_challenge = Some(ManagementChallenge::Mutual { witness });
            }
            // Mutual, step 2: the host proves it decrypted the witness and challenges us.
            (Some(returned), Some(challenge), _, Some(ManagementChallenge::Mutual { witness }))
                if challenge.len() == block =>
            {
                self.session.management_authenticated = false;
                expect(
                    pin::constant_time_eq(returned, &witness),
                    StatusWord::SECURITY_STATUS_NOT_SATISFIED,
                )?;
                let answer =
                    crypto::block_encrypt(algorithm, &key, challenge).map_err(crypto_failed)?;
                self.session.management_authenticated = true;
                tlv::write(&mut out, 0x82, &answer);
            }
            // External, step 1: the card sends a challenge in clear.
            (None, Some([]), None, _) => {
                let challenge = random_block(block)?;
                let expected =
                    crypto::block_encrypt(algorithm, &key, &challenge).map_err(crypto_failed)?;
                tlv::write(&mut out, 0x81, &challenge);
                self.session.management_challenge =
                    Some(ManagementChallenge::External { expected });
            }
            // External, step 2: the host returns it encrypted.
            (None, None, Some(response), Some(ManagementChallenge::External { expected })) => {
                self.session.management_authenticated = pin::constant_time_eq(response, &expected);
                expect(
                    self.session.management_authenticated,
                    StatusWord::SECURITY_STATUS_NOT_SATISFIED,
                )?;
                return Ok(Vec::new());
            }
            (_, _, _, None) if witness.is_some() || response.is_some() => {
                self.session.management_authenticated = false;
                return Err(StatusWord::CONDITIONS_NOT_SATISFIED.into());
            }
            _ => return Err(StatusWord::INCORRECT_DATA.into()),
        }
        Ok(tlv::encode(0x7C, &out))
    }

    fn private_key_operation(
        &mut self,
        algorithm: u8,
        slot: KeySlot,
        items: &DynamicAuthentication<'_>,
    ) -> Reply {
        let stored = self
            .state
            .keys
            .get(&slot)
            .ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
        expect(
            stored.algorithm.id() == algorithm,
            StatusWord::INCORRECT_P1_P2,
        )?;
        expect(items.response == Some(&[]), StatusWord::INCORRECT_DATA)?;
        // Both PIN and PUK blocked: no private key will ever work again.
        expect(
            !self.state.is_terminated(),
            StatusWord::AUTHENTICATION_METHOD_BLOCKED,
        )?;
        // The guide: the temporary PIN received by SMS is changed before first use.
        expect(
            !self.state.temporary_pin,
            StatusWord::CONDITIONS_NOT_SATISFIED,
        )?;
        match slot.pin_policy() {
            PinPolicy::Never => {}
            PinPolicy::Once => expect(
                self.session.pin_verified,
                StatusWord::SECURITY_STATUS_NOT_SATISFIED,
            )?,
            PinPolicy::Always => {
                expect(
                    self.session.pin_always,
                    StatusWord::SECURITY_STATUS_NOT_SATISFIED,
                )?;
                self.session.pin_always = false;
            }
        }
        let key = self.unsealed_key(slot)?;
        let output = match (items.challenge, items.exponentiation) {
            (Some(input), None) if crypto::curve(key.algorithm).is_none() => {
                key.rsa_raw(input).map_err(|_| StatusWord::INCORRECT_DATA)?
            }
            (Some(digest), None) => {
                expect(
                    !digest.is_empty() && digest.len() <= 64,
                    StatusWord::INCORRECT_DATA,
                )?;
                Zeroizing::new(
                    key.ecdsa_sign(digest)
                        .map_err(|_| StatusWord::INCORRECT_DATA)?,
                )
            }
            (None, Some(point)) => {
                let field = key.ec_field_bytes().ok_or(StatusWord::INCORRECT_DATA)?;
                expect(
                    slot.allows_key_agreement(),
                    StatusWord::CONDITIONS_NOT_SATISFIED,
                )?;
                expect(
                    point.len() == 1 + 2 * field && point[0] == 0x04,
                    StatusWord::INCORRECT_DATA,
                )?;
                key.ecdh(point).map_err(|_| StatusWord::INCORRECT_DATA)?
            }
            _ => return Err(StatusWord::INCORRECT_DATA.into()),
        };
        Ok(dynamic_authentication_response(0x82, &output))
    }

    /// The slot's private key, decrypted once per session.
    fn unsealed_key(&mut self, slot: KeySlot) -> Result<&SlotPrivateKey, Fault> {
        let stored = self
            .state
            .keys
            .get(&slot)
            .ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
        let fresh = self
            .session
            .unsealed
            .get(&slot)
            .is_some_and(|(sealed, _)| *sealed == stored.sealed_private);
        if !fresh {
            let aad = slot_aad(self.state.serial, slot);
            let pkcs8 = if slot.pin_policy() == PinPolicy::Never {
                self.device.open(&aad, &stored.sealed_private)
            } else {
                let vault_private = self
                    .session
                    .vault_private
                    .as_ref()
                    .ok_or(StatusWord::SECURITY_STATUS_NOT_SATISFIED)?;
                vault::open_with(vault_private, &aad, &stored.sealed_private)
            }
            .map_err(crypto_failed)?;
            let key =
                SlotPrivateKey::from_pkcs8(stored.algorithm, &pkcs8).map_err(crypto_failed)?;
            self.session
                .unsealed
                .insert(slot, (stored.sealed_private.clone(), key));
        }
        self.session
            .unsealed
            .get(&slot)
            .map(|(_, key)| key)
            .ok_or(Fault::Status(StatusWord::UNKNOWN))
    }

    /// GENERATE ASYMMETRIC KEY PAIR (§3.3.2): needs the management key; returns `7F49`.
    fn generate(&mut self, command: &Command) -> Reply {
        expect(command.p1 == 0x00, StatusWord::INCORRECT_P1_P2)?;
        let slot = KeySlot::from_id(command.p2).ok_or(StatusWord::INCORRECT_P1_P2)?;
        self.require_administration()?;
        let (control, rest) =
            tlv::parse_one(&command.data).map_err(|_| StatusWord::INCORRECT_DATA)?;
        expect(
            control.tag == 0xAC && rest.is_empty(),
            StatusWord::INCORRECT_DATA,
        )?;
        let items = tlv::parse_all(control.value).map_err(|_| StatusWord::INCORRECT_DATA)?;
        let algorithm = match tlv::find(&items, 0x80) {
            Some([id]) => KeyAlgorithm::from_id(*id).ok_or(StatusWord::INCORRECT_DATA)?,
            _ => return Err(StatusWord::INCORRECT_DATA.into()),
        };
        requested_policies_fit(&items, slot)?;
        let key = SlotPrivateKey::generate(algorithm).map_err(crypto_failed)?;
        let public_template = self.store_key(slot, &key, KeyOrigin::Generated)?;
        Ok(tlv::encode(0x7F49, &public_template))
    }

    /// IMPORT KEY (YubiKey INS FE): RSA as `01 p 02 q 03 dp 04 dq 05 qinv`, EC as
    /// `06 scalar`. Refused for 9C: the signature key of a qualified certificate is
    /// generated on the card, under the holder's sole control.
    fn import_key(&mut self, command: &Command) -> Reply {
        let algorithm = KeyAlgorithm::from_id(command.p1).ok_or(StatusWord::INCORRECT_P1_P2)?;
        let slot = KeySlot::from_id(command.p2).ok_or(StatusWord::INCORRECT_P1_P2)?;
        self.require_administration()?;
        expect(
            slot != KeySlot::SIGNATURE,
            StatusWord::CONDITIONS_NOT_SATISFIED,
        )?;
        let items = tlv::parse_all(&command.data).map_err(|_| StatusWord::INCORRECT_DATA)?;
        requested_policies_fit(&items, slot)?;
        let key = match crypto::curve(algorithm) {
            Some(_) => tlv::find(&items, 0x06)
                .and_then(|scalar| SlotPrivateKey::from_ec_scalar(algorithm, scalar).ok()),
            None => match (tlv::find(&items, 0x01), tlv::find(&items, 0x02)) {
                (Some(p), Some(q)) => SlotPrivateKey::from_rsa_primes(algorithm, p, q).ok(),
                _ => None,
            },
        }
        .ok_or(StatusWord::INCORRECT_DATA)?;
        self.store_key(slot, &key, KeyOrigin::Imported)?;
        Ok(Vec::new())
    }

    /// Seals a new slot key (to the vault, or with the device key when it needs no PIN),
    /// stores it durably, and returns its public part as inside `7F49`.
    fn store_key(
        &mut self,
        slot: KeySlot,
        key: &SlotPrivateKey,
        origin: KeyOrigin,
    ) -> Result<Vec<u8>, Fault> {
        let public_template = key.public_key_template().map_err(crypto_failed)?;
        let pkcs8 = key.to_pkcs8().map_err(crypto_failed)?;
        let aad = slot_aad(self.state.serial, slot);
        let sealed_private = if slot.pin_policy() == PinPolicy::Never {
            self.device.seal(&aad, &pkcs8)
        } else {
            vault::seal_to(&self.state.vault_public, &aad, &pkcs8)
        }
        .map_err(crypto_failed)?;
        let stored = StoredKey {
            algorithm: key.algorithm,
            origin,
            public_template: public_template.clone(),
            sealed_private,
        };
        self.state.keys.insert(slot, stored);
        self.persist()?;
        Ok(public_template)
    }

    /// GET METADATA (YubiKey INS F7), with the tags and values yubikit's `PivSession`
    /// reads. Tag 05 ("default value") is 01 while the PIN is the factory one or the
    /// temporary one sent by SMS (both known to someone else: ykman then warns), while the
    /// PUK is the factory one, and while the management key is the default; the PIN also
    /// carries Jeton's temporary flag (88) and weak-PIN policy (89). A key reference with
    /// no key answers 6A88 (reference data not found), as a YubiKey does: ykman's key
    /// listing (`ykman piv info`) skips exactly that status and fails on any other.
    fn metadata(&mut self, command: &Command) -> Reply {
        expect(command.p1 == 0x00, StatusWord::INCORRECT_P1_P2)?;
        let mut out = Vec::new();
        match command.p2 {
            key::PIN_REFERENCE => {
                let counter = self.state.pin;
                let default = self.state.pin_is_default || self.state.temporary_pin;
                tlv::write(&mut out, 0x01, &[0xFF]);
                tlv::write(&mut out, 0x05, &[u8::from(default)]);
                tlv::write(&mut out, 0x06, &[counter.max, counter.remaining]);
                tlv::write(
                    &mut out,
                    metadata::TEMPORARY_PIN,
                    &[u8::from(self.state.temporary_pin)],
                );
                tlv::write(
                    &mut out,
                    metadata::REFUSES_WEAK_PINS,
                    &[u8::from(self.state.refuse_weak_pins)],
                );
                let wrap = self.state.pin_wrap.digest();
                tlv::write(&mut out, metadata::PIN_WRAP, &wrap[..8]);
            }
            key::PUK_REFERENCE => {
                let counter = self.state.puk;
                tlv::write(&mut out, 0x01, &[0xFF]);
                tlv::write(&mut out, 0x05, &[u8::from(self.state.puk_is_default)]);
                tlv::write(&mut out, 0x06, &[counter.max, counter.remaining]);
            }
            key::MANAGEMENT_KEY_REFERENCE => {
                tlv::write(&mut out, 0x01, &[self.state.management_algorithm]);
                tlv::write(&mut out, 0x02, &[PinPolicy::Never.metadata_byte(), 0x01]);
                tlv::write(
                    &mut out,
                    0x05,
                    &[u8::from(self.state.management_is_default)],
                );
            }
            reference => {
                let slot = KeySlot::from_id(reference).ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
                let key = self
                    .state
                    .keys
                    .get(&slot)
                    .ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
                tlv::write(&mut out, 0x01, &[key.algorithm.id()]);
                tlv::write(&mut out, 0x02, &[slot.pin_policy().metadata_byte(), 0x01]);
                tlv::write(&mut out, 0x03, &[key.origin as u8]);
                tlv::write(&mut out, 0x04, &key.public_template);
            }
        }
        Ok(out)
    }

    /// MOVE KEY (YubiKey 5.7 INS F6, P1 = destination, P2 = source), which the GET VERSION
    /// this card reports makes ykman offer. Only the delete form (P1 = FF) is done: it needs
    /// the management key, like generating over the key would, and leaves the certificate.
    /// A move answers 6A81: here a key's PIN policy belongs to its slot, so a key moved out
    /// of 9C would lose the PIN-before-every-signature that sole control asks.
    fn move_key(&mut self, command: &Command) -> Reply {
        let source = KeySlot::from_id(command.p2).ok_or(StatusWord::INCORRECT_P1_P2)?;
        expect(
            command.p1 == 0xFF || KeySlot::from_id(command.p1).is_some(),
            StatusWord::INCORRECT_P1_P2,
        )?;
        self.require_administration()?;
        expect(command.p1 == 0xFF, StatusWord::FUNCTION_NOT_SUPPORTED)?;
        self.state
            .keys
            .remove(&source)
            .ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
        self.session.unsealed.remove(&source);
        self.persist()?;
        Ok(Vec::new())
    }

    /// SET MANAGEMENT KEY (YubiKey INS FF): `alg ‖ 9B len key`, under the current key.
    fn set_management_key(&mut self, command: &Command) -> Reply {
        expect(
            command.p1 == 0xFF && matches!(command.p2, 0xFF | 0xFE),
            StatusWord::INCORRECT_P1_P2,
        )?;
        self.require_administration()?;
        let (&algorithm, rest) = command
            .data
            .split_first()
            .ok_or(StatusWord::INCORRECT_DATA)?;
        let (key, rest) = tlv::parse_one(rest).map_err(|_| StatusWord::INCORRECT_DATA)?;
        let length = ManagementKeyAlgorithm::from_id(algorithm)
            .map(ManagementKeyAlgorithm::key_len)
            .ok_or(StatusWord::INCORRECT_DATA)?;
        expect(
            key.tag == u32::from(key::MANAGEMENT_KEY_REFERENCE)
                && key.value.len() == length
                && rest.is_empty(),
            StatusWord::INCORRECT_DATA,
        )?;
        self.state.management_sealed = self
            .device
            .seal(&management_aad(self.state.serial), key.value)
            .map_err(crypto_failed)?;
        self.state.management_algorithm = algorithm;
        self.state.management_is_default =
            algorithm == 0x03 && pin::constant_time_eq(key.value, &FACTORY_MANAGEMENT_KEY);
        self.persist()?;
        Ok(Vec::new())
    }

    /// SET PIN RETRIES (YubiKey INS FA): P1 PIN tries, P2 PUK tries (1 to 15, as `63 Cx`
    /// can count). Like a YubiKey it needs the management key and the PIN, and it puts the
    /// PIN and PUK back to their factory values (123456, 12345678).
    ///
    /// A card of the provider's personalisation (`fixed_retries`) refuses it with `6985`
    /// whoever asks, before any check: the guide's 3 tries are not the holder's to change,
    /// and a YubiKey answers `6985` for a condition of use that is not met
    /// (yubico-piv-tool: "Conditions not met to use command"). Where it is allowed, a
    /// temporary PIN stays temporary: the factory PIN put back must be changed before use.
    fn set_pin_retries(&mut self, command: &Command) -> Reply {
        let tries_ok = |tries: u8| (1..=pin::MAX_TRIES).contains(&tries);
        expect(
            tries_ok(command.p1) && tries_ok(command.p2),
            StatusWord::INCORRECT_P1_P2,
        )?;
        expect(
            !self.state.fixed_retries,
            StatusWord::CONDITIONS_NOT_SATISFIED,
        )?;
        self.require_administration()?;
        expect(
            self.session.pin_verified,
            StatusWord::SECURITY_STATUS_NOT_SATISFIED,
        )?;
        let vault_private = self
            .session
            .vault_private
            .clone()
            .ok_or(StatusWord::SECURITY_STATUS_NOT_SATISFIED)?;
        let was_temporary = self.state.temporary_pin;
        self.state.pin = RetryCounter::new(command.p1);
        self.wrap_under_pin(&vault_private, &reference::FACTORY_PIN_REFERENCE)?;
        self.state.puk = RetryCounter::new(command.p2);
        self.state.puk_wrap = vault::wrap(
            &vault_private,
            &reference::FACTORY_PUK_REFERENCE,
            self.state.kdf,
            self.device,
            &puk_aad(self.state.serial),
        )
        .map_err(crypto_failed)?;
        self.state.puk_is_default = true;
        // The factory PIN put back must be changed before use if the PIN was temporary, and
        // under the weak-PIN policy.
        self.state.temporary_pin = was_temporary || self.state.refuse_weak_pins;
        // The PIN just changed under the session: it must be verified again.
        self.session.clear_pin_status();
        self.persist()?;
        Ok(Vec::new())
    }

    /// ATTEST (YubiKey INS F9, P1 = slot, P2 = 00, as libykpiv sends it): a certificate
    /// for the slot's public key, signed by the card's attestation key, proving the key was
    /// generated here. Imported keys are refused (6A80): nothing can be proved about where
    /// they were made.
    fn attest(&mut self, command: &Command) -> Reply {
        expect(command.p2 == 0x00, StatusWord::INCORRECT_P1_P2)?;
        let slot = KeySlot::from_id(command.p1).ok_or(StatusWord::INCORRECT_P1_P2)?;
        let stored = self
            .state
            .keys
            .get(&slot)
            .ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
        expect(
            stored.origin == KeyOrigin::Generated,
            StatusWord::INCORRECT_DATA,
        )?;
        // Cards made before attestation existed have no key in F9.
        let sealed = self
            .state
            .attestation_sealed
            .as_ref()
            .ok_or(StatusWord::REFERENCE_NOT_FOUND)?;
        let issuer = self
            .state
            .objects
            .get(&attestation::CERTIFICATE_OBJECT)
            .and_then(|container| attestation::certificate_of(container))
            .ok_or(StatusWord::NOT_FOUND)?;
        let subject = attestation::Subject {
            serial: self.state.serial,
            version: VERSION,
            slot,
            algorithm: stored.algorithm,
            public_template: &stored.public_template,
        };
        attestation::attest(&subject, sealed, issuer, self.device).map_err(crypto_failed)
    }

    /// RESET (YubiKey INS FB): only a dead card (PIN and PUK blocked) may be reset; every
    /// key and certificate is destroyed and the factory PIN, PUK and management key return.
    fn reset(&mut self, command: &Command) -> Reply {
        expect(
            command.p1 == 0x00 && command.p2 == 0x00,
            StatusWord::INCORRECT_P1_P2,
        )?;
        expect(
            self.state.is_terminated(),
            StatusWord::CONDITIONS_NOT_SATISFIED,
        )?;
        // The provider's policy is the device's, not the holder's: it survives the RESET, and
        // the factory PIN it brings back must then be changed before use.
        let mut factory = crate::Personalisation::factory(self.state.serial);
        factory.refuse_weak_pins = self.state.refuse_weak_pins;
        factory.fixed_retries = self.state.fixed_retries;
        factory.temporary_pin = self.state.refuse_weak_pins;
        factory.kdf = self.state.kdf;
        let fresh = crate::new_state(&factory, self.device).map_err(|e| match e {
            CardError::Crypto => Fault::Status(StatusWord::UNKNOWN),
            other => Fault::Storage(other),
        })?;
        *self.state = fresh;
        *self.session = Session::default();
        self.persist()?;
        Ok(Vec::new())
    }
}

/// The data of GENERAL AUTHENTICATE (SP 800-73-4 Part 2 Table 7): `80` witness, `81`
/// challenge, `82` response, `85` exponentiation. Any other tag is refused.
#[derive(Clone, Copy, Default)]
struct DynamicAuthentication<'a> {
    witness: Option<&'a [u8]>,
    challenge: Option<&'a [u8]>,
    response: Option<&'a [u8]>,
    exponentiation: Option<&'a [u8]>,
}

impl<'a> DynamicAuthentication<'a> {
    fn parse(mut template: &'a [u8]) -> Result<Self, Fault> {
        let mut items = DynamicAuthentication::default();
        while !template.is_empty() {
            let (item, rest) = tlv::parse_one(template).map_err(|_| StatusWord::INCORRECT_DATA)?;
            let place = match item.tag {
                0x80 => &mut items.witness,
                0x81 => &mut items.challenge,
                0x82 => &mut items.response,
                0x85 => &mut items.exponentiation,
                _ => return Err(StatusWord::INCORRECT_DATA.into()),
            };
            expect(place.is_none(), StatusWord::INCORRECT_DATA)?;
            *place = Some(item.value);
            template = rest;
        }
        Ok(items)
    }
}

/// `7C { tag value }` in one buffer, with room left for the status word.
fn dynamic_authentication_response(tag: u8, value: &[u8]) -> Vec<u8> {
    let inner = 1 + tlv::length_size(value.len()) + value.len();
    let mut out = Vec::with_capacity(1 + tlv::length_size(inner) + inner + 2);
    out.push(0x7C);
    tlv::write_length(&mut out, inner);
    out.push(tag);
    tlv::write_length(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// The PIN and touch policies a host may ask for in GENERATE or IMPORT KEY (YubiKey tags
/// `AA` and `AB`, as ykman's `--pin-policy` and `--touch-policy` send them). Here the PIN
/// policy belongs to the slot (9C: before every signature, for sole control) and there is
/// nothing to touch: the default (00) or the slot's own policy is accepted, anything else is
/// refused (6A80) rather than silently ignored.
fn requested_policies_fit(items: &[tlv::Tlv<'_>], slot: KeySlot) -> Result<(), Fault> {
    let pin_ok = match tlv::find(items, 0xAA) {
        None | Some([0x00]) => true,
        Some([policy]) => *policy == slot.pin_policy().metadata_byte(),
        Some(_) => false,
    };
    let touch_ok = matches!(tlv::find(items, 0xAB), None | Some([0x00 | 0x01]));
    expect(pin_ok && touch_ok, StatusWord::INCORRECT_DATA)
}

fn random_block(len: usize) -> Result<Vec<u8>, Fault> {
    let bytes = crypto::random_bytes::<16>().map_err(crypto_failed)?;
    Ok(bytes[..len.min(16)].to_vec())
}

fn reference_data(data: &[u8]) -> Result<[u8; REFERENCE_LEN], Fault> {
    data.try_into()
        .map_err(|_| Fault::Status(StatusWord::INCORRECT_DATA))
}

fn old_and_new(data: &[u8]) -> Result<([u8; REFERENCE_LEN], [u8; REFERENCE_LEN]), Fault> {
    expect(data.len() == 2 * REFERENCE_LEN, StatusWord::INCORRECT_DATA)?;
    let (old, new) = data.split_at(REFERENCE_LEN);
    Ok((reference_data(old)?, reference_data(new)?))
}

/// The Application Property Template (§3.1.1): PIX, authority, label and algorithms. No
/// secure-messaging suites are advertised (OpenSC would then try SM).
fn application_property_template() -> Vec<u8> {
    let mut inner = Vec::new();
    tlv::write(&mut inner, 0x4F, &PIV_AID[5..]);
    tlv::write(&mut inner, 0x79, &tlv::encode(0x4F, &PIV_AID[..5]));
    tlv::write(&mut inner, 0x50, b"Jeton virtual PIV card");
    let mut algorithms = Vec::new();
    for id in ManagementKeyAlgorithm::ALL.map(ManagementKeyAlgorithm::id) {
        tlv::write(&mut algorithms, 0x80, &[id]);
    }
    for algorithm in KeyAlgorithm::ALL {
        tlv::write(&mut algorithms, 0x80, &[algorithm.id()]);
    }
    tlv::write(&mut algorithms, 0x06, &[0x00]);
    tlv::write(&mut inner, 0xAC, &algorithms);
    tlv::encode(0x61, &inner)
}
