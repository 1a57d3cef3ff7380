//! `encrypt --raw` and `decrypt --raw`, streamed: the input is read, and the output written, in
//! batches of frames, so memory stays flat whatever the size of the file.
//!
//! Encrypt writes the message as it is made: bare with `--binary`, otherwise as one base64 JSON
//! string line, encoded on the fly. Decrypt reads the bare message, or base64 text (bare or as
//! a JSON string) decoded on the fly. Its plaintext goes to a sink that is committed only once
//! the whole message verified: with `--output`, the private temporary file that is renamed over
//! the target (removed on any failure); on standard output, a spool (memory, then a private
//! unnamed temporary file) copied out at the end; with `--stream-unverified`, standard output
//! as each batch of frames verifies (the explicit opt-in).
//!
//! `encrypt` and `decrypt` of a whole JSON value stream the same way: the text is validated and
//! minified as it is read (encrypt) or as its frames are opened (decrypt, whose sink is then
//! committed only if the plaintext is one JSON value).

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::{DataMasking, EncryptionContext, Encryptor, Error, PlaintextSink, Unverified};
use zeroize::Zeroizing;

use crate::args::{IoArgs, RawDecryptArgs};
use crate::output::{Output, Spool};
use crate::{Failure, io_failure};

/// The input buffer of a streamed run.
const READ_BUFFER: usize = 1 << 20;
/// The largest JSON text `encrypt` reads whole (and encrypts as it always did); a larger one is
/// streamed.
pub(crate) const SMALL_TEXT: usize = 1 << 20;
/// How far past a header that does not parse base64 text is read, to report text that is
/// not base64 as such.
const TEXT_LOOKAHEAD: u64 = 1 << 20;

fn open_input(path: Option<&Path>) -> Result<Box<dyn Read>, Failure> {
    match path {
        Some(p) if p.as_os_str() != "-" => Ok(Box::new(
            File::open(p).map_err(|e| io_failure("cannot open", Some(p), &e))?,
        )),
        _ => Ok(Box::new(io::stdin().lock())),
    }
}

/// `encrypt --raw`: the input's bytes into one message, bare (`binary`) or as a base64 JSON
/// string line.
pub(crate) fn encrypt_raw(
    io_args: &IoArgs,
    binary: bool,
    rt: &tokio::runtime::Runtime,
    encryptor: &Encryptor,
    ctx: &EncryptionContext,
) -> Result<bool, Failure> {
    let input = open_input(io_args.input.as_deref())?;
    let mut out = Output::open(io_args.output.as_deref())?;
    let write_err = |e: &io::Error| io_failure("cannot write", io_args.output.as_deref(), e);
    let stream = rt.block_on(encryptor.encrypt_stream(ctx, None))?;
    // On an error, dropping `out` removes its temporary file.
    if binary {
        stream.encrypt(input, &mut out.writer)?;
    } else {
        out.writer.write_all(b"\"").map_err(|e| write_err(&e))?;
        let mut b64 = Base64Writer::new(&mut out.writer);
        stream.encrypt(input, &mut b64)?;
        b64.finish().map_err(|e| write_err(&e))?;
        out.writer.write_all(b"\"\n").map_err(|e| write_err(&e))?;
    }
    out.finish()?;
    Ok(true)
}

/// `encrypt` of a whole JSON value (no `--field`, no `--ndjson`): the message of its compact
/// text, as a base64 JSON string line. A text of at most [`SMALL_TEXT`] bytes is read whole and
/// encrypted as it always was (`encrypt_text`: an invalid text fails before any key is asked
/// for); a larger one is validated and minified as it streams through the encryption, in flat
/// memory, and fails where it stops being JSON (the `--output` file is then never made; on
/// standard output, what was printed by then is no message).
pub(crate) fn encrypt_json(
    io_args: &IoArgs,
    rt: &tokio::runtime::Runtime,
    masker: &DataMasking,
    encryptor: &Encryptor,
    ctx: &EncryptionContext,
) -> Result<bool, Failure> {
    let path = io_args.input.as_deref();
    let mut input = open_input(path)?;
    let mut head = Zeroizing::new(Vec::new());
    (&mut input)
        .take(SMALL_TEXT as u64 + 1)
        .read_to_end(&mut head)
        .map_err(|e| io_failure("cannot read", path, &e))?;
    let out = Output::open(io_args.output.as_deref())?;
    let write_err = |e: &io::Error| io_failure("cannot write", io_args.output.as_deref(), e);
    if head.len() <= SMALL_TEXT {
        let text = std::str::from_utf8(&head).map_err(|_| {
            let e = io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            );
            io_failure("cannot read", path, &e)
        })?;
        let message = rt.block_on(masker.encrypt_text(text, ctx))?;
        let mut out = out;
        out.writer
            .write_all(format!("\"{message}\"\n").as_bytes())
            .map_err(|e| write_err(&e))?;
        out.finish()?;
        return Ok(true);
    }
    let stream = rt.block_on(encryptor.encrypt_stream(ctx, None))?;
    let reader = io::Cursor::new(&head[..]).chain(input);
    let mut out = out;
    let run = |out: &mut Output| -> Result<(), Failure> {
        out.writer.write_all(b"\"").map_err(|e| write_err(&e))?;
        let mut b64 = Base64Writer::new(&mut out.writer);
        stream.encrypt_json(reader, &mut b64)?;
        b64.finish().map_err(|e| write_err(&e))?;
        out.writer.write_all(b"\"\n").map_err(|e| write_err(&e))
    };
    match run(&mut out) {
        Ok(()) => out.finish()?,
        Err(f) => {
            out.abandon();
            return Err(f);
        }
    }
    Ok(true)
}

/// What a streamed decrypt writes: the plaintext bytes as they are (`--raw`), or a JSON text
/// made compact and checked, then a newline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plaintext {
    Bytes,
    Json,
}

/// `decrypt --raw`, and `decrypt` of a whole JSON value: one message (bare, or base64 text
/// unless `--binary`) to its plaintext. Nothing is released before the whole message verified
/// (and, for JSON, the plaintext proved one JSON value): with `--output` the plaintext goes to
/// the temporary file renamed into place only then; on standard output it is spooled (memory,
/// then a private unnamed temporary file) and copied out only then, unless
/// `--stream-unverified`.
pub(crate) fn decrypt(
    io_args: &IoArgs,
    how: &RawDecryptArgs,
    kind: Plaintext,
    rt: &tokio::runtime::Runtime,
    encryptor: &Encryptor,
    ctx: &EncryptionContext,
) -> Result<bool, Failure> {
    let mut input = BufReader::with_capacity(READ_BUFFER, open_input(io_args.input.as_deref())?);
    let first = input
        .fill_buf()
        .map_err(|e| io_failure("cannot read", io_args.input.as_deref(), &e))?
        .first()
        .copied();
    let bare = how.binary || matches!(first, Some(1 | 2));
    let problem = Rc::new(RefCell::new(None));
    let mut reader: Box<dyn Read> = if bare {
        Box::new(input)
    } else {
        Box::new(Base64Reader::new(input, Rc::clone(&problem)))
    };
    // A base64 input that is not base64 fails as such, whatever the reading of it made of it.
    let text_problem = |e: Error| -> Failure { problem.borrow_mut().take().unwrap_or(e).into() };
    let head = match encryptor.read_head(&mut reader) {
        Ok(head) => head,
        Err(e) => {
            // A header that does not parse may be text that is not base64 further on: look
            // a little further for that (as the whole text was checked before it was read).
            if !bare {
                let _ = io::copy(&mut (&mut reader).take(TEXT_LOOKAHEAD), &mut io::sink());
            }
            return Err(text_problem(e));
        }
    };
    let stream = rt.block_on(encryptor.decrypt_stream(head, ctx))?;
    let out = Output::open(io_args.output.as_deref())?;
    let newline = kind == Plaintext::Json;
    let result = if io_args.output.is_some() {
        // The temporary file is the sink: renamed into place once the message verified.
        let sink = Staged {
            target: Target::File(out),
            newline,
        };
        match kind {
            Plaintext::Bytes => stream.decrypt(reader, sink),
            Plaintext::Json => stream.decrypt_json(reader, sink),
        }
    } else if how.stream_unverified {
        let mut out = out;
        stream
            .decrypt(reader, Unverified(&mut out.writer))
            .map_err(text_problem)?;
        return out.finish().map(|()| true);
    } else {
        let sink = Staged {
            target: Target::Stdout(Spool::new(), out),
            newline,
        };
        match kind {
            Plaintext::Bytes => stream.decrypt(reader, sink),
            Plaintext::Json => stream.decrypt_json(reader, sink),
        }
    };
    result.map_err(text_problem)?;
    Ok(true)
}

/// Where a decrypt's plaintext is held until the message verified.
enum Target {
    /// The `--output` file's temporary file, renamed into place on commit.
    File(Output),
    /// Standard output, written from the spool on commit.
    Stdout(Spool, Output),
}

/// The sink of a decrypt: its [`Target`] (removed or wiped on discard), and a newline written
/// after the plaintext on commit when `newline` (the JSON text's line).
struct Staged {
    target: Target,
    newline: bool,
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::File(out) => out.writer.write(buf),
            Target::Stdout(spool, _) => spool.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::File(out) => out.writer.write_all(buf),
            Target::Stdout(spool, _) => spool.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::File(out) => out.writer.flush(),
            Target::Stdout(spool, _) => spool.flush(),
        }
    }
}

impl PlaintextSink for Staged {
    type Output = ();

    fn commit(self) -> io::Result<()> {
        let out = match self.target {
            Target::File(mut out) => {
                if self.newline {
                    out.writer.write_all(b"\n")?;
                }
                out
            }
            Target::Stdout(spool, mut out) => {
                spool.copy_to(&mut out.writer)?;
                if self.newline {
                    out.writer.write_all(b"\n")?;
                }
                out
            }
        };
        out.finish().map_err(|f| io::Error::other(f.message))
    }

    fn discard(self) {
        match self.target {
            // Dropping the output removes its temporary file.
            Target::File(out) => out.abandon(),
            Target::Stdout(spool, out) => {
                spool.discard();
                out.abandon();
            }
        }
    }
}

/// Writes the base64 of what it is given (standard alphabet, padded), in pieces of whole
/// 3-byte groups; [`finish`](Self::finish) writes the last group.
struct Base64Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
    text: String,
}

impl<W: Write> Base64Writer<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::with_capacity(3),
            text: String::new(),
        }
    }

    fn finish(mut self) -> io::Result<()> {
        self.text.clear();
        STANDARD.encode_string(&self.pending, &mut self.text);
        self.inner.write_all(self.text.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Write for Base64Writer<W> {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let n = buf.len();
        self.text.clear();
        if !self.pending.is_empty() {
            let need = (3 - self.pending.len()).min(buf.len());
            self.pending.extend_from_slice(&buf[..need]);
            buf = &buf[need..];
            if self.pending.len() < 3 {
                return Ok(n);
            }
            STANDARD.encode_string(&self.pending, &mut self.text);
            self.pending.clear();
        }
        let whole = buf.len() / 3 * 3;
        STANDARD.encode_string(&buf[..whole], &mut self.text);
        self.pending.extend_from_slice(&buf[whole..]);
        self.inner.write_all(self.text.as_bytes())?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The characters of the base64 alphabet, padding aside.
static BASE64_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
        b += 1;
    }
    t
};

/// Where a base64 text input is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Before the text: whitespace, then a `"` or the first base64 character.
    Start,
    /// In the base64, inside a JSON string when `quoted`.
    Text { quoted: bool },
    /// After the text: only whitespace may follow.
    End,
}

/// Decodes base64 text as it is read: bare, or a JSON string (of base64 characters, `\/`
/// allowed), with whitespace around it. What is not base64 fails the read, and the error that
/// `decrypt` (in memory) gave for it is left in `problem`.
struct Base64Reader<R: BufRead> {
    inner: R,
    place: Place,
    /// Bytes read, to name the column of an unterminated JSON string.
    read: usize,
    /// Base64 characters not yet decoded (fewer than 4 between reads).
    chars: Vec<u8>,
    decoded: Zeroizing<Vec<u8>>,
    at: usize,
    /// Whether a padding character was read.
    padded: bool,
    /// Whether the last character of a JSON string was a backslash.
    escaped: bool,
    problem: Rc<RefCell<Option<Error>>>,
}

impl<R: BufRead> Base64Reader<R> {
    fn new(inner: R, problem: Rc<RefCell<Option<Error>>>) -> Self {
        Self {
            inner,
            place: Place::Start,
            read: 0,
            chars: Vec::new(),
            decoded: Zeroizing::new(Vec::new()),
            at: 0,
            padded: false,
            escaped: false,
            problem,
        }
    }

    fn fail(&self, e: Error) -> io::Error {
        let text = e.to_string();
        *self.problem.borrow_mut() = Some(e);
        io::Error::new(io::ErrorKind::InvalidData, text)
    }

    fn not_base64(&self) -> io::Error {
        self.fail(Error::DecryptValue("the ciphertext is not base64".into()))
    }

    /// Decodes the whole groups of 4 characters of `chars` (all of them at the end).
    fn decode(&mut self, all: bool) -> io::Result<()> {
        let whole = if all {
            self.chars.len()
        } else {
            self.chars.len() / 4 * 4
        };
        self.decoded.clear();
        self.at = 0;
        if whole == 0 {
            return Ok(());
        }
        let mut out = std::mem::take(&mut *self.decoded);
        let r = STANDARD.decode_vec(&self.chars[..whole], &mut out);
        *self.decoded = out;
        if r.is_err() {
            return Err(self.not_base64());
        }
        self.chars.drain(..whole);
        Ok(())
    }

    /// Reads more text; returns false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        let buf = self.inner.fill_buf()?;
        if buf.is_empty() {
            if self.place == (Place::Text { quoted: true }) {
                return Err(self.fail(Error::InvalidJson {
                    line: 1,
                    column: self.read,
                    reason: "EOF while parsing a string".into(),
                }));
            }
            self.place = Place::End;
            self.decode(true)?;
            return Ok(false);
        }
        let buf = buf.to_vec();
        let n = buf.len();
        let mut i = 0;
        while i < n {
            if matches!(self.place, Place::Text { .. }) && !self.padded && !self.escaped {
                // A run of base64 characters (not padding) is taken whole.
                let start = i;
                while i < n && BASE64_CHAR[usize::from(buf[i])] {
                    i += 1;
                }
                if i > start {
                    self.chars.extend_from_slice(&buf[start..i]);
                    continue;
                }
            }
            let b = buf[i];
            i += 1;
            if !b.is_ascii() {
                return Err(self.fail(Error::DecryptValue(
                    "the input is neither a message nor base64 text".into(),
                )));
            }
            match self.place {
                Place::Start | Place::End if b.is_ascii_whitespace() => {}
                Place::Start if b == b'"' => self.place = Place::Text { quoted: true },
                Place::Start => {
                    self.place = Place::Text { quoted: false };
                    self.push(b)?;
                }
                Place::Text { quoted: true } if self.escaped => {
                    if b != b'/' {
                        return Err(self.not_base64());
                    }
                    self.escaped = false;
                    self.push(b)?;
                }
                Place::Text { quoted: true } if b == b'\\' => self.escaped = true,
                Place::Text { quoted: true } if b == b'"' => self.place = Place::End,
                Place::Text { quoted: false } if b.is_ascii_whitespace() => {
                    self.place = Place::End;
                }
                Place::Text { .. } => self.push(b)?,
                Place::End => return Err(self.not_base64()),
            }
        }
        self.inner.consume(n);
        self.read += n;
        self.decode(false)?;
        Ok(true)
    }

    fn push(&mut self, b: u8) -> io::Result<()> {
        // Padding ends the text: nothing but more padding may follow it.
        let padded = self.chars.last() == Some(&b'=') || self.padded;
        self.padded |= b == b'=';
        if (padded && b != b'=') || !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            return Err(self.not_base64());
        }
        self.chars.push(b);
        Ok(())
    }
}

impl<R: BufRead> Read for Base64Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.decoded.len() {
            if self.place == Place::End && self.chars.is_empty() {
                // Whitespace may still follow; anything else is refused.
                if !self.refill()? {
                    return Ok(0);
                }
                continue;
            }
            if !self.refill()? && self.at == self.decoded.len() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.decoded.len() - self.at);
        buf[..n].copy_from_slice(&self.decoded[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &[u8]) -> Result<Vec<u8>, String> {
        let problem = Rc::new(RefCell::new(None));
        let mut r = Base64Reader::new(BufReader::with_capacity(5, text), Rc::clone(&problem));
        let mut out = Vec::new();
        match r.read_to_end(&mut out) {
            Ok(_) => Ok(out),
            Err(_) => Err(problem
                .borrow()
                .as_ref()
                .map_or("?", Error::kind)
                .to_owned()),
        }
    }

    #[test]
    fn base64_in_pieces_both_ways() {
        for len in [0usize, 1, 2, 3, 4, 5, 100, 1000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut text = Vec::new();
            let mut w = Base64Writer::new(&mut text);
            for piece in bytes.chunks(7) {
                w.write_all(piece).unwrap();
            }
            w.finish().unwrap();
            assert_eq!(text, STANDARD.encode(&bytes).into_bytes(), "{len}");
            assert_eq!(decode(&text).unwrap(), bytes, "{len}");
            let mut quoted = b" \"".to_vec();
            quoted.extend(&text);
            quoted.extend(b"\"\n");
            assert_eq!(decode(&quoted).unwrap(), bytes, "{len}");
        }
        assert_eq!(
            decode(b"\"a\\/8=\"").unwrap(),
            STANDARD.decode("a/8=").unwrap()
        );
        assert_eq!(decode(b"not base64!").unwrap_err(), "decrypt-value");
        assert_eq!(decode(b"\"abcd").unwrap_err(), "invalid-json");
        assert_eq!(decode(b"abcd efgh").unwrap_err(), "decrypt-value");
        assert_eq!(decode(b"abc").unwrap_err(), "decrypt-value");
        assert_eq!(decode(b"ab==cdef").unwrap_err(), "decrypt-value");
        assert_eq!(decode(b"\"abcd\\").unwrap_err(), "invalid-json");
        assert_eq!(decode(b"\"ab\\cd\"").unwrap_err(), "decrypt-value");
        assert_eq!(decode(b"ab\xffcd").unwrap_err(), "decrypt-value");
    }
}
