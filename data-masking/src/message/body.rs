//! The message body: framed (a sequence of frames, the last one marked) or, read only,
//! non-framed; each frame's IV, content and tag, and the AAD that binds it to its message.

use super::codec::{Reader, put_u32};
use super::error::FormatError;
use super::ids::MESSAGE_ID_LEN;
use crate::primitives::aead::{AeadKey, NONCE_LEN, TAG_LEN};

const FRAME: &[u8] = b"AWSKMSEncryptionClient Frame";
const FINAL_FRAME: &[u8] = b"AWSKMSEncryptionClient Final Frame";
const SINGLE_BLOCK: &[u8] = b"AWSKMSEncryptionClient Single Block";
/// Where a sequence number would be, marks the final frame.
pub(super) const FINAL_MARKER: u32 = 0xFFFF_FFFF;
/// The largest encrypted content of a non-framed body: 2^36 - 32 bytes (64 GiB), the most
/// AES-GCM may encrypt under one IV (data-format/message-body.md).
const MAX_NON_FRAMED: u64 = (1 << 36) - 32;
/// Bytes around the content of a regular frame: sequence number, IV, tag.
pub(super) const FRAME_OVERHEAD: usize = 4 + NONCE_LEN + TAG_LEN;
/// Bytes around the content of the final frame: the marker and the content length besides.
const FINAL_FRAME_OVERHEAD: usize = 4 + FRAME_OVERHEAD + 4;
/// The longest body AAD: a v2 message id, the longest kind, sequence number, content length.
const MAX_AAD_LEN: usize = MESSAGE_ID_LEN + SINGLE_BLOCK.len() + 4 + 8;

/// The AAD of a frame or of a non-framed body: message id, the kind of content, sequence number
/// and content length (kept on the stack).
struct BodyAad {
    buf: [u8; MAX_AAD_LEN],
    len: usize,
}

impl BodyAad {
    fn new(message_id: &[u8], kind: &[u8], seq: u32, len: u64) -> Result<Self, FormatError> {
        let mut buf = [0u8; MAX_AAD_LEN];
        let n = message_id.len() + kind.len() + 12;
        let dst = buf
            .get_mut(..n)
            .ok_or_else(|| FormatError::invalid("the message id is too long"))?;
        let (id, rest) = dst.split_at_mut(message_id.len());
        id.copy_from_slice(message_id);
        let (k, rest) = rest.split_at_mut(kind.len());
        k.copy_from_slice(kind);
        rest[..4].copy_from_slice(&seq.to_be_bytes());
        rest[4..].copy_from_slice(&len.to_be_bytes());
        Ok(Self { buf, len: n })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The IV this crate gives frame `seq`: the sequence number, big-endian, left-padded with zeros
/// (unique within the message, as the format requires; readers use the IV stored).
fn frame_iv(seq: u32) -> [u8; NONCE_LEN] {
    let mut iv = [0u8; NONCE_LEN];
    iv[NONCE_LEN - 4..].copy_from_slice(&seq.to_be_bytes());
    iv
}

/// What comes before a frame's content: for the final frame the marker, then the sequence
/// number, the IV, and for the final frame the content length.
pub(super) struct FrameHead {
    pub(super) seq: u32,
    iv: [u8; NONCE_LEN],
    /// The content length, for the final frame; regular frames hold the frame length.
    pub(super) final_len: Option<u32>,
}

impl FrameHead {
    fn encode(&self, out: &mut Vec<u8>) {
        if self.final_len.is_some() {
            put_u32(out, FINAL_MARKER);
        }
        put_u32(out, self.seq);
        out.extend_from_slice(&self.iv);
        if let Some(n) = self.final_len {
            put_u32(out, n);
        }
    }

    /// Reads a frame head of a body whose frames hold `frame_length` bytes.
    pub(super) fn read(r: &mut Reader<'_>, frame_length: u32) -> Result<Self, FormatError> {
        let first = r.u32("sequence number")?;
        let last = first == FINAL_MARKER;
        let seq = if last {
            r.u32("sequence number")?
        } else {
            first
        };
        let iv = r.array("frame IV")?;
        let final_len = if last {
            let n = r.u32("final frame length")?;
            if n > frame_length {
                return Err(FormatError::invalid(
                    "the final frame is longer than the frame length",
                ));
            }
            Some(n)
        } else {
            None
        };
        Ok(Self { seq, iv, final_len })
    }
}

/// Bytes of the framed body of a plaintext of `len` bytes in frames of `frame_len` bytes
/// (a plaintext that fills its frames exactly ends with an empty final frame).
pub(super) fn framed_len(len: usize, frame_len: usize) -> usize {
    let full = len / frame_len;
    len + full * FRAME_OVERHEAD + FINAL_FRAME_OVERHEAD
}

/// The number of frames of a plaintext of `len` bytes in frames of `frame_len` bytes.
pub(super) fn frame_count(len: usize, frame_len: usize) -> usize {
    len / frame_len + 1
}

/// Appends the framed body of `plaintext` to `out`: frames of `frame_len` bytes sealed under
/// `key`, sequence numbers from 1, and a final frame of what remains (possibly nothing).
pub(super) fn seal_frames(
    key: &AeadKey,
    message_id: &[u8],
    plaintext: &[u8],
    frame_len: u32,
    out: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let size = frame_len as usize;
    let mut chunks = plaintext.chunks(size).peekable();
    let mut seq: u32 = 1;
    loop {
        let chunk = chunks.next().unwrap_or(&[]);
        let last = chunks.peek().is_none() && chunk.len() < size;
        seal_frame(key, message_id, seq, last, chunk, out)?;
        if last {
            return Ok(());
        }
        seq += 1;
    }
}

/// Appends frame `seq` of `chunk` sealed under `key` (the final frame when `last`) to `out`.
pub(super) fn seal_frame(
    key: &AeadKey,
    message_id: &[u8],
    seq: u32,
    last: bool,
    chunk: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let iv = frame_iv(seq);
    FrameHead {
        seq,
        iv,
        final_len: last.then_some(chunk.len() as u32),
    }
    .encode(out);
    let aad = BodyAad::new(
        message_id,
        if last { FINAL_FRAME } else { FRAME },
        seq,
        chunk.len() as u64,
    )?;
    let start = out.len();
    out.extend_from_slice(chunk);
    let tag = key
        .seal_in_place(&iv, aad.as_bytes(), &mut out[start..])
        .map_err(|_| FormatError::Encrypt("encryption failed: frame"))?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// Decrypts the body that `r` is at, framed or not, appending the plaintext to `plaintext`;
/// every tag is checked. `r` is left after the body.
pub(super) fn open_body(
    r: &mut Reader<'_>,
    message_id: &[u8],
    frame_length: Option<u32>,
    key: &AeadKey,
    plaintext: &mut Vec<u8>,
) -> Result<(), FormatError> {
    plaintext.reserve(r.remaining());
    let Some(frame_length) = frame_length else {
        return open_non_framed(r, message_id, key, plaintext);
    };
    let mut expected_seq: u32 = 1;
    loop {
        let head = FrameHead::read(r, frame_length)?;
        if head.seq != expected_seq {
            return Err(FormatError::invalid("a frame is out of order"));
        }
        let len = head.final_len.unwrap_or(frame_length) as usize;
        let content = r.take(len, "frame content")?;
        let tag = r.take(TAG_LEN, "frame tag")?;
        let last = head.final_len.is_some();
        open_frame(key, message_id, &head, content, tag, plaintext)?;
        if last {
            return Ok(());
        }
        expected_seq = expected_seq
            .checked_add(1)
            .filter(|&s| s != FINAL_MARKER)
            .ok_or_else(|| FormatError::invalid("too many frames"))?;
    }
}

/// Opens the frame of `head` (its `content` and `tag`) under `key`, appending its plaintext to
/// `plaintext`; nothing is appended when the tag does not verify.
pub(super) fn open_frame(
    key: &AeadKey,
    message_id: &[u8],
    head: &FrameHead,
    content: &[u8],
    tag: &[u8],
    plaintext: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let aad = BodyAad::new(
        message_id,
        if head.final_len.is_some() {
            FINAL_FRAME
        } else {
            FRAME
        },
        head.seq,
        content.len() as u64,
    )?;
    let start = plaintext.len();
    plaintext.extend_from_slice(content);
    plaintext.extend_from_slice(tag);
    let opened = key
        .open_in_place(&head.iv, aad.as_bytes(), &mut plaintext[start..])
        .map(|p| p.len());
    if let Ok(n) = opened {
        plaintext.truncate(start + n);
        Ok(())
    } else {
        plaintext.truncate(start);
        Err(FormatError::invalid(
            "a frame authentication tag does not verify",
        ))
    }
}

/// A non-framed body: IV, content length (`u64`), content, tag.
pub(super) fn open_non_framed(
    r: &mut Reader<'_>,
    message_id: &[u8],
    key: &AeadKey,
    plaintext: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let iv: [u8; NONCE_LEN] = r.array("IV")?;
    let len = r.u64("content length")?;
    if len > MAX_NON_FRAMED {
        return Err(FormatError::invalid(
            "the content is longer than a message may be",
        ));
    }
    let len = usize::try_from(len).map_err(|_| FormatError::invalid("the content is too long"))?;
    let content = r.take(len, "content")?;
    let tag = r.take(TAG_LEN, "tag")?;
    let aad = BodyAad::new(message_id, SINGLE_BLOCK, 1, len as u64)?;
    let start = plaintext.len();
    plaintext.extend_from_slice(content);
    plaintext.extend_from_slice(tag);
    let opened = key
        .open_in_place(&iv, aad.as_bytes(), &mut plaintext[start..])
        .map_err(|_| FormatError::invalid("the authentication tag does not verify"))?
        .len();
    plaintext.truncate(start + opened);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(plaintext: &[u8], frame_len: u32) -> Vec<u8> {
        let key = AeadKey::new(&[1; 32]).unwrap();
        let mut out = Vec::new();
        seal_frames(&key, &[2; 32], plaintext, frame_len, &mut out).unwrap();
        out
    }

    fn open(body: &[u8], frame_len: u32) -> Result<Vec<u8>, FormatError> {
        let key = AeadKey::new(&[1; 32]).unwrap();
        let mut r = Reader::new(body);
        let mut out = Vec::new();
        open_body(&mut r, &[2; 32], Some(frame_len), &key, &mut out)?;
        r.expect_end("left")?;
        Ok(out)
    }

    #[test]
    fn frames_round_trip_with_their_lengths() {
        for len in [0, 1, 127, 128, 129, 256, 1000] {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let body = seal(&plaintext, 128);
            assert_eq!(body.len(), framed_len(len, 128), "{len}");
            assert_eq!(open(&body, 128).unwrap(), plaintext);
            // The final frame holds what is left: nothing after an exact multiple.
            let frames = frame_count(len, 128);
            let last = &body[body.len() - FINAL_FRAME_OVERHEAD - len % 128..];
            assert_eq!(&last[..4], &[0xFF; 4]);
            assert_eq!(&last[4..8], &(frames as u32).to_be_bytes());
            assert_eq!(
                &last[8 + NONCE_LEN..][..4],
                &((len % 128) as u32).to_be_bytes()
            );
        }
    }

    #[test]
    fn refuses_reordered_cut_and_altered_frames() {
        let body = seal(&[5; 300], 128);
        let frame = 4 + NONCE_LEN + 128 + TAG_LEN;
        let mut swapped = body.clone();
        swapped[..frame].copy_from_slice(&body[frame..2 * frame]);
        swapped[frame..2 * frame].copy_from_slice(&body[..frame]);
        assert_eq!(
            open(&swapped, 128).unwrap_err().to_string(),
            "a frame is out of order"
        );
        assert!(open(&body[..body.len() - 1], 128).is_err());
        let mut flipped = body.clone();
        flipped[20] ^= 1;
        assert_eq!(
            open(&flipped, 128).unwrap_err().to_string(),
            "a frame authentication tag does not verify"
        );
        assert!(open(&body, 64).is_err());
    }

    #[test]
    fn non_framed_bodies_are_read() {
        let key = AeadKey::new(&[1; 32]).unwrap();
        let aad = BodyAad::new(&[2; 16], SINGLE_BLOCK, 1, 3).unwrap();
        let mut content = b"abc".to_vec();
        let tag = key
            .seal_in_place(&[4; 12], aad.as_bytes(), &mut content)
            .unwrap();
        let mut body = vec![4; 12];
        body.extend_from_slice(&3u64.to_be_bytes());
        body.extend_from_slice(&content);
        body.extend_from_slice(&tag);
        let mut out = Vec::new();
        open_body(&mut Reader::new(&body), &[2; 16], None, &key, &mut out).unwrap();
        assert_eq!(out, b"abc");
        body[12..20].copy_from_slice(&(MAX_NON_FRAMED + 1).to_be_bytes());
        let e = open_body(&mut Reader::new(&body), &[2; 16], None, &key, &mut out);
        assert_eq!(
            e.unwrap_err().to_string(),
            "the content is longer than a message may be"
        );
    }
}
