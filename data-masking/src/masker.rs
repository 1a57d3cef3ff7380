//! [`DataMasking`]: the entry point.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::cache::{CacheLimits, Clock};
use crate::encryption_context::EncryptionContext;
use crate::envelope::{Envelope, Settings};
use crate::erase::{Apply, Mask, Rules, Targets};
use crate::error::{Error, Result};
use crate::keys::Keyring;
use crate::message::format::MessageIds;
use crate::message::{AlgorithmSuite, CommitmentPolicy};
use crate::path::{AsFields, Field};

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
    envelope: Option<Envelope>,
    /// Why the encryption options given to `build` could not be used.
    config_error: Option<String>,
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
    keyring: Option<Arc<dyn Keyring>>,
    settings: Settings,
}

impl Default for DataMaskingBuilder {
    fn default() -> Self {
        Self {
            raise_on_missing_field: true,
            keyring: None,
            settings: Settings::default(),
        }
    }
}

impl DataMaskingBuilder {
    /// Whether a field that matches nothing is an error (the default, `true`), or is only
    /// reported by [`DataMasking::erase_detailed`] (`false`).
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::builder().raise_on_missing_field(true).build();
    /// assert!(masker.raise_on_missing_field());
    /// ```
    pub fn raise_on_missing_field(mut self, raise: bool) -> Self {
        self.raise_on_missing_field = raise;
        self
    }

    /// The keyring that makes and wraps data keys; needed to encrypt and decrypt.
    ///
    /// ```
    /// use data_masking::{DataMasking, keys::RawAesKeyring};
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .try_build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn keyring(mut self, keyring: impl Keyring + 'static) -> Self {
        self.keyring = Some(Arc::new(keyring));
        self
    }

    /// A shared keyring.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use data_masking::{DataMasking, keys::{Keyring, RawAesKeyring}};
    /// let k: Arc<dyn Keyring> = Arc::new(RawAesKeyring::new("ns", "key", &[0u8; 32])?);
    /// let masker = DataMasking::builder().shared_keyring(k).try_build()?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn shared_keyring(mut self, keyring: Arc<dyn Keyring>) -> Self {
        self.keyring = Some(keyring);
        self
    }

    crate::envelope::settings_setters!(
        "# use data_masking::DataMasking;",
        "DataMasking::builder()\n    .keyring(RawAesKeyring::new(\"ns\", \"key\", &[0u8; 32])?)",
        ".try_build()?"
    );

    /// The configured [`DataMasking`]; errors when the encryption options are not usable
    /// (a legacy suite, a zero frame length, zero cache limits).
    ///
    /// ```
    /// # use data_masking::{AlgorithmSuite, DataMasking, keys::RawAesKeyring};
    /// let err = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[0u8; 32])?)
    ///     .algorithm_suite(AlgorithmSuite::from_id(0x0178)?)
    ///     .try_build()
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), "config");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn try_build(self) -> Result<DataMasking> {
        let envelope = match self.keyring {
            Some(k) => Some(self.settings.build(k)?),
            None => None,
        };
        Ok(DataMasking {
            inner: Arc::new(Inner {
                raise_on_missing_field: self.raise_on_missing_field,
                envelope,
                config_error: None,
            }),
        })
    }

    /// The configured [`DataMasking`]. Prefer [`try_build`](Self::try_build) with a keyring: it
    /// reports unusable encryption options at once, where here every encrypt and decrypt returns
    /// that error instead.
    ///
    /// ```
    /// # use data_masking::DataMasking;
    /// let masker = DataMasking::builder().build();
    /// ```
    pub fn build(self) -> DataMasking {
        let raise = self.raise_on_missing_field;
        self.try_build().unwrap_or_else(|e| DataMasking {
            inner: Arc::new(Inner {
                raise_on_missing_field: raise,
                envelope: None,
                config_error: Some(e.to_string()),
            }),
        })
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

    /// Masks the selected fields with the default mask `"*****"`.
    ///
    /// ```
    /// use data_masking::DataMasking;
    /// use serde_json::json;
    /// let out = DataMasking::new().erase(&json!({"tags": ["a", "b"], "n": 1}), &["tags"])?;
    /// assert_eq!(out, json!({"tags": ["*****", "*****"], "n": 1}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase<F: AsFields + ?Sized>(&self, data: &Value, fields: &F) -> Result<Value> {
        self.erase_with(data, fields, &Mask::Default)
    }

    /// Masks the selected fields with `mask`.
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask};
    /// use serde_json::json;
    /// let out = DataMasking::new().erase_with(&json!({"e": "a.b@c.de"}), &["e"], &Mask::Dynamic)?;
    /// assert_eq!(out, json!({"e": "*.***.**"}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_with<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        mask: &Mask,
    ) -> Result<Value> {
        Ok(self.erase_detailed(data, fields, mask)?.value)
    }

    /// Masks the selected fields, and also says which fields matched nothing (with
    /// `raise_on_missing_field(true)`, the default, a missing field is an error instead).
    ///
    /// ```
    /// use data_masking::{DataMasking, Error, Mask};
    /// use serde_json::json;
    /// let err = DataMasking::new().erase_detailed(&json!({}), &["a"], &Mask::Default).unwrap_err();
    /// assert_eq!(err.to_string(), "field or expression a not found");
    /// ```
    pub fn erase_detailed<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        mask: &Mask,
    ) -> Result<Erasure> {
        let fields = fields.as_fields()?;
        let mut value = data.clone();
        let missing = self.erase_in_place(&mut value, &*fields, mask)?;
        Ok(Erasure { value, missing })
    }

    /// Masks the selected fields in place and returns the fields that matched nothing. The value
    /// is left untouched when an error is returned.
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask};
    /// use serde_json::json;
    /// let mut data = json!({"ssn": "123-45-6789"});
    /// DataMasking::new().erase_in_place(&mut data, &["ssn"], &Mask::Dynamic)?;
    /// assert_eq!(data, json!({"ssn": "***-**-****"}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_in_place<F: AsFields + ?Sized>(
        &self,
        data: &mut Value,
        fields: &F,
        mask: &Mask,
    ) -> Result<Vec<String>> {
        let fields = fields.as_fields()?;
        let (targets, missing) = self.locate(data, fields.iter().map(|f| (f, 0)))?;
        targets.in_place(data, Apply::Fields(mask));
        Ok(missing)
    }

    /// Masks the whole value (Powertools' `erase` without `fields`).
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask};
    /// use serde_json::json;
    /// let masker = DataMasking::new();
    /// assert_eq!(masker.erase_all(&json!({"a": 1}), &Mask::Default), json!("*****"));
    /// assert_eq!(masker.erase_all(&json!({"a": 1}), &Mask::Dynamic), json!({"a": "*"}));
    /// ```
    pub fn erase_all(&self, data: &Value, mask: &Mask) -> Value {
        mask.apply(data)
    }

    /// Masks by per-path rules (Powertools' `masking_rules`). An empty rule set masks the whole
    /// value with the default mask, as Powertools does.
    ///
    /// ```
    /// use data_masking::{DataMasking, Rules};
    /// use serde_json::json;
    /// let rules = Rules::from_json(&json!({"a.b": {"custom_mask": "XX"}, "c": {}}))?;
    /// let out = DataMasking::new().erase_by_rules(&json!({"a": {"b": "secret"}, "c": [1]}), &rules)?;
    /// assert_eq!(out, json!({"a": {"b": "XX"}, "c": "*****"}));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_by_rules(&self, data: &Value, rules: &Rules) -> Result<Value> {
        Ok(self.erase_by_rules_detailed(data, rules)?.value)
    }

    /// [`erase_by_rules`](Self::erase_by_rules), also reporting the rule paths that matched
    /// nothing.
    ///
    /// ```
    /// use data_masking::{DataMasking, Mask, Rules};
    /// use serde_json::json;
    /// let masker = DataMasking::builder().raise_on_missing_field(false).build();
    /// let rules = Rules::new().rule("x", Mask::Default)?;
    /// assert_eq!(masker.erase_by_rules_detailed(&json!({}), &rules)?.missing, ["x"]);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_by_rules_detailed(&self, data: &Value, rules: &Rules) -> Result<Erasure> {
        if rules.is_empty() {
            return Ok(Erasure {
                value: Mask::Default.apply(data),
                missing: Vec::new(),
            });
        }
        let mut value = data.clone();
        let (targets, missing) =
            self.locate(&value, rules.iter().enumerate().map(|(i, (f, _))| (f, i)))?;
        targets.in_place(&mut value, Apply::Rules(rules));
        Ok(Erasure { value, missing })
    }

    /// Masks the selected fields of JSON text and returns JSON text.
    ///
    /// When every field is a simple query (names, indices and `*`), the text is not turned into
    /// a `Value`: only the selected values are parsed and rewritten, and the rest of the text,
    /// its formatting included, is kept as it is. Otherwise the document is parsed, masked and
    /// written back compactly. Either way the whole text must be valid JSON.
    ///
    /// ```
    /// use data_masking::{DataMasking, Error, Mask};
    /// let masker = DataMasking::new();
    /// let out = masker.erase_json(r#"{"a": "x", "b": 2}"#, &["a"], &Mask::Default)?;
    /// assert_eq!(out, r#"{"a": "*****", "b": 2}"#);
    /// let out = masker.erase_json(r#"{"a": "x", "b": 2}"#, &["$..a"], &Mask::Default)?;
    /// assert_eq!(out, r#"{"a":"*****","b":2}"#);
    /// let err = masker.erase_json("{not json", &["a"], &Mask::Default).unwrap_err();
    /// assert!(matches!(err, Error::InvalidJson { line: 1, column: 2, .. }));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn erase_json<F: AsFields + ?Sized>(
        &self,
        text: &str,
        fields: &F,
        mask: &Mask,
    ) -> Result<String> {
        let fields = fields.as_fields()?;
        if let Some(done) =
            crate::span::erase_text(text, &fields, mask, self.inner.raise_on_missing_field)
        {
            return done.map(|(text, _)| text);
        }
        let mut value: Value = serde_json::from_str(text).map_err(|e| Error::invalid_json(&e))?;
        self.erase_in_place(&mut value, &*fields, mask)?;
        serde_json::to_string(&value).map_err(|e| Error::invalid_json(&e))
    }

    fn envelope(&self) -> Result<&Envelope> {
        if let Some(e) = &self.inner.config_error {
            return Err(Error::Config(e.clone()));
        }
        self.inner.envelope.as_ref().ok_or_else(|| {
            Error::Config(
                "no keyring: build the DataMasking with .keyring(...) to encrypt and decrypt"
                    .into(),
            )
        })
    }

    /// Encrypts the whole value into one message (its JSON text is the plaintext) bound to
    /// `context`, and returns the message in base64, as Powertools' `encrypt` does.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .try_build()?;
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let ct = masker.encrypt(&json!({"card": "4111"}), &ctx).await?;
    /// assert_eq!(masker.decrypt(&ct, &ctx).await?, json!({"card": "4111"}));
    /// let err = masker.decrypt(&ct, &EncryptionContext::empty()).await.unwrap_err();
    /// assert_eq!(err.kind(), "context-mismatch");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt(&self, data: &Value, context: &EncryptionContext) -> Result<String> {
        self.encrypt_node(data, context, &mut MessageIds::new(1))
            .await
    }

    /// Encrypts a JSON text whole into one message bound to `context`, as
    /// [`encrypt`](Self::encrypt) does a `Value`, without building one: the text is validated in
    /// one pass and its whitespace outside strings removed; that compact text is the plaintext.
    /// Its numbers and string escapes are kept as written, so the bytes may differ from
    /// `encrypt`'s, never the value that [`decrypt`](Self::decrypt) (or Powertools) reads back.
    /// Memory stays near three times the text's size, against many times for a parsed `Value`.
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let ct = masker.encrypt_text("{ \"a\": [1, 2],\n \"b\": \"x y\" }", &ctx).await?;
    /// assert_eq!(masker.decrypt(&ct, &ctx).await?, json!({"a": [1, 2], "b": "x y"}));
    /// let err = masker.encrypt_text("{\"a\": }", &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "invalid-json");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_text(&self, text: &str, context: &EncryptionContext) -> Result<String> {
        let envelope = self.envelope()?;
        validate_json(text)?;
        let plaintext = zeroize::Zeroizing::new(minify(text));
        let message = envelope.encrypt(&plaintext, context).await?;
        drop(plaintext);
        Ok(STANDARD.encode(message))
    }

    /// Decrypts a base64 message (made by [`encrypt`](Self::encrypt),
    /// [`encrypt_text`](Self::encrypt_text) or Powertools) into its JSON text, compact (no
    /// whitespace outside strings), without building a `Value`. The plaintext must be a JSON
    /// text, as [`decrypt`](Self::decrypt) requires; numbers and escapes are kept as written.
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// let ctx = EncryptionContext::empty();
    /// let ct = masker.encrypt(&json!({"a": [1, 2]}), &ctx).await?;
    /// assert_eq!(masker.decrypt_text(&ct, &ctx).await?, r#"{"a":[1,2]}"#);
    /// let ct = masker.encrypt_text("{ \"b\" : 1.50 }", &ctx).await?;
    /// assert_eq!(masker.decrypt_text(&ct, &ctx).await?, r#"{"b":1.50}"#);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_text(
        &self,
        ciphertext: &str,
        context: &EncryptionContext,
    ) -> Result<String> {
        let plaintext = self.decrypt_base64(ciphertext, context).await?;
        let text = std::str::from_utf8(&plaintext).map_err(|_| not_json())?;
        validate_json(text).map_err(|_| not_json())?;
        // Whitespace is ASCII: what is left is still UTF-8.
        String::from_utf8(minify(text)).map_err(|_| not_json())
    }

    /// [`encrypt`](Self::encrypt) with the next id of `ids`, for callers that make many
    /// messages (each under its own context) and draw their ids together.
    pub(crate) async fn encrypt_node(
        &self,
        data: &Value,
        context: &EncryptionContext,
        ids: &mut MessageIds,
    ) -> Result<String> {
        let envelope = self.envelope()?;
        let plaintext = zeroize::Zeroizing::new(serde_json::to_vec(data)?);
        let message = envelope.encrypt_with(&plaintext, context, ids).await?;
        Ok(STANDARD.encode(message))
    }

    /// Encrypts bytes into one message, returned as raw message bytes (not base64).
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// let ctx = EncryptionContext::empty();
    /// let msg = masker.encrypt_bytes(b"raw", &ctx).await?;
    /// assert_eq!(&masker.decrypt_bytes(&msg, &ctx).await?[..], b"raw");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_bytes(
        &self,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Vec<u8>> {
        self.envelope()?.encrypt(plaintext, context).await
    }

    /// Decrypts raw message bytes; fails with [`Error::ContextMismatch`] unless `context` equals
    /// the message's.
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// assert_eq!(masker.decrypt_bytes(b"junk", &EncryptionContext::empty()).await.unwrap_err().kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_bytes(
        &self,
        message: &[u8],
        context: &EncryptionContext,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        self.envelope()?.decrypt(message, context).await
    }

    /// Decrypts a base64 message made by [`encrypt`](Self::encrypt) (or by Powertools Python)
    /// back into its value. Nothing is returned unless the message is authentic and `context`
    /// equals the one bound to it.
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// let err = masker.decrypt("not base64!", &EncryptionContext::empty()).await.unwrap_err();
    /// assert_eq!(err.kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt(&self, ciphertext: &str, context: &EncryptionContext) -> Result<Value> {
        let plaintext = self.decrypt_base64(ciphertext, context).await?;
        serde_json::from_slice(&plaintext).map_err(|_| not_json())
    }

    /// The plaintext of a base64 message.
    async fn decrypt_base64(
        &self,
        ciphertext: &str,
        context: &EncryptionContext,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let envelope = self.envelope()?;
        let message = STANDARD
            .decode(ciphertext.trim())
            .map_err(|_| Error::DecryptValue("the ciphertext is not base64".into()))?;
        envelope.decrypt(&message, context).await
    }

    /// Encrypts each located node into its own message (a list or object node as one message),
    /// replacing it with the base64 text; the Powertools v2 `fields` behaviour. Missing fields
    /// follow `raise_on_missing_field`.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .try_build()?;
    /// let ctx = EncryptionContext::new([("purpose", "billing")])?;
    /// let data = json!({"name": "Jo", "card": "4111", "address": {"street": "Main"}});
    /// let enc = masker.encrypt_fields(&data, &["card", "address"], &ctx).await?;
    /// assert!(enc["card"].is_string() && enc["address"].is_string());
    /// assert_eq!(enc["name"], "Jo");
    /// assert_eq!(masker.decrypt_fields(&enc, &["card", "address"], &ctx).await?, data);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_fields<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        context: &EncryptionContext,
    ) -> Result<Value> {
        let envelope = self.envelope()?;
        let fields = fields.as_fields()?;
        let mut value = data.clone();
        let (targets, _) = self.locate(&value, fields.iter().map(|f| (f, 0)))?;
        let mut plaintexts = Vec::new();
        targets.collect(&value, &mut plaintexts);
        let plaintexts = plaintexts
            .iter()
            .map(|(node, _)| serde_json::to_vec(node).map(zeroize::Zeroizing::new))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let messages = envelope.encrypt_each(&plaintexts, context).await?;
        let mut replacements = messages
            .into_iter()
            .map(|m| Value::String(STANDARD.encode(m)));
        targets.replace(&mut value, &mut replacements);
        Ok(value)
    }

    /// Decrypts each located node (a base64 message made by [`encrypt_fields`](Self::encrypt_fields))
    /// back into its value. A located node that is not a string is a [`Error::DecryptValue`].
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// let err = masker.decrypt_fields(&json!({"a": 1}), &["a"], &EncryptionContext::empty()).await.unwrap_err();
    /// assert_eq!(err.kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_fields<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        context: &EncryptionContext,
    ) -> Result<Value> {
        self.envelope()?;
        let fields = fields.as_fields()?;
        let mut value = data.clone();
        let (targets, _) = self.locate(&value, fields.iter().map(|f| (f, 0)))?;
        self.decrypt_targets(&mut value, &targets, |_| Ok(context.clone()))
            .await?;
        Ok(value)
    }

    /// Decrypts each target of `value` (a ciphertext string) under the context `context_of`
    /// gives for its tag, and puts the values in their places.
    pub(crate) async fn decrypt_targets(
        &self,
        value: &mut Value,
        targets: &Targets,
        context_of: impl Fn(usize) -> Result<EncryptionContext>,
    ) -> Result<()> {
        let mut plain = Vec::new();
        {
            let mut nodes = Vec::new();
            targets.collect(value, &mut nodes);
            plain.reserve(nodes.len());
            for (node, tag) in nodes {
                plain.push(
                    self.decrypt(ciphertext_of(node)?, &context_of(tag)?)
                        .await?,
                );
            }
        }
        targets.replace(value, &mut plain.into_iter());
        Ok(())
    }

    /// Encrypts the selected fields of a JSON text, as [`encrypt_fields`](Self::encrypt_fields)
    /// does on a `Value`, and returns the text with each selected value replaced by its base64
    /// message in a JSON string.
    ///
    /// When every field is a simple query (names, indices, `*`), no `Value` of the document is
    /// built: the text is validated in one pass, only the selected values are parsed, and the
    /// rest is copied as it is, formatting and key order included. Other queries parse the text,
    /// and the output is compact. Either way each message's plaintext is the value's compact
    /// JSON, so [`decrypt_fields`](Self::decrypt_fields), [`decrypt_json`](Self::decrypt_json)
    /// and Powertools read it.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// use serde_json::{Value, json};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .try_build()?;
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let text = r#"{"name": "Jo", "card": "4111"}"#;
    /// let enc = masker.encrypt_json(text, &["card"], &ctx).await?;
    /// assert!(enc.starts_with(r#"{"name": "Jo", "card": ""#));
    /// let value: Value = serde_json::from_str(&enc).unwrap();
    /// let plain = masker.decrypt_fields(&value, &["card"], &ctx).await?;
    /// assert_eq!(plain, json!({"name": "Jo", "card": "4111"}));
    /// assert_eq!(masker.decrypt_json(&enc, &["card"], &ctx).await?, text);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_json<F: AsFields + ?Sized>(
        &self,
        text: &str,
        fields: &F,
        context: &EncryptionContext,
    ) -> Result<String> {
        let envelope = self.envelope()?;
        let fields = fields.as_fields()?;
        let Some(located) =
            crate::span::locate_spans(text, &fields, self.inner.raise_on_missing_field)
        else {
            let value: Value = serde_json::from_str(text)?;
            let out = self.encrypt_fields(&value, &*fields, context).await?;
            return Ok(serde_json::to_string(&out)?);
        };
        let spans = located?;
        let plaintexts = spans
            .texts(text)
            .map(compact_json)
            .collect::<Result<Vec<_>>>()?;
        let messages = envelope.encrypt_each(&plaintexts, context).await?;
        drop(plaintexts);
        // A 0x0478 message of a short value is about 250 bytes of base64.
        spans.splice(text, messages.len() * 256, |i, _, out| {
            out.push('"');
            STANDARD.encode_string(&messages[i], out);
            out.push('"');
            Ok(())
        })
    }

    /// Decrypts the selected fields of a JSON text (base64 messages in JSON strings, made by
    /// [`encrypt_json`](Self::encrypt_json), [`encrypt_fields`](Self::encrypt_fields) or
    /// Powertools), and returns the text with each replaced by its plaintext JSON, compact (as
    /// [`decrypt_text`](Self::decrypt_text) gives it).
    ///
    /// Simple queries (names, indices, `*`) rewrite only the selected spans and copy the rest as
    /// it is; other queries parse the text, and the output is compact. A selected value that is
    /// not a string is an [`Error::DecryptValue`], as in [`decrypt_fields`](Self::decrypt_fields).
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).try_build()?;
    /// let ctx = EncryptionContext::empty();
    /// let enc = masker.encrypt_json(r#"{"a": {"b": [1, 2]}}"#, &["a"], &ctx).await?;
    /// assert_eq!(masker.decrypt_json(&enc, &["a"], &ctx).await?, r#"{"a": {"b":[1,2]}}"#);
    /// let err = masker.decrypt_json(r#"{"a": 1}"#, &["a"], &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_json<F: AsFields + ?Sized>(
        &self,
        text: &str,
        fields: &F,
        context: &EncryptionContext,
    ) -> Result<String> {
        self.envelope()?;
        let fields = fields.as_fields()?;
        let Some(located) =
            crate::span::locate_spans(text, &fields, self.inner.raise_on_missing_field)
        else {
            let value: Value = serde_json::from_str(text)?;
            let out = self.decrypt_fields(&value, &*fields, context).await?;
            return Ok(serde_json::to_string(&out)?);
        };
        let spans = located?;
        let mut plain = Vec::with_capacity(spans.ranges.len());
        for raw in spans.texts(text) {
            let node: Value = serde_json::from_str(raw)?;
            plain.push(zeroize::Zeroizing::new(
                self.decrypt_text(ciphertext_of(&node)?, context).await?,
            ));
        }
        spans.splice(text, 0, |i, _, out| {
            out.push_str(&plain[i]);
            Ok(())
        })
    }

    /// Locates every field on the unmodified input; each node keeps the lowest tag of the
    /// fields that locate it.
    pub(crate) fn locate<'f>(
        &self,
        data: &Value,
        fields: impl Iterator<Item = (&'f Field, usize)>,
    ) -> Result<(Targets, Vec<String>)> {
        let mut found = Vec::new();
        let mut addrs = Vec::new();
        let mut missing = Vec::new();
        for (field, tag) in fields {
            addrs.clear();
            if field.locate_into(data, &mut addrs) == 0 {
                if self.inner.raise_on_missing_field {
                    return Err(Error::FieldNotFound {
                        field: field.as_str().to_owned(),
                    });
                }
                missing.push(field.as_str().to_owned());
            }
            found.extend(addrs.iter().map(|&a| (a, tag)));
        }
        Ok((Targets::new(found), missing))
    }
}

/// The text of a located node that should hold a base64 message.
fn ciphertext_of(node: &Value) -> Result<&str> {
    node.as_str().ok_or_else(|| {
        Error::DecryptValue(format!(
            "a field to decrypt holds {}, not a ciphertext string",
            crate::erase::type_name(node)
        ))
    })
}

/// The error for a plaintext that is not a JSON text.
fn not_json() -> Error {
    Error::DecryptValue("the decrypted plaintext is not JSON".into())
}

/// Checks that `text` is one JSON text, without building anything.
fn validate_json(text: &str) -> serde_json::Result<()> {
    let mut d = serde_json::Deserializer::from_str(text);
    <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut d)?;
    d.end()
}

/// The compact JSON text of one valid JSON value, as `serde_json::to_vec` of its `Value` writes
/// it. A string without escapes is already compact (valid JSON strings hold no raw control
/// characters), so it is copied as it is.
fn compact_json(raw: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if raw.len() >= 2 && raw.starts_with('"') && !raw.contains('\\') {
        return Ok(zeroize::Zeroizing::new(raw.as_bytes().to_vec()));
    }
    let node: Value = serde_json::from_str(raw)?;
    Ok(zeroize::Zeroizing::new(serde_json::to_vec(&node)?))
}

/// A valid JSON text without its whitespace outside strings. Runs between the bytes that matter
/// (whitespace and quotes outside strings; quotes and backslashes inside) are copied whole. JSON
/// whitespace is ASCII, so UTF-8 sequences are never split.
fn minify(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(rest) = b.get(i..).filter(|r| !r.is_empty()) {
        let run = rest
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"'))
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..run]);
        i += run;
        match b.get(i) {
            Some(b'"') => {
                // A string: copy it through its closing quote.
                let start = i;
                i += 1;
                while let Some(p) = b
                    .get(i..)
                    .and_then(|r| r.iter().position(|c| matches!(c, b'"' | b'\\')))
                {
                    i += p;
                    if b.get(i) == Some(&b'"') {
                        i += 1;
                        break;
                    }
                    i += 2;
                }
                let end = i.min(b.len());
                out.extend_from_slice(b.get(start..end).unwrap_or_default());
                i = end;
            }
            Some(_) => i += 1,
            None => {}
        }
    }
    out
}
