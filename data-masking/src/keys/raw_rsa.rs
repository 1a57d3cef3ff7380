//! The raw RSA keyring: data keys encrypted with a local RSA key pair.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use zeroize::Zeroizing;

use super::{DataKey, EncryptedDataKey, Keyring, Materials, key_file};
use crate::error::{Error, Result};
use crate::primitives::rsa::{KeyError, Padding, PrivateKey, PublicKey};

/// The RSA padding of a [`RawRsaKeyring`]: the five of the ESDK raw RSA keyring. Written (in key
/// files, on the command line) as `pkcs1`, `oaep-sha1`, `oaep-sha256`, `oaep-sha384` and
/// `oaep-sha512`.
///
/// ```
/// use data_masking::keys::RsaPadding;
/// let p: RsaPadding = "oaep-sha256".parse()?;
/// assert_eq!(p, RsaPadding::OaepSha256);
/// assert_eq!(p.to_string(), "oaep-sha256");
/// assert!("oaep-md5".parse::<RsaPadding>().is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaPadding {
    /// RSAES-PKCS1-v1_5 (`pkcs1`). Only for keys that already use it: prefer OAEP.
    Pkcs1,
    /// RSAES-OAEP with SHA-1, MGF1 with SHA-1 (`oaep-sha1`).
    OaepSha1,
    /// RSAES-OAEP with SHA-256, MGF1 with SHA-256 (`oaep-sha256`).
    OaepSha256,
    /// RSAES-OAEP with SHA-384, MGF1 with SHA-384 (`oaep-sha384`).
    OaepSha384,
    /// RSAES-OAEP with SHA-512, MGF1 with SHA-512 (`oaep-sha512`).
    OaepSha512,
}

impl RsaPadding {
    /// All five, in the order of their names above.
    ///
    /// ```
    /// # use data_masking::keys::RsaPadding;
    /// assert_eq!(RsaPadding::ALL.len(), 5);
    /// ```
    pub const ALL: [RsaPadding; 5] = [
        RsaPadding::Pkcs1,
        RsaPadding::OaepSha1,
        RsaPadding::OaepSha256,
        RsaPadding::OaepSha384,
        RsaPadding::OaepSha512,
    ];

    /// The name of the padding (`oaep-sha256`).
    ///
    /// ```
    /// # use data_masking::keys::RsaPadding;
    /// assert_eq!(RsaPadding::Pkcs1.as_str(), "pkcs1");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            RsaPadding::Pkcs1 => "pkcs1",
            RsaPadding::OaepSha1 => "oaep-sha1",
            RsaPadding::OaepSha256 => "oaep-sha256",
            RsaPadding::OaepSha384 => "oaep-sha384",
            RsaPadding::OaepSha512 => "oaep-sha512",
        }
    }

    fn primitive(self) -> Padding {
        match self {
            RsaPadding::Pkcs1 => Padding::Pkcs1,
            RsaPadding::OaepSha1 => Padding::OaepSha1,
            RsaPadding::OaepSha256 => Padding::OaepSha256,
            RsaPadding::OaepSha384 => Padding::OaepSha384,
            RsaPadding::OaepSha512 => Padding::OaepSha512,
        }
    }
}

impl fmt::Display for RsaPadding {
    /// ```
    /// # use data_masking::keys::RsaPadding;
    /// assert_eq!(format!("{}", RsaPadding::OaepSha512), "oaep-sha512");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RsaPadding {
    type Err = Error;

    /// ```
    /// # use data_masking::keys::RsaPadding;
    /// assert_eq!("pkcs1".parse::<RsaPadding>()?, RsaPadding::Pkcs1);
    /// let e = "oaep".parse::<RsaPadding>().unwrap_err();
    /// assert!(e.to_string().contains("oaep-sha256"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        RsaPadding::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Error::Config(format!(
                    "unknown RSA padding {s:?}: one of pkcs1, oaep-sha1, oaep-sha256, \
                     oaep-sha384, oaep-sha512"
                ))
            })
    }
}

/// A local RSA key pair that wraps data keys, byte-compatible with the ESDK raw RSA keyring (and
/// Python's `RawMasterKey` with `WrappingAlgorithm.RSA_*`): the provider id is the key
/// namespace, the provider info is the key name alone, and the ciphertext is the data key
/// encrypted with the public key and the [`RsaPadding`]. Unlike the AES wrap, an RSA wrap is not
/// bound to the encryption context (the message's header tag still is).
///
/// Keys are read from PEM: a private key as PKCS #8 (`PRIVATE KEY`) or PKCS #1
/// (`RSA PRIVATE KEY`), a public key as SubjectPublicKeyInfo (`PUBLIC KEY`) or PKCS #1
/// (`RSA PUBLIC KEY`); unencrypted only. With the default backend the modulus has 2048 to 8192
/// bits.
///
/// * With a private key, it encrypts (with the public half of the private key, as the Python
///   ESDK does) and decrypts.
/// * With a public key alone, it only encrypts: a producer that cannot read what it wrote.
///   Decrypting a message wrapped for it fails with an error saying so.
///
/// ```
/// use data_masking::keys::{RawRsaKeyring, RsaPadding};
/// let (key_json, public_json) =
///     RawRsaKeyring::generate_key_json("ns", "rsa-key", RsaPadding::OaepSha256, 2048)?;
/// let keyring = RawRsaKeyring::from_key_json(&key_json)?;
/// assert!(keyring.can_decrypt());
/// let producer = RawRsaKeyring::from_key_json(&public_json)?;
/// assert!(!producer.can_decrypt());
/// assert_eq!(
///     format!("{producer:?}"),
///     r#"RawRsaKeyring { namespace: "ns", name: "rsa-key", padding: OaepSha256, private_key: false, .. }"#
/// );
/// # Ok::<(), data_masking::Error>(())
/// ```
pub struct RawRsaKeyring {
    namespace: String,
    name: String,
    padding: RsaPadding,
    public: PublicKey,
    private: Option<PrivateKey>,
}

impl fmt::Debug for RawRsaKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRsaKeyring")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("padding", &self.padding)
            .field("private_key", &self.private.is_some())
            .finish_non_exhaustive()
    }
}

/// The configuration error of a refused PEM.
fn pem_error(which: &str, e: KeyError) -> Error {
    match e {
        KeyError::Pem(why) => Error::Config(format!("invalid RSA {which} key: {why}")),
        KeyError::Rejected => Error::Config(format!(
            "invalid RSA {which} key: not an RSA key the crypto backend accepts (malformed, or \
             of an unsupported size)"
        )),
    }
}

impl RawRsaKeyring {
    /// A keyring named `namespace`/`name` for the PEM `private_key_pem` and/or
    /// `public_key_pem` (at least one). Given both, they must be the two halves of one key pair.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::OaepSha1, 2048)?;
    /// # let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// # let (private_pem, public_pem) = (v["private_key_pem"].as_str().unwrap(), v["public_key_pem"].as_str().unwrap());
    /// let k = RawRsaKeyring::new("ns", "k", RsaPadding::OaepSha1, Some(private_pem), Some(public_pem))?;
    /// assert!(k.can_decrypt());
    /// assert!(RawRsaKeyring::new("ns", "k", RsaPadding::OaepSha1, None, None).is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(
        namespace: &str,
        name: &str,
        padding: RsaPadding,
        private_key_pem: Option<&str>,
        public_key_pem: Option<&str>,
    ) -> Result<Self> {
        let private = private_key_pem
            .map(|pem| PrivateKey::from_pem(pem).map_err(|e| pem_error("private", e)))
            .transpose()?;
        let given = public_key_pem
            .map(|pem| PublicKey::from_pem(pem).map_err(|e| pem_error("public", e)))
            .transpose()?;
        let public = match (&private, given) {
            (None, None) => {
                return Err(Error::Config(format!(
                    "the raw RSA key {namespace}/{name} needs a private key, a public key or both"
                )));
            }
            (None, Some(public)) => public,
            (Some(private), None) => private.public_key(),
            (Some(private), Some(public)) => {
                let derived = private.public_key();
                let same = matches!(
                    (derived.to_spki(), public.to_spki()),
                    (Ok(a), Ok(b)) if a == b
                );
                if !same {
                    return Err(Error::Config(format!(
                        "the raw RSA key {namespace}/{name}: the public key is not the public \
                         half of the private key"
                    )));
                }
                public
            }
        };
        Ok(Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            padding,
            public,
            private,
        })
    }

    /// A keyring that encrypts and decrypts, for a PEM private key.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::OaepSha256, 2048)?;
    /// # let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// # let pem = v["private_key_pem"].as_str().unwrap();
    /// let k = RawRsaKeyring::from_private_key_pem("ns", "k", RsaPadding::OaepSha256, pem)?;
    /// assert!(k.can_decrypt());
    /// let e = RawRsaKeyring::from_private_key_pem("ns", "k", RsaPadding::OaepSha256, "nope");
    /// assert!(e.unwrap_err().to_string().contains("invalid RSA private key"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_private_key_pem(
        namespace: &str,
        name: &str,
        padding: RsaPadding,
        pem: &str,
    ) -> Result<Self> {
        Self::new(namespace, name, padding, Some(pem), None)
    }

    /// A keyring that only encrypts, for a PEM public key.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (_, json) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::OaepSha256, 2048)?;
    /// # let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// # let pem = v["public_key_pem"].as_str().unwrap();
    /// let k = RawRsaKeyring::from_public_key_pem("ns", "k", RsaPadding::OaepSha256, pem)?;
    /// assert!(!k.can_decrypt());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_public_key_pem(
        namespace: &str,
        name: &str,
        padding: RsaPadding,
        pem: &str,
    ) -> Result<Self> {
        Self::new(namespace, name, padding, None, Some(pem))
    }

    /// Reads an RSA key file: `{"type": "rsa", "namespace": "...", "name": "...", "padding":
    /// "oaep-sha256", "private_key_pem": "...", "public_key_pem": "..."}`, either PEM may be left
    /// out (not both). The copies of the private key made while reading are zeroized.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::Pkcs1, 2048)?;
    /// let k = RawRsaKeyring::from_key_json(&json)?;
    /// assert_eq!(k.padding(), RsaPadding::Pkcs1);
    /// // An AES key file is not an RSA one.
    /// let e = RawRsaKeyring::from_key_json(r#"{"namespace": "ns", "name": "k", "key": "AAAA"}"#);
    /// assert!(e.unwrap_err().to_string().contains("not an RSA key file"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_key_json(text: &str) -> Result<Self> {
        key_file::parse_rsa(text)
    }

    /// Reads an RSA key file from disk (see [`from_key_json`](Self::from_key_json)).
    ///
    /// ```no_run
    /// # use data_masking::keys::RawRsaKeyring;
    /// let k = RawRsaKeyring::from_key_file("rsa-key.json")?;
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_key_file(path: impl AsRef<Path>) -> Result<Self> {
        key_file::read_rsa(path.as_ref())
    }

    /// A new random key pair of `bits` (2048, 3072 or 4096; public exponent 65537) as two key
    /// files: the whole key (zeroized when dropped; keep it secret) and its public half (share
    /// it with producers).
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// let (key, public) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::OaepSha512, 2048)?;
    /// assert!(key.contains("PRIVATE KEY") && key.contains("\"type\": \"rsa\""));
    /// assert!(!public.contains("PRIVATE KEY"));
    /// assert!(RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::OaepSha512, 1024).is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn generate_key_json(
        namespace: &str,
        name: &str,
        padding: RsaPadding,
        bits: usize,
    ) -> Result<(Zeroizing<String>, String)> {
        if !matches!(bits, 2048 | 3072 | 4096) {
            return Err(Error::Config(format!(
                "an RSA key has 2048, 3072 or 4096 bits, not {bits}"
            )));
        }
        let key = PrivateKey::generate(bits)
            .map_err(|_| Error::Config(format!("generating a {bits}-bit RSA key failed")))?;
        key_file::generate_rsa(namespace, name, padding, &key)
    }

    /// The key namespace (the provider id of its encrypted data keys).
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::Pkcs1, 2048)?;
    /// assert_eq!(RawRsaKeyring::from_key_json(&json)?.namespace(), "ns");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The key name (the provider info of its encrypted data keys).
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::Pkcs1, 2048)?;
    /// assert_eq!(RawRsaKeyring::from_key_json(&json)?.name(), "k");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The padding.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::OaepSha384, 2048)?;
    /// assert_eq!(RawRsaKeyring::from_key_json(&json)?.padding(), RsaPadding::OaepSha384);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn padding(&self) -> RsaPadding {
        self.padding
    }

    /// Whether it holds the private key, and so can decrypt.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// let (key, public) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::Pkcs1, 2048)?;
    /// assert!(RawRsaKeyring::from_key_json(&key)?.can_decrypt());
    /// assert!(!RawRsaKeyring::from_key_json(&public)?.can_decrypt());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn can_decrypt(&self) -> bool {
        self.private.is_some()
    }

    /// The public key as PEM SubjectPublicKeyInfo.
    ///
    /// ```
    /// # use data_masking::keys::{RawRsaKeyring, RsaPadding};
    /// # let (json, _) = RawRsaKeyring::generate_key_json("ns", "k", RsaPadding::Pkcs1, 2048)?;
    /// let pem = RawRsaKeyring::from_key_json(&json)?.public_key_pem()?;
    /// assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn public_key_pem(&self) -> Result<String> {
        self.public
            .to_pem()
            .map_err(|_| Error::Config("the RSA public key could not be encoded".into()))
    }
}

#[async_trait::async_trait]
impl Keyring for RawRsaKeyring {
    async fn wrap_data_key(
        &self,
        _materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        let ciphertext = self
            .public
            .encrypt(self.padding.primitive(), data_key.as_bytes())
            .map_err(|_| {
                Error::EncryptKey(format!(
                    "RSA encryption of the data key with {} failed",
                    self.describe_keys()
                ))
            })?;
        Ok(vec![EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.name.as_bytes().to_vec(),
            ciphertext,
        }])
    }

    async fn unwrap_data_key(
        &self,
        _materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        if edk.provider_id != self.namespace || edk.provider_info != self.name.as_bytes() {
            return Ok(None);
        }
        let Some(private) = &self.private else {
            return Err(Error::DecryptKey(
                "an encrypted data key naming it was found, but only its public key was given: \
                 a public key encrypts, decrypting needs the private key"
                    .into(),
            ));
        };
        match private.decrypt(self.padding.primitive(), &edk.ciphertext) {
            // Moved, not copied, into the data key.
            Ok(mut key) => Ok(Some(DataKey::new(std::mem::take(&mut *key)))),
            Err(_) => Err(Error::DecryptKey(format!(
                "an encrypted data key naming it did not decrypt with padding {} (wrapped by \
                 another key of that name, with another padding, or altered)",
                self.padding
            ))),
        }
    }

    fn describe_keys(&self) -> String {
        if self.private.is_some() {
            format!("the raw RSA key {}/{}", self.namespace, self.name)
        } else {
            format!(
                "the raw RSA public key {}/{} (no private key: it cannot decrypt)",
                self.namespace, self.name
            )
        }
    }
}
