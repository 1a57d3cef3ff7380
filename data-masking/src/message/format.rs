//! The message: header, framed or non-framed body, footer. Knows nothing of JSON or keyrings:
//! it is given a data key (and a signing or verification key) and works on bytes.

use std::collections::BTreeMap;

use aws_lc_rs::aead::{AES_128_GCM, AES_192_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::codec::{Reader, put_bytes16, put_u16, put_u32};
use super::suite::{AlgorithmSuite, Kdf, Signature};
use crate::error::{Error, Result};
use crate::keys::EncryptedDataKey;
use crate::keys::signing::{SigningKey, VerifyingKey};

/// The encryption context key that carries the signing suites' public key. Reserved: callers
/// cannot set it, and decrypt leaves it out when it compares contexts.
///
/// ```
/// use data_masking::EncryptionContext;
/// use data_masking::message::PUBLIC_KEY_CONTEXT_KEY;
/// assert_eq!(PUBLIC_KEY_CONTEXT_KEY, "aws-crypto-public-key");
/// assert!(EncryptionContext::new([(PUBLIC_KEY_CONTEXT_KEY, "x")]).is_err());
/// ```
pub const PUBLIC_KEY_CONTEXT_KEY: &str = "aws-crypto-public-key";

/// The prefix the AWS Encryption SDK reserves for its own encryption context keys
/// (client-apis/encrypt.md): no caller key may start with it.
///
/// ```
/// use data_masking::EncryptionContext;
/// use data_masking::message::RESERVED_CONTEXT_PREFIX;
/// assert_eq!(RESERVED_CONTEXT_PREFIX, "aws-crypto-");
/// assert!(EncryptionContext::new([("aws-crypto-anything", "x")]).is_err());
/// assert!(EncryptionContext::new([("aws-cryptography", "x")]).is_ok());
/// ```
pub const RESERVED_CONTEXT_PREFIX: &str = "aws-crypto-";

const TAG_LEN: usize = 16;
const IV_LEN: usize = 12;
const FRAME: &[u8] = b"AWSKMSEncryptionClient Frame";
const FINAL_FRAME: &[u8] = b"AWSKMSEncryptionClient Final Frame";
const SINGLE_BLOCK: &[u8] = b"AWSKMSEncryptionClient Single Block";
const FINAL_MARKER: u32 = 0xFFFF_FFFF;
/// The largest plaintext a framed message may hold (2^32 - 1 frames).
const MAX_NON_FRAMED: u64 = (1 << 36) - 32;

fn bad(what: impl Into<String>) -> Error {
    Error::DecryptValue(what.into())
}

/// Serializes an encryption context as the header stores it (sorted by key; empty: no bytes).
pub(crate) fn serialize_context(ctx: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if ctx.is_empty() {
        return Ok(out);
    }
    let n = u16::try_from(ctx.len())
        .map_err(|_| Error::InvalidContext("more than 65535 entries".into()))?;
    put_u16(&mut out, n);
    for (k, v) in ctx {
        put_bytes16(&mut out, k.as_bytes(), "an encryption context key")?;
        put_bytes16(&mut out, v.as_bytes(), "an encryption context value")?;
    }
    if out.len() > usize::from(u16::MAX) {
        return Err(Error::InvalidContext(
            "the serialized encryption context is longer than 65535 bytes".into(),
        ));
    }
    Ok(out)
}

fn parse_context(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    let mut ctx = BTreeMap::new();
    if bytes.is_empty() {
        return Ok(ctx);
    }
    let mut r = Reader::new(bytes);
    let n = r.u16("encryption context count")?;
    if n == 0 {
        return Err(bad("an encryption context with a count of 0 must be empty"));
    }
    for _ in 0..n {
        let k = r.bytes16("encryption context key")?;
        let v = r.bytes16("encryption context value")?;
        let k =
            std::str::from_utf8(k).map_err(|_| bad("an encryption context key is not UTF-8"))?;
        let v =
            std::str::from_utf8(v).map_err(|_| bad("an encryption context value is not UTF-8"))?;
        if ctx.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(bad("the encryption context repeats a key"));
        }
    }
    if r.remaining() != 0 {
        return Err(bad("bytes left after the encryption context"));
    }
    Ok(ctx)
}

/// Reads the encryption context and the encrypted data keys of a header section (see
/// [`Header::section`]); fails on anything [`parse_header`] did not check: UTF-8, repeated keys.
pub(crate) fn parse_section(
    section: &[u8],
) -> Result<(BTreeMap<String, String>, Vec<EncryptedDataKey>)> {
    let mut r = Reader::new(section);
    let context = parse_context(r.bytes16("encryption context")?)?;
    let n = r.u16("encrypted data key count")?;
    let mut edks = Vec::new();
    for _ in 0..n {
        let provider_id = r.bytes16("provider id")?;
        let provider_info = r.bytes16("provider info")?;
        let ciphertext = r.bytes16("encrypted data key")?;
        edks.push(EncryptedDataKey {
            provider_id: String::from_utf8(provider_id.to_vec())
                .map_err(|_| bad("a provider id is not UTF-8"))?,
            provider_info: provider_info.to_vec(),
            ciphertext: ciphertext.to_vec(),
        });
    }
    if r.remaining() != 0 {
        return Err(bad("bytes left after the encrypted data keys"));
    }
    Ok((context, edks))
}

/// The parsed header of a message.
pub(crate) struct Header<'a> {
    pub(crate) suite: AlgorithmSuite,
    pub(crate) message_id: &'a [u8],
    /// The encryption context and the encrypted data keys, as [`header_section`] writes them:
    /// their lengths are checked, their contents are read by [`parse_section`].
    pub(crate) section: &'a [u8],
    framed: bool,
    frame_length: u32,
    commitment: Option<&'a [u8]>,
    /// The header body, which the header tag authenticates.
    body: &'a [u8],
    auth_iv: [u8; IV_LEN],
    auth_tag: [u8; TAG_LEN],
    /// Where the message body starts.
    body_start: usize,
}

/// Parses the header; at most `max_edks` encrypted data keys are accepted.
pub(crate) fn parse_header(msg: &[u8], max_edks: Option<u16>) -> Result<Header<'_>> {
    let mut r = Reader::new(msg);
    let version = r.u8("version")?;
    let v2 = match version {
        0x02 => true,
        0x01 => {
            if r.u8("type")? != 0x80 {
                return Err(bad("unknown message type"));
            }
            false
        }
        _ => return Err(bad(format!("unknown message format version {version}"))),
    };
    let suite = AlgorithmSuite::from_id(r.u16("algorithm suite")?)?;
    if suite.is_committing() != v2 {
        return Err(bad(format!(
            "algorithm suite {suite} does not belong to message format version {version}"
        )));
    }
    let message_id = r.take(if v2 { 32 } else { 16 }, "message id")?;
    let section_start = r.position();
    r.bytes16("encryption context")?;
    let n = r.u16("encrypted data key count")?;
    if n == 0 {
        return Err(bad("the message has no encrypted data key"));
    }
    if let Some(max) = max_edks.filter(|&max| n > max) {
        return Err(bad(format!(
            "the message has {n} encrypted data keys, more than the {max} allowed"
        )));
    }
    for _ in 0..n {
        r.bytes16("provider id")?;
        r.bytes16("provider info")?;
        r.bytes16("encrypted data key")?;
    }
    let section = &msg[section_start..r.position()];
    let framed = match r.u8("content type")? {
        0x01 => false,
        0x02 => true,
        t => return Err(bad(format!("unknown content type {t}"))),
    };
    if !v2 {
        if r.u32("reserved")? != 0 {
            return Err(bad("the reserved field is not zero"));
        }
        if usize::from(r.u8("IV length")?) != IV_LEN {
            return Err(bad("the IV length is not 12"));
        }
    }
    let frame_length = r.u32("frame length")?;
    if framed == (frame_length == 0) {
        return Err(bad("the frame length does not match the content type"));
    }
    let commitment = if v2 {
        Some(r.take(32, "commitment key")?)
    } else {
        None
    };
    let body_end = r.position();
    let mut auth_iv = [0u8; IV_LEN];
    if !v2 {
        auth_iv = r.array("header IV")?;
    }
    let auth_tag = r.array("header authentication tag")?;
    Ok(Header {
        suite,
        message_id,
        section,
        framed,
        frame_length,
        commitment,
        body: &msg[..body_end],
        auth_iv,
        auth_tag,
        body_start: r.position(),
    })
}

type Key = Zeroizing<[u8; 32]>;

/// The content key (its first `suite.key_len()` bytes), and for committing suites the
/// commitment key, derived from the data key.
fn derive(suite: AlgorithmSuite, data_key: &[u8], message_id: &[u8]) -> Result<(Key, Option<Key>)> {
    let len = suite.key_len();
    if data_key.len() != len {
        return Err(Error::DecryptKey(format!(
            "the data key has {} bytes, the suite needs {len}",
            data_key.len()
        )));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    let out = key
        .get_mut(..len)
        .ok_or_else(|| bad("invalid key length"))?;
    let fail = |_| Error::DecryptValue("key derivation failed".into());
    // The info: the suite id, then the message id (legacy) or a label (committing).
    let mut info = [0u8; 2 + 16];
    info[..2].copy_from_slice(&suite.id().to_be_bytes());
    match suite.kdf() {
        Kdf::None => out.copy_from_slice(data_key),
        Kdf::Sha256 | Kdf::Sha384 => {
            let info = [&info[..2], message_id].concat();
            if suite.kdf() == Kdf::Sha256 {
                hkdf::Hkdf::<sha2::Sha256>::new(None, data_key)
                    .expand(&info, out)
                    .map_err(fail)?;
            } else {
                hkdf::Hkdf::<sha2::Sha384>::new(None, data_key)
                    .expand(&info, out)
                    .map_err(fail)?;
            }
        }
        Kdf::Sha512Commit => {
            let h = hkdf::Hkdf::<sha2::Sha512>::new(Some(message_id), data_key);
            info[2..11].copy_from_slice(b"DERIVEKEY");
            h.expand(&info[..11], out).map_err(fail)?;
            let mut commit = Zeroizing::new([0u8; 32]);
            h.expand(b"COMMITKEY", commit.as_mut()).map_err(fail)?;
            return Ok((key, Some(commit)));
        }
    }
    Ok((key, None))
}

fn aead_key(suite: AlgorithmSuite, key: &[u8; 32]) -> Result<LessSafeKey> {
    let len = suite.key_len();
    let alg = match len {
        16 => &AES_128_GCM,
        24 => &AES_192_GCM,
        _ => &AES_256_GCM,
    };
    UnboundKey::new(alg, key.get(..len).unwrap_or(key))
        .map(LessSafeKey::new)
        .map_err(|_| Error::DecryptValue("invalid content key".into()))
}

/// The body AAD: message id, the kind of content, sequence number and content length (at most
/// 32 + 35 + 12 bytes, kept on the stack).
struct BodyAad {
    buf: [u8; 32 + 35 + 12],
    len: usize,
}

impl BodyAad {
    fn new(message_id: &[u8], kind: &[u8], seq: u32, len: u64) -> Result<Self> {
        let mut buf = [0u8; 32 + 35 + 12];
        let n = message_id.len() + kind.len() + 12;
        let dst = buf
            .get_mut(..n)
            .ok_or_else(|| bad("the message id is too long"))?;
        let (id, rest) = dst.split_at_mut(message_id.len());
        id.copy_from_slice(message_id);
        let (k, rest) = rest.split_at_mut(kind.len());
        k.copy_from_slice(kind);
        rest[..4].copy_from_slice(&seq.to_be_bytes());
        rest[4..].copy_from_slice(&len.to_be_bytes());
        Ok(Self { buf, len: n })
    }

    fn aad(&self) -> Aad<&[u8]> {
        Aad::from(&self.buf[..self.len])
    }
}

fn frame_iv(seq: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    iv[8..].copy_from_slice(&seq.to_be_bytes());
    iv
}

/// The part of a header that is the same for every message under one data key: the serialized
/// encryption context with its length, then the encrypted data keys with their count.
pub(crate) fn header_section(
    context: &BTreeMap<String, String>,
    edks: &[EncryptedDataKey],
) -> Result<Vec<u8>> {
    let fail = |what: &str| Error::EncryptKey(format!("{what} is longer than 65535 bytes"));
    let aad = serialize_context(context)?;
    let mut out = Vec::with_capacity(aad.len() + 4 + edks.len() * 64);
    put_bytes16(&mut out, &aad, "the encryption context")?;
    let n = u16::try_from(edks.len()).map_err(|_| fail("the list of encrypted data keys"))?;
    put_u16(&mut out, n);
    for edk in edks {
        put_bytes16(&mut out, edk.provider_id.as_bytes(), "a provider id")
            .map_err(|_| fail("a provider id"))?;
        put_bytes16(&mut out, &edk.provider_info, "a provider info")
            .map_err(|_| fail("a provider info"))?;
        put_bytes16(&mut out, &edk.ciphertext, "an encrypted data key")
            .map_err(|_| fail("an encrypted data key"))?;
    }
    Ok(out)
}

/// Bytes of a v2 message id.
pub(crate) const MESSAGE_ID_LEN: usize = 32;

/// Fresh random message ids for the messages of one call, drawn from the system's generator in
/// one request (a request costs about as much as HKDF's extract step, whatever its size). Each
/// id is handed out once; more are drawn when the batch runs out. Ids are public (every header
/// carries its own), so holding them in memory reveals nothing.
pub(crate) struct MessageIds {
    bytes: Vec<u8>,
    used: usize,
}

impl MessageIds {
    /// Ids for about `n` messages.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            bytes: vec![0; n.clamp(1, 64) * MESSAGE_ID_LEN],
            used: usize::MAX,
        }
    }

    /// An id never handed out before.
    pub(crate) fn next_id(&mut self) -> Result<[u8; MESSAGE_ID_LEN]> {
        if self.used >= self.bytes.len() {
            aws_lc_rs::rand::fill(&mut self.bytes)
                .map_err(|_| Error::EncryptKey("encryption failed: no randomness".into()))?;
            self.used = 0;
        }
        let mut id = [0u8; MESSAGE_ID_LEN];
        id.copy_from_slice(&self.bytes[self.used..self.used + MESSAGE_ID_LEN]);
        self.used += MESSAGE_ID_LEN;
        Ok(id)
    }
}

/// What encrypt needs besides the plaintext.
pub(crate) struct EncryptParams<'a> {
    /// The message id: random, and never used for another message.
    pub(crate) message_id: [u8; MESSAGE_ID_LEN],
    pub(crate) suite: AlgorithmSuite,
    /// The context to store (the caller's plus, for signing suites, the public key) and the
    /// encrypted data keys, as [`header_section`] writes them.
    pub(crate) header_section: &'a [u8],
    pub(crate) data_key: &'a [u8],
    pub(crate) signing_key: Option<&'a SigningKey>,
    pub(crate) frame_length: u32,
}

/// Writes a framed message.
pub(crate) fn encrypt(p: &EncryptParams<'_>, plaintext: &[u8]) -> Result<Vec<u8>> {
    let enc_err = |what: &str| Error::EncryptKey(format!("encryption failed: {what}"));
    if !p.suite.is_committing() {
        return Err(Error::Config(format!(
            "algorithm suite {} cannot encrypt: only key-committing suites may",
            p.suite
        )));
    }
    if p.frame_length == 0 {
        return Err(Error::Config("the frame length must be at least 1".into()));
    }
    let frame_len = p.frame_length as usize;
    let frames = plaintext.len() / frame_len + 1;
    if u32::try_from(frames).is_err() {
        return Err(Error::Config(
            "the plaintext needs more than 2^32 - 1 frames".into(),
        ));
    }
    let message_id = p.message_id;
    let (key, commit) = derive(p.suite, p.data_key, &message_id)?;
    let key = aead_key(p.suite, &key)?;

    let signature_room = if p.signing_key.is_some() { 106 } else { 0 };
    let mut out = Vec::with_capacity(
        3 + 32
            + p.header_section.len()
            + 5
            + 32
            + TAG_LEN
            + plaintext.len()
            + frames * (4 + IV_LEN + TAG_LEN)
            + 8
            + signature_room,
    );
    out.push(0x02);
    put_u16(&mut out, p.suite.id());
    out.extend_from_slice(&message_id);
    out.extend_from_slice(p.header_section);
    out.push(0x02);
    put_u32(&mut out, p.frame_length);
    out.extend_from_slice(commit.as_deref().map_or(&[][..], |c| &c[..]));
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0u8; IV_LEN]),
            Aad::from(&out[..]),
            &mut [],
        )
        .map_err(|_| enc_err("header tag"))?;
    out.extend_from_slice(tag.as_ref());

    let mut chunks = plaintext.chunks(frame_len).peekable();
    let mut seq: u32 = 1;
    loop {
        let chunk = chunks.next().unwrap_or(&[]);
        let last = chunks.peek().is_none() && chunk.len() < frame_len;
        if last {
            put_u32(&mut out, FINAL_MARKER);
        }
        put_u32(&mut out, seq);
        let iv = frame_iv(seq);
        out.extend_from_slice(&iv);
        if last {
            put_u32(&mut out, chunk.len() as u32);
        }
        let aad = BodyAad::new(
            &message_id,
            if last { FINAL_FRAME } else { FRAME },
            seq,
            chunk.len() as u64,
        )?;
        let start = out.len();
        out.extend_from_slice(chunk);
        let tag = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(iv),
                aad.aad(),
                &mut out[start..],
            )
            .map_err(|_| enc_err("frame"))?;
        out.extend_from_slice(tag.as_ref());
        if last {
            break;
        }
        seq += 1;
    }

    if let Some(signer) = p.signing_key {
        let sig = signer.sign(&out)?;
        put_bytes16(&mut out, &sig, "the signature")?;
    }
    Ok(out)
}

/// The content key of a message whose header verified.
pub(crate) struct ContentKey(LessSafeKey);

/// Derives the content key of a parsed message from its data key, and checks the key
/// commitment (in constant time) and the header authentication tag: after this, the header's
/// fields (its encryption context above all) are authentic.
pub(crate) fn verify_header(h: &Header<'_>, data_key: &[u8]) -> Result<ContentKey> {
    let (key, commit) = derive(h.suite, data_key, h.message_id)?;
    match (commit.as_deref(), h.commitment) {
        (Some(expected), Some(stored)) if bool::from(expected[..].ct_eq(stored)) => {}
        (None, None) => {}
        _ => return Err(bad("the key commitment does not match the data key")),
    }
    let key = aead_key(h.suite, &key)?;
    let mut tag = h.auth_tag;
    key.open_in_place(
        Nonce::assume_unique_for_key(h.auth_iv),
        Aad::from(h.body),
        &mut tag,
    )
    .map_err(|_| bad("the header authentication tag does not verify"))?;
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
) -> Result<Vec<u8>> {
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
) -> Result<()> {
    let key = &key.0;
    let mut r = Reader::new(msg);
    r.take(h.body_start, "header")?;
    plaintext.reserve(r.remaining());
    if h.framed {
        let frame_len = h.frame_length as usize;
        let mut expected_seq: u32 = 1;
        loop {
            let first = r.u32("sequence number")?;
            let last = first == FINAL_MARKER;
            let seq = if last {
                r.u32("sequence number")?
            } else {
                first
            };
            if seq != expected_seq {
                return Err(bad("a frame is out of order"));
            }
            let iv: [u8; IV_LEN] = r.array("frame IV")?;
            let len = if last {
                let n = r.u32("final frame length")?;
                if n > h.frame_length {
                    return Err(bad("the final frame is longer than the frame length"));
                }
                n as usize
            } else {
                frame_len
            };
            let content = r.take(len, "frame content")?;
            let tag = r.take(TAG_LEN, "frame tag")?;
            let aad = BodyAad::new(
                h.message_id,
                if last { FINAL_FRAME } else { FRAME },
                seq,
                len as u64,
            )?;
            let start = plaintext.len();
            plaintext.extend_from_slice(content);
            plaintext.extend_from_slice(tag);
            let opened = key
                .open_in_place(
                    Nonce::assume_unique_for_key(iv),
                    aad.aad(),
                    &mut plaintext[start..],
                )
                .map_err(|_| bad("a frame authentication tag does not verify"))?
                .len();
            plaintext.truncate(start + opened);
            if last {
                break;
            }
            expected_seq = expected_seq
                .checked_add(1)
                .filter(|&s| s != FINAL_MARKER)
                .ok_or_else(|| bad("too many frames"))?;
        }
    } else {
        let iv: [u8; IV_LEN] = r.array("IV")?;
        let len = r.u64("content length")?;
        if len > MAX_NON_FRAMED {
            return Err(bad("the content is longer than a message may be"));
        }
        let len = usize::try_from(len).map_err(|_| bad("the content is too long"))?;
        let content = r.take(len, "content")?;
        let tag = r.take(TAG_LEN, "tag")?;
        let aad = BodyAad::new(h.message_id, SINGLE_BLOCK, 1, len as u64)?;
        plaintext.extend_from_slice(content);
        plaintext.extend_from_slice(tag);
        let opened = key
            .open_in_place(
                Nonce::assume_unique_for_key(iv),
                aad.aad(),
                &mut plaintext[..],
            )
            .map_err(|_| bad("the authentication tag does not verify"))?
            .len();
        plaintext.truncate(opened);
    }
    let signed_len = r.position();
    match (h.suite.signature(), verifier) {
        (Signature::None, _) => {}
        (_, None) => return Err(bad("the signing suite's public key is missing")),
        (_, Some(v)) => {
            let sig = r.bytes16("signature")?;
            v.verify(&msg[..signed_len], sig)?;
        }
    }
    if r.remaining() != 0 {
        return Err(bad("bytes after the end of the message"));
    }
    Ok(())
}
