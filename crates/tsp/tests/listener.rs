//! `jeton server` stops within a second of SIGTERM even while it is pre-signing (issue 9):
//! the server is run on its own multi-threaded runtime, as `jeton server` runs it, until the
//! shutdown signal, on records that never stop yielding newly issued certificates, so that
//! a resync is under way, signing on every core, when the signal comes. The runtime is then
//! dropped, which waits for every blocking thread: the signing itself must stop, not only
//! be left behind.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use jeton_pki::{
    issue_self_signed, profile, Country, KeyKind, Organization, Period, Provider, Revocation,
    ServiceName, SoftwareKey, Subject,
};
use jeton_tsp::audit::SignedHead;
use jeton_tsp::server::records::{CertCursor, CrlMeta};
use jeton_tsp::server::{
    CaService, Issued, RecordsError, RevocationEvent, Server, Services, StatusRecords, StoredCrl,
    Timing,
};
use tokio::sync::mpsc;
use x509_cert::serial_number::SerialNumber;

/// Records of a CA that issues without end: each page asked for is full of new serials.
#[derive(Default)]
struct Endless {
    pages: AtomicU64,
    /// The revocation feeds handed out, kept open: no revocation ever comes.
    feeds: Mutex<Vec<mpsc::Sender<RevocationEvent>>>,
}

impl StatusRecords for Endless {
    async fn ca_certificate(&self, _ca: &str) -> Result<Option<Vec<u8>>, RecordsError> {
        Ok(None)
    }
    async fn issued(
        &self,
        _ca: &str,
        _serial: &SerialNumber,
    ) -> Result<Option<Issued>, RecordsError> {
        Ok(None)
    }
    async fn issued_since(
        &self,
        _ca: &str,
        after: &CertCursor,
        limit: u32,
    ) -> Result<(Vec<Issued>, CertCursor), RecordsError> {
        self.pages.fetch_add(1, Ordering::SeqCst);
        let first = after.seq + 1;
        let page = (first..first + i64::from(limit))
            .map(|seq| Issued {
                // Positive, 9 bytes: a leading 0x01 keeps the DER INTEGER minimal.
                serial: SerialNumber::new(&[&[0x01][..], &seq.to_be_bytes()].concat()).unwrap(),
                revocation: None,
            })
            .collect();
        let next = CertCursor {
            seq: after.seq + i64::from(limit),
            serial: String::new(),
        };
        Ok((page, next))
    }
    async fn revoked(&self, _ca: &str) -> Result<Vec<Revocation>, RecordsError> {
        Ok(Vec::new())
    }
    async fn latest_crl(&self, _ca: &str) -> Result<Option<StoredCrl>, RecordsError> {
        Ok(None)
    }
    async fn latest_crl_meta(&self, _ca: &str) -> Result<Option<CrlMeta>, RecordsError> {
        Ok(None)
    }
    async fn prune_crls(&self, _ca: &str) -> Result<Vec<u64>, RecordsError> {
        Ok(Vec::new())
    }
    async fn next_crl_number(&self, _ca: &str) -> Result<u64, RecordsError> {
        Ok(1)
    }
    async fn save_crl(&self, _ca: &str, _crl: &StoredCrl) -> Result<(), RecordsError> {
        Ok(())
    }
    async fn next_tsa_serial(&self) -> Result<SerialNumber, RecordsError> {
        Ok(SerialNumber::new(&[1]).unwrap())
    }
    async fn audit_head(&self) -> Result<Option<SignedHead>, RecordsError> {
        Ok(None)
    }
    async fn revocations(&self) -> Result<mpsc::Receiver<RevocationEvent>, RecordsError> {
        let (sender, receiver) = mpsc::channel(1);
        self.feeds.lock().unwrap().push(sender);
        Ok(receiver)
    }
}

/// One CA that answers OCSP with its own key.
fn services() -> Services<Endless> {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let now = SystemTime::now() - Duration::from_secs(60);
    let root = profile::builtin()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "root-ca")
        .unwrap();
    let subject = Subject::Service(
        ServiceName::new(
            Country::new("FR").unwrap(),
            Organization::new("Jeton Trust Services", None).unwrap(),
            "Issuing",
        )
        .unwrap(),
    );
    let certificate = issue_self_signed(
        &root,
        &Provider {
            policy: None,
            pds: Vec::new(),
        },
        &subject,
        &key,
        Period {
            not_before: now,
            not_after: now + Duration::from_secs(86_400 * 365),
        },
    )
    .unwrap();
    let ca = CaService::new(
        "issuing".into(),
        certificate,
        Box::new(key),
        None,
        Duration::from_secs(3600),
    )
    .unwrap();
    Services {
        records: Endless::default(),
        cas: vec![ca],
        tsa: None,
    }
}

#[test]
fn sigterm_mid_resync_stops_the_server_within_a_second() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let address: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let (listener, _) = runtime.block_on(Server::<Endless>::bind(address)).unwrap();
    let server = Server::new(
        services(),
        Timing {
            crl_interval: Duration::from_secs(60),
            crl_validity: Duration::from_secs(86_400),
            resync_interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
            max_body: 1 << 16,
            header_read_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(15),
            max_connections: None,
        },
    );
    let services = Arc::clone(server.services());
    let (signal, signalled) = tokio::sync::oneshot::channel::<()>();
    let running = runtime.spawn(server.run(listener, async {
        let _ = signalled.await;
    }));

    // The first resync's first page (20,000 certificates) is being signed.
    let started = Instant::now();
    while services.records.pages.load(Ordering::SeqCst) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no resync began"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let signed = services.cas[0].cache.len();
    assert!(
        signed < 20_000,
        "the page was signed already ({signed}): the resync is not under way"
    );

    let sigterm = Instant::now();
    signal.send(()).unwrap();
    runtime
        .block_on(running)
        .expect("the server's task")
        .expect("the server stopped cleanly");
    // Dropping the runtime waits for its blocking threads: for the signing of the page to
    // stop (`jeton server` does not wait that long, `shutdown_timeout` 100 ms, but then
    // exits with OpenSSL still signing on them).
    drop(runtime);
    let took = sigterm.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "stopped {took:?} after SIGTERM"
    );
}
