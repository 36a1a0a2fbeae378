//! What goes wrong, as a type, and its `CK_RV` at the C boundary.

use cryptoki_sys::*;
use jeton_piv::Error as PivError;

/// A PKCS#11 failure. Each variant is one return value of the standard (PKCS#11 3.0 §5.1);
/// the mapping from the card's answers lives in `From<jeton_piv::Error>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("CKR_ARGUMENTS_BAD")]
    ArgumentsBad,
    #[error("CKR_BUFFER_TOO_SMALL")]
    BufferTooSmall,
    #[error("CKR_CRYPTOKI_NOT_INITIALIZED")]
    NotInitialized,
    #[error("CKR_CRYPTOKI_ALREADY_INITIALIZED")]
    AlreadyInitialized,
    #[error("CKR_CANT_LOCK")]
    CantLock,
    #[error("CKR_SLOT_ID_INVALID")]
    SlotIdInvalid,
    #[error("CKR_TOKEN_NOT_PRESENT")]
    TokenNotPresent,
    #[error("CKR_SESSION_HANDLE_INVALID")]
    SessionHandleInvalid,
    #[error("CKR_SESSION_PARALLEL_NOT_SUPPORTED")]
    SessionParallelNotSupported,
    #[error("CKR_SESSION_READ_ONLY")]
    SessionReadOnly,
    #[error("CKR_SESSION_READ_ONLY_EXISTS")]
    SessionReadOnlyExists,
    #[error("CKR_SESSION_READ_WRITE_SO_EXISTS")]
    SessionReadWriteSoExists,
    #[error("CKR_OBJECT_HANDLE_INVALID")]
    ObjectHandleInvalid,
    #[error("CKR_KEY_HANDLE_INVALID")]
    KeyHandleInvalid,
    #[error("CKR_KEY_TYPE_INCONSISTENT")]
    KeyTypeInconsistent,
    #[error("CKR_KEY_FUNCTION_NOT_PERMITTED")]
    KeyFunctionNotPermitted,
    #[error("CKR_MECHANISM_INVALID")]
    MechanismInvalid,
    #[error("CKR_MECHANISM_PARAM_INVALID")]
    MechanismParamInvalid,
    #[error("CKR_OPERATION_ACTIVE")]
    OperationActive,
    #[error("CKR_OPERATION_NOT_INITIALIZED")]
    OperationNotInitialized,
    #[error("CKR_DATA_LEN_RANGE")]
    DataLenRange,
    #[error("CKR_DATA_INVALID")]
    DataInvalid,
    #[error("CKR_ENCRYPTED_DATA_INVALID")]
    EncryptedDataInvalid,
    #[error("CKR_ENCRYPTED_DATA_LEN_RANGE")]
    EncryptedDataLenRange,
    #[error("CKR_SIGNATURE_INVALID")]
    SignatureInvalid,
    #[error("CKR_SIGNATURE_LEN_RANGE")]
    SignatureLenRange,
    #[error("CKR_PIN_INCORRECT")]
    PinIncorrect,
    #[error("CKR_PIN_INVALID")]
    PinInvalid,
    #[error("CKR_PIN_LEN_RANGE")]
    PinLenRange,
    #[error("CKR_PIN_LOCKED")]
    PinLocked,
    #[error("CKR_PIN_EXPIRED")]
    PinExpired,
    #[error("CKR_USER_NOT_LOGGED_IN")]
    UserNotLoggedIn,
    #[error("CKR_USER_ALREADY_LOGGED_IN")]
    UserAlreadyLoggedIn,
    #[error("CKR_USER_ANOTHER_ALREADY_LOGGED_IN")]
    UserAnotherAlreadyLoggedIn,
    #[error("CKR_USER_TYPE_INVALID")]
    UserTypeInvalid,
    #[error("CKR_USER_PIN_NOT_INITIALIZED")]
    UserPinNotInitialized,
    #[error("CKR_TEMPLATE_INCOMPLETE")]
    TemplateIncomplete,
    #[error("CKR_TEMPLATE_INCONSISTENT")]
    TemplateInconsistent,
    #[error("CKR_ATTRIBUTE_VALUE_INVALID")]
    AttributeValueInvalid,
    #[error("CKR_ATTRIBUTE_TYPE_INVALID")]
    AttributeTypeInvalid,
    #[error("CKR_ATTRIBUTE_SENSITIVE")]
    AttributeSensitive,
    #[error("CKR_ATTRIBUTE_READ_ONLY")]
    AttributeReadOnly,
    #[error("CKR_ACTION_PROHIBITED")]
    ActionProhibited,
    #[error("CKR_DEVICE_ERROR")]
    DeviceError,
    #[error("CKR_DEVICE_MEMORY")]
    DeviceMemory,
    #[error("CKR_DEVICE_REMOVED")]
    DeviceRemoved,
    #[error("CKR_FUNCTION_NOT_SUPPORTED")]
    FunctionNotSupported,
    #[error("CKR_FUNCTION_FAILED")]
    FunctionFailed,
    #[error("CKR_GENERAL_ERROR")]
    GeneralError,
    #[error("CKR_NO_EVENT")]
    NoEvent,
    #[error("CKR_RANDOM_NO_RNG")]
    RandomNoRng,
    #[error("CKR_FUNCTION_CANCELED")]
    FunctionCanceled,
    #[error("CKR_HOST_MEMORY")]
    HostMemory,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn rv(self) -> CK_RV {
        match self {
            Error::ArgumentsBad => CKR_ARGUMENTS_BAD,
            Error::BufferTooSmall => CKR_BUFFER_TOO_SMALL,
            Error::NotInitialized => CKR_CRYPTOKI_NOT_INITIALIZED,
            Error::AlreadyInitialized => CKR_CRYPTOKI_ALREADY_INITIALIZED,
            Error::CantLock => CKR_CANT_LOCK,
            Error::SlotIdInvalid => CKR_SLOT_ID_INVALID,
            Error::TokenNotPresent => CKR_TOKEN_NOT_PRESENT,
            Error::SessionHandleInvalid => CKR_SESSION_HANDLE_INVALID,
            Error::SessionParallelNotSupported => CKR_SESSION_PARALLEL_NOT_SUPPORTED,
            Error::SessionReadOnly => CKR_SESSION_READ_ONLY,
            Error::SessionReadOnlyExists => CKR_SESSION_READ_ONLY_EXISTS,
            Error::SessionReadWriteSoExists => CKR_SESSION_READ_WRITE_SO_EXISTS,
            Error::ObjectHandleInvalid => CKR_OBJECT_HANDLE_INVALID,
            Error::KeyHandleInvalid => CKR_KEY_HANDLE_INVALID,
            Error::KeyTypeInconsistent => CKR_KEY_TYPE_INCONSISTENT,
            Error::KeyFunctionNotPermitted => CKR_KEY_FUNCTION_NOT_PERMITTED,
            Error::MechanismInvalid => CKR_MECHANISM_INVALID,
            Error::MechanismParamInvalid => CKR_MECHANISM_PARAM_INVALID,
            Error::OperationActive => CKR_OPERATION_ACTIVE,
            Error::OperationNotInitialized => CKR_OPERATION_NOT_INITIALIZED,
            Error::DataLenRange => CKR_DATA_LEN_RANGE,
            Error::DataInvalid => CKR_DATA_INVALID,
            Error::EncryptedDataInvalid => CKR_ENCRYPTED_DATA_INVALID,
            Error::EncryptedDataLenRange => CKR_ENCRYPTED_DATA_LEN_RANGE,
            Error::SignatureInvalid => CKR_SIGNATURE_INVALID,
            Error::SignatureLenRange => CKR_SIGNATURE_LEN_RANGE,
            Error::PinIncorrect => CKR_PIN_INCORRECT,
            Error::PinInvalid => CKR_PIN_INVALID,
            Error::PinLenRange => CKR_PIN_LEN_RANGE,
            Error::PinLocked => CKR_PIN_LOCKED,
            Error::PinExpired => CKR_PIN_EXPIRED,
            Error::UserNotLoggedIn => CKR_USER_NOT_LOGGED_IN,
            Error::UserAlreadyLoggedIn => CKR_USER_ALREADY_LOGGED_IN,
            Error::UserAnotherAlreadyLoggedIn => CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
            Error::UserTypeInvalid => CKR_USER_TYPE_INVALID,
            Error::UserPinNotInitialized => CKR_USER_PIN_NOT_INITIALIZED,
            Error::TemplateIncomplete => CKR_TEMPLATE_INCOMPLETE,
            Error::TemplateInconsistent => CKR_TEMPLATE_INCONSISTENT,
            Error::AttributeValueInvalid => CKR_ATTRIBUTE_VALUE_INVALID,
            Error::AttributeTypeInvalid => CKR_ATTRIBUTE_TYPE_INVALID,
            Error::AttributeSensitive => CKR_ATTRIBUTE_SENSITIVE,
            Error::AttributeReadOnly => CKR_ATTRIBUTE_READ_ONLY,
            Error::ActionProhibited => CKR_ACTION_PROHIBITED,
            Error::DeviceError => CKR_DEVICE_ERROR,
            Error::DeviceMemory => CKR_DEVICE_MEMORY,
            Error::DeviceRemoved => CKR_DEVICE_REMOVED,
            Error::FunctionNotSupported => CKR_FUNCTION_NOT_SUPPORTED,
            Error::FunctionFailed => CKR_FUNCTION_FAILED,
            Error::GeneralError => CKR_GENERAL_ERROR,
            Error::NoEvent => CKR_NO_EVENT,
            Error::RandomNoRng => CKR_RANDOM_NO_RNG,
            Error::FunctionCanceled => CKR_FUNCTION_CANCELED,
            Error::HostMemory => CKR_HOST_MEMORY,
        }
    }
}

impl From<PivError> for Error {
    fn from(error: PivError) -> Self {
        match error {
            PivError::WrongPin { tries_left: 0 } | PivError::PinBlocked | PivError::CardDead => {
                Error::PinLocked
            }
            PivError::WrongPin { .. } => Error::PinIncorrect,
            PivError::WrongPuk { tries_left: 0 } | PivError::PukBlocked => Error::PinLocked,
            PivError::WrongPuk { .. } => Error::PinIncorrect,
            PivError::TemporaryPin => Error::PinExpired,
            PivError::PinRequired => Error::UserNotLoggedIn,
            PivError::InvalidPinFormat
            | PivError::InvalidPukFormat
            | PivError::RejectedByPolicy => Error::PinInvalid,
            PivError::NoKeyInSlot | PivError::NotFound => Error::KeyHandleInvalid,
            PivError::InvalidInputLength { .. } => Error::DataLenRange,
            PivError::InvalidData => Error::DataInvalid,
            PivError::ObjectTooLarge => Error::DeviceMemory,
            PivError::Transport(_) => Error::DeviceRemoved,
            PivError::ManagementKeyRequired
            | PivError::ManagementKeyRejected
            | PivError::CardAuthenticationFailed => Error::FunctionFailed,
            _ => Error::DeviceError,
        }
    }
}

impl From<openssl::error::ErrorStack> for Error {
    fn from(_: openssl::error::ErrorStack) -> Self {
        Error::FunctionFailed
    }
}
