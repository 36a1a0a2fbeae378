//! The module's configuration: where the cards live and the management key that key
//! generation and certificate writes authenticate with.
//!
//! Read from `JETON_PKCS11_CONF`, else `$JETON_HOME/pkcs11.toml`, if it exists:
//!
//! ```toml
//! [management-key]
//! algorithm = "aes256"        # 3des | aes128 | aes192 | aes256
//! key = "00112233…"           # hex
//! ```
//!
//! `JETON_PKCS11_MGMT_KEY=aes256:HEX` (or a bare HEX: 24 bytes are 3DES, 16 AES-128, 32
//! AES-256) overrides the file. Without either, the factory key is used, as PIV tools do.
//!
//! The file is refused, as ssh refuses its own files, when someone else could have written
//! it: owned by another user (root aside), writable by its group or by all, or in a folder
//! others can write to without the sticky bit (they could put another file in its place).
//! A module loaded into every application must not take its key from whoever could write
//! there; a warning would go unseen in a browser's stderr while the key is used anyway.
//! A file others can only *read* is used, with a warning: its key is already out, and
//! refusing it would only stop the holder.

use std::path::{Path, PathBuf};

use jeton_piv::{ManagementKey, ManagementKeyAlgorithm};
use serde::Deserialize;
use zeroize::Zeroizing;

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("JETON_PKCS11_MGMT_KEY: {0}")]
    Environment(String),
    #[error("{path}: {why}; refused, as ssh would refuse it (fix: {fix})")]
    Unsafe {
        path: PathBuf,
        why: String,
        fix: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "management-key")]
    management_key: Option<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    algorithm: String,
    key: String,
}

pub struct Config {
    pub home: PathBuf,
    pub management_key: ManagementKey,
}

fn algorithm_named(name: &str) -> Option<ManagementKeyAlgorithm> {
    Some(match name.to_ascii_lowercase().as_str() {
        "3des" | "tdes" => ManagementKeyAlgorithm::TripleDes,
        "aes128" => ManagementKeyAlgorithm::Aes128,
        "aes192" => ManagementKeyAlgorithm::Aes192,
        "aes256" => ManagementKeyAlgorithm::Aes256,
        _ => return None,
    })
}

fn key_from_environment(value: &str) -> Result<ManagementKey, ConfigError> {
    let bad = |what: &str| ConfigError::Environment(what.to_string());
    let (algorithm, hex) = match value.split_once(':') {
        Some((name, hex)) => (
            algorithm_named(name).ok_or_else(|| bad("unknown algorithm"))?,
            hex,
        ),
        None => {
            let algorithm = match value.trim().len() {
                48 => ManagementKeyAlgorithm::TripleDes,
                32 => ManagementKeyAlgorithm::Aes128,
                64 => ManagementKeyAlgorithm::Aes256,
                _ => {
                    return Err(bad(
                        "give ALGORITHM:HEX, or a 3DES, AES-128 or AES-256 key in hex",
                    ))
                }
            };
            (algorithm, value)
        }
    };
    ManagementKey::from_hex(algorithm, hex.trim())
        .map_err(|e| ConfigError::Environment(e.to_string()))
}

impl Config {
    /// `$JETON_HOME`, else `$XDG_DATA_HOME/jeton`, else `~/.local/share/jeton`.
    pub fn default_home() -> Option<PathBuf> {
        let var = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        var("JETON_HOME")
            .or_else(|| var("XDG_DATA_HOME").map(|d| d.join("jeton")))
            .or_else(|| var("HOME").map(|h| h.join(".local/share/jeton")))
    }

    pub fn from_environment() -> Result<Config, ConfigError> {
        let home = Self::default_home().unwrap_or_else(|| PathBuf::from(".jeton"));
        let path = std::env::var_os("JETON_PKCS11_CONF")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join("pkcs11.toml"));
        let mut management_key = match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Some(warning) = check_modes(&path)? {
                    eprintln!("jeton-pkcs11: warning: {warning}");
                }
                Self::parse(&path, &text)?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(ConfigError::File {
                    path,
                    message: e.to_string(),
                })
            }
        };
        if let Some(value) = std::env::var_os("JETON_PKCS11_MGMT_KEY") {
            let value = Zeroizing::new(value.to_string_lossy().into_owned());
            management_key = Some(key_from_environment(&value)?);
        }
        Ok(Config {
            home,
            management_key: management_key.unwrap_or_else(ManagementKey::factory_default),
        })
    }

    fn parse(path: &Path, text: &str) -> Result<Option<ManagementKey>, ConfigError> {
        let error = |message: String| ConfigError::File {
            path: path.to_path_buf(),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| error(e.message().to_string()))?;
        let Some(entry) = file.management_key else {
            return Ok(None);
        };
        let algorithm = algorithm_named(&entry.algorithm).ok_or_else(|| {
            error(format!(
                "unknown management-key algorithm {:?}",
                entry.algorithm
            ))
        })?;
        let key = Zeroizing::new(entry.key);
        ManagementKey::from_hex(algorithm, key.trim())
            .map(Some)
            .map_err(|e| error(e.to_string()))
    }

    pub fn cards(&self) -> PathBuf {
        self.home.join("cards")
    }
}

/// Whether `path` could have been written by someone else than this user (an error), or
/// read by others (a warning, returned).
fn check_modes(path: &Path) -> Result<Option<String>, ConfigError> {
    use std::os::unix::fs::MetadataExt;
    let io = |e: std::io::Error| ConfigError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let refuse = |why: String, fix: String| ConfigError::Unsafe {
        path: path.to_path_buf(),
        why,
        fix,
    };
    let file = std::fs::metadata(path).map_err(io)?;
    let mode = file.mode() & 0o7777;
    // This process's user, without `unsafe`: Linux gives /proc/self to it. Elsewhere the
    // owner goes unchecked; the modes below still are.
    if let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid()) {
        if file.uid() != me && file.uid() != 0 {
            return Err(refuse(
                format!("owned by user {}, not by this user ({me})", file.uid()),
                format!("chown {me} {}", path.display()),
            ));
        }
    }
    if mode & 0o022 != 0 {
        return Err(refuse(
            format!("writable by its group or by all (mode {mode:04o})"),
            format!("chmod go-w {}", path.display()),
        ));
    }
    let absolute = std::path::absolute(path).map_err(io)?;
    if let Some(folder) = absolute.parent() {
        let dir = std::fs::metadata(folder).map_err(io)?;
        let dir_mode = dir.mode() & 0o7777;
        if dir_mode & 0o022 != 0 && dir_mode & 0o1000 == 0 {
            return Err(refuse(
                format!(
                    "its folder {} is writable by its group or by all (mode {dir_mode:04o}), \
                     so another file can take its place",
                    folder.display()
                ),
                format!("chmod go-w {}", folder.display()),
            ));
        }
    }
    Ok((mode & 0o044 != 0).then(|| {
        format!(
            "{}: readable by others (mode {mode:04o}), and it holds a management key \
             (fix: chmod 600 {})",
            path.display(),
            path.display()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_gives_the_management_key() {
        let key = Config::parse(
            Path::new("pkcs11.toml"),
            "[management-key]\nalgorithm = \"aes128\"\nkey = \"000102030405060708090a0b0c0d0e0f\"\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(key.algorithm(), ManagementKeyAlgorithm::Aes128);
    }

    #[test]
    fn garbage_configs_are_refused_with_a_clear_error() {
        for text in [
            "[management-key",
            "[management-key]\nalgorithm = \"rot13\"\nkey = \"00\"",
            "colour = 1",
        ] {
            let error = Config::parse(Path::new("x.toml"), text)
                .map(|_| ())
                .expect_err("refused");
            assert!(error.to_string().starts_with("x.toml: "), "{error}");
        }
        assert!(key_from_environment("aes256:zz").is_err());
        assert!(key_from_environment("010203040506070801020304050607080102030405060708").is_ok());
    }

    fn write_config(folder: &Path, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = folder.join("pkcs11.toml");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn a_config_others_can_write_is_refused_one_they_can_read_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(check_modes(&write_config(home.path(), 0o600))
            .unwrap()
            .is_none());
        let warning = check_modes(&write_config(home.path(), 0o644)).unwrap();
        assert!(warning.unwrap().contains("readable by others (mode 0644)"));
        for mode in [0o664, 0o646, 0o666, 0o620] {
            let error = check_modes(&write_config(home.path(), mode)).unwrap_err();
            let text = error.to_string();
            assert!(text.contains("writable by its group or by all"), "{text}");
            assert!(text.contains("chmod go-w"), "{text}");
        }
        // A folder others can write to: the file could be replaced under its name.
        let path = write_config(home.path(), 0o600);
        for mode in [0o777, 0o770] {
            std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(mode)).unwrap();
            let text = check_modes(&path).unwrap_err().to_string();
            assert!(text.contains("its folder"), "{text}");
        }
        // With the sticky bit (as /tmp), only the file's owner may rename or delete it.
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(check_modes(&path).unwrap().is_none());
    }

    /// The only test of this binary that sets the environment.
    #[test]
    fn the_module_refuses_to_load_a_config_others_can_write() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let path = home.path().join("pkcs11.toml");
        std::fs::write(
            &path,
            "[management-key]\nalgorithm = \"aes128\"\nkey = \"000102030405060708090a0b0c0d0e0f\"\n",
        )
        .unwrap();
        std::env::set_var("JETON_PKCS11_CONF", &path);
        std::env::remove_var("JETON_PKCS11_MGMT_KEY");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let refused = Config::from_environment().map(|_| ()).unwrap_err();
        assert!(matches!(refused, ConfigError::Unsafe { .. }), "{refused}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let config = Config::from_environment().unwrap();
        std::env::remove_var("JETON_PKCS11_CONF");
        assert_eq!(
            config.management_key.algorithm(),
            ManagementKeyAlgorithm::Aes128
        );
    }
}
