//! The system's cryptographically secure random generator.

use super::{Unspecified, backend};

/// Fills `out` with random bytes from the system's generator.
pub(crate) fn fill(out: &mut [u8]) -> Result<(), Unspecified> {
    backend::fill_random(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills_with_fresh_bytes() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        super::fill(&mut a).unwrap();
        super::fill(&mut b).unwrap();
        assert_ne!(a, b);
        super::fill(&mut []).unwrap();
    }
}
