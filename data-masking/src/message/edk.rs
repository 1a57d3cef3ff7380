//! The encrypted data key: a data key wrapped by one keyring, as the header stores it.

use super::codec::{Codec, Reader, put_bytes16};
use super::error::FormatError;

/// A data key wrapped by one keyring: the provider that can unwrap it, how, and the ciphertext.
///
/// ```
/// use data_masking::keys::EncryptedDataKey;
/// let edk = EncryptedDataKey {
///     provider_id: "aws-kms".into(),
///     provider_info: b"arn:aws:kms:us-east-1:111122223333:key/k".to_vec(),
///     ciphertext: vec![1, 2, 3],
/// };
/// assert_eq!(edk.provider_id, "aws-kms");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EncryptedDataKey {
    /// The key provider (the raw AES key namespace, or `aws-kms`).
    pub provider_id: String,
    /// Provider-specific information (the key name and IV, or the KMS key ARN).
    pub provider_info: Vec<u8>,
    /// The wrapped data key.
    pub ciphertext: Vec<u8>,
}

/// Three fields, each with a `u16` length: provider id (UTF-8), provider info, ciphertext.
impl Codec<'_> for EncryptedDataKey {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        put_bytes16(out, self.provider_id.as_bytes(), "a provider id")?;
        put_bytes16(out, &self.provider_info, "a provider info")?;
        put_bytes16(out, &self.ciphertext, "an encrypted data key")
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, FormatError> {
        let provider_id = r.bytes16("provider id")?;
        let provider_info = r.bytes16("provider info")?;
        let ciphertext = r.bytes16("encrypted data key")?;
        Ok(Self {
            provider_id: std::str::from_utf8(provider_id)
                .map_err(|_| FormatError::invalid("a provider id is not UTF-8"))?
                .to_owned(),
            provider_info: provider_info.to_vec(),
            ciphertext: ciphertext.to_vec(),
        })
    }
}

impl EncryptedDataKey {
    /// Steps over one encrypted data key, checking only its lengths.
    pub(crate) fn skip(r: &mut Reader<'_>) -> Result<(), FormatError> {
        r.bytes16("provider id")?;
        r.bytes16("provider info")?;
        r.bytes16("encrypted data key")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let edk = EncryptedDataKey {
            provider_id: "ns".into(),
            provider_info: vec![1, 2],
            ciphertext: vec![3],
        };
        let mut out = Vec::new();
        edk.encode(&mut out).unwrap();
        assert_eq!(out, [0, 2, b'n', b's', 0, 2, 1, 2, 0, 1, 3]);
        let mut r = Reader::new(&out);
        assert_eq!(EncryptedDataKey::read(&mut r).unwrap(), edk);
        r.expect_end("x").unwrap();
        let mut r = Reader::new(&out);
        EncryptedDataKey::skip(&mut r).unwrap();
        assert_eq!(r.remaining(), 0);
        assert!(EncryptedDataKey::read(&mut Reader::new(&out[..10])).is_err());
        out[2] = 0xff;
        assert!(EncryptedDataKey::read(&mut Reader::new(&out)).is_err());
        let long = EncryptedDataKey {
            ciphertext: vec![0; 65536],
            ..edk
        };
        assert_eq!(
            long.encode(&mut Vec::new()),
            Err(FormatError::TooLong("an encrypted data key"))
        );
    }
}
