//! The aws-lc-rs backend (feature `aws-lc`, the default).

use aws_lc_rs::aead::{AES_128_GCM, AES_192_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::digest::{self, SHA256, SHA384};
use aws_lc_rs::encoding::{AsBigEndian, EcPublicKeyCompressedBin};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1,
    ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey, UnparsedPublicKey,
};

use super::Unspecified;
use super::aead::{NONCE_LEN, TAG_LEN};
use super::ecdsa::Curve;

impl From<aws_lc_rs::error::Unspecified> for Unspecified {
    fn from(_: aws_lc_rs::error::Unspecified) -> Self {
        Unspecified
    }
}

pub(super) fn fill_random(out: &mut [u8]) -> Result<(), Unspecified> {
    Ok(aws_lc_rs::rand::fill(out)?)
}

/// An AES-GCM key (aws-lc cleanses its key schedule when the key is freed).
pub(super) struct AesGcm(LessSafeKey);

impl AesGcm {
    pub(super) fn new(key: &[u8]) -> Result<Self, Unspecified> {
        let alg = match key.len() {
            16 => &AES_128_GCM,
            24 => &AES_192_GCM,
            _ => &AES_256_GCM,
        };
        Ok(Self(LessSafeKey::new(UnboundKey::new(alg, key)?)))
    }

    pub(super) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Unspecified> {
        let tag = self.0.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            in_out,
        )?;
        tag.as_ref().try_into().map_err(|_| Unspecified)
    }

    /// `in_out` is the ciphertext then the tag.
    pub(super) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), Unspecified> {
        self.0
            .open_in_place(Nonce::assume_unique_for_key(*nonce), Aad::from(aad), in_out)?;
        Ok(())
    }
}

#[derive(Clone)]
pub(super) struct SignatureHash(digest::Context);

impl SignatureHash {
    pub(super) fn new(curve: Curve) -> Self {
        Self(digest::Context::new(match curve {
            Curve::P256 => &SHA256,
            Curve::P384 => &SHA384,
        }))
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

/// A key pair (aws-lc cleanses the private key when it is freed).
pub(super) struct EcdsaSigningKey(EcdsaKeyPair);

impl EcdsaSigningKey {
    pub(super) fn generate(curve: Curve) -> Result<Self, Unspecified> {
        let alg = match curve {
            Curve::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
            Curve::P384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
        };
        Ok(Self(EcdsaKeyPair::generate(alg)?))
    }

    pub(super) fn compressed_public_key(&self) -> Result<Vec<u8>, Unspecified> {
        let point: EcPublicKeyCompressedBin<'_> = self.0.public_key().as_be_bytes()?;
        Ok(point.as_ref().to_vec())
    }

    pub(super) fn sign(&self, hash: SignatureHash) -> Result<Vec<u8>, Unspecified> {
        Ok(self.0.sign_digest(&hash.0.finish())?.as_ref().to_vec())
    }
}

#[derive(Clone)]
pub(super) struct EcdsaVerifyingKey(ParsedPublicKey);

impl EcdsaVerifyingKey {
    pub(super) fn from_sec1(curve: Curve, point: &[u8]) -> Result<Self, Unspecified> {
        let alg = match curve {
            Curve::P256 => &ECDSA_P256_SHA256_ASN1,
            Curve::P384 => &ECDSA_P384_SHA384_ASN1,
        };
        UnparsedPublicKey::new(alg, point)
            .parse()
            .map(Self)
            .map_err(|_| Unspecified)
    }

    pub(super) fn verify(&self, hash: SignatureHash, signature: &[u8]) -> Result<(), Unspecified> {
        Ok(self.0.verify_digest_sig(&hash.0.finish(), signature)?)
    }
}
