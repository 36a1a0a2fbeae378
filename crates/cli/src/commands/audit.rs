//! `jeton audit verify`: walks the provider's hash-chained audit log, checks each signed head
//! with the audit key's public key, and names every entry changed, removed, inserted or moved.

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
        AuditCommand::Verify { json } => verify(ctx, &provider, json),
    }
}

fn verify(ctx: &mut Ctx, p: &Provider, json: bool) -> Result<(), CliError> {
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
    let (entries, head) = p.runtime.block_on(p.store.audit_log())?;
    let result = audit::verify(&entries, &head, key.as_ref());
    if json {
        let value = serde_json::json!({
            "entries": result.entries,
            "signed_heads": result.signed,
            "intact": result.findings.is_empty(),
            "findings": result.findings.iter().map(|f| crate::i18n::finding(f, ctx.lang)).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&value).map_err(CliError::Json)?;
        ctx.write_output(None, format!("{text}\n").as_bytes())?;
    } else if result.findings.is_empty() {
        ctx.say(Msg::AuditIntact {
            entries: result.entries,
            signed: result.signed,
            key: key.is_some(),
        })?;
    }
    if result.findings.is_empty() {
        Ok(())
    } else {
        Err(CliError::AuditLogTampered(result.findings))
    }
}
