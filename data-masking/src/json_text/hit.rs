//! What a walk over a JSON text gives for each value a field selected: its byte range, the
//! field, and as much of its location as was asked for. Both walks (the byte scanner of
//! `scan.rs` and the serde_json walk of `spans.rs`) give these.

/// A step of the location being walked, owned (a key may be unescaped into a new string).
#[derive(Clone)]
pub(crate) enum At {
    Member(String),
    Index(usize),
}

/// What a walk keeps of each selected value's location.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Track {
    /// Nothing.
    Nothing,
    /// Its normalized path.
    Path,
    /// Its normalized path and its steps.
    Steps,
}

/// A value a field selected: its byte range, the field, and (when locations are tracked) its
/// location as an RFC 9535 normalized path.
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) field: usize,
    pub(crate) location: String,
    /// The steps of the location (when [`Track::Steps`]).
    pub(crate) at: Vec<At>,
}
