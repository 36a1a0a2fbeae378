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
        .run(&["pin", "unblock"], "73051864\n654321\n654321\n")
        .ok();
    let status = jeton.status();
    assert_eq!(
        (
            status["pin_tries_left"].as_u64(),
            status["puk_tries_left"].as_u64()
        ),
        (Some(3), Some(3))
    );
    jeton.sign("9c", "654321").ok();

    for expected in ["2 tries left", "1 try left", "PIN blocked"] {
        jeton
            .run(&["pin", "verify"], "000000\n")
            .fails_with(expected);
    }
    jeton
        .run(&["pin", "unblock"], "00000000\n111111\n111111\n")
        .fails_with("2 tries left");
    jeton
        .run(&["pin", "unblock"], "00000000\n111111\n111111\n")
        .fails_with("1 try left");
    jeton
        .run(&["pin", "unblock"], "00000000\n111111\n111111\n")
        .fails_with("a new one must be ordered");
    // Dead for good: even the right unblock code no longer helps.
    jeton
        .run(&["pin", "unblock"], "73051864\n111111\n111111\n")
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
    let reset = jeton.run(&["card", "reset"], "").ok().stdout;
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
        .fails_with("PIN erroné : encore 2 essais");
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
    english
        .run(&["status"], "")
        .fails_with("no card: create one with `jeton card create`");
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

    // A new key makes the stored certificate wrong: the holder is told.
    let again = jeton
        .run(&["key", "generate", "--slot", "9a", "--alg", "p256"], "\n")
        .ok();
    assert!(
        again.stderr.contains("was for the previous key"),
        "{}",
        again.stderr
    );
    assert!(again.stdout.starts_with("-----BEGIN PUBLIC KEY-----"));
}

/// A self-signed-looking certificate for a public key held by the card: signed by a throwaway
/// key under the same name, as a CA would.
fn certificate_for(public_pem: &str, common_name: &str) -> Vec<u8> {
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
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(30).unwrap())
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

    jeton
        .run(&["key", "generate", "--slot", "9z", "--alg", "p256"], "\n")
        .fails_with("unknown slot \"9z\"");
    jeton
        .run(&["key", "generate", "--slot", "9a", "--alg", "ed448"], "\n")
        .fails_with("unknown key algorithm");
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
        .fails_with("6 to 8 characters");
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
        .fails_with("input ended");
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
    jeton.run(&["card", "delete", "99"], "").ok();
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
    let french = Jeton::french().run(&["demo"], "").ok();
    assert!(french.stdout.contains("Étape 10"), "{}", french.stdout);
}
