//! Replays of real OpenSC 0.23 / yubico-piv-tool 2.2 conversations with a PIV card
//! (`tests/data/piv-pcsc-traces.txt`, recorded through pcscd + vpcd): the client must send
//! the same bytes those tools sent, and understand what the card answered.

use openssl::ecdsa::EcdsaSig;
use openssl::x509::X509;

use crate::transport::{Transport, TransportError};
use crate::*;

const TRACES: &str = include_str!("../tests/data/piv-pcsc-traces.txt");

fn bytes(hex: &str) -> Vec<u8> {
    hex.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("trace byte"))
        .collect()
}

/// The exchanges of the trace section whose title starts with `title`.
fn section(title: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut lines = TRACES
        .lines()
        .skip_while(|l| !l.starts_with(&format!("### {title}")))
        .skip(1)
        .take_while(|l| !l.starts_with("###"));
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        if let Some(command) = line.strip_prefix("> ") {
            let response = lines
                .next()
                .and_then(|l| l.strip_prefix("< "))
                .expect("a response after each command");
            out.push((bytes(command), bytes(response)));
        }
    }
    assert!(!out.is_empty(), "no trace section {title:?}");
    out
}

/// A card that answers from a recorded conversation. The client may skip recorded commands
/// (other tools' probes) but must send the ones it sends in the recorded order and bytes,
/// except one recorded difference: yubico-piv-tool omits Le on GENERAL AUTHENTICATE and
/// GENERATE, which we send as case 4 with Le = 00, as OpenSC does.
struct Replay {
    exchanges: Vec<(Vec<u8>, Vec<u8>)>,
    next: usize,
}

impl Replay {
    fn of(title: &str) -> Replay {
        Replay {
            exchanges: section(title),
            next: 0,
        }
    }
}

fn same_command(ours: &[u8], recorded: &[u8]) -> bool {
    ours == recorded
        || (matches!(recorded.get(1), Some(0x87 | 0x47))
            && ours.len() == recorded.len() + 1
            && ours.starts_with(recorded)
            && ours.last() == Some(&0x00))
}

impl Transport for Replay {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let found = self.exchanges[self.next..]
            .iter()
            .position(|(recorded, _)| same_command(command, recorded));
        let Some(offset) = found else {
            panic!(
                "command not in the trace (after #{}): {command:02x?}",
                self.next
            );
        };
        self.next += offset + 1;
        Ok(self.exchanges[self.next - 1].1.clone())
    }
}

const SIGN: &str = "pkcs11-tool --login --pin 123456 --id 02 --sign";

#[test]
fn mutual_authentication_with_the_default_3des_key_matches_yubico_piv_tool() {
    // The host challenge is the one yubico-piv-tool drew in this recording.
    let mut piv = PivClient::new(Replay::of("yubico-piv-tool -s 9a -A ECCP256 -a generate"));
    let challenge = bytes("89 0b aa 31 32 58 a3 4e");
    piv.authenticate_with_challenge(&ManagementKey::factory_default(), &challenge)
        .unwrap();
}

#[test]
fn a_card_answering_with_the_wrong_cryptogram_is_not_trusted() {
    let mut piv = PivClient::new(Replay::of("yubico-piv-tool -s 9a -A ECCP256 -a generate"));
    // Same witness exchange, but a challenge the card's recorded answer does not encrypt.
    let mut replay = Replay::of("yubico-piv-tool -s 9a -A ECCP256 -a generate");
    let step2 = replay
        .exchanges
        .iter_mut()
        .find(|(c, _)| c.starts_with(&[0x00, 0x87, 0x03, 0x9B, 0x16]))
        .unwrap();
    step2.0[26] ^= 0x01;
    *piv.transport_mut() = replay;
    let mut challenge = bytes("89 0b aa 31 32 58 a3 4e");
    challenge[7] ^= 0x01;
    let result = piv.authenticate_with_challenge(&ManagementKey::factory_default(), &challenge);
    assert!(matches!(result, Err(Error::CardAuthenticationFailed)));
}

fn certificate_of(slot: KeySlot) -> X509 {
    let mut piv = PivClient::new(Replay::of(SIGN));
    X509::from_der(&piv.read_certificate(slot).unwrap()).unwrap()
}

#[test]
fn generate_returns_the_p256_key_that_the_certificate_was_issued_for() {
    let mut piv = PivClient::new(Replay::of("yubico-piv-tool -s 9a -A ECCP256 -a generate"));
    piv.authenticate_with_challenge(
        &ManagementKey::factory_default(),
        &bytes("89 0b aa 31 32 58 a3 4e"),
    )
    .unwrap();
    let key = piv
        .generate(KeySlot::AUTHENTICATION, KeyAlgorithm::EccP256)
        .unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EccP256);
    let certified = certificate_of(KeySlot::AUTHENTICATION)
        .public_key()
        .unwrap();
    assert_eq!(
        key.to_der().unwrap(),
        certified.public_key_to_der().unwrap()
    );
    assert!(key
        .to_pem()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
}

#[test]
fn a_long_certificate_is_read_through_get_response() {
    // 5FC105 answers 256 bytes + 61 AA, then GET RESPONSE AA.
    let common_name = |cert: X509| {
        let entry = cert.subject_name().entries().next().unwrap();
        String::from_utf8(entry.data().as_slice().to_vec()).unwrap()
    };
    assert_eq!(
        common_name(certificate_of(KeySlot::AUTHENTICATION)),
        "Jeton Test Auth"
    );
    assert_eq!(
        common_name(certificate_of(KeySlot::SIGNATURE)),
        "Jeton Test Signer"
    );
}

#[test]
fn importing_a_certificate_sends_the_same_chained_put_data_as_yubico_piv_tool() {
    let der = certificate_of(KeySlot::AUTHENTICATION).to_der().unwrap();
    let mut piv = PivClient::new(Replay::of("yubico-piv-tool -s 9a -a import-certificate"));
    piv.authenticate_with_challenge(
        &ManagementKey::factory_default(),
        &bytes("18 d1 8f 10 b3 81 f9 2c"),
    )
    .unwrap();
    piv.write_certificate(KeySlot::AUTHENTICATION, &der)
        .unwrap();
    assert_eq!(piv.transport().next, piv.transport().exchanges.len());
}

#[test]
fn signing_with_9c_sends_opensc_bytes_and_the_signature_verifies() {
    let mut piv = PivClient::new(Replay::of(SIGN));
    let certificate = X509::from_der(&piv.read_certificate(KeySlot::SIGNATURE).unwrap()).unwrap();
    assert_eq!(
        piv.pin_verification().unwrap(),
        PinVerification::NotVerified { tries_left: 3 }
    );
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let recorded = section(SIGN)
        .into_iter()
        .find(|(c, _)| c.starts_with(&[0x00, 0x87, 0x11, 0x9C]))
        .unwrap()
        .0;
    let digest = &recorded[11..43];
    piv.verify_pin(&Pin::factory_default()).unwrap();
    let der = piv
        .sign_raw(KeySlot::SIGNATURE, KeyAlgorithm::EccP256, digest)
        .unwrap();
    let key = certificate.public_key().unwrap().ec_key().unwrap();
    let signature = EcdsaSig::from_der(&der).unwrap();
    assert!(signature.verify(digest, &key).unwrap());
}

#[test]
fn the_discovery_object_is_read_with_le_00() {
    let mut piv = PivClient::new(Replay::of(SIGN));
    let discovery = piv.read_object(ObjectId::DISCOVERY).unwrap();
    assert_eq!(&discovery[..2], &[0x4F, 0x0B]);
    assert_eq!(&discovery[2..13], &PIV_AID);
}

#[test]
fn an_absent_certificate_is_not_found() {
    let mut piv = PivClient::new(Replay {
        exchanges: vec![(bytes("00 cb 3f ff 05 5c 03 5f c1 0b 00"), bytes("6a 82"))],
        next: 0,
    });
    assert!(matches!(
        piv.read_certificate(KeySlot::KEY_MANAGEMENT),
        Err(Error::NotFound)
    ));
}

#[test]
fn change_pin_and_unblock_send_the_bytes_opensc_sent() {
    let mut piv = PivClient::new(Replay::of("pkcs11-tool --change-pin"));
    assert_eq!(piv.pin_verification().unwrap(), PinVerification::Verified);
    piv.change_pin(&Pin::factory_default(), &Pin::new("654321").unwrap())
        .unwrap();

    let mut piv = PivClient::new(Replay::of("OPENSC_CONF(set_pin_in_unlogged_session)"));
    piv.unblock_pin(&Puk::factory_default(), &Pin::factory_default())
        .unwrap();
}

#[test]
fn a_generic_piv_card_without_yubico_extensions_says_so() {
    // yubico-piv-tool's GET VERSION got 6D00 from the generic test card.
    let mut piv = PivClient::new(Replay::of("yubico-piv-tool -s 9a -a import-certificate"));
    assert!(matches!(piv.version(), Err(Error::UnsupportedInstruction)));
}

#[test]
fn select_sends_the_full_aid_and_accepts_the_application_property_template() {
    let apt = section("yubico-piv-tool -s 9a -A ECCP256 -a generate")[0]
        .1
        .clone();
    let mut command = vec![0x00, 0xA4, 0x04, 0x00, 0x0B];
    command.extend_from_slice(&PIV_AID);
    command.push(0x00);
    let piv = PivClient::open(Replay {
        exchanges: vec![(command, apt)],
        next: 0,
    });
    assert!(piv.is_ok());
}
