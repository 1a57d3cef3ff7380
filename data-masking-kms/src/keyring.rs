//! The KMS keyring: data keys generated and wrapped by AWS KMS, unwrapped in strict mode.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_kms::Client;
use data_masking::keys::{DataKey, EncryptedDataKey, Keyring, Materials};
use data_masking::{Error, Result};

use crate::arn::KeyArn;
use crate::ops;
use crate::options::grant_token_methods;
use crate::regional::{self, Timeouts};

/// The provider id of every encrypted data key that KMS wrapped (as every AWS Encryption SDK).
///
/// ```
/// assert_eq!(data_masking_kms::PROVIDER_ID, "aws-kms");
/// ```
pub const PROVIDER_ID: &str = "aws-kms";

/// How many configured keys a [`Error::DecryptKey`] message lists at most.
const MAX_LISTED_KEYS: usize = 8;

/// The AWS KMS keyring: Powertools' `AWSEncryptionSDKProvider(keys=[...])` in Rust.
///
/// * **Encrypt**: `GenerateDataKey` with the first key, then `Encrypt` of that data key with each
///   further key: one encrypted data key per KMS key, provider id `aws-kms`, provider info the key
///   ARN that KMS reports. The encryption context of the message (including
///   `aws-crypto-public-key` for signing suites) is passed to KMS each time.
/// * **Decrypt** (strict mode): the message's encrypted data keys are first filtered, before any
///   KMS call. One of provider `aws-kms` whose provider info is not a valid KMS key ARN (not
///   UTF-8, not an ARN, an alias ARN) fails the decrypt with [`Error::DecryptKey`], as the AWS
///   Encryption SDK specification requires, instead of being skipped. Only those whose ARN
///   matches a configured key are tried (the same ARN, or for a multi-Region `mrk-` key the same
///   key in any Region: [`KeyArn::mrk_matches`]), in message order, each with `Decrypt` naming
///   the configured key as `KeyId`, in that key's Region, and passing the context; KMS must
///   report exactly the configured key, and the data key must have the suite's length. The first success wins; the failures are collected into the
///   [`Error::DecryptKey`]. Materials that already hold a data key are refused, as the
///   specification requires.
/// * **Regions and grant tokens**: every call goes to the Region of the key it names (the
///   keyring's client for its own Region, a client with its settings and the key's Region
///   otherwise), and carries the grant tokens, if any ([`KmsKeyringBuilder::grant_tokens`]).
/// * **At most one `Decrypt` per configured key and message.** Key ARNs are public (every message
///   header names them), so anyone can write a message holding thousands of encrypted data keys
///   that name your key; each would cost a KMS call, billed and counted against your request
///   quota, on every resend. Once a `Decrypt` with a key has failed (or returned a data key that
///   fails a check), the further encrypted data keys naming that key are not tried: the error
///   says how many were skipped. A message costs at most as many `Decrypt` calls as there are
///   configured keys. The specification tries every matching encrypted data key; a message made
///   by an AWS Encryption SDK holds one per key, so only a message holding two for the same key,
///   the first of which fails, decrypts there and not here. To bound the header itself, set
///   `max_encrypted_data_keys` on the [`DataMasking`](data_masking::DataMasking) builder
///   ([`data_masking`](crate::data_masking()) sets 10).
///
/// Only full key ARNs are accepted (see [`KeyArn`]). Cloning is cheap (the SDK client is shared).
/// Wrap it in a [`DataMasking`](data_masking::DataMasking) with a cache so that one data key
/// serves many messages: see [`data_masking`](crate::data_masking()).
///
/// ```no_run
/// use data_masking::{DataMasking, EncryptionContext};
/// use data_masking_kms::KmsKeyring;
/// use serde_json::json;
/// # async fn demo() -> data_masking::Result<()> {
/// let keyring = KmsKeyring::from_env([
///     "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
/// ])
/// .await?;
/// let masker = DataMasking::builder().keyring(keyring).build();
/// let ctx = EncryptionContext::new([("tenant", "acme")])?;
/// let ct = masker.encrypt(&json!({"card": "4111"}), &ctx).await?;
/// assert_eq!(masker.decrypt(&ct, &ctx).await?, json!({"card": "4111"}));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KmsKeyring {
    client: Client,
    /// The client of each key's Region, in the order of `keys`.
    clients: Arc<[Client]>,
    keys: Arc<[KeyArn]>,
    grant_tokens: Arc<[String]>,
}

grant_token_methods!(
    KmsKeyring,
    "every KMS call (`GenerateDataKey`, `Encrypt`, `Decrypt`)",
    "# let config = aws_config::SdkConfig::builder().build();",
    "KmsKeyring::new(&config, [\"arn:aws:kms:us-east-1:111122223333:key/k1\"])?"
);

impl fmt::Debug for KmsKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsKeyring")
            .field("keys", &self.keys)
            .field("grant_tokens", &self.grant_tokens.len())
            .finish_non_exhaustive()
    }
}

/// Parses and checks the key list: at least one, all full key ARNs, no duplicates.
fn parse_keys<I>(keys: I) -> Result<Arc<[KeyArn]>>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut parsed: Vec<KeyArn> = Vec::new();
    for key in keys {
        let arn: KeyArn = key.as_ref().parse()?;
        if parsed.contains(&arn) {
            return Err(Error::Config(format!("the KMS key {arn} is listed twice")));
        }
        parsed.push(arn);
    }
    if parsed.is_empty() {
        return Err(Error::Config(
            "a KMS keyring needs at least one key ARN".into(),
        ));
    }
    Ok(parsed.into())
}

impl KmsKeyring {
    /// A keyring on the standard AWS configuration (`aws_config::defaults`): credentials, region,
    /// retries, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_KMS` work as in every AWS SDK, with the
    /// default [`Timeouts`]. The first key generates data keys.
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let keyring = KmsKeyring::from_env([
    ///     "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ///     "arn:aws:kms:eu-west-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321",
    /// ])
    /// .await?;
    /// assert_eq!(keyring.keys().len(), 2);
    /// # Ok(()) }
    /// ```
    pub async fn from_env<I>(keys: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::builder(keys).load().await
    }

    /// A keyring on an existing AWS configuration, with the default [`Timeouts`] (which replace
    /// the configuration's connect, attempt and operation timeouts; use
    /// [`builder`](Self::builder) to choose others).
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let keyring = KmsKeyring::new(&config, ["arn:aws:kms:us-east-1:111122223333:key/k1"])?;
    /// # Ok(()) }
    /// ```
    pub fn new<I>(config: &SdkConfig, keys: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self::builder(keys).build(config)
    }

    /// A keyring on an existing KMS client, used as it is for the keys of its Region (its
    /// timeouts, retries and endpoint are the client's own: give it a timeout configuration,
    /// e.g. [`Timeouts::to_timeout_config`]); for a key of another Region, a client with the
    /// same settings and that Region.
    ///
    /// ```no_run
    /// # use data_masking_kms::{KmsKeyring, Timeouts};
    /// # async fn demo() -> data_masking::Result<()> {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let kms = aws_sdk_kms::Client::from_conf(
    ///     aws_sdk_kms::config::Builder::from(&config)
    ///         .timeout_config(Timeouts::default().to_timeout_config())
    ///         .build(),
    /// );
    /// let keyring = KmsKeyring::with_client(kms, ["arn:aws:kms:us-east-1:111122223333:key/k1"])?;
    /// # Ok(()) }
    /// ```
    pub fn with_client<I>(client: Client, keys: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Ok(Self::assemble(client, parse_keys(keys)?, Arc::new([])))
    }

    /// The keyring on `client`, with a client for each key's Region derived from it.
    fn assemble(client: Client, keys: Arc<[KeyArn]>, grant_tokens: Arc<[String]>) -> Self {
        let clients = keys
            .iter()
            .map(|k| regional::client_in(&client, k.region()))
            .collect();
        Self {
            client,
            clients,
            keys,
            grant_tokens,
        }
    }

    /// A builder, to choose [`Timeouts`] or an endpoint.
    ///
    /// ```no_run
    /// # use data_masking_kms::{KmsKeyring, Timeouts};
    /// # use std::time::Duration;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let keyring = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"])
    ///     .timeouts(Timeouts { operation: Duration::from_secs(4), ..Timeouts::default() })
    ///     .load()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder<I>(keys: I) -> KmsKeyringBuilder
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        KmsKeyringBuilder {
            keys: parse_keys(keys),
            timeouts: Timeouts::default(),
            endpoint_url: None,
            grant_tokens: Vec::new(),
        }
    }

    /// The configured key ARNs; the first one generates data keys.
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let k = KmsKeyring::from_env(["arn:aws:kms:us-east-1:111122223333:key/k1"]).await?;
    /// assert_eq!(k.keys()[0].as_str(), "arn:aws:kms:us-east-1:111122223333:key/k1");
    /// # Ok(()) }
    /// ```
    pub fn keys(&self) -> &[KeyArn] {
        &self.keys
    }

    /// The KMS client the keyring was built on; each KMS call goes to a client derived from it
    /// for the Region of the key it names (the same client when the Regions are the same).
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let k = KmsKeyring::from_env(["arn:aws:kms:us-east-1:111122223333:key/k1"]).await?;
    /// let timeouts = k.client().config().timeout_config().cloned();
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The specification's filter of a message's encrypted data keys: for each one of provider
    /// `aws-kms` that names a configured key (or, for a multi-Region key, one of its replicas:
    /// [`KeyArn::mrk_matches`]), the index of that key and the encrypted data key, in message
    /// order. An `aws-kms` encrypted data key whose provider info is not a valid KMS key
    /// ARN fails the whole decrypt (the specification's "or OnDecrypt MUST fail"), wherever it
    /// is in the list, before any KMS call.
    fn filter<'e>(
        &self,
        edks: &'e [EncryptedDataKey],
    ) -> Result<Vec<(usize, &'e EncryptedDataKey)>> {
        let mut matching = Vec::new();
        for (i, edk) in edks.iter().enumerate() {
            let Some(arn) = provider_arn(i, edks.len(), edk)? else {
                continue;
            };
            if let Some(k) = self.keys.iter().position(|k| k.mrk_matches(&arn)) {
                matching.push((k, edk));
            }
        }
        Ok(matching)
    }
}

/// The key ARN that the `i`th of `n` encrypted data keys names if its provider is `aws-kms`
/// (`None` for another provider); an error when its provider info is not a KMS key ARN (the
/// specification's "or OnDecrypt MUST fail").
pub(crate) fn provider_arn(i: usize, n: usize, edk: &EncryptedDataKey) -> Result<Option<KeyArn>> {
    if edk.provider_id != PROVIDER_ID {
        return Ok(None);
    }
    std::str::from_utf8(&edk.provider_info)
        .map_err(|_| "not UTF-8")
        .and_then(KeyArn::parse)
        .map(Some)
        .map_err(|why| {
            Error::DecryptKey(format!(
                "encrypted data key {} of {n} has provider {PROVIDER_ID} but its provider \
                 info {} is not a KMS key ARN ({why}): the message is refused",
                i + 1,
                shown(&edk.provider_info)
            ))
        })
}

/// How many characters of a provider info an error shows at most.
const MAX_SHOWN_CHARS: usize = 100;

/// Untrusted bytes from a message header as a quoted, escaped and shortened text for an error.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    if text.chars().nth(MAX_SHOWN_CHARS).is_some() {
        out.push_str("...");
    }
    format!("{out:?}")
}

/// Builds a [`KmsKeyring`] with chosen [`Timeouts`] or endpoint.
///
/// ```no_run
/// # use data_masking_kms::{KmsKeyring, Timeouts};
/// # async fn demo() -> data_masking::Result<()> {
/// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let keyring = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"])
///     .endpoint_url("http://127.0.0.1:5000")
///     .build(&config)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use]
pub struct KmsKeyringBuilder {
    keys: Result<Arc<[KeyArn]>>,
    timeouts: Timeouts,
    endpoint_url: Option<String>,
    grant_tokens: Vec<String>,
}

impl KmsKeyringBuilder {
    /// The timeouts of every KMS call (default: [`Timeouts::default`]).
    ///
    /// ```
    /// # use data_masking_kms::{KmsKeyring, Timeouts};
    /// # use std::time::Duration;
    /// let b = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"])
    ///     .timeouts(Timeouts { connect: Duration::from_millis(500), ..Timeouts::default() });
    /// ```
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sends every KMS call to `url` (e.g. a local KMS-compatible endpoint), taking precedence
    /// over `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_KMS` and the configuration's endpoint.
    ///
    /// ```
    /// # use data_masking_kms::KmsKeyring;
    /// let b = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"])
    ///     .endpoint_url("http://127.0.0.1:5000");
    /// ```
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Grant tokens sent with every KMS call (`GenerateDataKey`, `Encrypt`, `Decrypt`).
    ///
    /// ```
    /// # use data_masking_kms::KmsKeyring;
    /// let b = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"])
    ///     .grant_tokens(["token-1", "token-2"]);
    /// ```
    pub fn grant_tokens<I>(mut self, tokens: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.grant_tokens = tokens.into_iter().map(Into::into).collect();
        self
    }

    /// Builds the keyring on an existing AWS configuration (its credentials, region, retries and
    /// endpoint), with these timeouts.
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let keyring = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"]).build(&config)?;
    /// # Ok(()) }
    /// ```
    pub fn build(self, config: &SdkConfig) -> Result<KmsKeyring> {
        let keys = self.keys?;
        let client = regional::client(config, self.timeouts, self.endpoint_url);
        Ok(KmsKeyring::assemble(client, keys, self.grant_tokens.into()))
    }

    /// Loads the standard AWS configuration (`aws_config::defaults` with the latest behavior
    /// version) and builds the keyring on it.
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let keyring = KmsKeyring::builder(["arn:aws:kms:us-east-1:111122223333:key/k1"]).load().await?;
    /// # Ok(()) }
    /// ```
    pub async fn load(self) -> Result<KmsKeyring> {
        let keys = self.keys?;
        let config = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(self.timeouts.to_timeout_config())
            .load()
            .await;
        let client = regional::client(&config, self.timeouts, self.endpoint_url);
        Ok(KmsKeyring::assemble(client, keys, self.grant_tokens.into()))
    }
}

impl KmsKeyring {
    /// `data_key` wrapped by KMS `Encrypt` with each configured key from the `from`th on: one
    /// encrypted data key each.
    async fn encrypt_with(
        &self,
        from: usize,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        let mut edks = Vec::with_capacity(self.keys.len() - from);
        for (client, key) in self.clients[from..].iter().zip(&self.keys[from..]) {
            let (ciphertext, key_id) = ops::encrypt(
                client,
                key,
                data_key.as_bytes(),
                materials.context(),
                &self.grant_tokens,
            )
            .await?;
            edks.push(encrypted_data_key(key_id, ciphertext));
        }
        Ok(edks)
    }

    /// The index of the first configured key that `edk` names (the key itself or, for a
    /// multi-Region key, one of its replicas), if it is one of provider `aws-kms`.
    fn key_of(&self, edk: &EncryptedDataKey) -> Option<usize> {
        if edk.provider_id != PROVIDER_ID {
            return None;
        }
        let arn = std::str::from_utf8(&edk.provider_info)
            .ok()
            .and_then(|s| KeyArn::parse(s).ok())?;
        self.keys.iter().position(|k| k.mrk_matches(&arn))
    }

    /// `Decrypt` of `edk` with the configured key `k`, in that key's Region.
    async fn decrypt_with(
        &self,
        k: usize,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<DataKey> {
        let mut plaintext = ops::decrypt(
            &self.clients[k],
            &self.keys[k],
            &edk.ciphertext,
            materials.context(),
            &self.grant_tokens,
        )
        .await
        .map_err(Error::DecryptKey)?;
        Ok(DataKey::new(std::mem::take(&mut *plaintext)))
    }
}

fn encrypted_data_key(key_id: String, ciphertext: Vec<u8>) -> EncryptedDataKey {
    EncryptedDataKey {
        provider_id: PROVIDER_ID.to_owned(),
        provider_info: key_id.into_bytes(),
        ciphertext,
    }
}

/// The core of the keyring interface: the provided `on_encrypt` / `on_decrypt` keep its rules
/// (no data key generated when one is given; materials that hold one refused on decrypt; a key
/// of the wrong length passed over), with this keyring's filter and its one `Decrypt` per
/// configured key and message.
#[async_trait::async_trait]
impl Keyring for KmsKeyring {
    /// `Encrypt` with every configured key.
    async fn wrap_data_key(
        &self,
        materials: &Materials,
        data_key: &DataKey,
    ) -> Result<Vec<EncryptedDataKey>> {
        self.encrypt_with(0, materials, data_key).await
    }

    /// `Decrypt` naming the configured key that `edk` names (`None` for any other).
    async fn unwrap_data_key(
        &self,
        materials: &Materials,
        edk: &EncryptedDataKey,
    ) -> Result<Option<DataKey>> {
        let Some(k) = self.key_of(edk) else {
            return Ok(None);
        };
        self.decrypt_with(k, materials, edk).await.map(Some)
    }

    /// `GenerateDataKey` with the first key, then `Encrypt` with each further key.
    async fn generate_data_key(
        &self,
        materials: &Materials,
    ) -> Result<(DataKey, Vec<EncryptedDataKey>)> {
        let [generator, ..] = &self.keys[..] else {
            return Err(Error::EncryptKey("the KMS keyring has no key".into()));
        };
        let length = i32::try_from(materials.data_key_length())
            .map_err(|_| Error::EncryptKey("the suite's data key length is too large".into()))?;
        let (mut plaintext, ciphertext, key_id) = ops::generate_data_key(
            &self.clients[0],
            generator,
            materials.context(),
            length,
            &self.grant_tokens,
        )
        .await?;
        let data_key = DataKey::new(std::mem::take(&mut *plaintext));
        let mut edks = vec![encrypted_data_key(key_id, ciphertext)];
        edks.extend(self.encrypt_with(1, materials, &data_key).await?);
        Ok((data_key, edks))
    }

    /// The specification's filter (see [`KmsKeyring`]), before any KMS call.
    fn select_encrypted_data_keys<'e>(
        &self,
        edks: &'e [EncryptedDataKey],
    ) -> Result<Vec<&'e EncryptedDataKey>> {
        Ok(self.filter(edks)?.into_iter().map(|(_, edk)| edk).collect())
    }

    /// At most one `Decrypt` per configured key and message.
    fn one_unwrap_per_key(&self) -> bool {
        true
    }

    /// The configured key an encrypted data key names: the encrypted data keys naming several
    /// replicas of one multi-Region key all name the same configured key, so a failed `Decrypt`
    /// with it is not tried again for the others.
    fn wrapping_key_of<'e>(&self, edk: &'e EncryptedDataKey) -> Cow<'e, [u8]> {
        let configured = std::str::from_utf8(&edk.provider_info)
            .ok()
            .and_then(|info| KeyArn::parse(info).ok())
            .and_then(|arn| self.keys.iter().find(|k| k.mrk_matches(&arn)));
        match configured {
            Some(key) => Cow::Owned(key.to_string().into_bytes()),
            None => Cow::Borrowed(&edk.provider_info),
        }
    }

    fn describe_keys(&self) -> String {
        format!(
            "the configured KMS keys ({})",
            list(self.keys.iter().map(KeyArn::as_str))
        )
    }
}

/// `a, b, c`, at most [`MAX_LISTED_KEYS`] items.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.take(MAX_LISTED_KEYS).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::{KmsKeyring, PROVIDER_ID};
    use data_masking::AlgorithmSuite;
    use data_masking::keys::{DataKey, DecryptionMaterials, EncryptedDataKey, Keyring};
    use std::collections::BTreeMap;

    const K1: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";
    const K2: &str = "arn:aws:kms:us-east-1:111122223333:key/k2";
    const OTHER: &str = "arn:aws:kms:us-east-1:111122223333:key/other";

    fn keyring() -> KmsKeyring {
        let config = aws_config::SdkConfig::builder().build();
        KmsKeyring::new(&config, [K1, K2]).expect("two key ARNs")
    }

    fn edk(provider_id: &str, info: &[u8], ciphertext: u8) -> EncryptedDataKey {
        EncryptedDataKey {
            provider_id: provider_id.to_owned(),
            provider_info: info.to_vec(),
            ciphertext: vec![ciphertext; 4],
        }
    }

    #[test]
    fn filter_keeps_the_aws_kms_keys_naming_a_configured_key_in_message_order() {
        let edks = [
            // Another provider's info is not ours to judge, whatever it holds.
            edk("raw-aes", b"not an ARN \xff", 0),
            edk(PROVIDER_ID, OTHER.as_bytes(), 1),
            edk(PROVIDER_ID, K2.as_bytes(), 2),
            // The provider id must match exactly.
            edk("AWS-KMS", K1.as_bytes(), 3),
            edk(PROVIDER_ID, K1.as_bytes(), 4),
            edk(PROVIDER_ID, K2.as_bytes(), 5),
        ];
        let kept: Vec<(usize, u8)> = keyring()
            .filter(&edks)
            .expect("every aws-kms provider info is a key ARN")
            .into_iter()
            .map(|(k, e)| (k, e.ciphertext[0]))
            .collect();
        assert_eq!(kept, [(1, 2), (0, 4), (1, 5)]);
    }

    #[test]
    fn filter_matches_a_multi_region_key_in_any_region_and_a_single_region_key_exactly() {
        let replica = "arn:aws:kms:us-west-2:111122223333:key/mrk-1";
        let single = "arn:aws:kms:us-west-2:111122223333:key/k1";
        let config = aws_config::SdkConfig::builder().build();
        let keyring = KmsKeyring::new(&config, [single, replica]).expect("two key ARNs");
        let edks = [
            edk(
                PROVIDER_ID,
                b"arn:aws:kms:us-east-1:111122223333:key/mrk-1",
                0,
            ),
            edk(PROVIDER_ID, b"arn:aws:kms:us-east-1:111122223333:key/k1", 1),
            edk(
                PROVIDER_ID,
                b"arn:aws:kms:eu-west-1:444455556666:key/mrk-1",
                2,
            ),
            edk(
                PROVIDER_ID,
                b"arn:aws:kms:eu-west-1:111122223333:key/mrk-1",
                3,
            ),
            edk(PROVIDER_ID, single.as_bytes(), 4),
            edk(PROVIDER_ID, replica.as_bytes(), 5),
        ];
        let kept: Vec<(usize, u8)> = keyring
            .filter(&edks)
            .expect("key ARNs")
            .into_iter()
            .map(|(k, e)| (k, e.ciphertext[0]))
            .collect();
        assert_eq!(kept, [(1, 0), (1, 3), (0, 4), (1, 5)]);
    }

    #[test]
    fn filter_fails_on_an_aws_kms_key_whose_provider_info_is_not_a_key_arn() {
        let long = format!("{}{}", "x".repeat(500), "TAIL");
        let bad: [&[u8]; 8] = [
            b"arn:aws:kms:us-east-1:111122223333:alias/my-key",
            b"alias/my-key",
            b"1234abcd-12ab-34cd-56ef-1234567890ab",
            b"arn:aws:kms:us-east-1:111122223333:key/k1:extra",
            b"arn:aws:s3:us-east-1:111122223333:key/k1",
            b"",
            b"arn:aws:kms:us-east-1:111122223333:key/\xff",
            long.as_bytes(),
        ];
        for info in bad {
            // Wherever it is in the list, even after a key that would decrypt.
            let edks = [
                edk(PROVIDER_ID, K1.as_bytes(), 1),
                edk(PROVIDER_ID, info, 2),
            ];
            let err = keyring().filter(&edks).unwrap_err();
            assert_eq!(err.kind(), "decrypt-key", "{err}");
            let text = err.to_string();
            assert!(text.contains("encrypted data key 2 of 2"), "{text}");
            assert!(text.contains("is not a KMS key ARN"), "{text}");
            assert!(
                !text.contains("TAIL"),
                "a long provider info is shortened: {text}"
            );
            assert!(text.len() < 400, "{text}");
        }
        let err = keyring()
            .filter(&[edk(PROVIDER_ID, b"line\nbreak", 0)])
            .unwrap_err();
        assert!(
            err.to_string().contains(r#""line\nbreak""#),
            "escaped: {err}"
        );
        let err = keyring()
            .filter(&[edk(PROVIDER_ID, b"\xff\xfe", 0)])
            .unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }

    #[tokio::test]
    async fn on_decrypt_refuses_materials_that_already_hold_a_data_key() {
        let materials = DecryptionMaterials::new(AlgorithmSuite::default(), BTreeMap::new())
            .with_data_key(DataKey::new(vec![0; 32]))
            .expect("a data key");
        let edks = [edk(PROVIDER_ID, K1.as_bytes(), 1)];
        let err = keyring().on_decrypt(materials, &edks).await.unwrap_err();
        assert_eq!(err.kind(), "decrypt-key", "{err}");
        assert!(err.to_string().contains("already hold a data key"), "{err}");
    }
}
