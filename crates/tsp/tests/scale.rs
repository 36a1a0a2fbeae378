//! What `jeton server` reads at a million certificates (issue 9), on SQLite and PostgreSQL:
//! issuance followed from a cursor across store handles (another process), only the new
//! rows read; revocations followed from a cursor too (a change read once); old CRLs pruned to the newest N and archived as private files.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

use common::{databases, issue, open, operator, DAY};
use jeton_pki::RevocationReason;
use jeton_tsp::audit::Event;
use jeton_tsp::server::database::DatabaseRecords;
use jeton_tsp::server::records::CertCursor;
use jeton_tsp::server::{StatusRecords, StoredCrl};
use jeton_tsp::store::{CaRecord, RevocationRequest, Serial, Store};

async fn with_ca(store: &Store) {
    store
        .record_ca(
            &CaRecord {
                name: "issuing".into(),
                role: "issuing-ca".into(),
                issuer: None,
                certificate: vec![0x30, 0x00],
                key_ref: "/nonexistent/issuing.key.pem".into(),
            },
            operator(),
            &Event::Configuration {
                change: "test CA".into(),
                sha256: String::new(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn issuance_by_another_store_handle_is_followed_from_the_cursor_reading_only_new_rows() {
    for db in databases().await {
        let ca_side = open(&db).await;
        with_ca(&ca_side).await;
        let first = issue(&ca_side, "0A").await;
        issue(&ca_side, "0B").await;
        ca_side
            .revoke(
                &RevocationRequest {
                    ca: "issuing".into(),
                    serial: first.clone(),
                    reason: RevocationReason::KeyCompromise,
                    at: SystemTime::now(),
                    invalidity_date: None,
                },
                operator(),
            )
            .await
            .unwrap();
        // The server: its own handle, as another process has.
        let records = DatabaseRecords::new(open(&db).await, Duration::from_secs(1));
        let (all, cursor) = records
            .issued_since("issuing", &CertCursor::START, 1000)
            .await
            .unwrap();
        assert_eq!(all.len(), 2, "{}", db.name);
        assert!(all[0].revocation.is_some() && all[1].revocation.is_none());
        // Paged: one row at a time resumes where the last page ended.
        let (page, next) = records
            .issued_since("issuing", &CertCursor::START, 1)
            .await
            .unwrap();
        assert_eq!(page.len(), 1);
        let (page, _) = records.issued_since("issuing", &next, 1).await.unwrap();
        assert_eq!(Serial::of(&page[0].serial).as_str(), "0B");
        let (none, same) = records
            .issued_since("issuing", &cursor, 1000)
            .await
            .unwrap();
        assert!(none.is_empty() && same == cursor, "{}", db.name);
        let third = issue(&ca_side, "0C").await;
        let (news, _) = records
            .issued_since("issuing", &cursor, 1000)
            .await
            .unwrap();
        assert_eq!(
            news.iter()
                .map(|i| Serial::of(&i.serial))
                .collect::<Vec<_>>(),
            vec![third],
            "{}: only the row issued since the cursor is read",
            db.name
        );
        ca_side.close().await;
        records.store().close().await;
    }
}

/// A revocation from another process.
fn request(serial: &Serial, reason: RevocationReason, at: SystemTime) -> RevocationRequest {
    RevocationRequest {
        ca: "issuing".into(),
        serial: serial.clone(),
        reason,
        at,
        invalidity_date: None,
    }
}

#[tokio::test]
async fn the_crl_publisher_follows_revocations_from_a_cursor_and_sees_each_change_once() {
    for db in databases().await {
        let ca_side = open(&db).await;
        with_ca(&ca_side).await;
        let leaving = issue(&ca_side, "1A").await;
        let lost = issue(&ca_side, "1B").await;
        let now = SystemTime::now();
        // A leaving date next week, then a loss today.
        let planned = request(
            &leaving,
            RevocationReason::AffiliationChanged,
            now + 7 * DAY,
        );
        ca_side.revoke(&planned, operator()).await.unwrap();
        let loss = request(&lost, RevocationReason::KeyCompromise, now);
        ca_side.revoke(&loss, operator()).await.unwrap();
        let records = DatabaseRecords::new(open(&db).await, Duration::from_secs(1));
        let (all, cursor) = records.revoked_since("issuing", 0, 1000).await.unwrap();
        assert_eq!(all.len(), 2, "{}", db.name);
        let (page, next) = records.revoked_since("issuing", 0, 1).await.unwrap();
        assert_eq!(
            (page.len(), Serial::of(&page[0].serial)),
            (1, leaving.clone())
        );
        let (page, _) = records.revoked_since("issuing", next, 1).await.unwrap();
        assert_eq!(Serial::of(&page[0].serial), lost, "{}", db.name);
        let (none, same) = records
            .revoked_since("issuing", cursor, 1000)
            .await
            .unwrap();
        assert!(none.is_empty() && same == cursor, "{}", db.name);
        // The holder leaves early: the planned revocation is brought forward, and the
        // publisher reading from its cursor gets the changed row, and only it.
        let early = request(&leaving, RevocationReason::AffiliationChanged, now);
        ca_side.revoke(&early, operator()).await.unwrap();
        let (changed, _) = records
            .revoked_since("issuing", cursor, 1000)
            .await
            .unwrap();
        assert_eq!(changed.len(), 1, "{}", db.name);
        assert_eq!(Serial::of(&changed[0].serial), leaving);
        assert!(changed[0].revoked_at <= SystemTime::now(), "{}", db.name);
        ca_side.close().await;
        records.store().close().await;
    }
}

#[tokio::test]
async fn old_crls_are_pruned_to_the_newest_n_and_archived_as_private_files() {
    for db in databases().await {
        let store = open(&db).await;
        with_ca(&store).await;
        let archive = tempfile::tempdir().unwrap();
        let dir = archive.path().join("crl-archive");
        let records =
            DatabaseRecords::new(store, Duration::from_secs(1)).with_crl_archive(dir.clone(), 2);
        let now = SystemTime::now();
        for n in 1..=5u8 {
            let number = records.next_crl_number("issuing").await.unwrap();
            let crl = StoredCrl {
                number,
                this_update: now,
                next_update: Some(now + DAY),
                der: vec![0x30, 0x01, n],
            };
            records.save_crl("issuing", &crl).await.unwrap();
        }
        assert_eq!(
            records.prune_crls("issuing").await.unwrap(),
            vec![1, 2, 3],
            "{}",
            db.name
        );
        assert!(records.prune_crls("issuing").await.unwrap().is_empty());
        let store = records.store();
        assert_eq!(
            store.latest_crl("issuing").await.unwrap().unwrap().number,
            5
        );
        assert!(store.crl("issuing", 3).await.unwrap().is_none());
        assert!(store.crl("issuing", 4).await.unwrap().is_some());
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for n in 1..=3u8 {
            let file = dir.join(format!("issuing-{n:010}.crl"));
            assert_eq!(std::fs::read(&file).unwrap(), vec![0x30, 0x01, n]);
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        // Nothing half-written left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
        store.close().await;
    }
}
