//! `jeton server`: the provider's status services (OCSP, CRLs, CA certificates, time-stamps)
//! over HTTP until Ctrl-C (SIGINT) or SIGTERM. The work is in `jeton_tsp::server`; here, the
//! configuration, the key secret, the runtime and the signals.

use std::path::Path;

use jeton_tsp::ca::{self as provider_ca, ProviderDir};
use jeton_tsp::config::ProviderConfig;
use jeton_tsp::keys::KeyRole;
use jeton_tsp::server::{self, Server, ServerConfig, Timing};
use jeton_tsp::store::Store;

use super::ca::{read_role_secrets, warn_loose, Ask};
use super::Ctx;
use crate::cli::ServerArgs;
use crate::error::CliError;

pub fn run(ctx: &mut Ctx, args: &ServerArgs) -> Result<(), CliError> {
    // The cards folder's parent is $JETON_HOME, as for `jeton ca`.
    let home = ctx
        .home
        .cards_dir()
        .parent()
        .map(Path::to_path_buf)
        .ok_or(CliError::NoHome)?;
    let path = args
        .provider
        .config
        .clone()
        .unwrap_or_else(|| home.join("provider.toml"));
    let env = |name: &str| std::env::var(name).ok();
    let (provider, config_text) = ProviderConfig::load(&path, env)?;
    let mut config = ServerConfig::load(&path, env).map_err(server::ServerError::from)?;
    if let Some(listen) = &args.listen {
        config.listen =
            server::config::listen_address(listen).map_err(server::ServerError::from)?;
    }
    // What the server does (CRLs published, revocations applied, failures) goes to stderr.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let served = runtime.block_on(async {
        let dir = ProviderDir(home.join("provider"));
        if !dir.0.is_dir() {
            let missing = vec![dir.0.display().to_string()];
            return Err(CliError::Ca(provider_ca::CaError::Incomplete(missing)));
        }
        // Before anything is read from it, as ssh checks a key file.
        let warnings = jeton_tsp::permissions::check_provider(
            &dir.0,
            &provider.database_url(&dir.0),
            &path,
            &config_text,
        )
        .map_err(provider_ca::CaError::from)?;
        warn_loose(ctx, &warnings)?;
        let store = Store::open(&provider.database_url(&dir.0)).await?;
        // Never serve a half-made provider: its status answers would be wrong or missing.
        let missing = provider_ca::missing(&store, &dir).await?;
        if !missing.is_empty() {
            return Err(CliError::Ca(provider_ca::CaError::Incomplete(missing)));
        }
        // Key files are recorded relative to the provider folder, which may have moved.
        let mut roles = Vec::new();
        for ca in store.cas().await? {
            let role = provider_ca::role_of(&ca)?;
            if role != KeyRole::Root && !roles.contains(&(role, Ask::Current)) {
                roles.push((role, Ask::Current));
            }
            let key_ref = dir.resolve(provider_ca::KeyRef::parse(&ca.key_ref)?);
            config
                .keys
                .entry(ca.name)
                .or_insert_with(|| key_ref.to_string());
        }
        // The online keys' secrets only (issuing, ocsp, tsa), as `jeton ca` reads them: asked
        // only once the provider is known to be complete. Never the root's nor the audit
        // key's: the server does not hold them.
        let secrets = read_role_secrets(ctx, &args.keys, &roles)?;
        let services = server::database::services(store, &config, &secrets).await?;
        drop(secrets);
        let (listener, address) =
            Server::<server::database::DatabaseRecords>::bind(config.listen).await?;
        // Scripts read the address (port 0 picks a free one).
        writeln!(ctx.out, "jeton server listening on http://{address}")
            .map_err(CliError::Output)?;
        ctx.out.flush().map_err(CliError::Output)?;
        Server::new(services, Timing::from(&config))
            .run(listener, shutdown())
            .await?;
        Ok(())
    });
    // A resync on a blocking thread is not waited for: SIGTERM ends the server within a second.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    served
}

/// Completes on SIGINT or SIGTERM: requests in flight are finished, then the server stops.
async fn shutdown() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
