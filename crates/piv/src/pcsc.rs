//! The PC/SC transport: a PIV card in a reader, through `pcscd` (pcsc-lite on Linux, the
//! system service on macOS and Windows). Built with the `pcsc` cargo feature.
//!
//! Each command, with its chain links and GET RESPONSEs, runs inside one
//! `SCardBeginTransaction`/`SCardEndTransaction`, so that no other program's APDU comes in
//! between. The card is shared: other programs may use it between our commands, and may
//! reset it; the PIN's verified state is then gone, as PIV says it should be.
//!
//! What goes wrong in a reader, and what this transport does:
//! - the card was reset by another program (`SCARD_W_RESET_CARD`): reconnect, send again
//!   (the command had not reached the card);
//! - the card was pulled out (`SCARD_W_REMOVED_CARD`): the command fails; the next one
//!   connects again if a card is back in the same reader;
//! - pcscd restarted (`SCARD_E_NO_SERVICE`, invalid handle): a new context, then as above;
//! - the reader is gone (hot-plug): a clear "no reader" error; readers are listed afresh at
//!   every [`PcscTransport::connect`].

use std::ffi::{CStr, CString};

use pcsc::{Context, Disposition, Protocols, Scope, ShareMode};

use crate::client::PivClient;
use crate::error::Error;
use crate::transport::{Transmit, Transport, TransportError};

/// T=1 preferred: with T=0, Le of case-4 APDUs is dropped and GET RESPONSE games follow.
fn protocols() -> Protocols {
    Protocols::T1 | Protocols::T0
}

/// A card in a PC/SC reader.
pub struct PcscTransport {
    context: Context,
    reader: CString,
    /// `None` after the card was removed: the next command connects again.
    card: Option<pcsc::Card>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("connected", &self.card.is_some())
            .finish()
    }
}

fn service_error(error: pcsc::Error) -> TransportError {
    TransportError::NoService(error.to_string())
}

fn establish() -> Result<Context, TransportError> {
    Context::establish(Scope::User).map_err(service_error)
}

fn reader_names(context: &Context) -> Result<Vec<CString>, TransportError> {
    match context.list_readers_owned() {
        Ok(readers) => Ok(readers),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(error) => Err(service_error(error)),
    }
}

fn text(name: &CStr) -> String {
    name.to_string_lossy().into_owned()
}

/// Whether reconnecting may help: the card was reset or pulled, or pcscd restarted.
fn is_recoverable(error: pcsc::Error) -> bool {
    matches!(
        error,
        pcsc::Error::ResetCard
            | pcsc::Error::RemovedCard
            | pcsc::Error::NoSmartcard
            | pcsc::Error::UnpoweredCard
            | pcsc::Error::InvalidHandle
            | pcsc::Error::NoService
            | pcsc::Error::ServiceStopped
            | pcsc::Error::ReaderUnavailable
            | pcsc::Error::UnknownReader
    )
}

impl PcscTransport {
    /// The readers pcscd knows now, in its order.
    pub fn readers() -> Result<Vec<String>, TransportError> {
        Ok(reader_names(&establish()?)?
            .iter()
            .map(|name| text(name))
            .collect())
    }

    /// Connects to the card in the first reader whose name contains `wanted` (ignoring
    /// case, as yubico-piv-tool's `-r`) and holds a card.
    pub fn connect(wanted: &str) -> Result<PcscTransport, TransportError> {
        let context = establish()?;
        let readers = reader_names(&context)?;
        let wanted_lower = wanted.to_lowercase();
        let matching: Vec<&CString> = readers
            .iter()
            .filter(|name| text(name).to_lowercase().contains(&wanted_lower))
            .collect();
        let Some(first) = matching.first() else {
            return Err(TransportError::NoReader {
                wanted: wanted.to_owned(),
                available: readers.iter().map(|name| text(name)).collect(),
            });
        };
        for reader in &matching {
            match context.connect(reader, ShareMode::Shared, protocols()) {
                Ok(card) => {
                    return Ok(PcscTransport {
                        reader: (*reader).clone(),
                        context,
                        card: Some(card),
                    })
                }
                Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => continue,
                Err(error) => return Err(TransportError::Unavailable(error.to_string())),
            }
        }
        Err(TransportError::NoCard(text(first)))
    }

    /// Connects as [`connect`](Self::connect) and selects the PIV application; a card that
    /// answers without one is reported as [`TransportError::NotPiv`].
    pub fn open_piv(wanted: &str) -> Result<PivClient<PcscTransport>, Error> {
        let transport = PcscTransport::connect(wanted)?;
        let reader = transport.reader_name();
        let mut client = PivClient::new(transport);
        match client.select() {
            Ok(()) => Ok(client),
            Err(Error::Transport(error)) => Err(Error::Transport(error)),
            Err(_) => Err(Error::Transport(TransportError::NotPiv(reader))),
        }
    }

    pub fn reader_name(&self) -> String {
        text(&self.reader)
    }

    /// The card's answer to reset.
    pub fn atr(&mut self) -> Result<Vec<u8>, TransportError> {
        let card = self.card()?;
        let status = card
            .status2_owned()
            .map_err(|e| TransportError::Unavailable(e.to_string()))?;
        Ok(status.atr().to_vec())
    }

    /// The connected card, connecting again after a removal or a pcscd restart.
    fn card(&mut self) -> Result<&mut pcsc::Card, TransportError> {
        if self.card.is_none() {
            if self.context.is_valid().is_err() {
                self.context = establish()?;
            }
            let card = self
                .context
                .connect(&self.reader, ShareMode::Shared, protocols())
                .map_err(|error| match error {
                    pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => {
                        TransportError::NoCard(text(&self.reader))
                    }
                    pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable => {
                        TransportError::NoReader {
                            wanted: text(&self.reader),
                            available: reader_names(&self.context)
                                .map(|names| names.iter().map(|n| text(n)).collect())
                                .unwrap_or_default(),
                        }
                    }
                    error => TransportError::Unavailable(error.to_string()),
                })?;
            self.card = Some(card);
        }
        self.card
            .as_mut()
            .ok_or_else(|| TransportError::Unavailable("not connected".into()))
    }

    /// After `error`, gets a working card handle back if it can: a reset card is
    /// reconnected in place, anything else is connected afresh.
    fn recover(&mut self, error: pcsc::Error) -> Result<(), TransportError> {
        if error == pcsc::Error::ResetCard {
            if let Some(card) = self.card.as_mut() {
                if card
                    .reconnect(ShareMode::Shared, protocols(), Disposition::LeaveCard)
                    .is_ok()
                {
                    return Ok(());
                }
            }
        }
        self.card = None;
        self.card().map(drop)
    }
}

fn transmit_on(card: &pcsc::Card, command: &[u8]) -> Result<Vec<u8>, pcsc::Error> {
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
    let length = card.transmit(command, &mut buffer)?.len();
    buffer.truncate(length);
    Ok(buffer)
}

fn unavailable(reader: &CStr, error: pcsc::Error) -> TransportError {
    TransportError::Unavailable(format!("{}: {error}", text(reader)))
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut response = None;
        self.exclusive(&mut |transmit| response = Some(transmit(command)))?;
        response.unwrap_or_else(|| Err(TransportError::Unavailable("not sent".into())))
    }

    fn exclusive(&mut self, work: &mut dyn FnMut(&mut Transmit<'_>)) -> Result<(), TransportError> {
        // One retry: a reset or a restart is reported when the transaction begins, before
        // any APDU of `work` reached the card.
        let mut retried = false;
        loop {
            let reader = self.reader.clone();
            let mut lost = None;
            let outcome = match self.card()?.transaction2() {
                Ok(transaction) => {
                    work(&mut |command| {
                        transmit_on(&transaction, command).map_err(|error| {
                            if is_recoverable(error) {
                                lost = Some(error);
                            }
                            unavailable(&reader, error)
                        })
                    });
                    Outcome::Ran {
                        end: transaction
                            .end(Disposition::LeaveCard)
                            .err()
                            .map(|(_, e)| e),
                    }
                }
                Err((_, error)) => Outcome::NotBegun(error),
            };
            let end = match outcome {
                Outcome::NotBegun(error) if !retried && is_recoverable(error) => {
                    retried = true;
                    self.recover(error)?;
                    continue;
                }
                Outcome::NotBegun(error) => return Err(unavailable(&reader, error)),
                Outcome::Ran { end } => end,
            };
            // Removed or reset in the middle of `work`: its result already says so; the
            // next command starts from a fresh connection if this one cannot be mended.
            if let Some(error) = lost.or(end.filter(|e| is_recoverable(*e))) {
                if self.recover(error).is_err() {
                    self.card = None;
                }
            }
            return Ok(());
        }
    }
}

/// How a transaction went (kept apart so the card's borrow ends before any reconnection).
enum Outcome {
    /// `work` ran; ending the transaction may have failed.
    Ran { end: Option<pcsc::Error> },
    /// The transaction could not begin: nothing was sent.
    NotBegun(pcsc::Error),
}
