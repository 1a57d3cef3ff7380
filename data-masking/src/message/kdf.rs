//! Key derivation: the content key (and for committing suites the commitment key) of one
//! message, from its data key and message id.

use zeroize::Zeroizing;

use super::error::FormatError;
use super::header::COMMITMENT_LEN;
use super::suite::{AlgorithmSuite, Kdf};
use crate::primitives::aead::AeadKey;
use crate::primitives::hkdf::{Hkdf, HkdfHash};

/// Bytes of the largest content key.
const MAX_KEY_LEN: usize = 32;

/// The commitment key of a committing suite; zeroized when dropped.
pub(super) type CommitmentKey = Zeroizing<[u8; COMMITMENT_LEN]>;

/// The content key of a message under `data_key`, and for committing suites its commitment
/// key:
///
/// * no KDF (legacy): the data key is the content key;
/// * HKDF-SHA256 / SHA384 (legacy): no salt, info = suite id (big-endian) then message id;
/// * HKDF-SHA512 (committing): salt = message id, info = suite id then `DERIVEKEY` for the
///   content key, `COMMITKEY` for the commitment key.
pub(super) fn derive(
    suite: AlgorithmSuite,
    data_key: &[u8],
    message_id: &[u8],
) -> Result<(AeadKey, Option<CommitmentKey>), FormatError> {
    let len = suite.key_len();
    if data_key.len() != len {
        return Err(FormatError::DataKeyLength {
            got: data_key.len(),
            need: len,
        });
    }
    let mut key = Zeroizing::new([0u8; MAX_KEY_LEN]);
    let out = key
        .get_mut(..len)
        .ok_or_else(|| FormatError::invalid("invalid key length"))?;
    let fail = |_| FormatError::invalid("key derivation failed");
    let suite_id = suite.id().to_be_bytes();
    let commitment = match suite.kdf() {
        Kdf::None => {
            out.copy_from_slice(data_key);
            None
        }
        Kdf::Sha256 | Kdf::Sha384 => {
            let hash = if suite.kdf() == Kdf::Sha256 {
                HkdfHash::Sha256
            } else {
                HkdfHash::Sha384
            };
            Hkdf::extract(hash, None, data_key)
                .expand(&[&suite_id, message_id], out)
                .map_err(fail)?;
            None
        }
        Kdf::Sha512Commit => {
            let h = Hkdf::extract(HkdfHash::Sha512, Some(message_id), data_key);
            h.expand(&[&suite_id, b"DERIVEKEY"], out).map_err(fail)?;
            let mut commit = Zeroizing::new([0u8; COMMITMENT_LEN]);
            h.expand(&[b"COMMITKEY"], commit.as_mut()).map_err(fail)?;
            Some(commit)
        }
    };
    let key = AeadKey::new(&key[..len]).map_err(|_| FormatError::invalid("invalid content key"))?;
    Ok((key, commitment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committing_suites_derive_a_commitment_and_others_do_not() {
        let s = AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
        let (_, a) = derive(s, &[1; 32], &[2; 32]).unwrap();
        let (_, b) = derive(s, &[1; 32], &[3; 32]).unwrap();
        assert_ne!(a.unwrap()[..], b.unwrap()[..]);
        for id in [0x0014, 0x0146, 0x0378] {
            let s = AlgorithmSuite::from_id(id).unwrap();
            let (_, c) = derive(s, &vec![1; s.key_len()], &[2; 16]).unwrap();
            assert!(c.is_none());
        }
        assert_eq!(
            derive(s, &[1; 16], &[2; 32]).err(),
            Some(FormatError::DataKeyLength { got: 16, need: 32 })
        );
    }
}
