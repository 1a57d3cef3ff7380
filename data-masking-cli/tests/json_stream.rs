//! `encrypt` and `decrypt` of a whole JSON value, streamed: a 50 MB document round trips in
//! flat memory (peak RSS read from /proc on Linux), byte for byte the compact text the
//! in-memory path makes; a text above the in-memory size decrypts to what the same text
//! encrypted whole decrypts to; invalid or too deeply nested JSON is refused with its line and
//! column and leaves no output file; a message whose plaintext is not JSON leaves none either,
//! to a file or to standard output. Decrypt to standard output holds the plaintext back in a
//! spool (memory, then a temporary file) until the message verified, in flat memory.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{cmd, names};
use data_masking::keys::KeyFile;
use data_masking::{DataMasking, EncryptionContext};
use predicates::prelude::*;

/// Above this many bytes `encrypt` streams the text (the CLI's `SMALL_TEXT`).
const SMALL_TEXT: usize = 1 << 20;

fn key(dir: &Path) -> PathBuf {
    common::keygen(dir, "key")
}

/// A pretty-printed array of records, about `len` bytes, with escapes and non-ASCII text.
fn document(len: usize) -> Vec<u8> {
    let mut out = b"[\n".to_vec();
    let mut i = 0u64;
    while out.len() < len {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        write!(
            out,
            "  {{\n    \"id\": {i},\n    \"name\": \"caf\u{e9} \\\"{i}\\\" \\u00e9\",\n    \
             \"amount\": -{}.{:02}e-3,\n    \"tags\": [ \"a\", true, null, {{ }} ],\n    \
             \"note\": \"tab\\there\\n\"\n  }}",
            i * 7 % 1000,
            i % 100
        )
        .expect("write");
        i += 1;
    }
    out.extend_from_slice(b"\n]\n");
    out
}

/// The compact text the in-memory path makes of `text` (whitespace outside strings removed).
fn compact(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
            continue;
        }
        out.push(b);
    }
    out
}

/// Runs the binary with `args` (input and output are files), and returns whether it
/// succeeded, its standard error and its peak resident memory in bytes (from /proc; 0 where
/// there is none).
fn run_measured(args: &[&std::ffi::OsStr]) -> (bool, String, u64) {
    run_to(args, Stdio::null())
}

/// [`run_measured`] with standard output to `stdout`.
fn run_to(args: &[&std::ffi::OsStr], stdout: Stdio) -> (bool, String, u64) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("data-masking"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            for line in text.lines() {
                if let Some(kb) = line.strip_prefix("VmHWM:") {
                    let kb: u64 = kb
                        .trim()
                        .trim_end_matches(" kB")
                        .trim()
                        .parse()
                        .unwrap_or(0);
                    peak = peak.max(kb * 1024);
                }
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    (status.success(), err, peak)
}

fn masker(k: &Path) -> DataMasking {
    let key = KeyFile::from_json(&std::fs::read_to_string(k).expect("key")).expect("key file");
    DataMasking::builder().keyring(key).build()
}

#[test]
fn a_large_document_round_trips_in_flat_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let text = document(50 << 20);
    let input = dir.path().join("doc.json");
    std::fs::write(&input, &text).expect("write");
    let ct = dir.path().join("doc.json.b64");
    let back = dir.path().join("back.json");
    let os = |s: &str| std::ffi::OsString::from(s);
    let (ok, err, enc_peak) = run_measured(&[
        &os("encrypt"),
        &os("-c"),
        &os("f=doc"),
        &os("--key-file"),
        k.as_os_str(),
        input.as_os_str(),
        &os("--output"),
        ct.as_os_str(),
    ]);
    assert!(ok, "{err}");
    let message = std::fs::read(&ct).expect("ct");
    assert!(message.starts_with(b"\"AgV4") && message.ends_with(b"\"\n"));
    let (ok, err, dec_peak) = run_measured(&[
        &os("decrypt"),
        &os("-c"),
        &os("f=doc"),
        &os("--key-file"),
        k.as_os_str(),
        ct.as_os_str(),
        &os("--output"),
        back.as_os_str(),
    ]);
    assert!(ok, "{err}");
    let mut want = compact(&text);
    // The library's in-memory decrypt reads the same compact text.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let ctx = EncryptionContext::new([("f", "doc")]).expect("ctx");
    let b64 = std::str::from_utf8(&message[1..message.len() - 2]).expect("utf8");
    let in_memory = rt
        .block_on(masker(&k).decrypt_text(b64, &ctx))
        .expect("decrypt_text");
    assert!(in_memory.as_bytes() == want, "decrypt_text differs");
    want.push(b'\n');
    let got = std::fs::read(&back).expect("back");
    assert!(got == want, "decrypted text differs");
    // Both stay below the 64 MiB the issue sets for any size (the in-memory path held about
    // 3 times the document; a debug build is measured here).
    if cfg!(target_os = "linux") {
        for (what, peak) in [("encrypt", enc_peak), ("decrypt", dec_peak)] {
            assert!(peak > 0, "{what}: no peak read");
            assert!(peak < 64 << 20, "{what}: peak RSS {} MiB", peak >> 20);
        }
    }
    // To standard output too (spooled until the message verified).
    let got = cmd()
        .args(["decrypt", "-c", "f=doc", "--key-file"])
        .arg(&k)
        .arg(&ct)
        .assert()
        .success();
    assert!(got.get_output().stdout == want, "stdout differs");
}

/// A text above the in-memory size is streamed; padded with whitespace to get there, it is the
/// same plaintext as the text encrypted whole.
#[test]
fn streamed_and_whole_texts_decrypt_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let small = " { \"a\" : [ 1, -0.50e+3, true, null ], \"s\": \"x \\\" y \\\\ \\u00e9 caf\u{e9} \
                 / \\/\", \"e\": {} , \"t\":\"tab\\t\"} ";
    let mut padded = small.as_bytes().to_vec();
    padded.extend(std::iter::repeat_n(b' ', SMALL_TEXT));
    padded.extend(b"\n\r\n");
    let mut outs = Vec::new();
    for text in [small.as_bytes(), &padded[..]] {
        let ct = cmd()
            .args(["encrypt", "--key-file"])
            .arg(&k)
            .write_stdin(text)
            .assert()
            .success();
        let ct = ct.get_output().stdout.clone();
        let got = cmd()
            .args(["decrypt", "--key-file"])
            .arg(&k)
            .write_stdin(ct)
            .assert()
            .success();
        outs.push(got.get_output().stdout.clone());
    }
    let mut want = compact(small.as_bytes());
    want.push(b'\n');
    assert_eq!(
        String::from_utf8_lossy(&outs[0]),
        String::from_utf8_lossy(&want)
    );
    assert_eq!(outs[0], outs[1]);
}

/// Invalid JSON, or JSON nested too deep, above the in-memory size: one error line with its
/// place, and no output file.
#[test]
fn invalid_or_too_deep_json_leaves_no_output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let target = out_dir.join("ct.json");
    let mut late = document(SMALL_TEXT + (1 << 20));
    late.truncate(late.len() - 3); // the closing bracket gone
    let mut early = b"{\n  \"a\": [1, 2,, 3]".to_vec();
    early.extend(std::iter::repeat_n(b' ', 2 * SMALL_TEXT));
    let mut deep = vec![b'['; (1 << 20) + 1];
    deep.extend(std::iter::repeat_n(b']', (1 << 20) + 1));
    for (text, want) in [
        (&late, "invalid JSON at line ".to_owned()),
        (
            &early,
            "invalid JSON at line 2 column 14: expected value".to_owned(),
        ),
        (
            &deep,
            "arrays and objects nested more than 1048576 deep".to_owned(),
        ),
    ] {
        for existing in [None, Some("old")] {
            if let Some(old) = existing {
                std::fs::write(&target, old).expect("write");
            }
            cmd()
                .args(["encrypt", "--key-file"])
                .arg(&k)
                .arg("--output")
                .arg(&target)
                .write_stdin(text.clone())
                .assert()
                .code(2)
                .stdout("")
                .stderr(
                    predicate::str::starts_with("error[invalid-json]: ")
                        .and(predicate::str::contains(want.as_str())),
                );
            match existing {
                None => assert!(names(&out_dir).is_empty()),
                Some(old) => {
                    assert_eq!(std::fs::read_to_string(&target).expect("old"), old);
                    std::fs::remove_file(&target).expect("rm");
                }
            }
        }
    }
    // An error in the first MiB prints nothing to standard output either.
    cmd()
        .args(["encrypt", "--key-file"])
        .arg(&k)
        .write_stdin(early)
        .assert()
        .code(2)
        .stdout("");
}

/// A message that verifies but whose plaintext is not JSON (or nests too deep): the JSON
/// decrypt refuses it and releases nothing, to a file or to standard output.
#[test]
fn a_plaintext_that_is_not_json_is_not_released() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let target = out_dir.join("back.json");
    let mut cut = document(3 << 20);
    cut.truncate(cut.len() / 2);
    let mut deep = vec![b'['; (1 << 20) + 1];
    deep.extend(std::iter::repeat_n(b']', (1 << 20) + 1));
    for plaintext in [cut, deep, b"[1] x".to_vec(), vec![0xff; 100]] {
        let ct = cmd()
            .args(["encrypt", "--raw", "--key-file"])
            .arg(&k)
            .write_stdin(plaintext)
            .assert()
            .success();
        let ct = ct.get_output().stdout.clone();
        cmd()
            .args(["decrypt", "--key-file"])
            .arg(&k)
            .arg("--output")
            .arg(&target)
            .write_stdin(ct.clone())
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                "error[decrypt-value]: decrypt value error: the decrypted plaintext is not JSON\n",
            );
        assert!(names(&out_dir).is_empty());
        cmd()
            .args(["decrypt", "--key-file"])
            .arg(&k)
            .write_stdin(ct)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with("error[decrypt-value]:"));
    }
}

/// Decrypt to standard output spools the plaintext until the message verified: 100 MiB come out
/// whole in flat memory, and a message cut short prints nothing.
#[test]
fn standard_output_is_spooled_in_flat_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let plain: Vec<u8> = (0..100usize << 20)
        .map(|i| (i * 131 + i / 4099) as u8)
        .collect();
    let input = dir.path().join("plain.bin");
    std::fs::write(&input, &plain).expect("write");
    let msg = dir.path().join("plain.msg");
    cmd()
        .args(["encrypt", "--raw", "--binary", "--key-file"])
        .arg(&k)
        .arg(&input)
        .arg("--output")
        .arg(&msg)
        .assert()
        .success();
    std::fs::remove_file(&input).expect("rm");
    let back = dir.path().join("back.bin");
    let os = |s: &str| std::ffi::OsString::from(s);
    let args = [
        &os("decrypt"),
        &os("--raw"),
        &os("--binary"),
        &os("--key-file"),
        k.as_os_str(),
        msg.as_os_str(),
    ];
    let (ok, err, peak) = run_to(
        &args,
        Stdio::from(std::fs::File::create(&back).expect("out")),
    );
    assert!(ok, "{err}");
    assert!(
        std::fs::read(&back).expect("back") == plain,
        "stdout differs"
    );
    if cfg!(target_os = "linux") {
        assert!(peak > 0 && peak < 64 << 20, "peak RSS {} MiB", peak >> 20);
    }
    // Cut inside the signature: every frame verifies, the message does not; nothing printed.
    let mut cut = std::fs::read(&msg).expect("msg");
    cut.truncate(cut.len() - 10);
    std::fs::write(&msg, &cut).expect("write");
    let (ok, err, _) = run_to(
        &args,
        Stdio::from(std::fs::File::create(&back).expect("out")),
    );
    assert!(!ok && err.starts_with("error[decrypt-value]:"), "{err}");
    assert_eq!(std::fs::metadata(&back).expect("back").len(), 0);
}
