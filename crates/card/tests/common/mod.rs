//! What every card test needs: a card in a temporary folder, a hex helper, and the host's
//! side of each PIV exchange (management-key authentication, GET RESPONSE, chaining).
#![allow(dead_code)]

use jeton_card::{Card, CardDirectory, Personalisation, FACTORY_MANAGEMENT_KEY};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::rsa::Rsa;
use openssl::symm::{Cipher, Crypter, Mode};
use tempfile::TempDir;

pub const SW_OK: u16 = 0x9000;
pub const PIN: &str = "123456";
pub const PUK: &str = "12345678";

/// Bytes from hex text; spaces and newlines are ignored.
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len().is_multiple_of(2),
        "odd number of hex digits in {text:?}"
    );
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).expect("hex digit"))
        .collect()
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A response APDU split into its data and status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl Response {
    pub fn from_bytes(bytes: &[u8]) -> Response {
        assert!(
            bytes.len() >= 2,
            "response shorter than a status word: {bytes:02x?}"
        );
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Response {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        }
    }

    /// The data, after checking the card said 9000.
    #[track_caller]
    pub fn ok(self) -> Vec<u8> {
        assert_eq!(self.sw, SW_OK, "expected 9000, got {:04X}", self.sw);
        self.data
    }
}

/// A card in its own temporary folder; the folder goes when the test ends.
pub struct TestCard {
    pub dir: TempDir,
    pub cards: CardDirectory,
    pub card: Card,
    pub serial: u32,
}

impl TestCard {
    pub fn factory() -> TestCard {
        TestCard::with(Personalisation::factory(10_000_001))
    }

    /// Test cards use scrypt's lowest cost: the suites make hundreds of them (the
    /// default's is checked in `durability.rs`).
    pub fn with(mut personalisation: Personalisation) -> TestCard {
        personalisation.kdf = jeton_card::crypto::KdfParams::TESTING;
        let dir = tempfile::tempdir().expect("temporary folder");
        let cards = CardDirectory::new(dir.path().join("cards"));
        let card = cards.create(&personalisation).expect("card created");
        TestCard {
            dir,
            cards,
            card,
            serial: personalisation.serial,
        }
    }

    /// The same card opened again, as by another process or after a restart.
    pub fn reopen(&self) -> Card {
        self.cards.open(self.serial).expect("card reopens")
    }

    pub fn file(&self) -> std::path::PathBuf {
        self.cards.path_of(self.serial)
    }
}

/// One command, one response, nothing followed.
pub fn send(card: &mut Card, apdu: &[u8]) -> Response {
    Response::from_bytes(&card.transmit(apdu).expect("the card answers"))
}

pub fn send_hex(card: &mut Card, apdu: &str) -> Response {
    send(card, &hex(apdu))
}

pub fn sw(card: &mut Card, apdu: &str) -> u16 {
    send_hex(card, apdu).sw
}

/// Sends one command and follows `61xx` with GET RESPONSE until the card is done.
pub fn exchange(card: &mut Card, apdu: &[u8]) -> Response {
    let mut response = send(card, apdu);
    let mut data = std::mem::take(&mut response.data);
    while response.sw >> 8 == 0x61 {
        let le = (response.sw & 0xFF) as u8;
        response = send(card, &[0x00, 0xC0, 0x00, 0x00, le]);
        data.append(&mut response.data);
    }
    Response {
        data,
        sw: response.sw,
    }
}

/// A short case-4 APDU (Le 00).
pub fn apdu(header: [u8; 4], data: &[u8]) -> Vec<u8> {
    assert!(!data.is_empty() && data.len() <= 255);
    let mut out = header.to_vec();
    out.push(data.len() as u8);
    out.extend_from_slice(data);
    out.push(0x00);
    out
}

/// An extended case-4 APDU (Lc on three bytes, Le 0000: everything at once).
pub fn extended_apdu(header: [u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = header.to_vec();
    out.push(0x00);
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&[0x00, 0x00]);
    out
}

/// Sends `data` in links of at most 255 bytes (CLA 10 on all but the last), then follows
/// `61xx`. Every link before the last must answer 9000.
pub fn chained(card: &mut Card, header: [u8; 4], data: &[u8]) -> Response {
    let links: Vec<&[u8]> = data.chunks(255).collect();
    for link in &links[..links.len() - 1] {
        let mut command = header;
        command[0] |= 0x10;
        let mut bytes = command.to_vec();
        bytes.push(link.len() as u8);
        bytes.extend_from_slice(link);
        let response = send(card, &bytes);
        assert_eq!(response.sw, SW_OK, "a chain link was refused");
    }
    exchange(card, &apdu(header, links[links.len() - 1]))
}

/// BER-TLV as PIV writes it (tags of 1 to 3 bytes).
pub fn tlv(tag: u32, value: &[u8]) -> Vec<u8> {
    jeton_wire::tlv::encode(tag, value)
}

/// The value of the first item with `tag` in a TLV sequence.
#[track_caller]
pub fn find(bytes: &[u8], tag: u32) -> Vec<u8> {
    let items = jeton_wire::tlv::parse_all(bytes).expect("well-formed TLV");
    jeton_wire::tlv::find(&items, tag)
        .unwrap_or_else(|| panic!("no tag {tag:X} in {}", to_hex(bytes)))
        .to_vec()
}

/// Reference data on the wire: the PIN or PUK padded with FF to 8 bytes.
pub fn padded(secret: &str) -> Vec<u8> {
    let mut out = secret.as_bytes().to_vec();
    out.resize(8, 0xFF);
    out
}

pub fn verify(card: &mut Card, pin: &str) -> u16 {
    send(card, &[&hex("00 20 00 80 08")[..], &padded(pin)].concat()).sw
}

/// VERIFY without data: 9000, 63Cx or 6983.
pub fn pin_status(card: &mut Card) -> u16 {
    sw(card, "00 20 00 80")
}

pub fn change_reference(card: &mut Card, reference: u8, old: &str, new: &str) -> u16 {
    send(
        card,
        &[
            &[0x00, 0x24, 0x00, reference, 0x10][..],
            &padded(old),
            &padded(new),
        ]
        .concat(),
    )
    .sw
}

pub fn reset_retry_counter(card: &mut Card, puk: &str, new_pin: &str) -> u16 {
    send(
        card,
        &[&hex("00 2C 00 80 10")[..], &padded(puk), &padded(new_pin)].concat(),
    )
    .sw
}

/// `(max, remaining)` from GET METADATA tag 06 of the PIN (80) or PUK (81), and tag 05.
pub fn tries_and_default(card: &mut Card, reference: u8) -> ((u8, u8), u8) {
    let metadata = send(card, &[0x00, 0xF7, 0x00, reference]).ok();
    let tries = find(&metadata, 0x06);
    ((tries[0], tries[1]), find(&metadata, 0x05)[0])
}

pub fn pin_tries_left(card: &mut Card) -> u8 {
    tries_and_default(card, 0x80).0 .1
}

fn cipher(algorithm: u8) -> Cipher {
    match algorithm {
        0x03 => Cipher::des_ede3(),
        0x08 => Cipher::aes_128_ecb(),
        0x0A => Cipher::aes_192_ecb(),
        0x0C => Cipher::aes_256_ecb(),
        other => panic!("no management algorithm {other:02X}"),
    }
}

/// One block of the management-key cipher in ECB, computed by OpenSSL on the host side.
pub fn block(algorithm: u8, key: &[u8], input: &[u8], mode: Mode) -> Vec<u8> {
    let cipher = cipher(algorithm);
    let mut crypter = Crypter::new(cipher, mode, key, None).unwrap();
    crypter.pad(false);
    let mut out = vec![0u8; input.len() + cipher.block_size()];
    let mut n = crypter.update(input, &mut out).unwrap();
    n += crypter.finalize(&mut out[n..]).unwrap();
    out.truncate(n);
    out
}

pub fn block_len(algorithm: u8) -> usize {
    cipher(algorithm).block_size()
}

fn general_authenticate(
    card: &mut Card,
    algorithm: u8,
    key_reference: u8,
    items: &[u8],
) -> Response {
    exchange(
        card,
        &apdu([0x00, 0x87, algorithm, key_reference], &tlv(0x7C, items)),
    )
}

/// Mutual 9B authentication (SP 800-73-4 Part 2 Appendix A.3). Returns the status word of
/// the second step; panics if the card's own proof is wrong.
pub fn mutual_auth_with(card: &mut Card, algorithm: u8, key: &[u8], tamper_witness: bool) -> u16 {
    let first = general_authenticate(card, algorithm, 0x9B, &hex("80 00"));
    if first.sw != SW_OK {
        return first.sw;
    }
    let encrypted = find(&find(&first.data, 0x7C), 0x80);
    let mut witness = block(algorithm, key, &encrypted, Mode::Decrypt);
    if tamper_witness {
        witness[0] ^= 1;
    }
    let challenge: Vec<u8> = (0..block_len(algorithm) as u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let items = [tlv(0x80, &witness), tlv(0x81, &challenge)].concat();
    let second = general_authenticate(card, algorithm, 0x9B, &items);
    if second.sw == SW_OK {
        let proof = find(&find(&second.data, 0x7C), 0x82);
        assert_eq!(
            proof,
            block(algorithm, key, &challenge, Mode::Encrypt),
            "the card's proof is wrong"
        );
    }
    second.sw
}

pub fn mutual_auth(card: &mut Card, algorithm: u8, key: &[u8]) -> u16 {
    mutual_auth_with(card, algorithm, key, false)
}

/// Authenticates with the factory 3DES management key.
#[track_caller]
pub fn admin(card: &mut Card) {
    assert_eq!(
        mutual_auth(card, 0x03, &FACTORY_MANAGEMENT_KEY),
        SW_OK,
        "factory management key refused"
    );
}

/// External 9B authentication (Appendix A.1): the host encrypts the card's challenge.
pub fn external_auth(card: &mut Card, algorithm: u8, key: &[u8]) -> u16 {
    let first = general_authenticate(card, algorithm, 0x9B, &hex("81 00"));
    if first.sw != SW_OK {
        return first.sw;
    }
    let challenge = find(&find(&first.data, 0x7C), 0x81);
    let answer = block(algorithm, key, &challenge, Mode::Encrypt);
    general_authenticate(card, algorithm, 0x9B, &tlv(0x82, &answer)).sw
}

/// YubiKey SET MANAGEMENT KEY: `00 FF FF FF Lc alg 9B len key`.
pub fn set_management_key(card: &mut Card, algorithm: u8, key: &[u8]) -> u16 {
    let data = [&[algorithm][..], &tlv(0x9B, key)].concat();
    exchange(card, &apdu([0x00, 0xFF, 0xFF, 0xFF], &data)).sw
}

pub const RSA2048: u8 = 0x07;
pub const RSA3072: u8 = 0x05;
pub const RSA4096: u8 = 0x16;
pub const P256: u8 = 0x11;
pub const P384: u8 = 0x14;

/// GENERATE ASYMMETRIC KEY PAIR; the response is `7F49 {...}` when it works.
pub fn generate(card: &mut Card, slot: u8, algorithm: u8) -> Response {
    exchange(
        card,
        &apdu(
            [0x00, 0x47, 0x00, slot],
            &tlv(0xAC, &tlv(0x80, &[algorithm])),
        ),
    )
}

/// The public key inside a `7F49` template.
pub fn public_key(algorithm: u8, response: &[u8]) -> PKey<Public> {
    let template = find(response, 0x7F49);
    match algorithm {
        P256 | P384 => {
            let nid = if algorithm == P256 {
                Nid::X9_62_PRIME256V1
            } else {
                Nid::SECP384R1
            };
            let group = EcGroup::from_curve_name(nid).unwrap();
            let mut ctx = BigNumContext::new().unwrap();
            let point = EcPoint::from_bytes(&group, &find(&template, 0x86), &mut ctx).unwrap();
            PKey::from_ec_key(EcKey::from_public_key(&group, &point).unwrap()).unwrap()
        }
        _ => {
            let n = BigNum::from_slice(&find(&template, 0x81)).unwrap();
            let e = BigNum::from_slice(&find(&template, 0x82)).unwrap();
            PKey::from_rsa(Rsa::from_public_components(n, e).unwrap()).unwrap()
        }
    }
}

/// Generates a key under the factory management key and returns its public key.
#[track_caller]
pub fn generated(card: &mut Card, slot: u8, algorithm: u8) -> PKey<Public> {
    admin(card);
    let response = generate(card, slot, algorithm).ok();
    public_key(algorithm, &response)
}

/// GENERAL AUTHENTICATE `7C { 82 00, 81 input }`, short APDUs with chaining when needed.
pub fn private_op(card: &mut Card, algorithm: u8, slot: u8, input: &[u8]) -> Response {
    let items = [tlv(0x82, &[]), tlv(0x81, input)].concat();
    chained(card, [0x00, 0x87, algorithm, slot], &tlv(0x7C, &items))
}

/// The `82` output of a GENERAL AUTHENTICATE response.
pub fn output(response: Response) -> Vec<u8> {
    find(&find(&response.ok(), 0x7C), 0x82)
}

pub fn sha256(message: &[u8]) -> Vec<u8> {
    openssl::sha::sha256(message).to_vec()
}

/// ECDSA over a SHA-256 digest in `slot`, checked by OpenSSL against `public`.
pub fn ecdsa_verifies(public: &PKey<Public>, digest: &[u8], der_signature: &[u8]) -> bool {
    let signature = openssl::ecdsa::EcdsaSig::from_der(der_signature).expect("DER ECDSA-Sig-Value");
    signature.verify(digest, &public.ec_key().unwrap()).unwrap()
}

/// EMSA-PKCS1-v1_5 for SHA-256 (RFC 8017 §9.2), as a host pads before a raw RSA operation.
pub fn pkcs1_v15_sha256_block(message: &[u8], modulus_len: usize) -> Vec<u8> {
    let digest_info = [
        hex("30 31 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"),
        sha256(message),
    ]
    .concat();
    let mut block = vec![0x00, 0x01];
    block.resize(modulus_len - digest_info.len() - 1, 0xFF);
    block.push(0x00);
    block.extend_from_slice(&digest_info);
    block
}

pub fn rsa_signature_verifies(public: &PKey<Public>, message: &[u8], signature: &[u8]) -> bool {
    let mut verifier =
        openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), public).unwrap();
    verifier.update(message).unwrap();
    verifier.verify(signature).unwrap()
}

/// PUT DATA `5C tag 53 value`, chained; the caller authenticates first.
pub fn put_object(card: &mut Card, tag: u32, value: &[u8]) -> u16 {
    let tag_bytes = &tag.to_be_bytes()[1..];
    let data = [tlv(0x5C, tag_bytes), tlv(0x53, value)].concat();
    chained(card, [0x00, 0xDB, 0x3F, 0xFF], &data).sw
}

/// GET DATA, following `61xx`; on success the data is the `53` template.
pub fn get_object(card: &mut Card, tag: u32) -> Response {
    let tag_bytes = &tag.to_be_bytes()[1..];
    exchange(card, &apdu([0x00, 0xCB, 0x3F, 0xFF], &tlv(0x5C, tag_bytes)))
}

/// A value shaped like a PIV certificate object (`70 cert 71 00 FE 00`) of about `len` bytes.
pub fn certificate_object(len: usize, fill: u8) -> Vec<u8> {
    let certificate: Vec<u8> = (0..len).map(|i| fill ^ (i as u8)).collect();
    [tlv(0x70, &certificate), hex("71 01 00 FE 00")].concat()
}

pub const CERT_9A: u32 = 0x5FC105;
pub const CERT_9C: u32 = 0x5FC10A;
pub const CERT_9D: u32 = 0x5FC10B;
pub const CERT_9E: u32 = 0x5FC101;
pub const CHUID: u32 = 0x5FC102;
pub const CCC: u32 = 0x5FC107;
pub const PRINTED_INFORMATION: u32 = 0x5FC109;
pub const KEY_HISTORY: u32 = 0x5FC10C;

/// A card folder written by Jeton before format 3 (`tests/fixtures/NAME`, see its README),
/// copied into a temporary folder: its `device.key`, its card file, and the public keys of
/// its slots as DER.
pub struct OldCard {
    pub dir: TempDir,
    pub cards: CardDirectory,
    pub serial: u32,
}

impl OldCard {
    pub fn copy(name: &str) -> OldCard {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().join("cards");
        std::fs::create_dir(&root).unwrap();
        let mut serial = None;
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            let file = entry.file_name().into_string().unwrap();
            if let Some(number) = file.strip_suffix(".card") {
                serial = Some(number.parse().unwrap());
            }
            std::fs::copy(entry.path(), root.join(&file)).unwrap();
        }
        OldCard {
            dir,
            cards: CardDirectory::new(root),
            serial: serial.expect("a card file in the fixture"),
        }
    }

    pub fn file(&self) -> std::path::PathBuf {
        self.cards.path_of(self.serial)
    }

    pub fn public_key(&self, slot: &str) -> PKey<Public> {
        let der = std::fs::read(self.cards.root().join(format!("{slot}.pub.der"))).unwrap();
        PKey::public_key_from_der(&der).unwrap()
    }
}
