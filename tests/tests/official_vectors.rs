//! The official AWS Encryption SDK decrypt vectors of `tests/data/vectors/official/vectors.json`
//! (made by ESDK-NET, the Dafny ESDK and the message format V2 known-answer tests; raw AES-128
//! and AES-256 wrapping keys, all 11 suites) through the library: the 100 good ones decrypt to
//! exactly their plaintext bytes, the 23 others are refused, and every variant in each vector's
//! `checks` behaves as listed. Each decrypt goes through the cached and the uncached engine.
//! `data-masking-cli/tests/vectors.rs` runs the same cases through the command.

use std::collections::BTreeMap;

use data_masking::keys::{MultiKeyring, RawAesKeyring};
use data_masking::{CommitmentPolicy, EncryptionContext, Encryptor};
use data_masking_tests::official::{Case, Vectors};

fn keyring(vectors: &Vectors, ids: &[String]) -> MultiKeyring {
    let mut keys = ids.iter().map(|id| {
        let k = vectors.key(id);
        RawAesKeyring::new(&k.namespace, &k.name, &k.key).expect("an AES-128/192/256 key")
    });
    let first = keys.next().expect("at least one key");
    keys.fold(MultiKeyring::new(first), MultiKeyring::with)
}

/// Runs `case` through a cached and an uncached engine; a failure description, if any.
fn check(rt: &tokio::runtime::Runtime, vectors: &Vectors, case: &Case) -> Option<String> {
    let what = &case.what;
    let policy = if case.legacy {
        CommitmentPolicy::RequireEncryptAllowDecrypt
    } else {
        CommitmentPolicy::default()
    };
    let context = EncryptionContext::new(case.context.clone()).expect("context");
    for cached in [true, false] {
        let b = Encryptor::builder(keyring(vectors, &case.keys)).commitment_policy(policy);
        let e = if cached { b } else { b.no_cache() }
            .build()
            .expect("engine");
        match (
            &case.expect,
            rt.block_on(e.decrypt(&case.message, &context)),
        ) {
            (Some(want), Ok(got)) if &got == want => {}
            (Some(want), Ok(got)) => {
                return Some(format!(
                    "{what}: plaintext differs ({} bytes, want {})",
                    got.len(),
                    want.len()
                ));
            }
            (Some(_), Err(e)) => return Some(format!("{what}: must decrypt, failed: {e}")),
            (None, Ok(_)) => return Some(format!("{what}: must be refused, decrypted")),
            (None, Err(_)) => {}
        }
    }
    None
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

#[test]
fn the_100_good_vectors_decrypt_and_the_23_bad_ones_are_refused() {
    let vectors = Vectors::load();
    let cases = vectors.cases();
    let good = cases.iter().filter(|c| c.expect.is_some()).count();
    assert_eq!((cases.len(), good), (123, 100));
    let rt = rt();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(&rt, &vectors, c))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_check_of_every_vector_behaves_as_listed() {
    let vectors = Vectors::load();
    let rt = rt();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (kind, case) in vectors.checks() {
        *kinds.entry(kind).or_default() += 1;
        failures.extend(check(&rt, &vectors, &case));
    }
    assert!(
        failures.is_empty(),
        "{} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every kind of check the README lists was run.
    let expected = [
        ("context-extra", 89),
        ("context-missing", 11),
        ("no-legacy-flag", 81),
        ("reversed-keys", 22),
        ("single-key", 44),
        ("tamper-body", 100),
        ("tamper-header", 100),
        ("tamper-last", 100),
        ("wrong-key", 100),
    ];
    assert_eq!(
        kinds,
        expected
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect::<BTreeMap<_, _>>()
    );
}
