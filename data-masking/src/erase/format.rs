//! The replacement format of a regex mask: the grammar of Python's `re.sub` replacement, plus
//! the `$` forms of the regex crate.
//!
//! | form | means |
//! |---|---|
//! | `\1` .. `\99` | the text of a group, by number (one or two digits) |
//! | `\g<1>`, `\g<name>` | the text of a group, by number or name |
//! | `\n` `\t` `\r` `\f` `\v` `\a` `\b` `\0` `\\` | that character |
//! | `\` and another ASCII letter | an error (a bad escape) |
//! | `\` and any other character | both characters, as written |
//! | `$1`, `${1}`, `${name}` | the text of a group, by number or name |
//! | `$$` | a `$` |
//! | any other `$` | a `$` |
//!
//! A group reference that the pattern lacks is an error; a group that takes no part in a match
//! writes nothing.
//!
//! This one file is compiled by two crates, so that both read a format alike: `data-masking`,
//! where `Mask::regex` applies the parsed pieces, and `data-masking-derive`, which includes it by
//! path and refuses a bad `#[mask(regex = "...", format = "...")]` at compile time. So it uses
//! only `std`, names nothing outside itself, and each crate words [`FormatError`] for its users.

/// One piece of a parsed format.
#[derive(Clone, Debug)]
#[cfg_attr(
    all(proc_macro, not(test)),
    expect(
        dead_code,
        reason = "the derive checks a format and drops its pieces; the runtime writes them"
    )
)]
pub(crate) enum Piece {
    /// Text written as it is.
    Lit(String),
    /// The text of the capture group of this index.
    Group(usize),
}

/// Why a format is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FormatError {
    /// The format ends with a lone `\`.
    TrailingBackslash,
    /// `\g` is not followed by `<`.
    MissingAngle,
    /// `\` before an ASCII letter that is no escape.
    BadEscape(char),
    /// A group number the pattern lacks; `groups` counts the pattern's groups (not group 0).
    NoGroup {
        /// The number written.
        number: usize,
        /// How many groups the pattern has.
        groups: usize,
    },
    /// A group name the pattern lacks.
    NoName(String),
}

/// Parses `format` against the capture groups of a pattern, given as the regex crate's
/// `capture_names()` lists them: one entry a group, group 0 (the whole match) first, `None` for
/// a group without a name.
pub(crate) fn parse(format: &str, groups: &[Option<&str>]) -> Result<Vec<Piece>, FormatError> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        let reference: String = match c {
            '\\' => match chars.next() {
                None => return Err(FormatError::TrailingBackslash),
                Some(d @ '1'..='9') => {
                    let mut number = String::from(d);
                    number.extend(chars.next_if(char::is_ascii_digit));
                    number
                }
                Some('g') => {
                    if chars.next() != Some('<') {
                        return Err(FormatError::MissingAngle);
                    }
                    chars.by_ref().take_while(|&c| c != '>').collect()
                }
                Some(e) => {
                    escape(e, &mut lit)?;
                    continue;
                }
            },
            '$' => match chars.peek() {
                Some('$') => {
                    chars.next();
                    lit.push('$');
                    continue;
                }
                Some('{') => {
                    chars.next();
                    chars.by_ref().take_while(|&c| c != '}').collect()
                }
                Some(d) if d.is_ascii_digit() => {
                    std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect()
                }
                _ => {
                    lit.push('$');
                    continue;
                }
            },
            c => {
                lit.push(c);
                continue;
            }
        };
        let group = resolve(&reference, groups)?;
        if !lit.is_empty() {
            pieces.push(Piece::Lit(std::mem::take(&mut lit)));
        }
        pieces.push(Piece::Group(group));
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

/// Appends what `\` followed by `e` (not a digit 1-9, not `g`) stands for.
fn escape(e: char, lit: &mut String) -> Result<(), FormatError> {
    let c = match e {
        '0' => '\0',
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'f' => '\u{c}',
        'v' => '\u{b}',
        'a' => '\u{7}',
        'b' => '\u{8}',
        '\\' => '\\',
        e if e.is_ascii_alphabetic() => return Err(FormatError::BadEscape(e)),
        e => {
            lit.push('\\');
            e
        }
    };
    lit.push(c);
    Ok(())
}

/// The index of the group that `reference` (a number or a name) names.
fn resolve(reference: &str, groups: &[Option<&str>]) -> Result<usize, FormatError> {
    if let Ok(number) = reference.parse::<usize>() {
        return if number < groups.len() {
            Ok(number)
        } else {
            Err(FormatError::NoGroup {
                number,
                groups: groups.len().saturating_sub(1),
            })
        };
    }
    groups
        .iter()
        .position(|g| *g == Some(reference))
        .ok_or_else(|| FormatError::NoName(reference.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::{FormatError, Piece, parse};

    /// The groups of `(a)(?P<n>b)`.
    const GROUPS: [Option<&str>; 3] = [None, None, Some("n")];

    fn pieces(format: &str) -> String {
        parse(format, &GROUPS)
            .unwrap()
            .iter()
            .map(|p| match p {
                Piece::Lit(l) => format!("[{l}]"),
                Piece::Group(g) => format!("<{g}>"),
            })
            .collect()
    }

    #[test]
    fn references_and_escapes() {
        assert_eq!(
            pieces(r"x\1\g<n>\g<2>$1${n}${0}y"),
            "[x]<1><2><2><1><2><0>[y]"
        );
        assert_eq!(pieces(r"\n\t\\\0\-$$1$x$"), "[\n\t\\\0\\-$1$x$]");
        assert_eq!(pieces(""), "");
    }

    #[test]
    fn refusals() {
        let err = |f: &str| parse(f, &GROUPS).unwrap_err();
        assert_eq!(err("\\"), FormatError::TrailingBackslash);
        assert_eq!(err(r"\gn"), FormatError::MissingAngle);
        assert_eq!(err(r"\q"), FormatError::BadEscape('q'));
        let no_group = |number| FormatError::NoGroup { number, groups: 2 };
        assert_eq!(err(r"\3"), no_group(3));
        assert_eq!(err(r"\12"), no_group(12));
        assert_eq!(err("$007"), no_group(7));
        assert_eq!(err("$3"), no_group(3));
        assert_eq!(err(r"\g<zz>"), FormatError::NoName("zz".into()));
        assert_eq!(err("${}"), FormatError::NoName(String::new()));
    }
}
