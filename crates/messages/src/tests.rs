use super::*;

fn source(domain: &Domain, lang: Lang) -> &'static str {
    match lang {
        Lang::En => domain.1,
        Lang::Fr => domain.2,
    }
}

#[test]
fn every_file_parses_in_both_languages() {
    for domain in DOMAINS {
        for lang in Lang::ALL {
            if let Err((_, errors)) = fluent_syntax::parser::parse(source(domain, lang)) {
                panic!("locales/{}/{}: {errors:?}", lang.tag(), domain.0);
            }
        }
    }
}

#[test]
fn every_message_exists_in_both_languages_with_the_same_placeholders() {
    for domain in DOMAINS {
        let en = parse(domain.1);
        let fr = parse(domain.2);
        let en_ids: Vec<&str> = en.iter().map(|(id, _)| id.as_str()).collect();
        let fr_ids: Vec<&str> = fr.iter().map(|(id, _)| id.as_str()).collect();
        for id in &en_ids {
            assert!(fr_ids.contains(id), "{id} ({}) has no French", domain.0);
        }
        for id in &fr_ids {
            assert!(en_ids.contains(id), "{id} ({}) has no English", domain.0);
        }
        for (id, vars) in &en {
            let (_, fr_vars) = fr.iter().find(|(f, _)| f == id).expect("checked above");
            assert_eq!(vars, fr_vars, "{id} ({}): placeholders differ", domain.0);
        }
    }
}

#[test]
fn no_id_is_defined_twice() {
    let mut seen = BTreeSet::new();
    for domain in DOMAINS {
        for (id, _) in parse(domain.1) {
            assert!(seen.insert(id.clone()), "{id} is defined twice");
        }
    }
    for lang in Lang::ALL {
        let mut bundle = FluentBundle::new_concurrent(vec![lang.tag().parse().unwrap()]);
        for domain in DOMAINS {
            let resource = FluentResource::try_new(source(domain, lang).to_string()).unwrap();
            bundle.add_resource(resource).unwrap();
        }
    }
}

#[test]
fn every_message_formats_when_its_placeholders_are_given() {
    for id in ids() {
        for lang in Lang::ALL {
            let vars = placeholders(lang, &id).unwrap();
            let args: Vec<(&str, Arg)> = vars.iter().map(|v| (v.as_str(), arg("x"))).collect();
            let text = try_text(lang, &id, &args).unwrap_or_else(|t| panic!("{id}: {t}"));
            assert!(
                !text.contains(['\u{2068}', '\u{2069}']),
                "{id}: isolation marks"
            );
            assert!(
                !text.contains("{$") && !text.contains("{ $"),
                "{id}: {text}"
            );
        }
    }
}

#[test]
fn an_unfilled_placeholder_or_an_unknown_id_is_an_error_not_a_panic() {
    assert_eq!(
        try_text(Lang::En, "card-created", &[]),
        Err("Card {$serial} created.".into())
    );
    assert_eq!(text(Lang::Fr, "no-such-message", &[]), "no-such-message");
    assert_eq!(tr!(Lang::Fr, "card-created", serial = 7), "Carte 7 créée.");
}

#[test]
fn counts_choose_each_language_s_plural() {
    let wrong = |lang, n| tr!(lang, "pin-wrong", left = Count(n));
    assert_eq!(
        wrong(Lang::En, 1),
        "wrong PIN: 1 try left before it is blocked"
    );
    assert_eq!(
        wrong(Lang::En, 2),
        "wrong PIN: 2 tries left before it is blocked"
    );
    assert_eq!(
        wrong(Lang::Fr, 1),
        "PIN erroné : 1 essai restant avant blocage"
    );
    assert_eq!(
        wrong(Lang::Fr, 2),
        "PIN erroné : 2 essais restants avant blocage"
    );
}

#[test]
fn leading_and_trailing_spaces_survive() {
    assert_eq!(tr!(Lang::Fr, "prompt", what = "PIN"), "PIN : ");
    assert_eq!(tr!(Lang::En, "status-no-keys"), "  No key on the card.");
}

#[test]
fn french_locales_choose_french() {
    assert_eq!(Lang::from_locale("fr_FR.UTF-8"), Lang::Fr);
    assert_eq!(Lang::from_locale("fr"), Lang::Fr);
    assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
    assert_eq!(Lang::from_locale("C"), Lang::En);
    assert_eq!(Lang::from_locale(""), Lang::En);
}
