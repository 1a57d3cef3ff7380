//! `encrypt --raw` and `decrypt --raw`, streamed: round trips of files of many frames, bare
//! (`--binary`) and base64; a message cut at a frame boundary, or with a flipped bit in a
//! frame, leaves no output file behind (and an existing one as it was); `--stream-unverified`
//! releases verified frames to standard output and still fails.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{cmd, names};
use data_masking::Encryptor;
use data_masking::keys::KeyFile;
use predicates::prelude::*;

const FRAME: usize = 4096;

fn key(dir: &Path) -> PathBuf {
    common::keygen(dir, "key")
}

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 + i / 4099) as u8).collect()
}

/// Encrypts `input` with `--raw` and the extra arguments; returns what it printed.
fn encrypt(k: &Path, input: &Path, extra: &[&str]) -> Vec<u8> {
    cmd()
        .args(["encrypt", "--raw", "-c", "f=x", "--key-file"])
        .arg(k)
        .args(extra)
        .arg(input)
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone()
}

fn decrypt_cmd(k: &Path, extra: &[&str]) -> Command {
    let mut c = cmd();
    c.args(["decrypt", "--raw", "-c", "f=x", "--key-file"])
        .arg(k)
        .args(extra);
    c
}

/// The bytes of the message's header, read as the library reads it.
fn header_len(k: &Path, message: &[u8]) -> usize {
    let key = KeyFile::from_json(&std::fs::read_to_string(k).expect("key")).expect("key file");
    let e = Encryptor::new(key).expect("encryptor");
    let mut reader = message;
    e.read_head(&mut reader).expect("header");
    message.len() - reader.len()
}

#[test]
fn files_of_many_frames_round_trip_bare_and_base64() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    for suite in ["0x0578", "0x0478"] {
        for len in [0, 1, FRAME, FRAME + 1, 3 * (1 << 20) + 17] {
            let plain = bytes(len);
            let input = dir.path().join("plain.bin");
            std::fs::write(&input, &plain).expect("write");
            let bare = encrypt(&k, &input, &["--binary", "--suite", suite]);
            assert_eq!(bare[0], 2, "a bare message");
            let text = encrypt(&k, &input, &["--suite", suite]);
            assert!(text.starts_with(b"\"AgR4") || text.starts_with(b"\"AgV4"));
            assert!(text.ends_with(b"\"\n"));
            let msg = dir.path().join("msg.bin");
            std::fs::write(&msg, &bare).expect("write");
            let b64 = dir.path().join("msg.json");
            std::fs::write(&b64, &text).expect("write");
            let out = dir.path().join("back.bin");
            // Bare with --binary, bare detected, base64 detected: to a file and to stdout.
            for (input, extra) in [(&msg, &["--binary"][..]), (&msg, &[]), (&b64, &[])] {
                decrypt_cmd(&k, extra)
                    .arg(input)
                    .arg("--output")
                    .arg(&out)
                    .assert()
                    .success()
                    .stdout("");
                assert!(std::fs::read(&out).expect("out") == plain, "{suite} {len}");
                let got = decrypt_cmd(&k, extra).arg(input).assert().success();
                assert!(got.get_output().stdout == plain, "{suite} {len}");
            }
            // --binary takes the message as it is: base64 text is no message.
            decrypt_cmd(&k, &["--binary"])
                .arg(&b64)
                .assert()
                .code(2)
                .stderr(predicate::str::starts_with("error[decrypt-value]:"));
        }
    }
}

/// A message cut at every frame boundary (and inside the footer), or with a bit flipped in a
/// frame, fails; the --output file is never made, an existing one keeps its bytes, and no
/// temporary file is left.
#[test]
fn a_bad_message_leaves_no_output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let target = out_dir.join("plain.bin");
    let frames = 6;
    let len = frames * FRAME + 100;
    let input = dir.path().join("plain.bin");
    std::fs::write(&input, bytes(len)).expect("write");
    for suite in ["0x0578", "0x0478"] {
        let m = encrypt(&k, &input, &["--binary", "--suite", suite]);
        let header = header_len(&k, &m);
        let regular = 4 + 12 + FRAME + 16;
        let body_end = header + frames * regular + 4 + 4 + 12 + 4 + 100 + 16;
        let mut cuts: Vec<usize> = (0..=frames).map(|i| header + i * regular).collect();
        cuts.extend([header - 1, body_end - 1]);
        if body_end < m.len() {
            cuts.extend([body_end, m.len() - 1]);
        }
        let mut bad: Vec<(String, Vec<u8>)> = cuts
            .iter()
            .map(|&c| (format!("cut at {c}"), m[..c].to_vec()))
            .collect();
        for i in 0..=frames {
            let mut flipped = m.clone();
            flipped[header + i * regular + 40] ^= 1;
            bad.push((format!("bit in frame {i}"), flipped));
        }
        let mut trailing = m.clone();
        trailing.push(b'\n');
        bad.push(("a byte after the message".into(), trailing));
        for (why, message) in &bad {
            for existing in [None, Some("old bytes")] {
                if let Some(old) = existing {
                    std::fs::write(&target, old).expect("write");
                }
                decrypt_cmd(&k, &["--binary"])
                    .arg("--output")
                    .arg(&target)
                    .write_stdin(message.clone())
                    .assert()
                    .code(2)
                    .stdout("")
                    .stderr(predicate::str::starts_with("error[decrypt-value]:"));
                match existing {
                    None => assert!(names(&out_dir).is_empty(), "{suite} {why}"),
                    Some(old) => {
                        assert_eq!(names(&out_dir), ["plain.bin"], "{suite} {why}");
                        assert_eq!(std::fs::read_to_string(&target).expect("old"), old);
                        std::fs::remove_file(&target).expect("rm");
                    }
                }
            }
            // To standard output, nothing is released either.
            decrypt_cmd(&k, &["--binary"])
                .write_stdin(message.clone())
                .assert()
                .code(2)
                .stdout("");
        }
    }
}

/// `--stream-unverified` writes each batch of frames that verified, and still fails: the exit
/// status and the error line say the output is not authentic.
#[test]
fn stream_unverified_releases_verified_frames_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let k = key(dir.path());
    let plain = bytes(3 * (1 << 20) + 5);
    let input = dir.path().join("plain.bin");
    std::fs::write(&input, &plain).expect("write");
    let m = encrypt(&k, &input, &["--binary"]);
    // The signature cut short: every frame verifies, the message does not.
    let cut = m[..m.len() - 20].to_vec();
    let got = decrypt_cmd(&k, &["--stream-unverified"])
        .write_stdin(cut)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-value]:"));
    assert!(got.get_output().stdout == plain, "released frames");
    // Whole, it is the plaintext.
    let got = decrypt_cmd(&k, &["--stream-unverified"])
        .write_stdin(m)
        .assert()
        .success();
    assert!(got.get_output().stdout == plain);
    // Not with --output (which already streams safely), not without --raw.
    decrypt_cmd(&k, &["--stream-unverified", "--output", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    cmd()
        .args(["decrypt", "--stream-unverified", "--key-file"])
        .arg(&k)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--raw"));
    cmd()
        .args(["encrypt", "--binary", "--key-file"])
        .arg(&k)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--raw"));
}
