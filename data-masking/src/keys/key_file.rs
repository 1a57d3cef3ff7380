//! Key files: a raw AES key as JSON text, `{"namespace": "...", "name": "...", "key": "<base64>"}`,
//! read from disk or written new. The key's copies made here are zeroized.

use std::borrow::Cow;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::{Zeroize, Zeroizing};

use super::{DataKey, RawAesKeyring};
use crate::error::{Error, Result};

/// The keyring of a key file's text.
pub(super) fn parse(text: &str) -> Result<RawAesKeyring> {
    /// The fields, borrowed from the text where they can be: the base64 key is then never
    /// copied, and a copy serde has to make (a string with escapes) is zeroized below.
    #[derive(serde::Deserialize)]
    struct KeyFile<'a> {
        #[serde(borrow)]
        namespace: Cow<'a, str>,
        #[serde(borrow)]
        name: Cow<'a, str>,
        #[serde(borrow)]
        key: Cow<'a, str>,
    }
    let bad = |why: &str| Error::Config(format!("invalid key file: {why}"));
    let file: KeyFile<'_> = serde_json::from_str(text).map_err(|e| bad(&format!("{e}")))?;
    let key = STANDARD.decode(file.key.as_bytes()).map(Zeroizing::new);
    if let Cow::Owned(mut copy) = file.key {
        copy.zeroize();
    }
    let key = key.map_err(|_| bad("\"key\" is not base64"))?;
    RawAesKeyring::new(&file.namespace, &file.name, &key)
}

/// The keyring of the key file at `path`; its text is zeroized once parsed.
pub(super) fn read(path: &Path) -> Result<RawAesKeyring> {
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!("cannot read the key file {}: {e}", path.display()))
        })?);
    parse(&text)
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
