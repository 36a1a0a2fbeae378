//! Helpers shared by the tests: temporary files and the real `openssl` command.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().expect("temporary directory"))
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read test file")
    }
}

/// Runs `openssl` with `args`, returning its output whatever the exit status.
pub fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command is installed")
}

/// Runs `openssl` and fails the test, showing its output, unless it succeeds; returns stdout+stderr.
pub fn openssl_ok(args: &[&str]) -> String {
    let out = openssl(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// PEM of a DER certificate.
pub fn cert_pem(der: &[u8]) -> Vec<u8> {
    openssl::x509::X509::from_der(der)
        .expect("certificate parses in OpenSSL")
        .to_pem()
        .expect("PEM")
}
