//! The KMS discovery keyrings: decrypt only, with the key that each encrypted data key names.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_kms::Client;
use data_masking::keys::{DataKey, EncryptedDataKey, Keyring, Materials};
use data_masking::{Error, Result};

use crate::arn::KeyArn;
use crate::keyring::provider_arn;
use crate::options::{discovery_keyring, filter_methods, grant_token_methods};
use crate::regional::Timeouts;
use crate::{ops, regional};

/// How many Regions' clients a [`KmsDiscoveryKeyring`] keeps; a client for a further Region is
/// made for the call and dropped.
const MAX_CACHED_REGIONS: usize = 16;

/// The keys a discovery keyring may use: those of one partition and a set of accounts (the
/// ESDK's discovery filter). An encrypted data key naming a key outside it is passed over
/// without any KMS call.
///
/// ```
/// use data_masking_kms::{DiscoveryFilter, KeyArn};
/// let filter = DiscoveryFilter::new("aws", ["111122223333"])?;
/// let mine: KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/k1".parse()?;
/// let theirs: KeyArn = "arn:aws:kms:eu-west-1:444455556666:key/k1".parse()?;
/// assert!(filter.allows(&mine) && !filter.allows(&theirs));
/// assert!(DiscoveryFilter::new("aws", Vec::<String>::new()).is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveryFilter {
    partition: String,
    accounts: BTreeSet<String>,
}

impl DiscoveryFilter {
    /// A filter for `partition` (`aws`, `aws-cn`, `aws-us-gov`...) and `accounts` (at least
    /// one; none empty).
    ///
    /// ```
    /// # use data_masking_kms::DiscoveryFilter;
    /// let f = DiscoveryFilter::new("aws", ["111122223333", "444455556666"])?;
    /// assert_eq!(f.accounts().count(), 2);
    /// assert!(DiscoveryFilter::new("", ["111122223333"]).is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new<I>(partition: impl Into<String>, accounts: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let partition = partition.into();
        if partition.is_empty() || partition.contains(':') {
            return Err(Error::Config(format!(
                "{partition:?} is not an AWS partition (e.g. aws, aws-cn, aws-us-gov)"
            )));
        }
        let accounts: BTreeSet<String> = accounts.into_iter().map(Into::into).collect();
        if accounts.is_empty() {
            return Err(Error::Config(
                "a discovery filter needs at least one account id".into(),
            ));
        }
        if let Some(bad) = accounts.iter().find(|a| a.is_empty() || a.contains(':')) {
            return Err(Error::Config(format!("{bad:?} is not an AWS account id")));
        }
        Ok(Self {
            partition,
            accounts,
        })
    }

    /// The partition.
    ///
    /// ```
    /// # use data_masking_kms::DiscoveryFilter;
    /// assert_eq!(DiscoveryFilter::new("aws-cn", ["111122223333"])?.partition(), "aws-cn");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The account ids, in order.
    ///
    /// ```
    /// # use data_masking_kms::DiscoveryFilter;
    /// let f = DiscoveryFilter::new("aws", ["2", "1"])?;
    /// assert_eq!(f.accounts().collect::<Vec<_>>(), ["1", "2"]);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.accounts.iter().map(String::as_str)
    }

    /// Whether `arn` is in the partition and one of the accounts.
    ///
    /// ```
    /// # use data_masking_kms::{DiscoveryFilter, KeyArn};
    /// let f = DiscoveryFilter::new("aws", ["111122223333"])?;
    /// let cn: KeyArn = "arn:aws-cn:kms:cn-north-1:111122223333:key/k1".parse()?;
    /// assert!(!f.allows(&cn));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn allows(&self, arn: &KeyArn) -> bool {
        arn.partition() == self.partition && self.accounts.contains(arn.account())
    }
}

impl fmt::Display for DiscoveryFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts: Vec<&str> = self.accounts().take(8).collect();
        write!(
            f,
            "partition {}, accounts {}",
            self.partition,
            accounts.join(", ")
        )?;
        if self.accounts.len() > accounts.len() {
            write!(f, " and {} more", self.accounts.len() - accounts.len())?;
        }
        Ok(())
    }
}

/// Whether `region`, taken from a message header, has the form of an AWS Region (lower-case
/// letters, digits and `-`): the discovery keyring sends a request there, so a Region that would
/// make another host name is passed over without a call.
fn plausible_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The error of encrypting with a discovery keyring.
fn decrypt_only(what: &str) -> Error {
    Error::EncryptKey(format!(
        "{what} only decrypts: it names no key to encrypt with (use a KmsKeyring)"
    ))
}

/// `Decrypt` of `edk` with `key_id` on `client`: the data key, checked to be reported for
/// exactly `key_id`.
async fn decrypt(
    client: &Client,
    key_id: &KeyArn,
    materials: &Materials,
    edk: &EncryptedDataKey,
    grant_tokens: &[String],
) -> Result<DataKey> {
    let mut plaintext = ops::decrypt(
        client,
        key_id,
        &edk.ciphertext,
        materials.context(),
        grant_tokens,
    )
    .await
    .map_err(Error::DecryptKey)?;
    Ok(DataKey::new(std::mem::take(&mut *plaintext)))
}

/// The AWS KMS discovery keyring: decrypts any encrypted data key of provider `aws-kms`, with
/// the key its provider info names (ESDK "AWS KMS Discovery Keyring"). It never encrypts.
///
/// * The message's encrypted data keys of provider `aws-kms` are filtered before any KMS call:
///   one whose provider info is not a key ARN fails the decrypt (as in [`KmsKeyring`]); with a
///   [`DiscoveryFilter`], those naming a key of another partition or account are passed over.
/// * Each remaining one, in message order, is tried with `Decrypt` naming the key ARN of its
///   provider info, sent to **that key's Region** (a client derived from the configured one,
///   which keeps its credentials, timeouts, retries and endpoint); KMS must report exactly that
///   key. At most one `Decrypt` per named key and message.
///
/// Key ARNs in a message header are chosen by whoever wrote the message: without a filter, the
/// keyring calls `Decrypt` with any key that your credentials may use. Set a filter with your
/// accounts, and bound the header with `max_encrypted_data_keys` on the engine.
///
/// [`KmsKeyring`]: crate::KmsKeyring
///
/// ```no_run
/// use data_masking::{DataMasking, EncryptionContext};
/// use data_masking_kms::{DiscoveryFilter, KmsDiscoveryKeyring};
/// # async fn demo(ciphertext: &str) -> data_masking::Result<()> {
/// let keyring = KmsDiscoveryKeyring::from_env()
///     .await
///     .with_filter(DiscoveryFilter::new("aws", ["111122223333"])?);
/// let masker = DataMasking::builder().keyring(keyring).build();
/// let ctx = EncryptionContext::new([("tenant", "acme")])?;
/// let value = masker.decrypt(ciphertext, &ctx).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KmsDiscoveryKeyring {
    client: Client,
    filter: Option<DiscoveryFilter>,
    grant_tokens: Arc<[String]>,
    regional: Arc<Mutex<HashMap<String, Client>>>,
}

grant_token_methods!(
    KmsDiscoveryKeyring,
    "every `Decrypt`",
    "# let config = aws_config::SdkConfig::builder().build();",
    "KmsDiscoveryKeyring::new(&config)"
);
filter_methods!(
    KmsDiscoveryKeyring,
    "# let config = aws_config::SdkConfig::builder().build();",
    "KmsDiscoveryKeyring::new(&config)"
);

impl fmt::Debug for KmsDiscoveryKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsDiscoveryKeyring")
            .field("filter", &self.filter)
            .field("grant_tokens", &self.grant_tokens.len())
            .finish_non_exhaustive()
    }
}

impl KmsDiscoveryKeyring {
    /// A discovery keyring on the standard AWS configuration, with the default [`Timeouts`].
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsDiscoveryKeyring;
    /// # async fn demo() {
    /// let keyring = KmsDiscoveryKeyring::from_env().await;
    /// assert!(keyring.filter().is_none());
    /// # }
    /// ```
    pub async fn from_env() -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(Timeouts::default().to_timeout_config())
            .load()
            .await;
        Self::new(&config)
    }

    /// A discovery keyring on an existing AWS configuration, with the default [`Timeouts`].
    ///
    /// ```
    /// # use data_masking_kms::KmsDiscoveryKeyring;
    /// let config = aws_config::SdkConfig::builder().build();
    /// let keyring = KmsDiscoveryKeyring::new(&config);
    /// assert!(keyring.grant_tokens().is_empty());
    /// ```
    pub fn new(config: &SdkConfig) -> Self {
        Self::with_client(regional::client(config, Timeouts::default(), None))
    }

    /// A discovery keyring on an existing KMS client (for another Region than the client's, a
    /// client with the same settings and that Region).
    ///
    /// ```
    /// # use data_masking_kms::KmsDiscoveryKeyring;
    /// let config = aws_config::SdkConfig::builder().build();
    /// let keyring = KmsDiscoveryKeyring::with_client(aws_sdk_kms::Client::new(&config));
    /// # assert!(keyring.filter().is_none());
    /// ```
    pub fn with_client(client: Client) -> Self {
        Self {
            client,
            filter: None,
            grant_tokens: Arc::new([]),
            regional: Arc::default(),
        }
    }

    /// The key that `arn` names may be used: no filter, or the filter allows it, and its Region
    /// has the form of an AWS Region (the call goes there).
    fn allowed(&self, arn: &KeyArn) -> bool {
        plausible_region(arn.region()) && self.filter.as_ref().is_none_or(|f| f.allows(arn))
    }

    /// Where `Decrypt` goes for an encrypted data key naming `arn`, and the key it names:
    /// the key's own Region and the key itself, if the keyring may try it.
    fn target(&self, arn: &KeyArn) -> Option<(Client, KeyArn)> {
        self.allowed(arn)
            .then(|| (self.client_in(arn.region()), arn.clone()))
    }

    /// How errors name the keyring.
    fn describe(&self) -> String {
        match &self.filter {
            Some(f) => format!("the KMS discovery keyring ({f})"),
            None => "the KMS discovery keyring (no discovery filter)".into(),
        }
    }

    /// The client for `region`: the configured one, a cached one, or a new one.
    fn client_in(&self, region: &str) -> Client {
        if regional::region_of(&self.client).as_deref() == Some(region) {
            return self.client.clone();
        }
        let mut cache = self
            .regional
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cache.get(region) {
            return c.clone();
        }
        let client = regional::client_in(&self.client, region);
        if cache.len() < MAX_CACHED_REGIONS {
            cache.insert(region.to_owned(), client.clone());
        }
        client
    }
}

discovery_keyring!(KmsDiscoveryKeyring, "a KMS discovery keyring");

/// The AWS KMS multi-Region-aware discovery keyring, bound to one Region (ESDK "AWS KMS MRK
/// Discovery Keyring"): decrypts an encrypted data key of provider `aws-kms` that names a key
/// of its Region, or a multi-Region key of any Region through its replica in this one. It
/// never encrypts.
///
/// * Filter, before any KMS call: an `aws-kms` provider info that is not a key ARN fails the
///   decrypt; keys outside the [`DiscoveryFilter`] (if any) are passed over, and so are
///   single-Region keys of another Region.
/// * `Decrypt` is sent to this keyring's Region, naming the provider info's key ARN, with the
///   Region replaced by this one for a multi-Region key (`mrk-...`); KMS must report exactly the
///   key named. At most one `Decrypt` per named key and message.
///
/// ```no_run
/// use data_masking::DataMasking;
/// use data_masking_kms::{DiscoveryFilter, KmsMrkDiscoveryKeyring};
/// # async fn demo() -> data_masking::Result<()> {
/// let keyring = KmsMrkDiscoveryKeyring::from_env()
///     .await?
///     .with_filter(DiscoveryFilter::new("aws", ["111122223333"])?);
/// assert_eq!(keyring.region(), "eu-west-1"); // AWS_REGION=eu-west-1
/// let masker = DataMasking::builder().keyring(keyring).build();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KmsMrkDiscoveryKeyring {
    client: Client,
    region: String,
    filter: Option<DiscoveryFilter>,
    grant_tokens: Arc<[String]>,
}

grant_token_methods!(
    KmsMrkDiscoveryKeyring,
    "every `Decrypt`",
    "# let config = aws_config::SdkConfig::builder().region(aws_config::Region::new(\"us-west-2\")).build();",
    "KmsMrkDiscoveryKeyring::new(&config)?"
);
filter_methods!(
    KmsMrkDiscoveryKeyring,
    "# let config = aws_config::SdkConfig::builder().region(aws_config::Region::new(\"us-west-2\")).build();",
    "KmsMrkDiscoveryKeyring::new(&config)?"
);

impl fmt::Debug for KmsMrkDiscoveryKeyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsMrkDiscoveryKeyring")
            .field("region", &self.region)
            .field("filter", &self.filter)
            .field("grant_tokens", &self.grant_tokens.len())
            .finish_non_exhaustive()
    }
}

impl KmsMrkDiscoveryKeyring {
    /// A keyring on the standard AWS configuration, in its Region, with the default
    /// [`Timeouts`]; an error when the configuration has no Region.
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsMrkDiscoveryKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let keyring = KmsMrkDiscoveryKeyring::from_env().await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_env() -> Result<Self> {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(Timeouts::default().to_timeout_config())
            .load()
            .await;
        Self::new(&config)
    }

    /// A keyring on the standard AWS configuration (credentials, endpoint, retries) but bound
    /// to `region`, with the default [`Timeouts`]: to read in a Region other than the
    /// configured one (disaster recovery: the replicas of the other Region's keys). An error
    /// when `region` does not have the form of an AWS Region (lower-case letters, digits and
    /// `-`).
    ///
    /// ```no_run
    /// # use data_masking_kms::KmsMrkDiscoveryKeyring;
    /// # async fn demo() -> data_masking::Result<()> {
    /// let keyring = KmsMrkDiscoveryKeyring::from_env_in_region("us-west-2").await?;
    /// assert_eq!(keyring.region(), "us-west-2");
    /// assert!(KmsMrkDiscoveryKeyring::from_env_in_region("evil.example/x").await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn from_env_in_region(region: &str) -> Result<Self> {
        if !plausible_region(region) {
            return Err(Error::Config(format!(
                "{region:?} is not an AWS Region (such as us-west-2) for the KMS multi-Region \
                 discovery keyring"
            )));
        }
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()))
            .timeout_config(Timeouts::default().to_timeout_config())
            .load()
            .await;
        Self::new(&config)
    }

    /// A keyring on an existing AWS configuration, in its Region, with the default
    /// [`Timeouts`]; an error when the configuration has no Region.
    ///
    /// ```
    /// # use data_masking_kms::KmsMrkDiscoveryKeyring;
    /// let config = aws_config::SdkConfig::builder()
    ///     .region(aws_config::Region::new("eu-west-1"))
    ///     .build();
    /// assert_eq!(KmsMrkDiscoveryKeyring::new(&config)?.region(), "eu-west-1");
    /// assert!(KmsMrkDiscoveryKeyring::new(&aws_config::SdkConfig::builder().build()).is_err());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn new(config: &SdkConfig) -> Result<Self> {
        Self::with_client(regional::client(config, Timeouts::default(), None))
    }

    /// A keyring on an existing KMS client, in the client's Region; an error when the client
    /// has no Region.
    ///
    /// ```
    /// # use data_masking_kms::KmsMrkDiscoveryKeyring;
    /// let config = aws_config::SdkConfig::builder()
    ///     .region(aws_config::Region::new("us-west-2"))
    ///     .build();
    /// let keyring = KmsMrkDiscoveryKeyring::with_client(aws_sdk_kms::Client::new(&config))?;
    /// assert_eq!(keyring.region(), "us-west-2");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn with_client(client: Client) -> Result<Self> {
        let region = regional::region_of(&client).ok_or_else(|| {
            Error::Config(
                "a KMS multi-Region discovery keyring needs a Region (set AWS_REGION)".into(),
            )
        })?;
        Ok(Self {
            client,
            region,
            filter: None,
            grant_tokens: Arc::new([]),
        })
    }

    /// The Region the keyring calls.
    ///
    /// ```
    /// # use data_masking_kms::KmsMrkDiscoveryKeyring;
    /// # let config = aws_config::SdkConfig::builder().region(aws_config::Region::new("us-west-2")).build();
    /// assert_eq!(KmsMrkDiscoveryKeyring::new(&config)?.region(), "us-west-2");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Where `Decrypt` goes for an encrypted data key naming `arn` (this Region), and the key
    /// it names, if the keyring may try it.
    fn target(&self, arn: &KeyArn) -> Option<(Client, KeyArn)> {
        self.request_key(arn).map(|key| (self.client.clone(), key))
    }

    /// How errors name the keyring.
    fn describe(&self) -> String {
        match &self.filter {
            Some(f) => format!(
                "the KMS multi-Region discovery keyring of {} ({f})",
                self.region
            ),
            None => format!(
                "the KMS multi-Region discovery keyring of {} (no discovery filter)",
                self.region
            ),
        }
    }

    /// The key ARN that `Decrypt` names for an encrypted data key naming `arn`, if the keyring
    /// may try it: the filter allows it, and it is a key of this Region or a multi-Region key
    /// (then in this Region).
    ///
    /// ```
    /// # use data_masking_kms::{KeyArn, KmsMrkDiscoveryKeyring};
    /// # let config = aws_config::SdkConfig::builder().region(aws_config::Region::new("us-west-2")).build();
    /// let keyring = KmsMrkDiscoveryKeyring::new(&config)?;
    /// let east: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1".parse()?;
    /// assert_eq!(
    ///     keyring.request_key(&east).unwrap().as_str(),
    ///     "arn:aws:kms:us-west-2:111122223333:key/mrk-1"
    /// );
    /// assert!(keyring.request_key(&"arn:aws:kms:us-east-1:111122223333:key/k1".parse()?).is_none());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn request_key(&self, arn: &KeyArn) -> Option<KeyArn> {
        if self.filter.as_ref().is_some_and(|f| !f.allows(arn)) {
            return None;
        }
        if arn.is_multi_region() {
            Some(arn.in_region(&self.region))
        } else {
            (arn.region() == self.region).then(|| arn.clone())
        }
    }
}

discovery_keyring!(
    KmsMrkDiscoveryKeyring,
    "a KMS multi-Region discovery keyring"
);

#[cfg(test)]
mod tests {
    use super::{DiscoveryFilter, KmsDiscoveryKeyring, KmsMrkDiscoveryKeyring};
    use crate::PROVIDER_ID;
    use data_masking::keys::{EncryptedDataKey, Keyring};

    fn edk(info: &str) -> EncryptedDataKey {
        EncryptedDataKey {
            provider_id: PROVIDER_ID.to_owned(),
            provider_info: info.as_bytes().to_vec(),
            ciphertext: vec![1; 4],
        }
    }

    fn config(region: &str) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .region(aws_config::Region::new(region.to_owned()))
            .build()
    }

    const MINE: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";
    const MINE_MRK: &str = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1";
    const OTHER_ACCOUNT: &str = "arn:aws:kms:us-east-1:444455556666:key/k1";
    const OTHER_PARTITION: &str = "arn:aws-cn:kms:cn-north-1:111122223333:key/k1";

    #[test]
    fn the_discovery_filter_keeps_its_partition_and_accounts_only() {
        let filter = DiscoveryFilter::new("aws", ["111122223333"]).expect("a filter");
        let keyring = KmsDiscoveryKeyring::new(&config("us-east-1")).with_filter(filter);
        let edks = [
            edk(OTHER_ACCOUNT),
            edk(MINE),
            edk(OTHER_PARTITION),
            edk(MINE_MRK),
        ];
        let kept = keyring.select_encrypted_data_keys(&edks).expect("ARNs");
        let kept: Vec<&[u8]> = kept.iter().map(|e| e.provider_info.as_slice()).collect();
        assert_eq!(kept, [MINE.as_bytes(), MINE_MRK.as_bytes()]);
        // Without a filter, every aws-kms key.
        let all = KmsDiscoveryKeyring::new(&config("us-east-1"));
        assert_eq!(
            all.select_encrypted_data_keys(&edks).expect("ARNs").len(),
            4
        );
        // But not one whose Region would make another host name: no call goes there.
        let odd = [
            edk("arn:aws:kms:evil.example/x:111122223333:key/k1"),
            edk("arn:aws:kms:US-EAST-1:111122223333:key/k1"),
        ];
        assert!(
            all.select_encrypted_data_keys(&odd)
                .expect("ARNs")
                .is_empty()
        );
        // A provider info that is not a key ARN fails, filter or not.
        let bad = [edk(MINE), edk("alias/x")];
        assert!(keyring.select_encrypted_data_keys(&bad).is_err());
    }

    #[test]
    fn the_mrk_discovery_keyring_keeps_its_region_and_multi_region_keys() {
        let keyring = KmsMrkDiscoveryKeyring::new(&config("us-east-1"))
            .expect("a Region")
            .with_filter(DiscoveryFilter::new("aws", ["111122223333"]).expect("a filter"));
        let single_elsewhere = "arn:aws:kms:eu-west-1:111122223333:key/k1";
        let edks = [
            edk(single_elsewhere),
            edk(MINE),
            edk(OTHER_ACCOUNT),
            edk(MINE_MRK),
        ];
        let kept = keyring.select_encrypted_data_keys(&edks).expect("ARNs");
        let kept: Vec<&[u8]> = kept.iter().map(|e| e.provider_info.as_slice()).collect();
        assert_eq!(kept, [MINE.as_bytes(), MINE_MRK.as_bytes()]);
        let key = keyring
            .request_key(&MINE_MRK.parse().expect("ARN"))
            .expect("kept");
        assert_eq!(key.as_str(), "arn:aws:kms:us-east-1:111122223333:key/mrk-1");
    }

    #[tokio::test]
    async fn the_mrk_discovery_keyring_of_a_named_region_takes_a_region_only() {
        let keyring = KmsMrkDiscoveryKeyring::from_env_in_region("ap-south-1")
            .await
            .expect("a Region");
        assert_eq!(keyring.region(), "ap-south-1");
        for bad in ["", "evil.example/x", "US-EAST-1", "us-east-1:x"] {
            let err = KmsMrkDiscoveryKeyring::from_env_in_region(bad)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), "config", "{bad:?}");
            assert!(err.to_string().contains("is not an AWS Region"), "{err}");
        }
    }

    #[test]
    fn discovery_filters_refuse_empty_parts() {
        assert!(DiscoveryFilter::new("aws", [""]).is_err());
        assert!(DiscoveryFilter::new("a:b", ["1"]).is_err());
        assert!(DiscoveryFilter::new("aws", Vec::<String>::new()).is_err());
    }
}
