//! Running the masker's async calls for a batch from DataFusion's synchronous function call.
//!
//! The encrypting functions are plain scalar functions, not DataFusion async functions: an async
//! function nested in another's arguments (`decrypt_value(encrypt_value(doc, c), c)`, which the
//! optimizer also makes of a subquery) fails in DataFusion 55. Each call still takes a whole
//! batch, and the masker's cache makes one key-provider call per data key, not per row.

use std::future::Future;

use datafusion::common::{DataFusionError, Result};
use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs the future `work` makes to completion. On a multi-threaded Tokio runtime (the CLI, Ballista, a
/// `SessionContext` used from `#[tokio::main]`) the current worker blocks in place while the
/// runtime's other workers drive any I/O (a KMS call); on a single-threaded one, or outside a
/// runtime, a thread of its own runs it on a runtime of its own.
pub(crate) fn block_on<M, F>(work: M) -> Result<F::Output>
where
    M: FnOnce() -> F + Send,
    F: Future,
    F::Output: Send,
{
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| handle.block_on(work())))
        }
        _ => std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map(|rt| rt.block_on(work()))
                })
                .join()
                .map_err(|_| DataFusionError::Internal("a function's thread panicked".into()))?
                .map_err(|e| DataFusionError::External(Box::new(e)))
        }),
    }
}
