//! Typed encryption: [`DataMasking::encrypt_typed`] and [`DataMasking::decrypt_typed`] with
//! their stored form [`Encrypted`]. Fields are bound as the untyped API binds them
//! ([`DataMasking::encrypt_fields_bound`], in `masker/bound.rs`).
//!
//! Each `#[encrypt]` field becomes its own ESDK message (base64), exactly as
//! [`DataMasking::encrypt_fields`] writes it, so Powertools Python decrypts each field with
//! `data_masking.decrypt(record[field], **context)` given the field's context:
//!
//! * the container's `#[sensitive(context(...))]` entries, then the field's
//!   `#[encrypt(context(...))]` entries: literals, or the string value of a sibling member of
//!   the same JSON object (read from the plaintext record on encrypt, and from the stored
//!   [`Encrypted`] JSON on decrypt, where siblings are never encrypted);
//! * unless `#[encrypt(unbound)]`: [`FIELD_BINDING_KEY`] = the field's declared path as
//!   [`FieldPath`] displays it (`address`, `orders[*].card`, `accounts.*.iban`). Elements of a
//!   list or map share the declared path (`[*]`, `.*`), not their index or key: reordering a
//!   `Vec` or re-keying a map keeps every ciphertext readable, while moving a ciphertext to
//!   another declared field fails with [`Error::ContextMismatch`]. To bind a nested element to
//!   its own record, give the nested type a context field (`#[encrypt(context(order_id))]`).
//!   A field of an enum variant is bound with its variant ([`FieldPath::binding`]:
//!   `<Card>number` for an internally tagged enum), and a field of a tagged variant is
//!   located only where the tag names that variant.
//!
//! A field inside an encrypted field (`#[encrypt] #[sensitive] inner: Inner` where `Inner` has
//! `#[encrypt]` fields) is protected by the outer message and not encrypted twice. A `None`
//! (JSON `null`) is encrypted like any value, so a reader cannot tell whether it was set; a
//! field serde leaves out (`skip_serializing_if`) is left out.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::encrypted::Encrypted;
use super::field_path::FieldPath;
use super::fields::{SensitiveField, SensitiveFields};
use super::rules::{ContextSource, EncryptRule};
use super::sensitive::Sensitive;
use super::walk::{each, each_mut};
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::masker::DataMasking;
use crate::masker::FIELD_BINDING_KEY;

/// One encrypted field of a type, ready to locate.
struct Planned {
    path: FieldPath,
    rule: EncryptRule,
    /// The context entries that do not depend on the record: literals and the field binding.
    fixed: EncryptionContext,
}

/// The encrypted fields of `T` that are not inside another encrypted field, computed once per
/// type and kept for the life of the process.
///
/// The cache is keyed by the address of `T`'s `describe_fields`: a function's address names
/// its code, and the same code describes the same fields, so two types whose functions the
/// compiler merged share an entry rightly. The number of entries is the number of types used.
fn plan_of<T: Sensitive + ?Sized>() -> Result<Arc<[Planned]>> {
    type Describe = fn(&mut FieldPath, &mut Vec<SensitiveField>);
    static PLANS: OnceLock<RwLock<HashMap<usize, Arc<[Planned]>>>> = OnceLock::new();
    let key = T::describe_fields as Describe as usize;
    let plans = PLANS.get_or_init(RwLock::default);
    if let Some(plan) = plans.read().ok().and_then(|p| p.get(&key).cloned()) {
        return Ok(plan);
    }
    let plan: Arc<[Planned]> = plan(&T::sensitive_fields())?.into();
    if let Ok(mut p) = plans.write() {
        p.insert(key, Arc::clone(&plan));
    }
    Ok(plan)
}

/// The encrypted fields that are not inside another encrypted field.
fn plan(fields: &SensitiveFields) -> Result<Vec<Planned>> {
    let encrypted: Vec<_> = fields.encrypted().collect();
    encrypted
        .iter()
        .filter(|(path, _)| {
            !encrypted.iter().any(|(outer, _)| {
                outer.steps().len() < path.steps().len() && path.steps().starts_with(outer.steps())
            })
        })
        .map(|(path, rule)| {
            let mut fixed = EncryptionContext::empty();
            for entry in rule.context {
                if let ContextSource::Literal(literal) = entry.source {
                    fixed.insert(entry.key, literal)?;
                }
            }
            if rule.bound {
                fixed.insert(FIELD_BINDING_KEY, path.binding())?;
            }
            Ok(Planned {
                path: (*path).clone(),
                rule: **rule,
                fixed,
            })
        })
        .collect()
}

/// The encryption context of one located field.
fn field_context(
    planned: &Planned,
    parent: Option<&Map<String, Value>>,
) -> Result<EncryptionContext> {
    let mut context = planned.fixed.clone();
    for entry in planned.rule.context {
        if let ContextSource::Field(name) = entry.source {
            let value = parent
                .and_then(|o| o.get(name))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::InvalidContext(format!(
                        "the context field `{name}` of the encrypted field `{}` is missing or \
                         not a string",
                        planned.path
                    ))
                })?;
            context.insert(entry.key, value)?;
        }
    }
    Ok(context)
}

/// Puts `values` into the nodes of `planned` in `json`, in the order [`each`] finds them.
fn replace_all(json: &mut Value, planned: &[Planned], values: Vec<Value>) -> Result<()> {
    let expected = values.len();
    let mut values = values.into_iter();
    let mut placed = 0usize;
    for p in planned {
        each_mut(json, &p.path, &mut |node| {
            if let Some(v) = values.next() {
                *node = v;
                placed += 1;
            }
        });
    }
    if placed == expected && values.next().is_none() {
        Ok(())
    } else {
        Err(Error::UnsupportedType(
            "the encrypted fields of the record overlap".into(),
        ))
    }
}

/// The message of a serde error that names no value (a missing, unknown or repeated field);
/// others could quote decrypted text, so only their kind is kept.
pub(super) fn safe_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    if ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|p| text.starts_with(p))
    {
        text.split(", expected").next().unwrap_or("").to_owned()
    } else {
        "a value does not have the type the record declares".to_owned()
    }
}

impl DataMasking {
    /// Encrypts the `#[encrypt]` fields of `value`: serializes it once, then encrypts each
    /// field's JSON into its own ESDK message bound to the field's context (the container's
    /// static entries, the field's literals and sibling values, and [`FIELD_BINDING_KEY`] =
    /// the field's path unless `#[encrypt(unbound)]`). See [`crate::typed`] for the contexts.
    ///
    /// With the default cache, a data key is reused by every message of the same context, so
    /// a field bound to a static context costs one data key per process, not per record.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Sensitive, keys::RawAesKeyring};
    /// use data_masking::typed::FIELD_BINDING_KEY;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
    /// struct Order { order_id: String, #[encrypt(context(order_id))] card: String }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let order = Order { order_id: "o-1".into(), card: "4111".into() };
    /// let stored = masker.encrypt_typed(&order).await?;
    ///
    /// // What an untyped reader (e.g. Powertools Python) passes to decrypt the field:
    /// let ctx = EncryptionContext::new([("order_id", "o-1"), (FIELD_BINDING_KEY, "card")])?;
    /// let card = stored.as_json()["card"].as_str().unwrap();
    /// assert_eq!(masker.decrypt(card, &ctx).await?, "4111");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_typed<T: Sensitive + Serialize>(&self, value: &T) -> Result<Encrypted<T>> {
        let planned = plan_of::<T>()?;
        let mut json = serde_json::to_value(value)
            .map_err(|e| Error::UnsupportedType(format!("the record does not serialize: {e}")))?;
        let mut ciphertexts = Vec::new();
        {
            let mut jobs: Vec<(&Value, EncryptionContext)> = Vec::new();
            for p in planned.iter() {
                each(&json, &p.path, &mut |node, parent| -> Result<()> {
                    jobs.push((node, field_context(p, parent)?));
                    Ok(())
                })?;
            }
            let items: Vec<_> = jobs.iter().map(|(node, ctx)| (*node, ctx)).collect();
            ciphertexts.extend(
                self.encrypt_values(&items)
                    .await?
                    .into_iter()
                    .map(Value::String),
            );
        }
        replace_all(&mut json, &planned, ciphertexts)?;
        Ok(Encrypted::from_json(json))
    }

    /// Decrypts every `#[encrypt]` field of `encrypted` with the context it was encrypted
    /// with (sibling values read from the stored JSON) and deserializes the record. A field
    /// whose ciphertext was moved from another field or record fails with
    /// [`Error::ContextMismatch`]; a field that holds no string, with [`Error::DecryptValue`].
    ///
    /// ```
    /// use data_masking::{DataMasking, Encrypted, Sensitive, keys::RawAesKeyring};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
    /// struct S { #[encrypt] a: String, #[encrypt] b: String }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let s = S { a: "x".into(), b: "y".into() };
    /// let stored = masker.encrypt_typed(&s).await?;
    /// assert_eq!(masker.decrypt_typed(&stored).await?, s);
    ///
    /// // Swap the two ciphertexts: each is bound to its own field.
    /// let mut json = stored.into_json();
    /// let a = json["a"].take();
    /// json["a"] = json["b"].take();
    /// json["b"] = a;
    /// let err = masker.decrypt_typed(&Encrypted::<S>::from_json(json)).await.unwrap_err();
    /// assert_eq!(err.kind(), "context-mismatch");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn decrypt_typed<T: Sensitive + DeserializeOwned>(
        &self,
        encrypted: &Encrypted<T>,
    ) -> Result<T> {
        let planned = plan_of::<T>()?;
        let mut plain = Vec::new();
        {
            let mut jobs: Vec<(&str, EncryptionContext)> = Vec::new();
            for p in planned.iter() {
                each(
                    encrypted.as_json(),
                    &p.path,
                    &mut |node, parent| -> Result<()> {
                        let Value::String(text) = node else {
                            return Err(Error::DecryptValue(format!(
                                "the encrypted field `{}` holds {}, not a ciphertext string",
                                p.path,
                                crate::erase::type_name(node)
                            )));
                        };
                        jobs.push((text.as_str(), field_context(p, parent)?));
                        Ok(())
                    },
                )?;
            }
            plain.reserve(jobs.len());
            for (text, context) in &jobs {
                plain.push(self.decrypt(text, context).await?);
            }
        }
        let mut json = encrypted.as_json().clone();
        replace_all(&mut json, &planned, plain)?;
        serde_json::from_value(json).map_err(|e| {
            Error::DecryptValue(format!(
                "the decrypted record is not a {}: {}",
                std::any::type_name::<T>(),
                safe_reason(&e)
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_encrypted_fields_inside_an_encrypted_field_are_not_planned() {
        static RULE: EncryptRule = EncryptRule {
            context: &[],
            bound: true,
        };
        let mut fields = Vec::new();
        for path in [
            FieldPath::root().name("inner"),
            FieldPath::root().name("inner").name("x"),
            FieldPath::root().name("other"),
        ] {
            fields.push(SensitiveField {
                path,
                mask: None,
                encrypt: Some(RULE),
            });
        }
        let planned = plan(&SensitiveFields {
            fields,
            ..SensitiveFields::default()
        })
        .expect("plan");
        let paths: Vec<String> = planned.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(paths, ["inner", "other"]);
    }
}
