//! Property tests of the vpcd framing: whatever bytes vpcd's side sends, in whatever
//! pieces, the decoder and the message parser give frames or typed errors, never a panic,
//! and every frame the card encodes reads back as it was.

use jeton_card::vpcd::{encode_frame, FrameDecoder, FrameError, Message};
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_byte_stream_in_any_pieces_never_panics(
        stream in prop::collection::vec(any::<u8>(), 0..2048),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let mut decoder = FrameDecoder::default();
        let mut start = 0;
        let mut consumed = 0;
        for end in points.into_iter().chain([stream.len()]) {
            decoder.push(&stream[start..end]);
            start = end;
            while let Some(frame) = decoder.next_frame() {
                consumed += 2 + frame.len();
                match Message::parse(&frame) {
                    Ok(Message::Apdu(apdu)) => prop_assert!(apdu.len() >= 2),
                    Ok(_) => prop_assert_eq!(frame.len(), 1),
                    Err(FrameError::Empty) => prop_assert!(frame.is_empty()),
                    Err(FrameError::UnknownControl(byte)) => prop_assert_eq!(frame, vec![byte]),
                    Err(FrameError::TooLong(_)) => prop_assert!(false, "parse never says too long"),
                }
            }
        }
        prop_assert!(consumed <= stream.len());
        prop_assert_eq!(decoder.is_mid_frame(), consumed < stream.len());
    }

    #[test]
    fn encoded_frames_read_back_whole(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..600), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let stream: Vec<u8> = payloads
            .iter()
            .flat_map(|p| encode_frame(p).expect("non-empty, short"))
            .collect();
        let cut = cut.index(stream.len() + 1);
        let mut decoder = FrameDecoder::default();
        let mut frames = Vec::new();
        for piece in [&stream[..cut], &stream[cut..]] {
            decoder.push(piece);
            while let Some(frame) = decoder.next_frame() {
                frames.push(frame);
            }
        }
        prop_assert_eq!(frames, payloads);
    }
}
