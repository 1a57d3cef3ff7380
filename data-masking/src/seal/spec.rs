//! What sealing does to a record: [`Seal`] and its builder.

use super::{DEFAULT_SEAL_MEMBER, SEAL_CONTEXT_KEY};
use crate::error::{Error, Result};
use crate::message::RESERVED_CONTEXT_PREFIX;
use crate::path::Field;

/// What [`DataMasking::seal`](crate::DataMasking::seal) does to a record, compiled once: the
/// fields to encrypt, the fields to sign, the encryption-context pairs taken from the record's
/// own fields, and the member that holds the message. Unseal a record with the `Seal` it was
/// sealed with. Cloning is cheap enough to do per task; share one per process.
///
/// ```
/// use data_masking::Seal;
/// let seal = Seal::builder()
///     .encrypt(["card", "orders[*].card"])
///     .sign(["status"])
///     .bind("order_id", "id")
///     .build()?;
/// assert_eq!(seal.member(), "__sealed");
/// assert_eq!(seal.encrypted_fields().len(), 2);
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Seal {
    pub(crate) encrypt: Vec<Field>,
    pub(crate) sign: Vec<Field>,
    pub(crate) bind: Vec<(String, Field)>,
    pub(crate) member: String,
    /// The member's name as a JSON string.
    pub(crate) member_json: String,
    /// The start of every layout this seal writes, up to its first value (see
    /// `layout::LayoutWriter`).
    pub(crate) layout_head: String,
}

/// Builds a [`Seal`]; [`build`](Self::build) compiles the expressions and checks the options.
///
/// ```
/// use data_masking::Seal;
/// let err = Seal::builder().encrypt(["a["]).build().unwrap_err();
/// assert_eq!(err.kind(), "invalid-path");
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct SealBuilder {
    encrypt: Vec<String>,
    sign: Vec<String>,
    bind: Vec<(String, String)>,
    member: Option<String>,
}

impl Seal {
    /// A builder with no field and the default member, [`DEFAULT_SEAL_MEMBER`].
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().sign(["status"]).build()?;
    /// assert!(seal.encrypted_fields().is_empty());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn builder() -> SealBuilder {
        SealBuilder::default()
    }

    /// The fields whose values leave the record, encrypted.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().encrypt(["a.b"]).build()?;
    /// assert_eq!(seal.encrypted_fields()[0].as_str(), "a.b");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn encrypted_fields(&self) -> &[Field] {
        &self.encrypt
    }

    /// The fields whose values stay readable, but signed.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().sign(["s"]).build()?;
    /// assert_eq!(seal.signed_fields()[0].as_str(), "s");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn signed_fields(&self) -> &[Field] {
        &self.sign
    }

    /// The encryption-context keys taken from the record, each with the field it is read from.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().sign(["s"]).bind("order", "id").build()?;
    /// assert_eq!(seal.bindings().next(), Some(("order", "id")));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn bindings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.bind.iter().map(|(k, f)| (k.as_str(), f.as_str()))
    }

    /// The top-level member that holds the record's message.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().sign(["s"]).member("_seal").build()?;
    /// assert_eq!(seal.member(), "_seal");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn member(&self) -> &str {
        &self.member
    }
}

impl SealBuilder {
    /// Adds fields (in the Powertools dialect) to encrypt: each node they locate leaves the
    /// record, and a placeholder naming its location stays in its place.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().encrypt(["a"]).encrypt(["b"]).build()?;
    /// assert_eq!(seal.encrypted_fields().len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn encrypt<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.encrypt
            .extend(fields.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// Adds fields to sign: each node they locate stays readable, and a change to it, or a
    /// node they locate at unseal time that they did not locate at seal time, is detected.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().sign(["status", "items[*].price"]).build()?;
    /// assert_eq!(seal.signed_fields().len(), 2);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn sign<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.sign
            .extend(fields.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// Binds the record's message to one of its own fields: the encryption context gains
    /// `key` = the value of `field` (a string as is, a number or boolean as its JSON text), so
    /// the sealed record does not unseal once that field has another value. `field` must locate
    /// exactly one such value, and must not be encrypted.
    ///
    /// ```
    /// let seal = data_masking::Seal::builder().encrypt(["card"]).bind("order_id", "id").build()?;
    /// assert_eq!(seal.bindings().count(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn bind(mut self, key: impl Into<String>, field: impl Into<String>) -> Self {
        self.bind.push((key.into(), field.into()));
        self
    }

    /// The top-level member that holds the message (default [`DEFAULT_SEAL_MEMBER`]).
    ///
    /// ```
    /// let err = data_masking::Seal::builder().sign(["s"]).member("").build().unwrap_err();
    /// assert_eq!(err.kind(), "config");
    /// ```
    pub fn member(mut self, name: impl Into<String>) -> Self {
        self.member = Some(name.into());
        self
    }

    /// Compiles the fields and checks the options: at least one field to encrypt or sign
    /// ([`Error::EmptyFields`]), a non-empty member name ([`Error::Config`]), binding keys
    /// that are unique and not reserved ([`Error::InvalidContext`]).
    ///
    /// ```
    /// use data_masking::Seal;
    /// assert_eq!(Seal::builder().build().unwrap_err().kind(), "empty-fields");
    /// let err = Seal::builder().sign(["s"]).bind("aws-crypto-x", "id").build().unwrap_err();
    /// assert_eq!(err.kind(), "invalid-context");
    /// ```
    pub fn build(self) -> Result<Seal> {
        if self.encrypt.is_empty() && self.sign.is_empty() {
            return Err(Error::EmptyFields);
        }
        let member = self
            .member
            .unwrap_or_else(|| DEFAULT_SEAL_MEMBER.to_owned());
        if member.is_empty() {
            return Err(Error::Config(
                "the sealed record's member name is empty".into(),
            ));
        }
        let compile = |exprs: Vec<String>| {
            exprs
                .iter()
                .map(|e| Field::parse(e))
                .collect::<Result<Vec<_>>>()
        };
        let mut bind = Vec::with_capacity(self.bind.len());
        for (key, field) in self.bind {
            if key.starts_with(RESERVED_CONTEXT_PREFIX) || key == SEAL_CONTEXT_KEY {
                return Err(Error::InvalidContext(format!(
                    "the key {key} is reserved and cannot be bound to a field"
                )));
            }
            if bind.iter().any(|(k, _): &(String, Field)| *k == key) {
                return Err(Error::InvalidContext(format!(
                    "the key {key} is bound twice"
                )));
            }
            bind.push((key, Field::parse(&field)?));
        }
        let (encrypt, sign) = (compile(self.encrypt)?, compile(self.sign)?);
        let layout_head = super::layout::head(&encrypt, &sign, &bind)?;
        let member_json = serde_json::to_string(&member)?;
        Ok(Seal {
            encrypt,
            sign,
            bind,
            member,
            member_json,
            layout_head,
        })
    }
}
