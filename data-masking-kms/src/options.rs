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
