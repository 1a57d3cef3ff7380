//! KMS key ARNs: only full key ARNs are accepted, as Powertools documents.

use std::fmt;
use std::str::FromStr;

use data_masking::Error;

/// A validated AWS KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<key-id>`.
///
/// Aliases (`alias/...`, alias ARNs) and bare key ids are refused: decrypt must name the exact
/// key that wrapped a data key, and only a key ARN says that (KMS itself reports the key ARN of a
/// decrypted data key, which is compared with the configured one).
///
/// ```
/// use data_masking_kms::KeyArn;
/// let arn: KeyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".parse()?;
/// assert_eq!(arn.region(), "eu-west-1");
/// assert!("alias/my-key".parse::<KeyArn>().is_err());
/// assert!("arn:aws:kms:eu-west-1:111122223333:alias/my-key".parse::<KeyArn>().is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyArn {
    text: String,
    region_start: usize,
    region_end: usize,
}

impl KeyArn {
    /// The ARN as text.
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let a = "arn:aws:kms:us-east-1:111122223333:key/k1";
    /// assert_eq!(a.parse::<KeyArn>()?.as_str(), a);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The key's region.
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let a: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/k1".parse()?;
    /// assert_eq!(a.region(), "us-east-1");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn region(&self) -> &str {
        &self.text[self.region_start..self.region_end]
    }
}

/// The ARN as text, so that key lists may hold `KeyArn`s or strings alike.
///
/// ```
/// # use data_masking_kms::KeyArn;
/// let a: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/k1".parse()?;
/// let s: &str = a.as_ref();
/// assert!(s.ends_with("key/k1"));
/// # Ok::<(), data_masking::Error>(())
/// ```
impl AsRef<str> for KeyArn {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for KeyArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl KeyArn {
    /// Parses `s` as the ESDK defines a valid AWS KMS ARN (six parts separated by exactly five
    /// `:`), with a resource type of `key`; the error is the rule that `s` breaks.
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        // A seventh part means a sixth ':'.
        let parts: Vec<&str> = s.splitn(7, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err("an ARN has six parts separated by ':'");
        };
        if arn != "arn" {
            return Err("it does not start with 'arn:'");
        }
        if partition.is_empty() || service != "kms" {
            return Err("the service is not kms");
        }
        if region.is_empty() || account.is_empty() {
            return Err("the region or the account is empty");
        }
        match resource.split_once('/') {
            Some(("key", id)) if !id.is_empty() => {}
            Some(("alias", _)) => return Err("it is an alias"),
            _ => return Err("the resource is not key/<key-id>"),
        }
        let region_start = arn.len() + partition.len() + service.len() + 3;
        Ok(KeyArn {
            text: s.to_owned(),
            region_start,
            region_end: region_start + region.len(),
        })
    }
}

impl FromStr for KeyArn {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        KeyArn::parse(s).map_err(|why| {
            Error::Config(format!(
                "{s:?} is not a KMS key ARN ({why}); use the full key ARN, \
                 arn:aws:kms:<region>:<account>:key/<key-id>: aliases and bare key ids \
                 cannot be matched against the key that wrapped a data key"
            ))
        })
    }
}

impl TryFrom<&str> for KeyArn {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self, Error> {
        s.parse()
    }
}

impl TryFrom<String> for KeyArn {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::KeyArn;

    #[test]
    fn accepts_key_arns_in_every_partition() {
        for a in [
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-cn:kms:cn-north-1:111122223333:key/k",
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234",
        ] {
            let k: KeyArn = a.parse().unwrap();
            assert_eq!(k.as_str(), a);
        }
        let k: KeyArn = "arn:aws-cn:kms:cn-north-1:1:key/k".parse().unwrap();
        assert_eq!(k.region(), "cn-north-1");
    }

    #[test]
    fn refuses_everything_else() {
        for a in [
            "",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/my-key",
            "arn:aws:kms:us-east-1:111122223333:alias/my-key",
            "arn:aws:s3:us-east-1:111122223333:key/k",
            "arn:aws:kms::111122223333:key/k",
            "arn:aws:kms:us-east-1::key/k",
            "arn:aws:kms:us-east-1:111122223333:key/",
            "arn:aws:kms:us-east-1:111122223333",
            "urn:aws:kms:us-east-1:111122223333:key/k",
            // Exactly five ':' (the ESDK's rule): no ':' in the resource.
            "arn:aws:kms:us-east-1:111122223333:key/k:extra",
        ] {
            let err = a.parse::<KeyArn>().unwrap_err();
            assert_eq!(err.kind(), "config", "{a}");
            assert!(err.to_string().contains("full key ARN"), "{err}");
        }
    }
}
