//! Certificates issued per second through jeton-tsp, as `jeton ca issue` issues them: each
//! PKCS#10 request checked, a qualified signing certificate signed with the issuing CA's
//! software P-256 key, and stored with its signed audit entry in one SQLite transaction.
//!
//!     cargo bench -p jeton-tsp --bench issuance
//!
//! Alone, it sets up a provider in a temporary folder and issues 1,000 certificates.
//! `bench/ocsp.sh` uses it to fill a provider made by `jeton ca init` fast: with
//! `JETON_BENCH_PROVIDER=$JETON_HOME` it issues `JETON_BENCH_CERTS` certificates into that
//! provider, its key passphrase read from stdin. Not run by CI.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jeton_tsp::ca::{self, KeyPlan, ProviderDir, SubjectKey};
use jeton_tsp::config::ProviderConfig;
use jeton_tsp::keys::{KeyRole, RoleSecrets};
use jeton_tsp::store::{Actor, Store};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509NameBuilder, X509ReqBuilder};
use zeroize::Zeroizing;

/// The whole run stops here, whatever the count asked for.
const DEADLINE: Duration = Duration::from_secs(600);

const PROVIDER_TOML: &str = r#"[provider]
organization = "Jeton Trust Services"
organization_identifier = "NTRFR-123456789"
country = "FR"
policy = "1.3.6.1.4.1.99999.1.1"
base_url = "http://127.0.0.1"
[[provider.pds]]
url = "https://pki.jeton.example/pds/en.pdf"
language = "en"
"#;

type Error = Box<dyn std::error::Error>;

/// PKCS#10 requests for fresh P-256 keys, made by OpenSSL.
fn csrs(count: usize) -> Result<Vec<Vec<u8>>, Error> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    (0..count)
        .map(|i| {
            let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
            let mut name = X509NameBuilder::new()?;
            name.append_entry_by_text("CN", &format!("holder {i}"))?;
            let mut req = X509ReqBuilder::new()?;
            req.set_subject_name(&name.build())?;
            req.set_pubkey(&key)?;
            req.sign(&key, MessageDigest::sha256())?;
            Ok(req.build().to_der()?)
        })
        .collect()
}

/// One passphrase per key role, each `secret` prefixed with the role's name.
fn role_secrets(secret: &[u8]) -> RoleSecrets {
    let mut secrets = RoleSecrets::new();
    for role in KeyRole::ALL {
        let mut value = Zeroizing::new(format!("{role} ").into_bytes());
        value.extend_from_slice(secret);
        secrets.set(role, value);
    }
    secrets
}

/// A fresh provider in `home` (root, issuing CA, responder, TSA, audit key in key files).
async fn set_up(home: &Path, secret: &[u8]) -> Result<(), Error> {
    std::fs::write(home.join("provider.toml"), PROVIDER_TOML)?;
    let (config, text) = ProviderConfig::load(&home.join("provider.toml"), |_| None)?;
    let dir = ProviderDir(home.join("provider"));
    let secrets = role_secrets(secret);
    ca::init(
        &dir,
        &config,
        &text,
        &KeyPlan::software(),
        &secrets,
        "bench",
    )
    .await?;
    Ok(())
}

async fn run(home: PathBuf, secret: Zeroizing<Vec<u8>>, count: usize) -> Result<(), Error> {
    let (config, _) =
        ProviderConfig::load(&home.join("provider.toml"), |name| std::env::var(name).ok())?;
    let dir = ProviderDir(home.join("provider"));
    let store = Store::open(&config.database_url(&dir.0)).await?;
    let secrets = role_secrets(&secret);
    let issuing = ca::load_ca(&store, &dir, "issuing", &secrets, None).await?;
    let audit_key = ca::audit_key(&dir, secrets.get(KeyRole::Audit)?)?;
    let actor = Actor {
        name: "bench",
        audit_key: Some(audit_key.as_ref()),
    };
    let requests = csrs(count)?;
    let start = Instant::now();
    let mut issued = 0;
    for (i, csr) in requests.iter().enumerate() {
        if start.elapsed() > DEADLINE {
            return Err(format!("stopped after {issued} certificates: over {DEADLINE:?}").into());
        }
        let subject = ca::parse_person(&format!(
            "C=FR,GN=Jeanne,SN=Bench{i},serialNumber=PNOFR-{:013},CN=Jeanne Bench{i}",
            1_850_775_000_000u64 + i as u64
        ))?;
        ca::issue_certificate(
            &store,
            &config,
            &issuing,
            "qualified-signing",
            &subject,
            SubjectKey::Csr(csr),
            Some(365),
            actor,
        )
        .await?;
        issued += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "jeton-tsp: {issued} certificates issued from CSRs (P-256 CA key file, {} with signed audit entries) in {elapsed:.1} s: {:.0}/s",
        match store.backend() {
            jeton_tsp::store::Backend::Sqlite => "SQLite",
            jeton_tsp::store::Backend::Postgres => "PostgreSQL",
        },
        issued as f64 / elapsed
    );
    store.close().await;
    Ok(())
}

fn main() -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let count = std::env::var("JETON_BENCH_CERTS")
        .ok()
        .map(|n| n.parse::<usize>())
        .transpose()?;
    match std::env::var_os("JETON_BENCH_PROVIDER") {
        Some(home) => {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin().lock().read_line(&mut line)?;
            let secret = Zeroizing::new(line.trim_end_matches(['\r', '\n']).as_bytes().to_vec());
            runtime.block_on(run(home.into(), secret, count.unwrap_or(10_000)))
        }
        None => {
            let home = tempfile::tempdir()?;
            let secret = Zeroizing::new(b"bench passphrase".to_vec());
            runtime.block_on(set_up(home.path(), &secret))?;
            runtime.block_on(run(home.path().into(), secret, count.unwrap_or(1000)))
        }
    }
}
