//! The provider's configuration: `$JETON_HOME/provider.toml` (or a file given with
//! `--config`), then the environment (`JETON_DATABASE_URL`, `JETON_PROVIDER_BASE_URL`,
//! `JETON_PROVIDER_POLICY`), parsed into types before anything uses it.
//!
//! ```toml
//! [provider]
//! organization = "Jeton Trust Services"
//! organization_identifier = "NTRFR-123456789"   # optional
//! country = "FR"
//! policy = "1.3.6.1.4.1.99999.1.1"               # the provider's CP OID
//! base_url = "http://pki.jeton.example"          # AIA, CRL DP and OCSP URLs start here
//! [[provider.pds]]
//! url = "https://pki.jeton.example/pds/en.pdf"
//! language = "en"
//!
//! [storage]
//! url = "postgres://jeton@db/jeton"              # default: SQLite under $JETON_HOME
//! ```
//!
//! Other tables (such as `[server]`) are left to the programs that read them.

use std::path::{Path, PathBuf};

use der::asn1::ObjectIdentifier;
use jeton_pki::name::NameError;
use jeton_pki::{
    Country, IssuerUrls, Organization, OrganizationIdentifier, Pds, Provider, ServiceName, Subject,
};
use serde::Deserialize;

/// Why the configuration is refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the provider configuration {path}: {error}; `jeton ca init` writes a commented default, or write it as the README's \"Provider (CA)\" section shows")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Not TOML, or fields of the wrong type or unknown.
    #[error("provider configuration {path}: {error}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line.
        error: toml::de::Error,
    },
    /// The policy is not an OID.
    #[error("provider policy {0:?} is not an object identifier (dotted numbers such as 1.3.6.1.4.1.99999.1.1)")]
    Policy(String),
    /// A URL is not acceptable.
    #[error("{what} {url:?} must be an http:// or https:// URL without a trailing slash")]
    Url {
        /// Which setting.
        what: &'static str,
        /// Its value.
        url: String,
    },
    /// A PDS entry is wrong.
    #[error("PDS {url:?}: it must be an https:// URL with a two-letter language code (EN 319 412-5 §4.3.4)")]
    Pds {
        /// Its URL.
        url: String,
    },
    /// The provider's name is wrong.
    #[error("provider name: {0}")]
    Name(#[from] NameError),
    /// The default configuration could not be written.
    #[error("cannot write the default provider configuration {path}: {error}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

/// The default database's file in the provider folder.
pub const DATABASE_FILE: &str = "tsp.sqlite";

/// What `jeton ca init` writes when there is no configuration yet: every setting, commented.
pub const DEFAULT: &str = r#"# The provider's settings, read by `jeton ca` and `jeton server`
# (README, "Provider (CA)" and "Server"). JETON_DATABASE_URL, JETON_PROVIDER_BASE_URL and
# JETON_PROVIDER_POLICY override what is here.

[provider]
# organizationName in every CA, responder and TSA certificate (at most 64 characters).
# Set it before `jeton ca init`: the CAs' names cannot change afterwards.
organization = "Example Trust Services"
# EN 319 412-1 §5.1.4: VATxx-… or NTRxx-… (optional).
# organization_identifier = "NTRFR-123456789"
# ISO 3166-1 alpha-2.
country = "FR"
# The provider's certificate policy OID (its CP): replace with your own arc.
policy = "1.3.6.1.4.1.99999.1.1"
# Where `jeton server` is reached: the AIA, CRL and OCSP URLs in certificates start here.
base_url = "http://localhost:8080"

# PKI disclosure statements (EN 319 412-5 §4.3.4: https, two-letter language); the
# qualified profiles need one.
[[provider.pds]]
url = "https://pki.example.org/pds/en.pdf"
language = "en"

# [storage]
# url = "postgres://jeton@db/jeton"   # default: SQLite in the provider folder

[server]
# An address or a host name, and a port (0: any free port, printed at start).
listen = "localhost:8080"
# cas = ["issuing"]            # CAs answered for (default: every issuing CA)
# tsa = "tsa"                  # the TSA at /tsa (default: the provider's TSA)
# crl_interval_secs = 60       # 1 to 43200, at most half of crl_validity_secs
# crl_validity_secs = 86400    # 60 to 604800
# ocsp_validity_secs = 14400   # 60 to 604800
# resync_interval_secs = 30    # 1 to 3600
# poll_interval_ms = 250       # 10 to 60000
# request_timeout_secs = 10    # 1 to 300
# max_body_bytes = 65536       # 1024 to 1048576
# tsa_accuracy_ms = 1000       # 1 to 1000
"#;

/// Writes [`DEFAULT`] at `path`, whole or not at all (a temporary file renamed into
/// place), never over an existing file.
pub fn write_default(path: &Path) -> Result<(), ConfigError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let error = |error| ConfigError::Write {
        path: path.to_owned(),
        error,
    };
    let temporary = path.with_extension("toml.new");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(error)?;
    file.write_all(DEFAULT.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(error)?;
    // hard_link + remove refuses an existing file where rename would replace it.
    let linked = std::fs::hard_link(&temporary, path);
    let removed = std::fs::remove_file(&temporary);
    linked.map_err(error)?;
    removed.map_err(error)
}

#[derive(Debug, Deserialize)]
struct File {
    provider: ProviderSection,
    #[serde(default)]
    storage: StorageSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderSection {
    organization: String,
    organization_identifier: Option<String>,
    country: String,
    policy: Option<String>,
    base_url: String,
    #[serde(default)]
    pds: Vec<PdsSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PdsSection {
    url: String,
    language: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageSection {
    url: Option<String>,
}

/// The provider's settings, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The provider as an organisation (in its CAs' names).
    pub organization: Organization,
    /// Its name, as its CAs' common names begin.
    pub organization_name: String,
    /// Its country.
    pub country: Country,
    /// What certificates carry of it: policy OID, PDS.
    pub provider: Provider,
    /// Where its services are published: `{base_url}/ca/{name}.crt`,
    /// `{base_url}/crl/{name}.crl`, `{base_url}/ocsp`.
    pub base_url: String,
    /// The database URL, if not the default SQLite file.
    pub database_url: Option<String>,
}

fn http_url(what: &'static str, url: &str) -> Result<String, ConfigError> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && !url.ends_with('/')
        && url.is_ascii()
        && !url.contains(char::is_whitespace);
    if ok {
        Ok(url.to_owned())
    } else {
        Err(ConfigError::Url {
            what,
            url: url.to_owned(),
        })
    }
}

impl ProviderConfig {
    /// Reads `path` and applies the environment (`env` looks a variable up).
    pub fn load(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(ProviderConfig, String), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        let config = ProviderConfig::parse(&text, env).map_err(|e| match e {
            ConfigError::Toml { error, .. } => ConfigError::Toml {
                path: path.to_owned(),
                error,
            },
            other => other,
        })?;
        Ok((config, text))
    }

    /// Parses the TOML text and applies the environment.
    pub fn parse(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ProviderConfig, ConfigError> {
        let file: File = toml::from_str(text).map_err(|error| ConfigError::Toml {
            path: PathBuf::new(),
            error,
        })?;
        let p = file.provider;
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let policy = env("JETON_PROVIDER_POLICY").or(p.policy);
        let policy = policy
            .map(|oid| ObjectIdentifier::new(&oid).map_err(|_| ConfigError::Policy(oid)))
            .transpose()?;
        let base_url = http_url(
            "base_url",
            &env("JETON_PROVIDER_BASE_URL").unwrap_or(p.base_url),
        )?;
        let pds = p
            .pds
            .into_iter()
            .map(|d| {
                let ok = d.url.starts_with("https://")
                    && d.url.is_ascii()
                    && d.language.len() == 2
                    && d.language.bytes().all(|b| b.is_ascii_lowercase());
                if ok {
                    Ok(Pds {
                        url: d.url,
                        language: d.language,
                    })
                } else {
                    Err(ConfigError::Pds { url: d.url })
                }
            })
            .collect::<Result<_, _>>()?;
        let identifier = p
            .organization_identifier
            .as_deref()
            .map(OrganizationIdentifier::new)
            .transpose()?;
        Ok(ProviderConfig {
            organization: Organization::new(&p.organization, identifier)?,
            organization_name: p.organization,
            country: Country::new(&p.country)?,
            provider: Provider { policy, pds },
            base_url,
            database_url: env("JETON_DATABASE_URL").or(file.storage.url),
        })
    }

    /// Where the certificates issued by the CA `issuer` point to.
    pub fn urls_for(&self, issuer: &str) -> IssuerUrls {
        IssuerUrls {
            ca_issuers: Some(format!("{}/ca/{issuer}.crt", self.base_url)),
            ocsp: Some(format!("{}/ocsp", self.base_url)),
            crl: Some(format!("{}/crl/{issuer}.crl", self.base_url)),
        }
    }

    /// The name of one of the provider's services (a CA, the responder, the TSA).
    pub fn service(&self, common_name: &str) -> Result<Subject, ConfigError> {
        Ok(Subject::Service(ServiceName::new(
            self.country.clone(),
            self.organization.clone(),
            common_name,
        )?))
    }

    /// The database URL: the configured one, else SQLite in `provider_dir/tsp.sqlite`.
    pub fn database_url(&self, provider_dir: &Path) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", provider_dir.join(DATABASE_FILE).display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_is_valid_for_the_provider_and_the_server() {
        let config = ProviderConfig::parse(DEFAULT, |_| None).unwrap();
        assert_eq!(config.base_url, "http://localhost:8080");
        assert!(config.provider.policy.is_some() && !config.provider.pds.is_empty());
        let server = crate::server::ServerConfig::parse(DEFAULT, |_| None).unwrap();
        assert!(server.listen.ip().is_loopback());
    }

    #[test]
    fn the_default_is_written_whole_and_never_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("provider.toml");
        write_default(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), DEFAULT);
        assert!(matches!(
            write_default(&path),
            Err(ConfigError::Write { .. })
        ));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
