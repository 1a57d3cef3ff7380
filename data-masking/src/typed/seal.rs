//! Typed sealing: [`DataMasking::seal_typed`] and [`DataMasking::unseal_typed`] with their
//! stored form [`Sealed`], and the [`Seal`] a type describes ([`SensitiveFields::seal`]). The
//! record's layout and its checks are those of the untyped API (`crate::seal`).
//!
//! A type's seal, computed once per type:
//!
//! * encrypts its `#[encrypt]` fields, nested types' included (a field inside another
//!   encrypted field leaves the record with it);
//! * signs its `#[sign]` fields, nested types' included (a field inside an encrypted field is
//!   covered by the message already);
//! * binds the record's message to the struct's `#[sensitive(context(...))]` entries: a literal
//!   joins the caller's context, a sibling field is bound as
//!   [`SealBuilder::bind`](crate::SealBuilder::bind) binds it (its value, read from the record,
//!   joins the context). The context entries of nested types do not apply.
//!
//! A field's own `#[encrypt(context(...))]` and `#[encrypt(unbound)]` do not apply either: the
//! record has one message, and each placeholder names its location, so an encrypted value can
//! neither move to another field nor to another record sealed under another context.
//!
//! A field the type declares but the record's JSON lacks (inside a `None` or an empty `Vec`,
//! or left out by `skip_serializing_if`) is not an error, whatever `raise_on_missing_field`
//! says: the type, not the record, says which fields there are.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encrypt::safe_reason;
use super::field_path::FieldPath;
use super::fields::{SensitiveField, SensitiveFields};
use super::rules::{ContextEntry, ContextSource};
use super::sealed::Sealed;
use super::sensitive::Sensitive;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::masker::DataMasking;
use crate::seal::Seal;

/// The seal of `T`, computed once per type and kept for the life of the process.
///
/// As the plans of `encrypt_typed`, the cache is keyed by the addresses of the functions that
/// describe `T` (its fields, its signed fields and its context entries): the same code
/// describes the same seal, so types whose functions the compiler merged share an entry
/// rightly.
fn seal_of<T: Sensitive + ?Sized>() -> Result<Arc<Seal>> {
    type Describe = fn(&mut FieldPath, &mut Vec<SensitiveField>);
    type DescribeSigned = fn(&mut FieldPath, &mut Vec<FieldPath>);
    type Context = fn() -> &'static [ContextEntry];
    static SEALS: OnceLock<RwLock<HashMap<[usize; 3], Arc<Seal>>>> = OnceLock::new();
    let key = [
        T::describe_fields as Describe as usize,
        T::describe_signed as DescribeSigned as usize,
        T::container_context as Context as usize,
    ];
    let seals = SEALS.get_or_init(RwLock::default);
    if let Some(seal) = seals.read().ok().and_then(|s| s.get(&key).cloned()) {
        return Ok(seal);
    }
    let seal = Arc::new(T::sensitive_fields().seal()?);
    if let Ok(mut s) = seals.write() {
        s.insert(key, Arc::clone(&seal));
    }
    Ok(seal)
}

/// True when `path` lies strictly inside `outer`.
fn inside(path: &FieldPath, outer: &FieldPath) -> bool {
    outer.steps().len() < path.steps().len() && path.steps().starts_with(outer.steps())
}

/// The caller's `context` with the literal entries of `entries`; a key given twice is
/// [`Error::InvalidContext`].
fn with_literals(
    entries: &[ContextEntry],
    context: &EncryptionContext,
) -> Result<EncryptionContext> {
    let mut out = context.clone();
    for entry in entries {
        if let ContextSource::Literal(value) = entry.source {
            if out.get(entry.key).is_some() {
                return Err(Error::InvalidContext(format!(
                    "the key {} is both given and set by the type's #[sensitive(context(...))]",
                    entry.key
                )));
            }
            out.insert(entry.key, value)?;
        }
    }
    Ok(out)
}

impl SensitiveFields {
    /// The [`Seal`] of the described type, as [`DataMasking::seal_typed`] uses it: its
    /// outermost `#[encrypt]` fields to encrypt, its `#[sign]` fields that are not inside one of
    /// them to sign, and each sibling field of the struct's `#[sensitive(context(...))]` bound
    /// under its key. With it and [`seal_context`](Self::seal_context), the untyped
    /// [`DataMasking::unseal`] reads what `seal_typed` wrote, and the other way round.
    ///
    /// A type with no field to encrypt or sign has nothing to seal: [`Error::EmptyFields`].
    ///
    /// ```
    /// use data_masking::Sensitive;
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct Order { #[encrypt] card: String, #[sign] total: u32 }
    /// #[derive(serde::Serialize, Sensitive)]
    /// #[sensitive(context(customer = id))]
    /// struct Customer { id: String, #[sign] status: String, #[sensitive] orders: Vec<Order> }
    ///
    /// let seal = Customer::sensitive_fields().seal()?;
    /// let names = |fields: &[data_masking::path::Field]| -> Vec<String> {
    ///     fields.iter().map(|f| f.as_str().to_owned()).collect()
    /// };
    /// assert_eq!(names(seal.encrypted_fields()), ["orders[*].card"]);
    /// assert_eq!(names(seal.signed_fields()), ["status", "orders[*].total"]);
    /// assert_eq!(seal.bindings().collect::<Vec<_>>(), [("customer", "id")]);
    ///
    /// #[derive(serde::Serialize, Sensitive)]
    /// struct Nothing { #[mask] a: String }
    /// assert_eq!(Nothing::sensitive_fields().seal().unwrap_err().kind(), "empty-fields");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn seal(&self) -> Result<Seal> {
        let mut encrypt: Vec<&FieldPath> = Vec::new();
        let encrypted: Vec<&FieldPath> = self.encrypted().map(|(p, _)| p).collect();
        for path in &encrypted {
            if !encrypted.iter().any(|outer| inside(path, outer))
                && !encrypt.iter().any(|e| e.steps() == path.steps())
            {
                encrypt.push(path);
            }
        }
        let mut sign: Vec<&FieldPath> = Vec::new();
        for path in &self.signed {
            let covered = encrypt
                .iter()
                .any(|e| e.steps() == path.steps() || inside(path, e))
                || self.signed.iter().any(|outer| inside(path, outer));
            if !covered && !sign.iter().any(|s| s.steps() == path.steps()) {
                sign.push(path);
            }
        }
        let mut builder = Seal::builder()
            .encrypt(encrypt.iter().map(ToString::to_string))
            .sign(sign.iter().map(ToString::to_string));
        for entry in self.context {
            if let ContextSource::Field(name) = entry.source {
                builder = builder.bind(entry.key, FieldPath::root().name(name).to_string());
            }
        }
        builder.build()
    }

    /// The caller's `context` with the literal entries of the struct's
    /// `#[sensitive(context(...))]`: the context to give [`DataMasking::seal`] and
    /// [`DataMasking::unseal`] with [`seal`](Self::seal). A key both given and declared is
    /// [`Error::InvalidContext`].
    ///
    /// ```
    /// use data_masking::{EncryptionContext, Sensitive};
    /// #[derive(serde::Serialize, Sensitive)]
    /// #[sensitive(context(purpose = "billing"))]
    /// struct Invoice { #[encrypt] iban: String }
    ///
    /// let fields = Invoice::sensitive_fields();
    /// let ctx = fields.seal_context(&EncryptionContext::new([("tenant", "acme")])?)?;
    /// assert_eq!((ctx.get("tenant"), ctx.get("purpose")), (Some("acme"), Some("billing")));
    /// let clash = EncryptionContext::new([("purpose", "other")])?;
    /// assert_eq!(fields.seal_context(&clash).unwrap_err().kind(), "invalid-context");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn seal_context(&self, context: &EncryptionContext) -> Result<EncryptionContext> {
        with_literals(self.context, context)
    }
}

impl DataMasking {
    /// Seals `value` as one record: serializes it once, takes its `#[encrypt]` fields out for
    /// placeholders naming their locations, takes the digests of its `#[sign]` fields (which
    /// stay readable), and encrypts both into one ESDK message, bound to `context`, the
    /// struct's `#[sensitive(context(...))]` entries and the seal's version key, kept in the
    /// record's `__sealed` member. See [`crate::typed`] for what the type's seal holds; the
    /// rest of the record is left as it is, and is not protected.
    ///
    /// Fails with [`Error::EmptyFields`] for a type with no field to encrypt or sign, and with
    /// [`Error::UnsupportedType`] for a value that is not a JSON object, or that holds a
    /// `__sealed` member or an object with an `__encrypted` member.
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Sensitive, keys::RawAesKeyring};
    /// use serde::{Deserialize, Serialize};
    /// use serde_json::json;
    ///
    /// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
    /// struct Order { #[encrypt] card: String, #[sign] total: u32 }
    ///
    /// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
    /// #[sensitive(context(purpose = "billing"))]
    /// struct Customer { id: String, #[sensitive] orders: Vec<Order> }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let c = Customer {
    ///     id: "c-1".into(),
    ///     orders: vec![
    ///         Order { card: "4111".into(), total: 10 },
    ///         Order { card: "5500".into(), total: 20 },
    ///     ],
    /// };
    /// let sealed = masker.seal_typed(&c, &ctx).await?;
    /// let json = sealed.as_json();
    /// assert_eq!(json["orders"][1]["card"], json!({"__encrypted": "$['orders'][1]['card']"}));
    /// assert_eq!(json["orders"][1]["total"], 20);
    /// assert!(json["__sealed"].is_string());
    /// assert_eq!(masker.unseal_typed(&sealed, &ctx).await?, c);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn seal_typed<T: Sensitive + Serialize>(
        &self,
        value: &T,
        context: &EncryptionContext,
    ) -> Result<Sealed<T>> {
        let seal = seal_of::<T>()?;
        let context = with_literals(T::container_context(), context)?;
        let record = serde_json::to_value(value)
            .map_err(|e| Error::UnsupportedType(format!("the record does not serialize: {e}")))?;
        let sealed = self.seal_with(&record, &seal, &context, false).await?;
        drop(record);
        Ok(Sealed::from_json(sealed))
    }

    /// Unseals a record sealed by [`seal_typed`](Self::seal_typed) with the same `context`:
    /// decrypts its message, checks every placeholder and signed value against it, puts the
    /// encrypted values back and deserializes the record. Any disagreement is
    /// [`Error::RecordTampered`] naming the location; another `context`, or a bound field
    /// with another value, is [`Error::ContextMismatch`]; a record sealed for a type with
    /// other fields is [`Error::Config`].
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, Sealed, Sensitive, keys::RawAesKeyring};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
    /// struct Transfer { #[encrypt] iban: String, #[sign] amount: u64 }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// # let masker = DataMasking::builder().keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?).build();
    /// let ctx = EncryptionContext::empty();
    /// let t = Transfer { iban: "DE89...".into(), amount: 100 };
    /// let mut json = masker.seal_typed(&t, &ctx).await?.into_json();
    ///
    /// json["amount"] = 1_000_000.into();
    /// let err = masker.unseal_typed(&Sealed::<Transfer>::from_json(json), &ctx).await.unwrap_err();
    /// assert_eq!(err.to_string(), "record tampered at $['amount']: a signed value was changed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn unseal_typed<T: Sensitive + DeserializeOwned>(
        &self,
        sealed: &Sealed<T>,
        context: &EncryptionContext,
    ) -> Result<T> {
        let seal = seal_of::<T>()?;
        let context = with_literals(T::container_context(), context)?;
        let record = self.unseal(sealed.as_json(), &seal, &context).await?;
        serde_json::from_value(record).map_err(|e| {
            Error::DecryptValue(format!(
                "the unsealed record is not a {}: {}",
                std::any::type_name::<T>(),
                safe_reason(&e)
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typed::EncryptRule;

    #[test]
    fn fields_inside_an_encrypted_field_are_left_to_it() {
        static RULE: EncryptRule = EncryptRule {
            context: &[],
            bound: true,
        };
        let encrypted = |path: FieldPath| SensitiveField {
            path,
            mask: None,
            encrypt: Some(RULE),
        };
        let fields = SensitiveFields {
            fields: vec![
                encrypted(FieldPath::root().name("inner")),
                encrypted(FieldPath::root().name("inner").name("x")),
                encrypted(FieldPath::root().name("other")),
                encrypted(FieldPath::root().name("other")),
            ],
            signed: vec![
                FieldPath::root().name("inner").name("y"),
                FieldPath::root().name("s"),
                FieldPath::root().name("s").name("t"),
                FieldPath::root().name("u"),
                FieldPath::root().name("u"),
            ],
            context: &[],
        };
        let seal = fields.seal().expect("seal");
        let names = |f: &[crate::path::Field]| -> Vec<String> {
            f.iter().map(|f| f.as_str().to_owned()).collect()
        };
        assert_eq!(names(seal.encrypted_fields()), ["inner", "other"]);
        assert_eq!(names(seal.signed_fields()), ["s", "u"]);
    }
}
