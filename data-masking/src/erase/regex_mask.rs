//! The regex mask: Python's `re.sub(pattern, format, value)`, with its rules for empty matches.

use std::fmt;
use std::sync::Mutex;

use regex::{CaptureLocations, Regex};

use super::format::{self, FormatError, Piece};
use super::text::TextOut;
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
pub struct RegexMask {
    regex: Regex,
    format: String,
    pieces: Vec<Piece>,
    /// Whether the format writes a group (else matches are found without their groups).
    groups: bool,
    /// The capture locations of the last value, kept for the next one (a thread that finds
    /// them taken makes its own).
    spare: Mutex<Option<CaptureLocations>>,
}

impl Clone for RegexMask {
    fn clone(&self) -> Self {
        RegexMask {
            regex: self.regex.clone(),
            format: self.format.clone(),
            pieces: self.pieces.clone(),
            groups: self.groups,
            spare: Mutex::new(None),
        }
    }
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
        let groups = pieces.iter().any(|p| matches!(p, Piece::Group(_)));
        Ok(RegexMask {
            regex,
            format: format.to_owned(),
            pieces,
            groups,
            spare: Mutex::new(None),
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
    /// is replaced too: `x*` on `abxd` with `-` gives `-a-b--d-`), written to `out`.
    pub(super) fn replace_into<O: TextOut>(&self, s: &str, out: &mut O) {
        if self.groups {
            let locations = self
                .spare
                .try_lock()
                .ok()
                .and_then(|mut spare| spare.take())
                .unwrap_or_else(|| self.regex.capture_locations());
            let mut groups = Groups(&self.regex, locations);
            self.rewrite(s, out, &mut groups);
            if let Ok(mut spare) = self.spare.try_lock() {
                *spare = Some(groups.1);
            }
        } else {
            self.rewrite(s, out, &mut Whole(&self.regex));
        }
    }

    fn rewrite<O: TextOut, L: Locate>(&self, s: &str, out: &mut O, locate: &mut L) {
        let mut copied = 0;
        let mut pos = 0;
        let mut after_empty = false;
        while pos <= s.len() {
            let Some((start, end)) = locate.find_at(s, pos) else {
                break;
            };
            if start == end && after_empty && start == pos {
                // An empty match where the previous empty match ended: move on one character.
                match s.get(pos..).and_then(|rest| rest.chars().next()) {
                    Some(c) => {
                        pos += c.len_utf8();
                        after_empty = false;
                        continue;
                    }
                    None => break,
                }
            }
            out.push_str(s.get(copied..start).unwrap_or_default());
            for piece in &self.pieces {
                match piece {
                    Piece::Lit(l) => out.push_str(l),
                    Piece::Group(g) => out.push_str(locate.group(s, *g)),
                }
            }
            copied = end;
            pos = end;
            after_empty = start == end;
        }
        out.push_str(s.get(copied..).unwrap_or_default());
    }
}

/// Where the matches of a regex are, and the text of their groups.
trait Locate {
    /// The bounds of the first match at or after `pos`.
    fn find_at(&mut self, s: &str, pos: usize) -> Option<(usize, usize)>;
    /// The text of group `g` of the last match; empty when it took no part.
    fn group<'s>(&self, s: &'s str, g: usize) -> &'s str;
}

/// Matches without their groups, for a format that names none: no captures to fill.
struct Whole<'r>(&'r Regex);

impl Locate for Whole<'_> {
    fn find_at(&mut self, s: &str, pos: usize) -> Option<(usize, usize)> {
        self.0.find_at(s, pos).map(|m| (m.start(), m.end()))
    }
    fn group<'s>(&self, _s: &'s str, _g: usize) -> &'s str {
        ""
    }
}

/// Matches with their groups, in one set of capture locations for every match.
struct Groups<'r>(&'r Regex, CaptureLocations);

impl Locate for Groups<'_> {
    fn find_at(&mut self, s: &str, pos: usize) -> Option<(usize, usize)> {
        self.0
            .captures_read_at(&mut self.1, s, pos)
            .map(|m| (m.start(), m.end()))
    }
    fn group<'s>(&self, s: &'s str, g: usize) -> &'s str {
        self.1
            .get(g)
            .and_then(|(start, end)| s.get(start..end))
            .unwrap_or_default()
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
    use super::Piece;
    use crate::Mask;

    #[test]
    fn regex_empty_matches_follow_python() {
        let m = Mask::regex("x*", "-").unwrap();
        assert_eq!(m.mask_text("abxd"), "-a-b--d-");
        let m = Mask::regex("(.*)", r"<\1>").unwrap();
        assert_eq!(m.mask_text("1.0"), "<1.0><>");
    }

    /// `re.sub` built with `captures_at`, a match at a time.
    fn reference(m: &Mask, s: &str) -> String {
        let Mask::Regex(r) = m else { unreachable!() };
        let mut out = String::new();
        let (mut copied, mut pos, mut after_empty) = (0, 0, false);
        while pos <= s.len() {
            let Some(caps) = r.regex.captures_at(s, pos) else {
                break;
            };
            let m = caps.get(0).unwrap();
            if m.is_empty() && after_empty && m.start() == pos {
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
            for piece in &r.pieces {
                match piece {
                    Piece::Lit(l) => out.push_str(l),
                    Piece::Group(g) => out.push_str(caps.get(*g).map_or("", |g| g.as_str())),
                }
            }
            copied = m.end();
            pos = m.end();
            after_empty = m.is_empty();
        }
        out.push_str(&s[copied..]);
        out
    }

    fn masks() -> Vec<Mask> {
        [
            (r"\d{4} \d{4} \d{4} (\d{4})", r"**** **** **** \1"),
            (r"\d", "#"),
            ("x*", "-"),
            ("(x)*", r"<\1>"),
            ("(.*)", r"<\1>"),
            (r"(?P<a>[aé])|(b)", r"[\g<a>\2\g<0>]"),
            (r"\b", "|"),
            ("", "."),
            ("é+", ""),
        ]
        .into_iter()
        .map(|(p, f)| Mask::regex(p, f).unwrap())
        .collect()
    }

    #[test]
    fn replace_equals_a_match_at_a_time() {
        let texts = [
            "",
            "4111 1111 1111 1111",
            "abxd",
            "xx a-x é éé b 1.0",
            "ab ba aéb",
            "𝄞x𝄞",
        ];
        for m in &masks() {
            for s in texts {
                assert_eq!(m.mask_text(s), reference(m, s), "{m:?} {s:?}");
            }
        }
    }

    mod any_text {
        use super::{masks, reference};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn replace_equals_a_match_at_a_time(s in "[0-9abxé𝄞 .-]{0,40}") {
                for m in &masks() {
                    prop_assert_eq!(m.mask_text(&s), reference(m, &s));
                }
            }
        }
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
