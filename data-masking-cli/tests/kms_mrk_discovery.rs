//! `decrypt --kms-discovery --discovery-region REGION`: the multi-Region-aware discovery keyring
//! bound to one Region, run as a process against the KMS endpoint the test command starts (moto
//! on loopback), through a proxy that records each KMS request: its operation, the Region it is
//! signed for (the Region that serves it) and its `KeyId`. Without `AWS_ENDPOINT_URL`, the
//! endpoint test prints a note and returns; the argument checks always run.
//!
//! Every answer is moto's (the proxy only records): the test command starts moto through
//! `tests/py/moto_server.py`, which gives multi-Region keys AWS's ids, so moto decrypts their
//! ciphertexts, a primary's through its replica in another Region too (see
//! `data-masking-kms/tests/mrk.rs`).

mod common;

use assert_cmd::assert::Assert;
use common::{Proxy, TENANT_CARD, call, calls, cli, cmd, discovery_filter, stdout, stdout_json};
use predicates::prelude::*;
use serde_json::Value;

const RECORD: &str = r#"{"name":"Jo","card":"4111 1111 1111 1111"}"#;
const PRIMARY_REGION: &str = "us-east-1";
const REPLICA_REGION: &str = "us-west-2";

/// The endpoint, a single-Region key, a multi-Region key and its replica (all created there,
/// the keys in us-east-1, the replica in us-west-2); `None` (after a note) without an endpoint.
fn keys() -> Option<(String, String, String, String)> {
    let endpoint = common::endpoint()?;
    let single = common::create_key(Some(PRIMARY_REGION));
    let (primary, replica) = common::create_replicated_key(PRIMARY_REGION, REPLICA_REGION);
    Some((endpoint, single, primary, replica))
}

/// The binary with `args` for the record's card, through the proxy, `region` configured.
fn through(proxy: &Proxy, region: &str, args: &[&str], input: &str) -> Assert {
    cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_REGION", region)
        .args(args)
        .args(TENANT_CARD)
        .write_stdin(input)
        .assert()
}

/// `encrypt --kms-key key` of the record's card through the proxy.
fn encrypt(proxy: &Proxy, key: &str) -> String {
    let out = through(
        proxy,
        PRIMARY_REGION,
        &["encrypt", "--kms-key", key],
        RECORD,
    )
    .success();
    proxy.take();
    stdout(&out)
}

/// `decrypt --kms-discovery --discovery-region region` (the configured Region is the other
/// one, so that the calls' Region can only come from the option) with `extra` arguments.
fn decrypt(proxy: &Proxy, region: &str, extra: &[&str], input: &str) -> Assert {
    let configured = if region == PRIMARY_REGION {
        REPLICA_REGION
    } else {
        PRIMARY_REGION
    };
    let mut args = vec!["decrypt", "--kms-discovery", "--discovery-region", region];
    args.extend(extra);
    through(proxy, configured, &args, input)
}

/// The decrypt gave back the record, through the one KMS request: a `Decrypt` of `key` in
/// `region`.
fn decrypted_by(proxy: &Proxy, out: &Assert, region: &str, key: &str) {
    let want: Value = serde_json::from_str(RECORD).expect("JSON");
    assert_eq!(stdout_json(out), want, "{key} in {region}");
    assert_eq!(calls(&proxy.take()), [call("Decrypt", region, key)]);
}

#[test]
fn kms_discovery_bound_to_a_region_decrypts_there_only_through_the_local_replica() {
    let Some((endpoint, single, primary, replica)) = keys() else {
        return;
    };
    let account = common::account(&single);
    let filter = discovery_filter("aws", &account);
    let proxy = Proxy::start(&endpoint);

    // A single-Region key's message, read in the key's Region: one Decrypt there (moto's),
    // with the filter and the grant tokens as for --kms-discovery.
    let encrypted = encrypt(&proxy, &single);
    for extra in [&filter[..], &["--grant-token", "g1"][..]] {
        let out = decrypt(&proxy, PRIMARY_REGION, extra, &encrypted).success();
        decrypted_by(&proxy, &out, PRIMARY_REGION, &single);
    }
    // Bound to another Region: that key is not for it, refused without a KMS call, the error
    // naming the keyring and its Region.
    decrypt(&proxy, REPLICA_REGION, &filter, &encrypted)
        .code(2)
        .stderr(predicate::str::starts_with("error[decrypt-key]:"))
        .stderr(predicate::str::contains(
            "KMS multi-Region discovery keyring of us-west-2",
        ));
    assert!(
        proxy.take().is_empty(),
        "no KMS call for another Region's key"
    );
    // Another account only: refused without a KMS call.
    decrypt(
        &proxy,
        PRIMARY_REGION,
        &discovery_filter("aws", "444455556666"),
        &encrypted,
    )
    .code(2)
    .stderr(predicate::str::contains("444455556666"));
    assert!(proxy.take().is_empty(), "no KMS call outside the filter");

    // The primary's message, read in the replica's Region: one Decrypt there, naming the
    // replica, which moto decrypts with the replica's copy of the key material.
    let encrypted = encrypt(&proxy, &primary);
    let out = decrypt(&proxy, REPLICA_REGION, &filter, &encrypted).success();
    decrypted_by(&proxy, &out, REPLICA_REGION, &replica);
    // Without --discovery-region, --kms-discovery names the primary, in its Region.
    let unbound = ["decrypt", "--kms-discovery"];
    let out = through(&proxy, REPLICA_REGION, &unbound, &encrypted).success();
    decrypted_by(&proxy, &out, PRIMARY_REGION, &primary);
    // The replica's own message, read in the primary's Region: through the primary there.
    let encrypted = encrypt(&proxy, &replica);
    let out = decrypt(&proxy, PRIMARY_REGION, &filter, &encrypted).success();
    decrypted_by(&proxy, &out, PRIMARY_REGION, &primary);
}

#[test]
fn discovery_region_is_checked_before_any_kms_call() {
    // It needs --kms-discovery.
    cli("decrypt --discovery-region us-west-2", RECORD)
        .code(2)
        .stderr(predicate::str::contains("--kms-discovery"));
    // A Region that is not one (it would make another host name) is refused.
    for bad in ["evil.example/x", "US-WEST-2", ""] {
        cmd()
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .args(["decrypt", "--kms-discovery", "--discovery-region", bad])
            .args(["-c", "tenant=acme"])
            .write_stdin("\"AYAA\"")
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error[config]:"))
            .stderr(predicate::str::contains("is not an AWS Region"));
    }
    // Discovery only decrypts, bound to a Region or not.
    cli(
        "encrypt --kms-discovery --discovery-region us-west-2 -c tenant=acme",
        RECORD,
    )
    .failure()
    .stderr(predicate::str::contains("--kms-discovery only decrypts"));
}
