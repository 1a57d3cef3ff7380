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
    /// The ARN's parts: partition, region, account and key id.
    fn parts(&self) -> (&str, &str, &str, &str) {
        let mut it = self.text.splitn(6, ':').skip(1);
        let partition = it.next().unwrap_or_default();
        let _service = it.next();
        let region = it.next().unwrap_or_default();
        let account = it.next().unwrap_or_default();
        let key_id = it
            .next()
            .and_then(|r| r.strip_prefix("key/"))
            .unwrap_or_default();
        (partition, region, account, key_id)
    }

    /// The key's partition (`aws`, `aws-cn`, `aws-us-gov`...).
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let a: KeyArn = "arn:aws-cn:kms:cn-north-1:111122223333:key/k1".parse()?;
    /// assert_eq!(a.partition(), "aws-cn");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn partition(&self) -> &str {
        self.parts().0
    }

    /// The key's account id.
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let a: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/k1".parse()?;
    /// assert_eq!(a.account(), "111122223333");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn account(&self) -> &str {
        self.parts().2
    }

    /// The key id (the resource after `key/`).
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let a: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234".parse()?;
    /// assert_eq!(a.key_id(), "mrk-1234");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn key_id(&self) -> &str {
        self.parts().3
    }

    /// Whether the ARN names a multi-Region key: its key id starts with `mrk-` (the ESDK's
    /// rule).
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let mrk: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234".parse()?;
    /// let single: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234".parse()?;
    /// assert!(mrk.is_multi_region() && !single.is_multi_region());
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn is_multi_region(&self) -> bool {
        self.key_id().starts_with("mrk-")
    }

    /// The ESDK's "AWS KMS MRK Match for Decrypt": true when both ARNs are the same, or when
    /// both name multi-Region keys and are the same but for the Region (a key and its replica).
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let east: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234".parse()?;
    /// let west: KeyArn = "arn:aws:kms:us-west-2:111122223333:key/mrk-1234".parse()?;
    /// assert!(east.mrk_matches(&west));
    /// let single: KeyArn = "arn:aws:kms:us-west-2:111122223333:key/1234".parse()?;
    /// assert!(!single.mrk_matches(&"arn:aws:kms:us-east-1:111122223333:key/1234".parse()?));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn mrk_matches(&self, other: &KeyArn) -> bool {
        if self == other {
            return true;
        }
        if !self.is_multi_region() || !other.is_multi_region() {
            return false;
        }
        let (p1, _, a1, k1) = self.parts();
        let (p2, _, a2, k2) = other.parts();
        (p1, a1, k1) == (p2, a2, k2)
    }

    /// The same ARN in `region` (for a multi-Region key: the ARN of its replica there).
    ///
    /// ```
    /// # use data_masking_kms::KeyArn;
    /// let east: KeyArn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234".parse()?;
    /// assert_eq!(
    ///     east.in_region("eu-west-1").as_str(),
    ///     "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234"
    /// );
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    #[must_use]
    pub fn in_region(&self, region: &str) -> KeyArn {
        let text = format!(
            "{}{region}{}",
            &self.text[..self.region_start],
            &self.text[self.region_end..]
        );
        KeyArn {
            text,
            region_start: self.region_start,
            region_end: self.region_start + region.len(),
        }
    }

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

    fn arn(s: &str) -> KeyArn {
        s.parse().expect("a key ARN")
    }

    /// The cases of the ESDK's "AWS KMS MRK Match for Decrypt".
    #[test]
    fn mrk_match_for_decrypt_follows_the_specification() {
        let east_mrk = arn("arn:aws:kms:us-east-1:111122223333:key/mrk-abc");
        let west_mrk = arn("arn:aws:kms:us-west-2:111122223333:key/mrk-abc");
        // Identical identifiers match, multi-Region or not.
        assert!(east_mrk.mrk_matches(&east_mrk.clone()));
        let single = arn("arn:aws:kms:us-east-1:111122223333:key/abc");
        assert!(single.mrk_matches(&single.clone()));
        // Both multi-Region, only the Region differs: a match, both ways.
        assert!(east_mrk.mrk_matches(&west_mrk) && west_mrk.mrk_matches(&east_mrk));
        // Either one not multi-Region: no match.
        let single_west = arn("arn:aws:kms:us-west-2:111122223333:key/abc");
        assert!(!single.mrk_matches(&single_west));
        let not_mrk_west = arn("arn:aws:kms:us-west-2:111122223333:key/abc");
        assert!(!east_mrk.mrk_matches(&not_mrk_west));
        assert!(!not_mrk_west.mrk_matches(&east_mrk));
        // Both multi-Region: partition, account and resource must be equal.
        for other in [
            "arn:aws-cn:kms:us-west-2:111122223333:key/mrk-abc",
            "arn:aws:kms:us-west-2:444455556666:key/mrk-abc",
            "arn:aws:kms:us-west-2:111122223333:key/mrk-abd",
            "arn:aws:kms:us-east-1:111122223333:key/mrk-abcd",
        ] {
            assert!(!east_mrk.mrk_matches(&arn(other)), "{other}");
            assert!(!arn(other).mrk_matches(&east_mrk), "{other}");
        }
        // "mrk-" is a prefix of the key id, case-sensitive.
        let upper = arn("arn:aws:kms:us-west-2:111122223333:key/MRK-abc");
        assert!(!upper.is_multi_region());
    }

    #[test]
    fn parts_and_region_replacement() {
        let a = arn("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1");
        assert_eq!(
            (a.partition(), a.region(), a.account(), a.key_id()),
            ("aws-us-gov", "us-gov-west-1", "111122223333", "mrk-1")
        );
        let b = a.in_region("us-gov-east-1");
        assert_eq!(
            b.as_str(),
            "arn:aws-us-gov:kms:us-gov-east-1:111122223333:key/mrk-1"
        );
        assert_eq!(b.region(), "us-gov-east-1");
        assert_eq!(b, arn(b.as_str()));
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
