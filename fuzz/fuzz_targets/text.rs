//! Arbitrary JSON text through the one-pass span location: `erase_json` must agree with erasing
//! the parsed value, `decrypt_json` must give back what `encrypt_json` was given, and neither may
//! panic on any text, valid or not.

#![no_main]

use std::sync::OnceLock;

use data_masking::keys::RawAesKeyring;
use data_masking::{AlgorithmSuite, DataMasking, EncryptionContext, Encryptor, Fields, Mask};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct Fixture {
    rt: tokio::runtime::Runtime,
    masker: DataMasking,
    fields: Fields,
    ctx: EncryptionContext,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        rt: tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime"),
        masker: DataMasking::builder()
            .raise_on_missing_field(false)
            .encryptor(
                Encryptor::builder(RawAesKeyring::new("fuzz", "key", &[0x42; 32]).expect("key"))
                    .algorithm_suite(AlgorithmSuite::from_id(0x0478).expect("suite"))
                    .build()
                    .expect("masker"),
            )
            .build(),
        fields: Fields::parse(["a", "b[0]", "c[-1].d", "*.e", "f[*]", "g.h.i", "[1]"])
            .expect("fields"),
        ctx: EncryptionContext::new([("fuzz", "text")]).expect("context"),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixture();
    let erased = f.masker.erase_json(text, &f.fields, &Mask::Default);
    let encrypted =
        f.rt.block_on(f.masker.encrypt_json(text, &f.fields, &f.ctx));
    // serde_json refuses some texts the span pass accepts (a lone surrogate escape in a value
    // nobody selects); only texts that parse are compared.
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let by_value = f
        .masker
        .erase_with(&value, &f.fields, &Mask::Default)
        .expect("erase of a value");
    let erased: Value =
        serde_json::from_str(&erased.expect("erase_json of valid JSON")).expect("JSON out");
    assert_eq!(erased, by_value, "{text:?}: text and value erase differ");
    let encrypted = encrypted.expect("encrypt_json of valid JSON");
    let back =
        f.rt.block_on(f.masker.decrypt_json(&encrypted, &f.fields, &f.ctx))
            .expect("decrypt_json of encrypt_json");
    let back: Value = serde_json::from_str(&back).expect("JSON out");
    assert_eq!(back, value, "{text:?}: the round trip changed the value");
});
