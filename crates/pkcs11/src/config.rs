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
            Ok(text) => Self::parse(&path, &text)?,
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
}
