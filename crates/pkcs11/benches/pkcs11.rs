//! `cargo bench -p jeton-pkcs11 --bench pkcs11`: our module against SoftHSMv2 and OpenSSL,
//! side by side, with one harness (the `cryptoki` crate) for both modules.
//!
//! Measures `C_Sign` per second (ECDSA P-256 on a digest and on 1 KiB, RSA-2048 PKCS#1 v1.5
//! on 1 KiB; 1 and 2 threads, a session each), `C_Login`+`C_Logout` per second (target:
//! SoftHSMv2's rate), and the latency from `C_Initialize` to the first `C_GetSlotList` with
//! 20 cards (tokens) present.
//! Each figure is the best of a few rounds of a fixed duration, the three contenders taking
//! turns, so that a burst of load from another process hurts one round, not the figure.
//!
//! It builds the release module it loads (`cargo build --release -p jeton-pkcs11`, a no-op
//! when up to date). `JETON_BENCH_SECONDS` sets a round's duration (default 1);
//! `--smoke` runs one short round of each, for CI. Missed targets are printed, not fatal:
//! the exit status is non-zero only when the harness itself fails.
//!
//! With `JETON_BENCH_READER=<reader name>` (see `bench/reader.sh`, which sets up pcscd, vpcd
//! and a served card with a P-256 key and its certificate in 9A), the module is built with
//! `--features pcsc` and one more table follows: ECDSA P-256 `CKM_ECDSA` signatures per
//! second with the 9A key, in-process on a virtual card, through our module over the reader,
//! and through OpenSC's module over the same reader, with the two targets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;

type BoxError = Box<dyn std::error::Error>;

const PIN: &str = "123456";
const SO_PIN: &str = "12345678";
const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
/// Through a reader, our module must sign at least this often (issue 4).
const READER_TARGET: f64 = 500.0;
/// DER of the P-256 curve's OID, as `CKA_EC_PARAMS` wants it.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// `CKA_ID` 01 is PIV slot 9A in our module.
const KEY_ID: [u8; 1] = [0x01];
const TOKENS: u32 = 20;

struct Settings {
    round: Duration,
    rounds: usize,
    /// `C_Initialize` → `C_GetSlotList` samples per module.
    latency_samples: usize,
}

impl Settings {
    fn from_environment() -> Result<Settings, BoxError> {
        let smoke = std::env::args().any(|a| a == "--smoke");
        let seconds = match std::env::var("JETON_BENCH_SECONDS") {
            Ok(text) => text
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or("JETON_BENCH_SECONDS: give a positive number of seconds")?,
            Err(_) if smoke => 0.05,
            Err(_) => 1.0,
        };
        Ok(Settings {
            round: Duration::from_secs_f64(seconds),
            rounds: if smoke { 1 } else { 3 },
            latency_samples: if smoke { 2 } else { 15 },
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    P256,
    Rsa2048,
}

/// The signature mechanisms measured (`cryptoki::Mechanism` is not `Sync`: each thread
/// makes its own).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SignMechanism {
    Ecdsa,
    EcdsaSha256,
    Sha256RsaPkcs,
}

impl SignMechanism {
    fn cryptoki(self) -> Mechanism<'static> {
        match self {
            SignMechanism::Ecdsa => Mechanism::Ecdsa,
            SignMechanism::EcdsaSha256 => Mechanism::EcdsaSha256,
            SignMechanism::Sha256RsaPkcs => Mechanism::Sha256RsaPkcs,
        }
    }
}

/// One line of the signature table.
struct SignCase {
    name: &'static str,
    algorithm: Algorithm,
    mechanism: SignMechanism,
    input: Vec<u8>,
    threads: usize,
}

fn sign_cases() -> Vec<SignCase> {
    let digest = openssl::sha::sha256(b"Jeton");
    let kib: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
    let mut cases = Vec::new();
    for threads in [1, 2] {
        cases.push(SignCase {
            name: "ECDSA P-256, CKM_ECDSA, 32-byte digest",
            algorithm: Algorithm::P256,
            mechanism: SignMechanism::Ecdsa,
            input: digest.to_vec(),
            threads,
        });
        cases.push(SignCase {
            name: "ECDSA P-256, CKM_ECDSA_SHA256, 1 KiB",
            algorithm: Algorithm::P256,
            mechanism: SignMechanism::EcdsaSha256,
            input: kib.clone(),
            threads,
        });
        cases.push(SignCase {
            name: "RSA-2048, CKM_SHA256_RSA_PKCS, 1 KiB",
            algorithm: Algorithm::Rsa2048,
            mechanism: SignMechanism::Sha256RsaPkcs,
            input: kib.clone(),
            threads,
        });
    }
    cases
}

/// A loaded, initialized module and the slots of its signing tokens.
struct Module {
    name: &'static str,
    pkcs11: Pkcs11,
    p256_slot: Slot,
    rsa_slot: Slot,
}

/// Logged-in sessions kept open while the module is measured: a login lasts as long as one
/// session of its token.
type Keepers = Vec<Session>;

impl Module {
    fn supports(&self, case: &SignCase) -> Result<bool, BoxError> {
        let wanted = case.mechanism.cryptoki().mechanism_type();
        Ok(self
            .pkcs11
            .get_mechanism_list(self.slot(case.algorithm))?
            .contains(&wanted))
    }

    fn slot(&self, algorithm: Algorithm) -> Slot {
        match algorithm {
            Algorithm::P256 => self.p256_slot,
            Algorithm::Rsa2048 => self.rsa_slot,
        }
    }
}

fn initialize(path: &Path) -> Result<Pkcs11, BoxError> {
    let pkcs11 = Pkcs11::new(path).map_err(|e| format!("{}: {e}", path.display()))?;
    pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))?;
    Ok(pkcs11)
}

fn generate(session: &Session, algorithm: Algorithm) -> Result<(), BoxError> {
    let (mechanism, mut public) = match algorithm {
        Algorithm::P256 => (
            Mechanism::EccKeyPairGen,
            vec![Attribute::EcParams(P256_PARAMS.to_vec())],
        ),
        Algorithm::Rsa2048 => (
            Mechanism::RsaPkcsKeyPairGen,
            vec![
                Attribute::ModulusBits(2048.into()),
                Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
            ],
        ),
    };
    public.extend([
        Attribute::Token(true),
        Attribute::Verify(true),
        Attribute::Id(KEY_ID.to_vec()),
    ]);
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Sign(true),
        Attribute::Id(KEY_ID.to_vec()),
    ];
    session.generate_key_pair(&mechanism, &public, &private)?;
    Ok(())
}

/// Our module over `$JETON_HOME/cards` with 20 cards: card 1 has a P-256 key in 9A, card 2
/// an RSA-2048 key.
fn set_up_ours(module: &Path, home: &Path) -> Result<(Module, Keepers), BoxError> {
    let cards = jeton_card::CardDirectory::new(home.join("cards"));
    for serial in 1..=TOKENS {
        cards.create(&jeton_card::Personalisation::factory(serial))?;
    }
    // Read by the module at `C_Initialize`; set before any thread starts.
    std::env::set_var("JETON_HOME", home);
    let pkcs11 = initialize(module)?;
    let mut by_serial = Vec::new();
    for slot in pkcs11.get_slots_with_token()? {
        by_serial.push((
            pkcs11.get_token_info(slot)?.serial_number().to_string(),
            slot,
        ));
    }
    let slot_of = |serial: &str| {
        by_serial
            .iter()
            .find(|(s, _)| s == serial)
            .map(|(_, slot)| *slot)
            .ok_or(format!("our module shows no card {serial}"))
    };
    let (p256_slot, rsa_slot) = (slot_of("1")?, slot_of("2")?);
    let mut keepers = Vec::new();
    for (slot, algorithm) in [(p256_slot, Algorithm::P256), (rsa_slot, Algorithm::Rsa2048)] {
        let session = pkcs11.open_rw_session(slot)?;
        session.login(UserType::User, Some(&AuthPin::new(PIN.into())))?;
        generate(&session, algorithm)?;
        keepers.push(session);
    }
    let module = Module {
        name: "Jeton",
        pkcs11,
        p256_slot,
        rsa_slot,
    };
    Ok((module, keepers))
}

/// SoftHSMv2 with its own configuration and token folder, 20 initialized tokens: the first
/// holds a P-256 key, the second an RSA-2048 key.
fn set_up_softhsm(folder: &Path) -> Result<(Module, Keepers), BoxError> {
    let tokens = folder.join("tokens");
    std::fs::create_dir_all(&tokens)?;
    let conf = folder.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )?;
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let pkcs11 = initialize(Path::new(SOFTHSM_MODULE))?;
    let so_pin = AuthPin::new(SO_PIN.into());
    let mut initialized = Vec::new();
    // SoftHSMv2 always offers one uninitialized token more than it has.
    while initialized.len() < TOKENS as usize {
        let free = pkcs11
            .get_slots_with_token()?
            .into_iter()
            .find(|slot| !initialized.contains(slot))
            .ok_or("SoftHSMv2 offers no free token")?;
        let label = format!("bench {}", initialized.len() + 1);
        pkcs11.init_token(free, &so_pin, &label)?;
        let session = pkcs11.open_rw_session(free)?;
        session.login(UserType::So, Some(&so_pin))?;
        session.init_pin(&AuthPin::new(PIN.into()))?;
        initialized.push(free);
    }
    // Initializing a token renumbers the slots: find the two signing tokens by label.
    let slot_labelled = |label: &str| -> Result<Slot, BoxError> {
        for slot in pkcs11.get_slots_with_initialized_token()? {
            if pkcs11.get_token_info(slot)?.label() == label {
                return Ok(slot);
            }
        }
        Err(format!("SoftHSMv2 lost token {label:?}").into())
    };
    let (p256_slot, rsa_slot) = (slot_labelled("bench 1")?, slot_labelled("bench 2")?);
    let mut keepers = Vec::new();
    for (slot, algorithm) in [(p256_slot, Algorithm::P256), (rsa_slot, Algorithm::Rsa2048)] {
        let session = pkcs11.open_rw_session(slot)?;
        session.login(UserType::User, Some(&AuthPin::new(PIN.into())))?;
        generate(&session, algorithm)?;
        keepers.push(session);
    }
    let module = Module {
        name: "SoftHSMv2",
        pkcs11,
        p256_slot,
        rsa_slot,
    };
    Ok((module, keepers))
}

fn private_key(session: &Session) -> Result<ObjectHandle, BoxError> {
    session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Id(KEY_ID.to_vec()),
        ])?
        .first()
        .copied()
        .ok_or_else(|| "no private key with CKA_ID 01 (is the user logged in?)".into())
}

/// Runs `work` on `threads` threads for `duration`, all starting together; operations per
/// second over all threads. `prepare` runs on each thread before the clock starts.
fn rate<S, P, W>(threads: usize, duration: Duration, prepare: P, work: W) -> Result<f64, String>
where
    P: Fn() -> Result<S, String> + Sync,
    W: Fn(&mut S) -> Result<(), String> + Sync,
{
    let barrier = Barrier::new(threads);
    let results: Vec<Result<(u64, Duration), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let state = prepare();
                    barrier.wait();
                    let mut state = state?;
                    let start = Instant::now();
                    let mut count = 0u64;
                    while start.elapsed() < duration {
                        work(&mut state)?;
                        count += 1;
                    }
                    Ok((count, start.elapsed()))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into())))
            .collect()
    });
    let mut total = 0.0;
    for result in results {
        let (count, elapsed) = result?;
        total += count as f64 / elapsed.as_secs_f64();
    }
    Ok(total)
}

fn module_sign_rate(module: &Module, case: &SignCase, duration: Duration) -> Result<f64, String> {
    let slot = module.slot(case.algorithm);
    slot_sign_rate(module.name, &module.pkcs11, slot, case, duration)
}

/// `C_Sign` per second with the 9A key (`CKA_ID` 01) of the token in `slot`.
fn slot_sign_rate(
    name: &str,
    pkcs11: &Pkcs11,
    slot: Slot,
    case: &SignCase,
    duration: Duration,
) -> Result<f64, String> {
    let what = |e: &dyn std::fmt::Display| format!("{name}: {}: {e}", case.name);
    rate(
        case.threads,
        duration,
        || {
            let session = pkcs11.open_ro_session(slot).map_err(|e| what(&e))?;
            let key = private_key(&session).map_err(|e| what(&e))?;
            let mechanism = case.mechanism.cryptoki();
            // Untimed: a session's first private-key operation may do one-off work (our
            // module's session VERIFYs the PIN on its own connection to the card).
            session
                .sign(&mechanism, key, &case.input)
                .map_err(|e| what(&e))?;
            Ok((session, key, mechanism))
        },
        |(session, key, mechanism)| {
            session
                .sign(mechanism, *key, &case.input)
                .map(drop)
                .map_err(|e| what(&e))
        },
    )
}

struct SoftwareKeys {
    p256: PKey<Private>,
    rsa: PKey<Private>,
}

impl SoftwareKeys {
    fn generate() -> Result<SoftwareKeys, BoxError> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
        Ok(SoftwareKeys {
            p256: PKey::from_ec_key(EcKey::generate(&group)?)?,
            rsa: PKey::from_rsa(Rsa::generate(2048)?)?,
        })
    }
}

/// OpenSSL doing what the mechanism does, on the same input: the reference rate.
fn openssl_sign_rate(
    keys: &SoftwareKeys,
    case: &SignCase,
    duration: Duration,
) -> Result<f64, String> {
    let what = |e: openssl::error::ErrorStack| format!("OpenSSL: {}: {e}", case.name);
    rate(
        case.threads,
        duration,
        || Ok(()),
        |_| {
            match (case.algorithm, case.mechanism) {
                (Algorithm::P256, SignMechanism::Ecdsa) => {
                    let key = keys.p256.ec_key().map_err(what)?;
                    EcdsaSig::sign(&case.input, &key).map(drop)
                }
                (Algorithm::P256, _) => Signer::new(MessageDigest::sha256(), &keys.p256)
                    .and_then(|mut s| s.sign_oneshot_to_vec(&case.input))
                    .map(drop),
                (Algorithm::Rsa2048, _) => Signer::new(MessageDigest::sha256(), &keys.rsa)
                    .and_then(|mut s| s.sign_oneshot_to_vec(&case.input))
                    .map(drop),
            }
            .map_err(what)
        },
    )
}

fn login_logout_rate(module: &Module, duration: Duration) -> Result<f64, String> {
    let what = |e: &dyn std::fmt::Display| format!("{}: C_Login/C_Logout: {e}", module.name);
    let pin = AuthPin::new(PIN.into());
    rate(
        1,
        duration,
        || {
            module
                .pkcs11
                .open_ro_session(module.p256_slot)
                .map_err(|e| what(&e))
        },
        |session| {
            session
                .login(UserType::User, Some(&pin))
                .and_then(|()| session.logout())
                .map_err(|e| what(&e))
        },
    )
}

/// `C_Initialize` to the end of the first `C_GetSlotList` (length, then list), in
/// milliseconds: the median of the samples. Each sample ends with `C_Finalize`.
fn startup_latency(path: &Path, samples: usize) -> Result<f64, BoxError> {
    let pkcs11 = Pkcs11::new(path)?;
    let mut times = Vec::new();
    for _ in 0..samples {
        let start = Instant::now();
        pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))?;
        let slots = pkcs11.get_slots_with_token()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        pkcs11.clone().finalize()?;
        if slots.len() < TOKENS as usize {
            return Err(format!("{}: {} tokens, not {TOKENS}", path.display(), slots.len()).into());
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn best(mut measure: impl FnMut() -> Result<f64, String>, best: &mut f64) -> Result<(), String> {
    *best = best.max(measure()?);
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// `cargo build --release -p jeton-pkcs11` (with `--features pcsc` for the reader table:
/// that module serves the virtual cards all the same), and where its `.so` is.
fn build_module(pcsc: bool) -> Result<PathBuf, BoxError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = vec!["build", "--quiet", "--release", "-p", "jeton-pkcs11"];
    if pcsc {
        args.extend(["--features", "pcsc"]);
    }
    let status = Command::new(cargo)
        .args(&args)
        .current_dir(&workspace)
        .status()?;
    if !status.success() {
        return Err(format!("cargo {} failed", args.join(" ")).into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    Ok(target.join("release/libjeton_pkcs11.so"))
}

/// The slot of the first token whose slot description (the reader's name, for both our
/// module and OpenSC's) contains `reader`, ignoring case.
fn reader_slot(name: &str, pkcs11: &Pkcs11, reader: &str) -> Result<Slot, BoxError> {
    let wanted = reader.to_lowercase();
    for slot in pkcs11.get_slots_with_token()? {
        let info = pkcs11.get_slot_info(slot)?;
        if info.slot_description().to_lowercase().contains(&wanted) {
            return Ok(slot);
        }
    }
    Err(format!("{name}: no token in a slot described as {reader:?}").into())
}

/// Logs the user in to the token in `slot` (the returned session keeps the login) and checks
/// that the 9A key is there.
fn log_in(name: &str, pkcs11: &Pkcs11, slot: Slot) -> Result<Session, BoxError> {
    let session = pkcs11.open_ro_session(slot)?;
    session.login(UserType::User, Some(&AuthPin::new(PIN.into())))?;
    private_key(&session).map_err(|e| format!("{name}: {e}"))?;
    Ok(session)
}

/// ECDSA P-256 with the 9A key: in-process (virtual card 1, keyed by the setup), through our
/// module over the reader, and through OpenSC's over the same reader; best of the rounds,
/// the three taking turns.
fn reader_table(settings: &Settings, module_path: &Path, reader: &str) -> Result<(), BoxError> {
    let case = SignCase {
        name: "ECDSA P-256, CKM_ECDSA, 32-byte digest",
        algorithm: Algorithm::P256,
        mechanism: SignMechanism::Ecdsa,
        input: openssl::sha::sha256(b"Jeton").to_vec(),
        threads: 1,
    };
    let ours = initialize(module_path)?;
    let mut virtual_slot = None;
    for slot in ours.get_slots_with_token()? {
        if ours.get_token_info(slot)?.serial_number() == "1" {
            virtual_slot = Some(slot);
        }
    }
    let virtual_slot = virtual_slot.ok_or("our module shows no card 1")?;
    let reader_slot_ours = reader_slot("Jeton", &ours, reader)?;
    let mut keepers = vec![
        log_in("Jeton", &ours, virtual_slot)?,
        log_in("Jeton", &ours, reader_slot_ours)?,
    ];
    let opensc = if Path::new(OPENSC_MODULE).exists() {
        let pkcs11 = initialize(Path::new(OPENSC_MODULE))?;
        let slot = reader_slot("OpenSC", &pkcs11, reader)?;
        keepers.push(log_in("OpenSC", &pkcs11, slot)?);
        Some((pkcs11, slot))
    } else {
        println!("{OPENSC_MODULE} not found (apt-get install opensc-pkcs11): OpenSC not measured");
        None
    };

    let (mut in_process, mut through, mut opensc_rate) = (0.0f64, 0.0f64, 0.0f64);
    for _ in 0..settings.rounds {
        best(
            || slot_sign_rate("Jeton", &ours, virtual_slot, &case, settings.round),
            &mut in_process,
        )?;
        best(
            || slot_sign_rate("Jeton", &ours, reader_slot_ours, &case, settings.round),
            &mut through,
        )?;
        if let Some((pkcs11, slot)) = &opensc {
            best(
                || slot_sign_rate("OpenSC", pkcs11, *slot, &case, settings.round),
                &mut opensc_rate,
            )?;
        }
    }
    println!(
        "\n{}, 9A, 1 session, reader {reader:?}: best of {} round(s) of {:.2} s each",
        case.name,
        settings.rounds,
        settings.round.as_secs_f64()
    );
    println!("{:<44} {:>9} {:>12}", "path", "sig/s", "ms per sig");
    let line = |what: &str, rate: f64| println!("{what:<44} {rate:>9.0} {:>12.3}", 1e3 / rate);
    line("Jeton, in-process (virtual card)", in_process);
    line("Jeton module, pcscd+vpcd", through);
    if opensc.is_some() {
        line("OpenSC module, pcscd+vpcd", opensc_rate);
    }
    println!(
        "target: Jeton through the reader ≥ {READER_TARGET:.0}/s: {} ({through:.0}/s)",
        verdict(through >= READER_TARGET)
    );
    if opensc.is_some() {
        println!(
            "target: Jeton through the reader ≥ OpenSC through it: {} ({:.2}×)",
            verdict(through >= opensc_rate),
            through / opensc_rate
        );
    }
    drop(keepers);
    ours.finalize()?;
    if let Some((pkcs11, _)) = opensc {
        pkcs11.finalize()?;
    }
    Ok(())
}

fn run() -> Result<(), BoxError> {
    let settings = Settings::from_environment()?;
    let reader = std::env::var("JETON_BENCH_READER")
        .ok()
        .filter(|name| !name.is_empty());
    let module_path = build_module(reader.is_some())?;
    let folder = tempfile::tempdir()?;
    let (ours, our_keepers) = set_up_ours(&module_path, &folder.path().join("jeton"))?;
    let (softhsm, hsm_keepers) = if Path::new(SOFTHSM_MODULE).exists() {
        let (module, keepers) = set_up_softhsm(&folder.path().join("softhsm"))?;
        (Some(module), keepers)
    } else {
        println!("{SOFTHSM_MODULE} not found (apt-get install softhsm2): SoftHSMv2 not measured");
        (None, Vec::new())
    };
    let keys = SoftwareKeys::generate()?;

    println!(
        "\nC_Sign per second: best of {} round(s) of {:.2} s each",
        settings.rounds,
        settings.round.as_secs_f64()
    );
    println!(
        "{:<40} {:>3} {:>9} {:>9} {:>9} {:>6} {:>6}  verdict (target)",
        "operation", "thr", "Jeton", "SoftHSMv2", "OpenSSL", "/HSM", "/OSSL"
    );
    for case in sign_cases() {
        // SoftHSMv2 2.6 has no CKM_ECDSA_SHA256: its column says so.
        let hsm_module = match &softhsm {
            Some(module) if module.supports(&case)? => Some(module),
            _ => None,
        };
        let (mut jeton, mut hsm, mut ossl) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..settings.rounds {
            best(
                || module_sign_rate(&ours, &case, settings.round),
                &mut jeton,
            )?;
            if let Some(module) = hsm_module {
                best(|| module_sign_rate(module, &case, settings.round), &mut hsm)?;
            }
            best(
                || openssl_sign_rate(&keys, &case, settings.round),
                &mut ossl,
            )?;
        }
        let (hsm_rate, hsm_ratio, target) = match hsm_module {
            Some(_) => (
                format!("{hsm:.0}"),
                format!("{:.2}", jeton / hsm),
                jeton >= hsm,
            ),
            None => ("n/a".to_string(), "n/a".to_string(), true),
        };
        let (met, rule) = if case.algorithm == Algorithm::P256 && case.threads == 1 {
            (target && jeton >= 0.8 * ossl, "≥ SoftHSMv2, ≥ 0.8 OpenSSL")
        } else {
            (target, "≥ SoftHSMv2")
        };
        println!(
            "{:<40} {:>3} {jeton:>9.0} {hsm_rate:>9} {ossl:>9.0} {hsm_ratio:>6} {:>6.2}  {} ({rule})",
            case.name,
            case.threads,
            jeton / ossl,
            verdict(met),
        );
    }

    let (mut jeton, mut hsm) = (0.0f64, 0.0f64);
    // Login is per token: end the keepers' login so that the loop can log in.
    for keeper in our_keepers.iter().chain(&hsm_keepers).step_by(2) {
        keeper.logout()?;
    }
    for _ in 0..settings.rounds {
        best(|| login_logout_rate(&ours, settings.round), &mut jeton)?;
        if let Some(softhsm) = &softhsm {
            best(|| login_logout_rate(softhsm, settings.round), &mut hsm)?;
        }
    }
    // The card spends a PIN try durably before each comparison and gives it back after
    // (two atomic replacements of its file, each with two fsyncs); scrypt runs only for a
    // PIN this process has not yet seen open the card's vault.
    println!(
        "\nC_Login+C_Logout per second: Jeton {jeton:.1} ({:.2} ms each)   SoftHSMv2 {hsm:.1}   /HSM {:.3}  {} (≥ SoftHSMv2)",
        1e3 / jeton,
        jeton / hsm,
        verdict(softhsm.is_none() || jeton >= hsm),
    );

    // Startup needs each module finalized: every session of the setup goes with it.
    drop((our_keepers, hsm_keepers));
    ours.pkcs11.finalize()?;
    let jeton = startup_latency(&module_path, settings.latency_samples)?;
    let hsm = match softhsm {
        Some(softhsm) => {
            softhsm.pkcs11.finalize()?;
            startup_latency(Path::new(SOFTHSM_MODULE), settings.latency_samples)?
        }
        None => f64::NAN,
    };
    println!(
        "C_Initialize → first C_GetSlotList, {TOKENS} tokens (median of {}): Jeton {jeton:.3} ms   SoftHSMv2 {hsm:.3} ms  (no target)",
        settings.latency_samples
    );
    if let Some(reader) = reader {
        reader_table(&settings, &module_path, &reader)?;
    }
    Ok(())
}

fn main() {
    if let Err(error) = run() {
        eprintln!("pkcs11 bench: {error}");
        std::process::exit(1);
    }
}
