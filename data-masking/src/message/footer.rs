//! The footer of the signing suites: an ECDSA signature over the header and the body, and the
//! keys that make and check it. The public key travels in the encryption context
//! (`aws-crypto-public-key`) as the base64 of its compressed point.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::codec::{Codec, Reader, put_bytes16};
use super::error::FormatError;
use super::suite::Signature;
use crate::error::Result;
use crate::primitives::ecdsa::{self, Curve, SignatureHash};

/// The footer: the DER signature, with a `u16` length.
pub(super) struct Footer<'a>(pub(super) &'a [u8]);

impl<'a> Codec<'a> for Footer<'a> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        put_bytes16(out, self.0, "the signature")
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, FormatError> {
        r.bytes16("signature").map(Footer)
    }
}

fn curve(sig: Signature) -> Curve {
    match sig {
        Signature::P256 => Curve::P256,
        Signature::P384 | Signature::None => Curve::P384,
    }
}

/// A private signing key and the base64 of its compressed public point.
pub(crate) struct SigningKey {
    key: ecdsa::SigningKey,
    curve: Curve,
    public: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new key for the suite's curve.
    pub(crate) fn generate(sig: Signature) -> Result<Self> {
        let fail = |_| FormatError::Encrypt("could not generate a signing key");
        let curve = curve(sig);
        let key = ecdsa::SigningKey::generate(curve).map_err(fail)?;
        let public = STANDARD.encode(key.compressed_public_key().map_err(fail)?);
        Ok(Self { key, curve, public })
    }

    /// The base64 of the compressed public point (the `aws-crypto-public-key` value).
    pub(crate) fn public_key(&self) -> &str {
        &self.public
    }

    /// An empty hash of what this key signs.
    pub(super) fn hash(&self) -> SignatureHash {
        SignatureHash::new(self.curve)
    }

    /// The DER signature of what `hash` has taken in.
    pub(super) fn sign(&self, hash: SignatureHash) -> Result<Vec<u8>, FormatError> {
        self.key
            .sign(hash)
            .map_err(|_| FormatError::Encrypt("signing failed"))
    }
}

/// A parsed public key, ready to verify many signatures.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    key: ecdsa::VerifyingKey,
    curve: Curve,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifyingKey")
    }
}

impl VerifyingKey {
    /// Parses the base64 compressed (or uncompressed) point of `aws-crypto-public-key`.
    pub(crate) fn from_context_value(sig: Signature, value: &str) -> Result<Self> {
        let bad = || FormatError::invalid("the message's public key is not a valid point");
        let bytes = STANDARD.decode(value).map_err(|_| bad())?;
        let curve = curve(sig);
        let key = ecdsa::VerifyingKey::from_sec1(curve, &bytes).map_err(|_| bad())?;
        Ok(Self { key, curve })
    }

    /// An empty hash of what this key verifies.
    pub(super) fn hash(&self) -> SignatureHash {
        SignatureHash::new(self.curve)
    }

    /// Verifies the DER signature of what `hash` has taken in (high-s signatures are accepted).
    pub(super) fn verify(&self, hash: SignatureHash, signature: &[u8]) -> Result<(), FormatError> {
        self.key
            .verify(hash, signature)
            .map_err(|_| FormatError::invalid("the signature does not verify"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_through_the_context_value() {
        for sig in [Signature::P256, Signature::P384] {
            let key = SigningKey::generate(sig).unwrap();
            let mut h = key.hash();
            h.update(b"header and body");
            let signature = key.sign(h).unwrap();
            let mut out = Vec::new();
            Footer(&signature).encode(&mut out).unwrap();
            let mut r = Reader::new(&out);
            let read = Footer::read(&mut r).unwrap();
            r.expect_end("x").unwrap();
            let v = VerifyingKey::from_context_value(sig, key.public_key()).unwrap();
            let mut h = v.hash();
            h.update(b"header and body");
            v.verify(h, read.0).unwrap();
            let mut h = v.hash();
            h.update(b"header and b0dy");
            assert!(v.verify(h, read.0).is_err());
        }
        assert!(VerifyingKey::from_context_value(Signature::P384, "not base64!").is_err());
        assert!(VerifyingKey::from_context_value(Signature::P384, "AAAA").is_err());
    }
}
