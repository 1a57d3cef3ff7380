//! A reader that cannot over-read, and big-endian writers.

use crate::error::{Error, Result};

/// Reads big-endian fields from a byte slice; every read is checked against the bytes present.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn short(what: &str) -> Error {
    Error::DecryptValue(format!("the message is truncated ({what})"))
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

    /// The next `n` bytes; fails, without allocating, when fewer are present.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| short(what))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// A `u16` length followed by that many bytes.
    pub(crate) fn bytes16(&mut self, what: &str) -> Result<&'a [u8]> {
        let n = self.u16(what)?;
        self.take(usize::from(n), what)
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// A `u16` length followed by the bytes; fails when they do not fit a `u16` length.
pub(crate) fn put_bytes16(out: &mut Vec<u8>, v: &[u8], what: &str) -> Result<()> {
    let n = u16::try_from(v.len())
        .map_err(|_| Error::InvalidContext(format!("{what} is longer than 65535 bytes")))?;
    put_u16(out, n);
    out.extend_from_slice(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_reads_past_the_end() {
        let mut r = Reader::new(&[0, 5, 1, 2]);
        assert!(r.bytes16("x").is_err());
        let mut r = Reader::new(&[0, 2, 1, 2, 9]);
        assert_eq!(r.bytes16("x").unwrap(), &[1, 2]);
        assert_eq!(r.remaining(), 1);
        assert!(r.u16("y").is_err());
        assert!(r.take(usize::MAX, "z").is_err());
        assert_eq!(r.u8("w").unwrap(), 9);
        assert_eq!(r.position(), 5);
    }
}
