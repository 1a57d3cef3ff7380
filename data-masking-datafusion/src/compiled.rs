//! What a function compiles from its literal arguments (paths, masks, seal specs), kept per
//! function instance so a query compiles it once, not once a row or a batch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::common::Result;

use crate::function_error::FunctionError;

/// At most this many distinct argument lists are kept; past it the cache starts over.
const CAPACITY: usize = 256;

/// Compiled values by their literal arguments.
#[derive(Debug)]
pub(crate) struct Compiled<T> {
    entries: Mutex<HashMap<Vec<String>, Arc<T>>>,
}

impl<T> Default for Compiled<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Compiled<T> {
    /// The value compiled from `literals`, compiling it with `compile` the first time; a
    /// compile error is a [`FunctionError`] of `function`.
    pub(crate) fn get(
        &self,
        function: &'static str,
        literals: Vec<String>,
        compile: impl FnOnce(&[String]) -> data_masking::Result<T>,
    ) -> Result<Arc<T>> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = entries.get(&literals) {
            return Ok(Arc::clone(found));
        }
        let value = Arc::new(compile(&literals).map_err(|err| FunctionError::call(function, err))?);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(literals, Arc::clone(&value));
        Ok(value)
    }
}
