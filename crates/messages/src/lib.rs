//! Every word Jeton's front ends show, in English and in French: one Fluent catalogue
//! (`locales/{en,fr}/*.ftl`, one file per domain: PIN, card, keys, provider, audit, server,
//! demo, system), shared by the `jeton` command today and the window and the portal next.
//!
//! This crate holds words only. Libraries return errors that carry data and a stable code;
//! a front end picks the message id for the case and fills its placeholders:
//!
//! ```
//! use jeton_messages::{tr, Count, Lang};
//!
//! assert_eq!(tr!(Lang::En, "pin-wrong", left = Count(2)), "wrong PIN: 2 tries left before it is blocked");
//! assert_eq!(tr!(Lang::Fr, "pin-wrong", left = Count(1)), "PIN erroné : 1 essai restant avant blocage");
//! ```
//!
//! What it is not: a place for rules (when a PIN is blocked is the card's business) or for
//! codes (`--json` prints the libraries' codes, never these words). The files are compiled
//! in, so a binary never looks for them at run time; the tests check that both languages
//! have the same ids with the same placeholders, and `jeton`'s tests that every id it names
//! exists and gets exactly its placeholders.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The languages of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language of the catalogue, for tests that walk them all.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The language from the environment: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that
    /// is set (the POSIX order).
    pub fn from_env() -> Lang {
        let value = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty());
        Lang::from_locale(value.as_deref().unwrap_or(""))
    }

    /// French when the locale starts with `fr`, English otherwise.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    /// The BCP 47 tag, also the folder of its files under `locales/`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One domain's file in both languages: (file name, English source, French source).
pub type Domain = (&'static str, &'static str, &'static str);

macro_rules! domains {
    ($($name:literal),* $(,)?) => {
        /// The catalogue's files, by domain.
        pub const DOMAINS: &[Domain] = &[$((
            $name,
            include_str!(concat!("../locales/en/", $name)),
            include_str!(concat!("../locales/fr/", $name)),
        )),*];
    };
}

domains!(
    "pin.ftl",
    "card.ftl",
    "keys.ftl",
    "provider.ftl",
    "audit.ftl",
    "server.ftl",
    "demo.ftl",
    "system.ftl",
);

/// A value for a placeholder: text, or a count that chooses a plural form.
pub struct Arg(ArgValue);

enum ArgValue {
    Text(String),
    Count(u64),
}

/// A number that chooses the plural form of a message (`{ $left -> [one] … *[other] … }`);
/// every other value is text, so that serial numbers keep their leading zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub u64);

/// What can fill a placeholder: anything that displays, and a [`Count`].
pub trait ToArg {
    /// The value as Fluent will see it.
    fn to_arg(&self) -> Arg;
}

impl<T: Display + ?Sized> ToArg for T {
    fn to_arg(&self) -> Arg {
        Arg(ArgValue::Text(self.to_string()))
    }
}

impl ToArg for Count {
    fn to_arg(&self) -> Arg {
        Arg(ArgValue::Count(self.0))
    }
}

#[doc(hidden)]
pub fn arg<T: ToArg + ?Sized>(value: &T) -> Arg {
    value.to_arg()
}

/// `tr!(lang, "id", name = value, other)`: the message `id` in `lang`, its placeholders
/// filled (`other` alone stands for `other = other`). Values are anything that displays,
/// or a [`Count`] for a plural.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $id:literal $(, $name:ident $(= $value:expr)?)* $(,)?) => {
        $crate::text($lang, $id, &[$((stringify!($name), $crate::tr!(@value $name $(= $value)?))),*])
    };
    (@value $name:ident) => { $crate::arg(&$name) };
    (@value $name:ident = $value:expr) => { $crate::arg(&$value) };
}

struct Catalogue {
    bundles: [FluentBundle<FluentResource>; 2],
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        bundles: Lang::ALL.map(bundle),
    })
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let tag = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // Fluent wraps each placeholder in U+2068/U+2069 for right-to-left scripts; terminals,
    // logs and `grep` want the plain text.
    bundle.set_use_isolating(false);
    for (_, en, fr) in DOMAINS {
        let source = match lang {
            Lang::En => en,
            Lang::Fr => fr,
        };
        // A syntax error or a duplicate id keeps the rest usable; the tests refuse both.
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// The message `id` in `lang` with `args`: what [`tr!`] calls. A missing id gives the id
/// itself, a missing placeholder its name in braces: never a panic (the tests see to both).
pub fn text(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    try_text(lang, id, args).unwrap_or_else(|partial| partial)
}

/// As [`text`], but `Err` with the partial text when the id is unknown or a placeholder
/// was left unfilled.
pub fn try_text(lang: Lang, id: &str, args: &[(&str, Arg)]) -> Result<String, String> {
    let bundle = &catalogue().bundles[lang.index()];
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return Err(id.to_owned());
    };
    let mut fluent_args = FluentArgs::new();
    for (name, Arg(value)) in args {
        let value = match value {
            ArgValue::Text(text) => FluentValue::String(Cow::Owned(text.clone())),
            ArgValue::Count(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned();
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// Every message id of the catalogue (the same in both languages, as the tests check).
pub fn ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (_, en, _) in DOMAINS {
        ids.extend(parse(en).into_iter().map(|(id, _)| id));
    }
    ids
}

/// The placeholders of message `id` in `lang`, `None` for an unknown id.
pub fn placeholders(lang: Lang, id: &str) -> Option<BTreeSet<String>> {
    DOMAINS.iter().find_map(|(_, en, fr)| {
        let source = match lang {
            Lang::En => en,
            Lang::Fr => fr,
        };
        parse(source)
            .into_iter()
            .find(|(found, _)| found == id)
            .map(|(_, vars)| vars)
    })
}

/// The messages of one file with their placeholders.
fn parse(source: &str) -> Vec<(String, BTreeSet<String>)> {
    use fluent_syntax::ast::Entry;
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(resource) => resource,
        Err((resource, _)) => resource,
    };
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(message) => {
                let mut vars = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    pattern_variables(pattern, &mut vars);
                }
                Some((message.id.name.to_string(), vars))
            }
            _ => None,
        })
        .collect()
}

fn pattern_variables(pattern: &fluent_syntax::ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    use fluent_syntax::ast::PatternElement;
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, vars);
        }
    }
}

fn expression_variables(
    expression: &fluent_syntax::ast::Expression<&str>,
    vars: &mut BTreeSet<String>,
) {
    use fluent_syntax::ast::{Expression, InlineExpression};
    let inline = |inline: &InlineExpression<&str>, vars: &mut BTreeSet<String>| match inline {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, vars),
        _ => {}
    };
    match expression {
        Expression::Inline(expression) => inline(expression, vars),
        Expression::Select { selector, variants } => {
            inline(selector, vars);
            for variant in variants {
                pattern_variables(&variant.value, vars);
            }
        }
    }
}

#[cfg(test)]
mod tests;
