//! `jeton`: the holder's Security Interface for Jeton cards (PIN, unblock code, keys,
//! certificates), the virtual cards themselves, and the demo of the first-use guide.
//!
//! This file only wires things up: arguments in `cli`, words in `i18n`, secrets in
//! `secrets`, card files in `home`, one module per command family in `commands`.

mod bench;
mod cli;
mod commands;
mod error;
mod help;
mod home;
mod i18n;
mod secrets;

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::{
    CardCommand, CertCommand, Cli, Command, KeyCommand, MgmtKeyCommand, PinCommand, Pkcs11Command,
    PukCommand,
};
use crate::commands::{
    audit, backup, ca, card, cert, demo, key, pin, pkcs11, serve, server, status, Ctx,
};
use crate::error::CliError;
use crate::home::Home;
use crate::i18n::Lang;
use crate::secrets::Secrets;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = help::lang_in_args(&args).unwrap_or_else(Lang::from_env);
    let json = args.iter().any(|arg| arg == "--json");
    let cli = match help::parse(args, lang) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let lang = cli.lang.unwrap_or(lang);
    match run(cli, lang) {
        Ok(()) => ExitCode::SUCCESS,
        // `jeton status | head -1`: the reader has gone, nobody is left to tell.
        Err(CliError::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::FAILURE
        }
        Err(error) => {
            let _ = writeln!(io::stderr(), "jeton: {}", error.text(lang));
            if json {
                // The words stay on stderr; a script reads the stable code where the
                // command's JSON would have been.
                let code = serde_json::json!({ "error": error.code() });
                let _ = writeln!(io::stdout(), "{code}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(cli: Cli, lang: Lang) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Demo => return demo::run(lang, &mut out),
        Command::Pkcs11(Pkcs11Command::Path) => return pkcs11::path(&mut out),
        Command::Bench {
            seconds,
            report_only,
        } => {
            return match bench::run(seconds, &mut out) {
                Ok(met) if met || report_only => Ok(()),
                Ok(_) => Err(CliError::Bench("a figure missed its target".into())),
                Err(error) => Err(CliError::Bench(error.to_string())),
            };
        }
        _ => {}
    }
    // Commands about virtual card files have no card in a reader to work on.
    if cli.reader.is_some()
        && matches!(
            cli.command,
            Command::Card(
                CardCommand::Create(_)
                    | CardCommand::List { .. }
                    | CardCommand::Delete { .. }
                    | CardCommand::Backup { .. }
                    | CardCommand::Restore { .. }
                    | CardCommand::Serve(_)
            )
        )
    {
        return Err(CliError::ReaderNotApplicable);
    }
    let mut err = io::stderr();
    let mut ctx = Ctx {
        lang,
        home: Home::from_environment()?,
        secrets: Secrets::from_environment(cli.secret_fd.or(cli.command.secret_fd()), lang)?,
        reader: cli.reader.clone(),
        out: &mut out,
        err: &mut err,
    };
    let ctx = &mut ctx;
    match cli.command {
        Command::Card(CardCommand::Create(args)) => card::create(ctx, &args).map(drop),
        Command::Card(CardCommand::List { json }) => card::list(ctx, json),
        Command::Card(CardCommand::Delete {
            serial,
            confirmation,
        }) => card::delete(ctx, serial, confirmation),
        Command::Card(CardCommand::Reset { card, confirmation }) => {
            card::reset(ctx, card, confirmation)
        }
        Command::Card(CardCommand::Backup { serial, file }) => backup::backup(ctx, serial, &file),
        Command::Card(CardCommand::Restore { file, confirmation }) => {
            backup::restore(ctx, &file, confirmation)
        }
        Command::Card(CardCommand::Serve(args)) => serve::run(ctx, &args),
        Command::Status(args) => status::run(ctx, &args),
        Command::Pin(PinCommand::Verify { card, .. }) => pin::verify(ctx, card),
        Command::Pin(PinCommand::Change { card, kind, .. }) => pin::change(ctx, card, kind),
        Command::Pin(PinCommand::Unblock { card, kind, .. }) => pin::unblock(ctx, card, kind),
        Command::Puk(PukCommand::Change { card, .. }) => pin::change_puk(ctx, card),
        Command::MgmtKey(MgmtKeyCommand::Change { card, alg, .. }) => {
            pin::change_management_key(ctx, card, alg)
        }
        Command::Key(KeyCommand::Generate {
            card,
            slot,
            alg,
            out,
            confirmation,
            ..
        }) => key::generate(ctx, card, slot, alg, out.as_deref(), confirmation),
        Command::Key(KeyCommand::Sign {
            card,
            slot,
            input,
            out,
            ..
        }) => key::sign(ctx, card, slot, &input, out.as_deref()),
        Command::Cert(CertCommand::Import {
            card, slot, file, ..
        }) => cert::import(ctx, card, slot, &file),
        Command::Cert(CertCommand::Export { card, slot, out }) => {
            cert::export(ctx, card, slot, out.as_deref())
        }
        Command::Ca(args) => ca::run(ctx, args),
        Command::Audit(args) => audit::run(ctx, args),
        Command::Server(args) => server::run(ctx, &args),
        // These run before the context is built: they need no home and no secrets.
        Command::Demo | Command::Bench { .. } | Command::Pkcs11(_) => Ok(()),
    }
}
