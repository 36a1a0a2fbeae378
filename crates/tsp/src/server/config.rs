//! `jeton server`'s settings: the `[server]` table of the provider's configuration file
//! (`$JETON_HOME/provider.toml`, whose `[storage]` names the database), then the
//! environment over it (`JETON_SERVER_*`), checked once at start so that a typo stops the
//! server with a message that names the setting.
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8080"  # or a host name: "localhost:8080"
//! cas = ["issuing"]          # CAs answered for (default: every issuing CA of the store)
//! tsa = "tsa"                # the TSA served at /tsa (default: the store's TSA, if any)
//! crl_interval_secs = 60     # a revocation is on a published CRL within this time
//! crl_validity_secs = 86400  # nextUpdate − thisUpdate of CRLs (EN 319 411-1 CSS-6.3.9-05)
//! ocsp_validity_secs = 14400 # nextUpdate − thisUpdate of OCSP responses
//! header_read_timeout_secs = 5 # a request's head must arrive within this time
//! idle_timeout_secs = 15     # a kept-alive connection waits this long for its next request
//! max_connections = 10000    # open connections (default: what the descriptor limit allows)
//! [server.keys]              # key references instead of those the store records
//! issuing = "pkcs11:token=ca;id=%01"
//! ```
//!
//! Every number has a range ([`BOUNDS`]); a value outside it stops the server with the
//! setting's name and its range:
//!
//! | setting | range | default |
//! |---|---|---|
//! | `crl_interval_secs` | 1 – 43 200, and at most half of `crl_validity_secs` | 60 |
//! | `crl_validity_secs` | 60 – 604 800 (one week) | 86 400 |
//! | `ocsp_validity_secs` | 60 – 604 800 | 14 400 |
//! | `resync_interval_secs` (how often issuance by other processes is followed, from a cursor) | 1 – 3 600 | 1 |
//! | `poll_interval_ms` | 10 – 60 000 | 250 |
//! | `request_timeout_secs` | 1 – 300 | 10 |
//! | `max_body_bytes` | 1 024 – 1 048 576 | 65 536 |
//! | `tsa_accuracy_ms` | 1 – 1 000 (EN 319 421: one second or better) | 1 000 |
//! | `crl_keep` | 1 – 100 000 CRLs kept in the database per CA; older ones are archived to `crl_archive_dir` (default: `crl-archive` beside the SQLite database; on PostgreSQL, none unless set: nothing is pruned) | 10 |
//! | `header_read_timeout_secs` | 1 – 60 | 5 |
//! | `idle_timeout_secs` | 1 – 3 600 | 15 |
//! | `max_connections` | 16 – 1 000 000, and at most what the file-descriptor limit allows | that limit less a reserve |
//!
//! The header-read timeout runs from the connection's start, and from the first byte of each
//! later request; the idle timeout from the end of a response until the next request begins
//! (or while a client does not read its response). At `max_connections`, the oldest
//! connections that have not sent a complete request are closed to make room.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use der::asn1::ObjectIdentifier;
use serde::Deserialize;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the server configuration {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("the server configuration {path} is not valid: {error}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What TOML says.
        error: Box<toml::de::Error>,
    },
    /// A setting has a value that cannot work.
    #[error("server setting `{setting}`: {why}")]
    Invalid {
        /// The setting, as written in the file or the environment.
        setting: String,
        /// What is wrong and what to write instead.
        why: String,
    },
    /// A number outside its documented range.
    #[error("server setting `{setting}` = {value} is outside its range {min} to {max}")]
    OutOfRange {
        /// The setting, as written in the file (or the environment variable).
        setting: String,
        /// The value given.
        value: u64,
        /// The smallest value accepted.
        min: u64,
        /// The largest value accepted.
        max: u64,
    },
}

/// The range of every numeric setting: (name, smallest, largest).
pub const BOUNDS: [(&str, u64, u64); 12] = [
    ("crl_interval_secs", 1, 43_200),
    ("crl_validity_secs", 60, 604_800),
    ("ocsp_validity_secs", 60, 604_800),
    ("resync_interval_secs", 1, 3_600),
    ("poll_interval_ms", 10, 60_000),
    ("request_timeout_secs", 1, 300),
    ("max_body_bytes", 1_024, 1_048_576),
    ("tsa_accuracy_ms", 1, 1_000),
    ("crl_keep", 1, 100_000),
    ("header_read_timeout_secs", 1, 60),
    ("idle_timeout_secs", 1, 3_600),
    ("max_connections", 16, 1_000_000),
];

/// Refuses `value` outside the range [`BOUNDS`] gives `setting`.
fn in_range(setting: &str, value: u64) -> Result<u64, ConfigError> {
    let (_, min, max) = BOUNDS
        .iter()
        .copied()
        .find(|(name, _, _)| *name == setting)
        .unwrap_or((setting, 0, u64::MAX));
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::OutOfRange {
            setting: setting.to_owned(),
            value,
            min,
            max,
        })
    }
}

/// The checked settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address and port to listen on (port 0: any free port, printed at start).
    pub listen: SocketAddr,
    /// The CAs answered for; None: every issuing CA in the store.
    pub cas: Option<Vec<String>>,
    /// The TSA; None: the store's TSA if it has one.
    pub tsa: Option<String>,
    /// Key references that replace the store's, by CA (or responder, TSA) name.
    pub keys: BTreeMap<String, String>,
    /// The TSA policy OID put in every token.
    pub tsa_policy: ObjectIdentifier,
    /// The accuracy declared in every token.
    pub tsa_accuracy: Duration,
    /// Whether tokens are qualified (EN 319 422 §9.1 EuQCompliance).
    pub tsa_qualified: bool,
    /// A revocation is on a published CRL within this time.
    pub crl_interval: Duration,
    /// nextUpdate − thisUpdate of CRLs; a new CRL is also published halfway.
    pub crl_validity: Duration,
    /// nextUpdate − thisUpdate of OCSP responses. Pre-signed ones are re-signed when half of
    /// it has passed.
    pub ocsp_validity: Duration,
    /// How often the pre-signed responses are checked against the whole store.
    pub resync_interval: Duration,
    /// How often the store is asked for revocations a notification may have missed.
    pub poll_interval: Duration,
    /// Longest time a request may take, body included.
    pub request_timeout: Duration,
    /// Largest request body.
    pub max_body: usize,
    /// CRLs kept in the database per CA (the newest); older ones are archived.
    pub crl_keep: usize,
    /// Where pruned CRLs are archived; None: beside the SQLite database (PostgreSQL: none,
    /// nothing pruned).
    pub crl_archive: Option<PathBuf>,
    /// A request's head must be complete within this time of the connection's start or of
    /// its first byte.
    pub header_read_timeout: Duration,
    /// A connection with no request in progress is closed after this long.
    pub idle_timeout: Duration,
    /// Open connections at most; None: what the file-descriptor limit allows.
    pub max_connections: Option<usize>,
}

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    server: Section,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Section {
    listen: Option<String>,
    cas: Option<Vec<String>>,
    tsa: Option<String>,
    #[serde(default)]
    keys: BTreeMap<String, String>,
    tsa_policy: Option<String>,
    tsa_accuracy_ms: Option<u64>,
    tsa_qualified: Option<bool>,
    crl_interval_secs: Option<u64>,
    crl_validity_secs: Option<u64>,
    ocsp_validity_secs: Option<u64>,
    resync_interval_secs: Option<u64>,
    poll_interval_ms: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_body_bytes: Option<u64>,
    crl_keep: Option<u64>,
    crl_archive_dir: Option<String>,
    header_read_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    max_connections: Option<u64>,
}

/// EN 319 421 best-practices-ts-policy, when none is configured.
pub const DEFAULT_TSA_POLICY: &str = "0.4.0.2023.1.1";

fn invalid(setting: &str, why: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting: setting.to_owned(),
        why: why.into(),
    }
}

fn check_name(setting: &str, name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            setting,
            format!("`{name}` must be letters, digits, - and _ (it is part of a URL)"),
        ))
    }
}

/// An address and port, `127.0.0.1:8080`, `[::1]:8080` or a host name `localhost:8080`
/// (resolved now, its first address taken, IPv4 first as most hosts file list them).
pub fn listen_address(text: &str) -> Result<SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs;
    let text = text.trim();
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let bad = |why: String| invalid("listen", why);
    let (host, port) = text.rsplit_once(':').ok_or_else(|| {
        bad(format!(
            "`{text}` is not an address and port such as 127.0.0.1:8080 or localhost:8080"
        ))
    })?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(bad(format!(
            "`{text}` is not an address and port such as 127.0.0.1:8080 or localhost:8080"
        )));
    }
    let mut addresses: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| bad(format!("host `{host}` cannot be resolved: {e}")))?
        .collect();
    addresses.sort_by_key(|a| !a.is_ipv4());
    addresses
        .first()
        .copied()
        .ok_or_else(|| bad(format!("host `{host}` has no address")))
}

impl ServerConfig {
    /// Reads the `[server]` table of the file at `path` (other tables are the provider's),
    /// then applies `env`.
    pub fn load(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        Self::parse(&text, env).map_err(|e| match e {
            ConfigError::Parse { error, .. } => ConfigError::Parse {
                path: path.to_owned(),
                error,
            },
            other => other,
        })
    }

    /// Parses the `[server]` table of a TOML text, then the environment:
    /// `JETON_SERVER_LISTEN`, `JETON_SERVER_CRL_INTERVAL_SECS`,
    /// `JETON_SERVER_OCSP_VALIDITY_SECS`, `JETON_SERVER_CRL_VALIDITY_SECS`.
    pub fn parse(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let file: File = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: PathBuf::new(),
            error: Box::new(error),
        })?;
        let s = file.server;
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let number = |setting: &str, env_name: &str, value: Option<u64>, default: u64| {
            let value = match env(env_name) {
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| invalid(env_name, format!("`{text}` is not a whole number")))?,
                None => value.unwrap_or(default),
            };
            in_range(setting, value)
        };
        let secs = |setting: &str, env_name: &str, value: Option<u64>, default: u64| {
            number(setting, env_name, value, default).map(Duration::from_secs)
        };
        let listen_text = env("JETON_SERVER_LISTEN")
            .or(s.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_address(&listen_text)?;
        if let Some(cas) = &s.cas {
            for (i, name) in cas.iter().enumerate() {
                check_name("cas", name)?;
                if cas[..i].contains(name) {
                    return Err(invalid("cas", format!("`{name}` appears twice")));
                }
            }
        }
        if let Some(tsa) = &s.tsa {
            check_name("tsa", tsa)?;
        }
        let policy_text = s.tsa_policy.unwrap_or_else(|| DEFAULT_TSA_POLICY.into());
        let tsa_policy = ObjectIdentifier::new(&policy_text)
            .map_err(|_| invalid("tsa_policy", format!("`{policy_text}` is not an OID")))?;
        // EN 319 421: accuracy of one second or better.
        let tsa_accuracy = Duration::from_millis(in_range(
            "tsa_accuracy_ms",
            s.tsa_accuracy_ms.unwrap_or(1000),
        )?);
        // No default here: the one that fits the descriptor limit is known only at start.
        let max_connections = match (env("JETON_SERVER_MAX_CONNECTIONS"), s.max_connections) {
            (None, None) => None,
            _ => Some(
                usize::try_from(number(
                    "max_connections",
                    "JETON_SERVER_MAX_CONNECTIONS",
                    s.max_connections,
                    0,
                )?)
                .unwrap_or(usize::MAX),
            ),
        };
        let config = ServerConfig {
            listen,
            cas: s.cas,
            tsa: s.tsa,
            keys: s.keys,
            tsa_policy,
            tsa_accuracy,
            tsa_qualified: s.tsa_qualified.unwrap_or(true),
            crl_interval: secs(
                "crl_interval_secs",
                "JETON_SERVER_CRL_INTERVAL_SECS",
                s.crl_interval_secs,
                60,
            )?,
            crl_validity: secs(
                "crl_validity_secs",
                "JETON_SERVER_CRL_VALIDITY_SECS",
                s.crl_validity_secs,
                86_400,
            )?,
            ocsp_validity: secs(
                "ocsp_validity_secs",
                "JETON_SERVER_OCSP_VALIDITY_SECS",
                s.ocsp_validity_secs,
                4 * 3600,
            )?,
            resync_interval: secs(
                "resync_interval_secs",
                "JETON_SERVER_RESYNC_INTERVAL_SECS",
                s.resync_interval_secs,
                1,
            )?,
            poll_interval: Duration::from_millis(number(
                "poll_interval_ms",
                "JETON_SERVER_POLL_INTERVAL_MS",
                s.poll_interval_ms,
                250,
            )?),
            request_timeout: secs(
                "request_timeout_secs",
                "JETON_SERVER_REQUEST_TIMEOUT_SECS",
                s.request_timeout_secs,
                10,
            )?,
            max_body: usize::try_from(in_range(
                "max_body_bytes",
                s.max_body_bytes.unwrap_or(64 * 1024),
            )?)
            .unwrap_or(usize::MAX),
            crl_keep: usize::try_from(number("crl_keep", "JETON_SERVER_CRL_KEEP", s.crl_keep, 10)?)
                .unwrap_or(usize::MAX),
            crl_archive: s.crl_archive_dir.map(PathBuf::from),
            header_read_timeout: secs(
                "header_read_timeout_secs",
                "JETON_SERVER_HEADER_READ_TIMEOUT_SECS",
                s.header_read_timeout_secs,
                5,
            )?,
            idle_timeout: secs(
                "idle_timeout_secs",
                "JETON_SERVER_IDLE_TIMEOUT_SECS",
                s.idle_timeout_secs,
                15,
            )?,
            max_connections,
        };
        if config.crl_interval * 2 > config.crl_validity {
            return Err(invalid(
                "crl_interval_secs",
                "must be at most half of crl_validity_secs",
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const PROVIDER: &str =
        "[provider]\norganization = \"J\"\ncountry = \"FR\"\nbase_url = \"http://x\"\n";

    #[test]
    fn a_file_without_a_server_table_gets_the_documented_defaults() {
        let c = ServerConfig::parse(PROVIDER, no_env).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.crl_interval, Duration::from_secs(60));
        assert_eq!(c.ocsp_validity, Duration::from_secs(4 * 3600));
        assert_eq!(c.max_body, 65_536);
        assert_eq!(c.cas, None);
        assert_eq!(c.tsa_policy.to_string(), DEFAULT_TSA_POLICY);
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let env = |name: &str| match name {
            "JETON_SERVER_LISTEN" => Some("127.0.0.1:9999".to_owned()),
            "JETON_SERVER_CRL_INTERVAL_SECS" => Some("3".to_owned()),
            _ => None,
        };
        let text = format!("{PROVIDER}[server]\nlisten = \"0.0.0.0:80\"\ncas = [\"issuing\"]\n[server.keys]\nissuing = \"pkcs11:token=ca\"\n");
        let c = ServerConfig::parse(&text, env).unwrap();
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.crl_interval, Duration::from_secs(3));
        assert_eq!(c.cas, Some(vec!["issuing".to_owned()]));
        assert_eq!(c.keys["issuing"], "pkcs11:token=ca");
    }

    #[test]
    fn mistakes_name_the_setting() {
        let cases = [
            ("listen = \"localhost\"", "listen"),
            ("listen = \"no-such-host.invalid:80\"", "listen"),
            ("crl_interval_secs = 0", "crl_interval_secs"),
            ("crl_interval_secs = 50000", "crl_interval_secs"),
            ("cas = [\"a/b\"]", "cas"),
            ("cas = [\"a\", \"a\"]", "cas"),
            ("tsa_policy = \"x\"", "tsa_policy"),
            ("tsa_accuracy_ms = 5000", "tsa_accuracy_ms"),
        ];
        for (line, setting) in cases {
            let text = format!("[server]\n{line}\n");
            let error = ServerConfig::parse(&text, no_env).unwrap_err();
            assert!(error.to_string().contains(setting), "{line}: {error}");
        }
        let error = ServerConfig::parse("[server]\nlisen = \"x\"", no_env).unwrap_err();
        assert!(matches!(error, ConfigError::Parse { .. }), "{error}");
        let env =
            |name: &str| (name == "JETON_SERVER_CRL_INTERVAL_SECS").then(|| "soon".to_owned());
        let error = ServerConfig::parse("", env).unwrap_err();
        assert!(error.to_string().contains("JETON_SERVER_"), "{error}");
    }

    #[test]
    fn a_host_name_is_resolved_for_listen() {
        let c = ServerConfig::parse("[server]\nlisten = \"localhost:8080\"\n", no_env).unwrap();
        assert!(c.listen.ip().is_loopback(), "{}", c.listen);
        assert_eq!(c.listen.port(), 8080);
        assert_eq!(listen_address("[::1]:0").unwrap().to_string(), "[::1]:0");
    }

    #[test]
    fn every_number_outside_its_range_is_refused_with_the_range() {
        for (setting, min, max) in BOUNDS {
            for value in [min - 1, max + 1] {
                let text = format!("[server]\n{setting} = {value}\ncrl_validity_secs = 604800\n");
                let text = if setting == "crl_validity_secs" {
                    format!("[server]\n{setting} = {value}\n")
                } else {
                    text
                };
                let error = ServerConfig::parse(&text, no_env).unwrap_err();
                assert!(
                    matches!(&error, ConfigError::OutOfRange { setting: s, min: lo, max: hi, .. }
                        if s == setting && *lo == min && *hi == max),
                    "{setting} = {value}: {error}"
                );
                assert!(error.to_string().contains(&max.to_string()), "{error}");
            }
        }
        let env = |name: &str| (name == "JETON_SERVER_POLL_INTERVAL_MS").then(|| "1".to_owned());
        let error = ServerConfig::parse("", env).unwrap_err();
        assert!(error.to_string().contains("poll_interval_ms"), "{error}");
    }

    #[test]
    fn connection_settings_default_to_short_timeouts_and_the_descriptor_limit() {
        let c = ServerConfig::parse(PROVIDER, no_env).unwrap();
        assert_eq!(c.header_read_timeout, Duration::from_secs(5));
        assert_eq!(c.idle_timeout, Duration::from_secs(15));
        assert_eq!(c.max_connections, None);
        let env = |name: &str| (name == "JETON_SERVER_MAX_CONNECTIONS").then(|| "500".to_owned());
        let c = ServerConfig::parse("[server]\nheader_read_timeout_secs = 2\n", env).unwrap();
        assert_eq!(c.header_read_timeout, Duration::from_secs(2));
        assert_eq!(c.max_connections, Some(500));
    }
}
