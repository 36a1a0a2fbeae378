//! `--help` and clap's own errors in the holder's language. The English words are the doc
//! comments of `cli`; the French ones are here, keyed by the command's path and the
//! argument's id, with one worked example per holder command in both languages.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory};

use crate::cli::Cli;
use crate::i18n::{piv_error, Lang};

/// `--lang fr` or `--lang=fr` anywhere on the line, read before clap so that clap's help
/// and errors can be in that language too.
pub fn lang_in_args(args: &[OsString]) -> Option<Lang> {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.iter().enumerate().find_map(|(i, arg)| {
        let value = match arg.strip_prefix("--lang") {
            Some("") => args.get(i + 1).copied()?,
            Some(rest) => rest.strip_prefix('=')?,
            None => return None,
        };
        match value {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    })
}

/// The command line, parsed with the help and errors in `lang`; on a bad command line the
/// error is printed here and the exit status (2; 0 for --help and --version) returned.
pub fn parse(mut args: Vec<OsString>, lang: Lang) -> Result<Cli, ExitCode> {
    let mut command = localise(Cli::command(), lang, "");
    if lang == Lang::Fr {
        // `jeton help pin change`, which the French command line has no subcommand for.
        if args.get(1).is_some_and(|a| a == "help") {
            args.remove(1);
            args.push("--help".into());
        }
    }
    let matches = match command.try_get_matches_from_mut(args) {
        Ok(matches) => matches,
        Err(error) => return Err(report(error, lang)),
    };
    use clap::FromArgMatches;
    Cli::from_arg_matches(&matches).map_err(|error| report(error, lang))
}

fn report(error: clap::Error, lang: Lang) -> ExitCode {
    let code = error.exit_code();
    let help_or_version = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if lang == Lang::En || help_or_version {
        let _ = error.print();
    } else {
        let _ = write!(std::io::stderr(), "{}", french_error(&error));
    }
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

fn context(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(list)) => list.join(", "),
        Some(ContextValue::StyledStr(text)) => text.to_string(),
        Some(ContextValue::StyledStrs(list)) => list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// clap's errors, in whole French sentences, with the usage line and where to read more.
fn french_error(error: &clap::Error) -> String {
    let arg = context(error, ContextKind::InvalidArg);
    let value = context(error, ContextKind::InvalidValue);
    let valid = context(error, ContextKind::ValidValue);
    let mut text = match error.kind() {
        ErrorKind::ValueValidation => {
            use std::error::Error as _;
            let why = error
                .source()
                .and_then(|source| source.downcast_ref::<jeton_piv::Error>())
                .map(|piv| piv_error(piv, Lang::Fr))
                .unwrap_or_else(|| format!("valeur « {value} » invalide"));
            format!("{arg} : {why}")
        }
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("{arg} attend une valeur : {valid}")
        }
        ErrorKind::InvalidValue => {
            format!(
                "« {value} » n'est pas une valeur possible de {arg} (valeurs possibles : {valid})"
            )
        }
        ErrorKind::UnknownArgument => format!("l'option « {arg} » n'existe pas ici"),
        ErrorKind::InvalidSubcommand => {
            let name = context(error, ContextKind::InvalidSubcommand);
            format!("la commande « {name} » n'existe pas")
        }
        ErrorKind::ArgumentConflict => {
            let prior = context(error, ContextKind::PriorArg);
            if prior.is_empty() {
                format!("{arg} ne peut pas être donné deux fois")
            } else {
                format!("{arg} et {prior} ne peuvent pas être donnés ensemble")
            }
        }
        ErrorKind::MissingRequiredArgument => format!("il manque {arg}"),
        ErrorKind::MissingSubcommand => {
            let name = context(error, ContextKind::InvalidSubcommand);
            format!("il manque la commande après « {name} »")
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("mauvais nombre de valeurs pour {arg}")
        }
        ErrorKind::InvalidUtf8 => "un argument n'est pas de l'UTF-8 valide".into(),
        ErrorKind::NoEquals => format!("{arg} s'écrit avec un signe égal : {arg}=VALEUR"),
        _ => "ligne de commande invalide".into(),
    };
    for (kind, label) in [
        (ContextKind::SuggestedArg, "l'option"),
        (ContextKind::SuggestedSubcommand, "la commande"),
        (ContextKind::SuggestedValue, "la valeur"),
    ] {
        let suggestion = context(error, kind);
        if !suggestion.is_empty() {
            text.push_str(&format!(" (vouliez-vous dire {label} « {suggestion} » ?)"));
        }
    }
    let usage = context(error, ContextKind::Usage);
    let usage = usage.trim().strip_prefix("Usage:").unwrap_or(&usage).trim();
    let usage = if usage.is_empty() {
        String::new()
    } else {
        format!("\n\nUtilisation : {usage}")
    };
    format!("erreur : {text}{usage}\n\nPour en savoir plus, essayez « --help ».\n")
}

/// The words of one command and, below it, of its subcommands.
/// `parent` is the path of the command above ("" for `jeton` itself, "jeton" for its
/// subcommands); the path of `card create` is "card create".
fn localise(mut command: clap::Command, lang: Lang, parent: &str) -> clap::Command {
    let path = match parent {
        "" => "jeton".to_owned(),
        "jeton" => command.get_name().to_owned(),
        parent => format!("{parent} {}", command.get_name()),
    };
    if let Some(example) = example(&path, lang) {
        command = command.after_help(example);
    }
    if lang == Lang::Fr {
        if let Some(about) = french_about(&path) {
            command = command.about(about).long_about(None::<&str>);
        }
        let key = path.clone();
        command = command.mut_args(|arg| {
            let arg = match french_arg(&key, arg.get_id().as_str()) {
                Some(help) => arg.help(help).long_help(None::<&str>),
                None => arg,
            };
            let arg = match arg.get_value_names().and_then(|names| names.first()) {
                Some(name) => match name.as_str() {
                    "SERIAL" => arg.value_name("NUMÉRO"),
                    "FILE" => arg.value_name("FICHIER"),
                    "NAME" => arg.value_name("NOM"),
                    "SLOT" => arg.value_name("EMPLACEMENT"),
                    "LANG" => arg.value_name("LANGUE"),
                    "SECONDS" => arg.value_name("SECONDES"),
                    "TIME" => arg.value_name("DATE"),
                    "REASON" => arg.value_name("MOTIF"),
                    _ => arg,
                },
                None => arg,
            };
            // clap's "[possible values: …]" and "[default: …]" are English: the French help
            // says them itself.
            let arg = if arg.get_action().takes_values() {
                arg.hide_possible_values(true).hide_default_value(true)
            } else {
                arg
            };
            let heading = if arg.is_positional() {
                "Arguments "
            } else {
                "Options "
            };
            arg.help_heading(heading)
        });
        command = command
            .disable_help_flag(true)
            .disable_help_subcommand(true)
            .subcommand_help_heading("Commandes ")
            .subcommand_value_name("COMMANDE")
            .help_template(
                "{before-help}{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}",
            )
            .arg(
                Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(ArgAction::Help)
                    .help("Affiche cette aide")
                    .help_heading("Options "),
            );
        if parent.is_empty() {
            command = command.disable_version_flag(true).arg(
                Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(ArgAction::Version)
                    .help("Affiche la version")
                    .help_heading("Options "),
            );
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let parent = path.clone();
        command = command.mut_subcommand(&name, |sub| localise(sub, lang, &parent));
    }
    command
}

fn french_about(path: &str) -> Option<&'static str> {
    Some(match path {
        "jeton" => "L'interface de sécurité du titulaire pour les cartes Jeton : PIN, code de déblocage, clés, certificats.\n\nLes secrets (PIN, PUK, clé d'administration) ne sont jamais pris sur la ligne de commande : ils sont demandés sans écho sur un terminal, lus un par ligne sur l'entrée standard sinon, ou sur le descripteur donné par --secret-fd.",
        "card" => "Créer, lister, supprimer ou réinitialiser des cartes virtuelles, ou les servir aux lecteurs PC/SC",
        "card create" => "Créer une carte virtuelle : sans option, telle qu'elle sort d'usine (PIN 123456, PUK 12345678, clé d'administration 3DES par défaut)",
        "card list" => "Lister les cartes virtuelles",
        "card delete" => "Supprimer une carte virtuelle et tout ce qu'elle contient, après avoir dit ce qui sera perdu",
        "card backup" => "Écrire une archive d'une carte virtuelle et de la clé d'appareil de son dossier, sans laquelle le fichier de la carte ne s'ouvre pas (refusé si FICHIER existe ; privée à son propriétaire)",
        "card restore" => "Remettre en place une carte depuis une archive de `jeton card backup` ; demande avant de remplacer une carte de même numéro",
        "card reset" => "Réinitialiser une carte hors service (PIN et PUK bloqués) : détruit ses clés et certificats",
        "card serve" => "Mettre des cartes virtuelles dans des lecteurs PC/SC par le pilote vpcd de pcscd, jusqu'à Ctrl-C",
        "status" => "Afficher le numéro de la carte, les essais du PIN et du PUK, les clés et les certificats",
        "pin" => "Vérifier, changer ou débloquer le PIN",
        "pin verify" => "Vérifier le PIN et afficher les essais restants",
        "pin change" => "Changer le PIN : ancien PIN, nouveau PIN, confirmation",
        "pin unblock" => "Fixer un nouveau PIN avec le code de déblocage (PUK) du support : code, nouveau PIN, confirmation",
        "puk" => "Changer le code de déblocage (PUK)",
        "puk change" => "Changer le code de déblocage : ancien PUK, nouveau PUK, confirmation",
        "mgmt-key" => "Changer la clé d'administration qui protège la génération de clés et l'import de certificats",
        "mgmt-key change" => "Changer la clé d'administration : clé actuelle, nouvelle clé, confirmation (hexadécimal)",
        "key" => "Générer une paire de clés dans un emplacement, ou signer un fichier avec",
        "key generate" => "Générer une paire de clés sur la carte ; affiche la clé publique (PEM). Sur un emplacement dont la clé a un certificat, demande d'abord et retire ce certificat",
        "key sign" => "Signer l'empreinte SHA-256 d'un fichier (ECDSA : DER ; RSA : PKCS#1 v1.5)",
        "cert" => "Importer ou exporter le certificat d'un emplacement",
        "cert import" => "Enregistrer un certificat (PEM ou DER) dans un emplacement ; il doit correspondre à la clé de l'emplacement",
        "cert export" => "Écrire le certificat d'un emplacement (PEM)",
        "pkcs11" => "Le module PKCS#11 par lequel les applications utilisent la carte",
        "pkcs11 path" => "Afficher le chemin absolu du module, à donner à Firefox, modutil, ssh ou pyHanko",
        "ca" => "L'autorité de certification du prestataire : mise en place, émission, révocation, LCR",
        "ca init" => "Mettre le prestataire en place : clés et certificats de l'AC racine, de l'AC émettrice, du répondeur OCSP et de l'horodatage, et la clé d'audit. Les clés vont dans des fichiers (PKCS#8 chiffré par scrypt), chacune avec sa propre phrase secrète (lues comme des secrets, chaque nouvelle puis sa confirmation : root, issuing, ocsp, tsa, audit), ou sur un jeton PKCS#11 avec --pkcs11 (son PIN lu pour chaque rôle). La clé racine peut rester hors ligne : --root-dir ou --root-pkcs11",
        "ca issue" => "Émettre le certificat d'un titulaire à partir d'une CSR ou d'une clé publique",
        "ca revoke" => "Révoquer un certificat, maintenant ou à partir d'une date ultérieure ; il n'est jamais rétabli",
        "ca list" => "Lister les AC et les certificats émis, avec leur statut",
        "ca crl" => "Signer et enregistrer une nouvelle LCR, et l'écrire (PEM)",
        "audit verify" => "Vérifier la chaîne d'empreintes et les signatures du journal d'audit, les certificats et révocations par rapport à lui, et le journal par rapport aux têtes signées archivées ; nommer toute entrée ou tout enregistrement modifié, supprimé, inséré ou déplacé",
        "audit" => "Le journal d'audit du prestataire",
        "server" => "Les services de statut du prestataire en HTTP : OCSP, LCR, certificats d'AC, horodatage",
        "demo" => "Dérouler l'histoire du guide de première utilisation sur une carte virtuelle neuve, pas à pas",
        "bench" => "Mesurer les signatures par seconde de la carte face à OpenSSL avec la même clé",
        _ => return None,
    })
}

fn french_arg(path: &str, id: &str) -> Option<&'static str> {
    Some(match (path, id) {
        ("card create", "serial") => "Numéro de série (par défaut : tiré au hasard)",
        ("card create", "custom_pin") => "Lire le PIN comme un secret au lieu d'utiliser 123456",
        ("card create", "custom_puk") => "Lire le PUK comme un secret au lieu d'utiliser 12345678",
        ("card create", "custom_mgmt_key") => "Lire la clé d'administration (hexadécimal) comme un secret au lieu d'utiliser celle par défaut",
        ("card create", "mgmt_alg") => "Algorithme de la clé d'administration choisie : 3des, aes128, aes192 ou aes256 (par défaut : 3des)",
        ("card create", "random") => "Tirer au hasard le PIN, le PUK et une clé d'administration AES-256, et les afficher une fois",
        ("card create", "allow_weak_pins") => "Laisser la carte accepter les nouveaux PIN triviaux (123456, un seul caractère répété, une suite). Par défaut elle les refuse, quel que soit le demandeur, sauf si son propre PIN en est un qui n'est pas temporaire (la carte d'usine)",
        ("card create", "temporary_pin") => "Marquer le PIN comme temporaire : la carte ne signe rien tant qu'il n'a pas été changé",
        ("card serve", "cards") => "Une carte à servir ; à répéter pour plusieurs (par défaut : la seule carte)",
        ("card serve", "vpcd") => "L'adresse de vpcd pour chaque carte, dans l'ordre des --card (par défaut : 127.0.0.1:35963, puis 35964)",
        ("card serve", "verbose") => "Journaliser l'instruction, le mot d'état et la durée de chaque APDU (jamais ses données) ; aussi JETON_LOG=debug",
        ("mgmt-key change", "alg") => "Algorithme de la nouvelle clé : 3des, aes128, aes192 ou aes256 (par défaut : aes256)",
        ("key generate", "slot") => "L'emplacement : 9a (authentification), 9c (signature), 9d (chiffrement), 9e (authentification de la carte), ou 82 à 95 (clés archivées)",
        ("key generate", "alg") => "L'algorithme de la clé : p256, p384, rsa2048, rsa3072 ou rsa4096",
        ("key generate", "out") => "Écrire la clé publique dans ce fichier au lieu de la sortie standard",
        ("key sign", "slot") => "L'emplacement dont la clé signe : 9c pour une signature qualifiée, 9a pour s'authentifier",
        ("key sign", "input") => "Le fichier à signer (lu au fil de l'eau, quelle que soit sa taille)",
        ("key sign", "out") => "Écrire la signature dans ce fichier au lieu de la sortie standard (qui ne doit alors pas être un terminal)",
        ("cert import", "slot") => "L'emplacement auquel le certificat est destiné : 9a, 9c, 9d, 9e ou 82 à 95",
        ("cert import", "file") => "Le fichier du certificat, PEM ou DER",
        ("cert export", "slot") => "L'emplacement dont écrire le certificat : 9a, 9c, 9d, 9e ou 82 à 95",
        ("cert export", "out") => "Écrire le certificat dans ce fichier au lieu de la sortie standard",
        ("card backup", "serial") => "Numéro de série de la carte (par défaut : la seule carte)",
        ("card backup", "file") => "L'archive à écrire",
        ("card restore", "file") => "L'archive à lire",
        ("card delete", "serial") => "Numéro de série de la carte à supprimer",
        (_, "config") => "La configuration du prestataire (par défaut : $JETON_HOME/provider.toml)",
        (_, "operator") => "Qui agit, tel que le journal d'audit l'enregistre (par défaut : $USER)",
        ("ca init", "pkcs11") => "Un jeton pour les clés : pkcs11:token=LIBELLÉ?module-path=/chemin/du/module.so",
        ("ca init", "root_pkcs11") => "Un jeton pour la seule clé racine (gardée hors ligne), au lieu de --root-dir",
        (_, "root_dir") => "Le dossier de la clé racine hors ligne : où `ca init` écrit root.key.pem (un dossier qui n'est pas celui du serveur, comme un support amovible), et où les commandes qui signent avec la racine (`ca crl --ca root`) la trouvent, s'il est monté ailleurs qu'à la mise en place",
        (_, "passphrase_files") => "Lire le secret de la clé de RÔLE (root, issuing, ocsp, tsa ou audit : la phrase secrète de son fichier, ou le PIN du jeton qui la porte) sur la première ligne de FICHIER ; à répéter pour chaque rôle. Les rôles sans fichier sont demandés au terminal, ou lus un par ligne sur l'entrée standard (ou --secret-fd) dans l'ordre root, issuing, ocsp, tsa, audit : seulement ceux dont la commande a besoin. Les fichiers des rôles dont la commande n'a pas besoin ne sont pas lus",
        ("ca issue", "profile") => "qualified-signing (emplacement 9C), authentication (9A), ocsp-responder ou tsa",
        ("ca issue", "csr") => "La requête PKCS#10 (PEM ou DER)",
        ("ca issue", "public_key") => "La clé publique du sujet (PEM ou DER), par exemple celle de `jeton key generate --slot 9c`",
        ("ca issue", "subject") => "C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-…,CN=Jeanne Dupont[,O=…,organizationIdentifier=…]",
        ("ca issue", "days") => "Validité en jours (par défaut : le maximum du profil)",
        ("ca issue" | "ca revoke", "ca") => "L'AC émettrice (par défaut : issuing)",
        ("ca crl", "ca") => "L'AC dont signer la LCR (par défaut : issuing)",
        ("ca issue", "out") => "Écrire le certificat (PEM) dans ce fichier au lieu de la sortie standard",
        ("ca crl", "out") => "Écrire la LCR dans ce fichier au lieu de la sortie standard",
        ("ca crl", "next_update_hours") => "Heures avant la prochaine LCR, de 1 à 168 (une semaine ; par défaut : 24)",
        ("ca revoke", "serial") => "Le numéro de série en hexadécimal (tel que l'affiche `openssl x509 -noout -serial`)",
        ("ca revoke", "reason") => "unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation, privilege-withdrawn, aa-compromise",
        ("ca revoke", "at") => "À partir de quand : 2026-12-31, 2026-12-31T18:00:00Z ou @HEUREUNIX (par défaut : maintenant)",
        ("ca revoke", "invalidity_date") => "Quand la clé a été compromise, si c'est plus tôt",
        ("audit verify", "heads") => "Les têtes signées archivées auxquelles comparer le journal (par défaut : audit-heads.log du prestataire, s'il existe)",
        ("server", "listen") => "Adresse ou nom d'hôte et port d'écoute, par exemple localhost:8080 (port 0 : n'importe quel port libre), au lieu de celui de la configuration",
        ("bench", "seconds") => "Secondes par mesure, chacune répétée en tours alternés (par défaut : 1)",
        ("bench", "report_only") => "Afficher les chiffres sans les juger (pour un essai rapide sur une version de débogage)",
        (_, "lang") => "Langue des messages, en ou fr (par défaut : d'après LC_ALL, LC_MESSAGES ou LANG)",
        (_, "serial") => "Numéro de série de la carte virtuelle (par défaut : la seule carte)",
        (_, "reader") => "Utiliser la carte PIV du lecteur PC/SC dont le nom contient NOM (sans distinguer les majuscules), au lieu d'une carte virtuelle. Demande une version compilée avec la fonction `pcsc`",
        (_, "secret_fd") => "Lire les secrets, un par ligne, sur ce descripteur de fichier au lieu du terminal ou de l'entrée standard",
        (_, "yes") => "Le faire sans demander (pour les scripts) : ce qui est perdu est perdu",
        (_, "json") => "Afficher le résultat en JSON, avec des codes stables",
        (_, "numeric") => "Le nouveau PIN n'a que des chiffres",
        (_, "alphanumeric") => "Le nouveau PIN a des lettres et des chiffres",
        _ => return None,
    })
}

/// One worked example per holder command, in the holder's language.
fn example(path: &str, lang: Lang) -> Option<&'static str> {
    let (en, fr) = match path {
        "card create" => (
            "Example, a card as the provider hands it over (PIN and PUK typed twice each):\n  jeton card create --temporary-pin --custom-pin --custom-puk",
            "Exemple, une carte telle que le prestataire la remet (PIN et PUK tapés deux fois chacun) :\n  jeton card create --temporary-pin --custom-pin --custom-puk",
        ),
        "card list" => ("Example:\n  jeton card list --json", "Exemple :\n  jeton card list --json"),
        "card delete" => (
            "Example, from a script (no question asked):\n  jeton card delete 12345678 --yes",
            "Exemple, depuis un script (sans question) :\n  jeton card delete 12345678 --yes",
        ),
        "card backup" => (
            "Example, to a USB stick:\n  jeton card backup --card 12345678 /media/usb/card-12345678.jeton",
            "Exemple, sur une clé USB :\n  jeton card backup --card 12345678 /media/usb/carte-12345678.jeton",
        ),
        "card restore" => (
            "Example, on a new machine:\n  jeton card restore /media/usb/card-12345678.jeton",
            "Exemple, sur une nouvelle machine :\n  jeton card restore /media/usb/carte-12345678.jeton",
        ),
        "card reset" => (
            "Example, once the PIN and the PUK are both blocked:\n  jeton card reset --card 12345678",
            "Exemple, une fois le PIN et le PUK tous deux bloqués :\n  jeton card reset --card 12345678",
        ),
        "card serve" => (
            "Example, one card in vpcd's first reader:\n  jeton card serve --card 12345678",
            "Exemple, une carte dans le premier lecteur de vpcd :\n  jeton card serve --card 12345678",
        ),
        "status" => ("Example:\n  jeton status --card 12345678", "Exemple :\n  jeton status --card 12345678"),
        "pin verify" => ("Example:\n  jeton pin verify", "Exemple :\n  jeton pin verify"),
        "pin change" => (
            "Example, the temporary PIN received by SMS for an alphanumeric one:\n  jeton pin change --alphanumeric",
            "Exemple, le PIN temporaire reçu par SMS contre un PIN alphanumérique :\n  jeton pin change --alphanumeric",
        ),
        "pin unblock" => (
            "Example, with the unblock code sent by support:\n  jeton pin unblock --numeric",
            "Exemple, avec le code de déblocage envoyé par le support :\n  jeton pin unblock --numeric",
        ),
        "puk change" => ("Example:\n  jeton puk change", "Exemple :\n  jeton puk change"),
        "mgmt-key change" => (
            "Example (an empty line for the factory key, then the new key twice, in hex):\n  jeton mgmt-key change --alg aes256",
            "Exemple (une ligne vide pour la clé d'usine, puis la nouvelle clé deux fois, en hexadécimal) :\n  jeton mgmt-key change --alg aes256",
        ),
        "key generate" => (
            "Example:\n  jeton key generate --slot 9c --alg p256 --out 9c.pub.pem",
            "Exemple :\n  jeton key generate --slot 9c --alg p256 --out 9c.pub.pem",
        ),
        "key sign" => (
            "Example, then the check with OpenSSL:\n  jeton key sign --slot 9c --in contract.pdf --out contract.sig\n  openssl dgst -sha256 -verify 9c.pub.pem -signature contract.sig contract.pdf",
            "Exemple, puis la vérification avec OpenSSL :\n  jeton key sign --slot 9c --in contrat.pdf --out contrat.sig\n  openssl dgst -sha256 -verify 9c.pub.pem -signature contrat.sig contrat.pdf",
        ),
        "cert import" => (
            "Example:\n  jeton cert import --slot 9c 9c.crt",
            "Exemple :\n  jeton cert import --slot 9c 9c.crt",
        ),
        "cert export" => (
            "Example:\n  jeton cert export --slot 9c --out 9c.pem",
            "Exemple :\n  jeton cert export --slot 9c --out 9c.pem",
        ),
        "pkcs11 path" => (
            "Example, the module for Firefox's security devices:\n  modutil -dbdir sql:$HOME/.pki/nssdb -add jeton -libfile \"$(jeton pkcs11 path)\"",
            "Exemple, le module pour les périphériques de sécurité de Firefox :\n  modutil -dbdir sql:$HOME/.pki/nssdb -add jeton -libfile \"$(jeton pkcs11 path)\"",
        ),
        "demo" => ("Example:\n  jeton demo --lang fr", "Exemple :\n  jeton demo --lang fr"),
        _ => return None,
    };
    Some(match lang {
        Lang::En => en,
        Lang::Fr => fr,
    })
}

/// The holder's commands: those whose every option and example this module must carry.
#[cfg(test)]
const HOLDER_COMMANDS: &[&str] = &[
    "card create",
    "card list",
    "card delete",
    "card reset",
    "card backup",
    "card restore",
    "card serve",
    "status",
    "pin verify",
    "pin change",
    "pin unblock",
    "puk change",
    "mgmt-key change",
    "key generate",
    "key sign",
    "cert import",
    "cert export",
    "pkcs11 path",
    "demo",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'c>(command: &'c clap::Command, path: &str) -> &'c clap::Command {
        path.split(' ')
            .fold(command, |c, name| c.find_subcommand(name).expect(name))
    }

    #[test]
    fn every_holder_option_is_described_with_an_example_in_both_languages() {
        for lang in [Lang::En, Lang::Fr] {
            let mut root = localise(Cli::command(), lang, "");
            root.build();
            for path in HOLDER_COMMANDS {
                let command = find(&root, path);
                assert!(
                    command.get_after_help().is_some(),
                    "{lang:?} {path}: no example"
                );
                assert!(command.get_about().is_some(), "{lang:?} {path}: no about");
                for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
                    assert!(
                        arg.get_help().is_some(),
                        "{lang:?} {path} {}: no help",
                        arg.get_id()
                    );
                }
                if lang == Lang::Fr {
                    assert!(french_about(path).is_some(), "{path}: no French about");
                    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
                        let id = arg.get_id().as_str();
                        assert!(
                            matches!(id, "help" | "version") || french_arg(path, id).is_some(),
                            "{path} {id}: no French help"
                        );
                    }
                }
            }
        }
    }

    fn paths(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in command.get_subcommands() {
            let path = if prefix.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{prefix} {}", sub.get_name())
            };
            paths(sub, &path, out);
            out.push(path);
        }
    }

    #[test]
    fn every_command_and_option_has_its_french_words() {
        let mut root = localise(Cli::command(), Lang::Fr, "");
        root.build();
        let mut all = Vec::new();
        paths(&root, "", &mut all);
        for path in &all {
            assert!(french_about(path).is_some(), "{path}: no French about");
            for arg in find(&root, path)
                .get_arguments()
                .filter(|a| !a.is_hide_set())
            {
                let id = arg.get_id().as_str();
                assert!(
                    matches!(id, "help" | "version") || french_arg(path, id).is_some(),
                    "{path} {id}: no French help"
                );
                assert!(arg.get_help().is_some(), "{path} {id}: no help");
            }
        }
        let mut english = Cli::command();
        english.build();
        for path in &all {
            for arg in find(&english, path)
                .get_arguments()
                .filter(|a| !a.is_hide_set())
            {
                assert!(arg.get_help().is_some(), "{path} {}: no help", arg.get_id());
            }
        }
    }

    #[test]
    fn options_are_listed_only_where_they_apply() {
        let root = Cli::command();
        for path in [
            "card create",
            "card list",
            "card delete",
            "demo",
            "status",
            "pkcs11 path",
        ] {
            let command = find(&root, path);
            let ids: Vec<&str> = command
                .get_arguments()
                .map(|a| a.get_id().as_str())
                .collect();
            let reads_secrets = path == "card create";
            assert_eq!(ids.contains(&"secret_fd"), reads_secrets, "{path}: {ids:?}");
            let uses_a_card = path == "status";
            assert_eq!(ids.contains(&"reader"), uses_a_card, "{path}: {ids:?}");
        }
    }

    #[test]
    fn the_language_is_found_before_parsing() {
        let args = |line: &str| line.split(' ').map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            lang_in_args(&args("jeton --lang fr status")),
            Some(Lang::Fr)
        );
        assert_eq!(
            lang_in_args(&args("jeton status --lang=en")),
            Some(Lang::En)
        );
        assert_eq!(lang_in_args(&args("jeton status")), None);
    }
}
