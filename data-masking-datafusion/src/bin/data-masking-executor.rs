//! A Ballista executor that runs data-masking's functions.
//!
//! `data-masking-executor --scheduler 10.0.0.5:50050 --host 10.0.0.7 --port 50051 --key-file
//! key.json` (or `--kms-key ARN`, with this machine's AWS credentials).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use data_masking_datafusion::cluster::{ExecutorPlace, executor_config};
use data_masking_datafusion::process::MaskerArgs;

/// A Ballista executor with data-masking's functions.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The scheduler's address.
    #[arg(long, default_value = "127.0.0.1:50050")]
    scheduler: SocketAddr,
    /// The host to bind and announce (clients fetch results from it).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port of the executor's flight service.
    #[arg(long, default_value_t = 50051)]
    port: u16,
    /// Tasks run at once (default: the machine's cores).
    #[arg(long)]
    concurrent_tasks: Option<usize>,
    /// The folder for shuffle files (default: a temporary folder).
    #[arg(long)]
    work_dir: Option<String>,
    #[command(flatten)]
    masker: MaskerArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    args.masker
        .serve(async |functions| {
            let place = ExecutorPlace {
                host: args.host,
                port: args.port,
                scheduler: args.scheduler,
                concurrent_tasks: args.concurrent_tasks,
                work_dir: args.work_dir,
            };
            let config = executor_config(&functions, &place);
            eprintln!(
                "data-masking-executor on {}:{}, scheduler {}",
                place.host, place.port, place.scheduler
            );
            ballista_executor::executor_process::start_executor_process(Arc::new(config)).await
        })
        .await
}
