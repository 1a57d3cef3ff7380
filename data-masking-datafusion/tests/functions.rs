//! The functions in SQL against the library: the erase corpus, encryption round trips, NULLs,
//! bad rows, empty batches, many partitions, and what is refused when the query is planned.

use std::sync::Arc;

use data_masking::keys::RawAesKeyring;
use data_masking::{DataMasking, EncryptionContext, Fields, Mask, Seal};
use data_masking_datafusion::Functions;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use serde_json::{Value, json};

fn masker() -> DataMasking {
    DataMasking::builder()
        .keyring(RawAesKeyring::new("ns", "key", &[9u8; 32]).unwrap())
        .build()
}

/// A session with the functions and a table `t` of string columns, in `partitions` partitions
/// (rows dealt round robin).
fn session(
    functions: &Functions,
    columns: &[(&str, Vec<Option<String>>)],
    partitions: usize,
) -> SessionContext {
    let ctx = SessionContext::new();
    functions.register(&ctx);
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, _)| Field::new(*name, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let rows = columns.first().map_or(0, |(_, v)| v.len());
    let mut parts = Vec::new();
    for p in 0..partitions {
        let arrays: Vec<ArrayRef> = columns
            .iter()
            .map(|(_, values)| {
                let picked: StringArray = (0..rows)
                    .filter(|r| r % partitions == p)
                    .map(|r| values[r].clone())
                    .collect();
                Arc::new(picked) as ArrayRef
            })
            .collect();
        parts.push(vec![
            RecordBatch::try_new(Arc::clone(&schema), arrays).unwrap(),
        ]);
    }
    let table = MemTable::try_new(schema, parts).unwrap();
    ctx.register_table("t", Arc::new(table)).unwrap();
    ctx
}

/// The first column of every batch of a query, in order.
async fn column(
    ctx: &SessionContext,
    sql: &str,
) -> datafusion::common::Result<Vec<Option<String>>> {
    let batches = ctx.sql(sql).await?.collect().await?;
    Ok(batches
        .iter()
        .flat_map(|b| {
            let col = b.column(0);
            let strings = col.as_string::<i32>();
            (0..col.len())
                .map(|i| (!strings.is_null(i)).then(|| strings.value(i).to_string()))
                .collect::<Vec<_>>()
        })
        .collect())
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn corpus() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/corpus/erase_cases.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// The mask function and its mask arguments for a case's options (as the library reads
/// them); `None` for masking rules.
fn mask_call(options: &Value) -> Option<(&'static str, Vec<String>)> {
    if options.get("masking_rules").is_some() {
        return None;
    }
    Some(match Mask::from_options(options).ok()? {
        Mask::Default => ("mask", vec![]),
        Mask::Dynamic => ("mask_dynamic", vec![]),
        Mask::Custom(m) => ("mask_custom", vec![m]),
        Mask::Regex(_) => (
            "mask_regex",
            vec![
                options["regex_pattern"].as_str()?.into(),
                options["mask_format"].as_str()?.into(),
            ],
        ),
    })
}

#[tokio::test]
async fn mask_functions_agree_with_the_library_on_the_corpus() {
    let mut checked = 0;
    for case in corpus() {
        let Some((function, mask_args)) = mask_call(&case["options"]) else {
            continue;
        };
        let raise = case["raise_on_missing_field"].as_bool().unwrap_or(true);
        let masker = DataMasking::builder().raise_on_missing_field(raise).build();
        let functions = Functions::new(masker.clone());
        let text = match &case["input"] {
            Value::String(s) if case["fields"].is_array() => s.clone(),
            other => serde_json::to_string(other).unwrap(),
        };
        let paths: Vec<String> = match &case["fields"] {
            Value::Null => vec![],
            Value::Array(f) if !f.is_empty() => {
                f.iter().map(|p| p.as_str().unwrap().to_string()).collect()
            }
            _ => continue,
        };
        let mask = Mask::from_options(&case["options"]).unwrap();
        let expected = if paths.is_empty() {
            let value: Value = serde_json::from_str(&text).unwrap();
            Ok(serde_json::to_string(&masker.erase_all(&value, &mask)).unwrap())
        } else {
            masker.erase_json(&text, &paths, &mask)
        };
        let ctx = session(&functions, &[("doc", vec![Some(text.clone())])], 1);
        let args: Vec<String> = mask_args.iter().chain(&paths).map(|a| quote(a)).collect();
        let sql = format!(
            "SELECT {function}(doc{}{}) FROM t",
            if args.is_empty() { "" } else { ", " },
            args.join(", ")
        );
        let got = column(&ctx, &sql).await;
        match expected {
            Ok(out) => assert_eq!(got.unwrap(), vec![Some(out)], "{}: {sql}", case["name"]),
            Err(err) => {
                let message = got.unwrap_err().to_string();
                assert!(
                    message.contains(&format!("error[{}]", err.kind())),
                    "{}: {message}",
                    case["name"]
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} corpus cases ran");
}

const TENANTS: [&str; 2] = ["acme", "globex"];

fn records(n: usize) -> Vec<Option<String>> {
    (0..n)
        .map(|i| {
            Some(
                json!({"id": i, "card": format!("4111-{i:04}"), "tenant": TENANTS[i % 2], "address": {"postcode": 10000 + i}})
                    .to_string(),
            )
        })
        .collect()
}

fn tenants(n: usize) -> Vec<Option<String>> {
    (0..n)
        .map(|i| Some(json!({"tenant": TENANTS[i % 2]}).to_string()))
        .collect()
}

#[tokio::test]
async fn encrypt_and_decrypt_fields_round_trip_over_many_partitions_with_a_context_a_row() {
    let n = 300;
    let functions = Functions::new(masker());
    let ctx = session(&functions, &[("doc", records(n)), ("ctx", tenants(n))], 7);
    ctx.sql("CREATE TABLE enc AS SELECT doc, ctx, encrypt_fields(doc, ctx, 'card', 'address.postcode') AS e FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let pairs = ctx
        .sql("SELECT doc, e, ctx FROM enc")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let library = masker();
    let mut seen = 0;
    for batch in &pairs {
        let (doc, enc, tenant) = (
            batch.column(0).as_string::<i32>(),
            batch.column(1).as_string::<i32>(),
            batch.column(2).as_string::<i32>(),
        );
        for i in 0..batch.num_rows() {
            let value: Value = serde_json::from_str(enc.value(i)).unwrap();
            assert!(
                value["card"].as_str().unwrap().len() > 100,
                "card encrypted"
            );
            assert_eq!(
                value["id"],
                serde_json::from_str::<Value>(doc.value(i)).unwrap()["id"]
            );
            let context =
                EncryptionContext::from_json(&serde_json::from_str(tenant.value(i)).unwrap())
                    .unwrap();
            let back = library
                .decrypt_fields(&value, &["card", "address.postcode"], &context)
                .await
                .unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(doc.value(i)).unwrap());
            // Another tenant's context does not open it.
            let other = EncryptionContext::new([("tenant", "initech")]).unwrap();
            assert_eq!(
                library
                    .decrypt_fields(&value, &["card"], &other)
                    .await
                    .unwrap_err()
                    .kind(),
                "context-mismatch"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, n);
    let diff = column(
        &ctx,
        "SELECT doc FROM enc WHERE decrypt_fields(e, ctx, 'card', 'address.postcode') <> doc",
    )
    .await
    .unwrap();
    assert!(diff.is_empty(), "{} rows did not round trip", diff.len());
}

#[tokio::test]
async fn encrypt_value_and_seal_round_trip_and_read_with_the_library() {
    let n = 40;
    let functions = Functions::new(masker());
    let ctx = session(&functions, &[("doc", records(n))], 3);
    let ct = column(
        &ctx,
        r#"SELECT encrypt_value(doc, '{"purpose": "test"}') FROM t"#,
    )
    .await
    .unwrap();
    let back = column(&ctx, r#"SELECT decrypt_value(encrypt_value(doc, '{"purpose": "test"}'), '{"purpose": "test"}') FROM t"#).await.unwrap();
    let docs = column(&ctx, "SELECT doc FROM t").await.unwrap();
    assert_eq!(back, docs);
    let library = masker();
    let purpose = EncryptionContext::new([("purpose", "test")]).unwrap();
    for (c, d) in ct.iter().zip(&docs) {
        let value = library
            .decrypt(c.as_deref().unwrap(), &purpose)
            .await
            .unwrap();
        assert_eq!(
            value,
            serde_json::from_str::<Value>(d.as_deref().unwrap()).unwrap()
        );
    }
    let spec = r#"{"encrypt": ["card"], "sign": ["tenant"], "bind": {"record": "id"}}"#;
    let sealed = column(
        &ctx,
        &format!("SELECT seal(doc, '{{}}', {}) FROM t", quote(spec)),
    )
    .await
    .unwrap();
    let seal = Seal::builder()
        .encrypt(["card"])
        .sign(["tenant"])
        .bind("record", "id")
        .build()
        .unwrap();
    for (s, d) in sealed.iter().zip(&docs) {
        let s: Value = serde_json::from_str(s.as_deref().unwrap()).unwrap();
        assert_eq!(s["card"], json!({"__encrypted": "$['card']"}));
        let record = library
            .unseal(&s, &seal, &EncryptionContext::empty())
            .await
            .unwrap();
        assert_eq!(
            record,
            serde_json::from_str::<Value>(d.as_deref().unwrap()).unwrap()
        );
    }
    let unsealed = column(
        &ctx,
        &format!(
            "SELECT unseal(seal(doc, '{{}}', {0}), '{{}}', {0}) FROM t",
            quote(spec)
        ),
    )
    .await
    .unwrap();
    let as_values = |v: &[Option<String>]| {
        v.iter()
            .map(|s| serde_json::from_str::<Value>(s.as_deref().unwrap()).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(as_values(&unsealed), as_values(&docs));
}

#[tokio::test]
async fn a_tampered_sealed_record_is_a_bad_row() {
    let functions = Functions::new(masker());
    let spec = r#"{"encrypt": ["card"], "sign": ["tenant"]}"#;
    let first = session(&functions, &[("doc", records(2))], 1);
    let sealed = column(
        &first,
        &format!("SELECT seal(doc, '{{}}', {}) FROM t", quote(spec)),
    )
    .await
    .unwrap();
    let tampered = sealed[1]
        .as_deref()
        .unwrap()
        .replace("\"globex\"", "\"acme\"");
    let ctx = session(
        &functions,
        &[("doc", vec![sealed[0].clone(), Some(tampered)])],
        1,
    );
    let err = column(
        &ctx,
        &format!("SELECT unseal(doc, '{{}}', {}) FROM t", quote(spec)),
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("unseal: row 1 of the batch: error[record-tampered]"),
        "{message}"
    );
    // Under the NULL policy the good record comes back and the tampered one is NULL.
    let lenient = functions.null_on_bad_row();
    let ctx = session(
        &lenient,
        &[(
            "doc",
            vec![
                sealed[0].clone(),
                Some(
                    sealed[1]
                        .as_deref()
                        .unwrap()
                        .replace("\"globex\"", "\"acme\""),
                ),
            ],
        )],
        1,
    );
    let out = column(
        &ctx,
        &format!("SELECT unseal(doc, '{{}}', {}) FROM t", quote(spec)),
    )
    .await
    .unwrap();
    assert!(out[0].is_some() && out[1].is_none());
    assert_eq!(lenient.bad_rows(), 1);
}

#[tokio::test]
async fn nulls_give_null_and_bad_rows_fail_or_give_counted_nulls() {
    let docs = vec![
        Some(r#"{"a": "x"}"#.to_string()),
        None,
        Some("not json".to_string()),
        Some(r#"{"b": 1}"#.to_string()),
    ];
    let strict = Functions::new(masker());
    let ctx = session(&strict, &[("doc", docs.clone())], 1);
    let err = column(&ctx, "SELECT mask(doc, 'a') FROM t")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mask: row 2 of the batch: error[invalid-json]"),
        "{err}"
    );
    assert!(
        !err.contains("not json"),
        "the row's text is not in the error: {err}"
    );
    let lenient = Functions::new(masker()).null_on_bad_row();
    let ctx = session(&lenient, &[("doc", docs.clone())], 1);
    let out = column(&ctx, "SELECT mask(doc, 'a') FROM t").await.unwrap();
    // Row 3 lacks `a` (raise_on_missing_field is on): bad too.
    assert_eq!(
        out,
        vec![Some(r#"{"a": "*****"}"#.to_string()), None, None, None]
    );
    assert_eq!(lenient.bad_rows(), 2);
    // A NULL value with a context gives NULL; a value with a NULL context is bad.
    let ctx = session(
        &strict,
        &[
            ("doc", docs[..2].to_vec()),
            ("ctx", vec![Some("{}".into()), None]),
        ],
        1,
    );
    let batches = ctx
        .sql("SELECT encrypt_fields(doc, ctx, 'a') FROM t")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(batches[0].column(0).is_valid(0) && batches[0].column(0).is_null(1));
    let ctx = session(
        &strict,
        &[("doc", docs[..1].to_vec()), ("ctx", vec![None])],
        1,
    );
    let err = column(&ctx, "SELECT encrypt_fields(doc, ctx, 'a') FROM t")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("error[invalid-context]: "), "{err}");
}

#[tokio::test]
async fn empty_tables_and_empty_batches_give_empty_results() {
    let functions = Functions::new(masker());
    let ctx = session(&functions, &[("doc", vec![])], 4);
    assert!(
        column(&ctx, "SELECT mask(doc, 'a') FROM t")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        column(&ctx, "SELECT encrypt_fields(doc, '{}', 'a') FROM t")
            .await
            .unwrap()
            .is_empty()
    );
    let ctx = session(&functions, &[("doc", records(5))], 2);
    assert!(
        column(
            &ctx,
            "SELECT seal(doc, '{}', '{\"encrypt\": [\"card\"]}') FROM t WHERE doc = 'none'"
        )
        .await
        .unwrap()
        .is_empty()
    );
}

#[tokio::test]
async fn bad_paths_masks_and_arguments_are_refused_when_planned() {
    let functions = Functions::new(masker());
    let ctx = session(
        &functions,
        &[("doc", records(1)), ("p", vec![Some("card".into())])],
        1,
    );
    for (sql, expect) in [
        ("SELECT mask(doc, 'a[') FROM t", "error[invalid-path]"),
        (
            "SELECT mask_regex(doc, '(', 'x', 'card') FROM t",
            "error[invalid-mask]",
        ),
        (
            "SELECT mask(doc, p) FROM t",
            "argument 2 must be a string literal",
        ),
        (
            "SELECT mask(1, 'a') FROM t",
            "must be a string column of JSON text",
        ),
        (
            "SELECT encrypt_fields(doc, '{}') FROM t",
            "expects (value, context, 'path', ...)",
        ),
        (
            "SELECT encrypt_value(doc, 5) FROM t",
            "the context must be a JSON object text or a string map",
        ),
        (
            "SELECT seal(doc, '{}', '{\"encrypt\": \"card\"}') FROM t",
            "invalid seal spec",
        ),
        (
            "SELECT seal(doc, '{}', '{\"shred\": [\"card\"]}') FROM t",
            "unknown key shred",
        ),
    ] {
        let err = ctx.sql(sql).await.map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(expect), "{sql}: {err}");
    }
    // A context that is not a JSON object is a bad row, found when the row is read.
    let err = column(&ctx, "SELECT encrypt_value(doc, '[1]') FROM t")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("error[invalid-context]"), "{err}");
}

#[tokio::test]
async fn a_map_column_carries_the_context() {
    let functions = Functions::new(masker());
    let ctx = session(&functions, &[("doc", records(4))], 1);
    let out = column(
        &ctx,
        "SELECT encrypt_value(doc, map(['tenant', 'region'], ['acme', 'eu'])) FROM t",
    )
    .await
    .unwrap();
    let expected = EncryptionContext::new([("tenant", "acme"), ("region", "eu")]).unwrap();
    let library = masker();
    for c in out {
        library
            .decrypt(c.as_deref().unwrap(), &expected)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn small_batches_over_many_partitions_match_the_library_row_for_row() {
    let functions = Functions::new(masker());
    let docs = records(2000);
    let ctx = session(&functions, &[("doc", docs.clone())], 8);
    ctx.sql("SET datafusion.execution.batch_size = 64")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let out = column(
        &ctx,
        "SELECT mask_dynamic(doc, 'card', 'address.postcode') FROM t ORDER BY doc",
    )
    .await
    .unwrap();
    let mut sorted: Vec<String> = docs.into_iter().map(Option::unwrap).collect();
    sorted.sort();
    let library = masker();
    let expected: Vec<Option<String>> = sorted
        .iter()
        .map(|d| {
            Some(
                library
                    .erase_json(
                        d,
                        &Fields::parse(["card", "address.postcode"]).unwrap(),
                        &Mask::Dynamic,
                    )
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(out, expected);
}

#[tokio::test]
async fn to_json_turns_typed_columns_into_json_text_for_the_functions() {
    let functions = Functions::new(masker());
    let ctx = SessionContext::new();
    functions.register(&ctx);
    let out = column(
        &ctx,
        r#"SELECT to_json(v) FROM (VALUES ('a "quoted" @b.com'), (NULL)) AS t(v)"#,
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        vec![Some(r#""a \"quoted\" @b.com""#.to_string()), None]
    );
    let out = column(
        &ctx,
        "SELECT to_json(named_struct('n', 1, 'tags', make_array('x', 'y')))",
    )
    .await
    .unwrap();
    assert_eq!(out, vec![Some(r#"{"n":1,"tags":["x","y"]}"#.to_string())]);
    let out = column(&ctx, "SELECT mask_dynamic(to_json('ab@cd.ef'))")
        .await
        .unwrap();
    assert_eq!(out, vec![Some(r#""*****.**""#.to_string())]);
    let library = masker();
    let ct = column(
        &ctx,
        r#"SELECT encrypt_value(to_json('4111 1111'), '{"t": "1"}')"#,
    )
    .await
    .unwrap();
    let value = library
        .decrypt(
            ct[0].as_deref().unwrap(),
            &EncryptionContext::new([("t", "1")]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(value, json!("4111 1111"));
}
