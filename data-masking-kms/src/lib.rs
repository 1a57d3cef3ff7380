//! The AWS KMS keyring for data-masking.

mod arn;

pub use arn::KeyArn;
