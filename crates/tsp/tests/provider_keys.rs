//! The provider's keys (issue 9): one secret per key role, never the same; the root key
//! offline; key files in PKCS#8 PBES2 with scrypt, older PBKDF2 ones still read; the
//! provider's files private.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use jeton_pki::signer::{key_file_kdf, KeyFileKdf, SCRYPT};
use jeton_pki::{KeyFileError, KeyKind, Signer, SoftwareKey};
use jeton_tsp::ca::{self, CaError, KeyPlan, KeyRef, KeyStore, ProviderDir, RootKey};
use jeton_tsp::config::ProviderConfig;
use jeton_tsp::keys::{KeyRole, RoleSecrets, SecretsError};
use jeton_tsp::permissions::{check_provider, PermissionError};
use jeton_tsp::Store;
use zeroize::Zeroizing;

const PROVIDER_TOML: &str = r#"[provider]
organization = "Jeton Trust Services"
country = "FR"
policy = "1.3.6.1.4.1.99999.1.1"
base_url = "http://127.0.0.1:8080"
"#;

/// Five different passphrases.
fn secrets() -> RoleSecrets {
    let mut secrets = RoleSecrets::new();
    for role in KeyRole::ALL {
        secrets.set(
            role,
            Zeroizing::new(format!("the {role} key's own passphrase").into_bytes()),
        );
    }
    secrets
}

struct Provider {
    home: tempfile::TempDir,
    dir: ProviderDir,
    config: ProviderConfig,
    text: String,
}

fn provider() -> Provider {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("provider.toml");
    std::fs::write(&path, PROVIDER_TOML).unwrap();
    let (config, text) = ProviderConfig::load(&path, |_| None).unwrap();
    let dir = ProviderDir(home.path().join("provider"));
    Provider {
        home,
        dir,
        config,
        text,
    }
}

impl Provider {
    async fn init(&self, plan: &KeyPlan, secrets: &RoleSecrets) -> Result<(), CaError> {
        ca::init(&self.dir, &self.config, &self.text, plan, secrets, "test")
            .await
            .map(|_| ())
    }

    async fn store(&self) -> Store {
        Store::open(&self.config.database_url(&self.dir.0))
            .await
            .unwrap()
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn two_roles_with_the_same_passphrase_are_refused_and_nothing_is_made() {
    let p = provider();
    let mut same = secrets();
    same.set(
        KeyRole::Audit,
        Zeroizing::new(b"the tsa key's own passphrase".to_vec()),
    );
    assert!(matches!(
        p.init(&KeyPlan::software(), &same).await,
        Err(CaError::Secrets(SecretsError::Same(
            KeyRole::Tsa,
            KeyRole::Audit
        )))
    ));
    // One weak passphrase among five is refused too, naming its role.
    let mut weak = secrets();
    weak.set(KeyRole::Ocsp, Zeroizing::new(b"".to_vec()));
    assert!(matches!(
        p.init(&KeyPlan::software(), &weak).await,
        Err(CaError::WeakPassphrase(KeyRole::Ocsp, _))
    ));
    assert!(!p.dir.0.exists() && !Path::new(&p.dir.staging()).exists());
}

#[tokio::test]
async fn each_key_opens_with_its_own_role_secret_only() {
    let p = provider();
    let secrets = secrets();
    p.init(&KeyPlan::software(), &secrets).await.unwrap();
    let store = p.store().await;
    let issuing = ca::load_ca(&store, &p.dir, "issuing", &secrets, None)
        .await
        .unwrap();
    assert_eq!(issuing.record.name, "issuing");
    // The audit key's passphrase given as the issuing CA's opens nothing.
    let mut wrong = RoleSecrets::new();
    wrong.set(
        KeyRole::Issuing,
        Zeroizing::new(secrets.get(KeyRole::Audit).unwrap().to_vec()),
    );
    assert!(matches!(
        ca::load_ca(&store, &p.dir, "issuing", &wrong, None).await,
        Err(CaError::KeyFile {
            error: KeyFileError::Decrypt,
            ..
        })
    ));
    // Without the root's secret the root's key is not even tried.
    assert!(matches!(
        ca::load_ca(&store, &p.dir, "root", &wrong, None).await,
        Err(CaError::Secrets(SecretsError::Missing(KeyRole::Root)))
    ));
    assert!(ca::audit_key(&p.dir, secrets.get(KeyRole::Issuing).unwrap()).is_err());
    assert!(ca::audit_key(&p.dir, secrets.get(KeyRole::Audit).unwrap()).is_ok());
    store.close().await;
}

#[tokio::test]
async fn key_files_are_pbes2_scrypt_and_the_provider_files_private() {
    let p = provider();
    p.init(&KeyPlan::software(), &secrets()).await.unwrap();
    let keys = [
        p.dir.keys().join("root.key.pem"),
        p.dir.keys().join("issuing.key.pem"),
        p.dir.keys().join("ocsp.key.pem"),
        p.dir.keys().join("tsa.key.pem"),
        p.dir.audit_dir().join("audit.key.pem"),
    ];
    for key in &keys {
        let pem = std::fs::read(key).unwrap();
        assert_eq!(
            key_file_kdf(&pem).unwrap(),
            KeyFileKdf::Scrypt(SCRYPT),
            "{key:?}"
        );
        assert_eq!(mode(key), 0o600, "{key:?}");
    }
    for folder in [&p.dir.0, &p.dir.keys(), &p.dir.audit_dir()] {
        assert_eq!(mode(folder), 0o700, "{folder:?}");
    }
    let database = p.dir.0.join("tsp.sqlite");
    assert_eq!(mode(&database), 0o600);
    let config = p.home.path().join("provider.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let url = p.config.database_url(&p.dir.0);
    assert_eq!(
        check_provider(&p.dir.0, &url, &config, &p.text).unwrap(),
        []
    );
    // What jeton server and jeton ca run before opening the provider.
    for file in [&database, &keys[1]] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        match check_provider(&p.dir.0, &url, &config, &p.text) {
            Err(PermissionError::TooOpen(loose)) => {
                assert_eq!(&loose.path, file);
                assert_eq!(loose.fix(), format!("chmod 600 {}", file.display()));
            }
            other => panic!("{file:?} 0644: {other:?}"),
        }
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[tokio::test]
async fn the_root_key_can_live_outside_the_online_home() {
    let p = provider();
    let offline = tempfile::tempdir().unwrap();
    let root_dir = offline.path().join("root-medium");
    let plan = KeyPlan {
        keys: KeyStore::Software,
        root: RootKey::Dir(root_dir.clone()),
    };
    let secrets = secrets();
    p.init(&plan, &secrets).await.unwrap();
    assert!(!p.dir.keys().join("root.key.pem").exists());
    assert!(root_dir.join(ca::ROOT_KEY_FILE).is_file());
    assert_eq!(mode(&root_dir), 0o700);
    let store = p.store().await;
    // Complete for the server without it.
    assert_eq!(
        ca::missing(&store, &p.dir).await.unwrap(),
        Vec::<String>::new()
    );
    // The medium mounted elsewhere: the root signs from there.
    let moved = offline.path().join("mounted-elsewhere");
    std::fs::rename(&root_dir, &moved).unwrap();
    assert!(ca::load_ca(&store, &p.dir, "root", &secrets, None)
        .await
        .is_err());
    let root = ca::load_ca(&store, &p.dir, "root", &secrets, Some(&moved))
        .await
        .unwrap();
    assert_eq!(root.record.role, "root-ca");
    store.close().await;
}

#[test]
fn an_old_pbkdf2_key_file_still_loads() {
    // What `ca init` wrote before: OpenSSL's default PKCS#8 writer, PBKDF2 with 2,048
    // iterations.
    let key = openssl::pkey::PKey::from_ec_key(
        openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let pem = key
        .private_key_to_pem_pkcs8_passphrase(
            openssl::symm::Cipher::aes_256_cbc(),
            b"an older passphrase",
        )
        .unwrap();
    assert_eq!(key_file_kdf(&pem).unwrap(), KeyFileKdf::Pbkdf2(2048));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issuing.key.pem");
    std::fs::write(&path, &pem).unwrap();
    let loaded = ca::load_key(&KeyRef::File(path), b"an older passphrase").unwrap();
    assert_eq!(
        loaded.public_key(),
        SoftwareKey::from_encrypted_pem(&pem, b"an older passphrase")
            .unwrap()
            .public_key()
    );
    // And a new file of the same key is scrypt.
    let new = SoftwareKey::generate(KeyKind::P256)
        .unwrap()
        .to_encrypted_pem(b"a new passphrase")
        .unwrap();
    assert_eq!(key_file_kdf(&new).unwrap(), KeyFileKdf::Scrypt(SCRYPT));
}

#[test]
fn a_weak_passphrase_never_writes_a_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pem");
    for weak in [&b""[..], b"short", b"aaaaaaaaaaaaaaaa"] {
        assert!(matches!(
            ca::generate_key(
                &KeyRef::File(path.clone()),
                KeyKind::P256,
                "test",
                KeyRole::Tsa,
                weak
            ),
            Err(CaError::WeakPassphrase(KeyRole::Tsa, _))
        ));
        assert!(!path.exists());
    }
}
