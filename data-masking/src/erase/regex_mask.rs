//! The regex mask: Python's `re.sub(pattern, format, value)`, with its rules for empty matches.

use std::fmt;

use regex::Regex;

use super::format::{self, FormatError, Piece};
use crate::error::{Error, Result};

/// A compiled regex rewrite: Python's `re.sub(pattern, format, value)`.
///
/// The pattern uses the syntax of the [`regex`] crate, which matches in linear time and has no
/// look-around or back-references. The format accepts Python's `\1`, `\g<1>`, `\g<name>` and
/// escapes (`\n`, `\t`, `\\`), and also `$1`, `${1}`, `${name}`; write `$$` for a literal `$`
/// before a digit or `{`.
///
/// ```
/// use data_masking::Mask;
/// use serde_json::json;
/// let m = Mask::regex(r"(?P<user>[^@]+)@(\w+)", r"\g<user>@***")?;
/// assert_eq!(m.apply(&json!("jo@example.com")), json!("jo@***.com"));
/// let m = Mask::regex(r"(\d{4})$", "****-$1")?;
/// assert_eq!(m.apply(&json!("11112222")), json!("1111****-2222"));
/// assert!(Mask::regex("(", "x").is_err());
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone)]
pub struct RegexMask {
    regex: Regex,
    format: String,
    pieces: Vec<Piece>,
}

impl fmt::Debug for RegexMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegexMask")
            .field("pattern", &self.regex.as_str())
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl RegexMask {
    /// Compiles the pattern and parses the format against its groups.
    pub(super) fn new(pattern: &str, format: &str) -> Result<Self> {
        let regex = Regex::new(pattern)
            .map_err(|e| Error::InvalidMask(format!("invalid regex pattern: {e}")))?;
        let groups: Vec<Option<&str>> = regex.capture_names().collect();
        let pieces = format::parse(format, &groups).map_err(|e| {
            Error::InvalidMask(format!("invalid mask format {format:?}: {}", describe(&e)))
        })?;
        Ok(RegexMask {
            regex,
            format: format.to_owned(),
            pieces,
        })
    }

    /// The pattern.
    ///
    /// ```
    /// # use data_masking::Mask;
    /// let Mask::Regex(r) = Mask::regex("a+", "b")? else { unreachable!() };
    /// assert_eq!(r.pattern(), "a+");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn pattern(&self) -> &str {
        self.regex.as_str()
    }

    /// The format, as given.
    ///
    /// ```
    /// # use data_masking::Mask;
    /// let Mask::Regex(r) = Mask::regex("a+", "b")? else { unreachable!() };
    /// assert_eq!(r.format(), "b");
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn format(&self) -> &str {
        &self.format
    }

    /// `re.sub` with Python's rules for empty matches (an empty match right after a non-empty one
    /// is replaced too: `x*` on `abxd` with `-` gives `-a-b--d-`).
    pub(super) fn replace(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut copied = 0;
        let mut pos = 0;
        let mut after_empty = false;
        while pos <= s.len() {
            let Some(caps) = self.regex.captures_at(s, pos) else {
                break;
            };
            let Some(m) = caps.get(0) else { break };
            if m.is_empty() && after_empty && m.start() == pos {
                // An empty match where the previous empty match ended: move on one character.
                match s[pos..].chars().next() {
                    Some(c) => {
                        pos += c.len_utf8();
                        after_empty = false;
                        continue;
                    }
                    None => break,
                }
            }
            out.push_str(&s[copied..m.start()]);
            for piece in &self.pieces {
                match piece {
                    Piece::Lit(l) => out.push_str(l),
                    Piece::Group(g) => {
                        if let Some(g) = caps.get(*g) {
                            out.push_str(g.as_str());
                        }
                    }
                }
            }
            copied = m.end();
            pos = m.end();
            after_empty = m.is_empty();
        }
        out.push_str(&s[copied..]);
        out
    }
}

/// A refused format, worded as Python's `re` words it.
fn describe(e: &FormatError) -> String {
    match e {
        FormatError::TrailingBackslash => "a trailing backslash".into(),
        FormatError::MissingAngle => "expected '<' after \\g".into(),
        FormatError::BadEscape(c) => format!("bad escape \\{c}"),
        FormatError::NoGroup { number, .. } => format!("invalid group reference {number}"),
        FormatError::NoName(name) => format!("unknown group name {name:?}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::Mask;

    #[test]
    fn regex_empty_matches_follow_python() {
        let m = Mask::regex("x*", "-").unwrap();
        assert_eq!(m.mask_text("abxd"), "-a-b--d-");
        let m = Mask::regex("(.*)", r"<\1>").unwrap();
        assert_eq!(m.mask_text("1.0"), "<1.0><>");
    }

    #[test]
    fn format_escapes() {
        let m = Mask::regex("(a)(?P<n>b)", r"[\g<n>\1\n\\$2${n}$$x\-]").unwrap();
        assert_eq!(m.mask_text("ab"), "[ba\n\\bb$x\\-]");
        assert!(Mask::regex("a", r"\q").is_err());
        assert!(Mask::regex("a", r"\g<zz>").is_err());
        assert!(Mask::regex("a", "$1").is_err());
    }

    #[test]
    fn format_errors_name_the_format() {
        let message = |f: &str| match Mask::regex("(a)", f) {
            Err(crate::Error::InvalidMask(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message("\\"),
            r#"invalid mask format "\\": a trailing backslash"#
        );
        assert_eq!(
            message(r"\gx"),
            r#"invalid mask format "\\gx": expected '<' after \g"#
        );
        assert_eq!(
            message(r"\q"),
            r#"invalid mask format "\\q": bad escape \q"#
        );
        assert_eq!(
            message("$2"),
            r#"invalid mask format "$2": invalid group reference 2"#
        );
        assert_eq!(
            message("${x}"),
            r#"invalid mask format "${x}": unknown group name "x""#
        );
    }
}
