//! Reading the input, running a command over it (the whole document, each NDJSON line, or raw
//! bytes) and writing the output.

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::Path;
use std::thread;

use data_masking::Error;
use serde_json::Value;

use crate::args::IoArgs;
use crate::output::Output;
use crate::{Failure, bulk, io_failure};

fn open_input(path: Option<&Path>) -> Result<Box<dyn Read + Send>, Failure> {
    match path {
        None => Ok(Box::new(io::stdin())),
        Some(p) if p.as_os_str() == "-" => Ok(Box::new(io::stdin())),
        Some(p) => Ok(Box::new(
            File::open(p).map_err(|e| io_failure("cannot open", Some(p), &e))?,
        )),
    }
}

/// Runs `f` on each JSON document of the input (given and returned as text) and writes the
/// results. Returns whether every document succeeded.
pub(crate) fn process(
    io_args: &IoArgs,
    f: impl Fn(&str) -> Result<String, Error> + Send + Sync,
) -> Result<bool, Failure> {
    let input = open_input(io_args.input.as_deref())?;
    let mut out = Output::open(io_args.output.as_deref())?;
    let write_err = |e: io::Error| io_failure("cannot write", io_args.output.as_deref(), &e);
    let mut ok = true;
    if io_args.ndjson {
        let workers = io_args
            .threads
            .unwrap_or_else(|| thread::available_parallelism().map_or(1, std::num::NonZero::get));
        let mut progress = progress_for(io_args);
        let reader = BufReader::with_capacity(1 << 16, input);
        ok = bulk::run(
            reader,
            &mut out.writer,
            workers,
            io_args.max_line_bytes,
            |line: &str, number: usize| {
                if line.trim().is_empty() {
                    return None;
                }
                Some(ndjson_line(line, number, &f))
            },
            &mut |_, message| eprintln!("{message}"),
            progress.as_mut(),
        )
        .map_err(|e| io_failure("NDJSON", io_args.input.as_deref(), &e))?;
    } else {
        let mut text = String::new();
        let mut input = input;
        input
            .read_to_string(&mut text)
            .map_err(|e| io_failure("cannot read", io_args.input.as_deref(), &e))?;
        // On an error, dropping `out` removes its temporary file.
        let result = f(&text)?;
        if io_args.pretty {
            let v: Value = serde_json::from_str(&result).map_err(Error::from)?;
            serde_json::to_writer_pretty(&mut out.writer, &v).map_err(|e| write_err(e.into()))?;
        } else {
            out.writer.write_all(result.as_bytes()).map_err(write_err)?;
        }
        out.writer.write_all(b"\n").map_err(write_err)?;
    }
    // Bad NDJSON lines are reported and left out; the good ones are kept.
    out.finish()?;
    Ok(ok)
}

/// One NDJSON line: parsed, processed and written back with its newline, or the error line to
/// print.
fn ndjson_line(
    line: &str,
    number: usize,
    f: &(impl Fn(&str) -> Result<String, Error> + Sync),
) -> Result<Vec<u8>, String> {
    let line = line.trim_end_matches(['\n', '\r']);
    match f(line) {
        Ok(text) => {
            let mut text = text.into_bytes();
            text.push(b'\n');
            Ok(text)
        }
        Err(Error::InvalidJson { column, reason, .. }) => {
            let e = Error::InvalidJson {
                line: number,
                column,
                reason,
            };
            Err(format!("error[{}]: {e}", e.kind()))
        }
        Err(e) => Err(format!("error[{}]: line {number}: {e}", e.kind())),
    }
}

/// A progress bar on standard error, shown only when the input is a file and both standard
/// output and standard error are terminals.
fn progress_for(io_args: &IoArgs) -> Box<dyn bulk::Progress> {
    let size = io_args
        .input
        .as_deref()
        .filter(|p| p.as_os_str() != "-")
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len());
    match size {
        Some(size) if io::stderr().is_terminal() && io::stdout().is_terminal() => {
            let bar = indicatif::ProgressBar::new(size);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            Box::new(Bar(bar))
        }
        _ => Box::new(bulk::NoProgress),
    }
}

struct Bar(indicatif::ProgressBar);

impl bulk::Progress for Bar {
    fn advance(&mut self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&mut self) {
        self.0.finish_and_clear();
    }
}
