//! HKDF (RFC 5869) over SHA-256, SHA-384 or SHA-512: RustCrypto's `hkdf` in both backends,
//! its state zeroized when dropped.

use super::Unspecified;

/// The hash HKDF runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HkdfHash {
    Sha256,
    Sha384,
    Sha512,
}

/// The pseudorandom key of one extract step, ready to expand.
pub(crate) enum Hkdf {
    Sha256(hkdf::Hkdf<sha2::Sha256>),
    Sha384(hkdf::Hkdf<sha2::Sha384>),
    Sha512(hkdf::Hkdf<sha2::Sha512>),
}

impl Hkdf {
    /// The extract step: `salt` (none: a block of zeros) and the input key material.
    pub(crate) fn extract(hash: HkdfHash, salt: Option<&[u8]>, ikm: &[u8]) -> Self {
        match hash {
            HkdfHash::Sha256 => Self::Sha256(hkdf::Hkdf::new(salt, ikm)),
            HkdfHash::Sha384 => Self::Sha384(hkdf::Hkdf::new(salt, ikm)),
            HkdfHash::Sha512 => Self::Sha512(hkdf::Hkdf::new(salt, ikm)),
        }
    }

    /// The expand step: fills `out` from the info, given as the concatenation of `info`.
    pub(crate) fn expand(&self, info: &[&[u8]], out: &mut [u8]) -> Result<(), Unspecified> {
        match self {
            Self::Sha256(h) => h.expand_multi_info(info, out),
            Self::Sha384(h) => h.expand_multi_info(info, out),
            Self::Sha512(h) => h.expand_multi_info(info, out),
        }
        .map_err(|_| Unspecified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5869, test case 1 (SHA-256).
    #[test]
    fn rfc5869_case_1() {
        let ikm = [0x0b; 22];
        let salt: Vec<u8> = (0..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let mut out = [0u8; 42];
        let h = Hkdf::extract(HkdfHash::Sha256, Some(&salt), &ikm);
        h.expand(&[&info[..5], &info[5..]], &mut out).unwrap();
        assert_eq!(&out[..8], &[0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a]);
        assert_eq!(
            &out[34..],
            &[0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65]
        );
        let mut too_long = vec![0u8; 255 * 32 + 1];
        assert!(h.expand(&[], &mut too_long).is_err());
        for hash in [HkdfHash::Sha384, HkdfHash::Sha512] {
            Hkdf::extract(hash, None, &ikm)
                .expand(&[&info], &mut out)
                .unwrap();
        }
    }
}
