//! Every word the holder reads, in English and in French. The catalogue is code, not runtime
//! files: a message missing in one language does not compile.
//!
//! The language comes from `--lang`, else from the first of `LC_ALL`, `LC_MESSAGES`, `LANG`
//! that is set (the POSIX order): French when it starts with `fr`, English otherwise.

use jeton_card::{CardError, StateError};
use jeton_piv::{Error as PivError, Slot, TransportError};
use jeton_tsp::keys::KeyRole;

use crate::error::CliError;
use crate::secrets::{SecretKind, Stage};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn from_env() -> Lang {
        let value = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty());
        Lang::from_locale(value.as_deref().unwrap_or(""))
    }

    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }
}

/// `tr!(lang, "English {x}", "Français {x}")`: the format strings capture the variables
/// in scope.
macro_rules! tr {
    ($lang:expr, $en:literal, $fr:literal) => {
        match $lang {
            Lang::En => format!($en),
            Lang::Fr => format!($fr),
        }
    };
}

/// What commands say when things go right.
pub enum Msg<'a> {
    Prompt(SecretKind, Stage),

    CardCreated(u32),
    DrawnSecrets {
        pin: &'a str,
        puk: &'a str,
        key: &'a str,
    },
    FactoryValues,
    TemporaryPinSet,
    /// Whether the new card refuses trivial new PINs.
    WeakPinPolicy(bool),
    NoCardYet,
    CardDeleted(u32),
    CardReset(u32),

    StatusCard(u32),
    StatusPinTries(u8, u8),
    StatusPinBlocked,
    StatusPukTries(u8, u8),
    StatusPukBlocked,
    StatusDead,
    StatusTemporaryPin,
    StatusNoKeys,
    StatusSlot {
        slot: Slot,
        key: Option<&'a str>,
        pin_policy: Option<&'a str>,
    },
    StatusCertificate {
        subject: &'a str,
        issuer: &'a str,
        not_before: &'a str,
        not_after: &'a str,
    },
    StatusNoCertificate,
    StatusCertificateId {
        serial: &'a str,
        fingerprint: &'a str,
    },
    StatusExpired(&'a str),
    StatusNotYetValid(&'a str),
    StatusKeyMismatch(Slot),
    StatusFactoryPin,
    StatusFactoryPuk,
    StatusFactoryManagementKey,

    PinCorrect,
    PinChanged,
    PinUnblocked,
    PukChanged,
    ManagementKeyChanged(&'a str),
    KeyGenerated(Slot, &'a str),
    Signed(Slot),
    CertificateImported(Slot),
    CertificateRemoved(Slot),

    /// What a destructive command would destroy, before it asks.
    DeleteLoses {
        serial: u32,
        keys: usize,
    },
    ResetLoses {
        serial: u32,
        keys: usize,
    },
    GenerateLoses {
        slot: Slot,
        subject: &'a str,
    },
    ConfirmQuestion,
    BackupWritten {
        serial: u32,
        file: &'a str,
    },
    RestoreReplaces(u32),
    Restored(u32),

    ServeStarting(u32, &'a str),
    ServeConnected(u32, &'a str),
    ServeWaiting(u32, &'a str),
    ServeDisconnected(u32),
    ServeStopped,

    DemoHome(&'a str),
    DemoStep(u8, DemoStep),
    DemoRefused(&'a str),
    DemoVerified(Slot),
    DemoRevokedOnCrl(&'a str),
    DemoRightPin,
    DemoPassed,

    CaMade {
        name: &'a str,
        role: &'a str,
        serial: &'a str,
        subject: &'a str,
    },
    CaReady(&'a str),
    /// The demo's provider keys: one passphrase each, the root's folder apart.
    DemoProviderKeys(&'a str),
    /// The provider's configuration is readable by other users (a warning, on stderr).
    ConfigReadable {
        path: &'a str,
        mode: u32,
        fix: &'a str,
    },
    /// After `ca init`: where things are, what to back up, what to run next.
    CaNextSteps {
        dir: &'a str,
        config: &'a str,
        wrote_config: bool,
        pkcs11: bool,
        root_offline: bool,
    },
    CaFinishedEarlierRun,
    CaIssued {
        serial: &'a str,
        profile: &'a str,
        subject: &'a str,
    },
    CaRevoked {
        serial: &'a str,
        at: &'a str,
        reason: &'a str,
        future: bool,
    },
    /// Nothing changed; `planned`: the record is not in effect yet.
    CaAlreadyRevoked {
        serial: &'a str,
        at: &'a str,
        reason: &'a str,
        planned: bool,
    },
    CaRevocationAdvanced {
        serial: &'a str,
        at: &'a str,
        from: &'a str,
        reason: &'a str,
        old_reason: &'a str,
    },
    CaReasonRaised {
        serial: &'a str,
        at: &'a str,
        old_reason: &'a str,
    },
    CaListed {
        name: &'a str,
        role: &'a str,
        key: &'a str,
    },
    CertificateListed {
        ca: &'a str,
        serial: &'a str,
        profile: &'a str,
        subject: &'a str,
        status: &'a str,
        until: &'a str,
    },
    CaCrlSigned {
        ca: &'a str,
        number: u64,
        entries: usize,
    },
    AuditIntact {
        entries: usize,
        signed: usize,
        key: bool,
    },
    AuditUnsigned {
        from: i64,
        to: i64,
    },
    AuditHeadsArchive {
        path: &'a str,
        heads: usize,
    },
    AuditNoHeadsArchive,
}

/// The steps of the first-use guide's story, as `jeton demo` tells it.
#[derive(Clone, Copy, Debug)]
pub enum DemoStep {
    CreateCard,
    IssueCertificates,
    Status,
    SignWithTemporaryPin,
    ChangePin,
    Sign,
    ThreeWrongPins,
    Unblock,
    Dead,
    FinalStatus,
    LostToken,
}

impl Msg<'_> {
    pub fn text(&self, lang: Lang) -> String {
        match *self {
            Msg::Prompt(kind, stage) => {
                let what = prompt(kind, stage, lang);
                // French puts a space before the colon.
                tr!(lang, "{what}: ", "{what} : ")
            }

            Msg::CardCreated(serial) => tr!(lang, "Card {serial} created.", "Carte {serial} créée."),
            Msg::DrawnSecrets { pin, puk, key } => tr!(
                lang,
                "PIN: {pin}\nUnblock code (PUK): {puk}\nManagement key (AES-256): {key}\nThese values are shown only now: keep them safe.",
                "PIN : {pin}\nCode de déblocage (PUK) : {puk}\nClé d'administration (AES-256) : {key}\nCes valeurs ne sont affichées qu'une fois : conservez-les en lieu sûr."
            ),
            Msg::FactoryValues => tr!(
                lang,
                "Factory values: PIN 123456, PUK 12345678, management key 010203040506070801020304050607080102030405060708 (3DES). Change them: `jeton pin change`, `jeton puk change`, `jeton mgmt-key change`.",
                "Valeurs d'usine : PIN 123456, PUK 12345678, clé d'administration 010203040506070801020304050607080102030405060708 (3DES). Changez-les : `jeton pin change`, `jeton puk change`, `jeton mgmt-key change`."
            ),
            Msg::TemporaryPinSet => tr!(
                lang,
                "The PIN is temporary: the card will sign nothing until it is changed with `jeton pin change`.",
                "Le PIN est temporaire : la carte ne signera rien tant qu'il n'aura pas été changé avec `jeton pin change`."
            ),
            Msg::WeakPinPolicy(true) => tr!(
                lang,
                "The card refuses trivial new PINs (123456, one repeated character, a run).",
                "La carte refuse les nouveaux PIN triviaux (123456, un seul caractère répété, une suite)."
            ),
            Msg::WeakPinPolicy(false) => tr!(
                lang,
                "The card itself accepts trivial new PINs (jeton refuses them all the same).",
                "La carte elle-même accepte les nouveaux PIN triviaux (jeton les refuse tout de même)."
            ),
            Msg::NoCardYet => tr!(
                lang,
                "No card yet: create one with `jeton card create`.",
                "Aucune carte pour l'instant : créez-en une avec `jeton card create`."
            ),
            Msg::CardDeleted(serial) => tr!(lang, "Card {serial} deleted.", "Carte {serial} supprimée."),
            Msg::CardReset(serial) => tr!(
                lang,
                "Card {serial} reset: its keys and certificates are destroyed, and the PIN, PUK and management key are back to the factory values. The old certificate is lost for good: order a new one.",
                "Carte {serial} réinitialisée : ses clés et certificats sont détruits, et le PIN, le PUK et la clé d'administration ont repris leurs valeurs d'usine. L'ancien certificat est perdu pour de bon : commandez-en un nouveau."
            ),

            Msg::StatusCard(serial) => tr!(lang, "Card {serial}", "Carte {serial}"),
            Msg::StatusPinTries(left, max) => {
                let left = tries_left_of(left, max, lang);
                tr!(lang, "  PIN: {left}", "  PIN : {left}")
            }
            Msg::StatusPinBlocked => tr!(
                lang,
                "  PIN: BLOCKED. Ask support for the unblock code, then run `jeton pin unblock`.",
                "  PIN : BLOQUÉ. Demandez le code de déblocage au support, puis lancez `jeton pin unblock`."
            ),
            Msg::StatusPukTries(left, max) => {
                let left = tries_left_of(left, max, lang);
                tr!(
                    lang,
                    "  Unblock code (PUK): {left}",
                    "  Code de déblocage (PUK) : {left}"
                )
            }
            Msg::StatusPukBlocked => tr!(
                lang,
                "  PUK blocked: the PIN can no longer be unblocked. It still works; if it gets blocked, a new certificate must be ordered.",
                "  PUK bloqué : le PIN ne peut plus être débloqué. Il fonctionne encore ; s'il se bloque, il faudra commander un nouveau certificat."
            ),
            Msg::StatusDead => tr!(
                lang,
                "  DEAD: PIN and unblock code both blocked. The certificate is blocked for good: order a new one (then `jeton card reset`).",
                "  HORS SERVICE : PIN et code de déblocage bloqués. Le certificat est bloqué définitivement : commandez-en un nouveau (puis `jeton card reset`)."
            ),
            Msg::StatusTemporaryPin => tr!(
                lang,
                "  Warning: the PIN is still the temporary one received by SMS: change it with `jeton pin change` before the first signature.",
                "  Attention : le PIN est encore le PIN temporaire reçu par SMS : changez-le avec `jeton pin change` avant la première signature."
            ),
            Msg::StatusNoKeys => tr!(lang, "  No key on the card.", "  Aucune clé sur la carte."),
            Msg::StatusSlot { slot, key, pin_policy } => {
                let name = slot_name(slot, lang);
                let key = match key {
                    Some(key) => key.to_owned(),
                    None => tr!(lang, "no key", "pas de clé"),
                };
                match pin_policy.map(|p| policy_text(p, lang)) {
                    Some(policy) => tr!(
                        lang,
                        "  Slot {slot} ({name}): {key}, PIN {policy}",
                        "  Emplacement {slot} ({name}) : {key}, PIN {policy}"
                    ),
                    None => tr!(lang, "  Slot {slot} ({name}): {key}", "  Emplacement {slot} ({name}) : {key}"),
                }
            }
            Msg::StatusCertificate { subject, issuer, not_before, not_after } => tr!(
                lang,
                "    certificate: {subject}\n    issued by:   {issuer}\n    valid from {not_before} to {not_after}",
                "    certificat : {subject}\n    émis par :   {issuer}\n    valide du {not_before} au {not_after}"
            ),
            Msg::StatusNoCertificate => tr!(lang, "    no certificate", "    pas de certificat"),
            Msg::StatusCertificateId { serial, fingerprint } => tr!(
                lang,
                "    serial {serial}\n    SHA-256 fingerprint {fingerprint}",
                "    numéro de série {serial}\n    empreinte SHA-256 {fingerprint}"
            ),
            Msg::StatusExpired(until) => tr!(
                lang,
                "    EXPIRED since {until}: have a new certificate issued",
                "    EXPIRÉ depuis le {until} : faites émettre un nouveau certificat"
            ),
            Msg::StatusNotYetValid(from) => tr!(
                lang,
                "    NOT YET VALID: valid only from {from}",
                "    PAS ENCORE VALIDE : valide seulement à partir du {from}"
            ),
            Msg::StatusKeyMismatch(slot) => tr!(
                lang,
                "    does NOT match the key of slot {slot}: signatures will be rejected; import the new key's certificate",
                "    ne correspond PAS à la clé de l'emplacement {slot} : les signatures seront rejetées ; importez le certificat de la nouvelle clé"
            ),
            Msg::StatusFactoryPin => tr!(
                lang,
                "  Warning: the PIN is still the factory value 123456: change it with `jeton pin change`.",
                "  Attention : le PIN a encore sa valeur d'usine 123456 : changez-le avec `jeton pin change`."
            ),
            Msg::StatusFactoryPuk => tr!(
                lang,
                "  Warning: the unblock code (PUK) is still the factory value 12345678: change it with `jeton puk change`.",
                "  Attention : le code de déblocage (PUK) a encore sa valeur d'usine 12345678 : changez-le avec `jeton puk change`."
            ),
            Msg::StatusFactoryManagementKey => tr!(
                lang,
                "  Warning: the management key is still the factory value: change it with `jeton mgmt-key change`.",
                "  Attention : la clé d'administration a encore sa valeur d'usine : changez-la avec `jeton mgmt-key change`."
            ),

            Msg::PinCorrect => tr!(lang, "PIN correct.", "PIN correct."),
            Msg::PinChanged => tr!(lang, "PIN changed.", "PIN changé."),
            Msg::PinUnblocked => tr!(
                lang,
                "PIN unblocked: the new PIN is set and its tries are restored.",
                "PIN débloqué : le nouveau PIN est enregistré et ses essais sont rétablis."
            ),
            Msg::PukChanged => tr!(lang, "Unblock code (PUK) changed.", "Code de déblocage (PUK) changé."),
            Msg::ManagementKeyChanged(alg) => tr!(
                lang,
                "Management key changed ({alg}).",
                "Clé d'administration changée ({alg})."
            ),
            Msg::KeyGenerated(slot, alg) => tr!(
                lang,
                "Key {alg} generated in slot {slot}.",
                "Clé {alg} générée dans l'emplacement {slot}."
            ),
            Msg::Signed(slot) => tr!(
                lang,
                "Signed with the key of slot {slot} (SHA-256).",
                "Signé avec la clé de l'emplacement {slot} (SHA-256)."
            ),
            Msg::CertificateImported(slot) => tr!(
                lang,
                "Certificate stored in slot {slot}.",
                "Certificat enregistré dans l'emplacement {slot}."
            ),

            Msg::CertificateRemoved(slot) => tr!(
                lang,
                "The certificate of the previous key was removed from slot {slot}: have the new key certified, then `jeton cert import --slot {slot}`.",
                "Le certificat de la clé précédente a été retiré de l'emplacement {slot} : faites certifier la nouvelle clé, puis lancez `jeton cert import --slot {slot}`."
            ),
            Msg::DeleteLoses { serial, keys } => {
                let what = slots_in_use(keys, lang);
                tr!(
                    lang,
                    "Deleting card {serial} destroys it for good, with {what}; no application will be able to use them again.",
                    "Supprimer la carte {serial} la détruit pour de bon, avec {what} ; aucune application ne pourra plus s'en servir."
                )
            }
            Msg::ResetLoses { serial, keys } => {
                let what = slots_in_use(keys, lang);
                tr!(
                    lang,
                    "Resetting card {serial} destroys {what} for good; the PIN, PUK and management key go back to the factory values.",
                    "Réinitialiser la carte {serial} détruit pour de bon {what} ; le PIN, le PUK et la clé d'administration reprennent leurs valeurs d'usine."
                )
            }
            Msg::GenerateLoses { slot, subject } => tr!(
                lang,
                "Slot {slot} holds a key certified for {subject}. A new key replaces it for good, and its certificate is removed: a new certificate must then be issued for the new key.",
                "L'emplacement {slot} contient une clé certifiée pour {subject}. Une nouvelle clé la remplace pour de bon et son certificat est retiré : il faudra faire émettre un nouveau certificat pour la nouvelle clé."
            ),
            Msg::BackupWritten { serial, file } => tr!(
                lang,
                "Card {serial} and its folder's device key saved in {file}; keep it where the card's folder is not (`jeton card restore {file}` puts it back).",
                "La carte {serial} et la clé d'appareil de son dossier sont sauvegardées dans {file} ; gardez-la ailleurs que le dossier de la carte (`jeton card restore {file}` la remet en place)."
            ),
            Msg::RestoreReplaces(serial) => tr!(
                lang,
                "Card {serial} exists here: restoring replaces it, and whatever changed on it since the backup (PIN, keys, certificates) is lost.",
                "La carte {serial} existe ici : la restaurer la remplace, et ce qui y a changé depuis la sauvegarde (PIN, clés, certificats) est perdu."
            ),
            Msg::Restored(serial) => tr!(
                lang,
                "Card {serial} restored.",
                "Carte {serial} restaurée."
            ),
            Msg::ConfirmQuestion => tr!(
                lang,
                "Continue? Type yes to confirm: ",
                "Continuer ? Tapez oui pour confirmer : "
            ),
            Msg::ServeStarting(serial, address) => tr!(
                lang,
                "Card {serial}: plugging into vpcd at {address} (Ctrl-C to stop).",
                "Carte {serial} : branchement sur vpcd à {address} (Ctrl-C pour arrêter)."
            ),
            Msg::ServeConnected(serial, address) => tr!(
                lang,
                "Card {serial}: in the reader of vpcd at {address}; PC/SC programs can use it.",
                "Carte {serial} : dans le lecteur de vpcd à {address} ; les programmes PC/SC peuvent l'utiliser."
            ),
            Msg::ServeWaiting(serial, address) => tr!(
                lang,
                "Card {serial}: nothing listens on {address}; is pcscd running with vsmartcard-vpcd? Trying again.",
                "Carte {serial} : rien n'écoute sur {address} ; pcscd tourne-t-il avec vsmartcard-vpcd ? Nouvel essai."
            ),
            Msg::ServeDisconnected(serial) => tr!(
                lang,
                "Card {serial}: vpcd closed the connection (pcscd stopped?); the card is out of the reader, plugging in again.",
                "Carte {serial} : vpcd a fermé la connexion (pcscd arrêté ?) ; la carte est hors du lecteur, nouveau branchement."
            ),
            Msg::ServeStopped => tr!(
                lang,
                "Stopped: the cards are out of their readers.",
                "Arrêté : les cartes sont sorties de leurs lecteurs."
            ),
            Msg::DemoHome(path) => tr!(
                lang,
                "Jeton demo: the first-use guide's story, for real, on a virtual card in {path}",
                "Démonstration de Jeton : l'histoire du guide de première utilisation, pour de vrai, sur une carte virtuelle dans {path}"
            ),
            Msg::DemoStep(n, step) => {
                let what = demo_step(step, lang);
                tr!(lang, "\nStep {n}: {what}", "\nÉtape {n} : {what}")
            }
            Msg::DemoRefused(reason) => tr!(lang, "    refused, as expected: {reason}", "    refusé, comme prévu : {reason}"),
            Msg::DemoVerified(slot) => tr!(
                lang,
                "    OpenSSL verifies the signature of slot {slot}: OK",
                "    OpenSSL vérifie la signature de l'emplacement {slot} : OK"
            ),
            Msg::DemoRevokedOnCrl(serial) => tr!(
                lang,
                "    The issuing CA's CRL verifies and lists certificate {serial} as revoked: it will never be valid again.",
                "    La LCR de l'AC émettrice est valide et mentionne le certificat {serial} comme révoqué : il ne sera plus jamais valide."
            ),
            Msg::DemoRightPin => tr!(
                lang,
                "  Now even the right PIN is refused:",
                "  Désormais même le bon PIN est refusé :"
            ),
            Msg::DemoPassed => tr!(
                lang,
                "\nEvery step behaved as the guide says.",
                "\nChaque étape s'est déroulée comme le dit le guide."
            ),
            Msg::CaMade { name, role, serial, subject } => tr!(
                lang,
                "{name} ({role}): serial {serial}, {subject}",
                "{name} ({role}) : numéro de série {serial}, {subject}"
            ),
            Msg::ConfigReadable { path, mode, fix } => tr!(
                lang,
                "WARNING: {path} has mode {mode:04o}: other users of this machine can read the provider's configuration. It holds no secret today, but it would be refused if its [storage] url carried a password: run `{fix}`",
                "ATTENTION : {path} a le mode {mode:04o} : d'autres utilisateurs de la machine peuvent lire la configuration du prestataire. Elle ne porte aucun secret aujourd'hui, mais serait refusée si son url [storage] portait un mot de passe : lancez `{fix}`"
            ),
            Msg::DemoProviderKeys(dir) => tr!(
                lang,
                "The provider's five keys (root, issuing CA, OCSP responder, time-stamping unit, audit log) each get their own passphrase; the root key goes to {dir}, outside the server's folder, as on a medium kept offline.",
                "Les cinq clés du prestataire (racine, AC émettrice, répondeur OCSP, unité d'horodatage, journal d'audit) reçoivent chacune leur phrase secrète ; la clé racine va dans {dir}, hors du dossier du serveur, comme sur un support gardé hors ligne."
            ),
            Msg::CaReady(dir) => tr!(
                lang,
                "The provider is set up; its keys and database are in {dir}.",
                "Le prestataire est en place ; ses clés et sa base sont dans {dir}."
            ),
            Msg::CaNextSteps { dir, config, wrote_config, pkcs11, root_offline } => {
                let wrote = match (wrote_config, lang) {
                    (false, _) => String::new(),
                    (true, Lang::En) => format!("\n{config} did not exist: a commented default was written there and used. Edit it before issuing for real (the CAs' names are set; the rest can change).\n"),
                    (true, Lang::Fr) => format!("\n{config} n'existait pas : une configuration par défaut commentée y a été écrite et utilisée. Modifiez-la avant d'émettre pour de bon (les noms des AC sont fixés ; le reste peut changer).\n"),
                };
                let keys = match (pkcs11, lang) {
                    (true, Lang::En) => "the keys are on the token: keep its PIN and, if it allows, a backup of the token".to_owned(),
                    (true, Lang::Fr) => "les clés sont sur le jeton : gardez son PIN et, s'il le permet, une sauvegarde du jeton".to_owned(),
                    (false, Lang::En) => format!("{dir}/keys/ and {dir}/audit/ (the encrypted keys) and their five passphrases, kept apart"),
                    (false, Lang::Fr) => format!("{dir}/keys/ et {dir}/audit/ (les clés chiffrées) et leurs cinq phrases secrètes, conservées séparément"),
                };
                let keys = match (root_offline, lang) {
                    (true, _) => keys,
                    (false, Lang::En) => format!("{keys}; the root key is in the provider folder: for a real provider, set it up with --root-dir (a folder that is not the server's) or --root-pkcs11, so that the online server never holds it"),
                    (false, Lang::Fr) => format!("{keys} ; la clé racine est dans le dossier du prestataire : pour un vrai prestataire, mettez-le en place avec --root-dir (un dossier qui n'est pas celui du serveur) ou --root-pkcs11, pour que le serveur en ligne ne la détienne jamais"),
                };
                tr!(
                    lang,
                    "{wrote}\nNext steps:\n  Back up: {keys}; {dir}/tsp.sqlite (or your database), {dir}/audit-key.pub.pem and {config}.\n  Issue a holder's certificate:\n    jeton ca issue --profile qualified-signing --public-key 9c.pub.pem --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont' --out 9c.crt\n  Serve OCSP, CRLs and time-stamps (the [server] table of {config}):\n    jeton server --listen localhost:8080\n  See what was issued: jeton ca list",
                    "{wrote}\nÉtapes suivantes :\n  Sauvegardez : {keys} ; {dir}/tsp.sqlite (ou votre base), {dir}/audit-key.pub.pem et {config}.\n  Émettez le certificat d'un titulaire :\n    jeton ca issue --profile qualified-signing --public-key 9c.pub.pem --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont' --out 9c.crt\n  Servez OCSP, LCR et horodatage (la table [server] de {config}) :\n    jeton server --listen localhost:8080\n  Voyez ce qui a été émis : jeton ca list"
                )
            }
            Msg::CaFinishedEarlierRun => tr!(
                lang,
                "An earlier `jeton ca init` was interrupted after its records were written: its set-up is now in place.",
                "Un `jeton ca init` précédent a été interrompu après l'écriture de ses enregistrements : sa mise en place est maintenant terminée."
            ),
            Msg::CaIssued { serial, profile, subject } => tr!(
                lang,
                "Issued {profile} certificate {serial} for {subject}.",
                "Certificat {profile} {serial} émis pour {subject}."
            ),
            Msg::CaRevoked { serial, at, reason, future: false } => tr!(
                lang,
                "Certificate {serial} revoked ({reason}) since {at}; this cannot be undone.",
                "Certificat {serial} révoqué ({reason}) depuis {at} ; c'est définitif."
            ),
            Msg::CaRevoked { serial, at, reason, future: true } => tr!(
                lang,
                "Certificate {serial} will be revoked ({reason}) on {at}; this cannot be undone.",
                "Le certificat {serial} sera révoqué ({reason}) le {at} ; c'est définitif."
            ),
            Msg::CaAlreadyRevoked { serial, at, reason, planned: false } => tr!(
                lang,
                "Nothing changed: certificate {serial} has been revoked ({reason}) since {at}, and a revocation in effect is never rewritten (only its reason may be raised to key-compromise).",
                "Rien n'a changé : le certificat {serial} est révoqué ({reason}) depuis le {at}, et une révocation en vigueur n'est jamais réécrite (seul son motif peut être élevé à key-compromise)."
            ),
            Msg::CaAlreadyRevoked { serial, at, reason, planned: true } => tr!(
                lang,
                "Nothing changed: certificate {serial} is already to be revoked ({reason}) on {at}; a later date never postpones it.",
                "Rien n'a changé : le certificat {serial} doit déjà être révoqué ({reason}) le {at} ; une date plus tardive ne la repousse jamais."
            ),
            Msg::CaRevocationAdvanced { serial, at, from, reason, old_reason } => tr!(
                lang,
                "The revocation of certificate {serial}, planned for {from} ({old_reason}), now takes effect from {at} ({reason}).",
                "La révocation du certificat {serial}, prévue le {from} ({old_reason}), prend effet dès le {at} ({reason})."
            ),
            Msg::CaReasonRaised { serial, at, old_reason } => tr!(
                lang,
                "The revocation reason of certificate {serial} was raised from {old_reason} to key-compromise; it stays revoked from {at}, and nothing else changed.",
                "Le motif de révocation du certificat {serial} passe de {old_reason} à key-compromise ; il reste révoqué à partir du {at}, et rien d'autre n'a changé."
            ),
            Msg::CaListed { name, role, key } => tr!(
                lang,
                "{name}\t{role}\tkey {key}",
                "{name}\t{role}\tclé {key}"
            ),
            Msg::CertificateListed { ca, serial, profile, subject, status, until } => tr!(
                lang,
                "{ca}\t{serial}\t{profile}\t{status}\tuntil {until}\t{subject}",
                "{ca}\t{serial}\t{profile}\t{status}\tjusqu'au {until}\t{subject}"
            ),
            Msg::CaCrlSigned { ca, number, entries } => tr!(
                lang,
                "CRL number {number} of {ca} signed, with {entries} revoked certificate(s).",
                "LCR numéro {number} de {ca} signée, avec {entries} certificat(s) révoqué(s)."
            ),
            Msg::AuditIntact { entries, signed, key: true } => tr!(
                lang,
                "Audit log intact: {entries} entries chained, {signed} signed heads verified.",
                "Journal d'audit intact : {entries} entrées chaînées, {signed} têtes signées vérifiées."
            ),
            Msg::AuditIntact { entries, key: false, .. } => tr!(
                lang,
                "Audit log chain intact: {entries} entries (no audit public key here: signatures not checked).",
                "Chaîne du journal d'audit intacte : {entries} entrées (pas de clé publique d'audit ici : signatures non vérifiées)."
            ),
            Msg::AuditUnsigned { from, to } => tr!(
                lang,
                "Unsigned: entries {from} to {to} come after the last signed head; nothing outside the database vouches for them until the next command that holds the audit key.",
                "Non signées : les entrées {from} à {to} suivent la dernière tête signée ; rien hors de la base n'en répond avant la prochaine commande qui détient la clé d'audit."
            ),
            Msg::AuditHeadsArchive { path, heads } => tr!(
                lang,
                "Checked against the {heads} signed head(s) archived in {path}.",
                "Vérifié d'après les {heads} tête(s) signée(s) archivée(s) dans {path}."
            ),
            Msg::AuditNoHeadsArchive => tr!(
                lang,
                "No archive of signed heads here (audit-heads.log, or --heads FILE): a cut tail of the log cannot be detected.",
                "Pas d'archive des têtes signées ici (audit-heads.log, ou --heads FICHIER) : une fin de journal coupée ne peut pas être détectée."
            ),
        }
    }
}

fn prompt(kind: SecretKind, stage: Stage, lang: Lang) -> String {
    match (kind, stage) {
        (SecretKind::Pin, Stage::Current) => tr!(lang, "PIN", "PIN"),
        (SecretKind::Pin, Stage::New) => tr!(lang, "New PIN", "Nouveau PIN"),
        (SecretKind::Pin, Stage::Confirm) => tr!(lang, "New PIN again", "Confirmez le nouveau PIN"),
        (SecretKind::Puk, Stage::Current) => {
            tr!(lang, "Unblock code (PUK)", "Code de déblocage (PUK)")
        }
        (SecretKind::Puk, Stage::New) => tr!(
            lang,
            "New unblock code (PUK)",
            "Nouveau code de déblocage (PUK)"
        ),
        (SecretKind::Puk, Stage::Confirm) => tr!(
            lang,
            "New unblock code (PUK) again",
            "Confirmez le nouveau code de déblocage (PUK)"
        ),
        (SecretKind::ManagementKey, Stage::Current) => tr!(
            lang,
            "Management key (hex; empty for the factory key)",
            "Clé d'administration (hexadécimal ; vide pour la clé d'usine)"
        ),
        (SecretKind::ManagementKey, Stage::New) => tr!(
            lang,
            "New management key (hex)",
            "Nouvelle clé d'administration (hexadécimal)"
        ),
        (SecretKind::ManagementKey, Stage::Confirm) => tr!(
            lang,
            "New management key again",
            "Confirmez la nouvelle clé d'administration"
        ),
        (SecretKind::ProviderKey(role), Stage::Current) => {
            let key = key_role(role, lang);
            tr!(
                lang,
                "Passphrase of the {key} (or its token's PIN)",
                "Phrase secrète de la {key} (ou PIN de son jeton)"
            )
        }
        (SecretKind::ProviderKey(role), Stage::New) => {
            let key = key_role(role, lang);
            tr!(
                lang,
                "New passphrase of the {key}, its own (or its token's PIN)",
                "Nouvelle phrase secrète de la {key}, la sienne propre (ou PIN de son jeton)"
            )
        }
        (SecretKind::ProviderKey(role), Stage::Confirm) => {
            let key = key_role(role, lang);
            tr!(
                lang,
                "Passphrase of the {key} again",
                "Confirmez la phrase secrète de la {key}"
            )
        }
    }
}

/// One of the provider's keys, named for a sentence ("the passphrase of the …").
pub fn key_role(role: KeyRole, lang: Lang) -> String {
    match role {
        KeyRole::Root => tr!(lang, "root CA key", "clé de l'AC racine"),
        KeyRole::Issuing => tr!(lang, "issuing CA key", "clé de l'AC émettrice"),
        KeyRole::Ocsp => tr!(lang, "OCSP responder key", "clé du répondeur OCSP"),
        KeyRole::Tsa => tr!(
            lang,
            "time-stamping unit key",
            "clé de l'unité d'horodatage"
        ),
        KeyRole::Audit => tr!(lang, "audit log key", "clé du journal d'audit"),
    }
}

/// What a card holds, as a whole phrase in each language.
fn slots_in_use(slots: usize, lang: Lang) -> String {
    match (lang, slots) {
        (Lang::En, 0) => "no key or certificate".into(),
        (Lang::En, 1) => "the key and certificate of 1 slot".into(),
        (Lang::En, n) => format!("the keys and certificates of {n} slots"),
        (Lang::Fr, 0) => "aucune clé ni aucun certificat".into(),
        (Lang::Fr, 1) => "la clé et le certificat d'un emplacement".into(),
        (Lang::Fr, n) => format!("les clés et certificats de {n} emplacements"),
    }
}

/// "2 tries left of 3", "2 essais restants sur 3": one sentence per language, not pieces.
fn tries_left_of(left: u8, max: u8, lang: Lang) -> String {
    match (lang, left) {
        (Lang::En, 1) => format!("1 try left of {max}"),
        (Lang::En, n) => format!("{n} tries left of {max}"),
        (Lang::Fr, 0 | 1) => format!("{left} essai restant sur {max}"),
        (Lang::Fr, n) => format!("{n} essais restants sur {max}"),
    }
}

/// "2 tries left", "2 essais restants".
fn tries_left(left: u8, lang: Lang) -> String {
    match (lang, left) {
        (Lang::En, 1) => "1 try left".into(),
        (Lang::En, n) => format!("{n} tries left"),
        (Lang::Fr, 0 | 1) => format!("{left} essai restant"),
        (Lang::Fr, n) => format!("{n} essais restants"),
    }
}

/// What was missing at the end of the input, as the end of a sentence.
fn missing(kind: SecretKind, stage: Stage, lang: Lang) -> String {
    match (kind, stage) {
        (SecretKind::Pin, Stage::Current) => tr!(lang, "the PIN", "le PIN"),
        (SecretKind::Pin, Stage::New) => tr!(lang, "the new PIN", "le nouveau PIN"),
        (SecretKind::Pin, Stage::Confirm) => tr!(
            lang,
            "the new PIN's confirmation",
            "la confirmation du nouveau PIN"
        ),
        (SecretKind::Puk, Stage::Current) => {
            tr!(lang, "the unblock code (PUK)", "le code de déblocage (PUK)")
        }
        (SecretKind::Puk, Stage::New) => tr!(
            lang,
            "the new unblock code (PUK)",
            "le nouveau code de déblocage (PUK)"
        ),
        (SecretKind::Puk, Stage::Confirm) => tr!(
            lang,
            "the new unblock code's confirmation",
            "la confirmation du nouveau code de déblocage"
        ),
        (SecretKind::ManagementKey, Stage::Current) => tr!(
            lang,
            "the management key (an empty line for the factory key)",
            "la clé d'administration (une ligne vide pour la clé d'usine)"
        ),
        (SecretKind::ManagementKey, Stage::New) => {
            tr!(
                lang,
                "the new management key",
                "la nouvelle clé d'administration"
            )
        }
        (SecretKind::ManagementKey, Stage::Confirm) => tr!(
            lang,
            "the new management key's confirmation",
            "la confirmation de la nouvelle clé d'administration"
        ),
        (SecretKind::ProviderKey(role), Stage::Current) => {
            let key = key_role(role, lang);
            tr!(
                lang,
                "the passphrase of the {key} (secrets are read in the order root, issuing, ocsp, tsa, audit: only those the command needs)",
                "la phrase secrète de la {key} (les secrets sont lus dans l'ordre root, issuing, ocsp, tsa, audit : seulement ceux dont la commande a besoin)"
            )
        }
        (SecretKind::ProviderKey(role), Stage::New) => {
            let key = key_role(role, lang);
            tr!(
                lang,
                "the new passphrase of the {key} (`ca init` reads each new passphrase then its confirmation, in the order root, issuing, ocsp, tsa, audit)",
                "la nouvelle phrase secrète de la {key} (`ca init` lit chaque nouvelle phrase secrète puis sa confirmation, dans l'ordre root, issuing, ocsp, tsa, audit)"
            )
        }
        (SecretKind::ProviderKey(role), Stage::Confirm) => {
            let key = key_role(role, lang);
            tr!(
                lang,
                "the confirmation of the passphrase of the {key}",
                "la confirmation de la phrase secrète de la {key}"
            )
        }
    }
}

/// System errors in the holder's words: the OS's own text is English only.
pub fn io_error(error: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => tr!(
            lang,
            "no such file or folder",
            "fichier ou dossier introuvable"
        ),
        ErrorKind::PermissionDenied => tr!(lang, "permission denied", "permission refusée"),
        ErrorKind::AlreadyExists => tr!(lang, "it already exists", "il existe déjà"),
        ErrorKind::AddrInUse => tr!(
            lang,
            "the address is already in use (another server is listening there)",
            "l'adresse est déjà utilisée (un autre serveur y écoute)"
        ),
        ErrorKind::AddrNotAvailable => tr!(
            lang,
            "the address is not one of this machine's",
            "l'adresse n'est pas une adresse de cette machine"
        ),
        ErrorKind::ConnectionRefused => tr!(lang, "connection refused", "connexion refusée"),
        ErrorKind::NotADirectory => tr!(lang, "not a folder", "ce n'est pas un dossier"),
        ErrorKind::IsADirectory => tr!(
            lang,
            "it is a folder, not a file",
            "c'est un dossier, pas un fichier"
        ),
        ErrorKind::StorageFull => tr!(lang, "the disk is full", "le disque est plein"),
        ErrorKind::ReadOnlyFilesystem => tr!(
            lang,
            "the file system is read-only",
            "le système de fichiers est en lecture seule"
        ),
        ErrorKind::BrokenPipe => tr!(
            lang,
            "the reader has gone (broken pipe)",
            "le lecteur est parti (tube cassé)"
        ),
        ErrorKind::TimedOut => tr!(lang, "timed out", "délai dépassé"),
        _ => error.to_string(),
    }
}

fn slot_name(slot: Slot, lang: Lang) -> String {
    match slot {
        Slot::AUTHENTICATION => tr!(lang, "authentication", "authentification"),
        Slot::SIGNATURE => tr!(lang, "signature", "signature"),
        Slot::KEY_MANAGEMENT => tr!(lang, "key management", "chiffrement"),
        Slot::CARD_AUTHENTICATION => {
            tr!(lang, "card authentication", "authentification de la carte")
        }
        _ => tr!(lang, "retired key", "clé archivée"),
    }
}

fn policy_text(policy: &str, lang: Lang) -> String {
    match policy {
        "never" => tr!(lang, "never needed", "jamais demandé"),
        "once" => tr!(lang, "once per session", "une fois par session"),
        "always" => tr!(lang, "before every use", "avant chaque usage"),
        other => other.to_owned(),
    }
}

fn demo_step(step: DemoStep, lang: Lang) -> String {
    match step {
        DemoStep::CreateCard => tr!(
            lang,
            "the provider makes the holder's card, with a temporary PIN sent by SMS and an unblock code kept by support.",
            "le prestataire fabrique la carte du titulaire, avec un PIN temporaire envoyé par SMS et un code de déblocage conservé par le support."
        ),
        DemoStep::IssueCertificates => tr!(
            lang,
            "the provider generates the authentication key (9A) and the signature key (9C) on the card, and issues their certificates.",
            "le prestataire génère sur la carte la clé d'authentification (9A) et la clé de signature (9C), et émet leurs certificats."
        ),
        DemoStep::Status => tr!(lang, "the holder looks at the card.", "le titulaire consulte sa carte."),
        DemoStep::SignWithTemporaryPin => tr!(
            lang,
            "the holder tries to sign with the temporary PIN: the card refuses.",
            "le titulaire essaie de signer avec le PIN temporaire : la carte refuse."
        ),
        DemoStep::ChangePin => tr!(
            lang,
            "the holder changes the temporary PIN for an alphanumeric PIN (old PIN, new PIN, confirmation).",
            "le titulaire remplace le PIN temporaire par un PIN alphanumérique (ancien PIN, nouveau PIN, confirmation)."
        ),
        DemoStep::Sign => tr!(
            lang,
            "the holder signs a document with 9A and with 9C.",
            "le titulaire signe un document avec 9A et avec 9C."
        ),
        DemoStep::ThreeWrongPins => tr!(
            lang,
            "three wrong PINs: the PIN is blocked.",
            "trois PIN erronés : le PIN est bloqué."
        ),
        DemoStep::Unblock => tr!(
            lang,
            "support sends the unblock code by SMS; the holder sets a new PIN with it and signs again.",
            "le support envoie le code de déblocage par SMS ; le titulaire fixe un nouveau PIN avec ce code et signe à nouveau."
        ),
        DemoStep::Dead => tr!(
            lang,
            "three wrong PINs again, then three wrong unblock codes: the certificate is blocked for good.",
            "de nouveau trois PIN erronés, puis trois codes de déblocage erronés : le certificat est bloqué définitivement."
        ),
        DemoStep::FinalStatus => tr!(lang, "the final status.", "l'état final."),
        DemoStep::LostToken => tr!(
            lang,
            "the holder reports the token lost: the provider revokes the signature certificate at once and publishes its CRL.",
            "le titulaire signale la perte de son jeton : le prestataire révoque aussitôt le certificat de signature et publie sa LCR."
        ),
    }
}

impl CliError {
    /// The message, in the holder's terms, with what to do next.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            CliError::Piv(error) => piv_error(error, lang),
            CliError::Card(error) => card_error(error, lang),
            CliError::NoHome => tr!(
                lang,
                "no folder for the cards: set JETON_HOME (or HOME)",
                "aucun dossier pour les cartes : définissez JETON_HOME (ou HOME)"
            ),
            CliError::HomeUnusable { home, error } => {
                let (path, origin) = (home.root().display(), home.origin());
                let error = io_error(error, lang);
                tr!(
                    lang,
                    "the cards' folder {path} (from {origin}) cannot be used: {error}",
                    "le dossier des cartes {path} (d'après {origin}) est inutilisable : {error}"
                )
            }
            CliError::NoCard(home) => {
                let (path, origin) = (home.cards_dir(), home.origin());
                let path = path.display();
                tr!(
                    lang,
                    "no card in {path} (from {origin}): create one with `jeton card create`, or set JETON_HOME to the folder that holds your cards",
                    "aucune carte dans {path} (d'après {origin}) : créez-en une avec `jeton card create`, ou donnez à JETON_HOME le dossier qui contient vos cartes"
                )
            }
            CliError::UnknownCard(serial, home) => {
                let (path, origin) = (home.cards_dir(), home.origin());
                let path = path.display();
                tr!(
                    lang,
                    "no card with serial {serial} in {path} (from {origin}): see `jeton card list`",
                    "aucune carte de numéro {serial} dans {path} (d'après {origin}) : voyez `jeton card list`"
                )
            }
            CliError::ConfirmationNeeded => tr!(
                lang,
                "nothing was done: this destroys data, and there is no terminal to ask on; add --yes to do it from a script",
                "rien n'a été fait : cette commande détruit des données et aucun terminal ne permet de demander confirmation ; ajoutez --yes pour la lancer depuis un script"
            ),
            CliError::NotConfirmed => tr!(lang, "nothing was done", "rien n'a été fait"),
            CliError::SeveralCards(serials) => {
                let list = serials.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                tr!(
                    lang,
                    "several cards ({list}): choose one with --card SERIAL",
                    "plusieurs cartes ({list}) : choisissez-en une avec --card NUMÉRO"
                )
            }
            CliError::CardExists(serial) => tr!(
                lang,
                "a card with serial {serial} already exists: choose another --serial",
                "une carte de numéro {serial} existe déjà : choisissez un autre --serial"
            ),
            CliError::SecretFd { fd, error } => {
                let error = io_error(error, lang);
                tr!(
                    lang,
                    "cannot read secrets from file descriptor {fd}: {error}",
                    "impossible de lire les secrets sur le descripteur {fd} : {error}"
                )
            }
            CliError::Terminal(error) => {
                let error = io_error(error, lang);
                tr!(
                    lang,
                    "cannot read from the terminal: {error}",
                    "impossible de lire sur le terminal : {error}"
                )
            }
            CliError::SecretRead(error) => {
                let error = io_error(error, lang);
                tr!(
                    lang,
                    "cannot read the secrets: {error}",
                    "impossible de lire les secrets : {error}"
                )
            }
            CliError::SecretMissing(kind, stage) => {
                let what = missing(*kind, *stage, lang);
                tr!(
                    lang,
                    "the input ended before {what}: give one secret per line (see `jeton --help`)",
                    "l'entrée s'est terminée sans {what} : donnez un secret par ligne (voir `jeton --help`)"
                )
            }
            CliError::SecretTooLong(kind) => match kind {
                SecretKind::Pin => tr!(lang, "the PIN given is far too long", "le PIN donné est bien trop long"),
                SecretKind::Puk => tr!(lang, "the unblock code (PUK) given is far too long", "le code de déblocage (PUK) donné est bien trop long"),
                SecretKind::ManagementKey => tr!(lang, "the management key given is far too long", "la clé d'administration donnée est bien trop longue"),
                SecretKind::ProviderKey(_) => tr!(lang, "the passphrase given is far too long", "la phrase secrète donnée est bien trop longue"),
            },
            CliError::SecretMismatch(kind) => match kind {
                SecretKind::Pin => tr!(
                    lang,
                    "the new PIN and its confirmation differ: nothing was changed, try again",
                    "le nouveau PIN et sa confirmation diffèrent : rien n'a été changé, recommencez"
                ),
                SecretKind::Puk => tr!(
                    lang,
                    "the new unblock code (PUK) and its confirmation differ: nothing was changed, try again",
                    "le nouveau code de déblocage (PUK) et sa confirmation diffèrent : rien n'a été changé, recommencez"
                ),
                SecretKind::ManagementKey => tr!(
                    lang,
                    "the new management key and its confirmation differ: nothing was changed, try again",
                    "la nouvelle clé d'administration et sa confirmation diffèrent : rien n'a été changé, recommencez"
                ),
                SecretKind::ProviderKey(_) => tr!(
                    lang,
                    "the new passphrase and its confirmation differ: nothing was changed, try again",
                    "la nouvelle phrase secrète et sa confirmation diffèrent : rien n'a été changé, recommencez"
                ),
            },
            CliError::NothingTyped(kind) => match kind {
                SecretKind::Puk => tr!(
                    lang,
                    "no unblock code (PUK) typed: nothing was sent to the card",
                    "aucun code de déblocage (PUK) tapé : rien n'a été envoyé à la carte"
                ),
                _ => tr!(
                    lang,
                    "no PIN typed: nothing was sent to the card",
                    "aucun PIN tapé : rien n'a été envoyé à la carte"
                ),
            },
            CliError::NotAscii(kind) => match kind {
                SecretKind::Puk => tr!(
                    lang,
                    "an unblock code (PUK) has ASCII characters only, no accented letters: nothing was sent to the card",
                    "un code de déblocage (PUK) n'a que des caractères ASCII, sans lettre accentuée : rien n'a été envoyé à la carte"
                ),
                _ => tr!(
                    lang,
                    "a PIN has ASCII characters only, no accented letters (such as é): nothing was sent to the card",
                    "un PIN n'a que des caractères ASCII, sans lettre accentuée (comme é) : rien n'a été envoyé à la carte"
                ),
            },
            CliError::Blank(kind) => match kind {
                SecretKind::Puk => tr!(
                    lang,
                    "an unblock code (PUK) has no spaces: nothing was sent to the card",
                    "un code de déblocage (PUK) n'a pas d'espace : rien n'a été envoyé à la carte"
                ),
                _ => tr!(
                    lang,
                    "a PIN has no spaces: nothing was sent to the card",
                    "un PIN n'a pas d'espace : rien n'a été envoyé à la carte"
                ),
            },
            CliError::Length(kind, typed) => match kind {
                SecretKind::Puk => tr!(
                    lang,
                    "an unblock code (PUK) has exactly 8 characters, this one has {typed}: nothing was sent to the card",
                    "un code de déblocage (PUK) a exactement 8 caractères, celui-ci en a {typed} : rien n'a été envoyé à la carte"
                ),
                _ => tr!(
                    lang,
                    "a PIN has 6 to 8 characters, this one has {typed}: nothing was sent to the card",
                    "un PIN a 6 à 8 caractères, celui-ci en a {typed} : rien n'a été envoyé à la carte"
                ),
            },
            CliError::WeakPin(weakness) => match weakness {
                jeton_card::PinWeakness::FactoryValue => tr!(
                    lang,
                    "123456 is the factory PIN that everyone knows: choose another; nothing was changed",
                    "123456 est le PIN d'usine que tout le monde connaît : choisissez-en un autre ; rien n'a été changé"
                ),
                jeton_card::PinWeakness::RepeatedCharacter => tr!(
                    lang,
                    "a PIN made of one repeated character is the first one tried: choose another; nothing was changed",
                    "un PIN fait d'un seul caractère répété est le premier essayé : choisissez-en un autre ; rien n'a été changé"
                ),
                jeton_card::PinWeakness::Sequence => tr!(
                    lang,
                    "a PIN that is a run (such as 234567 or abcdef) is among the first ones tried: choose another; nothing was changed",
                    "un PIN qui se suit (comme 234567 ou abcdef) est parmi les premiers essayés : choisissez-en un autre ; rien n'a été changé"
                ),
            },
            CliError::PinUnchanged => tr!(
                lang,
                "the new PIN is the current one: choose a different PIN (a temporary PIN must really change); nothing was changed",
                "le nouveau PIN est le PIN actuel : choisissez-en un différent (un PIN temporaire doit vraiment changer) ; rien n'a été changé"
            ),
            CliError::NewPinRefused => tr!(
                lang,
                "the card refused the new PIN: its policy wants a PIN different from the temporary one and not trivial; choose another",
                "la carte a refusé le nouveau PIN : sa politique demande un PIN différent du PIN temporaire et non trivial ; choisissez-en un autre"
            ),
            CliError::BinaryToTerminal => tr!(
                lang,
                "the signature is binary and stdout is a terminal: give --out FILE, or pipe the output",
                "la signature est binaire et la sortie standard est un terminal : donnez --out FICHIER, ou redirigez la sortie"
            ),
            CliError::PinNotNumeric => tr!(
                lang,
                "a numeric PIN has digits only (6 to 8): choose another, or use --alphanumeric",
                "un PIN numérique n'a que des chiffres (6 à 8) : choisissez-en un autre, ou utilisez --alphanumeric"
            ),
            CliError::PinNotAlphanumeric => tr!(
                lang,
                "an alphanumeric PIN has letters and digits only (6 to 8, no spaces or symbols): choose another",
                "un PIN alphanumérique n'a que des lettres et des chiffres (6 à 8, sans espace ni symbole) : choisissez-en un autre"
            ),
            CliError::Io { path, error } => {
                let path = path.display();
                let error = io_error(error, lang);
                tr!(lang, "{path}: {error}", "{path} : {error}")
            }
            CliError::Output(error) => {
                let error = io_error(error, lang);
                tr!(lang, "cannot write the output: {error}", "impossible d'écrire le résultat : {error}")
            }
            CliError::Json(error) => tr!(lang, "cannot write JSON: {error}", "impossible d'écrire le JSON : {error}"),
            CliError::NotACertificate(path) => {
                let path = path.display();
                tr!(
                    lang,
                    "{path} is not an X.509 certificate in PEM or DER",
                    "{path} n'est pas un certificat X.509 en PEM ou DER"
                )
            }
            CliError::CertificateKeyMismatch(slot) => tr!(
                lang,
                "this certificate is for another key than the one in slot {slot}: nothing was stored",
                "ce certificat est celui d'une autre clé que celle de l'emplacement {slot} : rien n'a été enregistré"
            ),
            CliError::NoKey(slot) => tr!(
                lang,
                "no key in slot {slot}: generate one with `jeton key generate --slot {slot}`",
                "pas de clé dans l'emplacement {slot} : générez-en une avec `jeton key generate --slot {slot}`"
            ),
            CliError::NoCertificate(slot) => tr!(
                lang,
                "no certificate in slot {slot}",
                "pas de certificat dans l'emplacement {slot}"
            ),
            CliError::CorruptCertificate(slot) => tr!(
                lang,
                "the certificate in slot {slot} is not readable X.509: import it again",
                "le certificat de l'emplacement {slot} n'est pas un X.509 lisible : importez-le à nouveau"
            ),
            CliError::ResetNotAllowed => tr!(
                lang,
                "the card can be reset only when the PIN and the unblock code are both blocked; it still works, so nothing was destroyed",
                "la carte ne peut être réinitialisée que si le PIN et le code de déblocage sont tous deux bloqués ; elle fonctionne encore, rien n'a été détruit"
            ),
            CliError::BackupExists(path) => {
                let path = path.display();
                tr!(
                    lang,
                    "{path} exists: a backup never writes over a file; choose another name",
                    "{path} existe : une sauvegarde n'écrase jamais un fichier ; choisissez un autre nom"
                )
            }
            CliError::NotABackup(path) => {
                let path = path.display();
                tr!(
                    lang,
                    "{path} is not a card backup of `jeton card backup`, or it is damaged: nothing was changed",
                    "{path} n'est pas une sauvegarde de carte de `jeton card backup`, ou elle est endommagée : rien n'a été modifié"
                )
            }
            CliError::DeviceKeyConflict(path) => {
                let path = path.display();
                tr!(
                    lang,
                    "the cards in {path} use another device key than the backup's: restore it into an empty JETON_HOME; nothing was changed",
                    "les cartes de {path} utilisent une autre clé d'appareil que la sauvegarde : restaurez-la dans un JETON_HOME vide ; rien n'a été modifié"
                )
            }
            CliError::NoPcscSupport => tr!(
                lang,
                "this build of jeton has no PC/SC support, so --reader cannot be used (build it with `cargo build --features jeton/pcsc`); virtual cards work without --reader",
                "cette version de jeton n'a pas le support PC/SC, --reader est donc inutilisable (compilez-la avec `cargo build --features jeton/pcsc`) ; les cartes virtuelles fonctionnent sans --reader"
            ),
            CliError::CardAndReader => tr!(
                lang,
                "choose either --card (a virtual card) or --reader (a card in a reader), not both",
                "choisissez --card (une carte virtuelle) ou --reader (une carte dans un lecteur), pas les deux"
            ),
            CliError::ReaderNotApplicable => tr!(
                lang,
                "--reader does not apply here: this command works on virtual card files",
                "--reader ne s'applique pas ici : cette commande porte sur les fichiers de cartes virtuelles"
            ),
            CliError::NoPkcs11Module(tried) => {
                let tried = tried
                    .iter()
                    .map(|path| format!("\n  {}", path.display()))
                    .collect::<String>();
                tr!(
                    lang,
                    "the PKCS#11 module is not installed: build it with `cargo build -p jeton-pkcs11` (it goes next to jeton) or install libjeton_pkcs11 with your packages. Looked in:{tried}",
                    "le module PKCS#11 n'est pas installé : compilez-le avec `cargo build -p jeton-pkcs11` (il se place à côté de jeton) ou installez libjeton_pkcs11 avec vos paquets. Cherché dans :{tried}"
                )
            }
            CliError::ServePairing { cards, readers } => tr!(
                lang,
                "{cards} card(s) but {readers} --vpcd address(es): give one --vpcd per --card, in the same order",
                "{cards} carte(s) mais {readers} adresse(s) --vpcd : donnez un --vpcd par --card, dans le même ordre"
            ),
            CliError::ServeTwice(what) => tr!(
                lang,
                "{what} is given twice: each card goes in its own reader",
                "{what} est donné deux fois : chaque carte va dans son propre lecteur"
            ),
            CliError::Signal(error) => tr!(
                lang,
                "cannot catch Ctrl-C: {error}",
                "impossible d'intercepter Ctrl-C : {error}"
            ),
            CliError::Vpcd(serial, error) => tr!(
                lang,
                "card {serial} stopped answering: {error}",
                "la carte {serial} ne répond plus : {error}"
            ),
            CliError::DemoStep(what) => tr!(
                lang,
                "the demo went off the guide's story: {what}",
                "la démonstration s'est écartée du guide : {what}"
            ),
            CliError::Bench(what) => tr!(
                lang,
                "benchmark: {what}",
                "banc d'essai : {what}"
            ),
            // The provider's library errors say what to do in English; French names the part.
            CliError::Ca(jeton_tsp::ca::CaError::WeakPassphrase(role, why)) => {
                use jeton_tsp::ca::WeakPassphrase;
                let key = key_role(*role, lang);
                let rule = tr!(
                    lang,
                    "a passphrase for the key files needs at least 12 characters, 6 of them different, and no run such as abcdef or 654321",
                    "une phrase secrète pour les fichiers de clés demande au moins 12 caractères, dont 6 différents, sans suite comme abcdef ou 654321"
                );
                match why {
                    WeakPassphrase::TooShort(n) => tr!(lang, "the passphrase of the {key} has only {n} characters: {rule}", "la phrase secrète de la {key} n'a que {n} caractères : {rule}"),
                    WeakPassphrase::TooFewDistinct(n) => tr!(lang, "the passphrase of the {key} has only {n} different characters: {rule}", "la phrase secrète de la {key} n'a que {n} caractères différents : {rule}"),
                    WeakPassphrase::Sequence => tr!(lang, "the passphrase of the {key} is a run of consecutive characters: {rule}", "la phrase secrète de la {key} est une suite de caractères consécutifs : {rule}"),
                }
            }
            CliError::Ca(jeton_tsp::ca::CaError::Secrets(jeton_tsp::keys::SecretsError::Same(a, b))) => {
                let (a, b) = (key_role(*a, lang), key_role(*b, lang));
                tr!(
                    lang,
                    "the {a} and the {b} were given the same passphrase: each key needs its own, so that one passphrase found opens one key; nothing was made",
                    "la {a} et la {b} ont reçu la même phrase secrète : chaque clé a besoin de la sienne, pour qu'une phrase secrète découverte n'ouvre qu'une clé ; rien n'a été fait"
                )
            }
            CliError::Ca(jeton_tsp::ca::CaError::Secrets(jeton_tsp::keys::SecretsError::Missing(role))) => {
                let key = key_role(*role, lang);
                tr!(
                    lang,
                    "this needs the {key}, whose secret was not given (--passphrase-file {role}=FILE)",
                    "il faut pour cela la {key}, dont le secret n'a pas été donné (--passphrase-file {role}=FICHIER)"
                )
            }
            CliError::Ca(jeton_tsp::ca::CaError::Issue(jeton_pki::IssueError::EndEntityFromRoot(profile))) => tr!(
                lang,
                "the root CA issues only CA certificates: issue the {profile} certificate from the issuing CA (--ca issuing)",
                "l'AC racine n'émet que des certificats d'AC : émettez le certificat {profile} depuis l'AC émettrice (--ca issuing)"
            ),
            CliError::Ca(jeton_tsp::ca::CaError::Incomplete(missing)) => {
                let missing = missing.join("\n  ");
                tr!(
                    lang,
                    "no complete provider here; missing:\n  {missing}\nRun `jeton ca init` to set it up, or to finish an interrupted set-up.",
                    "pas de prestataire complet ici ; il manque :\n  {missing}\nLancez `jeton ca init` pour le mettre en place, ou pour terminer une mise en place interrompue."
                )
            }
            CliError::Ca(jeton_tsp::ca::CaError::InTheWay(path)) => {
                let path = path.display();
                tr!(
                    lang,
                    "{path} exists but holds no provider: move it away, then run `jeton ca init` again",
                    "{path} existe mais ne contient pas de prestataire : déplacez-le, puis relancez `jeton ca init`"
                )
            }
            CliError::Ca(jeton_tsp::ca::CaError::Permissions(error)) => {
                use jeton_tsp::permissions::PermissionError;
                match error {
                    PermissionError::TooOpen(loose) => {
                        let (path, mode, fix) = (loose.path.display(), loose.mode, loose.fix());
                        tr!(
                            lang,
                            "{path} has mode {mode:04o}: other users of this machine can reach it, and the provider's folders must be 0700, its database and key files 0600; nothing was done: run `{fix}`",
                            "{path} a le mode {mode:04o} : d'autres utilisateurs de la machine peuvent l'atteindre, or les dossiers du prestataire doivent être en 0700, sa base et ses fichiers de clés en 0600 ; rien n'a été fait : lancez `{fix}`"
                        )
                    }
                    PermissionError::ConfigWritable(loose) => {
                        let (path, mode, fix) = (loose.path.display(), loose.mode, loose.fix());
                        tr!(
                            lang,
                            "{path} has mode {mode:04o}: other users can change the provider's configuration (its database, the URLs in its certificates); nothing was done: run `{fix}`",
                            "{path} a le mode {mode:04o} : d'autres utilisateurs peuvent modifier la configuration du prestataire (sa base, les URL de ses certificats) ; rien n'a été fait : lancez `{fix}`"
                        )
                    }
                    PermissionError::ConfigPassword(loose) => {
                        let (path, mode, fix) = (loose.path.display(), loose.mode, loose.fix());
                        tr!(
                            lang,
                            "{path} has mode {mode:04o} and carries the database's password: other users can read it; nothing was done: run `{fix}`",
                            "{path} a le mode {mode:04o} et porte le mot de passe de la base : d'autres utilisateurs peuvent le lire ; rien n'a été fait : lancez `{fix}`"
                        )
                    }
                    PermissionError::Io { path, error } => {
                        let (path, error) = (path.display(), io_error(error, lang));
                        tr!(lang, "{path}: {error}", "{path} : {error}")
                    }
                }
            }
            CliError::Ca(error) => tr!(lang, "CA: {error}", "AC : {error}"),
            CliError::Store(jeton_tsp::StoreError::RevocationBeforeValidity { serial, at, not_before }) => {
                let (at, not_before) = (jeton_tsp::store::utc(at), jeton_tsp::store::utc(not_before));
                tr!(
                    lang,
                    "certificate {serial}: a revocation cannot be dated {at}, before the certificate was valid (notBefore {not_before})",
                    "certificat {serial} : une révocation ne peut pas être datée du {at}, avant le début de validité du certificat (notBefore {not_before})"
                )
            }
            CliError::Store(jeton_tsp::StoreError::RevocationInPast { serial, at, now }) => {
                let (at, now) = (jeton_tsp::store::utc(at), jeton_tsp::store::utc(now));
                tr!(
                    lang,
                    "certificate {serial}: a revocation cannot be dated {at}, in the past (now {now}): the revocation date is when the provider processes it (RFC 5280); give a suspected earlier compromise with --invalidity-date",
                    "certificat {serial} : une révocation ne peut pas être datée du {at}, dans le passé (il est {now}) : la date de révocation est celle où le prestataire la traite (RFC 5280) ; donnez une compromission antérieure présumée avec --invalidity-date"
                )
            }
            CliError::Store(jeton_tsp::StoreError::InvalidityDateInFuture { serial, date, now }) => {
                let (date, now) = (jeton_tsp::store::utc(date), jeton_tsp::store::utc(now));
                tr!(
                    lang,
                    "certificate {serial}: the invalidity date {date} is in the future (now {now}): it is when the key is known or suspected to have been compromised",
                    "certificat {serial} : la date d'invalidité {date} est dans le futur (il est {now}) : c'est le moment où la clé est réputée ou soupçonnée compromise"
                )
            }
            CliError::Store(error) => tr!(lang, "provider storage: {error}", "base du prestataire : {error}"),
            CliError::Config(error) => tr!(lang, "{error}", "configuration du prestataire : {error}"),
            CliError::Runtime(error) => tr!(lang, "cannot start: {error}", "démarrage impossible : {error}"),
            CliError::Server(jeton_tsp::server::ServerError::Listen { address, error }) => {
                let error = io_error(error, lang);
                tr!(
                    lang,
                    "server: cannot listen on {address}: {error}",
                    "serveur : impossible d'écouter sur {address} : {error}"
                )
            }
            CliError::Server(jeton_tsp::server::ServerError::Config(
                jeton_tsp::server::ConfigError::OutOfRange { setting, value, min, max },
            )) => tr!(
                lang,
                "server setting `{setting}` = {value} is outside its range {min} to {max}",
                "le réglage serveur `{setting}` = {value} sort de son intervalle, de {min} à {max}"
            ),
            CliError::Server(error) => tr!(lang, "server: {error}", "serveur : {error}"),
            CliError::BadTime(text) => tr!(
                lang,
                "{text:?} is not a time: use 2026-12-31, 2026-12-31T18:00:00Z (UTC) or @UNIXTIME",
                "{text:?} n'est pas une date : utilisez 2026-12-31, 2026-12-31T18:00:00Z (UTC) ou @UNIXTIME"
            ),
            CliError::BadSerial(error) => {
                let text = &error.0;
                tr!(
                    lang,
                    "{error}",
                    "{text:?} n'est pas un numéro de série : donnez-le en hexadécimal, comme l'affiche `openssl x509 -noout -serial`"
                )
            }
            CliError::UnknownReason(error) => {
                let text = &error.0;
                tr!(
                    lang,
                    "{error}",
                    "motif de révocation {text:?} inconnu : unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation, privilege-withdrawn, aa-compromise"
                )
            }
            CliError::NotAPublicKey(path) => {
                let path = path.display();
                tr!(
                    lang,
                    "{path}: not a public key in PEM",
                    "{path} : ce n'est pas une clé publique PEM"
                )
            }
            CliError::AuditLogTampered(findings) => {
                let list: Vec<String> = findings.iter().map(|f| finding(f, lang)).collect();
                let list = list.join("\n  ");
                tr!(
                    lang,
                    "the audit log was tampered with:\n  {list}",
                    "le journal d'audit a été altéré :\n  {list}"
                )
            }
        }
    }
}

/// The card file's errors. Nothing is repaired or reset silently: a damaged card is the
/// holder's identity, so the way out is a backup or a new card.
fn card_error(error: &CardError, lang: Lang) -> String {
    match error {
        CardError::State { path, source } => {
            let path = path.display();
            match source {
                StateError::Foreign => tr!(
                    lang,
                    "{path} is not a Jeton card file: nothing was changed",
                    "{path} n'est pas un fichier de carte Jeton : rien n'a été modifié"
                ),
                StateError::NewerFormat(version) => tr!(
                    lang,
                    "{path} was written by a newer Jeton (format {version}): update Jeton to use this card",
                    "{path} a été écrit par un Jeton plus récent (format {version}) : mettez Jeton à jour pour utiliser cette carte"
                ),
                StateError::Corrupt => tr!(
                    lang,
                    "the card's file cannot be used: {path} is truncated or corrupt. It was left as it is: restore it from a backup, or order a new certificate",
                    "le fichier de la carte est inutilisable : {path} est tronqué ou corrompu. Il a été laissé tel quel : restaurez-le depuis une sauvegarde, ou commandez un nouveau certificat"
                ),
            }
        }
        CardError::NotFound(path) => {
            let path = path.display();
            tr!(
                lang,
                "no card file at {path}: see `jeton card list`",
                "aucun fichier de carte à {path} : voyez `jeton card list`"
            )
        }
        CardError::AlreadyExists(path) => {
            let path = path.display();
            tr!(
                lang,
                "a card already exists at {path}",
                "une carte existe déjà à {path}"
            )
        }
        CardError::Io { path, source } => {
            let path = path.display();
            let source = io_error(source, lang);
            tr!(
                lang,
                "the card's file cannot be used: {path}: {source}",
                "le fichier de la carte est inutilisable : {path} : {source}"
            )
        }
        CardError::DeviceKeyMissing(path) | CardError::DeviceKeyCorrupt(path) => {
            let path = path.display();
            tr!(
                lang,
                "the cards of this folder cannot be opened: their device key {path} is missing or damaged; restore it from a backup",
                "les cartes de ce dossier ne peuvent être ouvertes : leur clé d'appareil {path} est absente ou endommagée ; restaurez-la depuis une sauvegarde"
            )
        }
        CardError::InvalidPersonalisation(why) => tr!(
            lang,
            "the card cannot be made: {why}",
            "la carte ne peut pas être fabriquée : {why}"
        ),
        other => tr!(
            lang,
            "the card's file cannot be used: {other}",
            "le fichier de la carte est inutilisable : {other}"
        ),
    }
}

/// The PIV client's errors, matched by variant so that each says what to do next.
pub fn piv_error(error: &PivError, lang: Lang) -> String {
    match error {
        PivError::WrongPin { tries_left: 0 } | PivError::PinBlocked => tr!(
            lang,
            "PIN blocked after too many wrong tries: ask support for the unblock code, then run `jeton pin unblock`",
            "PIN bloqué après trop d'essais erronés : demandez le code de déblocage au support, puis lancez `jeton pin unblock`"
        ),
        PivError::WrongPin { tries_left: left } => {
            let left = tries_left(*left, lang);
            tr!(
                lang,
                "wrong PIN: {left} before it is blocked",
                "PIN erroné : {left} avant blocage"
            )
        }
        PivError::WrongPuk { tries_left: 0 } | PivError::PukBlocked => tr!(
            lang,
            "unblock code (PUK) blocked: the PIN can no longer be unblocked; if it is blocked too, a new certificate must be ordered",
            "code de déblocage (PUK) bloqué : le PIN ne peut plus être débloqué ; s'il est bloqué lui aussi, il faut commander un nouveau certificat"
        ),
        PivError::WrongPuk { tries_left: left } => {
            let left = tries_left(*left, lang);
            tr!(
                lang,
                "wrong unblock code (PUK): {left}, then the card is blocked for good",
                "code de déblocage (PUK) erroné : {left}, ensuite la carte sera bloquée définitivement"
            )
        }
        PivError::CardDead => tr!(
            lang,
            "PIN and unblock code are both blocked: the certificate is blocked for good and a new one must be ordered",
            "PIN et code de déblocage sont bloqués : le certificat est bloqué définitivement, il faut en commander un nouveau"
        ),
        PivError::TemporaryPin => tr!(
            lang,
            "the PIN received by SMS is temporary: run `jeton pin change` first",
            "le PIN reçu par SMS est temporaire : lancez d'abord `jeton pin change`"
        ),
        PivError::PinRequired => tr!(
            lang,
            "the card wants the PIN first",
            "la carte demande d'abord le PIN"
        ),
        PivError::RejectedByPolicy => tr!(
            lang,
            "the card refused the new value: a PIN has 6 to 8 characters, an unblock code exactly 8",
            "la carte a refusé la nouvelle valeur : un PIN a 6 à 8 caractères, un code de déblocage exactement 8"
        ),
        PivError::ManagementKeyRequired => tr!(
            lang,
            "this needs the management key first",
            "il faut d'abord la clé d'administration"
        ),
        PivError::ManagementKeyRejected => tr!(
            lang,
            "wrong management key: nothing was changed (an empty line means the factory key)",
            "clé d'administration erronée : rien n'a été changé (une ligne vide signifie la clé d'usine)"
        ),
        PivError::CardAuthenticationFailed => tr!(
            lang,
            "the card did not prove it knows the management key: it may not be your card",
            "la carte n'a pas prouvé qu'elle connaît la clé d'administration : ce n'est peut-être pas votre carte"
        ),
        PivError::ResetRefused => tr!(
            lang,
            "the card can be reset only once the PIN and the unblock code are both blocked",
            "la carte ne peut être réinitialisée que lorsque le PIN et le code de déblocage sont tous deux bloqués"
        ),
        PivError::InvalidPinFormat => tr!(
            lang,
            "a PIN has 6 to 8 characters (letters, digits or symbols, no spaces): nothing was sent to the card",
            "un PIN a 6 à 8 caractères (lettres, chiffres ou symboles, sans espace) : rien n'a été envoyé à la carte"
        ),
        PivError::InvalidPukFormat => tr!(
            lang,
            "an unblock code (PUK) has exactly 8 characters: nothing was sent to the card",
            "un code de déblocage (PUK) a exactement 8 caractères : rien n'a été envoyé à la carte"
        ),
        PivError::InvalidManagementKey(why) => tr!(
            lang,
            "invalid management key: {why}",
            "clé d'administration invalide : {why}"
        ),
        PivError::InvalidSlot(slot) => tr!(
            lang,
            "unknown slot {slot:?}: use 9a (authentication), 9c (signature), 9d, 9e, or 82 to 95",
            "emplacement inconnu {slot:?} : utilisez 9a (authentification), 9c (signature), 9d, 9e, ou 82 à 95"
        ),
        PivError::InvalidAlgorithm(alg) => tr!(
            lang,
            "unknown key algorithm {alg:?}: use p256, p384, rsa2048, rsa3072 or rsa4096",
            "algorithme de clé inconnu {alg:?} : utilisez p256, p384, rsa2048, rsa3072 ou rsa4096"
        ),
        PivError::NotFound => tr!(lang, "not found on the card", "introuvable sur la carte"),
        PivError::NoKeyInSlot => tr!(
            lang,
            "no key in this slot: generate one with `jeton key generate`",
            "pas de clé dans cet emplacement : générez-en une avec `jeton key generate`"
        ),
        PivError::ObjectTooLarge => tr!(
            lang,
            "too large for the card: nothing was stored",
            "trop grand pour la carte : rien n'a été enregistré"
        ),
        PivError::CompressedCertificate => tr!(
            lang,
            "the certificate on the card is compressed, which Jeton does not read: import it again uncompressed",
            "le certificat de la carte est compressé, ce que Jeton ne lit pas : importez-le à nouveau sans compression"
        ),
        PivError::ConditionsNotSatisfied
        | PivError::InvalidData
        | PivError::IncorrectParameters
        | PivError::ReferenceNotFound
        | PivError::WrongLength
        | PivError::UnsupportedInstruction
        | PivError::UnsupportedClass
        | PivError::UnexpectedStatus(_)
        | PivError::MalformedResponse(_) => tr!(
            lang,
            "the card refused the command ({error}); if it keeps happening, report it to support",
            "la carte a refusé la commande ({error}) ; si cela se reproduit, signalez-le au support"
        ),
        PivError::Crypto(stack) => tr!(
            lang,
            "cryptographic library error: {stack}",
            "erreur de la bibliothèque cryptographique : {stack}"
        ),
        PivError::Transport(TransportError::NoReader { wanted, available }) => {
            let list = if available.is_empty() {
                tr!(lang, "none", "aucun")
            } else {
                available.join(", ")
            };
            tr!(
                lang,
                "no smart-card reader's name contains {wanted:?} (readers: {list})",
                "aucun lecteur de cartes ne contient {wanted:?} dans son nom (lecteurs : {list})"
            )
        }
        PivError::Transport(TransportError::NoCard(reader)) => tr!(
            lang,
            "no card in the reader {reader:?}: insert it and try again",
            "pas de carte dans le lecteur {reader:?} : insérez-la et recommencez"
        ),
        PivError::Transport(TransportError::NoService(why)) => tr!(
            lang,
            "the smart-card service is not available ({why}): start pcscd",
            "le service des cartes à puce n'est pas disponible ({why}) : démarrez pcscd"
        ),
        PivError::Transport(TransportError::NotPiv(reader)) => tr!(
            lang,
            "the card in the reader {reader:?} is not a PIV card: Jeton cannot use it",
            "la carte du lecteur {reader:?} n'est pas une carte PIV : Jeton ne peut pas l'utiliser"
        ),
        PivError::Transport(error) => tr!(
            lang,
            "the card is not answering: {error}",
            "la carte ne répond pas : {error}"
        ),
        // Variants added to jeton-piv later: its own (English) words until translated here.
        other => tr!(lang, "card error: {other}", "erreur de la carte : {other}"),
    }
}

/// One fault of the audit log, in words.
pub fn finding(f: &jeton_tsp::audit::Finding, lang: Lang) -> String {
    use jeton_tsp::audit::Finding;
    match *f {
        Finding::Changed { seq } => tr!(
            lang,
            "entry {seq} was changed: its content no longer matches its hash",
            "l'entrée {seq} a été modifiée : son contenu ne correspond plus à son empreinte"
        ),
        Finding::Rewritten { seq } => tr!(
            lang,
            "entry {seq} was changed and its hash recomputed: the next link or its signed head no longer matches",
            "l'entrée {seq} a été modifiée et son empreinte recalculée : le lien suivant ou sa tête signée ne correspond plus"
        ),
        Finding::BadSignature { seq } => tr!(
            lang,
            "entry {seq}: the audit key's signature does not verify",
            "entrée {seq} : la signature de la clé d'audit n'est pas valide"
        ),
        Finding::Removed { from, to } if from == to => tr!(
            lang,
            "entry {from} was removed",
            "l'entrée {from} a été supprimée"
        ),
        Finding::Removed { from, to } => tr!(
            lang,
            "entries {from} to {to} were removed",
            "les entrées {from} à {to} ont été supprimées"
        ),
        Finding::Inserted { seq } => tr!(
            lang,
            "entry {seq} was inserted: the chain links around it",
            "l'entrée {seq} a été insérée : la chaîne passe à côté d'elle"
        ),
        Finding::Reordered { seq, follows } => tr!(
            lang,
            "entry {seq} was moved: it was written right after entry {follows}",
            "l'entrée {seq} a été déplacée : elle a été écrite juste après l'entrée {follows}"
        ),
        Finding::Broken { seq } => tr!(
            lang,
            "the chain is broken before entry {seq}",
            "la chaîne est rompue avant l'entrée {seq}"
        ),
        Finding::CertificateUnlogged { ref ca, ref serial } => tr!(
            lang,
            "certificate {serial} of {ca} is in the database but no issuance entry records it",
            "le certificat {serial} de {ca} est dans la base mais aucune entrée d'émission ne l'enregistre"
        ),
        Finding::CertificateDeleted { ref ca, ref serial } => tr!(
            lang,
            "certificate {serial} of {ca}, issued according to the log, was deleted from the database",
            "le certificat {serial} de {ca}, émis selon le journal, a été supprimé de la base"
        ),
        Finding::CertificateEdited { ref ca, ref serial } => tr!(
            lang,
            "certificate {serial} of {ca} in the database is not the one the log records",
            "le certificat {serial} de {ca} dans la base n'est pas celui qu'enregistre le journal"
        ),
        Finding::RevocationUnlogged { ref ca, ref serial } => tr!(
            lang,
            "the revocation of certificate {serial} of {ca} is in the database but no entry records it",
            "la révocation du certificat {serial} de {ca} est dans la base mais aucune entrée ne l'enregistre"
        ),
        Finding::RevocationDeleted { ref ca, ref serial, ref reason, revoked_at } => {
            let at = crate::commands::ca::show_time(jeton_tsp::store::time_of(revoked_at));
            tr!(
                lang,
                "the revocation of certificate {serial} of {ca} ({reason}, from {at}) was deleted from the database: it now looks good",
                "la révocation du certificat {serial} de {ca} ({reason}, à partir du {at}) a été supprimée de la base : il paraît valide"
            )
        }
        Finding::RevocationEdited { ref ca, ref serial, ref field, ref logged, ref stored } => tr!(
            lang,
            "the revocation of certificate {serial} of {ca} was edited: {field} is {stored} in the database, {logged} in the log",
            "la révocation du certificat {serial} de {ca} a été modifiée : {field} vaut {stored} dans la base, {logged} dans le journal"
        ),
        Finding::CutBelowArchivedHead { from, to } => tr!(
            lang,
            "entries {from} to {to} are missing from the database, though an archived signed head covers them: the log's tail was cut",
            "les entrées {from} à {to} manquent dans la base alors qu'une tête signée archivée les couvre : la fin du journal a été coupée"
        ),
        Finding::ArchivedHeadMismatch { seq } => tr!(
            lang,
            "entry {seq} is not the one the archived signed head at that position covers",
            "l'entrée {seq} n'est pas celle que couvre la tête signée archivée à cette position"
        ),
        Finding::BadArchivedHead { line } => tr!(
            lang,
            "line {line} of the heads archive is not a head signed by the audit key",
            "la ligne {line} de l'archive des têtes n'est pas une tête signée par la clé d'audit"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_locales_choose_french() {
        assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Lang::Fr);
        assert_eq!(Lang::from_locale("fr"), Lang::Fr);
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
    }

    #[test]
    fn errors_say_what_to_do_next_in_both_languages() {
        let blocked = CliError::Piv(PivError::PinBlocked);
        assert!(blocked.text(Lang::En).contains("jeton pin unblock"));
        assert!(blocked.text(Lang::Fr).contains("jeton pin unblock"));
        assert!(CliError::Piv(PivError::CardDead)
            .text(Lang::Fr)
            .contains("nouveau"));
        assert!(CliError::Piv(PivError::TemporaryPin)
            .text(Lang::En)
            .contains("jeton pin change"));
    }
}
