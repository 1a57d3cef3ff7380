//! A tour of data-masking on a sample customer record: erase with each mask, per-path rules,
//! compiled fields and the errors you meet; then envelope encryption with a local AES key (whole
//! record, per field and on JSON text, bound to an encryption context) and a context mismatch
//! being refused. Needs no cloud account.
//!
//! Run it with `cargo run -p data-masking-examples --example tour`.

use data_masking::keys::{DataKey, RawAesKeyring};
use data_masking::{DataMasking, EncryptionContext, Error, Fields, Mask, Rules};
use serde_json::{Value, json};

fn sample() -> Value {
    json!({
        "customer_id": "c-1042",
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "ssn": "123-45-6789",
        "card_number": "4111111111111111",
        "address": {"street": "12 Harbour Road", "city": "Bristol", "postcode": 81847},
        "previous_addresses": [
            {"street": "4 Mill Lane", "postcode": 12000},
            {"street": "77 Quay Street", "postcode": 94400}
        ],
        "orders": [
            {"id": "o-1", "total": 18.5, "card": "4111111111111111"},
            {"id": "o-2", "total": 120.0, "card": "5500005555555559"}
        ]
    })
}

fn show(title: &str, v: &Value) {
    println!("== {title}");
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    println!();
}

fn main() -> Result<(), Error> {
    erase_tour()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| Error::Config(format!("cannot start a runtime: {e}")))?;
    rt.block_on(encrypt_tour())
}

fn erase_tour() -> Result<(), Error> {
    let record = sample();
    show("the record", &record);

    // One masker per process; it is Send + Sync and cheap to clone.
    let masker = DataMasking::new();

    // Compile the field expressions once (Powertools dialect), reuse them for every record.
    let fields = Fields::parse([
        "email",
        "ssn",
        "card_number",
        "address.postcode",
        "orders[*].card",
    ])?;
    show(
        "erase 5 fields with the default mask",
        &masker.erase(&record, &fields)?,
    );

    show(
        "dynamic mask: the shape is kept",
        &masker.erase_with(&record, &["email", "ssn"], &Mask::Dynamic)?,
    );

    show(
        "custom mask, cut to each value's length",
        &masker.erase_with(&record, &["name"], &Mask::Custom("XXXX-XXXX".into()))?,
    );

    let last_four = Mask::regex(r"^\d{12}(\d{4})$", r"************\1")?;
    show(
        "regex rewrite: keep the last four digits",
        &masker.erase_with(&record, &["card_number", "orders[*].card"], &last_four)?,
    );

    show(
        "a filter: previous streets with a postcode above 80000",
        &masker.erase(
            &record,
            &["previous_addresses[?(@.postcode > 80000)].street"],
        )?,
    );

    // Powertools' masking_rules: each path its own mask.
    let rules = Rules::from_json(&json!({
        "email": {"dynamic_mask": true},
        "ssn": {"regex_pattern": r"\d{3}-\d{2}-(\d{4})", "mask_format": r"***-**-\1"},
        "orders[*].card": {"custom_mask": "CARD"},
        "address": {}
    }))?;
    show("masking rules", &masker.erase_by_rules(&record, &rules)?);

    show(
        "the whole record",
        &masker.erase_all(&record, &Mask::Default),
    );

    // Errors name what is wrong, never the data.
    match masker.erase(&record, &["phone"]) {
        Err(e) => println!(
            "== a missing field is an error by default\nerror[{}]: {e}\n",
            e.kind()
        ),
        Ok(_) => println!("unexpected: a missing field was accepted"),
    }
    match Fields::parse(["address[0"]) {
        Err(e) => println!(
            "== a bad expression names the position\nerror[{}]: {e}\n",
            e.kind()
        ),
        Ok(_) => println!("unexpected: a bad expression was accepted"),
    }
    let lenient = DataMasking::builder().raise_on_missing_field(false).build();
    let report = lenient.erase_detailed(&record, &["phone", "name"], &Mask::Default)?;
    println!(
        "== with raise_on_missing_field(false), missing fields are reported: {:?}\n",
        report.missing
    );

    Ok(())
}

async fn encrypt_tour() -> Result<(), Error> {
    let record = sample();
    // A local AES-256 key, made for this run (use `data-masking keygen` for a key file, or the
    // KMS keyring of data-masking-kms in production).
    let key = DataKey::random(32)?;
    let masker = DataMasking::builder()
        .keyring(RawAesKeyring::new("tour", "local-key", key.as_bytes())?)
        .build();
    let ctx = EncryptionContext::new([("tenant_id", "acme"), ("purpose", "billing")])?;

    let ciphertext = masker.encrypt(&record, &ctx).await?;
    println!(
        "== the whole record as one AWS Encryption SDK message (suite 0x0578), {} base64 characters\n{}...\n",
        ciphertext.len(),
        &ciphertext[..72.min(ciphertext.len())]
    );
    let back = masker.decrypt(&ciphertext, &ctx).await?;
    println!(
        "== decrypted with the same context: equal to the record: {}\n",
        back == record
    );

    let fields = Fields::parse(["email", "ssn", "card_number", "address", "orders[*].card"])?;
    let stored = masker.encrypt_fields(&record, &fields, &ctx).await?;
    let mut shown = stored.clone();
    let shorten = |v: Option<&mut Value>| {
        if let Some(Value::String(s)) = v {
            s.truncate(24);
            s.push_str("...");
        }
    };
    for f in ["email", "ssn", "card_number", "address"] {
        shorten(shown.get_mut(f));
    }
    for i in 0..2 {
        shorten(shown.pointer_mut(&format!("/orders/{i}/card")));
    }
    show(
        "each sensitive field as its own message (shortened here)",
        &shown,
    );
    let restored = masker.decrypt_fields(&stored, &fields, &ctx).await?;
    println!(
        "== decrypt_fields gives the record back: {}\n",
        restored == record
    );

    // JSON text in and out (a log line, a message body): only the selected values change.
    let line = r#"{"id": 7, "email": "jo@example.com", "note": "kept as written"}"#;
    let encrypted_line = masker.encrypt_json(line, &["email"], &ctx).await?;
    println!(
        "== encrypt_json on a line of text: everything but the field is copied byte for byte\n{}...\n",
        &encrypted_line[..40.min(encrypted_line.len())]
    );
    println!(
        "== decrypt_json gives the line back: {}\n",
        masker
            .decrypt_json(&encrypted_line, &["email"], &ctx)
            .await?
            == line
    );

    let other = EncryptionContext::new([("tenant_id", "globex"), ("purpose", "billing")])?;
    match masker.decrypt(&ciphertext, &other).await {
        Err(e) => println!(
            "== another tenant's context is refused\nerror[{}]: {e}\n",
            e.kind()
        ),
        Ok(_) => println!("unexpected: a different context decrypted"),
    }
    Ok(())
}
