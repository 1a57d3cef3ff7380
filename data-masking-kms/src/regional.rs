//! KMS clients: their timeouts, and one per Region (every call goes to the Region of the key it
//! names).

use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_kms::Client;
use aws_smithy_types::timeout::TimeoutConfig;

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

/// A KMS client on `config` with `timeouts`, sending to `endpoint_url` when one is given.
pub(crate) fn client(
    config: &SdkConfig,
    timeouts: Timeouts,
    endpoint_url: Option<String>,
) -> Client {
    let mut kms =
        aws_sdk_kms::config::Builder::from(config).timeout_config(timeouts.to_timeout_config());
    if let Some(url) = endpoint_url {
        kms = kms.endpoint_url(url);
    }
    Client::from_conf(kms.build())
}

/// `base` itself when its Region is `region`, otherwise a client with all of `base`'s settings
/// (credentials, timeouts, retries, endpoint, HTTP client) but the Region.
pub(crate) fn client_in(base: &Client, region: &str) -> Client {
    if base.config().region().map(Region::as_ref) == Some(region) {
        return base.clone();
    }
    let config = base
        .config()
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build();
    Client::from_conf(config)
}

/// The Region of `client`, if it has one.
pub(crate) fn region_of(client: &Client) -> Option<String> {
    client.config().region().map(|r| r.as_ref().to_owned())
}
