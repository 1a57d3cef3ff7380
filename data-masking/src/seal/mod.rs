//! Sealed records: the fields to encrypt leave the record, a placeholder naming each one's
//! location stays in its place, and the encrypted values, with a digest of each sign-only value,
//! form the plaintext of one ESDK message per record, kept in a reserved member of the record.
//!
//! This module knows the layout of a sealed record and checks it; it knows no keys. The
//! [`DataMasking::seal`](crate::DataMasking::seal) and
//! [`unseal`](crate::DataMasking::unseal) methods encrypt and decrypt the one message.
//!
//! * `spec`: what to seal ([`Seal`], built by [`SealBuilder`]);
//! * `layout`: the plaintext of the message, versioned;
//! * `record`: taking a record apart at seal time, and checking and restoring it at unseal time;
//! * `text`: taking a JSON text apart without building a `Value`, when its fields allow.

mod layout;
mod record;
mod spec;
mod text;

pub(crate) use layout::Layout;
pub(crate) use record::{open, prepare, restore};
pub use spec::{Seal, SealBuilder};
pub(crate) use text::prepare_text;

/// The member of a sealed record that holds its message, unless
/// [`SealBuilder::member`] names another.
///
/// ```
/// assert_eq!(data_masking::DEFAULT_SEAL_MEMBER, "__sealed");
/// ```
pub const DEFAULT_SEAL_MEMBER: &str = "__sealed";

/// The one member of a placeholder: `{"__encrypted": "$['orders'][1]['card']"}` stands where
/// the encrypted value was, and names that location as an RFC 9535 normalized path.
///
/// ```
/// assert_eq!(data_masking::PLACEHOLDER_KEY, "__encrypted");
/// ```
pub const PLACEHOLDER_KEY: &str = "__encrypted";

/// The encryption-context key every record message carries, with the layout version as its
/// value (`"1"`), so that no other message (one made by `encrypt`, say) passes for a seal.
///
/// ```
/// assert_eq!(data_masking::SEAL_CONTEXT_KEY, "data-masking:sealed");
/// ```
pub const SEAL_CONTEXT_KEY: &str = "data-masking:sealed";

/// The layout version this crate writes, and the only one it reads.
pub(crate) const SEAL_VERSION: u32 = 1;
