//! Who else on the machine may read the provider's files. The database holds holders' names
//! and national identifiers, the key files are what an offline guesser needs, so the
//! provider's folders are made 0700 and its files 0600, and every command that opens the
//! provider (`jeton ca …`, `jeton audit …`, `jeton server`) checks them first, as ssh
//! checks a private key: a looser mode is refused, naming the file, its mode and the
//! `chmod` that fixes it.
//!
//! The configuration is the exception: it holds no secret unless its `[storage] url`
//! carries a database password, and deployment tools often install it 0644. So a
//! configuration readable by others is a loud warning, refused only when it carries a
//! password; one writable by others is refused (whoever can edit it redirects the database
//! and the URLs every certificate points to).

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A file or folder open to other users than its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LooseMode {
    /// The file or folder.
    pub path: PathBuf,
    /// Its permission bits.
    pub mode: u32,
    /// The mode it should have.
    pub wanted: u32,
}

impl LooseMode {
    /// The command that fixes it.
    pub fn fix(&self) -> String {
        format!("chmod {:o} {}", self.wanted, self.path.display())
    }
}

impl std::fmt::Display for LooseMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} has mode {:04o}: other users of this machine can reach it; run `{}`",
            self.path.display(),
            self.mode,
            self.fix()
        )
    }
}

/// Why the provider's files are refused.
#[derive(Debug, thiserror::Error)]
pub enum PermissionError {
    /// A key file, the database or a folder is open to others.
    #[error("{0}: the provider's folders must be 0700 and its database and key files 0600")]
    TooOpen(LooseMode),
    /// The configuration can be changed by others.
    #[error("{0}: whoever can change the provider's configuration can redirect its database and the URLs in its certificates")]
    ConfigWritable(LooseMode),
    /// The configuration carries a database password and others can read it.
    #[error("{0}: the configuration carries the database's password")]
    ConfigPassword(LooseMode),
    /// A file's mode could not be read.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// Makes `path` (and its missing parents) with mode 0700.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(path)
}

/// Makes an empty file at `path` with mode 0600 if there is none.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .and_then(|f| f.sync_all())
}

fn mode_of(path: &Path) -> Result<Option<u32>, PermissionError> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(Some(meta.permissions().mode() & 0o7777)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(PermissionError::Io {
            path: path.to_owned(),
            error,
        }),
    }
}

/// Refuses `path` if group or others have any access to it.
fn private(path: &Path, wanted: u32) -> Result<(), PermissionError> {
    match mode_of(path)? {
        Some(mode) if mode & 0o077 != 0 => Err(PermissionError::TooOpen(LooseMode {
            path: path.to_owned(),
            mode,
            wanted,
        })),
        _ => Ok(()),
    }
}

/// The SQLite file of a `sqlite:` database URL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Whether the configuration's own `[storage] url` carries a password
/// (`postgres://user:password@host/db`).
fn has_password(config_text: &str) -> bool {
    let url = toml::from_str::<toml::Table>(config_text)
        .ok()
        .and_then(|t| t.get("storage")?.get("url")?.as_str().map(str::to_owned));
    url.and_then(|url| {
        let (_, rest) = url.split_once("://")?;
        let (user_info, _) = rest.split_once('@')?;
        Some(user_info.contains(':'))
    })
    .unwrap_or(false)
}

/// Checks the provider in `dir` before it is opened: the folder and its key folders 0700,
/// every file in them and the database (when it is an SQLite file) 0600, the configuration
/// at `config_path` not writable by others (nor readable, when it carries a password).
/// Returns the warnings to show loudly: a configuration others can read.
pub fn check_provider(
    dir: &Path,
    database_url: &str,
    config_path: &Path,
    config_text: &str,
) -> Result<Vec<LooseMode>, PermissionError> {
    private(dir, 0o700)?;
    for folder in [dir.join("keys"), dir.join("audit")] {
        private(&folder, 0o700)?;
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            private(&entry.path(), 0o600)?;
        }
    }
    if let Some(database) = sqlite_file(database_url) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = database.clone().into_os_string();
            name.push(suffix);
            private(Path::new(&name), 0o600)?;
        }
    }
    let mut warnings = Vec::new();
    if let Some(mode) = mode_of(config_path)? {
        let loose = LooseMode {
            path: config_path.to_owned(),
            mode,
            wanted: 0o600,
        };
        if mode & 0o022 != 0 {
            return Err(PermissionError::ConfigWritable(loose));
        }
        if mode & 0o044 != 0 {
            if has_password(config_text) {
                return Err(PermissionError::ConfigPassword(loose));
            }
            warnings.push(loose);
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/jeton/tsp.sqlite?mode=rwc"),
            Some(PathBuf::from("/var/lib/jeton/tsp.sqlite"))
        );
        assert_eq!(sqlite_file("postgres://jeton@db/jeton"), None);
        assert!(has_password(
            "[storage]\nurl = \"postgres://jeton:hunter2@db/jeton\"\n"
        ));
        assert!(!has_password(
            "[storage]\nurl = \"postgres://jeton@db/jeton\"\n"
        ));
    }

    #[test]
    fn a_database_or_key_file_open_to_others_is_refused_with_the_fix() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("provider");
        create_private_dir(&dir.join("keys")).unwrap();
        let key = dir.join("keys/issuing.key.pem");
        let database = dir.join("tsp.sqlite");
        create_private_file(&key).unwrap();
        create_private_file(&database).unwrap();
        let config = home.path().join("provider.toml");
        create_private_file(&config).unwrap();
        let url = format!("sqlite://{}", database.display());
        let check = || check_provider(&dir, &url, &config, "");
        assert_eq!(check().unwrap(), []);

        for path in [&database, &key] {
            chmod(path, 0o644);
            let error = check().unwrap_err();
            let text = error.to_string();
            assert!(
                text.contains(&format!("chmod 600 {}", path.display())),
                "{text}"
            );
            assert!(text.contains("mode 0644"), "{text}");
            chmod(path, 0o600);
        }
        chmod(&dir, 0o755);
        assert!(check()
            .unwrap_err()
            .to_string()
            .contains(&format!("chmod 700 {}", dir.display())));
        chmod(&dir, 0o700);

        // A readable configuration is a warning; a writable one is refused.
        chmod(&config, 0o644);
        assert_eq!(
            check().unwrap()[0].fix(),
            format!("chmod 600 {}", config.display())
        );
        let with_password = "[storage]\nurl = \"postgres://jeton:hunter2@db/jeton\"\n";
        assert!(matches!(
            check_provider(&dir, &url, &config, with_password),
            Err(PermissionError::ConfigPassword(_))
        ));
        chmod(&config, 0o666);
        assert!(matches!(check(), Err(PermissionError::ConfigWritable(_))));
    }
}
