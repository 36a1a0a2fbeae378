//! BER-TLV as PIV uses it (SP 800-73-4 Part 2 §3 and Part 1 Appendix A): tags of one to
//! three bytes, definite lengths of up to three bytes. Parsing never panics.

/// One tag-length-value borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("TLV truncated")]
    Truncated,
    #[error("TLV tag longer than three bytes")]
    TagTooLong,
    #[error("TLV length form not supported")]
    BadLength,
}

/// Reads one TLV from the front of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError::Truncated)?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        // Multi-byte tag: subsequent bytes while bit 8 is set.
        loop {
            let (&next, after) = rest.split_first().ok_or(TlvError::Truncated)?;
            rest = after;
            if tag > 0xFFFF {
                return Err(TlvError::TagTooLong);
            }
            tag = (tag << 8) | u32::from(next);
            if next & 0x80 == 0 {
                break;
            }
        }
    }
    let (&len_byte, after) = rest.split_first().ok_or(TlvError::Truncated)?;
    rest = after;
    let len = match len_byte {
        0x00..=0x7F => usize::from(len_byte),
        0x81..=0x83 => {
            let count = usize::from(len_byte & 0x7F);
            let bytes = rest.get(..count).ok_or(TlvError::Truncated)?;
            rest = &rest[count..];
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return Err(TlvError::BadLength),
    };
    let value = rest.get(..len).ok_or(TlvError::Truncated)?;
    Ok((Tlv { tag, value }, &rest[len..]))
}

/// Splits `input` into its sequence of TLVs; the whole input must be consumed.
pub fn read_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut items = Vec::new();
    while !input.is_empty() {
        let (item, rest) = read(input)?;
        items.push(item);
        input = rest;
    }
    Ok(items)
}

/// The value of the first TLV with `tag` in a sequence, if any.
pub fn find<'a>(items: &[Tlv<'a>], tag: u32) -> Option<&'a [u8]> {
    items
        .iter()
        .find(|item| item.tag == tag)
        .map(|item| item.value)
}

/// Appends the encoding of `tag`, the length of `value`, and `value` to `out`.
pub fn write(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().take_while(|b| **b == 0).count().min(3);
    out.extend_from_slice(&tag_bytes[skip..]);
    write_length(out, value.len());
    out.extend_from_slice(value);
}

/// How many bytes the BER length of `len` takes.
pub fn length_size(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    }
}

/// Appends the BER length of `len`.
pub fn write_length(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
    }
}

/// `tag` wrapping `value`, as a new vector.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    write(&mut out, tag, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_piv_tags_and_long_lengths() {
        let mut bytes = encode(0x5FC105, &[0xAA; 300]);
        bytes.extend(encode(0x7E, &[1, 2]));
        let items = read_all(&bytes).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].tag, 0x5FC105);
        assert_eq!(items[0].value.len(), 300);
        assert_eq!(find(&items, 0x7E), Some(&[1u8, 2][..]));
    }

    #[test]
    fn truncated_value_is_an_error() {
        assert_eq!(read(&[0x53, 0x82, 0x01]), Err(TlvError::Truncated));
        assert_eq!(read(&[0x53, 0x05, 1, 2]), Err(TlvError::Truncated));
        assert_eq!(read(&[0x53, 0x84, 0, 0, 0, 1]), Err(TlvError::BadLength));
    }
}
