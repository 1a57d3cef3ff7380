//! JSON text validated and minified as it streams by, in flat memory: what
//! [`validate_json`](super::validate_json) and [`minify`](super::minify) do to a whole text,
//! done a piece at a time.
//!
//! [`Minifier`] is a state machine fed the text in pieces of any size (a piece may end inside a
//! string, an escape, a number or a UTF-8 sequence). It accepts exactly the texts
//! `validate_json` accepts on a `&str` (so the text must be UTF-8, and `\u` escapes are not
//! checked for surrogates), reports the errors serde_json reports (same reason, and the same
//! line and column in the common cases), and keeps exactly the bytes `minify` keeps: everything
//! but the whitespace outside strings. It never recurses; its one growing state is the stack
//! of open arrays and objects, bounded by [`MAX_DEPTH`].
//!
//! [`MinifyReader`] reads a text through it (for a streaming encrypt) and [`JsonSink`] writes
//! one through it into a sink (for a streaming decrypt, `engine/json_sink.rs`).

use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::error::Error;

/// The deepest nesting of arrays and objects a streamed text may have. serde_json's
/// `IgnoredAny` validation has no limit of its own (its stack is a byte a level, on the heap,
/// bounded by the text), so this one is far above any real document (serde_json parses a
/// `Value`, and Python's `json` a document, only about 128 and 1,000 levels deep) while a
/// stream of `[` cannot grow the stack past 1 MiB. A valid text of at most 2 MiB (the
/// CLI encrypts one of up to 1 MiB whole) never reaches it.
pub(crate) const MAX_DEPTH: usize = 1 << 20;

/// What the parser reported, worded as serde_json words it.
const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_VALUE: &str = "EOF while parsing a value";
const EXPECTED_COLON: &str = "expected `:`";
const EXPECTED_LIST: &str = "expected `,` or `]`";
const EXPECTED_OBJECT: &str = "expected `,` or `}`";
const EXPECTED_IDENT: &str = "expected ident";
const EXPECTED_VALUE: &str = "expected value";
const INVALID_ESCAPE: &str = "invalid escape";
const INVALID_NUMBER: &str = "invalid number";
const INVALID_UTF8: &str = "invalid unicode code point";
const CONTROL: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY_NOT_STRING: &str = "key must be a string";
const TRAILING: &str = "trailing characters";

/// Where the text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the top-level value.
    Start,
    /// A value must come (after `:`, or `,` in an array).
    Value,
    /// Just after `[`: a value or `]`.
    ValueOrClose,
    /// Just after `{`: a key or `}`.
    KeyOrClose,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in an array or object: `,` or its close.
    CommaOrClose,
    /// After the top-level value: only whitespace may follow.
    Done,
    /// In a string (a key when `key`).
    Str { key: bool },
    /// Just after a backslash in a string.
    Escape { key: bool },
    /// In the four bytes after `\u`: `left` to come; `bad` once one was not a hex digit.
    Hex { key: bool, left: u8, bad: bool },
    /// In a UTF-8 sequence: `left` continuation bytes to come, the next in `lo..=hi`.
    Utf8 { key: bool, left: u8, lo: u8, hi: u8 },
    /// In a number.
    Number(Num),
    /// In `true`, `false` or `null`: the bytes still to come.
    Literal(&'static [u8]),
    /// An error was reported: nothing more is read.
    Failed,
}

/// Where a number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    /// After `-`.
    Minus,
    /// A leading `0`.
    Zero,
    /// In the integer digits.
    Int,
    /// After `.`.
    Dot,
    /// In the fraction's digits.
    Frac,
    /// After `e` or `E`.
    E,
    /// After the exponent's sign.
    Sign,
    /// In the exponent's digits.
    Exp,
}

impl Num {
    /// Whether the number may end here.
    fn complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::Exp)
    }
}

/// Bytes a string holds as they are: printable ASCII but `"` and `\`.
const fn plain_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x80 {
        t[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    t
}
static PLAIN: [bool; 256] = plain_table();

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// Validates and minifies one JSON text fed in pieces: each piece is compacted in place
/// ([`minify_in_place`](Self::minify_in_place)), and [`finish`](Self::finish) checks that the
/// text ended with its value.
#[derive(Debug)]
pub(crate) struct Minifier {
    state: State,
    /// The open arrays and objects, innermost last (`[` or `{`).
    stack: Vec<u8>,
    /// Bytes fed before the current piece.
    offset: u64,
    /// The current line (1-based) and the offset its first byte has.
    line: usize,
    line_start: u64,
}

impl Default for Minifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Minifier {
    pub(crate) fn new() -> Self {
        Self {
            state: State::Start,
            stack: Vec::new(),
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The error at the byte at `at` of the current piece (`column_back`: how many columns
    /// before it serde_json names).
    fn fail(&mut self, at: usize, column_back: u64, reason: &str) -> Error {
        self.state = State::Failed;
        let pos = self.offset + at as u64;
        Error::InvalidJson {
            line: self.line,
            column: usize::try_from((pos + 1 - self.line_start).saturating_sub(column_back))
                .unwrap_or(usize::MAX),
            reason: reason.into(),
        }
    }

    /// The error at the end of the text.
    fn fail_at_end(&mut self, reason: &str) -> Error {
        self.state = State::Failed;
        Error::InvalidJson {
            line: self.line,
            column: usize::try_from(self.offset - self.line_start).unwrap_or(usize::MAX),
            reason: reason.into(),
        }
    }

    /// Counts the newline at `at` of the current piece.
    fn newline_at(&mut self, at: usize) {
        self.line += 1;
        self.line_start = self.offset + at as u64 + 1;
    }

    /// The state after a value ended.
    fn after_value(&self) -> State {
        if self.stack.is_empty() {
            State::Done
        } else {
            State::CommaOrClose
        }
    }

    /// Validates the next piece of the text and compacts it in place: the bytes kept (all but
    /// the whitespace outside strings) are moved to the front of `buf`, in order; returns how
    /// many. An error names the first byte that makes the text invalid; after one, every call
    /// fails.
    pub(crate) fn minify_in_place(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = buf.len();
        let (mut i, mut w) = (0usize, 0usize);
        let result = loop {
            if i >= n {
                break Ok(());
            }
            let b = buf[i];
            if b == b'\n'
                && matches!(
                    self.state,
                    State::Escape { .. } | State::Hex { .. } | State::Literal(_)
                )
            {
                // Read as part of a token, where serde_json counts it too.
                self.newline_at(i);
            }
            match self.state {
                State::Failed => {
                    break Err(Error::InvalidJson {
                        line: self.line,
                        column: 0,
                        reason: "the text was already found invalid".into(),
                    });
                }
                State::Str { key } => {
                    // The plain run is kept as it is.
                    let start = i;
                    while i < n && PLAIN[usize::from(buf[i])] {
                        i += 1;
                    }
                    if w != start {
                        buf.copy_within(start..i, w);
                    }
                    w += i - start;
                    let Some(&b) = buf.get(i) else { continue };
                    match b {
                        b'"' => {
                            self.state = if key {
                                State::Colon
                            } else {
                                self.after_value()
                            };
                        }
                        b'\\' => self.state = State::Escape { key },
                        0..0x20 => break Err(self.fail(i, 1, CONTROL)),
                        _ => match utf8_lead(b) {
                            Some((left, lo, hi)) => {
                                self.state = State::Utf8 { key, left, lo, hi };
                            }
                            None => break Err(self.fail(i, 0, INVALID_UTF8)),
                        },
                    }
                    buf[w] = b;
                    w += 1;
                    i += 1;
                    continue;
                }
                State::Escape { key } => {
                    self.state = match b {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                            State::Str { key }
                        }
                        b'u' => State::Hex {
                            key,
                            left: 4,
                            bad: false,
                        },
                        _ => break Err(self.fail(i, 0, INVALID_ESCAPE)),
                    };
                }
                State::Hex { key, left, bad } => {
                    let bad = bad || !b.is_ascii_hexdigit();
                    if left > 1 {
                        self.state = State::Hex {
                            key,
                            left: left - 1,
                            bad,
                        };
                    } else if bad {
                        break Err(self.fail(i, 0, INVALID_ESCAPE));
                    } else {
                        self.state = State::Str { key };
                    }
                }
                State::Utf8 { key, left, lo, hi } => {
                    if !(lo..=hi).contains(&b) {
                        break Err(self.fail(i, 0, INVALID_UTF8));
                    }
                    self.state = if left > 1 {
                        State::Utf8 {
                            key,
                            left: left - 1,
                            lo: 0x80,
                            hi: 0xBF,
                        }
                    } else {
                        State::Str { key }
                    };
                }
                State::Number(num) => {
                    let next = match (num, b) {
                        (Num::Minus, b'0') => Some(Num::Zero),
                        (Num::Minus, b'1'..=b'9') | (Num::Int, b'0'..=b'9') => Some(Num::Int),
                        (Num::Zero, b'0'..=b'9') => break Err(self.fail(i, 0, INVALID_NUMBER)),
                        (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                        (Num::Dot | Num::Frac, b'0'..=b'9') => Some(Num::Frac),
                        (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::E),
                        (Num::E, b'+' | b'-') => Some(Num::Sign),
                        (Num::E | Num::Sign | Num::Exp, b'0'..=b'9') => Some(Num::Exp),
                        _ => None,
                    };
                    match next {
                        Some(num) => self.state = State::Number(num),
                        None if num.complete() => {
                            // The number ended: this byte is read after it.
                            self.state = self.after_value();
                            continue;
                        }
                        None => {
                            if b == b'\n' {
                                self.newline_at(i);
                            }
                            break Err(self.fail(i, 0, INVALID_NUMBER));
                        }
                    }
                }
                State::Literal(rest) => {
                    if rest.first() != Some(&b) {
                        break Err(self.fail(i, 0, EXPECTED_IDENT));
                    }
                    self.state = if rest.len() == 1 {
                        self.after_value()
                    } else {
                        State::Literal(&rest[1..])
                    };
                }
                _ if is_ws(b) => {
                    // The whole run of whitespace is dropped.
                    while let Some(&c) = buf.get(i).filter(|&&c| is_ws(c)) {
                        if c == b'\n' {
                            self.newline_at(i);
                        }
                        i += 1;
                    }
                    continue;
                }
                State::Start | State::Value | State::ValueOrClose => {
                    if b == b']' && self.state == State::ValueOrClose {
                        self.stack.pop();
                        self.state = self.after_value();
                    } else if let Err(e) = self.begin_value(b, i) {
                        break Err(e);
                    }
                }
                State::KeyOrClose | State::Key => match b {
                    b'}' if self.state == State::KeyOrClose => {
                        self.stack.pop();
                        self.state = self.after_value();
                    }
                    b'"' => self.state = State::Str { key: true },
                    _ => break Err(self.fail(i, 0, KEY_NOT_STRING)),
                },
                State::Colon => {
                    if b != b':' {
                        break Err(self.fail(i, 0, EXPECTED_COLON));
                    }
                    self.state = State::Value;
                }
                State::CommaOrClose => {
                    let list = self.stack.last() == Some(&b'[');
                    match (b, list) {
                        (b',', true) => self.state = State::Value,
                        (b',', false) => self.state = State::Key,
                        (b']', true) | (b'}', false) => {
                            self.stack.pop();
                            self.state = self.after_value();
                        }
                        (_, true) => break Err(self.fail(i, 0, EXPECTED_LIST)),
                        (_, false) => break Err(self.fail(i, 0, EXPECTED_OBJECT)),
                    }
                }
                State::Done => break Err(self.fail(i, 0, TRAILING)),
            }
            buf[w] = b;
            w += 1;
            i += 1;
        };
        self.offset += n as u64;
        result.map(|()| w)
    }

    /// Starts the value whose first byte is `b` (at `at`).
    fn begin_value(&mut self, b: u8, at: usize) -> Result<(), Error> {
        self.state = match b {
            b'"' => State::Str { key: false },
            b'[' | b'{' => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.fail(
                        at,
                        0,
                        &format!("arrays and objects nested more than {MAX_DEPTH} deep"),
                    ));
                }
                self.stack.push(b);
                if b == b'[' {
                    State::ValueOrClose
                } else {
                    State::KeyOrClose
                }
            }
            b't' => State::Literal(b"rue"),
            b'f' => State::Literal(b"alse"),
            b'n' => State::Literal(b"ull"),
            b'-' => State::Number(Num::Minus),
            b'0' => State::Number(Num::Zero),
            b'1'..=b'9' => State::Number(Num::Int),
            _ => return Err(self.fail(at, 0, EXPECTED_VALUE)),
        };
        Ok(())
    }

    /// The text ended: fails unless it held one whole value (and only whitespace after it).
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        if let State::Number(num) = self.state {
            if !num.complete() {
                return Err(self.fail_at_end(INVALID_NUMBER));
            }
            self.state = self.after_value();
        }
        let list = self.stack.last() == Some(&b'[');
        let reason = match self.state {
            State::Done => return Ok(()),
            State::Failed => "the text was already found invalid",
            State::Start | State::Value | State::Literal(_) => EOF_VALUE,
            State::ValueOrClose => EOF_LIST,
            State::KeyOrClose | State::Key | State::Colon => EOF_OBJECT,
            State::CommaOrClose => {
                if list {
                    EOF_LIST
                } else {
                    EOF_OBJECT
                }
            }
            State::Str { .. } | State::Escape { .. } | State::Hex { .. } | State::Utf8 { .. } => {
                EOF_STRING
            }
            State::Number(_) => INVALID_NUMBER,
        };
        Err(self.fail_at_end(reason))
    }
}

/// The continuation bytes a UTF-8 lead byte needs, and the range of the first (no overlong
/// forms, no surrogates, nothing above U+10FFFF); `None` for a byte no sequence starts with.
fn utf8_lead(b: u8) -> Option<(u8, u8, u8)> {
    match b {
        0xC2..=0xDF => Some((1, 0x80, 0xBF)),
        0xE0 => Some((2, 0xA0, 0xBF)),
        0xE1..=0xEC | 0xEE..=0xEF => Some((2, 0x80, 0xBF)),
        0xED => Some((2, 0x80, 0x9F)),
        0xF0 => Some((3, 0x90, 0xBF)),
        0xF1..=0xF3 => Some((3, 0x80, 0xBF)),
        0xF4 => Some((3, 0x80, 0x8F)),
        _ => None,
    }
}

/// Where a [`MinifyReader`] or [`JsonSink`] leaves the JSON error it met, for the caller to
/// report instead of the I/O error the stream saw.
pub(crate) type Problem = Rc<RefCell<Option<Error>>>;

/// Reads a JSON text through a [`Minifier`]: yields the compact text, and fails the read
/// (leaving the error in its [`Problem`]) where the text is invalid or ends early.
pub(crate) struct MinifyReader<R> {
    inner: R,
    minifier: Minifier,
    ended: bool,
    problem: Problem,
}

impl<R: Read> MinifyReader<R> {
    pub(crate) fn new(inner: R, problem: Problem) -> Self {
        Self {
            inner,
            minifier: Minifier::new(),
            ended: false,
            problem,
        }
    }

    fn fail(&self, e: Error) -> io::Error {
        let text = e.to_string();
        *self.problem.borrow_mut() = Some(e);
        io::Error::new(io::ErrorKind::InvalidData, text)
    }
}

impl<R: Read> Read for MinifyReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.ended {
            return Ok(0);
        }
        loop {
            let n = match self.inner.read(buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.ended = true;
                self.minifier.finish().map_err(|e| self.fail(e))?;
                return Ok(0);
            }
            let kept = self
                .minifier
                .minify_in_place(&mut buf[..n])
                .map_err(|e| self.fail(e))?;
            if kept > 0 {
                return Ok(kept);
            }
            // Only whitespace: read on.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_text::{minify, validate_json};

    /// The text through a minifier in pieces of `piece` bytes.
    fn streamed(text: &[u8], piece: usize) -> Result<Vec<u8>, Error> {
        let mut m = Minifier::new();
        let mut out = Vec::new();
        for chunk in text.chunks(piece.max(1)) {
            let mut buf = chunk.to_vec();
            let kept = m.minify_in_place(&mut buf)?;
            out.extend_from_slice(&buf[..kept]);
        }
        m.finish()?;
        Ok(out)
    }

    /// What the in-memory path makes of the text: its compact form, or its error.
    fn in_memory(text: &[u8]) -> Result<Vec<u8>, Error> {
        let Ok(s) = std::str::from_utf8(text) else {
            return Err(Error::InvalidJson {
                line: 0,
                column: 0,
                reason: INVALID_UTF8.into(),
            });
        };
        validate_json(s)?;
        Ok(minify(s))
    }

    /// Same verdict, same compact text, and (for valid UTF-8) the same error.
    fn check(text: &[u8]) {
        let want = in_memory(text);
        for piece in [1, 2, 3, 7, 4096] {
            let got = streamed(text, piece);
            match (&want, &got) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{:?}", String::from_utf8_lossy(text)),
                (Err(a), Err(b)) => {
                    if std::str::from_utf8(text).is_ok() {
                        assert_eq!(
                            a.to_string(),
                            b.to_string(),
                            "{:?}",
                            String::from_utf8_lossy(text)
                        );
                    }
                }
                _ => panic!(
                    "{:?}: in memory {want:?}, streamed {got:?}",
                    String::from_utf8_lossy(text)
                ),
            }
        }
    }

    #[test]
    fn agrees_with_the_in_memory_path() {
        let cases: &[&[u8]] = &[
            b"",
            b"   ",
            b"0",
            b"-0",
            b"01",
            b"-",
            b"1.",
            b"1.5e",
            b"1.5e+",
            b"1.5E-07",
            b"12 ",
            b"1 2",
            b"[1,2 ,3]",
            b"[1,]",
            b"[,1]",
            b"[",
            b"[1",
            b"[1 x",
            b"{",
            b"{\"a\"",
            b"{\"a\":",
            b"{\"a\":1",
            b"{\"a\":1,",
            b"{\"a\":1,}",
            b"{1:2}",
            b"{\"a\" 1}",
            b"{\"a\":1 \"b\"}",
            b" { \"a\" : [ true , false , null ] , \"b\" : { } , \"c\" : [ ] } \n",
            b"tru",
            b"trux",
            b"nul",
            b"null x",
            b"\"abc",
            b"\"a\\",
            b"\"a\\x\"",
            b"\"a\\u00e9\"",
            b"\"a\\u00\"",
            b"\"a\\u00\"}}",
            b"\"a\\uD800\"",
            b"\"tab\there\"",
            b"\"new\nline\"",
            "\"caf\u{e9} \u{1F600} \u{20AC}\"".as_bytes(),
            b"\"\xff\"",
            b"\"\xc3\"",
            b"\"\xc0\x80\"",
            b"\"\xed\xa0\x80\"",
            b"\"\xf4\x90\x80\x80\"",
            b"\xef\xbb\xbf{}",
            b"{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x  y\"\n}\n",
            b"{\n  \"a\": [\n    1,\n    2\n  ,\n}",
            b"[\"a\",\n\"b\"\n,\n]",
            b"\n\n  x",
            b"[[[[[]]]]]",
            b"[[[[[]]]]",
            b"{\"a\":{\"b\":{\"c\":[{\"d\":\"e\"}]}}}",
            b"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        ];
        for text in cases {
            check(text);
        }
    }

    /// Random texts: made of JSON's pieces, valid or not, agree with the in-memory path.
    #[test]
    fn agrees_on_random_texts() {
        let pieces: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b":",
            b" ",
            b"\n",
            b"\"k\"",
            b"\"a b\\n\"",
            b"1",
            b"-2.5e3",
            b"0",
            b"true",
            b"null",
            b"\"\\u12",
            b"\xc3\xa9",
            b"x",
            b".",
            b"e",
            b"\"",
            b"\\",
            b"\t",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut valid = 0;
        for _ in 0..20_000 {
            let len = (next() % 12) as usize;
            let mut text = Vec::new();
            for _ in 0..len {
                text.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
            valid += usize::from(in_memory(&text).is_ok());
            check(&text);
        }
        assert!(valid > 100, "only {valid} valid texts");
    }

    #[test]
    fn nesting_is_bounded_without_recursion() {
        let mut deep = vec![b'['; MAX_DEPTH];
        deep.extend(vec![b']'; MAX_DEPTH]);
        assert_eq!(streamed(&deep, 1000).unwrap(), deep);
        let deeper = vec![b'['; MAX_DEPTH + 1];
        let e = streamed(&deeper, 1000).unwrap_err();
        assert_eq!(e.kind(), "invalid-json");
        assert!(
            e.to_string().contains("nested more than 1048576 deep"),
            "{e}"
        );
    }

    #[test]
    fn the_reader_reports_its_problem() {
        let problem = Problem::default();
        let mut r = MinifyReader::new(&b"{ \"a\" : [1, 2] }  "[..], Rc::clone(&problem));
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"{\"a\":[1,2]}");
        let mut r = MinifyReader::new(&b"{ \"a\" : [1, 2 }"[..], Rc::clone(&problem));
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(
            problem.borrow().as_ref().map(Error::kind),
            Some("invalid-json")
        );
    }
}
