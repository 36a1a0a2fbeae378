//! The card as a host sees it: APDU framing (command chaining, 61xx + GET RESPONSE,
//! extended length) over the applet, with the state file locked around each command.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::apdu::Command;
use crate::applet::{Applet, Fault};
use crate::session::Session;
use crate::state::CardState;
use crate::storage::CardFile;
use crate::vault::DeviceKey;
use crate::CardError;
use jeton_wire::StatusWord;

/// The largest command a chain may build up (RSA-4096 import is about 2.5 KiB).
const MAX_CHAINED_DATA: usize = 16 * 1024;
const INS_GET_RESPONSE: u8 = 0xC0;

/// Whether a command may change the persistent state. SELECT, GET DATA, GENERAL
/// AUTHENTICATE, GET RESPONSE and the YubiKey reads never do; links of a chain do nothing
/// until the last.
fn may_write(command: &[u8]) -> bool {
    match command {
        [cla, ..] if cla & 0x10 != 0 => false,
        [_, ins, ..] => !matches!(*ins, 0xA4 | 0xCB | 0x87 | 0xC0 | 0xF7 | 0xF8 | 0xFD),
        _ => false,
    }
}

/// A command chain in progress (ISO 7816-4 §5.1.1.1).
struct Chain {
    header: [u8; 3],
    data: Vec<u8>,
}

/// One virtual card bound to its state file, with the volatile state of one session
/// (what a chip loses at power-off).
pub struct Card {
    file: CardFile,
    device: DeviceKey,
    state: CardState,
    session: Session,
    chain: Option<Chain>,
    pending_response: Vec<u8>,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Card")
            .field("serial", &self.state.serial)
            .field("file", &self.file.path())
            .finish()
    }
}

impl Card {
    pub(crate) fn load(mut file: CardFile, device: DeviceKey) -> Result<Card, CardError> {
        let state = {
            let _lock = file.lock()?;
            let mut state = file.read_if_changed(&device)?.ok_or(CardError::Crypto)?;
            // First use of a format 1 or 2 file: from now on it gives nothing without the
            // device key, and it is authenticated.
            if state.needs_migration() {
                file.write(&mut state, &device)?;
            }
            state
        };
        Ok(Card {
            file,
            device,
            state,
            session: Session::default(),
            chain: None,
            pending_response: Vec::new(),
        })
    }

    pub fn serial(&self) -> u32 {
        self.state.serial
    }

    /// Power off and on: the PIN and management-key status, chains and pending responses
    /// are gone, as on a chip.
    pub fn power_cycle(&mut self) {
        self.session = Session::default();
        self.chain = None;
        self.pending_response.clear();
    }

    /// Answers one command APDU with response data followed by SW1 SW2.
    ///
    /// Malformed commands get status words, never a panic. `Err` means the card's storage
    /// failed (file gone, unreadable, corrupt, or a write refused): for the host it is a
    /// card that stopped answering, and nothing was changed half-way.
    pub fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, CardError> {
        // Commands that may write the state run under the card's exclusive lock. The others
        // (signing among them) only need a consistent view, which the atomic rename gives:
        // they see the old file or the new one, never half of each.
        let _lock = if may_write(command) {
            Some(self.file.lock()?)
        } else {
            None
        };
        if let Some(state) = self.file.read_if_changed(&self.device)? {
            if state.vault_public != self.state.vault_public {
                self.session = Session::default();
            }
            self.state = state;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.respond(command)));
        match outcome {
            Ok(result) => result,
            Err(_) => {
                // A bug, not bad input: drop everything volatile and re-read the file.
                self.power_cycle();
                self.file.forget();
                Ok(StatusWord::UNKNOWN.to_bytes().to_vec())
            }
        }
    }

    fn respond(&mut self, bytes: &[u8]) -> Result<Vec<u8>, CardError> {
        let command = match Command::parse(bytes) {
            Ok(command) => command,
            Err(sw) => return Ok(self.status_only(sw)),
        };
        if command.cla & !0x10 != 0 {
            return Ok(self.status_only(StatusWord::CLA_NOT_SUPPORTED));
        }
        if command.ins == INS_GET_RESPONSE {
            return Ok(self.get_response(&command));
        }
        self.pending_response.clear();
        let command = match self.assemble_chain(command) {
            Ok(Some(command)) => command,
            Ok(None) => return Ok(StatusWord::SUCCESS.to_bytes().to_vec()),
            Err(sw) => return Ok(self.status_only(sw)),
        };
        let mut applet = Applet {
            state: &mut self.state,
            session: &mut self.session,
            file: &mut self.file,
            device: &self.device,
        };
        match applet.process(&command) {
            Ok(data) => Ok(self.send(data, command.le)),
            Err(Fault::Status(sw)) => Ok(sw.to_bytes().to_vec()),
            Err(Fault::Storage(error)) => {
                // What is in memory may be ahead of the disk: believe the disk again.
                self.file.forget();
                self.session.clear_pin_status();
                Err(error)
            }
        }
    }

    fn status_only(&mut self, sw: StatusWord) -> Vec<u8> {
        self.chain = None;
        self.pending_response.clear();
        sw.to_bytes().to_vec()
    }

    /// Collects chained commands: `Ok(None)` while the chain goes on.
    fn assemble_chain(&mut self, mut command: Command) -> Result<Option<Command>, StatusWord> {
        let header = [command.ins, command.p1, command.p2];
        if let Some(chain) = self.chain.take() {
            // Every link of a chain is the same command (ISO 7816-4 §5.1.1.1).
            if chain.header != header {
                return Err(StatusWord::LAST_COMMAND_OF_CHAIN_EXPECTED);
            }
            let mut data = chain.data;
            data.extend_from_slice(&command.data);
            command.data = data;
        }
        if command.data.len() > MAX_CHAINED_DATA {
            return Err(StatusWord::WRONG_LENGTH);
        }
        if command.is_chained() {
            self.chain = Some(Chain {
                header,
                data: command.data,
            });
            return Ok(None);
        }
        Ok(Some(command))
    }

    /// Sends what fits in Le and keeps the rest for GET RESPONSE. A command without Le
    /// (yubico-piv-tool's GET DATA) is answered as if Le were 256.
    fn send(&mut self, mut data: Vec<u8>, le: Option<usize>) -> Vec<u8> {
        let limit = le.unwrap_or(256);
        if data.len() > limit {
            self.pending_response = data.split_off(limit);
            data.extend_from_slice(
                &StatusWord::with_bytes_remaining(self.pending_response.len()).to_bytes(),
            );
        } else {
            data.extend_from_slice(&StatusWord::SUCCESS.to_bytes());
        }
        data
    }

    fn get_response(&mut self, command: &Command) -> Vec<u8> {
        if command.p1 != 0 || command.p2 != 0 {
            return self.status_only(StatusWord::INCORRECT_P1_P2);
        }
        if self.pending_response.is_empty() {
            return self.status_only(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let pending = std::mem::take(&mut self.pending_response);
        self.send(pending, command.le)
    }
}
