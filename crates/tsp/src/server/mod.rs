//! `jeton server`: the provider's status services over HTTP (tokio + axum).
//!
//! - `POST /ocsp`, `GET /ocsp/{request}`: OCSP (RFC 6960, RFC 5019). One response per
//!   certificate and CertID hash is signed ahead and refreshed before its nextUpdate, so the
//!   hot path signs nothing; requests with a nonce (RFC 8954) are signed live.
//! - `GET /crl/{ca}.crl`: the CA's latest CRL. A fresh one is published within
//!   `crl_interval` of a revocation taking effect (a revocation dated in the future too).
//! - `GET /ca/{ca}.crt`: CA certificates. `POST /tsa`: RFC 3161 time-stamps. `/healthz`.
//! - `GET /audit/head`: the audit log's latest signed head ([`crate::audit::SignedHead`],
//!   JSON), for anyone to keep outside the database.
//!
//! Revocation is never late: every process follows the store's revocation feed (PostgreSQL
//! LISTEN/NOTIFY, and a poll of the revocation cursor for what a notification missed) and
//! replaces the pre-signed responses of a revoked certificate at once; a request that finds
//! no fresh pre-signed response reads the store itself.
//!
//! Connections are served by hyper with a header-read timeout, an idle timeout and a cap
//! ([`listener`]): idle or half-sent connections make room for real requests instead of
//! taking the server off the air; SIGTERM ends it within a second.
//!
//! What it is not: the CA's operations (`jeton ca …`, in [`crate::store`]) or the
//! registration portal.

pub mod config;
mod crl;
pub mod database;
mod http;
pub mod listener;
mod memory;
mod presigned;
pub mod records;
mod services;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{ConfigError, ServerConfig};
pub use records::{Issued, RecordsError, RevocationEvent, StatusRecords, StoredCrl};
pub use services::{CaService, Services, TsaService};

/// Why the server cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A CA, responder or TSA cannot be set up as configured.
    #[error("{0}")]
    Setup(String),
    /// The store cannot be read.
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// The database cannot be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A response, CRL or token could not be signed.
    #[error("signing: {0}")]
    Sign(String),
    /// DER encoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// The listening socket.
    #[error("cannot listen on {address}: {error}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
}

impl ServerError {
    /// A stable code for scripts (`--json`) and for front ends choosing their words; the
    /// store's errors keep their own code.
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Config(_) => "config",
            ServerError::Setup(_) => "setup",
            ServerError::Records(_) => "records",
            ServerError::Store(error) => error.code(),
            ServerError::Sign(_) => "signing",
            ServerError::Der(_) => "der",
            ServerError::Listen { .. } => "listen",
        }
    }
}

impl From<jeton_pki::ocsp::ResponseError> for ServerError {
    fn from(e: jeton_pki::ocsp::ResponseError) -> Self {
        ServerError::Sign(e.to_string())
    }
}

impl From<jeton_pki::CrlError> for ServerError {
    fn from(e: jeton_pki::CrlError) -> Self {
        ServerError::Sign(e.to_string())
    }
}

/// How often things happen.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// A revocation is on a published CRL within this time.
    pub crl_interval: Duration,
    /// nextUpdate − thisUpdate of CRLs.
    pub crl_validity: Duration,
    /// How often every pre-signed response is checked against the store.
    pub resync_interval: Duration,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// Largest request body.
    pub max_body: usize,
    /// A request's head must arrive within this time of the connection's start or of its
    /// first byte.
    pub header_read_timeout: Duration,
    /// A connection with no request in progress is closed after this long.
    pub idle_timeout: Duration,
    /// Open connections at most; None: what the file-descriptor limit allows.
    pub max_connections: Option<usize>,
}

impl From<&ServerConfig> for Timing {
    fn from(c: &ServerConfig) -> Self {
        Timing {
            crl_interval: c.crl_interval,
            crl_validity: c.crl_validity,
            resync_interval: c.resync_interval,
            request_timeout: c.request_timeout,
            max_body: c.max_body,
            header_read_timeout: c.header_read_timeout,
            idle_timeout: c.idle_timeout,
            max_connections: c.max_connections,
        }
    }
}

/// A server ready to listen.
pub struct Server<S> {
    services: Arc<Services<S>>,
    timing: Timing,
}

impl<S: StatusRecords> Server<S> {
    /// A server for these services.
    pub fn new(services: Services<S>, timing: Timing) -> Self {
        Server {
            services: Arc::new(services),
            timing,
        }
    }

    /// The services (for tests and benchmarks).
    pub fn services(&self) -> &Arc<Services<S>> {
        &self.services
    }

    /// Binds `address` (port 0: any free port). Returns the listener and its real address.
    /// The soft file-descriptor limit is raised to the hard limit first, and the listen
    /// backlog is the number of connections that fit in it.
    pub async fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr), ServerError> {
        let fitting = listener::connections_fitting(listener::descriptor_limit());
        let backlog = u32::try_from(fitting).unwrap_or(u32::MAX);
        let listener = listener::bind(address, backlog)
            .map_err(|error| ServerError::Listen { address, error })?;
        let bound = listener
            .local_addr()
            .map_err(|error| ServerError::Listen { address, error })?;
        Ok((listener, bound))
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in
    /// flight within [`listener::SHUTDOWN_GRACE`] and returns. The background work
    /// (pre-signing, following revocations, publishing CRLs) runs as long as this does, and
    /// is not waited for: a resync on a blocking thread is the runtime's to drop.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let background = self.start_background();
        let router = http::router(
            Arc::clone(&self.services),
            http::Limits {
                max_body: self.timing.max_body,
                timeout: self.timing.request_timeout,
                crl_max_age: self.timing.crl_interval,
            },
        );
        listener::serve(listener, router, self.connection_limits(), shutdown).await;
        for task in background {
            task.abort();
        }
        Ok(())
    }

    /// The configured cap, within what the file-descriptor limit allows.
    fn connection_limits(&self) -> listener::ConnectionLimits {
        let descriptors = listener::descriptor_limit();
        let fitting = listener::connections_fitting(descriptors);
        let max_connections = match self.timing.max_connections {
            Some(wanted) if wanted > fitting => {
                tracing::warn!(
                    max_connections = wanted,
                    descriptors,
                    "max_connections does not fit in the file-descriptor limit; using {fitting}"
                );
                fitting
            }
            Some(wanted) => wanted,
            None => fitting,
        };
        tracing::info!(max_connections, "connection cap");
        listener::ConnectionLimits {
            header_read_timeout: self.timing.header_read_timeout,
            idle_timeout: self.timing.idle_timeout,
            max_connections,
            shutdown_grace: listener::SHUTDOWN_GRACE,
        }
    }

    fn start_background(&self) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(follow_revocations(
            Arc::clone(&self.services),
            self.timing.resync_interval,
        )));
        let timing = crl::CrlTiming {
            interval: self.timing.crl_interval,
            validity: self.timing.crl_validity,
        };
        for index in 0..self.services.cas.len() {
            tasks.push(tokio::spawn(crl::run(
                Arc::clone(&self.services),
                index,
                timing,
            )));
        }
        tasks
    }
}

/// Follows revocations as they are committed and issuance from its cursor every `resync`,
/// and re-signs responses before they go stale ([`services::background`]).
async fn follow_revocations<S: StatusRecords>(services: Arc<Services<S>>, resync: Duration) {
    services::background(services, resync).await
}

#[cfg(test)]
mod tests;
