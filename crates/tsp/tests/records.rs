//! The provider's records against its audit log, on SQLite and PostgreSQL: a revocation or
//! certificate deleted or edited in the database is named; entries after the last signed
//! head are reported as unsigned; and the heads archived outside the database catch a log
//! whose tail was cut and whose head row was rewritten to match.

mod common;

use std::time::{Duration, SystemTime};

use common::{databases, open, TestDb};
use jeton_pki::{KeyKind, RevocationReason, Signer, SoftwareKey};
use jeton_tsp::audit::{self, Event, Finding};
use jeton_tsp::store::{
    Actor, AuditSnapshot, CaRecord, CertificateRecord, RevocationRequest, Serial, Store,
};

const DAY: Duration = Duration::from_secs(86_400);

fn signed(key: &SoftwareKey) -> Actor<'_> {
    Actor {
        name: "officer",
        audit_key: Some(key),
    }
}

/// A CA, two certificates (their issuance entries with the real SHA-256), one revoked.
async fn provider(store: &Store, key: &SoftwareKey) -> Vec<Serial> {
    store
        .record_ca(
            &CaRecord {
                name: "issuing".into(),
                role: "issuing-ca".into(),
                issuer: None,
                certificate: vec![0x30, 0x00],
                key_ref: "/nonexistent/issuing.key.pem".into(),
            },
            signed(key),
            &Event::Configuration {
                change: "test CA".into(),
                sha256: String::new(),
            },
        )
        .await
        .unwrap();
    let now = SystemTime::now();
    let mut serials = Vec::new();
    for (i, s) in ["7A01", "7A02"].iter().enumerate() {
        let serial: Serial = s.parse().unwrap();
        let der = vec![0x30, 0x03, 0x02, 0x01, i as u8 + 1];
        store
            .record_certificate(
                &CertificateRecord {
                    ca: "issuing".into(),
                    serial: serial.clone(),
                    profile: "qualified-signing".into(),
                    subject: format!("CN=Holder {s}"),
                    der: der.clone(),
                    not_before: now - DAY,
                    not_after: now + 365 * DAY,
                },
                signed(key),
                &Event::Issuance {
                    ca: "issuing".into(),
                    serial: serial.to_string(),
                    profile: "qualified-signing".into(),
                    subject: format!("CN=Holder {s}"),
                    sha256: audit::hex(&audit::sha256(&der)),
                },
            )
            .await
            .unwrap();
        serials.push(serial);
    }
    store
        .revoke(
            &RevocationRequest {
                ca: "issuing".into(),
                serial: serials[0].clone(),
                reason: RevocationReason::KeyCompromise,
                at: now,
                invalidity_date: None,
            },
            signed(key),
        )
        .await
        .unwrap();
    serials
}

fn all_findings(s: &AuditSnapshot, key: &SoftwareKey, archive: Option<&str>) -> Vec<Finding> {
    let mut found = audit::verify(&s.entries, &s.head, Some(&key.public_key())).findings;
    found.extend(audit::check_records(
        &s.entries,
        &s.certificates,
        &s.revocations,
    ));
    if let Some(text) = archive {
        found.extend(audit::check_archived_heads(
            &s.entries,
            text,
            Some(&key.public_key()),
        ));
    }
    found
}

async fn tamper(db: &TestDb, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn a_revocation_deleted_from_the_database_is_named_with_its_serial() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    for db in databases().await {
        let store = open(&db).await;
        let serials = provider(&store, &key).await;
        assert_eq!(
            all_findings(&store.audit_snapshot().await.unwrap(), &key, None),
            [],
            "{}",
            db.name
        );
        tamper(&db, "DELETE FROM revocations").await;
        let found = all_findings(&store.audit_snapshot().await.unwrap(), &key, None);
        assert!(
            matches!(
                &found[..],
                [Finding::RevocationDeleted { serial, reason, .. }]
                    if *serial == serials[0].to_string() && reason == "key-compromise"
            ),
            "{}: {found:?}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_revocation_edited_in_the_database_is_named_with_what_changed() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    for db in databases().await {
        let store = open(&db).await;
        provider(&store, &key).await;
        tamper(
            &db,
            "UPDATE revocations SET reason = 'superseded', revoked_at = revoked_at + 86400",
        )
        .await;
        let found = all_findings(&store.audit_snapshot().await.unwrap(), &key, None);
        let fields: Vec<_> = found
            .iter()
            .map(|f| match f {
                Finding::RevocationEdited {
                    field,
                    logged,
                    stored,
                    ..
                } => (field.as_str(), logged.clone(), stored.clone()),
                other => panic!("{}: {other:?}", db.name),
            })
            .collect();
        assert_eq!(fields.len(), 2, "{}: {found:?}", db.name);
        assert_eq!(
            fields[0],
            ("reason", "key-compromise".into(), "superseded".into())
        );
        assert_eq!(fields[1].0, "revoked_at");
        store.close().await;
    }
}

#[tokio::test]
async fn a_certificate_or_revocation_without_its_entry_and_a_deleted_certificate_are_named() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    for db in databases().await {
        let store = open(&db).await;
        let serials = provider(&store, &key).await;
        // X'..' is a bit string in PostgreSQL.
        let other_der = if db.name == "postgres" {
            "decode('300302010f', 'hex')"
        } else {
            "X'300302010F'"
        };
        tamper(
            &db,
            &format!(
                "INSERT INTO revocations (ca, serial, reason, revoked_at, recorded_at, id) \
                 VALUES ('issuing', '7A02', 'superseded', 0, 0, 999); \
                 UPDATE certificates SET der = {other_der} WHERE serial = '7A01'"
            ),
        )
        .await;
        let found = all_findings(&store.audit_snapshot().await.unwrap(), &key, None);
        assert!(
            found.contains(&Finding::RevocationUnlogged {
                ca: "issuing".into(),
                serial: serials[1].to_string()
            }) && found.contains(&Finding::CertificateEdited {
                ca: "issuing".into(),
                serial: serials[0].to_string()
            }),
            "{}: {found:?}",
            db.name
        );
        tamper(
            &db,
            "DELETE FROM revocations; DELETE FROM certificates WHERE serial = '7A02'",
        )
        .await;
        let found = all_findings(&store.audit_snapshot().await.unwrap(), &key, None);
        assert!(
            found.contains(&Finding::CertificateDeleted {
                ca: "issuing".into(),
                serial: serials[1].to_string()
            }),
            "{}: {found:?}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn entries_after_the_last_signed_head_are_reported_unsigned() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    for db in databases().await {
        let store = open(&db).await;
        provider(&store, &key).await;
        let s = store.audit_snapshot().await.unwrap();
        let v = audit::verify(&s.entries, &s.head, Some(&key.public_key()));
        assert_eq!(
            (v.signed, v.unsigned),
            (4, None),
            "{}: every head signed",
            db.name
        );
        for i in 0..2 {
            store
                .audit(
                    Actor::unsigned("jeton server"),
                    &Event::Configuration {
                        change: format!("unsigned {i}"),
                        sha256: String::new(),
                    },
                )
                .await
                .unwrap();
        }
        let s = store.audit_snapshot().await.unwrap();
        let v = audit::verify(&s.entries, &s.head, Some(&key.public_key()));
        assert_eq!(
            (v.unsigned, v.findings),
            (Some((5, 6)), vec![]),
            "{}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_cut_tail_with_a_rewritten_head_row_is_caught_by_the_archived_heads() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    for db in databases().await {
        let dir = tempfile::tempdir().unwrap();
        let heads = dir.path().join(audit::HEADS_FILE);
        let store = open(&db).await.archive_heads_to(heads.clone());
        provider(&store, &key).await;
        let archive = std::fs::read_to_string(&heads).unwrap();
        assert_eq!(
            archive.lines().count(),
            4,
            "{}: one line per signed head",
            db.name
        );
        let s = store.audit_snapshot().await.unwrap();
        assert_eq!(all_findings(&s, &key, Some(&archive)), [], "{}", db.name);
        // What GET /audit/head serves is the archive's last line.
        let latest = store.latest_signed_head().await.unwrap().unwrap();
        assert_eq!(
            Some(latest.to_line().trim_end()),
            archive.lines().last(),
            "{}",
            db.name
        );
        // Whoever holds the database removes the revocation, its entry (the last), and
        // rewrites the head row to the entry before: the database alone looks intact.
        tamper(
            &db,
            "DELETE FROM revocations; DELETE FROM audit_log WHERE seq = 4; \
             UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)",
        )
        .await;
        let s = store.audit_snapshot().await.unwrap();
        assert_eq!(
            all_findings(&s, &key, None),
            [],
            "{}: undetectable alone",
            db.name
        );
        assert_eq!(
            all_findings(&s, &key, Some(&archive)),
            [Finding::CutBelowArchivedHead { from: 4, to: 4 }],
            "{}",
            db.name
        );
        // A forged line does not help: it is named, not trusted.
        let forged = archive.replace("\"signature\":\"30", "\"signature\":\"31");
        assert!(
            all_findings(&s, &key, Some(&forged))
                .iter()
                .any(|f| matches!(f, Finding::BadArchivedHead { .. })),
            "{}",
            db.name
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_heads_line_torn_by_a_crash_is_ended_before_the_next_and_skipped() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    for db in databases().await {
        let dir = tempfile::tempdir().unwrap();
        let heads = dir.path().join(audit::HEADS_FILE);
        let store = open(&db).await.archive_heads_to(heads.clone());
        provider(&store, &key).await;
        // The process died after writing part of a line.
        let torn = format!(
            "{}{{\"seq\":9,\"at\"",
            std::fs::read_to_string(&heads).unwrap()
        );
        std::fs::write(&heads, &torn).unwrap();
        store
            .audit(
                signed(&key),
                &Event::Configuration {
                    change: "after a crash".into(),
                    sha256: String::new(),
                },
            )
            .await
            .unwrap();
        let after = std::fs::read_to_string(&heads).unwrap();
        assert!(after.starts_with(&torn), "{}: {after}", db.name);
        assert_eq!(after.lines().count(), 6, "{}: {after}", db.name);
        let s = store.audit_snapshot().await.unwrap();
        assert_eq!(all_findings(&s, &key, Some(&after)), [], "{}", db.name);
        store.close().await;
    }
}

#[test]
fn a_signed_head_verifies_from_its_published_fields() {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let mut entry = audit::AuditEntry {
        seq: 7,
        at: 1_800_000_000,
        kind: "configuration".into(),
        actor: "officer".into(),
        details: "{}".into(),
        prev_hash: vec![0; 32],
        hash: Vec::new(),
        head_signature: None,
    };
    entry.hash = entry.compute_hash();
    entry.head_signature = Some(key.sign(&audit::head_message(7, &entry.hash)).unwrap());
    let head = audit::SignedHead::of(&entry).unwrap();
    assert!(head.verifies(&key.public_key()));
    let line = head.to_line();
    let back: audit::SignedHead = serde_json::from_str(line.trim_end()).unwrap();
    assert_eq!(back, head);
    let moved = audit::SignedHead { seq: 8, ..head };
    assert!(!moved.verifies(&key.public_key()));
}
