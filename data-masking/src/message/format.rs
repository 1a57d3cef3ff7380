//! The crate-internal entry points of the wire format, with the public error: what the layers
//! above call to write and read messages. Each is a thin facade over the module that owns the
//! structure.

use std::collections::BTreeMap;

pub(crate) use super::decrypt::ContentKey;
use super::edk::EncryptedDataKey;
pub(crate) use super::encrypt::EncryptParams;
use super::footer::VerifyingKey;
pub(crate) use super::header::Header;
pub(crate) use super::ids::MessageIds;
use crate::error::Result;

/// Serializes an encryption context as the header stores it (sorted by key; empty: no bytes).
pub(crate) fn serialize_context(ctx: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    Ok(super::context::serialize_context(ctx)?)
}

/// The part of a header that is the same for every message under one data key: the serialized
/// encryption context with its length, then the encrypted data keys with their count.
pub(crate) fn header_section(
    context: &BTreeMap<String, String>,
    edks: &[EncryptedDataKey],
) -> Result<Vec<u8>> {
    Ok(super::header::header_section(context, edks)?)
}

/// Reads the encryption context and the encrypted data keys of a header section.
pub(crate) fn parse_section(
    section: &[u8],
) -> Result<(BTreeMap<String, String>, Vec<EncryptedDataKey>)> {
    Ok(super::header::parse_section(section)?)
}

/// Parses the header; at most `max_edks` encrypted data keys are accepted.
pub(crate) fn parse_header(msg: &[u8], max_edks: Option<u16>) -> Result<Header<'_>> {
    Ok(Header::parse(msg, max_edks)?)
}

/// Writes a framed message.
pub(crate) fn encrypt(p: &EncryptParams<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
    Ok(super::encrypt::encrypt(p, plaintext)?)
}

/// Checks the key commitment and the header tag, over the header body and then the serialized
/// reproduced pairs; see [`super::decrypt::verify_header`].
pub(crate) fn verify_header(
    h: &Header<'_>,
    data_key: &[u8],
    reproduced: &[u8],
) -> Result<ContentKey> {
    Ok(super::decrypt::verify_header(h, data_key, reproduced)?)
}

/// The pairs of `given` that the context of `section` does not store; see
/// [`super::header::unstored_pairs`].
pub(crate) fn unstored_pairs(
    section: &[u8],
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    Ok(super::header::unstored_pairs(section, given)?)
}

/// Decrypts and checks the body and the footer; see [`super::decrypt::decrypt_body`].
pub(crate) fn decrypt_body(
    msg: &[u8],
    h: &Header<'_>,
    key: &ContentKey,
    verifier: Option<&VerifyingKey>,
) -> Result<Vec<u8>> {
    Ok(super::decrypt::decrypt_body(msg, h, key, verifier)?)
}
