//! Crash test: a child process is killed (SIGKILL) at a random instant while it VERIFYs
//! wrong PINs or writes objects with PUT DATA. Afterwards the PIN counter has never gone
//! back up, and the card file always opens with each object either old or new.
//!
//! The child is this test binary run again with `JETON_CRASH_CHILD` set, so that only
//! `crash_child_process` runs in it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use jeton_card::{Card, CardDirectory, Personalisation};

const CHILD_ENV: &str = "JETON_CRASH_CHILD";
const SERIAL: u32 = 4242;
const TRIES: u8 = 15;
const WRONG_PIN: &str = "000000";
/// Kills per test: enough to land in every phase of a command many times.
const ROUNDS: u32 = 250;
/// The certificate object the writer rewrites, about 1.2 KB so a write is not one block.
const OBJECT: u32 = CERT_9A;

/// The value of the `generation`-th write: the generation, then a filler derived from it,
/// so that a mix of two writes cannot pass for either.
fn object_value(generation: u32) -> Vec<u8> {
    let mut value = generation.to_be_bytes().to_vec();
    value.extend(
        (0..1200u32).map(|i| (generation.wrapping_mul(31).wrapping_add(i * 7) % 251) as u8),
    );
    value
}

/// The generation of an object read back, after checking it is whole.
fn generation_of(value: &[u8]) -> u32 {
    let generation = u32::from_be_bytes(value[..4].try_into().unwrap());
    assert_eq!(
        value,
        object_value(generation),
        "torn object (generation {generation})"
    );
    generation
}

fn open(dir: &Path) -> Card {
    CardDirectory::new(dir)
        .open(SERIAL)
        .expect("the card file always opens")
}

/// The child's side: work on the card until killed.
#[test]
fn crash_child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (mode, dir) = spec.split_once(':').expect("mode:folder");
    let mut card = open(Path::new(dir));
    match mode {
        "verify" => while verify(&mut card, WRONG_PIN) != 0x6983 {},
        "put" => {
            admin(&mut card);
            let current = get_object(&mut card, OBJECT);
            let mut generation = if current.sw == SW_OK {
                generation_of(&find(&current.data, 0x53))
            } else {
                0
            };
            loop {
                generation += 1;
                assert_eq!(
                    put_object(&mut card, OBJECT, &object_value(generation)),
                    SW_OK
                );
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn spawn_child(mode: &str, dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child_process",
            "--test-threads=1",
            "--quiet",
        ])
        .env(CHILD_ENV, format!("{mode}:{}", dir.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("child started")
}

/// A random delay below `max`.
fn random_delay(max: Duration) -> Duration {
    let mut bytes = [0u8; 4];
    openssl::rand::rand_bytes(&mut bytes).unwrap();
    max.mul_f64(f64::from(u32::from_be_bytes(bytes)) / f64::from(u32::MAX))
}

/// Runs the child, kills it after a random delay (unless it ended first), and reaps it.
fn run_and_kill(mode: &str, dir: &Path, max_delay: Duration) {
    let mut child = spawn_child(mode, dir);
    let deadline = Instant::now() + random_delay(max_delay);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    // SIGKILL: no destructor, no flush, no unlock runs in the child.
    let _ = child.kill();
    child.wait().unwrap();
}

fn card_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    let mut personalisation = Personalisation::factory(SERIAL);
    personalisation.pin_tries = TRIES;
    personalisation.kdf = jeton_card::crypto::KdfParams::TESTING;
    CardDirectory::new(&cards).create(&personalisation).unwrap();
    (dir, cards)
}

#[test]
fn killing_a_process_mid_verify_never_gives_a_try_back() {
    let (_dir, cards) = card_folder();
    let mut last = TRIES;
    let mut spent = 0u32;
    let mut unblocked = 0;
    let started = Instant::now();
    for round in 0..ROUNDS {
        run_and_kill("verify", &cards, Duration::from_millis(40));
        let mut card = open(&cards);
        let ((max, remaining), _) = tries_and_default(&mut card, 0x80);
        assert_eq!(max, TRIES);
        assert!(
            remaining <= last,
            "round {round}: the PIN counter went back up from {last} to {remaining}"
        );
        assert_eq!(
            pin_status(&mut card),
            if remaining == 0 {
                0x6983
            } else {
                0x63C0 | u16::from(remaining)
            }
        );
        spent += u32::from(last - remaining);
        last = remaining;
        if remaining == 0 {
            assert_eq!(reset_retry_counter(&mut card, PUK, PIN), SW_OK);
            assert_eq!(pin_tries_left(&mut card), TRIES);
            last = TRIES;
            unblocked += 1;
        }
    }
    assert!(
        spent > 30,
        "the children spent only {spent} tries: were they killed before any VERIFY?"
    );
    assert!(unblocked >= 2, "the PIN was unblocked {unblocked} times");
    let mut card = open(&cards);
    assert_eq!(
        tries_and_default(&mut card, 0x81).0,
        (3, 3),
        "the PUK was right every time"
    );
    if last > 0 {
        assert_eq!(verify(&mut card, PIN), SW_OK, "the right PIN still works");
    }
    eprintln!(
        "{ROUNDS} kills mid-VERIFY: {spent} tries spent, {unblocked} unblocks, {:?}",
        started.elapsed()
    );
}

#[test]
fn killing_a_process_mid_put_data_leaves_the_old_or_the_new_object() {
    let (_dir, cards) = card_folder();
    let mut last = 0u32;
    let started = Instant::now();
    for round in 0..ROUNDS {
        // Up to 60 ms: under load a child takes 25 ms or more to reach its first write.
        run_and_kill("put", &cards, Duration::from_millis(60));
        let mut card = open(&cards);
        let response = get_object(&mut card, OBJECT);
        let generation = match response.sw {
            SW_OK => generation_of(&find(&response.data, 0x53)),
            0x6A82 => 0,
            sw => panic!("round {round}: GET DATA answered {sw:04X}"),
        };
        assert!(
            generation >= last,
            "round {round}: the object went back from {last} to {generation}"
        );
        last = generation;
        assert_eq!(
            pin_tries_left(&mut card),
            TRIES,
            "writing objects costs no PIN try"
        );
        assert_eq!(
            get_object(&mut card, CHUID).sw,
            SW_OK,
            "the rest of the card is intact"
        );
    }
    assert!(
        last > 50,
        "only {last} writes landed: were the children killed before writing?"
    );
    eprintln!(
        "{ROUNDS} kills mid-PUT DATA: {last} writes landed, {:?}",
        started.elapsed()
    );
}
