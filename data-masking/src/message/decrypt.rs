//! Reading a message whose header was parsed: the header's authentication, then the body and
//! the footer.

use zeroize::Zeroize;

use super::body::open_body;
use super::codec::{Codec, Reader};
use super::error::FormatError;
use super::footer::{Footer, VerifyingKey};
use super::header::Header;
use super::kdf::derive;
use super::suite::Signature;
use crate::primitives::aead::AeadKey;
use crate::primitives::ct_eq;

/// The content key of a message whose header verified.
pub(crate) struct ContentKey(pub(super) AeadKey);

/// Derives the content key of a parsed message from its data key, and checks the key
/// commitment (in constant time) and the header authentication tag: after this, the header's
/// fields (its encryption context above all) are authentic. `reproduced` is the serialized
/// required pairs that the message does not store (no bytes when there are none): the tag
/// authenticates them after the header body, so a missing or wrong one fails here.
pub(crate) fn verify_header(
    h: &Header<'_>,
    data_key: &[u8],
    reproduced: &[u8],
) -> Result<ContentKey, FormatError> {
    let (key, commitment) = derive(h.suite, data_key, h.message_id)?;
    match (commitment.as_deref(), h.commitment) {
        (Some(expected), Some(stored)) if ct_eq(expected, stored) => {}
        (None, None) => {}
        _ => {
            return Err(FormatError::invalid(
                "the key commitment does not match the data key",
            ));
        }
    }
    let mut tag = h.auth_tag;
    let opened = if reproduced.is_empty() {
        key.open_in_place(&h.auth_iv, h.body, &mut tag)
    } else {
        let mut aad = Vec::with_capacity(h.body.len() + reproduced.len());
        aad.extend_from_slice(h.body);
        aad.extend_from_slice(reproduced);
        key.open_in_place(&h.auth_iv, &aad, &mut tag)
    };
    opened.map_err(|_| FormatError::invalid("the header authentication tag does not verify"))?;
    Ok(ContentKey(key))
}

/// Decrypts the body of a message whose header verified; checks every frame tag, the
/// signature and that nothing follows the message before returning anything.
///
/// The plaintext of a message that fails any check is zeroized before the error is returned;
/// the plaintext of an authentic message is the caller's to keep or zeroize.
pub(crate) fn decrypt_body(
    msg: &[u8],
    h: &Header<'_>,
    key: &ContentKey,
    verifier: Option<&VerifyingKey>,
) -> Result<Vec<u8>, FormatError> {
    let mut plaintext = Vec::new();
    match decrypt_body_into(msg, h, key, verifier, &mut plaintext) {
        Ok(()) => Ok(plaintext),
        Err(e) => {
            plaintext.zeroize();
            Err(e)
        }
    }
}

fn decrypt_body_into(
    msg: &[u8],
    h: &Header<'_>,
    key: &ContentKey,
    verifier: Option<&VerifyingKey>,
    plaintext: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let mut r = Reader::new(msg);
    r.take(h.body_start, "header")?;
    let frame_length = h.framed.then_some(h.frame_length);
    open_body(&mut r, h.message_id, frame_length, &key.0, plaintext)?;
    match (h.suite.signature(), verifier) {
        (Signature::None, _) => {}
        (_, None) => {
            return Err(FormatError::invalid(
                "the signing suite's public key is missing",
            ));
        }
        (_, Some(v)) => {
            let mut hash = v.hash();
            hash.update(r.consumed());
            let footer = Footer::read(&mut r)?;
            v.verify(hash, footer.0)?;
        }
    }
    r.expect_end("bytes after the end of the message")
}
