//! [`PivClient`]: typed PIV commands (SP 800-73-4 Part 2 §3) and the Yubico extensions that
//! Jeton's card implements (serial, version, metadata, set management key, reset), over any
//! [`Transport`].

use jeton_wire::object::tag;
use jeton_wire::{ins, key, tlv, StatusWord};
use openssl::symm::{Cipher, Crypter, Mode};
use zeroize::Zeroizing;

use crate::apdu::{self, Command, Response};
use crate::error::{from_status, Context, Error};
use crate::signing::{self, HashAlgorithm, RsaPadding};
use crate::transport::Transport;
use crate::types::{
    CardStatus, KeyAlgorithm, KeyReference, KeySlot, ManagementKey, ManagementKeyAlgorithm,
    Metadata, ObjectId, Pin, PinVerification, PublicKey, Puk, RetryCounter, Version,
};

pub use jeton_wire::PIV_AID;

/// A PIV card behind a transport.
///
/// Each method sends one PIV operation and maps the card's status word to an [`Error`]
/// that says what to do next. The client keeps no state of its own: the PIN's verified state
/// and the management-key authentication live in the card's session.
pub struct PivClient<T: Transport> {
    transport: T,
}

impl<T: Transport> PivClient<T> {
    /// Wraps a transport without talking to the card.
    pub fn new(transport: T) -> PivClient<T> {
        PivClient { transport }
    }

    /// Wraps a transport and selects the PIV application.
    pub fn open(transport: T) -> Result<PivClient<T>, Error> {
        let mut client = PivClient::new(transport);
        client.select()?;
        Ok(client)
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends one command and returns the response whatever its status.
    pub fn transceive(&mut self, command: &Command) -> Result<Response, Error> {
        apdu::transceive(&mut self.transport, command)
    }

    fn run(&mut self, command: &Command, context: Context) -> Result<Response, Error> {
        let response = self.transceive(command)?;
        if response.status.is_success() {
            return Ok(response);
        }
        Err(self.explain(from_status(response.status, context)))
    }

    /// Once both the PIN and the PUK are blocked the card is dead for good: say so rather
    /// than "PIN blocked" (the guide's "certificate blocked for good").
    fn explain(&mut self, error: Error) -> Error {
        let other = match error {
            Error::PinBlocked | Error::WrongPin { tries_left: 0 } => KeyReference::Puk,
            Error::PukBlocked | Error::WrongPuk { tries_left: 0 } => KeyReference::Pin,
            error => return error,
        };
        match self.retries(other) {
            Ok(counter) if counter.is_blocked() => Error::CardDead,
            _ => error,
        }
    }

    /// SELECT the PIV application by its full AID (SP 800-73-4 Part 2 §3.1.1).
    pub fn select(&mut self) -> Result<(), Error> {
        let command = Command::new(ins::SELECT, 0x04, 0x00)
            .with_data(PIV_AID)
            .expecting_response();
        self.run(&command, Context::Read).map(drop)
    }

    /// The card's serial number (Yubico GET SERIAL, 4 bytes big-endian).
    pub fn serial(&mut self) -> Result<u32, Error> {
        let command = Command::new(ins::GET_SERIAL, 0x00, 0x00).expecting_response();
        let response = self.run(&command, Context::Read)?;
        let bytes: [u8; 4] = response.data[..]
            .try_into()
            .map_err(|_| Error::MalformedResponse("serial is not 4 bytes"))?;
        Ok(u32::from_be_bytes(bytes))
    }

    /// The firmware version (Yubico GET VERSION, 3 bytes).
    pub fn version(&mut self) -> Result<Version, Error> {
        let command = Command::new(ins::GET_VERSION, 0x00, 0x00).expecting_response();
        let response = self.run(&command, Context::Read)?;
        match response.data[..] {
            [major, minor, patch] => Ok(Version {
                major,
                minor,
                patch,
            }),
            _ => Err(Error::MalformedResponse("version is not 3 bytes")),
        }
    }

    /// What the card says about a key reference (Yubico GET METADATA, INS F7). An empty
    /// slot answers [`Error::NotFound`].
    pub fn metadata(&mut self, reference: KeyReference) -> Result<Metadata, Error> {
        let command = Command::new(ins::GET_METADATA, 0x00, reference.id()).expecting_response();
        let response = self.transceive(&command)?;
        // A YubiKey, and a Jeton card, say "reference data not found" for an empty slot.
        if response.status == StatusWord::REFERENCE_NOT_FOUND
            && matches!(reference, KeyReference::KeySlot(_))
        {
            return Err(Error::NotFound);
        }
        if !response.status.is_success() {
            return Err(from_status(response.status, Context::Read));
        }
        Metadata::parse(&response.data)
    }

    fn retries(&mut self, reference: KeyReference) -> Result<RetryCounter, Error> {
        self.metadata(reference)?
            .retries
            .ok_or(Error::MalformedResponse("no retry counter in metadata"))
    }

    /// Serial, PIN and PUK counters and the temporary-PIN flag, read without touching any
    /// counter.
    pub fn status(&mut self) -> Result<CardStatus, Error> {
        let serial = self.serial()?;
        let pin = self.metadata(KeyReference::Pin)?;
        let puk = self.retries(KeyReference::Puk)?;
        Ok(CardStatus {
            serial,
            pin: pin
                .retries
                .ok_or(Error::MalformedResponse("no retry counter in PIN metadata"))?,
            puk,
            temporary_pin: pin.temporary == Some(true),
        })
    }

    /// VERIFY the PIN (SP 800-73-4 Part 2 §3.2.1).
    pub fn verify_pin(&mut self, pin: &Pin) -> Result<(), Error> {
        let command =
            Command::new(ins::VERIFY, 0x00, key::PIN_REFERENCE).with_data(pin.padded().to_vec());
        self.run(&command, Context::Pin).map(drop)
    }

    /// VERIFY without data: whether the PIN is verified, else its tries left. Costs no try.
    pub fn pin_verification(&mut self) -> Result<PinVerification, Error> {
        let response = self.transceive(&Command::new(ins::VERIFY, 0x00, key::PIN_REFERENCE))?;
        match response.status {
            StatusWord::SUCCESS => Ok(PinVerification::Verified),
            StatusWord::AUTHENTICATION_METHOD_BLOCKED => Ok(PinVerification::Blocked),
            status => match status.tries_left() {
                Some(tries_left) => Ok(PinVerification::NotVerified { tries_left }),
                None => Err(from_status(status, Context::Pin)),
            },
        }
    }

    /// Forgets the PIN's verified state (VERIFY with P1 = FF, SP 800-73-4 Part 2 §3.2.1).
    pub fn clear_verification(&mut self) -> Result<(), Error> {
        let command = Command::new(ins::VERIFY, 0xFF, key::PIN_REFERENCE);
        self.run(&command, Context::Pin).map(drop)
    }

    /// CHANGE REFERENCE DATA of the PIN (SP 800-73-4 Part 2 §3.2.2): a wrong old PIN costs
    /// a try. This is how the temporary PIN is replaced.
    pub fn change_pin(&mut self, old: &Pin, new: &Pin) -> Result<(), Error> {
        let data = [&old.padded()[..], &new.padded()[..]].concat();
        let command =
            Command::new(ins::CHANGE_REFERENCE_DATA, 0x00, key::PIN_REFERENCE).with_data(data);
        self.run(&command, Context::Pin).map(drop)
    }

    /// CHANGE REFERENCE DATA of the PUK: a wrong old PUK costs a PUK try.
    pub fn change_puk(&mut self, old: &Puk, new: &Puk) -> Result<(), Error> {
        let data = [&old.padded()[..], &new.padded()[..]].concat();
        let command =
            Command::new(ins::CHANGE_REFERENCE_DATA, 0x00, key::PUK_REFERENCE).with_data(data);
        self.run(&command, Context::Puk).map(drop)
    }

    /// RESET RETRY COUNTER (SP 800-73-4 Part 2 §3.2.3): the PUK sets a new PIN and restores
    /// its tries. A wrong PUK costs a PUK try.
    pub fn unblock_pin(&mut self, puk: &Puk, new_pin: &Pin) -> Result<(), Error> {
        let data = [&puk.padded()[..], &new_pin.padded()[..]].concat();
        let command =
            Command::new(ins::RESET_RETRY_COUNTER, 0x00, key::PIN_REFERENCE).with_data(data);
        self.run(&command, Context::Puk).map(drop)
    }

    /// Mutual authentication with the management key (SP 800-73-4 Part 2 Appendix A.1,
    /// "challenge/witness"): the card proves it knows the key as well as the host.
    pub fn authenticate(&mut self, key: &ManagementKey) -> Result<(), Error> {
        let mut challenge = Zeroizing::new(vec![0u8; key.algorithm().block_len()]);
        openssl::rand::rand_bytes(&mut challenge)?;
        self.authenticate_with_challenge(key, &challenge)
    }

    pub(crate) fn authenticate_with_challenge(
        &mut self,
        key: &ManagementKey,
        challenge: &[u8],
    ) -> Result<(), Error> {
        let block = key.algorithm().block_len();
        let alg = key.algorithm().id();

        let step1 = tlv::encode(tag::DYNAMIC_AUTHENTICATION, &tlv::encode(tag::WITNESS, &[]));
        let command = Command::new(
            ins::GENERAL_AUTHENTICATE,
            alg,
            key::MANAGEMENT_KEY_REFERENCE,
        )
        .with_data(step1)
        .expecting_response();
        let response = self.run(&command, Context::ManagementKey)?;
        let encrypted_witness = dynamic_auth_field(&response.data, tag::WITNESS)?;
        if encrypted_witness.len() != block {
            return Err(Error::MalformedResponse("witness of the wrong size"));
        }
        let witness = ecb(key, Mode::Decrypt, encrypted_witness)?;

        let mut inner = Zeroizing::new(tlv::encode(tag::WITNESS, &witness));
        tlv::write(&mut inner, tag::CHALLENGE, challenge);
        let command = Command::new(
            ins::GENERAL_AUTHENTICATE,
            alg,
            key::MANAGEMENT_KEY_REFERENCE,
        )
        .with_data(tlv::encode(tag::DYNAMIC_AUTHENTICATION, &inner))
        .expecting_response();
        let response = self.run(&command, Context::ManagementKey)?;
        let answer = dynamic_auth_field(&response.data, tag::RESPONSE)?;
        let expected = ecb(key, Mode::Encrypt, challenge)?;
        if answer.len() != expected.len() || !openssl::memcmp::eq(answer, &expected) {
            return Err(Error::CardAuthenticationFailed);
        }
        Ok(())
    }

    /// Replaces the management key (Yubico SET MANAGEMENT KEY, INS FF; P2 = FF: no touch).
    /// Needs a prior [`authenticate`](Self::authenticate) with the current key.
    pub fn set_management_key(&mut self, new: &ManagementKey) -> Result<(), Error> {
        let key = new.as_bytes();
        let mut data = Zeroizing::new(Vec::with_capacity(3 + key.len()));
        data.extend_from_slice(&[
            new.algorithm().id(),
            key::MANAGEMENT_KEY_REFERENCE,
            key.len() as u8,
        ]);
        data.extend_from_slice(key);
        let command = Command::new(ins::SET_MANAGEMENT_KEY, 0xFF, 0xFF).with_data(data.to_vec());
        self.run(&command, Context::Admin).map(drop)
    }

    /// GENERATE ASYMMETRIC KEY PAIR in `slot` (SP 800-73-4 Part 2 §3.3.2); replaces any key
    /// there. Needs the management key.
    pub fn generate(&mut self, slot: KeySlot, algorithm: KeyAlgorithm) -> Result<PublicKey, Error> {
        let control = tlv::encode(
            tag::CONTROL_REFERENCE,
            &tlv::encode(tag::ALGORITHM, &[algorithm.id()]),
        );
        let command = Command::new(ins::GENERATE_ASYMMETRIC_KEY_PAIR, 0x00, slot.id())
            .with_data(control)
            .expecting_response();
        let response = self.run(&command, Context::Admin)?;
        let template = tlv::parse_single(&response.data, tag::PUBLIC_KEY)?
            .ok_or(Error::MalformedResponse("no public key template"))?;
        PublicKey::from_template(algorithm, template)
    }

    fn private_key_operation(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        tag: u32,
        input: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut inner = Zeroizing::new(tlv::encode(tag::RESPONSE, &[]));
        tlv::write(&mut inner, tag, input);
        let command = Command::new(ins::GENERAL_AUTHENTICATE, algorithm.id(), slot.id())
            .with_data(tlv::encode(tag::DYNAMIC_AUTHENTICATION, &inner))
            .expecting_response();
        let response = self.run(&command, Context::PrivateKey)?;
        Ok(Zeroizing::new(
            dynamic_auth_field(&response.data, tag::RESPONSE)?.to_vec(),
        ))
    }

    /// The card's private-key operation on a prepared input (SP 800-73-4 Part 2 §3.2.4):
    /// for RSA the full modulus-size padded block, for ECDSA the digest (cut or left-padded
    /// to the field size). RSA returns the signature, ECDSA a DER `ECDSA-Sig-Value`.
    pub fn sign_raw(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        input: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let size = algorithm.input_len();
        let output = if algorithm.is_rsa() {
            if input.len() != size {
                return Err(Error::InvalidInputLength {
                    expected: size,
                    got: input.len(),
                });
            }
            self.private_key_operation(slot, algorithm, tag::CHALLENGE, input)?
        } else {
            let input = signing::ecdsa_input(size, input);
            self.private_key_operation(slot, algorithm, tag::CHALLENGE, &input)?
        };
        Ok(output.to_vec())
    }

    /// Signs a digest made with `hash`: PKCS#1 v1.5 or PSS padding for RSA, ECDSA for EC.
    pub fn sign_digest(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        hash: HashAlgorithm,
        digest: &[u8],
        padding: RsaPadding,
    ) -> Result<Vec<u8>, Error> {
        let input = signing::signature_input(algorithm, hash, digest, padding)?;
        self.sign_raw(slot, algorithm, &input)
    }

    /// Hashes `message` on the host and signs it: RSA PKCS#1 v1.5, or ECDSA (DER).
    pub fn sign_message(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        message: &[u8],
        hash: HashAlgorithm,
    ) -> Result<Vec<u8>, Error> {
        self.sign_message_with_padding(slot, algorithm, message, hash, RsaPadding::Pkcs1v15)
    }

    /// As [`sign_message`](Self::sign_message), choosing the RSA padding.
    pub fn sign_message_with_padding(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        message: &[u8],
        hash: HashAlgorithm,
        padding: RsaPadding,
    ) -> Result<Vec<u8>, Error> {
        let digest = hash.digest(message)?;
        self.sign_digest(slot, algorithm, hash, &digest, padding)
    }

    /// Raw RSA decryption of a modulus-size block; the caller removes the padding.
    pub fn decrypt(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if !algorithm.is_rsa() {
            return Err(Error::UnsupportedForAlgorithm(
                "decryption with an EC key (use ECDH)",
            ));
        }
        if ciphertext.len() != algorithm.input_len() {
            return Err(Error::InvalidInputLength {
                expected: algorithm.input_len(),
                got: ciphertext.len(),
            });
        }
        self.private_key_operation(slot, algorithm, tag::CHALLENGE, ciphertext)
    }

    /// ECDH with the peer's uncompressed point 04‖X‖Y; returns the shared X coordinate
    /// (SP 800-73-4 Part 2 §3.2.4, tag 85).
    pub fn ecdh(
        &mut self,
        slot: KeySlot,
        algorithm: KeyAlgorithm,
        peer_point: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if algorithm.is_rsa() {
            return Err(Error::UnsupportedForAlgorithm("ECDH with an RSA key"));
        }
        let expected = 1 + 2 * algorithm.input_len();
        if peer_point.len() != expected {
            return Err(Error::InvalidInputLength {
                expected,
                got: peer_point.len(),
            });
        }
        self.private_key_operation(slot, algorithm, tag::EXPONENTIATION, peer_point)
    }

    /// GET DATA (SP 800-73-4 Part 2 §3.1.2): the value inside the object's `53` (or `7E`,
    /// `7F61`) wrapper.
    pub fn read_object(&mut self, object: ObjectId) -> Result<Vec<u8>, Error> {
        let command = Command::new(ins::GET_DATA, 0x3F, 0xFF)
            .with_data(tlv::encode(tag::TAG_LIST, &object.tag_bytes()))
            .expecting_response();
        let response = self.run(&command, Context::Read)?;
        let (outer, rest) = tlv::parse_one(&response.data)?;
        if !rest.is_empty() {
            return Err(Error::MalformedResponse("bytes after the data object"));
        }
        Ok(outer.value.to_vec())
    }

    /// PUT DATA (SP 800-73-4 Part 2 §3.3.1), chained when long. Needs the management key.
    pub fn write_object(&mut self, object: ObjectId, value: &[u8]) -> Result<(), Error> {
        let wrapper = match object {
            ObjectId::DISCOVERY | ObjectId::BIOMETRIC_GROUP_TEMPLATE => object.0,
            _ => tag::DATA,
        };
        let mut data = tlv::encode(tag::TAG_LIST, &object.tag_bytes());
        tlv::write(&mut data, wrapper, value);
        let command = Command::new(ins::PUT_DATA, 0x3F, 0xFF).with_data(data);
        self.run(&command, Context::Admin).map(drop)
    }

    /// Deletes a data object by writing it empty (`53 00`). Needs the management key.
    pub fn delete_object(&mut self, object: ObjectId) -> Result<(), Error> {
        self.write_object(object, &[])
    }

    /// The DER certificate of a slot, from its container `53 { 70 cert, 71 info, FE }`
    /// (SP 800-73-4 Part 1 Appendix A). An empty slot answers [`Error::NotFound`].
    pub fn read_certificate(&mut self, slot: KeySlot) -> Result<Vec<u8>, Error> {
        let container = self.read_object(slot.certificate_object())?;
        let tlvs = tlv::parse_all(&container)?;
        let cert = tlvs
            .iter()
            .find(|t| t.tag == tag::CERTIFICATE)
            .ok_or(Error::NotFound)?;
        if let Some(info) = tlvs.iter().find(|t| t.tag == tag::CERT_INFO) {
            // CertInfo b0 = 1: gzip-compressed (SP 800-73-4 Part 1 Table 10, note 3).
            if info.value.first().is_some_and(|b| b & 0x01 != 0) {
                return Err(Error::CompressedCertificate);
            }
        }
        if cert.value.is_empty() {
            return Err(Error::NotFound);
        }
        Ok(cert.value.to_vec())
    }

    /// Stores a DER certificate in a slot's container, uncompressed. Needs the management key.
    pub fn write_certificate(&mut self, slot: KeySlot, der: &[u8]) -> Result<(), Error> {
        let mut container = tlv::encode(tag::CERTIFICATE, der);
        tlv::write(&mut container, tag::CERT_INFO, &[0x00]);
        tlv::write(&mut container, tag::ERROR_DETECTION_CODE, &[]);
        self.write_object(slot.certificate_object(), &container)
    }

    /// Deletes a slot's certificate. Needs the management key.
    pub fn delete_certificate(&mut self, slot: KeySlot) -> Result<(), Error> {
        self.delete_object(slot.certificate_object())
    }

    /// Yubico RESET (INS FB): wipes every key and certificate and restores the factory PIN,
    /// PUK and management key. The card allows it only once PIN and PUK are both blocked.
    pub fn reset(&mut self) -> Result<(), Error> {
        let command = Command::new(ins::RESET, 0x00, 0x00);
        self.run(&command, Context::Reset).map(drop)
    }
}

/// The value of `tag` inside a `7C` Dynamic Authentication Template.
fn dynamic_auth_field(data: &[u8], tag: u32) -> Result<&[u8], Error> {
    let template = tlv::parse_single(data, tag::DYNAMIC_AUTHENTICATION)?.ok_or(
        Error::MalformedResponse("no dynamic authentication template"),
    )?;
    tlv::find_in(template, tag)?.ok_or(Error::MalformedResponse("field missing in 7C template"))
}

/// One block through the management key's cipher in ECB mode, without padding.
fn ecb(key: &ManagementKey, mode: Mode, block: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let cipher = match key.algorithm() {
        ManagementKeyAlgorithm::TripleDes => Cipher::des_ede3(),
        ManagementKeyAlgorithm::Aes128 => Cipher::aes_128_ecb(),
        ManagementKeyAlgorithm::Aes192 => Cipher::aes_192_ecb(),
        ManagementKeyAlgorithm::Aes256 => Cipher::aes_256_ecb(),
    };
    let mut crypter = Crypter::new(cipher, mode, key.as_bytes(), None)?;
    crypter.pad(false);
    let mut out = Zeroizing::new(vec![0u8; block.len() + cipher.block_size()]);
    let n = crypter.update(block, &mut out)?;
    let m = crypter.finalize(&mut out[n..])?;
    out.truncate(n + m);
    Ok(out)
}
