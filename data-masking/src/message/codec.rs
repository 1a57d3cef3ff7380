//! Reading and writing the wire format: a reader that cannot over-read, with bounded
//! sub-readers and an end check; big-endian writers; and [`Codec`], the encode and decode pair
//! that each self-delimiting wire structure implements side by side.

use super::error::FormatError;

/// Reads big-endian fields from a byte slice; every read is checked against the bytes present.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The bytes read so far.
    pub(crate) fn consumed(&self) -> &'a [u8] {
        &self.buf[..self.pos]
    }

    /// Fails with [`FormatError::Trailing`] (`why`) unless every byte was read.
    pub(crate) fn expect_end(&self, why: &'static str) -> Result<(), FormatError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(FormatError::Trailing(why))
        }
    }

    /// The next `n` bytes; fails, without allocating, when fewer are present.
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(FormatError::Truncated(what))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// A reader over exactly the next `n` bytes, which this reader then has read.
    pub(crate) fn sub(&mut self, n: usize, what: &'static str) -> Result<Self, FormatError> {
        self.take(n, what).map(Reader::new)
    }

    /// A `u16` length, then a reader over exactly that many bytes.
    pub(crate) fn sub16(&mut self, what: &'static str) -> Result<Self, FormatError> {
        let n = self.u16(what)?;
        self.sub(usize::from(n), what)
    }

    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], FormatError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, FormatError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, FormatError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, FormatError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, FormatError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// A `u16` length followed by that many bytes.
    pub(crate) fn bytes16(&mut self, what: &'static str) -> Result<&'a [u8], FormatError> {
        let n = self.u16(what)?;
        self.take(usize::from(n), what)
    }
}

/// A wire structure that delimits itself: [`encode`](Codec::encode) appends its bytes,
/// [`read`](Codec::read) takes exactly those bytes back.
pub(crate) trait Codec<'a>: Sized {
    /// Appends the wire form to `out`; fails when a field does not fit its length prefix.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError>;

    /// Reads one from `r`, leaving `r` just after it.
    fn read(r: &mut Reader<'a>) -> Result<Self, FormatError>;
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// The length of `v` as a `u16` prefix; [`FormatError::TooLong`] (`what`) when it does not fit.
pub(crate) fn len16(v: usize, what: &'static str) -> Result<u16, FormatError> {
    u16::try_from(v).map_err(|_| FormatError::TooLong(what))
}

/// A `u16` length followed by the bytes; [`FormatError::TooLong`] (`what`) when they do not
/// fit a `u16` length.
pub(crate) fn put_bytes16(
    out: &mut Vec<u8>,
    v: &[u8],
    what: &'static str,
) -> Result<(), FormatError> {
    put_u16(out, len16(v.len(), what)?);
    out.extend_from_slice(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_reads_past_the_end() {
        let mut r = Reader::new(&[0, 5, 1, 2]);
        assert_eq!(r.bytes16("x"), Err(FormatError::Truncated("x")));
        let mut r = Reader::new(&[0, 2, 1, 2, 9]);
        assert_eq!(r.bytes16("x").unwrap(), &[1, 2]);
        assert_eq!(r.remaining(), 1);
        assert!(r.u16("y").is_err());
        assert!(r.take(usize::MAX, "z").is_err());
        assert_eq!(r.u8("w").unwrap(), 9);
        assert_eq!(r.position(), 5);
        assert_eq!(r.consumed(), &[0, 2, 1, 2, 9]);
        r.expect_end("x").unwrap();
    }

    #[test]
    fn sub_readers_are_bounded() {
        let mut r = Reader::new(&[0, 3, 7, 8, 9, 4]);
        let mut sub = r.sub16("s").unwrap();
        assert_eq!(sub.u16("a").unwrap(), 0x0708);
        assert_eq!(sub.expect_end("left"), Err(FormatError::Trailing("left")));
        // The sub-reader cannot reach its parent's bytes.
        assert!(sub.u16("b").is_err());
        assert_eq!(r.u8("c").unwrap(), 4);
        let mut r = Reader::new(&[1, 2, 3]);
        assert!(r.sub(4, "s").is_err());
        let mut sub = r.sub(2, "s").unwrap();
        assert_eq!(sub.u16("a").unwrap(), 0x0102);
        sub.expect_end("left").unwrap();
        assert_eq!(r.remaining(), 1);
    }

    #[test]
    fn writes_big_endian_and_refuses_long_fields() {
        let mut out = Vec::new();
        put_u16(&mut out, 0x0102);
        put_u32(&mut out, 0x0304_0506);
        put_bytes16(&mut out, b"ab", "f").unwrap();
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 0, 2, b'a', b'b']);
        assert_eq!(
            put_bytes16(&mut out, &vec![0; 65536], "f"),
            Err(FormatError::TooLong("f"))
        );
    }
}
