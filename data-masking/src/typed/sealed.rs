//! [`Sealed`]: a record as stored after sealing, with its `#[encrypt]` fields replaced by
//! placeholders and one ESDK message in its `__sealed` member; its JSON, and a `Debug` that
//! shows no plain value.

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::sensitive::Sensitive;
use super::stored::{masked_copy, stored_json};
use crate::seal::{DEFAULT_SEAL_MEMBER, PLACEHOLDER_KEY};

/// A record of type `T` as stored after sealing: its JSON with every `#[encrypt]` field
/// replaced by a placeholder naming its location (`{"__encrypted": "$['orders'][0]['card']"}`),
/// its `#[sign]` fields readable, and one ESDK message (base64) in the member
/// [`DEFAULT_SEAL_MEMBER`](crate::DEFAULT_SEAL_MEMBER) holding the encrypted values and the
/// digests of the signed ones. Made by
/// [`DataMasking::seal_typed`](crate::DataMasking::seal_typed), read back with
/// [`DataMasking::unseal_typed`](crate::DataMasking::unseal_typed).
///
/// It serializes and deserializes as that JSON, which is what
/// [`DataMasking::seal`](crate::DataMasking::seal) gives for the type's
/// [`SensitiveFields::seal`](super::SensitiveFields::seal). `Debug` prints the JSON with the
/// masks of `T` applied and the message as `"<message>"`: never a plain value of a masked or
/// encrypted field.
///
/// ```
/// use data_masking::{DataMasking, EncryptionContext, Sealed, Sensitive, keys::RawAesKeyring};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
/// struct Payment {
///     id: String,
///     #[mask]
///     #[encrypt]
///     card: String,
///     #[sign]
///     amount: u64,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let masker = DataMasking::builder()
///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
///     .build();
/// let ctx = EncryptionContext::new([("tenant", "acme")])?;
/// let p = Payment { id: "p-1".into(), card: "4111".into(), amount: 30 };
/// let sealed: Sealed<Payment> = masker.seal_typed(&p, &ctx).await?;
///
/// let json = serde_json::to_value(&sealed)?;
/// assert_eq!(json["card"], serde_json::json!({"__encrypted": "$['card']"}));
/// assert_eq!(json["amount"], 30);
///
/// let debug = format!("{sealed:?}");
/// assert!(debug.contains(r#""__sealed":"<message>""#) && !debug.contains("4111"));
///
/// let read: Sealed<Payment> = serde_json::from_value(json)?;
/// assert_eq!(masker.unseal_typed(&read, &ctx).await?, p);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct Sealed<T: ?Sized> {
    json: Value,
    record: PhantomData<fn() -> T>,
}

stored_json!(
    Sealed,
    r#"{"card": {"__encrypted": "$['card']"}, "__sealed": "AgR4..."}"#
);

/// Whether `v` is a placeholder: an object whose one member is [`PLACEHOLDER_KEY`].
fn is_placeholder(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.len() == 1 && o.contains_key(PLACEHOLDER_KEY))
}

impl<T: ?Sized + Sensitive> fmt::Debug for Sealed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = masked_copy::<T>(&self.json, is_placeholder);
        if let Value::Object(o) = &mut shown
            && let Some(message) = o.get_mut(DEFAULT_SEAL_MEMBER)
        {
            *message = Value::String("<message>".into());
        }
        let name = std::any::type_name::<T>();
        let name = name.rsplit("::").next().unwrap_or(name);
        match serde_json::to_string(&shown) {
            Ok(text) => write!(f, "Sealed<{name}>({text})"),
            Err(_) => write!(f, "Sealed<{name}>(..)"),
        }
    }
}
