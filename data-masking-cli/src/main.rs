//! `data-masking`: erase, encrypt and decrypt fields of JSON documents and NDJSON streams, and
//! seal and unseal whole records (encrypted and signed fields in one message a record).

mod args;
mod bulk;
mod crypt;
mod erase;
mod output;
mod pipeline;
mod seal;
#[cfg(feature = "sql")]
mod sql;
mod stream;

use std::io;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use data_masking::Error;

use crate::args::{Cli, Command};

/// mimalloc: a parsed record and each of its messages are many small, short-lived
/// allocations, made on every worker thread at once.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn run(cli: Cli) -> Result<bool, Failure> {
    match cli.command {
        Command::Erase(args) => erase::erase(&args),
        Command::Encrypt(args) => crypt::encrypt(&args),
        Command::Decrypt(args) => crypt::decrypt(&args),
        Command::Seal(args) => seal::seal(&args),
        Command::Unseal(args) => seal::unseal(&args),
        Command::Keygen(args) => crypt::keygen(&args),
        #[cfg(feature = "sql")]
        Command::Sql(args) => sql::sql(&args),
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
