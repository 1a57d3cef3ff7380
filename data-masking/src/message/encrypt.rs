//! Writing a message: header, framed body and, for signing suites, the footer.

use super::body::{frame_count, framed_len, seal_frames};
use super::codec::Codec;
use super::error::FormatError;
use super::footer::{Footer, SigningKey};
use super::header::{COMMITMENT_LEN, HeaderV2};
use super::ids::MESSAGE_ID_LEN;
use super::kdf::derive;
use super::suite::AlgorithmSuite;
use crate::primitives::aead::{AeadKey, NONCE_LEN, TAG_LEN};

/// Room for the footer: its length and the longest DER P-384 signature.
const FOOTER_ROOM: usize = 2 + 104;

/// What encrypt needs besides the plaintext.
pub(crate) struct EncryptParams<'a> {
    /// The message id: random, and never used for another message.
    pub(crate) message_id: [u8; MESSAGE_ID_LEN],
    pub(crate) suite: AlgorithmSuite,
    /// The context to store (the caller's plus, for signing suites, the public key) and the
    /// encrypted data keys, as [`header_section`](super::header::header_section) writes them.
    pub(crate) header_section: &'a [u8],
    /// The required pairs that are not stored, serialized as the header's context is (no bytes
    /// when there are none): the header tag authenticates them after the header body
    /// (data-format/message-header.md, header authentication).
    pub(crate) reproduced: &'a [u8],
    pub(crate) data_key: &'a [u8],
    pub(crate) signing_key: Option<&'a SigningKey>,
    pub(crate) frame_length: u32,
}

/// Writes a framed message (format version 2).
pub(crate) fn encrypt(p: &EncryptParams<'_>, plaintext: &[u8]) -> Result<Vec<u8>, FormatError> {
    check(p)?;
    let frame_len = p.frame_length as usize;
    if u32::try_from(frame_count(plaintext.len(), frame_len)).is_err() {
        return Err(FormatError::Config(
            "the plaintext needs more than 2^32 - 1 frames".into(),
        ));
    }
    let footer_room = if p.signing_key.is_some() {
        FOOTER_ROOM
    } else {
        0
    };
    let mut out =
        Vec::with_capacity(header_len(p) + framed_len(plaintext.len(), frame_len) + footer_room);
    let key = write_header(p, &mut out)?;
    seal_frames(&key, &p.message_id, plaintext, p.frame_length, &mut out)?;
    if let Some(signer) = p.signing_key {
        let mut hash = signer.hash();
        hash.update(&out);
        let signature = signer.sign(hash)?;
        Footer(&signature).encode(&mut out)?;
    }
    Ok(out)
}

/// Fails unless `p` can write a message: a committing suite, frames of at least one byte.
pub(super) fn check(p: &EncryptParams<'_>) -> Result<(), FormatError> {
    if !p.suite.is_committing() {
        return Err(FormatError::Config(
            format!(
                "algorithm suite {} cannot encrypt: only key-committing suites may",
                p.suite
            )
            .into(),
        ));
    }
    if p.frame_length == 0 {
        return Err(FormatError::Config(
            "the frame length must be at least 1".into(),
        ));
    }
    Ok(())
}

/// Bytes of the header [`write_header`] writes, its tag included.
pub(super) fn header_len(p: &EncryptParams<'_>) -> usize {
    1 + 2 + MESSAGE_ID_LEN + p.header_section.len() + 1 + 4 + COMMITMENT_LEN + TAG_LEN
}

/// Derives the content key and appends the header and its tag to `out` (which `p` passed
/// [`check`]); returns the content key of the frames.
pub(super) fn write_header(
    p: &EncryptParams<'_>,
    out: &mut Vec<u8>,
) -> Result<AeadKey, FormatError> {
    let (key, commitment) = derive(p.suite, p.data_key, &p.message_id)?;
    let commitment = commitment.ok_or_else(|| FormatError::invalid("no key commitment"))?;
    let header = HeaderV2 {
        suite: p.suite,
        message_id: &p.message_id,
        section: p.header_section,
        frame_length: p.frame_length,
        commitment: &commitment,
    };
    out.reserve(header.encoded_len() + TAG_LEN);
    let start = out.len();
    header.encode(out);
    let sealed = if p.reproduced.is_empty() {
        key.seal_in_place(&[0u8; NONCE_LEN], &out[start..], &mut [])
    } else {
        let mut aad = Vec::with_capacity(out.len() - start + p.reproduced.len());
        aad.extend_from_slice(&out[start..]);
        aad.extend_from_slice(p.reproduced);
        key.seal_in_place(&[0u8; NONCE_LEN], &aad, &mut [])
    };
    let tag = sealed.map_err(|_| FormatError::Encrypt("encryption failed: header tag"))?;
    out.extend_from_slice(&tag);
    Ok(key)
}
