//! The raw RSA keyring: the ESDK spec's rules (framework/raw-rsa-keyring.md), its key files, and
//! the official raw RSA decrypt vectors of `tests/data/vectors/official/vectors_more.json`
//! (group `raw-rsa`: ESDK-NET 4.0.1 and the Dafny ESDK 4.1.0, every padding, all 11 suites)
//! with every check listed for them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, KeyFile, Keyring,
    Materials, MultiKeyring, RawAesKeyring, RawRsaKeyring, RsaPadding,
};
use data_masking::{AlgorithmSuite, CommitmentPolicy, EncryptionContext, Encryptor};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/vectors/official/vectors_more.json"
    );
    let text = std::fs::read_to_string(path).expect("vectors_more.json");
    serde_json::from_str(&text).expect("JSON")
}

/// The PEMs (private, public) of the vectors' RSA-4096 test key pair.
fn test_pems() -> (String, String) {
    let v = vectors();
    let k = &v["meta"]["keys"]["aws-raw-vectors-persistent-rsa-4096:rsa-4096:oaep-sha256"];
    (
        k["private_key_pem"].as_str().expect("private").to_owned(),
        k["public_key_pem"].as_str().expect("public").to_owned(),
    )
}

fn context() -> EncryptionContext {
    EncryptionContext::new([("purpose", "test")]).expect("context")
}

fn materials() -> Materials {
    Materials::new(AlgorithmSuite::default(), BTreeMap::new())
}

#[test]
fn the_provider_info_is_the_key_name_alone_and_the_provider_id_the_namespace() {
    let (private, _) = test_pems();
    let rt = rt();
    for padding in RsaPadding::ALL {
        let k = RawRsaKeyring::from_private_key_pem("my-ns", "my-key", padding, &private)
            .expect("keyring");
        let key = DataKey::random(32).expect("key");
        let edks = rt
            .block_on(k.wrap_data_key(&materials(), &key))
            .expect("wraps");
        assert_eq!(edks.len(), 1);
        assert_eq!(edks[0].provider_id, "my-ns");
        assert_eq!(
            edks[0].provider_info, b"my-key",
            "no wrapping-key info suffix"
        );
        assert_eq!(edks[0].ciphertext.len(), 512, "one RSA-4096 block");
        let again = rt
            .block_on(k.wrap_data_key(&materials(), &key))
            .expect("wraps");
        assert_ne!(
            again[0].ciphertext, edks[0].ciphertext,
            "randomized padding"
        );
        let back = rt
            .block_on(k.unwrap_data_key(&materials(), &edks[0]))
            .expect("unwraps")
            .expect("its own");
        assert_eq!(back.as_bytes(), key.as_bytes(), "{padding}");
    }
}

#[test]
fn every_padding_round_trips_through_the_engine_and_no_other_padding_opens_it() {
    let (private, _) = test_pems();
    let rt = rt();
    for padding in RsaPadding::ALL {
        let k = RawRsaKeyring::from_private_key_pem("ns", "k", padding, &private).expect("key");
        let e = Encryptor::new(k).expect("engine");
        let msg = rt
            .block_on(e.encrypt(b"hello rsa", &context()))
            .expect("encrypts");
        assert_eq!(
            rt.block_on(e.decrypt(&msg, &context())).expect("decrypts"),
            b"hello rsa"
        );
        for other in RsaPadding::ALL.into_iter().filter(|p| *p != padding) {
            let k = RawRsaKeyring::from_private_key_pem("ns", "k", other, &private).expect("key");
            let e = Encryptor::new(k).expect("engine");
            let err = rt.block_on(e.decrypt(&msg, &context())).unwrap_err();
            assert!(
                matches!(err.kind(), "decrypt-key" | "decrypt-value"),
                "{padding} read as {other}: {err}"
            );
        }
    }
}

#[test]
fn an_encrypted_data_key_of_another_namespace_or_name_is_not_tried() {
    let (private, _) = test_pems();
    let rt = rt();
    let k = RawRsaKeyring::from_private_key_pem("ns", "k", RsaPadding::OaepSha256, &private)
        .expect("key");
    let edk = rt
        .block_on(k.wrap_data_key(&materials(), &DataKey::random(32).expect("key")))
        .expect("wraps")
        .remove(0);
    for (ns, name) in [("other", "k"), ("ns", "other"), ("ns", "k2"), ("ns2", "k")] {
        let other = RawRsaKeyring::from_private_key_pem(ns, name, RsaPadding::OaepSha256, &private)
            .expect("key");
        assert!(
            rt.block_on(other.unwrap_data_key(&materials(), &edk))
                .expect("not its own: no error")
                .is_none(),
            "{ns}/{name}"
        );
    }
    // A prefix of the name is not the name (nothing follows the name in the provider info).
    let longer = EncryptedDataKey {
        provider_info: b"k-and-more".to_vec(),
        ..edk.clone()
    };
    assert!(
        rt.block_on(k.unwrap_data_key(&materials(), &longer))
            .expect("no error")
            .is_none()
    );
    // Its own, altered: an error saying so, and on_decrypt fails naming the key.
    let mut altered = edk;
    altered.ciphertext[100] ^= 1;
    let e = rt
        .block_on(k.unwrap_data_key(&materials(), &altered))
        .unwrap_err();
    assert!(e.to_string().contains("did not decrypt"), "{e}");
    let e = rt
        .block_on(k.on_decrypt(
            DecryptionMaterials::new(AlgorithmSuite::default(), BTreeMap::new()),
            &[altered],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("the raw RSA key ns/k"), "{e}");
}

#[test]
fn a_public_key_alone_encrypts_and_cannot_decrypt() {
    let (private, public) = test_pems();
    let rt = rt();
    let producer = RawRsaKeyring::from_public_key_pem("ns", "k", RsaPadding::OaepSha512, &public)
        .expect("public key");
    assert!(!producer.can_decrypt());
    let e = Encryptor::new(producer).expect("engine");
    let msg = rt
        .block_on(e.encrypt(b"for the holder only", &context()))
        .expect("a public key encrypts");
    let err = rt.block_on(e.decrypt(&msg, &context())).unwrap_err();
    assert_eq!(err.kind(), "decrypt-key");
    let text = err.to_string();
    assert!(text.contains("only its public key was given"), "{text}");
    assert!(text.contains("decrypting needs the private key"), "{text}");
    // The private key (alone) reads it.
    let holder = RawRsaKeyring::from_private_key_pem("ns", "k", RsaPadding::OaepSha512, &private)
        .expect("private key");
    let d = Encryptor::new(holder).expect("engine");
    assert_eq!(
        rt.block_on(d.decrypt(&msg, &context())).expect("decrypts"),
        b"for the holder only"
    );
}

#[test]
fn a_private_key_alone_encrypts_with_its_public_half() {
    let (private, public) = test_pems();
    let k =
        RawRsaKeyring::from_private_key_pem("ns", "k", RsaPadding::Pkcs1, &private).expect("key");
    assert_eq!(k.public_key_pem().expect("pem").trim(), public.trim());
    let rt = rt();
    let m = rt
        .block_on(k.on_encrypt(EncryptionMaterials::new(
            AlgorithmSuite::default(),
            BTreeMap::new(),
        )))
        .expect("encrypts");
    assert_eq!(m.encrypted_data_keys().len(), 1);
}

#[test]
fn keyrings_of_rsa_and_aes_keys_combine() {
    let (private, public) = test_pems();
    let rt = rt();
    let rsa_public =
        RawRsaKeyring::from_public_key_pem("ns", "rsa", RsaPadding::OaepSha256, &public)
            .expect("key");
    let aes = RawAesKeyring::new("ns", "aes", &[3u8; 32]).expect("key");
    let e = Encryptor::new(MultiKeyring::new(aes).with(rsa_public)).expect("engine");
    let msg = rt
        .block_on(e.encrypt(b"both", &context()))
        .expect("encrypts");
    let rsa = RawRsaKeyring::from_private_key_pem("ns", "rsa", RsaPadding::OaepSha256, &private)
        .expect("key");
    let d = Encryptor::new(rsa).expect("engine");
    assert_eq!(
        rt.block_on(d.decrypt(&msg, &context())).expect("decrypts"),
        b"both"
    );
}

#[test]
fn rsa_key_files_read_and_refuse_as_documented() {
    let (private, public) = test_pems();
    let file = |fields: Value| serde_json::to_string(&fields).expect("json");
    let both = file(serde_json::json!({
        "type": "rsa", "namespace": "ns", "name": "k", "padding": "oaep-sha384",
        "private_key_pem": private, "public_key_pem": public,
    }));
    let k = RawRsaKeyring::from_key_json(&both).expect("both PEMs");
    assert_eq!(
        (k.namespace(), k.name(), k.padding(), k.can_decrypt()),
        ("ns", "k", RsaPadding::OaepSha384, true)
    );
    assert!(matches!(KeyFile::from_json(&both), Ok(KeyFile::Rsa(_))));
    let public_only = file(serde_json::json!({
        "type": "rsa", "namespace": "ns", "name": "k", "padding": "pkcs1",
        "public_key_pem": public,
    }));
    assert!(
        !RawRsaKeyring::from_key_json(&public_only)
            .expect("public only")
            .can_decrypt()
    );
    let refused = |fields: Value, says: &str| {
        let e = KeyFile::from_json(&file(fields)).unwrap_err().to_string();
        assert!(e.contains(says), "{e} (wanted {says:?})");
    };
    refused(
        serde_json::json!({"type": "rsa", "namespace": "ns", "name": "k", "padding": "oaep-sha1"}),
        "\"private_key_pem\", \"public_key_pem\" or both",
    );
    refused(
        serde_json::json!({"type": "rsa", "namespace": "ns", "name": "k", "public_key_pem": public}),
        "has a \"padding\"",
    );
    refused(
        serde_json::json!({"type": "rsa", "namespace": "ns", "name": "k", "padding": "oaep", "public_key_pem": public}),
        "unknown RSA padding",
    );
    refused(
        serde_json::json!({"type": "rsa", "namespace": "ns", "name": "k", "padding": "pkcs1", "public_key_pem": private}),
        "a public key was expected, found a PEM PRIVATE KEY",
    );
    refused(
        serde_json::json!({"type": "rsa", "namespace": "ns", "name": "k", "padding": "pkcs1", "private_key_pem": public}),
        "a private key was expected, found a PEM PUBLIC KEY",
    );
    refused(
        serde_json::json!({"type": "dsa", "namespace": "ns", "name": "k"}),
        "unknown \"type\"",
    );
    // Another pair's public key with this private key.
    let v = vectors();
    let wrong =
        &v["meta"]["keys"]["aws-raw-vectors-persistent-rsa-4096:rsa-4096:oaep-sha256:wrong"];
    refused(
        serde_json::json!({"type": "rsa", "namespace": "ns", "name": "k", "padding": "pkcs1",
            "private_key_pem": private, "public_key_pem": wrong["public_key_pem"]}),
        "not the public half of the private key",
    );
    // AES files: "type" optional; an RSA file is not an AES one.
    let aes = file(serde_json::json!({
        "type": "aes", "namespace": "ns", "name": "k", "key": STANDARD.encode([1u8; 32]),
    }));
    assert!(RawAesKeyring::from_key_json(&aes).is_ok());
    let e = RawAesKeyring::from_key_json(&both).unwrap_err().to_string();
    assert!(e.contains("an RSA key file"), "{e}");
    let e = RawRsaKeyring::from_key_json(&aes).unwrap_err().to_string();
    assert!(e.contains("not an RSA key file"), "{e}");
}

#[test]
fn generated_key_files_round_trip_and_the_public_half_only_encrypts() {
    let (key, public) =
        RawRsaKeyring::generate_key_json("gen-ns", "gen", RsaPadding::OaepSha256, 2048)
            .expect("generates");
    let whole: Value = serde_json::from_str(&key).expect("JSON");
    assert_eq!(whole["type"], "rsa");
    assert_eq!(whole["padding"], "oaep-sha256");
    let half: Value = serde_json::from_str(&public).expect("JSON");
    assert!(half.get("private_key_pem").is_none());
    assert_eq!(half["public_key_pem"], whole["public_key_pem"]);
    let rt = rt();
    let producer =
        Encryptor::new(RawRsaKeyring::from_key_json(&public).expect("public")).expect("e");
    let msg = rt
        .block_on(producer.encrypt(b"generated", &context()))
        .expect("encrypts");
    let holder = Encryptor::new(RawRsaKeyring::from_key_json(&key).expect("whole")).expect("e");
    assert_eq!(
        rt.block_on(holder.decrypt(&msg, &context()))
            .expect("decrypts"),
        b"generated"
    );
}

// The official vectors.

/// One decrypt of the vectors and its expected plaintext (`None`: refused).
struct Case {
    what: String,
    keys: Vec<String>,
    context: BTreeMap<String, String>,
    message: Vec<u8>,
    legacy: bool,
    expect: Option<Vec<u8>>,
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD
        .decode(v.as_str().expect("base64"))
        .expect("base64")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

fn context_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
        .collect()
}

/// The `raw-rsa` vectors, then every check of each (with its kind).
fn raw_rsa_cases(all: &Value) -> (Vec<Case>, Vec<(String, Case)>) {
    let mut cases = Vec::new();
    let mut checks = Vec::new();
    for v in all["vectors"].as_array().expect("vectors") {
        if v["group"] != "raw-rsa" {
            continue;
        }
        let expect = match v["expect"].as_str() {
            Some("ok") => Some(b64(
                &all["meta"]["plaintexts"][v["plaintext"].as_str().expect("ref")]["b64"]
            )),
            _ => None,
        };
        let base = Case {
            what: v["name"].as_str().expect("name").to_owned(),
            keys: strings(&v["keys"]),
            context: context_of(&v["context"]),
            message: b64(&v["ciphertext"]),
            legacy: v["legacy"] == true,
            expect,
        };
        for c in v["checks"].as_array().into_iter().flatten() {
            let kind = c["kind"].as_str().expect("kind").to_owned();
            let mut case = Case {
                what: format!("{} [{kind}]", base.what),
                keys: base.keys.clone(),
                context: base.context.clone(),
                message: base.message.clone(),
                legacy: base.legacy,
                expect: if c["expect"] == "ok" {
                    base.expect.clone()
                } else {
                    None
                },
            };
            for f in c["flip"].as_array().into_iter().flatten() {
                let at = usize::try_from(f[0].as_u64().expect("offset")).expect("offset");
                case.message[at] ^= u8::try_from(f[1].as_u64().expect("mask")).expect("mask");
            }
            if c.get("keys").is_some() {
                case.keys = strings(&c["keys"]);
            }
            if c.get("context").is_some() {
                case.context = context_of(&c["context"]);
            }
            if let Some(legacy) = c.get("legacy") {
                case.legacy = legacy == true;
            }
            checks.push((kind, case));
        }
        cases.push(base);
    }
    (cases, checks)
}

/// The keyrings of the vectors' keys, each read once.
struct Keys<'a> {
    all: &'a Value,
    made: HashMap<String, Arc<dyn Keyring>>,
}

impl Keys<'_> {
    fn get(&mut self, id: &str) -> Arc<dyn Keyring> {
        if let Some(k) = self.made.get(id) {
            return Arc::clone(k);
        }
        let k = &self.all["meta"]["keys"][id];
        let s = |f: &str| k[f].as_str().expect(f);
        let keyring: Arc<dyn Keyring> = match s("type") {
            "rsa" => Arc::new(
                RawRsaKeyring::new(
                    s("namespace"),
                    s("name"),
                    s("padding").parse().expect("padding"),
                    Some(s("private_key_pem")),
                    Some(s("public_key_pem")),
                )
                .expect("RSA key"),
            ),
            _ => Arc::new(
                RawAesKeyring::new(s("namespace"), s("name"), &b64(&k["key"])).expect("AES"),
            ),
        };
        self.made.insert(id.to_owned(), Arc::clone(&keyring));
        keyring
    }

    fn keyring(&mut self, ids: &[String]) -> Arc<dyn Keyring> {
        let mut keyrings = ids.iter().map(|id| self.get(id));
        let first = keyrings.next().expect("a key");
        if ids.len() == 1 {
            return first;
        }
        let multi = keyrings.fold(MultiKeyring::new(first), MultiKeyring::with_shared);
        Arc::new(multi)
    }
}

fn check(
    rt: &tokio::runtime::Runtime,
    keys: &mut Keys<'_>,
    case: &Case,
    both: bool,
) -> Option<String> {
    let policy = if case.legacy {
        CommitmentPolicy::RequireEncryptAllowDecrypt
    } else {
        CommitmentPolicy::default()
    };
    let context = EncryptionContext::new(case.context.clone()).expect("context");
    for cached in if both {
        &[true, false][..]
    } else {
        &[false][..]
    } {
        let b = Encryptor::builder_shared(keys.keyring(&case.keys)).commitment_policy(policy);
        let e = if *cached { b } else { b.no_cache() }
            .build()
            .expect("engine");
        let what = &case.what;
        match (
            &case.expect,
            rt.block_on(e.decrypt(&case.message, &context)),
        ) {
            (Some(want), Ok(got)) if &got == want => {}
            (Some(_), Ok(_)) => return Some(format!("{what}: plaintext differs")),
            (Some(_), Err(e)) => return Some(format!("{what}: must decrypt, failed: {e}")),
            (None, Ok(_)) => return Some(format!("{what}: must be refused, decrypted")),
            (None, Err(_)) => {}
        }
    }
    None
}

#[test]
fn the_99_official_raw_rsa_vectors_decrypt_and_every_check_behaves_as_listed() {
    let all = vectors();
    let (cases, checks) = raw_rsa_cases(&all);
    assert_eq!(cases.len(), 99);
    let mut paddings: BTreeMap<String, usize> = BTreeMap::new();
    for c in &cases {
        for id in &c.keys {
            *paddings
                .entry(
                    all["meta"]["keys"][id]["padding"]
                        .as_str()
                        .expect("padding")
                        .to_owned(),
                )
                .or_default() += 1;
        }
    }
    assert_eq!(
        paddings.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "oaep-sha1",
            "oaep-sha256",
            "oaep-sha384",
            "oaep-sha512",
            "pkcs1"
        ]
    );
    let rt = rt();
    let mut keys = Keys {
        all: &all,
        made: HashMap::new(),
    };
    let mut failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(&rt, &mut keys, c, true))
        .collect();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (kind, case) in &checks {
        *kinds.entry(kind.clone()).or_default() += 1;
        failures.extend(check(&rt, &mut keys, case, false));
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let expected = [
        ("both-keys", 22),
        ("context-extra", 77),
        ("context-missing", 22),
        ("no-legacy-flag", 81),
        ("other-edk-key", 22),
        ("reversed-keys", 22),
        ("tamper-body", 99),
        ("tamper-header", 99),
        ("tamper-last", 99),
        ("wrong-key", 99),
        ("wrong-padding", 187),
    ];
    assert_eq!(
        kinds,
        expected
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect::<BTreeMap<_, _>>()
    );
}
