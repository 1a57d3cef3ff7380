//! Streaming: a framed message written from a reader, and read into a writer, in memory bounded
//! by a few batches of frames whatever the size of the message.
//!
//! The frames of one message share one content key and each has its own IV, so batches of
//! frames are sealed and opened on worker threads while the calling thread reads the next batch
//! and writes the finished ones, in order. For a signing suite the running hash of the message
//! (SHA-384 for 0x0578) is the one sequential part: it runs on a thread of its own, fed the
//! message bytes in order.
//!
//! What untrusted input can make decrypt do is bounded: the header is read field by field up
//! to [`MAX_HEAD_BYTES`] and at most the allowed number of encrypted data keys, the frame length
//! is checked against the caller's limit before any frame is read, buffers grow only as bytes
//! arrive, sequence numbers must run from 1 without a gap, the final frame must come, and
//! nothing may follow the message.

use std::io::{self, ErrorKind, Read, Write};
use std::num::NonZero;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use zeroize::{Zeroize, Zeroizing};

use super::body::{
    FINAL_MARKER, FRAME_OVERHEAD, FrameHead, open_frame, open_non_framed, seal_frame,
};
use super::codec::{Codec, Reader};
use super::decrypt::ContentKey;
use super::encrypt::{EncryptParams, check, header_len, write_header};
use super::error::FormatError;
use super::footer::{Footer, VerifyingKey};
use super::header::Header;
use super::suite::{AlgorithmSuite, Signature};
use crate::error::{Error, Result};
use crate::primitives::aead::{AeadKey, NONCE_LEN, TAG_LEN};
use crate::primitives::ecdsa::SignatureHash;

/// The largest header a stream accepts (its encryption context and encrypted data keys): far
/// above any real header (a few KiB even with many keys), far below what 65535 keys could
/// claim.
pub(crate) const MAX_HEAD_BYTES: usize = 1 << 20;
/// The default largest frame length a streaming decrypt accepts (4 MiB). A frame is
/// authenticated as a whole, so each in flight is held whole.
pub(crate) const DEFAULT_MAX_FRAME_LENGTH: u32 = 4 << 20;
/// The plaintext bytes of one batch of frames (at least one frame).
const BATCH_BYTES: usize = 1 << 20;
/// The memory the batches in flight may take together, when frames are large: never fewer
/// than two batches.
const IN_FLIGHT_BYTES: usize = 24 << 20;

/// An I/O failure as the public error, naming what was being done.
pub(crate) fn io_error(what: &str, e: &io::Error) -> Error {
    Error::Io(format!("{what}: {e}"))
}

/// How a stream is run: worker threads, batches in flight and frames a batch.
struct Plan {
    workers: usize,
    depth: usize,
    frames_per_batch: usize,
}

impl Plan {
    fn new(frame_length: u32) -> Self {
        let frame = (frame_length as usize).max(1);
        let frames_per_batch = (BATCH_BYTES / frame).max(1);
        let batch = frames_per_batch.saturating_mul(frame);
        let workers = thread::available_parallelism()
            .map_or(1, NonZero::get)
            .clamp(1, 32);
        let depth = (IN_FLIGHT_BYTES / batch.saturating_mul(2)).clamp(2, workers + 2);
        Self {
            workers,
            depth,
            frames_per_batch,
        }
    }
}

/// Buffers handed back and taken again, so that a stream keeps touching the same few batches
/// of memory (fresh pages cost a fault each). Plaintext is wiped before its buffer is kept.
struct Pool {
    free: Mutex<Vec<Vec<u8>>>,
    keep: usize,
}

impl Pool {
    fn new(plan: &Plan) -> Self {
        Self {
            free: Mutex::new(Vec::new()),
            keep: plan.depth * 3 + 4,
        }
    }

    /// A kept buffer, or a new empty one.
    fn pop(&self) -> Vec<u8> {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    /// An empty buffer with room for `capacity` bytes.
    fn take(&self, capacity: usize) -> Vec<u8> {
        let mut v = self.pop();
        v.clear();
        v.reserve(capacity);
        v
    }

    /// Keeps `v` (of public bytes) for a later [`take`](Self::take), its length grown to its
    /// capacity (for [`take_filled`](Self::take_filled), which then writes no zeros again).
    fn put(&self, mut v: Vec<u8>) {
        let cap = v.capacity();
        v.resize(cap, 0);
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < self.keep {
            free.push(v);
        }
    }

    /// A buffer of `len` bytes (zeros, or bytes wiped), to read into.
    fn take_filled(&self, len: usize) -> Vec<u8> {
        let mut v = self.pop();
        v.resize(len, 0);
        v
    }

    /// Wipes `v` (all its capacity) and keeps it, its length too (for
    /// [`take_filled`](Self::take_filled), which then writes no zeros again).
    fn put_secret(&self, mut v: Vec<u8>) {
        v.as_mut_slice().zeroize();
        let spare = v.spare_capacity_mut().len();
        if spare > 0 {
            let len = v.len();
            v.resize(len + spare, 0);
        }
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < self.keep {
            free.push(v);
        }
    }
}

/// The running hash of a signed message, fed in message order: [`send`](Self::send) hands
/// bytes to the thread that hashes them (and then gives the buffer back to the pool, once no
/// one else holds it).
struct HashFeed {
    tx: Option<mpsc::SyncSender<Arc<Vec<u8>>>>,
}

impl HashFeed {
    /// Whether there is a hash to feed (a signing suite).
    fn signing(&self) -> bool {
        self.tx.is_some()
    }

    /// Hands the next bytes of the message to the hash, if there is one.
    fn send(&self, bytes: &Arc<Vec<u8>>) -> Result<()> {
        match &self.tx {
            Some(tx) => tx
                .send(Arc::clone(bytes))
                .map_err(|_| Error::Io("the hash thread stopped".into())),
            None => Ok(()),
        }
    }
}

/// Gives `bytes` back to `pool` if no one else holds them.
fn recycle(pool: &Pool, bytes: Arc<Vec<u8>>) {
    if let Some(v) = Arc::into_inner(bytes) {
        pool.put(v);
    }
}

/// Runs `work` over the jobs `next` makes, on worker threads, and gives each result to `done`
/// in the order the jobs were made; at most `plan.depth` jobs are in flight. `next` and `done`
/// hand the bytes the message hash takes, in message order, to the [`HashFeed`] they are
/// given: a thread hashes them into `hash` (and gives them back to `pool`) as they come, and
/// `hash` is returned once every job is done.
///
/// The first error of `work` or `done` stops everything and is returned; after an error of
/// `next`, the jobs it made before finish first.
fn pipeline<J, O>(
    plan: &Plan,
    pool: &Pool,
    hash: Option<SignatureHash>,
    mut next: impl FnMut(&HashFeed) -> Result<Option<J>>,
    work: impl Fn(J) -> Result<O> + Sync,
    mut done: impl FnMut(O, &HashFeed) -> Result<()>,
) -> Result<Option<SignatureHash>>
where
    J: Send,
    O: Send,
{
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, J)>(plan.depth);
    let job_rx = Mutex::new(job_rx);
    let work = &work;
    thread::scope(|s| {
        let (out_tx, out_rx) = mpsc::channel::<(usize, Result<O>)>();
        for _ in 0..plan.workers {
            let out_tx = out_tx.clone();
            let job_rx = &job_rx;
            s.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((i, j)) = job else { return };
                    if out_tx.send((i, work(j))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(out_tx);
        let (hash_tx, hasher) = match hash {
            Some(mut h) => {
                let (tx, rx) = mpsc::sync_channel::<Arc<Vec<u8>>>(plan.depth);
                let handle = s.spawn(move || {
                    for bytes in rx {
                        h.update(&bytes);
                        recycle(pool, bytes);
                    }
                    h
                });
                (Some(tx), Some(handle))
            }
            None => (None, None),
        };
        let feed = HashFeed { tx: hash_tx };
        let mut run = || -> Result<()> {
            let mut pending = std::collections::BTreeMap::new();
            let (mut made, mut finished, mut end) = (0usize, 0usize, false);
            let mut failed = None;
            loop {
                while !end && made - finished < plan.depth {
                    match next(&feed) {
                        Err(e) => {
                            // The jobs made before still finish, in order: then this error.
                            failed = Some(e);
                            end = true;
                        }
                        Ok(None) => end = true,
                        Ok(Some(j)) => {
                            job_tx
                                .send((made, j))
                                .map_err(|_| Error::Io("a worker thread stopped".into()))?;
                            made += 1;
                        }
                    }
                }
                if made == finished {
                    return failed.map_or(Ok(()), Err);
                }
                let out = loop {
                    if let Some(out) = pending.remove(&finished) {
                        break out;
                    }
                    let (i, out) = out_rx
                        .recv()
                        .map_err(|_| Error::Io("a worker thread stopped".into()))?;
                    pending.insert(i, out);
                };
                finished += 1;
                done(out?, &feed)?;
            }
        };
        let result = run();
        drop(job_tx);
        drop(feed);
        let hash = match hasher {
            Some(handle) => Some(
                handle
                    .join()
                    .map_err(|_| Error::Io("the hash thread failed".into()))?,
            ),
            None => None,
        };
        result.map(|()| hash)
    })
}

/// Appends up to `n` bytes of `r` to `buf`, fewer only at the end of the input; returns how
/// many. The buffer grows only as bytes arrive.
fn read_up_to(r: &mut impl Read, buf: &mut Vec<u8>, n: usize) -> io::Result<usize> {
    let start = buf.len();
    r.take(n as u64).read_to_end(buf)?;
    Ok(buf.len() - start)
}

/// Fills `buf` from `r`, short only at the end of the input; returns how many bytes were read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Appends exactly `n` bytes of the message to `buf`; a message that ends first is truncated
/// (`what`).
fn read_exact_into(
    r: &mut impl Read,
    buf: &mut Vec<u8>,
    n: usize,
    what: &'static str,
) -> Result<()> {
    let got = read_up_to(r, buf, n).map_err(|e| io_error("cannot read the message", &e))?;
    if got < n {
        return Err(FormatError::Truncated(what).into());
    }
    Ok(())
}

/// A batch of plaintext to seal: its frames start at `first_seq`; the last is the final frame
/// when `last` (then it holds what is left after the full frames, possibly nothing).
struct SealJob {
    first_seq: u32,
    plaintext: Zeroizing<Vec<u8>>,
    last: bool,
}

/// Writes a framed message of the plaintext `reader` yields to `writer`, from the header to the
/// footer, and flushes it; returns the plaintext bytes read. With `max_len`, a plaintext longer
/// than that fails (the materials were counted for that many bytes).
///
/// Its bytes are those [`super::encrypt::encrypt`] writes for the same plaintext and
/// parameters.
pub(crate) fn encrypt<R: Read, W: Write>(
    p: &EncryptParams<'_>,
    mut reader: R,
    mut writer: W,
    max_len: Option<u64>,
) -> Result<u64> {
    check(p)?;
    let frame = p.frame_length as usize;
    let plan = Plan::new(p.frame_length);
    let mut header = Vec::with_capacity(header_len(p));
    let key = write_header(p, &mut header)?;
    let write_err = |e: &io::Error| io_error("cannot write the message", e);
    writer.write_all(&header).map_err(|e| write_err(&e))?;
    let hash = p.signing_key.map(|s| {
        let mut h = s.hash();
        h.update(&header);
        h
    });
    let batch = plan.frames_per_batch * frame;
    let pool = Pool::new(&plan);
    let plain_pool = Pool::new(&plan);
    let (mut next_seq, mut total, mut end) = (1u64, 0u64, false);
    let next = || -> Result<Option<SealJob>> {
        if end {
            return Ok(None);
        }
        let mut plaintext = Zeroizing::new(plain_pool.take_filled(batch));
        let got = fill(&mut reader, &mut plaintext)
            .map_err(|e| io_error("cannot read the plaintext", &e))?;
        plaintext.truncate(got);
        total += got as u64;
        if max_len.is_some_and(|max| total > max) {
            return Err(Error::Config(format!(
                "the plaintext is longer than the {} bytes declared",
                max_len.unwrap_or_default()
            )));
        }
        end = got < batch;
        let frames = (got / frame + usize::from(end)) as u64;
        let first_seq = next_seq;
        next_seq += frames;
        if next_seq - 1 > u64::from(u32::MAX) {
            return Err(FormatError::Config(
                "the plaintext needs more than 2^32 - 1 frames".into(),
            )
            .into());
        }
        Ok(Some(SealJob {
            first_seq: first_seq as u32,
            plaintext,
            last: end,
        }))
    };
    let (key, id) = (&key, &p.message_id);
    let (pool, plain_pool) = (&pool, &plain_pool);
    let mut next = next;
    let next = |_: &HashFeed| next();
    let work = |mut job: SealJob| -> Result<Vec<u8>> {
        let full = job.plaintext.len() / frame;
        let mut out = pool.take(job.plaintext.len() + (full + 1) * (FRAME_OVERHEAD + 8));
        let mut chunks = job.plaintext.chunks_exact(frame);
        let mut seq = job.first_seq;
        for chunk in chunks.by_ref() {
            seal_frame(key, id, seq, false, chunk, &mut out)?;
            seq = seq.wrapping_add(1);
        }
        if job.last {
            seal_frame(key, id, seq, true, chunks.remainder(), &mut out)?;
        }
        plain_pool.put_secret(std::mem::take(&mut *job.plaintext));
        Ok(out)
    };
    let done = |sealed: Vec<u8>, feed: &HashFeed| -> Result<()> {
        writer.write_all(&sealed).map_err(|e| write_err(&e))?;
        if feed.signing() {
            return feed.send(&Arc::new(sealed));
        }
        pool.put(sealed);
        Ok(())
    };
    let hash = pipeline(&plan, pool, hash, next, work, done)?;
    if let (Some(signer), Some(hash)) = (p.signing_key, hash) {
        let signature = signer.sign(hash)?;
        let mut footer = Vec::with_capacity(2 + signature.len());
        Footer(&signature).encode(&mut footer)?;
        writer.write_all(&footer).map_err(|e| write_err(&e))?;
    }
    writer.flush().map_err(|e| write_err(&e))?;
    Ok(total)
}

/// Reads a message header from `r`, field by field, and returns its bytes (which
/// [`Header::parse`] reads in full): at most `max_edks` encrypted data keys (checked before
/// they are read) and [`MAX_HEAD_BYTES`] bytes.
pub(crate) fn read_head(r: &mut impl Read, max_edks: Option<u16>) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    let mut take = |buf: &mut Vec<u8>, n: usize, what: &'static str| -> Result<usize> {
        if buf.len() + n > MAX_HEAD_BYTES {
            return Err(FormatError::invalid(format!(
                "the message header is longer than {MAX_HEAD_BYTES} bytes"
            ))
            .into());
        }
        let at = buf.len();
        read_exact_into(r, buf, n, what)?;
        Ok(at)
    };
    let u16_at = |buf: &[u8], at: usize| usize::from(u16::from_be_bytes([buf[at], buf[at + 1]]));
    take(&mut buf, 1, "version")?;
    let v2 = match buf[0] {
        2 => true,
        1 => {
            take(&mut buf, 1, "type")?;
            false
        }
        v => {
            return Err(FormatError::invalid(format!("unknown message format version {v}")).into());
        }
    };
    take(&mut buf, 2, "algorithm suite")?;
    take(&mut buf, if v2 { 32 } else { 16 }, "message id")?;
    let at = take(&mut buf, 2, "encryption context")?;
    let n = u16_at(&buf, at);
    take(&mut buf, n, "encryption context")?;
    let at = take(&mut buf, 2, "encrypted data key count")?;
    let count = u16_at(&buf, at);
    if count == 0 {
        return Err(FormatError::invalid("the message has no encrypted data key").into());
    }
    if let Some(max) = max_edks.filter(|&max| count > usize::from(max)) {
        return Err(FormatError::invalid(format!(
            "the message has {count} encrypted data keys, more than the {max} allowed"
        ))
        .into());
    }
    for _ in 0..count {
        for what in ["key provider id", "key provider info", "encrypted data key"] {
            let at = take(&mut buf, 2, what)?;
            let n = u16_at(&buf, at);
            take(&mut buf, n, what)?;
        }
    }
    take(&mut buf, 1, "content type")?;
    if !v2 {
        take(&mut buf, 4 + 1, "IV length")?;
    }
    take(&mut buf, 4, "frame length")?;
    take(
        &mut buf,
        if v2 { 32 } else { NONCE_LEN },
        if v2 { "commitment key" } else { "header IV" },
    )?;
    take(&mut buf, TAG_LEN, "header authentication tag")?;
    let h = Header::parse(&buf, max_edks)?;
    if h.body_start != buf.len() {
        return Err(FormatError::invalid("the message header is malformed").into());
    }
    Ok(buf)
}

/// A batch of whole frames to open, as read (heads, contents and tags), shared with the hash.
struct OpenJob {
    ciphertext: Arc<Vec<u8>>,
}

/// Reads the body and footer of the message whose header `head` (bytes of [`read_head`])
/// verified into `key`, from `reader` (which is just after the header), writing the plaintext
/// of each frame to `writer` as its tag verifies, in order. Returns the plaintext bytes once
/// the final frame came, the signature verified (signing suites, with `verifier`) and
/// the input ended with the message; on `Err`, what was written is not authentic.
///
/// A frame length above `max_frame_length` is refused before any frame is read; a non-framed
/// body is held whole, and refused when longer than `max_frame_length`.
pub(crate) fn decrypt<R: Read, W: Write>(
    head: &[u8],
    key: &ContentKey,
    verifier: Option<&VerifyingKey>,
    max_frame_length: u32,
    reader: R,
    writer: &mut W,
) -> Result<u64> {
    let h = Header::parse(head, None)?;
    if h.framed && h.frame_length > max_frame_length {
        return Err(Error::DecryptValue(format!(
            "the message's frame length ({} bytes) is above the {max_frame_length} bytes this \
             streaming decrypt accepts",
            h.frame_length
        )));
    }
    let verifier = match (h.suite.signature(), verifier) {
        (Signature::None, _) => None,
        (_, None) => {
            return Err(FormatError::invalid("the signing suite's public key is missing").into());
        }
        (_, Some(v)) => Some(v),
    };
    let hash = verifier.map(|v| {
        let mut hash = v.hash();
        hash.update(head);
        hash
    });
    let mut reader = reader;
    let (hash, total, after) = if h.framed {
        decrypt_frames(&h, &key.0, hash, &mut reader, writer)?
    } else {
        let (hash, total) =
            decrypt_non_framed(&h, &key.0, hash, max_frame_length, &mut reader, writer)?;
        (hash, total, Vec::new())
    };
    // What was read past the body comes first.
    let mut reader = io::Cursor::new(after).chain(reader);
    if let (Some(v), Some(hash)) = (verifier, hash) {
        let mut footer = Vec::new();
        read_exact_into(&mut reader, &mut footer, 2, "signature")?;
        let n = usize::from(u16::from_be_bytes([footer[0], footer[1]]));
        read_exact_into(&mut reader, &mut footer, n, "signature")?;
        let signature = Footer::read(&mut Reader::new(&footer))?;
        v.verify(hash, signature.0)?;
    }
    let mut one = [0u8; 1];
    let more = loop {
        match reader.read(&mut one) {
            Ok(n) => break n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error("cannot read the message", &e)),
        }
    };
    if more > 0 {
        return Err(FormatError::Trailing("bytes after the end of the message").into());
    }
    writer
        .flush()
        .map_err(|e| io_error("cannot write the plaintext", &e))?;
    Ok(total)
}

/// Reads and opens a non-framed body (one block, of at most `max_len` bytes, held whole),
/// writing its plaintext to `writer`; returns `hash` having taken the body in, and the
/// plaintext bytes.
fn decrypt_non_framed(
    h: &Header<'_>,
    aead: &AeadKey,
    mut hash: Option<SignatureHash>,
    max_len: u32,
    reader: &mut impl Read,
    writer: &mut impl Write,
) -> Result<(Option<SignatureHash>, u64)> {
    let mut body = Vec::new();
    read_exact_into(reader, &mut body, NONCE_LEN + 8, "content length")?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&body[NONCE_LEN..]);
    let len = u64::from_be_bytes(len);
    if len > u64::from(max_len) {
        return Err(Error::DecryptValue(format!(
            "the message is not framed and its content ({len} bytes) is above the \
             {max_len} bytes this streaming decrypt holds at once"
        )));
    }
    read_exact_into(reader, &mut body, len as usize + TAG_LEN, "content")?;
    let mut plaintext = Zeroizing::new(Vec::new());
    open_non_framed(&mut Reader::new(&body), h.message_id, aead, &mut plaintext)?;
    writer
        .write_all(&plaintext)
        .map_err(|e| io_error("cannot write the plaintext", &e))?;
    if let Some(hash) = &mut hash {
        hash.update(&body);
    }
    Ok((hash, plaintext.len() as u64))
}

/// Reads and opens a framed body in batches on worker threads, writing the plaintext to
/// `writer` in order; returns `hash` having taken the body in, the plaintext bytes, and the
/// bytes read past the final frame (the footer's, or more).
///
/// Each batch is read straight into a buffer of whole regular frames (one read for many
/// frames, no copy), its frame heads checked in order, and handed to the hash as it is read,
/// so that the one sequential part of a signed message runs beside the opening of its frames.
fn decrypt_frames(
    h: &Header<'_>,
    aead: &AeadKey,
    hash: Option<SignatureHash>,
    reader: &mut impl Read,
    writer: &mut impl Write,
) -> Result<(Option<SignatureHash>, u64, Vec<u8>)> {
    let frame_length = h.frame_length;
    let plan = Plan::new(frame_length);
    let pool = Pool::new(&plan);
    let regular = frame_length as usize + FRAME_OVERHEAD;
    let batch = plan.frames_per_batch * regular;
    let (mut expected, mut end) = (1u32, false);
    let mut after = Vec::new();
    let read_err = |e: &io::Error| io_error("cannot read the message", e);
    let next = |feed: &HashFeed| -> Result<Option<OpenJob>> {
        if end {
            return Ok(None);
        }
        let mut buf = pool.take_filled(batch);
        let mut filled = fill(reader, &mut buf).map_err(|e| read_err(&e))?;
        let mut at = 0;
        loop {
            if at == filled {
                if filled < batch {
                    // The input ended before the final frame.
                    return Err(FormatError::Truncated("sequence number").into());
                }
                break;
            }
            let head = FrameHead::read(&mut Reader::new(&buf[at..filled]), frame_length)?;
            if head.seq != expected {
                return Err(FormatError::invalid("a frame is out of order").into());
            }
            let Some(final_len) = head.final_len else {
                if at + regular > filled {
                    return Err(FormatError::Truncated("frame content").into());
                }
                at += regular;
                expected = expected
                    .checked_add(1)
                    .filter(|&s| s != FINAL_MARKER)
                    .ok_or_else(|| FormatError::invalid("too many frames"))?;
                continue;
            };
            // The final frame: it may end past what was read (then the rest is read), or
            // before it (then what follows is kept for the footer).
            let frame_end = at + 8 + NONCE_LEN + 4 + final_len as usize + TAG_LEN;
            if frame_end > filled {
                if filled < batch {
                    return Err(FormatError::Truncated("frame content").into());
                }
                buf.resize(frame_end, 0);
                let got = fill(reader, &mut buf[filled..]).map_err(|e| read_err(&e))?;
                if filled + got < frame_end {
                    return Err(FormatError::Truncated("frame content").into());
                }
                filled = frame_end;
            }
            after.extend_from_slice(&buf[frame_end..filled]);
            filled = frame_end;
            end = true;
            break;
        }
        buf.truncate(filled);
        let ciphertext = Arc::new(buf);
        feed.send(&ciphertext)?;
        Ok(Some(OpenJob { ciphertext }))
    };
    let id = h.message_id;
    let pool = &pool;
    let work = |job: OpenJob| -> Result<Zeroizing<Vec<u8>>> {
        let mut plaintext = Zeroizing::new(pool.take(job.ciphertext.len()));
        let mut r = Reader::new(&job.ciphertext);
        while r.remaining() > 0 {
            let head = FrameHead::read(&mut r, frame_length)?;
            let len = head.final_len.unwrap_or(frame_length) as usize;
            let content = r.take(len, "frame content")?;
            let tag = r.take(TAG_LEN, "frame tag")?;
            open_frame(aead, id, &head, content, tag, &mut plaintext)?;
        }
        recycle(pool, job.ciphertext);
        Ok(plaintext)
    };
    let mut total = 0u64;
    let done = |mut plaintext: Zeroizing<Vec<u8>>, _: &HashFeed| -> Result<()> {
        writer
            .write_all(&plaintext)
            .map_err(|e| io_error("cannot write the plaintext", &e))?;
        total += plaintext.len() as u64;
        pool.put_secret(std::mem::take(&mut *plaintext));
        Ok(())
    };
    let hash = pipeline(&plan, pool, hash, next, work, done)?;
    Ok((hash, total, after))
}

/// The suite, frame length and framing of a header read by [`read_head`].
pub(crate) fn head_info(head: &[u8]) -> Result<(AlgorithmSuite, u32, bool)> {
    let h = Header::parse(head, None)?;
    Ok((h.suite, h.frame_length, h.framed))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::message::decrypt::verify_header;
    use crate::message::edk::EncryptedDataKey;
    use crate::message::footer::SigningKey;
    use crate::message::header::header_section;

    fn section() -> Vec<u8> {
        let edk = EncryptedDataKey {
            provider_id: "p".into(),
            provider_info: b"i".to_vec(),
            ciphertext: vec![3; 40],
        };
        header_section(&BTreeMap::new(), &[edk]).unwrap()
    }

    fn params<'a>(
        section: &'a [u8],
        signer: Option<&'a SigningKey>,
        frame: u32,
    ) -> EncryptParams<'a> {
        EncryptParams {
            message_id: [9; 32],
            suite: if signer.is_some() {
                AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
            } else {
                AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY
            },
            header_section: section,
            reproduced: &[],
            data_key: &[5; 32],
            signing_key: signer,
            frame_length: frame,
        }
    }

    /// Streams the message of `msg` back through read_head and decrypt.
    fn open(msg: &[u8], verifier: Option<&VerifyingKey>) -> Result<Vec<u8>> {
        let mut r = msg;
        let head = read_head(&mut r, Some(3))?;
        let h = Header::parse(&head, None)?;
        let key = verify_header(&h, &[5; 32], &[])?;
        let mut out = Vec::new();
        decrypt(&head, &key, verifier, 1 << 20, r, &mut out)?;
        Ok(out)
    }

    #[test]
    fn streamed_messages_are_the_in_memory_bytes() {
        let section = section();
        let signer = SigningKey::generate(Signature::P384).unwrap();
        let verifier =
            VerifyingKey::from_context_value(Signature::P384, signer.public_key()).unwrap();
        for frame in [1u32, 7, 128] {
            // The last length puts a final frame in the last slot of a batch, ending past it.
            let f = frame as usize;
            let crossing = (BATCH_BYTES / f - 1) * f + f - 1;
            for len in [0, 1, 127, 128, 129, 1000, 3 * BATCH_BYTES / 2, crossing] {
                let plaintext: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let p = params(&section, None, frame);
                let whole = super::super::encrypt::encrypt(&p, &plaintext).unwrap();
                let mut streamed = Vec::new();
                let n = encrypt(&p, &plaintext[..], &mut streamed, Some(len as u64)).unwrap();
                assert_eq!(n, len as u64);
                assert_eq!(streamed, whole, "frame {frame} len {len}");
                assert_eq!(open(&streamed, None).unwrap(), plaintext);
                if len > 1000 && frame < 128 {
                    continue; // ECDSA signatures differ; one signed run a frame length is enough
                }
                let p = params(&section, Some(&signer), frame);
                let mut signed = Vec::new();
                encrypt(&p, &plaintext[..], &mut signed, None).unwrap();
                assert_eq!(open(&signed, Some(&verifier)).unwrap(), plaintext);
                assert!(open(&signed, None).is_err());
                let last = signed.len() - 1;
                signed[last] ^= 1;
                assert!(open(&signed, Some(&verifier)).is_err());
            }
        }
    }

    #[test]
    fn a_declared_length_is_a_maximum() {
        let section = section();
        let p = params(&section, None, 128);
        let e = encrypt(&p, &[0u8; 300][..], Vec::new(), Some(299)).unwrap_err();
        assert_eq!(e.kind(), "config");
    }

    #[test]
    fn heads_are_bounded() {
        let section = section();
        let p = params(&section, None, 128);
        let mut msg = Vec::new();
        encrypt(&p, &b"abc"[..], &mut msg, None).unwrap();
        let head = read_head(&mut &msg[..], None).unwrap();
        assert_eq!(
            head_info(&head).unwrap(),
            (
                AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
                128,
                true
            )
        );
        for cut in 0..head.len() {
            let e = read_head(&mut &msg[..cut], None).unwrap_err();
            assert_eq!(e.kind(), "decrypt-value", "{cut}: {e}");
        }
        let e = read_head(&mut &msg[..], Some(0)).unwrap_err();
        assert!(e.to_string().contains("more than the 0 allowed"), "{e}");
        let e = read_head(&mut &b"AQID"[..], None).unwrap_err();
        assert!(e.to_string().contains("version 65"), "{e}");
        // A frame length above the limit is refused before any frame is read.
        let h = Header::parse(&head, None).unwrap();
        let key = verify_header(&h, &[5; 32], &[]).unwrap();
        let e = decrypt(&head, &key, None, 64, &msg[head.len()..], &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("frame length"), "{e}");
    }
}
