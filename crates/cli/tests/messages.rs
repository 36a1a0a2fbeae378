//! Every message the `jeton` command names exists in the catalogue (`jeton-messages`), in
//! both languages, and each `tr!` gives exactly that message's placeholders: none left
//! unfilled, none given for nothing. The ids are read from the sources, so a typo in an id
//! or a forgotten argument fails here rather than showing the holder an id or `{$left}`.

use std::collections::BTreeSet;
use std::path::Path;

use jeton_messages::{ids, placeholders, Lang};

/// One `tr!(lang, "id", a, b = …)` of the sources: where, the id, the names given.
struct Call {
    at: String,
    id: String,
    names: BTreeSet<String>,
}

fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

/// The top-level arguments of the macro call that starts at `text` (just after `tr!(`),
/// split on commas outside brackets and string literals.
fn arguments(text: &str) -> Vec<String> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut args, mut current) = (Vec::new(), String::new());
    for c in text.chars() {
        if in_string {
            current.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                args.push(current.trim().to_owned());
                return args;
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                args.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    panic!("unclosed tr!( … )");
}

fn calls() -> Vec<Call> {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut calls = Vec::new();
    for (file, text) in files {
        for (offset, _) in text.match_indices("tr!(") {
            // `include_str!(` is not a message.
            let before = text[..offset].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let line = text[..offset].lines().count();
            let args = arguments(&text[offset + 4..]);
            let at = format!("{file}:{line}");
            let id = args
                .get(1)
                .unwrap_or_else(|| panic!("{at}: tr! without an id"));
            let id = id
                .strip_prefix('"')
                .and_then(|id| id.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{at}: the id is not a literal: {id}"));
            let names = args[2..]
                .iter()
                .filter(|arg| !arg.is_empty())
                .map(|arg| arg.split('=').next().unwrap().trim().to_owned())
                .collect();
            calls.push(Call {
                at,
                id: id.to_owned(),
                names,
            });
        }
    }
    calls
}

#[test]
fn every_message_the_command_names_exists_with_exactly_its_placeholders() {
    let calls = calls();
    assert!(calls.len() > 250, "only {} tr! calls found", calls.len());
    let known = ids();
    for call in &calls {
        assert!(
            known.contains(&call.id),
            "{}: no message {:?}",
            call.at,
            call.id
        );
        for lang in Lang::ALL {
            let wanted = placeholders(lang, &call.id).unwrap();
            assert_eq!(
                call.names, wanted,
                "{}: {} ({lang:?}) wants these placeholders",
                call.at, call.id
            );
        }
    }
}

#[test]
fn every_message_of_the_catalogue_is_used_by_some_front_end() {
    let named: BTreeSet<String> = calls().into_iter().map(|c| c.id).collect();
    let unused: Vec<String> = ids().into_iter().filter(|id| !named.contains(id)).collect();
    assert!(unused.is_empty(), "messages no code names: {unused:?}");
}
