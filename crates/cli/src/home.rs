//! Where the virtual cards live: `$JETON_HOME/cards/`, with `JETON_HOME` defaulting to
//! `$XDG_DATA_HOME/jeton` (`~/.local/share/jeton`), and which card a command means.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use jeton_card::CardDirectory;

use crate::error::CliError;

#[derive(Clone, Debug)]
pub struct Home {
    root: PathBuf,
    /// The variable the folder comes from, so that an error can name it.
    origin: &'static str,
}

impl Home {
    pub fn from_environment() -> Result<Home, CliError> {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let (root, origin) = if let Some(home) = non_empty("JETON_HOME") {
            (PathBuf::from(home), "JETON_HOME")
        } else if let Some(data) = non_empty("XDG_DATA_HOME") {
            (PathBuf::from(data).join("jeton"), "XDG_DATA_HOME")
        } else if let Some(home) = non_empty("HOME") {
            (PathBuf::from(home).join(".local/share/jeton"), "HOME")
        } else {
            return Err(CliError::NoHome);
        };
        let home = Home { root, origin };
        // A home that is a file (a mistyped JETON_HOME) is said so, rather than as "no card".
        match std::fs::metadata(&home.root) {
            Ok(meta) if !meta.is_dir() => Err(CliError::HomeUnusable {
                home,
                error: std::io::Error::from(std::io::ErrorKind::NotADirectory),
            }),
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(CliError::HomeUnusable { home, error })
            }
            _ => Ok(home),
        }
    }

    pub fn at(root: impl Into<PathBuf>) -> Home {
        Home {
            root: root.into(),
            origin: "JETON_HOME",
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn origin(&self) -> &'static str {
        self.origin
    }

    pub fn cards_dir(&self) -> PathBuf {
        self.root.join("cards")
    }

    pub fn cards(&self) -> CardDirectory {
        CardDirectory::new(self.cards_dir())
    }

    /// The card folder, made private to its owner if it is new: card files are encrypted,
    /// but nobody else needs to see them.
    pub fn ensure_cards_dir(&self) -> Result<CardDirectory, CliError> {
        let dir = self.cards_dir();
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|error| CliError::Io {
                path: dir.clone(),
                error,
            })?;
        Ok(self.cards())
    }

    /// The serials of the cards here, in order; none if the folder does not exist yet.
    pub fn serials(&self) -> Result<Vec<u32>, CliError> {
        if !Path::new(&self.cards_dir()).exists() {
            return Ok(Vec::new());
        }
        let mut serials = self.cards().list()?;
        serials.sort_unstable();
        Ok(serials)
    }

    /// The card a command means: the one named, or the only one there is.
    pub fn choose(&self, serial: Option<u32>) -> Result<u32, CliError> {
        let serials = self.serials()?;
        match serial {
            Some(serial) if serials.contains(&serial) => Ok(serial),
            Some(serial) => Err(CliError::UnknownCard(serial, self.clone())),
            None => match serials.as_slice() {
                [] => Err(CliError::NoCard(self.clone())),
                [only] => Ok(*only),
                several => Err(CliError::SeveralCards(several.to_vec())),
            },
        }
    }
}
