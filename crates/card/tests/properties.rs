//! Property tests: whatever bytes come in (APDUs, TLV, card files), nothing panics, and
//! what the parsers accept is what was meant.

mod common;

use std::cell::RefCell;

use common::*;
use jeton_card::state::CardState;
use jeton_card::vault::DeviceKey;
use jeton_card::Command;
use jeton_wire::tlv;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// An APDU that is often well framed: a known class and instruction, lengths that fit.
fn plausible_apdu() -> impl Strategy<Value = Vec<u8>> {
    let cla = prop::sample::select(vec![0x00u8, 0x00, 0x00, 0x00, 0x10, 0x80, 0x0C]);
    let ins = prop::sample::select(vec![
        0x20u8, 0x24, 0x2C, 0x47, 0x87, 0xA4, 0xC0, 0xCB, 0xDB, 0xF7, 0xF8, 0xFB, 0xFD, 0xFE, 0xFF,
        0x00,
    ]);
    let p = prop::sample::select(vec![
        0x00u8, 0x3F, 0xFF, 0x80, 0x81, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x03, 0x11, 0x07,
    ]);
    let data = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        // Data that starts like a PIV template: 7C, 5C, AC or 53.
        (
            prop::sample::select(vec![0x7Cu8, 0x5C, 0xAC, 0x53]),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(tag, value)| tlv(u32::from(tag), &value)),
    ];
    (
        cla,
        ins,
        p.clone(),
        p,
        data,
        prop::option::of(any::<u8>()),
        any::<bool>(),
    )
        .prop_map(|(cla, ins, p1, p2, data, le, extended)| {
            let mut out = vec![cla, ins, p1, p2];
            match (data.is_empty(), extended) {
                (true, false) => out.extend(le),
                (true, true) => out.extend(le.map(|le| [0, 0, le]).into_iter().flatten()),
                (false, false) => {
                    out.push(data.len().min(255) as u8);
                    out.extend_from_slice(&data[..data.len().min(255)]);
                    out.extend(le);
                }
                (false, true) => {
                    out.push(0);
                    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
                    out.extend_from_slice(&data);
                    out.extend(le.map(|le| [0, le]).into_iter().flatten());
                }
            }
            out
        })
}

fn any_apdu() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![1 => prop::collection::vec(any::<u8>(), 0..64), 4 => plausible_apdu()]
}

proptest! {
    #[test]
    fn command_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = Command::parse(&bytes);
    }

    #[test]
    fn command_parse_reads_back_what_was_framed(
        header in any::<[u8; 4]>(),
        data in prop::collection::vec(any::<u8>(), 0..600),
        le in prop::option::of(1usize..=65536),
    ) {
        let extended = data.len() > 255 || le.is_some_and(|le| le > 256);
        let mut bytes = header.to_vec();
        if extended {
            if !data.is_empty() {
                bytes.push(0);
                bytes.extend_from_slice(&(data.len() as u16).to_be_bytes());
                bytes.extend_from_slice(&data);
            }
            if let Some(le) = le {
                if data.is_empty() {
                    bytes.push(0);
                }
                bytes.extend_from_slice(&((le % 65536) as u16).to_be_bytes());
            }
        } else {
            if !data.is_empty() {
                bytes.push(data.len() as u8);
                bytes.extend_from_slice(&data);
            }
            if let Some(le) = le {
                bytes.push((le % 256) as u8);
            }
        }
        let command = Command::parse(&bytes).unwrap();
        prop_assert_eq!([command.cla, command.ins, command.p1, command.p2], header);
        prop_assert_eq!(command.data, data);
        prop_assert_eq!(command.le, le);
        prop_assert_eq!(command.extended, extended && (le.is_some() || !bytes[4..].is_empty()));
    }

    #[test]
    fn tlv_parse_all_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(items) = tlv::parse_all(&bytes) {
            let total: usize = items.iter().map(|item| item.value.len()).sum();
            prop_assert!(total <= bytes.len());
        }
    }

    #[test]
    fn tlv_reads_back_what_was_written(
        items in prop::collection::vec(
            (prop::sample::select(vec![0x53u32, 0x7C, 0x80, 0x5FC105, 0x7F49, 0x5F2F]), prop::collection::vec(any::<u8>(), 0..400)),
            0..5,
        ),
    ) {
        let bytes: Vec<u8> = items.iter().flat_map(|(tag, value)| tlv::encode(*tag, value)).collect();
        let read = tlv::parse_all(&bytes).unwrap();
        prop_assert_eq!(read.len(), items.len());
        for (item, (tag, value)) in read.iter().zip(&items) {
            prop_assert_eq!(item.tag, *tag);
            prop_assert_eq!(item.value, &value[..]);
        }
    }

    #[test]
    fn card_state_decode_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let device = DeviceKey::from_bytes([7; 32]);
        let _ = CardState::decode(&bytes, &device);
        let _ = CardState::decode(&[b"JETONPIV".as_slice(), &bytes].concat(), &device);
    }
}

/// Files that pass the magic and the authenticator (format 3) or the checksum (formats 1
/// and 2), so that the record parser itself is fed arbitrary records.
fn with_checksum(content: Vec<u8>, device: &DeviceKey) -> Vec<u8> {
    if content
        .get(8..10)
        .is_some_and(|version| version < &[0, 3][..])
    {
        let checksum = openssl::sha::sha256(&content);
        return [content, checksum.to_vec()].concat();
    }
    jeton_card::state::authenticated(&content, device).unwrap()
}

#[test]
fn card_state_decode_never_panics_on_damaged_records_with_a_valid_checksum() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9A, P256);
    admin(&mut t.card);
    assert_eq!(put_object(&mut t.card, CERT_9A, &[1, 2, 3]), SW_OK);
    let valid = std::fs::read(t.file()).unwrap();
    let content = valid[..valid.len() - 32].to_vec();
    let device = t.cards.device_key().unwrap();
    assert!(CardState::decode(&valid, &device).is_ok());

    let strategy = (
        prop::collection::vec((10..content.len(), any::<u8>()), 1..6),
        prop::option::of(10..content.len()),
        prop::collection::vec(any::<u8>(), 0..40),
    );
    let mut runner = TestRunner::new(Config {
        cases: 1000,
        ..Config::default()
    });
    runner
        .run(&strategy, |(changes, cut, tail)| {
            let mut damaged = content.clone();
            for (position, value) in changes {
                damaged[position] = value;
            }
            if let Some(cut) = cut {
                damaged.truncate(cut);
            }
            damaged.extend_from_slice(&tail);
            let _ = CardState::decode(&with_checksum(damaged, &device), &device);
            Ok(())
        })
        .unwrap();

    let records =
        prop::collection::vec((1u8..14, prop::collection::vec(any::<u8>(), 0..50)), 0..20);
    runner
        .run(&records, |records| {
            for version in [1u8, 2, 3] {
                let mut content = b"JETONPIV\x00".to_vec();
                content.push(version);
                for (tag, value) in &records {
                    content.push(*tag);
                    content.extend_from_slice(&(value.len() as u32).to_be_bytes());
                    content.extend_from_slice(value);
                }
                let _ = CardState::decode(&with_checksum(content, &device), &device);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn card_state_round_trips_through_its_encoding() {
    let mut t = TestCard::factory();
    generated(&mut t.card, 0x9C, RSA2048);
    let bytes = std::fs::read(t.file()).unwrap();
    let device = t.cards.device_key().unwrap();
    let state = CardState::decode(&bytes, &device).unwrap();
    assert_eq!(state.encode(&device).unwrap(), bytes);
}

/// Hundreds of random command sequences on one card: every answer is a status word (never
/// 6F00, which is how the card reports a panic it caught), and PIV still answers SELECT.
#[test]
fn transmit_answers_anything_with_a_status_word_and_keeps_working() {
    let mut personalisation = jeton_card::Personalisation::factory(77);
    personalisation.pin_tries = 15;
    personalisation.puk_tries = 15;
    let t = RefCell::new(TestCard::with(personalisation));
    {
        let card = &mut t.borrow_mut().card;
        generated(card, 0x9A, P256);
        generated(card, 0x9E, RSA2048);
        card.power_cycle();
    }
    let mut runner = TestRunner::new(Config {
        cases: 400,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(any_apdu(), 1..5), |apdus| {
            let card = &mut t.borrow_mut().card;
            for bytes in &apdus {
                let response = card.transmit(bytes).expect("the card's storage works");
                prop_assert!(response.len() >= 2, "no status word for {}", to_hex(bytes));
                let sw = u16::from_be_bytes([
                    response[response.len() - 2],
                    response[response.len() - 1],
                ]);
                prop_assert_ne!(sw, 0x6F00, "internal error for {}", to_hex(bytes));
                prop_assert!(matches!(
                    sw >> 8,
                    0x61 | 0x63 | 0x67 | 0x68 | 0x69 | 0x6A | 0x6D | 0x6E | 0x90
                ));
            }
            // A random chain may still be open: its end (6883) closes it.
            let select = hex("00 A4 04 00 05 A0 00 00 03 08");
            let mut sw = send(card, &select).sw;
            if sw == 0x6883 {
                sw = send(card, &select).sw;
            }
            prop_assert_eq!(sw, SW_OK);
            Ok(())
        })
        .unwrap();
    let card = &mut t.borrow_mut().card;
    assert_eq!(sw(card, "00 A4 04 00 05 A0 00 00 03 08"), SW_OK);
    assert_eq!(send_hex(card, "00 F8 00 00 00").ok(), 77u32.to_be_bytes());
}
