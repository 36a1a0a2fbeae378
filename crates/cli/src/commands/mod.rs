//! One module per concern; each command takes a [`Ctx`] so that the demo can run the very
//! same code on its own card with scripted secrets.

pub mod audit;
pub mod backup;
pub mod ca;
pub mod card;
pub mod cert;
pub mod demo;
pub mod key;
pub mod pin;
pub mod pkcs11;
pub mod serve;
pub mod server;
pub mod status;

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use jeton_piv::{
    InProcessTransport, KeyReference, ManagementKey, ManagementKeyAlgorithm, Metadata,
    MetadataAlgorithm, PivClient, Transport,
};

use crate::cli::{CardChoice, Confirmation};
use crate::error::CliError;
use crate::home::Home;
use crate::i18n::{Lang, Msg};
use crate::secrets::{SecretKind, Secrets, Stage};

/// A virtual card in this process, or a card in a PC/SC reader (`--reader`).
pub type Piv = PivClient<Box<dyn Transport>>;

/// What every command works with.
pub struct Ctx<'a> {
    pub lang: Lang,
    pub home: Home,
    pub secrets: Secrets,
    /// `--reader`: the card in this PC/SC reader instead of a virtual card.
    pub reader: Option<String>,
    /// Results: what a script would pipe on.
    pub out: &'a mut dyn Write,
    /// Remarks for the holder when `out` carries data (a key, a signature).
    pub err: &'a mut dyn Write,
}

impl Ctx<'_> {
    pub fn say(&mut self, msg: Msg) -> Result<(), CliError> {
        writeln!(self.out, "{}", msg.text(self.lang)).map_err(CliError::Output)
    }

    pub fn note(&mut self, msg: Msg) -> Result<(), CliError> {
        writeln!(self.err, "{}", msg.text(self.lang)).map_err(CliError::Output)
    }

    /// Opens the chosen card, virtual or in a reader, and selects its PIV application.
    pub fn open(&self, choice: &CardChoice) -> Result<Piv, CliError> {
        if let Some(reader) = choice.reader.as_ref().or(self.reader.as_ref()) {
            if choice.serial.is_some() {
                return Err(CliError::CardAndReader);
            }
            return open_reader(reader);
        }
        let serial = self.home.choose(choice.serial)?;
        let card = self.home.cards().open(serial)?;
        let transport: Box<dyn Transport> = Box::new(InProcessTransport::new(card));
        Ok(PivClient::open(transport)?)
    }

    /// Reads the current management key and authenticates with it. An empty line means
    /// the factory default, as on a card fresh from the factory.
    pub fn authenticate(&mut self, piv: &mut Piv) -> Result<(), CliError> {
        let hex = self
            .secrets
            .read(SecretKind::ManagementKey, Stage::Current)?;
        let key = if hex.is_empty() {
            ManagementKey::factory_default()
        } else {
            let text = std::str::from_utf8(&hex)
                .map_err(|_| jeton_piv::Error::InvalidManagementKey("not hexadecimal"))?;
            ManagementKey::from_hex(current_management_algorithm(piv, hex.len() / 2), text)?
        };
        piv.authenticate(&key)?;
        Ok(())
    }

    /// Before a destructive step: says what will be lost, then asks on the terminal. A
    /// script must say `--yes`; with no terminal to ask on, nothing is done.
    pub fn confirm(&mut self, confirmation: Confirmation, loss: Msg) -> Result<(), CliError> {
        if confirmation.yes {
            return Ok(());
        }
        self.note(loss)?;
        if !std::io::stdin().is_terminal() {
            return Err(CliError::ConfirmationNeeded);
        }
        write!(self.err, "{}", Msg::ConfirmQuestion.text(self.lang)).map_err(CliError::Output)?;
        self.err.flush().map_err(CliError::Output)?;
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(CliError::Terminal)?;
        // "yes" in either language, as typed.
        match answer.trim().to_lowercase().as_str() {
            "y" | "yes" | "o" | "oui" => Ok(()),
            _ => Err(CliError::NotConfirmed),
        }
    }

    /// Writes data to `path`, or to stdout when there is none.
    pub fn write_output(&mut self, path: Option<&Path>, data: &[u8]) -> Result<(), CliError> {
        match path {
            Some(path) => std::fs::write(path, data).map_err(|error| CliError::Io {
                path: path.to_owned(),
                error,
            }),
            None => self.out.write_all(data).map_err(CliError::Output),
        }
    }
}

#[cfg(feature = "pcsc")]
fn open_reader(reader: &str) -> Result<Piv, CliError> {
    let client = jeton_piv::PcscTransport::open_piv(reader)?;
    let transport: Box<dyn Transport> = Box::new(client.into_transport());
    Ok(PivClient::new(transport))
}

#[cfg(not(feature = "pcsc"))]
fn open_reader(_reader: &str) -> Result<Piv, CliError> {
    Err(CliError::NoPcscSupport)
}

/// The cipher of the card's management key, as GET METADATA tells it; without it, the one
/// a key of that length most likely is (24 bytes: the PIV default, 3DES).
fn current_management_algorithm(piv: &mut Piv, key_len: usize) -> ManagementKeyAlgorithm {
    if let Ok(Metadata {
        algorithm: Some(MetadataAlgorithm::ManagementKey(algorithm)),
        ..
    }) = piv.metadata(KeyReference::ManagementKey)
    {
        return algorithm;
    }
    match key_len {
        16 => ManagementKeyAlgorithm::Aes128,
        32 => ManagementKeyAlgorithm::Aes256,
        _ => ManagementKeyAlgorithm::TripleDes,
    }
}

#[cfg(all(test, not(feature = "pcsc")))]
mod tests {
    use super::*;

    #[test]
    fn without_pcsc_support_a_reader_is_refused_clearly() {
        let error = open_reader("Virtual")
            .err()
            .expect("no PC/SC in this build");
        assert!(matches!(error, CliError::NoPcscSupport));
        let text = error.text(crate::i18n::Lang::En);
        assert!(text.contains("no PC/SC support") && text.contains("--features jeton/pcsc"));
    }
}
