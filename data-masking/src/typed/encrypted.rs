//! [`Encrypted`]: a record as stored, with every `#[encrypt]` field an ESDK message; its JSON,
//! and a `Debug` that shows no plain value.

use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use super::sensitive::Sensitive;
use super::stored::{masked_copy, stored_json};
use crate::path::each_mut;

/// A record of type `T` as stored: its JSON with every `#[encrypt]` field replaced by the base64
/// ESDK message of that field's JSON. Made by [`DataMasking::encrypt_typed`](crate::DataMasking::encrypt_typed), read back with
/// [`DataMasking::decrypt_typed`](crate::DataMasking::decrypt_typed).
///
/// It serializes and deserializes as that JSON (the same shape as
/// [`DataMasking::encrypt_fields`](crate::DataMasking::encrypt_fields) gives, so Powertools Python reads each field). `Debug`
/// prints the JSON with the masks of `T` applied and every ciphertext as `"<encrypted>"`: never
/// a plain value of a masked or encrypted field.
///
/// ```
/// use data_masking::{DataMasking, Encrypted, Sensitive, keys::RawAesKeyring};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
/// #[sensitive(context(purpose = "billing"))]
/// struct Customer {
///     tenant_id: String,
///     #[mask]
///     ssn: String,
///     #[encrypt(context(tenant_id))]
///     card: String,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let masker = DataMasking::builder()
///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
///     .build();
/// let c = Customer { tenant_id: "acme".into(), ssn: "123-45-6789".into(), card: "4111".into() };
/// let stored: Encrypted<Customer> = masker.encrypt_typed(&c).await?;
///
/// let json = serde_json::to_value(&stored)?;
/// assert_eq!(json["tenant_id"], "acme");
/// assert!(json["card"].as_str().is_some_and(|ct| ct.len() > 100));
///
/// let debug = format!("{stored:?}");
/// assert!(debug.contains(r#""card":"<encrypted>""#) && !debug.contains("6789"));
///
/// let read: Encrypted<Customer> = serde_json::from_value(json)?;
/// assert_eq!(masker.decrypt_typed(&read).await?, c);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct Encrypted<T: ?Sized> {
    json: Value,
    record: PhantomData<fn() -> T>,
}

stored_json!(Encrypted, r#"{"name": "Jo", "card": "AgR4..."}"#);

impl<T: ?Sized + Sensitive> fmt::Debug for Encrypted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = T::sensitive_fields();
        let mut shown = masked_copy::<T>(&self.json, |_| false);
        for (path, _) in fields.encrypted() {
            each_mut(&mut shown, path.steps(), &mut |node| {
                *node = Value::String("<encrypted>".into());
            });
        }
        let name = std::any::type_name::<T>();
        let name = name.rsplit("::").next().unwrap_or(name);
        match serde_json::to_string(&shown) {
            Ok(text) => write!(f, "Encrypted<{name}>({text})"),
            Err(_) => write!(f, "Encrypted<{name}>(..)"),
        }
    }
}
