//! One `DataMasking` for many tenants: a `TenantKeyring` picks each tenant's keyring from the
//! `tenant_id` of the encryption context, so every tenant's records are encrypted under its own
//! key. A tenant joins at run time, a record of one tenant does not decrypt as another's, and a
//! retired tenant (crypto-shredding) decrypts nothing more, not even from the materials cache.
//! Needs no cloud account: each tenant has a local AES key here (in production, a KMS key per
//! tenant, from the `data-masking-kms` crate).
//!
//! Run it with `cargo run -p data-masking-examples --example tenants`.

use data_masking::keys::{DataKey, RawAesKeyring, TenantKeyring};
use data_masking::{DataMasking, EncryptionContext, Error};
use serde_json::json;

/// A tenant's keyring: a fresh local AES key (kept in a key store in production).
fn keyring_of(tenant: &str) -> Result<RawAesKeyring, Error> {
    let key = DataKey::random(32)?;
    RawAesKeyring::new("tenants", tenant, key.as_bytes())
}

fn context_of(tenant: &str) -> Result<EncryptionContext, Error> {
    EncryptionContext::new([("tenant_id", tenant), ("purpose", "billing")])
}

async fn run() -> Result<(), Error> {
    // The keyring reads the tenant from `tenant_id`; keep a clone to manage the tenants.
    let tenants = TenantKeyring::new("tenant_id")
        .with_tenant("acme", keyring_of("acme")?)
        .with_tenant("globex", keyring_of("globex")?);
    let masker = DataMasking::builder().keyring(tenants.clone()).build();

    // A tenant joins while the masker is in use.
    tenants.insert("initech", keyring_of("initech")?);

    let record = json!({"name": "Jane Doe", "card": "4111111111111111"});
    let mut stored = Vec::new();
    for tenant in ["acme", "globex", "initech"] {
        let ciphertext = masker
            .encrypt_fields(&record, &["card"], &context_of(tenant)?)
            .await?;
        stored.push((tenant, ciphertext));
    }
    for (tenant, ciphertext) in &stored {
        let back = masker
            .decrypt_fields(ciphertext, &["card"], &context_of(tenant)?)
            .await?;
        println!("{tenant}: {back}");
    }

    // acme's record with globex's context is refused.
    let (_, acme_record) = &stored[0];
    let err = masker
        .decrypt_fields(acme_record, &["card"], &context_of("globex")?)
        .await
        .unwrap_err();
    println!("acme's record as globex: {} error", err.kind());

    // Retire acme: its records decrypt no more, although its data key was just cached.
    tenants.retire("acme");
    let err = masker
        .decrypt_fields(acme_record, &["card"], &context_of("acme")?)
        .await
        .unwrap_err();
    println!("acme after retirement: {err}");
    let err = masker
        .encrypt_fields(&record, &["card"], &context_of("acme")?)
        .await
        .unwrap_err();
    println!("encrypt for acme after retirement: {} error", err.kind());

    // The other tenants go on.
    let (_, globex_record) = &stored[1];
    let back = masker
        .decrypt_fields(globex_record, &["card"], &context_of("globex")?)
        .await?;
    println!("globex still: {back}");

    // A tenant the keyring does not know cannot encrypt.
    let err = masker
        .encrypt_fields(&record, &["card"], &context_of("hooli")?)
        .await
        .unwrap_err();
    println!("unknown tenant: {err}");
    Ok(())
}

fn main() -> Result<(), Error> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| Error::Config(format!("no runtime: {e}")))?
        .block_on(run())
}
