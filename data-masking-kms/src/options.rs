//! The options every KMS keyring shares, written once: grant tokens (all three keyrings) and
//! the discovery filter (both discovery keyrings). Each keyring keeps them in fields named
//! `grant_tokens: Arc<[String]>` and `filter: Option<DiscoveryFilter>`.

/// `with_grant_tokens` and `grant_tokens` for `$ty`: `$calls` names the KMS calls that carry the
/// tokens; `$setup` and `$make` build a keyring in the examples.
macro_rules! grant_token_methods {
    ($ty:ident, $calls:literal, $setup:literal, $make:literal) => {
        impl $ty {
            #[doc = concat!("The same keyring, sending `tokens` as the `GrantTokens` of ", $calls, ".")]
            ///
            /// ```
            #[doc = concat!("# use data_masking_kms::", stringify!($ty), ";")]
            #[doc = $setup]
            #[doc = concat!("let keyring = ", $make, ".with_grant_tokens([\"token-1\"]);")]
            /// assert_eq!(keyring.grant_tokens(), ["token-1"]);
            /// # Ok::<(), data_masking::Error>(())
            /// ```
            #[must_use]
            pub fn with_grant_tokens<I>(mut self, tokens: I) -> Self
            where
                I: IntoIterator,
                I::Item: Into<String>,
            {
                self.grant_tokens = tokens.into_iter().map(Into::into).collect();
                self
            }

            #[doc = concat!("The grant tokens sent with ", $calls, " (none by default).")]
            ///
            /// ```
            #[doc = concat!("# use data_masking_kms::", stringify!($ty), ";")]
            #[doc = $setup]
            #[doc = concat!("assert!(", $make, ".grant_tokens().is_empty());")]
            /// # Ok::<(), data_masking::Error>(())
            /// ```
            pub fn grant_tokens(&self) -> &[String] {
                &self.grant_tokens
            }
        }
    };
}

/// `with_filter` and `filter` for the discovery keyring `$ty` (examples as above).
macro_rules! filter_methods {
    ($ty:ident, $setup:literal, $make:literal) => {
        impl $ty {
            /// The same keyring, with a discovery filter: only the keys of its partition and
            /// accounts are tried.
            ///
            /// ```
            #[doc = concat!("# use data_masking_kms::{DiscoveryFilter, ", stringify!($ty), "};")]
            #[doc = $setup]
            #[doc = concat!("let keyring = ", $make, ".with_filter(DiscoveryFilter::new(\"aws\", [\"111122223333\"])?);")]
            /// assert_eq!(keyring.filter().unwrap().partition(), "aws");
            /// # Ok::<(), data_masking::Error>(())
            /// ```
            #[must_use]
            pub fn with_filter(mut self, filter: DiscoveryFilter) -> Self {
                self.filter = Some(filter);
                self
            }

            /// The discovery filter, if any.
            ///
            /// ```
            #[doc = concat!("# use data_masking_kms::", stringify!($ty), ";")]
            #[doc = $setup]
            #[doc = concat!("assert!(", $make, ".filter().is_none());")]
            /// # Ok::<(), data_masking::Error>(())
            /// ```
            pub fn filter(&self) -> Option<&DiscoveryFilter> {
                self.filter.as_ref()
            }
        }
    };
}

pub(crate) use {filter_methods, grant_token_methods};

/// The `Keyring` of the discovery keyring `$ty` (`$what` in its errors): decrypt only; an
/// `aws-kms` encrypted data key is tried when `$ty::target` gives where to send `Decrypt` and
/// the key to name; one whose provider info is not a key ARN fails the decrypt before any
/// call; at most one `Decrypt` per named key and message.
macro_rules! discovery_keyring {
    ($ty:ident, $what:literal) => {
        #[async_trait::async_trait]
        impl Keyring for $ty {
            /// Fails: a discovery keyring only decrypts.
            async fn wrap_data_key(
                &self,
                _: &Materials,
                _: &DataKey,
            ) -> Result<Vec<EncryptedDataKey>> {
                Err(decrypt_only($what))
            }

            /// Fails: a discovery keyring only decrypts.
            async fn generate_data_key(
                &self,
                _: &Materials,
            ) -> Result<(DataKey, Vec<EncryptedDataKey>)> {
                Err(decrypt_only($what))
            }

            /// `Decrypt` naming the key the target gives (`None` for another provider, or a
            /// key the keyring may not try).
            async fn unwrap_data_key(
                &self,
                materials: &Materials,
                edk: &EncryptedDataKey,
            ) -> Result<Option<DataKey>> {
                let Some((client, key)) = provider_arn(0, 1, edk)?.and_then(|a| self.target(&a))
                else {
                    return Ok(None);
                };
                decrypt(&client, &key, materials, edk, &self.grant_tokens)
                    .await
                    .map(Some)
            }

            /// The encrypted data keys of provider `aws-kms` the keyring may try, before any
            /// KMS call; one whose provider info is not a key ARN fails the decrypt.
            fn select_encrypted_data_keys<'e>(
                &self,
                edks: &'e [EncryptedDataKey],
            ) -> Result<Vec<&'e EncryptedDataKey>> {
                let mut kept = Vec::new();
                for (i, edk) in edks.iter().enumerate() {
                    if provider_arn(i, edks.len(), edk)?.is_some_and(|a| self.target(&a).is_some())
                    {
                        kept.push(edk);
                    }
                }
                Ok(kept)
            }

            /// At most one `Decrypt` per named key and message.
            fn one_unwrap_per_key(&self) -> bool {
                true
            }

            fn describe_keys(&self) -> String {
                self.describe()
            }
        }
    };
}

pub(crate) use discovery_keyring;
