//! Fills a provider made by `jeton ca init` with many certificates fast, for `bench/million.sh`
//! (issue 9: `jeton server` at 1,000,000 certificates). Not run by CI on its own.
//!
//!     JETON_BENCH_PROVIDER=$JETON_HOME JETON_BENCH_PASSPHRASES=DIR JETON_BENCH_CERTS=1000000 \
//!     [JETON_BENCH_FROM=N] [JETON_BENCH_REVOKE=FILE] cargo bench -p jeton-tsp --bench million
//!
//! Issues certificates number FROM (0) to CERTS, then revokes the serials listed in FILE (one
//! hex serial a line): a fill stopped half-way resumes where its last committed batch ended.
//! What it writes is what `jeton ca issue` and `jeton ca revoke` write: each certificate
//! really signed by the issuing CA's key (qualified-signing profile, the provider's URLs),
//! its row and its signed audit entry; each revocation's row and signed audit entry; the
//! signed heads appended to the heads file. Only the commits are grouped (10,000 rows a
//! transaction, `Store::record_certificates`, `Store::revoke_many`) and the certificates
//! signed on every core while the previous batch is written. The holders share one P-256
//! public key (a key per holder would measure OpenSSL's key generation, not the provider).
//! `DIR` holds a passphrase file per key role (`issuing`, `audit`), as
//! tests/interop/provider_keys.bash writes them. Prints the fill's rate.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use der::Encode;
use jeton_pki::{KeyKind, Period, RevocationReason, Signer, SoftwareKey};
use jeton_tsp::audit::{self, Event};
use jeton_tsp::ca::{self, ProviderDir};
use jeton_tsp::config::ProviderConfig;
use jeton_tsp::keys::{KeyRole, RoleSecrets};
use jeton_tsp::store::{Actor, CertificateRecord, RevocationRequest, Serial, Store};
use zeroize::Zeroizing;

type Error = Box<dyn std::error::Error + Send + Sync>;

const BATCH: usize = 10_000;

fn env_number(name: &str, default: usize) -> Result<usize, Error> {
    match std::env::var(name) {
        Ok(text) => Ok(text.trim().parse()?),
        Err(_) => Ok(default),
    }
}

/// The first line of `dir/role`, as `--passphrase-file ROLE=FILE` reads it.
fn secrets(dir: &std::path::Path) -> Result<RoleSecrets, Error> {
    let mut secrets = RoleSecrets::new();
    for role in [KeyRole::Issuing, KeyRole::Audit] {
        let text = Zeroizing::new(std::fs::read_to_string(dir.join(role.to_string()))?);
        let line = text.lines().next().unwrap_or_default();
        secrets.set(role, Zeroizing::new(line.as_bytes().to_vec()));
    }
    Ok(secrets)
}

struct Issuing {
    ca: ca::LoadedCa,
    config: ProviderConfig,
    spki: spki::SubjectPublicKeyInfoOwned,
    profile: jeton_pki::Profile,
    period: Period,
}

impl Issuing {
    /// Certificate number `i`, signed, with the audit entry `jeton ca issue` writes.
    fn issue(&self, i: usize) -> Result<(CertificateRecord, Event), Error> {
        let subject = ca::parse_person(&format!(
            "C=FR,GN=Jeanne,SN=Million{i},serialNumber=PNOFR-{:013},CN=Jeanne Million{i}",
            1_850_775_000_000u64 + i as u64
        ))?;
        let name = &self.ca.record.name;
        let cert = jeton_pki::issue(
            &self.profile,
            &self.config.provider,
            &subject,
            &self.spki,
            &jeton_pki::Issuer {
                certificate: &self.ca.certificate,
                signer: self.ca.key.as_ref(),
                urls: &self.config.urls_for(name),
            },
            self.period,
        )?;
        let der = cert.to_der()?;
        let serial = Serial::of(&cert.tbs_certificate.serial_number);
        let subject = jeton_pki::to_rfc4514(&cert.tbs_certificate.subject);
        let event = Event::Issuance {
            ca: name.clone(),
            serial: serial.to_string(),
            profile: self.profile.name.clone(),
            subject: subject.clone(),
            sha256: audit::hex(&audit::sha256(&der)),
        };
        Ok((
            CertificateRecord {
                ca: name.clone(),
                serial,
                profile: self.profile.name.clone(),
                subject,
                der,
                not_before: self.period.not_before,
                not_after: cert.tbs_certificate.validity.not_after.to_system_time(),
            },
            event,
        ))
    }
}

/// Signs batches on every core but one (the writer's), one batch ahead of the writer.
fn sign_batches(
    issuing: &Issuing,
    numbers: std::ops::Range<usize>,
    out: tokio::sync::mpsc::Sender<Result<Vec<(CertificateRecord, Event)>, Error>>,
) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let count = numbers.end;
    for start in numbers.step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let per = (end - start).div_ceil(threads);
        let batch = std::thread::scope(|scope| {
            let workers: Vec<_> = (start..end)
                .step_by(per)
                .map(|from| {
                    scope.spawn(move || {
                        (from..(from + per).min(end))
                            .map(|i| issuing.issue(i))
                            .collect::<Result<Vec<_>, Error>>()
                    })
                })
                .collect();
            let mut batch = Vec::with_capacity(end - start);
            for w in workers {
                batch.extend(w.join().map_err(|_| "a signing thread failed")??);
            }
            Ok::<_, Error>(batch)
        });
        if out.blocking_send(batch).is_err() {
            return;
        }
    }
}

async fn fill(
    home: PathBuf,
    passphrases: PathBuf,
    numbers: std::ops::Range<usize>,
    revoke: Vec<Serial>,
) -> Result<(), Error> {
    let (config, _) =
        ProviderConfig::load(&home.join("provider.toml"), |name| std::env::var(name).ok())?;
    let dir = ProviderDir(home.join("provider"));
    let store = Store::open(&config.database_url(&dir.0))
        .await?
        .archive_heads_to(dir.0.join(audit::HEADS_FILE));
    let secrets = secrets(&passphrases)?;
    let ca = ca::load_ca(&store, &dir, "issuing", &secrets, None).await?;
    let audit_key = ca::audit_key(&dir, secrets.get(KeyRole::Audit)?)?;
    let actor = Actor {
        name: "bench",
        audit_key: Some(audit_key.as_ref()),
    };
    let now = SystemTime::now();
    let ca_end = ca
        .certificate
        .tbs_certificate
        .validity
        .not_after
        .to_system_time();
    let issuing = std::sync::Arc::new(Issuing {
        spki: SoftwareKey::generate(KeyKind::P256)?.public_key(),
        profile: ca::profile("qualified-signing")?,
        period: Period {
            not_before: now - Duration::from_secs(60),
            not_after: (now + Duration::from_secs(365 * 86_400)).min(ca_end),
        },
        ca,
        config,
    });
    let start = Instant::now();
    let (sender, mut batches) = tokio::sync::mpsc::channel(1);
    let signer = std::sync::Arc::clone(&issuing);
    let count = numbers.len();
    let signing = std::thread::spawn(move || sign_batches(&signer, numbers, sender));
    while let Some(batch) = batches.recv().await {
        store.record_certificates(&batch?, actor).await?;
    }
    signing.join().map_err(|_| "the signing thread failed")?;
    if count > 0 {
        let issued_in = start.elapsed().as_secs_f64();
        println!(
            "filled: {count} certificates signed by the issuing CA and recorded with signed audit entries in {issued_in:.0} s ({:.0}/s)",
            count as f64 / issued_in
        );
    }
    let start = Instant::now();
    for part in revoke.chunks(BATCH) {
        // Dated when recorded, as `jeton ca revoke` does (a date in the past is refused).
        let at = SystemTime::now();
        let requests: Vec<RevocationRequest> = part
            .iter()
            .map(|serial| RevocationRequest {
                ca: "issuing".into(),
                serial: serial.clone(),
                reason: RevocationReason::Superseded,
                at,
                invalidity_date: None,
            })
            .collect();
        store.revoke_many(&requests, actor).await?;
    }
    if !revoke.is_empty() {
        let took = start.elapsed().as_secs_f64();
        println!(
            "filled: {} revocations recorded with signed audit entries in {took:.0} s ({:.0}/s)",
            revoke.len(),
            revoke.len() as f64 / took
        );
    }
    store.close().await;
    Ok(())
}

fn main() -> Result<(), Error> {
    let home = std::env::var_os("JETON_BENCH_PROVIDER").ok_or(
        "set JETON_BENCH_PROVIDER to a JETON_HOME made by `jeton ca init` (bench/million.sh does)",
    )?;
    let passphrases = std::env::var_os("JETON_BENCH_PASSPHRASES")
        .ok_or("set JETON_BENCH_PASSPHRASES to the folder of the role passphrase files")?;
    let count = env_number("JETON_BENCH_CERTS", 1_000_000)?;
    let from = env_number("JETON_BENCH_FROM", 0)?;
    // One serial (hex) a line: the certificates to revoke.
    let revoke = match std::env::var_os("JETON_BENCH_REVOKE") {
        Some(file) => std::fs::read_to_string(file)?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().parse::<Serial>())
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(fill(
        home.into(),
        passphrases.into(),
        from.min(count)..count,
        revoke,
    ))
}
