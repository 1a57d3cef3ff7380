//! The `Keyring` trait: a narrow required core (wrap a data key, unwrap one encrypted data key)
//! and the provided `on_encrypt` / `on_decrypt` that own the keyring interface's rules.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use super::{DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Materials};
use crate::error::{Error, Result};

/// How many reasons a decrypt error lists at most; the others are counted ("and 3 more").
const MAX_REPORTED_FAILURES: usize = 8;

/// Generates, wraps and unwraps data keys.
///
/// An implementor writes the core: [`wrap_data_key`](Self::wrap_data_key) (the data key, wrapped
/// for the message's suite and encryption context) and
/// [`unwrap_data_key`](Self::unwrap_data_key) (one encrypted data key: its data key, `None` when
/// it is not this keyring's, or why it failed). The provided [`on_encrypt`](Self::on_encrypt)
/// and [`on_decrypt`](Self::on_decrypt) keep the ESDK keyring interface's rules around them:
///
/// * `on_encrypt` generates a data key only when the materials hold none (with
///   [`generate_data_key`](Self::generate_data_key): random bytes, unless the keyring overrides
///   it, as the KMS keyring does with `GenerateDataKey`), and adds the wrapped copies;
/// * `on_decrypt` fails on materials that already hold a data key, tries the message's encrypted
///   data keys in order (those [`select_encrypted_data_keys`](Self::select_encrypted_data_keys)
///   keeps), passes over a key unwrapped to another length than the suite's, takes the first
///   that fits, and otherwise fails with [`Error::DecryptKey`] listing at most eight reasons
///   ("and 3 more" for the rest).
///
/// The provided methods can be overridden: a wrapper that counts or logs calls overrides
/// `on_encrypt` / `on_decrypt` and delegates to the keyring it wraps (as [`MultiKeyring`],
/// a composite, does with its children).
///
/// [`MultiKeyring`]: super::MultiKeyring
///
/// ```
/// use data_masking::keys::{
///     DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring, Materials,
/// };
/// use data_masking::Result;
///
/// /// A toy keyring (no protection at all: it XORs the key with one byte), for the shape only.
/// #[derive(Debug)]
/// struct Xor(u8);
///
/// #[async_trait::async_trait]
/// impl Keyring for Xor {
///     async fn wrap_data_key(&self, _: &Materials, key: &DataKey) -> Result<Vec<EncryptedDataKey>> {
///         Ok(vec![EncryptedDataKey {
///             provider_id: "xor".into(),
///             provider_info: vec![self.0],
///             ciphertext: key.as_bytes().iter().map(|b| b ^ self.0).collect(),
///         }])
///     }
///
///     async fn unwrap_data_key(&self, _: &Materials, edk: &EncryptedDataKey) -> Result<Option<DataKey>> {
///         if edk.provider_id != "xor" || edk.provider_info != [self.0] {
///             return Ok(None);
///         }
///         Ok(Some(DataKey::new(edk.ciphertext.iter().map(|b| b ^ self.0).collect())))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let keyring = Xor(0x5c);
/// let m = keyring.on_encrypt(EncryptionMaterials::new(Default::default(), Default::default())).await?;
/// let d = keyring
///     .on_decrypt(DecryptionMaterials::new(Default::default(), Default::default()), m.encrypted_data_keys())
///     .await?;
/// assert_eq!(d.data_key().unwrap().as_bytes(), m.data_key().unwrap().as_bytes());
/// // Another keyring's encrypted data keys are not its own.
/// let e = Xor(1)
///     .on_decrypt(DecryptionMaterials::new(Default::default(), Default::default()), m.encrypted_data_keys())
///     .await
///     .unwrap_err();
/// assert_eq!(e.kind(), "decrypt-key");
/// # Ok::<(), data_masking::Error>(())
/// # }).unwrap();
/// ```
#[async_trait::async_trait]
pub trait Keyring: Send + Sync + fmt::Debug {
    /// Wraps `data_key` for the message that `materials` describe (their suite and encryption
    /// context; the data key is not set in them yet when it was just generated): one encrypted
    /// data key per wrapping key of the keyring (one, for a keyring of one key).
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, Keyring, Materials, RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let materials = Materials::new(Default::default(), Default::default());
    /// let edks = keyring.wrap_data_key(&materials, &DataKey::random(32)?).await?;
    /// assert_eq!(edks.len(), 1);
    /// assert_eq!(edks[0].provider_id, "ns");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>>;

    /// Unwraps one encrypted data key of the message that `materials` describe: `Ok(Some(key))`,
    /// `Ok(None)` when `edk` is not this keyring's (another provider, another key), or an error
    /// saying why one of its own could not be unwrapped (reported by `on_decrypt`, which goes
    /// on to the next). The length of the key is checked by `on_decrypt`.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, Keyring, Materials, RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let materials = Materials::new(Default::default(), Default::default());
    /// let key = DataKey::random(32)?;
    /// let edks = keyring.wrap_data_key(&materials, &key).await?;
    /// let back = keyring.unwrap_data_key(&materials, &edks[0]).await?;
    /// assert_eq!(back.unwrap().as_bytes(), key.as_bytes());
    /// let other = RawAesKeyring::new("ns", "other", &[9u8; 32])?;
    /// assert!(other.unwrap_data_key(&materials, &edks[0]).await?.is_none());
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>>;

    /// A new data key of the suite's length, with its wrapped copies. By default random bytes,
    /// wrapped by [`wrap_data_key`](Self::wrap_data_key); a keyring whose key service makes data
    /// keys overrides it (the KMS keyring calls `GenerateDataKey`).
    ///
    /// ```
    /// # use data_masking::keys::{Keyring, Materials, RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let (key, edks) = keyring.generate_data_key(&Materials::new(Default::default(), Default::default())).await?;
    /// assert_eq!((key.as_bytes().len(), edks.len()), (32, 1));
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    async fn generate_data_key(
        &self,
        materials: &Materials,
    ) -> Result<(DataKey, Vec<EncryptedDataKey>)> {
        let key = DataKey::random(materials.data_key_length())?;
        let edks = self.wrap_data_key(materials, &key).await?;
        Ok((key, edks))
    }

    /// The encrypted data keys of a message that `on_decrypt` tries, in the order it tries them;
    /// an error fails the decrypt before any unwrap. By default all of them. The KMS keyring
    /// keeps those naming a configured key, and refuses the message when one of provider
    /// `aws-kms` does not name a key ARN.
    ///
    /// ```
    /// # use data_masking::keys::{EncryptedDataKey, Keyring, RawAesKeyring};
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let edk = EncryptedDataKey { provider_id: "p".into(), provider_info: vec![], ciphertext: vec![1] };
    /// assert_eq!(keyring.select_encrypted_data_keys(&[edk.clone(), edk])?.len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    fn select_encrypted_data_keys<'e>(
        &self,
        edks: &'e [EncryptedDataKey],
    ) -> Result<Vec<&'e EncryptedDataKey>> {
        Ok(edks.iter().collect())
    }

    /// Whether `on_decrypt` tries each wrapping key at most once per message: when true, after
    /// a failed unwrap (or a key of the wrong length), the further encrypted data keys with the
    /// same provider id and provider info are skipped and counted in the error. For keyrings
    /// whose provider info names only the key and whose every try costs (the KMS keyring: one
    /// `Decrypt` per configured key and message). False by default: every one is tried.
    ///
    /// ```
    /// # use data_masking::keys::{Keyring, RawAesKeyring};
    /// assert!(!RawAesKeyring::new("ns", "key", &[9u8; 32])?.one_unwrap_per_key());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    fn one_unwrap_per_key(&self) -> bool {
        false
    }

    /// Which wrapping key an encrypted data key names, for the rule of
    /// [`one_unwrap_per_key`](Self::one_unwrap_per_key): by default its provider info. A keyring
    /// whose keys several provider infos name (the KMS keyring: a multi-Region key and its
    /// replicas in other Regions) gives the key they all name.
    ///
    /// ```
    /// # use data_masking::keys::{EncryptedDataKey, Keyring, RawAesKeyring};
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let edk = EncryptedDataKey { provider_id: "ns".into(), provider_info: b"key".to_vec(), ciphertext: vec![] };
    /// assert_eq!(&*keyring.wrapping_key_of(&edk), b"key");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    fn wrapping_key_of<'e>(&self, edk: &'e EncryptedDataKey) -> Cow<'e, [u8]> {
        Cow::Borrowed(&edk.provider_info)
    }

    /// How a decrypt error names this keyring's keys ("the raw AES key ns/key"); by default its
    /// `Debug` form.
    ///
    /// ```
    /// # use data_masking::keys::{Keyring, RawAesKeyring};
    /// assert_eq!(RawAesKeyring::new("ns", "key", &[9u8; 32])?.describe_keys(), "the raw AES key ns/key");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    fn describe_keys(&self) -> String {
        format!("{self:?}")
    }

    /// Leaves a data key in the materials, generating one when none is set, and adds its
    /// wrapped copies.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, EncryptionMaterials, Keyring, RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let m = keyring.on_encrypt(EncryptionMaterials::new(Default::default(), Default::default())).await?;
    /// assert_eq!(m.encrypted_data_keys().len(), 1);
    /// // Given a data key, it only wraps it.
    /// let given = EncryptionMaterials::new(Default::default(), Default::default())
    ///     .with_data_key(DataKey::new(vec![1; 32]))?;
    /// let m = keyring.on_encrypt(given).await?;
    /// assert_eq!(m.data_key().unwrap().as_bytes(), &[1; 32]);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        let (mut materials, edks) = if let Some(key) = materials.data_key() {
            let edks = self.wrap_data_key(&materials, key).await?;
            (materials, edks)
        } else {
            let (key, edks) = self.generate_data_key(&materials).await?;
            (materials.with_data_key(key)?, edks)
        };
        for edk in edks {
            materials.add_encrypted_data_key(edk);
        }
        Ok(materials)
    }

    /// Sets the data key from the first of `edks` that this keyring unwraps to a key of the
    /// suite's length; fails when none does, and when the materials already hold a data key.
    ///
    /// ```
    /// # use data_masking::keys::{DataKey, DecryptionMaterials, EncryptionMaterials, Keyring, RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let keyring = RawAesKeyring::new("ns", "key", &[9u8; 32])?;
    /// let m = keyring.on_encrypt(EncryptionMaterials::new(Default::default(), Default::default())).await?;
    /// let fresh = DecryptionMaterials::new(Default::default(), Default::default());
    /// let d = keyring.on_decrypt(fresh.clone(), m.encrypted_data_keys()).await?;
    /// assert_eq!(d.data_key().unwrap().as_bytes(), m.data_key().unwrap().as_bytes());
    /// assert!(keyring.on_decrypt(d, m.encrypted_data_keys()).await.is_err());
    /// let e = keyring.on_decrypt(fresh, &[]).await.unwrap_err();
    /// assert!(e.to_string().contains("the raw AES key ns/key"));
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        if materials.data_key().is_some() {
            return Err(already_set());
        }
        let once = self.one_unwrap_per_key();
        let mut failures = Failures::default();
        let mut failed_keys: HashSet<(&str, Cow<'_, [u8]>)> = HashSet::new();
        let mut skipped = 0usize;
        for edk in self.select_encrypted_data_keys(edks)? {
            let key_name = (edk.provider_id.as_str(), self.wrapping_key_of(edk));
            if once && failed_keys.contains(&key_name) {
                skipped += 1;
                continue;
            }
            match self.unwrap_data_key(&materials, edk).await {
                Ok(None) => continue,
                Ok(Some(key)) if key.as_bytes().len() == materials.data_key_length() => {
                    return materials.with_data_key(key);
                }
                // No data key of this message: try the next encrypted data key.
                Ok(Some(key)) => failures.push(format!(
                    "an encrypted data key of provider {:?} unwrapped to {} bytes, another length \
                     than the suite's {}",
                    edk.provider_id,
                    key.as_bytes().len(),
                    materials.data_key_length()
                )),
                Err(e) => failures.push_error(e),
            }
            if once {
                failed_keys.insert(key_name);
            }
        }
        if skipped > 0 {
            failures.note(format!(
                "{skipped} more encrypted data keys naming a key whose Decrypt had failed were \
                 not tried (at most one Decrypt per key and message)"
            ));
        }
        Err(failures.into_error(&format!(
            "no encrypted data key of the message could be unwrapped with {}",
            self.describe_keys()
        )))
    }
}

/// The error of an `on_decrypt` given materials that already hold a data key
/// (framework/keyring-interface.md: the keyring must fail and leave them as they are).
pub(crate) fn already_set() -> Error {
    Error::DecryptKey("the decryption materials already hold a data key".into())
}

/// Why a decrypt found no data key: the first reasons listed, the others counted, then notes.
#[derive(Default)]
pub(crate) struct Failures {
    listed: Vec<String>,
    more: usize,
    notes: Vec<String>,
}

impl Failures {
    /// Adds a reason (listed while fewer than the most listed, counted after).
    pub(crate) fn push(&mut self, reason: String) {
        if self.listed.len() < MAX_REPORTED_FAILURES {
            self.listed.push(reason);
        } else {
            self.more += 1;
        }
    }

    /// Adds an error as a reason, in its own words (a decrypt-key error without a second
    /// "decrypt key error:").
    pub(crate) fn push_error(&mut self, e: Error) {
        match e {
            Error::DecryptKey(m) => self.push(m),
            e => self.push(e.to_string()),
        }
    }

    /// Adds a note, said after the reasons.
    fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// The reasons, "and N more", and the notes, joined by "; ".
    pub(crate) fn text(self) -> String {
        let mut parts = self.listed;
        if self.more > 0 {
            parts.push(format!("and {} more", self.more));
        }
        parts.extend(self.notes);
        parts.join("; ")
    }

    /// A decrypt-key error: `summary`, then the reasons when there are any.
    fn into_error(self, summary: &str) -> Error {
        let text = self.text();
        if text.is_empty() {
            Error::DecryptKey(summary.to_owned())
        } else {
            Error::DecryptKey(format!("{summary}: {text}"))
        }
    }
}

/// A shared keyring is a keyring: `Arc<dyn Keyring>` (or `Arc<RawAesKeyring>`...) can be passed
/// wherever a keyring is taken, e.g. to share one with several multi-keyrings. Every method,
/// provided ones included, is the shared keyring's own.
///
/// ```
/// use std::sync::Arc;
/// use data_masking::keys::{Keyring, MultiKeyring, RawAesKeyring};
/// let shared: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "a", &[1u8; 32])?);
/// let one = MultiKeyring::new(Arc::clone(&shared));
/// let two = MultiKeyring::new(RawAesKeyring::new("ns", "b", &[2u8; 32])?).with(shared);
/// # assert_eq!(one.len() + two.len(), 3);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[async_trait::async_trait]
impl<K: Keyring + ?Sized> Keyring for Arc<K> {
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        (**self).wrap_data_key(materials, data_key).await
    }

    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        (**self).unwrap_data_key(materials, edk).await
    }

    async fn generate_data_key(
        &self,
        materials: &Materials,
    ) -> Result<(DataKey, Vec<EncryptedDataKey>)> {
        (**self).generate_data_key(materials).await
    }

    fn select_encrypted_data_keys<'e>(
        &self,
        edks: &'e [EncryptedDataKey],
    ) -> Result<Vec<&'e EncryptedDataKey>> {
        (**self).select_encrypted_data_keys(edks)
    }

    fn one_unwrap_per_key(&self) -> bool {
        (**self).one_unwrap_per_key()
    }

    fn wrapping_key_of<'e>(&self, edk: &'e EncryptedDataKey) -> Cow<'e, [u8]> {
        (**self).wrapping_key_of(edk)
    }

    fn describe_keys(&self) -> String {
        (**self).describe_keys()
    }

    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        (**self).on_encrypt(materials).await
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        (**self).on_decrypt(materials, edks).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{DataKey, DecryptionMaterials, EncryptedDataKey, Keyring, Materials, Result};
    use crate::error::Error;
    use crate::message::AlgorithmSuite;

    /// A keyring on the core alone: its encrypted data keys name a key in their provider info
    /// and hold the data key itself: `good` unwraps, `other` is not its own, any other fails.
    #[derive(Debug, Default)]
    struct Plain {
        once: bool,
        refuse: bool,
        unwraps: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Keyring for Plain {
        async fn wrap_data_key(
            &self,
            _: &Materials,
            key: &DataKey,
        ) -> Result<Vec<EncryptedDataKey>> {
            Ok(vec![edk(b"good", key.as_bytes())])
        }

        async fn unwrap_data_key(
            &self,
            _: &Materials,
            edk: &EncryptedDataKey,
        ) -> Result<Option<DataKey>> {
            self.unwraps.fetch_add(1, Ordering::SeqCst);
            match edk.provider_info.as_slice() {
                b"good" => Ok(Some(DataKey::new(edk.ciphertext.clone()))),
                b"other" => Ok(None),
                _ => Err(Error::DecryptKey(format!(
                    "no luck with {}",
                    edk.ciphertext[0]
                ))),
            }
        }

        fn select_encrypted_data_keys<'e>(
            &self,
            edks: &'e [EncryptedDataKey],
        ) -> Result<Vec<&'e EncryptedDataKey>> {
            if self.refuse {
                return Err(Error::DecryptKey("refused before any unwrap".into()));
            }
            Ok(edks.iter().collect())
        }

        fn one_unwrap_per_key(&self) -> bool {
            self.once
        }

        fn describe_keys(&self) -> String {
            "the plain key".into()
        }
    }

    fn edk(info: &[u8], ciphertext: &[u8]) -> EncryptedDataKey {
        EncryptedDataKey {
            provider_id: "plain".into(),
            provider_info: info.to_vec(),
            ciphertext: ciphertext.to_vec(),
        }
    }

    fn decrypt(k: &Plain, edks: &[EncryptedDataKey]) -> Result<DecryptionMaterials> {
        let m = DecryptionMaterials::new(AlgorithmSuite::default(), BTreeMap::new());
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(k.on_decrypt(m, edks))
    }

    #[test]
    fn the_failure_report_lists_eight_reasons_and_counts_the_rest() {
        let edks: Vec<_> = (0..12u8).map(|i| edk(b"bad", &[i])).collect();
        let k = Plain::default();
        let text = decrypt(&k, &edks).unwrap_err().to_string();
        assert_eq!(k.unwraps.load(Ordering::SeqCst), 12, "every one is tried");
        assert!(
            text.contains("with the plain key: no luck with 0;"),
            "{text}"
        );
        assert!(text.contains("no luck with 7; and 4 more"), "{text}");
        assert!(!text.contains("no luck with 8"), "{text}");
    }

    #[test]
    fn one_unwrap_per_key_skips_and_counts_further_keys_naming_a_failed_one() {
        let good = [3u8; 32];
        let edks = [
            edk(b"bad", &[0]),
            edk(b"bad", &[1]),
            edk(b"other", &[2]),
            edk(b"bad", &[3]),
            edk(b"good", &good),
        ];
        let k = Plain {
            once: true,
            ..Plain::default()
        };
        let m = decrypt(&k, &edks).expect("the good one");
        assert_eq!(m.data_key().expect("data key").as_bytes(), &good);
        assert_eq!(k.unwraps.load(Ordering::SeqCst), 3, "bad once, other, good");
        let k = Plain {
            once: true,
            ..Plain::default()
        };
        let text = decrypt(&k, &edks[..4]).unwrap_err().to_string();
        assert!(text.contains("no luck with 0"), "{text}");
        assert!(
            text.contains("2 more encrypted data keys naming a key whose Decrypt had failed"),
            "{text}"
        );
    }

    #[test]
    fn a_refused_selection_fails_before_any_unwrap_and_nothing_is_no_key_of_its_own() {
        let k = Plain {
            refuse: true,
            ..Plain::default()
        };
        let e = decrypt(&k, &[edk(b"good", &[0; 32])]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "decrypt key error: refused before any unwrap"
        );
        assert_eq!(k.unwraps.load(Ordering::SeqCst), 0);
        let e = decrypt(&Plain::default(), &[edk(b"other", &[0])]).unwrap_err();
        assert!(e.to_string().ends_with("with the plain key"), "{e}");
    }
}
