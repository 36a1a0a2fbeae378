//! The CA's operations over the store: setting the provider up (root, issuing CA, OCSP
//! responder, TSA, audit key), issuing from a CSR or a bare public key, signing CRLs. Each
//! one leaves its audit entry in the same transaction as its record.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use jeton_pki::name::NameError;
use jeton_pki::profile::Role;
use jeton_pki::{
    build_crl, issue, issue_self_signed, parse_csr, Certificate, Country, CrlInfo, Issuer, KeyKind,
    NaturalPerson, NextUpdate, Organization, OrganizationIdentifier, Period, PersonIdentifier,
    Profile, Signer, SoftwareKey, Subject,
};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use crate::audit::{self, Event};
use crate::config::{ConfigError, ProviderConfig};
use crate::keys::{KeyRole, RoleSecrets, SecretsError};
use crate::store::{
    Actor, CaRecord, CertificateRecord, CrlRecord, Serial, SetupStep, Store, StoreError,
};

/// The names `ca init` gives to what it makes.
pub const ROOT: &str = "root";
/// The CA that issues the holders' certificates.
pub const ISSUING: &str = "issuing";
/// The delegated OCSP responder of the issuing CA.
pub const OCSP: &str = "ocsp";
/// The time-stamping unit.
pub const TSA: &str = "tsa";

/// Why a CA operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A key file could not be used.
    #[error("key {path}: {error}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why.
        error: jeton_pki::KeyFileError,
    },
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A key file is already there: keys are never overwritten.
    #[error(
        "{0} already exists: the provider is already set up here (keys are never overwritten)"
    )]
    KeyExists(PathBuf),
    /// The provider is set up already.
    #[error("the provider is already set up in this database (CA {0:?} exists)")]
    AlreadyInitialised(String),
    /// The key reference is not understood.
    #[error("key reference {0:?}: give a file path or a pkcs11: URI (RFC 7512) with token=, id= and ?module-path=")]
    KeyRef(String),
    /// PKCS#11 keys need the `pkcs11` feature.
    #[error("this jeton was built without PKCS#11 support for CA keys: rebuild with `--features jeton/pkcs11-ca`")]
    NoPkcs11,
    /// The token refused.
    #[cfg(feature = "pkcs11")]
    #[error(transparent)]
    Pkcs11(#[from] jeton_pki::pkcs11::Pkcs11Error),
    /// The profiles built into jeton-pki do not load (a build defect).
    #[error("the shipped certificate profiles do not load: {0}")]
    Profiles(jeton_pki::ProfileError),
    /// No such profile.
    #[error("no certificate profile {0:?}: use qualified-signing, authentication, ocsp-responder or tsa")]
    UnknownProfile(String),
    /// The profile is a CA's: holders never get one.
    #[error("profile {0:?} is for the provider's own CAs, made by `jeton ca init`")]
    CaProfile(String),
    /// The subject text is wrong.
    #[error("subject: {0}")]
    Subject(String),
    /// The subject name is refused.
    #[error("subject: {0}")]
    Name(#[from] NameError),
    /// The CSR is refused.
    #[error(transparent)]
    Csr(#[from] jeton_pki::CsrError),
    /// The public key file is not a SubjectPublicKeyInfo.
    #[error("{0}: not a public key (PEM \"PUBLIC KEY\" or DER SubjectPublicKeyInfo)")]
    PublicKey(PathBuf),
    /// The subject's key is refused.
    #[error(transparent)]
    KeyPolicy(#[from] jeton_pki::KeyPolicyError),
    /// Issuance refused.
    #[error(transparent)]
    Issue(#[from] jeton_pki::IssueError),
    /// The CRL could not be made.
    #[error(transparent)]
    Crl(#[from] jeton_pki::CrlError),
    /// The stored certificate of a CA does not parse.
    #[error("the stored certificate of {0:?} does not parse")]
    CorruptCertificate(String),
    /// The key does not match the CA certificate.
    #[error("the key at {0} does not match CA {1:?}'s certificate")]
    KeyMismatch(String, String),
    /// DER encoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// Something that is not a provider is where `ca init` would put it.
    #[error("{0} exists but holds no provider: move it away, then run `jeton ca init` again")]
    InTheWay(PathBuf),
    /// The provider folder has no complete provider.
    #[error("the provider is not complete; missing: {}. Run `jeton ca init` to set it up (or to finish an interrupted set-up)", .0.join(", "))]
    Incomplete(Vec<String>),
    /// The passphrase for new key files is too weak.
    #[error("the passphrase of the {0} key: {1}")]
    WeakPassphrase(KeyRole, WeakPassphrase),
    /// A provider file or folder is open to other users.
    #[error(transparent)]
    Permissions(#[from] crate::permissions::PermissionError),
    /// A secret is missing, or two roles share one.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// A CA record whose profile is no key role (a damaged or foreign database).
    #[error("CA {0:?} has the profile {1:?}, which is no key role of the provider")]
    NoRole(String, String),
}

impl CaError {
    /// A stable code for scripts (`--json`) and for front ends choosing their words; the
    /// store's errors keep their own code.
    ///
    /// ```
    /// use jeton_tsp::{ca::CaError, StoreError};
    /// assert_eq!(CaError::NoPkcs11.code(), "no-pkcs11");
    /// assert_eq!(CaError::Store(StoreError::UnknownCa("issuing".into())).code(), "unknown-ca");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            CaError::Store(error) => error.code(),
            CaError::Config(_) => "config",
            CaError::KeyFile { .. } => "key-file",
            CaError::Io { .. } => "io",
            CaError::KeyExists(_) => "key-exists",
            CaError::AlreadyInitialised(_) => "already-initialised",
            CaError::KeyRef(_) => "key-reference",
            CaError::NoPkcs11 => "no-pkcs11",
            #[cfg(feature = "pkcs11")]
            CaError::Pkcs11(_) => "pkcs11",
            CaError::Profiles(_) => "profiles",
            CaError::UnknownProfile(_) => "unknown-profile",
            CaError::CaProfile(_) => "ca-profile",
            CaError::Subject(_) | CaError::Name(_) => "subject",
            CaError::Csr(_) => "csr",
            CaError::PublicKey(_) => "not-a-public-key",
            CaError::KeyPolicy(_) => "key-policy",
            CaError::Issue(_) => "issue",
            CaError::Crl(_) => "crl",
            CaError::CorruptCertificate(_) => "ca-certificate-corrupt",
            CaError::KeyMismatch(..) => "key-mismatch",
            CaError::Der(_) => "der",
            CaError::InTheWay(_) => "in-the-way",
            CaError::Incomplete(_) => "incomplete",
            CaError::WeakPassphrase(..) => "weak-passphrase",
            CaError::Permissions(_) => "permissions",
            CaError::Secrets(SecretsError::Missing(_)) => "secret-missing",
            CaError::Secrets(SecretsError::Same(..)) => "same-passphrase",
            CaError::NoRole(..) => "no-role",
        }
    }
}

/// Why a passphrase for the provider's key files is refused. The rule: at least
/// [`MIN_PASSPHRASE_CHARS`] characters, at least [`MIN_DISTINCT_CHARS`] different ones, and
/// not a run of consecutive characters (`abcdefghijkl`, `987654321098`): the key files'
/// encryption (PKCS#8, scrypt) is only as strong as what an offline guesser must try.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassphrase {
    /// Fewer characters than the minimum.
    #[error("the passphrase has {0} characters: key files need at least 12")]
    TooShort(usize),
    /// Too few different characters (`aaaaaaaaaaaa`, `abababababab`).
    #[error("the passphrase has only {0} different characters: use at least 6")]
    TooFewDistinct(usize),
    /// Consecutive characters, up or down.
    #[error("the passphrase is a run of consecutive characters")]
    Sequence,
}

/// The shortest passphrase accepted for new key files.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// The fewest different characters in it.
pub const MIN_DISTINCT_CHARS: usize = 6;

/// Checks a passphrase for new key files against the rule of [`WeakPassphrase`].
pub fn check_passphrase(secret: &[u8]) -> Result<(), WeakPassphrase> {
    let text = String::from_utf8_lossy(secret);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < MIN_PASSPHRASE_CHARS {
        return Err(WeakPassphrase::TooShort(chars.len()));
    }
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return Err(WeakPassphrase::TooFewDistinct(distinct.len()));
    }
    // Digits wrap (…8, 9, 0, 1…), as people type them on a keyboard row.
    let step = |a: char, b: char| {
        let (a, b) = (a as i64, b as i64);
        let wrap = |x: i64| {
            if (48..=57).contains(&x) {
                Some(x - 48)
            } else {
                None
            }
        };
        match (wrap(a), wrap(b)) {
            (Some(x), Some(y)) => (y - x).rem_euclid(10),
            _ => b - a,
        }
    };
    let first = step(chars[0], chars[1]);
    let sequence = (first == 1 || first == -1 || first == 9)
        && chars.windows(2).all(|w| step(w[0], w[1]) == first);
    if sequence {
        return Err(WeakPassphrase::Sequence);
    }
    Ok(())
}

/// Where a certificate stands in its validity period, besides any revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// Before notBefore.
    NotYetValid,
    /// Between notBefore and notAfter (RFC 5280 §4.1.2.5: both inclusive).
    Valid,
    /// After notAfter.
    Expired,
}

impl Validity {
    /// Where `record` stands at `now`.
    pub fn of(record: &CertificateRecord, now: SystemTime) -> Validity {
        if now < record.not_before {
            Validity::NotYetValid
        } else if now > record.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }
}

/// Where a provider key lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    /// An encrypted PKCS#8 PEM file.
    File(PathBuf),
    /// A key pair on a PKCS#11 token (RFC 7512 URI).
    Pkcs11 {
        /// The module (`?module-path=`).
        module: PathBuf,
        /// The token's label (`token=`).
        token: String,
        /// CKA_ID (`id=`, percent-encoded).
        id: Vec<u8>,
    },
}

fn pct_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

impl KeyRef {
    /// Parses a stored or given reference.
    pub fn parse(text: &str) -> Result<KeyRef, CaError> {
        let bad = || CaError::KeyRef(text.to_owned());
        let Some(rest) = text.strip_prefix("pkcs11:") else {
            if text.is_empty() {
                return Err(bad());
            }
            return Ok(KeyRef::File(PathBuf::from(text)));
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (mut token, mut id, mut module) = (None, None, None);
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr.split_once('=').ok_or_else(bad)?;
            let v = pct_decode(v).ok_or_else(bad)?;
            match k {
                "token" => token = Some(String::from_utf8(v).map_err(|_| bad())?),
                "id" => id = Some(v),
                _ => {}
            }
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            let (k, v) = attr.split_once('=').ok_or_else(bad)?;
            if k == "module-path" {
                let v = pct_decode(v).ok_or_else(bad)?;
                module = Some(PathBuf::from(String::from_utf8(v).map_err(|_| bad())?));
            }
        }
        Ok(KeyRef::Pkcs11 {
            module: module.ok_or_else(bad)?,
            token: token.ok_or_else(bad)?,
            id: id.unwrap_or_default(),
        })
    }

    /// The same token with another CKA_ID (for the several keys of `ca init`).
    pub fn with_id(&self, new_id: u8) -> KeyRef {
        match self {
            KeyRef::File(p) => KeyRef::File(p.clone()),
            KeyRef::Pkcs11 { module, token, .. } => KeyRef::Pkcs11 {
                module: module.clone(),
                token: token.clone(),
                id: vec![new_id],
            },
        }
    }
}

impl std::fmt::Display for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRef::File(p) => write!(f, "{}", p.display()),
            KeyRef::Pkcs11 { module, token, id } => {
                let id: String = id.iter().map(|b| format!("%{b:02X}")).collect();
                write!(
                    f,
                    "pkcs11:token={};id={id}?module-path={}",
                    token.replace(';', "%3B").replace('?', "%3F"),
                    module.display()
                )
            }
        }
    }
}

/// Loads the key `key_ref` with `secret` (the file's passphrase or the token's PIN).
pub fn load_key(key_ref: &KeyRef, secret: &[u8]) -> Result<Box<dyn Signer>, CaError> {
    match key_ref {
        KeyRef::File(path) => {
            let pem = Zeroizing::new(std::fs::read(path).map_err(|error| CaError::Io {
                path: path.clone(),
                error,
            })?);
            let key = SoftwareKey::from_encrypted_pem(&pem, secret).map_err(|error| {
                CaError::KeyFile {
                    path: path.clone(),
                    error,
                }
            })?;
            Ok(Box::new(key))
        }
        #[cfg(feature = "pkcs11")]
        KeyRef::Pkcs11 { module, token, id } => {
            let pin =
                std::str::from_utf8(secret).map_err(|_| CaError::KeyRef(key_ref.to_string()))?;
            Ok(Box::new(jeton_pki::pkcs11::Pkcs11Key::open(
                module, token, pin, id,
            )?))
        }
        #[cfg(not(feature = "pkcs11"))]
        KeyRef::Pkcs11 { .. } => Err(CaError::NoPkcs11),
    }
}

fn write_new(path: &Path, data: &[u8]) -> Result<(), CaError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|error| {
            if error.kind() == std::io::ErrorKind::AlreadyExists {
                CaError::KeyExists(path.to_owned())
            } else {
                CaError::Io {
                    path: path.to_owned(),
                    error,
                }
            }
        })?;
    file.write_all(data)
        .and_then(|()| file.sync_all())
        .map_err(|error| CaError::Io {
            path: path.to_owned(),
            error,
        })
}

/// Generates the `role` key at `key_ref` (a new file, or on the token) with `secret`. A
/// file's passphrase must pass [`check_passphrase`]: the file is only as strong as it.
pub fn generate_key(
    key_ref: &KeyRef,
    kind: KeyKind,
    label: &str,
    role: KeyRole,
    secret: &[u8],
) -> Result<Box<dyn Signer>, CaError> {
    match key_ref {
        KeyRef::File(path) => {
            check_passphrase(secret).map_err(|why| CaError::WeakPassphrase(role, why))?;
            let key = SoftwareKey::generate(kind).map_err(|error| CaError::KeyFile {
                path: path.clone(),
                error,
            })?;
            let pem = key
                .to_encrypted_pem(secret)
                .map_err(|error| CaError::KeyFile {
                    path: path.clone(),
                    error,
                })?;
            write_new(path, &pem)?;
            Ok(Box::new(key))
        }
        #[cfg(feature = "pkcs11")]
        KeyRef::Pkcs11 { module, token, id } => {
            let pin =
                std::str::from_utf8(secret).map_err(|_| CaError::KeyRef(key_ref.to_string()))?;
            Ok(Box::new(jeton_pki::pkcs11::Pkcs11Key::generate(
                module, token, pin, id, label, kind,
            )?))
        }
        #[cfg(not(feature = "pkcs11"))]
        KeyRef::Pkcs11 { .. } => {
            let _ = label;
            Err(CaError::NoPkcs11)
        }
    }
}

/// The shipped profile of that name.
pub fn profile(name: &str) -> Result<Profile, CaError> {
    // The shipped profiles are checked by jeton-pki's tests; an error here is a build bug,
    // said as such rather than a panic.
    jeton_pki::profile::builtin()
        .map_err(CaError::Profiles)?
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| CaError::UnknownProfile(name.to_owned()))
}

/// Parses a stored CA certificate.
pub fn certificate_of(ca: &CaRecord) -> Result<Certificate, CaError> {
    Certificate::from_der(&ca.certificate).map_err(|_| CaError::CorruptCertificate(ca.name.clone()))
}

fn spki_sha256(spki: &SubjectPublicKeyInfoOwned) -> Result<String, CaError> {
    Ok(audit::hex(&audit::sha256(&spki.to_der()?)))
}

/// The provider's home for its keys and database: `$JETON_HOME/provider`.
#[derive(Clone, Debug)]
pub struct ProviderDir(pub PathBuf);

impl ProviderDir {
    /// The keys folder: the online keys (issuing CA, OCSP responder, TSA), and the root's
    /// unless `ca init` was told to put it elsewhere.
    pub fn keys(&self) -> PathBuf {
        self.0.join("keys")
    }
    /// The audit key's folder, apart from the keys `jeton server` opens: only the operator
    /// commands (`jeton ca issue|revoke|crl`) open it, with the audit key's own secret, so
    /// that what the server holds never signs the audit log's head.
    pub fn audit_dir(&self) -> PathBuf {
        self.0.join("audit")
    }
    /// The file naming the audit key (its reference, one line).
    pub fn audit_key_ref(&self) -> PathBuf {
        self.0.join("audit-key.ref")
    }
    /// The audit key's public key (PEM), which `jeton audit verify` checks signatures with.
    pub fn audit_public_key(&self) -> PathBuf {
        self.0.join("audit-key.pub.pem")
    }
    /// Where `ca init` builds the provider before renaming it into place: a sibling, so
    /// that the rename is atomic (same file system).
    pub fn staging(&self) -> PathBuf {
        let name = self
            .0
            .file_name()
            .map_or_else(|| "provider".into(), |n| n.to_string_lossy().into_owned());
        self.0.with_file_name(format!(".{name}.init"))
    }
    /// A key reference as the records keep it, made usable from here: key files are
    /// recorded relative to the provider folder, so that the folder can move.
    pub fn resolve(&self, key_ref: KeyRef) -> KeyRef {
        match key_ref {
            KeyRef::File(path) if path.is_relative() => KeyRef::File(self.0.join(path)),
            other => other,
        }
    }
}

/// How `ca init` keeps the keys.
#[derive(Clone, Debug)]
pub enum KeyStore {
    /// Encrypted PKCS#8 files in the provider's keys folder.
    Software,
    /// On this token (the URI's `id` is ignored: keys get ids 1 to 5).
    Pkcs11(KeyRef),
}

/// Where `ca init` puts the root key.
#[derive(Clone, Debug, Default)]
pub enum RootKey {
    /// With the other keys (in the keys folder, or on the same token).
    #[default]
    WithOthers,
    /// An encrypted file `root.key.pem` in this folder, not the server's (a removable medium
    /// kept offline); the records name it by its absolute path.
    Dir(PathBuf),
    /// On this token (the URI's `id` is ignored: the root key gets id 0x10).
    Pkcs11(KeyRef),
}

/// Where `ca init` puts every key.
#[derive(Clone, Debug)]
pub struct KeyPlan {
    /// The issuing, OCSP, TSA and audit keys (and the root's by default).
    pub keys: KeyStore,
    /// The root key.
    pub root: RootKey,
}

impl KeyPlan {
    /// Every key in a file of the provider folder.
    pub fn software() -> KeyPlan {
        KeyPlan {
            keys: KeyStore::Software,
            root: RootKey::WithOthers,
        }
    }

    /// Whether the key of `role` is in a file (rather than on a token).
    pub fn in_file(&self, role: KeyRole) -> bool {
        match (&self.root, role) {
            (RootKey::Dir(_), KeyRole::Root) => true,
            (RootKey::Pkcs11(_), KeyRole::Root) => false,
            _ => matches!(self.keys, KeyStore::Software),
        }
    }

    /// The roles whose keys are files: each needs its own passphrase.
    pub fn file_roles(&self) -> Vec<KeyRole> {
        KeyRole::ALL
            .into_iter()
            .filter(|r| self.in_file(*r))
            .collect()
    }
}

/// The file name of an offline root key in its folder.
pub const ROOT_KEY_FILE: &str = "root.key.pem";

/// Where the root key is while `ca init` runs, before its records are committed: renamed to
/// [`ROOT_KEY_FILE`] once they are.
fn root_key_pending(dir: &Path) -> PathBuf {
    dir.join(format!("{ROOT_KEY_FILE}.new"))
}

/// The key role of a CA record.
pub fn role_of(record: &CaRecord) -> Result<KeyRole, CaError> {
    KeyRole::of_profile(&record.role)
        .ok_or_else(|| CaError::NoRole(record.name.clone(), record.role.clone()))
}

/// What `ca init` did.
#[derive(Clone, Debug)]
pub struct InitReport {
    /// The CAs, responder and TSA recorded.
    pub made: Vec<CaRecord>,
    /// True when it finished a set-up an earlier run had committed but not moved into place.
    pub finished_earlier_run: bool,
}

fn period(now: SystemTime, days: u32) -> Period {
    // A minute back: relying parties' clocks drift.
    let not_before = now - Duration::from_secs(60);
    Period {
        not_before,
        not_after: not_before + Duration::from_secs(86_400 * u64::from(days)),
    }
}

/// The provider's keys on a PKCS#11 token take CKA_IDs 0x10–0x14. On an HSM any id would
/// do; on a Jeton PIV token, ids 01–04 are the holder's slots (02 = 9C asks for the PIN
/// before every signature, 04 = 9E for none), while 0x10–0x14 are retired slots that want
/// the PIN once per session, as a CA key should.
const PKCS11_KEY_ID_BASE: u8 = 0x0F;

/// What a complete provider has: these four, with their certificates, the audit key files
/// and every key file the records name.
pub const PARTS: [&str; 4] = [ROOT, ISSUING, OCSP, TSA];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |error| CaError::Io {
        path: path.to_owned(),
        error,
    }
}

fn sync_dir(path: &Path) -> Result<(), CaError> {
    std::fs::File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(io(path))
}

/// What is missing from the provider in `dir` whose database is `store`: nothing when it
/// is complete. `jeton server` refuses to start unless it is empty.
pub async fn missing(store: &Store, dir: &ProviderDir) -> Result<Vec<String>, CaError> {
    let mut missing = Vec::new();
    if !dir.0.is_dir() {
        missing.push(dir.0.display().to_string());
        return Ok(missing);
    }
    for path in [dir.audit_key_ref(), dir.audit_public_key()] {
        if !path.is_file() {
            missing.push(path.display().to_string());
        }
    }
    let cas = store.cas().await?;
    for name in PARTS {
        let Some(ca) = cas.iter().find(|c| c.name == name) else {
            missing.push(format!("CA {name:?} in the database"));
            continue;
        };
        let serial = Serial::of(&certificate_of(ca)?.tbs_certificate.serial_number);
        let issuer = ca.issuer.as_deref().unwrap_or(name);
        if store.certificate(issuer, &serial).await?.is_none() {
            missing.push(format!("the certificate of {name:?} in the database"));
        }
        // The root key is kept offline: an online provider is complete without it.
        if ca.role == "root-ca" {
            continue;
        }
        if let KeyRef::File(path) = dir.resolve(KeyRef::parse(&ca.key_ref)?) {
            if !path.is_file() {
                missing.push(path.display().to_string());
            }
        }
    }
    Ok(missing)
}

/// Sets the provider up in `dir`: root CA, issuing CA, OCSP responder and TSA
/// certificates, and the audit key, each key generated where `plan` says and protected by
/// its role's secret in `secrets` (key files: each its own passphrase, which must pass
/// [`check_passphrase`]); the database is `config`'s (default: SQLite in `dir`). Folders are
/// made 0700, the database and key files 0600.
///
/// All or nothing, whenever it is interrupted: everything is built in [`ProviderDir::staging`]
/// (an offline root key under a temporary name in its folder) and recorded in the database
/// in one transaction, then the folder is renamed into place. A rerun after an interruption
/// before that transaction starts again from nothing; after it, it finishes the renames.
pub async fn init(
    dir: &ProviderDir,
    config: &ProviderConfig,
    config_text: &str,
    plan: &KeyPlan,
    secrets: &RoleSecrets,
    operator: &str,
) -> Result<InitReport, CaError> {
    let staging = ProviderDir(dir.staging());
    if dir.0.exists() {
        clear_empty_folder(dir, config).await?;
    }
    if staging.0.exists() {
        let store = Store::open(&config.database_url(&staging.0)).await?;
        let made = store.cas().await?;
        store.close().await;
        if !made.is_empty() {
            move_into_place(&staging, dir)?;
            finish_root_key(plan)?;
            return Ok(InitReport {
                made,
                finished_earlier_run: true,
            });
        }
        // Interrupted before its records were committed: nothing of it counts.
        std::fs::remove_dir_all(&staging.0).map_err(io(&staging.0))?;
    }
    // Every secret is checked before anything is made: one per role, none shared.
    for role in KeyRole::ALL {
        let secret = secrets.get(role)?;
        if plan.in_file(role) {
            check_passphrase(secret).map_err(|why| CaError::WeakPassphrase(role, why))?;
        }
    }
    secrets.check_distinct(&plan.file_roles())?;
    let plan = &match &plan.root {
        RootKey::Dir(root_dir) => {
            crate::permissions::create_private_dir(root_dir).map_err(io(root_dir))?;
            let root_dir = std::fs::canonicalize(root_dir).map_err(io(root_dir))?;
            if root_dir.join(ROOT_KEY_FILE).exists() {
                return Err(CaError::KeyExists(root_dir.join(ROOT_KEY_FILE)));
            }
            // Left by a run interrupted before its records: never recorded, never used.
            let pending = root_key_pending(&root_dir);
            if pending.exists() {
                std::fs::remove_file(&pending).map_err(io(&pending))?;
            }
            KeyPlan {
                keys: plan.keys.clone(),
                root: RootKey::Dir(root_dir),
            }
        }
        _ => plan.clone(),
    };
    for folder in [staging.keys(), staging.audit_dir()] {
        crate::permissions::create_private_dir(&folder).map_err(io(&folder))?;
    }
    // SQLite gives its -wal and -shm files the database file's mode: made 0600 first.
    if config.database_url.is_none() {
        let database = staging.0.join(crate::config::DATABASE_FILE);
        crate::permissions::create_private_file(&database).map_err(io(&database))?;
    }
    // The set-up's signed heads go to the archive that moves with the folder.
    let store = Store::open(&config.database_url(&staging.0))
        .await?
        .archive_heads_to(staging.0.join(audit::HEADS_FILE));
    if let Some(ca) = store.cas().await?.first() {
        store.close().await;
        std::fs::remove_dir_all(&staging.0).map_err(io(&staging.0))?;
        return Err(CaError::AlreadyInitialised(ca.name.clone()));
    }
    let made = build(
        &store,
        &staging,
        config,
        config_text,
        plan,
        secrets,
        operator,
    )
    .await;
    store.close().await;
    let made = made?;
    move_into_place(&staging, dir)?;
    finish_root_key(plan)?;
    Ok(InitReport {
        made,
        finished_earlier_run: false,
    })
}

/// A provider folder that holds nothing but an empty database (made by a command run
/// before `ca init`) is removed; anything else in the way is refused, never deleted.
async fn clear_empty_folder(dir: &ProviderDir, config: &ProviderConfig) -> Result<(), CaError> {
    let store = Store::open(&config.database_url(&dir.0)).await?;
    let cas = store.cas().await?;
    let (entries, _) = store.audit_log().await?;
    store.close().await;
    if let Some(ca) = cas.first() {
        return Err(CaError::AlreadyInitialised(ca.name.clone()));
    }
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .map_err(io(&dir.0))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io(&dir.0))?;
    let database_only = names.iter().all(|n| n.starts_with("tsp.sqlite"));
    if !entries.is_empty() || !database_only {
        return Err(CaError::InTheWay(dir.0.clone()));
    }
    for name in names {
        let path = dir.0.join(name);
        std::fs::remove_file(&path).map_err(io(&path))?;
    }
    std::fs::remove_dir(&dir.0).map_err(io(&dir.0))
}

/// Gives an offline root key its name once its records are committed.
fn finish_root_key(plan: &KeyPlan) -> Result<(), CaError> {
    let RootKey::Dir(root_dir) = &plan.root else {
        return Ok(());
    };
    let (pending, path) = (root_key_pending(root_dir), root_dir.join(ROOT_KEY_FILE));
    if pending.exists() && !path.exists() {
        std::fs::rename(&pending, &path).map_err(io(&path))?;
        sync_dir(root_dir)?;
    }
    Ok(())
}

fn move_into_place(staging: &ProviderDir, dir: &ProviderDir) -> Result<(), CaError> {
    sync_dir(&staging.keys())?;
    if staging.audit_dir().is_dir() {
        sync_dir(&staging.audit_dir())?;
    }
    sync_dir(&staging.0)?;
    std::fs::rename(&staging.0, &dir.0).map_err(io(&dir.0))?;
    match dir.0.parent() {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

/// Generates the keys in `staging`, makes the certificates, and records them all in one
/// transaction.
async fn build(
    store: &Store,
    staging: &ProviderDir,
    config: &ProviderConfig,
    config_text: &str,
    plan: &KeyPlan,
    secrets: &RoleSecrets,
    operator: &str,
) -> Result<Vec<CaRecord>, CaError> {
    // Key files are recorded relative to the provider folder (so it can move), an offline
    // root's by its absolute path.
    let key_ref = |name: &str, id: u8, role: KeyRole| match (role, &plan.root, &plan.keys) {
        (KeyRole::Root, RootKey::Dir(root_dir), _) => KeyRef::File(root_dir.join(ROOT_KEY_FILE)),
        (KeyRole::Root, RootKey::Pkcs11(token), _) => token.with_id(PKCS11_KEY_ID_BASE + id),
        (KeyRole::Audit, _, KeyStore::Software) => {
            KeyRef::File(PathBuf::from("audit/audit.key.pem"))
        }
        (_, _, KeyStore::Software) => KeyRef::File(PathBuf::from(format!("keys/{name}.key.pem"))),
        (_, _, KeyStore::Pkcs11(token)) => token.with_id(PKCS11_KEY_ID_BASE + id),
    };
    // Where the key is written now: an offline root under its temporary name.
    let written = |role: KeyRole, kref: &KeyRef| match (role, &plan.root) {
        (KeyRole::Root, RootKey::Dir(root_dir)) => KeyRef::File(root_key_pending(root_dir)),
        _ => staging.resolve(kref.clone()),
    };
    let audit_ref = key_ref("audit", 5, KeyRole::Audit);
    let audit_key = generate_key(
        &written(KeyRole::Audit, &audit_ref),
        KeyKind::P256,
        "jeton audit",
        KeyRole::Audit,
        secrets.get(KeyRole::Audit)?,
    )?;
    let audit_pub = openssl::pkey::PKey::public_key_from_der(&audit_key.public_key().to_der()?)
        .and_then(|k| k.public_key_to_pem())
        .map_err(|e| CaError::Subject(e.to_string()))?;
    write_new(&staging.audit_public_key(), &audit_pub)?;
    write_new(
        &staging.audit_key_ref(),
        format!("{audit_ref}\n").as_bytes(),
    )?;
    let mut steps = vec![
        SetupStep::Audit(Event::Configuration {
            change: "provider set up".into(),
            sha256: audit::hex(&audit::sha256(config_text.as_bytes())),
        }),
        SetupStep::Audit(Event::KeyGeneration {
            owner: "audit".into(),
            key_ref: audit_ref.to_string(),
            spki_sha256: spki_sha256(&audit_key.public_key())?,
        }),
    ];

    let now = SystemTime::now();
    let mut made = Vec::new();
    // (name, role, profile, issuer, key kind, CKA_ID, common name)
    type Step<'s> = (
        &'s str,
        KeyRole,
        &'s str,
        Option<&'s str>,
        KeyKind,
        u8,
        &'s str,
    );
    let steps_plan: [Step; 4] = [
        (
            ROOT,
            KeyRole::Root,
            "root-ca",
            None,
            KeyKind::P384,
            1,
            "Root CA",
        ),
        (
            ISSUING,
            KeyRole::Issuing,
            "issuing-ca",
            Some(ROOT),
            KeyKind::P384,
            2,
            "Qualified CA",
        ),
        (
            OCSP,
            KeyRole::Ocsp,
            "ocsp-responder",
            Some(ISSUING),
            KeyKind::P256,
            3,
            "OCSP Responder",
        ),
        (
            TSA,
            KeyRole::Tsa,
            "tsa",
            Some(ISSUING),
            KeyKind::P256,
            4,
            "Time-Stamping Unit",
        ),
    ];
    let mut signers: Vec<(String, Box<dyn Signer>, Certificate)> = Vec::new();
    for (name, role, profile_name, issuer, kind, id, cn) in steps_plan {
        let profile = profile(profile_name)?;
        let kref = key_ref(name, id, role);
        let key = generate_key(
            &written(role, &kref),
            kind,
            &format!("jeton {name}"),
            role,
            secrets.get(role)?,
        )?;
        steps.push(SetupStep::Audit(Event::KeyGeneration {
            owner: name.into(),
            key_ref: kref.to_string(),
            spki_sha256: spki_sha256(&key.public_key())?,
        }));
        let subject = config.service(&format!("{} {cn}", config.organization_name))?;
        let cert = match issuer.and_then(|i| signers.iter().find(|(n, _, _)| n == i)) {
            None => issue_self_signed(
                &profile,
                &config.provider,
                &subject,
                key.as_ref(),
                period(now, profile.max_validity_days),
            )?,
            Some((issuer, issuer_key, issuer_cert)) => {
                let not_after = issuer_cert
                    .tbs_certificate
                    .validity
                    .not_after
                    .to_system_time();
                let mut p = period(now, profile.max_validity_days);
                p.not_after = p.not_after.min(not_after);
                issue(
                    &profile,
                    &config.provider,
                    &subject,
                    &key.public_key(),
                    &Issuer {
                        certificate: issuer_cert,
                        signer: issuer_key.as_ref(),
                        urls: &config.urls_for(issuer),
                    },
                    p,
                )?
            }
        };
        let der = cert.to_der()?;
        let record = CaRecord {
            name: name.into(),
            role: profile_name.into(),
            issuer: issuer.map(str::to_owned),
            certificate: der.clone(),
            key_ref: kref.to_string(),
        };
        steps.push(SetupStep::Ca(
            record.clone(),
            Event::Configuration {
                change: format!("{profile_name} {name:?} set up"),
                sha256: audit::hex(&audit::sha256(&der)),
            },
        ));
        let issuer_name = issuer.unwrap_or(name);
        steps.push(SetupStep::Certificate(
            CertificateRecord {
                ca: issuer_name.into(),
                serial: Serial::of(&cert.tbs_certificate.serial_number),
                profile: profile_name.into(),
                subject: jeton_pki::to_rfc4514(&cert.tbs_certificate.subject),
                der: der.clone(),
                not_before: cert.tbs_certificate.validity.not_before.to_system_time(),
                not_after: cert.tbs_certificate.validity.not_after.to_system_time(),
            },
            issuance_event(issuer_name, &cert, profile_name, &der),
        ));
        made.push(record);
        signers.push((name.into(), key, cert));
    }
    let actor = Actor {
        name: operator,
        audit_key: Some(audit_key.as_ref()),
    };
    store.record_setup(actor, &steps).await?;
    Ok(made)
}

fn issuance_event(ca: &str, cert: &Certificate, profile: &str, der: &[u8]) -> Event {
    Event::Issuance {
        ca: ca.into(),
        serial: Serial::of(&cert.tbs_certificate.serial_number).to_string(),
        profile: profile.into(),
        subject: jeton_pki::to_rfc4514(&cert.tbs_certificate.subject),
        sha256: audit::hex(&audit::sha256(der)),
    }
}

/// Loads the audit key named in the provider's folder.
pub fn audit_key(dir: &ProviderDir, secret: &[u8]) -> Result<Box<dyn Signer>, CaError> {
    let path = dir.audit_key_ref();
    let text = std::fs::read_to_string(&path).map_err(|error| CaError::Io { path, error })?;
    load_key(&dir.resolve(KeyRef::parse(text.trim())?), secret)
}

/// A CA with its key, ready to sign.
pub struct LoadedCa {
    /// As recorded.
    pub record: CaRecord,
    /// Its certificate.
    pub certificate: Certificate,
    /// Its key.
    pub key: Box<dyn Signer>,
}

/// Loads CA `name` of the provider in `dir` and its key with its role's secret. A key file
/// is looked for in `key_dir` instead when given (an offline root's medium, mounted
/// elsewhere than when `ca init` wrote it).
pub async fn load_ca(
    store: &Store,
    dir: &ProviderDir,
    name: &str,
    secrets: &RoleSecrets,
    key_dir: Option<&Path>,
) -> Result<LoadedCa, CaError> {
    let record = store.ca(name).await?;
    let certificate = certificate_of(&record)?;
    let secret = secrets.get(role_of(&record)?)?;
    let key_ref = match (dir.resolve(KeyRef::parse(&record.key_ref)?), key_dir) {
        (KeyRef::File(path), Some(key_dir)) => {
            KeyRef::File(key_dir.join(path.file_name().unwrap_or(path.as_os_str())))
        }
        (key_ref, _) => key_ref,
    };
    let key = load_key(&key_ref, secret)?;
    if key.public_key() != certificate.tbs_certificate.subject_public_key_info {
        return Err(CaError::KeyMismatch(record.key_ref, record.name));
    }
    Ok(LoadedCa {
        record,
        certificate,
        key,
    })
}

/// Parses `--subject` text (RFC 4514) for a holder:
/// `C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont`, optionally
/// with `O=…` and `organizationIdentifier=…` (also `OI=`) for the employer; `givenName`,
/// `surname` and `organizationName` are read too.
pub fn parse_person(text: &str) -> Result<Subject, CaError> {
    let (mut c, mut gn, mut sn, mut serial, mut cn, mut o, mut oi) =
        (None, None, None, None, None, None, None);
    // RFC 4514 text: `O=Dupont\, Durand et Fils` keeps its comma; a multi-valued RDN
    // (`GN=Jeanne+SN=Dupont`) gives each of its attributes.
    let rdns = jeton_pki::parse_rfc4514(text).map_err(|e| CaError::Subject(e.to_string()))?;
    for attribute in rdns.into_iter().flatten() {
        let unknown = || {
            CaError::Subject(format!(
                "unknown attribute {:?}: use C, GN, SN, serialNumber, CN, O, organizationIdentifier",
                attribute.kind
            ))
        };
        let slot = match jeton_pki::dn::attribute_name(&attribute.kind).ok_or_else(unknown)? {
            "C" => &mut c,
            "givenName" => &mut gn,
            "surname" => &mut sn,
            "serialNumber" => &mut serial,
            "CN" => &mut cn,
            "O" => &mut o,
            "organizationIdentifier" => &mut oi,
            _ => return Err(unknown()),
        };
        *slot = Some(attribute.value);
    }
    let need = |v: Option<String>, what: &str| {
        v.ok_or_else(|| {
            CaError::Subject(format!(
                "{what} is missing (EN 319 412-2 §4.2.4: C, GN, SN, serialNumber and CN)"
            ))
        })
    };
    let employer = match (o, oi) {
        (Some(o), oi) => Some(Organization::new(
            &o,
            oi.as_deref().map(OrganizationIdentifier::new).transpose()?,
        )?),
        (None, Some(_)) => {
            return Err(CaError::Subject(
                "organizationIdentifier needs O, the employer's name".into(),
            ))
        }
        (None, None) => None,
    };
    let country = Country::new(&need(c, "C")?)?;
    let given = need(gn, "GN")?;
    let surname = need(sn, "SN")?;
    let id = PersonIdentifier::new(&need(serial, "serialNumber")?)?;
    let cn = need(cn, "CN")?;
    Ok(Subject::NaturalPerson(NaturalPerson::new(
        country, &given, &surname, id, &cn, employer,
    )?))
}

/// The subject's key: from a CSR (its proof of possession checked) or a bare public key
/// (a key generated on a card whose signature key needs the PIN for every use).
pub enum SubjectKey<'a> {
    /// A PKCS#10 request, DER or PEM.
    Csr(&'a [u8]),
    /// A SubjectPublicKeyInfo, DER or PEM.
    PublicKey(&'a [u8]),
}

fn parse_public_key(bytes: &[u8]) -> Option<SubjectPublicKeyInfoOwned> {
    let der = if bytes.starts_with(b"-----BEGIN") {
        openssl::pkey::PKey::public_key_from_pem(bytes)
            .and_then(|k| k.public_key_to_der())
            .ok()?
    } else {
        bytes.to_vec()
    };
    SubjectPublicKeyInfoOwned::from_der(&der).ok()
}

/// Issues a holder's certificate with `profile_name` from CA `ca` and records it.
#[allow(clippy::too_many_arguments)]
pub async fn issue_certificate(
    store: &Store,
    config: &ProviderConfig,
    ca: &LoadedCa,
    profile_name: &str,
    subject: &Subject,
    key: SubjectKey<'_>,
    days: Option<u32>,
    actor: Actor<'_>,
) -> Result<CertificateRecord, CaError> {
    let profile = profile(profile_name)?;
    if matches!(profile.role, Role::RootCa | Role::IssuingCa) {
        return Err(CaError::CaProfile(profile_name.to_owned()));
    }
    let spki = match key {
        SubjectKey::Csr(bytes) => parse_csr(bytes)?.public_key,
        SubjectKey::PublicKey(bytes) => {
            let spki = parse_public_key(bytes)
                .ok_or_else(|| CaError::PublicKey(PathBuf::from("--public-key")))?;
            jeton_pki::check_key(&spki)?;
            spki
        }
    };
    let now = SystemTime::now();
    let mut p = period(now, days.unwrap_or(profile.max_validity_days));
    p.not_after = p.not_after.min(
        ca.certificate
            .tbs_certificate
            .validity
            .not_after
            .to_system_time(),
    );
    let cert = issue(
        &profile,
        &config.provider,
        subject,
        &spki,
        &Issuer {
            certificate: &ca.certificate,
            signer: ca.key.as_ref(),
            urls: &config.urls_for(&ca.record.name),
        },
        p,
    )?;
    let der = cert.to_der()?;
    let record = CertificateRecord {
        ca: ca.record.name.clone(),
        serial: Serial::of(&cert.tbs_certificate.serial_number),
        profile: profile_name.into(),
        subject: jeton_pki::to_rfc4514(&cert.tbs_certificate.subject),
        der: der.clone(),
        not_before: p.not_before,
        not_after: cert.tbs_certificate.validity.not_after.to_system_time(),
    };
    store
        .record_certificate(
            &record,
            actor,
            &issuance_event(&ca.record.name, &cert, profile_name, &der),
        )
        .await?;
    Ok(record)
}

/// Signs and stores a fresh CRL of `ca` with the revocations in effect now; the next one is
/// due in `next_update` (EN 319 411-1 CSS-6.3.9-05: at most 24 hours for end entities).
pub async fn publish_crl(
    store: &Store,
    ca: &LoadedCa,
    next_update: Duration,
    actor: Actor<'_>,
) -> Result<CrlRecord, CaError> {
    let now = SystemTime::now();
    let entries: Vec<_> = store
        .revoked_at(&ca.record.name, now)
        .await?
        .iter()
        .map(|r| r.to_crl_entry())
        .collect();
    let number = store.next_crl_number(&ca.record.name).await?;
    let info = CrlInfo {
        number,
        this_update: now,
        next_update: NextUpdate::At(now + next_update),
        // Revoked certificates stay on the list after they expire (EN 319 411-2 CSS-6.3.10-05).
        expired_certs_on_crl: Some(
            ca.certificate
                .tbs_certificate
                .validity
                .not_before
                .to_system_time(),
        ),
    };
    let crl = build_crl(&ca.certificate, ca.key.as_ref(), &info, &entries)?;
    let record = CrlRecord {
        ca: ca.record.name.clone(),
        number,
        der: crl.to_der()?,
        this_update: now,
        next_update: Some(now + next_update),
    };
    store.store_crl(&record, actor).await?;
    Ok(record)
}
