//! BER-TLV as PIV uses it (ISO 7816-4 §5.2, SP 800-73-4 Part 2 §3 and Part 1 Appendix A).
//!
//! PIV uses tags of one to three bytes and definite lengths of up to three bytes
//! (`83 xx xx xx`); the parser refuses anything else with a [`TlvError`] and never panics,
//! whatever the bytes (property-tested below): the card parses what a host sends, the host
//! what a card sends.
//!
//! Reading: [`parse_one`], [`parse_all`], [`parse_single`], then [`find`] in what was parsed
//! (or [`find_in`] on the bytes). Writing: [`write`](fn@write) appends one TLV, [`encode`] returns it.

/// One data object borrowed from the input: its tag (the tag bytes read big-endian, e.g.
/// `0x7F49`) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes, big-endian.
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
}

/// Why bytes are not a well-formed TLV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ends inside a tag, a length or a value.
    #[error("TLV truncated")]
    Truncated,
    /// A tag of more than three bytes.
    #[error("TLV tag longer than 3 bytes")]
    TagTooLong,
    /// The indefinite length `80`, or a length of more than three bytes.
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

/// Reads one TLV that fills `input`: its value if its tag is `tag` and nothing follows it.
pub fn parse_single(input: &[u8], tag: u32) -> Result<Option<&[u8]>, TlvError> {
    let (tlv, rest) = parse_one(input)?;
    Ok((tlv.tag == tag && rest.is_empty()).then_some(tlv.value))
}

/// The value of the first TLV with `tag` among parsed ones.
pub fn find<'a>(items: &[Tlv<'a>], tag: u32) -> Option<&'a [u8]> {
    items
        .iter()
        .find(|item| item.tag == tag)
        .map(|item| item.value)
}

/// The value of the first TLV with `tag` in a sequence of TLVs that fills `input`.
pub fn find_in(input: &[u8], tag: u32) -> Result<Option<&[u8]>, TlvError> {
    Ok(find(&parse_all(input)?, tag))
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

/// Appends the minimal BER encoding of `len`.
pub fn write_length(out: &mut Vec<u8>, len: usize) {
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
pub fn write_tag(out: &mut Vec<u8>, tag: u32) {
    let bytes = tag.to_be_bytes();
    let skip = bytes.iter().take(3).take_while(|&&b| b == 0).count();
    out.extend_from_slice(&bytes[skip..]);
}

/// Appends one TLV: `tag`, the length of `value`, and `value`.
pub fn write(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    write_tag(out, tag);
    write_length(out, value.len());
    out.extend_from_slice(value);
}

/// One TLV as a new buffer.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    write(&mut out, tag, value);
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
        let point = find_in(outer.value, 0x86).unwrap().unwrap();
        assert_eq!(point.len(), 65);
        assert_eq!(parse_single(&bytes, 0x7F49).unwrap(), Some(outer.value));
        assert_eq!(parse_single(&bytes, 0x7C).unwrap(), None);
    }

    #[test]
    fn reads_piv_tags_and_long_lengths_in_a_sequence() {
        let mut bytes = encode(0x5FC105, &[0xAA; 300]);
        write(&mut bytes, 0x7E, &[1, 2]);
        let items = parse_all(&bytes).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].tag, 0x5FC105);
        assert_eq!(items[0].value.len(), 300);
        assert_eq!(find(&items, 0x7E), Some(&[1u8, 2][..]));
        assert_eq!(find(&items, 0x53), None);
    }

    #[test]
    fn long_lengths_round_trip() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1A6, 0xFFFF, 0x10000] {
            let value = vec![0x5A; len];
            let bytes = encode(0x53, &value);
            assert_eq!(bytes.len(), 1 + length_size(len) + len);
            let (tlv, rest) = parse_one(&bytes).unwrap();
            assert_eq!((tlv.tag, tlv.value.len(), rest.len()), (0x53, len, 0));
        }
        assert_eq!(&encode(0x53, &[0; 0x1A6])[..4], &[0x53, 0x82, 0x01, 0xA6]);
    }

    #[test]
    fn tags_of_one_two_and_three_bytes() {
        assert_eq!(encode(0x5C, &[]), vec![0x5C, 0x00]);
        assert_eq!(encode(0x7F49, &[]), vec![0x7F, 0x49, 0x00]);
        assert_eq!(encode(0x5FC105, &[]), vec![0x5F, 0xC1, 0x05, 0x00]);
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
        assert_eq!(parse_one(&[0x5F]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x02, 0x00]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x82, 0x01]), Err(TlvError::Truncated));
        assert_eq!(parse_one(&[0x53, 0x80]), Err(TlvError::BadLength));
        assert_eq!(
            parse_one(&[0x53, 0x84, 0, 0, 0, 1]),
            Err(TlvError::BadLength)
        );
        assert_eq!(parse_all(&[0x53, 0x00, 0x53]), Err(TlvError::Truncated));
        assert_eq!(find_in(&[0x53, 0x05, 1, 2], 0x53), Err(TlvError::Truncated));
    }

    fn piv_tag() -> impl Strategy<Value = u32> {
        // Tags as PIV writes them: one byte (not 1F-ending), two bytes (second < 80),
        // three bytes (5F C1 xx, second byte with b8 set, third < 80).
        prop_oneof![
            (0x01u32..=0xFF).prop_filter("one-byte tag", |t| t & 0x1F != 0x1F),
            (0x1Fu32..=0xFF)
                .prop_filter("first of many", |t| t & 0x1F == 0x1F)
                .prop_flat_map(|first| (Just(first), 0u32..0x80))
                .prop_map(|(first, second)| first << 8 | second),
            (0x5FC100u32..0x5FC180),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_an_error_or_a_tlv_never_a_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            let _ = parse_all(&bytes);
            let _ = find_in(&bytes, 0x53);
            let _ = parse_single(&bytes, 0x53);
            if let Ok((tlv, rest)) = parse_one(&bytes) {
                prop_assert!(tlv.value.len() + rest.len() < bytes.len());
            }
        }

        #[test]
        fn encode_then_parse_is_identity(
            tag in piv_tag(),
            value in proptest::collection::vec(any::<u8>(), 0..1000),
        ) {
            let bytes = encode(tag, &value);
            let (tlv, rest) = parse_one(&bytes).unwrap();
            prop_assert_eq!(tlv.tag, tag);
            prop_assert_eq!(tlv.value, &value[..]);
            prop_assert!(rest.is_empty());
        }

        #[test]
        fn a_written_sequence_parses_back_whole(
            items in proptest::collection::vec(
                (piv_tag(), proptest::collection::vec(any::<u8>(), 0..300)),
                0..8,
            ),
        ) {
            let mut bytes = Vec::new();
            for (tag, value) in &items {
                write(&mut bytes, *tag, value);
            }
            let parsed = parse_all(&bytes).unwrap();
            prop_assert_eq!(parsed.len(), items.len());
            for (tlv, (tag, value)) in parsed.iter().zip(&items) {
                prop_assert_eq!(tlv.tag, *tag);
                prop_assert_eq!(tlv.value, &value[..]);
            }
        }

        #[test]
        fn a_cut_encoding_is_truncated(
            tag in piv_tag(),
            value in proptest::collection::vec(any::<u8>(), 1..400),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = encode(tag, &value);
            let end = cut.index(bytes.len());
            prop_assert_eq!(parse_one(&bytes[..end]), Err(TlvError::Truncated));
        }
    }
}
