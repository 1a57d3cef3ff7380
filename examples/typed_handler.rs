//! A Lambda-style handler on a typed request model: the fields to protect are declared on the
//! type with `#[derive(Sensitive)]`, so the handler
//!
//! 1. logs the request with `masked()` (no plain card number, e-mail or address in the logs),
//! 2. stores it as `Encrypted<PaymentRequest>` JSON (each `#[encrypt]` field its own ESDK
//!    message, bound to the tenant, the request id and the field, readable by Powertools Python),
//! 3. reads it back from the store and returns the decrypted value in its response.
//!
//! No `lambda_runtime` is needed to follow it: `handler` is a plain async function that `main`
//! calls with a sample event, checking the round trip and that a tampered record is refused.
//!
//! Run it with `cargo run -p data-masking-examples --example typed_handler`.

use std::collections::HashMap;
use std::sync::Mutex;

use data_masking::keys::RawAesKeyring;
use data_masking::{DataMasking, Encrypted, Error, Sensitive};
use serde::{Deserialize, Serialize};

/// The request model: what the function receives.
#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
#[sensitive(debug, context(service = "payments"))]
struct PaymentRequest {
    request_id: String,
    tenant_id: String,
    amount_cents: u64,
    #[mask(dynamic)]
    email: String,
    /// Masked in logs, encrypted at rest, bound to the tenant and to this request.
    #[mask(regex = r"^\d{4} \d{4} \d{4} (\d{4})$", format = "**** **** **** $1")]
    #[encrypt(context(tenant_id, request = request_id))]
    card_number: String,
    #[mask]
    #[encrypt(context(tenant_id))]
    billing_address: Address,
    #[sensitive]
    items: Vec<Item>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
struct Address {
    street: String,
    city: String,
}

#[derive(Serialize, Deserialize, Sensitive, Clone, PartialEq, Debug)]
struct Item {
    sku: String,
    /// A gift message is private: encrypted, and masked in logs.
    #[mask]
    #[encrypt]
    gift_message: Option<String>,
}

/// What the function returns.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct PaymentResponse {
    request_id: String,
    /// The stored record's size, in bytes of JSON.
    stored_bytes: usize,
    /// The card, as decrypted from the stored record (a real service would use it, not return
    /// it; here it shows the round trip).
    card_last_four: String,
}

/// A table that keeps JSON text, standing in for DynamoDB or S3.
#[derive(Default)]
struct Store(Mutex<HashMap<String, String>>);

impl Store {
    fn put(&self, key: &str, json: String) {
        if let Ok(mut table) = self.0.lock() {
            table.insert(key.to_owned(), json);
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.lock().ok()?.get(key).cloned()
    }
}

/// The handler: log masked, store encrypted, read back and decrypt.
async fn handler(
    masker: &DataMasking,
    store: &Store,
    request: PaymentRequest,
) -> Result<PaymentResponse, Error> {
    // 1. Logs see the masked view only (Debug is masked too, thanks to #[sensitive(debug)]).
    println!("request: {}", request.masked());

    // 2. Store the encrypted record as JSON.
    let encrypted: Encrypted<PaymentRequest> = masker.encrypt_typed(&request).await?;
    let json = serde_json::to_string(&encrypted)?;
    println!("stored:  {encrypted:?}");
    let stored_bytes = json.len();
    store.put(&request.request_id, json);

    // 3. Read it back (e.g. in a later invocation) and decrypt.
    let text = store
        .get(&request.request_id)
        .ok_or_else(|| Error::UnsupportedType("the record is not in the store".into()))?;
    let loaded: Encrypted<PaymentRequest> = serde_json::from_str(&text)?;
    let back: PaymentRequest = masker.decrypt_typed(&loaded).await?;

    let last_four = back
        .card_number
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(PaymentResponse {
        request_id: back.request_id,
        stored_bytes,
        card_last_four: last_four,
    })
}

fn sample() -> PaymentRequest {
    PaymentRequest {
        request_id: "req-7f3a".into(),
        tenant_id: "acme".into(),
        amount_cents: 12_999,
        email: "jane.doe@example.com".into(),
        card_number: "4111 1111 1111 1234".into(),
        billing_address: Address {
            street: "12 Harbour Road".into(),
            city: "Bristol".into(),
        },
        items: vec![
            Item {
                sku: "BOOK-1".into(),
                gift_message: Some("Happy birthday, Sam!".into()),
            },
            Item {
                sku: "PEN-2".into(),
                gift_message: None,
            },
        ],
    }
}

async fn run() -> Result<(), Error> {
    // Built once per container and shared by every invocation. A local key for the example;
    // in production, the KMS keyring of data-masking-kms.
    let masker = DataMasking::builder()
        .keyring(RawAesKeyring::new("example", "payments-key", &[0x5a; 32])?)
        .build();
    let store = Store::default();
    let request = sample();

    let response = handler(&masker, &store, request.clone()).await?;
    println!("response: {response:?}");
    assert_eq!(
        response,
        PaymentResponse {
            request_id: "req-7f3a".into(),
            stored_bytes: response.stored_bytes,
            card_last_four: "1234".into(),
        }
    );

    // The stored JSON keeps plain fields readable and every encrypted field a ciphertext.
    let stored: serde_json::Value =
        serde_json::from_str(&store.get("req-7f3a").unwrap_or_default())?;
    assert_eq!(stored["tenantId"], "acme");
    assert_eq!(stored["email"], "jane.doe@example.com");
    assert!(
        stored["cardNumber"]
            .as_str()
            .is_some_and(|c| !c.contains("1234"))
    );
    assert!(stored["billingAddress"].is_string());
    assert!(stored["items"][1]["gift_message"].is_string());

    // The full round trip gives back the request.
    let loaded: Encrypted<PaymentRequest> = serde_json::from_value(stored.clone())?;
    assert!(masker.decrypt_typed(&loaded).await? == request);

    // A card ciphertext copied into another request's record is refused.
    let mut other = sample();
    other.request_id = "req-0000".into();
    let mut forged = masker.encrypt_typed(&other).await?.into_json();
    forged["cardNumber"] = stored["cardNumber"].clone();
    let err = masker
        .decrypt_typed(&Encrypted::<PaymentRequest>::from_json(forged))
        .await
        .err()
        .map(|e| e.kind());
    assert_eq!(err, Some("context-mismatch"));
    println!("a card moved to another request: refused (context-mismatch)");
    Ok(())
}

fn main() -> Result<(), Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| Error::Config(format!("cannot start a runtime: {e}")))?;
    rt.block_on(run())
}
