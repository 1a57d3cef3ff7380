//! Forged messages for the attack tests: what an attacker who can unwrap one message's data key
//! (for example a role with only `kms:Decrypt`) can build. Every message here is well formed,
//! and its key commitment and tags are right: only a rule of the decryptor can refuse it.

use std::collections::BTreeMap;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use data_masking::AlgorithmSuite;
use data_masking::keys::{
    DataKey, DecryptionMaterials, EncryptedDataKey, EncryptionMaterials, Keyring,
};

const SIGNED: u16 = 0x0578;
const UNSIGNED: u16 = 0x0478;
const PUBLIC_KEY: &str = "aws-crypto-public-key";

/// A little reader over the header; panics on a message that is not what the forger expects
/// (the forger is a test helper, its input is a message the test made).
struct Cursor<'a>(&'a [u8], usize);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.0[self.1..self.1 + n];
        self.1 += n;
        s
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.take(2).try_into().expect("2 bytes"))
    }
    fn bytes16(&mut self) -> &'a [u8] {
        let n = self.u16();
        self.take(usize::from(n))
    }
}

/// What the forger reads of a v2 message: its context and encrypted data keys (and the bytes
/// that serialize them), its frame length.
struct Parsed {
    context: BTreeMap<String, String>,
    section: Vec<u8>,
    edks: Vec<EncryptedDataKey>,
    frame_length: u32,
}

fn parse(message: &[u8]) -> Parsed {
    let mut r = Cursor(message, 0);
    assert_eq!(r.take(1), [2], "a v2 message");
    assert_eq!(r.u16(), SIGNED, "a message of suite 0x0578");
    r.take(32);
    let section_start = r.1;
    let mut context = BTreeMap::new();
    let ctx = r.bytes16();
    if !ctx.is_empty() {
        let mut c = Cursor(ctx, 0);
        for _ in 0..c.u16() {
            let k = String::from_utf8(c.bytes16().to_vec()).expect("UTF-8");
            let v = String::from_utf8(c.bytes16().to_vec()).expect("UTF-8");
            context.insert(k, v);
        }
    }
    let edks = (0..r.u16())
        .map(|_| EncryptedDataKey {
            provider_id: String::from_utf8(r.bytes16().to_vec()).expect("UTF-8"),
            provider_info: r.bytes16().to_vec(),
            ciphertext: r.bytes16().to_vec(),
        })
        .collect();
    let section = message[section_start..r.1].to_vec();
    assert_eq!(r.take(1), [2], "framed");
    let frame_length = u32::from_be_bytes(r.take(4).try_into().expect("4 bytes"));
    Parsed {
        context,
        section,
        edks,
        frame_length,
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn hkdf_sha512(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha512>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .expect("32 bytes");
    out
}

/// The header section with its encryption context and data keys as they are, under `suite`,
/// with a new message id and one final frame holding `plaintext`; no footer.
fn unsigned_message(
    section: &[u8],
    data_key: &[u8],
    frame_length: u32,
    plaintext: &[u8],
) -> Vec<u8> {
    assert!(plaintext.len() < frame_length as usize, "one final frame");
    let mut message_id = [0u8; 32];
    aws_lc_rs::rand::fill(&mut message_id).expect("random");
    let mut info = UNSIGNED.to_be_bytes().to_vec();
    info.extend_from_slice(b"DERIVEKEY");
    let content_key = hkdf_sha512(&message_id, data_key, &info);
    let commitment = hkdf_sha512(&message_id, data_key, b"COMMITKEY");
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &content_key).expect("key"));

    let mut out = vec![2u8];
    out.extend_from_slice(&UNSIGNED.to_be_bytes());
    out.extend_from_slice(&message_id);
    out.extend_from_slice(section);
    out.push(2);
    out.extend_from_slice(&frame_length.to_be_bytes());
    out.extend_from_slice(&commitment);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::from(&out[..]),
            &mut [],
        )
        .expect("header tag");
    out.extend_from_slice(tag.as_ref());

    let mut iv = [0u8; 12];
    iv[11] = 1;
    let len = plaintext.len() as u32;
    out.extend_from_slice(&u32::MAX.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&len.to_be_bytes());
    let mut aad = message_id.to_vec();
    aad.extend_from_slice(b"AWSKMSEncryptionClient Final Frame");
    aad.extend_from_slice(&1u32.to_be_bytes());
    aad.extend_from_slice(&u64::from(len).to_be_bytes());
    let mut body = plaintext.to_vec();
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(iv), Aad::from(&aad), &mut body)
        .expect("frame");
    out.extend_from_slice(&body);
    out.extend_from_slice(tag.as_ref());
    out
}

/// The signature-stripping attack: `signed` (a 0x0578 message whose data key `keyring` can
/// unwrap) re-issued as a 0x0478 message, its header's encryption context (the public key
/// included) and encrypted data keys kept byte for byte, with `plaintext` as its body and no
/// signature. A decryptor that ignores `aws-crypto-public-key` under an unsigned suite returns
/// `plaintext` as if the signer had written it.
pub fn strip_signature(signed: &[u8], keyring: &dyn Keyring, plaintext: &[u8]) -> Vec<u8> {
    let p = parse(signed);
    assert!(p.context.contains_key(PUBLIC_KEY), "a signed message");
    let suite = AlgorithmSuite::from_id(SIGNED).expect("suite");
    let m = block_on(keyring.on_decrypt(DecryptionMaterials::new(suite, p.context), &p.edks))
        .expect("the forger can unwrap the data key");
    let data_key = m.data_key().expect("data key").as_bytes();
    unsigned_message(&p.section, data_key, p.frame_length, plaintext)
}

/// The control of [`strip_signature`]: the same forgery, but the public key also taken out of
/// the context (the data key re-wrapped by `keyring` under the smaller context). It is a valid
/// unsigned message, which every decryptor must accept: this shows that only the
/// `aws-crypto-public-key` rule refuses the forgery.
pub fn reissue_unsigned(signed: &[u8], keyring: &dyn Keyring, plaintext: &[u8]) -> Vec<u8> {
    let p = parse(signed);
    let suite = AlgorithmSuite::from_id(SIGNED).expect("suite");
    let m =
        block_on(keyring.on_decrypt(DecryptionMaterials::new(suite, p.context.clone()), &p.edks))
            .expect("the forger can unwrap the data key");
    let data_key = m.data_key().expect("data key").as_bytes().to_vec();
    let mut context = p.context;
    context.remove(PUBLIC_KEY);
    let unsigned = AlgorithmSuite::from_id(UNSIGNED).expect("suite");
    let wrapped = block_on(
        keyring.on_encrypt(
            EncryptionMaterials::new(unsigned, context.clone())
                .with_data_key(DataKey::new(data_key.clone()))
                .expect("32 bytes"),
        ),
    )
    .expect("re-wrap");
    // The section: the context, then the data keys, as the header stores them.
    let mut section = Vec::new();
    let mut ctx = Vec::new();
    if !context.is_empty() {
        ctx.extend_from_slice(&(context.len() as u16).to_be_bytes());
        for (k, v) in &context {
            for s in [k, v] {
                ctx.extend_from_slice(&(s.len() as u16).to_be_bytes());
                ctx.extend_from_slice(s.as_bytes());
            }
        }
    }
    section.extend_from_slice(&(ctx.len() as u16).to_be_bytes());
    section.extend_from_slice(&ctx);
    let edks = wrapped.encrypted_data_keys();
    section.extend_from_slice(&(edks.len() as u16).to_be_bytes());
    for e in edks {
        for s in [e.provider_id.as_bytes(), &e.provider_info, &e.ciphertext] {
            section.extend_from_slice(&(s.len() as u16).to_be_bytes());
            section.extend_from_slice(s);
        }
    }
    unsigned_message(&section, &data_key, p.frame_length, plaintext)
}
