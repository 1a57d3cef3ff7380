//! A query on a Ballista cluster of `data-masking-scheduler` and `data-masking-executor`s, its
//! results written to a file, and the time it took:
//!
//! ```sh
//! cargo run --release -p data-masking-datafusion --example remote_sql -- \
//!     --scheduler 127.0.0.1:50050 --lines logs=/data/logs --key-file key.json \
//!     "SELECT mask(line, 'card') FROM logs" --output masked.ndjson
//! ```
//!
//! The client plans the query, so it holds the same functions (and keys) as the cluster.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use data_masking_datafusion::cluster::remote_context;
use data_masking_datafusion::files::{self, Format};
use data_masking_datafusion::process::MaskerArgs;

/// A query on a Ballista cluster with data-masking's functions.
#[derive(Parser, Debug)]
struct Args {
    /// The query.
    query: String,
    /// The scheduler's address.
    #[arg(long, default_value = "127.0.0.1:50050")]
    scheduler: SocketAddr,
    /// A table, NAME=PATH, in the format of its extension.
    #[arg(long = "table")]
    tables: Vec<String>,
    /// An NDJSON table of one string column `line`, NAME=PATH.
    #[arg(long = "lines")]
    lines: Vec<String>,
    /// Where to write the results (format from the extension); lines with --output-lines.
    #[arg(long)]
    output: PathBuf,
    /// Write a one-column string result line by line.
    #[arg(long)]
    output_lines: bool,
    #[command(flatten)]
    masker: MaskerArgs,
}

fn split(arg: &str) -> Result<(&str, &Path), String> {
    arg.split_once('=')
        .map(|(name, path)| (name, Path::new(path)))
        .ok_or_else(|| format!("{arg:?} is not NAME=PATH"))
}

async fn run(args: Args) -> Result<(), String> {
    let functions = args.masker.functions().await.map_err(|e| e.to_string())?;
    let ctx = remote_context(args.scheduler, &functions)
        .await
        .map_err(|e| e.to_string())?;
    for table in &args.tables {
        let (name, path) = split(table)?;
        files::register_table(&ctx, name, path)
            .await
            .map_err(|e| e.to_string())?;
    }
    for table in &args.lines {
        let (name, path) = split(table)?;
        files::register_lines(&ctx, name, path)
            .await
            .map_err(|e| e.to_string())?;
    }
    let format = if args.output_lines {
        Format::Lines
    } else {
        Format::of(&args.output).map_err(|e| e.to_string())?
    };
    let start = Instant::now();
    let stream = ctx
        .sql(&args.query)
        .await
        .map_err(|e| e.to_string())?
        .execute_stream()
        .await
        .map_err(|e| e.to_string())?;
    let out =
        std::io::BufWriter::new(std::fs::File::create(&args.output).map_err(|e| e.to_string())?);
    let rows = files::write(stream, format, out, &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("{rows} rows in {:.3} s", start.elapsed().as_secs_f64());
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}
