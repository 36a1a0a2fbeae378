//! The vpcd plug: a [`Card`] served to `pcscd` through the vsmartcard `vpcd` reader driver,
//! so that every PC/SC program (OpenSC, yubico-piv-tool, browsers) sees it in a reader.
//!
//! vpcd listens on TCP (35963 for its first reader, 35964 for the second) and the card
//! connects to it. Both directions carry frames: a big-endian `u16` length, then that many
//! bytes. vpcd sends one-byte control frames (00 power off, 01 power on, 02 reset, 04 get
//! ATR) and command APDUs (two bytes or more); the card answers the ATR request and each
//! APDU with one frame, and nothing else. An empty frame or a closed socket means "card
//! removed" to vpcd, so the card never sends one.
//!
//! Latency: Debian 12's vpcd writes the length and the body in two `send()`s, so Nagle on
//! one side and delayed ACK on the other cost about 40 ms per APDU. The card side sets
//! `TCP_NODELAY` and re-arms `TCP_QUICKACK` (Linux clears it) before every read: 0.15 ms.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::{Card, CardError};

/// The ATR: T=1, and the PIV AID in the historical bytes (compact-TLV tag F), which OpenSC
/// takes for a plain PIV card with no vendor quirks.
pub const ATR: [u8; 15] = [
    0x3B, 0x8B, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x48,
];

/// vpcd's port for its first reader ("Virtual PCD 00 00"); the second is the next one.
pub const DEFAULT_PORT: u16 = 35963;

/// How often a blocked read wakes up to see whether the plug must stop.
const POLL: Duration = Duration::from_millis(200);
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// A frame vpcd's side sent that the protocol does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("empty vpcd frame")]
    Empty,
    #[error("unknown vpcd control byte {0:#04x}")]
    UnknownControl(u8),
    #[error("a vpcd frame carries at most 65535 bytes, not {0}")]
    TooLong(usize),
}

/// Why the plug stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum VpcdError {
    #[error("vpcd connection: {0}")]
    Io(#[from] io::Error),
    #[error("vpcd protocol: {0}")]
    Frame(#[from] FrameError),
    /// The card's storage failed: it stops answering, as a broken chip would.
    #[error(transparent)]
    Card(#[from] CardError),
}

/// One message from vpcd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    PowerOff,
    PowerOn,
    Reset,
    GetAtr,
    Apdu(&'a [u8]),
}

impl<'a> Message<'a> {
    /// A one-byte frame is always a control message; a command APDU is at least 2 bytes.
    pub fn parse(frame: &'a [u8]) -> Result<Message<'a>, FrameError> {
        match frame {
            [] => Err(FrameError::Empty),
            [0x00] => Ok(Message::PowerOff),
            [0x01] => Ok(Message::PowerOn),
            [0x02] => Ok(Message::Reset),
            [0x04] => Ok(Message::GetAtr),
            [other] => Err(FrameError::UnknownControl(*other)),
            apdu => Ok(Message::Apdu(apdu)),
        }
    }
}

/// `length ‖ payload` in one buffer, so it leaves in one `send()`. Empty payloads are
/// refused: vpcd would read them as a removed card.
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    if payload.is_empty() {
        return Err(FrameError::Empty);
    }
    let length = u16::try_from(payload.len()).map_err(|_| FrameError::TooLong(payload.len()))?;
    let mut out = Vec::with_capacity(2 + payload.len());
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}

/// Splits a byte stream into frames, whatever pieces it arrives in.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
}

impl FrameDecoder {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame, if one has arrived (possibly empty: the caller decides).
    pub fn next_frame(&mut self) -> Option<Vec<u8>> {
        let (length, rest) = self.buffer.split_first_chunk::<2>()?;
        let length = usize::from(u16::from_be_bytes(*length));
        let payload = rest.get(..length)?.to_vec();
        self.buffer.drain(..2 + length);
        Some(payload)
    }

    /// Whether part of a frame is waiting for the rest.
    pub fn is_mid_frame(&self) -> bool {
        !self.buffer.is_empty()
    }
}

/// What the plug reports. APDUs are reported by instruction and status word only: their
/// data may hold a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Connected(SocketAddr),
    /// vpcd is not there (pcscd stopped, or not started yet); retrying after `retry_in`.
    Unreachable {
        error: String,
        retry_in: Duration,
    },
    /// vpcd closed the connection (pcscd stopped or restarted).
    Disconnected,
    PowerOn,
    PowerOff,
    Reset,
    Apdu {
        ins: u8,
        sw: u16,
        elapsed: Duration,
    },
}

/// Tunes a connected socket for one small request and one small answer at a time.
fn tune(stream: &TcpStream) -> io::Result<()> {
    rustix::net::sockopt::set_tcp_nodelay(stream, true)?;
    stream.set_read_timeout(Some(POLL))
}

/// Reads whole frames, re-arming `TCP_QUICKACK` before every read and waking every
/// [`POLL`] to look at `stop`. `Ok(None)`: vpcd closed the connection, or stop was asked
/// between frames.
fn read_frame(
    stream: &mut TcpStream,
    decoder: &mut FrameDecoder,
    stop: &AtomicBool,
) -> io::Result<Option<Vec<u8>>> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(frame) = decoder.next_frame() {
            return Ok(Some(frame));
        }
        if stop.load(Ordering::Relaxed) && !decoder.is_mid_frame() {
            return Ok(None);
        }
        // Linux clears QUICKACK after a while; unarmed, our ACK of vpcd's first half-frame
        // is delayed and its second half waits for it (Nagle): 40 ms per APDU.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        rustix::net::sockopt::set_tcp_quickack(&*stream, true)?;
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => decoder.push(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn status_word(response: &[u8]) -> u16 {
    match response {
        [.., sw1, sw2] => u16::from_be_bytes([*sw1, *sw2]),
        _ => 0,
    }
}

/// Serves one vpcd connection until vpcd closes it or `stop` is set. The card is powered
/// off whatever happens: a new connection is a new insertion.
pub fn serve_connection(
    stream: &mut TcpStream,
    card: &mut Card,
    stop: &AtomicBool,
    log: &mut dyn FnMut(Event),
) -> Result<(), VpcdError> {
    tune(stream)?;
    let mut decoder = FrameDecoder::default();
    let result = (|| {
        while let Some(frame) = read_frame(stream, &mut decoder, stop)? {
            match Message::parse(&frame)? {
                Message::PowerOff => {
                    card.power_cycle();
                    log(Event::PowerOff);
                }
                Message::PowerOn => {
                    card.power_cycle();
                    log(Event::PowerOn);
                }
                Message::Reset => {
                    card.power_cycle();
                    log(Event::Reset);
                }
                Message::GetAtr => stream.write_all(&encode_frame(&ATR)?)?,
                Message::Apdu(command) => {
                    let started = Instant::now();
                    let response = card.transmit(command)?;
                    stream.write_all(&encode_frame(&response)?)?;
                    log(Event::Apdu {
                        ins: command[1],
                        sw: status_word(&response),
                        elapsed: started.elapsed(),
                    });
                }
            }
        }
        Ok(())
    })();
    card.power_cycle();
    result
}

/// Sleeps up to `duration`, waking early when `stop` is set.
fn pause(duration: Duration, stop: &AtomicBool) {
    let deadline = Instant::now() + duration;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
}

/// Plugs `card` into the vpcd at `address` and keeps it plugged: connects, serves, and
/// when vpcd goes away (pcscd stopped or restarted) powers the card off and reconnects
/// with a growing pause, until `stop` is set. Returns an error only if the card's own
/// storage fails or the address cannot be resolved.
pub fn run(
    address: &str,
    card: &mut Card,
    stop: &AtomicBool,
    log: &mut dyn FnMut(Event),
) -> Result<(), VpcdError> {
    let mut backoff = BACKOFF_START;
    while !stop.load(Ordering::Relaxed) {
        let targets: Vec<SocketAddr> = address.to_socket_addrs()?.collect();
        let connected = targets
            .iter()
            .find_map(|target| TcpStream::connect_timeout(target, BACKOFF_MAX).ok());
        let Some(mut stream) = connected else {
            log(Event::Unreachable {
                error: format!("nothing listens on {address}"),
                retry_in: backoff,
            });
            pause(backoff, stop);
            backoff = (backoff * 2).min(BACKOFF_MAX);
            continue;
        };
        backoff = BACKOFF_START;
        if let Ok(peer) = stream.peer_addr() {
            log(Event::Connected(peer));
        }
        match serve_connection(&mut stream, card, stop, log) {
            Ok(()) => {}
            Err(VpcdError::Card(error)) => return Err(VpcdError::Card(error)),
            // A reset connection or a frame vpcd should not send: drop it, plug in again.
            Err(VpcdError::Io(_) | VpcdError::Frame(_)) => {}
        }
        if !stop.load(Ordering::Relaxed) {
            log(Event::Disconnected);
            pause(BACKOFF_START, stop);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CardDirectory, Personalisation};
    use std::net::TcpListener;
    use std::sync::Arc;

    /// vpcd's side of the protocol, as `ifd-vpcd` speaks it: one send for the length and
    /// one for the body.
    struct FakeVpcd {
        stream: TcpStream,
    }

    impl FakeVpcd {
        fn send(&mut self, payload: &[u8]) {
            self.stream
                .write_all(&(payload.len() as u16).to_be_bytes())
                .unwrap();
            self.stream.write_all(payload).unwrap();
        }

        fn receive(&mut self) -> Vec<u8> {
            let mut length = [0u8; 2];
            self.stream.read_exact(&mut length).unwrap();
            let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
            self.stream.read_exact(&mut payload).unwrap();
            payload
        }

        fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
            self.send(apdu);
            self.receive()
        }
    }

    struct Plugged {
        vpcd: FakeVpcd,
        stop: Arc<AtomicBool>,
        card: std::thread::JoinHandle<(Result<(), VpcdError>, Vec<Event>)>,
        _dir: tempfile::TempDir,
    }

    fn plug_in() -> Plugged {
        let dir = tempfile::tempdir().unwrap();
        let cards = CardDirectory::new(dir.path().join("cards"));
        let mut card = cards.create(&Personalisation::factory(4242)).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let card_stop = Arc::clone(&stop);
        let card = std::thread::spawn(move || {
            let mut events = Vec::new();
            let result = run(&address, &mut card, &card_stop, &mut |e| events.push(e));
            (result, events)
        });
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Plugged {
            vpcd: FakeVpcd { stream },
            stop,
            card,
            _dir: dir,
        }
    }

    impl Plugged {
        fn unplug(self) -> Vec<Event> {
            self.stop.store(true, Ordering::Relaxed);
            let (result, events) = self.card.join().unwrap();
            result.unwrap();
            events
        }
    }

    const SELECT_PIV: [u8; 15] = [
        0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00,
    ];

    #[test]
    fn vpcd_gets_the_piv_atr_and_the_card_answers_select() {
        let mut p = plug_in();
        p.vpcd.send(&[0x01]);
        assert_eq!(p.vpcd.transmit(&[0x04]), ATR);
        let response = p.vpcd.transmit(&SELECT_PIV);
        assert_eq!(response[..2], [0x61, response.len() as u8 - 4]);
        assert_eq!(response[response.len() - 2..], [0x90, 0x00]);
        let events = p.unplug();
        assert!(events.contains(&Event::PowerOn));
        assert!(events.iter().any(|e| matches!(
            e,
            Event::Apdu {
                ins: 0xA4,
                sw: 0x9000,
                ..
            }
        )));
    }

    #[test]
    fn power_off_and_reset_get_no_reply_and_forget_the_pin() {
        let mut p = plug_in();
        let verify = [
            0x00, 0x20, 0x00, 0x80, 0x08, b'1', b'2', b'3', b'4', b'5', b'6', 0xFF, 0xFF,
        ];
        assert_eq!(p.vpcd.transmit(&verify), [0x90, 0x00]);
        assert_eq!(p.vpcd.transmit(&[0x00, 0x20, 0x00, 0x80]), [0x90, 0x00]);
        // No reply to power off / reset: the next frame received is the ATR.
        p.vpcd.send(&[0x00]);
        p.vpcd.send(&[0x02]);
        assert_eq!(p.vpcd.transmit(&[0x04]), ATR);
        assert_eq!(p.vpcd.transmit(&[0x00, 0x20, 0x00, 0x80]), [0x63, 0xC3]);
        p.unplug();
    }

    #[test]
    fn an_error_status_is_still_a_frame_never_an_empty_one() {
        let mut p = plug_in();
        assert_eq!(p.vpcd.transmit(&[0x00, 0xEE]), [0x67, 0x00]);
        assert_eq!(p.vpcd.transmit(&[0x00, 0xEE, 0x00, 0x00]), [0x6D, 0x00]);
        p.unplug();
    }

    #[test]
    fn an_unknown_control_byte_drops_the_connection_and_the_card_plugs_in_again() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let dir = tempfile::tempdir().unwrap();
        let mut card = CardDirectory::new(dir.path().join("cards"))
            .create(&Personalisation::factory(7))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let card_stop = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut events = Vec::new();
            let result = run(&address, &mut card, &card_stop, &mut |e| events.push(e));
            (result, events)
        });
        let (stream, _) = listener.accept().unwrap();
        let mut first = FakeVpcd { stream };
        first.send(&[0x03]);
        // pcscd restarted: the card comes back on its own.
        let (stream, _) = listener.accept().unwrap();
        let mut second = FakeVpcd { stream };
        assert_eq!(second.transmit(&[0x04]), ATR);
        stop.store(true, Ordering::Relaxed);
        let (result, events) = handle.join().unwrap();
        result.unwrap();
        assert!(events.contains(&Event::Disconnected));
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, Event::Connected(_)))
                .count(),
            2
        );
    }

    #[test]
    fn the_card_waits_for_vpcd_and_stops_when_asked() {
        // A port nobody listens on: bind, note it, close.
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        let dir = tempfile::tempdir().unwrap();
        let mut card = CardDirectory::new(dir.path().join("cards"))
            .create(&Personalisation::factory(8))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let card_stop = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut events = Vec::new();
            let result = run(&address, &mut card, &card_stop, &mut |e| events.push(e));
            (result, events)
        });
        std::thread::sleep(Duration::from_millis(400));
        stop.store(true, Ordering::Relaxed);
        let (result, events) = handle.join().unwrap();
        result.unwrap();
        assert!(events.len() >= 2, "retried: {events:?}");
        assert!(events
            .iter()
            .all(|e| matches!(e, Event::Unreachable { .. })));
    }

    #[test]
    fn frames_split_anywhere_are_reassembled() {
        let stream = [
            encode_frame(&[0x04]).unwrap(),
            encode_frame(&SELECT_PIV).unwrap(),
        ]
        .concat();
        for cut in 0..=stream.len() {
            let mut decoder = FrameDecoder::default();
            let mut frames = Vec::new();
            for piece in [&stream[..cut], &stream[cut..]] {
                decoder.push(piece);
                while let Some(frame) = decoder.next_frame() {
                    frames.push(frame);
                }
            }
            assert_eq!(
                frames,
                vec![vec![0x04], SELECT_PIV.to_vec()],
                "cut at {cut}"
            );
            assert!(!decoder.is_mid_frame());
        }
    }

    #[test]
    fn controls_and_apdus_are_told_apart() {
        assert_eq!(Message::parse(&[0x00]), Ok(Message::PowerOff));
        assert_eq!(Message::parse(&[0x01]), Ok(Message::PowerOn));
        assert_eq!(Message::parse(&[0x02]), Ok(Message::Reset));
        assert_eq!(Message::parse(&[0x04]), Ok(Message::GetAtr));
        assert_eq!(
            Message::parse(&[0x03]),
            Err(FrameError::UnknownControl(0x03))
        );
        assert_eq!(Message::parse(&[]), Err(FrameError::Empty));
        assert_eq!(
            Message::parse(&[0x00, 0xA4]),
            Ok(Message::Apdu(&[0x00, 0xA4]))
        );
        assert_eq!(encode_frame(&[]), Err(FrameError::Empty));
        assert_eq!(
            encode_frame(&vec![0; 70_000]),
            Err(FrameError::TooLong(70_000))
        );
    }
}
