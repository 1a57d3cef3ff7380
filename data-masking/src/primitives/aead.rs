//! AES-GCM with a 12-byte nonce and a 16-byte tag, under 128, 192 and 256-bit keys.

use super::{Unspecified, backend};

/// Bytes of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// Bytes of an AES-GCM tag.
pub(crate) const TAG_LEN: usize = 16;

/// An AES-GCM key, ready to seal and open many times; zeroized when dropped.
pub(crate) struct AeadKey(backend::AesGcm);

impl AeadKey {
    /// A key of 16, 24 or 32 bytes; fails on any other length.
    pub(crate) fn new(key: &[u8]) -> Result<Self, Unspecified> {
        match key.len() {
            16 | 24 | 32 => backend::AesGcm::new(key).map(Self),
            _ => Err(Unspecified),
        }
    }

    /// Encrypts `in_out` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Unspecified> {
        self.0.seal_in_place(nonce, aad, in_out)
    }

    /// Decrypts `in_out`, the ciphertext followed by its tag, in place, and returns the
    /// plaintext: its first `in_out.len() - TAG_LEN` bytes. Fails when the tag does not
    /// verify (the contents of `in_out` are then unspecified: zeroize them if they matter).
    pub(crate) fn open_in_place<'a>(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &'a mut [u8],
    ) -> Result<&'a mut [u8], Unspecified> {
        let len = in_out.len().checked_sub(TAG_LEN).ok_or(Unspecified)?;
        self.0.open_in_place(nonce, aad, in_out)?;
        Ok(&mut in_out[..len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NIST GCM test vector (gcmEncryptExtIV128, Count 0 with 128-bit plaintext).
    #[test]
    fn known_answer_and_round_trip() {
        let key = AeadKey::new(&[0u8; 16]).unwrap();
        let mut block = [0u8; 16];
        let tag = key.seal_in_place(&[0u8; 12], &[], &mut block).unwrap();
        assert_eq!(
            block,
            [
                0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92, 0xf3, 0x28, 0xc2, 0xb9, 0x71, 0xb2,
                0xfe, 0x78
            ]
        );
        assert_eq!(
            tag,
            [
                0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec, 0x13, 0xbd, 0xf5, 0x3a, 0x67, 0xb2, 0x12, 0x57,
                0xbd, 0xdf
            ]
        );
        for len in [16, 24, 32] {
            let key = AeadKey::new(&vec![7u8; len]).unwrap();
            let mut buf = b"attack at dawn".to_vec();
            let tag = key.seal_in_place(&[1; 12], b"aad", &mut buf).unwrap();
            buf.extend_from_slice(&tag);
            let mut bad = buf.clone();
            assert_eq!(
                key.open_in_place(&[1; 12], b"aad", &mut buf).unwrap(),
                b"attack at dawn"
            );
            bad[0] ^= 1;
            assert!(key.open_in_place(&[1; 12], b"aad", &mut bad).is_err());
        }
        assert!(AeadKey::new(&[0; 20]).is_err());
        assert!(key.open_in_place(&[0; 12], &[], &mut [0; 15]).is_err());
    }
}
