//! The RustCrypto backend (feature `rustcrypto`): pure Rust, no C compiler needed.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::Aes192;
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};
use ecdsa::elliptic_curve::Generate;
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use sha2::Digest;

use super::Unspecified;
use super::aead::{NONCE_LEN, TAG_LEN};
use super::ecdsa::Curve;

pub(super) fn fill_random(out: &mut [u8]) -> Result<(), Unspecified> {
    getrandom::fill(out).map_err(|_| Unspecified)
}

/// An AES-GCM key; its key schedule and GHASH key are zeroized when dropped (the `zeroize`
/// feature of `aes-gcm`).
pub(super) enum AesGcm {
    Aes128(Aes128Gcm),
    Aes192(aes_gcm::AesGcm<Aes192, U12>),
    Aes256(Aes256Gcm),
}

impl AesGcm {
    pub(super) fn new(key: &[u8]) -> Result<Self, Unspecified> {
        let bad = |_| Unspecified;
        Ok(match key.len() {
            16 => Self::Aes128(KeyInit::new_from_slice(key).map_err(bad)?),
            24 => Self::Aes192(KeyInit::new_from_slice(key).map_err(bad)?),
            _ => Self::Aes256(KeyInit::new_from_slice(key).map_err(bad)?),
        })
    }

    pub(super) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Unspecified> {
        let nonce = Nonce::from(*nonce);
        let tag = match self {
            Self::Aes128(k) => k.encrypt_inout_detached(&nonce, aad, in_out.into()),
            Self::Aes192(k) => k.encrypt_inout_detached(&nonce, aad, in_out.into()),
            Self::Aes256(k) => k.encrypt_inout_detached(&nonce, aad, in_out.into()),
        }
        .map_err(|_| Unspecified)?;
        Ok(tag.into())
    }

    /// `in_out` is the ciphertext then the tag.
    pub(super) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), Unspecified> {
        let len = in_out.len().checked_sub(TAG_LEN).ok_or(Unspecified)?;
        let (ciphertext, tag) = in_out.split_at_mut(len);
        let tag = Tag::try_from(&*tag).map_err(|_| Unspecified)?;
        let nonce = Nonce::from(*nonce);
        match self {
            Self::Aes128(k) => k.decrypt_inout_detached(&nonce, aad, ciphertext.into(), &tag),
            Self::Aes192(k) => k.decrypt_inout_detached(&nonce, aad, ciphertext.into(), &tag),
            Self::Aes256(k) => k.decrypt_inout_detached(&nonce, aad, ciphertext.into(), &tag),
        }
        .map_err(|_| Unspecified)
    }
}

#[derive(Clone)]
pub(super) enum SignatureHash {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
}

impl SignatureHash {
    pub(super) fn new(curve: Curve) -> Self {
        match curve {
            Curve::P256 => Self::Sha256(sha2::Sha256::new()),
            Curve::P384 => Self::Sha384(sha2::Sha384::new()),
        }
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
        }
    }
}

/// A private key; `ecdsa` zeroizes its scalar when dropped. Signatures are deterministic
/// (RFC 6979), which the message format allows.
pub(super) enum EcdsaSigningKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl EcdsaSigningKey {
    pub(super) fn generate(curve: Curve) -> Result<Self, Unspecified> {
        let fail = |_| Unspecified;
        Ok(match curve {
            Curve::P256 => Self::P256(p256::ecdsa::SigningKey::try_generate().map_err(fail)?),
            Curve::P384 => Self::P384(p384::ecdsa::SigningKey::try_generate().map_err(fail)?),
        })
    }

    #[allow(
        clippy::unnecessary_wraps,
        reason = "the seam's signature: the other backend can fail here"
    )]
    pub(super) fn compressed_public_key(&self) -> Result<Vec<u8>, Unspecified> {
        Ok(match self {
            Self::P256(k) => k.verifying_key().to_sec1_point(true).as_bytes().to_vec(),
            Self::P384(k) => k.verifying_key().to_sec1_point(true).as_bytes().to_vec(),
        })
    }

    pub(super) fn sign(&self, hash: SignatureHash) -> Result<Vec<u8>, Unspecified> {
        let fail = |_| Unspecified;
        match (self, hash) {
            (Self::P256(k), SignatureHash::Sha256(h)) => {
                let sig: p256::ecdsa::Signature = k.sign_prehash(&h.finalize()).map_err(fail)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            (Self::P384(k), SignatureHash::Sha384(h)) => {
                let sig: p384::ecdsa::Signature = k.sign_prehash(&h.finalize()).map_err(fail)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            _ => Err(Unspecified),
        }
    }
}

#[derive(Clone)]
pub(super) enum EcdsaVerifyingKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl EcdsaVerifyingKey {
    pub(super) fn from_sec1(curve: Curve, point: &[u8]) -> Result<Self, Unspecified> {
        let fail = |_| Unspecified;
        Ok(match curve {
            Curve::P256 => {
                Self::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(fail)?)
            }
            Curve::P384 => {
                Self::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(fail)?)
            }
        })
    }

    /// Verifies a DER signature; `ecdsa` does not require a low s on these curves.
    pub(super) fn verify(&self, hash: SignatureHash, signature: &[u8]) -> Result<(), Unspecified> {
        let fail = |_| Unspecified;
        match (self, hash) {
            (Self::P256(k), SignatureHash::Sha256(h)) => {
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(fail)?;
                k.verify_prehash(&h.finalize(), &sig).map_err(fail)
            }
            (Self::P384(k), SignatureHash::Sha384(h)) => {
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(fail)?;
                k.verify_prehash(&h.finalize(), &sig).map_err(fail)
            }
            _ => Err(Unspecified),
        }
    }
}
