//! The provider's storage on SQLite and PostgreSQL: revocations durable, never undone,
//! dated in the future when asked, announced to other processes; counters that never repeat.

mod common;

use std::time::{Duration, SystemTime};

use common::{databases, issue, open, operator, DAY};
use jeton_pki::RevocationReason;
use jeton_tsp::audit::{self, Event};
use jeton_tsp::store::{
    CaRecord, CrlRecord, RevocationRequest, RevokeOutcome, Serial, Status, Store, StoreError,
};

async fn with_ca_and_certificates(store: &Store, serials: &[&str]) -> Vec<Serial> {
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
    let mut out = Vec::new();
    for s in serials {
        out.push(issue(store, s).await);
    }
    out
}

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
async fn a_lost_token_is_revoked_at_once_and_never_reinstated() {
    for db in databases().await {
        let store = open(&db).await;
        let serials = with_ca_and_certificates(&store, &["4A01", "4A02"]).await;
        let now = SystemTime::now();
        assert_eq!(
            store.status_of("issuing", &serials[0], now).await.unwrap(),
            Status::Good,
            "{}",
            db.name
        );
        let first = store
            .revoke(
                &request(&serials[0], RevocationReason::KeyCompromise, now),
                operator(),
            )
            .await
            .unwrap();
        assert!(matches!(first, RevokeOutcome::Revoked(_)), "{}", db.name);
        // A fresh connection sees it: it was committed before `revoke` returned.
        let other = open(&db).await;
        let status = other.status_of("issuing", &serials[0], now).await.unwrap();
        assert!(
            matches!(
                status,
                Status::Revoked {
                    reason: RevocationReason::KeyCompromise,
                    ..
                }
            ),
            "{}: {status:?}",
            db.name
        );
        // Revoking again, later and for another reason, keeps the first record.
        let again = store
            .revoke(
                &request(&serials[0], RevocationReason::Superseded, now + DAY),
                operator(),
            )
            .await
            .unwrap();
        assert_eq!(
            again,
            RevokeOutcome::AlreadyRevoked(first.record().clone()),
            "{}",
            db.name
        );
        // The other certificate is untouched.
        assert_eq!(
            store.status_of("issuing", &serials[1], now).await.unwrap(),
            Status::Good
        );
        store.close().await;
        other.close().await;
    }
}

#[tokio::test]
async fn a_revocation_on_the_leaving_date_takes_effect_then_and_a_loss_before_brings_it_forward() {
    for db in databases().await {
        let store = open(&db).await;
        let serials = with_ca_and_certificates(&store, &["5B01"]).await;
        let now = SystemTime::now();
        let leaving = now + 30 * DAY;
        store
            .revoke(
                &request(&serials[0], RevocationReason::AffiliationChanged, leaving),
                operator(),
            )
            .await
            .unwrap();
        assert_eq!(
            store.status_of("issuing", &serials[0], now).await.unwrap(),
            Status::Good,
            "{}: not revoked before the leaving date",
            db.name
        );
        let after = store
            .status_of("issuing", &serials[0], leaving + DAY)
            .await
            .unwrap();
        assert!(matches!(after, Status::Revoked { .. }), "{}", db.name);
        assert!(store.revoked_at("issuing", now).await.unwrap().is_empty());
        // A later date never moves it.
        let later = store
            .revoke(
                &request(&serials[0], RevocationReason::Superseded, leaving + DAY),
                operator(),
            )
            .await
            .unwrap();
        assert!(matches!(later, RevokeOutcome::AlreadyRevoked(_)));
        // The token is lost before the leaving date: revoked from now on.
        let lost = store
            .revoke(
                &request(&serials[0], RevocationReason::KeyCompromise, now),
                operator(),
            )
            .await
            .unwrap();
        assert!(
            matches!(lost, RevokeOutcome::Advanced { .. }),
            "{}",
            db.name
        );
        let status = store.status_of("issuing", &serials[0], now).await.unwrap();
        assert!(
            matches!(
                status,
                Status::Revoked {
                    reason: RevocationReason::KeyCompromise,
                    ..
                }
            ),
            "{}: {status:?}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_serial_never_issued_is_unknown_and_cannot_be_revoked() {
    for db in databases().await {
        let store = open(&db).await;
        with_ca_and_certificates(&store, &["01"]).await;
        let stranger: Serial = "DEADBEEF".parse().unwrap();
        assert_eq!(
            store
                .status_of("issuing", &stranger, SystemTime::now())
                .await
                .unwrap(),
            Status::Unknown
        );
        let err = store
            .revoke(
                &request(
                    &stranger,
                    RevocationReason::KeyCompromise,
                    SystemTime::now(),
                ),
                operator(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::UnknownCertificate { .. }),
            "{err}"
        );
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tsa_serials_never_repeat_across_connections() {
    for db in databases().await {
        let stores = [open(&db).await, open(&db).await];
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = stores[i % 2].clone();
            tasks.push(tokio::spawn(async move {
                if i % 4 == 0 {
                    store
                        .reserve_tsa_serials(10)
                        .await
                        .unwrap()
                        .collect::<Vec<_>>()
                } else {
                    vec![store.next_tsa_serial().await.unwrap()]
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "{}: a serial was given twice", db.name);
        assert_eq!(all.first(), Some(&1));
        for s in &stores {
            s.close().await;
        }
    }
}

#[tokio::test]
async fn crls_are_numbered_and_the_latest_is_served() {
    for db in databases().await {
        let store = open(&db).await;
        with_ca_and_certificates(&store, &[]).await;
        assert!(store.latest_crl("issuing").await.unwrap().is_none());
        let now = SystemTime::now();
        for der in [vec![1u8], vec![2u8]] {
            let number = store.next_crl_number("issuing").await.unwrap();
            store
                .store_crl(
                    &CrlRecord {
                        ca: "issuing".into(),
                        number,
                        der,
                        this_update: now,
                        next_update: Some(now + DAY),
                    },
                    operator(),
                )
                .await
                .unwrap();
        }
        let latest = store.latest_crl("issuing").await.unwrap().unwrap();
        assert_eq!((latest.number, latest.der), (2, vec![2u8]), "{}", db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn followers_catch_up_with_revocations_since_their_cursor() {
    for db in databases().await {
        let store = open(&db).await;
        let serials = with_ca_and_certificates(&store, &["0A", "0B", "0C"]).await;
        let now = SystemTime::now();
        store
            .revoke(
                &request(&serials[0], RevocationReason::KeyCompromise, now),
                operator(),
            )
            .await
            .unwrap();
        let seen = store.revocations_since(0).await.unwrap();
        assert_eq!(seen.len(), 1);
        let cursor = seen[0].id;
        store
            .revoke(
                &request(&serials[2], RevocationReason::Superseded, now),
                operator(),
            )
            .await
            .unwrap();
        let news = store.revocations_since(cursor).await.unwrap();
        assert_eq!(
            news.iter().map(|r| r.serial.clone()).collect::<Vec<_>>(),
            vec![serials[2].clone()],
            "{}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_hears_of_a_revocation_within_a_second() {
    for db in databases().await {
        let writer = open(&db).await;
        let serials = with_ca_and_certificates(&writer, &["7C01"]).await;
        // On PostgreSQL a second pool stands for another server process; SQLite announces
        // within its process.
        let reader = if db.name == "postgres" {
            open(&db).await
        } else {
            writer.clone()
        };
        let mut notices = reader.subscribe_revocations().await.unwrap();
        writer
            .revoke(
                &request(
                    &serials[0],
                    RevocationReason::KeyCompromise,
                    SystemTime::now(),
                ),
                operator(),
            )
            .await
            .unwrap();
        let notice = tokio::time::timeout(Duration::from_secs(1), notices.recv())
            .await
            .unwrap_or_else(|_| panic!("{}: no notice within a second", db.name))
            .unwrap();
        assert_eq!(
            (notice.ca.as_str(), &notice.serial),
            ("issuing", &serials[0])
        );
        writer.close().await;
        reader.close().await;
    }
}

#[tokio::test]
async fn the_audit_log_chains_every_change_and_names_a_changed_entry() {
    for db in databases().await {
        let store = open(&db).await;
        let serials = with_ca_and_certificates(&store, &["01", "02"]).await;
        store
            .revoke(
                &request(
                    &serials[0],
                    RevocationReason::KeyCompromise,
                    SystemTime::now(),
                ),
                operator(),
            )
            .await
            .unwrap();
        let (entries, head) = store.audit_log().await.unwrap();
        let kinds: Vec<_> = entries.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["configuration", "issuance", "issuance", "revocation"],
            "{}",
            db.name
        );
        assert!(audit::verify(&entries, &head, None).findings.is_empty());
        // An administrator edits the revocation's reason in the database.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        sqlx::query("UPDATE audit_log SET details = REPLACE(details, 'key-compromise', 'superseded') WHERE seq = 4")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (entries, head) = store.audit_log().await.unwrap();
        let found = audit::verify(&entries, &head, None).findings;
        assert_eq!(found, [audit::Finding::Changed { seq: 4 }], "{}", db.name);
        store.close().await;
    }
}

#[tokio::test]
async fn a_revocation_cannot_be_backdated_and_an_earlier_compromise_is_the_invalidity_date() {
    for db in databases().await {
        let store = open(&db).await;
        // notBefore is a day ago (see with_ca_and_certificates).
        let serials = with_ca_and_certificates(&store, &["6A01"]).await;
        let now = SystemTime::now();
        let before_issue = store
            .revoke(
                &request(&serials[0], RevocationReason::KeyCompromise, now - 2 * DAY),
                operator(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(before_issue, StoreError::RevocationBeforeValidity { .. }),
            "{}: {before_issue}",
            db.name
        );
        let past = store
            .revoke(
                &request(
                    &serials[0],
                    RevocationReason::KeyCompromise,
                    now - Duration::from_secs(3600),
                ),
                operator(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(past, StoreError::RevocationInPast { .. }),
            "{}: {past}",
            db.name
        );
        // The same answer without touching anything, for a front end to check first.
        let checked = store
            .check_revocation(&request(
                &serials[0],
                RevocationReason::KeyCompromise,
                now - Duration::from_secs(3600),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(checked, StoreError::RevocationInPast { .. }),
            "{}: {checked}",
            db.name
        );
        let mut future_compromise = request(&serials[0], RevocationReason::KeyCompromise, now);
        future_compromise.invalidity_date = Some(now + DAY);
        let err = store
            .revoke(&future_compromise, operator())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidityDateInFuture { .. }),
            "{}: {err}",
            db.name
        );
        assert!(store.revocations(None).await.unwrap().is_empty());
        // "Now" read a moment before the store reads its clock is still now.
        let mut compromise = request(
            &serials[0],
            RevocationReason::KeyCompromise,
            now - Duration::from_secs(2),
        );
        let three_hours_ago = now - Duration::from_secs(3 * 3600);
        compromise.invalidity_date = Some(three_hours_ago);
        let done = store.revoke(&compromise, operator()).await.unwrap();
        let entry = done.record().to_crl_entry();
        assert_eq!(
            entry.invalidity_date.as_ref().map(jeton_tsp::store::utc),
            Some(jeton_tsp::store::utc(&three_hours_ago)),
            "{}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn revoking_again_never_rewrites_a_revocation_in_effect_except_to_raise_it_to_key_compromise()
{
    for db in databases().await {
        let store = open(&db).await;
        let serials = with_ca_and_certificates(&store, &["6B01"]).await;
        let now = SystemTime::now();
        let first = store
            .revoke(
                &request(&serials[0], RevocationReason::Superseded, now),
                operator(),
            )
            .await
            .unwrap();
        let first = first.record().clone();
        // Another reason, a later date: nothing changes.
        let again = store
            .revoke(
                &request(
                    &serials[0],
                    RevocationReason::CessationOfOperation,
                    now + DAY,
                ),
                operator(),
            )
            .await
            .unwrap();
        assert_eq!(
            again,
            RevokeOutcome::AlreadyRevoked(first.clone()),
            "{}",
            db.name
        );
        // The key turns out to have been compromised: the reason is raised, the date stays.
        let mut compromise = request(&serials[0], RevocationReason::KeyCompromise, now);
        compromise.invalidity_date = Some(now - DAY / 2);
        let raised = store.revoke(&compromise, operator()).await.unwrap();
        let RevokeOutcome::ReasonRaised {
            previous,
            now: record,
        } = &raised
        else {
            panic!("{}: {raised:?}", db.name);
        };
        assert_eq!(previous, &first);
        assert_eq!(record.reason, RevocationReason::KeyCompromise);
        assert_eq!(record.revoked_at, first.revoked_at, "{}", db.name);
        assert!(record.invalidity_date.is_some());
        // And never lowered again.
        let lower = store
            .revoke(
                &request(&serials[0], RevocationReason::AffiliationChanged, now),
                operator(),
            )
            .await
            .unwrap();
        assert!(matches!(lower, RevokeOutcome::AlreadyRevoked(_)));
        let stored = store.revocations(None).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            stored[0].reason,
            RevocationReason::KeyCompromise,
            "{}",
            db.name
        );
        assert_eq!(stored[0].revoked_at, first.revoked_at);
        store.close().await;
    }
}
