//! Instruction bytes (INS) of the PIV application (SP 800-73-4 Part 2 §3, Table 6) and of the
//! Yubico PIV extensions that yubico-piv-tool, ykman and OpenSC send, and the class byte's
//! chaining bit.

/// CLA b5: more commands of this chain follow (ISO 7816-4 §5.1.1.1).
pub const CLA_CHAINING: u8 = 0x10;

/// VERIFY (SP 800-73-4 Part 2 §3.2.1).
pub const VERIFY: u8 = 0x20;
/// CHANGE REFERENCE DATA (§3.2.2).
pub const CHANGE_REFERENCE_DATA: u8 = 0x24;
/// RESET RETRY COUNTER (§3.2.3).
pub const RESET_RETRY_COUNTER: u8 = 0x2C;
/// GENERATE ASYMMETRIC KEY PAIR (§3.3.2).
pub const GENERATE_ASYMMETRIC_KEY_PAIR: u8 = 0x47;
/// GENERAL AUTHENTICATE (§3.2.4).
pub const GENERAL_AUTHENTICATE: u8 = 0x87;
/// SELECT (§3.1.1).
pub const SELECT: u8 = 0xA4;
/// GET RESPONSE (ISO 7816-4 §7.6.1).
pub const GET_RESPONSE: u8 = 0xC0;
/// GET DATA (§3.1.2).
pub const GET_DATA: u8 = 0xCB;
/// PUT DATA (§3.3.1).
pub const PUT_DATA: u8 = 0xDB;

/// MOVE KEY (Yubico extension, firmware 5.7).
pub const MOVE_KEY: u8 = 0xF6;
/// GET METADATA (Yubico extension).
pub const GET_METADATA: u8 = 0xF7;
/// GET SERIAL (Yubico extension).
pub const GET_SERIAL: u8 = 0xF8;
/// ATTEST (Yubico extension).
pub const ATTEST: u8 = 0xF9;
/// SET PIN RETRIES (Yubico extension).
pub const SET_PIN_RETRIES: u8 = 0xFA;
/// RESET the PIV application (Yubico extension).
pub const RESET: u8 = 0xFB;
/// GET VERSION (Yubico extension).
pub const GET_VERSION: u8 = 0xFD;
/// IMPORT ASYMMETRIC KEY (Yubico extension).
pub const IMPORT_KEY: u8 = 0xFE;
/// SET MANAGEMENT KEY (Yubico extension).
pub const SET_MANAGEMENT_KEY: u8 = 0xFF;
