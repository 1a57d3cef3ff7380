//! The functions on an AWS KMS key (moto's server, behind the recording proxy of the tests
//! crate): a query over many rows, batches and partitions makes one KMS call per data key, not
//! one per row. Without `AWS_ENDPOINT_URL` (a plain `cargo test`) the test prints a note and
//! returns; `./scripts/test` starts moto and sets it.

use std::sync::Arc;

use data_masking::DataMasking;
use data_masking_datafusion::Functions;
use data_masking_kms::KmsKeyring;
use data_masking_tests::kms::{Proxy, create_key, endpoint, sdk_config};
use datafusion::arrow::array::{AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use serde_json::json;

const ROWS: usize = 2000;
const ROWS_I64: i64 = 2000;
const PARTITIONS: usize = 4;
const TENANTS: [&str; 2] = ["acme", "globex"];

/// A session with the functions over `masker`, batches of 100 rows, and table `t` of `ROWS`
/// records with a tenant context each (two tenants), in `PARTITIONS` partitions run at once.
fn session(masker: DataMasking) -> SessionContext {
    let config = SessionConfig::new()
        .with_batch_size(100)
        .with_target_partitions(1);
    let ctx = SessionContext::new_with_config(config);
    Functions::new(masker).register(&ctx);
    let schema = Arc::new(Schema::new(vec![
        Field::new("doc", DataType::Utf8, false),
        Field::new("ctx", DataType::Utf8, false),
    ]));
    let parts = (0..PARTITIONS)
        .map(|p| {
            let rows: Vec<usize> = (0..ROWS).filter(|r| r % PARTITIONS == p).collect();
            let docs: StringArray = rows
                .iter()
                .map(|i| Some(json!({"id": i, "card": format!("4111-{i:05}")}).to_string()))
                .collect();
            let ctxs: StringArray = rows
                .iter()
                .map(|i| Some(json!({"tenant": TENANTS[i % 2]}).to_string()))
                .collect();
            let batch =
                RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(docs), Arc::new(ctxs)]);
            vec![batch.expect("a batch")]
        })
        .collect();
    let table = MemTable::try_new(schema, parts).expect("a table");
    ctx.register_table("t", Arc::new(table))
        .expect("registered");
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_makes_one_kms_call_per_data_key_not_per_row() {
    let Some(upstream) = endpoint() else {
        return;
    };
    let proxy = Proxy::start(&upstream);
    let config = sdk_config(&proxy.url).await;
    let key = create_key(&config).await;
    proxy.reset();
    let masker = || {
        DataMasking::builder()
            .keyring(KmsKeyring::new(&config, [key.as_str()]).expect("a keyring"))
            .build()
    };

    let writer = session(masker());
    writer
        .sql("CREATE TABLE enc AS SELECT doc, ctx, encrypt_fields(doc, ctx, 'card') AS e FROM t")
        .await
        .expect("planned")
        .collect()
        .await
        .expect("encrypted");
    // Two tenants: two contexts, two data keys, for 2,000 rows in 20 batches.
    assert_eq!(proxy.count("GenerateDataKey"), 2);
    assert_eq!(proxy.count("Encrypt") + proxy.count("Decrypt"), 0);
    proxy.reset();

    // A reader with its own cache: one Decrypt per data key.
    let reader = session(masker());
    let frame = writer.table("enc").await.expect("the table");
    reader
        .register_table("enc", frame.into_view())
        .expect("registered");
    let batches = reader
        .sql("SELECT count(*) FROM enc WHERE decrypt_fields(e, ctx, 'card') = doc")
        .await
        .expect("planned")
        .collect()
        .await
        .expect("decrypted");
    assert_eq!(
        batches[0].column(0).as_primitive::<Int64Type>().value(0),
        ROWS_I64
    );
    assert_eq!(proxy.count("Decrypt"), 2);
    assert_eq!(proxy.count("GenerateDataKey"), 0);
}
