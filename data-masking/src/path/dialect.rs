//! The dialect: a Powertools (jsonpath-ng) field expression translated to RFC 9535 JSONPath
//! text, with the steps of a simple query (names, indices, `*`) when it is one; and the way
//! back, steps written as an expression of the dialect and as RFC 9535 text.

use super::step::Step;
use crate::error::{Error, Result};

/// Translates one Powertools (jsonpath-ng) expression to RFC 9535 JSONPath text.
///
/// Errors name the expression and the character position of the problem.
///
/// ```
/// use data_masking::{path::translate, Error};
/// assert_eq!(translate("'a.b'")?, "$['a.b']");
/// assert_eq!(translate("store[0:2]")?, "$['store'][0:2]");
/// let err = translate("address#street").unwrap_err();
/// assert!(matches!(err, Error::InvalidPath { position: 7, .. }));
/// # Ok::<(), data_masking::Error>(())
/// ```
pub fn translate(expr: &str) -> Result<String> {
    translate_full(expr).map(|(rfc, _)| rfc)
}

/// The translation, and the steps when the query is simple.
pub(super) fn translate_full(expr: &str) -> Result<(String, Option<Vec<Step>>)> {
    let mut t = Translator {
        chars: expr.char_indices().collect(),
        pos: 0,
        out: String::with_capacity(expr.len() + 16),
        steps: Vec::new(),
        simple: true,
        in_filter: 0,
    };
    t.path().map_err(|(position, reason)| Error::InvalidPath {
        path: expr.to_owned(),
        position,
        reason,
    })?;
    let steps = t.simple.then_some(t.steps);
    Ok((t.out, steps))
}

type TResult<T> = std::result::Result<T, (usize, String)>;

struct Translator {
    chars: Vec<(usize, char)>,
    pos: usize,
    out: String,
    /// Steps of the top-level query while it is simple.
    steps: Vec<Step>,
    simple: bool,
    /// Nesting depth of filters being translated (their paths are not the top-level query).
    in_filter: usize,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@' || !c.is_ascii()
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '@' || c == '-' || !c.is_ascii()
}

/// Appends `s` as an RFC 9535 single-quoted string literal (the form normalized paths use).
pub(super) fn push_literal(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

fn push_name(out: &mut String, name: &str) {
    out.push('[');
    push_literal(out, name);
    out.push(']');
}

/// The RFC 9535 query that `steps` make, as [`translate`] gives it for their
/// [`write_expression`].
pub(super) fn rfc9535_of(steps: &[Step]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(1 + steps.len() * 8);
    out.push('$');
    for step in steps {
        match step {
            Step::Name(n) => push_name(&mut out, n),
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::AnyIndex | Step::AnyMember => out.push_str("[*]"),
        }
    }
    out
}

/// A name the dialect reads unquoted after a dot.
fn plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Writes `steps` as an expression of the dialect: `orders[*].card`, `['card.no']`, `$.*.a`,
/// `$` for no step. Plain names are written after a dot, others quoted (`'` and `\` escaped);
/// the expression starts with `$` unless its first step is a name.
pub(crate) fn write_expression(steps: &[Step], f: &mut impl std::fmt::Write) -> std::fmt::Result {
    if !matches!(steps.first(), Some(Step::Name(_))) {
        f.write_str("$")?;
    }
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Name(n) if plain_name(n) => {
                if i > 0 {
                    f.write_str(".")?;
                }
                f.write_str(n)?;
            }
            Step::Name(n) => {
                f.write_str("['")?;
                for c in n.chars() {
                    if matches!(c, '\'' | '\\') {
                        f.write_str("\\")?;
                    }
                    f.write_char(c)?;
                }
                f.write_str("']")?;
            }
            Step::Index(i) => write!(f, "[{i}]")?,
            Step::AnyIndex => f.write_str("[*]")?,
            Step::AnyMember => f.write_str(".*")?,
        }
    }
    Ok(())
}

impl Translator {
    fn step(&mut self, step: Step) {
        if self.in_filter == 0 {
            self.steps.push(step);
        }
    }

    fn plural(&mut self) {
        if self.in_filter == 0 {
            self.simple = false;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).map(|&(_, c)| c)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn err<T>(&self, reason: impl Into<String>) -> TResult<T> {
        Err((self.pos, reason.into()))
    }

    fn unexpected<T>(&self, what: &str) -> TResult<T> {
        match self.peek() {
            Some(c) => self.err(format!("unexpected character {c:?}, expected {what}")),
            None => self.err(format!("unexpected end of expression, expected {what}")),
        }
    }

    fn expect(&mut self, c: char) -> TResult<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.unexpected(&format!("{c:?}"))
        }
    }

    /// The whole expression.
    fn path(&mut self) -> TResult<()> {
        self.skip_ws();
        if self.peek().is_none() {
            return self.err("empty expression");
        }
        self.out.push('$');
        match self.peek() {
            Some('$') => {
                self.pos += 1;
                // `$.$.x` (what Powertools builds from a `$.x` masking rule) is the root again.
                loop {
                    let save = self.pos;
                    self.skip_ws();
                    if self.peek() == Some('.') && self.peek_at(1) != Some('.') {
                        self.pos += 1;
                        self.skip_ws();
                        if self.peek() == Some('$') {
                            self.pos += 1;
                            continue;
                        }
                    }
                    self.pos = save;
                    break;
                }
            }
            Some('@') if !self.peek_at(1).is_some_and(is_name_char) => {
                // `@` outside a filter is the current node, i.e. the root.
                self.pos += 1;
            }
            Some('.') => {
                return self.err(
                    "an expression cannot start with '.'; write '$..name' for a descendant search",
                );
            }
            Some('[') => self.bracket()?,
            _ => self.member()?,
        }
        self.segments(false)?;
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some('|') => {
                self.err("the '|' union of whole expressions is not supported; pass two fields")
            }
            Some(_) => self.unexpected("'.', '..', '[' or the end of the expression"),
        }
    }

    /// Segments after the first: `.name`, `..name`, `[...]`. In a filter, stops before an
    /// operator.
    fn segments(&mut self, in_filter: bool) -> TResult<()> {
        loop {
            let save = self.pos;
            self.skip_ws();
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.pos += 2;
                    self.out.push_str("..");
                    self.plural();
                    self.skip_ws();
                    match self.peek() {
                        Some('[') => self.bracket()?,
                        _ => self.member()?,
                    }
                }
                Some('.') => {
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some('[') => self.bracket()?,
                        Some('`') if in_filter => {
                            self.pos = save;
                            return Ok(());
                        }
                        _ => self.member()?,
                    }
                }
                Some('[') => self.bracket()?,
                _ => {
                    self.pos = save;
                    return Ok(());
                }
            }
        }
    }

    /// A member after `.` (or at the start): name, number, quoted name or `*`.
    fn member(&mut self) -> TResult<()> {
        self.skip_ws();
        match self.peek() {
            Some('*') => {
                self.pos += 1;
                self.out.push_str("[*]");
                self.step(Step::AnyMember);
                Ok(())
            }
            Some('\'' | '"') => {
                let s = self.quoted()?;
                push_name(&mut self.out, &s);
                self.step(Step::Name(s.into()));
                Ok(())
            }
            Some(c)
                if c.is_ascii_digit()
                    || (c == '-' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let n = self.integer()?;
                push_name(&mut self.out, &n);
                self.step(Step::Name(n.into()));
                Ok(())
            }
            Some(c) if is_name_start(c) => {
                let name = self.name();
                if name == "where" || name == "wherenot" {
                    return Err((
                        self.pos - name.chars().count(),
                        format!("the '{name}' operator is not supported"),
                    ));
                }
                push_name(&mut self.out, &name);
                self.step(Step::Name(name.into()));
                Ok(())
            }
            Some('$') => self.err("'$' can only start an expression"),
            _ => self.unexpected("a member name, a quoted name, a number or '*'"),
        }
    }

    fn name(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek().filter(|&c| is_name_char(c)) {
            s.push(c);
            self.pos += 1;
        }
        s
    }

    /// `-?\d+`, normalised as Python's `str(int(token))`.
    fn integer(&mut self) -> TResult<String> {
        let start = self.pos;
        let neg = self.peek() == Some('-');
        if neg {
            self.pos += 1;
        }
        let mut digits = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            digits.push(c);
            self.pos += 1;
        }
        if digits.is_empty() {
            self.pos = start;
            return self.unexpected("a number");
        }
        let trimmed = digits.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        Ok(if neg && trimmed != "0" {
            format!("-{trimmed}")
        } else {
            trimmed.to_owned()
        })
    }

    /// A quoted string in jsonpath-ng's lexing: `\x` stands for `x`.
    fn quoted(&mut self) -> TResult<String> {
        let start = self.pos;
        let Some(q) = self.bump() else {
            return self.unexpected("a quote");
        };
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err((start, "unterminated quoted name".into())),
                Some(c) if c == q => return Ok(s),
                Some('\\') => match self.bump() {
                    Some(c) => s.push(c),
                    None => return Err((start, "unterminated quoted name".into())),
                },
                Some(c) => s.push(c),
            }
        }
    }

    /// `[ selector, selector ]`.
    fn bracket(&mut self) -> TResult<()> {
        self.expect('[')?;
        self.out.push('[');
        let mut count = 0;
        loop {
            self.skip_ws();
            if count > 0 {
                self.out.push(',');
            }
            count += 1;
            let last = self.selector()?;
            self.skip_ws();
            match self.peek() {
                Some(',') => {
                    self.pos += 1;
                }
                Some(']') => {
                    self.pos += 1;
                    self.out.push(']');
                    match last {
                        Some(step) if count == 1 => self.step(step),
                        _ => self.plural(),
                    }
                    return Ok(());
                }
                _ => return self.unexpected("',' or ']'"),
            }
        }
    }

    /// One selector; returns the step when it selects at most one node.
    fn selector(&mut self) -> TResult<Option<Step>> {
        self.skip_ws();
        Ok(match self.peek() {
            Some('*') => {
                self.pos += 1;
                self.out.push('*');
                Some(Step::AnyIndex)
            }
            Some('\'' | '"') => {
                let s = self.quoted()?;
                push_literal(&mut self.out, &s);
                Some(Step::Name(s.into()))
            }
            Some('?') => {
                self.pos += 1;
                self.out.push('?');
                self.in_filter += 1;
                let r = self.filter();
                self.in_filter -= 1;
                r?;
                None
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == ':' => self.index_or_slice()?,
            Some(c) if is_name_start(c) => {
                let n = self.name();
                push_literal(&mut self.out, &n);
                Some(Step::Name(n.into()))
            }
            _ => return self.unexpected("an index, a slice, a quoted name, '*' or a filter"),
        })
    }

    /// An index (returned as a step) or a slice.
    fn index_or_slice(&mut self) -> TResult<Option<Step>> {
        let mut parts = 0;
        let mut index = None;
        loop {
            self.skip_ws();
            if matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == '-') {
                let n = self.integer()?;
                index = n.parse::<i64>().ok();
                self.out.push_str(&n);
            }
            self.skip_ws();
            if self.peek() == Some(':') {
                parts += 1;
                if parts > 2 {
                    return self.err("a slice has at most three parts");
                }
                self.pos += 1;
                self.out.push(':');
            } else {
                return Ok(if parts == 0 {
                    index.map(Step::Index)
                } else {
                    None
                });
            }
        }
    }

    /// A filter expression after `?`, with or without parentheses, up to the closing `]`.
    fn filter(&mut self) -> TResult<()> {
        self.skip_ws();
        let parens = self.peek() == Some('(');
        if parens {
            self.pos += 1;
        }
        self.out.push('(');
        let start_len = self.out.len();
        let mut depth = 0usize;
        // Position in `out` of the last complete operand, for `=~` rewriting.
        let mut last_operand: Option<usize> = None;
        let mut pending_search: Option<String> = None;
        loop {
            self.skip_ws();
            let Some(c) = self.peek() else {
                return self.unexpected("the end of the filter");
            };
            let operand_start = self.out.len();
            let mut is_operand = false;
            match c {
                ')' if depth == 0 && parens => {
                    self.pos += 1;
                    break;
                }
                ']' if depth == 0 && !parens => break,
                '(' => {
                    self.pos += 1;
                    depth += 1;
                    self.out.push('(');
                }
                ')' => {
                    if depth == 0 {
                        return self.unexpected("an operand");
                    }
                    self.pos += 1;
                    depth -= 1;
                    self.out.push(')');
                }
                '@' | '$' => {
                    self.pos += 1;
                    self.out.push(c);
                    self.segments(true)?;
                    self.skip_ws();
                    if self.peek() == Some('.') && self.peek_at(1) == Some('`') {
                        self.pos += 2;
                        let op = self.name();
                        if op != "len" || self.bump() != Some('`') {
                            return self.err(format!("the named operator `{op}` is not supported"));
                        }
                        let arg = self.out.split_off(operand_start);
                        self.out.push_str("length(");
                        self.out.push_str(&arg);
                        self.out.push(')');
                    }
                    is_operand = true;
                }
                '\'' | '"' => {
                    let s = self.quoted()?;
                    push_literal(&mut self.out, &s);
                    is_operand = true;
                }
                c if c.is_ascii_digit()
                    || (c == '-' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) =>
                {
                    self.pos += 1;
                    self.out.push(c);
                    while let Some(d) = self
                        .peek()
                        .filter(|d| d.is_ascii_alphanumeric() || matches!(d, '.' | '+' | '-'))
                    {
                        // exponent signs only right after an 'e'
                        if matches!(d, '+' | '-') && !self.out.ends_with(['e', 'E']) {
                            break;
                        }
                        self.pos += 1;
                        self.out.push(d);
                    }
                    is_operand = true;
                }
                '=' | '!' | '<' | '>' => {
                    self.pos += 1;
                    let next = self.peek();
                    match (c, next) {
                        ('=', Some('~')) => {
                            self.pos += 1;
                            let Some(at) = last_operand else {
                                return self.err("'=~' needs a left operand");
                            };
                            pending_search = Some(self.out.split_off(at));
                        }
                        ('=' | '!' | '<' | '>', Some('=')) => {
                            self.pos += 1;
                            self.out.push(' ');
                            self.out.push(c);
                            self.out.push_str("= ");
                        }
                        ('=', _) => self.out.push_str(" == "),
                        ('!', _) => self.out.push('!'),
                        _ => {
                            self.out.push(' ');
                            self.out.push(c);
                            self.out.push(' ');
                        }
                    }
                }
                '&' | '|' => {
                    self.pos += 1;
                    if self.peek() == Some(c) {
                        self.pos += 1;
                    }
                    self.out.push_str(if c == '&' { " && " } else { " || " });
                }
                c if is_name_start(c) => {
                    let w = self.name();
                    match w.as_str() {
                        "true" | "false" | "null" => self.out.push_str(&w),
                        "and" => self.out.push_str(" && "),
                        "or" => self.out.push_str(" || "),
                        _ => push_literal(&mut self.out, &w),
                    }
                    is_operand = !matches!(w.as_str(), "and" | "or");
                }
                _ => return self.unexpected("a filter operand or operator"),
            }
            if is_operand {
                if let Some(left) = pending_search.take() {
                    let right = self.out.split_off(operand_start);
                    self.out.push_str("search(");
                    self.out.push_str(&left);
                    self.out.push_str(", ");
                    self.out.push_str(&right);
                    self.out.push(')');
                    last_operand = None;
                } else {
                    last_operand = Some(operand_start);
                }
            }
        }
        if pending_search.is_some() {
            return self.err("'=~' needs a right operand");
        }
        if self.out.len() == start_len {
            return self.err("empty filter");
        }
        self.out.push(')');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[track_caller]
    fn t(a: &str, b: &str) {
        assert_eq!(translate(a).unwrap(), b, "translating {a}");
    }

    #[test]
    fn translations() {
        t("a", "$['a']");
        t("$", "$");
        t("@", "$");
        t("@.x", "$['x']");
        t("$.$.email", "$['email']");
        t("$.email", "$['email']");
        t("a.b", "$['a']['b']");
        t(" address . street ", "$['address']['street']");
        t("a..b", "$['a']..['b']");
        t("$..*", "$..[*]");
        t("a[*].b", "$['a'][*]['b']");
        t("a[-1].b", "$['a'][-1]['b']");
        t("a[0,0]", "$['a'][0,0]");
        t("a[::-1]", "$['a'][::-1]");
        t("a[1:]", "$['a'][1:]");
        t("a.1", "$['a']['1']");
        t("a.01", "$['a']['1']");
        t("-1", "$['-1']");
        t("first-name", "$['first-name']");
        t("@id", "$['@id']");
        t("'a.b'", "$['a.b']");
        t("\"a.b\"", "$['a.b']");
        t("a.'1'", "$['a']['1']");
        t("a.['b']", "$['a']['b']");
        t("$.[0]", "$[0]");
        t("[0].a", "$[0]['a']");
        t("a[street,postcode]", "$['a']['street','postcode']");
        t("'it\\'s'", "$['it\\'s']");
        t("'tab\tkey'", "$['tab\\tkey']");
        t("''", "$['']");
        t("'*'", "$['*']");
        t("名前", "$['名前']");
        t("a[?(@.x > 1)]", "$['a'][?(@['x'] > 1)]");
        t("a[?@.x>1]", "$['a'][?(@['x'] > 1)]");
        t(
            "a[?(@.x = 'y' & @.z >= 2)]",
            "$['a'][?(@['x'] == 'y' && @['z'] >= 2)]",
        );
        t("a[?(@.t == Moby)]", "$['a'][?(@['t'] == 'Moby')]");
        t("a[?(@.x =~ 'ab+')]", "$['a'][?(search(@['x'], 'ab+'))]");
        t("a[?(@.tags.`len` > 1)]", "$['a'][?(length(@['tags']) > 1)]");
        t("x[?(@.kind == \"  \")]", "$['x'][?(@['kind'] == '  ')]");
        t("x[?( @.k=='a  b' )]", "$['x'][?(@['k'] == 'a  b')]");
        t(
            "a[?(@.first-name != null)]",
            "$['a'][?(@['first-name'] != null)]",
        );
        t(
            "a[?(@.p > 1e1 || !@.q)]",
            "$['a'][?(@['p'] > 1e1 || !@['q'])]",
        );
        t("a[?(@['k'] < $.m)]", "$['a'][?(@['k'] < $['m'])]");
        t(
            "o[?(@.i[?(@.p > 10)])].s",
            "$['o'][?(@['i'][?(@['p'] > 10)])]['s']",
        );
    }

    #[test]
    fn simple_queries_are_recognised() {
        use super::{Step, translate_full};
        let steps = |e: &str| translate_full(e).unwrap().1;
        assert_eq!(
            steps("a.b"),
            Some(vec![Step::Name("a".into()), Step::Name("b".into())])
        );
        assert_eq!(steps("$"), Some(vec![]));
        assert_eq!(
            steps("a[-1]['x']"),
            Some(vec![
                Step::Name("a".into()),
                Step::Index(-1),
                Step::Name("x".into())
            ])
        );
        assert_eq!(
            steps("a.01"),
            Some(vec![Step::Name("a".into()), Step::Name("1".into())])
        );
        assert_eq!(
            steps("a[*].b"),
            Some(vec![
                Step::Name("a".into()),
                Step::AnyIndex,
                Step::Name("b".into())
            ])
        );
        assert_eq!(
            steps("a.*"),
            Some(vec![Step::Name("a".into()), Step::AnyMember])
        );
        for plural in ["a..b", "a[0,1]", "a[0:1]", "a[?(@.x[0] > 1)]", "a['x','y']"] {
            assert_eq!(steps(plural), None, "{plural}");
        }
    }

    #[test]
    fn errors_have_positions() {
        for (expr, pos) in [
            ("address#street", 7),
            ("address[0", 9),
            ("..street", 0),
            ("", 0),
            ("a.", 2),
            ("a | b", 2),
            ("a.where", 2),
        ] {
            match translate(expr) {
                Err(crate::Error::InvalidPath { position, .. }) => {
                    assert_eq!(position, pos, "position for {expr:?}");
                }
                other => panic!("{expr:?} gave {other:?}"),
            }
        }
    }
}
