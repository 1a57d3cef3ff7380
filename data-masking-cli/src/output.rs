//! Where results go: standard output, or a private temporary file in the `--output` file's folder
//! that is renamed over it only when the whole run succeeded.
//!
//! The temporary file is created with a random name, exclusively (`O_CREAT | O_EXCL`, so a
//! symbolic link or any file already at that name is never opened, let alone written through),
//! with mode 0600 (or stricter: the existing target's owner bits when they are narrower), and is
//! removed by its guard on every path that does not rename it: an error, an early return, a
//! panic. Before the rename it is synced to disk, and its name is checked to still be the file
//! that was written (not a symbolic link or another file put in its place).

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use zeroize::{Zeroize, Zeroizing};

use crate::{Failure, io_failure};

/// The most characters of the target's name that go into the temporary file's name (which must
/// stay within the file system's name limit).
const NAME_CHARS: usize = 64;

/// Where the bytes go.
pub(crate) enum Sink {
    /// Standard output.
    Stdout(io::StdoutLock<'static>),
    /// A temporary file, removed when dropped unless it was renamed into place.
    Temp(NamedTempFile),
    /// A target that is not a regular file (a device such as `/dev/null`, a named pipe),
    /// written as it is: renaming a file over it would replace the device.
    Device(std::fs::File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(s) => s.write(buf),
            Sink::Temp(f) => f.write(buf),
            Sink::Device(f) => f.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.write_all(buf),
            Sink::Temp(f) => f.write_all(buf),
            Sink::Device(f) => f.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush(),
            Sink::Temp(f) => f.flush(),
            Sink::Device(f) => f.flush(),
        }
    }
}

/// The output: standard output, or a temporary file renamed into place by
/// [`finish`](Self::finish). Dropping it without `finish` removes the temporary file.
pub(crate) struct Output {
    /// Where to write.
    pub(crate) writer: BufWriter<Sink>,
    /// The `--output` path, if any.
    target: Option<PathBuf>,
}

impl Output {
    /// Standard output for `None`; a device or named pipe at `path` as it is; otherwise a new
    /// private temporary file next to `path`.
    pub(crate) fn open(path: Option<&Path>) -> Result<Self, Failure> {
        let (sink, target) = match path {
            None => (Sink::Stdout(io::stdout().lock()), None),
            Some(p) if is_device(p) => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(|e| io_failure("cannot open", Some(p), &e))?;
                (Sink::Device(f), None)
            }
            Some(p) => {
                let tmp = create_temp(p)
                    .map_err(|e| io_failure("cannot create a temporary file for", Some(p), &e))?;
                (Sink::Temp(tmp), Some(p.to_owned()))
            }
        };
        Ok(Output {
            writer: BufWriter::with_capacity(1 << 16, sink),
            target,
        })
    }

    /// Gives the output up without writing what is still buffered (a temporary file is
    /// removed): for a run that failed before its output was worth anything.
    pub(crate) fn abandon(self) {
        let (sink, _unwritten) = self.writer.into_parts();
        drop(sink);
    }

    /// Flushes the output and, for a file, syncs the temporary file and renames it over the
    /// target. On any error the temporary file is removed and the target left as it was.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        let path = self.target.as_deref();
        let sink = self
            .writer
            .into_inner()
            .map_err(|e| io_failure("cannot write", path, e.error()))?;
        match (sink, path) {
            (Sink::Temp(tmp), Some(path)) => {
                commit(tmp, path).map_err(|e| io_failure("cannot write", Some(path), &e))
            }
            _ => Ok(()),
        }
    }
}

/// Plaintext held back until it may be released, in flat memory: the first
/// [`SPOOL_MEMORY`] bytes in memory (wiped when dropped), then all of it in a private
/// temporary file with no name (`O_TMPFILE` where the system has it, in `TMPDIR`; mode 0600;
/// gone when closed, even if the process is killed), whose blocks are freed when discarded.
pub(crate) struct Spool {
    memory: Zeroizing<Vec<u8>>,
    file: Option<BufWriter<File>>,
}

/// The bytes a [`Spool`] holds in memory before it moves to a file.
pub(crate) const SPOOL_MEMORY: usize = 8 << 20;

impl Spool {
    pub(crate) fn new() -> Self {
        Self {
            memory: Zeroizing::new(Vec::new()),
            file: None,
        }
    }

    /// Writes all that was spooled to `out`.
    pub(crate) fn copy_to(self, out: &mut impl Write) -> io::Result<()> {
        let Some(file) = self.file else {
            return out.write_all(&self.memory);
        };
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        io::copy(&mut file, out)?;
        Ok(())
    }

    /// Throws away what was spooled: the memory wiped, the file's blocks freed.
    pub(crate) fn discard(self) {
        if let Some(file) = self.file {
            let (file, _) = file.into_parts();
            let _ = file.set_len(0);
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            if self.memory.len() + buf.len() <= SPOOL_MEMORY {
                self.memory.extend_from_slice(buf);
                return Ok(());
            }
            let mut file = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
            file.write_all(&self.memory)?;
            self.memory.zeroize();
            *self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(buf),
            None => Ok(()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether `target` exists and is neither a regular file nor a folder (a device, a named pipe,
/// a socket), following symbolic links (`/dev/stdout`).
fn is_device(target: &Path) -> bool {
    std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The folder of `target` (`.` for a bare name).
fn folder_of(target: &Path) -> &Path {
    target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The mode of the temporary file for `target`: 0600, or the existing target's owner read and
/// write bits when they are narrower (a 0400 file stays 0400; a 0644 one becomes 0600). Never
/// wider than 0600.
#[cfg(unix)]
pub(crate) fn private_mode(target: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(target).map_or(0o600, |m| m.permissions().mode() & 0o600)
}

/// Creates the temporary file for `target` in the target's folder: a random name
/// (`.NAME.XXXXXX.tmp`), created exclusively (an existing file or symbolic link at that name is
/// never opened; another name is tried), mode [`private_mode`] on Unix. Removed when dropped.
pub(crate) fn create_temp(target: &Path) -> io::Result<NamedTempFile> {
    let name: String = target.file_name().map_or_else(
        || "output".to_owned(),
        |n| n.to_string_lossy().chars().take(NAME_CHARS).collect(),
    );
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(private_mode(target)));
    }
    builder.tempfile_in(folder_of(target))
}

/// Syncs `tmp`, checks that its name still holds the file that was written, and renames it over
/// `target` (a symbolic link at `target` is replaced, not followed). The folder is synced after
/// the rename where that is possible.
pub(crate) fn commit(tmp: NamedTempFile, target: &Path) -> io::Result<()> {
    tmp.as_file().sync_all()?;
    still_ours(&tmp)?;
    tmp.persist(target).map_err(|e| e.error)?;
    #[cfg(unix)]
    {
        // Makes the rename itself durable; a folder that cannot be opened or synced (some file
        // systems refuse) leaves the rename done, only not yet on disk.
        if let Ok(dir) = std::fs::File::open(folder_of(target)) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// Fails unless the temporary file's name still names the very file that was written: renaming
/// a symbolic link (or another file) put in its place would install it as the output.
#[cfg(unix)]
fn still_ours(tmp: &NamedTempFile) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let written = tmp.as_file().metadata()?;
    let at_name = std::fs::symlink_metadata(tmp.path())?;
    if at_name.file_type().is_file()
        && at_name.dev() == written.dev()
        && at_name.ino() == written.ino()
    {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "the temporary file {} was replaced while it was written",
            tmp.path().display()
        )))
    }
}

#[cfg(not(unix))]
fn still_ours(tmp: &NamedTempFile) -> io::Result<()> {
    if std::fs::symlink_metadata(tmp.path())?.file_type().is_file() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "the temporary file {} was replaced while it was written",
            tmp.path().display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn temp_file_is_new_hidden_next_to_the_target_and_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let a = create_temp(&target).unwrap();
        let b = create_temp(&target).unwrap();
        assert_ne!(a.path(), b.path(), "each temporary file gets its own name");
        for t in [&a, &b] {
            assert_eq!(t.path().parent(), Some(dir.path()));
            let name = t.path().file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                name.starts_with(".out.json.") && t.path().extension().is_some_and(|e| e == "tmp"),
                "{name}"
            );
        }
        drop(a);
        drop(b);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[test]
    fn a_spool_gives_back_its_bytes_from_memory_or_its_file() {
        for len in [0, 5, SPOOL_MEMORY, SPOOL_MEMORY + 1, 3 * SPOOL_MEMORY + 7] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 + i / 977) as u8).collect();
            let mut spool = Spool::new();
            for piece in bytes.chunks(100_003) {
                spool.write_all(piece).unwrap();
            }
            assert_eq!(spool.file.is_some(), len > SPOOL_MEMORY, "{len}");
            let mut out = Vec::new();
            spool.copy_to(&mut out).unwrap();
            assert!(out == bytes, "{len}");
        }
        let mut spool = Spool::new();
        spool.write_all(&vec![1; SPOOL_MEMORY + 1]).unwrap();
        spool.discard();
    }

    #[test]
    fn a_long_target_name_still_makes_a_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("n".repeat(250));
        let tmp = create_temp(&target).unwrap();
        commit(tmp, &target).unwrap();
        assert_eq!(names(dir.path()), vec!["n".repeat(250)]);
    }

    /// A symbolic link put at the temporary file's name while it was written is not renamed into
    /// place: the target does not become a link to the victim, nothing is written to the victim.
    #[cfg(unix)]
    #[test]
    fn a_temp_name_swapped_for_a_symlink_is_not_installed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let target = dir.path().join("out.json");
        let mut tmp = create_temp(&target).unwrap();
        tmp.write_all(b"output").unwrap();
        let name = tmp.path().to_owned();
        std::fs::remove_file(&name).unwrap();
        std::os::unix::fs::symlink(&victim, &name).unwrap();
        let err = commit(tmp, &target).unwrap_err();
        assert!(err.to_string().contains("was replaced"), "{err}");
        assert!(std::fs::symlink_metadata(&target).is_err(), "target made");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[cfg(unix)]
    #[test]
    fn modes_never_wider_than_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t");
        assert_eq!(private_mode(&target), 0o600, "no target yet");
        for (existing, want) in [
            (0o644, 0o600),
            (0o400, 0o400),
            (0o600, 0o600),
            (0o200, 0o200),
        ] {
            std::fs::write(&target, "x").unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(existing)).unwrap();
            assert_eq!(private_mode(&target), want, "{existing:o}");
            let tmp = create_temp(&target).unwrap();
            let mode = tmp.as_file().metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, want, "temp file for an existing {existing:o}");
            drop(tmp);
            std::fs::remove_file(&target).unwrap();
        }
    }
}
