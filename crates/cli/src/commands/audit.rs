//! `jeton audit verify`: walks the provider's hash-chained audit log, checks each signed head
//! with the audit key's public key, checks the certificates and revocations in the database
//! against the log, and the log against the signed heads archived outside the database;
//! names every entry or record changed, removed, inserted or moved.

use std::path::{Path, PathBuf};

use jeton_tsp::audit;
use spki::SubjectPublicKeyInfoOwned;

use super::ca::Provider;
use super::Ctx;
use crate::cli::{AuditArgs, AuditCommand};
use crate::error::CliError;
use crate::i18n::Msg;

pub fn run(ctx: &mut Ctx, args: AuditArgs) -> Result<(), CliError> {
    let provider = Provider::open(ctx, &args.provider)?;
    match args.command {
        AuditCommand::Verify { json, heads } => verify(ctx, &provider, json, heads.as_deref()),
    }
}

/// The heads archive: the file asked for (which must exist), else the provider's own if
/// it has one yet.
fn read_heads(p: &Provider, asked: Option<&Path>) -> Result<Option<(PathBuf, String)>, CliError> {
    let path = asked.map_or_else(|| p.dir.0.join(audit::HEADS_FILE), Path::to_path_buf);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && asked.is_none() => Ok(None),
        Err(error) => Err(CliError::Io { path, error }),
    }
}

fn verify(ctx: &mut Ctx, p: &Provider, json: bool, heads: Option<&Path>) -> Result<(), CliError> {
    let path = p.dir.audit_public_key();
    // Without the public key (kept outside the database) only the chain can be checked.
    let key = match std::fs::read(&path) {
        Ok(pem) => Some(
            openssl::pkey::PKey::public_key_from_pem(&pem)
                .ok()
                .and_then(|k| k.public_key_to_der().ok())
                .and_then(|der| {
                    use der::Decode;
                    SubjectPublicKeyInfoOwned::from_der(&der).ok()
                })
                .ok_or_else(|| CliError::NotAPublicKey(path.clone()))?,
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(CliError::Io { path, error }),
    };
    let archive = read_heads(p, heads)?;
    let snapshot = p.runtime.block_on(p.store.audit_snapshot())?;
    let mut result = audit::verify(&snapshot.entries, &snapshot.head, key.as_ref());
    result.findings.extend(audit::check_records(
        &snapshot.entries,
        &snapshot.certificates,
        &snapshot.revocations,
    ));
    if let Some((_, text)) = &archive {
        result.findings.extend(audit::check_archived_heads(
            &snapshot.entries,
            text,
            key.as_ref(),
        ));
    }
    if json {
        // Stable codes and data only: the words are the front end's.
        let value = serde_json::json!({
            "entries": result.entries,
            "signed_heads": result.signed,
            "intact": result.findings.is_empty(),
            "unsigned": result.unsigned.map(|(from, to)| serde_json::json!({"from": from, "to": to})),
            "heads_archive": archive.as_ref().map(|(path, text)| serde_json::json!({
                "path": path.display().to_string(),
                "heads": text.lines().filter(|l| !l.trim().is_empty()).count(),
            })),
            "findings": result.findings,
        });
        let text = serde_json::to_string_pretty(&value).map_err(CliError::Json)?;
        ctx.write_output(None, format!("{text}\n").as_bytes())?;
    } else {
        if result.findings.is_empty() {
            ctx.say(Msg::AuditIntact {
                entries: result.entries,
                signed: result.signed,
                key: key.is_some(),
            })?;
        }
        if let Some((from, to)) = result.unsigned {
            ctx.say(Msg::AuditUnsigned { from, to })?;
        }
        match &archive {
            Some((path, text)) => ctx.say(Msg::AuditHeadsArchive {
                path: &path.display().to_string(),
                heads: text.lines().filter(|l| !l.trim().is_empty()).count(),
            })?,
            None => ctx.say(Msg::AuditNoHeadsArchive)?,
        }
    }
    if result.findings.is_empty() {
        Ok(())
    } else {
        Err(CliError::AuditLogTampered(result.findings))
    }
}
