//! The audit log (EN 319 411-1 §6.4.5 "audit logging procedures"): every key generation,
//! issuance, revocation, CRL and configuration change, appended as an entry that holds the
//! SHA-256 of the entry before it. The head (sequence number and hash) is signed with the
//! provider's audit key (ECDSA P-256 with SHA-256) whenever the appender holds that key.
//!
//! [`verify`] walks the chain and names the entry that was changed, removed, inserted or
//! moved.

use std::collections::HashMap;
use std::fmt;

use jeton_pki::alg::{verify as verify_signature, SignatureAlg};
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;

use crate::store::{CertificateRecord, RevocationRecord};

/// What happened, as recorded. The details are stored as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// A key pair was generated for a CA, responder, TSA or the audit log itself.
    KeyGeneration {
        /// Whose key.
        owner: String,
        /// The key's reference (file or `pkcs11:` URI).
        key_ref: String,
        /// SHA-256 of its SubjectPublicKeyInfo, hex.
        spki_sha256: String,
    },
    /// A certificate was issued.
    Issuance {
        /// By which CA.
        ca: String,
        /// Its serial, hex.
        serial: String,
        /// With which profile.
        profile: String,
        /// Its subject.
        subject: String,
        /// SHA-256 of the certificate, hex.
        sha256: String,
    },
    /// A certificate was revoked (or its revocation brought forward).
    Revocation {
        /// The CA.
        ca: String,
        /// The serial, hex.
        serial: String,
        /// The reason's name.
        reason: String,
        /// Revocation time, seconds since the epoch.
        revoked_at: i64,
        /// Invalidity date, if given.
        invalidity_date: Option<i64>,
        /// The later planned time this revocation replaced.
        advanced_from: Option<i64>,
        /// The reason this revocation raised to keyCompromise (absent from other entries,
        /// so that their details read as before).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raised_from: Option<String>,
    },
    /// A CRL was signed.
    Crl {
        /// The CA.
        ca: String,
        /// cRLNumber.
        number: u64,
        /// thisUpdate.
        this_update: i64,
        /// nextUpdate, none for the last CRL.
        next_update: Option<i64>,
        /// SHA-256 of the CRL, hex.
        sha256: String,
    },
    /// The provider's configuration was set or changed.
    Configuration {
        /// What changed, in words.
        change: String,
        /// SHA-256 of the configuration as stored, hex.
        sha256: String,
    },
}

impl Event {
    /// The kind, as stored in its own column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::KeyGeneration { .. } => "key-generation",
            Event::Issuance { .. } => "issuance",
            Event::Revocation { .. } => "revocation",
            Event::Crl { .. } => "crl",
            Event::Configuration { .. } => "configuration",
        }
    }

    /// The details as JSON text.
    pub fn details(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| panic!("an event always serialises: {e}"))
    }
}

/// One entry of the log, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position: 1, 2, …
    pub seq: i64,
    /// When, seconds since the epoch.
    pub at: i64,
    /// The event's kind.
    pub kind: String,
    /// Who.
    pub actor: String,
    /// The event, JSON.
    pub details: String,
    /// The previous entry's hash (32 zero bytes for the first).
    #[serde(skip)]
    pub prev_hash: Vec<u8>,
    /// This entry's hash.
    #[serde(skip)]
    pub hash: Vec<u8>,
    /// The audit key's signature over (seq, hash), when the appender held the key.
    #[serde(skip)]
    pub head_signature: Option<Vec<u8>>,
}

/// The head of the log as the database keeps it beside the entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The last entry's position.
    pub seq: i64,
    /// The last entry's hash.
    pub hash: Vec<u8>,
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    openssl::sha::sha256(data).to_vec()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    // Length-prefixed, so no two different entries encode the same.
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

impl AuditEntry {
    /// SHA-256 over the previous hash and this entry's content. The position is not part of
    /// it, so that a removed or inserted entry shows as a broken link, not as every later
    /// entry changed.
    pub fn compute_hash(&self) -> Vec<u8> {
        let mut data = b"jeton audit entry v1\0".to_vec();
        field(&mut data, &self.prev_hash);
        data.extend_from_slice(&self.at.to_be_bytes());
        field(&mut data, self.kind.as_bytes());
        field(&mut data, self.actor.as_bytes());
        field(&mut data, self.details.as_bytes());
        sha256(&data)
    }
}

/// What the audit key signs: the position and hash of the head.
pub fn head_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut data = b"jeton audit head v1\0".to_vec();
    data.extend_from_slice(&seq.to_be_bytes());
    data.extend_from_slice(hash);
    data
}

/// The signature algorithm of the audit key.
pub const AUDIT_KEY_ALGORITHM: SignatureAlg = SignatureAlg::EcdsaSha256;

/// A fault found in the log, or between the log and the records it vouches for. `--json`
/// carries it with its stable `code`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Finding {
    /// The entry's content no longer matches its hash.
    Changed {
        /// The entry.
        seq: i64,
    },
    /// The entry's content and hash were rewritten together: the next entry's link or the
    /// head signature no longer matches.
    Rewritten {
        /// The entry.
        seq: i64,
    },
    /// The entry's signature over the head does not verify.
    BadSignature {
        /// The entry.
        seq: i64,
    },
    /// Entries are missing between two positions (or at the end).
    Removed {
        /// The first missing position.
        from: i64,
        /// The last missing position.
        to: i64,
    },
    /// The entry does not belong: the chain goes around it.
    Inserted {
        /// The entry.
        seq: i64,
    },
    /// The entry is out of place: it was written after another entry.
    Reordered {
        /// The entry.
        seq: i64,
        /// The entry it really follows.
        follows: i64,
    },
    /// The chain breaks before this entry, for no reason that can be told apart.
    Broken {
        /// The entry.
        seq: i64,
    },
    /// A certificate in the database that no issuance entry records.
    CertificateUnlogged {
        /// The CA.
        ca: String,
        /// The serial.
        serial: String,
    },
    /// A certificate the log records as issued is gone from the database.
    CertificateDeleted {
        /// The CA.
        ca: String,
        /// The serial.
        serial: String,
    },
    /// A certificate whose stored DER is not the one the log records.
    CertificateEdited {
        /// The CA.
        ca: String,
        /// The serial.
        serial: String,
    },
    /// A revocation in the database that no revocation entry records.
    RevocationUnlogged {
        /// The CA.
        ca: String,
        /// The serial.
        serial: String,
    },
    /// A revocation the log records is gone from the database: the certificate looks good.
    RevocationDeleted {
        /// The CA.
        ca: String,
        /// The serial.
        serial: String,
        /// The reason the log records.
        reason: String,
        /// The revocation date the log records, seconds since the epoch.
        revoked_at: i64,
    },
    /// A revocation whose field differs from what the log records.
    RevocationEdited {
        /// The CA.
        ca: String,
        /// The serial.
        serial: String,
        /// `reason`, `revoked_at` or `invalidity_date`.
        field: String,
        /// As the log records it.
        logged: String,
        /// As the database holds it.
        stored: String,
    },
    /// Entries covered by a head kept outside the database are missing from it: the log's
    /// tail was cut (and its head row rewritten to match).
    CutBelowArchivedHead {
        /// The first missing position.
        from: i64,
        /// The archived head's position.
        to: i64,
    },
    /// The entry at an archived head's position is not the one that head signed.
    ArchivedHeadMismatch {
        /// The position.
        seq: i64,
    },
    /// A line of the heads archive whose signature does not verify (or does not parse).
    BadArchivedHead {
        /// The line, from 1.
        line: usize,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Changed { seq } => {
                write!(f, "entry {seq} was changed: its content no longer matches its hash")
            }
            Finding::Rewritten { seq } => write!(
                f,
                "entry {seq} was changed and its hash recomputed: the next link or the signed head no longer matches it"
            ),
            Finding::BadSignature { seq } => {
                write!(f, "entry {seq}: the audit key's signature over the head does not verify")
            }
            Finding::Removed { from, to } if from == to => write!(f, "entry {from} was removed"),
            Finding::Removed { from, to } => write!(f, "entries {from} to {to} were removed"),
            Finding::Inserted { seq } => {
                write!(f, "entry {seq} was inserted: the chain links around it")
            }
            Finding::Reordered { seq, follows } => write!(
                f,
                "entry {seq} was moved: it was written right after entry {follows}"
            ),
            Finding::Broken { seq } => write!(
                f,
                "the chain is broken before entry {seq}: an entry before it was changed or removed"
            ),
            Finding::CertificateUnlogged { ca, serial } => write!(
                f,
                "certificate {serial} of {ca} is in the database but no issuance entry records it"
            ),
            Finding::CertificateDeleted { ca, serial } => write!(
                f,
                "certificate {serial} of {ca}, issued according to the log, is gone from the database"
            ),
            Finding::CertificateEdited { ca, serial } => write!(
                f,
                "certificate {serial} of {ca} in the database is not the one the log records"
            ),
            Finding::RevocationUnlogged { ca, serial } => write!(
                f,
                "the revocation of certificate {serial} of {ca} is in the database but no entry records it"
            ),
            Finding::RevocationDeleted { ca, serial, reason, revoked_at } => write!(
                f,
                "the revocation of certificate {serial} of {ca} ({reason}, from @{revoked_at}) was deleted from the database"
            ),
            Finding::RevocationEdited { ca, serial, field, logged, stored } => write!(
                f,
                "the revocation of certificate {serial} of {ca} was edited: {field} is {stored} in the database, {logged} in the log"
            ),
            Finding::CutBelowArchivedHead { from, to } => write!(
                f,
                "entries {from} to {to} are missing: an archived signed head covers them"
            ),
            Finding::ArchivedHeadMismatch { seq } => write!(
                f,
                "entry {seq} is not the one the archived signed head at that position covers"
            ),
            Finding::BadArchivedHead { line } => write!(
                f,
                "line {line} of the heads archive is not a head signed by the audit key"
            ),
        }
    }
}

/// The result of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Entries read.
    pub entries: usize,
    /// Entries whose head signature verified.
    pub signed: usize,
    /// What is wrong; empty when the log is intact.
    pub findings: Vec<Finding>,
    /// Entries after the last signed head (first and last position): chained, but nothing
    /// outside the database vouches for them yet, so they could be cut unseen.
    pub unsigned: Option<(i64, i64)>,
}

/// Checks the chain of `entries` (in stored order), the stored `head`, and every head
/// signature against `audit_key` when given.
pub fn verify(
    entries: &[AuditEntry],
    head: &Head,
    audit_key: Option<&SubjectPublicKeyInfoOwned>,
) -> Verification {
    let mut findings = Vec::new();
    let mut signed = 0;
    let zero = vec![0u8; 32];
    let by_hash: HashMap<&[u8], i64> = entries.iter().map(|e| (&e.hash[..], e.seq)).collect();
    let mut flagged: Vec<i64> = Vec::new();
    let mut last_signed = 0;
    for (i, e) in entries.iter().enumerate() {
        let content_ok = e.compute_hash() == e.hash;
        if !content_ok {
            findings.push(Finding::Changed { seq: e.seq });
            flagged.push(e.seq);
        }
        let signature_ok = match (audit_key, &e.head_signature) {
            (Some(key), Some(sig)) => {
                let ok = verify_signature(
                    key,
                    &AUDIT_KEY_ALGORITHM.identifier(),
                    &head_message(e.seq, &e.hash),
                    sig,
                )
                .is_ok();
                signed += usize::from(ok);
                if ok {
                    last_signed = e.seq;
                }
                ok
            }
            // Without the key a signature cannot be told from garbage: only its presence.
            (None, Some(_)) => {
                last_signed = e.seq;
                true
            }
            _ => true,
        };
        let before = findings.len();
        link(&mut findings, &mut flagged, entries, i, &by_hash, &zero);
        if findings.len() == before && content_ok && !signature_ok {
            // Linked and consistent, but not what the audit key signed at this position.
            findings.push(Finding::Rewritten { seq: e.seq });
            flagged.push(e.seq);
        }
    }
    // The end: entries cut off after the last one stored.
    let last = entries
        .last()
        .map_or((0, &zero[..]), |e| (e.seq, &e.hash[..]));
    if head.seq > last.0 {
        findings.push(Finding::Removed {
            from: last.0 + 1,
            to: head.seq,
        });
    } else if head.seq == last.0 && head.hash != last.1 && !flagged.contains(&last.0) {
        findings.push(Finding::Rewritten { seq: last.0 });
    }
    Verification {
        entries: entries.len(),
        signed,
        findings,
        unsigned: (last.0 > last_signed).then_some((last_signed + 1, last.0)),
    }
}

/// Checks the link from entry `i` to the one stored before it, and says what broke it.
fn link(
    findings: &mut Vec<Finding>,
    flagged: &mut Vec<i64>,
    entries: &[AuditEntry],
    i: usize,
    by_hash: &HashMap<&[u8], i64>,
    zero: &[u8],
) {
    let e = &entries[i];
    let (expected_prev, prev_seq) = match i {
        0 => (zero, 0),
        _ => (&entries[i - 1].hash[..], entries[i - 1].seq),
    };
    if e.prev_hash == expected_prev {
        if e.seq != prev_seq + 1 && !flagged.contains(&e.seq) {
            // Linked but renumbered: the positions were edited.
            findings.push(Finding::Broken { seq: e.seq });
        }
        return;
    }
    if i > 0 && flagged.contains(&prev_seq) {
        // Already told: the previous entry was changed.
        return;
    }
    let next_links_around = entries
        .get(i + 1)
        .is_some_and(|next| next.prev_hash == expected_prev);
    if let Some(&follows) = by_hash.get(&e.prev_hash[..]).filter(|s| **s != prev_seq) {
        findings.push(Finding::Reordered {
            seq: e.seq,
            follows,
        });
    } else if next_links_around {
        findings.push(Finding::Inserted { seq: e.seq });
        flagged.push(e.seq);
    } else if e.prev_hash == zero && i > 0 {
        findings.push(Finding::Reordered {
            seq: e.seq,
            follows: 0,
        });
    } else if e.seq > prev_seq + 1 {
        findings.push(Finding::Removed {
            from: prev_seq + 1,
            to: e.seq - 1,
        });
    } else if i > 0 {
        findings.push(Finding::Rewritten { seq: prev_seq });
    } else {
        findings.push(Finding::Broken { seq: e.seq });
    }
}

/// Checks the records against the log: every certificate and every revocation in the tables
/// has its entry, and every entry its record, with the same content (the certificate's
/// SHA-256; the revocation's reason and dates as last logged). Entries whose details do not
/// parse are left to [`verify`], which names them.
pub fn check_records(
    entries: &[AuditEntry],
    certificates: &[CertificateRecord],
    revocations: &[RevocationRecord],
) -> Vec<Finding> {
    type Key = (String, String);
    let mut issued: HashMap<Key, String> = HashMap::new();
    let mut revoked: HashMap<Key, (String, i64, Option<i64>)> = HashMap::new();
    let mut order: Vec<Key> = Vec::new();
    for e in entries {
        match serde_json::from_str::<Event>(&e.details) {
            Ok(Event::Issuance {
                ca, serial, sha256, ..
            }) => {
                issued.insert((ca, serial), sha256);
            }
            Ok(Event::Revocation {
                ca,
                serial,
                reason,
                revoked_at,
                invalidity_date,
                ..
            }) => {
                let key = (ca, serial);
                if !revoked.contains_key(&key) {
                    order.push(key.clone());
                }
                // The last entry is the record in force (a raise or an advance follows).
                revoked.insert(key, (reason, revoked_at, invalidity_date));
            }
            _ => {}
        }
    }
    let mut findings = Vec::new();
    for c in certificates {
        let key = (c.ca.clone(), c.serial.to_string());
        match issued.remove(&key) {
            None => findings.push(Finding::CertificateUnlogged {
                ca: key.0,
                serial: key.1,
            }),
            Some(sha) if sha != hex(&sha256(&c.der)) => findings.push(Finding::CertificateEdited {
                ca: key.0,
                serial: key.1,
            }),
            Some(_) => {}
        }
    }
    let mut gone: Vec<Key> = issued.into_keys().collect();
    gone.sort();
    findings.extend(
        gone.into_iter()
            .map(|(ca, serial)| Finding::CertificateDeleted { ca, serial }),
    );
    let time = |t: Option<i64>| t.map_or_else(|| "none".to_owned(), |t| format!("@{t}"));
    for r in revocations {
        let key = (r.ca.clone(), r.serial.to_string());
        let Some((reason, revoked_at, invalidity)) = revoked.remove(&key) else {
            findings.push(Finding::RevocationUnlogged {
                ca: key.0,
                serial: key.1,
            });
            continue;
        };
        let stored_at = crate::store::secs(r.revoked_at);
        let stored_invalidity = r.invalidity_date.map(crate::store::secs);
        let edited = |field: &str, logged: String, stored: String| Finding::RevocationEdited {
            ca: key.0.clone(),
            serial: key.1.clone(),
            field: field.to_owned(),
            logged,
            stored,
        };
        if reason != r.reason.name() {
            findings.push(edited("reason", reason, r.reason.name().to_owned()));
        }
        if revoked_at != stored_at {
            findings.push(edited(
                "revoked_at",
                time(Some(revoked_at)),
                time(Some(stored_at)),
            ));
        }
        if invalidity != stored_invalidity {
            findings.push(edited(
                "invalidity_date",
                time(invalidity),
                time(stored_invalidity),
            ));
        }
    }
    for key in order {
        if let Some((reason, revoked_at, _)) = revoked.remove(&key) {
            findings.push(Finding::RevocationDeleted {
                ca: key.0,
                serial: key.1,
                reason,
                revoked_at,
            });
        }
    }
    findings
}

/// The file in the provider's folder where every signed head is appended, one JSON line
/// each, for the operator to archive outside the database.
pub const HEADS_FILE: &str = "audit-heads.log";

/// A head of the log with the audit key's signature: what `GET /audit/head` serves and
/// each line of [`HEADS_FILE`] holds. To check one without Jeton: `signed_message` (hex) is
/// `"jeton audit head v1\0"`, the position as 8 bytes big-endian and the entry's SHA-256,
/// and `signature` (hex) is its ECDSA P-256 SHA-256 signature (DER), verifiable with
/// `openssl dgst -sha256 -verify audit-key.pub.pem -signature sig.der message.bin`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    /// The entry's position.
    pub seq: i64,
    /// When the entry was appended, seconds since the epoch.
    pub at: i64,
    /// The entry's hash, hex.
    pub hash: String,
    /// The bytes signed, hex.
    pub signed_message: String,
    /// The signature, DER, hex.
    pub signature: String,
}

impl SignedHead {
    /// The head of `entry`, if its appender signed it.
    pub fn of(entry: &AuditEntry) -> Option<SignedHead> {
        let signature = entry.head_signature.as_ref()?;
        Some(SignedHead {
            seq: entry.seq,
            at: entry.at,
            hash: hex(&entry.hash),
            signed_message: hex(&head_message(entry.seq, &entry.hash)),
            signature: hex(signature),
        })
    }

    /// The latest signed head among `entries`.
    pub fn latest(entries: &[AuditEntry]) -> Option<SignedHead> {
        entries.iter().rev().find_map(SignedHead::of)
    }

    /// Whether the audit key signed this position and hash (the message is rebuilt, not
    /// trusted).
    pub fn verifies(&self, audit_key: &SubjectPublicKeyInfoOwned) -> bool {
        let (Some(hash), Some(signature)) = (unhex(&self.hash), unhex(&self.signature)) else {
            return false;
        };
        verify_signature(
            audit_key,
            &AUDIT_KEY_ALGORITHM.identifier(),
            &head_message(self.seq, &hash),
            &signature,
        )
        .is_ok()
    }

    /// One line of the heads file.
    pub fn to_line(&self) -> String {
        let mut line =
            serde_json::to_string(self).unwrap_or_else(|e| panic!("a head always serialises: {e}"));
        line.push('\n');
        line
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Appends `heads` to the heads file at `path` and makes them durable (one fsync for all:
/// a bulk load of 10,000 certificates writes one line each, not one fsync each) before
/// returning. A line torn by a crash mid-append is ended first, so that it never swallows
/// the next head.
pub fn archive_heads(path: &std::path::Path, heads: &[SignedHead]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::FileExt;
    if heads.is_empty() {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)?;
    let len = file.metadata()?.len();
    let mut last = [b'\n'];
    if len > 0 {
        file.read_exact_at(&mut last, len - 1)?;
    }
    let mut lines = if last[0] == b'\n' {
        String::new()
    } else {
        "\n".to_owned()
    };
    for head in heads {
        lines.push_str(&head.to_line());
    }
    file.write_all(lines.as_bytes())?;
    file.sync_data()
}

/// Checks the log against heads kept outside the database (the lines of a heads file):
/// each must be signed by the audit key (when given), and the entry at its position must
/// be the one it covers. A line that is not JSON at all is what a crash mid-append leaves
/// (the head it would have held is still in the database): it is skipped. Whoever rewrote the database and its head row to cut the tail
/// cannot rewrite the archive's copies: the cut entries are named.
pub fn check_archived_heads(
    entries: &[AuditEntry],
    archive: &str,
    audit_key: Option<&SubjectPublicKeyInfoOwned>,
) -> Vec<Finding> {
    let by_seq: HashMap<i64, &AuditEntry> = entries.iter().map(|e| (e.seq, e)).collect();
    let last = entries.last().map_or(0, |e| e.seq);
    let mut findings = Vec::new();
    let mut highest: Option<i64> = None;
    for (i, line) in archive.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if serde_json::from_str::<serde_json::Value>(line).is_err() {
            continue;
        }
        let head = match serde_json::from_str::<SignedHead>(line) {
            Ok(head) if audit_key.is_none_or(|key| head.verifies(key)) => head,
            _ => {
                findings.push(Finding::BadArchivedHead { line: i + 1 });
                continue;
            }
        };
        match by_seq.get(&head.seq) {
            Some(e) if hex(&e.hash) == head.hash => {}
            Some(_) => findings.push(Finding::ArchivedHeadMismatch { seq: head.seq }),
            None if head.seq <= last => {
                findings.push(Finding::ArchivedHeadMismatch { seq: head.seq })
            }
            None => highest = Some(highest.map_or(head.seq, |h| h.max(head.seq))),
        }
    }
    if let Some(to) = highest.filter(|to| *to > last) {
        findings.push(Finding::CutBelowArchivedHead { from: last + 1, to });
    }
    findings
}
