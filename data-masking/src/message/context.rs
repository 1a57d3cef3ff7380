//! The encryption context as the header stores it, and the keys the format reserves.

use std::collections::BTreeMap;

use super::codec::{Codec, Reader, put_bytes16, put_u16};
use super::error::FormatError;

/// The encryption context key that carries the signing suites' public key. Reserved: callers
/// cannot set it, and decrypt leaves it out when it compares contexts.
///
/// ```
/// use data_masking::EncryptionContext;
/// use data_masking::PUBLIC_KEY_CONTEXT_KEY;
/// assert_eq!(PUBLIC_KEY_CONTEXT_KEY, "aws-crypto-public-key");
/// assert!(EncryptionContext::new([(PUBLIC_KEY_CONTEXT_KEY, "x")]).is_err());
/// ```
pub const PUBLIC_KEY_CONTEXT_KEY: &str = "aws-crypto-public-key";

/// The prefix the AWS Encryption SDK reserves for its own encryption context keys
/// (client-apis/encrypt.md): no caller key may start with it.
///
/// ```
/// use data_masking::EncryptionContext;
/// use data_masking::RESERVED_CONTEXT_PREFIX;
/// assert_eq!(RESERVED_CONTEXT_PREFIX, "aws-crypto-");
/// assert!(EncryptionContext::new([("aws-crypto-anything", "x")]).is_err());
/// assert!(EncryptionContext::new([("aws-cryptography", "x")]).is_ok());
/// ```
pub const RESERVED_CONTEXT_PREFIX: &str = "aws-crypto-";

/// The serialized form: a count, then each key and value with a `u16` length, sorted by key
/// (a map is); the empty context is no bytes at all. Read from a reader bounded to the
/// context's bytes: any order is accepted (other writers do not all sort), a repeated key is
/// not.
impl Codec<'_> for BTreeMap<String, String> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        if self.is_empty() {
            return Ok(());
        }
        let start = out.len();
        let n = u16::try_from(self.len())
            .map_err(|_| FormatError::Context("more than 65535 entries".into()))?;
        put_u16(out, n);
        for (k, v) in self {
            put_bytes16(out, k.as_bytes(), "an encryption context key")
                .map_err(FormatError::in_context)?;
            put_bytes16(out, v.as_bytes(), "an encryption context value")
                .map_err(FormatError::in_context)?;
        }
        if out.len() - start > usize::from(u16::MAX) {
            return Err(FormatError::Context(
                "the serialized encryption context is longer than 65535 bytes".into(),
            ));
        }
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let mut ctx = BTreeMap::new();
        if r.remaining() == 0 {
            return Ok(ctx);
        }
        let n = r.u16("encryption context count")?;
        if n == 0 {
            return Err(FormatError::invalid(
                "an encryption context with a count of 0 must be empty",
            ));
        }
        for _ in 0..n {
            let k = r.bytes16("encryption context key")?;
            let v = r.bytes16("encryption context value")?;
            let k = std::str::from_utf8(k)
                .map_err(|_| FormatError::invalid("an encryption context key is not UTF-8"))?;
            let v = std::str::from_utf8(v)
                .map_err(|_| FormatError::invalid("an encryption context value is not UTF-8"))?;
            if ctx.insert(k.to_owned(), v.to_owned()).is_some() {
                return Err(FormatError::invalid("the encryption context repeats a key"));
            }
        }
        Ok(ctx)
    }
}

/// Serializes an encryption context as the header stores it (sorted by key; empty: no bytes).
pub(crate) fn serialize_context(ctx: &BTreeMap<String, String>) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    ctx.encode(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn round_trip_sorted_and_empty() {
        assert!(serialize_context(&BTreeMap::new()).unwrap().is_empty());
        let ctx = map(&[("b", "2"), ("a", "1")]);
        let bytes = serialize_context(&ctx).unwrap();
        assert_eq!(bytes, b"\x00\x02\x00\x01a\x00\x011\x00\x01b\x00\x012");
        let mut r = Reader::new(&bytes);
        assert_eq!(BTreeMap::read(&mut r).unwrap(), ctx);
        r.expect_end("x").unwrap();
        assert!(BTreeMap::read(&mut Reader::new(&[])).unwrap().is_empty());
    }

    #[test]
    fn reads_unsorted_refuses_repeats_and_bad_text() {
        let unsorted = b"\x00\x02\x00\x01b\x00\x012\x00\x01a\x00\x011";
        assert_eq!(
            BTreeMap::read(&mut Reader::new(unsorted)).unwrap(),
            map(&[("a", "1"), ("b", "2")])
        );
        let repeated = b"\x00\x02\x00\x01a\x00\x011\x00\x01a\x00\x012";
        assert!(BTreeMap::read(&mut Reader::new(repeated)).is_err());
        assert!(BTreeMap::read(&mut Reader::new(b"\x00\x00")).is_err());
        assert!(BTreeMap::read(&mut Reader::new(b"\x00\x01\x00\x01\xff\x00\x00")).is_err());
        assert!(BTreeMap::read(&mut Reader::new(b"\x00\x01\x00\x05a")).is_err());
    }

    #[test]
    fn too_long_is_an_invalid_context() {
        let long = "x".repeat(70_000);
        let e = serialize_context(&map(&[("k", &long)])).unwrap_err();
        assert_eq!(
            e,
            FormatError::ContextTooLong("an encryption context value")
        );
        assert_eq!(
            e.to_string(),
            "an encryption context value is longer than 65535 bytes"
        );
        let e =
            serialize_context(&map(&[("k", &long[..40_000]), ("l", &long[..40_000])])).unwrap_err();
        assert!(matches!(e, FormatError::Context(_)), "{e}");
    }
}
