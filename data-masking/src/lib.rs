//! Erase, encrypt and decrypt sensitive fields in structured data.
//!
//! `data-masking` is the Rust counterpart of the Data Masking utility of Powertools for AWS
//! Lambda (Python). It erases fields irreversibly, or encrypts them into AWS Encryption SDK
//! messages that Powertools Python (and every other ESDK) reads, and the other way round.
//!
//! ```
//! use data_masking::{DataMasking, Mask};
//! use serde_json::json;
//!
//! let masker = DataMasking::new();
//! let record = json!({"name": "Carlos", "card_number": "1111 2222 3333 4444"});
//! let out = masker.erase(&record, &["card_number"])?;
//! assert_eq!(out, json!({"name": "Carlos", "card_number": "*****"}));
//!
//! let out = masker.erase_with(&record, &["card_number"], &Mask::Dynamic)?;
//! assert_eq!(out["card_number"], "**** **** **** ****");
//! # Ok::<(), data_masking::Error>(())
//! ```

// encryption modules (esdk, keyring, cache, context, crypto) begin
// encryption modules end
pub mod erase;
pub mod error;
pub mod masker;
pub mod path;
mod span;

pub use erase::{Mask, Rules};
pub use error::{Error, Result};
pub use masker::{DataMasking, DataMaskingBuilder, Erasure};
pub use path::Fields;

// typed (derive) modules begin
// typed (derive) modules end
