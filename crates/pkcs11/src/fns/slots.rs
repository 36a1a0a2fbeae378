//! Slot and token management (PKCS#11 3.0 §5.5): the slots, what their tokens say of
//! themselves, the mechanisms they offer, and slot events. (`C_InitPIN` and `C_SetPIN`, also
//! of §5.5, are with the login in `sessions`.)

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cryptoki_sys::*;
use jeton_piv::{reference, CardStatus, KeySlot, RetryCounter};

use crate::error::{Error, Result};
use crate::mechanisms::{Offered, MECHANISMS};
use crate::module::{lock, padded, Module};
use crate::objects::CertificateInfo;
use crate::session::Card;
use crate::slots::TokenSource;

impl Module {
    /// `C_GetSlotList` (PKCS#11 3.0 §5.5.1).
    ///
    /// Every slot, or only those with a token in them (a PIV card in the reader).
    pub fn slot_list(&self, with_token_only: bool) -> Result<Vec<CK_SLOT_ID>> {
        let present = {
            let mut slots = lock(&self.slots);
            slots.refresh()?;
            slots.present().to_vec()
        };
        Ok(present
            .into_iter()
            .filter(|(_, source)| !with_token_only || self.connect(source.clone()).is_ok())
            .map(|(id, _)| id)
            .collect())
    }

    /// `C_GetSlotInfo` (PKCS#11 3.0 §5.5.2).
    pub fn slot_info(&self, slot: CK_SLOT_ID) -> Result<CK_SLOT_INFO> {
        let source = self.token_source(slot)?;
        let (description, hardware) = match &source {
            TokenSource::Virtual(serial) => (format!("Jeton virtual card {serial}"), 0),
            TokenSource::Reader(name) => (name.clone(), CKF_HW_SLOT),
        };
        let present = if self.connect(source).is_ok() {
            CKF_TOKEN_PRESENT
        } else {
            0
        };
        Ok(CK_SLOT_INFO {
            slotDescription: padded(&description),
            manufacturerID: padded("Jeton"),
            flags: present | hardware | CKF_REMOVABLE_DEVICE,
            hardwareVersion: CK_VERSION { major: 1, minor: 0 },
            firmwareVersion: CK_VERSION { major: 1, minor: 0 },
        })
    }

    /// `C_GetTokenInfo` (PKCS#11 3.0 §5.5.3).
    pub fn token_info(&self, slot: CK_SLOT_ID) -> Result<CK_TOKEN_INFO> {
        let source = self.token_source(slot)?;
        let mut card = self.connect(source)?;
        let status = card_status(&mut card)?;
        let label = card
            .read_certificate(KeySlot::AUTHENTICATION)
            .ok()
            .and_then(CertificateInfo::parse)
            .map(|c| c.common_name().to_string())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("Jeton PIV {}", status.serial));
        let mut flags =
            CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
        let counter_flags =
            |counter: jeton_piv::RetryCounter, low, last, locked| match counter.remaining {
                0 => locked,
                1 if counter.max > 1 => low | last,
                n if n < counter.max => low,
                _ => 0,
            };
        flags |= counter_flags(
            status.pin,
            CKF_USER_PIN_COUNT_LOW,
            CKF_USER_PIN_FINAL_TRY,
            CKF_USER_PIN_LOCKED,
        );
        flags |= counter_flags(
            status.puk,
            CKF_SO_PIN_COUNT_LOW,
            CKF_SO_PIN_FINAL_TRY,
            CKF_SO_PIN_LOCKED,
        );
        if status.temporary_pin {
            flags |= CKF_USER_PIN_TO_BE_CHANGED;
        }
        let (sessions, rw_sessions) = {
            let map = self.sessions.read().unwrap_or_else(|p| p.into_inner());
            let on_slot = map.values().filter(|entry| entry.slot_id == slot);
            let all: Vec<_> = on_slot.collect();
            (
                all.len(),
                all.iter().filter(|entry| entry.read_write).count(),
            )
        };
        Ok(CK_TOKEN_INFO {
            label: padded(&label),
            manufacturerID: padded("Jeton"),
            model: padded("PIV virtual"),
            serialNumber: padded(&status.serial.to_string()),
            flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: sessions as CK_ULONG,
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: rw_sessions as CK_ULONG,
            ulMaxPinLen: reference::PIN_MAX_LEN as CK_ULONG,
            ulMinPinLen: reference::PIN_MIN_LEN as CK_ULONG,
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: CK_VERSION { major: 1, minor: 0 },
            firmwareVersion: CK_VERSION { major: 5, minor: 7 },
            utcTime: [b' '; 16],
        })
    }

    /// `C_WaitForSlotEvent` (PKCS#11 3.0 §5.5.4).
    ///
    /// Blocks (unless `dont_block`) until a card appears or goes; returns its slot.
    pub fn wait_for_slot_event(&self, dont_block: bool) -> Result<CK_SLOT_ID> {
        loop {
            let now: BTreeSet<CK_SLOT_ID> = self.slot_list(true)?.into_iter().collect();
            {
                let mut seen = lock(&self.seen_slots);
                if let Some(changed) = now.symmetric_difference(&seen).next().copied() {
                    if now.contains(&changed) {
                        seen.insert(changed);
                    } else {
                        seen.remove(&changed);
                    }
                    return Ok(changed);
                }
            }
            if dont_block {
                return Err(Error::NoEvent);
            }
            if self.finalizing.load(Ordering::SeqCst) {
                return Err(Error::NotInitialized);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `C_GetMechanismList` (PKCS#11 3.0 §5.5.5).
    pub fn mechanism_list(&self, slot: CK_SLOT_ID) -> Result<Vec<CK_MECHANISM_TYPE>> {
        self.token_source(slot)?;
        Ok(MECHANISMS.iter().map(|offered| offered.kind).collect())
    }

    /// `C_GetMechanismInfo` (PKCS#11 3.0 §5.5.6).
    pub fn mechanism_info(
        &self,
        slot: CK_SLOT_ID,
        kind: CK_MECHANISM_TYPE,
    ) -> Result<CK_MECHANISM_INFO> {
        self.token_source(slot)?;
        Offered::find(kind)
            .map(Offered::info)
            .ok_or(Error::MechanismInvalid)
    }
}

/// The card's serial and counters. A PIV card without the YubiKey extensions (GET SERIAL,
/// GET METADATA) still tells its PIN tries through VERIFY without data; its PUK tries and
/// temporary-PIN flag stay unknown.
fn card_status(card: &mut Card) -> Result<CardStatus> {
    if let Ok(status) = card.status() {
        return Ok(status);
    }
    let remaining = match card.pin_verification()? {
        jeton_piv::PinVerification::Blocked => 0,
        jeton_piv::PinVerification::NotVerified { tries_left } => tries_left,
        jeton_piv::PinVerification::Verified => 3,
    };
    Ok(CardStatus {
        serial: card.serial().unwrap_or(0),
        pin: RetryCounter {
            remaining,
            max: remaining.max(3),
        },
        puk: RetryCounter {
            remaining: 3,
            max: 3,
        },
        temporary_pin: false,
    })
}
