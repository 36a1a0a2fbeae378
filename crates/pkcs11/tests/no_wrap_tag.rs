//! A card that does not tell its PIN wrap (GET METADATA without tag 8A, as a YubiKey or any
//! other PIV card answers): the module cannot see that the PIN changed elsewhere, so the
//! first replay of the PIN it kept may be refused; that refusal ends the login for every
//! session (`CKR_USER_NOT_LOGGED_IN`) and the kept PIN is never sent again. Nor is it ever
//! sent when one try is left.
//!
//! The card is a real reader's: a private `pcscd` with the vsmartcard vpcd driver, in a
//! mount namespace of this test's own (as `tests/interop/vpcd_common.bash` does), and a
//! vpcd plug in this test that serves a Jeton card and strips tag 8A from its answers. The
//! test re-runs itself under `unshare -m` for that; without pcscd, vpcd or the right to
//! unshare it says so on stderr and passes, as the vpcd interop scripts cannot run there
//! either. Needs the `pcsc` feature (CI builds with `--all-features`).

#![cfg(feature = "pcsc")]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{generate_p256, load_module, rv, use_home, FACTORY_PIN};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::session::{SessionState, UserType};
use cryptoki::types::AuthPin;
use jeton_card::vpcd::{encode_frame, FrameDecoder, Message, ATR};
use jeton_card::{Card, CardDirectory, Personalisation};
use jeton_piv::{InProcessTransport, PcscTransport, Pin, PivClient};

const SERIAL: u32 = 1011;
const NEW_PIN: &str = "271828";
const WRONG_PIN: &str = "999999";
const READER: &str = "Virtual PCD 00 00";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// Set in the re-run inside the private mount namespace.
const IN_NAMESPACE: &str = "JETON_TEST_PRIVATE_PCSCD";
const INS_VERIFY: u8 = 0x20;
const INS_GET_METADATA: u8 = 0xF7;
const PIN_REFERENCE: u8 = 0x80;

/// GET METADATA's answer for the PIN without tag 8A, the rest as the card sent it. The
/// metadata TLVs are one-byte tags with one-byte lengths (Yubico's format).
fn without_wrap_tag(response: &[u8]) -> Vec<u8> {
    let Some((data, sw)) = response.split_last_chunk::<2>() else {
        return response.to_vec();
    };
    if sw != &[0x90, 0x00] {
        return response.to_vec();
    }
    let mut out = Vec::with_capacity(response.len());
    let mut rest = data;
    while let [tag, length, tail @ ..] = rest {
        let length = usize::from(*length);
        let Some(value) = tail.get(..length) else {
            return response.to_vec();
        };
        if *tag != 0x8A {
            out.extend_from_slice(&[*tag, length as u8]);
            out.extend_from_slice(value);
        }
        rest = &tail[length..];
    }
    assert!(rest.is_empty(), "metadata ends in half a TLV: {data:02X?}");
    out.extend_from_slice(sw);
    out
}

/// What the plug saw of the PIN, counted without looking at any PIN.
#[derive(Default)]
struct Seen {
    verifies_with_data: AtomicUsize,
    wrap_tags_stripped: AtomicUsize,
}

/// The card side of vpcd (its framing from `jeton_card::vpcd`), stripping tag 8A.
fn plug(port: u16, mut card: Card, stop: Arc<AtomicBool>, seen: Arc<Seen>) {
    let started = Instant::now();
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => break stream,
            Err(_) if started.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("vpcd never listened on {port}: {e}"),
        }
    };
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut decoder = FrameDecoder::default();
    let mut chunk = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        // vpcd sends length and body in two writes: without QUICKACK each APDU waits for
        // a delayed ACK (see jeton_card::vpcd).
        let on: libc::c_int = 1;
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => decoder.push(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => return,
        }
        while let Some(frame) = decoder.next_frame() {
            let answer = match Message::parse(&frame).expect("a vpcd frame") {
                Message::PowerOff | Message::PowerOn | Message::Reset => {
                    card.power_cycle();
                    continue;
                }
                Message::GetAtr => ATR.to_vec(),
                Message::Apdu(command) => {
                    let response = card.transmit(command).expect("the card answers");
                    match command {
                        [_, INS_GET_METADATA, _, PIN_REFERENCE, ..] => {
                            let stripped = without_wrap_tag(&response);
                            if stripped.len() != response.len() {
                                seen.wrap_tags_stripped.fetch_add(1, Ordering::Relaxed);
                            }
                            stripped
                        }
                        // A VERIFY with data sends a PIN; one without only asks the status.
                        [_, INS_VERIFY, _, PIN_REFERENCE, _, ..] => {
                            seen.verifies_with_data.fetch_add(1, Ordering::Relaxed);
                            response
                        }
                        _ => response,
                    }
                }
            };
            stream.write_all(&encode_frame(&answer).unwrap()).unwrap();
        }
    }
}

/// pcscd, stopped (by its pid) when dropped.
struct Pcscd(Child);

impl Drop for Pcscd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_pcscd(work: &Path, port: u16) -> Pcscd {
    let conf = work.join("reader.conf.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("vpcd"),
        format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:{port}\nLIBPATH {VPCD_DRIVER}\n\
             CHANNELID {port}\n"
        ),
    )
    .unwrap();
    let log = std::fs::File::create(work.join("pcscd.log")).unwrap();
    Pcscd(
        Command::new("pcscd")
            .arg("-f")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("pcscd starts"),
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The PIN's tries left, read from the card's file (no PIN, no reset of the reader's card).
fn pin_tries(cards: &Path) -> u8 {
    let card = CardDirectory::new(cards).open(SERIAL).unwrap();
    let mut piv = PivClient::new(InProcessTransport::new(card));
    piv.select().unwrap();
    piv.status().unwrap().pin.remaining
}

/// Another program on the reader (`yubico-piv-tool`, `jeton pin change --reader`): its
/// PC/SC handle resets the card when it lets go, so the module's VERIFY is gone too.
fn other_program(run: impl FnOnce(&mut PivClient<PcscTransport>)) {
    let mut piv = PcscTransport::open_piv(READER).expect("the reader's card");
    run(&mut piv);
}

/// Whether this machine can give the test a private pcscd; why not, if it cannot.
fn missing() -> Option<String> {
    let runs = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !runs("pcscd", &["--version"]) {
        return Some("no pcscd (Debian: pcscd)".into());
    }
    if !Path::new(VPCD_DRIVER).exists() {
        return Some(format!("no {VPCD_DRIVER} (Debian: vsmartcard-vpcd)"));
    }
    if std::fs::create_dir_all("/run/pcscd").is_err() || !runs("unshare", &["-m", "true"]) {
        return Some("no private mount namespace allowed here".into());
    }
    None
}

#[test]
fn without_the_wrap_tag_the_first_refused_replay_ends_the_login_and_the_last_try_is_kept() {
    if std::env::var_os(IN_NAMESPACE).is_none() {
        if let Some(why) = missing() {
            eprintln!("SKIPPED: a card without tag 8A needs a private pcscd: {why}");
            return;
        }
        let status = Command::new("unshare")
            .args(["-m", "sh", "-c"])
            .arg(r#"mount -t tmpfs tmpfs /run/pcscd && exec "$0" "$@""#)
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "without_the_wrap_tag_the_first_refused_replay_ends_the_login_and_the_last_try_is_kept",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(IN_NAMESPACE, "1")
            .status()
            .expect("unshare runs");
        assert!(status.success(), "the test in its namespace: {status}");
        return;
    }

    let work = tempfile::tempdir().unwrap();
    // The module's home has no virtual card: its one token is the reader's.
    let home: PathBuf = work.path().join("home");
    std::fs::create_dir_all(home.join("cards")).unwrap();
    let plugged = work.path().join("plugged");
    let card = CardDirectory::new(&plugged)
        .create(&Personalisation::factory(SERIAL))
        .unwrap();
    let port = free_port();
    let _pcscd = start_pcscd(work.path(), port);
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Seen::default());
    let plug_thread = {
        let (stop, seen) = (Arc::clone(&stop), Arc::clone(&seen));
        std::thread::spawn(move || plug(port, card, stop, seen))
    };

    use_home(&home);
    let pkcs11 = load_module();
    let started = Instant::now();
    let slot = loop {
        if let Some(slot) = pkcs11.get_slots_with_token().unwrap().first() {
            break *slot;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the reader's card never showed; pcscd said: {}",
            std::fs::read_to_string(work.path().join("pcscd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    };

    let first = pkcs11.open_rw_session(slot).unwrap();
    first
        .login(UserType::User, Some(&AuthPin::new(FACTORY_PIN.into())))
        .unwrap();
    let (_, key) = generate_p256(&first, 1);
    let digest = [0x5Au8; 32];
    first
        .sign(&Mechanism::Ecdsa, key, &digest)
        .expect("signs with the PIN it logged in with");
    assert!(
        seen.wrap_tags_stripped.load(Ordering::Relaxed) > 0,
        "the module never asked for the PIN's metadata: the test proves nothing"
    );

    // The PIN changed by another program, which resets the card as it leaves.
    other_program(|piv| {
        piv.change_pin(&Pin::new(FACTORY_PIN).unwrap(), &Pin::new(NEW_PIN).unwrap())
            .unwrap()
    });
    let verifies_before = seen.verifies_with_data.load(Ordering::Relaxed);

    // The module cannot know, so it replays once; the card refuses, and that ends it.
    let mut sessions = vec![first];
    let mut answers = Vec::new();
    for _ in 0..4 {
        sessions.push(pkcs11.open_ro_session(slot).unwrap());
    }
    for session in &sessions {
        answers.push(rv(session.sign(&Mechanism::Ecdsa, key, &digest)));
    }
    assert_eq!(
        seen.verifies_with_data.load(Ordering::Relaxed) - verifies_before,
        1,
        "the kept PIN was sent more than once; the module answered {answers:?}"
    );
    assert_eq!(
        pin_tries(&plugged),
        2,
        "one try, the refused replay's, and no other"
    );
    assert_eq!(answers[0], Some(RvError::UserNotLoggedIn), "{answers:?}");
    for answer in &answers[1..] {
        // The login is gone: the private key's handle is not a public session's.
        assert!(
            matches!(
                answer,
                Some(RvError::UserNotLoggedIn | RvError::KeyHandleInvalid)
            ),
            "{answers:?}"
        );
    }
    assert_eq!(
        sessions[0].get_session_info().unwrap().session_state(),
        SessionState::RwPublic
    );

    // The holder types the new PIN: it works again, and the tries are back to 3.
    sessions[0]
        .login(UserType::User, Some(&AuthPin::new(NEW_PIN.into())))
        .unwrap();
    sessions[0]
        .sign(&Mechanism::Ecdsa, key, &digest)
        .expect("signs after the login with the new PIN");
    assert_eq!(pin_tries(&plugged), 3);

    // Two mistypes in another program leave one try: the module, unable to tell whether
    // its PIN is still right, does not risk the last one and asks for the PIN again.
    other_program(|piv| {
        for _ in 0..2 {
            assert!(piv.verify_pin(&Pin::new(WRONG_PIN).unwrap()).is_err());
        }
    });
    assert_eq!(pin_tries(&plugged), 1);
    let verifies_before = seen.verifies_with_data.load(Ordering::Relaxed);
    for session in &sessions {
        assert!(rv(session.sign(&Mechanism::Ecdsa, key, &digest)).is_some());
    }
    assert_eq!(
        seen.verifies_with_data.load(Ordering::Relaxed),
        verifies_before,
        "the module sent its PIN with one try left"
    );
    assert_eq!(pin_tries(&plugged), 1);
    assert_eq!(
        sessions[0].get_session_info().unwrap().session_state(),
        SessionState::RwPublic
    );

    drop(sessions);
    pkcs11.finalize().unwrap();
    stop.store(true, Ordering::Relaxed);
    plug_thread.join().expect("the plug ran without a panic");
}
