//! The `jeton` command as a holder or a script uses it: the built binary, a temporary
//! JETON_HOME, secrets on stdin, and the exit status and messages checked.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Verifier;
use serde_json::Value;

struct Jeton {
    home: tempfile::TempDir,
    lang: &'static str,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    raw_stdout: Vec<u8>,
}

impl Run {
    fn ok(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Failed cleanly: exit status 1, a message, and no panic.
    fn fails_with(self, words: &str) -> Run {
        assert_eq!(
            self.code,
            Some(1),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            self.stderr.contains(words),
            "expected {words:?} in {}",
            self.stderr
        );
        self
    }
}

impl Run {
    /// A bad command line: exit status 2, a message, and no panic.
    fn usage_error(self, words: &str) -> Run {
        assert_eq!(
            self.code,
            Some(2),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            self.stderr.contains(words),
            "expected {words:?} in {}",
            self.stderr
        );
        self
    }
}

impl Jeton {
    fn new() -> Jeton {
        Jeton {
            home: tempfile::tempdir().unwrap(),
            lang: "C.UTF-8",
        }
    }

    fn french() -> Jeton {
        Jeton {
            lang: "fr_FR.UTF-8",
            ..Jeton::new()
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Runs `jeton args…` with `stdin` as its input (one secret per line).
    fn run(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jeton"))
            .args(args)
            .env("JETON_HOME", self.home.path())
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", self.lang)
            .current_dir(self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command refused early exits before reading its secrets: a closed pipe is fine.
        let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        if let Err(error) = written {
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();
        Run {
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            raw_stdout: stdout,
        }
    }

    fn status(&self) -> Value {
        serde_json::from_str(&self.run(&["status", "--json"], "").ok().stdout).unwrap()
    }

    /// A card as the provider hands it over: temporary PIN 482916, PUK 73051864.
    fn handed_over_card(&self) {
        self.run(
            &[
                "card",
                "create",
                "--serial",
                "4242",
                "--temporary-pin",
                "--custom-pin",
                "--custom-puk",
            ],
            "482916\n482916\n73051864\n73051864\n",
        )
        .ok();
    }

    fn generate(&self, slot: &str, alg: &str) -> PathBuf {
        let public = self.path(&format!("{slot}.pub.pem"));
        self.run(
            &[
                "key",
                "generate",
                "--slot",
                slot,
                "--alg",
                alg,
                "--out",
                public.to_str().unwrap(),
            ],
            "\n",
        )
        .ok();
        public
    }

    fn sign(&self, slot: &str, pin: &str) -> Run {
        std::fs::write(self.path("doc.txt"), b"the document").unwrap();
        self.run(
            &[
                "key",
                "sign",
                "--slot",
                slot,
                "--in",
                "doc.txt",
                "--out",
                &format!("{slot}.sig"),
            ],
            &format!("{pin}\n"),
        )
    }
}

fn verifies(public: &Path, message: &[u8], signature: &[u8]) -> bool {
    let key = PKey::public_key_from_pem(&std::fs::read(public).unwrap()).unwrap();
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key).unwrap();
    verifier.update(message).unwrap();
    verifier.verify(signature).unwrap()
}

#[test]
fn the_guide_s_pin_and_puk_story_through_the_command() {
    let jeton = Jeton::new();
    jeton.handed_over_card();
    let public = jeton.generate("9c", "p256");

    // The temporary PIN verifies, but the card signs nothing with it.
    jeton.sign("9c", "482916").fails_with("jeton pin change");
    assert_eq!(jeton.status()["temporary_pin"], true);

    jeton
        .run(
            &["pin", "change", "--alphanumeric"],
            "482916\nJeton2fa\nJeton2fa\n",
        )
        .ok();
    assert_eq!(jeton.status()["temporary_pin"], false);
    jeton.sign("9c", "Jeton2fa").ok();
    let signature = std::fs::read(jeton.path("9c.sig")).unwrap();
    assert!(verifies(&public, b"the document", &signature));

    jeton
        .run(&["pin", "verify"], "000000\n")
        .fails_with("2 tries left");
    jeton
        .run(&["pin", "verify"], "000000\n")
        .fails_with("1 try left");
    jeton
        .run(&["pin", "verify"], "000000\n")
        .fails_with("jeton pin unblock");
    jeton
        .run(&["pin", "verify"], "Jeton2fa\n")
        .fails_with("ask support for the unblock code");
    assert_eq!(jeton.status()["pin_blocked"], true);

    jeton
        .run(&["pin", "unblock"], "73051864\n581304\n581304\n")
        .ok();
    let status = jeton.status();
    assert_eq!(
        (
            status["pin_tries_left"].as_u64(),
            status["puk_tries_left"].as_u64()
        ),
        (Some(3), Some(3))
    );
    jeton.sign("9c", "581304").ok();

    for expected in ["2 tries left", "1 try left", "PIN blocked"] {
        jeton
            .run(&["pin", "verify"], "000000\n")
            .fails_with(expected);
    }
    jeton
        .run(&["pin", "unblock"], "00000000\n385172\n385172\n")
        .fails_with("2 tries left");
    jeton
        .run(&["pin", "unblock"], "00000000\n385172\n385172\n")
        .fails_with("1 try left");
    jeton
        .run(&["pin", "unblock"], "00000000\n385172\n385172\n")
        .fails_with("a new one must be ordered");
    // Dead for good: even the right unblock code no longer helps.
    jeton
        .run(&["pin", "unblock"], "73051864\n385172\n385172\n")
        .fails_with("a new one must be ordered");
    let status = jeton.status();
    assert_eq!(status["dead"], true);
    assert_eq!(status["slots"][0]["slot"], "9c");

    let text = jeton.run(&["status"], "").ok().stdout;
    assert!(
        text.contains("DEAD") && text.contains("order a new one"),
        "{text}"
    );

    // The only way out destroys the keys and says a new certificate is needed.
    let reset = jeton.run(&["card", "reset", "--yes"], "").ok().stdout;
    assert!(reset.contains("order a new one"), "{reset}");
    let status = jeton.status();
    assert_eq!(status["dead"], false);
    assert_eq!(status["slots"].as_array().map(Vec::len), Some(0));
    jeton.run(&["pin", "verify"], "123456\n").ok();
}

#[test]
fn a_card_that_works_cannot_be_reset() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create"], "").ok();
    jeton.generate("9a", "p256");
    jeton.run(&["card", "reset"], "").fails_with("both blocked");
    assert_eq!(jeton.status()["slots"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_blocked_puk_alone_leaves_the_pin_usable_and_says_so() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create"], "").ok();
    for _ in 0..3 {
        jeton
            .run(&["puk", "change"], "00000000\n87654321\n87654321\n")
            .fails_with("PUK");
    }
    let text = jeton.run(&["status"], "").ok().stdout;
    assert!(
        text.contains("PUK blocked: the PIN can no longer be unblocked"),
        "{text}"
    );
    jeton.run(&["pin", "verify"], "123456\n").ok();
}

#[test]
fn messages_follow_the_locale_and_lang_forces_one() {
    let jeton = Jeton::french();
    let created = jeton.run(&["card", "create"], "").ok().stdout;
    assert!(created.contains("créée"), "{created}");
    jeton
        .run(&["pin", "verify"], "000000\n")
        .fails_with("PIN erroné : 2 essais restants avant blocage");
    jeton
        .run(&["--lang", "en", "pin", "verify"], "000000\n")
        .fails_with("wrong PIN: 1 try left");
    jeton
        .run(&["pin", "verify"], "000000\n")
        .fails_with("demandez le code de déblocage au support, puis lancez `jeton pin unblock`");
    let status = jeton.run(&["status"], "").ok().stdout;
    assert!(status.contains("BLOQUÉ"), "{status}");
    jeton
        .run(&["key", "sign", "--slot", "9c", "--in", "x"], "")
        .fails_with("x");

    let english = Jeton::new();
    english
        .run(&["--lang", "fr", "status"], "")
        .fails_with("aucune carte");
    english.run(&["status"], "").fails_with("no card in");
}

#[test]
fn status_json_describes_counters_keys_and_certificates() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create", "--serial", "777"], "").ok();
    jeton.generate("9a", "rsa2048");
    // The certificate: any key's will do for the issuer, the subject key must be the card's.
    let public = std::fs::read_to_string(jeton.path("9a.pub.pem")).unwrap();
    let cert = certificate_for(&public, "Test Holder");
    std::fs::write(jeton.path("9a.crt"), &cert).unwrap();
    jeton
        .run(&["cert", "import", "--slot", "9a", "9a.crt"], "\n")
        .ok();

    let status = jeton.status();
    assert_eq!(status["serial"], 777);
    assert_eq!(status["pin_tries_left"], 3);
    assert_eq!(status["pin_tries_max"], 3);
    assert_eq!(status["puk_tries_left"], 3);
    assert_eq!(status["pin_blocked"], false);
    assert_eq!(status["puk_blocked"], false);
    assert_eq!(status["dead"], false);
    assert_eq!(status["temporary_pin"], false);
    let slot = &status["slots"][0];
    assert_eq!(slot["slot"], "9a");
    assert_eq!(slot["key"], "rsa2048");
    assert_eq!(slot["pin_policy"], "once");
    assert_eq!(slot["certificate"]["subject"], "CN=Test Holder");
    assert_eq!(slot["certificate"]["issuer"], "CN=Test Holder");
    assert!(slot["certificate"]["not_after"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    // The certificate comes back as it went in.
    let exported = jeton
        .run(&["cert", "export", "--slot", "9a"], "")
        .ok()
        .stdout;
    let original = openssl::x509::X509::from_pem(&cert).unwrap();
    let back = openssl::x509::X509::from_pem(exported.as_bytes()).unwrap();
    assert_eq!(original.to_der().unwrap(), back.to_der().unwrap());

    // A new key makes the stored certificate wrong: it goes, and the holder is told.
    let again = jeton
        .run(
            &["key", "generate", "--slot", "9a", "--alg", "p256", "--yes"],
            "\n",
        )
        .ok();
    assert!(
        again
            .stderr
            .contains("certificate of the previous key was removed"),
        "{}",
        again.stderr
    );
    assert!(again.stdout.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(jeton.status()["slots"][0]["certificate"].is_null());
}

/// A self-signed-looking certificate for a public key held by the card: signed by a throwaway
/// key under the same name, as a CA would.
fn certificate_for(public_pem: &str, common_name: &str) -> Vec<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    certificate_valid(public_pem, common_name, now - 60, now + 30 * 86_400)
}

/// As [`certificate_for`], valid between these Unix times.
fn certificate_valid(public_pem: &str, common_name: &str, from: i64, until: i64) -> Vec<u8> {
    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::x509::{X509Name, X509};
    let subject_key = PKey::public_key_from_pem(public_pem.as_bytes()).unwrap();
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let ca = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .unwrap();
    let name = name.build();
    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&subject_key).unwrap();
    builder
        .set_not_before(&Asn1Time::from_unix(from).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::from_unix(until).unwrap())
        .unwrap();
    builder.sign(&ca, MessageDigest::sha256()).unwrap();
    builder.build().to_pem().unwrap()
}

#[test]
fn bad_inputs_get_clear_errors_and_cost_no_try() {
    let jeton = Jeton::new();
    jeton.run(&["status"], "").fails_with("no card");
    jeton.run(&["card", "create", "--serial", "1"], "").ok();
    jeton
        .run(&["card", "create", "--serial", "1"], "")
        .fails_with("already exists");

    // A bad value for an option is a bad command line, like any other: status 2.
    jeton
        .run(&["key", "generate", "--slot", "9z", "--alg", "p256"], "\n")
        .usage_error("unknown slot \"9z\"");
    jeton
        .run(&["key", "sign", "--slot", "9b", "--in", "x"], "")
        .usage_error("unknown slot \"9b\"");
    jeton
        .run(
            &["key", "generate", "--slot", "9a", "--alg", "ed25519"],
            "\n",
        )
        .usage_error("unknown key algorithm");
    jeton
        .run(
            &["key", "generate", "--slot", "9a", "--alg", "p256"],
            "0102\n",
        )
        .fails_with("invalid management key");
    jeton
        .run(
            &["key", "generate", "--slot", "9a", "--alg", "p256"],
            &format!("{}\n", "ab".repeat(24)),
        )
        .fails_with("wrong management key");
    jeton
        .run(
            &["key", "sign", "--slot", "9a", "--in", "missing.txt"],
            "123456\n",
        )
        .fails_with("missing.txt");
    std::fs::write(jeton.path("doc.txt"), b"x").unwrap();
    jeton
        .run(
            &["key", "sign", "--slot", "9a", "--in", "doc.txt"],
            "123456\n",
        )
        .fails_with("no key in slot 9a");

    std::fs::write(
        jeton.path("bad.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    jeton
        .run(&["cert", "import", "--slot", "9a", "bad.pem"], "\n")
        .fails_with("not an X.509 certificate");
    std::fs::write(jeton.path("bad.der"), [0x30, 0x82, 0xFF]).unwrap();
    jeton
        .run(&["cert", "import", "--slot", "9a", "bad.der"], "\n")
        .fails_with("not an X.509 certificate");
    jeton
        .run(&["cert", "export", "--slot", "9c"], "")
        .fails_with("no certificate in slot 9c");

    // New PINs are checked before anything reaches the card.
    jeton
        .run(&["pin", "change"], "123456\n12345\n12345\n")
        .fails_with("6 to 8 characters, this one has 5");
    jeton
        .run(&["pin", "change", "--numeric"], "123456\nabc123\nabc123\n")
        .fails_with("digits only");
    jeton
        .run(
            &["pin", "change", "--alphanumeric"],
            "123456\nab-123\nab-123\n",
        )
        .fails_with("letters and digits only");
    jeton
        .run(&["pin", "change"], "123456\n654321\n654322\n")
        .fails_with("confirmation differ");
    jeton
        .run(&["pin", "change"], "123456\n")
        .fails_with("the input ended before the new PIN");
    jeton
        .run(&["pin", "verify"], "12345\n")
        .fails_with("6 to 8 characters");
    jeton
        .run(&["pin", "unblock"], "1234567\n123456\n123456\n")
        .fails_with("exactly 8 characters");
    assert_eq!(jeton.status()["pin_tries_left"], 3);
    assert_eq!(jeton.status()["puk_tries_left"], 3);

    jeton.run(&["card", "create", "--serial", "2"], "").ok();
    jeton
        .run(&["status"], "")
        .fails_with("several cards (1, 2): choose one with --card");
    jeton
        .run(&["status", "--card", "3"], "")
        .fails_with("no card with serial 3");
    jeton.run(&["status", "--card", "2"], "").ok();

    // clap's own usage errors: status 2, no panic.
    let usage = jeton.run(&["pin", "change", "--numeric", "--alphanumeric"], "");
    assert_eq!(usage.code, Some(2));
    assert!(!usage.stderr.contains("panicked"));
}

#[test]
fn a_damaged_card_file_gives_a_clear_error_and_is_left_alone() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create", "--serial", "5"], "").ok();
    let file = jeton.home.path().join("cards/5.card");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    jeton
        .run(&["status"], "")
        .fails_with("the card's file cannot be used");
    jeton
        .run(&["pin", "verify"], "123456\n")
        .fails_with("the card's file cannot be used");
    assert_eq!(std::fs::read(&file).unwrap(), &bytes[..bytes.len() / 2]);
}

#[test]
fn cards_are_created_listed_and_deleted() {
    let jeton = Jeton::new();
    assert!(jeton
        .run(&["card", "list"], "")
        .ok()
        .stdout
        .contains("No card yet"));
    let random = jeton
        .run(&["card", "create", "--random", "--serial", "99"], "")
        .ok()
        .stdout;
    let value = |label: &str| {
        random
            .lines()
            .find_map(|line| line.strip_prefix(label))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("{label} not in {random}"))
    };
    let (pin, puk, key) = (
        value("PIN:"),
        value("Unblock code (PUK):"),
        value("Management key (AES-256):"),
    );
    assert!(
        pin.len() == 8 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    assert!(
        puk.len() == 8 && puk.bytes().all(|b| b.is_ascii_digit()),
        "{puk}"
    );
    assert_eq!(key.len(), 64);
    jeton.run(&["pin", "verify"], &format!("{pin}\n")).ok();
    jeton
        .run(&["key", "generate", "--slot", "9e", "--alg", "p256"], "\n")
        .fails_with("wrong management key");
    jeton
        .run(
            &["key", "generate", "--slot", "9e", "--alg", "p256"],
            &format!("{key}\n"),
        )
        .ok();
    jeton
        .run(&["puk", "change"], &format!("{puk}\n11112222\n11112222\n"))
        .ok();

    jeton.run(&["card", "create", "--serial", "100"], "").ok();
    let list: Value =
        serde_json::from_str(&jeton.run(&["card", "list", "--json"], "").ok().stdout).unwrap();
    let serials: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial"].as_u64().unwrap())
        .collect();
    assert_eq!(serials, [99, 100]);
    jeton.run(&["card", "delete", "99", "--yes"], "").ok();
    jeton
        .run(&["card", "delete", "99"], "")
        .fails_with("no card with serial 99");
    jeton.run(&["status"], "").ok();
}

#[test]
fn management_key_changes_and_custom_values_are_read_as_secrets() {
    let jeton = Jeton::new();
    let aes128 = "00112233445566778899aabbccddeeff";
    jeton
        .run(
            &[
                "card",
                "create",
                "--custom-mgmt-key",
                "--mgmt-alg",
                "aes128",
            ],
            &format!("{aes128}\n{aes128}\n"),
        )
        .ok();
    jeton.generate_with_key("9d", aes128).ok();
    let aes256 = "ab".repeat(32);
    jeton
        .run(
            &["mgmt-key", "change", "--alg", "aes256"],
            &format!("{aes128}\n{aes256}\n{aes256}\n"),
        )
        .ok();
    // The card's key is AES-256 now: an AES-128 key is refused before it is tried.
    jeton
        .generate_with_key("9d", aes128)
        .fails_with("an AES-256 key has 32 bytes");
    jeton
        .generate_with_key("9d", &"cd".repeat(32))
        .fails_with("wrong management key");
    jeton.generate_with_key("9d", &aes256).ok();
    // Back to the factory key: an empty line then means it again.
    let factory = "010203040506070801020304050607080102030405060708";
    jeton
        .run(
            &["mgmt-key", "change", "--alg", "3des"],
            &format!("{aes256}\n{factory}\n{factory}\n"),
        )
        .ok();
    jeton.generate_with_key("9d", "").ok();
}

impl Jeton {
    fn generate_with_key(&self, slot: &str, key: &str) -> Run {
        self.run(
            &["key", "generate", "--slot", slot, "--alg", "p384"],
            &format!("{key}\n"),
        )
    }
}

#[test]
fn signatures_verify_with_the_openssl_command() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create"], "").ok();
    for (slot, alg) in [("9a", "rsa2048"), ("9c", "p256"), ("82", "p384")] {
        let public = jeton.generate(slot, alg);
        jeton.sign(slot, "123456").ok();
        let signature = std::fs::read(jeton.path(&format!("{slot}.sig"))).unwrap();
        assert!(
            verifies(&public, b"the document", &signature),
            "{slot} {alg}"
        );
        // The same check as the README's `openssl dgst`, when the tool is installed.
        if let Ok(output) = Command::new("openssl")
            .args(["dgst", "-sha256", "-verify"])
            .arg(&public)
            .arg("-signature")
            .arg(jeton.path(&format!("{slot}.sig")))
            .arg(jeton.path("doc.txt"))
            .output()
        {
            assert!(
                String::from_utf8_lossy(&output.stdout).contains("Verified OK"),
                "{slot}"
            );
        }
    }
    // Without --out the signature goes to stdout, raw, for pipes.
    let piped = jeton
        .run(
            &["key", "sign", "--slot", "9c", "--in", "doc.txt"],
            "123456\n",
        )
        .ok();
    assert!(verifies(
        &jeton.path("9c.pub.pem"),
        b"the document",
        &piped.raw_stdout
    ));
}

#[test]
fn secrets_can_come_from_a_file_descriptor() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create"], "").ok();
    // Descriptor 0 is the one a test can hand over without unsafe code.
    jeton
        .run(&["--secret-fd", "0", "pin", "verify"], "123456\n")
        .ok();
    jeton
        .run(&["--secret-fd", "9", "pin", "verify"], "")
        .fails_with("file descriptor 9");
}

#[test]
fn the_demo_walks_the_whole_story() {
    let jeton = Jeton::new();
    let run = jeton.run(&["demo"], "").ok();
    assert!(
        run.stdout.contains("Every step behaved as the guide says."),
        "{}",
        run.stdout
    );
    // Its certificates say they are a demo's.
    assert!(
        run.stdout.contains("O=Jeton Trust Services (demo)"),
        "{}",
        run.stdout
    );
    let french = Jeton::french().run(&["demo"], "").ok();
    assert!(french.stdout.contains("Étape 10"), "{}", french.stdout);
}

#[test]
fn trivial_and_unchanged_new_pins_are_refused_with_the_reason_in_both_languages() {
    let jeton = Jeton::new();
    jeton.handed_over_card();
    for (new, reason) in [
        ("123456", "factory PIN"),
        ("000000", "one repeated character"),
        ("abcdef", "a run"),
        ("987654", "a run"),
        ("482916", "the new PIN is the current one"),
    ] {
        jeton
            .run(&["pin", "change"], &format!("482916\n{new}\n{new}\n"))
            .fails_with(reason);
    }
    // Nothing reached the card: the PIN is still the temporary one, no try spent.
    let status = jeton.status();
    assert_eq!(status["temporary_pin"], true);
    assert_eq!(status["pin_tries_left"], 3);
    jeton
        .run(&["pin", "unblock"], "73051864\n777777\n777777\n")
        .fails_with("one repeated character");
    assert_eq!(jeton.status()["puk_tries_left"], 3);

    let french = Jeton::french();
    french.handed_over_card();
    french
        .run(&["pin", "change"], "482916\n123456\n123456\n")
        .fails_with("123456 est le PIN d'usine");
    french
        .run(&["pin", "change"], "482916\n482916\n482916\n")
        .fails_with("un PIN temporaire doit vraiment changer");
}

#[test]
fn the_pin_rule_says_what_is_wrong_in_french() {
    let jeton = Jeton::french();
    jeton.run(&["card", "create"], "").ok();
    jeton
        .run(&["pin", "change"], "123456\nété2024\nété2024\n")
        .fails_with("sans lettre accentuée");
    jeton
        .run(&["pin", "verify"], "\n")
        .fails_with("aucun PIN tapé");
    jeton
        .run(&["pin", "change", "--numeric"], "123456\nab1234\nab1234\n")
        .fails_with("que des chiffres");
    jeton
        .run(&["pin", "change"], "123456\n")
        .fails_with("l'entrée s'est terminée sans le nouveau PIN");
    jeton
        .run(&["pin", "verify"], "000000\n")
        .fails_with("PIN erroné");
    let status = jeton.run(&["status"], "").ok().stdout;
    assert!(status.contains("PIN : 2 essais restants sur 3"), "{status}");
    assert!(
        status.contains("Code de déblocage (PUK) : 3 essais restants sur 3"),
        "{status}"
    );
}

#[test]
fn no_prompt_for_a_secret_that_cannot_help() {
    // Empty stdin everywhere: a command that asked for the secret would say the input ended.
    let jeton = Jeton::new();
    jeton.handed_over_card();
    jeton.generate("9c", "p256");
    std::fs::write(jeton.path("doc.txt"), b"the document").unwrap();
    jeton
        .run(
            &[
                "key", "sign", "--slot", "9c", "--in", "doc.txt", "--out", "s",
            ],
            "",
        )
        .fails_with("jeton pin change");
    assert_eq!(jeton.status()["pin_tries_left"], 3);

    let blocked = Jeton::new();
    blocked.run(&["card", "create"], "").ok();
    for _ in 0..3 {
        blocked.run(&["pin", "verify"], "000000\n");
    }
    for args in [&["pin", "verify"][..], &["pin", "change"]] {
        blocked
            .run(args, "")
            .fails_with("ask support for the unblock code, then run `jeton pin unblock`");
    }
    for _ in 0..2 {
        blocked.run(&["puk", "change"], "00000000\n11112222\n11112222\n");
    }
    blocked
        .run(&["pin", "unblock"], "00000000\n385172\n385172\n")
        .fails_with("a new one must be ordered");
    for args in [
        &["pin", "verify"][..],
        &["pin", "unblock"],
        &["puk", "change"],
    ] {
        blocked
            .run(args, "")
            .fails_with("a new one must be ordered");
    }

    let puk_blocked = Jeton::new();
    puk_blocked.run(&["card", "create"], "").ok();
    for _ in 0..3 {
        puk_blocked.run(&["puk", "change"], "00000000\n11112222\n11112222\n");
    }
    puk_blocked
        .run(&["pin", "unblock"], "")
        .fails_with("the PIN can no longer be unblocked");
}

#[test]
fn destructive_commands_ask_first_and_scripts_say_yes() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create", "--serial", "31"], "").ok();
    jeton.generate("9a", "p256");
    let public = std::fs::read_to_string(jeton.path("9a.pub.pem")).unwrap();
    std::fs::write(
        jeton.path("9a.crt"),
        certificate_for(&public, "Jeanne Dupont"),
    )
    .unwrap();
    jeton
        .run(&["cert", "import", "--slot", "9a", "9a.crt"], "\n")
        .ok();

    // No terminal and no --yes: what would be lost is said, and nothing is done.
    jeton
        .run(&["key", "generate", "--slot", "9a", "--alg", "p256"], "\n")
        .usage_error("certified for CN=Jeanne Dupont")
        .usage_error("--yes");
    assert_eq!(
        jeton.status()["slots"][0]["certificate"]["subject"],
        "CN=Jeanne Dupont"
    );
    jeton
        .run(&["card", "delete", "31"], "")
        .usage_error("destroys it for good");
    assert!(jeton.path("cards/31.card").exists());
    // An empty slot, or a key without a certificate, has nothing to lose.
    jeton.generate("9c", "p256");
    jeton.generate("9c", "p256");

    for _ in 0..3 {
        jeton.run(&["pin", "verify"], "000000\n");
        jeton.run(&["puk", "change"], "00000000\n11112222\n11112222\n");
    }
    jeton
        .run(&["card", "reset"], "")
        .usage_error("destroys the keys and certificates of 2 slots for good");
    assert_eq!(jeton.status()["dead"], true);

    let french = Jeton::french();
    french.run(&["card", "create", "--serial", "32"], "").ok();
    french
        .run(&["card", "delete", "32"], "")
        .usage_error("ajoutez --yes");
    french.run(&["card", "delete", "32", "--yes"], "").ok();
    assert!(!french.path("cards/32.card").exists());
}

#[test]
fn a_missing_or_wrong_home_is_named() {
    let jeton = Jeton::new();
    let run = |home: &Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_jeton"))
            .arg("status")
            .env("JETON_HOME", home)
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let missing = jeton.path("nowhere");
    let (code, stderr) = run(&missing);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!("{}/cards", missing.display())) && stderr.contains("JETON_HOME"),
        "{stderr}"
    );
    let file = jeton.path("a-file");
    std::fs::write(&file, b"").unwrap();
    let (code, stderr) = run(&file);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&file.display().to_string()) && stderr.contains("not a folder"),
        "{stderr}"
    );
}

#[test]
fn a_signature_is_streamed_and_never_written_to_a_terminal() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create"], "").ok();
    let public = jeton.generate("9c", "p256");
    // 64 MiB: hashed as it is read (the card's signature covers the same digest).
    let big = jeton.path("big.bin");
    let chunk = vec![0x5Au8; 1 << 20];
    let mut file = std::fs::File::create(&big).unwrap();
    for _ in 0..64 {
        file.write_all(&chunk).unwrap();
    }
    drop(file);
    let signed = jeton.run(
        &["key", "sign", "--slot", "9c", "--in", "big.bin"],
        "385172\n",
    );
    // The PIN is the factory one here.
    assert_eq!(signed.code, Some(1), "{}", signed.stderr);
    let signed = jeton
        .run(
            &["key", "sign", "--slot", "9c", "--in", "big.bin"],
            "123456\n",
        )
        .ok();
    let key = PKey::public_key_from_pem(&std::fs::read(&public).unwrap()).unwrap();
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key).unwrap();
    for _ in 0..64 {
        verifier.update(&chunk).unwrap();
    }
    assert!(verifier.verify(&signed.raw_stdout).unwrap());

    // On a terminal (script(1) gives the command one), the signature is refused.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no script(1) to give jeton a terminal");
        return;
    }
    let line = format!(
        "{} key sign --slot 9c --in big.bin",
        env!("CARGO_BIN_EXE_jeton")
    );
    let output = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("JETON_HOME", jeton.home.path())
        .env("LANG", "C.UTF-8")
        .current_dir(jeton.home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("--out FILE"), "{text}");
    assert_eq!(output.status.code(), Some(1), "{text}");
}

#[test]
fn status_shows_what_support_needs_to_see() {
    let jeton = Jeton::new();
    jeton.run(&["card", "create", "--serial", "55"], "").ok();
    let (a, c) = (jeton.generate("9a", "p256"), jeton.generate("9c", "p256"));
    let (a, c) = (
        std::fs::read_to_string(a).unwrap(),
        std::fs::read_to_string(c).unwrap(),
    );
    let expired = certificate_valid(&a, "Old Holder", 1_600_000_000, 1_700_000_000);
    std::fs::write(jeton.path("9a.crt"), &expired).unwrap();
    jeton
        .run(&["cert", "import", "--slot", "9a", "9a.crt"], "\n")
        .ok();
    let later = certificate_valid(&c, "Future Holder", 4_000_000_000, 4_100_000_000);
    std::fs::write(jeton.path("9c.crt"), &later).unwrap();
    jeton
        .run(&["cert", "import", "--slot", "9c", "9c.crt"], "\n")
        .ok();
    // A certificate for another key, written as another PIV tool could.
    let other = jeton.path("other.pem");
    let key = openssl::ec::EcKey::generate(
        &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
    )
    .unwrap();
    std::fs::write(&other, key.public_key_to_pem().unwrap()).unwrap();
    let foreign = openssl::x509::X509::from_pem(&certificate_for(
        &std::fs::read_to_string(&other).unwrap(),
        "Someone Else",
    ))
    .unwrap();
    jeton.generate("9d", "p256");
    {
        let card = jeton_card::CardDirectory::new(jeton.path("cards"))
            .open(55)
            .unwrap();
        let mut piv = jeton_piv::PivClient::open(jeton_piv::InProcessTransport::new(card)).unwrap();
        piv.authenticate(&jeton_piv::ManagementKey::factory_default())
            .unwrap();
        piv.write_certificate(
            jeton_piv::KeySlot::KEY_MANAGEMENT,
            &foreign.to_der().unwrap(),
        )
        .unwrap();
    }

    let status = jeton.status();
    let warnings: Vec<&str> = status["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    for code in [
        "pin_default",
        "puk_default",
        "management_key_default",
        "certificate_expired",
        "certificate_not_yet_valid",
        "certificate_key_mismatch",
    ] {
        assert!(warnings.contains(&code), "{code} not in {warnings:?}");
    }
    let slots = status["slots"].as_array().unwrap();
    let by_slot = |id: &str| slots.iter().find(|s| s["slot"] == id).unwrap();
    let cert = openssl::x509::X509::from_pem(&expired).unwrap();
    let fingerprint = cert
        .digest(MessageDigest::sha256())
        .unwrap()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let serial = cert
        .serial_number()
        .to_bn()
        .unwrap()
        .to_hex_str()
        .unwrap()
        .to_string();
    assert_eq!(
        by_slot("9a")["certificate"]["sha256_fingerprint"],
        fingerprint.as_str()
    );
    assert_eq!(by_slot("9a")["certificate"]["serial"], serial.as_str());
    assert_eq!(by_slot("9a")["certificate"]["validity"], "expired");
    assert_eq!(by_slot("9a")["certificate_matches_key"], true);
    assert_eq!(by_slot("9c")["certificate"]["validity"], "not_yet_valid");
    assert_eq!(by_slot("9d")["certificate_matches_key"], false);

    let text = jeton.run(&["status"], "").ok().stdout;
    for words in [
        fingerprint.as_str(),
        "EXPIRED since 2023-11-14T22:13:20Z",
        "NOT YET VALID",
        "does NOT match the key of slot 9d",
        "PIN is still the factory value 123456",
        "PUK) is still the factory value",
        "management key is still the factory value",
    ] {
        assert!(text.contains(words), "{words:?} not in {text}");
    }
    let french = Jeton::french();
    std::fs::create_dir_all(french.path("cards")).unwrap();
    for name in ["55.card", "device.key"] {
        std::fs::copy(
            jeton.path(&format!("cards/{name}")),
            french.path(&format!("cards/{name}")),
        )
        .unwrap();
    }
    let texte = french.run(&["status"], "").ok().stdout;
    for words in [
        "empreinte SHA-256",
        "EXPIRÉ depuis le",
        "PAS ENCORE VALIDE",
        "ne correspond PAS",
    ] {
        assert!(texte.contains(words), "{words:?} not in {texte}");
    }
}

#[test]
fn help_and_command_line_errors_in_french() {
    let jeton = Jeton::french();
    let help = jeton.run(&["key", "sign", "--help"], "").ok().stdout;
    for words in [
        "Utilisation : jeton key sign",
        "Options :",
        "Affiche cette aide",
        "Le fichier à signer",
        "Exemple, puis la vérification avec OpenSSL :",
        "--card <NUMÉRO>",
    ] {
        assert!(help.contains(words), "{words:?} not in {help}");
    }
    assert!(
        !help.contains("Print help") && !help.contains("possible values"),
        "{help}"
    );
    let english = Jeton::new().run(&["key", "sign", "--help"], "").ok().stdout;
    assert!(
        english.contains("Example, then the check with OpenSSL:"),
        "{english}"
    );
    // The language comes from --lang too, before clap has parsed anything.
    let forced = Jeton::new()
        .run(&["--lang", "fr", "pin", "--help"], "")
        .ok()
        .stdout;
    assert!(forced.contains("Commandes :"), "{forced}");

    jeton
        .run(&["status", "--bogus"], "")
        .usage_error("erreur : l'option « --bogus » n'existe pas ici");
    jeton
        .run(&["staus"], "")
        .usage_error("vouliez-vous dire la commande « status » ?");
    jeton
        .run(&["pin", "change", "--numeric", "--alphanumeric"], "")
        .usage_error("ne peuvent pas être donnés ensemble");
    jeton
        .run(&["key", "generate", "--slot", "9b", "--alg", "p256"], "")
        .usage_error("emplacement inconnu \"9b\"");
    jeton
        .run(&["mgmt-key", "change", "--alg", "des"], "")
        .usage_error("n'est pas une valeur possible de --alg");
    let help = jeton.run(&["help", "pin", "change"], "").ok().stdout;
    assert!(help.contains("Changer le PIN"), "{help}");
}

/// The card of `serial` in `jeton`'s home, through the host-side client, as another PIV
/// tool would reach it.
fn piv_of(jeton: &Jeton, serial: u32) -> jeton_piv::PivClient<jeton_piv::InProcessTransport> {
    let card = jeton_card::CardDirectory::new(jeton.path("cards"))
        .open(serial)
        .unwrap();
    jeton_piv::PivClient::open(jeton_piv::InProcessTransport::new(card)).unwrap()
}

#[test]
fn cards_are_made_to_refuse_weak_pins_unless_told() {
    let policy = |jeton: &Jeton, serial| {
        piv_of(jeton, serial)
            .metadata(jeton_piv::KeyReference::Pin)
            .unwrap()
            .refuses_weak_pins
    };
    let jeton = Jeton::new();
    jeton.handed_over_card();
    assert_eq!(policy(&jeton, 4242), Some(true));
    // Not even another tool can set a trivial PIN on it.
    let refused = piv_of(&jeton, 4242).change_pin(
        &jeton_piv::Pin::new("482916").unwrap(),
        &jeton_piv::Pin::new("777777").unwrap(),
    );
    assert!(
        matches!(refused, Err(jeton_piv::Error::RejectedByPolicy)),
        "{refused:?}"
    );

    let created = jeton
        .run(
            &[
                "card",
                "create",
                "--serial",
                "7",
                "--random",
                "--allow-weak-pins",
            ],
            "",
        )
        .ok()
        .stdout;
    assert!(created.contains("accepts trivial new PINs"), "{created}");
    assert_eq!(policy(&jeton, 7), Some(false));
    // The factory card keeps its factory PIN, so it cannot refuse it.
    jeton.run(&["card", "create", "--serial", "8"], "").ok();
    assert_eq!(policy(&jeton, 8), Some(false));
}

#[test]
fn a_backup_restored_into_an_empty_home_signs_with_the_same_key() {
    use std::os::unix::fs::PermissionsExt;
    let jeton = Jeton::new();
    jeton.run(&["card", "create", "--serial", "61"], "").ok();
    let public = jeton.generate("9c", "p256");
    let archive = jeton.path("card-61.jeton");
    jeton
        .run(&["card", "backup", archive.to_str().unwrap()], "")
        .ok();
    let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    jeton
        .run(&["card", "backup", archive.to_str().unwrap()], "")
        .fails_with("never writes over a file");

    let elsewhere = Jeton::new();
    elsewhere
        .run(&["card", "restore", archive.to_str().unwrap()], "")
        .ok();
    elsewhere.sign("9c", "123456").ok();
    let signature = std::fs::read(elsewhere.path("9c.sig")).unwrap();
    assert!(verifies(&public, b"the document", &signature));

    // Over the card it came from: asked first, and a script must say --yes.
    jeton
        .run(&["card", "restore", archive.to_str().unwrap()], "")
        .usage_error("restoring replaces it");
    jeton
        .run(&["card", "restore", archive.to_str().unwrap(), "--yes"], "")
        .ok();

    let mut damaged = std::fs::read(&archive).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 1;
    std::fs::write(jeton.path("damaged.jeton"), &damaged).unwrap();
    Jeton::french()
        .run(
            &[
                "card",
                "restore",
                jeton.path("damaged.jeton").to_str().unwrap(),
            ],
            "",
        )
        .fails_with("endommagée");
    // Another folder's cards are sealed under another device key: refused.
    let other = Jeton::new();
    other.run(&["card", "create", "--serial", "62"], "").ok();
    other
        .run(&["card", "restore", archive.to_str().unwrap()], "")
        .fails_with("another device key");
}

#[test]
fn json_failures_carry_the_stable_code_and_the_words_stay_on_stderr() {
    for jeton in [Jeton::new(), Jeton::french()] {
        let run = jeton
            .run(&["status", "--json"], "")
            .fails_with("jeton card create");
        let printed: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(printed, serde_json::json!({ "error": "no-card" }));
    }
    let jeton = Jeton::new();
    jeton.handed_over_card();
    let run = jeton.run(&["status", "--json", "--card", "7"], "");
    let run = run.fails_with("jeton card list");
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed, serde_json::json!({ "error": "unknown-card" }));
    // Without --json, stdout stays empty as before.
    let run = jeton
        .run(&["status", "--card", "7"], "")
        .fails_with("jeton card list");
    assert_eq!(run.stdout, "");
}
