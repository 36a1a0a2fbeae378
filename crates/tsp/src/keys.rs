//! Which secret opens which of the provider's keys. Each key role — the root CA, the issuing
//! CA, the OCSP responder, the TSA and the audit key — has its own secret, so that what an
//! online server must hold (the issuing, OCSP and TSA secrets) never opens the root key nor
//! the audit key, and one leaked passphrase opens one key.
//!
//! For a key on a PKCS#11 token the role's secret is the token's PIN (keys that share a
//! token share its PIN: the token, not a file, guards them).

use zeroize::Zeroizing;

/// The provider's key roles, in the order a command reads their secrets from one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyRole {
    /// The root CA: signs the issuing CA's certificate and the root's CRL; kept offline.
    Root,
    /// The issuing CA: signs holders' certificates and its CRLs.
    Issuing,
    /// The delegated OCSP responder.
    Ocsp,
    /// The time-stamping unit.
    Tsa,
    /// The audit key: signs the audit log's head; `jeton server` never holds it.
    Audit,
}

impl KeyRole {
    /// Every role, in reading order.
    pub const ALL: [KeyRole; 5] = [
        KeyRole::Root,
        KeyRole::Issuing,
        KeyRole::Ocsp,
        KeyRole::Tsa,
        KeyRole::Audit,
    ];

    /// The role's name on the command line (`--passphrase-file issuing=FILE`).
    pub fn name(self) -> &'static str {
        match self {
            KeyRole::Root => "root",
            KeyRole::Issuing => "issuing",
            KeyRole::Ocsp => "ocsp",
            KeyRole::Tsa => "tsa",
            KeyRole::Audit => "audit",
        }
    }

    /// The role of a CA record, from its profile (`root-ca`, `issuing-ca`,
    /// `ocsp-responder`, `tsa`).
    pub fn of_profile(profile: &str) -> Option<KeyRole> {
        match profile {
            "root-ca" => Some(KeyRole::Root),
            "issuing-ca" => Some(KeyRole::Issuing),
            "ocsp-responder" => Some(KeyRole::Ocsp),
            "tsa" => Some(KeyRole::Tsa),
            _ => None,
        }
    }
}

impl std::str::FromStr for KeyRole {
    type Err = UnknownRole;
    fn from_str(text: &str) -> Result<KeyRole, UnknownRole> {
        KeyRole::ALL
            .into_iter()
            .find(|r| r.name() == text)
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

impl std::fmt::Display for KeyRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A role name that is none of root, issuing, ocsp, tsa, audit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown key role {0:?}: use root, issuing, ocsp, tsa or audit")]
pub struct UnknownRole(pub String);

/// Why the secrets of a command are refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// The command needs the secret of this role and was not given it.
    #[error("no secret was given for the {0} key")]
    Missing(KeyRole),
    /// Two roles were given the same secret for key files (the point is one secret per key).
    #[error("the {0} and {1} keys were given the same passphrase: each key role needs its own")]
    Same(KeyRole, KeyRole),
}

/// The secrets a command was given, one per role it needs.
#[derive(Default)]
pub struct RoleSecrets {
    secrets: Vec<(KeyRole, Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for RoleSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The roles only, never the secrets.
        f.debug_list()
            .entries(self.secrets.iter().map(|(r, _)| r))
            .finish()
    }
}

impl RoleSecrets {
    /// No secrets yet.
    pub fn new() -> RoleSecrets {
        RoleSecrets::default()
    }

    /// Sets the secret of `role`, replacing any earlier one.
    pub fn set(&mut self, role: KeyRole, secret: Zeroizing<Vec<u8>>) {
        self.secrets.retain(|(r, _)| *r != role);
        self.secrets.push((role, secret));
    }

    /// The same secret for every role in `roles` (the tests' and a token's case).
    pub fn all(roles: &[KeyRole], secret: &[u8]) -> RoleSecrets {
        let mut secrets = RoleSecrets::new();
        for role in roles {
            secrets.set(*role, Zeroizing::new(secret.to_vec()));
        }
        secrets
    }

    /// The secret of `role`.
    pub fn get(&self, role: KeyRole) -> Result<&[u8], SecretsError> {
        self.secrets
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, s)| s.as_slice())
            .ok_or(SecretsError::Missing(role))
    }

    /// Refuses two of `roles` holding the same secret (compared in constant time).
    pub fn check_distinct(&self, roles: &[KeyRole]) -> Result<(), SecretsError> {
        for (i, a) in roles.iter().enumerate() {
            for b in &roles[i + 1..] {
                let (x, y) = (self.get(*a)?, self.get(*b)?);
                if x.len() == y.len() && openssl::memcmp::eq(x, y) {
                    return Err(SecretsError::Same(*a, *b));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_from_their_names() {
        for role in KeyRole::ALL {
            assert_eq!(role.name().parse::<KeyRole>(), Ok(role));
        }
        assert!("signing".parse::<KeyRole>().is_err());
    }

    #[test]
    fn the_same_secret_for_two_roles_is_refused() {
        let mut secrets = RoleSecrets::new();
        secrets.set(KeyRole::Root, Zeroizing::new(b"first passphrase".to_vec()));
        secrets.set(
            KeyRole::Issuing,
            Zeroizing::new(b"second passphrase".to_vec()),
        );
        secrets.set(KeyRole::Audit, Zeroizing::new(b"first passphrase".to_vec()));
        let roles = [KeyRole::Root, KeyRole::Issuing];
        assert_eq!(secrets.check_distinct(&roles), Ok(()));
        assert_eq!(
            secrets.check_distinct(&KeyRole::ALL),
            Err(SecretsError::Missing(KeyRole::Ocsp))
        );
        let roles = [KeyRole::Root, KeyRole::Issuing, KeyRole::Audit];
        assert_eq!(
            secrets.check_distinct(&roles),
            Err(SecretsError::Same(KeyRole::Root, KeyRole::Audit))
        );
        assert!(!format!("{secrets:?}").contains("passphrase"));
    }
}
