//! `data-masking-bench`: runs one workload of data-masking for a given time and prints its
//! throughput as JSON, beside the workload's primitive floor measured in the same process.
//!
//! `bench/compare` drives it, alternating with the same workloads in Powertools Python. Modes:
//!
//! * `data-masking-bench --list`: the workload names, one a line.
//! * `data-masking-bench --workload NAME [--time S] [--threads N] [--floor]`: runs NAME on N OS
//!   threads (default 1) sharing one `DataMasking` (one materials cache) for S seconds (default
//!   0.5) after a warm-up, and prints `{"workload", "threads", "ops", "floor_ops", "floor"}`;
//!   `floor_ops` (with `--floor`) is the single-thread rate of the bare primitives of the same
//!   work: HKDF-SHA512 (content and commitment keys), AES-256-GCM (header tag and body), ECDSA
//!   P-384 sign or verify for 0x0578, on buffers of the same sizes (for erase: a deep clone of
//!   the record; for `masked()`: serializing the plain struct).
//! * `data-masking-bench --scaling [--time S]`: encrypt and decrypt throughput of the record
//!   with 1, 2 and 4 threads on one shared `DataMasking`, as a markdown table with the 2-vs-1
//!   ratio.
//!
//! The `kms_*` workloads (encrypt and decrypt of the record with a KMS keyring, warm: default
//! cache, cold: no cache) need `--kms-key ARN` and the AWS configuration from the environment
//! (`AWS_ENDPOINT_URL` for a moto server); their KMS calls run on one multi-thread runtime.
//!
//! The `kms_discovery_*` workloads decrypt the record (encrypted with the KMS keyring) with a
//! `KmsDiscoveryKeyring` filtered to the key's partition and account, warm and cold; they never
//! encrypt.
//!
//! The `rsa_*`, `multi_*` and `tenant_*` workloads encrypt and decrypt the record with suite
//! 0x0478, warm (default cache) and cold (no cache), on other keyrings than raw AES: a raw RSA
//! key (OAEP-SHA256, 2048 bits, generated at start-up), a multi keyring (raw AES generator and
//! that raw RSA key), and a tenant keyring of two tenants on raw AES keys (the context names
//! `acme`). Their floor is the message's primitives without the keyring, so the ratio shows the
//! keyring's cost.
//!
//! The `seal_*` and `unseal_*` workloads seal the record's five sensitive fields (nine values)
//! with one `Seal` built once, and unseal the sealed record; their floor is one message of the
//! size of the seal's plaintext.
//!
//! The record is `tests/data/bench/record.json` (override with `--record PATH`); the context is
//! `tenant_id=acme`; the key is a raw AES-256 key with the default materials cache.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_ASN1, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey,
    UnparsedPublicKey,
};
use clap::Parser;
use data_masking::keys::{
    Keyring, MultiKeyring, RawAesKeyring, RawRsaKeyring, RsaPadding, TenantKeyring,
};
use data_masking::{
    AlgorithmSuite, DataMasking, Encrypted, EncryptionContext, Encryptor, Fields, Mask,
    SEAL_CONTEXT_KEY, Seal, Sensitive,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The five sensitive fields of the record (nine values).
const SENSITIVE: [&str; 5] = [
    "email",
    "ssn",
    "card_number",
    "address.postcode",
    "orders[*].card",
];

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "data-masking-bench",
    about = "data-masking throughput and its floor"
)]
struct Args {
    /// The workload to run (see --list).
    #[arg(long)]
    workload: Option<String>,
    /// Seconds to measure, after a warm-up of a fifth of that.
    #[arg(long, default_value_t = 0.5)]
    time: f64,
    /// OS threads sharing one DataMasking.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Also measure the workload's primitive floor (single thread).
    #[arg(long)]
    floor: bool,
    /// Print the workload names.
    #[arg(long)]
    list: bool,
    /// Encrypt and decrypt throughput with 1, 2 and 4 threads on one shared DataMasking.
    #[arg(long)]
    scaling: bool,
    /// The record (default: tests/data/bench/record.json).
    #[arg(long)]
    record: Option<PathBuf>,
    /// The KMS key ARN of the `kms_*` workloads.
    #[arg(long)]
    kms_key: Option<String>,
}

/// A struct shaped like record.json: the masks of the typed erase benchmark and the nine
/// sensitive values marked `#[encrypt]`.
#[derive(Serialize, Deserialize, Sensitive, Clone)]
struct Customer {
    id: String,
    tenant_id: String,
    name: String,
    #[mask(dynamic)]
    #[encrypt(context(tenant_id))]
    email: String,
    #[mask]
    #[encrypt(context(tenant_id))]
    ssn: String,
    #[mask(regex = r"\d{4} \d{4} \d{4} (\d{4})", format = r"**** **** **** \1")]
    #[encrypt(context(tenant_id))]
    card_number: String,
    phone: String,
    #[sensitive]
    address: Address,
    #[sensitive]
    orders: Vec<Order>,
    preferences: Preferences,
}

/// The address of [`Customer`].
#[derive(Serialize, Deserialize, Sensitive, Clone)]
struct Address {
    street: String,
    city: String,
    #[mask(custom = "XXXXX")]
    #[encrypt]
    postcode: String,
    country: String,
}

/// An order of [`Customer`].
#[allow(clippy::struct_field_names)]
#[derive(Serialize, Deserialize, Sensitive, Clone)]
struct Order {
    order_id: String,
    amount: f64,
    currency: String,
    #[mask]
    #[encrypt]
    card: String,
    items: Vec<Item>,
}

/// An order line.
#[derive(Serialize, Deserialize, Clone)]
struct Item {
    sku: String,
    qty: u32,
}

/// The preferences of [`Customer`].
#[derive(Serialize, Deserialize, Clone)]
struct Preferences {
    newsletter: bool,
    language: String,
    tags: Vec<String>,
}

/// Every input, key and ciphertext the workloads need, built once and shared by the threads.
struct Setup {
    record: Value,
    customer: Customer,
    fields: Fields,
    ctx: EncryptionContext,
    plain: DataMasking,
    m0478: DataMasking,
    m0578: DataMasking,
    ct_0478: String,
    ct_0578: String,
    fct_0478: Value,
    fct_0578: Value,
    /// The record as one compact NDJSON line, and with its fields encrypted (0x0478).
    line: String,
    line_ct_0478: String,
    enc_customer: Encrypted<Customer>,
    /// The five sensitive fields to encrypt in a sealed record, and the record sealed.
    seal: Seal,
    sealed_0478: Value,
    sealed_0578: Value,
    big: [(Value, String); 2],
    floor: Floor,
    kms: Option<Kms>,
    /// The maskers of the `rsa_*`, `multi_*` and `tenant_*` workloads, built only for them.
    keyrings: Option<Keyrings>,
}

/// A warm (default cache) and a cold (no cache) masker on one keyring, suite 0x0478, and the
/// record encrypted by each.
struct WarmCold {
    warm: DataMasking,
    cold: DataMasking,
    ct_warm: String,
    ct_cold: String,
}

impl WarmCold {
    fn new(
        keyring: Arc<dyn Keyring>,
        record: &Value,
        ctx: &EncryptionContext,
        rt: &tokio::runtime::Runtime,
    ) -> Self {
        let build = |k, cache: bool| {
            let b = Encryptor::builder_shared(k)
                .algorithm_suite(AlgorithmSuite::from_id(0x0478).expect("suite"));
            let b = if cache { b } else { b.no_cache() };
            DataMasking::builder()
                .encryptor(b.build().expect("masker"))
                .build()
        };
        let warm = build(Arc::clone(&keyring), true);
        let cold = build(keyring, false);
        let ct_warm = rt.block_on(warm.encrypt(record, ctx)).expect("encrypt");
        let ct_cold = rt.block_on(cold.encrypt(record, ctx)).expect("encrypt");
        WarmCold {
            warm,
            cold,
            ct_warm,
            ct_cold,
        }
    }

    /// One encrypt or decrypt of the record, warm or cold.
    fn op(&self, s: &Setup, rt: &tokio::runtime::Runtime, encrypt: bool, warm: bool) {
        let (m, ct) = if warm {
            (&self.warm, &self.ct_warm)
        } else {
            (&self.cold, &self.ct_cold)
        };
        if encrypt {
            black_box(rt.block_on(m.encrypt(&s.record, &s.ctx)).expect("enc"));
        } else {
            black_box(rt.block_on(m.decrypt(ct, &s.ctx)).expect("dec"));
        }
    }
}

/// The maskers of the keyring workloads.
struct Keyrings {
    rsa: WarmCold,
    multi: WarmCold,
    tenant: WarmCold,
}

impl Keyrings {
    fn new(record: &Value, ctx: &EncryptionContext, rt: &tokio::runtime::Runtime) -> Self {
        let (key, _) =
            RawRsaKeyring::generate_key_json("bench", "rsa", RsaPadding::OaepSha256, 2048)
                .expect("RSA key");
        let rsa: Arc<dyn Keyring> =
            Arc::new(RawRsaKeyring::from_key_json(&key).expect("RSA keyring"));
        let aes = RawAesKeyring::new("bench", "key", &[1u8; 32]).expect("key");
        let multi = MultiKeyring::new(aes).with_shared(Arc::clone(&rsa));
        let tenant = TenantKeyring::new("tenant_id")
            .with_tenant(
                "acme",
                RawAesKeyring::new("tenants", "acme", &[1u8; 32]).expect("key"),
            )
            .with_tenant(
                "globex",
                RawAesKeyring::new("tenants", "globex", &[2u8; 32]).expect("key"),
            );
        Keyrings {
            rsa: WarmCold::new(rsa, record, ctx, rt),
            multi: WarmCold::new(Arc::new(multi), record, ctx, rt),
            tenant: WarmCold::new(Arc::new(tenant), record, ctx, rt),
        }
    }
}

/// Whether `w` is a `rsa_*`, `multi_*` or `tenant_*` workload.
fn keyring_workload(w: &str) -> bool {
    w.starts_with("rsa_") || w.starts_with("multi_") || w.starts_with("tenant_")
}

/// The KMS workloads' maskers (one with the default cache, one without) and ciphertexts.
struct Kms {
    rt: tokio::runtime::Runtime,
    warm: DataMasking,
    cold: DataMasking,
    ct_warm: String,
    ct_cold: String,
    /// Discovery keyring maskers (default cache, no cache): decrypt only, of `ct_cold`.
    discovery_warm: DataMasking,
    discovery_cold: DataMasking,
}

impl Kms {
    fn new(arn: &str, record: &Value, ctx: &EncryptionContext) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (warm, cold, discovery_warm, discovery_cold) = rt.block_on(async {
            let keyring = data_masking_kms::KmsKeyring::from_env([arn])
                .await
                .expect("KMS keyring");
            let warm = DataMasking::builder().keyring(keyring.clone()).build();
            let cold = DataMasking::builder()
                .encryptor(
                    Encryptor::builder(keyring)
                        .no_cache()
                        .build()
                        .expect("masker"),
                )
                .build();
            let discovery = data_masking_kms::KmsDiscoveryKeyring::from_env().await;
            // The filter of the key's partition and account (arn:PARTITION:kms:REGION:ACCOUNT:...).
            let parts: Vec<&str> = arn.split(':').collect();
            let discovery = discovery.with_filter(
                data_masking_kms::DiscoveryFilter::new(parts[1], [parts[4]]).expect("filter"),
            );
            let discovery_warm = DataMasking::builder().keyring(discovery.clone()).build();
            let discovery_cold = DataMasking::builder()
                .encryptor(
                    Encryptor::builder(discovery)
                        .no_cache()
                        .build()
                        .expect("masker"),
                )
                .build();
            (warm, cold, discovery_warm, discovery_cold)
        });
        let ct_warm = rt.block_on(warm.encrypt(record, ctx)).expect("encrypt");
        let ct_cold = rt.block_on(cold.encrypt(record, ctx)).expect("encrypt");
        Kms {
            rt,
            warm,
            cold,
            ct_warm,
            ct_cold,
            discovery_warm,
            discovery_cold,
        }
    }
}

/// The bare primitives, for the floors.
struct Floor {
    aes: LessSafeKey,
    signer: EcdsaKeyPair,
    /// The public key as an ESDK message carries it (a compressed point), parsed once: the
    /// library parses it once per cached decryption materials.
    verifier: ParsedPublicKey,
    /// A valid signature (of another message: verifying fails only after the full check).
    signature: Vec<u8>,
    header: Vec<u8>,
    record_bytes: Vec<u8>,
    /// The JSON of each of the nine sensitive values.
    values: Vec<Vec<u8>>,
    /// The plaintext of a sealed record's message (the nine values and their locations).
    seal_plaintext: Vec<u8>,
    big_bytes: [Vec<u8>; 2],
}

/// Document sizes of the `*_100k` and `*_1m` workloads.
const BIG: [usize; 2] = [100_000, 1_000_000];

fn masker(suite: u16) -> DataMasking {
    DataMasking::builder()
        .encryptor(
            Encryptor::builder(RawAesKeyring::new("bench", "key", &[1u8; 32]).expect("key"))
                .algorithm_suite(AlgorithmSuite::from_id(suite).expect("suite"))
                .build()
                .expect("masker"),
        )
        .build()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

impl Setup {
    fn new(record_path: &std::path::Path, kms_key: Option<&str>, workload: Option<&str>) -> Self {
        let text = std::fs::read_to_string(record_path)
            .unwrap_or_else(|e| panic!("{}: {e}", record_path.display()));
        let record: Value = serde_json::from_str(&text).expect("record is JSON");
        let customer: Customer = serde_json::from_str(&text).expect("record has the shape");
        let fields = Fields::parse(SENSITIVE).expect("fields");
        let ctx = EncryptionContext::new([("tenant_id", "acme")]).expect("context");
        let rt = runtime();
        let m0478 = masker(0x0478);
        let m0578 = masker(0x0578);
        let ct_0478 = rt.block_on(m0478.encrypt(&record, &ctx)).expect("encrypt");
        let ct_0578 = rt.block_on(m0578.encrypt(&record, &ctx)).expect("encrypt");
        let fct_0478 = rt
            .block_on(m0478.encrypt_fields(&record, &fields, &ctx))
            .expect("encrypt_fields");
        let fct_0578 = rt
            .block_on(m0578.encrypt_fields(&record, &fields, &ctx))
            .expect("encrypt_fields");
        let line = serde_json::to_string(&record).expect("JSON");
        let line_ct_0478 = rt
            .block_on(m0478.encrypt_json(&line, &fields, &ctx))
            .expect("encrypt_json");
        let enc_customer = rt
            .block_on(m0478.encrypt_typed(&customer))
            .expect("encrypt_typed");
        let seal = Seal::builder().encrypt(SENSITIVE).build().expect("seal");
        let sealed_0478 = rt.block_on(m0478.seal(&record, &seal, &ctx)).expect("seal");
        let sealed_0578 = rt.block_on(m0578.seal(&record, &seal, &ctx)).expect("seal");
        let seal_plaintext = {
            use base64::Engine as _;
            let message = base64::engine::general_purpose::STANDARD
                .decode(sealed_0478[seal.member()].as_str().expect("message"))
                .expect("base64");
            let mut full = ctx.clone();
            full.insert(SEAL_CONTEXT_KEY, "1").expect("context");
            rt.block_on(m0478.decrypt_bytes(&message, &full))
                .expect("the seal's plaintext")
                .to_vec()
        };
        let big = BIG.map(|size| {
            let doc = json!({ "blob": "x".repeat(size) });
            let ct = rt.block_on(m0578.encrypt(&doc, &ctx)).expect("encrypt");
            (doc, ct)
        });
        let signer = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).expect("keypair");
        let point = signer.public_key().as_ref();
        let mut public_compressed = vec![0x02 | (point[96] & 1)];
        public_compressed.extend_from_slice(&point[1..49]);
        let signature = signer
            .sign(&SystemRandom::new(), b"another message")
            .expect("sign")
            .as_ref()
            .to_vec();
        let mut values = vec![
            &record["email"],
            &record["ssn"],
            &record["card_number"],
            &record["address"]["postcode"],
        ];
        values.extend(
            record["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .map(|o| &o["card"]),
        );
        let values = values
            .into_iter()
            .map(|v| serde_json::to_vec(v).expect("json"))
            .collect();
        let floor = Floor {
            aes: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[2u8; 32]).expect("key")),
            signer,
            verifier: UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, &public_compressed)
                .parse()
                .expect("public key"),
            signature,
            header: vec![0u8; 260],
            record_bytes: serde_json::to_vec(&record).expect("json"),
            values,
            seal_plaintext,
            big_bytes: BIG.map(|size| {
                serde_json::to_vec(&json!({ "blob": "x".repeat(size) })).expect("json")
            }),
        };
        let kms = kms_key.map(|arn| Kms::new(arn, &record, &ctx));
        let keyrings = workload
            .is_some_and(keyring_workload)
            .then(|| Keyrings::new(&record, &ctx, &rt));
        Setup {
            kms,
            keyrings,
            record,
            customer,
            fields,
            ctx,
            plain: DataMasking::new(),
            m0478,
            m0578,
            ct_0478,
            ct_0578,
            fct_0478,
            fct_0578,
            line,
            line_ct_0478,
            enc_customer,
            seal,
            sealed_0478,
            sealed_0578,
            big,
            floor,
        }
    }
}

/// The workloads: name, and what their floor is made of.
const WORKLOADS: [(&str, &str); 45] = [
    ("kms_encrypt_warm", "none"),
    ("kms_decrypt_warm", "none"),
    ("kms_encrypt_cold", "none"),
    ("kms_decrypt_cold", "none"),
    ("kms_discovery_decrypt_warm", "none"),
    ("kms_discovery_decrypt_cold", "none"),
    ("rsa_encrypt_warm_0478", "crypto"),
    ("rsa_decrypt_warm_0478", "crypto"),
    ("rsa_encrypt_cold_0478", "crypto"),
    ("rsa_decrypt_cold_0478", "crypto"),
    ("multi_encrypt_warm_0478", "crypto"),
    ("multi_decrypt_warm_0478", "crypto"),
    ("multi_encrypt_cold_0478", "crypto"),
    ("multi_decrypt_cold_0478", "crypto"),
    ("tenant_encrypt_warm_0478", "crypto"),
    ("tenant_decrypt_warm_0478", "crypto"),
    ("tenant_encrypt_cold_0478", "crypto"),
    ("tenant_decrypt_cold_0478", "crypto"),
    ("erase_fields", "clone"),
    ("erase_whole", "clone"),
    ("erase_dynamic", "clone"),
    ("encrypt_0478", "crypto"),
    ("decrypt_0478", "crypto"),
    ("encrypt_text_0478", "crypto"),
    ("decrypt_text_0478", "crypto"),
    ("encrypt_0578", "crypto"),
    ("decrypt_0578", "crypto"),
    ("encrypt_fields_0478", "crypto"),
    ("decrypt_fields_0478", "crypto"),
    ("encrypt_fields_0578", "crypto"),
    ("decrypt_fields_0578", "crypto"),
    ("encrypt_json_0478", "crypto"),
    ("decrypt_json_0478", "crypto"),
    ("seal_0478", "crypto"),
    ("unseal_0478", "crypto"),
    ("seal_0578", "crypto"),
    ("unseal_0578", "crypto"),
    ("typed_masked", "serialize"),
    ("typed_encrypt_0478", "crypto"),
    ("typed_decrypt_0478", "crypto"),
    ("encrypt_100k_0578", "crypto"),
    ("decrypt_100k_0578", "crypto"),
    ("encrypt_1m_0578", "crypto"),
    ("decrypt_1m_0578", "crypto"),
    ("masked_to_string", "serialize"),
];

/// One operation of `workload`.
fn op(workload: &str, s: &Setup, rt: &tokio::runtime::Runtime) {
    match workload {
        "erase_fields" => {
            black_box(s.plain.erase(&s.record, &s.fields).expect("erase"));
        }
        "erase_whole" => {
            black_box(s.plain.erase_all(&s.record, &Mask::Default));
        }
        "erase_dynamic" => {
            black_box(
                s.plain
                    .erase_with(&s.record, &s.fields, &Mask::Dynamic)
                    .expect("erase"),
            );
        }
        "encrypt_0478" => {
            black_box(
                rt.block_on(s.m0478.encrypt(&s.record, &s.ctx))
                    .expect("enc"),
            );
        }
        "decrypt_0478" => {
            black_box(
                rt.block_on(s.m0478.decrypt(&s.ct_0478, &s.ctx))
                    .expect("dec"),
            );
        }
        "encrypt_0578" => {
            black_box(
                rt.block_on(s.m0578.encrypt(&s.record, &s.ctx))
                    .expect("enc"),
            );
        }
        "decrypt_0578" => {
            black_box(
                rt.block_on(s.m0578.decrypt(&s.ct_0578, &s.ctx))
                    .expect("dec"),
            );
        }
        "encrypt_fields_0478" => {
            black_box(
                rt.block_on(s.m0478.encrypt_fields(&s.record, &s.fields, &s.ctx))
                    .expect("enc"),
            );
        }
        "decrypt_fields_0478" => {
            black_box(
                rt.block_on(s.m0478.decrypt_fields(&s.fct_0478, &s.fields, &s.ctx))
                    .expect("dec"),
            );
        }
        "encrypt_fields_0578" => {
            black_box(
                rt.block_on(s.m0578.encrypt_fields(&s.record, &s.fields, &s.ctx))
                    .expect("enc"),
            );
        }
        "decrypt_fields_0578" => {
            black_box(
                rt.block_on(s.m0578.decrypt_fields(&s.fct_0578, &s.fields, &s.ctx))
                    .expect("dec"),
            );
        }
        "encrypt_text_0478" => {
            black_box(
                rt.block_on(s.m0478.encrypt_text(&s.line, &s.ctx))
                    .expect("enc"),
            );
        }
        "decrypt_text_0478" => {
            black_box(
                rt.block_on(s.m0478.decrypt_text(&s.ct_0478, &s.ctx))
                    .expect("dec"),
            );
        }
        "encrypt_json_0478" => {
            black_box(
                rt.block_on(s.m0478.encrypt_json(&s.line, &s.fields, &s.ctx))
                    .expect("enc"),
            );
        }
        "decrypt_json_0478" => {
            black_box(
                rt.block_on(s.m0478.decrypt_json(&s.line_ct_0478, &s.fields, &s.ctx))
                    .expect("dec"),
            );
        }
        "seal_0478" | "seal_0578" => {
            let m = if workload == "seal_0478" {
                &s.m0478
            } else {
                &s.m0578
            };
            black_box(
                rt.block_on(m.seal(&s.record, &s.seal, &s.ctx))
                    .expect("seal"),
            );
        }
        "unseal_0478" | "unseal_0578" => {
            let (m, sealed) = if workload == "unseal_0478" {
                (&s.m0478, &s.sealed_0478)
            } else {
                (&s.m0578, &s.sealed_0578)
            };
            black_box(
                rt.block_on(m.unseal(sealed, &s.seal, &s.ctx))
                    .expect("unseal"),
            );
        }
        "typed_masked" => {
            black_box(serde_json::to_value(s.customer.masked()).expect("masked"));
        }
        "masked_to_string" => {
            black_box(serde_json::to_string(&s.customer.masked()).expect("masked"));
        }
        "typed_encrypt_0478" => {
            black_box(
                rt.block_on(s.m0478.encrypt_typed(&s.customer))
                    .expect("enc"),
            );
        }
        "typed_decrypt_0478" => {
            black_box(
                rt.block_on(s.m0478.decrypt_typed(&s.enc_customer))
                    .expect("dec"),
            );
        }
        w if w.starts_with("kms_discovery_decrypt") => {
            let k = s.kms.as_ref().expect("the kms_* workloads need --kms-key");
            let m = if w.ends_with("warm") {
                &k.discovery_warm
            } else {
                &k.discovery_cold
            };
            black_box(k.rt.block_on(m.decrypt(&k.ct_cold, &s.ctx)).expect("dec"));
        }
        w if keyring_workload(w) => {
            let k = s.keyrings.as_ref().expect("keyrings");
            let wc = if w.starts_with("rsa_") {
                &k.rsa
            } else if w.starts_with("multi_") {
                &k.multi
            } else {
                &k.tenant
            };
            wc.op(s, rt, w.contains("_encrypt_"), w.contains("_warm_"));
        }
        w if w.starts_with("kms_") => {
            let k = s.kms.as_ref().expect("the kms_* workloads need --kms-key");
            let (m, ct) = if w.ends_with("warm") {
                (&k.warm, &k.ct_warm)
            } else {
                (&k.cold, &k.ct_cold)
            };
            if w.starts_with("kms_encrypt") {
                black_box(k.rt.block_on(m.encrypt(&s.record, &s.ctx)).expect("enc"));
            } else {
                black_box(k.rt.block_on(m.decrypt(ct, &s.ctx)).expect("dec"));
            }
        }
        w => {
            let (i, encrypt) = big_workload(w).unwrap_or_else(|| panic!("unknown workload {w}"));
            let (doc, ct) = &s.big[i];
            if encrypt {
                black_box(rt.block_on(s.m0578.encrypt(doc, &s.ctx)).expect("enc"));
            } else {
                black_box(rt.block_on(s.m0578.decrypt(ct, &s.ctx)).expect("dec"));
            }
        }
    }
}

/// `(index into BIG, encrypt?)` of a 100k/1m workload.
fn big_workload(w: &str) -> Option<(usize, bool)> {
    match w {
        "encrypt_100k_0578" => Some((0, true)),
        "decrypt_100k_0578" => Some((0, false)),
        "encrypt_1m_0578" => Some((1, true)),
        "decrypt_1m_0578" => Some((1, false)),
        _ => None,
    }
}

/// One ESDK message's primitives: HKDF (two keys), GCM header tag, GCM body, and ECDSA sign
/// (encrypt) or verify (decrypt) over the message when `signed`.
fn message_floor(f: &Floor, body: &[u8], signed: bool, encrypt: bool) {
    let h = hkdf::Hkdf::<sha2::Sha512>::new(Some(&[4u8; 32]), black_box(&[3u8; 32]));
    let mut keys = [0u8; 64];
    let mut info = [0u8; 11];
    info[..2].copy_from_slice(&0x0578u16.to_be_bytes());
    info[2..].copy_from_slice(b"DERIVEKEY");
    h.expand(&info, &mut keys[..32]).expect("hkdf");
    h.expand(b"COMMITKEY", &mut keys[32..]).expect("hkdf");
    black_box(keys);
    let _ = f
        .aes
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(&f.header[..]),
            &mut [],
        )
        .expect("seal");
    let mut buf = Vec::with_capacity(f.header.len() + body.len() + 200);
    buf.extend_from_slice(&f.header);
    buf.extend_from_slice(body);
    let tag = f
        .aes
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(&[0u8; 80][..]),
            &mut buf[f.header.len()..],
        )
        .expect("seal");
    buf.extend_from_slice(tag.as_ref());
    if signed {
        if encrypt {
            black_box(f.signer.sign(&SystemRandom::new(), &buf).expect("sign"));
        } else {
            let _ = black_box(f.verifier.verify_sig(&buf, &f.signature));
        }
    }
    black_box(buf);
}

/// One operation of the floor of `workload`.
fn floor_op(workload: &str, s: &Setup) {
    let f = &s.floor;
    let signed = workload.ends_with("0578");
    let encrypt = workload.starts_with("encrypt")
        || workload.starts_with("typed_encrypt")
        || workload.starts_with("seal");
    match workload {
        "erase_fields" | "erase_whole" | "erase_dynamic" => {
            black_box(black_box(&s.record).clone());
        }
        "typed_masked" => {
            black_box(serde_json::to_value(black_box(&s.customer)).expect("json"));
        }
        "masked_to_string" => {
            black_box(serde_json::to_string(black_box(&s.customer)).expect("json"));
        }
        "encrypt_0478" | "decrypt_0478" | "encrypt_0578" | "decrypt_0578" | "encrypt_text_0478"
        | "decrypt_text_0478" => {
            message_floor(f, &f.record_bytes, signed, encrypt);
        }
        "seal_0478" | "unseal_0478" | "seal_0578" | "unseal_0578" => {
            message_floor(f, &f.seal_plaintext, signed, encrypt);
        }
        w if keyring_workload(w) => {
            message_floor(f, &f.record_bytes, false, w.contains("_encrypt_"));
        }
        w if w.contains("fields") || w.contains("json") || w.starts_with("typed") => {
            for v in &f.values {
                message_floor(f, v, signed, encrypt);
            }
        }
        w => {
            let (i, _) = big_workload(w).unwrap_or_else(|| panic!("unknown workload {w}"));
            message_floor(f, &f.big_bytes[i], signed, encrypt);
        }
    }
}

/// Operations per second of `f` on `threads` OS threads for `time`, after a warm-up of a fifth
/// of that. Each thread has its own current-thread runtime; `f` shares everything else.
#[allow(clippy::cast_precision_loss)]
fn rate(threads: usize, time: Duration, f: &(dyn Fn(&tokio::runtime::Runtime) + Sync)) -> f64 {
    let warm_until = Instant::now() + time / 5;
    let stop = AtomicBool::new(false);
    let total = AtomicU64::new(0);
    let started = std::sync::Barrier::new(threads + 1);
    let elapsed = std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let rt = runtime();
                while Instant::now() < warm_until {
                    f(&rt);
                }
                started.wait();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    f(&rt);
                    n += 1;
                }
                total.fetch_add(n, Ordering::Relaxed);
            });
        }
        started.wait();
        let t = Instant::now();
        std::thread::sleep(time);
        stop.store(true, Ordering::Relaxed);
        t
    });
    // The last operation of each thread ends after `stop`: count the time to the join.
    total.load(Ordering::Relaxed) as f64 / elapsed.elapsed().as_secs_f64()
}

fn default_record() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/bench/record.json"
    ))
}

fn scaling(s: &Setup, time: Duration) {
    println!("| workload | 1 thread ops/s | 2 threads ops/s | 4 threads ops/s | 2 vs 1 |");
    println!("|---|---:|---:|---:|---:|");
    for w in [
        "encrypt_0478",
        "decrypt_0478",
        "encrypt_0578",
        "decrypt_0578",
    ] {
        // Three alternating rounds; medians.
        let mut r: [Vec<f64>; 3] = Default::default();
        for _ in 0..3 {
            for (i, n) in [1, 2, 4].into_iter().enumerate() {
                r[i].push(rate(n, time, &|rt| op(w, s, rt)));
            }
        }
        let m = r.map(|mut v| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        });
        println!(
            "| {w} | {:.0} | {:.0} | {:.0} | {:.2}× |",
            m[0],
            m[1],
            m[2],
            m[1] / m[0]
        );
    }
}

fn main() {
    let args = Args::parse();
    if args.list {
        for (w, _) in WORKLOADS {
            println!("{w}");
        }
        return;
    }
    let setup = Setup::new(
        &args.record.clone().unwrap_or_else(default_record),
        args.kms_key.as_deref(),
        args.workload.as_deref(),
    );
    let time = Duration::from_secs_f64(args.time);
    if args.scaling {
        scaling(&setup, time);
        return;
    }
    let Some(workload) = args.workload.as_deref() else {
        eprintln!("give --workload NAME (see --list), --scaling or --list");
        std::process::exit(2);
    };
    let Some(&(_, floor_kind)) = WORKLOADS.iter().find(|(w, _)| *w == workload) else {
        eprintln!("unknown workload {workload} (see --list)");
        std::process::exit(2);
    };
    let ops = rate(args.threads.max(1), time, &|rt| op(workload, &setup, rt));
    let floor_ops = (args.floor && floor_kind != "none")
        .then(|| rate(1, time, &|_| floor_op(workload, &setup)));
    println!(
        "{}",
        json!({
            "workload": workload,
            "threads": args.threads.max(1),
            "ops": ops,
            "floor_ops": floor_ops,
            "floor": floor_kind,
        })
    );
}
