//! NDJSON in parallel: a reader cuts the input into batches of lines, workers process them on
//! every core, and the writer puts the results back in input order. Memory stays bounded: at most
//! `2 × workers` batches are in flight.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

/// Lines in one batch, at most.
const BATCH_LINES: usize = 512;
/// Bytes in one batch, about.
const BATCH_BYTES: usize = 1 << 20;

/// The outcome of one line: its output (with the newline), or an error message to report.
pub type LineResult = Result<Vec<u8>, String>;

struct Batch {
    index: usize,
    first_line: usize,
    bytes: u64,
    /// Each line, or why it is bad (reported, not processed).
    lines: Vec<Result<String, BadLine>>,
}

impl Batch {
    /// About the room the batch's outputs take, so that the buffer rarely grows (a grown
    /// buffer is copied whole): three times its input (a record sealed with its message is
    /// about twice its size), at most 4 MiB up front.
    fn bytes_hint(&self) -> usize {
        usize::try_from(self.bytes.saturating_mul(3)).map_or(4 << 20, |b| b.min(4 << 20))
    }
}

/// Why a line was not processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BadLine {
    /// It is not UTF-8.
    NotUtf8,
    /// It is longer than the limit (its bytes past the limit were skipped, not kept).
    TooLong,
}

struct Done {
    index: usize,
    bytes: u64,
    /// The outputs of the batch's good lines, one after the other.
    output: Vec<u8>,
    /// The batch's bad lines, in order: how much of `output` comes before each, its number
    /// and its message.
    errors: Vec<(usize, usize, String)>,
}

/// Progress of the run, for the progress bar.
pub trait Progress: Send {
    /// `bytes` more input bytes were read.
    fn advance(&mut self, bytes: u64);
    /// The run is over.
    fn finish(&mut self);
}

/// No progress display.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&mut self, _: u64) {}
    fn finish(&mut self) {}
}

/// Processes every line of `input` with `f` on `workers` threads and writes the results in order
/// to `out`; errors are written to `errors` as `line N: message`-style lines by `report`.
/// Blank lines are skipped. A line of more than `max_line` bytes (not counting its `\n`) is
/// reported as bad; at most `max_line + 1` bytes of it are ever held. Returns whether every line
/// succeeded.
pub fn run<F>(
    input: impl BufRead + Send,
    out: &mut dyn Write,
    workers: usize,
    max_line: u64,
    f: F,
    report: &mut dyn FnMut(usize, &str),
    progress: &mut dyn Progress,
) -> io::Result<bool>
where
    F: Fn(&str, usize) -> Option<LineResult> + Send + Sync,
{
    let workers = workers.max(1);
    let f = Arc::new(f);
    let (batch_tx, batch_rx) = sync_channel::<Batch>(workers * 2);
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let (done_tx, done_rx) = sync_channel::<Done>(workers * 2);
    thread::scope(|scope| {
        let reader = scope.spawn(move || read_batches(input, max_line, &batch_tx));
        for _ in 0..workers {
            let rx = Arc::clone(&batch_rx);
            let tx = done_tx.clone();
            let f = Arc::clone(&f);
            scope.spawn(move || work(&rx, &tx, max_line, &*f));
        }
        drop(done_tx);
        let written = write_in_order(&done_rx, out, report, progress);
        // On a write error, stop the pipeline: dropping the receiver makes workers and the
        // reader stop at their next send.
        drop(done_rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reader failed")));
        let ok = written?;
        read?;
        Ok(ok)
    })
}

/// Reads the next line of `input` (with its `\n`, if any) into `line`, holding at most
/// `max_line + 1` bytes: a longer line is skipped up to its `\n` and reported as too long.
/// Returns the bytes consumed (0 at the end of the input) and whether the line was too long.
fn read_line(
    input: &mut impl BufRead,
    max_line: u64,
    line: &mut Vec<u8>,
) -> io::Result<(u64, bool)> {
    // The line's bytes and its newline fit in `max_line + 1`; one more byte that is not a
    // newline means the line is too long. (What `Read::take(.., max_line + 1).read_until`
    // reads, with `memchr`'s search for the newline.)
    let limit = max_line.saturating_add(1);
    let mut n: u64 = 0;
    while n < limit {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let room = usize::try_from(limit - n).map_or(buf.len(), |r| r.min(buf.len()));
        let (used, newline) = match memchr::memchr(b'\n', &buf[..room]) {
            Some(p) => (p + 1, true),
            None => (room, false),
        };
        line.extend_from_slice(&buf[..used]);
        input.consume(used);
        n += used as u64;
        if newline {
            break;
        }
    }
    if n <= max_line || line.last() == Some(&b'\n') {
        return Ok((n, false));
    }
    line.clear();
    let skipped = input.skip_until(b'\n')? as u64;
    Ok((n + skipped, true))
}

fn read_batches(mut input: impl BufRead, max_line: u64, tx: &SyncSender<Batch>) -> io::Result<()> {
    let mut index = 0;
    let mut line_no = 0;
    loop {
        let first_line = line_no + 1;
        let mut lines = Vec::with_capacity(BATCH_LINES);
        let mut bytes = 0;
        while lines.len() < BATCH_LINES && bytes < BATCH_BYTES as u64 {
            let mut line = Vec::new();
            let (n, too_long) = read_line(&mut input, max_line, &mut line)
                .map_err(|e| io::Error::new(e.kind(), format!("line {}: {e}", line_no + 1)))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            bytes += n;
            lines.push(if too_long {
                Err(BadLine::TooLong)
            } else {
                String::from_utf8(line).map_err(|_| BadLine::NotUtf8)
            });
        }
        if lines.is_empty() {
            return Ok(());
        }
        if tx
            .send(Batch {
                index,
                first_line,
                bytes,
                lines,
            })
            .is_err()
        {
            return Ok(());
        }
        index += 1;
    }
}

fn work<F>(rx: &Mutex<Receiver<Batch>>, tx: &SyncSender<Done>, max_line: u64, f: &F)
where
    F: Fn(&str, usize) -> Option<LineResult>,
{
    loop {
        let batch = {
            let Ok(rx) = rx.lock() else { return };
            match rx.recv() {
                Ok(b) => b,
                Err(_) => return,
            }
        };
        // The outputs are gathered into one buffer, so that the writer writes each batch
        // at once and each line's output is freed by the thread that made it.
        let mut output = Vec::with_capacity(batch.bytes_hint());
        let mut errors = Vec::new();
        for (i, line) in batch.lines.iter().enumerate() {
            let number = batch.first_line + i;
            let result = match line {
                Ok(line) => f(line, number),
                Err(BadLine::NotUtf8) => Some(Err(format!(
                    "error[invalid-json]: invalid JSON at line {number}: the line is not UTF-8"
                ))),
                Err(BadLine::TooLong) => Some(Err(format!(
                    "error[line-too-long]: line {number}: longer than {max_line} bytes \
                     (--max-line-bytes); skipped"
                ))),
            };
            match result {
                None => {}
                Some(Ok(text)) => output.extend_from_slice(&text),
                Some(Err(msg)) => errors.push((output.len(), number, msg)),
            }
        }
        let done = Done {
            index: batch.index,
            bytes: batch.bytes,
            output,
            errors,
        };
        if tx.send(done).is_err() {
            return;
        }
    }
}

fn write_in_order(
    rx: &Receiver<Done>,
    out: &mut dyn Write,
    report: &mut dyn FnMut(usize, &str),
    progress: &mut dyn Progress,
) -> io::Result<bool> {
    let mut pending = BTreeMap::new();
    let mut next = 0;
    let mut ok = true;
    for done in rx {
        pending.insert(done.index, done);
        while let Some(done) = pending.remove(&next) {
            // The outputs and the reports in line order, as the lines came.
            let mut written = 0;
            for (at, number, msg) in &done.errors {
                out.write_all(&done.output[written..*at])?;
                written = *at;
                ok = false;
                report(*number, msg);
            }
            out.write_all(&done.output[written..])?;
            progress.advance(done.bytes);
            next += 1;
        }
    }
    progress.finish();
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn order_is_kept_with_many_workers() {
        let input = (0..5000).fold(String::new(), |mut s, i| {
            s.push_str(&i.to_string());
            s.push('\n');
            s
        });
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let ok = run(
            input.as_bytes(),
            &mut out,
            4,
            u64::MAX,
            |line: &str, _n: usize| {
                let v: u64 = line.trim().parse().ok()?;
                Some(if v % 1000 == 7 {
                    Err(format!("bad {v}"))
                } else {
                    Ok(format!("{}\n", v * 2).into_bytes())
                })
            },
            &mut |n, m| errors.push((n, m.to_owned())),
            &mut NoProgress,
        )
        .unwrap();
        assert!(!ok);
        let got: Vec<u64> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        let want: Vec<u64> = (0..5000u64)
            .filter(|v| v % 1000 != 7)
            .map(|v| v * 2)
            .collect();
        assert_eq!(got, want);
        assert_eq!(errors.len(), 5);
        assert_eq!(errors[0], (8, "bad 7".to_owned()));
        assert_eq!(errors[4], (4008, "bad 4007".to_owned()));
    }

    /// Lines up to the limit are read whole; a longer one is skipped to its newline and only
    /// about the limit of it is ever held, however long it is.
    #[test]
    fn a_long_line_is_skipped_without_being_held() {
        let huge = 64 << 20;
        let mut input = io::BufReader::new(
            b"12345\n123456\n"
                .chain(io::repeat(b'x').take(huge))
                .chain(&b"\n1234\n1234567"[..]),
        );
        let mut got = Vec::new();
        loop {
            let mut line = Vec::new();
            let (n, too_long) = read_line(&mut input, 6, &mut line).unwrap();
            if n == 0 {
                break;
            }
            assert!(line.capacity() < 4096, "{} bytes held", line.capacity());
            got.push((n, too_long, line));
        }
        assert_eq!(
            got,
            vec![
                (6, false, b"12345\n".to_vec()),
                (7, false, b"123456\n".to_vec()),
                (huge + 1, true, Vec::new()),
                (5, false, b"1234\n".to_vec()),
                (7, true, Vec::new()),
            ]
        );
    }

    #[test]
    fn too_long_lines_are_reported_with_their_numbers() {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let ok = run(
            &b"1\n22222\n3\n4444\n"[..],
            &mut out,
            2,
            4,
            |line: &str, _| Some(Ok(line.as_bytes().to_vec())),
            &mut |n, m| errors.push((n, m.to_owned())),
            &mut NoProgress,
        )
        .unwrap();
        assert!(!ok);
        assert_eq!(out, b"1\n3\n4444\n");
        assert_eq!(
            errors,
            vec![(
                2,
                "error[line-too-long]: line 2: longer than 4 bytes (--max-line-bytes); skipped"
                    .to_owned()
            )]
        );
    }
}
