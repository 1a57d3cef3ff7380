//! KMS keyring.
