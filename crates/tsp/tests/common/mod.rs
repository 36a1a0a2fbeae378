//! The databases every storage test runs on: a fresh SQLite file, and a fresh database in
//! the PostgreSQL server named by JETON_TEST_POSTGRES_URL (which `.ci/run` always starts).
#![allow(dead_code)]

use sqlx::Connection;

use std::time::{Duration, SystemTime};

use jeton_tsp::audit::Event;
use jeton_tsp::store::{Actor, CertificateRecord, Serial};
use jeton_tsp::Store;

pub const DAY: Duration = Duration::from_secs(86_400);

pub fn operator() -> Actor<'static> {
    Actor::unsigned("test-operator")
}

/// Records a placeholder certificate `serial` of the CA "issuing", valid from a day ago for
/// a year, with its issuance entry in the log.
pub async fn issue(store: &Store, serial: &str) -> Serial {
    let serial: Serial = serial.parse().unwrap();
    let now = SystemTime::now();
    store
        .record_certificate(
            &CertificateRecord {
                ca: "issuing".into(),
                serial: serial.clone(),
                profile: "qualified-signing".into(),
                subject: format!("CN=Holder {serial}"),
                der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
                not_before: now - DAY,
                not_after: now + 365 * DAY,
            },
            operator(),
            &Event::Issuance {
                ca: "issuing".into(),
                serial: serial.to_string(),
                profile: "qualified-signing".into(),
                subject: String::new(),
                sha256: String::new(),
            },
        )
        .await
        .unwrap();
    serial
}

pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A new, empty database of each backend available.
pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut dbs = vec![TestDb {
        name: "sqlite",
        url: format!("sqlite://{}", dir.path().join("tsp.sqlite").display()),
        _dir: Some(dir),
    }];
    match std::env::var("JETON_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!(
                "jeton_test_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            );
            let mut conn = sqlx::postgres::PgConnection::connect(&admin)
                .await
                .expect("JETON_TEST_POSTGRES_URL reaches a PostgreSQL server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create a test database");
            let (base, _) = admin
                .rsplit_once('/')
                .expect("JETON_TEST_POSTGRES_URL ends in /database");
            dbs.push(TestDb {
                name: "postgres",
                url: format!("{base}/{name}"),
                _dir: None,
            });
        }
        _ => eprintln!(
            "JETON_TEST_POSTGRES_URL is not set: PostgreSQL skipped, SQLite only \
             (.ci/run starts a private PostgreSQL and sets it)"
        ),
    }
    dbs
}

pub async fn open(db: &TestDb) -> Store {
    Store::open(&db.url)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.name))
}
