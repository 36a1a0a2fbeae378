//! ISO 7816-4 framing and the PIV data objects, at the APDU level: SELECT, GET DATA,
//! PUT DATA, partial reads, GET RESPONSE, extended length, chaining, and the status words
//! of malformed commands.

mod common;

use common::*;

const PIV_AID: &str = "A0 00 00 03 08 00 00 10 00 01 00";

fn select(card: &mut jeton_card::Card, aid: &str) -> Response {
    let aid = hex(aid);
    exchange(card, &apdu([0x00, 0xA4, 0x04, 0x00], &aid))
}

/// The algorithm identifiers listed in the APT's `AC` template.
fn advertised_algorithms(apt: &[u8]) -> Vec<u8> {
    let template = find(&find(apt, 0x61), 0xAC);
    let items = jeton_wire::tlv::parse_all(&template).unwrap();
    items
        .iter()
        .filter(|item| item.tag == 0x80)
        .map(|item| item.value[0])
        .collect()
}

#[test]
fn select_with_the_full_aid_answers_the_application_property_template() {
    let mut t = TestCard::factory();
    let apt = select(&mut t.card, PIV_AID).ok();
    let template = find(&apt, 0x61);
    assert_eq!(find(&template, 0x4F), hex("00 00 10 00 01 00"), "PIX");
    assert_eq!(
        find(&find(&template, 0x79), 0x4F),
        hex("A0 00 00 03 08"),
        "coexistent tag allocation authority"
    );
    let algorithms = advertised_algorithms(&apt);
    for expected in [
        0x03, 0x08, 0x0A, 0x0C, RSA2048, RSA3072, RSA4096, P256, P384,
    ] {
        assert!(
            algorithms.contains(&expected),
            "algorithm {expected:02X} not advertised"
        );
    }
    // Secure-messaging suites would make OpenSC try SM, which the card does not do.
    assert!(!algorithms.contains(&0x27) && !algorithms.contains(&0x2E));
    let label = find(&template, 0x50);
    assert!(
        !label.starts_with(b"PivApplet v"),
        "OpenSC would apply PivApplet quirks"
    );
}

#[test]
fn select_with_a_truncated_aid_answers_like_the_full_one() {
    let mut t = TestCard::factory();
    let full = select(&mut t.card, PIV_AID).ok();
    // yubico-piv-tool sends the 5-byte RID+PIX start without Le; Windows sends 9 bytes.
    assert_eq!(
        send_hex(&mut t.card, "00 A4 04 00 05 A0 00 00 03 08").ok(),
        full
    );
    assert_eq!(select(&mut t.card, "A0 00 00 03 08 00 00 10 00").ok(), full);
    assert_eq!(
        sw(&mut t.card, "00 A4 04 00 04 A0 00 00 03"),
        0x6A82,
        "4 bytes are not the PIV AID"
    );
}

#[test]
fn selecting_another_application_answers_6a82_and_keeps_piv_selected() {
    let mut t = TestCard::factory();
    select(&mut t.card, PIV_AID).ok();
    // The probes of OpenSC's other drivers and yubico-piv-tool's OTP applet.
    for other in [
        "62 76 01 FF 00 00 00",
        "A0 00 00 00 01 01",
        "A0 00 00 05 27 20 01 01",
        "A0 00 00 03 09 00 00 10 00",
    ] {
        assert_eq!(select(&mut t.card, other).sw, 0x6A82, "SELECT {other}");
    }
    assert_eq!(
        sw(
            &mut t.card,
            "00 A4 04 0C 0F D2 33 00 00 00 45 73 74 45 49 44 20 76 33 35"
        ),
        0x6A82
    );
    let discovery = send_hex(&mut t.card, "00 CB 3F FF 03 5C 01 7E 00").ok();
    assert_eq!(
        discovery[0], 0x7E,
        "PIV answers GET DATA after the failed SELECTs"
    );
    assert_eq!(pin_status(&mut t.card), 0x63C3);
}

/// Replays the commands real OpenSC and yubico-piv-tool sent to a PIV card, and expects the
/// same answers byte for byte (research/piv-pcsc-traces.txt).
#[test]
fn recorded_opensc_and_yubico_traces_get_the_recorded_answers() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let trace = include_str!("traces/opensc_and_yubico.trace");
    let mut lines = trace
        .lines()
        .filter(|line| line.starts_with('>') || line.starts_with('<'));
    let mut step = 0;
    while let Some(command) = lines.next() {
        let expected = lines.next().expect("each command has an answer");
        assert!(command.starts_with('>') && expected.starts_with('<'));
        let answer = t.card.transmit(&hex(&command[1..])).unwrap();
        assert_eq!(
            to_hex(&answer),
            to_hex(&hex(&expected[1..])),
            "step {step}: {command}"
        );
        step += 1;
    }
    assert!(step > 30);
    // The last two steps changed the PIN to 654321 and then set 123456 with the PUK.
    assert_eq!(verify(&mut t.card, "123456"), SW_OK);
}

#[test]
fn discovery_object_names_piv_and_the_pin_only_policy() {
    let mut t = TestCard::factory();
    let discovery = send_hex(&mut t.card, "00 CB 3F FF 03 5C 01 7E 00").ok();
    assert_eq!(
        discovery,
        hex("7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00")
    );
}

#[test]
fn chuid_uses_agency_9999_and_a_guid_carrying_the_serial() {
    let mut t = TestCard::factory();
    let chuid = find(&get_object(&mut t.card, CHUID).ok(), 0x53);
    assert_eq!(
        find(&chuid, 0x30)[..4],
        hex("D4 E7 39 DA")[..],
        "FASC-N agency 9999"
    );
    let guid = find(&chuid, 0x34);
    assert_eq!(guid.len(), 16);
    assert_eq!(guid[..4], t.serial.to_be_bytes());
    assert_eq!(find(&chuid, 0x35), b"20991231");
}

#[test]
fn ccc_has_an_empty_f3_so_opensc_sees_no_cac() {
    let mut t = TestCard::factory();
    let ccc = find(&get_object(&mut t.card, CCC).ok(), 0x53);
    assert_eq!(find(&ccc, 0xF0)[..5], hex("A0 00 00 01 16")[..]);
    assert_eq!(find(&ccc, 0xF3), Vec::<u8>::new());
}

#[test]
fn absent_objects_answer_6a82() {
    let mut t = TestCard::factory();
    for tag in [CERT_9A, CERT_9C, CERT_9D, CERT_9E, KEY_HISTORY, 0x5FC10D] {
        assert_eq!(get_object(&mut t.card, tag).sw, 0x6A82, "tag {tag:X}");
    }
    assert_eq!(
        get_object(&mut t.card, 0x5FFF42).sw,
        0x6A82,
        "not a PIV object"
    );
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(get_object(&mut t.card, PRINTED_INFORMATION).sw, 0x6A82);
}

/// Without the PIN, GET DATA of a PIN-protected object says only "security status not
/// satisfied": whether it exists is not told before the PIN is verified.
#[test]
fn a_protected_object_answers_6982_without_the_pin_whether_it_exists_or_not() {
    let mut t = TestCard::factory();
    // Fingerprints, printed information, facial image, iris images, pairing code.
    let protected = [0x5FC103, PRINTED_INFORMATION, 0x5FC108, 0x5FC121, 0x5FC123];
    let absent: Vec<u16> = protected
        .iter()
        .map(|tag| get_object(&mut t.card, *tag).sw)
        .collect();
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, PRINTED_INFORMATION, &hex("01 01 41")),
        SW_OK
    );
    let present = get_object(&mut t.card, PRINTED_INFORMATION).sw;
    assert_eq!(present, 0x6982);
    for (tag, sw) in protected.iter().zip(absent) {
        assert_eq!(sw, present, "absent {tag:X} answers like a present one");
    }
}

#[test]
fn printed_information_needs_the_pin() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, PRINTED_INFORMATION, &hex("01 04 4A 6F 68 6E")),
        SW_OK
    );
    assert_eq!(get_object(&mut t.card, PRINTED_INFORMATION).sw, 0x6982);
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(
        get_object(&mut t.card, PRINTED_INFORMATION).ok(),
        hex("53 06 01 04 4A 6F 68 6E")
    );
    assert_eq!(sw(&mut t.card, "00 20 FF 80"), SW_OK);
    assert_eq!(
        get_object(&mut t.card, PRINTED_INFORMATION).sw,
        0x6982,
        "P1=FF forgot the PIN"
    );
}

#[test]
fn short_le_returns_the_first_bytes_and_61xx_for_the_rest() {
    let mut t = TestCard::factory();
    // OpenSC reads 8 bytes first to learn the size (trace vector).
    let head = send_hex(&mut t.card, "00 CB 3F FF 03 5C 01 7E 08");
    assert_eq!(head.data, hex("7E 12 4F 0B A0 00 00 03"));
    assert_eq!(head.sw, 0x610C, "12 bytes remain");
    let rest = send_hex(&mut t.card, "00 C0 00 00 0C").ok();
    assert_eq!(rest, hex("08 00 00 10 00 01 00 5F 2F 02 40 00"));
    // GET RESPONSE with a smaller Le leaves the remainder for the next one.
    send_hex(&mut t.card, "00 CB 3F FF 03 5C 01 7E 08");
    let part = send_hex(&mut t.card, "00 C0 00 00 05");
    assert_eq!((part.data, part.sw), (hex("08 00 00 10 00"), 0x6107));
    assert_eq!(
        send_hex(&mut t.card, "00 C0 00 00 07").ok(),
        hex("01 00 5F 2F 02 40 00")
    );
    assert_eq!(
        sw(&mut t.card, "00 C0 00 00 00"),
        0x6985,
        "nothing left to get"
    );
}

#[test]
fn long_objects_come_back_in_256_byte_chunks() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let value = certificate_object(1500, 0x5A);
    assert_eq!(put_object(&mut t.card, CERT_9A, &value), SW_OK);
    let first = send_hex(&mut t.card, "00 CB 3F FF 05 5C 03 5F C1 05 00");
    assert_eq!(first.data.len(), 256);
    assert_eq!(first.sw, 0x6100, "more than 256 bytes remain");
    let mut whole = first.data;
    let mut chunks = 1;
    loop {
        let next = send_hex(&mut t.card, "00 C0 00 00 00");
        whole.extend_from_slice(&next.data);
        chunks += 1;
        match next.sw {
            0x9000 => break,
            sw if sw >> 8 == 0x61 => assert_eq!(next.data.len(), 256),
            sw => panic!("GET RESPONSE answered {sw:04X}"),
        }
    }
    assert_eq!(whole, tlv(0x53, &value));
    assert_eq!(chunks, whole.len().div_ceil(256));
}

#[test]
fn get_data_without_le_is_answered_as_if_le_were_256() {
    let mut t = TestCard::factory();
    // yubico-piv-tool's case-3 GET DATA of the CHUID.
    let chuid = send_hex(&mut t.card, "00 CB 3F FF 05 5C 03 5F C1 02").ok();
    assert_eq!(chuid, get_object(&mut t.card, CHUID).ok());
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9C, &certificate_object(600, 1)),
        SW_OK
    );
    let first = send_hex(&mut t.card, "00 CB 3F FF 05 5C 03 5F C1 0A");
    assert_eq!((first.data.len(), first.sw), (256, 0x6100));
}

#[test]
fn extended_le_returns_a_long_object_at_once() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let value = certificate_object(1500, 0xA5);
    assert_eq!(put_object(&mut t.card, CERT_9A, &value), SW_OK);
    let whole = send_hex(&mut t.card, "00 CB 3F FF 00 00 05 5C 03 5F C1 05 00 00").ok();
    assert_eq!(whole, tlv(0x53, &value));
    // Extended Le smaller than the object: the first Le bytes and 61xx, as with short Le.
    let part = send_hex(&mut t.card, "00 CB 3F FF 00 00 05 5C 03 5F C1 05 01 00");
    assert_eq!(part.data.len(), 256);
    assert_eq!(part.sw >> 8, 0x61);
}

#[test]
fn put_data_needs_the_management_key() {
    let mut t = TestCard::factory();
    assert_eq!(
        put_object(&mut t.card, CERT_9A, &certificate_object(100, 0)),
        0x6982
    );
    assert_eq!(
        get_object(&mut t.card, CERT_9A).sw,
        0x6A82,
        "nothing was stored"
    );
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    assert_eq!(
        put_object(&mut t.card, CERT_9A, &certificate_object(100, 0)),
        0x6982,
        "the PIN is not enough"
    );
}

#[test]
fn chained_put_data_stores_a_certificate_of_one_and_a_half_kilobytes() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let value = certificate_object(1500, 0x33);
    assert!(value.len() > 5 * 255 / 4, "needs several links");
    assert_eq!(put_object(&mut t.card, CERT_9A, &value), SW_OK);
    assert_eq!(find(&get_object(&mut t.card, CERT_9A).ok(), 0x53), value);
    // And in one extended APDU.
    let other = certificate_object(1400, 0x44);
    let data = [tlv(0x5C, &hex("5F C1 0B")), tlv(0x53, &other)].concat();
    assert_eq!(
        send(&mut t.card, &extended_apdu([0x00, 0xDB, 0x3F, 0xFF], &data)).sw,
        SW_OK
    );
    assert_eq!(find(&get_object(&mut t.card, CERT_9D).ok(), 0x53), other);
}

#[test]
fn empty_53_deletes_the_object() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9E, &certificate_object(300, 7)),
        SW_OK
    );
    assert_eq!(get_object(&mut t.card, CERT_9E).sw, SW_OK);
    // yubico-piv-tool delete-certificate.
    assert_eq!(
        sw(&mut t.card, "00 DB 3F FF 07 5C 03 5F C1 01 53 00"),
        SW_OK
    );
    assert_eq!(get_object(&mut t.card, CERT_9E).sw, 0x6A82);
}

#[test]
fn objects_over_3072_bytes_answer_6a84() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(
        put_object(&mut t.card, CERT_9A, &vec![0x42; 3072]),
        SW_OK,
        "3072 bytes fit"
    );
    assert_eq!(put_object(&mut t.card, CERT_9C, &vec![0x42; 3073]), 0x6A84);
    assert_eq!(get_object(&mut t.card, CERT_9C).sw, 0x6A82);
}

#[test]
fn put_data_of_something_that_is_no_piv_object_is_refused() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    assert_eq!(put_object(&mut t.card, 0x5FFF42, &[1, 2, 3]), 0x6A80);
    assert_eq!(
        sw(&mut t.card, "00 DB 3F FF 05 5C 01 7E 53 00"),
        0x6A80,
        "discovery is fixed"
    );
    assert_eq!(
        sw(&mut t.card, "00 DB 3F FF 07 5C 03 5F C1 05 54 00"),
        0x6A80,
        "value not in 53"
    );
}

#[test]
fn unknown_instruction_answers_6d00() {
    let mut t = TestCard::factory();
    assert_eq!(sw(&mut t.card, "00 CA DF 30 05"), 0x6D00);
    assert_eq!(sw(&mut t.card, "00 B0 00 00 00"), 0x6D00);
}

#[test]
fn proprietary_class_answers_6e00() {
    let mut t = TestCard::factory();
    assert_eq!(sw(&mut t.card, "80 CB 3F FF 03 5C 01 7E 00"), 0x6E00);
    assert_eq!(
        sw(&mut t.card, "84 20 00 80 08 31 32 33 34 35 36 FF FF"),
        0x6E00
    );
    assert_eq!(
        pin_tries_left(&mut t.card),
        3,
        "the VERIFY under CLA 84 cost nothing"
    );
}

#[test]
fn malformed_lengths_answer_6700() {
    let mut t = TestCard::factory();
    for bad in [
        "00",
        "00 A4 04",
        "00 CB 3F FF 05 5C 01 7E",       // Lc says 5, 3 bytes follow
        "00 CB 3F FF 03 5C 01 7E 00 00", // two bytes after the data
        "00 CB 3F FF 00 00 05 5C 01 7E", // extended Lc longer than the data
        "00 CB 3F FF 00 00 00 5C",       // extended Lc of zero
        "00 20 00 80 00 01",             // neither short nor extended
    ] {
        assert_eq!(sw(&mut t.card, bad), 0x6700, "{bad}");
    }
    assert_eq!(
        sw(&mut t.card, "00 20 00 80"),
        0x63C3,
        "the card still answers"
    );
}

#[test]
fn a_chain_interrupted_by_another_command_answers_6883() {
    let mut t = TestCard::factory();
    admin(&mut t.card);
    let data = [
        tlv(0x5C, &hex("5F C1 05")),
        tlv(0x53, &certificate_object(400, 9)),
    ]
    .concat();
    let mut first = vec![0x10, 0xDB, 0x3F, 0xFF, 0xFF];
    first.extend_from_slice(&data[..255]);
    assert_eq!(send(&mut t.card, &first).sw, SW_OK);
    assert_eq!(sw(&mut t.card, "00 CB 3F FF 03 5C 01 7E 00"), 0x6883);
    // The broken chain is gone: its tail alone is no valid PUT DATA.
    let mut tail = vec![0x00, 0xDB, 0x3F, 0xFF, (data.len() - 255) as u8];
    tail.extend_from_slice(&data[255..]);
    assert_ne!(send(&mut t.card, &tail).sw, SW_OK);
    assert_eq!(get_object(&mut t.card, CERT_9A).sw, 0x6A82);
}

#[test]
fn get_serial_and_get_version_answer_like_a_yubikey() {
    let mut t = TestCard::factory();
    assert_eq!(
        send_hex(&mut t.card, "00 F8 00 00 00").ok(),
        t.serial.to_be_bytes()
    );
    assert_eq!(
        send_hex(&mut t.card, "00 FD 00 00 00").ok(),
        jeton_card::VERSION
    );
}

#[test]
fn power_cycle_drops_a_pending_response_and_the_security_status() {
    let mut t = TestCard::factory();
    assert_eq!(verify(&mut t.card, PIN), SW_OK);
    admin(&mut t.card);
    assert_eq!(
        send_hex(&mut t.card, "00 CB 3F FF 03 5C 01 7E 08").sw,
        0x610C
    );
    t.card.power_cycle();
    assert_eq!(sw(&mut t.card, "00 C0 00 00 0C"), 0x6985);
    assert_eq!(pin_status(&mut t.card), 0x63C3);
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1]), 0x6982);
}
