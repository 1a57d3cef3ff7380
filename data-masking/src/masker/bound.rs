//! Field-bound encryption: each located node encrypted with the caller's context plus
//! [`FIELD_BINDING_KEY`] = the expression that located it, so a ciphertext moved to another
//! field fails to decrypt. The typed API binds its fields the same way.

use serde_json::Value;

use super::DataMasking;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::path::{AsFields, Field, Targets};

/// The reserved encryption-context key that binds a typed field's ciphertext to the field: its
/// value is the field's path (as [`FieldPath`](crate::typed::FieldPath) displays it, or the field expression as written for
/// [`DataMasking::encrypt_fields_bound`]), so a ciphertext moved to another
/// field fails to decrypt with a context mismatch. `#[encrypt(unbound)]` leaves it out.
///
/// ```
/// assert_eq!(data_masking::typed::FIELD_BINDING_KEY, "data-masking:field");
/// ```
pub const FIELD_BINDING_KEY: &str = "data-masking:field";

impl DataMasking {
    /// [`encrypt_fields`](Self::encrypt_fields) with field binding: each located node's context
    /// is `context` plus [`FIELD_BINDING_KEY`] = the expression that located it, as written
    /// (the first one, when several locate the same node). A ciphertext moved to another field
    /// then fails to decrypt with [`Error::ContextMismatch`]. `context` must not hold
    /// [`FIELD_BINDING_KEY`] itself ([`Error::InvalidContext`]).
    ///
    /// Typed records written by [`encrypt_typed`](Self::encrypt_typed) with only static
    /// contexts read back with `decrypt_fields_bound` over the paths of
    /// [`Sensitive::sensitive_fields`](crate::Sensitive::sensitive_fields), and the other way round.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let data = json!({"card": "4111", "pin": "1234"});
    /// let enc = masker.encrypt_fields_bound(&data, &["card", "pin"], &ctx).await?;
    /// assert_eq!(masker.decrypt_fields_bound(&enc, &["card", "pin"], &ctx).await?, data);
    ///
    /// // The plain decrypt_fields does not pass the binding: context mismatch.
    /// let err = masker.decrypt_fields(&enc, &["card"], &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "context-mismatch");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_fields_bound<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        context: &EncryptionContext,
    ) -> Result<Value> {
        let fields = fields.as_fields()?;
        let fields: Vec<&Field> = fields.iter().collect();
        let mut value = data.clone();
        let targets = self.locate_tagged(&value, &fields, context)?;
        let mut ciphertexts = Vec::new();
        {
            let mut nodes = Vec::new();
            targets.collect(&value, &mut nodes);
            let contexts = nodes
                .iter()
                .map(|(_, tag)| bound_context(context, fields[*tag]))
                .collect::<Result<Vec<_>>>()?;
            let items: Vec<_> = nodes
                .iter()
                .zip(&contexts)
                .map(|((node, _), ctx)| (*node, ctx))
                .collect();
            ciphertexts.extend(
                self.encrypt_values(&items)
                    .await?
                    .into_iter()
                    .map(Value::String),
            );
        }
        targets.replace(&mut value, ciphertexts);
        Ok(value)
    }

    /// [`decrypt_fields`](Self::decrypt_fields) of a value written by
    /// [`encrypt_fields_bound`](Self::encrypt_fields_bound): each node is decrypted with
    /// `context` plus [`FIELD_BINDING_KEY`] = the expression that locates it.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// use serde_json::json;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let ctx = EncryptionContext::empty();
    /// let enc = masker.encrypt_fields_bound(&json!({"a": 1, "b": 2}), &["a", "b"], &ctx).await?;
    /// // Move b's ciphertext into a: it was bound to "b".
    /// let moved = json!({"a": enc["b"], "b": enc["b"]});
    /// let err = masker.decrypt_fields_bound(&moved, &["a", "b"], &ctx).await.unwrap_err();
    /// assert_eq!(err.kind(), "context-mismatch");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_fields_bound<F: AsFields + ?Sized>(
        &self,
        data: &Value,
        fields: &F,
        context: &EncryptionContext,
    ) -> Result<Value> {
        let fields = fields.as_fields()?;
        let fields: Vec<&Field> = fields.iter().collect();
        let mut value = data.clone();
        let targets = self.locate_tagged(&value, &fields, context)?;
        self.decrypt_targets(&mut value, &targets, |tag| {
            bound_context(context, fields[tag])
        })
        .await?;
        Ok(value)
    }

    /// Locates every field on the unmodified input, each node tagged with the index of the
    /// first field that locates it; the caller's context may not set the binding key itself.
    fn locate_tagged(
        &self,
        data: &Value,
        fields: &[&Field],
        context: &EncryptionContext,
    ) -> Result<Targets> {
        if context.get(FIELD_BINDING_KEY).is_some() {
            return Err(Error::InvalidContext(format!(
                "the key {FIELD_BINDING_KEY} is set by field binding"
            )));
        }
        let (targets, _) = Targets::locate(
            data,
            fields.iter().enumerate().map(|(tag, f)| (*f, tag)),
            self.raise_on_missing_field(),
        )?;
        Ok(targets)
    }
}

/// `context` plus the binding of `field`.
fn bound_context(context: &EncryptionContext, field: &Field) -> Result<EncryptionContext> {
    let mut ctx = context.clone();
    ctx.insert(FIELD_BINDING_KEY, field.as_str())?;
    Ok(ctx)
}
