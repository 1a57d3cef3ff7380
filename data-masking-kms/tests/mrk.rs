//! Multi-Region keys, the discovery keyrings and grant tokens against a live KMS endpoint
//! (moto's server, through aws-sdk-kms), with every request recorded by a proxy in front of it:
//! its operation, the Region it is signed for (the Region that serves it) and its body (`KeyId`,
//! `GrantTokens`).
//!
//! The test server is moto's, started through `tests/py/moto_server.py`, which gives
//! multi-Region keys AWS's ids (`mrk-` and 32 hex digits): moto keeps 36 bytes of key id in its
//! ciphertext, so with its own 40-character `mrk-` ids it refuses every multi-Region ciphertext
//! (`the_test_server_gives_multi_region_keys_aws_s_ids_and_decrypts_across_replicas` checks the
//! test server's ids and decrypts). moto's `ReplicateKey`
//! copies the key material, so, as in AWS, a replica decrypts its primary's ciphertexts and the
//! primary its replicas'. Every answer is moto's: the proxy only records the requests, and each
//! test proves both the request each keyring sends (which operation, which key, which Region,
//! which grant tokens) and that the message decrypts: a primary's message through the replica
//! in another Region, a message the replica itself wrote through the primary, and with
//! Powertools Python on either side.
//!
//! Without `AWS_ENDPOINT_URL` (a plain `cargo test`) each test prints a note and returns;
//! `./scripts/test` starts moto and sets it.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use data_masking::AlgorithmSuite;
use data_masking::DataMasking;
use data_masking::keys::{DecryptionMaterials, EncryptedDataKey, Keyring};
use data_masking_kms::{
    DiscoveryFilter, KmsDiscoveryKeyring, KmsKeyring, KmsMrkDiscoveryKeyring, Timeouts,
};
use serde_json::{Value, json};
use support::{Call, PRIMARY_REGION, REPLICA_REGION, Request, Setup, call, calls, ctx};

const TOKENS: [&str; 2] = ["grant-token-1", "grant-token-2"];

impl Setup {
    /// A strict keyring for `keys` through the proxy, its base client in `region`.
    async fn strict(&self, keys: &[&str], region: &str) -> KmsKeyring {
        KmsKeyring::builder(keys)
            .grant_tokens(TOKENS)
            .timeouts(Timeouts::default())
            .build(&self.config(region).await)
            .expect("a keyring")
    }

    /// The record encrypted with a strict keyring on `key` alone (its base client in the
    /// primary's Region), and the KMS requests of that.
    async fn write(&self, key: &str) -> (String, Vec<Request>) {
        let ct = masker(self.strict(&[key], PRIMARY_REGION).await)
            .encrypt(&record(), &ctx())
            .await
            .unwrap_or_else(|e| panic!("encrypt with {key}: {e}"));
        (ct, self.take())
    }

    /// An MRK discovery keyring in `region` with the filter to the keys' account and the grant
    /// tokens.
    async fn mrk_discovery(&self, region: &str) -> KmsMrkDiscoveryKeyring {
        KmsMrkDiscoveryKeyring::new(&self.config(region).await)
            .expect("a Region")
            .with_filter(self.filter())
            .with_grant_tokens(TOKENS)
    }

    /// The KMS requests since the last call, and forgets them.
    fn take(&self) -> Vec<Request> {
        self.proxy.take()
    }

    /// `reader` decrypts `ct` to the record with the one KMS request `expected`; the requests.
    async fn reads(
        &self,
        what: &str,
        reader: &DataMasking,
        ct: &str,
        expected: Call,
    ) -> Vec<Request> {
        assert_eq!(
            reader.decrypt(ct, &ctx()).await.expect(what),
            record(),
            "{what}"
        );
        let requests = self.take();
        assert_eq!(calls(&requests), [expected], "{what}");
        requests
    }
}

/// A masker on `keyring`, without a cache (each message its own calls).
fn masker(keyring: impl Keyring + 'static) -> DataMasking {
    support::masker(Arc::new(keyring), false)
}

fn record() -> Value {
    json!({"card": "4111 1111 1111 1111", "id": 7})
}

/// Every request carried exactly the grant tokens.
fn assert_grant_tokens(requests: &[Request]) {
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(
            r.body["GrantTokens"],
            json!(TOKENS),
            "{} carries the grant tokens",
            r.operation
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_on_a_replica_matches_the_primary_and_decrypts_in_the_replica_region() {
    let Some(s) = Setup::get().await else { return };
    assert!(s.primary.contains(":key/mrk-") && s.replica.contains(REPLICA_REGION));
    let reader = masker(s.strict(&[&s.replica], PRIMARY_REGION).await);

    // A message of the primary: the replica matches it (MRK match), and the one Decrypt goes to
    // the replica's Region, naming the replica, with the grant tokens.
    let (ct, written) = s.write(&s.primary).await;
    assert_eq!(
        calls(&written),
        [call("GenerateDataKey", PRIMARY_REGION, &s.primary)]
    );
    assert_grant_tokens(&written);
    // moto decrypts it in the replica's Region with the replica's copy of the key material.
    let expected = call("Decrypt", REPLICA_REGION, &s.replica);
    assert_grant_tokens(&s.reads("the replica", &reader, &ct, expected).await);
    // A keyring on the primary itself (its base client in the replica's Region): the primary,
    // in its own Region.
    let primary = masker(s.strict(&[&s.primary], REPLICA_REGION).await);
    let expected = call("Decrypt", PRIMARY_REGION, &s.primary);
    s.reads("the primary", &primary, &ct, expected).await;

    // A single-Region key of the same id shape does not match: no call.
    let other = masker(
        s.strict(&[&s.replica.replace(":key/mrk-", ":key/")], REPLICA_REGION)
            .await,
    );
    assert_eq!(
        other.decrypt(&ct, &ctx()).await.unwrap_err().kind(),
        "decrypt-key"
    );
    assert!(
        s.take().is_empty(),
        "no KMS call for a key that does not match"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_sends_grant_tokens_on_generate_data_key_encrypt_and_decrypt() {
    let Some(s) = Setup::get().await else { return };
    let single = &s.single;
    let both = masker(s.strict(&[single, &s.replica], PRIMARY_REGION).await);
    let ct = both.encrypt(&record(), &ctx()).await.expect("encrypt");
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [
            call("GenerateDataKey", PRIMARY_REGION, single),
            call("Encrypt", REPLICA_REGION, &s.replica),
        ]
    );
    assert_grant_tokens(&requests);
    let expected = call("Decrypt", PRIMARY_REGION, single);
    assert_grant_tokens(&s.reads("both keys", &both, &ct, expected).await);
    // Without grant tokens, none are sent.
    let plain = KmsKeyring::new(&s.config(PRIMARY_REGION).await, [single]).expect("keyring");
    masker(plain)
        .decrypt(&ct, &ctx())
        .await
        .expect("decrypt without tokens");
    let requests = s.take();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].body.get("GrantTokens").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_keyring_decrypts_with_the_named_key_in_its_region_within_its_filter() {
    let Some(s) = Setup::get().await else { return };
    let (ct, _) = s.write(&s.single).await;

    // Its base client is in the replica's Region; the call goes to the named key's Region.
    let base = KmsDiscoveryKeyring::new(&s.config(REPLICA_REGION).await).with_grant_tokens(TOKENS);
    let filtered = base.clone().with_filter(s.filter());
    for (what, keyring) in [("unfiltered", base.clone()), ("filtered", filtered)] {
        let expected = call("Decrypt", PRIMARY_REGION, &s.single);
        let requests = s.reads(what, &masker(keyring), &ct, expected).await;
        assert_grant_tokens(&requests);
    }

    // A multi-Region key's message: Decrypt names the primary, in the primary's Region.
    let (mrk_ct, _) = s.write(&s.primary).await;
    let expected = call("Decrypt", PRIMARY_REGION, &s.primary);
    s.reads("the primary's", &masker(base.clone()), &mrk_ct, expected)
        .await;

    // Another account or partition: refused without a KMS call.
    for filter in [
        DiscoveryFilter::new("aws", ["444455556666"]).expect("filter"),
        DiscoveryFilter::new("aws-cn", [s.account.as_str()]).expect("filter"),
    ] {
        let err = masker(base.clone().with_filter(filter))
            .decrypt(&ct, &ctx())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "decrypt-key", "{err}");
        assert!(err.to_string().contains("discovery"), "{err}");
        assert!(s.take().is_empty(), "no KMS call outside the filter");
    }

    // It never encrypts, and makes no call trying.
    let err = masker(base).encrypt(&record(), &ctx()).await.unwrap_err();
    assert_eq!(err.kind(), "encrypt-key", "{err}");
    assert!(s.take().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mrk_discovery_keyring_decrypts_in_its_own_region_only() {
    let Some(s) = Setup::get().await else { return };
    let west = s.mrk_discovery(REPLICA_REGION).await;
    assert_eq!(west.region(), REPLICA_REGION);

    // A message of the primary: one Decrypt in the keyring's Region naming the replica, which
    // moto decrypts there.
    let (ct, _) = s.write(&s.primary).await;
    let expected = call("Decrypt", REPLICA_REGION, &s.replica);
    let requests = s
        .reads("the primary's", &masker(west.clone()), &ct, expected)
        .await;
    assert_grant_tokens(&requests);

    // A single-Region key of another Region: passed over without a call.
    let (ct, _) = s.write(&s.single).await;
    assert_eq!(
        masker(west.clone())
            .decrypt(&ct, &ctx())
            .await
            .unwrap_err()
            .kind(),
        "decrypt-key"
    );
    assert!(s.take().is_empty(), "no call for another Region's key");
    // In that key's own Region, it is decrypted.
    let east = KmsMrkDiscoveryKeyring::new(&s.config(PRIMARY_REGION).await)
        .expect("a Region")
        .with_filter(s.filter());
    let expected = call("Decrypt", PRIMARY_REGION, &s.single);
    s.reads("the single-Region key's", &masker(east), &ct, expected)
        .await;
    // It never encrypts.
    assert_eq!(
        masker(west)
            .encrypt(&record(), &ctx())
            .await
            .unwrap_err()
            .kind(),
        "encrypt-key"
    );
    assert!(s.take().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_keyring_makes_one_decrypt_per_configured_key_whatever_replicas_a_message_names() {
    let Some(s) = Setup::get().await else { return };
    let reader = s.strict(&[&s.replica], PRIMARY_REGION).await;
    // Encrypted data keys naming the key in five Regions, none of them a KMS ciphertext (moto
    // refuses the first): one Decrypt, in the replica's Region, naming the replica.
    let edks: Vec<EncryptedDataKey> = [
        PRIMARY_REGION,
        "eu-west-1",
        REPLICA_REGION,
        "ap-south-1",
        "sa-east-1",
    ]
    .iter()
    .map(|region| EncryptedDataKey {
        provider_id: data_masking_kms::PROVIDER_ID.into(),
        provider_info: s.primary.replace(PRIMARY_REGION, region).into_bytes(),
        ciphertext: vec![7; 64],
    })
    .collect();
    let materials = DecryptionMaterials::new(AlgorithmSuite::default(), BTreeMap::new());
    let err = reader.on_decrypt(materials, &edks).await.unwrap_err();
    assert_eq!(err.kind(), "decrypt-key", "{err}");
    assert!(
        err.to_string()
            .contains("4 more encrypted data keys naming a key whose Decrypt had failed"),
        "{err}"
    );
    let requests = s.take();
    assert_eq!(
        calls(&requests),
        [call("Decrypt", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&requests);
}

/// The test server gives multi-Region keys AWS's ids (`tests/py/moto_server.py`): `mrk-` and 32
/// hex digits, 36 characters, which fit the 36 bytes of key id that moto's ciphertext keeps
/// (moto's own, `mrk-` and a dashed UUID, 40 characters, do not, and moto then refuses every
/// multi-Region ciphertext, even the key's own in its own Region). With them moto decrypts a
/// multi-Region key's ciphertext in the key's Region, a primary's through its replica and a
/// replica's through its primary (`ReplicateKey` copies the key material), as AWS does; a raw
/// id names the key; single-Region ids keep moto's form. Against moto started by `moto_server`
/// itself this test fails first, naming the launcher.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_server_gives_multi_region_keys_aws_s_ids_and_decrypts_across_replicas() {
    use aws_sdk_kms::primitives::Blob;
    use aws_sdk_kms::types::DataKeySpec;
    let Some(endpoint) = support::endpoint() else {
        return;
    };
    let east_config = support::sdk_config_in(&endpoint, PRIMARY_REGION).await;
    let east = aws_sdk_kms::Client::new(&east_config);
    let west = aws_sdk_kms::Client::new(&support::sdk_config_in(&endpoint, REPLICA_REGION).await);
    let key_id = |arn: &str| arn.rsplit_once(":key/").expect("a key ARN").1.to_owned();

    let primary = support::create_multi_region_key(&east_config).await;
    let id = key_id(&primary);
    assert!(
        support::is_aws_mrk_id(&id) && id.len() == 36,
        "{id} is not AWS's form of a multi-Region key id: start moto through \
         tests/py/moto_server.py, as ./scripts/test does"
    );
    let single = support::create_key(&east_config).await;
    let single_id = key_id(&single);
    assert!(
        single_id.len() == 36
            && single_id.matches('-').count() == 4
            && !support::is_aws_mrk_id(&single_id),
        "a single-Region key id keeps moto's form (a UUID): {single_id}"
    );
    // The raw id names the key, as in AWS.
    let described = east
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .expect("DescribeKey by the raw multi-Region id");
    assert_eq!(
        described.key_metadata.and_then(|m| m.arn).as_deref(),
        Some(primary.as_str())
    );
    let replica = support::replicate_key(&east_config, &primary, REPLICA_REGION).await;
    assert_eq!(replica, primary.replace(PRIMARY_REGION, REPLICA_REGION));

    // A data key generated with one key, decrypted with another (or the same): the plaintext,
    // and the decrypting key's ARN as KeyId.
    for (what, (writer, written_by), (reader, read_by)) in [
        ("the primary's own", (&east, &primary), (&east, &primary)),
        ("the replica's own", (&west, &replica), (&west, &replica)),
        (
            "the primary's, through the replica",
            (&east, &primary),
            (&west, &replica),
        ),
        (
            "the replica's, through the primary",
            (&west, &replica),
            (&east, &primary),
        ),
        (
            "a single-Region key's own",
            (&east, &single),
            (&east, &single),
        ),
    ] {
        let data_key = writer
            .generate_data_key()
            .key_id(written_by)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context("tenant", "acme")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GenerateDataKey, {what}: {e:?}"));
        assert_eq!(
            data_key.key_id.as_deref(),
            Some(written_by.as_str()),
            "{what}"
        );
        let decrypted = reader
            .decrypt()
            .ciphertext_blob(data_key.ciphertext_blob.expect("a ciphertext"))
            .key_id(read_by)
            .encryption_context("tenant", "acme")
            .send()
            .await
            .unwrap_or_else(|e| panic!("Decrypt, {what}: {e:?}"));
        assert_eq!(decrypted.plaintext, data_key.plaintext, "{what}");
        assert_eq!(
            decrypted.key_id.as_deref(),
            Some(read_by.as_str()),
            "{what}"
        );
    }

    // Encrypt, too: the primary's ciphertext decrypts through the replica; not with another
    // multi-Region key, nor with another encryption context.
    let blob = east
        .encrypt()
        .key_id(&primary)
        .plaintext(Blob::new([7u8; 32]))
        .encryption_context("tenant", "acme")
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob
        .expect("a ciphertext");
    let decrypted = west
        .decrypt()
        .ciphertext_blob(blob.clone())
        .key_id(&replica)
        .encryption_context("tenant", "acme")
        .send()
        .await
        .expect("Decrypt through the replica");
    assert_eq!(decrypted.plaintext, Some(Blob::new([7u8; 32])));
    let other = support::create_multi_region_key(&east_config).await;
    for (kms, key, tenant) in [(&east, &other, "acme"), (&west, &replica, "other")] {
        let refused = kms
            .decrypt()
            .ciphertext_blob(blob.clone())
            .key_id(key)
            .encryption_context("tenant", tenant)
            .send()
            .await;
        assert!(refused.is_err(), "{key}, tenant {tenant}: {refused:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_s_own_message_decrypts_with_every_keyring_that_matches_it() {
    let Some(s) = Setup::get().await else { return };
    // Written with the replica alone, in its Region: moto's GenerateDataKey there.
    let (ct, written) = s.write(&s.replica).await;
    assert_eq!(
        calls(&written),
        [call("GenerateDataKey", REPLICA_REGION, &s.replica)]
    );
    assert_grant_tokens(&written);

    // Each keyring decrypts it with one Decrypt of moto's: which key it names, and in which
    // Region, is the keyring's rule; the primary's Region decrypts it with the primary's copy of
    // the key material.
    let on_replica = masker(s.strict(&[&s.replica], PRIMARY_REGION).await);
    let on_primary = masker(s.strict(&[&s.primary], REPLICA_REGION).await);
    let west_discovery = masker(s.mrk_discovery(REPLICA_REGION).await);
    let east_discovery = masker(s.mrk_discovery(PRIMARY_REGION).await);
    let discovery =
        KmsDiscoveryKeyring::new(&s.config(PRIMARY_REGION).await).with_grant_tokens(TOKENS);
    let discovery = masker(discovery);
    let at_west = call("Decrypt", REPLICA_REGION, &s.replica);
    let at_east = call("Decrypt", PRIMARY_REGION, &s.primary);
    for (what, reader, expected) in [
        // The strict keyring on the replica: the replica, in its Region.
        ("strict, replica", &on_replica, &at_west),
        // On the primary: the configured key in its own Region (the MRK match rule).
        ("strict, primary", &on_primary, &at_east),
        // The MRK discovery keyrings: the key in their own Region.
        ("MRK discovery, replica's Region", &west_discovery, &at_west),
        ("MRK discovery, primary's Region", &east_discovery, &at_east),
        // The discovery keyring: the named key, in its Region.
        ("discovery", &discovery, &at_west),
    ] {
        let requests = s.reads(what, reader, &ct, expected.clone()).await;
        assert_grant_tokens(&requests);
    }
}

/// A masker (no cache) on a strict keyring for `keys` without grant tokens, as Powertools uses.
async fn plain(s: &Setup, keys: &[&str]) -> DataMasking {
    masker(KmsKeyring::new(&s.config(PRIMARY_REGION).await, keys.iter().copied()).expect("keyring"))
}

/// The Powertools oracle's results for `cases`, run against the proxy.
fn powertools(s: &Setup, python: &std::path::Path, cases: &Value) -> Vec<Value> {
    let out = support::run_oracle(python, s.proxy.url(), &json!({ "cases": cases }));
    out["results"].as_array().expect("results").clone()
}

fn ok(results: &[Value], i: usize) -> &Value {
    results[i]
        .get("ok")
        .unwrap_or_else(|| panic!("case {i} failed in Python: {}", results[i]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interop_with_powertools_python_through_a_replica() {
    let Some(s) = Setup::get().await else { return };
    let Some(python) = support::python() else {
        return;
    };
    let context = json!({"tenant": "acme"});
    let mrk_discovery = async |region: &str| {
        masker(KmsMrkDiscoveryKeyring::new(&s.config(region).await).expect("a Region"))
    };

    // Powertools encrypts under the primary ARN and under the replica ARN: each GenerateDataKey
    // goes to that key's Region, naming it.
    let results = powertools(
        &s,
        &python,
        &json!([
            {"op": "encrypt", "keys": [s.primary], "data": record(), "context": context},
            {"op": "encrypt", "keys": [s.replica], "data": record(), "context": context},
        ]),
    );
    let text = |i: usize| {
        ok(&results, i)
            .as_str()
            .expect("a base64 message")
            .to_owned()
    };
    let (by_primary, by_replica) = (text(0), text(1));
    assert_eq!(
        calls(&s.take()),
        [
            call("GenerateDataKey", PRIMARY_REGION, &s.primary),
            call("GenerateDataKey", REPLICA_REGION, &s.replica),
        ]
    );
    // Rust decrypts each through the other Region's key, with moto's Decrypt there: the
    // primary's message with the strict keyring on the replica and with the MRK discovery
    // keyring bound to the replica's Region; the replica's message with the strict keyring on
    // the primary and with the MRK discovery keyring of the primary's Region. And each with its
    // own key.
    let on_replica = plain(&s, &[&s.replica]).await;
    let on_primary = plain(&s, &[&s.primary]).await;
    let west = mrk_discovery(REPLICA_REGION).await;
    let east = mrk_discovery(PRIMARY_REGION).await;
    let at_west = call("Decrypt", REPLICA_REGION, &s.replica);
    let at_east = call("Decrypt", PRIMARY_REGION, &s.primary);
    let readers = [
        ("strict keyring on the replica", &on_replica, &at_west),
        ("MRK discovery in the replica's Region", &west, &at_west),
        ("strict keyring on the primary", &on_primary, &at_east),
        ("MRK discovery in the primary's Region", &east, &at_east),
    ];
    for (whose, message, which) in [
        ("the primary's message", &by_primary, [0, 1, 2]),
        ("the replica's message", &by_replica, [2, 3, 0]),
    ] {
        for (how, reader, expected) in which.map(|i| readers[i]) {
            let what = format!("{whose}, {how}");
            s.reads(&what, reader, message, expected.clone()).await;
        }
    }

    // Rust encrypts under the primary ARN and under the replica ARN (a whole record and a
    // field); Powertools decrypts each given the ARN it names, with its Decrypt in that key's
    // Region. Its strict provider is not multi-Region aware: given the other Region's key, it
    // refuses the message without a KMS call (our keyrings decrypt those, above).
    let rust_primary = plain(&s, &[&s.primary])
        .await
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt with the primary");
    let rust_replica = plain(&s, &[&s.replica])
        .await
        .encrypt(&record(), &ctx())
        .await
        .expect("encrypt with the replica");
    let rust_field = plain(&s, &[&s.replica])
        .await
        .encrypt_fields(&record(), &["card"], &ctx())
        .await
        .expect("encrypt_fields");
    s.take();
    let results = powertools(
        &s,
        &python,
        &json!([
            {"op": "decrypt", "keys": [s.primary], "ciphertext": rust_primary, "context": context},
            {"op": "decrypt", "keys": [s.replica], "ciphertext": rust_replica, "context": context},
            {"op": "decrypt", "keys": [s.replica], "ciphertext": rust_field["card"],
             "context": context},
            {"op": "decrypt", "keys": [s.primary], "ciphertext": rust_replica, "context": context},
            {"op": "decrypt", "keys": [s.replica], "ciphertext": rust_primary, "context": context},
        ]),
    );
    assert_eq!(ok(&results, 0), &record());
    assert_eq!(ok(&results, 1), &record());
    assert_eq!(ok(&results, 2), &record()["card"]);
    for i in [3, 4] {
        assert_eq!(
            results[i]["error"], "DataMaskingDecryptKeyError",
            "{}",
            results[i]
        );
    }
    assert_eq!(
        calls(&s.take()),
        [
            call("Decrypt", PRIMARY_REGION, &s.primary),
            call("Decrypt", REPLICA_REGION, &s.replica),
            call("Decrypt", REPLICA_REGION, &s.replica),
        ]
    );
}
