//! `data-masking sql` (feature `sql`): queries over NDJSON, Parquet and CSV files with the
//! functions, results to NDJSON, Parquet, CSV or lines, checked against the other commands.
#![cfg(feature = "sql")]

mod common;

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use common::{cmd, keygen, names, stderr, stdout};

const TENANTS: [&str; 2] = ["acme", "globex"];

fn records(n: usize) -> String {
    (0..n)
        .map(|i| {
            json!({"id": i, "name": format!("user {i}"), "card": format!("4111 1111 1111 {i:04}"), "address": {"postcode": 10000 + i}})
                .to_string()
                + "\n"
        })
        .collect()
}

/// `data-masking sql` with table `name` of the file or folder at `path`, read as `how`
/// (`--lines` or `--table`), then `args`.
fn sql(how: &str, name: &str, path: &Path, args: &[&str]) -> Command {
    let mut c = cmd();
    c.args(["sql", how])
        .arg(format!("{name}={}", path.display()))
        .args(args);
    c
}

/// The standard error of `data-masking` with `args`, which must exit with code 2.
fn refused(args: &[&str]) -> String {
    stderr(&cmd().args(args).assert().code(2))
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn masking_a_lines_table_gives_what_erase_ndjson_gives() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("logs.ndjson");
    std::fs::write(&input, records(500)).unwrap();
    let masked = sql(
        "--lines",
        "logs",
        &input,
        &[
            "SELECT mask(line, 'card', 'address.postcode') FROM logs",
            "--output-lines",
        ],
    )
    .assert()
    .success();
    let erase = cmd()
        .args(["erase", "--ndjson", "-f", "card", "-f", "address.postcode"])
        .arg(&input)
        .assert()
        .success();
    // A query without ORDER BY may give the rows in any order: compare them sorted.
    let erased = stdout(&erase);
    let mut expected: Vec<&str> = erased.lines().collect();
    expected.sort_unstable();
    let out = stdout(&masked);
    let mut got: Vec<&str> = out.lines().collect();
    got.sort_unstable();
    assert_eq!(got, expected);
}

#[test]
fn parquet_output_reads_back_and_csv_tables_work() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("logs.ndjson");
    std::fs::write(&input, records(50)).unwrap();
    let parquet = dir.path().join("masked.parquet");
    sql(
        "--lines",
        "logs",
        &input,
        &[
            "SELECT mask_custom(line, 'XXXX', 'card') AS doc FROM logs",
            "-o",
        ],
    )
    .arg(&parquet)
    .assert()
    .success()
    .stdout("");
    let back = sql(
        "--table",
        "p",
        &parquet,
        &["SELECT doc FROM p", "--output-lines"],
    )
    .assert()
    .success();
    let docs = lines(&stdout(&back));
    assert_eq!(docs.len(), 50);
    assert!(
        docs.iter()
            .all(|d| d["card"] == json!("XXXX") && d["name"].as_str().unwrap().starts_with("user"))
    );

    // CSV in (a header row, JSON text quoted), CSV out.
    let csv = dir.path().join("people.csv");
    let mut text = String::from("id,doc\n");
    for i in 0..10 {
        let doc = json!({"ssn": format!("123-45-{i:04}"), "n": i})
            .to_string()
            .replace('"', "\"\"");
        writeln!(text, "{i},\"{doc}\"").unwrap();
    }
    std::fs::write(&csv, text).unwrap();
    let out_csv = dir.path().join("out.csv");
    sql("--table", "people", &csv, &["SELECT id, mask_regex(doc, '\\d{3}-\\d{2}-(\\d{4})', '***-**-\\1', 'ssn') AS doc FROM people ORDER BY id", "-o"])
        .arg(&out_csv)
        .assert()
        .success();
    let written = std::fs::read_to_string(&out_csv).unwrap();
    assert!(written.starts_with("id,doc\n0,"), "{written}");
    assert!(written.contains(r#"""ssn"":""***-**-0009"""#), "{written}");

    // An NDJSON table with inferred columns, NDJSON out.
    let typed = sql(
        "--table",
        "logs",
        &input,
        &["SELECT id, name FROM logs WHERE id < 3 ORDER BY id"],
    )
    .assert()
    .success();
    assert_eq!(
        lines(&stdout(&typed)),
        vec![
            json!({"id": 0, "name": "user 0"}),
            json!({"id": 1, "name": "user 1"}),
            json!({"id": 2, "name": "user 2"})
        ]
    );
}

#[test]
fn encrypt_fields_with_the_context_decrypts_with_the_decrypt_command() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path(), "k");
    let input = dir.path().join("logs.ndjson");
    std::fs::write(&input, records(40)).unwrap();
    let enc = sql(
        "--lines",
        "logs",
        &input,
        &[
            "SELECT encrypt_fields(line, $context, 'card') FROM logs",
            "--output-lines",
            "--suite",
            "0x0478",
            "-c",
            "tenant=acme",
            "--key-file",
        ],
    )
    .arg(&key)
    .assert()
    .success();
    let encrypted = stdout(&enc);
    assert!(
        lines(&encrypted)
            .iter()
            .all(|d| d["card"].as_str().unwrap().len() > 100)
    );
    let decrypt = |tenant: &str| -> Assert {
        cmd()
            .args(["decrypt", "--ndjson", "-f", "card", "-c"])
            .arg(format!("tenant={tenant}"))
            .arg("--key-file")
            .arg(&key)
            .write_stdin(encrypted.clone())
            .assert()
    };
    let dec = decrypt("acme").success();
    let mut got = lines(&stdout(&dec));
    let mut expected = lines(&records(40));
    let id = |v: &Value| v["id"].as_u64().unwrap();
    got.sort_by_key(id);
    expected.sort_by_key(id);
    assert_eq!(got, expected);
    // Another tenant's context does not open them.
    decrypt("globex").code(2);
}

#[test]
fn a_bad_row_fails_the_query_and_leaves_no_output_or_gives_null_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("logs.ndjson");
    std::fs::write(&input, format!("{}not json\n{}", records(3), records(2))).unwrap();
    let out = dir.path().join("out.ndjson");
    let query = |flags: &[&str]| -> Assert {
        sql(
            "--lines",
            "logs",
            &input,
            &[
                "SELECT mask(line, 'card') FROM logs",
                "--output-lines",
                "-o",
            ],
        )
        .arg(&out)
        .args(flags)
        .assert()
        .code(2)
    };
    let failed = query(&[]);
    let err = stderr(&failed);
    assert!(err.starts_with("error[invalid-json]: "), "{err}");
    assert!(err.contains("mask: row 3 of the batch"), "{err}");
    assert!(
        !err.contains("not json"),
        "the row's text is not echoed: {err}"
    );
    assert_eq!(
        names(dir.path()),
        vec!["logs.ndjson"],
        "no output file, no temporary file"
    );

    let lenient = query(&["--null-on-bad-row"]);
    assert!(
        stderr(&lenient).contains("1 bad rows given NULL"),
        "{}",
        stderr(&lenient)
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines(&written).len(), 5);
}

#[test]
fn bad_tables_queries_and_paths_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "x").unwrap();
    let table = format!("n={}", txt.display());
    let err = refused(&["sql", "--table", &table, "SELECT 1"]);
    assert!(err.contains("the format comes from the extension"), "{err}");
    let err = refused(&["sql", "--table", "nonsense", "SELECT 1"]);
    assert!(
        err.starts_with("error[config]: \"nonsense\" is not NAME=PATH"),
        "{err}"
    );
    let err = refused(&["sql", "SELECT mask('{}', 'a[')"]);
    assert!(err.starts_with("error[invalid-path]: "), "{err}");
    let err = refused(&["sql", "SELECT * FROM missing"]);
    assert!(err.starts_with("error[query]: "), "{err}");
    assert!(Path::new(&txt).exists());
}

/// The README's worked example: a folder of NDJSON logs into Parquet (emails masked, cards
/// encrypted under each record's tenant with a KMS key), then the card column decrypted in
/// Python by Powertools (`tests/py/parquet_column.py`). Needs the moto endpoint and the Python
/// venv that `./scripts/test` provides; without them it prints a note and returns.
#[test]
fn worked_example_logs_to_parquet_and_a_column_decrypted_by_powertools() {
    let Some(_) = common::endpoint() else {
        return;
    };
    let Some(python) = data_masking_tests::python() else {
        return;
    };
    let arn = common::create_key(None);
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut cards = Vec::new();
    for day in 0..3 {
        let mut text = String::new();
        for i in 0..20 {
            let id = day * 20 + i;
            let card = format!("4111 1111 1111 {id:04}");
            cards.push(json!(card));
            let line = json!({"id": id, "tenant": TENANTS[id % 2], "level": "info", "email": format!("user{id}@example.com"), "card": card});
            writeln!(text, "{line}").unwrap();
        }
        std::fs::write(logs.join(format!("day-{day}.ndjson")), text).unwrap();
    }
    let out = dir.path().join("masked.parquet");
    sql(
        "--table",
        "logs",
        &logs,
        &[
            "--kms-key",
            &arn,
            "SELECT id, tenant, level, mask_dynamic(to_json(email)) AS email, \
             encrypt_value(to_json(card), map(['tenant'], [tenant])) AS card FROM logs ORDER BY id",
            "-o",
        ],
    )
    .arg(&out)
    .assert()
    .success();
    let request = json!({"file": out, "column": "card", "keys": [arn]});
    let script = data_masking_tests::py_script("parquet_column.py");
    let answer = data_masking_tests::run_python_json(&python, &script, &request);
    assert_eq!(answer["values"], Value::Array(cards));
    // The emails are masked in the same file.
    let emails = sql(
        "--table",
        "p",
        &out,
        &[
            "SELECT DISTINCT email FROM p WHERE id = 7",
            "--output-lines",
        ],
    )
    .assert()
    .success();
    assert_eq!(stdout(&emails).trim(), r#""*************.***""#);
}
