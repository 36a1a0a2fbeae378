//! Two processes use one card at once for a few seconds: each VERIFYs (wrong, then
//! right), signs with 9A and 9C, and rewrites its own object. Every answer must be the one
//! a card used by that process alone would give, given the other's PIN tries; afterwards
//! the counters are consistent, no write was lost, and the file opens.
//!
//! The children are this test binary run again with `JETON_TWO_PROCESSES_CHILD` set.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use jeton_card::{CardDirectory, Personalisation};

const CHILD_ENV: &str = "JETON_TWO_PROCESSES_CHILD";
const SERIAL: u32 = 5151;
const TRIES: u8 = 15;
const RUN_FOR: Duration = Duration::from_secs(3);
/// Each child's own object: retired-key certificates 82 and 83.
const OBJECTS: [u32; 2] = [0x5FC10D, 0x5FC10E];

fn object_value(child: usize, round: u32) -> Vec<u8> {
    let mut value = vec![child as u8];
    value.extend_from_slice(&round.to_be_bytes());
    value.extend(std::iter::repeat_n(
        round as u8 ^ child as u8,
        300 + child * 100,
    ));
    value
}

fn public_key_of(
    card: &mut jeton_card::Card,
    slot: u8,
) -> openssl::pkey::PKey<openssl::pkey::Public> {
    let metadata = exchange(card, &[0x00, 0xF7, 0x00, slot]).ok();
    public_key(P256, &tlv(0x7F49, &find(&metadata, 0x04)))
}

/// The child's side: prints `rounds=N` when done; a wrong answer fails it.
#[test]
fn two_processes_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (child, dir) = spec.split_once(':').expect("child:folder");
    let child: usize = child.parse().unwrap();
    let mut card = CardDirectory::new(dir).open(SERIAL).unwrap();
    admin(&mut card);
    let public_9a = public_key_of(&mut card, 0x9A);
    let public_9c = public_key_of(&mut card, 0x9C);
    let deadline = Instant::now() + RUN_FOR;
    let mut round = 0u32;
    while Instant::now() < deadline {
        round += 1;
        // At most one wrong try of each process is outstanding at any time.
        let wrong = verify(&mut card, "000000");
        assert!(
            wrong == 0x63C0 | u16::from(TRIES - 1) || wrong == 0x63C0 | u16::from(TRIES - 2),
            "wrong PIN: {wrong:04X}"
        );
        assert_eq!(verify(&mut card, PIN), SW_OK);
        let digest = sha256(&round.to_be_bytes());
        assert!(ecdsa_verifies(
            &public_9a,
            &digest,
            &output(private_op(&mut card, P256, 0x9A, &digest))
        ));
        assert_eq!(verify(&mut card, PIN), SW_OK);
        assert!(ecdsa_verifies(
            &public_9c,
            &digest,
            &output(private_op(&mut card, P256, 0x9C, &digest))
        ));
        assert_eq!(
            private_op(&mut card, P256, 0x9C, &digest).sw,
            0x6982,
            "9C needs a new VERIFY"
        );
        assert_eq!(
            put_object(&mut card, OBJECTS[child], &object_value(child, round)),
            SW_OK
        );
        assert_eq!(
            find(&get_object(&mut card, OBJECTS[child]).ok(), 0x53),
            object_value(child, round)
        );
        assert_eq!(
            verify(&mut card, PIN),
            SW_OK,
            "the last PIN check of a round is right"
        );
    }
    println!("rounds={round}");
}

#[test]
fn two_processes_share_one_card_without_losing_a_try_or_a_write() {
    let dir = tempfile::tempdir().unwrap();
    let cards = CardDirectory::new(dir.path().join("cards"));
    let mut personalisation = Personalisation::factory(SERIAL);
    personalisation.pin_tries = TRIES;
    personalisation.kdf = jeton_card::crypto::KdfParams::TESTING;
    let mut card = cards.create(&personalisation).unwrap();
    generated(&mut card, 0x9A, P256);
    generated(&mut card, 0x9C, P256);
    drop(card);

    let children: Vec<_> = (0..2)
        .map(|child| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "two_processes_child",
                    "--test-threads=1",
                    "--nocapture",
                    "--quiet",
                ])
                .env(CHILD_ENV, format!("{child}:{}", cards.root().display()))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut rounds = Vec::new();
    for (child, process) in children.into_iter().enumerate() {
        let output = process.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "child {child} failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let count = stdout
            .lines()
            .find_map(|line| line.strip_prefix("rounds="))
            .and_then(|n| n.parse::<u32>().ok())
            .expect("the child reports its rounds");
        rounds.push(count);
    }
    eprintln!("rounds per process: {rounds:?}");
    assert!(
        rounds.iter().all(|n| *n >= 10),
        "too few rounds to interleave: {rounds:?}"
    );

    let mut card = cards.open(SERIAL).expect("the file opens");
    assert_eq!(
        tries_and_default(&mut card, 0x80).0,
        (TRIES, TRIES),
        "every wrong try was followed by a right one"
    );
    assert_eq!(tries_and_default(&mut card, 0x81).0, (3, 3));
    for (child, object) in OBJECTS.into_iter().enumerate() {
        assert_eq!(
            find(&get_object(&mut card, object).ok(), 0x53),
            object_value(child, rounds[child]),
            "child {child}'s last write is there"
        );
    }
}
