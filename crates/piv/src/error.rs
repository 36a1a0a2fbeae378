//! Typed errors: what went wrong, as data, with a stable [`Error::code`]. The words the
//! holder reads (what happened and what to do next, in English or French) are the front
//! ends' business, from the shared catalogue (`jeton-messages`); `Display` here is a short
//! English diagnostic for logs, with no advice and no command names.
//!
//! Status words are mapped with the knowledge of the command that got them (a `63 Cx` after
//! VERIFY is a wrong PIN, after RESET RETRY COUNTER a wrong PUK), so that callers such as the
//! `jeton` command can match a variant and print a translated message.

use crate::status::StatusWord;
use crate::tlv::TlvError;
use crate::transport::TransportError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Transport(#[from] TransportError),

    // The holder's secrets.
    /// Wrong PIN; `tries_left == 0` means this try blocked it.
    #[error("wrong PIN, {tries_left} tries left")]
    WrongPin { tries_left: u8 },
    #[error("PIN blocked")]
    PinBlocked,
    /// Wrong PUK (unblock code); `tries_left == 0` means this try blocked it.
    #[error("wrong PUK, {tries_left} tries left")]
    WrongPuk { tries_left: u8 },
    #[error("PUK blocked")]
    PukBlocked,
    #[error("PIN and PUK both blocked")]
    CardDead,
    #[error("the temporary PIN must be changed before the card signs")]
    TemporaryPin,
    #[error("no key in this slot")]
    NoKeyInSlot,
    #[error("the PIN must be verified first")]
    PinRequired,
    /// The card refused a new PIN or PUK of the right form: a temporary PIN that did not
    /// change, or a PIN too weak for the card's personalisation.
    #[error("the card refused the new PIN or PUK")]
    RejectedByPolicy,

    // Administration.
    #[error("management-key authentication needed first")]
    ManagementKeyRequired,
    #[error("the card rejected the management key")]
    ManagementKeyRejected,
    #[error("the card did not prove it knows the management key")]
    CardAuthenticationFailed,
    #[error("reset refused: the PIN and the PUK are not both blocked")]
    ResetRefused,

    // Other card status words.
    #[error("not found on the card")]
    NotFound,
    #[error("the card's conditions of use are not met")]
    ConditionsNotSatisfied,
    #[error("the card refused the data as invalid")]
    InvalidData,
    #[error("object too large for the card")]
    ObjectTooLarge,
    #[error("the card refused the command's parameters")]
    IncorrectParameters,
    #[error("key reference not found on the card")]
    ReferenceNotFound,
    #[error("the card refused the command's length")]
    WrongLength,
    #[error("the card does not support this command")]
    UnsupportedInstruction,
    #[error("the card does not support this command class")]
    UnsupportedClass,
    #[error("the card answered with status word {0}")]
    UnexpectedStatus(StatusWord),
    #[error("malformed response from the card: {0}")]
    MalformedResponse(&'static str),

    // Host-side input, refused before anything is sent.
    #[error("a PIN has 6 to 8 printable ASCII characters")]
    InvalidPinFormat,
    #[error("a PUK has exactly 8 printable ASCII characters")]
    InvalidPukFormat,
    #[error("invalid management key: {0}")]
    InvalidManagementKey(&'static str),
    #[error("unknown slot {0:?}: expected 9a, 9c, 9d, 9e or 82 to 95")]
    InvalidSlot(String),
    #[error("unknown key algorithm {0:?}: expected rsa2048, rsa3072, rsa4096, p256 or p384")]
    InvalidAlgorithm(String),
    #[error("unknown management-key algorithm {0:?}: expected 3des, aes128, aes192 or aes256")]
    InvalidManagementKeyAlgorithm(String),
    #[error("this operation does not apply to {0}")]
    UnsupportedForAlgorithm(&'static str),
    #[error("input of {got} bytes where {expected} are needed")]
    InvalidInputLength { expected: usize, got: usize },
    #[error("compressed (gzip) certificates are not supported")]
    CompressedCertificate,

    #[error("cryptographic library error: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

impl Error {
    /// A stable code for scripts (`--json`) and for front ends choosing their words; it
    /// never changes with the language or the wording.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Transport(TransportError::Unavailable(_)) => "card-unavailable",
            Error::Transport(TransportError::NoReader { .. }) => "no-reader",
            Error::Transport(TransportError::NoCard(_)) => "no-card-in-reader",
            Error::Transport(TransportError::NoService(_)) => "no-pcsc-service",
            Error::Transport(TransportError::NotPiv(_)) => "not-piv",
            Error::Transport(TransportError::Card(_)) => "card-file",
            Error::WrongPin { tries_left: 0 } | Error::PinBlocked => "pin-blocked",
            Error::WrongPin { .. } => "wrong-pin",
            Error::WrongPuk { tries_left: 0 } | Error::PukBlocked => "puk-blocked",
            Error::WrongPuk { .. } => "wrong-puk",
            Error::CardDead => "card-dead",
            Error::TemporaryPin => "temporary-pin",
            Error::NoKeyInSlot => "no-key-in-slot",
            Error::PinRequired => "pin-required",
            Error::RejectedByPolicy => "rejected-by-policy",
            Error::ManagementKeyRequired => "management-key-required",
            Error::ManagementKeyRejected => "management-key-rejected",
            Error::CardAuthenticationFailed => "card-authentication-failed",
            Error::ResetRefused => "reset-refused",
            Error::NotFound => "not-found",
            Error::ConditionsNotSatisfied => "conditions-not-satisfied",
            Error::InvalidData => "invalid-data",
            Error::ObjectTooLarge => "object-too-large",
            Error::IncorrectParameters => "incorrect-parameters",
            Error::ReferenceNotFound => "reference-not-found",
            Error::WrongLength => "wrong-length",
            Error::UnsupportedInstruction => "unsupported-instruction",
            Error::UnsupportedClass => "unsupported-class",
            Error::UnexpectedStatus(_) => "unexpected-status",
            Error::MalformedResponse(_) => "malformed-response",
            Error::InvalidPinFormat => "invalid-pin-format",
            Error::InvalidPukFormat => "invalid-puk-format",
            Error::InvalidManagementKey(_) => "invalid-management-key",
            Error::InvalidSlot(_) => "invalid-slot",
            Error::InvalidAlgorithm(_) => "invalid-algorithm",
            Error::InvalidManagementKeyAlgorithm(_) => "invalid-management-key-algorithm",
            Error::UnsupportedForAlgorithm(_) => "unsupported-for-algorithm",
            Error::InvalidInputLength { .. } => "invalid-input-length",
            Error::CompressedCertificate => "compressed-certificate",
            Error::Crypto(_) => "crypto",
        }
    }
}

impl From<TlvError> for Error {
    fn from(e: TlvError) -> Self {
        Error::MalformedResponse(match e {
            TlvError::Truncated => "truncated TLV",
            TlvError::TagTooLong => "TLV tag too long",
            TlvError::BadLength => "unsupported TLV length",
        })
    }
}

/// What a command was doing, to read its status word right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// VERIFY, CHANGE REFERENCE DATA on the PIN (reference 80).
    Pin,
    /// CHANGE REFERENCE DATA on the PUK (81), RESET RETRY COUNTER.
    Puk,
    /// GENERAL AUTHENTICATE with the management key (9B).
    ManagementKey,
    /// GENERAL AUTHENTICATE with a private key: sign, decrypt, ECDH.
    PrivateKey,
    /// Commands that need the management key: GENERATE, PUT DATA, SET MANAGEMENT KEY.
    Admin,
    /// YubiKey RESET (INS FB).
    Reset,
    /// Everything else: reads.
    Read,
}

/// The error a status word means after a command of `context`. `6983` is returned as
/// `PinBlocked`/`PukBlocked`; the client refines it into `CardDead` when it can read both
/// counters.
pub(crate) fn from_status(status: StatusWord, context: Context) -> Error {
    if let Some(tries_left) = status.tries_left() {
        return match context {
            Context::Puk => Error::WrongPuk { tries_left },
            Context::ManagementKey => Error::ManagementKeyRejected,
            _ => Error::WrongPin { tries_left },
        };
    }
    match (status, context) {
        (StatusWord::AUTHENTICATION_METHOD_BLOCKED, Context::Puk) => Error::PukBlocked,
        (StatusWord::AUTHENTICATION_METHOD_BLOCKED, Context::ManagementKey) => {
            Error::ManagementKeyRejected
        }
        (StatusWord::AUTHENTICATION_METHOD_BLOCKED, _) => Error::PinBlocked,
        (StatusWord::SECURITY_STATUS_NOT_SATISFIED, Context::ManagementKey) => {
            Error::ManagementKeyRejected
        }
        (StatusWord::SECURITY_STATUS_NOT_SATISFIED, Context::Admin | Context::Reset) => {
            Error::ManagementKeyRequired
        }
        (StatusWord::SECURITY_STATUS_NOT_SATISFIED, _) => Error::PinRequired,
        (StatusWord::CONDITIONS_NOT_SATISFIED, Context::PrivateKey) => Error::TemporaryPin,
        // How a card with PIN rules (a YubiKey with PIN complexity, a Jeton card refusing a
        // weak or an unchanged temporary PIN) refuses a new PIN.
        (StatusWord::CONDITIONS_NOT_SATISFIED, Context::Pin | Context::Puk) => {
            Error::RejectedByPolicy
        }
        (StatusWord::CONDITIONS_NOT_SATISFIED, Context::Reset) => Error::ResetRefused,
        (StatusWord::CONDITIONS_NOT_SATISFIED, _) => Error::ConditionsNotSatisfied,
        (StatusWord::INCORRECT_DATA, Context::Pin | Context::Puk) => Error::RejectedByPolicy,
        // A 9B key of another algorithm than the card's: to the administrator, a wrong key.
        (StatusWord::INCORRECT_DATA | StatusWord::INCORRECT_P1_P2, Context::ManagementKey) => {
            Error::ManagementKeyRejected
        }
        (StatusWord::INCORRECT_DATA, _) => Error::InvalidData,
        (StatusWord::NOT_FOUND, _) => Error::NotFound,
        (StatusWord::NOT_ENOUGH_MEMORY, _) => Error::ObjectTooLarge,
        (StatusWord::INCORRECT_P1_P2, _) => Error::IncorrectParameters,
        (StatusWord::REFERENCE_NOT_FOUND, Context::PrivateKey) => Error::NoKeyInSlot,
        (StatusWord::REFERENCE_NOT_FOUND, _) => Error::ReferenceNotFound,
        (StatusWord::WRONG_LENGTH, _) => Error::WrongLength,
        (StatusWord::INS_NOT_SUPPORTED, _) => Error::UnsupportedInstruction,
        (StatusWord::CLA_NOT_SUPPORTED, _) => Error::UnsupportedClass,
        _ => Error::UnexpectedStatus(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_counters_belong_to_the_reference_that_was_sent() {
        assert!(matches!(
            from_status(StatusWord(0x63C2), Context::Pin),
            Error::WrongPin { tries_left: 2 }
        ));
        assert!(matches!(
            from_status(StatusWord(0x63C0), Context::Puk),
            Error::WrongPuk { tries_left: 0 }
        ));
        assert!(matches!(
            from_status(StatusWord(0x6983), Context::Pin),
            Error::PinBlocked
        ));
        assert!(matches!(
            from_status(StatusWord(0x6983), Context::Puk),
            Error::PukBlocked
        ));
    }

    #[test]
    fn refusals_say_what_is_missing() {
        let cases = [
            (0x6985, Context::PrivateKey, "temporary-pin"),
            (0x6985, Context::Reset, "reset-refused"),
            (0x6982, Context::PrivateKey, "pin-required"),
            (0x6982, Context::Admin, "management-key-required"),
            (0x6982, Context::ManagementKey, "management-key-rejected"),
            (0x6A80, Context::Pin, "rejected-by-policy"),
            (0x6985, Context::Pin, "rejected-by-policy"),
            (0x63C0, Context::Pin, "pin-blocked"),
            (0x63C1, Context::Puk, "wrong-puk"),
        ];
        for (sw, context, code) in cases {
            let error = from_status(StatusWord(sw), context);
            assert_eq!(error.code(), code, "{sw:04X} {context:?}: {error}");
        }
        assert!(matches!(
            from_status(StatusWord(0x6A82), Context::Read),
            Error::NotFound
        ));
        assert!(matches!(
            from_status(StatusWord(0x6F00), Context::Read),
            Error::UnexpectedStatus(StatusWord(0x6F00))
        ));
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;

    /// The words and the advice are the front ends': a library message names no command.
    #[test]
    fn library_messages_name_no_command() {
        let errors = [
            Error::WrongPin { tries_left: 0 },
            Error::WrongPin { tries_left: 2 },
            Error::PinBlocked,
            Error::WrongPuk { tries_left: 1 },
            Error::PukBlocked,
            Error::CardDead,
            Error::TemporaryPin,
            Error::NoKeyInSlot,
            Error::RejectedByPolicy,
        ];
        for error in errors {
            let text = error.to_string();
            assert!(!text.contains("jeton"), "{}: {text}", error.code());
        }
    }
}
