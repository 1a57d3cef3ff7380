//! `--kms-discovery` with its discovery filter (`--discovery-partition`, `--discovery-account`)
//! and `--grant-token`, run as processes against the KMS endpoint the test command starts (moto
//! on loopback), through a recording proxy that shows what each KMS request carried. Without
//! `AWS_ENDPOINT_URL`, the endpoint tests print a note and return; the argument checks always
//! run.

mod common;

use assert_cmd::assert::Assert;
use common::{Proxy, Request, TENANT_CARD, cli, cmd, discovery_filter, stdout, stdout_json};
use predicates::prelude::*;
use serde_json::{Value, json};

const RECORD: &str = r#"{"name":"Jo","card":"4111 1111 1111 1111"}"#;

/// The endpoint, a key created there, and the account id of its ARN; `None` (after a note)
/// without an endpoint.
fn kms_key() -> Option<(String, String, String)> {
    let endpoint = common::endpoint()?;
    let arn = common::create_key(None);
    let account = common::account(&arn);
    Some((endpoint, arn, account))
}

/// `(operation, KeyId, GrantTokens)` of each request.
fn summary(requests: &[Request]) -> Vec<(String, String, Value)> {
    requests
        .iter()
        .map(|r| {
            (
                r.operation.clone(),
                r.body["KeyId"].as_str().unwrap_or_default().to_owned(),
                r.body.get("GrantTokens").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// `decrypt --kms-discovery` of `input`'s card through the proxy, with `extra` arguments.
fn discover(proxy: &Proxy, extra: &[&str], input: &str) -> Assert {
    cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["decrypt", "--kms-discovery"])
        .args(extra)
        .args(TENANT_CARD)
        .write_stdin(input)
        .assert()
}

#[test]
fn kms_discovery_decrypts_within_its_filter_and_sends_the_grant_tokens() {
    let Some((endpoint, arn, account)) = kms_key() else {
        return;
    };
    let proxy = Proxy::start(&endpoint);
    let enc = cmd()
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .args(["encrypt", "--kms-key", &arn, "--grant-token", "g1"])
        .args(TENANT_CARD)
        .write_stdin(RECORD)
        .assert()
        .success();
    assert_eq!(
        summary(&proxy.take()),
        [("GenerateDataKey".into(), arn.clone(), json!(["g1"]))]
    );
    let encrypted = stdout(&enc);

    let mut extra = discovery_filter("aws", "444455556666").to_vec();
    extra.extend(["--discovery-account", &account]);
    extra.extend(["--grant-token", "g1", "--grant-token", "g2"]);
    let dec = discover(&proxy, &extra, &encrypted).success();
    assert_eq!(
        stdout_json(&dec),
        serde_json::from_str::<Value>(RECORD).expect("JSON")
    );
    assert_eq!(
        summary(&proxy.take()),
        [("Decrypt".into(), arn.clone(), json!(["g1", "g2"]))]
    );

    // Without a filter: any aws-kms key; without grant tokens: none sent.
    discover(&proxy, &[], &encrypted).success();
    assert_eq!(
        summary(&proxy.take()),
        [("Decrypt".into(), arn.clone(), Value::Null)]
    );

    // Another account's or partition's keys only: refused without a KMS call.
    for (partition, acct) in [("aws", "444455556666"), ("aws-cn", account.as_str())] {
        discover(&proxy, &discovery_filter(partition, acct), &encrypted)
            .failure()
            .stderr(predicate::str::contains("discovery keyring"));
        assert!(proxy.take().is_empty(), "no KMS call outside the filter");
    }
}

#[test]
fn kms_discovery_options_are_checked_before_any_kms_call() {
    // Discovery only decrypts.
    cli("encrypt --kms-discovery -c tenant=acme", RECORD)
        .failure()
        .stderr(predicate::str::contains("--kms-discovery only decrypts"));
    // The filter needs both its partition and an account, and --kms-discovery.
    cli(
        "decrypt --kms-discovery --discovery-account 111122223333",
        RECORD,
    )
    .code(2)
    .stderr(predicate::str::contains("--discovery-partition"));
    cli("decrypt --kms-discovery --discovery-partition aws", RECORD)
        .code(2)
        .stderr(predicate::str::contains("--discovery-account"));
    cli(
        "decrypt --discovery-partition aws --discovery-account 1",
        RECORD,
    )
    .code(2)
    .stderr(predicate::str::contains("--kms-discovery"));
    // Grant tokens go with a KMS keyring.
    cli("decrypt --grant-token g1 -c tenant=acme", RECORD)
        .failure()
        .stderr(predicate::str::contains("--grant-token"));
}
