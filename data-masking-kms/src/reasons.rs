//! Why a decrypt found no data key: the first reasons listed, the others counted, then notes.

use data_masking::Error;

/// How many reasons a decrypt error lists at most; the others are counted ("and 3 more").
const MAX_REPORTED_FAILURES: usize = 8;

#[derive(Default)]
pub(crate) struct Reasons {
    listed: Vec<String>,
    more: usize,
    notes: Vec<String>,
}

impl Reasons {
    /// Adds a reason (listed while fewer than the most listed, counted after).
    pub(crate) fn push(&mut self, reason: String) {
        if self.listed.len() < MAX_REPORTED_FAILURES {
            self.listed.push(reason);
        } else {
            self.more += 1;
        }
    }

    /// Adds a note, said after the reasons.
    pub(crate) fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// A decrypt-key error: `summary`, then the reasons and notes, joined by "; ".
    pub(crate) fn into_error(self, summary: &str) -> Error {
        let mut parts = self.listed;
        if self.more > 0 {
            parts.push(format!("and {} more", self.more));
        }
        parts.extend(self.notes);
        if parts.is_empty() {
            Error::DecryptKey(summary.to_owned())
        } else {
            Error::DecryptKey(format!("{summary}: {}", parts.join("; ")))
        }
    }
}
