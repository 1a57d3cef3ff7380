//! A Ballista cluster on loopback: our scheduler and two of our executors, as processes,
//! running a masking query and an encrypting query over a partitioned data set; the results
//! equal the single-process run (and the ciphertexts decrypt with the library).
#![cfg(feature = "ballista")]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use data_masking::keys::KeyFile;
use data_masking::{DataMasking, EncryptionContext};
use data_masking_datafusion::Functions;
use data_masking_datafusion::cluster::remote_context;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::prelude::{JsonReadOptions, SessionContext};
use serde_json::{Value, json};

/// The processes of the cluster, killed when dropped.
struct Cluster(Vec<Child>);

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(binary: &str, args: &[String], log: &Path) -> Child {
    Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"))
}

/// A folder of `files` NDJSON files of `rows` records in all: `id` and `doc`, the record's
/// JSON text.
fn data_set(dir: &Path, files: usize, rows: usize) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for f in 0..files {
        let mut text = String::new();
        for id in (0..rows).filter(|r| r % files == f) {
            let doc = json!({"id": id, "card": format!("4111-0000-{id:04}"), "name": format!("n{id}"), "address": {"postcode": 90000 + id}});
            text.push_str(&json!({"id": id, "doc": doc.to_string()}).to_string());
            text.push('\n');
        }
        std::fs::write(data.join(format!("part-{f}.ndjson")), text).unwrap();
    }
    data
}

fn first_strings(batches: &[RecordBatch], column: usize) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let col = b.column(column).as_string::<i32>().clone();
            (0..col.len()).map(move |i| col.value(i).to_string())
        })
        .collect()
}

async fn run(ctx: &SessionContext, data: &Path, sql: &str) -> Vec<RecordBatch> {
    ctx.deregister_table("t").unwrap();
    ctx.register_json(
        "t",
        data.to_str().unwrap(),
        JsonReadOptions::default().file_extension(".ndjson"),
    )
    .await
    .unwrap();
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_executors_give_the_single_process_results() {
    let dir = tempfile::tempdir().unwrap();
    let key_json = data_masking::keys::RawAesKeyring::generate_key_json("cluster", "key").unwrap();
    let key_path = dir.path().join("key.json");
    std::fs::write(&key_path, &key_json).unwrap();
    let data = data_set(dir.path(), 6, 600);

    let scheduler: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let key_arg = key_path.to_str().unwrap().to_string();
    let mut cluster = Cluster(Vec::new());
    cluster.0.push(spawn(
        env!("CARGO_BIN_EXE_data-masking-scheduler"),
        &[
            "--bind".into(),
            scheduler.to_string(),
            "--key-file".into(),
            key_arg.clone(),
            "--suite".into(),
            "0x0478".into(),
        ],
        &dir.path().join("scheduler.log"),
    ));
    for i in 0..2 {
        let work = dir.path().join(format!("work{i}"));
        std::fs::create_dir_all(&work).unwrap();
        cluster.0.push(spawn(
            env!("CARGO_BIN_EXE_data-masking-executor"),
            &[
                "--scheduler".into(),
                scheduler.to_string(),
                "--port".into(),
                free_port().to_string(),
                "--concurrent-tasks".into(),
                "2".into(),
                "--work-dir".into(),
                work.to_str().unwrap().into(),
                "--key-file".into(),
                key_arg.clone(),
                "--suite".into(),
                "0x0478".into(),
            ],
            &dir.path().join(format!("executor{i}.log")),
        ));
    }

    let keyring = KeyFile::from_json(&key_json).unwrap().into_keyring();
    let masker = DataMasking::builder().shared_keyring(keyring).build();
    let functions = Functions::new(masker.clone());
    let local = SessionContext::new();
    functions.register(&local);

    // The client connects once the scheduler is up, then waits for work to run.
    let deadline = Instant::now() + Duration::from_secs(90);
    let remote = loop {
        if let Ok(ctx) = remote_context(scheduler, &functions).await
            && let Ok(frame) = ctx.sql("SELECT 1").await
            && frame.collect().await.is_ok()
        {
            break ctx;
        }
        let logs: Vec<String> = ["scheduler.log", "executor0.log", "executor1.log"]
            .iter()
            .map(|l| std::fs::read_to_string(dir.path().join(l)).unwrap_or_default())
            .collect();
        assert!(
            Instant::now() < deadline,
            "the cluster did not start:\n{}",
            logs.join("\n---\n")
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    let masking = "SELECT id, mask(doc, 'card') AS m, mask_dynamic(doc, 'name', 'address.postcode') AS d FROM t ORDER BY id";
    let on_cluster = run(&remote, &data, masking).await;
    let single = run(&local, &data, masking).await;
    assert_eq!(first_strings(&on_cluster, 1), first_strings(&single, 1));
    assert_eq!(first_strings(&on_cluster, 2), first_strings(&single, 2));
    assert_eq!(first_strings(&on_cluster, 1).len(), 600);

    let encrypting = r#"SELECT id, doc, encrypt_fields(doc, '{"tenant": "acme"}', 'card', 'address') AS e FROM t ORDER BY id"#;
    let on_cluster = run(&remote, &data, encrypting).await;
    let docs = first_strings(&on_cluster, 1);
    let encrypted = first_strings(&on_cluster, 2);
    let ctx = EncryptionContext::new([("tenant", "acme")]).unwrap();
    for (doc, enc) in docs.iter().zip(&encrypted) {
        let value: Value = serde_json::from_str(enc).unwrap();
        let back = masker
            .decrypt_fields(&value, &["card", "address"], &ctx)
            .await
            .unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(doc).unwrap());
    }
    let round_trip = r#"SELECT count(*) AS n FROM (SELECT doc, encrypt_fields(doc, '{"tenant": "acme"}', 'card') AS e FROM t) WHERE decrypt_fields(e, '{"tenant": "acme"}', 'card') = doc"#;
    let counted = run(&remote, &data, round_trip).await;
    assert_eq!(
        counted[0]
            .column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .value(0),
        600
    );

    // No process of the cluster died on the way.
    for child in &mut cluster.0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "a cluster process exited"
        );
    }
    drop(remote);
    drop(cluster);
}
