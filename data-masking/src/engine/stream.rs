//! Streaming encrypt and decrypt: a message of any size written from a [`Read`] and read into a
//! [`Write`], in memory bounded by a few batches of frames, the frames sealed and opened on
//! every core.
//!
//! The key work is asynchronous (a keyring may call AWS KMS) and happens first, in
//! [`Encryptor::encrypt_stream`] and [`Encryptor::decrypt_stream`]; the byte work that follows
//! is blocking and runs on threads of its own ([`EncryptStream::encrypt`],
//! [`DecryptStream::decrypt`]): call it from a blocking context (`spawn_blocking`, or a
//! command-line program's main thread).
//!
//! Decrypted bytes go to a [`PlaintextSink`], which is committed only once the whole message
//! verified (every frame, the final frame, the signature and the end of the input) and
//! discarded otherwise: plaintext is never released as final before it is authentic unless
//! the caller wraps its writer in [`Unverified`].

use std::fmt;
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::Arc;

use super::Encryptor;
use super::json_sink::JsonSink;
use super::materials::Materials;
use super::sink::PlaintextSink;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::json_text::not_json;
use crate::json_text::stream::{MinifyReader, Problem};
use crate::message::AlgorithmSuite;
use crate::message::format::{self, ContentKey, EncryptParams, MessageIds};
use crate::message::stream::{self, DEFAULT_MAX_FRAME_LENGTH, io_error};

impl Encryptor {
    /// Starts a streaming encrypt bound to `context`: draws the data key (from the cache when
    /// `plaintext_len` is given and fits its limits; a stream of unknown length always gets a
    /// data key of its own, as the ESDK caching CMM does) and returns the stream, which
    /// [`EncryptStream::encrypt`] then writes. With `plaintext_len`, a longer plaintext fails.
    ///
    /// The message is the one [`encrypt`](Self::encrypt) would make of the same bytes (same
    /// suite, frames and context): either API decrypts the other's.
    ///
    /// ```
    /// use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::new([("file", "report.csv")])?;
    /// let plaintext = vec![42u8; 100_000];
    /// let stream = e.encrypt_stream(&ctx, Some(plaintext.len() as u64)).await?;
    /// let mut message = Vec::new();
    /// assert_eq!(stream.encrypt(&plaintext[..], &mut message)?, 100_000);
    /// assert_eq!(e.decrypt(&message, &ctx).await?, plaintext);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_stream(
        &self,
        context: &EncryptionContext,
        plaintext_len: Option<u64>,
    ) -> Result<EncryptStream> {
        let materials = self
            .materials(context, 1, plaintext_len.unwrap_or(u64::MAX))
            .await?;
        materials.encrypting()?;
        let message_id = MessageIds::new(1).next_id()?;
        Ok(EncryptStream {
            encryptor: self.clone(),
            materials,
            message_id,
            plaintext_len,
        })
    }

    /// Reads the header of a message from `reader` (leaving it just after the header), field
    /// by field: at most [`max_encrypted_data_keys`](super::EncryptorBuilder::max_encrypted_data_keys)
    /// encrypted data keys (checked before any is read) and 1 MiB in all. Nothing in it is
    /// authentic yet: [`decrypt_stream`](Self::decrypt_stream) checks it.
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring, AlgorithmSuite};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let message = e.encrypt(b"hello", &EncryptionContext::empty()).await?;
    /// let mut reader = &message[..];
    /// let head = e.read_head(&mut reader)?;
    /// assert_eq!(head.suite(), AlgorithmSuite::default());
    /// assert!(head.is_signed());
    /// assert!(e.read_head(&mut &b"not a message"[..]).is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn read_head<R: Read>(&self, reader: &mut R) -> Result<MessageHead> {
        let bytes = stream::read_head(reader, self.inner.options.max_edks)?;
        let (suite, frame_length, framed) = stream::head_info(&bytes)?;
        Ok(MessageHead {
            bytes,
            suite,
            frame_length,
            framed,
        })
    }

    /// Opens the message whose header is `head`, as [`decrypt`](Self::decrypt) does before
    /// its body: the commitment policy, the keyring (through the cache), the key commitment,
    /// the header tag, then `context` against the message's. The body is read by
    /// [`DecryptStream::decrypt`].
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let message = e.encrypt(&[1u8; 10_000], &ctx).await?;
    /// let mut reader = &message[..];
    /// let head = e.read_head(&mut reader)?;
    /// let stream = e.decrypt_stream(head, &ctx).await?;
    /// let plaintext: Vec<u8> = stream.decrypt(reader, Vec::new())?; // committed: authentic
    /// assert_eq!(plaintext, vec![1u8; 10_000]);
    ///
    /// let head = e.read_head(&mut &message[..])?;
    /// let err = e.decrypt_stream(head, &EncryptionContext::empty()).await.unwrap_err();
    /// assert_eq!(err.kind(), "context-mismatch");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_stream(
        &self,
        head: MessageHead,
        context: &EncryptionContext,
    ) -> Result<DecryptStream> {
        let header = format::parse_header(&head.bytes, self.inner.options.max_edks)?;
        let (materials, key) = self.open_message(&header, context).await?;
        materials.decrypting()?;
        Ok(DecryptStream {
            head,
            key,
            materials,
            max_frame_length: DEFAULT_MAX_FRAME_LENGTH,
        })
    }
}

/// A streaming encrypt whose data key is drawn ([`Encryptor::encrypt_stream`]): writes one
/// message of what a reader yields.
///
/// ```
/// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
/// let stream = e.encrypt_stream(&EncryptionContext::empty(), None).await?;
/// let mut message = Vec::new();
/// stream.encrypt(std::io::repeat(0).take(5000), &mut message)?;
/// # use std::io::Read;
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
pub struct EncryptStream {
    encryptor: Encryptor,
    materials: Arc<Materials>,
    message_id: [u8; 32],
    plaintext_len: Option<u64>,
}

impl fmt::Debug for EncryptStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptStream")
            .field("suite", &self.encryptor.inner.options.suite)
            .field("frame_length", &self.encryptor.inner.options.frame_length)
            .field("plaintext_len", &self.plaintext_len)
            .finish_non_exhaustive()
    }
}

impl EncryptStream {
    /// Writes the whole message of `reader`'s bytes to `writer`: header, frames sealed in
    /// batches on every core and written in order, then (signing suites) the footer; flushes
    /// `writer` and returns the plaintext bytes read. Memory stays at a few batches of frames
    /// (about 1 MiB each) whatever the size. Fails with [`Error::Io`] when
    /// reading or writing fails (what was written is then no message), and with
    /// [`Error::Config`] when the plaintext is longer than the length
    /// given to [`Encryptor::encrypt_stream`].
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let stream = e.encrypt_stream(&EncryptionContext::empty(), Some(3)).await?;
    /// let err = stream.encrypt(&b"four"[..], Vec::new()).unwrap_err();
    /// assert_eq!(err.kind(), "config");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn encrypt<R: Read, W: Write>(self, reader: R, writer: W) -> Result<u64> {
        let m = self.materials.encrypting()?;
        let options = &self.encryptor.inner.options;
        let params = EncryptParams {
            message_id: self.message_id,
            suite: options.suite,
            header_section: &m.header_section,
            reproduced: &m.reproduced,
            data_key: m.data_key.as_bytes(),
            signing_key: m.signing.as_ref(),
            frame_length: options.frame_length,
        };
        stream::encrypt(&params, reader, writer, self.plaintext_len)
    }

    /// Writes the message of the JSON text `reader` yields, as
    /// [`DataMasking::encrypt_text`](crate::DataMasking::encrypt_text) makes it of the whole
    /// text, in flat memory: the text is validated and its whitespace outside strings removed
    /// as it streams by (the same compact bytes, the same plaintext), then sealed as
    /// [`encrypt`](Self::encrypt) seals any bytes. Returns the bytes of compact text
    /// encrypted. Fails with [`Error::InvalidJson`] where the text is not one JSON value (its
    /// arrays and objects nested at most 1,048,576 deep); what was written by then is no message
    /// and must be thrown away.
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let text = "{ \"a\": [1, 2],\n  \"b\": \"x y\" }\n";
    /// let mut message = Vec::new();
    /// let stream = e.encrypt_stream(&ctx, None).await?;
    /// assert_eq!(stream.encrypt_json(text.as_bytes(), &mut message)?, 21);
    /// assert_eq!(e.decrypt(&message, &ctx).await?, br#"{"a":[1,2],"b":"x y"}"#);
    ///
    /// let stream = e.encrypt_stream(&ctx, None).await?;
    /// let err = stream.encrypt_json(&b"{\"a\": }"[..], Vec::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid JSON at line 1 column 7: expected value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn encrypt_json<R: Read, W: Write>(self, reader: R, writer: W) -> Result<u64> {
        let problem = Problem::default();
        let reader = MinifyReader::new(reader, Rc::clone(&problem));
        let result = self.encrypt(reader, writer);
        let found = problem.borrow_mut().take();
        match (result, found) {
            (Err(_), Some(e)) => Err(e),
            (result, _) => result,
        }
    }
}

/// The header of a message read from a stream ([`Encryptor::read_head`]); not authentic until
/// [`Encryptor::decrypt_stream`] checked it.
///
/// ```
/// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[7u8; 32])?).frame_length(1024).build()?;
/// let message = e.encrypt(b"x", &EncryptionContext::empty()).await?;
/// let head = e.read_head(&mut &message[..])?;
/// assert_eq!((head.frame_length(), head.suite().id()), (1024, 0x0578));
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MessageHead {
    bytes: Vec<u8>,
    suite: AlgorithmSuite,
    frame_length: u32,
    framed: bool,
}

impl fmt::Debug for MessageHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageHead")
            .field("suite", &self.suite)
            .field("frame_length", &self.frame_length)
            .field("framed", &self.framed)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl MessageHead {
    /// The algorithm suite the header names.
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// # let message = e.encrypt(b"x", &EncryptionContext::empty()).await?;
    /// assert_eq!(e.read_head(&mut &message[..])?.suite().id(), 0x0578);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn suite(&self) -> AlgorithmSuite {
        self.suite
    }

    /// Whether the message ends with a signature (its plaintext is authentic only after it).
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// # let message = e.encrypt(b"x", &EncryptionContext::empty()).await?;
    /// assert!(e.read_head(&mut &message[..])?.is_signed());
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn is_signed(&self) -> bool {
        self.suite.is_signing()
    }

    /// The frame length the header names (0 for a non-framed message, which cannot be
    /// streamed).
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// # let message = e.encrypt(b"x", &EncryptionContext::empty()).await?;
    /// assert_eq!(e.read_head(&mut &message[..])?.frame_length(), 4096);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn frame_length(&self) -> u32 {
        self.frame_length
    }
}

/// A message whose header verified ([`Encryptor::decrypt_stream`]): reads its body into a
/// [`PlaintextSink`].
///
/// ```
/// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
/// let ctx = EncryptionContext::empty();
/// let message = e.encrypt(b"abc", &ctx).await?;
/// let mut reader = &message[..];
/// let stream = e.decrypt_stream(e.read_head(&mut reader)?, &ctx).await?;
/// assert!(stream.is_signed());
/// assert_eq!(stream.decrypt(reader, Vec::new())?, b"abc");
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
pub struct DecryptStream {
    head: MessageHead,
    key: ContentKey,
    materials: Arc<Materials>,
    max_frame_length: u32,
}

impl fmt::Debug for DecryptStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptStream")
            .field("head", &self.head)
            .field("max_frame_length", &self.max_frame_length)
            .finish_non_exhaustive()
    }
}

impl DecryptStream {
    /// Whether the message ends with a signature: then none of its plaintext is authentic
    /// until the end, and only a sink that holds it back until
    /// [`commit`](PlaintextSink::commit) keeps that promise.
    ///
    /// ```
    /// # use data_masking::{AlgorithmSuite, EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let e = Encryptor::builder(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
    ///     .build()?;
    /// let message = e.encrypt(b"abc", &EncryptionContext::empty()).await?;
    /// let head = e.read_head(&mut &message[..])?;
    /// assert!(!e.decrypt_stream(head, &EncryptionContext::empty()).await?.is_signed());
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn is_signed(&self) -> bool {
        self.head.is_signed()
    }

    /// The largest frame length accepted (default 4 MiB; the ESDKs write 4096): a frame is
    /// authenticated whole, so a few frames are held in memory at once, and a message with
    /// larger frames is refused before any frame is read.
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let message = e.encrypt(b"abc", &ctx).await?;
    /// let mut reader = &message[..];
    /// let stream = e.decrypt_stream(e.read_head(&mut reader)?, &ctx).await?;
    /// let err = stream.max_frame_length(1024).decrypt(reader, Vec::new()).unwrap_err();
    /// assert_eq!(err.kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn max_frame_length(mut self, bytes: u32) -> Self {
        self.max_frame_length = bytes;
        self
    }

    /// Reads the rest of the message from `reader` (just after the header) and writes its
    /// plaintext to `sink`, frames opened in batches on every core and written in order.
    /// `sink` is [committed](PlaintextSink::commit) only after every frame tag verified, the
    /// final frame came, the signature verified (signing suites) and the input ended with the
    /// message; on any failure it is [discarded](PlaintextSink::discard) and the error
    /// returned ([`Error::DecryptValue`] for the message,
    /// [`Error::Io`] for reading or writing).
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let message = e.encrypt(&[5u8; 9000], &ctx).await?;
    /// let cut = &message[..message.len() - 10]; // the signature is cut short
    /// let mut reader = cut;
    /// let stream = e.decrypt_stream(e.read_head(&mut reader)?, &ctx).await?;
    /// let err = stream.decrypt(reader, Vec::new()).unwrap_err();
    /// assert_eq!(err.kind(), "decrypt-value"); // and the sink was wiped
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn decrypt<R: Read, S: PlaintextSink>(self, reader: R, mut sink: S) -> Result<S::Output> {
        let verifier = self.materials.decrypting()?.verifier.as_ref();
        let result = stream::decrypt(
            &self.head.bytes,
            &self.key,
            verifier,
            self.max_frame_length,
            reader,
            &mut sink,
        );
        match result {
            Ok(_) => sink
                .commit()
                .map_err(|e| io_error("cannot commit the plaintext", &e)),
            Err(e) => {
                sink.discard();
                Err(e)
            }
        }
    }
}

impl DecryptStream {
    /// [`decrypt`](Self::decrypt) of a message whose plaintext is a JSON text, as
    /// [`DataMasking::decrypt_text`](crate::DataMasking::decrypt_text) reads it, in flat
    /// memory: the plaintext is validated and its whitespace outside strings removed as its
    /// frames are opened, and `sink` receives that compact text. It is committed only once the
    /// whole message verified **and** the plaintext was one JSON value; otherwise it is
    /// discarded, and a message that verified but is not JSON fails with
    /// [`Error::DecryptValue`] ("the decrypted plaintext is not JSON").
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let message = e.encrypt(b"{ \"a\" : [1, 2.50] }", &ctx).await?;
    /// let mut reader = &message[..];
    /// let stream = e.decrypt_stream(e.read_head(&mut reader)?, &ctx).await?;
    /// assert_eq!(stream.decrypt_json(reader, Vec::new())?, br#"{"a":[1,2.50]}"#);
    ///
    /// let message = e.encrypt(b"not JSON", &ctx).await?;
    /// let mut reader = &message[..];
    /// let stream = e.decrypt_stream(e.read_head(&mut reader)?, &ctx).await?;
    /// let err = stream.decrypt_json(reader, Vec::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "decrypt value error: the decrypted plaintext is not JSON");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn decrypt_json<R: Read, S: PlaintextSink>(self, reader: R, sink: S) -> Result<S::Output> {
        let problem = Problem::default();
        let result = self.decrypt(reader, JsonSink::new(sink, Rc::clone(&problem)));
        let found = problem.borrow_mut().take();
        match (result, found) {
            (Err(_), Some(_)) => Err(not_json()),
            (result, _) => result,
        }
    }
}

/// The handle of the tokio runtime the async streaming calls run their byte work beside.
fn runtime_handle() -> Result<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current()
        .map_err(|_| Error::Config("the async streaming calls need a tokio runtime".into()))
}

/// Runs `f` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Io(format!("the streaming task failed: {e}")))?
}

impl Encryptor {
    /// [`encrypt_stream`](Self::encrypt_stream) then [`EncryptStream::encrypt`] from a tokio
    /// [`AsyncRead`](tokio::io::AsyncRead) to an [`AsyncWrite`](tokio::io::AsyncWrite): the
    /// byte work runs on tokio's blocking pool (frames sealed on every core as in the blocking
    /// call), so the caller's task only awaits it. Returns the plaintext bytes read and the
    /// writer, flushed (shut it down, or sync a file, as it needs).
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let reader = std::io::Cursor::new(vec![9u8; 20_000]);
    /// let (n, message) = e.encrypt_async(&ctx, None, reader, Vec::new()).await?;
    /// assert_eq!(n, 20_000);
    /// let back = e.decrypt_async(std::io::Cursor::new(message), &ctx, Vec::new()).await?;
    /// assert_eq!(back, vec![9u8; 20_000]);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_async<R, W>(
        &self,
        context: &EncryptionContext,
        plaintext_len: Option<u64>,
        reader: R,
        writer: W,
    ) -> Result<(u64, W)>
    where
        R: tokio::io::AsyncRead + Unpin + Send + 'static,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        use tokio_util::io::SyncIoBridge;
        let handle = runtime_handle()?;
        let stream = self.encrypt_stream(context, plaintext_len).await?;
        blocking(move || {
            let reader = SyncIoBridge::new_with_handle(reader, handle.clone());
            let mut writer = SyncIoBridge::new_with_handle(writer, handle);
            let n = stream.encrypt(reader, &mut writer)?;
            Ok((n, writer.into_inner()))
        })
        .await
    }

    /// [`read_head`](Self::read_head), [`decrypt_stream`](Self::decrypt_stream) and
    /// [`DecryptStream::decrypt`] of a message read from a tokio
    /// [`AsyncRead`](tokio::io::AsyncRead), into `sink` (committed only once the whole message
    /// verified, as with the blocking call); the byte work runs on tokio's blocking pool.
    ///
    /// ```
    /// # use data_masking::{EncryptionContext, Encryptor, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let e = Encryptor::new(RawAesKeyring::new("ns", "key", &[7u8; 32])?)?;
    /// let ctx = EncryptionContext::empty();
    /// let mut message = e.encrypt(b"abc", &ctx).await?;
    /// message.pop(); // the signature cut short
    /// let err = e.decrypt_async(std::io::Cursor::new(message), &ctx, Vec::new()).await;
    /// assert_eq!(err.unwrap_err().kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_async<R, S>(
        &self,
        reader: R,
        context: &EncryptionContext,
        sink: S,
    ) -> Result<S::Output>
    where
        R: tokio::io::AsyncRead + Unpin + Send + 'static,
        S: PlaintextSink + Send + 'static,
        S::Output: Send + 'static,
    {
        use tokio_util::io::SyncIoBridge;
        let handle = runtime_handle()?;
        let this = self.clone();
        let (head, reader) = blocking(move || {
            let mut reader = SyncIoBridge::new_with_handle(reader, handle);
            let head = this.read_head(&mut reader);
            Ok((head, reader))
        })
        .await?;
        let stream = self.decrypt_stream(head?, context).await?;
        blocking(move || stream.decrypt(reader, sink)).await
    }
}
