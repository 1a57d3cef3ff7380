//! What the functions of one set share: the masker, the bad-row policy and the count of bad
//! rows.

use std::sync::atomic::{AtomicU64, Ordering};

use data_masking::DataMasking;

/// What the functions share: the masker, the bad-row policy and the count of bad rows.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) masker: DataMasking,
    pub(crate) null_on_bad_row: bool,
    bad_rows: AtomicU64,
}

impl Shared {
    /// The shared state of a set over `masker`, its bad-row count starting at `bad_rows`.
    pub(crate) fn new(masker: DataMasking, null_on_bad_row: bool, bad_rows: u64) -> Self {
        Self {
            masker,
            null_on_bad_row,
            bad_rows: AtomicU64::new(bad_rows),
        }
    }

    /// Counts one bad row given NULL.
    pub(crate) fn count_bad_row(&self) {
        self.bad_rows.fetch_add(1, Ordering::Relaxed);
    }

    /// The bad rows given NULL so far.
    pub(crate) fn bad_rows(&self) -> u64 {
        self.bad_rows.load(Ordering::Relaxed)
    }
}
