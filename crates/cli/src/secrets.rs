//! Where PINs, unblock codes and management keys come from. Never argv, where any user of
//! the machine could read them in the process list: a terminal prompt without echo, or one
//! value per line from stdin or from a file descriptor named by `--secret-fd`.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, IsTerminal, Read};

use std::path::Path;

use jeton_tsp::keys::KeyRole;
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::i18n::{Lang, Msg};

/// A secret value, wiped when dropped.
pub type Secret = Zeroizing<Vec<u8>>;

/// Longer lines are not secrets but a wrong file: refuse rather than hold them.
const MAX_SECRET_LEN: usize = 256;

/// The secrets a command asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    Pin,
    Puk,
    ManagementKey,
    /// The passphrase of one of the provider's keys, or the PIN of the token holding it
    /// (`jeton ca`, `jeton server`).
    ProviderKey(KeyRole),
}

/// Which value of a secret is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Current,
    New,
    Confirm,
}

enum Source {
    /// Prompt without echo; rpassword reads from the controlling terminal.
    Terminal,
    /// One secret per line, read byte by byte so nothing beyond the line is buffered.
    Lines(Box<dyn Read>),
    /// Values given in advance, as the demo plays the holder.
    Scripted(VecDeque<Secret>),
}

pub struct Secrets {
    source: Source,
    lang: Lang,
}

impl Secrets {
    /// The terminal if stdin is one, otherwise stdin's lines; `fd` overrides both.
    pub fn from_environment(fd: Option<u32>, lang: Lang) -> Result<Secrets, CliError> {
        let source = match fd {
            // /dev/fd/N opens a descriptor the caller passed on without any unsafe code.
            Some(fd) => {
                let path = format!("/dev/fd/{fd}");
                let file = File::open(&path).map_err(|error| CliError::SecretFd { fd, error })?;
                Source::Lines(Box::new(file))
            }
            None if io::stdin().is_terminal() => Source::Terminal,
            None => Source::Lines(Box::new(io::stdin())),
        };
        Ok(Secrets { source, lang })
    }

    pub fn scripted<I, S>(values: I, lang: Lang) -> Secrets
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let values = values
            .into_iter()
            .map(|v| Zeroizing::new(v.as_ref().to_vec()));
        Secrets {
            source: Source::Scripted(values.collect()),
            lang,
        }
    }

    /// Reads one value of a secret.
    pub fn read(&mut self, kind: SecretKind, stage: Stage) -> Result<Secret, CliError> {
        match &mut self.source {
            Source::Terminal => {
                let prompt = Msg::Prompt(kind, stage).text(self.lang);
                let value = rpassword::prompt_password(prompt).map_err(CliError::Terminal)?;
                let value = Zeroizing::new(value.into_bytes());
                if value.len() > MAX_SECRET_LEN {
                    return Err(CliError::SecretTooLong(kind));
                }
                Ok(value)
            }
            Source::Lines(reader) => read_line(reader.as_mut(), kind, stage),
            Source::Scripted(values) => values
                .pop_front()
                .ok_or(CliError::SecretMissing(kind, stage)),
        }
    }

    /// Reads a new value and its confirmation; they must match.
    pub fn read_new(&mut self, kind: SecretKind) -> Result<Secret, CliError> {
        let new = self.read(kind, Stage::New)?;
        let confirmation = self.read(kind, Stage::Confirm)?;
        if *new != *confirmation {
            return Err(CliError::SecretMismatch(kind));
        }
        Ok(new)
    }
}

/// The secret on the first line of `path` (`--passphrase-file ROLE=FILE`), as `step ca init
/// --password-file` reads one: what follows the first line is ignored.
pub fn read_file(path: &Path, kind: SecretKind) -> Result<Secret, CliError> {
    let mut file = File::open(path).map_err(|error| CliError::Io {
        path: path.to_owned(),
        error,
    })?;
    read_line(&mut file, kind, Stage::Current).map_err(|error| match error {
        CliError::SecretRead(error) => CliError::Io {
            path: path.to_owned(),
            error,
        },
        other => other,
    })
}

fn read_line(reader: &mut dyn Read, kind: SecretKind, stage: Stage) -> Result<Secret, CliError> {
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_SECRET_LEN + 1));
    // The byte buffer held a secret's character too.
    let mut byte = Zeroizing::new([0u8; 1]);
    let mut ended = false;
    loop {
        match reader.read(&mut byte[..]) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => {
                ended = true;
                break;
            }
            Ok(_) => {
                if line.len() == MAX_SECRET_LEN {
                    return Err(CliError::SecretTooLong(kind));
                }
                line.push(byte[0]);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(CliError::SecretRead(error)),
        }
    }
    if !ended && line.is_empty() {
        return Err(CliError::SecretMissing(kind, stage));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &'static str) -> Secrets {
        Secrets {
            source: Source::Lines(Box::new(text.as_bytes())),
            lang: Lang::En,
        }
    }

    #[test]
    fn one_secret_per_line_with_or_without_carriage_return() {
        let mut secrets = lines("123456\r\nabc\n\nlast");
        assert_eq!(
            &*secrets.read(SecretKind::Pin, Stage::Current).unwrap(),
            b"123456"
        );
        assert_eq!(&*secrets.read(SecretKind::Pin, Stage::New).unwrap(), b"abc");
        assert_eq!(
            &*secrets
                .read(SecretKind::ManagementKey, Stage::Current)
                .unwrap(),
            b""
        );
        assert_eq!(
            &*secrets.read(SecretKind::Puk, Stage::Current).unwrap(),
            b"last"
        );
        assert!(matches!(
            secrets.read(SecretKind::Puk, Stage::New),
            Err(CliError::SecretMissing(SecretKind::Puk, Stage::New))
        ));
    }

    #[test]
    fn a_new_value_must_be_confirmed() {
        let mut secrets = lines("abcdef\nabcdef\nabcdef\nabcdeg\n");
        assert_eq!(&*secrets.read_new(SecretKind::Pin).unwrap(), b"abcdef");
        assert!(matches!(
            secrets.read_new(SecretKind::Pin),
            Err(CliError::SecretMismatch(SecretKind::Pin))
        ));
    }

    #[test]
    fn an_endless_line_is_refused() {
        let long: &'static str = Box::leak("x".repeat(10_000).into_boxed_str());
        assert!(matches!(
            lines(long).read(SecretKind::Pin, Stage::Current),
            Err(CliError::SecretTooLong(SecretKind::Pin))
        ));
    }
}
