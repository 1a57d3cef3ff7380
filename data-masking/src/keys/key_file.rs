//! Key files: a local key as JSON text, read from disk or written new. The copies of the key
//! made here are zeroized.
//!
//! * raw AES: `{"namespace": "...", "name": "...", "key": "<base64>"}`, with `"type": "aes"`
//!   optional;
//! * raw RSA: `{"type": "rsa", "namespace": "...", "name": "...", "padding": "oaep-sha256",
//!   "private_key_pem": "...", "public_key_pem": "..."}`, either PEM left out (not both).

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

use super::{
    DataKey, EncryptedDataKey, Keyring, Materials, RawAesKeyring, RawRsaKeyring, RsaPadding,
};
use crate::error::{Error, Result};
use crate::primitives::rsa::PrivateKey;

/// The keyring of a key file of either type: what a command given `--key-file` uses.
///
/// ```
/// use data_masking::keys::{KeyFile, RawAesKeyring, RawRsaKeyring, RsaPadding};
/// let aes = RawAesKeyring::generate_key_json("ns", "aes-key")?;
/// assert!(matches!(KeyFile::from_json(&aes)?, KeyFile::Aes(_)));
/// let (rsa, public) = RawRsaKeyring::generate_key_json("ns", "rsa-key", RsaPadding::OaepSha256, 2048)?;
/// assert!(matches!(KeyFile::from_json(&rsa)?, KeyFile::Rsa(k) if k.can_decrypt()));
/// let keyring = KeyFile::from_json(&public)?.into_keyring();
/// assert_eq!(keyring.describe_keys(), "the raw RSA public key ns/rsa-key (no private key: it cannot decrypt)");
/// assert!(KeyFile::from_json(r#"{"type": "ec", "namespace": "ns", "name": "k"}"#).is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
// Read once per key file and turned into a keyring: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum KeyFile {
    /// A raw AES key file.
    Aes(RawAesKeyring),
    /// A raw RSA key file.
    Rsa(RawRsaKeyring),
}

impl KeyFile {
    /// The keyring of a key file's text (its `"type"`, `aes` when left out).
    ///
    /// ```
    /// # use data_masking::keys::{KeyFile, RawAesKeyring};
    /// let k = KeyFile::from_json(r#"{"type": "aes", "namespace": "ns", "name": "k", "key": "AAAAAAAAAAAAAAAAAAAAAA=="}"#)?;
    /// assert!(matches!(k, KeyFile::Aes(_)));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        let file = Fields::parse(text)?;
        match file.kind.as_deref() {
            None | Some("aes") => file.aes().map(KeyFile::Aes),
            Some("rsa") => file.rsa().map(KeyFile::Rsa),
            Some(other) => Err(bad(&format!(
                "unknown \"type\" {other:?}: \"aes\" or \"rsa\""
            ))),
        }
    }

    /// Reads a key file from disk (see [`from_json`](Self::from_json)); its text is zeroized
    /// once parsed.
    ///
    /// ```no_run
    /// # use data_masking::keys::KeyFile;
    /// let keyring = KeyFile::read("key.json")?.into_keyring();
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_json(&read_text(path.as_ref())?)
    }

    /// The keyring, shared.
    ///
    /// ```
    /// # use data_masking::keys::{KeyFile, RawAesKeyring};
    /// let k = KeyFile::from_json(&RawAesKeyring::generate_key_json("ns", "k")?)?.into_keyring();
    /// assert_eq!(k.describe_keys(), "the raw AES key ns/k");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn into_keyring(self) -> Arc<dyn Keyring> {
        match self {
            KeyFile::Aes(k) => Arc::new(k),
            KeyFile::Rsa(k) => Arc::new(k),
        }
    }
}

/// A key file is the keyring it holds: every method is that keyring's.
///
/// ```
/// # use data_masking::keys::{KeyFile, Keyring, RawAesKeyring};
/// let k = KeyFile::from_json(&RawAesKeyring::generate_key_json("ns", "k")?)?;
/// assert_eq!(k.describe_keys(), "the raw AES key ns/k");
/// # Ok::<(), data_masking::Error>(())
/// ```
#[async_trait::async_trait]
impl Keyring for KeyFile {
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        match self {
            KeyFile::Aes(k) => k.wrap_data_key(materials, data_key).await,
            KeyFile::Rsa(k) => k.wrap_data_key(materials, data_key).await,
        }
    }

    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        match self {
            KeyFile::Aes(k) => k.unwrap_data_key(materials, edk).await,
            KeyFile::Rsa(k) => k.unwrap_data_key(materials, edk).await,
        }
    }

    fn describe_keys(&self) -> String {
        match self {
            KeyFile::Aes(k) => k.describe_keys(),
            KeyFile::Rsa(k) => k.describe_keys(),
        }
    }
}

fn bad(why: &str) -> Error {
    Error::Config(format!("invalid key file: {why}"))
}

/// The fields of a key file, borrowed from the text where they can be: the base64 AES key is
/// then never copied, and a copy serde has to make (a string with escapes, as every PEM in
/// JSON) is zeroized when dropped.
#[derive(serde::Deserialize)]
struct Fields<'a> {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(borrow)]
    namespace: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    key: Option<Cow<'a, str>>,
    #[serde(default)]
    padding: Option<String>,
    #[serde(borrow, default)]
    private_key_pem: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    public_key_pem: Option<Cow<'a, str>>,
}

impl Drop for Fields<'_> {
    fn drop(&mut self) {
        for secret in [&mut self.key, &mut self.private_key_pem] {
            if let Some(Cow::Owned(copy)) = secret {
                copy.zeroize();
            }
        }
    }
}

impl<'a> Fields<'a> {
    fn parse(text: &'a str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| bad(&format!("{e}")))
    }

    fn aes(&self) -> Result<RawAesKeyring> {
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| bad("an AES key file has a \"key\" (base64)"))?;
        let key = STANDARD
            .decode(key.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| bad("\"key\" is not base64"))?;
        RawAesKeyring::new(&self.namespace, &self.name, &key)
    }

    fn rsa(&self) -> Result<RawRsaKeyring> {
        let padding: RsaPadding = self
            .padding
            .as_deref()
            .ok_or_else(|| {
                bad(
                    "an RSA key file has a \"padding\" (pkcs1, oaep-sha1, oaep-sha256, \
                     oaep-sha384 or oaep-sha512)",
                )
            })?
            .parse()?;
        if self.key.is_some() {
            return Err(bad("an RSA key file has PEM keys, not a \"key\""));
        }
        if self.private_key_pem.is_none() && self.public_key_pem.is_none() {
            return Err(bad(
                "an RSA key file has \"private_key_pem\", \"public_key_pem\" or both",
            ));
        }
        RawRsaKeyring::new(
            &self.namespace,
            &self.name,
            padding,
            self.private_key_pem.as_deref(),
            self.public_key_pem.as_deref(),
        )
    }
}

/// The text of the key file at `path`, zeroized when dropped.
fn read_text(path: &Path) -> Result<Zeroizing<String>> {
    Ok(Zeroizing::new(std::fs::read_to_string(path).map_err(
        |e| Error::Config(format!("cannot read the key file {}: {e}", path.display())),
    )?))
}

/// The AES keyring of a key file's text.
pub(super) fn parse(text: &str) -> Result<RawAesKeyring> {
    match KeyFile::from_json(text)? {
        KeyFile::Aes(k) => Ok(k),
        KeyFile::Rsa(_) => Err(bad(
            "an RSA key file, not an AES one (read it with RawRsaKeyring or KeyFile)",
        )),
    }
}

/// The AES keyring of the key file at `path`; its text is zeroized once parsed.
pub(super) fn read(path: &Path) -> Result<RawAesKeyring> {
    parse(&read_text(path)?)
}

/// The RSA keyring of a key file's text.
pub(super) fn parse_rsa(text: &str) -> Result<RawRsaKeyring> {
    let file = Fields::parse(text)?;
    if file.kind.as_deref() != Some("rsa") {
        return Err(bad("not an RSA key file (that has \"type\": \"rsa\")"));
    }
    file.rsa()
}

/// The RSA keyring of the key file at `path`; its text is zeroized once parsed.
pub(super) fn read_rsa(path: &Path) -> Result<RawRsaKeyring> {
    parse_rsa(&read_text(path)?)
}

/// The texts of the two key files of `key`: the whole key (in a buffer zeroized when dropped)
/// and its public half.
pub(super) fn generate_rsa(
    namespace: &str,
    name: &str,
    padding: RsaPadding,
    key: &PrivateKey,
) -> Result<(Zeroizing<String>, String)> {
    let failed = |_| Error::Config("encoding the RSA key failed".into());
    let private_pem = key.to_pem().map_err(failed)?;
    let public_pem = key.public_key().to_pem().map_err(failed)?;
    let head = format!(
        "{{\n  \"type\": \"rsa\",\n  \"namespace\": {},\n  \"name\": {},\n  \"padding\": \"{padding}\",\n",
        serde_json::to_string(namespace)?,
        serde_json::to_string(name)?,
    );
    let public_line = format!(
        "  \"public_key_pem\": {}\n}}",
        serde_json::to_string(&public_pem)?
    );
    // The private PEM as a JSON string: base64 and the newlines escaped, written into one
    // buffer of its final size so that no copy is left behind by a reallocation.
    let escaped_len = private_pem.len() + private_pem.matches('\n').count();
    let mut text = Zeroizing::new(String::with_capacity(
        head.len() + escaped_len + public_line.len() + 32,
    ));
    text.push_str(&head);
    text.push_str("  \"private_key_pem\": \"");
    for c in private_pem.chars() {
        if c == '\n' {
            text.push_str("\\n");
        } else {
            text.push(c);
        }
    }
    text.push_str("\",\n");
    text.push_str(&public_line);
    let public = format!("{head}{public_line}");
    Ok((text, public))
}

/// The text of a key file for a new random 256-bit key, in a buffer zeroized when dropped.
pub(super) fn generate(namespace: &str, name: &str) -> Result<Zeroizing<String>> {
    let key = DataKey::random(32)?;
    let namespace = serde_json::to_string(namespace)?;
    let name = serde_json::to_string(name)?;
    // Written into one buffer of its final size, so that no copy of the key is left behind
    // by a reallocation; the buffer is zeroized when the caller drops it.
    let mut text = Zeroizing::new(String::with_capacity(
        namespace.len() + name.len() + 44 + 64,
    ));
    text.push_str("{\n  \"namespace\": ");
    text.push_str(&namespace);
    text.push_str(",\n  \"name\": ");
    text.push_str(&name);
    text.push_str(",\n  \"key\": \"");
    STANDARD.encode_string(key.as_bytes(), &mut text);
    text.push_str("\"\n}");
    Ok(text)
}
