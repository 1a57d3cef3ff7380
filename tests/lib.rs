//! Shared helpers for the cross-crate tests: where the Python oracle and the shared folder are,
//! and running a Python script with JSON on stdin and JSON on stdout.
//!
//! `./scripts/test` sets `DATA_MASKING_PYTHON` to the venv's interpreter, in which Powertools for
//! AWS Lambda (Python) and the Python AWS Encryption SDK are installed. When the variable is
//! unset (a plain `cargo test`), tests that need Python print a note and return early; when it
//! is set, any failure of Python fails the test.
//!
//! Module [`kms`] has the helpers of the tests against a live KMS endpoint (moto): keys, and a
//! recording proxy that tells which KMS calls were made.

pub mod forge;
pub mod kms;
pub mod official;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The environment variable that names the Python interpreter of the oracle venv.
pub const PYTHON_ENV: &str = "DATA_MASKING_PYTHON";

/// The Python interpreter to use as the oracle, from `DATA_MASKING_PYTHON`.
///
/// Returns `None` (after printing a note naming the running test) when the variable is unset or empty, so
/// a developer's plain `cargo test` passes without Python. Panics when the variable names
/// something that is not a file: a test run that asked for Python must not silently skip.
pub fn python() -> Option<PathBuf> {
    let Some(value) = std::env::var_os(PYTHON_ENV).filter(|v| !v.is_empty()) else {
        let test = std::thread::current().name().unwrap_or("test").to_owned();
        eprintln!(
            "note: {test}: {PYTHON_ENV} is not set, so this test did not run against Python; \
             run ./scripts/test to run it"
        );
        return None;
    };
    let path = PathBuf::from(value);
    assert!(
        path.is_file(),
        "{PYTHON_ENV}={} is not a file; run ./scripts/test, which creates the venv",
        path.display()
    );
    Some(path)
}

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
        .to_path_buf()
}

/// The test data carried by the repository (`tests/data/`): the erase corpus, the ESDK vectors
/// (the Python ESDK's and the official ones of other implementations) and the bench record.
/// `tests/data/README.md` says where each file came from.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The path of a Python script of this crate (`tests/py/<name>`).
pub fn py_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py").join(name)
}

/// Runs `python script` with `input` as JSON on stdin and returns the JSON it prints on stdout.
///
/// Panics (failing the test) when the script cannot be started, exits non-zero, or prints
/// something that is not JSON; the message includes the script's stderr.
pub fn run_python_json(python: &Path, script: &Path, input: &Value) -> Value {
    run_python_json_with_env(python, script, input, &[])
}

/// [`run_python_json`] with these environment variables set for the script.
pub fn run_python_json_with_env(
    python: &Path,
    script: &Path,
    input: &Value,
    env: &[(&str, &str)],
) -> Value {
    let stdin_bytes = serde_json::to_vec(input).expect("serialize the oracle input");
    let mut child = Command::new(python)
        .arg(script)
        .envs(env.iter().copied())
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} {}: {e}",
                python.display(),
                script.display()
            )
        });
    // Feed stdin from another thread so that a large answer cannot dead-lock the pipes.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&stdin_bytes));
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {}: {e}", script.display()));
    let written = writer.join().expect("stdin writer thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stderr}",
        script.display(),
        output.status
    );
    written.unwrap_or_else(|e| panic!("writing to {}: {e}\n{stderr}", script.display()));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{} printed no valid JSON ({e}):\n{}\nstderr:\n{stderr}",
            script.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
