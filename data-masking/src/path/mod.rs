//! Field expressions: the Powertools (jsonpath-ng) dialect, compiled to RFC 9535 JSONPath.
//!
//! Powertools users write field expressions such as `address[*].street`, `category..name`,
//! `a.1`, `'a.b'` or `address[?(@.postcode > 81846 & @.country = 'US')]`. This module translates
//! each expression to a standard RFC 9535 query (`$['address'][*]['street']`, ...) and compiles it
//! once with [`serde_json_path`]; evaluation is entirely done by that engine.
//!
//! What the translation does:
//!
//! | dialect | RFC 9535 |
//! |---|---|
//! | no root: `a.b`, `[0].a` | `$['a']['b']`, `$[0]['a']` |
//! | `a.1`, `a.01`, `-1` (numeric names) | `$['a']['1']`, `$['a']['1']`, `$['-1']` |
//! | `first-name`, `@id` | `$['first-name']`, `$['@id']` |
//! | `'a.b'`, `"a.b"`, `a.'b'`, `a.['b']` | `$['a.b']`, `$['a.b']`, `$['a']['b']`, `$['a']['b']` |
//! | `a[street,postcode]` | `$['a']['street','postcode']` |
//! | `@` or `@.x` outside a filter, `$.$.x` | `$`, `$['x']`, `$['x']` |
//! | filter `=`, `&`, `\|`, bare words, `=~`, `` `len` `` | `==`, `&&`, `\|\|`, `'word'`, `search()`, `length()` |
//!
//! ```
//! use data_masking::path::translate;
//! assert_eq!(translate("address[*].street")?, "$['address'][*]['street']");
//! assert_eq!(translate("a.01")?, "$['a']['1']");
//! assert_eq!(
//!     translate("l[?(@.v > 2 & @.s = 'x')]")?,
//!     "$['l'][?(@['v'] > 2 && @['s'] == 'x')]"
//! );
//! # Ok::<(), data_masking::Error>(())
//! ```
//!
//! The module, one concern a file: `step` the path model ([`Step`]: what a simple query and a
//! typed field path are made of); `dialect` the translation of the dialect to RFC 9535, and of
//! steps back to both; `field` the compiled fields ([`Field`], [`Fields`], [`AsFields`]);
//! `locate` the one place that finds nodes in a `Value` and reads, replaces or changes them
//! (JSON text is walked as text by `json_text::spans`, with the same steps); `normalized` the
//! concrete location of a node, as an RFC 9535 normalized path.

mod dialect;
mod field;
mod locate;
mod normalized;
mod step;

pub use dialect::translate;
pub(crate) use dialect::write_expression;
pub use field::{AsFields, Field, Fields};
pub(crate) use locate::{Targets, each, each_mut};
pub(crate) use normalized::{
    Segment, needs_escape, normalized_path, rebuild_at, rebuild_members, walk_located,
};
pub use step::Step;
