//! The YubiKey extensions that let Yubico's tools manage the card, at the APDU level:
//! SET PIN RETRIES (FA) and ATTEST (F9) with the attestation certificate in 5FFF01.

mod common;

use common::*;
use openssl::asn1::Asn1Object;
use openssl::x509::X509;

const ATTESTATION_CERTIFICATE: u32 = 0x5FFF01;

fn set_pin_retries(card: &mut jeton_card::Card, pin_tries: u8, puk_tries: u8) -> u16 {
    send(card, &[0x00, 0xFA, pin_tries, puk_tries]).sw
}

fn attest(card: &mut jeton_card::Card, slot: u8) -> Response {
    exchange(card, &[0x00, 0xF9, slot, 0x00, 0x00])
}

/// The certificate inside a `53 { 70 cert 71 00 FE }` object.
fn certificate_in(object: &[u8]) -> X509 {
    X509::from_der(&find(&find(object, 0x53), 0x70)).expect("a DER certificate")
}

fn attestation_certificate(card: &mut jeton_card::Card) -> X509 {
    certificate_in(&get_object(card, ATTESTATION_CERTIFICATE).ok())
}

/// The DER value of the extension with `oid`, if the certificate has it.
fn extension_value(certificate: &X509, oid: &str) -> Option<Vec<u8>> {
    // The openssl crate has no getter for unknown extensions: find the OID's DER in the
    // certificate and read the OCTET STRING after it.
    let oid = Asn1Object::from_str(oid).unwrap();
    let der = certificate.to_der().unwrap();
    let oid_der = [&[0x06, oid.as_slice().len() as u8][..], oid.as_slice()].concat();
    let at = der.windows(oid_der.len()).position(|w| w == oid_der)? + oid_der.len();
    let (octets, _) = jeton_wire::tlv::parse_one(&der[at..]).ok()?;
    (octets.tag == 0x04).then(|| octets.value.to_vec())
}

#[test]
fn set_pin_retries_needs_the_management_key_and_the_pin() {
    let mut t = TestCard::factory();
    assert_eq!(set_pin_retries(&mut t.card, 5, 4), 0x6982, "nothing given");
    admin(&mut t.card);
    assert_eq!(set_pin_retries(&mut t.card, 5, 4), 0x6982, "no PIN");
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (3, 3));
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(
        set_pin_retries(&mut t.card, 5, 4),
        0x6982,
        "no management key"
    );
}

#[test]
fn set_pin_retries_sets_the_counts_and_restores_the_factory_pin_and_puk() {
    let mut t = TestCard::factory();
    assert_eq!(change_reference(&mut t.card, 0x80, PIN, "Jeton2fa"), SW_OK);
    assert_eq!(change_reference(&mut t.card, 0x81, PUK, "87654321"), SW_OK);
    admin(&mut t.card);
    assert_eq!(verify(&mut t.card, "Jeton2fa"), SW_OK);
    assert_eq!(set_pin_retries(&mut t.card, 5, 4), SW_OK);
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (5, 5));
    assert_eq!(tries_and_default(&mut t.card, 0x81), ((4, 4), 1));
    // The session forgot the PIN it had verified, and the old PIN is gone.
    assert_eq!(pin_status(&mut t.card), 0x63C5);
    assert_eq!(verify(&mut t.card, "Jeton2fa"), 0x63C4);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    // The factory PUK unblocks, and both counters keep their new maximum.
    assert_eq!(
        reset_retry_counter(&mut t.card, "87654321", "111111"),
        0x63C3
    );
    assert_eq!(reset_retry_counter(&mut t.card, PUK, "111111"), SW_OK);
    assert_eq!(tries_and_default(&mut t.card, 0x81).0, (4, 4));
    // And it lasts: the same card, opened again.
    let mut again = t.reopen();
    assert_eq!(tries_and_default(&mut again, 0x80).0, (5, 5));
    assert_eq!(verify(&mut again, "111111"), SW_OK);
}

#[test]
fn set_pin_retries_keeps_to_what_63cx_can_count() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    for (pin_tries, puk_tries) in [(0, 3), (3, 0), (16, 3), (3, 16), (255, 255)] {
        assert_eq!(
            set_pin_retries(&mut t.card, pin_tries, puk_tries),
            0x6A86,
            "{pin_tries}/{puk_tries}"
        );
    }
    assert_eq!(set_pin_retries(&mut t.card, 15, 15), SW_OK);
    assert_eq!(tries_and_default(&mut t.card, 0x80).0, (15, 15));
}

#[test]
fn the_attestation_certificate_is_readable_by_anyone_and_self_signed() {
    let mut t = TestCard::factory();
    let certificate = attestation_certificate(&mut t.card);
    let key = certificate.public_key().unwrap();
    assert!(certificate.verify(&key).unwrap());
    let subject = format!("{:?}", certificate.subject_name());
    assert!(subject.contains("Jeton PIV Attestation"), "{subject}");
}

#[test]
fn attest_proves_a_key_was_generated_on_the_card() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let public = generated(&mut t.card, 0x9C, P256);
    let attestation = X509::from_der(&attest(&mut t.card, 0x9C).ok()).expect("DER");
    let issuer = attestation_certificate(&mut t.card);
    assert!(attestation.public_key().unwrap().public_eq(&public));
    assert!(attestation.verify(&issuer.public_key().unwrap()).unwrap());
    assert_eq!(
        format!("{:?}", attestation.issuer_name()),
        format!("{:?}", issuer.subject_name())
    );
    // Yubico's extensions: firmware 5.7.0, the serial, PIN "always" (03) and no touch (01).
    let firmware = extension_value(&attestation, "1.3.6.1.4.1.41482.3.3").unwrap();
    assert_eq!(firmware, jeton_card::VERSION);
    let serial = extension_value(&attestation, "1.3.6.1.4.1.41482.3.7").unwrap();
    assert_eq!(serial, tlv(0x02, &hex("00 98 96 81")), "10000001");
    let policy = extension_value(&attestation, "1.3.6.1.4.1.41482.3.8").unwrap();
    assert_eq!(policy, [0x03, 0x01]);
}

#[test]
fn attest_works_for_rsa_keys_and_needs_no_pin() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let public = generated(&mut t.card, 0x9A, RSA2048);
    let fresh = &mut t.reopen();
    let attestation = X509::from_der(&attest(fresh, 0x9A).ok()).unwrap();
    assert!(attestation.public_key().unwrap().public_eq(&public));
    let policy = extension_value(&attestation, "1.3.6.1.4.1.41482.3.8").unwrap();
    assert_eq!(policy, [0x02, 0x01], "9A: PIN once");
}

#[test]
fn attest_refuses_imported_keys_and_empty_slots() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let scalar = hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let import = apdu([0x00, 0xFE, P256, 0x9A], &tlv(0x06, &scalar));
    assert_eq!(send(&mut t.card, &import).sw, SW_OK);
    assert_eq!(attest(&mut t.card, 0x9A).sw, 0x6A80, "imported");
    assert_eq!(attest(&mut t.card, 0x9D).sw, 0x6A88, "empty");
    assert_eq!(attest(&mut t.card, 0x9B).sw, 0x6A86, "not a key slot");
    assert_eq!(send_hex(&mut t.card, "00 F9 9A 01 00").sw, 0x6A86);
}

#[test]
fn reset_makes_a_new_attestation_key() {
    let mut t = TestCard::factory();
    let before = attestation_certificate(&mut t.card).to_der().unwrap();
    for _ in 0..3 {
        verify(&mut t.card, "000000");
        reset_retry_counter(&mut t.card, "00000000", "111111");
    }
    assert_eq!(send_hex(&mut t.card, "00 FB 00 00").sw, SW_OK);
    let after = attestation_certificate(&mut t.card).to_der().unwrap();
    assert_ne!(before, after);
    admin(&mut t.card);
    generated(&mut t.card, 0x9C, P384);
    let attestation = X509::from_der(&attest(&mut t.card, 0x9C).ok()).unwrap();
    let issuer = attestation_certificate(&mut t.card);
    assert!(attestation.verify(&issuer.public_key().unwrap()).unwrap());
}

#[test]
fn attest_without_an_attestation_key_answers_reference_data_not_found() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, P256);
    let device = t.cards.device_key().unwrap();
    let mut state =
        jeton_card::state::CardState::decode(&std::fs::read(t.file()).unwrap(), &device)
            .expect("the card file");
    state.attestation_sealed = None;
    std::fs::write(t.file(), state.encode(&device).unwrap()).unwrap();
    let card = &mut t.reopen();
    assert_eq!(attest(card, 0x9A).sw, 0x6A88, "no key in F9");
}

#[test]
fn yubico_admin_data_is_stored_like_any_object() {
    // ykman's `access change-management-key --protect` writes it (5FFF00) after setting the
    // new key: refused, the card was left with a random management key no one knew.
    let mut t = TestCard::factory();
    let pivman = hex("80 03 81 01 02");
    assert_eq!(
        put_object(&mut t.card, 0x5FFF00, &pivman),
        0x6982,
        "admin only"
    );
    admin(&mut t.card);
    assert_eq!(put_object(&mut t.card, 0x5FFF00, &pivman), SW_OK);
    assert_eq!(put_object(&mut t.card, 0x5FFF10, &[0x01; 100]), SW_OK);
    let mut reopened = t.reopen();
    let object = get_object(&mut reopened, 0x5FFF00).ok();
    assert_eq!(
        find(&object, 0x53),
        pivman,
        "read without the PIN, as ykman does"
    );
}

fn move_key(card: &mut jeton_card::Card, to: u8, from: u8) -> u16 {
    send(card, &[0x00, 0xF6, to, from]).sw
}

#[test]
fn delete_key_removes_the_key_and_keeps_the_certificate() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, P256);
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9A, &certificate_object(300, 1)),
        SW_OK
    );
    let mut fresh = t.reopen();
    assert_eq!(
        move_key(&mut fresh, 0xFF, 0x9A),
        0x6982,
        "management key first"
    );
    assert_eq!(move_key(&mut t.card, 0xFF, 0x9A), SW_OK);
    assert_eq!(sw(&mut t.card, "00 F7 00 9A"), 0x6A88, "the key is gone");
    assert_eq!(
        get_object(&mut t.card, CERT_9A).sw,
        SW_OK,
        "not its certificate"
    );
    assert_eq!(
        move_key(&mut t.card, 0xFF, 0x9A),
        0x6A88,
        "nothing left to delete"
    );
    assert_eq!(sw(&mut t.reopen(), "00 F7 00 9A"), 0x6A88, "durably");
}

#[test]
fn keys_do_not_move_between_slots() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9C, P256);
    admin(&mut t.card);
    assert_eq!(move_key(&mut t.card, 0x9A, 0x9C), 0x6A81);
    assert_eq!(move_key(&mut t.card, 0x9B, 0x9C), 0x6A86, "no such slot");
    assert_eq!(sw(&mut t.card, "00 F7 00 9C"), SW_OK, "still in 9C");
}
