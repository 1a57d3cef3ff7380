//! Where a mask writes its text: a `String`, or a [`SmallText`], which keeps short text on the
//! stack, so that a value masked as it is serialized costs no allocation.

use std::fmt;

/// Text a mask writes to.
pub(crate) trait TextOut {
    /// Appends `s`.
    fn push_str(&mut self, s: &str);
    /// Appends one ASCII character (`b < 0x80`; any other byte is written as `?`).
    fn push_ascii(&mut self, b: u8);
    /// Appends ASCII characters (any other byte is written as `?`).
    fn push_ascii_bytes(&mut self, bytes: &[u8]) {
        match std::str::from_utf8(bytes) {
            Ok(text) if bytes.is_ascii() => self.push_str(text),
            _ => {
                for &b in bytes {
                    self.push_ascii(b);
                }
            }
        }
    }
}

impl TextOut for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    fn push_ascii(&mut self, b: u8) {
        self.push(if b.is_ascii() { char::from(b) } else { '?' });
    }
}

/// Bytes kept on the stack before the text moves to the heap.
const INLINE: usize = 128;

/// Text kept on the stack while it is short ([`INLINE`] bytes), on the heap once longer.
pub(crate) struct SmallText {
    inline: [u8; INLINE],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl SmallText {
    /// Empty text.
    pub(crate) fn new() -> Self {
        Self {
            inline: [0; INLINE],
            len: 0,
            heap: None,
        }
    }

    /// The text. Only `str`s and ASCII characters are ever appended, so it is always UTF-8;
    /// the check is the safe way to say so.
    pub(crate) fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        match &self.heap {
            Some(heap) => std::str::from_utf8(heap),
            None => std::str::from_utf8(self.inline.get(..self.len).unwrap_or_default()),
        }
    }

    fn push_bytes(&mut self, bytes: &[u8]) {
        if let Some(heap) = &mut self.heap {
            heap.extend_from_slice(bytes);
            return;
        }
        let end = self.len + bytes.len();
        if let Some(dst) = self.inline.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            self.len = end;
        } else {
            let mut heap = Vec::with_capacity(end.max(2 * INLINE));
            heap.extend_from_slice(self.inline.get(..self.len).unwrap_or_default());
            heap.extend_from_slice(bytes);
            self.heap = Some(heap);
        }
    }
}

impl TextOut for SmallText {
    fn push_str(&mut self, s: &str) {
        self.push_bytes(s.as_bytes());
    }
    fn push_ascii(&mut self, b: u8) {
        let b = if b.is_ascii() { b } else { b'?' };
        match self.inline.get_mut(self.len) {
            Some(slot) if self.heap.is_none() => {
                *slot = b;
                self.len += 1;
            }
            _ => self.push_bytes(&[b]),
        }
    }
    fn push_ascii_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_ascii() {
            self.push_bytes(bytes);
        } else {
            for &b in bytes {
                self.push_ascii(b);
            }
        }
    }
}

impl fmt::Write for SmallText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_bytes(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn spills_to_the_heap_keeping_the_text() {
        let mut t = SmallText::new();
        let mut expected = String::new();
        for i in 0..100 {
            let piece = format!("é{i}-");
            t.push_str(&piece);
            t.push_ascii(b'*');
            expected.push_str(&piece);
            expected.push('*');
            assert_eq!(t.as_str(), Ok(expected.as_str()));
        }
        write!(t, "{}", 42).unwrap();
        expected.push_str("42");
        assert_eq!(t.as_str(), Ok(expected.as_str()));
        let mut s = String::new();
        TextOut::push_str(&mut s, "a");
        s.push_ascii(b'-');
        s.push_ascii(0xC3);
        s.push_ascii_bytes(b"*.");
        s.push_ascii_bytes(&[b'x', 0xFF]);
        t.push_ascii_bytes(&[b'y', 0xFF]);
        expected.push_str("y?");
        assert_eq!(t.as_str(), Ok(expected.as_str()));
        assert_eq!(s, "a-?*.x?");
    }

    #[test]
    fn fills_the_inline_buffer_exactly() {
        let mut t = SmallText::new();
        for _ in 0..INLINE {
            t.push_ascii(b'*');
        }
        assert!(t.heap.is_none());
        t.push_str("x");
        assert_eq!(t.as_str().map(str::len), Ok(INLINE + 1));
    }
}
