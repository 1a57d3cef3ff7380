//! [`DataMasking`]: the entry point. Its builder and the parts both halves use are here; the
//! erase methods are in `erase.rs`, the encrypt and decrypt methods in `crypt.rs`.

mod batch;
mod bound;
mod crypt;
mod erase;
mod seal;

pub use bound::FIELD_BINDING_KEY;

use std::sync::Arc;

use serde_json::Value;

use crate::engine::Encryptor;
use crate::error::{Error, Result};
use crate::keys::Keyring;
use crate::path::{Fields, Targets};

/// Erases (and, with a keyring, encrypts and decrypts) sensitive fields.
///
/// Build it once per process and share it: it is `Send + Sync`, and `Clone` is cheap.
///
/// Fields are located on the input before anything is masked, and every located node is masked
/// exactly once (a node inside another located node is masked with it).
///
/// ```
/// use data_masking::{DataMasking, Mask};
/// use serde_json::json;
///
/// let masker = DataMasking::new();
/// let data = json!({"card_number": "1111 2222 3333 4444", "address": [{"street": "Main"}]});
/// let out = masker.erase(&data, &["card_number", "address[*].street"])?;
/// assert_eq!(out, json!({"card_number": "*****", "address": [{"street": "*****"}]}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DataMasking {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    raise_on_missing_field: bool,
    /// The engine that encrypts and decrypts; none: erase only.
    encryptor: Option<Encryptor>,
}

/// Builds a [`DataMasking`].
///
/// ```
/// use data_masking::DataMasking;
/// use serde_json::json;
///
/// let masker = DataMasking::builder().raise_on_missing_field(false).build();
/// let out = masker.erase(&json!({"a": 1}), &["missing"])?;
/// assert_eq!(out, json!({"a": 1}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DataMaskingBuilder {
    raise_on_missing_field: bool,
    encryptor: Option<Encryptor>,
}

impl Default for DataMaskingBuilder {
    fn default() -> Self {
        Self {
            raise_on_missing_field: true,
            encryptor: None,
        }
    }
}

impl DataMaskingBuilder {
    /// Whether a field that matches nothing is an error ([`Error::FieldNotFound`]), as
    /// Powertools' `raise_on_missing_field` (default `true`).
    ///
    /// ```
    /// use data_masking::DataMasking;
    /// use serde_json::json;
    /// let strict = DataMasking::new();
    /// assert_eq!(strict.erase(&json!({}), &["a"]).unwrap_err().kind(), "field-not-found");
    /// let lenient = DataMasking::builder().raise_on_missing_field(false).build();
    /// assert_eq!(lenient.erase(&json!({}), &["a"])?, json!({}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn raise_on_missing_field(mut self, raise: bool) -> Self {
        self.raise_on_missing_field = raise;
        self
    }

    /// Encrypts and decrypts with `encryptor` (Powertools' provider): its keyring, options and
    /// cache. Build it once; its clones share the cache.
    ///
    /// ```
    /// use data_masking::{AlgorithmSuite, DataMasking, Encryptor, keys::RawAesKeyring};
    /// let encryptor = Encryptor::builder(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .algorithm_suite(AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
    ///     .build()?;
    /// let masker = DataMasking::builder().encryptor(encryptor).build();
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn encryptor(mut self, encryptor: Encryptor) -> Self {
        self.encryptor = Some(encryptor);
        self
    }

    /// Encrypts and decrypts with `keyring` and the default options and cache (suite 0x0578,
    /// 4096-byte frames, Powertools' cache limits): [`encryptor`](Self::encryptor) with
    /// `Encryptor::new(keyring)`.
    ///
    /// ```
    /// use data_masking::{DataMasking, keys::RawAesKeyring};
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .build();
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn keyring(self, keyring: impl Keyring + 'static) -> Self {
        self.shared_keyring(Arc::new(keyring))
    }

    /// [`keyring`](Self::keyring) with a keyring shared with other owners.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use data_masking::{DataMasking, keys::{Keyring, RawAesKeyring}};
    /// let k: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "key", &[0u8; 32])?);
    /// let masker = DataMasking::builder().shared_keyring(k).build();
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn shared_keyring(self, keyring: Arc<dyn Keyring>) -> Self {
        self.encryptor(Encryptor::with_defaults(keyring))
    }

    /// The masker.
    ///
    /// ```
    /// use data_masking::DataMasking;
    /// let masker = DataMasking::builder().raise_on_missing_field(false).build();
    /// assert!(!masker.raise_on_missing_field());
    /// ```
    pub fn build(self) -> DataMasking {
        DataMasking {
            inner: Arc::new(Inner {
                raise_on_missing_field: self.raise_on_missing_field,
                encryptor: self.encryptor,
            }),
        }
    }
}

/// The result of [`DataMasking::erase_detailed`]: the masked value and the fields that matched
/// nothing.
///
/// ```
/// use data_masking::{DataMasking, Mask};
/// use serde_json::json;
///
/// let masker = DataMasking::builder().raise_on_missing_field(false).build();
/// let e = masker.erase_detailed(&json!({"a": "x"}), &["a", "b"], &Mask::Default)?;
/// assert_eq!(e.value, json!({"a": "*****"}));
/// assert_eq!(e.missing, ["b"]);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Erasure {
    /// The masked value.
    pub value: Value,
    /// The expressions (as written) that matched nothing.
    pub missing: Vec<String>,
}

impl Default for DataMasking {
    fn default() -> Self {
        Self::new()
    }
}

impl DataMasking {
    /// A masker for erasing, raising on missing fields.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::new();
    /// assert!(masker.raise_on_missing_field());
    /// ```
    pub fn new() -> Self {
        DataMaskingBuilder::default().build()
    }

    /// A builder for the options.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::builder().raise_on_missing_field(false).build();
    /// assert!(!masker.raise_on_missing_field());
    /// ```
    pub fn builder() -> DataMaskingBuilder {
        DataMaskingBuilder::default()
    }

    /// Whether a field that matches nothing is an error.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// assert!(DataMasking::new().raise_on_missing_field());
    /// ```
    pub fn raise_on_missing_field(&self) -> bool {
        self.inner.raise_on_missing_field
    }

    /// The engine, or the error of a masker built without one.
    /// The nodes `fields` locate on `value`, under the missing-field policy.
    fn targets(&self, value: &Value, fields: &Fields) -> Result<Targets> {
        let fields = fields.iter().map(|f| (f, 0));
        Targets::locate(value, fields, self.raise_on_missing_field()).map(|(targets, _)| targets)
    }

    fn engine(&self) -> Result<&Encryptor> {
        self.inner.encryptor.as_ref().ok_or_else(|| {
            Error::Config(
                "no keyring: build the DataMasking with .keyring(...) or .encryptor(...) to \
                 encrypt and decrypt"
                    .into(),
            )
        })
    }
}
