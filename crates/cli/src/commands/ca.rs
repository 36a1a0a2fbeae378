//! `jeton ca init|issue|revoke|list|crl`: the provider's certificate authority, run by its
//! operators. The work is in `jeton_tsp::ca`; here, arguments, secrets and words.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jeton_pki::RevocationReason;
use jeton_tsp::audit::{self, Event};
use jeton_tsp::ca::{
    self as provider_ca, KeyPlan, KeyRef, KeyStore, ProviderDir, RootKey, SubjectKey, Validity,
};
use jeton_tsp::config::ProviderConfig;
use jeton_tsp::keys::{KeyRole, RoleSecrets};
use jeton_tsp::store::{Actor, RevocationRequest, RevokeOutcome, Serial, Status, Store};
use openssl::x509::X509Crl;

use super::Ctx;
use crate::cli::{CaArgs, CaCommand, KeySecretArgs, ProviderArgs};
use crate::error::CliError;
use crate::i18n::Msg;
use crate::secrets::{SecretKind, Stage};

/// How a role's secret is asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// The secret of an existing key (or its token's PIN).
    Current,
    /// A new key file's passphrase: from the terminal or stdin, then its confirmation.
    New,
}

/// Reads the secrets of `roles`, in the order of [`KeyRole::ALL`]: each from its
/// `--passphrase-file ROLE=FILE` when given, else from the terminal or stdin.
pub fn read_role_secrets(
    ctx: &mut Ctx,
    keys: &KeySecretArgs,
    roles: &[(KeyRole, Ask)],
) -> Result<RoleSecrets, CliError> {
    let mut secrets = RoleSecrets::new();
    for role in KeyRole::ALL {
        let Some((_, ask)) = roles.iter().find(|(r, _)| *r == role) else {
            continue;
        };
        let kind = SecretKind::ProviderKey(role);
        let file = keys.passphrase_files.iter().rev().find(|(r, _)| *r == role);
        let secret = match (file, ask) {
            (Some((_, path)), _) => crate::secrets::read_file(path, kind)?,
            (None, Ask::New) => ctx.secrets.read_new(kind)?,
            (None, Ask::Current) => ctx.secrets.read(kind, Stage::Current)?,
        };
        secrets.set(role, secret);
    }
    Ok(secrets)
}

/// Says loudly what the permission check only warns about.
pub fn warn_loose(
    ctx: &mut Ctx,
    warnings: &[jeton_tsp::permissions::LooseMode],
) -> Result<(), CliError> {
    for loose in warnings {
        ctx.note(Msg::ConfigReadable {
            path: &loose.path.display().to_string(),
            mode: loose.mode,
            fix: &loose.fix(),
        })?;
    }
    Ok(())
}

/// $JETON_HOME: the cards folder's parent.
pub fn provider_home(ctx: &Ctx) -> Result<std::path::PathBuf, CliError> {
    ctx.home
        .cards_dir()
        .parent()
        .map(Path::to_path_buf)
        .ok_or(CliError::NoHome)
}

fn operator_of(args: &ProviderArgs) -> String {
    args.operator
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".into())
}

/// What every provider command works with: its folder, settings and database.
pub struct Provider {
    pub dir: ProviderDir,
    pub config: ProviderConfig,
    pub config_text: String,
    pub store: Store,
    pub operator: String,
    pub runtime: tokio::runtime::Runtime,
}

impl Provider {
    /// Reads the configuration and opens the database (`$JETON_HOME/provider/tsp.sqlite`
    /// unless the configuration or JETON_DATABASE_URL names another).
    pub fn open(ctx: &mut Ctx, args: &ProviderArgs) -> Result<Provider, CliError> {
        let home = provider_home(ctx)?;
        let dir = ProviderDir(home.join("provider"));
        let path = args
            .config
            .clone()
            .unwrap_or_else(|| home.join("provider.toml"));
        let (config, config_text) = ProviderConfig::load(&path, |name| std::env::var(name).ok())?;
        // Only `ca init` makes the folder, whole (an empty one would look like a provider).
        if !dir.0.is_dir() {
            return Err(CliError::Ca(provider_ca::CaError::Incomplete(vec![dir
                .0
                .display()
                .to_string()])));
        }
        // Before anything is read from it, as ssh checks a key file.
        let warnings = jeton_tsp::permissions::check_provider(
            &dir.0,
            &config.database_url(&dir.0),
            &path,
            &config_text,
        )
        .map_err(provider_ca::CaError::from)?;
        warn_loose(ctx, &warnings)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(CliError::Runtime)?;
        let store = runtime
            .block_on(Store::open(&config.database_url(&dir.0)))?
            .archive_heads_to(dir.0.join(audit::HEADS_FILE));
        let operator = operator_of(args);
        Ok(Provider {
            dir,
            config,
            config_text,
            store,
            operator,
            runtime,
        })
    }

    /// Appends a configuration entry when the settings differ from those last recorded.
    pub fn note_configuration_change(&self, actor: Actor<'_>) -> Result<(), CliError> {
        let sha256 = audit::hex(&audit::sha256(self.config_text.as_bytes()));
        let (entries, _) = self.runtime.block_on(self.store.audit_log())?;
        let last = entries
            .iter()
            .rev()
            .find(|e| e.kind == "configuration" && e.details.contains("\"provider "));
        let recorded = last.is_some_and(|e| e.details.contains(&sha256));
        if last.is_some() && !recorded {
            self.runtime.block_on(self.store.audit(
                actor,
                &Event::Configuration {
                    change: "provider configuration changed".into(),
                    sha256,
                },
            ))?;
        }
        Ok(())
    }
}

pub fn run(ctx: &mut Ctx, args: CaArgs) -> Result<(), CliError> {
    // `ca init` makes the provider; every other command needs a complete one.
    if let CaCommand::Init {
        pkcs11,
        root_pkcs11,
    } = &args.command
    {
        return init(ctx, &args, pkcs11.as_deref(), root_pkcs11.as_deref());
    }
    let provider = Provider::open(ctx, &args.provider)?;
    let keys = Keys {
        secrets: &args.keys,
        root_dir: args.root_dir.as_deref(),
    };
    match args.command {
        CaCommand::Init { .. } => Ok(()),
        CaCommand::Issue {
            profile,
            csr,
            public_key,
            subject,
            days,
            ca,
            out,
        } => issue(
            ctx,
            &provider,
            keys,
            &profile,
            csr.as_deref(),
            public_key.as_deref(),
            &subject,
            days,
            &ca,
            out.as_deref(),
        ),
        CaCommand::Revoke {
            serial,
            reason,
            at,
            invalidity_date,
            ca,
        } => revoke(
            ctx,
            &provider,
            keys,
            &serial,
            &reason,
            at.as_deref(),
            invalidity_date.as_deref(),
            &ca,
        ),
        CaCommand::List { json } => list(ctx, &provider, json),
        CaCommand::Crl {
            ca,
            next_update_hours,
            out,
        } => crl(ctx, &provider, keys, &ca, next_update_hours, out.as_deref()),
    }
}

/// Where a command finds its keys' secrets and an offline root key.
#[derive(Clone, Copy)]
struct Keys<'a> {
    secrets: &'a KeySecretArgs,
    root_dir: Option<&'a Path>,
}

fn token(uri: &str) -> Result<KeyRef, CliError> {
    let key_ref = KeyRef::parse(uri)?;
    if !matches!(key_ref, KeyRef::Pkcs11 { .. }) {
        return Err(CliError::Ca(provider_ca::CaError::KeyRef(uri.to_owned())));
    }
    Ok(key_ref)
}

fn init(
    ctx: &mut Ctx,
    ca_args: &CaArgs,
    pkcs11: Option<&str>,
    root_pkcs11: Option<&str>,
) -> Result<(), CliError> {
    let args = &ca_args.provider;
    let home = provider_home(ctx)?;
    let dir = ProviderDir(home.join("provider"));
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| home.join("provider.toml"));
    // A newcomer starts from a commented default (as `step ca init` does), written whole.
    let wrote_config = args.config.is_none() && !path.exists();
    if wrote_config {
        std::fs::create_dir_all(&home).map_err(|error| CliError::Io {
            path: home.clone(),
            error,
        })?;
        jeton_tsp::config::write_default(&path)?;
    }
    let (config, config_text) = ProviderConfig::load(&path, |name| std::env::var(name).ok())?;
    let keys = match pkcs11 {
        Some(uri) => KeyStore::Pkcs11(token(uri)?),
        None => KeyStore::Software,
    };
    let root = match (&ca_args.root_dir, root_pkcs11) {
        (Some(_), Some(_)) => {
            return Err(CliError::Ca(provider_ca::CaError::KeyRef(
                "--root-dir and --root-pkcs11 both given: choose one".into(),
            )))
        }
        (Some(dir), None) => RootKey::Dir(dir.clone()),
        (None, Some(uri)) => RootKey::Pkcs11(token(uri)?),
        (None, None) => RootKey::WithOthers,
    };
    let plan = KeyPlan { keys, root };
    // A key file's passphrase is new (and confirmed); a token's PIN is its own.
    let roles: Vec<_> = KeyRole::ALL
        .into_iter()
        .map(|r| {
            (
                r,
                if plan.in_file(r) {
                    Ask::New
                } else {
                    Ask::Current
                },
            )
        })
        .collect();
    let secrets = read_role_secrets(ctx, &ca_args.keys, &roles)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let report = runtime.block_on(provider_ca::init(
        &dir,
        &config,
        &config_text,
        &plan,
        &secrets,
        &operator_of(args),
    ))?;
    drop(secrets);
    if report.finished_earlier_run {
        ctx.say(Msg::CaFinishedEarlierRun)?;
    }
    for ca in &report.made {
        let cert = provider_ca::certificate_of(ca)?;
        let serial = Serial::of(&cert.tbs_certificate.serial_number);
        let subject = jeton_pki::to_rfc4514(&cert.tbs_certificate.subject);
        ctx.say(Msg::CaMade {
            name: &ca.name,
            role: &ca.role,
            serial: serial.as_str(),
            subject: &subject,
        })?;
    }
    ctx.say(Msg::CaReady(&dir.0.display().to_string()))?;
    ctx.say(Msg::CaNextSteps {
        dir: &dir.0.display().to_string(),
        config: &path.display().to_string(),
        wrote_config,
        pkcs11: pkcs11.is_some(),
        root_offline: !matches!(plan.root, RootKey::WithOthers),
    })
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|error| CliError::Io {
        path: path.to_owned(),
        error,
    })
}

/// CA `ca` and the audit key, each opened with its own role's secret (and only those two
/// are asked for).
fn unlock(
    ctx: &mut Ctx,
    p: &Provider,
    keys: Keys,
    ca: &str,
) -> Result<(provider_ca::LoadedCa, Box<dyn jeton_pki::Signer>), CliError> {
    let record = p.runtime.block_on(p.store.ca(ca))?;
    let role = provider_ca::role_of(&record)?;
    let secrets = read_role_secrets(
        ctx,
        keys.secrets,
        &[(role, Ask::Current), (KeyRole::Audit, Ask::Current)],
    )?;
    let key_dir = keys.root_dir.filter(|_| role == KeyRole::Root);
    let loaded = p.runtime.block_on(provider_ca::load_ca(
        &p.store, &p.dir, ca, &secrets, key_dir,
    ))?;
    let audit_key = provider_ca::audit_key(
        &p.dir,
        secrets
            .get(KeyRole::Audit)
            .map_err(provider_ca::CaError::from)?,
    )?;
    Ok((loaded, audit_key))
}

#[allow(clippy::too_many_arguments)]
fn issue(
    ctx: &mut Ctx,
    p: &Provider,
    keys: Keys,
    profile: &str,
    csr: Option<&Path>,
    public_key: Option<&Path>,
    subject: &str,
    days: Option<u32>,
    ca: &str,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let subject = provider_ca::parse_person(subject)?;
    let bytes = match (csr, public_key) {
        (Some(path), _) | (None, Some(path)) => read(path)?,
        (None, None) => unreachable!("clap requires --csr or --public-key"),
    };
    let key = if csr.is_some() {
        SubjectKey::Csr(&bytes)
    } else {
        SubjectKey::PublicKey(&bytes)
    };
    let (loaded, audit_key) = unlock(ctx, p, keys, ca)?;
    let actor = Actor {
        name: &p.operator,
        audit_key: Some(audit_key.as_ref()),
    };
    p.note_configuration_change(actor)?;
    let record = p.runtime.block_on(provider_ca::issue_certificate(
        &p.store, &p.config, &loaded, profile, &subject, key, days, actor,
    ))?;
    let pem = openssl::x509::X509::from_der(&record.der)?.to_pem()?;
    ctx.write_output(out, &pem)?;
    ctx.note(Msg::CaIssued {
        serial: record.serial.as_str(),
        profile,
        subject: &record.subject,
    })
}

/// `2026-12-31`, `2026-12-31T18:00:00Z` (UTC only) or `@1798761600`.
pub fn parse_time(text: &str) -> Result<SystemTime, CliError> {
    let bad = || CliError::BadTime(text.to_owned());
    if let Some(secs) = text.strip_prefix('@') {
        let secs: u64 = secs.parse().map_err(|_| bad())?;
        return Ok(UNIX_EPOCH + Duration::from_secs(secs));
    }
    let (date, clock) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
        None => (text, None),
    };
    let mut parts = date.split('-').map(|n| n.parse::<i64>());
    let (y, m, d) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None) => (y, m, d),
        _ => return Err(bad()),
    };
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(clock) = clock {
        let mut hms = clock.split(':').map(|n| n.parse::<i64>());
        let (h, mi, s) = match (hms.next(), hms.next(), hms.next(), hms.next()) {
            (Some(Ok(h)), Some(Ok(mi)), Some(Ok(s)), None) => (h, mi, s),
            (Some(Ok(h)), Some(Ok(mi)), None, None) => (h, mi, 0),
            _ => return Err(bad()),
        };
        if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..61).contains(&s) {
            return Err(bad());
        }
        secs += h * 3600 + mi * 60 + s;
    }
    Ok(UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs()))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A time as `2026-12-31T18:00:00Z`.
pub fn show_time(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil_from_days, the inverse of the above.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[allow(clippy::too_many_arguments)]
fn revoke(
    ctx: &mut Ctx,
    p: &Provider,
    keys: Keys,
    serial: &str,
    reason: &str,
    at: Option<&str>,
    invalidity_date: Option<&str>,
    ca: &str,
) -> Result<(), CliError> {
    let serial: Serial = serial.parse()?;
    let reason: RevocationReason = reason.parse()?;
    let at = at
        .map(parse_time)
        .transpose()?
        .unwrap_or_else(SystemTime::now);
    let invalidity_date = invalidity_date.map(parse_time).transpose()?;
    let request = RevocationRequest {
        ca: ca.to_owned(),
        serial: serial.clone(),
        reason,
        at,
        invalidity_date,
    };
    // What the store would refuse is refused before the secret is asked for.
    p.runtime.block_on(p.store.check_revocation(&request))?;
    // The audit key signs the head in the revocation's own transaction, so that no
    // revocation stays outside a signed head (the store refuses backdating for every caller).
    let secrets = read_role_secrets(ctx, keys.secrets, &[(KeyRole::Audit, Ask::Current)])?;
    let audit_key = provider_ca::audit_key(
        &p.dir,
        secrets
            .get(KeyRole::Audit)
            .map_err(provider_ca::CaError::from)?,
    )?;
    drop(secrets);
    let actor = Actor {
        name: &p.operator,
        audit_key: Some(audit_key.as_ref()),
    };
    let outcome = p.runtime.block_on(p.store.revoke(&request, actor))?;
    let record = outcome.record();
    let when = show_time(record.revoked_at);
    let reason = record.reason.name();
    let now = SystemTime::now();
    match &outcome {
        RevokeOutcome::Revoked(_) => ctx.say(Msg::CaRevoked {
            serial: serial.as_str(),
            at: &when,
            reason,
            future: record.revoked_at > now,
        }),
        RevokeOutcome::AlreadyRevoked(_) => ctx.say(Msg::CaAlreadyRevoked {
            serial: serial.as_str(),
            at: &when,
            reason,
            planned: record.revoked_at > now,
        }),
        RevokeOutcome::Advanced { previous, .. } => ctx.say(Msg::CaRevocationAdvanced {
            serial: serial.as_str(),
            at: &when,
            from: &show_time(previous.revoked_at),
            reason,
            old_reason: previous.reason.name(),
        }),
        RevokeOutcome::ReasonRaised { previous, .. } => ctx.say(Msg::CaReasonRaised {
            serial: serial.as_str(),
            at: &when,
            old_reason: previous.reason.name(),
        }),
    }
}

fn list(ctx: &mut Ctx, p: &Provider, json: bool) -> Result<(), CliError> {
    let now = SystemTime::now();
    let (cas, certs) = p.runtime.block_on(async {
        let cas = p.store.cas().await?;
        let certs = p.store.certificates(None).await?;
        let mut with_status = Vec::new();
        for c in certs {
            let status = p.store.status_of(&c.ca, &c.serial, now).await?;
            with_status.push((c, status));
        }
        Ok::<_, jeton_tsp::StoreError>((cas, with_status))
    })?;
    // A revocation outranks the dates; a good certificate outside its period is not good.
    let status_text = |c: &jeton_tsp::store::CertificateRecord, s: &Status| match s {
        Status::Good => match Validity::of(c, now) {
            Validity::Valid => ("good".to_owned(), None, None),
            Validity::Expired => ("expired".to_owned(), None, None),
            Validity::NotYetValid => ("not-yet-valid".to_owned(), None, None),
        },
        Status::Revoked { at, reason } => (
            "revoked".to_owned(),
            Some(show_time(*at)),
            Some(reason.name().to_owned()),
        ),
        Status::Unknown => ("unknown".to_owned(), None, None),
    };
    if json {
        let value = serde_json::json!({
            "cas": cas.iter().map(|c| serde_json::json!({
                "name": c.name, "role": c.role, "issuer": c.issuer, "key": c.key_ref,
            })).collect::<Vec<_>>(),
            "certificates": certs.iter().map(|(c, s)| {
                let (status, revoked_at, reason) = status_text(c, s);
                serde_json::json!({
                    "ca": c.ca, "serial": c.serial.as_str(), "profile": c.profile,
                    "subject": c.subject, "not_before": show_time(c.not_before),
                    "not_after": show_time(c.not_after), "status": status,
                    "revoked_at": revoked_at, "reason": reason,
                })
            }).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&value).map_err(CliError::Json)?;
        return ctx.write_output(None, format!("{text}\n").as_bytes());
    }
    for c in &cas {
        ctx.say(Msg::CaListed {
            name: &c.name,
            role: &c.role,
            key: &c.key_ref,
        })?;
    }
    for (c, s) in &certs {
        let (status, revoked_at, _) = status_text(c, s);
        let status = match revoked_at {
            Some(at) => format!("{status} {at}"),
            None => status,
        };
        ctx.say(Msg::CertificateListed {
            ca: &c.ca,
            serial: c.serial.as_str(),
            profile: &c.profile,
            subject: &c.subject,
            status: &status,
            until: &show_time(c.not_after),
        })?;
    }
    Ok(())
}

fn crl(
    ctx: &mut Ctx,
    p: &Provider,
    keys: Keys,
    ca: &str,
    next_update_hours: u32,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let (loaded, audit_key) = unlock(ctx, p, keys, ca)?;
    let actor = Actor {
        name: &p.operator,
        audit_key: Some(audit_key.as_ref()),
    };
    p.note_configuration_change(actor)?;
    let record = p.runtime.block_on(provider_ca::publish_crl(
        &p.store,
        &loaded,
        Duration::from_secs(3600 * u64::from(next_update_hours)),
        actor,
    ))?;
    let entries = p
        .runtime
        .block_on(p.store.revoked_at(ca, record.this_update))?
        .len();
    let pem = X509Crl::from_der(&record.der)?.to_pem()?;
    ctx.write_output(out, &pem)?;
    ctx.note(Msg::CaCrlSigned {
        ca,
        number: record.number,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_utc_and_shown_back() {
        let t = parse_time("2026-12-31T18:00:00Z").unwrap();
        assert_eq!(show_time(t), "2026-12-31T18:00:00Z");
        assert_eq!(
            show_time(parse_time("2024-02-29").unwrap()),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(parse_time("@0").unwrap(), UNIX_EPOCH);
        for bad in [
            "2026-13-01",
            "31/12/2026",
            "2026-12-31T18:00:00+01:00",
            "tomorrow",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }
}
