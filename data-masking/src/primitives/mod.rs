//! The cryptographic primitives the crate uses, behind one small internal API: AES-GCM
//! ([`aead`]), HKDF ([`hkdf`]), ECDSA over P-256 and P-384 with the running hash it signs
//! ([`ecdsa`]), the system's random generator ([`random`]) and a constant-time comparison.
//!
//! Two backends implement it: aws-lc-rs (feature `aws-lc`, the default) and the pure-Rust
//! RustCrypto crates (feature `rustcrypto`: `aes-gcm`, `p256`, `p384`, `ecdsa`, `getrandom`),
//! which build without a C compiler. When both features are enabled, RustCrypto is used. HKDF
//! is RustCrypto's `hkdf` over `sha2` in both, whose state is zeroized when dropped. Every key
//! is zeroized when dropped, in both backends (aws-lc cleanses the memory it frees; the
//! RustCrypto types are built with their `zeroize` features).
//!
//! Nothing here knows the message format: the wire format (`message`) and the keyrings
//! (`keys`) call these functions, and nothing else in the crate names a crypto crate.

pub(crate) mod aead;
pub(crate) mod ecdsa;
pub(crate) mod hkdf;
pub(crate) mod random;
pub(crate) mod rsa;

#[cfg(all(feature = "aws-lc", not(feature = "rustcrypto")))]
mod aws_lc;
#[cfg(all(feature = "aws-lc", not(feature = "rustcrypto")))]
use aws_lc as backend;

#[cfg(feature = "rustcrypto")]
mod rust_crypto;
#[cfg(feature = "rustcrypto")]
use rust_crypto as backend;

#[cfg(not(any(feature = "aws-lc", feature = "rustcrypto")))]
compile_error!(
    "data-masking needs a crypto backend: enable the `aws-lc` feature (the default) or `rustcrypto`"
);

/// A primitive failed; which input was wrong is for the caller to say (as aws-lc-rs's
/// `Unspecified`, on purpose: a failed tag check must not tell why).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unspecified;

/// Whether `a` and `b` are equal, in time that depends on their lengths only.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
