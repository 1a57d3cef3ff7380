//! Bulk NDJSON through the `data-masking` process: output order over many lines and threads,
//! bad lines reported with their numbers while the others are processed, and an interrupted run
//! leaving no partial `--output` file.

use std::io::Write;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn cmd() -> Command {
    Command::cargo_bin("data-masking").expect("binary")
}

fn line(i: usize) -> String {
    format!(
        r#"{{"i":{i},"email":"user{i}@example.com","card":"4111 1111 1111 {:04}","note":"{}"}}"#,
        i % 10_000,
        "n".repeat(i % 97)
    )
}

/// Thousands of lines in batches across four workers come back in input order.
#[test]
fn order_is_kept_over_many_lines_and_threads() {
    let n = 20_000;
    let input: String = (0..n).map(|i| line(i) + "\n").collect();
    let out = cmd()
        .args([
            "erase",
            "--ndjson",
            "--threads",
            "4",
            "-f",
            "email",
            "-f",
            "card",
        ])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("UTF-8");
    let mut count = 0;
    for (i, l) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(l).expect("JSON line");
        assert_eq!(v["i"], i, "line {}", i + 1);
        assert_eq!(v["email"], "*****");
        assert_eq!(v["card"], "*****");
        count += 1;
    }
    assert_eq!(count, n);
}

/// Bad lines (invalid JSON, or not UTF-8) are reported on standard error with their line numbers;
/// every other line is processed, in order, and the exit code is 2.
#[test]
fn bad_lines_reported_with_numbers_others_processed() {
    let n = 3_000;
    let bad = [7usize, 1_500, 2_999];
    // Line 1,500 is not even UTF-8.
    let input: Vec<u8> = (1..=n)
        .flat_map(|no| {
            if no == 1_500 {
                b"{\"i\": \"\xff\"}\n".to_vec()
            } else if bad.contains(&no) {
                b"{\"i\": oops\n".to_vec()
            } else {
                (line(no) + "\n").into_bytes()
            }
        })
        .collect();
    let output = cmd()
        .args(["erase", "--ndjson", "--threads", "3", "-f", "email"])
        .write_stdin(input)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    for no in bad {
        assert!(
            stderr.contains(&format!("line {no}")),
            "line {no} not reported: {stderr}"
        );
    }
    assert_eq!(stderr.lines().count(), bad.len(), "{stderr}");
    let got: Vec<u64> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("JSON line");
            assert_eq!(v["email"], "*****");
            v["i"].as_u64().expect("i")
        })
        .collect();
    let want: Vec<u64> = (1..=n)
        .filter(|no| !bad.contains(no))
        .map(|no| no as u64)
        .collect();
    assert_eq!(got, want);
}

/// A run killed mid-stream leaves no file at the `--output` path (the results go to a temporary
/// file renamed only at the end).
#[test]
fn interrupted_run_leaves_no_output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("masked.ndjson");
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("data-masking"))
        .args(["erase", "--ndjson", "-f", "email", "--output"])
        .arg(&target)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Feed a few MB (more than one batch, so results are being written), keep stdin open:
    // the run is mid-stream.
    let mut stdin = child.stdin.take().expect("stdin");
    let chunk: String = (0..20_000).map(|i| line(i) + "\n").collect();
    stdin.write_all(chunk.as_bytes()).expect("write");
    stdin.flush().expect("flush");
    let deadline = Instant::now() + Duration::from_secs(20);
    let temp_exists = || {
        std::fs::read_dir(dir.path())
            .expect("dir")
            .any(|e| e.expect("entry").file_name() != "masked.ndjson")
    };
    while !temp_exists() {
        assert!(Instant::now() < deadline, "no temporary output appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the run ended before stdin was closed"
    );
    assert!(!target.exists(), "output present before the end of input");
    child.kill().expect("kill");
    child.wait().expect("wait");
    drop(stdin);
    assert!(
        !target.exists(),
        "an interrupted run left a partial output file"
    );
}

/// `--max-line-bytes N`: a line of more than N bytes (not counting its newline) is reported as a
/// bad line with its number and skipped; the lines around it, one of exactly N bytes included,
/// are processed.
#[test]
fn lines_longer_than_the_limit_are_bad_lines() {
    let at_limit = format!(r#"{{"i":2,"email":"{}"}}"#, "a".repeat(100));
    let limit = at_limit.len();
    let one_over = format!(r#"{{"i":3,"email":"{}"}}"#, "a".repeat(101));
    let huge = format!(r#"{{"i":5,"email":"{}"}}"#, "b".repeat(8 << 20));
    let input = format!(
        "{}\n{at_limit}\n{one_over}\n{}\n{huge}\n{}\n{one_over}",
        line(1),
        line(4),
        line(6)
    );
    let output = cmd()
        .args(["erase", "--ndjson", "-f", "email", "--max-line-bytes"])
        .arg(limit.to_string())
        .write_stdin(input)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let want: Vec<String> = [3, 5, 7]
        .iter()
        .map(|n| {
            format!(
                "error[line-too-long]: line {n}: longer than {limit} bytes (--max-line-bytes); \
                 skipped"
            )
        })
        .collect();
    assert_eq!(stderr.lines().collect::<Vec<_>>(), want);
    let got: Vec<u64> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("JSON line");
            assert_eq!(v["email"], "*****");
            v["i"].as_u64().expect("i")
        })
        .collect();
    assert_eq!(got, [1, 2, 4, 6]);
    // The default (64 MiB) lets the 8 MiB line through; 0 is not a limit.
    cmd()
        .args(["erase", "--ndjson", "-f", "email"])
        .write_stdin(huge + "\n")
        .assert()
        .success();
    cmd()
        .args(["erase", "--ndjson", "--max-line-bytes", "0"])
        .write_stdin("{}\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--max-line-bytes"));
}
