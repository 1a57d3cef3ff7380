//! The message header: version, suite, message id, the section of encryption context and
//! encrypted data keys, content type, frame length, key commitment, then the header tag.
//! Versions 1 (legacy suites) and 2 (committing suites) are read; version 2 is written.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::codec::{Codec, Reader, len16, put_u16, put_u32};
use super::edk::EncryptedDataKey;
use super::error::FormatError;
use super::ids::MESSAGE_ID_LEN;
use super::suite::AlgorithmSuite;
use crate::primitives::aead::{NONCE_LEN, TAG_LEN};

const VERSION_1: u8 = 0x01;
const VERSION_2: u8 = 0x02;
/// The message type of version 1 (customer authenticated encrypted data).
const TYPE_V1: u8 = 0x80;
const NON_FRAMED: u8 = 0x01;
const FRAMED: u8 = 0x02;
/// Bytes of a version-1 message id.
const MESSAGE_ID_LEN_V1: usize = 16;
/// Bytes of the key commitment of version 2.
pub(super) const COMMITMENT_LEN: usize = 32;

/// The encryption context and the encrypted data keys: the part of a header that is the same
/// for every message under one data key. The context is written with a `u16` length, the keys
/// with a `u16` count.
pub(crate) struct HeaderSection<'s> {
    pub(crate) context: Cow<'s, BTreeMap<String, String>>,
    pub(crate) edks: Cow<'s, [EncryptedDataKey]>,
}

impl Codec<'_> for HeaderSection<'_> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        // The context's length is written once the context is (it checks its own length).
        let at = out.len();
        out.extend_from_slice(&[0, 0]);
        self.context.encode(out)?;
        let n =
            len16(out.len() - at - 2, "the encryption context").map_err(FormatError::in_context)?;
        out[at..at + 2].copy_from_slice(&n.to_be_bytes());
        put_u16(
            out,
            len16(self.edks.len(), "the list of encrypted data keys")?,
        );
        for edk in self.edks.iter() {
            edk.encode(out)?;
        }
        Ok(())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let mut bytes = r.sub16("encryption context")?;
        let context = BTreeMap::read(&mut bytes)?;
        bytes.expect_end("bytes left after the encryption context")?;
        let n = r.u16("encrypted data key count")?;
        let edks = (0..n)
            .map(|_| EncryptedDataKey::read(r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            context: Cow::Owned(context),
            edks: Cow::Owned(edks),
        })
    }
}

impl HeaderSection<'_> {
    /// Steps over a section checking only its lengths and the number of encrypted data keys
    /// (at least one, at most `max_edks`): what every message pays before its keys are sought.
    fn skip(r: &mut Reader<'_>, max_edks: Option<u16>) -> Result<(), FormatError> {
        r.bytes16("encryption context")?;
        let n = r.u16("encrypted data key count")?;
        if n == 0 {
            return Err(FormatError::invalid(
                "the message has no encrypted data key",
            ));
        }
        if let Some(max) = max_edks.filter(|&max| n > max) {
            return Err(FormatError::invalid(format!(
                "the message has {n} encrypted data keys, more than the {max} allowed"
            )));
        }
        for _ in 0..n {
            EncryptedDataKey::skip(r)?;
        }
        Ok(())
    }
}

/// The part of a header that is the same for every message under one data key, serialized
/// (see [`HeaderSection`]).
pub(crate) fn header_section(
    context: &BTreeMap<String, String>,
    edks: &[EncryptedDataKey],
) -> Result<Vec<u8>, FormatError> {
    let section = HeaderSection {
        context: Cow::Borrowed(context),
        edks: Cow::Borrowed(edks),
    };
    let mut out = Vec::with_capacity(64 + edks.len() * 64);
    section.encode(&mut out)?;
    Ok(out)
}

/// Reads the encryption context and the encrypted data keys of a header section (see
/// [`Header::section`]); fails on anything [`Header::parse`] did not check: UTF-8, repeated
/// keys, bytes left over.
pub(crate) fn parse_section(
    section: &[u8],
) -> Result<(BTreeMap<String, String>, Vec<EncryptedDataKey>), FormatError> {
    let mut r = Reader::new(section);
    let s = HeaderSection::read(&mut r)?;
    r.expect_end("bytes left after the encrypted data keys")?;
    Ok((s.context.into_owned(), s.edks.into_owned()))
}

/// The pairs of `given` whose keys the encryption context of `section` (as [`header_section`]
/// writes it) does not hold: what a decrypt treats as reproduced pairs, required and
/// authenticated but not stored (framework/required-encryption-context-cmm.md). Reads the
/// stored keys in place, without copying them.
pub(crate) fn unstored_pairs(
    section: &[u8],
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, FormatError> {
    if given.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut r = Reader::new(section);
    let mut ctx = r.sub16("encryption context")?;
    let mut stored: Vec<&[u8]> = Vec::new();
    if ctx.remaining() > 0 {
        for _ in 0..ctx.u16("encryption context count")? {
            stored.push(ctx.bytes16("encryption context key")?);
            ctx.bytes16("encryption context value")?;
        }
    }
    Ok(given
        .iter()
        .filter(|(k, _)| !stored.contains(&k.as_bytes()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// The parsed header of a message; borrows from the message.
pub(crate) struct Header<'a> {
    pub(crate) suite: AlgorithmSuite,
    pub(crate) message_id: &'a [u8],
    /// The encryption context and the encrypted data keys, as [`header_section`] writes them:
    /// their lengths are checked, their contents are read by [`parse_section`].
    pub(crate) section: &'a [u8],
    pub(super) framed: bool,
    pub(super) frame_length: u32,
    pub(super) commitment: Option<&'a [u8]>,
    /// The header body, which the header tag authenticates.
    pub(super) body: &'a [u8],
    pub(super) auth_iv: [u8; NONCE_LEN],
    pub(super) auth_tag: [u8; TAG_LEN],
    /// Where the message body starts.
    pub(super) body_start: usize,
}

impl<'a> Header<'a> {
    /// Parses the header at the start of `msg`; at most `max_edks` encrypted data keys are
    /// accepted.
    pub(crate) fn parse(msg: &'a [u8], max_edks: Option<u16>) -> Result<Self, FormatError> {
        let mut r = Reader::new(msg);
        let version = r.u8("version")?;
        let v2 = match version {
            VERSION_2 => true,
            VERSION_1 => {
                if r.u8("type")? != TYPE_V1 {
                    return Err(FormatError::invalid("unknown message type"));
                }
                false
            }
            _ => {
                return Err(FormatError::invalid(format!(
                    "unknown message format version {version}"
                )));
            }
        };
        let suite = AlgorithmSuite::read_id(r.u16("algorithm suite")?)?;
        if suite.is_committing() != v2 {
            return Err(FormatError::invalid(format!(
                "algorithm suite {suite} does not belong to message format version {version}"
            )));
        }
        let message_id = r.take(
            if v2 {
                MESSAGE_ID_LEN
            } else {
                MESSAGE_ID_LEN_V1
            },
            "message id",
        )?;
        let section_start = r.position();
        HeaderSection::skip(&mut r, max_edks)?;
        let section = &r.consumed()[section_start..];
        let framed = match r.u8("content type")? {
            NON_FRAMED => false,
            FRAMED => true,
            t => return Err(FormatError::invalid(format!("unknown content type {t}"))),
        };
        if !v2 {
            if r.u32("reserved")? != 0 {
                return Err(FormatError::invalid("the reserved field is not zero"));
            }
            if usize::from(r.u8("IV length")?) != NONCE_LEN {
                return Err(FormatError::invalid("the IV length is not 12"));
            }
        }
        let frame_length = r.u32("frame length")?;
        if framed == (frame_length == 0) {
            return Err(FormatError::invalid(
                "the frame length does not match the content type",
            ));
        }
        let commitment = if v2 {
            Some(r.take(COMMITMENT_LEN, "commitment key")?)
        } else {
            None
        };
        let body = r.consumed();
        // Version 2 authenticates its header under an all-zero IV, which it does not store.
        let auth_iv = if v2 {
            [0u8; NONCE_LEN]
        } else {
            r.array("header IV")?
        };
        let auth_tag = r.array("header authentication tag")?;
        Ok(Header {
            suite,
            message_id,
            section,
            framed,
            frame_length,
            commitment,
            body,
            auth_iv,
            auth_tag,
            body_start: r.position(),
        })
    }
}

/// A version-2 header up to its tag, as encrypt writes it (framed content).
pub(super) struct HeaderV2<'a> {
    pub(super) suite: AlgorithmSuite,
    pub(super) message_id: &'a [u8; MESSAGE_ID_LEN],
    /// As [`header_section`] writes it.
    pub(super) section: &'a [u8],
    pub(super) frame_length: u32,
    pub(super) commitment: &'a [u8; COMMITMENT_LEN],
}

impl HeaderV2<'_> {
    /// Bytes [`encode`](Self::encode) writes; the tag adds [`TAG_LEN`].
    pub(super) fn encoded_len(&self) -> usize {
        1 + 2 + MESSAGE_ID_LEN + self.section.len() + 1 + 4 + COMMITMENT_LEN
    }

    /// Appends the header body; the header tag, over these bytes, follows it.
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        out.push(VERSION_2);
        put_u16(out, self.suite.id());
        out.extend_from_slice(self.message_id);
        out.extend_from_slice(self.section);
        out.push(FRAMED);
        put_u32(out, self.frame_length);
        out.extend_from_slice(self.commitment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edk(id: &str) -> EncryptedDataKey {
        EncryptedDataKey {
            provider_id: id.into(),
            provider_info: b"info".to_vec(),
            ciphertext: vec![9; 40],
        }
    }

    #[test]
    fn section_round_trip() {
        let ctx: BTreeMap<String, String> = [("k".to_owned(), "v".to_owned())].into();
        let edks = [edk("a"), edk("b")];
        let bytes = header_section(&ctx, &edks).unwrap();
        assert_eq!(&bytes[..2], &[0, 8]);
        let (c, e) = parse_section(&bytes).unwrap();
        assert_eq!((c, e.as_slice()), (ctx, &edks[..]));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            parse_section(&longer).unwrap_err().to_string(),
            "bytes left after the encrypted data keys"
        );
        // A context whose length covers a byte more than its entries.
        let mut padded = vec![0, 9];
        padded.extend_from_slice(&bytes[2..10]);
        padded.push(0);
        padded.extend_from_slice(&bytes[10..]);
        assert_eq!(
            parse_section(&padded).unwrap_err().to_string(),
            "bytes left after the encryption context"
        );
        let empty = header_section(&BTreeMap::new(), &edks[..1]).unwrap();
        assert_eq!(&empty[..4], &[0, 0, 0, 1]);
    }

    #[test]
    fn unstored_pairs_are_the_given_pairs_the_section_lacks() {
        let stored: BTreeMap<String, String> = [("a", "1"), ("b", "2")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let section = header_section(&stored, &[edk("a")]).unwrap();
        let given: BTreeMap<String, String> = [("a", "other"), ("c", "3")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let only_c: BTreeMap<String, String> = [("c".to_owned(), "3".to_owned())].into();
        assert_eq!(unstored_pairs(&section, &given).unwrap(), only_c);
        let bare = header_section(&BTreeMap::new(), &[edk("a")]).unwrap();
        assert_eq!(unstored_pairs(&bare, &given).unwrap(), given);
        assert!(
            unstored_pairs(&section, &BTreeMap::new())
                .unwrap()
                .is_empty()
        );
        assert!(unstored_pairs(&section[..5], &given).is_err());
    }

    #[test]
    fn header_v2_round_trip() {
        let section = header_section(&BTreeMap::new(), &[edk("a")]).unwrap();
        let h = HeaderV2 {
            suite: AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
            message_id: &[7; MESSAGE_ID_LEN],
            section: &section,
            frame_length: 4096,
            commitment: &[8; COMMITMENT_LEN],
        };
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out.len(), h.encoded_len());
        out.extend_from_slice(&[5; TAG_LEN]);
        out.push(0xAA);
        let p = Header::parse(&out, Some(1)).unwrap();
        assert_eq!(p.suite, h.suite);
        assert_eq!(p.message_id, &[7; MESSAGE_ID_LEN]);
        assert_eq!(p.section, &section[..]);
        assert!(p.framed);
        assert_eq!(p.frame_length, 4096);
        assert_eq!(p.commitment, Some(&[8; COMMITMENT_LEN][..]));
        assert_eq!(p.body, &out[..h.encoded_len()]);
        assert_eq!((p.auth_iv, p.auth_tag), ([0; NONCE_LEN], [5; TAG_LEN]));
        assert_eq!(p.body_start, out.len() - 1);
        assert!(Header::parse(&out[..out.len() - 2], None).is_err());
        let Err(e) = Header::parse(&out, Some(0)) else {
            panic!("more keys than allowed")
        };
        assert!(e.to_string().contains("more than the 0 allowed"), "{e}");
    }
}
