//! PIV data objects (SP 800-73-4 Part 1 Table 3): which exist, who may read them, and the
//! ones a new card carries.

use jeton_wire::{tlv, ObjectId};

/// The largest object value the card stores, like a YubiKey's limit.
pub const MAX_OBJECT_SIZE: usize = 3072;

// The tags as plain numbers, for matching on what a command names (values: jeton-wire).
pub const DISCOVERY: u32 = ObjectId::DISCOVERY.0;
pub const CHUID: u32 = ObjectId::CHUID.0;
pub const CCC: u32 = ObjectId::CARD_CAPABILITY_CONTAINER.0;
pub const SECURITY_OBJECT: u32 = ObjectId::SECURITY_OBJECT.0;
pub const KEY_HISTORY: u32 = ObjectId::KEY_HISTORY.0;
pub const PRINTED_INFORMATION: u32 = ObjectId::PRINTED_INFORMATION.0;
pub const PAIRING_CODE: u32 = ObjectId::PAIRING_CODE.0;
pub const YUBICO_ADMIN_DATA: u32 = ObjectId::YUBICO_ADMIN_DATA.0;

pub use jeton_wire::PIV_AID;

/// Who may read an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAccess {
    Always,
    Pin,
}

/// The access rule of a writable data object tag, or `None` if the tag is no PIV object.
pub fn read_access(tag: u32) -> Option<ReadAccess> {
    match tag {
        // Fingerprints, facial image, printed information, iris images, and the pairing
        // code reference data container, whose access rule is "PIN or OCC" (Table 3): the
        // pairing code is a secret of the VCI secure channel.
        0x5FC103 | 0x5FC108 | 0x5FC109 | 0x5FC121 | PAIRING_CODE => Some(ReadAccess::Pin),
        // CHUID, certificates 9E/9A/9C/9D, security object, CCC, key history,
        // retired certificates, BIT group template, SM signer.
        0x5FC101 | 0x5FC102 | 0x5FC105 | 0x5FC106 | 0x5FC107 | 0x5FC10A | 0x5FC10B | 0x5FC10C => {
            Some(ReadAccess::Always)
        }
        0x5FC10D..=0x5FC120 | 0x5FC122 | 0x7F61 => Some(ReadAccess::Always),
        // The attestation key's certificate (YubiKey).
        crate::attestation::CERTIFICATE_OBJECT => Some(ReadAccess::Always),
        // Yubico's own objects, which a YubiKey stores as any other: the admin ("pivman")
        // data where ykman and yubico-piv-tool note a PIN-protected management key (the key
        // itself goes into the PIN-protected printed information), and the Windows
        // minidriver's container map and roots.
        YUBICO_ADMIN_DATA | 0x5FFF10..=0x5FFF15 => Some(ReadAccess::Always),
        _ => None,
    }
}

/// Discovery object: the PIV AID and the PIN usage policy "PIV PIN only" (Part 1 §3.3.2).
pub fn discovery() -> Vec<u8> {
    let mut inner = Vec::new();
    tlv::write(&mut inner, 0x4F, &PIV_AID);
    tlv::write(&mut inner, 0x5F2F, &[0x40, 0x00]);
    tlv::encode(DISCOVERY, &inner)
}

/// A CHUID whose FASC-N uses agency code 9999 (so hosts identify the card by its GUID) and
/// whose GUID carries the serial (Part 1 §3.1.2, TIG SCEPACS).
pub fn default_chuid(serial: u32, guid_random: [u8; 12]) -> Vec<u8> {
    // FASC-N for agency 9999, system 9999, credential 999999, BCD-coded with parity
    // (the value yubico-piv-tool writes for "set-chuid").
    const FASC_N: [u8; 25] = [
        0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68, 0x58, 0x21,
        0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
    ];
    let mut guid = [0u8; 16];
    guid[..4].copy_from_slice(&serial.to_be_bytes());
    guid[4..].copy_from_slice(&guid_random);
    let mut out = Vec::new();
    tlv::write(&mut out, 0x30, &FASC_N);
    tlv::write(&mut out, 0x34, &guid);
    tlv::write(&mut out, 0x35, b"20991231");
    tlv::write(&mut out, 0x3E, &[]);
    tlv::write(&mut out, 0xFE, &[]);
    out
}

/// A Card Capability Container with an empty F3 (no "CAC PKI" quirks in OpenSC).
pub fn default_ccc(card_id: [u8; 14]) -> Vec<u8> {
    let mut id = vec![0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02];
    id.extend_from_slice(&card_id);
    let mut out = Vec::new();
    tlv::write(&mut out, 0xF0, &id);
    tlv::write(&mut out, 0xF1, &[0x21]);
    tlv::write(&mut out, 0xF2, &[0x21]);
    tlv::write(&mut out, 0xF3, &[]);
    tlv::write(&mut out, 0xF4, &[0x00]);
    tlv::write(&mut out, 0xF5, &[0x10]);
    for tag in [0xF6, 0xF7, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE] {
        tlv::write(&mut out, tag, &[]);
    }
    out
}
