//! The sink of a streaming JSON decrypt: a [`PlaintextSink`] that validates and minifies the
//! plaintext as it comes, and commits only a whole JSON text.

use std::io::{self, Write};

use zeroize::Zeroize;

use super::sink::PlaintextSink;
use crate::error::Error;
use crate::json_text::stream::{Minifier, Problem};

/// A [`PlaintextSink`] that takes a JSON text: what it is given is validated and minified into
/// `inner`, and committing it fails (discarding `inner`) unless the text was one whole JSON
/// value. After an error nothing more reaches `inner`; the error is kept until
/// [`commit`](PlaintextSink::commit), which leaves it in the sink's [`Problem`] (so a message
/// that does not verify, and is never committed, fails as such).
pub(crate) struct JsonSink<S> {
    inner: S,
    minifier: Minifier,
    scratch: Vec<u8>,
    error: Option<Error>,
    problem: Problem,
}

impl<S: PlaintextSink> JsonSink<S> {
    pub(crate) fn new(inner: S, problem: Problem) -> Self {
        Self {
            inner,
            minifier: Minifier::new(),
            scratch: Vec::new(),
            error: None,
            problem,
        }
    }
}

impl<S: PlaintextSink> Write for JsonSink<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.error.is_some() {
            return Ok(buf.len());
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(buf);
        match self.minifier.minify_in_place(&mut self.scratch) {
            Ok(kept) => self.inner.write_all(&self.scratch[..kept])?,
            Err(e) => self.error = Some(e),
        }
        self.scratch.zeroize();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<S: PlaintextSink> PlaintextSink for JsonSink<S> {
    type Output = S::Output;

    fn commit(mut self) -> io::Result<S::Output> {
        if self.error.is_none()
            && let Err(e) = self.minifier.finish()
        {
            self.error = Some(e);
        }
        if let Some(e) = self.error.take() {
            *self.problem.borrow_mut() = Some(e);
            self.inner.discard();
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the plaintext is not JSON",
            ));
        }
        self.inner.commit()
    }

    fn discard(self) {
        self.inner.discard();
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;

    #[test]
    fn the_sink_reports_its_problem_when_committed() {
        let problem = Problem::default();
        let mut s = JsonSink::new(Vec::new(), Rc::clone(&problem));
        s.write_all(b"[1, \"a").unwrap();
        s.write_all(b" b\" ]").unwrap();
        assert_eq!(s.commit().unwrap(), b"[1,\"a b\"]");
        let mut s = JsonSink::new(Vec::new(), Rc::clone(&problem));
        s.write_all(b"[1, 2").unwrap();
        s.discard();
        assert!(problem.borrow().is_none(), "reported only when committed");
        let mut s = JsonSink::new(Vec::new(), Rc::clone(&problem));
        s.write_all(b"[1, 2").unwrap();
        assert!(s.commit().is_err());
        assert!(problem.borrow().is_some());
    }
}
