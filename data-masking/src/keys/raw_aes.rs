//! The raw AES keyring: data keys wrapped with a local AES-GCM key.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{AES_128_GCM, AES_192_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

use super::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, already_set,
};
use crate::error::{Error, Result};
use crate::message::format::serialize_context;

const TAG_BITS: u32 = 128;
const IV_LEN: usize = 12;

/// A local AES key (128, 192 or 256 bits) that wraps data keys, byte-compatible with the ESDK raw
/// AES keyring (and Python's `RawMasterKeyProvider` with `AES_*_GCM_IV12_TAG16_NO_PADDING`):
/// the provider id is the key namespace, the provider info is the key name, the tag length in
/// bits, the IV length and the IV, and the wrap is bound to the encryption context.
///
/// The offline default for development, tests and the CLI. Never logs or prints the key.
///
/// ```
/// use data_masking::keys::RawAesKeyring;
/// let keyring = RawAesKeyring::new("my-namespace", "my-key", &[7u8; 32])?;
/// assert_eq!(format!("{keyring:?}"), r#"RawAesKeyring { namespace: "my-namespace", name: "my-key", .. }"#);
/// assert!(RawAesKeyring::new("ns", "k", &[0u8; 7]).is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    key: LessSafeKey,
}

impl fmt::Debug for RawAesKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAesKeyring")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RawAesKeyring {
    /// A keyring for `key` (16, 24 or 32 bytes), named `namespace`/`name`.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// let k = RawAesKeyring::new("ns", "name", &[1u8; 16])?;
    /// assert_eq!(k.namespace(), "ns");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(namespace: &str, name: &str, key: &[u8]) -> Result<Self> {
        let alg = match key.len() {
            16 => &AES_128_GCM,
            24 => &AES_192_GCM,
            32 => &AES_256_GCM,
            n => {
                return Err(Error::Config(format!(
                    "a raw AES key has 16, 24 or 32 bytes, not {n}"
                )));
            }
        };
        let key = UnboundKey::new(alg, key)
            .map(LessSafeKey::new)
            .map_err(|_| Error::Config("the AES key was refused".into()))?;
        Ok(Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            key,
        })
    }

    /// Reads a key file: `{"namespace": "...", "name": "...", "key": "<base64>"}`.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// let k = RawAesKeyring::from_key_json(&RawAesKeyring::generate_key_json("ns", "k")?)?;
    /// assert_eq!(k.name(), "k");
    /// assert!(RawAesKeyring::from_key_json("{}").is_err());
    /// // A key with an escaped character (serde then copies it; the copy is zeroized).
    /// let k = RawAesKeyring::from_key_json(
    ///     r#"{"namespace": "ns", "name": "k", "key": "AAAAAAAAAAAAAAAAAAAAAA\u003d\u003d"}"#,
    /// )?;
    /// assert_eq!(k.namespace(), "ns");
    /// let e = RawAesKeyring::from_key_json(r#"{"namespace": "ns", "name": "k", "key": "AAAA"}"#);
    /// assert!(e.unwrap_err().to_string().contains("16, 24 or 32 bytes"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_key_json(text: &str) -> Result<Self> {
        /// The fields, borrowed from the text where they can be: the base64 key is then never
        /// copied, and a copy serde has to make (a string with escapes) is zeroized below.
        #[derive(serde::Deserialize)]
        struct KeyFile<'a> {
            #[serde(borrow)]
            namespace: Cow<'a, str>,
            #[serde(borrow)]
            name: Cow<'a, str>,
            #[serde(borrow)]
            key: Cow<'a, str>,
        }
        let bad = |why: &str| Error::Config(format!("invalid key file: {why}"));
        let file: KeyFile<'_> = serde_json::from_str(text).map_err(|e| bad(&format!("{e}")))?;
        let key = STANDARD.decode(file.key.as_bytes()).map(Zeroizing::new);
        if let Cow::Owned(mut copy) = file.key {
            copy.zeroize();
        }
        let key = key.map_err(|_| bad("\"key\" is not base64"))?;
        Self::new(&file.namespace, &file.name, &key)
    }

    /// Reads a key file from disk (see [`from_key_json`](Self::from_key_json)).
    ///
    /// ```no_run
    /// # use data_masking::keys::RawAesKeyring;
    /// let k = RawAesKeyring::from_key_file("local-key.json")?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_key_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!("cannot read the key file {}: {e}", path.display()))
        })?);
        Self::from_key_json(&text)
    }

    /// A new random 256-bit key, as key-file JSON, in a buffer that is zeroized when dropped.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// let text = RawAesKeyring::generate_key_json("ns", "k")?;
    /// assert!(text.contains("\"namespace\": \"ns\""));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn generate_key_json(namespace: &str, name: &str) -> Result<Zeroizing<String>> {
        let key = DataKey::random(32)?;
        let namespace = serde_json::to_string(namespace)?;
        let name = serde_json::to_string(name)?;
        // Written into one buffer of its final size, so that no copy of the key is left behind
        // by a reallocation; the buffer is zeroized when the caller drops it.
        let mut text = Zeroizing::new(String::with_capacity(
            namespace.len() + name.len() + 44 + 64,
        ));
        text.push_str("{\n  \"namespace\": ");
        text.push_str(&namespace);
        text.push_str(",\n  \"name\": ");
        text.push_str(&name);
        text.push_str(",\n  \"key\": \"");
        STANDARD.encode_string(key.as_bytes(), &mut text);
        text.push_str("\"\n}");
        Ok(text)
    }

    /// The key namespace (the provider id of its encrypted data keys).
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// assert_eq!(RawAesKeyring::new("ns", "k", &[0; 32])?.namespace(), "ns");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The key name.
    ///
    /// ```
    /// # use data_masking::keys::RawAesKeyring;
    /// assert_eq!(RawAesKeyring::new("ns", "k", &[0; 32])?.name(), "k");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IV, when `edk` is one of this key's.
    fn iv_of<'e>(&self, edk: &'e EncryptedDataKey) -> Option<&'e [u8]> {
        if edk.provider_id != self.namespace {
            return None;
        }
        let info = edk.provider_info.strip_prefix(self.name.as_bytes())?;
        if info.len() != 8 + IV_LEN
            || info[..4] != TAG_BITS.to_be_bytes()
            || info[4..8] != (IV_LEN as u32).to_be_bytes()
        {
            return None;
        }
        Some(&info[8..])
    }
}

#[async_trait::async_trait]
impl Keyring for RawAesKeyring {
    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        let mut materials = if materials.data_key().is_some() {
            materials
        } else {
            let key = DataKey::random(materials.suite().key_len())?;
            materials.with_data_key(key)?
        };
        let aad = serialize_context(materials.context())?;
        let mut iv = [0u8; IV_LEN];
        aws_lc_rs::rand::fill(&mut iv)
            .map_err(|_| Error::EncryptKey("no randomness for an IV".into()))?;
        // The data key is sealed in place: zeroized if sealing fails, ciphertext otherwise.
        let mut ciphertext = Zeroizing::new(
            materials
                .data_key()
                .map(|k| k.as_bytes().to_vec())
                .unwrap_or_default(),
        );
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(iv),
                Aad::from(&aad),
                ciphertext.as_mut_slice(),
            )
            .map_err(|_| Error::EncryptKey("wrapping the data key failed".into()))?;
        let mut ciphertext = std::mem::take(&mut *ciphertext);
        ciphertext.extend_from_slice(tag.as_ref());
        let mut info = self.name.as_bytes().to_vec();
        info.extend_from_slice(&TAG_BITS.to_be_bytes());
        info.extend_from_slice(&(IV_LEN as u32).to_be_bytes());
        info.extend_from_slice(&iv);
        materials.add_encrypted_data_key(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: info,
            ciphertext,
        });
        Ok(materials)
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        if materials.data_key().is_some() {
            return Err(already_set());
        }
        let aad = serialize_context(materials.context())?;
        let mut wrong_length = 0usize;
        for edk in edks {
            let Some(iv) = self.iv_of(edk) else { continue };
            let Ok(iv) = <[u8; IV_LEN]>::try_from(iv) else {
                continue;
            };
            let mut buf = Zeroizing::new(edk.ciphertext.clone());
            if let Ok(plain) =
                self.key
                    .open_in_place(Nonce::assume_unique_for_key(iv), Aad::from(&aad), &mut buf)
            {
                // A key of another length than the suite's is no data key of this message:
                // try the next encrypted data key.
                if plain.len() != materials.suite().key_len() {
                    wrong_length += 1;
                    continue;
                }
                let key = DataKey::new(plain.to_vec());
                return materials.with_data_key(key);
            }
        }
        let why = if wrong_length > 0 {
            format!(
                " ({wrong_length} unwrapped to a key of another length than the suite's {} bytes)",
                materials.suite().key_len()
            )
        } else {
            String::new()
        };
        Err(Error::DecryptKey(format!(
            "no encrypted data key of the message could be unwrapped with the raw AES key {}/{}{why}",
            self.namespace, self.name
        )))
    }
}
