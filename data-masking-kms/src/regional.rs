//! KMS clients per Region: every call goes to the Region of the key it names.

use aws_config::{Region, SdkConfig};
use aws_sdk_kms::Client;

use crate::keyring::Timeouts;

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
