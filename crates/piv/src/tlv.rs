//! A small BER-TLV codec for the PIV templates (SP 800-73-4 Part 2 §3, ISO 7816-4 §5.2).
//!
//! PIV uses tags of one to three bytes and lengths of up to three bytes (`83 xx xx xx`);
//! the parser refuses anything else with an error, and never panics, whatever the bytes
//! (property-tested below): every byte it reads comes from the card.

/// One data object: its tag (the tag bytes read big-endian, e.g. `0x7F49`) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

/// Why bytes are not a well-formed TLV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("TLV truncated")]
    Truncated,
    #[error("TLV tag longer than 3 bytes")]
    TagTooLong,
    #[error("TLV length field unsupported")]
    BadLength,
}

/// Reads one TLV at the start of `input`; returns it and the bytes after it.
pub fn parse_one(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = input.split_first().ok_or(TlvError::Truncated)?;
    let mut tag = u32::from(first);
    // ISO 7816-4 §5.2.2.1: low five bits all set = the tag goes on; b8 set = one more byte.
    if first & 0x1F == 0x1F {
        let mut tag_len = 1;
        loop {
            let (&b, r) = rest.split_first().ok_or(TlvError::Truncated)?;
            rest = r;
            tag_len += 1;
            if tag_len > 3 {
                return Err(TlvError::TagTooLong);
            }
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let (&l0, r) = rest.split_first().ok_or(TlvError::Truncated)?;
    rest = r;
    let len = match l0 {
        0x00..=0x7F => usize::from(l0),
        0x81..=0x83 => {
            let n = usize::from(l0 & 0x7F);
            if rest.len() < n {
                return Err(TlvError::Truncated);
            }
            let (bytes, r) = rest.split_at(n);
            rest = r;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return Err(TlvError::BadLength),
    };
    if rest.len() < len {
        return Err(TlvError::Truncated);
    }
    let (value, rest) = rest.split_at(len);
    Ok((Tlv { tag, value }, rest))
}

/// Reads a sequence of TLVs that fills `input` exactly.
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_one(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// Reads exactly one TLV with the expected tag that fills `input`, and returns its value.
pub fn parse_single(input: &[u8], tag: u32) -> Result<Option<&[u8]>, TlvError> {
    let (tlv, rest) = parse_one(input)?;
    Ok((tlv.tag == tag && rest.is_empty()).then_some(tlv.value))
}

/// The value of the first TLV with `tag` in a sequence.
pub fn find(input: &[u8], tag: u32) -> Result<Option<&[u8]>, TlvError> {
    Ok(parse_all(input)?
        .into_iter()
        .find(|t| t.tag == tag)
        .map(|t| t.value))
}

/// Appends the minimal BER encoding of `len`.
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            // PIV objects are at most a few kilobytes; 83 covers 16 MiB.
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
    }
}

/// Appends the tag's bytes (big-endian, without leading zero bytes).
pub fn encode_tag(tag: u32, out: &mut Vec<u8>) {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    out.extend_from_slice(&bytes[skip..]);
}

/// Appends one TLV.
pub fn encode(tag: u32, value: &[u8], out: &mut Vec<u8>) {
    encode_tag(tag, out);
    encode_length(value.len(), out);
    out.extend_from_slice(value);
}

/// One TLV as a new buffer.
pub fn encoded(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    encode(tag, value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_generate_response_of_the_trace() {
        // 7F49 43 86 41 04‖X‖Y: yubico-piv-tool generate, P-256.
        let mut bytes = vec![0x7F, 0x49, 0x43, 0x86, 0x41, 0x04];
        bytes.extend_from_slice(&[0xAB; 64]);
        let (outer, rest) = parse_one(&bytes).unwrap();
        assert_eq!(outer.tag, 0x7F49);
        assert!(rest.is_empty());
        let point = find(outer.value, 0x86).unwrap().unwrap();
        assert_eq!(point.len(), 65);
    }

    #[test]
    fn long_lengths_round_trip() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1A6, 0xFFFF, 0x10000] {
            let value = vec![0x5A; len];
            let bytes = encoded(0x53, &value);
            let (tlv, rest) = parse_one(&bytes).unwrap();
            assert_eq!((tlv.tag, tlv.value.len(), rest.len()), (0x53, len, 0));
        }
        assert_eq!(&encoded(0x53, &[0; 0x1A6])[..4], &[0x53, 0x82, 0x01, 0xA6]);
    }

    #[test]
    fn tags_of_one_two_and_three_bytes() {
        assert_eq!(encoded(0x5C, &[]), vec![0x5C, 0x00]);
        assert_eq!(encoded(0x7F49, &[]), vec![0x7F, 0x49, 0x00]);
        assert_eq!(encoded(0x5FC105, &[]), vec![0x5F, 0xC1, 0x05, 0x00]);
        assert_eq!(
            parse_one(&[0x5F, 0xC1, 0x05, 0x00]).unwrap().0.tag,
            0x5FC105
        );
        assert_eq!(
            parse_one(&[0x5F, 0xC1, 0x85, 0x01, 0x00]),
            Err(TlvError::TagTooLong)
        );
    }

    #[test]
    fn refuses_truncated_and_odd_lengths() {
        assert_eq!(parse_one(&[]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x02, 0x00]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x82, 0x01]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x80]), Err(TlvError::BadLength));
        assert_eq!(
            parse_one(&[0x53, 0x84, 0, 0, 0, 1]),
            Err(TlvError::BadLength)
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_all(&bytes);
            let _ = find(&bytes, 0x53);
            if let Ok((tlv, rest)) = parse_one(&bytes) {
                prop_assert!(tlv.value.len() + rest.len() < bytes.len());
            }
        }

        #[test]
        fn encode_then_parse_is_identity(
            tag in prop_oneof![0x01u32..0x1F, 0x5F01u32..0x5F7F, 0x5FC101u32..0x5FC17F],
            value in proptest::collection::vec(any::<u8>(), 0..1000),
        ) {
            let bytes = encoded(tag, &value);
            let (tlv, rest) = parse_one(&bytes).unwrap();
            prop_assert_eq!(tlv.tag, tag);
            prop_assert_eq!(tlv.value, &value[..]);
            prop_assert!(rest.is_empty());
        }
    }
}
