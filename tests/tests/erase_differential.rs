//! Differential test of erase against the real Powertools for AWS Lambda (Python).
//!
//! A seeded generator (ChaCha8, fixed seed: every run makes the same cases) builds random records
//! and, for each, random field expressions in the Powertools dialect and random mask options. All
//! cases go to `tests/py/erase_oracle.py` in one Python process, which runs
//! `DataMasking(...).erase(...)`; the same cases run through the Rust API; the outcomes (value,
//! or error kind and field, and the fields reported missing) are compared semantically.
//!
//! Where we differ from Powertools on purpose (README, "Differences from Powertools Python"), a
//! case whose outcomes differ is excused only when a rule below recognises the situation from the
//! case itself (never from its name or number):
//! * (a) a filter that is the last segment and selects object members (Powertools masks nothing);
//! * (b) the root `$` is selected (Powertools masks nothing);
//! * (c) selections overlap or depend on order: a node is selected twice, or a node inside another
//!   selected node, or masking the fields one after the other (Powertools' way) gives another
//!   outcome than locating them all first (ours);
//! * (d) numbers beyond 64 bits, whose text differs;
//! * (e) masking rules with a non-default mask that select a list or an object (Powertools masks
//!   the Python repr of the container).
//!
//! The generator stays mostly on the common ground, and the test asserts that at least
//! `MIN_COMPARED` cases were compared and agreed. Set `DATA_MASKING_DIFF_SEED` to try another seed,
//! `DATA_MASKING_DIFF_CASES` for another number of records, and `DATA_MASKING_DIFF_DUMP` to a file
//! name to keep the cases and Python's answers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use data_masking::path::Field;
use data_masking::{DataMasking, Error, Fields, Mask, Rules};
use data_masking_tests::{py_script, python, run_python_json};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use serde_json_path::PathElement;

const SEED: u64 = 0x00da_7a0a_5c1e_2024;
const RECORDS: usize = 320;
const MIN_COMPARED: usize = 200;

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

/// Keys of generated objects: plain names, names with dashes and digits, numeric names, and
/// names that must be quoted (a dot, a space, non-ASCII).
const KEYS: &[&str] = &[
    "name",
    "email",
    "id",
    "a",
    "b",
    "c",
    "address",
    "street",
    "tags",
    "items",
    "price",
    "x",
    "kind",
    "first-name",
    "last_name",
    "k-9",
    "x1",
    "2",
    "10",
    "data",
    "nested",
    "a.b",
    "sp ace",
    "名前",
    "ключ",
];

const WORDS: &[&str] = &[
    "john",
    "Doe",
    "4444",
    "a",
    "x",
    "café",
    "名前",
    "straße",
    "😀",
    "Ω",
    "@",
    "example.com",
    "1234-5678",
    "foo_bar",
    "",
    "  ",
    "\t",
    "MiXeD",
    "0",
];
const SEPARATORS: &[&str] = &["-", "_", ".", " ", ""];
const KINDS: &[&str] = &["red", "blue", "名前", "a b"];
const SPECIAL_FLOATS: &[f64] = &[
    0.5, 1.0, -0.0, 1e20, 1.5e-7, 123.456, 3.25, 1e16, 1e-5, 2.5e300, -7.125,
];
const CUSTOM_MASKS: &[&str] = &[
    "XY",
    "#",
    "MASKED",
    "NO-NAME-LONG-ENOUGH-MASK-XXXXXXXXXX",
    "名前",
];
/// Regexes that mean the same in Python's `re` and the `regex` crate on the generated strings
/// (no look-around, no back-references, no `$` in formats).
const REGEXES: &[(&str, &str)] = &[
    (r"\d", "#"),
    (r"\d{2,}", "<num>"),
    (r"(\w)(\w*)", r"\1***"),
    (r"^(.)", r"\1#"),
    (r"(\d{2})$", r"**\1"),
    (r"[aeiou]", "*"),
    (r"(?P<user>\w+)@", r"\g<user>@***"),
    (r"\s+", "_"),
    (r"x*", "-"),
    (r".+", "[REDACTED]"),
    (r"(?i)doe", "D**"),
    (r"[^-_. ]", "*"),
    (r"(.)(.)", r"\2\1"),
    (r"(\d{4})-(\d{4})", r"\g<1>-****"),
];

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn pct(&mut self, p: u32) -> bool {
        self.rng.gen_range(0..100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.choose(&mut self.rng).expect("non-empty")
    }

    fn string(&mut self) -> String {
        let n = self.rng.gen_range(0..4);
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                let sep = self.pick::<&str>(SEPARATORS);
                s.push_str(sep);
            }
            let word = self.pick::<&str>(WORDS);
            s.push_str(word);
        }
        s
    }

    fn number(&mut self) -> Value {
        match self.rng.gen_range(0..10) {
            0..=3 => json!(self.rng.gen_range(-100i64..1000)),
            4 => json!(self.rng.gen_range(-1_000_000i64..1_000_000)),
            5 => json!(*self.pick(&[i64::MAX, i64::MIN, 0, -1])),
            6 => json!(u64::MAX - self.rng.gen_range(0..3)),
            7 => json!(*self.pick(SPECIAL_FLOATS)),
            8 => json!(f64::from(self.rng.gen_range(-100_000i32..100_000)) / 100.0),
            _ => {
                // Any finite double, to exercise Python's float repr.
                loop {
                    let f = f64::from_bits(self.rng.r#gen::<u64>());
                    if f.is_finite() {
                        break json!(f);
                    }
                }
            }
        }
    }

    fn scalar(&mut self) -> Value {
        match self.rng.gen_range(0..10) {
            0..=4 => Value::String(self.string()),
            5..=7 => self.number(),
            8 => Value::Bool(self.pct(50)),
            _ => Value::Null,
        }
    }

    /// A list of objects that filters can select from: numeric `x` (or none), a `kind`, more.
    fn items(&mut self, depth: u32) -> Value {
        let n = self.rng.gen_range(1..5);
        let mut list = Vec::new();
        for _ in 0..n {
            let mut o = Map::new();
            if self.pct(90) {
                let x = if self.pct(70) {
                    json!(self.rng.gen_range(-5i64..50))
                } else {
                    json!(f64::from(self.rng.gen_range(-500i32..5000)) / 100.0)
                };
                o.insert("x".into(), x);
            }
            o.insert("kind".into(), json!(*self.pick(KINDS)));
            if self.pct(70) {
                o.insert("name".into(), Value::String(self.string()));
            }
            if depth > 0 && self.pct(30) {
                let v = self.value(depth - 1);
                o.insert((*self.pick(KEYS)).to_owned(), v);
            }
            list.push(Value::Object(o));
        }
        Value::Array(list)
    }

    fn object(&mut self, depth: u32, min: usize, max: usize) -> Map<String, Value> {
        let n = self.rng.gen_range(min..=max);
        let mut o = Map::new();
        for _ in 0..n {
            let key = (*self.pick(KEYS)).to_owned();
            let v = self.value(depth.saturating_sub(1));
            o.insert(key, v);
        }
        o
    }

    fn value(&mut self, depth: u32) -> Value {
        if depth == 0 {
            return self.scalar();
        }
        match self.rng.gen_range(0..10) {
            0..=2 => Value::Object(self.object(depth, 0, 4)),
            3 => self.items(depth - 1),
            4 | 5 => {
                let n = self.rng.gen_range(0..5);
                Value::Array((0..n).map(|_| self.value(depth - 1)).collect())
            }
            _ => self.scalar(),
        }
    }

    fn record(&mut self) -> Value {
        let mut o = self.object(4, 3, 7);
        if self.pct(60) {
            let items = self.items(2);
            o.insert("items".into(), items);
        }
        if self.pct(30) {
            let items = self.items(1);
            let mut nested = Map::new();
            nested.insert("address".into(), items);
            o.insert("data".into(), Value::Object(nested));
        }
        if self.pct(10) {
            // Object members that a filter can run over (Powertools masks nothing there when the
            // filter is the last segment).
            let mut store = Map::new();
            for key in ["book", "bike", "car"] {
                store.insert(
                    key.into(),
                    json!({"x": self.rng.gen_range(0..20), "kind": *self.pick(KINDS)}),
                );
            }
            o.insert("store".into(), Value::Object(store));
        }
        Value::Object(o)
    }

    /// One field expression of the Powertools dialect, built by walking `root`, so that it
    /// usually selects something. `rule` makes it a `masking_rules` path (no `$`, no leading
    /// bracket or descendant).
    fn path(&mut self, root: &Value, rule: bool) -> String {
        if self.pct(4) {
            let missing = *self.pick(&["missing", "nope.x", "a.zz", "items[99]"]);
            return missing.to_owned();
        }
        let mut out = String::new();
        let mut cur = root;
        let mut first = true;
        loop {
            let next = match cur {
                Value::Object(m) if !m.is_empty() => self.object_step(m, &mut out, first, rule),
                Value::Array(a) if !a.is_empty() && !first => Some(self.array_step(a, &mut out)),
                _ => None,
            };
            first = false;
            match next {
                Some(v) if self.pct(80) => cur = v,
                _ => break,
            }
        }
        if out.is_empty() {
            "missing".to_owned()
        } else {
            out
        }
    }

    fn object_step<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        out: &mut String,
        first: bool,
        rule: bool,
    ) -> Option<&'v Value> {
        let roll = self.rng.gen_range(0..100);
        if roll < 6 && !rule {
            // Descendant: a plain key found anywhere below.
            let mut keys = Vec::new();
            collect_keys(&Value::Object(m.clone()), &mut keys);
            keys.retain(|k| is_plain(k));
            if let Some(k) = keys.choose(&mut self.rng) {
                out.push_str(if first { "$.." } else { ".." });
                out.push_str(k);
                return None;
            }
        }
        if roll < 10 && !first {
            // Wildcard over members.
            out.push_str(".*");
            return m
                .values()
                .collect::<Vec<_>>()
                .choose(&mut self.rng)
                .copied();
        }
        if roll < 14
            && !first
            && let Some((filter, v)) = self.filter_over(m.values().collect())
        {
            out.push_str(&filter);
            return Some(v);
        }
        let keys: Vec<&String> = m.keys().collect();
        let key = *keys.choose(&mut self.rng).expect("non-empty");
        out.push_str(&self.key_step(key, first, rule));
        m.get(key)
    }

    fn key_step(&mut self, key: &str, first: bool, rule: bool) -> String {
        let quote = |k: &str, q: char| {
            let mut s = String::new();
            s.push(q);
            for c in k.chars() {
                if c == q || c == '\\' {
                    s.push('\\');
                }
                s.push(c);
            }
            s.push(q);
            s
        };
        let q = if self.pct(50) { '\'' } else { '"' };
        if is_plain(key) && (first || self.pct(85)) {
            return match (first, rule) {
                (true, false) if self.pct(15) => format!("$.{key}"),
                (true, _) => key.to_owned(),
                (false, _) => format!(".{key}"),
            };
        }
        if is_numeric_name(key) && !first && self.pct(60) {
            return format!(".{key}");
        }
        match (first, rule) {
            (true, true) => quote(key, q),
            (true, false) => match self.rng.gen_range(0..3) {
                0 => quote(key, q),
                1 => format!("[{}]", quote(key, q)),
                _ => format!("$[{}]", quote(key, q)),
            },
            (false, _) => {
                if self.pct(50) {
                    format!("[{}]", quote(key, q))
                } else {
                    format!(".{}", quote(key, q))
                }
            }
        }
    }

    fn array_step<'v>(&mut self, a: &'v [Value], out: &mut String) -> &'v Value {
        let len = a.len();
        let i = self.rng.gen_range(0..len);
        match self.rng.gen_range(0..100) {
            0..=24 => {
                let _ = write!(out, "[{i}]");
                &a[i]
            }
            25..=34 => {
                let _ = write!(out, "[-{}]", len - i);
                &a[i]
            }
            35..=52 => {
                out.push_str("[*]");
                &a[i]
            }
            53..=62 => {
                let end = self.rng.gen_range(i + 1..=len + 1);
                match self.rng.gen_range(0..3) {
                    0 => {
                        let _ = write!(out, "[{i}:]");
                    }
                    1 if i == 0 => {
                        let _ = write!(out, "[:{end}]");
                    }
                    _ => {
                        let _ = write!(out, "[{i}:{end}]");
                    }
                }
                &a[i]
            }
            63..=72 if len > 1 => {
                let mut j = self.rng.gen_range(0..len);
                while j == i {
                    j = self.rng.gen_range(0..len);
                }
                let _ = write!(out, "[{i},{j}]");
                &a[i]
            }
            _ => {
                if let Some((filter, v)) = self.filter_over(a.iter().collect()) {
                    out.push_str(&filter);
                    v
                } else {
                    out.push_str("[*]");
                    &a[i]
                }
            }
        }
    }

    /// A filter that selects (at least) one of `candidates`: `[?(@.x > 3)]`,
    /// `[?(@.kind == 'red')]`, or both joined with `&`. Returns the filter and one selected value.
    fn filter_over<'v>(&mut self, candidates: Vec<&'v Value>) -> Option<(String, &'v Value)> {
        let objects: Vec<&Value> = candidates
            .into_iter()
            .filter(|v| v.get("x").is_some_and(Value::is_number) || v.get("kind").is_some())
            .collect();
        let chosen = *objects.choose(&mut self.rng)?;
        let mut tests = Vec::new();
        if let Some(x) = chosen.get("x").and_then(Value::as_f64) {
            // Integer thresholds only; the chosen element passes the test.
            let (op, t) = match self.rng.gen_range(0..5) {
                0 => (">", x.ceil() - 1.0),
                1 => (">=", x.floor()),
                2 => ("<", x.floor() + 1.0),
                3 => ("<=", x.ceil()),
                _ if x.fract() == 0.0 => ("==", x),
                _ => (">", x.ceil() - 1.0),
            };
            tests.push(format!("@.x {op} {}", t as i64));
        }
        if let Some(kind) = chosen.get("kind").and_then(Value::as_str)
            && (tests.is_empty() || self.pct(25))
        {
            let q = if self.pct(50) { '\'' } else { '"' };
            tests.push(format!("@.kind == {q}{kind}{q}"));
        }
        if tests.is_empty() {
            return None;
        }
        let joiner = if self.pct(50) { " & " } else { " && " };
        Some((format!("[?({})]", tests.join(joiner)), chosen))
    }

    fn mask_options(&mut self) -> Value {
        match self.rng.gen_range(0..100) {
            0..=39 => json!({}),
            40..=61 => json!({"dynamic_mask": true}),
            62..=77 => json!({"custom_mask": *self.pick(CUSTOM_MASKS)}),
            _ => {
                let (p, f) = *self.pick(REGEXES);
                json!({"regex_pattern": p, "mask_format": f})
            }
        }
    }

    fn case(&mut self) -> Case {
        let record = self.record();
        let raise = self.pct(80);
        let roll = self.rng.gen_range(0..100);
        if roll < 6 {
            // No fields: the whole value.
            let input = if self.pct(50) { record } else { self.value(2) };
            return Case {
                input,
                fields: None,
                options: self.mask_options(),
                raise,
            };
        }
        if roll < 20 {
            let mut rules = Map::new();
            for _ in 0..self.rng.gen_range(1..=3) {
                let path = self.path(&record, true);
                let opts = self.mask_options();
                rules.insert(path, opts);
            }
            return Case {
                input: record,
                fields: None,
                options: json!({ "masking_rules": rules }),
                raise,
            };
        }
        let n = match self.rng.gen_range(0..100) {
            0..=54 => 1,
            55..=89 => 2,
            _ => 3,
        };
        let mut fields: Vec<String> = (0..n).map(|_| self.path(&record, false)).collect();
        if self.pct(2) {
            fields.push("$".to_owned());
        }
        Case {
            input: record,
            fields: Some(fields),
            options: self.mask_options(),
            raise,
        }
    }
}

fn collect_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                collect_keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

/// A name jsonpath-ng and our dialect both take unquoted.
fn is_plain(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A number in dot position is a member name (`a.2` is key `"2"`).
fn is_numeric_name(key: &str) -> bool {
    key == "0"
        || (!key.starts_with('0') && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// Cases and outcomes
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Case {
    input: Value,
    /// `None`: the whole value, or masking rules when `options` has them.
    fields: Option<Vec<String>>,
    options: Value,
    raise: bool,
}

impl Case {
    fn to_json(&self) -> Value {
        json!({
            "input": self.input,
            "fields": self.fields,
            "options": self.options,
            "raise_on_missing_field": self.raise,
        })
    }

    fn rules(&self) -> Option<&Map<String, Value>> {
        self.options.get("masking_rules").and_then(Value::as_object)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Ok { value: Value, missing: Vec<String> },
    Err { kind: String, field: Option<String> },
}

fn from_python(result: &Value) -> Outcome {
    let missing = result["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|w| w["category"] == "UserWarning")
        .filter_map(|w| w["message"].as_str().and_then(missing_field_of))
        .collect();
    if let Some(value) = result.get("ok") {
        return Outcome::Ok {
            value: value.clone(),
            missing,
        };
    }
    let class = result["error"].as_str().unwrap_or("?");
    let message = result["message"].as_str().unwrap_or("");
    let kind = match class {
        "DataMaskingFieldNotFoundError" => "field-not-found",
        "ValueError" if message.contains("cannot be empty") => "empty-fields",
        "DataMaskingError" if message.contains("regex") => "invalid-mask",
        "DataMaskingError" if message.contains("masking path") => "invalid-path",
        "JsonPathParserError" | "JsonPathLexerError" => "invalid-path",
        "DataMaskingUnsupportedTypeError" => "unsupported-type",
        other => {
            return Outcome::Err {
                kind: format!("python {other}: {message}"),
                field: None,
            };
        }
    };
    Outcome::Err {
        kind: kind.to_owned(),
        field: (kind == "field-not-found")
            .then(|| missing_field_of(message))
            .flatten(),
    }
}

/// The field named by a Powertools "not found" message or warning.
fn missing_field_of(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("Field or expression ") {
        return rest.strip_suffix(" not found").map(str::to_owned);
    }
    message
        .strip_prefix("No matches found for path: ")
        .map(str::to_owned)
}

fn from_rust(result: Result<(Value, Vec<String>), Error>) -> Outcome {
    match result {
        Ok((value, missing)) => Outcome::Ok { value, missing },
        Err(e) => Outcome::Err {
            kind: e.kind().to_owned(),
            field: match e {
                Error::FieldNotFound { field } => Some(field),
                _ => None,
            },
        },
    }
}

fn masker(case: &Case) -> DataMasking {
    DataMasking::builder()
        .raise_on_missing_field(case.raise)
        .build()
}

/// The case through the Rust API: all fields located first, each node masked once.
fn run_rust(case: &Case) -> Outcome {
    let masker = masker(case);
    from_rust((|| {
        if let Some(rules) = case.rules() {
            let rules = Rules::from_json(&Value::Object(rules.clone()))?;
            let out = masker.erase_by_rules_detailed(&case.input, &rules)?;
            return Ok((out.value, out.missing));
        }
        let mask = Mask::from_options(&case.options)?;
        match &case.fields {
            None => Ok((masker.erase_all(&case.input, &mask), Vec::new())),
            Some(fields) => {
                let fields = Fields::parse(fields)?;
                let out = masker.erase_detailed(&case.input, &fields, &mask)?;
                Ok((out.value, out.missing))
            }
        }
    })())
}

// ---------------------------------------------------------------------------------------------
// Rules for the documented differences
// ---------------------------------------------------------------------------------------------

/// The nodes an expression selects: each one's location and value.
type Located<'v> = Vec<(Vec<Seg>, &'v Value)>;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Name(String),
    Index(usize),
}

/// Each field (or rule path) of the case: its text, and the expression that selects it (a rule
/// path is relative to the root).
fn expressions(case: &Case) -> Vec<(String, String)> {
    match (case.rules(), &case.fields) {
        (Some(rules), _) => rules
            .keys()
            .map(|p| (p.clone(), format!("$.{p}")))
            .collect(),
        (None, Some(fields)) => fields.iter().map(|f| (f.clone(), f.clone())).collect(),
        (None, None) => Vec::new(),
    }
}

/// Where `expr` selects in `value`, with the value there; `None` when it does not parse.
fn locate_in<'v>(expr: &str, value: &'v Value) -> Option<Located<'v>> {
    let field = Field::parse(expr).ok()?;
    Some(
        field
            .path()
            .query_located(value)
            .into_iter()
            .map(|n| {
                let loc = n
                    .location()
                    .iter()
                    .map(|e| match e {
                        PathElement::Name(s) => Seg::Name((*s).to_owned()),
                        PathElement::Index(i) => Seg::Index(*i),
                    })
                    .collect();
                (loc, n.node())
            })
            .collect(),
    )
}

/// Where each field (or rule path) selects on the input, with the value there.
fn locate(case: &Case) -> Vec<(String, Located<'_>)> {
    expressions(case)
        .into_iter()
        .filter_map(|(name, expr)| Some((name, locate_in(&expr, &case.input)?)))
        .collect()
}

/// (a) a field whose last segment is a filter selects members of an object.
fn filter_over_object_members(case: &Case) -> bool {
    locate(case).iter().any(|(expr, nodes)| {
        last_segment_is_filter(expr)
            && nodes
                .iter()
                .any(|(loc, _)| matches!(loc.last(), Some(Seg::Name(_))))
    })
}

fn last_segment_is_filter(expr: &str) -> bool {
    let expr = expr.trim_end();
    expr.ends_with(")]")
        && expr
            .rfind("[?")
            .is_some_and(|at| !expr[at..expr.len() - 1].contains(']'))
}

/// (b) the root is selected.
fn selects_root(case: &Case) -> bool {
    locate(case)
        .iter()
        .any(|(_, nodes)| nodes.iter().any(|(loc, _)| loc.is_empty()))
}

/// (c) a node is selected twice, or inside another selected node, or a field selects other nodes
/// once the fields before it have been masked (Powertools locates each field on the partly
/// masked data; we locate all on the input).
fn overlapping_or_order_dependent(case: &Case) -> bool {
    let all: Vec<Vec<Seg>> = locate(case)
        .into_iter()
        .flat_map(|(_, nodes)| nodes.into_iter().map(|(loc, _)| loc))
        .collect();
    let overlap = all.iter().enumerate().any(|(i, a)| {
        all.iter()
            .enumerate()
            .any(|(j, b)| i != j && b.starts_with(a))
    });
    overlap || relocates_after_masking(case)
}

/// Masks the fields one at a time (with our engine) and says whether a field then selects other
/// nodes than it does on the input.
fn relocates_after_masking(case: &Case) -> bool {
    let lenient = DataMasking::builder().raise_on_missing_field(false).build();
    let mask = Mask::from_options(&case.options).unwrap_or_default();
    let mut value = case.input.clone();
    for (k, (name, expr)) in expressions(case).into_iter().enumerate() {
        let paths = |v: &Value| {
            locate_in(&expr, v)
                .map(|nodes| nodes.into_iter().map(|(loc, _)| loc).collect::<Vec<_>>())
        };
        if k > 0 && paths(&value) != paths(&case.input) {
            return true;
        }
        let masked = match case.rules() {
            Some(rules) => Rules::from_json(&json!({ name.clone(): rules[&name] }))
                .and_then(|one| lenient.erase_by_rules(&value, &one)),
            None => lenient.erase_with(&value, &[&expr], &mask),
        };
        match masked {
            Ok(v) => value = v,
            Err(_) => return false,
        }
    }
    false
}

/// (d) a number whose text Python and we write differently: an integer beyond 64 bits (serde_json
/// holds it as a float). The generator writes only numbers serde_json holds exactly, so this never
/// applies to generated cases; it is here so that a new generator cannot silently trip on it.
fn number_beyond_64_bits(case: &Case) -> bool {
    fn walk(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.as_i64().is_none() && n.as_u64().is_none() && !n.is_f64(),
            Value::Array(a) => a.iter().any(walk),
            Value::Object(m) => m.values().any(walk),
            _ => false,
        }
    }
    walk(&case.input)
}

/// (e) a masking rule with a non-default mask selects a list or an object.
fn rule_masks_container(case: &Case) -> bool {
    let Some(rules) = case.rules() else {
        return false;
    };
    locate(case).iter().any(|(path, nodes)| {
        let non_default = rules
            .get(path)
            .and_then(|o| Mask::from_options(o).ok())
            .is_some_and(|m| !matches!(m, Mask::Default));
        non_default && nodes.iter().any(|(_, v)| v.is_array() || v.is_object())
    })
}

/// The documented difference that explains why `case` differs, if any.
fn known_difference(case: &Case) -> Option<&'static str> {
    if filter_over_object_members(case) {
        Some("(a) filter over object members")
    } else if selects_root(case) {
        Some("(b) root")
    } else if overlapping_or_order_dependent(case) {
        Some("(c) overlapping or order-dependent fields")
    } else if number_beyond_64_bits(case) {
        Some("(d) number beyond 64 bits")
    } else if rule_masks_container(case) {
        Some("(e) masking rule on a container")
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn erase_agrees_with_powertools() {
    let Some(python) = python() else {
        return;
    };
    let seed = env_number("DATA_MASKING_DIFF_SEED", SEED);
    let records = usize::try_from(env_number("DATA_MASKING_DIFF_CASES", RECORDS as u64))
        .expect("a case count");
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
    };
    let cases: Vec<Case> = (0..records).map(|_| g.case()).collect();
    let input = Value::Array(cases.iter().map(Case::to_json).collect());

    let answers = run_python_json(&python, &py_script("erase_oracle.py"), &input);
    if let Some(dump) = std::env::var_os("DATA_MASKING_DIFF_DUMP") {
        let both = json!({"cases": input, "answers": answers});
        std::fs::write(&dump, both.to_string()).expect("write the dump");
    }
    let answers = answers.as_array().expect("the oracle answers a list");
    assert_eq!(answers.len(), cases.len(), "one answer per case");

    let mut agreed = 0;
    let mut excused: BTreeMap<&str, usize> = BTreeMap::new();
    let mut errors_agreed = 0;
    let mut failures = Vec::new();
    for (i, (case, answer)) in cases.iter().zip(answers).enumerate() {
        let py = from_python(answer);
        let rust = run_rust(case);
        if py == rust {
            agreed += 1;
            if matches!(py, Outcome::Err { .. }) {
                errors_agreed += 1;
            }
            continue;
        }
        if let Some(rule) = known_difference(case) {
            *excused.entry(rule).or_default() += 1;
            continue;
        }
        failures.push(format!(
            "case {i}: {}\n  python: {}\n  rust:   {}",
            case.to_json(),
            describe(&py),
            describe(&rust)
        ));
    }
    eprintln!(
        "erase differential (seed {seed:#x}): {} cases, {agreed} agreed ({errors_agreed} of them \
         errors), excused by rule: {excused:?}, unexplained: {}",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} case(s) differ from Powertools with no documented reason:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        agreed >= MIN_COMPARED.min(records * 2 / 3),
        "only {agreed} cases were compared and agreed; the generator drifted off the common ground"
    );
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Ok { value, missing } => format!("ok {value} missing {missing:?}"),
        Outcome::Err { kind, field } => format!("error {kind} {field:?}"),
    }
}

/// The generator is deterministic: the same seed gives the same cases.
#[test]
fn generator_is_reproducible() {
    let make = || {
        let mut g = Gen {
            rng: ChaCha8Rng::seed_from_u64(SEED),
        };
        (0..20).map(|_| g.case().to_json()).collect::<Vec<Value>>()
    };
    assert_eq!(make(), make());
}

/// Each rule recognises the situation it is meant for.
#[test]
fn difference_rules_recognise_their_situation() {
    let case = |input: Value, fields: &[&str], options: Value| Case {
        input,
        fields: Some(fields.iter().map(|f| (*f).to_owned()).collect()),
        options,
        raise: true,
    };
    let store = json!({"store": {"book": {"x": 8}, "bike": {"x": 1}}, "l": [{"x": 9}]});
    assert!(filter_over_object_members(&case(
        store.clone(),
        &["store[?(@.x > 5)]"],
        json!({})
    )));
    assert!(!filter_over_object_members(&case(
        store.clone(),
        &["store[?(@.x > 5)].x"],
        json!({})
    )));
    assert!(!filter_over_object_members(&case(
        store.clone(),
        &["l[?(@.x > 5)]"],
        json!({})
    )));
    assert!(selects_root(&case(store.clone(), &["$"], json!({}))));
    assert!(!selects_root(&case(store.clone(), &["store"], json!({}))));

    let twice = case(store.clone(), &["l[0]", "l[0]"], json!({}));
    assert!(overlapping_or_order_dependent(&twice));
    let nested = case(store.clone(), &["store", "store.book.x"], json!({}));
    assert!(overlapping_or_order_dependent(&nested));
    let apart = case(store.clone(), &["store.book", "l[0].x"], json!({}));
    assert!(!overlapping_or_order_dependent(&apart));
    // A filter after a field that masked what it compares: one field at a time, `y` is no longer
    // selected.
    let filter_after_mask = case(
        json!({"l": [{"x": 9, "y": "a"}]}),
        &["l[0].x", "l[?(@.x > 5)].y"],
        json!({}),
    );
    assert!(overlapping_or_order_dependent(&filter_after_mask));
    let filter_first = case(
        json!({"l": [{"x": 9, "y": "a"}]}),
        &["l[?(@.x > 5)].y", "l[0].x"],
        json!({}),
    );
    assert!(!overlapping_or_order_dependent(&filter_first));

    let rules = |r: Value| Case {
        input: json!({"tags": ["a", "b"], "n": "x"}),
        fields: None,
        options: json!({ "masking_rules": r }),
        raise: true,
    };
    assert!(rule_masks_container(&rules(
        json!({"tags": {"dynamic_mask": true}})
    )));
    assert!(!rule_masks_container(&rules(json!({"tags": {}}))));
    assert!(!rule_masks_container(&rules(
        json!({"n": {"dynamic_mask": true}})
    )));
}
