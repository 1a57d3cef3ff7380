//! Typed masking and encryption: the [`Sensitive`] trait that `#[derive(Sensitive)]`
//! implements, the masked view [`Masked`], the stored forms of a protected record
//! ([`Encrypted`], one message per field, see [Encryption](#encryption); [`Sealed`], one message
//! per record, see [Sealing](#sealing)), and the untyped description of a type's rules
//! ([`SensitiveFields`]).
//!
//! ```
//! use data_masking::Sensitive;
//! use serde::Serialize;
//!
//! #[derive(Serialize, Sensitive)]
//! #[serde(rename_all = "camelCase")]
//! #[sensitive(debug)]
//! struct Customer {
//!     customer_id: String,
//!     #[mask]
//!     ssn: String,
//!     #[mask(dynamic)]
//!     email: String,
//!     #[mask(regex = r"^(\d{4}) .*$", format = "$1 **** **** ****")]
//!     card_number: String,
//!     #[sensitive]
//!     orders: Vec<Order>,
//! }
//!
//! #[derive(Serialize, Sensitive)]
//! struct Order {
//!     id: u32,
//!     #[mask(custom = "XXXX")]
//!     pin: u32,
//! }
//!
//! let c = Customer {
//!     customer_id: "c-1".into(),
//!     ssn: "123-45-6789".into(),
//!     email: "jo.doe@example.com".into(),
//!     card_number: "1111 2222 3333 4444".into(),
//!     orders: vec![Order { id: 7, pin: 1234 }],
//! };
//! assert_eq!(
//!     serde_json::to_string(&c.masked())?,
//!     r#"{"customerId":"c-1","ssn":"*****","email":"**.***********.***","#.to_owned()
//!         + r#""cardNumber":"1111 **** **** ****","orders":[{"id":7,"pin":"XXXX"}]}"#
//! );
//! assert!(!format!("{c:?}").contains("6789"));
//!
//! let paths: Vec<String> = Customer::sensitive_fields().iter().map(|f| f.path.to_string()).collect();
//! assert_eq!(paths, ["ssn", "email", "cardNumber", "orders[*].pin"]);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Attributes
//!
//! | attribute | on | meaning |
//! |---|---|---|
//! | `#[mask]` | field | `"*****"` (a list keeps its length) |
//! | `#[mask(dynamic)]` | field | every character `*` but `-`, `_`, `.` and space |
//! | `#[mask(custom = "XXXX")]` | field | the mask, cut to the value's length; not empty |
//! | `#[mask(regex = r"...", format = "...")]` | field | a regex rewrite, checked at compile time |
//! | `#[encrypt]`, `#[encrypt(context(...), unbound)]` | field | encrypted at rest (see below) |
//! | `#[sign]` | field | readable but tamper-evident in a sealed record (see [Sealing](#sealing)) |
//! | `#[sensitive]` | field | a nested `Sensitive` type, also inside `Option`, `Vec`, arrays, maps, `Box` |
//! | `#[mask(...)]` | newtype | the value masked wherever the type is (`struct Email(String)`) |
//! | `#[sensitive(debug)]` | struct | a `Debug` that prints the masked view |
//! | `#[sensitive(context(...))]` | struct | context entries for every encrypted field |
//! | `#[sensitive(crate = "path")]` | struct | where `data_masking` is, when renamed |
//!
//! A context entry is `sibling_field` (key: the sibling's serde name), `key = sibling_field`,
//! `key = "literal"` or `"quoted-key" = ...`. A sibling must be a `String`, `&str` or
//! `Cow<str>` that serde always writes, and not itself encrypted.
//!
//! Masks apply to the value's JSON exactly as [`Mask::apply`] does: a number or bool becomes
//! the text Python's `str()` gives, then masked; `None` becomes `"*****"`; lists and objects are
//! walked (the default mask replaces each list element). The JSON of `masked()` equals
//! `erase_with(&to_value(&x)?, &[path], &mask)` applied for each masked field.
//!
//! serde's `rename`, `rename_all`, `rename_all_fields`, `skip`, `skip_serializing`,
//! `skip_serializing_if`, `flatten` (of non-sensitive fields), `serialize_with`, `with`, the
//! struct `tag` and the enum representations (`tag`, `tag` + `content`, `untagged`) are
//! honoured; `transparent`, `into`, `remote` and `getter` are refused (the JSON would not be the
//! type's own), as are unions. Every mistake is a compile error at the attribute that is wrong,
//! all reported at once; among them a field both `#[sign]`ed and `#[encrypt]`ed, a repeated
//! attribute, and `#[sign]` given arguments.
//!
//! # Enums, newtypes and tuple structs
//!
//! The fields of enum variants (struct, tuple and newtype variants) take the same attributes;
//! `masked()` masks the variant present, and each field's path is where serde writes it:
//!
//! | representation | JSON | path of `number` in `Card { number }` | binding |
//! |---|---|---|---|
//! | external (default) | `{"Card": {"number": ..}}` | `Card.number` | `Card.number` |
//! | `tag = "type"` | `{"type": "Card", "number": ..}` | `number` | `<Card>number` |
//! | `tag = "t", content = "c"` | `{"t": "Card", "c": {"number": ..}}` | `c.number` | `<Card>c.number` |
//! | `untagged` | `{"number": ..}` | `number` | `<Card>number` |
//!
//! A tuple variant's fields are `Card[0]`, `Card[1]` (externally tagged), a newtype variant's
//! value is `Card` itself. The field binding ([`FieldPath::binding`]) names the variant where
//! the path does not, so a ciphertext of `Card.number` never decrypts as another variant's
//! field, and a field of a tagged variant is encrypted and decrypted only where the tag names
//! it. The tag of an internally or adjacently tagged enum with encrypted, signed or nested
//! fields is signed in a sealed record, so its variant can't be changed. Where paths do not name
//! the variant, two variants that write a value at the same place must declare it alike (the
//! untyped rules could not tell them apart), and in an untagged enum an encrypted or signed
//! value belongs to one variant only: both are compile errors, as is a context naming a field of
//! another variant, or `#[mask]` on the value of an internally tagged newtype variant (its
//! members join the tag's object). The members of nested types are theirs to keep apart.
//!
//! A tuple struct's fields are `[0]`, `[1]`, .. (as serde writes them, skipped fields left
//! out), a newtype's field is the value itself, and `#[mask(...)]` on a newtype masks it
//! wherever a `#[sensitive]` field holds it. Unit structs have no sensitive field.
//!
//! ```
//! use data_masking::Sensitive;
//! use serde::Serialize;
//!
//! #[derive(Serialize, Sensitive)]
//! #[mask(dynamic)]
//! struct Email(String);
//!
//! #[derive(Serialize, Sensitive)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum Payment {
//!     Card { #[mask(regex = r"^(\d{4}).*$", format = "$1 ****")] #[encrypt] number: String },
//!     Bank { #[mask(dynamic)] #[encrypt] iban: String },
//!     Cash,
//! }
//!
//! #[derive(Serialize, Sensitive)]
//! struct Customer { #[sensitive] email: Email, #[sensitive] payment: Payment }
//!
//! let c = Customer {
//!     email: Email("jo@x.io".into()),
//!     payment: Payment::Card { number: "4111 1111".into() },
//! };
//! assert_eq!(
//!     c.masked().to_string(),
//!     r#"{"email":"****.**","payment":{"type":"card","number":"4111 ****"}}"#
//! );
//! let fields = Customer::sensitive_fields();
//! let paths: Vec<(String, String)> =
//!     fields.iter().map(|f| (f.path.to_string(), f.path.binding())).collect();
//! assert_eq!(paths, [
//!     ("email".into(), "email".into()),
//!     ("payment.number".into(), "payment<card>.number".into()),
//!     ("payment.iban".into(), "payment<bank>.iban".into()),
//! ]);
//! ```
//!
//! # Encryption metadata
//!
//! Each `#[encrypt]` field is described by a [`SensitiveField`] whose [`EncryptRule`] says how to
//! build its encryption context: the container's `#[sensitive(context(...))]` entries followed by
//! the field's own `#[encrypt(context(...))]` entries, each a literal or the value of a sibling
//! field (a string member of the same JSON object as the encrypted field, named by its serde
//! name). Unless the field is `#[encrypt(unbound)]`, the context also binds the ciphertext to the
//! field: the key [`FIELD_BINDING_KEY`] with the field's path as value.
//!
//! # Encryption
//!
//! [`DataMasking::encrypt_typed`] serializes a record once and replaces each `#[encrypt]` field
//! with its own ESDK message (base64), giving an [`Encrypted<T>`] that serializes as that JSON:
//! the shape [`DataMasking::encrypt_fields`] gives, so Powertools Python decrypts each field
//! with `decrypt(value, **context)`. [`DataMasking::decrypt_typed`] reverses it into `T`.
//!
//! A field's context is the container's static entries, the field's literals, the values of
//! the sibling fields it names (read from the record on encrypt, and from the stored JSON on
//! decrypt: siblings are never encrypted), and, unless `#[encrypt(unbound)]`,
//! [`FIELD_BINDING_KEY`] = the field's declared path (`card`, `orders[*].card`,
//! `accounts.*.iban`). A ciphertext moved to another field fails with
//! [`Error::ContextMismatch`](crate::Error::ContextMismatch); a sibling such as a record id in
//! the context binds it to its record as well. List elements and map values share their
//! declared path (`[*]`, `.*`), so reordering a `Vec` keeps every field readable; bind an
//! element to itself with a context field of its own type. A field inside an `#[encrypt]`ed
//! nested record is covered by the outer message. The untyped API has the same binding as an
//! option: [`DataMasking::encrypt_fields_bound`] / [`DataMasking::decrypt_fields_bound`].
//!
//! ```
//! use data_masking::{DataMasking, Encrypted, Sensitive, keys::RawAesKeyring};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
//! #[sensitive(context(purpose = "billing"))]
//! struct Customer {
//!     customer_id: String,
//!     tenant_id: String,
//!     #[mask]
//!     #[encrypt(context(tenant_id, record = customer_id))]
//!     card: String,
//!     #[encrypt(unbound)]
//!     notes: Vec<String>,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let masker = DataMasking::builder()
//!     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
//!     .build();
//! let c = Customer {
//!     customer_id: "c-1".into(),
//!     tenant_id: "acme".into(),
//!     card: "4111 1111 1111 1111".into(),
//!     notes: vec!["vip".into()],
//! };
//! let stored: Encrypted<Customer> = masker.encrypt_typed(&c).await?;
//! let text = serde_json::to_string(&stored)?; // {"customer_id":"c-1",...,"card":"AgV4..."}
//! assert!(!text.contains("4111") && !text.contains("vip"));
//!
//! let read: Encrypted<Customer> = serde_json::from_str(&text)?;
//! assert_eq!(masker.decrypt_typed(&read).await?, c);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Sealing
//!
//! [`DataMasking::seal_typed`] seals a record as one: it serializes the record once, takes its
//! `#[encrypt]` fields out for placeholders naming their locations
//! (`{"__encrypted": "$['orders'][1]['card']"}`), takes the digests of its `#[sign]` fields,
//! which stay readable, and encrypts both into one ESDK message kept in the record's
//! `__sealed` member, giving a [`Sealed<T>`] that serializes as that JSON (the form of the
//! untyped [`DataMasking::seal`], with the type's [`SensitiveFields::seal`]).
//! [`DataMasking::unseal_typed`] checks it whole and reverses it into `T`: an edited signed
//! field, a placeholder moved, swapped or removed, or a value added under a signed path is
//! [`Error::RecordTampered`](crate::Error::RecordTampered) naming the location.
//!
//! The message is bound to the caller's context, to the struct's `#[sensitive(context(...))]`
//! entries (a literal joins the context; a sibling field's value is read from the record, so
//! the sealed record does not unseal once that field is changed), and to the seal's version.
//! Per-field `#[encrypt(context(...))]` entries and `unbound` do not apply to a sealed record,
//! nor do the context entries of nested types: there is one message, and every placeholder
//! names its own location. Fields outside `#[encrypt]` and `#[sign]` are not protected.
//!
//! ```
//! use data_masking::{DataMasking, EncryptionContext, Sealed, Sensitive, keys::RawAesKeyring};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Sensitive, PartialEq, Debug)]
//! #[sensitive(context(purpose = "billing", customer = customer_id))]
//! struct Customer {
//!     customer_id: String,
//!     #[encrypt]
//!     card: String,
//!     #[sign]
//!     credit_limit: u32,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let masker = DataMasking::builder()
//!     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
//!     .build();
//! let ctx = EncryptionContext::new([("tenant", "acme")])?;
//! let c = Customer { customer_id: "c-1".into(), card: "4111".into(), credit_limit: 500 };
//! let text = serde_json::to_string(&masker.seal_typed(&c, &ctx).await?)?;
//! // {"customer_id":"c-1","card":{"__encrypted":"$['card']"},"credit_limit":500,"__sealed":"AgV4..."}
//! assert!(text.contains(r#""card":{"__encrypted":"$['card']"}"#) && !text.contains("4111"));
//!
//! let read: Sealed<Customer> = serde_json::from_str(&text)?;
//! assert_eq!(masker.unseal_typed(&read, &ctx).await?, c);
//!
//! let raised: Sealed<Customer> = serde_json::from_str(&text.replace("500", "90000"))?;
//! let err = masker.unseal_typed(&raised, &ctx).await.unwrap_err();
//! assert_eq!(err.kind(), "record-tampered");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # The module
//!
//! One concern a file: `sensitive` (the trait and the masked view), `containers` (the trait
//! for the standard containers), `field_path` ([`FieldPath`]), `rules` (what a field declares:
//! [`MaskRule`], [`EncryptRule`]), `fields` (a type's description, [`SensitiveFields`], and its
//! untyped use), `ser` (the masking serializer), `lazy` (masks compiled on first use, for the
//! derive), `flat` (`#[serde(flatten)]` in the masked view), `debug` (the `Debug` notation of a
//! masked view), `walk` (the nodes a path locates, its variants checked), `encrypted` (the
//! stored form [`Encrypted`]), `encrypt` (typed encryption),
//! `sealed` (the stored form [`Sealed`]), `seal` (typed sealing and a type's
//! [`Seal`](crate::Seal)). Fields are located through [`path`](crate::path), as by the untyped
//! API.
//!
//! [`Mask::apply`]: crate::Mask::apply
//! [`DataMasking::encrypt_typed`]: crate::DataMasking::encrypt_typed
//! [`DataMasking::decrypt_typed`]: crate::DataMasking::decrypt_typed
//! [`DataMasking::encrypt_fields`]: crate::DataMasking::encrypt_fields
//! [`DataMasking::encrypt_fields_bound`]: crate::DataMasking::encrypt_fields_bound
//! [`DataMasking::decrypt_fields_bound`]: crate::DataMasking::decrypt_fields_bound
//! [`DataMasking::seal_typed`]: crate::DataMasking::seal_typed
//! [`DataMasking::unseal_typed`]: crate::DataMasking::unseal_typed
//! [`DataMasking::seal`]: crate::DataMasking::seal

mod containers;
mod debug;
mod encrypt;
mod encrypted;
mod field_path;
mod fields;
mod flat;
mod lazy;
mod rules;
mod seal;
mod sealed;
mod sensitive;
mod ser;
mod stored;
mod walk;

pub use debug::{
    DebugError, DebugList, DebugMap, DebugSerialize, DebugSerializer, DebugStruct, DebugTuple,
};
pub use encrypted::Encrypted;
pub use field_path::FieldPath;
pub use fields::{SensitiveField, SensitiveFields};
pub use flat::{FlatCompound, FlatMapSerializer};
pub use lazy::{LazyMask, LazyMasked};
pub use rules::{ContextEntry, ContextSource, EncryptRule, FIELD_BINDING_KEY, MaskRule};
pub use sealed::Sealed;
pub use sensitive::{Masked, Sensitive, debug_masked};
pub use ser::{Compound, MaskSerializer, MaskWith};
