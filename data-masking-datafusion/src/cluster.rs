//! The functions on a [Ballista](https://datafusion.apache.org/ballista/) cluster.
//!
//! Ballista sends plans between the client, the scheduler and the executors with each function
//! named, not serialized, so every process must hold the same functions, built over the same
//! keys:
//!
//! * the **client** plans the SQL: [`remote_context`] connects and registers them;
//! * the **scheduler** decodes and plans the query: [`scheduler_config`] gives it a session
//!   builder that adds them (the `data-masking-scheduler` binary runs one);
//! * each **executor** runs them on its partitions: [`executor_config`] gives it a function
//!   registry that holds them (the `data-masking-executor` binary runs one).
//!
//! Keys never travel with a query: each process builds its own [`DataMasking`] from its own
//! key file or its own AWS credentials (an instance or task role allowed to use the KMS key).
//! Both sides use pull scheduling: executors poll the scheduler, so only the scheduler's port
//! and the executors' flight ports need to be reachable.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::ExecutorProcessConfig;
use ballista_scheduler::config::SchedulerConfig;
use datafusion::common::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::prelude::SessionContext;

use crate::functions::Functions;

/// A scheduler's configuration that binds `address` and plans with `functions`; pull
/// scheduling, as [`executor_config`] expects. Run it with
/// `ballista_scheduler::scheduler_process::start_server`.
///
/// ```
/// let functions = data_masking_datafusion::Functions::new(data_masking::DataMasking::new());
/// let config = data_masking_datafusion::cluster::scheduler_config(&functions, "127.0.0.1:50050".parse()?);
/// assert_eq!(config.bind_port, 50050);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scheduler_config(functions: &Functions, address: SocketAddr) -> SchedulerConfig {
    let functions = functions.clone();
    SchedulerConfig {
        bind_host: address.ip().to_string(),
        external_host: address.ip().to_string(),
        bind_port: address.port(),
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        override_session_builder: Some(Arc::new(move |config| {
            let mut state = ballista_core::utils::default_session_builder(config)?;
            for udf in functions.udfs() {
                state.register_udf(udf)?;
            }
            Ok(state)
        })),
        ..SchedulerConfig::default()
    }
}

/// Where an executor listens and which scheduler it polls.
#[derive(Clone, Debug)]
pub struct ExecutorPlace {
    /// The host the executor binds and announces (its flight service serves results there).
    pub host: String,
    /// The port of its flight service.
    pub port: u16,
    /// The scheduler's address.
    pub scheduler: SocketAddr,
    /// Tasks run at once (default: the machine's cores).
    pub concurrent_tasks: Option<usize>,
    /// The folder of its shuffle files (default: a temporary folder).
    pub work_dir: Option<String>,
}

/// An executor's configuration: `place`, pull scheduling, and a function registry holding
/// DataFusion's functions and `functions`. Run it with
/// `ballista_executor::executor_process::start_executor_process`.
///
/// ```
/// use data_masking_datafusion::cluster::{ExecutorPlace, executor_config};
/// let functions = data_masking_datafusion::Functions::new(data_masking::DataMasking::new());
/// let place = ExecutorPlace {
///     host: "127.0.0.1".into(),
///     port: 50051,
///     scheduler: "127.0.0.1:50050".parse()?,
///     concurrent_tasks: Some(2),
///     work_dir: None,
/// };
/// let config = executor_config(&functions, &place);
/// assert!(config.override_function_registry.unwrap().scalar_functions.contains_key("mask"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn executor_config(functions: &Functions, place: &ExecutorPlace) -> ExecutorProcessConfig {
    let mut registry = BallistaFunctionRegistry::default();
    for udf in functions.udfs() {
        registry
            .scalar_functions
            .insert(udf.name().to_string(), udf);
    }
    let defaults = ExecutorProcessConfig::default();
    ExecutorProcessConfig {
        bind_host: place.host.clone(),
        external_host: Some(place.host.clone()),
        port: place.port,
        scheduler_host: place.scheduler.ip().to_string(),
        scheduler_port: place.scheduler.port(),
        scheduler_connect_timeout_seconds: 30,
        vcores: place.concurrent_tasks.unwrap_or(defaults.vcores),
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        work_dir: place.work_dir.clone(),
        override_function_registry: Some(Arc::new(registry)),
        ..defaults
    }
}

/// A client session on the cluster whose scheduler is at `scheduler`, with `functions`
/// registered (after the session is made: Ballista's session upgrade replaces the function
/// list it is given).
///
/// ```no_run
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let functions = data_masking_datafusion::Functions::new(data_masking::DataMasking::new());
/// let ctx = data_masking_datafusion::cluster::remote_context("127.0.0.1:50050".parse()?, &functions).await?;
/// ctx.sql("SELECT mask('{\"a\": 1}', 'a')").await?.show().await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn remote_context(
    scheduler: SocketAddr,
    functions: &Functions,
) -> Result<SessionContext> {
    let ctx = SessionContext::remote(&format!("df://{scheduler}")).await?;
    functions.register(&ctx);
    Ok(ctx)
}
