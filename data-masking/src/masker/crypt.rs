//! Encrypting and decrypting: [`DataMasking`]'s methods on whole values, located fields and
//! JSON text, each value one ESDK message made by the engine.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::DataMasking;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::json_text::spans::locate_spans;
use crate::json_text::{minify, not_json, validate_json};
use crate::path::{AsFields, Targets};

impl DataMasking {
    /// Encrypts the whole value into one message (its JSON text is the plaintext) bound to
    /// `context`, and returns the message in base64, as Powertools' `encrypt` does.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let ct = masker.encrypt(&json!({"card": "4111"}), &ctx).await?;
    /// assert_eq!(masker.decrypt(&ct, &ctx).await?, json!({"card": "4111"}));
    /// let err = masker.decrypt(&ct, &EncryptionContext::empty()).await.unwrap_err();
    /// assert_eq!(err.kind(), "context-mismatch");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt(&self, data: &Value, context: &EncryptionContext) -> Result<String> {
        let engine = self.engine()?;
        let plaintext = zeroize::Zeroizing::new(serde_json::to_vec(data)?);
        Ok(STANDARD.encode(engine.encrypt(&plaintext, context).await?))
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
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let ct = masker.encrypt_text("{ \"a\": [1, 2],\n \"b\": \"x y\" }", &ctx).await?;
    /// assert_eq!(masker.decrypt(&ct, &ctx).await?, json!({"a": [1, 2], "b": "x y"}));
    /// let err = masker.encrypt_text("{\"a\": }", &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "invalid-json");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_text(&self, text: &str, context: &EncryptionContext) -> Result<String> {
        let engine = self.engine()?;
        validate_json(text)?;
        let plaintext = zeroize::Zeroizing::new(minify(text));
        let message = engine.encrypt(&plaintext, context).await?;
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
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
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

    /// Each value's JSON text encrypted into its own message bound to its context, in base64,
    /// through the engine's one batching call.
    pub(crate) async fn encrypt_values(
        &self,
        items: &[(&Value, &EncryptionContext)],
    ) -> Result<Vec<String>> {
        let engine = self.engine()?;
        let plaintexts = items
            .iter()
            .map(|(v, ctx)| Ok((zeroize::Zeroizing::new(serde_json::to_vec(v)?), *ctx)))
            .collect::<Result<Vec<_>>>()?;
        let messages = engine.encrypt_batch(&plaintexts).await?;
        Ok(messages.iter().map(|m| STANDARD.encode(m)).collect())
    }

    /// Encrypts bytes into one message, returned as raw message bytes (not base64).
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
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
        self.engine()?.encrypt(plaintext, context).await
    }

    /// Decrypts raw message bytes; fails with [`Error::ContextMismatch`] unless `context` equals
    /// the message's.
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
    /// assert_eq!(masker.decrypt_bytes(b"junk", &EncryptionContext::empty()).await.unwrap_err().kind(), "decrypt-value");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_bytes(
        &self,
        message: &[u8],
        context: &EncryptionContext,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let plaintext = self.engine()?.decrypt(message, context).await?;
        Ok(zeroize::Zeroizing::new(plaintext))
    }

    /// Decrypts a base64 message made by [`encrypt`](Self::encrypt) (or by Powertools Python)
    /// back into its value. Nothing is returned unless the message is authentic and `context`
    /// equals the one bound to it.
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
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
        let engine = self.engine()?;
        let message = STANDARD
            .decode(ciphertext.trim())
            .map_err(|_| Error::DecryptValue("the ciphertext is not base64".into()))?;
        Ok(zeroize::Zeroizing::new(
            engine.decrypt(&message, context).await?,
        ))
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
    ///     .build();
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
        self.engine()?;
        let fields = fields.as_fields()?;
        let mut value = data.clone();
        let targets = self.targets(&value, &fields)?;
        let mut nodes = Vec::new();
        targets.collect(&value, &mut nodes);
        let items: Vec<_> = nodes.iter().map(|(node, _)| (*node, context)).collect();
        let messages = self.encrypt_values(&items).await?;
        targets.replace(&mut value, messages.into_iter().map(Value::String));
        Ok(value)
    }

    /// Decrypts each located node (a base64 message made by [`encrypt_fields`](Self::encrypt_fields))
    /// back into its value. A located node that is not a string is a [`Error::DecryptValue`].
    ///
    /// ```
    /// # use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
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
        self.engine()?;
        let fields = fields.as_fields()?;
        let mut value = data.clone();
        let targets = self.targets(&value, &fields)?;
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
        targets.replace(value, plain);
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
    ///     .build();
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
        // A batch of one row: the batch's outer error, or the row's.
        let mut out = self.encrypt_json_batch(&[(text, context)], fields).await?;
        out.pop()
            .unwrap_or_else(|| Err(Error::Config("a batch of one row gave no row".into())))
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
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
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
        self.engine()?;
        let fields = fields.as_fields()?;
        let Some(located) = locate_spans(text, &fields, self.inner.raise_on_missing_field) else {
            let value: Value = serde_json::from_str(text)?;
            let out = self.decrypt_fields(&value, &*fields, context).await?;
            return Ok(serde_json::to_string(&out)?);
        };
        let spans = located?;
        let mut plain = Vec::with_capacity(spans.ranges.len());
        for raw in spans.texts(text) {
            // A base64 string has no escapes: it is borrowed from the text, no `Value` built.
            let ciphertext: std::borrow::Cow<'_, str> = if raw.starts_with('"') {
                serde_json::from_str(raw)?
            } else {
                return Err(not_a_ciphertext(&serde_json::from_str(raw)?));
            };
            plain.push(zeroize::Zeroizing::new(
                self.decrypt_text(&ciphertext, context).await?,
            ));
        }
        spans.splice(text, 0, |i, _, out| {
            out.push_str(&plain[i]);
            Ok(())
        })
    }
}

/// The text of a located node that should hold a base64 message.
fn ciphertext_of(node: &Value) -> Result<&str> {
    node.as_str().ok_or_else(|| not_a_ciphertext(node))
}

/// The error of a located node that is not a string.
fn not_a_ciphertext(node: &Value) -> Error {
    Error::DecryptValue(format!(
        "a field to decrypt holds {}, not a ciphertext string",
        crate::erase::type_name(node)
    ))
}
