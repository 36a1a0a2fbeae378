//! What the card forgets at power-off: security status, pending challenges, and the keys
//! this session has already decrypted.

use std::collections::HashMap;

use zeroize::Zeroizing;

use crate::crypto::SlotPrivateKey;
use jeton_wire::KeySlot;

/// A 9B authentication in progress (SP 800-73-4 Part 2 Appendix A.1, A.3).
pub(crate) enum ManagementChallenge {
    /// Mutual: the card sent `E(witness)` and waits for `witness` back.
    Mutual { witness: Zeroizing<Vec<u8>> },
    /// External: the card sent `challenge` and waits for `E(challenge)`.
    External { expected: Zeroizing<Vec<u8>> },
}

/// The last PIN this session verified, to skip scrypt when the same PIN comes again (the
/// PIN-always 9C key is VERIFYed before every signature).
pub(crate) struct VerifiedPin {
    pub reference: Zeroizing<[u8; 8]>,
    /// SHA-256 of the wrap it opened: another PIN since then makes this stale.
    pub wrap_fingerprint: [u8; 32],
}

#[derive(Default)]
pub(crate) struct Session {
    pub pin_verified: bool,
    /// One use of a PIN-always key (9C) is allowed per VERIFY.
    pub pin_always: bool,
    pub management_authenticated: bool,
    pub management_challenge: Option<ManagementChallenge>,
    /// The vault private key, unwrapped by the last good VERIFY.
    pub vault_private: Option<Zeroizing<Vec<u8>>>,
    pub verified_pin: Option<VerifiedPin>,
    /// Decrypted slot keys, each with the sealed bytes it came from.
    pub unsealed: HashMap<KeySlot, (Vec<u8>, SlotPrivateKey)>,
}

impl Session {
    /// VERIFY with P1 = FF, a failed VERIFY, or a changed vault: back to unverified.
    pub fn clear_pin_status(&mut self) {
        self.pin_verified = false;
        self.pin_always = false;
        self.vault_private = None;
        self.unsealed.clear();
    }
}
