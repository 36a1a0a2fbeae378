//! `jeton pkcs11 path`: where the PKCS#11 module is, to give to the applications that load
//! it (Firefox's "Load" dialog, `modutil -libfile`, `PKCS11Provider`, `--lib` of pyHanko).
//!
//! The module is looked for next to the running `jeton` first (both are built into the same
//! cargo target directory), then where packages install PKCS#11 modules.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// `libjeton_pkcs11.so` on Linux, `libjeton_pkcs11.dylib` on macOS, `jeton_pkcs11.dll` on
/// Windows.
pub fn module_name() -> String {
    format!(
        "{}jeton_pkcs11{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Every place the module may be, in the order they are tried, for `jeton` at `exe`.
pub fn candidates(exe: &Path) -> Vec<PathBuf> {
    let name = module_name();
    let multiarch = format!("{}-{}-gnu", std::env::consts::ARCH, std::env::consts::OS);
    let mut dirs = Vec::new();
    if let Some(bin) = exe.parent() {
        dirs.push(bin.to_path_buf());
        // An install under a prefix: <prefix>/bin/jeton and <prefix>/lib/...
        if let Some(prefix) = bin.parent() {
            dirs.push(prefix.join("lib").join(&multiarch).join("pkcs11"));
            dirs.push(prefix.join("lib").join("pkcs11"));
            dirs.push(prefix.join("lib"));
        }
    }
    for prefix in ["/usr/local", "/usr"] {
        let lib = Path::new(prefix).join("lib");
        dirs.push(lib.join(&multiarch).join("pkcs11"));
        dirs.push(lib.join("pkcs11"));
        dirs.push(lib);
    }
    let mut seen = Vec::new();
    for dir in dirs {
        let path = dir.join(&name);
        if !seen.contains(&path) {
            seen.push(path);
        }
    }
    seen
}

/// The first candidate that exists, as an absolute path.
pub fn find(exe: &Path) -> Result<PathBuf, CliError> {
    let candidates = candidates(exe);
    candidates
        .iter()
        .find(|path| path.is_file())
        .map(|path| std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
        .ok_or(CliError::NoPkcs11Module(candidates))
}

pub fn path(out: &mut dyn Write) -> Result<(), CliError> {
    let exe = std::env::current_exe().map_err(CliError::Output)?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let module = find(&exe)?;
    writeln!(out, "{}", module.display()).map_err(CliError::Output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_beside_jeton_in_a_build_tree_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        let debug = dir.path().join("target/debug");
        std::fs::create_dir_all(&debug).unwrap();
        std::fs::write(debug.join(module_name()), b"").unwrap();
        let found = find(&debug.join("jeton")).unwrap();
        assert!(found.is_absolute());
        assert_eq!(
            found,
            std::fs::canonicalize(debug.join(module_name())).unwrap()
        );
    }

    #[test]
    fn an_installed_jeton_looks_in_its_prefix_then_the_system() {
        let candidates = candidates(Path::new("/opt/jeton/bin/jeton"));
        assert_eq!(
            candidates[0],
            Path::new("/opt/jeton/bin").join(module_name())
        );
        assert!(candidates.contains(&Path::new("/opt/jeton/lib/pkcs11").join(module_name())));
        assert!(candidates.contains(&Path::new("/usr/lib/pkcs11").join(module_name())));
    }

    #[test]
    fn no_module_anywhere_lists_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("nowhere/bin/jeton");
        match find(&exe) {
            // A module installed on this machine is a fine answer too.
            Ok(path) => assert!(path.starts_with("/usr")),
            Err(CliError::NoPkcs11Module(tried)) => {
                assert!(tried[0].starts_with(dir.path()));
                let text = CliError::NoPkcs11Module(tried).text(crate::i18n::Lang::Fr);
                assert!(text.contains("module PKCS#11"), "{text}");
            }
            Err(other) => panic!("{other:?}"),
        }
    }
}
