//! A Ballista scheduler that plans queries with data-masking's functions.
//!
//! `data-masking-scheduler --bind 0.0.0.0:50050 --key-file key.json` (or `--kms-key ARN`):
//! the same keys as the executors, since the scheduler plans (but does not run) the functions.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use data_masking_datafusion::cluster::scheduler_config;
use data_masking_datafusion::process::MaskerArgs;

/// A Ballista scheduler with data-masking's functions.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:50050")]
    bind: SocketAddr,
    #[command(flatten)]
    masker: MaskerArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    args.masker
        .serve(async |functions| {
            let config = scheduler_config(&functions, args.bind);
            let cluster =
                ballista_scheduler::cluster::BallistaCluster::new_from_config(&config).await?;
            eprintln!("data-masking-scheduler listening on {}", args.bind);
            ballista_scheduler::scheduler_process::start_server(
                cluster,
                args.bind,
                Arc::new(config),
            )
            .await
        })
        .await
}
