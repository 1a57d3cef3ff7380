//! The span walk of [`spans`](super::spans) as a byte scanner: the same values selected, in the
//! same order, with the same locations, for the texts it reads, and no `serde_json` visitor,
//! allocation or owned key per member.
//!
//! The scanner reads only what it can read exactly as `serde_json` does; for anything else (an
//! invalid text, a `\u` escape or any escape in a key where a string is read rather than skipped,
//! a number that could be out of range where one is parsed, an index from the end, nesting
//! past [`MAX_SKIP_DEPTH`]) it gives up, and the caller runs the `serde_json` walk, which gives
//! the result or the exact error. So whatever it returns, `serde_json`'s walk returns too.
//!
//! Where a value is skipped (no field goes on through it, or it is selected as a whole), it is
//! checked as `serde_json` checks an ignored value: the grammar of RFC 8259, escapes by their
//! form (a `\u` escape is four hex digits, whatever it encodes), no raw control character in a
//! string. Where a field goes on through a value (it is read as `serde_json` deserializes a
//! value of any type) strings and keys are decoded, so escapes there make the scanner give up.

use super::hit::{At, Hit, Track};
use crate::path::{Segment, Step, needs_escape, normalized_path};

/// The scanner gave up: the caller runs the `serde_json` walk instead.
pub(super) struct GiveUp;

type Scan<T> = Result<T, GiveUp>;

/// The deepest nesting the scanner skips; deeper texts go to `serde_json`.
const MAX_SKIP_DEPTH: u32 = 128;

/// The longest number the scanner reads where a field goes on through it: `serde_json` parses
/// such a number, and a long or exponent-bearing one could be out of range there.
const MAX_PARSED_NUMBER: usize = 64;

/// One pass over `text` collecting what each field of `steps` selects, as
/// [`walk`](super::spans::walk) does, or `None` when the `serde_json` walk must run instead.
pub(super) fn walk(text: &str, steps: &[&[Step]], track: Track) -> Option<(Vec<Hit>, Vec<bool>)> {
    let mut s = Scanner {
        b: text.as_bytes(),
        text,
        steps,
        track,
        // Room for what a record of a few levels needs, so that these rarely grow.
        hits: Vec::with_capacity(8),
        found: vec![false; steps.len()],
        at: Vec::with_capacity(8),
        path: String::with_capacity(if track == Track::Nothing { 0 } else { 64 }),
        active: Vec::with_capacity(steps.len() * 4),
    };
    s.active.extend((0..steps.len()).map(|f| (f, 0)));
    if track != Track::Nothing {
        s.path.push('$');
    }
    let start = s.ws(0);
    let n = s.active.len();
    let end = s.child(start, 0, n).ok()?;
    if s.ws(end) != s.b.len() {
        return None;
    }
    Some((s.hits, s.found))
}

struct Scanner<'t, 'f> {
    b: &'t [u8],
    text: &'t str,
    steps: &'f [&'f [Step]],
    track: Track,
    hits: Vec<Hit>,
    found: Vec<bool>,
    /// The location of the value being read (when tracked): member names borrowed from the
    /// text, which hold no escape where a field goes on.
    at: Vec<Segment<'t>>,
    /// The normalized path of `at` (when tracked), kept as `at` grows and shrinks, so that a
    /// selected value's location is a copy of it.
    path: String,
    /// A stack of active sets (field, steps matched so far): each value's set is a range of it,
    /// its children's sets pushed above it while it is read.
    active: Vec<(usize, usize)>,
}

/// Bytes of a word equal to `"` or `\`, or below 0x20: the lowest flagged byte is the first
/// such byte (flags above a true one can be false).
#[inline]
fn string_specials(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    zero(w ^ (ONES * u64::from(b'"')))
        | zero(w ^ (ONES * u64::from(b'\\')))
        | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
}

impl Scanner<'_, '_> {
    /// The index of the first byte at or after `i` that is not JSON whitespace.
    #[inline]
    fn ws(&self, mut i: usize) -> usize {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(i) {
            i += 1;
        }
        i
    }

    /// The byte at `i`, or a give-up at the end of the text.
    #[inline]
    fn at(&self, i: usize) -> Scan<u8> {
        self.b.get(i).copied().ok_or(GiveUp)
    }

    /// Skips a string whose opening quote is at `i - 1`: returns the index after its closing
    /// quote, and whether it holds an escape (and whether one of them is `\u`). A string with
    /// nothing to check before its closing quote is read inline, eight bytes at a time.
    #[inline]
    fn string(&self, mut i: usize) -> Scan<(usize, Escapes)> {
        while let Some(chunk) = self.b.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            let m = string_specials(u64::from_le_bytes(w));
            if m != 0 {
                i += (m.trailing_zeros() / 8) as usize;
                if self.b.get(i) == Some(&b'"') {
                    return Ok((i + 1, Escapes::None));
                }
                break;
            }
            i += 8;
        }
        self.long_string(i)
    }

    /// [`string`](Self::string), for any string, from `i` (no escape before it).
    #[inline(never)]
    fn long_string(&self, mut i: usize) -> Scan<(usize, Escapes)> {
        let b = self.b;
        let mut escapes = Escapes::None;
        loop {
            while let Some(chunk) = b.get(i..i + 8) {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                let m = string_specials(u64::from_le_bytes(w));
                if m != 0 {
                    i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match self.at(i)? {
                b'"' => return Ok((i + 1, escapes)),
                b'\\' => match self.at(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                        if escapes == Escapes::None {
                            escapes = Escapes::Simple;
                        }
                        i += 2;
                    }
                    b'u' => {
                        let hex = b.get(i + 2..i + 6).ok_or(GiveUp)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err(GiveUp);
                        }
                        escapes = Escapes::Unicode;
                        i += 6;
                    }
                    _ => return Err(GiveUp),
                },
                c if c < 0x20 => return Err(GiveUp),
                _ => i += 1,
            }
        }
    }

    /// Skips a number starting at `i` (RFC 8259's grammar): the index after it, and whether it
    /// has an exponent.
    fn number(&self, mut i: usize) -> Scan<(usize, bool)> {
        let b = self.b;
        let digits = |mut i: usize| {
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            i
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match self.at(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = digits(i + 1),
            _ => return Err(GiveUp),
        }
        if b.get(i) == Some(&b'.') {
            let after = digits(i + 1);
            if after == i + 1 {
                return Err(GiveUp);
            }
            i = after;
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let after = digits(i);
            if after == i {
                return Err(GiveUp);
            }
            i = after;
            exponent = true;
        }
        Ok((i, exponent))
    }

    /// Skips `literal` at `i`.
    #[inline]
    fn literal(&self, i: usize, literal: &[u8]) -> Scan<usize> {
        if self.b.get(i..i + literal.len()) == Some(literal) {
            Ok(i + literal.len())
        } else {
            Err(GiveUp)
        }
    }

    /// Skips the value at `i` (no whitespace before it) as an ignored value: the index after it.
    /// A string, the most common such value, is skipped inline.
    #[inline]
    fn skip(&self, i: usize) -> Scan<usize> {
        if self.b.get(i) == Some(&b'"') {
            return Ok(self.string(i + 1)?.0);
        }
        self.skip_any(i)
    }

    /// [`skip`](Self::skip), for any value.
    #[inline(never)]
    fn skip_any(&self, i: usize) -> Scan<usize> {
        let b = self.b;
        let mut i = i;
        // One bit a level: set for an object.
        let mut stack: u128 = 0;
        let mut depth: u32 = 0;
        loop {
            // A value at `i`.
            match self.at(i)? {
                b'"' => i = self.string(i + 1)?.0,
                b'{' | b'[' => {
                    if depth == MAX_SKIP_DEPTH {
                        return Err(GiveUp);
                    }
                    let object = b[i] == b'{';
                    stack = (stack << 1) | u128::from(object);
                    depth += 1;
                    i = self.ws(i + 1);
                    let close = if object { b'}' } else { b']' };
                    if b.get(i) == Some(&close) {
                        i += 1;
                        depth -= 1;
                        stack >>= 1;
                    } else {
                        if object {
                            i = self.key_colon(i)?;
                        }
                        continue;
                    }
                }
                b't' => i = self.literal(i, b"true")?,
                b'f' => i = self.literal(i, b"false")?,
                b'n' => i = self.literal(i, b"null")?,
                b'-' | b'0'..=b'9' => i = self.number(i)?.0,
                _ => return Err(GiveUp),
            }
            // After a value: a comma and the next one, or the close of its container.
            loop {
                if depth == 0 {
                    return Ok(i);
                }
                let object = stack & 1 == 1;
                i = self.ws(i);
                match self.at(i)? {
                    b',' => {
                        i = self.ws(i + 1);
                        if object {
                            i = self.key_colon(i)?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return Err(GiveUp),
                }
                i += 1;
                depth -= 1;
                stack >>= 1;
            }
        }
    }

    /// A member's key at `i` and its colon: the index of the value after them (whitespace
    /// skipped).
    #[inline]
    fn key_colon(&self, i: usize) -> Scan<usize> {
        if self.at(i)? != b'"' {
            return Err(GiveUp);
        }
        let (end, _) = self.string(i + 1)?;
        let i = self.ws(end);
        if self.at(i)? != b':' {
            return Err(GiveUp);
        }
        Ok(self.ws(i + 1))
    }

    /// The value at `i` (no whitespace before it), reached by the fields of
    /// `active[lo..hi]` (possibly none): the index after it.
    fn child(&mut self, i: usize, lo: usize, hi: usize) -> Scan<usize> {
        if lo == hi {
            return self.skip(i);
        }
        let steps = self.steps;
        if self.active[lo..hi]
            .iter()
            .any(|&(f, depth)| depth == steps[f].len())
        {
            return self.selected(i, lo, hi);
        }
        self.level(i, lo, hi)
    }

    /// The value at `i`, selected by the fields of `active[lo..hi]` whose steps end here, and
    /// read again for those that go on.
    fn selected(&mut self, i: usize, lo: usize, hi: usize) -> Scan<usize> {
        let end = self.skip(i)?;
        let steps = self.steps;
        let mut deeper = false;
        for k in lo..hi {
            let (f, depth) = self.active[k];
            if depth == steps[f].len() {
                let (location, at) = match self.track {
                    Track::Nothing => (String::new(), Vec::new()),
                    Track::Path => (self.path.clone(), Vec::new()),
                    Track::Steps => (self.path.clone(), self.owned_at()),
                };
                self.hits.push(Hit {
                    start: i,
                    end,
                    field: f,
                    location,
                    at,
                });
                self.found[f] = true;
            } else {
                deeper = true;
            }
        }
        if deeper {
            // The fields that go on, in their order, as the set of a second read.
            let top = self.active.len();
            for k in lo..hi {
                let (f, depth) = self.active[k];
                if depth != steps[f].len() {
                    self.active.push((f, depth));
                }
            }
            let n = self.active.len();
            let again = self.level(i, top, n);
            self.active.truncate(top);
            if again? != end {
                return Err(GiveUp);
            }
        }
        Ok(end)
    }

    /// Adds the member `key` to [`path`](Scanner::path), as [`normalized_path`] writes it.
    fn push_member(&mut self, key: &str) {
        if needs_escape(key, b'\'') {
            // `$` then the one segment.
            self.path
                .push_str(&normalized_path(&[Segment::Member(key)])[1..]);
        } else {
            self.path.push_str("['");
            self.path.push_str(key);
            self.path.push_str("']");
        }
    }

    /// Adds the element `idx` to [`path`](Scanner::path), as [`normalized_path`] writes it.
    fn push_index(&mut self, idx: usize) {
        if idx < 10 {
            self.path.push('[');
            self.path.push(char::from(b'0' + idx as u8));
            self.path.push(']');
        } else {
            self.path
                .push_str(&normalized_path(&[Segment::Index(idx)])[1..]);
        }
    }

    fn owned_at(&self) -> Vec<At> {
        self.at
            .iter()
            .map(|s| match s {
                Segment::Member(m) => At::Member((*m).to_owned()),
                Segment::Index(i) => At::Index(*i),
            })
            .collect()
    }

    /// The value at `i` read as `serde_json` reads a value of any type, with the fields of
    /// `active[lo..hi]` going on below it (each has one more step at least).
    fn level(&mut self, i: usize, lo: usize, hi: usize) -> Scan<usize> {
        match self.at(i)? {
            b'{' => self.object(i + 1, lo, hi),
            b'[' => self.array(i + 1, lo, hi),
            b'"' => match self.string(i + 1)? {
                // A string read as a string: `\u` escapes are decoded (and checked) there.
                (_, Escapes::Unicode) => Err(GiveUp),
                (end, _) => Ok(end),
            },
            b'-' | b'0'..=b'9' => match self.number(i)? {
                (end, false) if end - i <= MAX_PARSED_NUMBER => Ok(end),
                _ => Err(GiveUp),
            },
            b't' => self.literal(i, b"true"),
            b'f' => self.literal(i, b"false"),
            b'n' => self.literal(i, b"null"),
            _ => Err(GiveUp),
        }
    }

    /// The members of an object whose `{` is at `i - 1`.
    fn object(&mut self, i: usize, lo: usize, hi: usize) -> Scan<usize> {
        let mut i = self.ws(i);
        if self.at(i)? == b'}' {
            return Ok(i + 1);
        }
        let steps = self.steps;
        let text = self.text;
        loop {
            if self.at(i)? != b'"' {
                return Err(GiveUp);
            }
            let (end, escapes) = self.string(i + 1)?;
            if escapes != Escapes::None {
                // A key is decoded before it is matched.
                return Err(GiveUp);
            }
            let key = text.get(i + 1..end - 1).ok_or(GiveUp)?;
            i = self.ws(end);
            if self.at(i)? != b':' {
                return Err(GiveUp);
            }
            i = self.ws(i + 1);
            let top = self.active.len();
            for k in lo..hi {
                let (f, d) = self.active[k];
                if steps[f][d].selects_member(key) {
                    self.active.push((f, d + 1));
                }
            }
            let n = self.active.len();
            let tracked = self.track != Track::Nothing && n > top;
            let path_len = self.path.len();
            if tracked {
                self.at.push(Segment::Member(key));
                self.push_member(key);
            }
            let after = self.child(i, top, n);
            if tracked {
                self.at.pop();
                self.path.truncate(path_len);
            }
            self.active.truncate(top);
            i = self.ws(after?);
            match self.at(i)? {
                b',' => i = self.ws(i + 1),
                b'}' => return Ok(i + 1),
                _ => return Err(GiveUp),
            }
        }
    }

    /// The elements of an array whose `[` is at `i - 1`.
    fn array(&mut self, i: usize, lo: usize, hi: usize) -> Scan<usize> {
        let steps = self.steps;
        if self.active[lo..hi]
            .iter()
            .any(|&(f, d)| matches!(steps[f][d], Step::Index(i) if i < 0))
        {
            // An index from the end needs the length first.
            return Err(GiveUp);
        }
        let mut i = self.ws(i);
        if self.at(i)? == b']' {
            return Ok(i + 1);
        }
        let mut idx = 0;
        loop {
            let top = self.active.len();
            for k in lo..hi {
                let (f, d) = self.active[k];
                if steps[f][d].selects_element(idx, usize::MAX) {
                    self.active.push((f, d + 1));
                }
            }
            let n = self.active.len();
            let tracked = self.track != Track::Nothing && n > top;
            let path_len = self.path.len();
            if tracked {
                self.at.push(Segment::Index(idx));
                self.push_index(idx);
            }
            let after = self.child(i, top, n);
            if tracked {
                self.at.pop();
                self.path.truncate(path_len);
            }
            self.active.truncate(top);
            i = self.ws(after?);
            match self.at(i)? {
                b',' => i = self.ws(i + 1),
                b']' => return Ok(i + 1),
                _ => return Err(GiveUp),
            }
            idx += 1;
        }
    }
}

/// The escapes a string holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escapes {
    None,
    /// Only escapes of one character (`\n`, `\"`, ...).
    Simple,
    /// A `\u` escape at least.
    Unicode,
}

#[cfg(test)]
mod tests {
    use super::super::spans::walk_serde;
    use super::*;
    use proptest::prelude::*;

    type Seen = (Vec<(usize, usize, usize, String, Vec<String>)>, Vec<bool>);

    fn seen((hits, found): (Vec<Hit>, Vec<bool>)) -> Seen {
        let hits = hits
            .into_iter()
            .map(|h| {
                let at =
                    h.at.iter()
                        .map(|a| match a {
                            At::Member(m) => format!("m{m}"),
                            At::Index(i) => format!("i{i}"),
                        })
                        .collect();
                (h.start, h.end, h.field, h.location, at)
            })
            .collect();
        (hits, found)
    }

    /// The scanner, when it reads `text`, finds what the `serde_json` walk finds; and it reads
    /// nothing the `serde_json` walk refuses. Returns whether the scanner read it.
    fn agree(text: &str, steps: &[Vec<Step>]) -> bool {
        let steps: Vec<&[Step]> = steps.iter().map(Vec::as_slice).collect();
        let mut read = true;
        for track in [Track::Nothing, Track::Path, Track::Steps] {
            let reference = walk_serde(text, &steps, track);
            match walk(text, &steps, track) {
                Some(got) => {
                    let want = reference
                        .unwrap_or_else(|e| panic!("scanner read {text:?}, serde_json: {e}"));
                    assert_eq!(seen(got), seen(want), "{text:?}");
                }
                None => read = false,
            }
        }
        read
    }

    fn fields(exprs: &[&str]) -> Vec<Vec<Step>> {
        exprs
            .iter()
            .map(|e| {
                crate::path::Field::parse(e)
                    .unwrap()
                    .steps()
                    .unwrap()
                    .to_vec()
            })
            .collect()
    }

    #[test]
    fn the_bench_record_is_read_by_the_scanner() {
        let text = include_str!("../../../tests/data/bench/record.json");
        let steps = fields(&[
            "email",
            "ssn",
            "card_number",
            "address.postcode",
            "orders[*].card",
        ]);
        assert!(agree(text, &steps));
        let steps = fields(&[
            "orders",
            "orders[*]",
            "orders[1].items[*].sku",
            "*",
            "preferences.*",
        ]);
        assert!(agree(text, &steps));
        assert!(agree(text, &[]));
    }

    #[test]
    fn what_the_scanner_leaves_to_serde_json() {
        let steps = fields(&["a.b", "c"]);
        for text in [
            r#"{"a": {"b\n": 1}}"#,        // an escaped key where a field goes on
            r#"{"a": "\u00e9"}"#,          // a string read as one, with a \u escape
            r#"{"a": 1e400}"#,             // out of range where a number is parsed
            r#"{"a": [1, 2], "c": [1,]}"#, // invalid
            r#"{"a": {"b": 1}} x"#,        // trailing characters
            "",
            r#"{"c": "a	b"}"#, // a raw tab in a string
        ] {
            assert!(!agree(text, &steps), "{text}");
        }
        for text in [
            r#"{"x": {"\u00e9\n": 1e400}, "c": "\ud800"}"#, // skipped: checked by form only
            r#" {"a" : {"b" : [ true , null ] } , "c" : -0.5E+3 } "#,
            r#"{"a": {"b": 1}, "a": {"b": 2}}"#, // each occurrence of a repeated member
        ] {
            assert!(agree(text, &steps), "{text}");
        }
        assert!(!agree("[1]", &fields(&["[-1]"])));
    }

    /// A JSON-like text: valid most of the time, with escapes, odd numbers and spacing, and
    /// now and then an invalid piece.
    fn json_text() -> impl Strategy<Value = String> {
        // Mostly what the scanner reads, now and then what it leaves to serde_json.
        let leaf = prop_oneof![
            10 => Just("\"x\"".to_owned()),
            10 => Just("\"é ☃ a longer string\"".to_owned()),
            5 => Just("\"a\\\"b\\\\\\n\"".to_owned()),
            10 => Just("0".to_owned()),
            5 => Just("-12.5e-3".to_owned()),
            5 => Just("123456789012345678901234567890".to_owned()),
            5 => Just("true".to_owned()),
            5 => Just("null".to_owned()),
            5 => Just("[]".to_owned()),
            5 => Just("{}".to_owned()),
            1 => Just("\"\\u00e9\\ud800\"".to_owned()),
            1 => Just("\"\\uZZ00\"".to_owned()),
            1 => Just("\"\\q\"".to_owned()),
            1 => Just("\"\u{1}\"".to_owned()),
            1 => Just("\"open".to_owned()),
            1 => Just("1E+400".to_owned()),
            1 => Just("01".to_owned()),
            1 => Just("1.".to_owned()),
            1 => Just("-".to_owned()),
            1 => Just("fals".to_owned()),
        ];
        let key = prop_oneof![
            10 => Just("\"a\"".to_owned()),
            10 => Just("\"b\"".to_owned()),
            10 => Just("\"c\"".to_owned()),
            5 => Just("\"'\"".to_owned()),
            1 => Just("\"\\u0061\"".to_owned()),
            1 => Just("\"a\\n\"".to_owned()),
            1 => Just("a".to_owned()),
        ];
        let sep = prop_oneof![
            8 => Just(",".to_owned()),
            2 => Just(" ,\n\t".to_owned()),
            1 => Just(",,".to_owned()),
            1 => Just(String::new()),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            let sep2 = sep.clone();
            prop_oneof![
                (prop::collection::vec(inner.clone(), 0..5), sep.clone())
                    .prop_map(|(v, s)| format!("[{}]", v.join(&s))),
                (
                    prop::collection::vec((key.clone(), inner), 0..5),
                    sep2,
                    prop_oneof![Just(":"), Just(" : "), Just("")]
                )
                    .prop_map(|(m, s, colon)| {
                        let members: Vec<String> = m
                            .into_iter()
                            .map(|(k, v)| format!("{k}{colon}{v}"))
                            .collect();
                        format!("{{{}}}", members.join(&s))
                    }),
            ]
        })
    }

    fn field_steps() -> impl Strategy<Value = Vec<Step>> {
        let step = prop_oneof![
            Just(Step::name("a")),
            Just(Step::name("b")),
            Just(Step::name("c")),
            Just(Step::name("'")),
            Just(Step::Index(0)),
            Just(Step::Index(1)),
            Just(Step::Index(-1)),
            Just(Step::AnyIndex),
            Just(Step::AnyMember),
        ];
        prop::collection::vec(step, 0..4)
    }

    /// The generated texts are read by the scanner often enough that the property below is not
    /// met by giving up on everything.
    #[test]
    fn the_generated_texts_are_mostly_read() {
        use proptest::strategy::ValueTree as _;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut read = 0;
        for _ in 0..200 {
            let text = json_text().new_tree(&mut runner).unwrap().current();
            read += usize::from(walk(&text, &[&[Step::AnyIndex][..]], Track::Path).is_some());
        }
        assert!(read > 60, "{read} of 200");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_serde_json(
            text in json_text(),
            steps in prop::collection::vec(field_steps(), 0..4),
            cut in any::<prop::sample::Index>(),
            byte in prop::sample::select(vec![b'"', b'\\', b',', b':', b'}', b']', b' ', b'1', b'e']),
        ) {
            agree(&text, &steps);
            agree(&format!(" {text}\n"), &steps);
            // One byte changed, where that leaves UTF-8.
            let mut bytes = text.clone().into_bytes();
            if !bytes.is_empty() {
                let i = cut.index(bytes.len());
                bytes[i] = byte;
                if let Ok(changed) = String::from_utf8(bytes) {
                    agree(&changed, &steps);
                }
            }
        }
    }
}
