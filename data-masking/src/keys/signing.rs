//! ECDSA signing and verification keys of the signing suites.

use std::fmt;

use aws_lc_rs::encoding::{AsBigEndian, EcPublicKeyCompressedBin};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1,
    ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey, UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};
use crate::message::Signature;

/// A private signing key and the base64 of its compressed public point.
pub(crate) struct SigningKey {
    pair: EcdsaKeyPair,
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
        let alg = match sig {
            Signature::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
            _ => &ECDSA_P384_SHA384_ASN1_SIGNING,
        };
        let fail = |_| Error::EncryptKey("could not generate a signing key".into());
        let pair = EcdsaKeyPair::generate(alg).map_err(fail)?;
        let point: EcPublicKeyCompressedBin<'_> = pair.public_key().as_be_bytes().map_err(fail)?;
        let public = STANDARD.encode(point.as_ref());
        Ok(Self { pair, public })
    }

    /// The base64 of the compressed public point (the `aws-crypto-public-key` value).
    pub(crate) fn public_key(&self) -> &str {
        &self.public
    }

    /// The DER signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| Error::EncryptKey("signing failed".into()))
    }
}

/// A parsed public key, ready to verify many signatures.
#[derive(Clone)]
pub(crate) struct VerifyingKey(ParsedPublicKey);

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifyingKey")
    }
}

impl VerifyingKey {
    /// Parses the base64 compressed (or uncompressed) point of `aws-crypto-public-key`.
    pub(crate) fn from_context_value(sig: Signature, value: &str) -> Result<Self> {
        let bad = || Error::DecryptValue("the message's public key is not a valid point".into());
        let bytes = STANDARD.decode(value).map_err(|_| bad())?;
        let alg = match sig {
            Signature::P256 => &ECDSA_P256_SHA256_ASN1,
            _ => &ECDSA_P384_SHA384_ASN1,
        };
        UnparsedPublicKey::new(alg, bytes)
            .parse()
            .map(Self)
            .map_err(|_| bad())
    }

    /// Verifies the DER signature of `message` (high-s signatures are accepted).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.0
            .verify_sig(message, signature)
            .map_err(|_| Error::DecryptValue("the signature does not verify".into()))
    }
}
