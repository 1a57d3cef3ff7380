//! The official required-encryption-context vectors of
//! `tests/data/vectors/official/vectors_more.json` (made by ESDK-NET and the Dafny ESDK with the
//! required-encryption-context CMM, over raw AES and raw RSA keys) through `data-masking
//! decrypt --raw`, the context given with `-c` pairs: the stored pairs and the required ones
//! (which the message authenticates but does not hold) together. Each message that must
//! decrypt gives exactly its plaintext bytes; each that must be refused fails with exit code 2
//! and one `error[...]` line. Then each vector's maker-reproduced context and every listed
//! check (a required pair missing or wrong, the stored pairs only, an extra pair, a stored pair
//! missing, tampered bits, wrong keys and paddings, two-key messages with each key, the legacy
//! flag left out). `data-masking/tests/required_context.rs` runs the same vectors through the
//! library.

mod common;

use common::{Run, check, pairs, plaintext, strings, vector_run};
use serde_json::Value;

/// The required-context vectors, their reproduced contexts and their checks, with the count of
/// each check kind.
fn runs(all: &Value) -> (Vec<Run>, std::collections::BTreeMap<String, usize>) {
    let mut out = Vec::new();
    let mut kinds = std::collections::BTreeMap::new();
    for v in all["vectors"].as_array().expect("vectors") {
        let group = v["group"].as_str().expect("group");
        if !group.starts_with("required-ec-") {
            continue;
        }
        let base = vector_run(v, (v["expect"] == "ok").then(|| plaintext(all, v)));
        let variant = |what: &str| Run {
            what: format!("{} [{what}]", base.what),
            ..base.clone()
        };
        if base.expect.is_some() {
            // The maker's own reproduced context: the whole context, or for some Dafny vectors
            // the required pairs only, which decrypt's exact-match rule refuses.
            let mut run = variant("reproduced_context");
            run.context = pairs(&v["reproduced_context"]);
            let mut mine = run.context.clone();
            let mut whole = base.context.clone();
            mine.sort();
            whole.sort();
            if mine != whole {
                run.expect = None;
                run.error = Some("error[context-mismatch]");
            }
            out.push(run);
        }
        for c in v["checks"].as_array().into_iter().flatten() {
            let kind = c["kind"].as_str().expect("kind");
            *kinds.entry(kind.to_owned()).or_insert(0) += 1;
            let mut run = variant(kind);
            for f in c["flip"].as_array().into_iter().flatten() {
                let at = usize::try_from(f[0].as_u64().expect("offset")).expect("offset");
                run.message[at] ^= u8::try_from(f[1].as_u64().expect("mask")).expect("a byte");
            }
            if let Some(keys) = c.get("keys") {
                run.keys = strings(keys);
            }
            if let Some(context) = c.get("context") {
                run.context = pairs(context);
            }
            if let Some(legacy) = c.get("legacy") {
                run.legacy = legacy == true;
            }
            if c["expect"] != "ok" {
                run.expect = None;
                // With an RSA key the data key does not depend on the context: the header's
                // authentication tag is what refuses a wrong required value.
                if group == "required-ec-rsa" && kind == "required-wrong-value" {
                    run.error = Some("header authentication tag");
                }
            }
            out.push(run);
        }
        out.push(base);
    }
    (out, kinds)
}

/// A refused decrypt must exit with code 2 and one `error[...]` line, holding `run.error`.
fn refused(run: &Run) -> impl Fn(std::process::ExitStatus, &str) -> Option<String> {
    move |status, stderr| {
        let what = &run.what;
        if status.code() != Some(2) {
            return Some(format!("{what}: must be refused: {status:?}"));
        }
        if !(stderr.starts_with("error[") && stderr.lines().count() == 1) {
            return Some(format!("{what}: not one error line: {stderr}"));
        }
        match run.error {
            Some(text) if !stderr.contains(text) => {
                Some(format!("{what}: the error does not say {text:?}: {stderr}"))
            }
            _ => None,
        }
    }
}

#[test]
fn official_required_context_vectors_and_their_checks_through_the_cli() {
    let all = common::vectors_more();
    let (runs, kinds) = runs(&all);
    let vectors = runs.iter().filter(|r| !r.what.ends_with(']')).count();
    let good = runs
        .iter()
        .filter(|r| !r.what.ends_with(']') && r.expect.is_some())
        .count();
    let reproduced = runs
        .iter()
        .filter(|r| r.what.ends_with("[reproduced_context]"))
        .count();
    // 99 vectors (93 decrypt, 6 are refused), 93 reproduced contexts, 896 checks.
    assert_eq!((vectors, good, reproduced), (99, 93, 93));
    let expected = [
        ("both-keys", 11),
        ("context-extra", 93),
        ("context-missing-stored", 44),
        ("no-legacy-flag", 75),
        ("other-edk-key", 11),
        ("required-missing", 93),
        ("required-wrong-value", 93),
        ("reversed-keys", 11),
        ("stored-only", 49),
        ("tamper-body", 93),
        ("tamper-header", 93),
        ("tamper-last", 93),
        ("wrong-key", 93),
        ("wrong-padding", 44),
    ];
    assert_eq!(
        kinds,
        expected
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect()
    );
    assert_eq!(runs.len(), 99 + 93 + 896);
    // Two runs at a time: each is a process of its own.
    let (even, odd): (Vec<_>, Vec<_>) = runs.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let failures: Vec<String> = std::thread::scope(|s| {
        let halves = [even, odd].map(|half| {
            s.spawn(|| {
                half.into_iter()
                    .filter_map(|(_, r)| check(&all, r, refused(r)))
                    .collect::<Vec<_>>()
            })
        });
        halves
            .into_iter()
            .flat_map(|h| h.join().expect("a worker"))
            .collect()
    });
    common::assert_no_failures(&failures, runs.len());
}
