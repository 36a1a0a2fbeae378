//! Command APDUs on the wire: short APDUs, command chaining and GET RESPONSE (ISO 7816-4 §5.1,
//! SP 800-73-4 Part 2 §3 "APDU command chaining"), as OpenSC and yubico-piv-tool send them.

use zeroize::Zeroizing;

use crate::error::Error;
use crate::transport::{Transmit, Transport, TransportError};
use jeton_wire::{ins, StatusWord};

/// Short APDUs carry at most 255 data bytes; longer data goes out in a chain.
const MAX_SHORT_DATA: usize = 255;
/// A response longer than this is a broken card, not a PIV object (the largest PIV object,
/// the facial image, stays well under it).
const MAX_RESPONSE: usize = 1 << 20;
/// Enough GET RESPONSE rounds for MAX_RESPONSE in 256-byte pieces; more is a card looping.
const MAX_GET_RESPONSES: usize = MAX_RESPONSE / 256;

/// One command before it is split into short APDUs. Its data may hold a PIN or a key, so it
/// is wiped when dropped.
#[derive(Clone)]
pub struct Command {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Zeroizing<Vec<u8>>,
    expects_response: bool,
}

impl Command {
    pub fn new(ins: u8, p1: u8, p2: u8) -> Command {
        Command {
            cla: 0x00,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            expects_response: false,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Command {
        self.data = Zeroizing::new(data.into());
        self
    }

    /// Asks for response data: the last APDU ends with Le = 00 (up to 256 bytes, the rest by
    /// GET RESPONSE).
    pub fn expecting_response(mut self) -> Command {
        self.expects_response = true;
        self
    }

    /// The short APDUs that carry this command: one, or a chain of 255-byte pieces.
    pub fn to_short_apdus(&self) -> Vec<Zeroizing<Vec<u8>>> {
        let header = |cla: u8| vec![cla, self.ins, self.p1, self.p2];
        if self.data.is_empty() {
            let mut apdu = header(self.cla);
            if self.expects_response {
                apdu.push(0x00);
            }
            return vec![Zeroizing::new(apdu)];
        }
        let chunks: Vec<&[u8]> = self.data.chunks(MAX_SHORT_DATA).collect();
        let last = chunks.len() - 1;
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let cla = if i == last {
                    self.cla
                } else {
                    self.cla | ins::CLA_CHAINING
                };
                let mut apdu = header(cla);
                apdu.reserve(chunk.len() + 2);
                apdu.push(chunk.len() as u8);
                apdu.extend_from_slice(chunk);
                if i == last && self.expects_response {
                    apdu.push(0x00);
                }
                Zeroizing::new(apdu)
            })
            .collect()
    }
}

/// The card's answer to a whole command: all its data, and the final status word.
pub struct Response {
    pub data: Zeroizing<Vec<u8>>,
    pub status: StatusWord,
}

impl Response {
    /// The data, moved out (the empty buffer left behind is what gets wiped).
    pub fn take_data(&mut self) -> Vec<u8> {
        std::mem::take(&mut *self.data)
    }
}

fn split_response(raw: &[u8]) -> Result<(&[u8], StatusWord), Error> {
    match raw {
        [data @ .., sw1, sw2] => Ok((data, StatusWord::from_bytes(*sw1, *sw2))),
        _ => Err(Error::MalformedResponse(
            "response shorter than a status word",
        )),
    }
}

fn send(transmit: &mut Transmit<'_>, apdu: &[u8], data: &mut Vec<u8>) -> Result<StatusWord, Error> {
    let raw = Zeroizing::new(transmit(apdu)?);
    let (bytes, status) = split_response(&raw)?;
    if data.len() + bytes.len() > MAX_RESPONSE {
        return Err(Error::MalformedResponse("response too long"));
    }
    data.extend_from_slice(bytes);
    Ok(status)
}

/// Sends a command (chained if needed) and collects the whole response, following `61 xx`
/// with GET RESPONSE. A non-9000 status on a link of the chain ends the exchange with it.
/// The whole exchange runs in one [`Transport::exclusive`] section, so that no other
/// program's APDU comes between the links or before the GET RESPONSE.
pub fn transceive<T: Transport + ?Sized>(
    transport: &mut T,
    command: &Command,
) -> Result<Response, Error> {
    let mut outcome = None;
    transport.exclusive(&mut |transmit| outcome = Some(transceive_exclusive(transmit, command)))?;
    outcome.unwrap_or_else(|| {
        Err(Error::Transport(TransportError::Unavailable(
            "the card was not reached".into(),
        )))
    })
}

fn transceive_exclusive(transmit: &mut Transmit<'_>, command: &Command) -> Result<Response, Error> {
    let apdus = command.to_short_apdus();
    let mut data = Zeroizing::new(Vec::new());
    let Some((last, links)) = apdus.split_last() else {
        return Err(Error::MalformedResponse("empty command"));
    };
    for link in links {
        let status = send(transmit, link, &mut data)?;
        if !status.is_success() {
            return Ok(Response { data, status });
        }
        data.clear();
    }
    let mut status = send(transmit, last, &mut data)?;
    if status.sw1() == 0x6C && command.expects_response {
        // ISO 7816-4 §5.6: wrong Le; resend the last APDU with the Le the card asks for.
        let mut retry = Zeroizing::new(last.to_vec());
        if let Some(le) = retry.last_mut() {
            *le = status.sw2();
        }
        data.clear();
        status = send(transmit, &retry, &mut data)?;
    }
    let mut rounds = 0;
    while let Some(remaining) = status.bytes_remaining() {
        rounds += 1;
        if rounds > MAX_GET_RESPONSES {
            return Err(Error::MalformedResponse("endless GET RESPONSE chain"));
        }
        let le = if remaining >= 256 { 0 } else { remaining as u8 };
        let get_response = [0x00, ins::GET_RESPONSE, 0x00, 0x00, le];
        status = send(transmit, &get_response, &mut data)?;
    }
    Ok(Response { data, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(apdus: &[Zeroizing<Vec<u8>>]) -> Vec<String> {
        apdus
            .iter()
            .map(|a| a.iter().map(|b| format!("{b:02x}")).collect())
            .collect()
    }

    #[test]
    fn case_1_2_3_4_encodings() {
        assert_eq!(
            hex(&Command::new(0x20, 0x00, 0x80).to_short_apdus()),
            ["00200080"]
        );
        assert_eq!(
            hex(&Command::new(0xF8, 0, 0)
                .expecting_response()
                .to_short_apdus()),
            ["00f8000000"]
        );
        assert_eq!(
            hex(&Command::new(0x20, 0, 0x80)
                .with_data([1, 2])
                .to_short_apdus()),
            ["00200080020102"]
        );
        assert_eq!(
            hex(&Command::new(0x87, 0x03, 0x9B)
                .with_data([0x7C, 0x02, 0x80, 0x00])
                .expecting_response()
                .to_short_apdus()),
            ["0087039b047c02800000"]
        );
    }

    #[test]
    fn long_data_is_chained_in_255_byte_links_with_le_only_on_the_last() {
        let data: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
        let apdus = Command::new(0x87, 0x07, 0x9A)
            .with_data(data.clone())
            .expecting_response()
            .to_short_apdus();
        assert_eq!(apdus.len(), 3);
        assert_eq!(&apdus[0][..5], &[0x10, 0x87, 0x07, 0x9A, 0xFF]);
        assert_eq!(apdus[0].len(), 5 + 255);
        assert_eq!(&apdus[1][..5], &[0x10, 0x87, 0x07, 0x9A, 0xFF]);
        assert_eq!(&apdus[2][..5], &[0x00, 0x87, 0x07, 0x9A, 90]);
        assert_eq!(apdus[2].len(), 5 + 90 + 1);
        assert_eq!(apdus[2].last(), Some(&0x00));
        let rejoined: Vec<u8> = apdus
            .iter()
            .flat_map(|a| a[5..5 + usize::from(a[4])].to_vec())
            .collect();
        assert_eq!(rejoined, data);
    }

    #[test]
    fn exactly_255_bytes_need_no_chain() {
        let apdus = Command::new(0xDB, 0x3F, 0xFF)
            .with_data(vec![0; 255])
            .to_short_apdus();
        assert_eq!(apdus.len(), 1);
        assert_eq!(apdus[0][0], 0x00);
    }

    struct Scripted(Vec<(Vec<u8>, Vec<u8>)>);

    impl Transport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            assert!(!self.0.is_empty(), "unexpected command {command:02x?}");
            let (expected, response) = self.0.remove(0);
            assert_eq!(command, &expected[..]);
            Ok(response)
        }
    }

    #[test]
    fn follows_61xx_with_get_response_and_6cxx_with_the_right_le() {
        let mut card = Scripted(vec![
            (vec![0x00, 0xCB, 0x3F, 0xFF, 0x00], vec![0x6C, 0x03]),
            (
                vec![0x00, 0xCB, 0x3F, 0xFF, 0x03],
                vec![1, 2, 3, 0x61, 0x00],
            ),
            (vec![0x00, 0xC0, 0x00, 0x00, 0x00], vec![4, 0x61, 0x02]),
            (vec![0x00, 0xC0, 0x00, 0x00, 0x02], vec![5, 6, 0x90, 0x00]),
        ]);
        let response = transceive(
            &mut card,
            &Command::new(0xCB, 0x3F, 0xFF).expecting_response(),
        )
        .unwrap();
        assert_eq!(&response.data[..], &[1, 2, 3, 4, 5, 6]);
        assert!(response.status.is_success());
        assert!(card.0.is_empty());
    }

    #[test]
    fn a_refused_link_stops_the_chain() {
        let mut card = Scripted(vec![(
            [vec![0x10, 0xDB, 0x3F, 0xFF, 0xFF], vec![0; 255]].concat(),
            vec![0x69, 0x82],
        )]);
        let command = Command::new(0xDB, 0x3F, 0xFF).with_data(vec![0; 300]);
        let response = transceive(&mut card, &command).unwrap();
        assert_eq!(response.status, StatusWord::SECURITY_STATUS_NOT_SATISFIED);
    }

    #[test]
    fn a_response_without_status_word_is_an_error() {
        let mut card = Scripted(vec![(vec![0x00, 0xFD, 0x00, 0x00, 0x00], vec![0x90])]);
        let result = transceive(&mut card, &Command::new(0xFD, 0, 0).expecting_response());
        assert!(matches!(result, Err(Error::MalformedResponse(_))));
    }
}
