//! Masks: how a located value is erased, with the semantics of Powertools Python `erase`.
//!
//! | mask | string | number / bool | null | list | object |
//! |---|---|---|---|---|---|
//! | [`Mask::Default`] | `"*****"` | `"*****"` | `"*****"` | each element `"*****"` | `"*****"` |
//! | [`Mask::Dynamic`] | each character `*` but `-_. ` | masked as its text | `"*****"` | walked | walked |
//! | [`Mask::Custom`] | the mask, cut to the value's length | masked as its text | `"*****"` | walked | walked |
//! | [`Mask::regex`] | `re.sub(pattern, format, value)` | rewritten as its text | `"*****"` | walked | walked |
//!
//! A number or bool becomes the text Python's `str()` gives (`1.0`, `1e+20`, `True`) before it
//! is masked, so every option other than the default turns it into a string, as Powertools does.
//!
//! ```
//! use data_masking::Mask;
//! use serde_json::json;
//!
//! assert_eq!(Mask::Default.apply(&json!(["a", {"b": 1}])), json!(["*****", "*****"]));
//! assert_eq!(Mask::Dynamic.apply(&json!({"e": "jo.doe@x.com", "n": 1.5})),
//!            json!({"e": "**.*****.***", "n": "*.*"}));
//! assert_eq!(Mask::Custom("XX-XX".into()).apply(&json!("123")), json!("XX-"));
//! let card = Mask::regex(r"\d{12}(\d{4})", r"************\1")?;
//! assert_eq!(card.apply(&json!("1111222233334444")), json!("************4444"));
//! # Ok::<(), data_masking::Error>(())
//! ```

use std::fmt::{self, Write as _};

use regex::Regex;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};
use crate::path::Field;

/// The text the default mask writes.
pub const DEFAULT_MASK: &str = "*****";

/// How a located value is erased. See the [module documentation](self) for the full table.
///
/// ```
/// use data_masking::Mask;
/// use serde_json::json;
/// assert_eq!(Mask::default().apply(&json!(42)), json!("*****"));
/// ```
#[derive(Clone, Debug, Default)]
pub enum Mask {
    /// `"*****"` for any value; a list keeps its length, each element becoming `"*****"`.
    #[default]
    Default,
    /// Keeps the value's shape: every character becomes `*` except `-`, `_`, `.` and space.
    Dynamic,
    /// Replaces each string with this mask, cut to the string's length (in characters) when the
    /// mask is longer; a shorter mask is written as it is. An empty custom mask behaves like
    /// [`Mask::Default`], as in Powertools.
    Custom(String),
    /// Rewrites each string with a regular expression; build it with [`Mask::regex`].
    Regex(RegexMask),
}

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

#[derive(Clone, Debug)]
enum Piece {
    Lit(String),
    Group(usize),
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
    fn replace(&self, s: &str) -> String {
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

/// Parses a replacement format into literal pieces and group references.
fn parse_format(regex: &Regex, format: &str) -> Result<Vec<Piece>> {
    let bad = |what: String| Error::InvalidMask(format!("invalid mask format {format:?}: {what}"));
    let group_by_name = |name: &str| -> Result<usize> {
        if let Ok(n) = name.parse::<usize>() {
            return if n < regex.captures_len() {
                Ok(n)
            } else {
                Err(bad(format!("invalid group reference {n}")))
            };
        }
        regex
            .capture_names()
            .position(|n| n == Some(name))
            .ok_or_else(|| bad(format!("unknown group name {name:?}")))
    };
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = format.chars().peekable();
    let push_group = |lit: &mut String, pieces: &mut Vec<Piece>, g: usize| {
        if !lit.is_empty() {
            pieces.push(Piece::Lit(std::mem::take(lit)));
        }
        pieces.push(Piece::Group(g));
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                None => return Err(bad("a trailing backslash".into())),
                Some(d @ '1'..='9') => {
                    let mut n = d.to_digit(10).unwrap_or(0) as usize;
                    if let Some(e) = chars.peek().and_then(|e| e.to_digit(10)) {
                        chars.next();
                        n = n * 10 + e as usize;
                    }
                    let g = group_by_name(&n.to_string())?;
                    push_group(&mut lit, &mut pieces, g);
                }
                Some('0') => lit.push('\0'),
                Some('g') => {
                    if chars.next() != Some('<') {
                        return Err(bad("expected '<' after \\g".into()));
                    }
                    let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
                    let g = group_by_name(&name)?;
                    push_group(&mut lit, &mut pieces, g);
                }
                Some('n') => lit.push('\n'),
                Some('t') => lit.push('\t'),
                Some('r') => lit.push('\r'),
                Some('f') => lit.push('\u{c}'),
                Some('v') => lit.push('\u{b}'),
                Some('a') => lit.push('\u{7}'),
                Some('b') => lit.push('\u{8}'),
                Some('\\') => lit.push('\\'),
                Some(e) if e.is_ascii_alphabetic() => return Err(bad(format!("bad escape \\{e}"))),
                Some(e) => {
                    lit.push('\\');
                    lit.push(e);
                }
            },
            '$' => match chars.peek() {
                Some('$') => {
                    chars.next();
                    lit.push('$');
                }
                Some('{') => {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    let g = group_by_name(&name)?;
                    push_group(&mut lit, &mut pieces, g);
                }
                Some(d) if d.is_ascii_digit() => {
                    let mut digits = String::new();
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        digits.push(*d);
                        chars.next();
                    }
                    let g = group_by_name(&digits)?;
                    push_group(&mut lit, &mut pieces, g);
                }
                _ => lit.push('$'),
            },
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

impl Mask {
    /// A regex rewrite mask; errors when the pattern does not compile or the format names a
    /// group that the pattern lacks ([`Error::InvalidMask`]).
    ///
    /// ```
    /// use data_masking::{Error, Mask};
    /// use serde_json::json;
    /// let m = Mask::regex(r"\d", "#")?;
    /// assert_eq!(m.apply(&json!("a1b22")), json!("a#b##"));
    /// assert!(matches!(Mask::regex(r"(a)", r"\2"), Err(Error::InvalidMask(_))));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn regex(pattern: &str, format: &str) -> Result<Mask> {
        let regex = Regex::new(pattern)
            .map_err(|e| Error::InvalidMask(format!("invalid regex pattern: {e}")))?;
        let pieces = parse_format(&regex, format)?;
        Ok(Mask::Regex(RegexMask {
            regex,
            format: format.to_owned(),
            pieces,
        }))
    }

    /// Builds a mask from Powertools' keyword options, given as a JSON object:
    /// `{"dynamic_mask": true}`, `{"custom_mask": "..."}`,
    /// `{"regex_pattern": "...", "mask_format": "..."}` or `{}`. Precedence and truthiness are
    /// Powertools': a regex needs both keys and wins; then a non-empty custom mask; then any
    /// other truthy option means the dynamic mask; otherwise the default.
    ///
    /// ```
    /// use data_masking::Mask;
    /// use serde_json::json;
    /// assert!(matches!(Mask::from_options(&json!({}))?, Mask::Default));
    /// assert!(matches!(Mask::from_options(&json!({"custom_mask": ""}))?, Mask::Default));
    /// assert!(matches!(Mask::from_options(&json!({"regex_pattern": "x"}))?, Mask::Dynamic));
    /// assert!(matches!(Mask::from_options(&json!({"dynamic_mask": true, "custom_mask": "X"}))?,
    ///                  Mask::Custom(_)));
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_options(options: &Value) -> Result<Mask> {
        let Value::Object(o) = options else {
            return Err(Error::InvalidMask(format!(
                "mask options must be a JSON object, got {}",
                type_name(options)
            )));
        };
        let text = |key: &str| -> Result<Option<&str>> {
            match o.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(Error::InvalidMask(format!(
                    "{key} must be a string, got {}",
                    type_name(other)
                ))),
            }
        };
        let pattern = text("regex_pattern")?;
        let format = text("mask_format")?;
        let custom = text("custom_mask")?;
        let dynamic = o.get("dynamic_mask").is_some_and(truthy);
        Ok(match (pattern, format, custom) {
            (Some(p), Some(f), _) => Mask::regex(p, f)?,
            (_, _, Some(c)) => Mask::Custom(c.to_owned()),
            (Some(_), None, None) | (None, Some(_), None) => Mask::Dynamic,
            (None, None, None) if dynamic => Mask::Dynamic,
            _ => Mask::Default,
        })
    }

    fn is_default(&self) -> bool {
        match self {
            Mask::Default => true,
            Mask::Custom(c) => c.is_empty(),
            _ => false,
        }
    }

    /// The masked copy of `value`.
    ///
    /// ```
    /// use data_masking::Mask;
    /// use serde_json::json;
    /// assert_eq!(Mask::Dynamic.apply(&json!([1, "a-b", null, true])),
    ///            json!(["*", "*-*", "*****", "****"]));
    /// ```
    pub fn apply(&self, value: &Value) -> Value {
        if self.is_default() {
            return match value {
                Value::Array(a) => Value::Array(vec![Value::String(DEFAULT_MASK.into()); a.len()]),
                _ => Value::String(DEFAULT_MASK.into()),
            };
        }
        match value {
            Value::Null => Value::String(DEFAULT_MASK.into()),
            Value::String(s) => Value::String(self.mask_text(s)),
            Value::Number(n) => Value::String(self.mask_text(&python_number(n))),
            Value::Bool(b) => Value::String(self.mask_text(if *b { "True" } else { "False" })),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.apply(v)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), self.apply(v)))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// Masks a masking rule's value as Powertools does: `null` is left as it is, and any other
    /// value is turned into its Python `str()` first, so a list or object becomes the text of its
    /// Python repr (`['a', 'b']`) and is masked as one string.
    fn apply_rule(&self, value: &Value) -> Value {
        match value {
            Value::Null => Value::Null,
            _ if self.is_default() => Value::String(DEFAULT_MASK.into()),
            Value::Array(_) | Value::Object(_) => {
                let mut text = String::new();
                python_repr(value, &mut text);
                Value::String(self.mask_text(&text))
            }
            _ => self.apply(value),
        }
    }

    /// Masks one piece of text.
    ///
    /// ```
    /// use data_masking::Mask;
    /// assert_eq!(Mask::Dynamic.mask_text("a b.c"), "* *.*");
    /// assert_eq!(Mask::Custom("XY".into()).mask_text("12345"), "XY");
    /// assert_eq!(Mask::Default.mask_text(""), "*****");
    /// ```
    pub fn mask_text(&self, s: &str) -> String {
        match self {
            Mask::Default => DEFAULT_MASK.to_owned(),
            Mask::Custom(c) if c.is_empty() => DEFAULT_MASK.to_owned(),
            Mask::Dynamic => s
                .chars()
                .map(|c| {
                    if matches!(c, '-' | '_' | '.' | ' ') {
                        c
                    } else {
                        '*'
                    }
                })
                .collect(),
            Mask::Custom(c) => {
                let n = s.chars().count();
                match c.char_indices().nth(n) {
                    Some((cut, _)) => c[..cut].to_owned(),
                    None => c.clone(),
                }
            }
            Mask::Regex(r) => r.replace(s),
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The text Python's `str()` gives for a JSON number: integers as they are, floats as Python's
/// shortest `repr` (`1.0`, `1e+20`, `1.5e-07`, `-0.0`).
///
/// ```
/// use data_masking::erase::python_number;
/// use serde_json::json;
/// let n = |v: serde_json::Value| python_number(v.as_number().unwrap());
/// assert_eq!(n(json!(42)), "42");
/// assert_eq!(n(json!(1.0)), "1.0");
/// assert_eq!(n(json!(1e20)), "1e+20");
/// assert_eq!(n(json!(1.5e-7)), "1.5e-07");
/// assert_eq!(n(json!(123456.789)), "123456.789");
/// ```
pub fn python_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    n.as_f64().map_or_else(|| n.to_string(), python_float)
}

fn python_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as Python's repr does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = mantissa
        .strip_prefix('-')
        .map_or((false, mantissa), |m| (true, m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = usize::try_from(exp + 1).unwrap_or(0);
            if digits.len() > point {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            } else {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
    out
}

/// Appends Python's `repr()` of a JSON value (as `json.loads` would build it).
fn python_repr(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&python_number(n)),
        Value::String(s) => python_str_repr(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_repr(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_str_repr(k, out);
                out.push_str(": ");
                python_repr(x, out);
            }
            out.push('}');
        }
    }
}

/// Python's `repr()` of a string: single quotes unless the text holds `'` and no `"`.
fn python_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if matches!(c as u32, 0x2028 | 0x2029 | 0xfeff | 0x200b..=0x200f) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Per-path masks: Powertools' `masking_rules`.
///
/// Each path is relative to the root as Powertools builds it (`"$." + path`): `"email"`,
/// `"address.street"`, `"items[*].sku"`, `".name"` (any depth) and `"$.email"` all work. When a
/// node is selected by several rules, the first rule wins; a node inside a node that a rule masks
/// is masked by the outer rule only.
///
/// ```
/// use data_masking::{DataMasking, Mask, Rules};
/// use serde_json::json;
///
/// let rules = Rules::new()
///     .rule("email", Mask::Dynamic)?
///     .rule("items[*].sku", Mask::Custom("SKU".into()))?;
/// let data = json!({"email": "a@b.c", "items": [{"sku": "x1"}]});
/// let out = DataMasking::new().erase_by_rules(&data, &rules)?;
/// assert_eq!(out, json!({"email": "***.*", "items": [{"sku": "SK"}]}));
/// # Ok::<(), data_masking::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Rules {
    items: Vec<(Field, Mask)>,
}

impl Rules {
    /// No rules. Erasing by an empty rule set masks the whole value, as Powertools does with an
    /// empty `masking_rules`.
    ///
    /// ```
    /// # use data_masking::Rules;
    /// assert!(Rules::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule; errors when the path does not parse.
    ///
    /// ```
    /// # use data_masking::{Mask, Rules};
    /// assert!(Rules::new().rule("a[", Mask::Default).is_err());
    /// assert_eq!(Rules::new().rule("a", Mask::Default)?.len(), 1);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn rule(mut self, path: &str, mask: Mask) -> Result<Self> {
        self.items.push((Field::parse_rule(path)?, mask));
        Ok(self)
    }

    /// Reads Powertools' `masking_rules` object: each key a path, each value the mask options
    /// ([`Mask::from_options`]).
    ///
    /// ```
    /// use data_masking::Rules;
    /// use serde_json::json;
    /// let rules = Rules::from_json(&json!({
    ///     "email": {"dynamic_mask": true},
    ///     "card": {"regex_pattern": "\\d{12}(\\d{4})", "mask_format": "****\\1"},
    ///     "ssn": {}
    /// }))?;
    /// assert_eq!(rules.len(), 3);
    /// # Ok::<(), data_masking::Error>(())
    /// ```
    pub fn from_json(rules: &Value) -> Result<Self> {
        let Value::Object(o) = rules else {
            return Err(Error::UnsupportedType(format!(
                "masking rules must be a JSON object mapping paths to mask options, got {}",
                type_name(rules)
            )));
        };
        o.iter().try_fold(Rules::new(), |r, (path, opts)| {
            r.rule(path, Mask::from_options(opts)?)
        })
    }

    /// Number of rules.
    ///
    /// ```
    /// # use data_masking::{Mask, Rules};
    /// assert_eq!(Rules::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is no rule.
    ///
    /// ```
    /// # use data_masking::Rules;
    /// assert!(Rules::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(Field, Mask)> {
        self.items.iter()
    }
}

/// What masks a located node: one mask for all fields, or a rule's own.
#[derive(Clone, Copy)]
pub(crate) enum Apply<'a> {
    Fields(&'a Mask),
    Rules(&'a Rules),
}

impl Apply<'_> {
    fn mask(&self, rule: usize, v: &Value) -> Value {
        match self {
            Apply::Fields(m) => m.apply(v),
            Apply::Rules(r) => r
                .items
                .get(rule)
                .map_or(Value::Null, |(_, m)| m.apply_rule(v)),
        }
    }
}

/// Located nodes: (address, index of the rule that selected it), sorted by address, one entry
/// per address (the lowest rule index).
pub(crate) struct Targets(Vec<(usize, usize)>);

impl Targets {
    pub(crate) fn new(mut v: Vec<(usize, usize)>) -> Self {
        v.sort_unstable();
        v.dedup_by_key(|e| e.0);
        Targets(v)
    }

    fn find(&self, v: &Value) -> Option<usize> {
        let addr = std::ptr::from_ref::<Value>(v) as usize;
        self.0
            .binary_search_by_key(&addr, |e| e.0)
            .ok()
            .map(|i| self.0[i].1)
    }

    /// The targets of `v`, outermost only, in document order, each with the tag (field or rule
    /// index) that located it.
    pub(crate) fn collect<'v>(&self, v: &'v Value, out: &mut Vec<(&'v Value, usize)>) {
        if let Some(tag) = self.find(v) {
            out.push((v, tag));
            return;
        }
        match v {
            Value::Array(a) => a.iter().for_each(|x| self.collect(x, out)),
            Value::Object(o) => o.values().for_each(|x| self.collect(x, out)),
            _ => {}
        }
    }

    /// Replaces the targets of `v` (outermost only, in document order) with the next values of
    /// `with`, in the order [`collect`](Self::collect) gives.
    pub(crate) fn replace(&self, v: &mut Value, with: &mut impl Iterator<Item = Value>) {
        if self.find(v).is_some() {
            if let Some(n) = with.next() {
                *v = n;
            }
            return;
        }
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| self.replace(x, with)),
            Value::Object(o) => o.values_mut().for_each(|x| self.replace(x, with)),
            _ => {}
        }
    }

    /// Masks every target of `v` in place.
    pub(crate) fn in_place(&self, v: &mut Value, how: Apply<'_>) {
        if let Some(rule) = self.find(v) {
            *v = how.mask(rule, v);
            return;
        }
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| self.in_place(x, how)),
            Value::Object(o) => o.values_mut().for_each(|x| self.in_place(x, how)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_float_repr() {
        for (f, s) in [
            (0.5, "0.5"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (12.5, "12.5"),
            (1.844_674_407_370_955_2e19, "1.8446744073709552e+19"),
            (1e100, "1e+100"),
            (123.0, "123.0"),
        ] {
            assert_eq!(python_float(f), s, "{f}");
        }
    }

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
    fn custom_cut_by_chars() {
        assert_eq!(Mask::Custom("ÀBC".into()).mask_text("xy"), "ÀB");
        assert_eq!(Mask::Custom("#".into()).mask_text("long value"), "#");
        assert_eq!(Mask::Custom("XYZ".into()).mask_text(""), "");
        assert_eq!(Mask::Custom("XYZ".into()).apply(&json!(42)), json!("XY"));
    }

    #[test]
    fn rule_masks() {
        assert_eq!(Mask::Default.apply_rule(&json!([1, 2])), json!("*****"));
        assert_eq!(
            Mask::Dynamic.apply_rule(&json!(["leandro", "powertools"])),
            json!("*********** *************")
        );
        let mut r = String::new();
        python_repr(
            &json!({"a": [1.0, null, true, "it's", "q\"'", "t\tx\u{a0}"]}),
            &mut r,
        );
        assert_eq!(r, r#"{'a': [1.0, None, True, "it's", 'q"\'', 't\tx\xa0']}"#);
        assert_eq!(Mask::Dynamic.apply_rule(&Value::Null), Value::Null);
        assert_eq!(Mask::Dynamic.apply_rule(&json!(0)), json!("*"));
    }
}
