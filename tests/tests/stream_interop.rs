//! Streaming interop with the Python AWS Encryption SDK's streaming API
//! (`EncryptionSDKClient().stream(...)`, through `tests/py/stream_oracle.py`), both ways, on a
//! file made by the test, for both committing suites:
//!
//! * Rust streams a file into a message (`Encryptor::encrypt_stream`), Python streams it back
//!   to the same bytes;
//! * Python streams the file into a message, Rust streams it back
//!   (`Encryptor::read_head` / `decrypt_stream`, into a file committed only once the message
//!   verified) to the same bytes.
//!
//! The file is 256 MiB for 0x0578 and 64 MiB for 0x0478 (`DATA_MASKING_STREAM_MIB` sets both);
//! neither side holds it in memory. Without `DATA_MASKING_PYTHON` the test prints a note and
//! returns.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, EncryptionContext, Encryptor, PlaintextSink};
use data_masking_tests::{py_script, python, run_python_json};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const NAMESPACE: &str = "data-masking-stream";
const KEY_NAME: &str = "stream-key";
const KEY: [u8; 32] = *b"streaming-interop-key-0123456789";

/// A folder of the test's files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `mib` MiB of seeded bytes to `path` (a random block, each copy marked with its
/// index, so no two frames are alike), and returns their SHA-256.
fn make_file(path: &Path, mib: usize, seed: u64) -> [u8; 32] {
    let mut block = vec![0u8; (1 << 20) + 7];
    ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut block);
    let mut out = BufWriter::new(File::create(path).expect("create"));
    let mut hash = Sha256::new();
    let mut left = mib << 20;
    let mut i = 0u64;
    while left > 0 {
        block[..8].copy_from_slice(&i.to_be_bytes());
        let n = left.min(block.len());
        out.write_all(&block[..n]).expect("write");
        hash.update(&block[..n]);
        left -= n;
        i += 1;
    }
    out.flush().expect("flush");
    hash.finalize().into()
}

fn sha256_of(path: &Path) -> ([u8; 32], u64) {
    let mut f = BufReader::new(File::open(path).expect("open"));
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let got = f.read(&mut buf).expect("read");
        if got == 0 {
            return (hash.finalize().into(), n);
        }
        hash.update(&buf[..got]);
        n += got as u64;
    }
}

/// A file written under a temporary name and renamed into place only when committed.
struct StagedFile {
    tmp: PathBuf,
    target: PathBuf,
    file: BufWriter<File>,
}

impl StagedFile {
    fn create(target: &Path) -> Self {
        let tmp = target.with_extension("partial");
        let file = BufWriter::new(File::create(&tmp).expect("create"));
        Self {
            tmp,
            target: target.to_owned(),
            file,
        }
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl PlaintextSink for StagedFile {
    type Output = ();
    fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        std::fs::rename(&self.tmp, &self.target)
    }
    fn discard(self) {
        drop(self.file);
        let _ = std::fs::remove_file(&self.tmp);
    }
}

fn context() -> EncryptionContext {
    EncryptionContext::new([("file", "big.bin"), ("purpose", "stream interop")]).expect("ctx")
}

fn case(op: &str, input: &Path, output: &Path, suite: u16) -> Value {
    json!({
        "op": op,
        "keys": [{"namespace": NAMESPACE, "name": KEY_NAME, "key": STANDARD.encode(KEY)}],
        "input": input,
        "output": output,
        "suite": format!("0x{suite:04X}"),
        "frame_length": 4096,
        "context": {"file": "big.bin", "purpose": "stream interop"},
    })
}

fn ok(mut v: Value) -> Value {
    assert!(v.get("error").is_none(), "Python failed: {v}");
    v["ok"].take()
}

#[test]
fn large_files_stream_both_ways_with_the_python_esdk() {
    let Some(py) = python() else { return };
    let script = py_script("stream_oracle.py");
    let scratch = Scratch::new("data-masking-stream-interop");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let env_mib = std::env::var("DATA_MASKING_STREAM_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    for (suite, mib) in [(0x0578u16, 256usize), (0x0478, 64)] {
        let mib = env_mib.unwrap_or(mib);
        let plain = scratch.path("plain.bin");
        let digest = make_file(&plain, mib, u64::from(suite));
        let encryptor =
            Encryptor::builder(RawAesKeyring::new(NAMESPACE, KEY_NAME, &KEY).expect("raw AES key"))
                .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                .build()
                .expect("encryptor");

        // Rust encrypts, Python decrypts.
        let ours = scratch.path("ours.msg");
        let stream = rt
            .block_on(encryptor.encrypt_stream(&context(), Some((mib as u64) << 20)))
            .expect("encrypt_stream");
        let mut out = BufWriter::new(File::create(&ours).expect("create"));
        let n = stream
            .encrypt(File::open(&plain).expect("open"), &mut out)
            .expect("encrypt");
        drop(out);
        assert_eq!(n, (mib as u64) << 20);
        let back = scratch.path("python-plain.bin");
        let r = ok(run_python_json(
            &py,
            &script,
            &case("decrypt", &ours, &back, suite),
        ));
        assert_eq!(r["suite"], format!("0x{suite:04X}"));
        assert_eq!(r["frame_length"], 4096);
        assert_eq!(r["context"]["file"], "big.bin");
        assert_eq!(
            sha256_of(&back),
            (digest, (mib as u64) << 20),
            "0x{suite:04X}"
        );
        std::fs::remove_file(&back).expect("rm");
        std::fs::remove_file(&ours).expect("rm");

        // Python encrypts, Rust decrypts.
        let theirs = scratch.path("theirs.msg");
        let r = ok(run_python_json(
            &py,
            &script,
            &case("encrypt", &plain, &theirs, suite),
        ));
        assert_eq!(r["suite"], format!("0x{suite:04X}"));
        let rust_plain = scratch.path("rust-plain.bin");
        let mut reader = BufReader::new(File::open(&theirs).expect("open"));
        let head = encryptor.read_head(&mut reader).expect("header");
        assert_eq!(head.suite().id(), suite);
        let stream = rt
            .block_on(encryptor.decrypt_stream(head, &context()))
            .expect("decrypt_stream");
        stream
            .decrypt(reader, StagedFile::create(&rust_plain))
            .expect("decrypt");
        assert_eq!(
            sha256_of(&rust_plain),
            (digest, (mib as u64) << 20),
            "0x{suite:04X}"
        );

        // A cut Python message leaves no file behind.
        let cut = scratch.path("cut.msg");
        let len = std::fs::metadata(&theirs).expect("len").len();
        let mut src = File::open(&theirs).expect("open").take(len / 2);
        io::copy(&mut src, &mut File::create(&cut).expect("create")).expect("copy");
        let partial = scratch.path("cut-plain.bin");
        let mut reader = BufReader::new(File::open(&cut).expect("open"));
        let head = encryptor.read_head(&mut reader).expect("header");
        let stream = rt
            .block_on(encryptor.decrypt_stream(head, &context()))
            .expect("decrypt_stream");
        let err = stream
            .decrypt(reader, StagedFile::create(&partial))
            .expect_err("a cut message");
        assert_eq!(err.kind(), "decrypt-value");
        assert!(!partial.exists() && !partial.with_extension("partial").exists());
        for f in [&plain, &theirs, &rust_plain, &cut] {
            std::fs::remove_file(f).expect("rm");
        }
    }
}
