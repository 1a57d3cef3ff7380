//! ECDSA over P-256 (with SHA-256) and P-384 (with SHA-384): key generation, signing a running
//! hash into a DER signature, and verifying one (high-s signatures included, as other
//! implementations emit them).

use super::{Unspecified, backend};

/// The curve of a signing key, and with it the hash it signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    /// P-256 with SHA-256.
    P256,
    /// P-384 with SHA-384.
    P384,
}

/// The running hash of what a signature covers (SHA-256 for P-256, SHA-384 for P-384), fed in
/// as many pieces as the caller has.
#[derive(Clone)]
pub(crate) struct SignatureHash {
    curve: Curve,
    inner: backend::SignatureHash,
}

impl SignatureHash {
    /// An empty hash for signatures over `curve`.
    pub(crate) fn new(curve: Curve) -> Self {
        Self {
            curve,
            inner: backend::SignatureHash::new(curve),
        }
    }

    /// Hashes `data` after what came before.
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }
}

/// A private signing key; zeroized when dropped.
pub(crate) struct SigningKey {
    curve: Curve,
    inner: backend::EcdsaSigningKey,
}

impl SigningKey {
    /// A fresh key on `curve`, from the system's random generator.
    pub(crate) fn generate(curve: Curve) -> Result<Self, Unspecified> {
        Ok(Self {
            curve,
            inner: backend::EcdsaSigningKey::generate(curve)?,
        })
    }

    /// The public point, compressed (SEC 1: `02` or `03`, then x).
    pub(crate) fn compressed_public_key(&self) -> Result<Vec<u8>, Unspecified> {
        self.inner.compressed_public_key()
    }

    /// The DER signature of what `hash` has taken in; fails when `hash` is of another curve.
    pub(crate) fn sign(&self, hash: SignatureHash) -> Result<Vec<u8>, Unspecified> {
        if hash.curve != self.curve {
            return Err(Unspecified);
        }
        self.inner.sign(hash.inner)
    }
}

/// A parsed public key, ready to verify many signatures.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    curve: Curve,
    inner: backend::EcdsaVerifyingKey,
}

impl VerifyingKey {
    /// Parses a SEC 1 point on `curve`, compressed or not.
    pub(crate) fn from_sec1(curve: Curve, point: &[u8]) -> Result<Self, Unspecified> {
        Ok(Self {
            curve,
            inner: backend::EcdsaVerifyingKey::from_sec1(curve, point)?,
        })
    }

    /// Verifies the DER `signature` of what `hash` has taken in; high-s signatures are valid.
    pub(crate) fn verify(&self, hash: SignatureHash, signature: &[u8]) -> Result<(), Unspecified> {
        if hash.curve != self.curve {
            return Err(Unspecified);
        }
        self.inner.verify(hash.inner, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(curve: Curve, parts: &[&[u8]]) -> SignatureHash {
        let mut h = SignatureHash::new(curve);
        for p in parts {
            h.update(p);
        }
        h
    }

    #[test]
    fn sign_verify_and_refuse() {
        for curve in [Curve::P256, Curve::P384] {
            let key = SigningKey::generate(curve).unwrap();
            let point = key.compressed_public_key().unwrap();
            let len = if curve == Curve::P256 { 33 } else { 49 };
            assert_eq!(point.len(), len);
            assert!(point[0] == 2 || point[0] == 3);
            let sig = key
                .sign(hash_of(curve, &[b"head", b"er and body"]))
                .unwrap();
            let verifier = VerifyingKey::from_sec1(curve, &point).unwrap();
            // The same bytes fed in other pieces hash the same.
            verifier
                .verify(hash_of(curve, &[b"header and body"]), &sig)
                .unwrap();
            assert!(
                verifier
                    .verify(hash_of(curve, &[b"header and b0dy"]), &sig)
                    .is_err()
            );
            let mut bad = sig.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(
                verifier
                    .verify(hash_of(curve, &[b"header and body"]), &bad)
                    .is_err()
            );
            let other = if curve == Curve::P256 {
                Curve::P384
            } else {
                Curve::P256
            };
            assert!(key.sign(SignatureHash::new(other)).is_err());
            assert!(verifier.verify(SignatureHash::new(other), &sig).is_err());
            assert!(VerifyingKey::from_sec1(other, &point).is_err());
            assert!(VerifyingKey::from_sec1(curve, &point[1..]).is_err());
        }
    }

    /// A signature with s replaced by n - s verifies too: of the two, one is high-s, which other
    /// implementations emit about half the time.
    #[test]
    fn high_s_is_accepted() {
        // The order of P-384.
        const N: [u8; 48] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81,
            0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec,
            0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
        ];
        let key = SigningKey::generate(Curve::P384).unwrap();
        let verifier =
            VerifyingKey::from_sec1(Curve::P384, &key.compressed_public_key().unwrap()).unwrap();
        let sig = key.sign(hash_of(Curve::P384, &[b"m"])).unwrap();
        let (r, s) = der_integers(&sig);
        let flipped = der_signature(&r, &sub(&N, &s));
        verifier
            .verify(hash_of(Curve::P384, &[b"m"]), &flipped)
            .unwrap();
    }

    /// The two INTEGERs of a DER ECDSA signature, as 48-byte big-endian numbers.
    fn der_integers(sig: &[u8]) -> ([u8; 48], [u8; 48]) {
        let mut at = 2 + usize::from(sig[1] & 0x80 != 0);
        let mut int = || {
            assert_eq!(sig[at], 0x02);
            let len = usize::from(sig[at + 1]);
            let bytes = &sig[at + 2..at + 2 + len];
            at += 2 + len;
            let bytes = bytes.strip_prefix(&[0]).unwrap_or(bytes);
            let mut out = [0u8; 48];
            out[48 - bytes.len()..].copy_from_slice(bytes);
            out
        };
        (int(), int())
    }

    fn der_signature(r: &[u8; 48], s: &[u8; 48]) -> Vec<u8> {
        fn int(n: &[u8; 48]) -> Vec<u8> {
            let start = n.iter().position(|&b| b != 0).unwrap_or(47);
            let mut v = vec![0x02];
            let pad = n[start] & 0x80 != 0;
            v.push((48 - start + usize::from(pad)) as u8);
            if pad {
                v.push(0);
            }
            v.extend_from_slice(&n[start..]);
            v
        }
        let body = [int(r), int(s)].concat();
        let mut out = vec![0x30];
        if body.len() >= 0x80 {
            out.push(0x81);
        }
        out.push(body.len() as u8);
        out.extend_from_slice(&body);
        out
    }

    /// `a - b` of 48-byte big-endian numbers, `a > b`.
    fn sub(a: &[u8; 48], b: &[u8; 48]) -> [u8; 48] {
        let mut out = [0u8; 48];
        let mut borrow = 0u16;
        for i in (0..48).rev() {
            let d = 256 + u16::from(a[i]) - u16::from(b[i]) - borrow;
            out[i] = (d & 0xff) as u8;
            borrow = u16::from(d < 256);
        }
        out
    }
}
