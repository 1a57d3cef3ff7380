//! `--output FILE`: written through a new private temporary file in FILE's folder, never through a
//! symbolic link planted there, mode 0600 (or the existing file's narrower mode), and nothing left
//! behind (neither a temporary file nor a partial FILE) when the run fails midway.

mod common;

use std::path::{Path, PathBuf};

use common::{cmd, names};
use predicates::prelude::*;

const RECORD: &str = r#"{"name":"Jo","card":"4111 1111 1111 1111"}"#;
const MASKED: &str = "{\"name\":\"Jo\",\"card\":\"*****\"}\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// A key file only its owner may read.
fn key(dir: &Path) -> PathBuf {
    let path = dir.join("key.json");
    cmd()
        .args(["keygen", "--namespace", "t", "--name", "k", "--output"])
        .arg(&path)
        .assert()
        .success();
    path
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

/// Symbolic links to a victim file planted at every name the temporary file could predictably
/// get (`.NAME.PID.tmp` for the next few thousand process ids) are never written through: the
/// victim keeps its bytes and the output is a regular file with the result. (A temporary file
/// made with a predictable name and a plain create, which follows links, overwrites the victim
/// here.)
#[cfg(unix)]
#[test]
fn symlinks_planted_at_temp_names_are_not_written_through() {
    use std::process::{Command as StdCommand, Stdio};
    const SPAN: u32 = 4000;
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = write(dir.path(), "victim", b"precious");
    let input = write(dir.path(), "in.json", RECORD.as_bytes());
    let target = dir.path().join("out.json");
    let pid_max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX);
    let bin = assert_cmd::cargo::cargo_bin("data-masking");
    // The run must get one of the planted ids; on a very busy machine it may not: try again.
    for _ in 0..5 {
        // The id of a process just made: the next processes get the ones after it.
        let mut probe = StdCommand::new(&bin)
            .arg("--version")
            .stdout(Stdio::null())
            .spawn()
            .expect("probe");
        let last = probe.id();
        probe.wait().expect("probe");
        let planted: Vec<u32> = (1..=SPAN).map(|i| (last + i) % pid_max).collect();
        for pid in &planted {
            let name = dir.path().join(format!(".out.json.{pid}.tmp"));
            std::os::unix::fs::symlink(&victim, &name).expect("plant");
        }
        let mut child = StdCommand::new(&bin)
            .args(["erase", "-f", "card", "--output"])
            .arg(&target)
            .arg(&input)
            .spawn()
            .expect("spawn");
        let pid = child.id();
        assert!(child.wait().expect("wait").success());
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "precious"
        );
        let meta = std::fs::symlink_metadata(&target).expect("output");
        assert!(
            meta.file_type().is_file(),
            "the output is not a regular file"
        );
        assert_eq!(std::fs::read_to_string(&target).expect("output"), MASKED);
        // Every planted link is still there, untouched, and nothing else was left.
        let left = names(dir.path());
        assert_eq!(left.len(), planted.len() + 3, "unexpected files");
        if planted.contains(&pid) {
            return;
        }
        eprintln!("note: the run got id {pid}, outside the planted ones; again");
        for pid in planted {
            let _ = std::fs::remove_file(dir.path().join(format!(".out.json.{pid}.tmp")));
        }
        std::fs::remove_file(&target).expect("remove");
    }
    panic!("no run got a planted process id");
}

/// A symbolic link at the output path itself is replaced by the output, not followed.
#[cfg(unix)]
#[test]
fn a_symlink_at_the_output_path_is_replaced_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = write(dir.path(), "victim", b"precious");
    let target = dir.path().join("out.json");
    std::os::unix::fs::symlink(&victim, &target).expect("link");
    cmd()
        .args(["erase", "-f", "card", "--output"])
        .arg(&target)
        .write_stdin(RECORD)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    assert!(std::fs::symlink_metadata(&target).expect("out").is_file());
    assert_eq!(std::fs::read_to_string(&target).expect("out"), MASKED);
}

/// A new output file has mode 0600 (decrypt writes plaintext there); an existing one keeps a
/// narrower owner mode (0400 stays 0400) and loses any wider one (0644 becomes 0600).
#[cfg(unix)]
#[test]
fn output_file_modes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out.json");
    let run = || {
        cmd()
            .args(["erase", "-f", "card", "--output"])
            .arg(&target)
            .write_stdin(RECORD)
            .assert()
            .success();
        assert_eq!(std::fs::read_to_string(&target).expect("out"), MASKED);
    };
    run();
    assert_eq!(mode(&target), 0o600, "new file");
    for (existing, want) in [
        (0o644, 0o600),
        (0o666, 0o600),
        (0o400, 0o400),
        (0o600, 0o600),
    ] {
        set_mode(&target, existing);
        run();
        assert_eq!(mode(&target), want, "existing {existing:04o}");
    }
    // decrypt --raw writes plaintext: the same.
    let k = key(dir.path());
    let ct = cmd()
        .args(["encrypt", "--raw", "--key-file"])
        .arg(&k)
        .write_stdin("secret")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plain = dir.path().join("plain.txt");
    write(dir.path(), "plain.txt", b"old");
    set_mode(&plain, 0o644);
    cmd()
        .args(["decrypt", "--raw", "--key-file"])
        .arg(&k)
        .arg("--output")
        .arg(&plain)
        .write_stdin(ct)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&plain).expect("plain"), "secret");
    assert_eq!(mode(&plain), 0o600);
}

/// A run that fails after the output was opened leaves no temporary file and no output (an
/// existing output keeps its bytes): whole-document input that is not UTF-8, an NDJSON input
/// that cannot be read, a decrypt with the wrong key, a `decrypt --raw` of a bad message.
#[test]
fn a_failed_run_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let target = out_dir.join("result");
    let k = key(&data);
    let other = data.join("other.json");
    cmd()
        .args(["keygen", "--namespace", "t", "--name", "k", "--output"])
        .arg(&other)
        .assert()
        .success();
    let not_utf8 = write(&data, "bad.json", b"{\"a\": \"\xff\"}");
    let ct = cmd()
        .args(["encrypt", "--key-file"])
        .arg(&k)
        .write_stdin(RECORD)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let ct_file = write(&data, "ct.json", &ct);
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (
            vec!["erase".as_ref(), not_utf8.as_os_str()],
            "error[io]: cannot read",
        ),
        (
            // A folder opens but cannot be read.
            vec!["erase".as_ref(), "--ndjson".as_ref(), data.as_os_str()],
            "error[io]:",
        ),
        (
            vec![
                "decrypt".as_ref(),
                "--key-file".as_ref(),
                other.as_os_str(),
                ct_file.as_os_str(),
            ],
            "error[decrypt-key]:",
        ),
        (
            vec![
                "decrypt".as_ref(),
                "--raw".as_ref(),
                "--key-file".as_ref(),
                other.as_os_str(),
                ct_file.as_os_str(),
            ],
            "error[decrypt-key]:",
        ),
        (
            vec![
                "decrypt".as_ref(),
                "--raw".as_ref(),
                "--key-file".as_ref(),
                k.as_os_str(),
                not_utf8.as_os_str(),
            ],
            "error[decrypt-value]:",
        ),
    ];
    for (args, error) in &cases {
        for existing in [None, Some("old bytes")] {
            if let Some(old) = existing {
                std::fs::write(&target, old).expect("write");
            }
            cmd()
                .args(args)
                .arg("--output")
                .arg(&target)
                .assert()
                .code(2)
                .stdout("")
                .stderr(predicate::str::starts_with(*error));
            match existing {
                None => assert!(
                    names(&out_dir).is_empty(),
                    "{args:?}: {:?}",
                    names(&out_dir)
                ),
                Some(old) => {
                    assert_eq!(names(&out_dir), ["result"], "{args:?}");
                    assert_eq!(std::fs::read_to_string(&target).expect("old"), old);
                    std::fs::remove_file(&target).expect("rm");
                }
            }
        }
    }
}

/// A target that is not a regular file (here a named pipe; `/dev/null` alike) is written as it
/// is, never replaced by a renamed temporary file.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"))
    };
    cmd()
        .args(["erase", "-f", "card", "--output"])
        .arg(&fifo)
        .write_stdin(RECORD)
        .assert()
        .success();
    // Checked before the reader is joined: a replaced pipe would leave it waiting.
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the pipe was replaced");
    assert_eq!(reader.join().expect("reader"), MASKED);
    assert_eq!(names(dir.path()), ["pipe"]);
}
