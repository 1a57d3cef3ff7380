//! The KMS keyring: data keys generated and wrapped by AWS KMS, unwrapped in strict mode.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_kms::Client;
use aws_smithy_types::timeout::TimeoutConfig;
use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring,
};
use data_masking::{Error, Result};

use crate::arn::KeyArn;
use crate::ops;

/// The provider id of every encrypted data key that KMS wrapped (as every AWS Encryption SDK).
///
/// ```
/// assert_eq!(data_masking_kms::PROVIDER_ID, "aws-kms");
/// ```
pub const PROVIDER_ID: &str = "aws-kms";

/// How many failed unwraps a [`Error::DecryptKey`] message lists at most.
const MAX_REPORTED_FAILURES: usize = 8;

/// Timeouts of every KMS call, so that a KMS endpoint that does not answer never hangs a Lambda
/// invocation. The SDK's standard retries (3 attempts, exponential backoff) run inside
/// `operation`.
///
/// The defaults suit Lambda: connect 2 s, one attempt 5 s, the whole call with its retries 10 s.
///
/// ```
/// use data_masking_kms::Timeouts;
/// use std::time::Duration;
/// let t = Timeouts::default();
/// assert_eq!(t.connect, Duration::from_secs(2));
/// assert_eq!(t.attempt, Duration::from_secs(5));
/// assert_eq!(t.operation, Duration::from_secs(10));
/// let fast = Timeouts { operation: Duration::from_secs(3), ..Timeouts::default() };
/// # assert_eq!(fast.connect, Duration::from_secs(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS).
    pub connect: Duration,
    /// One attempt of a call, from sending the request to reading the whole response.
    pub attempt: Duration,
    /// A whole call, retries included.
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(2),
            attempt: Duration::from_secs(5),
            operation: Duration::from_secs(10),
        }
    }
}

impl Timeouts {
    /// The SDK timeout configuration for these timeouts.
    ///
    /// ```
    /// use data_masking_kms::Timeouts;
    /// let c = Timeouts::default().to_timeout_config();
    /// assert_eq!(c.operation_timeout(), Some(std::time::Duration::from_secs(10)));
    /// ```
    pub fn to_timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// The AWS KMS keyring: Powertools' `AWSEncryptionSDKProvider(keys=[...])` in Rust.
///
/// * **Encrypt**: `GenerateDataKey` with the first key, then `Encrypt` of that data key with each
///   further key: one encrypted data key per KMS key, provider id `aws-kms`, provider info the key
///   ARN that KMS reports. The encryption context of the message (including
///   `aws-crypto-public-key` for signing suites) is passed to KMS each time.
/// * **Decrypt** (strict mode): only encrypted data keys of provider `aws-kms` whose ARN is one of
///   the configured keys are tried, each with `Decrypt` naming that `KeyId` and passing the
///   context; KMS must report exactly that key. The first success wins; the failures are
///   collected into the [`Error::DecryptKey`].
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
/// let masker = DataMasking::builder().keyring(keyring).try_build()?;
/// let ctx = EncryptionContext::new([("tenant", "acme")])?;
/// let ct = masker.encrypt(&json!({"card": "4111"}), &ctx).await?;
/// assert_eq!(masker.decrypt(&ct, &ctx).await?, json!({"card": "4111"}));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KmsKeyring {
    client: Client,
    keys: Arc<[KeyArn]>,
}

impl fmt::Debug for KmsKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsKeyring")
            .field("keys", &self.keys)
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

    /// A keyring on an existing KMS client, used as it is (its timeouts, retries and endpoint are
    /// the client's own: give it a timeout configuration, e.g. [`Timeouts::to_timeout_config`]).
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
        Ok(Self {
            client,
            keys: parse_keys(keys)?,
        })
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

    /// The KMS client the keyring calls.
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

    /// The configured key that wrapped `edk`, when it is a KMS data key of one of ours.
    fn key_of(&self, edk: &EncryptedDataKey) -> Option<&KeyArn> {
        if edk.provider_id != PROVIDER_ID {
            return None;
        }
        let arn = std::str::from_utf8(&edk.provider_info).ok()?;
        self.keys.iter().find(|k| k.as_str() == arn)
    }
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
        Ok(finish(keys, self.timeouts, self.endpoint_url, config))
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
        Ok(finish(keys, self.timeouts, self.endpoint_url, &config))
    }
}

fn finish(
    keys: Arc<[KeyArn]>,
    timeouts: Timeouts,
    endpoint_url: Option<String>,
    config: &SdkConfig,
) -> KmsKeyring {
    let mut kms =
        aws_sdk_kms::config::Builder::from(config).timeout_config(timeouts.to_timeout_config());
    if let Some(url) = endpoint_url {
        kms = kms.endpoint_url(url);
    }
    KmsKeyring {
        client: Client::from_conf(kms.build()),
        keys,
    }
}

#[async_trait::async_trait]
impl Keyring for KmsKeyring {
    async fn on_encrypt(&self, materials: EncryptionMaterials) -> Result<EncryptionMaterials> {
        let (mut materials, wrap_with) = if materials.data_key().is_some() {
            // Another keyring generated the data key: wrap it with every key.
            (materials, &self.keys[..])
        } else {
            let [generator, rest @ ..] = &self.keys[..] else {
                return Err(Error::EncryptKey("the KMS keyring has no key".into()));
            };
            let length = i32::try_from(materials.data_key_length()).map_err(|_| {
                Error::EncryptKey("the suite's data key length is too large".into())
            })?;
            let (plaintext, ciphertext, key_id) =
                ops::generate_data_key(&self.client, generator, materials.context(), length)
                    .await?;
            let mut plaintext = plaintext;
            let mut materials =
                materials.with_data_key(DataKey::new(std::mem::take(&mut *plaintext)))?;
            materials.add_encrypted_data_key(EncryptedDataKey {
                provider_id: PROVIDER_ID.to_owned(),
                provider_info: key_id.into_bytes(),
                ciphertext,
            });
            (materials, rest)
        };
        for key in wrap_with {
            let data_key = materials
                .data_key()
                .ok_or_else(|| Error::EncryptKey("no data key to wrap".into()))?;
            let (ciphertext, key_id) =
                ops::encrypt(&self.client, key, data_key.as_bytes(), materials.context()).await?;
            materials.add_encrypted_data_key(EncryptedDataKey {
                provider_id: PROVIDER_ID.to_owned(),
                provider_info: key_id.into_bytes(),
                ciphertext,
            });
        }
        Ok(materials)
    }

    async fn on_decrypt(
        &self,
        materials: DecryptionMaterials,
        edks: &[EncryptedDataKey],
    ) -> Result<DecryptionMaterials> {
        if materials.data_key().is_some() {
            return Ok(materials);
        }
        let mut failures: Vec<String> = Vec::new();
        let mut tried = 0usize;
        for edk in edks {
            let Some(key) = self.key_of(edk) else {
                continue;
            };
            tried += 1;
            match ops::decrypt(&self.client, key, &edk.ciphertext, materials.context()).await {
                Ok(mut plaintext) => match materials
                    .clone()
                    .with_data_key(DataKey::new(std::mem::take(&mut *plaintext)))
                {
                    Ok(m) => return Ok(m),
                    Err(e) => failures.push(format!("KMS Decrypt with {key}: {e}")),
                },
                Err(why) => failures.push(why),
            }
        }
        if tried == 0 {
            return Err(Error::DecryptKey(format!(
                "none of the message's {} encrypted data keys was wrapped by a configured KMS key \
                 (configured: {})",
                edks.len(),
                list(self.keys.iter().map(KeyArn::as_str))
            )));
        }
        let shown = failures.len().min(MAX_REPORTED_FAILURES);
        let more = failures.len() - shown;
        let text = failures[..shown].join("; ");
        if more > 0 {
            return Err(Error::DecryptKey(format!("{text}; and {more} more")));
        }
        Err(Error::DecryptKey(text))
    }
}

/// `a, b, c`, at most [`MAX_REPORTED_FAILURES`] items.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .take(MAX_REPORTED_FAILURES)
        .collect::<Vec<_>>()
        .join(", ")
}
