//! Message ids: 32 random bytes each, drawn in batches.

use super::error::FormatError;
use crate::error::Result;
use crate::primitives::random;

/// Bytes of a message id (format version 2).
pub(crate) const MESSAGE_ID_LEN: usize = 32;

/// Fresh random message ids for the messages of one call, drawn from the system's generator in
/// one request (a request costs about as much as HKDF's extract step, whatever its size). Each
/// id is handed out once; more are drawn when the batch runs out. Ids are public (every header
/// carries its own), so holding them in memory reveals nothing.
pub(crate) struct MessageIds {
    bytes: Vec<u8>,
    used: usize,
}

impl MessageIds {
    /// Ids for about `n` messages.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            bytes: vec![0; n.clamp(1, 64) * MESSAGE_ID_LEN],
            used: usize::MAX,
        }
    }

    /// An id never handed out before.
    pub(crate) fn next_id(&mut self) -> Result<[u8; MESSAGE_ID_LEN]> {
        if self.used >= self.bytes.len() {
            random::fill(&mut self.bytes)
                .map_err(|_| FormatError::Encrypt("encryption failed: no randomness"))?;
            self.used = 0;
        }
        let mut id = [0u8; MESSAGE_ID_LEN];
        id.copy_from_slice(&self.bytes[self.used..self.used + MESSAGE_ID_LEN]);
        self.used += MESSAGE_ID_LEN;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_repeated() {
        let mut ids = MessageIds::new(2);
        let drawn: Vec<_> = (0..5).map(|_| ids.next_id().unwrap()).collect();
        for (i, a) in drawn.iter().enumerate() {
            assert!(drawn[i + 1..].iter().all(|b| a != b));
        }
    }
}
