//! `audit::verify` names what was done to the log: an entry changed, rewritten with a new
//! hash, removed (in the middle or at the end), inserted, or moved.

mod common;

use jeton_pki::{KeyKind, Signer, SoftwareKey};
use jeton_tsp::audit::{self, AuditEntry, Event, Finding, Head};
use jeton_tsp::store::Actor;

async fn signed_log(n: usize) -> (Vec<AuditEntry>, Head, SoftwareKey) {
    let key = SoftwareKey::generate(KeyKind::P256).unwrap();
    let db = common::databases().await.remove(0);
    let store = common::open(&db).await;
    for i in 0..n {
        store
            .audit(
                Actor {
                    name: "officer",
                    audit_key: Some(&key),
                },
                &Event::Configuration {
                    change: format!("change {i}"),
                    sha256: String::new(),
                },
            )
            .await
            .unwrap();
    }
    let (entries, head) = store.audit_log().await.unwrap();
    store.close().await;
    (entries, head, key)
}

fn check(entries: &[AuditEntry], head: &Head, key: &SoftwareKey) -> Vec<Finding> {
    audit::verify(entries, head, Some(&key.public_key())).findings
}

#[tokio::test]
async fn an_intact_log_verifies_with_every_head_signed() {
    let (entries, head, key) = signed_log(5).await;
    let v = audit::verify(&entries, &head, Some(&key.public_key()));
    assert_eq!((v.entries, v.signed, v.findings), (5, 5, vec![]));
}

#[tokio::test]
async fn a_rewritten_entry_with_a_recomputed_hash_is_named() {
    let (mut entries, head, key) = signed_log(5).await;
    entries[2].details = entries[2].details.replace("change 2", "nothing");
    entries[2].hash = entries[2].compute_hash();
    let found = check(&entries, &head, &key);
    assert!(found.contains(&Finding::Rewritten { seq: 3 }), "{found:?}");
}

#[tokio::test]
async fn a_removed_entry_is_named_in_the_middle_and_at_the_end() {
    let (entries, head, key) = signed_log(5).await;
    let mut middle = entries.clone();
    middle.remove(1);
    assert_eq!(
        check(&middle, &head, &key),
        [Finding::Removed { from: 2, to: 2 }]
    );
    let mut end = entries.clone();
    end.pop();
    assert_eq!(
        check(&end, &head, &key),
        [Finding::Removed { from: 5, to: 5 }]
    );
}

#[tokio::test]
async fn an_inserted_entry_is_named() {
    let (mut entries, head, key) = signed_log(4).await;
    let mut forged = entries[1].clone();
    forged.details = "{\"kind\":\"configuration\",\"change\":\"forged\"}".into();
    forged.prev_hash = vec![7; 32];
    forged.hash = forged.compute_hash();
    forged.head_signature = None;
    entries.insert(2, forged);
    for (i, e) in entries.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    let found = check(&entries, &head, &key);
    assert!(found.contains(&Finding::Inserted { seq: 3 }), "{found:?}");
}

#[tokio::test]
async fn a_moved_entry_is_named_with_the_entry_it_follows() {
    let (mut entries, head, key) = signed_log(5).await;
    entries.swap(1, 2);
    let (a, b) = (entries[1].seq, entries[2].seq);
    entries[1].seq = b;
    entries[2].seq = a;
    let found = check(&entries, &head, &key);
    assert!(
        found.contains(&Finding::Reordered { seq: 2, follows: 2 })
            || found.iter().any(|f| matches!(f, Finding::Reordered { .. })),
        "{found:?}"
    );
}
