//! Command APDU parsing (ISO 7816-4 §5.1): the four cases, short and extended length.
//!
//! Parsing never panics: every malformed length is a `6700` for the caller.

use jeton_wire::StatusWord;

/// A parsed command APDU. `le` is the number of bytes the host accepts back: `None` for no
/// Le field, and 256 / 65536 for the encoded zero of a short / extended Le.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
    /// Extended length was used: the response may be returned whole, not in 61xx pieces.
    pub extended: bool,
}

impl Command {
    /// CLA bit 0x10: more commands of this chain follow (ISO 7816-4 §5.1.1.1).
    pub fn is_chained(&self) -> bool {
        self.cla & 0x10 != 0
    }

    pub fn parse(bytes: &[u8]) -> Result<Command, StatusWord> {
        let (header, body) = bytes
            .split_first_chunk::<4>()
            .ok_or(StatusWord::WRONG_LENGTH)?;
        let [cla, ins, p1, p2] = *header;
        let (data, le, extended) = parse_body(body)?;
        Ok(Command {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            le,
            extended,
        })
    }
}

fn short_le(byte: u8) -> usize {
    if byte == 0 {
        256
    } else {
        usize::from(byte)
    }
}

fn extended_le(bytes: [u8; 2]) -> usize {
    match u16::from_be_bytes(bytes) {
        0 => 65536,
        n => usize::from(n),
    }
}

type Body<'a> = (&'a [u8], Option<usize>, bool);

fn parse_body(body: &[u8]) -> Result<Body<'_>, StatusWord> {
    match body {
        // Case 1.
        [] => Ok((&[], None, false)),
        // Case 2 short.
        [le] => Ok((&[], Some(short_le(*le)), false)),
        // Case 2 extended: 00 Le1 Le2.
        [0, le1, le2] => Ok((&[], Some(extended_le([*le1, *le2])), true)),
        // Cases 3 and 4 extended: 00 Lc1 Lc2 data [Le1 Le2]. A short Lc is never 00.
        [0, lc1, lc2, rest @ ..] => {
            let lc = usize::from(u16::from_be_bytes([*lc1, *lc2]));
            if lc == 0 {
                return Err(StatusWord::WRONG_LENGTH);
            }
            match (rest.get(..lc), rest.get(lc..)) {
                (Some(data), Some([])) => Ok((data, None, true)),
                (Some(data), Some([le1, le2])) => Ok((data, Some(extended_le([*le1, *le2])), true)),
                _ => Err(StatusWord::WRONG_LENGTH),
            }
        }
        [0, ..] => Err(StatusWord::WRONG_LENGTH),
        // Cases 3 and 4 short: Lc data [Le].
        [lc, rest @ ..] => {
            let lc = usize::from(*lc);
            match (rest.get(..lc), rest.get(lc..)) {
                (Some(data), Some([])) => Ok((data, None, false)),
                (Some(data), Some([le])) => Ok((data, Some(short_le(*le)), false)),
                _ => Err(StatusWord::WRONG_LENGTH),
            }
        }
    }
}
