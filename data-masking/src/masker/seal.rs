//! Sealing: [`DataMasking`]'s `seal` and `unseal`, one message per record (the record's layout
//! and its checks are in `crate::seal`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::DataMasking;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::seal::{
    Layout, SEAL_CONTEXT_KEY, SEAL_VERSION, Seal, open, prepare, prepare_text, restore,
};

impl DataMasking {
    /// Seals a record (a JSON object): the nodes `seal` encrypts leave it for a placeholder
    /// naming their location (`{"__encrypted": "$['orders'][1]['card']"}`); the nodes it signs
    /// stay, and their digests are taken; both go into one message, bound to `context`, the
    /// pairs `seal` binds from the record's own fields, and [`SEAL_CONTEXT_KEY`], which is
    /// stored in the record's member [`Seal::member`] (base64). The rest of the record is
    /// left as it is, and is not protected.
    ///
    /// A field to encrypt that locates nothing follows `raise_on_missing_field`. A record that
    /// already holds the member, or any object with a member named
    /// [`PLACEHOLDER_KEY`](crate::PLACEHOLDER_KEY), is refused ([`Error::UnsupportedType`]).
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Seal, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let seal = Seal::builder()
    ///     .encrypt(["orders[*].card"])
    ///     .sign(["total"])
    ///     .bind("order_id", "id")
    ///     .build()?;
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let record = json!({"id": "o-1", "total": 30, "orders": [{"card": "4111"}, {"card": "5500"}]});
    ///
    /// let sealed = masker.seal(&record, &seal, &ctx).await?;
    /// assert_eq!(sealed["orders"][1]["card"], json!({"__encrypted": "$['orders'][1]['card']"}));
    /// assert_eq!(sealed["total"], 30);
    /// assert_eq!(masker.unseal(&sealed, &seal, &ctx).await?, record);
    ///
    /// let mut edited = sealed.clone();
    /// edited["total"] = json!(3);
    /// let err = masker.unseal(&edited, &seal, &ctx).await.unwrap_err();
    /// assert_eq!(err.to_string(), "record tampered at $['total']: a signed value was changed");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn seal(
        &self,
        record: &Value,
        seal: &Seal,
        context: &EncryptionContext,
    ) -> Result<Value> {
        self.seal_with(record, seal, context, self.raise_on_missing_field())
            .await
    }

    /// [`seal`](Self::seal), with `raise_on_missing` in place of the masker's
    /// `raise_on_missing_field`.
    pub(crate) async fn seal_with(
        &self,
        record: &Value,
        seal: &Seal,
        context: &EncryptionContext,
        raise_on_missing: bool,
    ) -> Result<Value> {
        let engine = self.engine()?;
        let prepared = prepare(record, seal, raise_on_missing)?;
        let context = seal_context(context, &prepared.bound)?;
        let message = engine.encrypt(&prepared.plaintext, &context).await?;
        drop(prepared.plaintext);
        let mut rest = prepared.rest;
        rest.insert(seal.member.clone(), Value::String(STANDARD.encode(message)));
        Ok(Value::Object(rest))
    }

    /// Unseals a record sealed with the same `seal` and `context`: decrypts its one message,
    /// checks every placeholder, entry and signed value against it, and only then puts the
    /// encrypted values back. Any disagreement is [`Error::RecordTampered`], naming the
    /// location and what happened there; a bound field with another value, or another
    /// `context`, is [`Error::ContextMismatch`]; a record sealed with other fields is
    /// [`Error::Config`].
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Seal, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
    /// let seal = Seal::builder().encrypt(["a", "b"]).build()?;
    /// let ctx = EncryptionContext::empty();
    /// let sealed = masker.seal(&json!({"a": 1, "b": 2}), &seal, &ctx).await?;
    ///
    /// // Swapping two placeholders is seen.
    /// let mut swapped = sealed.clone();
    /// swapped["a"] = sealed["b"].clone();
    /// swapped["b"] = sealed["a"].clone();
    /// let err = masker.unseal(&swapped, &seal, &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "record-tampered");
    /// assert_eq!(err.to_string(), "record tampered at $['a']: a placeholder was moved here: it names $['b']");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn unseal(
        &self,
        sealed: &Value,
        seal: &Seal,
        context: &EncryptionContext,
    ) -> Result<Value> {
        let engine = self.engine()?;
        let opened = open(sealed, seal)?;
        let context = seal_context(context, &opened.bound)?;
        let message = STANDARD
            .decode(opened.message.trim())
            .map_err(|_| Error::DecryptValue("the sealed message is not base64".into()))?;
        let plaintext = zeroize::Zeroizing::new(engine.decrypt(&message, &context).await?);
        let layout = Layout::decode(&plaintext)?;
        drop(plaintext);
        restore(sealed, &seal.member, layout, seal)
    }

    /// [`seal`](Self::seal) of a JSON text, giving the sealed record's JSON text. When every
    /// field is a simple query (names, indices, `*`), no field to sign or bind lies inside or
    /// around a field to encrypt, and the text holds no `\u` escape and no string equal to the
    /// member or `__encrypted`, no `Value` of the text is built: one pass finds the values, the
    /// placeholders are spliced in and the rest of the text is copied as it is, formatting
    /// included. Otherwise the text is parsed and sealed as a `Value` (output compact). Either
    /// way [`unseal`](Self::unseal) reads the same record back.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Seal, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
    /// let seal = Seal::builder().encrypt(["card"]).sign(["n"]).build()?;
    /// let ctx = EncryptionContext::empty();
    /// let sealed = masker.seal_json(r#"{"n": 1, "card": "4111"}"#, &seal, &ctx).await?;
    /// assert!(sealed.starts_with(r#"{"n": 1, "card": {"__encrypted":"$['card']"},"__sealed":""#));
    /// let back = masker.unseal_json(&sealed, &seal, &ctx).await?;
    /// assert_eq!(serde_json::from_str::<serde_json::Value>(&back)?, json!({"n": 1, "card": "4111"}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn seal_json(
        &self,
        text: &str,
        seal: &Seal,
        context: &EncryptionContext,
    ) -> Result<String> {
        let engine = self.engine()?;
        let Some(prepared) = prepare_text(text, seal, self.raise_on_missing_field()) else {
            let record: Value = serde_json::from_str(text)?;
            let sealed = self.seal(&record, seal, context).await?;
            return Ok(serde_json::to_string(&sealed)?);
        };
        let prepared = prepared?;
        let context = seal_context(context, &prepared.bound)?;
        let message = engine.encrypt(&prepared.plaintext, &context).await?;
        prepared.finish(&seal.member_json, &message)
    }

    /// [`unseal`](Self::unseal) of a sealed record's JSON text, giving the record's compact
    /// JSON text.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Seal, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
    /// let seal = Seal::builder().encrypt(["a"]).build()?;
    /// let ctx = EncryptionContext::empty();
    /// let sealed = masker.seal_json(r#"{"a": [1, 2]}"#, &seal, &ctx).await?;
    /// let tampered = sealed.replace("$['a']", "$['b']");
    /// let err = masker.unseal_json(&tampered, &seal, &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "record-tampered");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn unseal_json(
        &self,
        text: &str,
        seal: &Seal,
        context: &EncryptionContext,
    ) -> Result<String> {
        let sealed: Value = serde_json::from_str(text)?;
        let record = self.unseal(&sealed, seal, context).await?;
        Ok(serde_json::to_string(&record)?)
    }
}

/// The context of a record's message: the caller's, the bound pairs, and the layout version
/// under [`SEAL_CONTEXT_KEY`].
fn seal_context(
    context: &EncryptionContext,
    bound: &[(String, String)],
) -> Result<EncryptionContext> {
    if context.get(SEAL_CONTEXT_KEY).is_some() {
        return Err(Error::InvalidContext(format!(
            "the key {SEAL_CONTEXT_KEY} is set by sealing"
        )));
    }
    let mut ctx = context.clone();
    for (key, value) in bound {
        if ctx.get(key).is_some() {
            return Err(Error::InvalidContext(format!(
                "the key {key} is both given and bound to a field"
            )));
        }
        ctx.insert(key.clone(), value.clone())?;
    }
    ctx.insert(SEAL_CONTEXT_KEY, SEAL_VERSION.to_string())?;
    Ok(ctx)
}
