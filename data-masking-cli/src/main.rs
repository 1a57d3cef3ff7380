//! `data-masking`: erase, encrypt and decrypt fields of JSON documents and NDJSON streams.

mod bulk;
mod crypt;
mod output;

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;

use clap::{Args, Parser, Subcommand};
use data_masking::{DataMasking, Error, Fields, Mask, Rules};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::output::Output;

/// Erase (mask) sensitive fields of JSON, compatible with Powertools for AWS Lambda Data Masking.
#[derive(Parser, Debug)]
#[command(name = "data-masking", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Mask fields irreversibly: reads JSON (a file or standard input), writes JSON to standard
    /// output.
    Erase(EraseArgs),
    /// Encrypt the whole value, or each selected field, into AWS Encryption SDK messages
    /// (base64) bound to an encryption context; with --raw, any bytes into one message.
    Encrypt(crypt::EncryptArgs),
    /// Decrypt what `encrypt` (or Powertools for AWS Lambda) produced; with --raw, any AWS
    /// Encryption SDK message under the given keys, to its plaintext bytes.
    Decrypt(crypt::DecryptArgs),
    /// Write a new local AES-256 key file for --key-file.
    Keygen(crypt::KeygenArgs),
}

#[derive(Args, Debug)]
pub(crate) struct IoArgs {
    /// The input file; standard input when absent or `-`.
    input: Option<PathBuf>,

    /// Treat the input as NDJSON: one JSON value a line, processed as a stream. A bad line is
    /// reported on standard error with its number and left out of the output; the other lines
    /// are processed and the exit code is 2.
    #[arg(long)]
    ndjson: bool,

    /// Write the output to this file, atomically: to a new temporary file in the same folder
    /// (random name, created exclusively so no symbolic link is followed, mode 0600 or the
    /// existing file's narrower mode), synced and renamed over FILE only when the whole run
    /// succeeded; on any failure it is removed and FILE is left as it was.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Pretty-print the output (ignored with --ndjson).
    #[arg(long)]
    pretty: bool,

    /// Worker threads for --ndjson (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,

    /// The longest NDJSON line, in bytes, not counting its newline (default: 64 MiB). A longer
    /// line is reported as a bad line with its number and skipped without being held in memory.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_LINE_BYTES,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    max_line_bytes: u64,
}

/// The default of `--max-line-bytes`: 64 MiB.
const DEFAULT_MAX_LINE_BYTES: u64 = 64 << 20;

#[derive(Args, Debug)]
struct EraseArgs {
    #[command(flatten)]
    io: IoArgs,

    /// A field to mask, in the Powertools dialect (`a.b`, `a[*].b`, `$..name`,
    /// `a[?(@.x > 1)]`); repeatable. None: the whole value.
    #[arg(long = "field", short = 'f', value_name = "F")]
    fields: Vec<String>,

    /// Keep the shape of each value: every character becomes `*` except `-`, `_`, `.` and space.
    #[arg(long, conflicts_with_all = ["custom", "regex", "rules"])]
    dynamic: bool,

    /// Replace each value with this mask, cut to the value's length.
    #[arg(long, value_name = "MASK", conflicts_with_all = ["regex", "rules"])]
    custom: Option<String>,

    /// Rewrite each value with this regular expression (needs --format).
    #[arg(
        long,
        value_name = "PATTERN",
        requires = "format",
        conflicts_with = "rules"
    )]
    regex: Option<String>,

    /// The replacement for --regex: `\1`, `\g<name>`, `$1` or `${name}` insert a group.
    #[arg(long, value_name = "FORMAT", requires = "regex")]
    format: Option<String>,

    /// A JSON file of Powertools `masking_rules`: each path mapped to `{}`,
    /// `{"dynamic_mask": true}`, `{"custom_mask": "..."}` or
    /// `{"regex_pattern": "...", "mask_format": "..."}`.
    #[arg(long, value_name = "FILE", conflicts_with = "fields")]
    rules: Option<PathBuf>,

    /// Do not fail when a field matches nothing.
    #[arg(long)]
    allow_missing: bool,
}

/// A failure: its kind (as `error[kind]`) and message.
pub(crate) struct Failure {
    kind: &'static str,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

pub(crate) fn io_failure(what: &str, path: Option<&Path>, e: &io::Error) -> Failure {
    Failure {
        kind: "io",
        message: match path {
            Some(p) => format!("{what} {}: {e}", p.display()),
            None => format!("{what}: {e}"),
        },
    }
}

fn report(f: &Failure) {
    eprintln!("error[{}]: {}", f.kind, f.message);
}

/// What to do with each JSON value.
enum Eraser {
    Fields(Fields, Mask),
    Whole(Mask),
    Rules(Rules),
}

impl Eraser {
    fn from_args(a: &EraseArgs) -> Result<Self, Failure> {
        if let Some(path) = &a.rules {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io_failure("cannot read", Some(path), &e))?;
            let json: Value = serde_json::from_str(&text).map_err(|e| Failure {
                kind: "invalid-json",
                message: format!("rules file {}: {e}", path.display()),
            })?;
            return Ok(Eraser::Rules(Rules::from_json(&json)?));
        }
        let mask = if a.dynamic {
            Mask::Dynamic
        } else if let Some(c) = &a.custom {
            Mask::Custom(c.clone())
        } else if let (Some(p), Some(f)) = (&a.regex, &a.format) {
            Mask::regex(p, f)?
        } else {
            Mask::Default
        };
        if a.fields.is_empty() {
            Ok(Eraser::Whole(mask))
        } else {
            Ok(Eraser::Fields(Fields::parse(&a.fields)?, mask))
        }
    }

    /// Erases one JSON document given as text; returns JSON text.
    fn apply(&self, masker: &DataMasking, text: &str) -> Result<String, Error> {
        match self {
            // Rewrites only the selected values when it can, without parsing the rest.
            Eraser::Fields(fields, mask) => masker.erase_json(text, fields, mask),
            Eraser::Whole(mask) => {
                let v: Value = serde_json::from_str(text)?;
                Ok(serde_json::to_string(&masker.erase_all(&v, mask))?)
            }
            Eraser::Rules(rules) => {
                let v: Value = serde_json::from_str(text)?;
                Ok(serde_json::to_string(&masker.erase_by_rules(&v, rules)?)?)
            }
        }
    }
}

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

/// Runs `f` on the whole input as bytes (no JSON, no UTF-8 required) and writes what it returns
/// as it is. Both buffers are wiped when dropped.
pub(crate) fn process_raw(
    io_args: &IoArgs,
    f: impl FnOnce(&[u8]) -> Result<Zeroizing<Vec<u8>>, Failure>,
) -> Result<bool, Failure> {
    let mut input = open_input(io_args.input.as_deref())?;
    let mut out = Output::open(io_args.output.as_deref())?;
    let mut bytes = Zeroizing::new(Vec::new());
    input
        .read_to_end(&mut bytes)
        .map_err(|e| io_failure("cannot read", io_args.input.as_deref(), &e))?;
    let result = f(&bytes)?;
    drop(bytes);
    out.writer
        .write_all(&result)
        .map_err(|e| io_failure("cannot write", io_args.output.as_deref(), &e))?;
    out.finish()?;
    Ok(true)
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

fn run(cli: Cli) -> Result<bool, Failure> {
    match cli.command {
        Command::Erase(args) => {
            let masker = DataMasking::builder()
                .raise_on_missing_field(!args.allow_missing)
                .build();
            let eraser = Eraser::from_args(&args)?;
            process(&args.io, |text| eraser.apply(&masker, text))
        }
        Command::Encrypt(args) => crypt::encrypt(&args),
        Command::Decrypt(args) => crypt::decrypt(&args),
        Command::Keygen(args) => crypt::keygen(&args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(f) => {
            if f.kind == "io" && f.message.contains("Broken pipe") {
                return ExitCode::from(2);
            }
            report(&f);
            ExitCode::from(2)
        }
    }
}
