//! Where a streaming decrypt's plaintext goes: [`PlaintextSink`], committed only once the whole
//! message verified, in memory ([`Vec<u8>`]) or passed on at once by explicit choice
//! ([`Unverified`]).

use std::io::{self, Write};

use zeroize::Zeroize;

/// Where a streaming decrypt writes plaintext: bytes are written as their frames verify,
/// and kept only when the whole message verified.
///
/// [`DecryptStream::decrypt`](crate::DecryptStream::decrypt) calls [`commit`](Self::commit) once the message is authentic,
/// and [`discard`](Self::discard) on any failure: an implementation must hold what it was
/// given back from anyone else until `commit` (a buffer, a temporary file renamed into place
/// by `commit` and removed by `discard`), or it releases unverified plaintext. [`Vec<u8>`]
/// holds it in memory (wiped on discard); [`Unverified`] is the explicit opt-in to pass it on
/// at once.
///
/// ```
/// use std::io::{self, Write};
/// use data_masking::PlaintextSink;
///
/// /// Counts the bytes; reports them only for an authentic message.
/// struct Count(u64);
/// impl Write for Count {
///     fn write(&mut self, b: &[u8]) -> io::Result<usize> { self.0 += b.len() as u64; Ok(b.len()) }
///     fn flush(&mut self) -> io::Result<()> { Ok(()) }
/// }
/// impl PlaintextSink for Count {
///     type Output = u64;
///     fn commit(self) -> io::Result<u64> { Ok(self.0) }
///     fn discard(self) {}
/// }
/// let mut c = Count(0);
/// c.write_all(b"abc").unwrap();
/// assert_eq!(c.commit().unwrap(), 3);
/// ```
pub trait PlaintextSink: Write {
    /// What the sink gives back when committed.
    type Output;

    /// The message verified: make what was written final, and return the output.
    fn commit(self) -> io::Result<Self::Output>;

    /// The message did not verify: throw away (and wipe) what was written.
    fn discard(self);
}

/// Holds the plaintext in memory; committed, it is the plaintext; discarded, it is wiped.
///
/// ```
/// use data_masking::PlaintextSink;
/// use std::io::Write;
/// let mut v = Vec::new();
/// v.write_all(b"abc").unwrap();
/// assert_eq!(v.commit().unwrap(), b"abc");
/// ```
impl PlaintextSink for Vec<u8> {
    type Output = Vec<u8>;

    fn commit(self) -> io::Result<Vec<u8>> {
        Ok(self)
    }

    fn discard(mut self) {
        self.zeroize();
    }
}

/// The explicit opt-in to release plaintext before the message verified: the plaintext of
/// each batch of frames (about 1 MiB) goes to the inner writer as soon as their tags verified,
/// in order.
///
/// Each frame written is authentic on its own, but **the message is not**: a truncated
/// message ends without its final frame, and for a signing suite (0x0578, the default) the
/// signature over the whole message is checked only at the end, so until then the bytes may
/// come from whoever holds the data key rather than the signer. When
/// [`DecryptStream::decrypt`](crate::DecryptStream::decrypt) returns an error, what the writer received must be thrown away;
/// nothing is done to it here. Use it for unsigned suites you trust, or where output is
/// undone on failure (the AWS Encryption SDK CLI's default streaming), never to hand
/// plaintext to a consumer that acts on it before the end.
///
/// ```
/// # use data_masking::{EncryptionContext, Encryptor, Unverified, keys::RawAesKeyring};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
/// let ctx = EncryptionContext::empty();
/// let message = e.encrypt(&[5u8; 9000], &ctx).await?;
/// let mut reader = &message[..message.len() - 10];
/// let stream = e.decrypt_stream(e.read_head(&mut reader)?, &ctx).await?;
/// let mut out = Vec::new();
/// assert!(stream.decrypt(reader, Unverified(&mut out)).is_err());
/// assert_eq!(out.len(), 9000); // released, though the signature never verified
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Unverified<W: Write>(pub W);

impl<W: Write> Write for Unverified<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Committed, the writer (flushed); discarded, nothing is undone.
///
/// ```
/// use data_masking::{PlaintextSink, Unverified};
/// assert!(Unverified(Vec::new()).commit().unwrap().is_empty());
/// ```
impl<W: Write> PlaintextSink for Unverified<W> {
    type Output = W;

    fn commit(mut self) -> io::Result<W> {
        self.0.flush()?;
        Ok(self.0)
    }

    fn discard(mut self) {
        let _ = self.0.flush();
    }
}
