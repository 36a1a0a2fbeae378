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

/// A fault found in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
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
                ok
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
