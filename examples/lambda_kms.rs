//! An AWS Lambda function on `lambda_runtime` that protects a field of its request with AWS KMS:
//!
//! 1. the request model (`SignupRequest`) arrives with a plain card number;
//! 2. the handler encrypts `card_number` (one ESDK message, bound to the tenant and the purpose
//!    by the encryption context) and keeps the record as it would be stored, e.g. in DynamoDB;
//! 3. it decrypts the stored field again, as a reader of the store would, and answers with the
//!    stored record and the last four digits of the card.
//!
//! The `DataMasking` is built once per container in `main` (`data_masking_kms::data_masking`,
//! the equivalent of Powertools' `DataMasking(provider=AWSEncryptionSDKProvider(keys=[...]))`)
//! and shared by every invocation, so one data key from KMS serves many requests. The stored
//! values decrypt with Powertools Python given the same key and context.
//!
//! `handler` is a plain async function: the test below calls it directly against a KMS endpoint
//! (moto, started by `./scripts/test`). Deploy with `cargo lambda` and set `KMS_KEY_ARN` (one
//! key ARN, or several separated by commas). The role needs `kms:GenerateDataKey` and
//! `kms:Decrypt` on the key (and `kms:Encrypt` on every further key).

use data_masking::{CacheLimits, DataMasking, EncryptionContext};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The incoming request model.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
struct SignupRequest {
    tenant_id: String,
    customer_id: String,
    name: String,
    card_number: String,
}

// Never print a card number, even in a debug log line.
impl std::fmt::Debug for SignupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignupRequest")
            .field("tenant_id", &self.tenant_id)
            .field("customer_id", &self.customer_id)
            .finish_non_exhaustive()
    }
}

/// What the function answers.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct SignupResponse {
    /// The record as stored: `card_number` is a base64 ESDK message.
    stored: Value,
    /// The last four digits, read back from the decrypted field.
    card_last4: String,
}

/// The field the function encrypts (Powertools field syntax).
const PROTECTED: [&str; 1] = ["card_number"];

/// The encryption context bound to the stored card number.
fn context(tenant_id: &str) -> Result<EncryptionContext, data_masking::Error> {
    EncryptionContext::new([("tenant_id", tenant_id), ("purpose", "signup")])
}

/// The function: encrypts the card number of the request, then reads it back.
async fn handler(
    masker: &DataMasking,
    event: LambdaEvent<SignupRequest>,
) -> Result<SignupResponse, data_masking::Error> {
    let request = event.payload;
    let ctx = context(&request.tenant_id)?;
    let record = serde_json::to_value(&request)?;
    let stored = masker.encrypt_fields(&record, &PROTECTED, &ctx).await?;

    // ... the stored record goes to a table; a reader with the same key and context:
    let read_back = masker.decrypt_fields(&stored, &PROTECTED, &ctx).await?;
    let card = read_back["card_number"].as_str().unwrap_or_default();
    let digits: Vec<char> = card.chars().filter(char::is_ascii_digit).collect();
    let card_last4 = digits[digits.len().saturating_sub(4)..].iter().collect();
    Ok(SignupResponse { stored, card_last4 })
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let keys = std::env::var("KMS_KEY_ARN")
        .map_err(|_| "set KMS_KEY_ARN to the KMS key ARN(s), separated by commas")?;
    // Once per container: the cache keeps KMS calls to one per data key.
    let masker =
        data_masking_kms::data_masking(keys.split(',').map(str::trim), CacheLimits::default())
            .await?;
    let masker = &masker;
    lambda_runtime::run(service_fn(move |event| async move {
        handler(masker, event).await.map_err(|e| diagnostic(&e))
    }))
    .await
}

/// A failure as Lambda reports it: the error kind as the type (`DataMasking.decrypt-key`...) and
/// its message, which never holds data or key material.
fn diagnostic(err: &data_masking::Error) -> Diagnostic {
    Diagnostic {
        error_type: format!("DataMasking.{}", err.kind()),
        error_message: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_masking_kms::{aws_config, aws_sdk_kms};
    use lambda_runtime::Context;

    /// A key created at the endpoint of the test run, or `None` (after a note) without one.
    async fn test_key() -> Option<String> {
        let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|v| !v.is_empty())
        else {
            eprintln!(
                "note: the lambda_kms handler test needs a KMS endpoint (AWS_ENDPOINT_URL); \
                 run ./scripts/test, which starts moto"
            );
            return None;
        };
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .load()
            .await;
        let key = aws_sdk_kms::Client::new(&config)
            .create_key()
            .send()
            .await
            .expect("CreateKey at the test endpoint");
        Some(key.key_metadata.and_then(|m| m.arn).expect("a key ARN"))
    }

    fn request() -> SignupRequest {
        SignupRequest {
            tenant_id: "acme".into(),
            customer_id: "c-42".into(),
            name: "Jo Doe".into(),
            card_number: "4111 1111 1111 1234".into(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn handler_encrypts_the_card_and_reads_it_back() {
        let Some(key) = test_key().await else { return };
        // As main builds it (AWS_ENDPOINT_URL reaches the SDK through the standard config).
        let masker = data_masking_kms::data_masking([key.as_str()], CacheLimits::default())
            .await
            .expect("DataMasking");

        let event = LambdaEvent::new(request(), Context::default());
        let response = handler(&masker, event).await.expect("handler");
        assert_eq!(response.card_last4, "1234");
        let stored = &response.stored;
        assert_eq!(stored["customer_id"], "c-42");
        assert_eq!(stored["name"], "Jo Doe");
        let ct = stored["card_number"].as_str().expect("a ciphertext");
        assert!(!ct.contains("4111"));

        // The stored field decrypts with the tenant's context only.
        let ctx = context("acme").expect("context");
        assert_eq!(
            masker.decrypt(ct, &ctx).await.expect("decrypt"),
            "4111 1111 1111 1234"
        );
        let other = context("other").expect("context");
        let err = masker.decrypt(ct, &other).await.unwrap_err();
        assert_eq!(err.kind(), "context-mismatch");

        // A second invocation on the same container reuses the data key.
        let response = handler(&masker, LambdaEvent::new(request(), Context::default()))
            .await
            .expect("handler");
        assert_ne!(response.stored["card_number"], stored["card_number"]);
        assert!(!format!("{:?}", request()).contains("4111"));
    }
}
