//! Unseals structured edits of one sealed record: never a panic, and `unseal` succeeds exactly
//! when the edit left every protected part of the record as it was, giving back the record as
//! the edit left it with the encrypted values in place of their placeholders.
//!
//! The record is sealed once (suite 0x0478, raw AES key). Each input is read as a list of edits
//! of the sealed record (swap two subtrees, move or copy a placeholder, replace, delete, add or
//! rename a member or element, wrap or unwrap a node, change a signed value, edit the sealed
//! message, splice bytes of the input into the record's JSON text). The oracle (see the README)
//! recomputes, without the library, what the edited record must satisfy to unseal:
//!
//! 1. the message member is a string that is the original message, up to surrounding white
//!    space;
//! 2. the bound field locates one string, number or boolean with the original context value;
//! 3. the signed fields locate the nodes at the same locations as in the sealed record, each
//!    with the same RFC 8785 form;
//! 4. the objects holding a placeholder member are exactly the sealed record's placeholders,
//!    each where it was and unchanged.
//!
//! When all four hold, `unseal` must return the edited record without its message member and
//! with the original encrypted values in place of the placeholders; otherwise it must fail,
//! with `record-tampered` when 1 and 2 hold, or `context-mismatch` when only the bound value
//! differs.

#![no_main]

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use data_masking::keys::RawAesKeyring;
use data_masking::path::Field;
use data_masking::{
    AlgorithmSuite, DEFAULT_SEAL_MEMBER, DataMasking, EncryptionContext, Encryptor,
    PLACEHOLDER_KEY, Seal,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

const ENCRYPT: [&str; 4] = ["email", "ssn", "address.postcode", "orders[*].card"];
/// Distinct first members, so the nodes of two of them never nest; `$..nickname` locates
/// nothing in the record, so a `nickname` added anywhere is an added signed value (or a change
/// of the signed `address`).
const SIGN: [&str; 4] = ["status", "orders[*].total", "address", "$..nickname"];
const BIND: (&str, &str) = ("customer", "id");

/// Member names the edits use, beside names taken from the input.
const KEYS: [&str; 18] = [
    "email",
    "ssn",
    "card",
    "total",
    "status",
    "id",
    "name",
    "address",
    "postcode",
    "street",
    "orders",
    "nickname",
    "meta",
    PLACEHOLDER_KEY,
    DEFAULT_SEAL_MEMBER,
    "",
    "0",
    "x",
];

/// White space around the message (`\u{feff}` is not white space).
const SPACES: [&str; 6] = [" ", "\n", "\t", "\u{a0}", "\u{3000}", "\u{feff}"];

/// One step of a location.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Idx(usize),
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    masker: DataMasking,
    seal: Seal,
    ctx: EncryptionContext,
    record: Value,
    sealed: Value,
    /// The sealed message, as the record holds it.
    message: String,
    /// Each encrypted node: its steps, its normalized path and its value in the record.
    encrypted: Vec<(Vec<Seg>, String, Value)>,
    sign: Vec<Field>,
    bind: Field,
    /// The RFC 8785 form of each signed node of the sealed record, by normalized path.
    signed: BTreeMap<String, Vec<u8>>,
    /// The context value the bound field gave.
    bound: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let masker = DataMasking::builder()
            .encryptor(
                Encryptor::builder(RawAesKeyring::new("fuzz", "key", &[0x42; 32]).expect("key"))
                    .algorithm_suite(AlgorithmSuite::from_id(0x0478).expect("suite"))
                    .build()
                    .expect("encryptor"),
            )
            .build();
        let seal = Seal::builder()
            .encrypt(ENCRYPT)
            .sign(SIGN)
            .bind(BIND.0, BIND.1)
            .build()
            .expect("seal");
        let ctx = EncryptionContext::new([("tenant", "acme")]).expect("context");
        let record = json!({
            "id": "c-42",
            "name": "Jo",
            "email": "jo@example.com",
            "ssn": "123-45-6789",
            "status": "active",
            "address": {"street": "Main", "postcode": "12345", "city": "Oslo"},
            "orders": [
                {"id": 1, "card": "4111 1111 1111 1111", "total": 10.5, "items": ["a", "b"]},
                {"id": 2, "card": "5500 0000 0000 0004", "total": 99},
                {"id": 3, "card": {"brand": "visa", "last4": [0, 0, 0, 4]}, "total": 0}
            ],
            "tags": ["x", "y"],
            "meta": {"source": "web", "n": null, "it's": "\u{1}"}
        });
        let sealed = rt
            .block_on(masker.seal(&record, &seal, &ctx))
            .expect("seal");
        let message = sealed[DEFAULT_SEAL_MEMBER]
            .as_str()
            .expect("message")
            .to_owned();
        let rest = without_message(&sealed).expect("an object");
        let mut encrypted = Vec::new();
        walk(&rest, &mut Vec::new(), &mut |v, at| {
            if has_placeholder_key(v) {
                let location = normalized(at);
                assert_eq!(*v, placeholder(&location), "a placeholder of the seal");
                let value = get(&record, at).expect("the sealed location").clone();
                encrypted.push((at.to_vec(), location, value));
            }
            true
        });
        assert_eq!(
            encrypted.len(),
            6,
            "every encrypted value has a placeholder"
        );
        let sign: Vec<Field> = SIGN
            .iter()
            .map(|f| Field::parse(f).expect("field"))
            .collect();
        let signed = signed_nodes(&rest, &sign)
            .into_iter()
            .map(|(l, v)| (l, serde_jcs::to_vec(v).expect("canonical")))
            .collect::<BTreeMap<_, _>>();
        assert_eq!(signed.len(), 5, "status, three totals, address");
        let bind = Field::parse(BIND.1).expect("field");
        let bound = bound_value(&rest, &bind).expect("bound");
        let f = Fixture {
            rt,
            masker,
            seal,
            ctx,
            record,
            sealed,
            message,
            encrypted,
            sign,
            bind,
            signed,
            bound,
        };
        assert_eq!(f.unseal(&f.sealed).expect("unseal"), f.record);
        f
    })
}

impl Fixture {
    fn unseal(&self, v: &Value) -> data_masking::Result<Value> {
        self.rt
            .block_on(self.masker.unseal(v, &self.seal, &self.ctx))
    }
}

/// The normalized path (RFC 9535, section 2.7) of `at`.
fn normalized(at: &[Seg]) -> String {
    let mut out = String::from("$");
    for s in at {
        match s {
            Seg::Idx(i) => {
                let _ = write!(out, "[{i}]");
            }
            Seg::Key(k) => {
                out.push_str("['");
                for c in k.chars() {
                    match c {
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if u32::from(c) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", u32::from(c));
                        }
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

/// Calls `f` with every node in document order and its steps; `false` skips the node's children.
fn walk(v: &Value, at: &mut Vec<Seg>, f: &mut impl FnMut(&Value, &[Seg]) -> bool) {
    if !f(v, at) {
        return;
    }
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Seg::Idx(i));
                walk(x, at, f);
                at.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                at.push(Seg::Key(k.clone()));
                walk(x, at, f);
                at.pop();
            }
        }
        _ => {}
    }
}

fn get<'v>(v: &'v Value, at: &[Seg]) -> Option<&'v Value> {
    at.iter().try_fold(v, |v, s| match (s, v) {
        (Seg::Key(k), Value::Object(o)) => o.get(k),
        (Seg::Idx(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

fn get_mut<'v>(v: &'v mut Value, at: &[Seg]) -> Option<&'v mut Value> {
    at.iter().try_fold(v, |v, s| match (s, v) {
        (Seg::Key(k), Value::Object(o)) => o.get_mut(k),
        (Seg::Idx(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

/// Takes the node at `at` out of its parent (not the root).
fn remove(v: &mut Value, at: &[Seg]) -> Option<Value> {
    let (last, parent) = at.split_last()?;
    match (last, get_mut(v, parent)?) {
        (Seg::Key(k), Value::Object(o)) => o.remove(k),
        (Seg::Idx(i), Value::Array(a)) if *i < a.len() => Some(a.remove(*i)),
        _ => None,
    }
}

fn has_placeholder_key(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.contains_key(PLACEHOLDER_KEY))
}

fn placeholder(location: &str) -> Value {
    json!({ PLACEHOLDER_KEY: location })
}

/// The record without its message member, if it is an object.
fn without_message(v: &Value) -> Option<Value> {
    let mut o: Map<String, Value> = v.as_object()?.clone();
    o.remove(DEFAULT_SEAL_MEMBER);
    Some(Value::Object(o))
}

/// The outermost nodes the fields locate, by normalized path (located by `serde_json_path`).
fn signed_nodes<'v>(v: &'v Value, fields: &[Field]) -> BTreeMap<String, &'v Value> {
    let located: HashSet<*const Value> = fields
        .iter()
        .flat_map(|f| f.path().query(v).all())
        .map(std::ptr::from_ref)
        .collect();
    let mut out = BTreeMap::new();
    walk_refs(v, &mut Vec::new(), &mut |node, at| {
        if located.contains(&std::ptr::from_ref(node)) {
            out.insert(normalized(at), node);
            return false;
        }
        true
    });
    out
}

/// [`walk`] with the nodes' lifetime.
fn walk_refs<'v>(v: &'v Value, at: &mut Vec<Seg>, f: &mut impl FnMut(&'v Value, &[Seg]) -> bool) {
    if !f(v, at) {
        return;
    }
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                at.push(Seg::Idx(i));
                walk_refs(x, at, f);
                at.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                at.push(Seg::Key(k.clone()));
                walk_refs(x, at, f);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The context value of the one string, number or boolean `field` locates.
fn bound_value(v: &Value, field: &Field) -> Option<String> {
    let nodes = field.path().query(v).all();
    match nodes.as_slice() {
        [Value::String(s)] => Some(s.clone()),
        [n @ (Value::Number(_) | Value::Bool(_))] => Some(n.to_string()),
        _ => None,
    }
}

/// What unsealing `edited` must give: the expected record, or why it must fail.
enum Expect {
    Record(Value),
    /// The message is intact, the bound field locates no single scalar or the binding is
    /// intact: only `record-tampered`.
    Tampered,
    /// The message is intact, the bound value differs: `context-mismatch`.
    ContextMismatch,
    /// Anything but success.
    Failure,
}

fn expect(f: &Fixture, edited: &Value) -> Expect {
    let Some(rest) = without_message(edited) else {
        return Expect::Failure;
    };
    let message_intact = matches!(
        edited.get(DEFAULT_SEAL_MEMBER),
        Some(Value::String(s)) if s.trim() == f.message
    );
    if !message_intact {
        return Expect::Failure;
    }
    match bound_value(&rest, &f.bind) {
        None => return Expect::Tampered,
        Some(b) if b != f.bound => return Expect::ContextMismatch,
        Some(_) => {}
    }
    if !signed_ok(f, &rest) || !placeholders_ok(f, &rest) {
        return Expect::Tampered;
    }
    let mut out = rest;
    for (at, _, value) in &f.encrypted {
        *get_mut(&mut out, at).expect("a placeholder's place") = value.clone();
    }
    Expect::Record(out)
}

/// The signed fields locate the same places, with the same canonical values.
fn signed_ok(f: &Fixture, rest: &Value) -> bool {
    let now = signed_nodes(rest, &f.sign);
    now.len() == f.signed.len()
        && now.iter().all(|(l, v)| {
            f.signed
                .get(l)
                .is_some_and(|c| serde_jcs::to_vec(*v).is_ok_and(|n| n == *c))
        })
}

/// The objects with a placeholder member are the seal's placeholders, each where it was.
fn placeholders_ok(f: &Fixture, rest: &Value) -> bool {
    let mut found = Vec::new();
    walk(rest, &mut Vec::new(), &mut |v, at| {
        if has_placeholder_key(v) {
            found.push((normalized(at), v.clone()));
        }
        true
    });
    found.len() == f.encrypted.len()
        && found.iter().all(|(l, v)| {
            *v == placeholder(l) && f.encrypted.iter().any(|(_, location, _)| location == l)
        })
}

/// The fuzz input, read as choices.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// A number below `n` (one byte, or two when `n` > 256).
    fn below(&mut self, n: usize) -> Option<usize> {
        if n == 0 {
            return None;
        }
        let hi = self.byte()?;
        let x = if n > 256 {
            usize::from(u16::from_be_bytes([hi, self.byte()?]))
        } else {
            usize::from(hi)
        };
        Some(x % n)
    }

    /// Up to 63 bytes of the input.
    fn chunk(&mut self) -> Option<&'a [u8]> {
        let n = usize::from(self.byte()? % 64).min(self.0.len());
        let (c, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(c)
    }

    fn text(&mut self) -> Option<String> {
        Some(String::from_utf8_lossy(self.chunk()?).into_owned())
    }

    fn key(&mut self) -> Option<String> {
        let b = usize::from(self.byte()?);
        if b < 4 * KEYS.len() {
            Some(KEYS[b % KEYS.len()].to_owned())
        } else {
            self.text()
        }
    }

    /// A node of `v`, by its steps (the root first, then document order).
    fn node(&mut self, v: &Value) -> Option<Vec<Seg>> {
        let mut all = Vec::new();
        walk(v, &mut Vec::new(), &mut |_, at| {
            all.push(at.to_vec());
            true
        });
        let i = self.below(all.len())?;
        Some(all.swap_remove(i))
    }

    /// An object or array of `v`.
    fn container(&mut self, v: &Value) -> Option<Vec<Seg>> {
        let mut all = Vec::new();
        walk(v, &mut Vec::new(), &mut |x, at| {
            if x.is_object() || x.is_array() {
                all.push(at.to_vec());
            }
            true
        });
        let i = self.below(all.len())?;
        Some(all.swap_remove(i))
    }

    /// A value: a node of the edited record or of the plain record, JSON read from the input,
    /// or one of a few chosen values.
    fn value(&mut self, edited: &Value, f: &Fixture) -> Option<Value> {
        Some(match self.byte()? % 5 {
            0 => get(edited, &self.node(edited)?)?.clone(),
            1 => get(&f.record, &self.node(&f.record)?)?.clone(),
            2 => {
                let c = self.chunk()?;
                serde_json::from_slice(c)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(c).into_owned()))
            }
            3 => placeholder(&f.encrypted[self.below(f.encrypted.len())?].1),
            _ => [
                json!(null),
                json!(true),
                json!(0),
                json!(-0.0),
                json!(1),
                json!(10.5),
                json!(99.0),
                json!(""),
                json!("c-42"),
                json!("active"),
                json!([]),
                json!({}),
                json!({ PLACEHOLDER_KEY: 1 }),
            ][self.below(13)?]
            .clone(),
        })
    }

    /// Puts `x` into the container at `at` (a member named from the input, or an element).
    fn put(&mut self, v: &mut Value, at: &[Seg], x: Value) -> Option<()> {
        match get_mut(v, at)? {
            Value::Object(o) => {
                let k = self.key()?;
                o.insert(k, x);
            }
            Value::Array(a) => {
                let i = self.below(a.len() + 1)?;
                a.insert(i, x);
            }
            _ => return None,
        }
        Some(())
    }
}

/// One edit of `v`; `None` when the input ran out (or the edit does not apply).
fn edit(input: &mut Input<'_>, v: &mut Value, f: &Fixture) -> Option<()> {
    match input.byte()? % 12 {
        // Swap two subtrees (neither inside the other).
        0 => {
            let (a, b) = (input.node(v)?, input.node(v)?);
            if a.starts_with(&b) || b.starts_with(&a) {
                return Some(());
            }
            let (x, y) = (get(v, &a)?.clone(), get(v, &b)?.clone());
            *get_mut(v, &a)? = y;
            *get_mut(v, &b)? = x;
        }
        // Move a placeholder (or any object holding the placeholder member) elsewhere.
        1 => {
            let mut all = Vec::new();
            walk(v, &mut Vec::new(), &mut |x, at| {
                if has_placeholder_key(x) && !at.is_empty() {
                    all.push(at.to_vec());
                }
                true
            });
            if all.is_empty() {
                return Some(());
            }
            let from = all.swap_remove(input.below(all.len())?);
            let p = remove(v, &from)?;
            let to = input.container(v)?;
            input.put(v, &to, p)?;
        }
        // Replace a node.
        2 => {
            let at = input.node(v)?;
            let x = input.value(v, f)?;
            *get_mut(v, &at)? = x;
        }
        // Delete a member or an element.
        3 => {
            let at = input.node(v)?;
            remove(v, &at);
        }
        // Add a member or an element.
        4 => {
            let at = input.container(v)?;
            let x = input.value(v, f)?;
            input.put(v, &at, x)?;
        }
        // Edit the message.
        5 => {
            let Some(Value::String(m)) = v.get_mut(DEFAULT_SEAL_MEMBER) else {
                return Some(());
            };
            let mut bytes = std::mem::take(m).into_bytes();
            match input.byte()? % 5 {
                0 => {
                    let i = input.below(bytes.len())?;
                    bytes[i] ^= input.byte()?.max(1);
                }
                1 => bytes.truncate(input.below(bytes.len() + 1)?),
                2 => {
                    let s = SPACES[input.below(SPACES.len())?].as_bytes();
                    if input.byte()? & 1 == 0 {
                        bytes.splice(0..0, s.iter().copied());
                    } else {
                        bytes.extend_from_slice(s);
                    }
                }
                3 => {
                    let i = input.below(bytes.len() + 1)?;
                    let c = input.chunk()?;
                    bytes.splice(i..i, c.iter().copied());
                }
                _ => bytes = input.chunk()?.to_vec(),
            }
            *m = String::from_utf8_lossy(&bytes).into_owned();
        }
        // Change a signed node: respell a number, change it a little, or replace it.
        6 => {
            let mut located = Vec::new();
            let rest = without_message(v)?;
            let nodes = signed_nodes(&rest, &f.sign);
            walk(&rest, &mut Vec::new(), &mut |_, at| {
                if nodes.contains_key(&normalized(at)) {
                    located.push(at.to_vec());
                }
                true
            });
            if located.is_empty() {
                return Some(());
            }
            let at = located.swap_remove(input.below(located.len())?);
            let how = input.byte()? % 3;
            let x = if how == 2 {
                input.value(v, f)?
            } else {
                let mut x = get(v, &at)?.clone();
                change(&mut x, how == 0);
                x
            };
            *get_mut(v, &at)? = x;
        }
        // Splice input bytes into the record's JSON text.
        7 => {
            let text = v.to_string();
            let mut start = input.below(text.len() + 1)?;
            let mut end = start + input.below(33)?;
            end = end.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let spliced = format!("{}{}{}", &text[..start], input.text()?, &text[end..]);
            if let Ok(x) = serde_json::from_str(&spliced) {
                *v = x;
            }
        }
        // Rename a member.
        8 => {
            let at = input.node(v)?;
            if !matches!(at.last(), Some(Seg::Key(_))) {
                return Some(());
            }
            let x = remove(v, &at)?;
            let mut parent = at;
            parent.pop();
            let k = input.key()?;
            get_mut(v, &parent)?.as_object_mut()?.insert(k, x);
        }
        // Wrap a node in an array or an object, or unwrap a container's only child.
        9 => {
            let at = input.node(v)?;
            let node = get_mut(v, &at)?;
            let x = std::mem::take(node);
            *node = match (input.byte()? % 3, x) {
                (0, x) => json!([x]),
                (1, x) => json!({ input.key()?: x }),
                (_, Value::Array(mut a)) if a.len() == 1 => a.pop()?,
                (_, Value::Object(o)) if o.len() == 1 => o.into_iter().next()?.1,
                (_, x) => x,
            };
        }
        // Copy a subtree to another place.
        10 => {
            let from = input.node(v)?;
            let x = get(v, &from)?.clone();
            let to = input.container(v)?;
            input.put(v, &to, x)?;
        }
        // Put back, at a placeholder's place, the plain value (or the plain node of the record
        // at some place).
        _ => {
            let at = if input.byte()? & 1 == 0 {
                f.encrypted[input.below(f.encrypted.len())?].0.clone()
            } else {
                input.node(&f.record)?
            };
            let x = get(&f.record, &at)?.clone();
            *get_mut(v, &at)? = x;
        }
    }
    Some(())
}

/// Respells a number with the same value (`respell`), or changes `x` a little.
fn change(x: &mut Value, respell: bool) {
    match x {
        Value::Number(n) if respell => {
            if let Some(i) = n.as_i64() {
                #[allow(clippy::cast_precision_loss)]
                let f = i as f64;
                *x = json!(f);
            } else if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 1e15
            {
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *x = json!(i);
            }
        }
        Value::Number(n) => *x = json!(n.as_f64().unwrap_or(0.0) + 1.0),
        Value::String(s) => s.push('!'),
        Value::Bool(b) => *b = !*b,
        Value::Null => *x = json!(0),
        Value::Array(a) => a.push(Value::Null),
        Value::Object(o) => {
            o.insert("x".into(), Value::Null);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let mut input = Input(data);
    let mut edited = f.sealed.clone();
    for _ in 0..16 {
        if edit(&mut input, &mut edited, f).is_none() || edited.to_string().len() > 1 << 15 {
            break;
        }
    }
    let result = f.unseal(&edited);
    match (expect(f, &edited), result) {
        (Expect::Record(want), Ok(got)) => assert_eq!(got, want, "{edited}"),
        (Expect::Record(_), Err(e)) => panic!("an intact record was refused: {e}\n{edited}"),
        (_, Ok(got)) => panic!("a tampered record unsealed: {edited}\nto {got}"),
        (Expect::Tampered, Err(e)) => assert_eq!(e.kind(), "record-tampered", "{e}\n{edited}"),
        (Expect::ContextMismatch, Err(e)) => {
            assert_eq!(e.kind(), "context-mismatch", "{e}\n{edited}");
        }
        (Expect::Failure, Err(e)) => assert!(
            [
                "record-tampered",
                "context-mismatch",
                "decrypt-value",
                "decrypt-key",
                "unsupported-type",
            ]
            .contains(&e.kind()),
            "{e}\n{edited}"
        ),
    }
});
