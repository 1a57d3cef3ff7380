//! Streaming encrypt and decrypt: round trips at every frame boundary for both committing
//! suites, interop with the in-memory API both ways, truncation at every frame boundary and a
//! flipped bit in each frame refused with the sink discarded, the `Unverified` opt-in, trailing
//! bytes, frame limits and I/O failures.

use std::io::{self, Read, Write};

use data_masking::keys::RawAesKeyring;
use data_masking::{
    AlgorithmSuite, EncryptionContext, Encryptor, Error, PlaintextSink, Unverified,
};

const FRAME: usize = 128;
const SUITES: [AlgorithmSuite; 2] = [
    AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    AlgorithmSuite::AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
];

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn encryptor(suite: AlgorithmSuite, frame: usize) -> Encryptor {
    Encryptor::builder(RawAesKeyring::new("ns", "stream", &[3u8; 32]).unwrap())
        .algorithm_suite(suite)
        .frame_length(frame as u32)
        .build()
        .unwrap()
}

fn ctx() -> EncryptionContext {
    EncryptionContext::new([("purpose", "stream-test")]).unwrap()
}

fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

fn encrypt_stream(
    rt: &tokio::runtime::Runtime,
    e: &Encryptor,
    p: &[u8],
    declared: bool,
) -> Vec<u8> {
    let len = declared.then_some(p.len() as u64);
    let stream = rt.block_on(e.encrypt_stream(&ctx(), len)).unwrap();
    let mut out = Vec::new();
    assert_eq!(stream.encrypt(p, &mut out).unwrap(), p.len() as u64);
    out
}

/// Records what a decrypt did to it: the bytes written, and whether it was committed or
/// discarded.
#[derive(Default)]
struct Probe {
    bytes: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
enum Fate {
    Committed(usize),
    Discarded,
}

struct ProbeSink<'a>(&'a mut Probe, &'a mut Option<Fate>);

impl Write for ProbeSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PlaintextSink for ProbeSink<'_> {
    type Output = ();
    fn commit(self) -> io::Result<()> {
        *self.1 = Some(Fate::Committed(self.0.bytes.len()));
        Ok(())
    }
    fn discard(self) {
        self.0.bytes.clear();
        *self.1 = Some(Fate::Discarded);
    }
}

/// Streams `message` through read_head, decrypt_stream and decrypt into a probe; returns the
/// result and the sink's fate (`None`: the sink was never reached).
fn decrypt_probe(
    rt: &tokio::runtime::Runtime,
    e: &Encryptor,
    message: &[u8],
) -> (Result<Vec<u8>, Error>, Option<Fate>) {
    let mut reader = message;
    let head = match e.read_head(&mut reader) {
        Ok(h) => h,
        Err(err) => return (Err(err), None),
    };
    let stream = match rt.block_on(e.decrypt_stream(head, &ctx())) {
        Ok(s) => s,
        Err(err) => return (Err(err), None),
    };
    let mut probe = Probe::default();
    let mut fate = None;
    let r = stream.decrypt(reader, ProbeSink(&mut probe, &mut fate));
    (r.map(|()| probe.bytes), fate)
}

fn decrypt_stream(
    rt: &tokio::runtime::Runtime,
    e: &Encryptor,
    message: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut reader = message;
    let head = e.read_head(&mut reader)?;
    let stream = rt.block_on(e.decrypt_stream(head, &ctx()))?;
    stream.decrypt(reader, Vec::new())
}

/// Sizes around every frame boundary of the first frames, and many frames.
fn sizes() -> Vec<usize> {
    let mut v = vec![
        0,
        1,
        FRAME - 1,
        FRAME,
        FRAME + 1,
        2 * FRAME - 1,
        2 * FRAME,
        2 * FRAME + 1,
    ];
    v.extend([100 * FRAME, 100 * FRAME + 7, 9000 * FRAME + 1]);
    v
}

#[test]
fn round_trips_at_every_frame_boundary_and_interoperate_with_the_in_memory_api() {
    let rt = rt();
    for suite in SUITES {
        let e = encryptor(suite, FRAME);
        for len in sizes() {
            let p = plaintext(len);
            for declared in [true, false] {
                let streamed = encrypt_stream(&rt, &e, &p, declared);
                assert_eq!(streamed[0], 2);
                assert_eq!(u16::from_be_bytes([streamed[1], streamed[2]]), suite.id());
                // A streamed message decrypts in memory ...
                assert_eq!(
                    rt.block_on(e.decrypt(&streamed, &ctx())).unwrap(),
                    p,
                    "{suite} {len}"
                );
                // ... and streamed.
                assert_eq!(
                    decrypt_stream(&rt, &e, &streamed).unwrap(),
                    p,
                    "{suite} {len}"
                );
                // The same length as the in-memory message (the bytes differ by id and keys).
                let whole = rt.block_on(e.encrypt(&p, &ctx())).unwrap();
                let slack = if suite.is_signing() { 2 } else { 0 }; // DER signatures vary
                assert!(whole.len().abs_diff(streamed.len()) <= slack, "{len}");
                // An in-memory message decrypts streamed.
                let (got, fate) = decrypt_probe(&rt, &e, &whole);
                assert_eq!(got.unwrap(), p);
                assert_eq!(fate, Some(Fate::Committed(len)));
            }
        }
    }
}

#[test]
fn the_default_frame_length_and_many_batches() {
    let rt = rt();
    for suite in SUITES {
        let e = Encryptor::builder(RawAesKeyring::new("ns", "stream", &[3u8; 32]).unwrap())
            .algorithm_suite(suite)
            .build()
            .unwrap();
        for len in [4095, 4096, 4097, (3 << 20) + 4096, (3 << 20) + 5] {
            let p = plaintext(len);
            let m = encrypt_stream(&rt, &e, &p, false);
            assert_eq!(rt.block_on(e.decrypt(&m, &ctx())).unwrap(), p);
            assert_eq!(decrypt_stream(&rt, &e, &m).unwrap(), p);
        }
    }
}

/// Where each frame of a message of `len` bytes in `FRAME`-byte frames starts (then where its
/// body ends), and where its body ends (the footer, if any, starts).
fn frame_starts(e: &Encryptor, message: &[u8], len: usize) -> (Vec<usize>, usize) {
    let mut reader = message;
    e.read_head(&mut reader).unwrap();
    let header = message.len() - reader.len();
    let regular = 4 + 12 + FRAME + 16;
    let full = len / FRAME;
    let body_end = header + full * regular + 4 + 4 + 12 + 4 + len % FRAME + 16;
    let mut starts: Vec<usize> = (0..=full).map(|i| header + i * regular).collect();
    starts.push(body_end);
    (starts, body_end)
}

#[test]
fn truncation_at_every_frame_boundary_and_a_flipped_bit_in_each_frame_are_refused() {
    let rt = rt();
    for suite in SUITES {
        let e = encryptor(suite, FRAME);
        for len in [0, FRAME, 5 * FRAME + 3] {
            let p = plaintext(len);
            let m = encrypt_stream(&rt, &e, &p, false);
            let (starts, body_end) = frame_starts(&e, &m, len);
            assert_eq!(decrypt_stream(&rt, &e, &m).unwrap(), p);
            // Cut at every frame boundary (and one byte either side), and inside the footer.
            let mut cuts: Vec<usize> = starts
                .iter()
                .flat_map(|&s| [s.saturating_sub(1), s, s + 1])
                .filter(|&c| c < m.len())
                .collect();
            if body_end < m.len() {
                cuts.extend([body_end + 1, m.len() - 1]);
            }
            for cut in cuts {
                let (r, fate) = decrypt_probe(&rt, &e, &m[..cut]);
                let err = r.unwrap_err();
                assert_eq!(
                    err.kind(),
                    "decrypt-value",
                    "{suite} {len} cut at {cut}: {err}"
                );
                assert_ne!(fate, Some(Fate::Committed(0)));
                assert!(!matches!(fate, Some(Fate::Committed(_))), "{cut}");
            }
            // A flipped bit in each frame (its head, content and tag), and in the footer.
            for w in starts.windows(2) {
                for at in [w[0], w[0] + 5, w[0] + 20, w[1] - 1] {
                    if at >= m.len() {
                        continue;
                    }
                    let mut bad = m.clone();
                    bad[at] ^= 0x10;
                    let (r, fate) = decrypt_probe(&rt, &e, &bad);
                    let err = r.unwrap_err();
                    assert_eq!(
                        err.kind(),
                        "decrypt-value",
                        "{suite} {len} bit at {at}: {err}"
                    );
                    assert!(!matches!(fate, Some(Fate::Committed(_))), "{at}");
                }
            }
        }
    }
}

#[test]
fn a_failure_after_plaintext_was_written_discards_the_sink() {
    let rt = rt();
    let e = encryptor(SUITES[0], FRAME);
    let p = plaintext(50 * FRAME);
    let mut m = encrypt_stream(&rt, &e, &p, true);
    let last = m.len() - 1;
    m[last] ^= 1; // the signature
    let (r, fate) = decrypt_probe(&rt, &e, &m);
    assert_eq!(r.unwrap_err().kind(), "decrypt-value");
    assert_eq!(fate, Some(Fate::Discarded));
}

#[test]
fn bytes_after_the_message_are_refused() {
    let rt = rt();
    for suite in SUITES {
        let e = encryptor(suite, FRAME);
        let mut m = encrypt_stream(&rt, &e, &plaintext(300), false);
        m.push(0);
        let (r, fate) = decrypt_probe(&rt, &e, &m);
        let err = r.unwrap_err();
        assert!(err.to_string().contains("bytes after the end"), "{err}");
        assert_eq!(fate, Some(Fate::Discarded));
    }
}

#[test]
fn frames_out_of_order_are_refused() {
    let rt = rt();
    let e = encryptor(SUITES[1], FRAME);
    let len = 3 * FRAME + 1;
    let m = encrypt_stream(&rt, &e, &plaintext(len), false);
    let (starts, _) = frame_starts(&e, &m, len);
    let regular = 4 + 12 + FRAME + 16;
    let mut swapped = m.clone();
    swapped[starts[0]..starts[0] + regular].copy_from_slice(&m[starts[1]..starts[1] + regular]);
    swapped[starts[1]..starts[1] + regular].copy_from_slice(&m[starts[0]..starts[0] + regular]);
    let err = decrypt_stream(&rt, &e, &swapped).unwrap_err();
    assert!(err.to_string().contains("out of order"), "{err}");
    // A regular frame dropped.
    let mut dropped = m[..starts[1]].to_vec();
    dropped.extend_from_slice(&m[starts[2]..]);
    assert!(decrypt_stream(&rt, &e, &dropped).is_err());
}

/// Released early only through the explicit `Unverified` wrapper: the batches of frames that
/// verified reach the writer, a prefix of the plaintext, and the error still comes.
#[test]
fn unverified_releases_verified_frames_and_still_fails() {
    let rt = rt();
    for suite in SUITES {
        let e = encryptor(suite, FRAME);
        let frames = 20_000;
        let p = plaintext(frames * FRAME + 5);
        let m = encrypt_stream(&rt, &e, &p, false);
        let (starts, _) = frame_starts(&e, &m, p.len());
        // Cut inside the final frame: every regular frame verified, the final one never came.
        let cut = &m[..starts[frames] + 10];
        let mut reader = cut;
        let head = e.read_head(&mut reader).unwrap();
        let stream = rt.block_on(e.decrypt_stream(head, &ctx())).unwrap();
        let mut out = Vec::new();
        let err = stream.decrypt(reader, Unverified(&mut out)).unwrap_err();
        assert_eq!(err.kind(), "decrypt-value");
        assert!(
            !out.is_empty() && out.len() < p.len(),
            "{suite}: {}",
            out.len()
        );
        assert_eq!(out[..], p[..out.len()], "{suite}");
        assert_eq!(out.len() % FRAME, 0);
        // The safe sink got nothing to keep.
        let (r, fate) = decrypt_probe(&rt, &e, cut);
        assert!(r.is_err());
        assert_eq!(fate, Some(Fate::Discarded));
        // Whole, it is the plaintext.
        let mut reader = &m[..];
        let head = e.read_head(&mut reader).unwrap();
        let stream = rt.block_on(e.decrypt_stream(head, &ctx())).unwrap();
        let out = stream.decrypt(reader, Unverified(Vec::new())).unwrap();
        assert_eq!(out, p);
    }
}

#[test]
fn contexts_keys_and_limits_are_checked_before_any_plaintext() {
    let rt = rt();
    let e = encryptor(SUITES[0], FRAME);
    let m = encrypt_stream(&rt, &e, &plaintext(1000), false);
    let mut reader = &m[..];
    let head = e.read_head(&mut reader).unwrap();
    let err = rt
        .block_on(e.decrypt_stream(head.clone(), &EncryptionContext::empty()))
        .unwrap_err();
    assert_eq!(err.kind(), "context-mismatch");
    let other = Encryptor::new(RawAesKeyring::new("ns", "stream", &[4u8; 32]).unwrap()).unwrap();
    let err = rt
        .block_on(other.decrypt_stream(head.clone(), &ctx()))
        .unwrap_err();
    assert_eq!(err.kind(), "decrypt-key", "{err}");
    let stream = rt.block_on(e.decrypt_stream(head, &ctx())).unwrap();
    let err = stream
        .max_frame_length(64)
        .decrypt(reader, Vec::new())
        .unwrap_err();
    assert!(err.to_string().contains("frame length"), "{err}");
    let strict = Encryptor::builder(RawAesKeyring::new("ns", "stream", &[3u8; 32]).unwrap())
        .max_encrypted_data_keys(1)
        .build()
        .unwrap();
    let multi = Encryptor::new(
        data_masking::keys::MultiKeyring::new(
            RawAesKeyring::new("ns", "stream", &[3u8; 32]).unwrap(),
        )
        .with(RawAesKeyring::new("ns", "other", &[5u8; 32]).unwrap()),
    )
    .unwrap();
    let two = encrypt_stream(&rt, &multi, b"x", false);
    let err = strict.read_head(&mut &two[..]).unwrap_err();
    assert!(err.to_string().contains("more than the 1 allowed"), "{err}");
}

struct FailingReader(usize);

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.0);
        buf[..n].fill(1);
        self.0 -= n;
        Ok(n)
    }
}

#[derive(Debug)]
struct FailingWriter;

impl Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("no space left"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn io_failures_are_io_errors() {
    let rt = rt();
    let e = encryptor(SUITES[0], FRAME);
    let stream = rt.block_on(e.encrypt_stream(&ctx(), None)).unwrap();
    let err = stream.encrypt(FailingReader(5000), Vec::new()).unwrap_err();
    assert_eq!(err.kind(), "io");
    assert!(err.to_string().contains("disk on fire"), "{err}");
    let stream = rt.block_on(e.encrypt_stream(&ctx(), None)).unwrap();
    let err = stream.encrypt(&b"abc"[..], FailingWriter).unwrap_err();
    assert_eq!(err.kind(), "io");
    let m = encrypt_stream(&rt, &e, &plaintext(3000), false);
    let mut reader = &m[..];
    let head = e.read_head(&mut reader).unwrap();
    let stream = rt.block_on(e.decrypt_stream(head, &ctx())).unwrap();
    let err = stream
        .decrypt(reader, Unverified(FailingWriter))
        .unwrap_err();
    assert_eq!(err.kind(), "io");
}

/// A reader that hands out one byte at a time: the stream code must not assume full reads.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

#[test]
fn short_reads_are_fine() {
    let rt = rt();
    for suite in SUITES {
        let e = encryptor(suite, FRAME);
        let p = plaintext(7 * FRAME + 3);
        let stream = rt.block_on(e.encrypt_stream(&ctx(), None)).unwrap();
        let mut m = Vec::new();
        stream.encrypt(Trickle(&p), &mut m).unwrap();
        let mut reader = Trickle(&m);
        let head = e.read_head(&mut reader).unwrap();
        let stream = rt.block_on(e.decrypt_stream(head, &ctx())).unwrap();
        assert_eq!(stream.decrypt(reader, Vec::new()).unwrap(), p);
    }
}

mod vectors {
    //! Every message of the Python ESDK vectors (all eleven suites, framed and non-framed, and
    //! the negative cases) gives the same result streamed as in memory: the same plaintext, or
    //! an error of the same kind.

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use data_masking::keys::{MultiKeyring, RawAesKeyring};
    use data_masking::{CommitmentPolicy, EncryptionContext, Encryptor, Error};
    use serde_json::Value;

    fn read_json(path: &str) -> Value {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).expect("JSON")
    }

    fn encryptor(meta: &Value, names: &[&str]) -> Encryptor {
        let ns = meta["key_namespace"].as_str().expect("namespace");
        let key = |n: &str| {
            let bytes = STANDARD
                .decode(meta["keys"][n].as_str().expect("key"))
                .expect("base64");
            RawAesKeyring::new(ns, n, &bytes).expect("keyring")
        };
        let mut multi = MultiKeyring::new(key(names[0]));
        for n in &names[1..] {
            multi = multi.with(key(n));
        }
        Encryptor::builder(multi)
            .commitment_policy(CommitmentPolicy::RequireEncryptAllowDecrypt)
            .build()
            .expect("encryptor")
    }

    fn context(v: &Value) -> EncryptionContext {
        EncryptionContext::new(
            v.as_object()
                .expect("context")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned())),
        )
        .expect("context")
    }

    fn streamed(
        rt: &tokio::runtime::Runtime,
        e: &Encryptor,
        msg: &[u8],
        ctx: &EncryptionContext,
    ) -> Result<Vec<u8>, Error> {
        let mut reader = msg;
        let head = e.read_head(&mut reader)?;
        let stream = rt.block_on(e.decrypt_stream(head, ctx))?;
        stream.decrypt(reader, Vec::new())
    }

    fn same(name: &str, a: Result<Vec<u8>, Error>, b: Result<Vec<u8>, Error>) {
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
            (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{name}: {a} / {b}"),
            (a, b) => panic!("{name}: in memory {a:?}, streamed {b:?}"),
        }
    }

    #[test]
    fn streamed_as_in_memory() {
        let rt = super::rt();
        let shared = read_json(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/vectors/esdk_raw_aes.json"
        ));
        let meta = &shared["meta"];
        let mut n = 0;
        for v in shared["vectors"].as_array().expect("vectors") {
            let names: Vec<&str> = v["keys"]
                .as_array()
                .expect("keys")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let e = encryptor(meta, &names);
            let ctx = context(&v["encryption_context"]);
            let Ok(msg) = STANDARD.decode(v["ciphertext"].as_str().expect("ciphertext")) else {
                continue;
            };
            let name = v["name"].as_str().expect("name");
            same(
                name,
                rt.block_on(e.decrypt(&msg, &ctx)),
                streamed(&rt, &e, &msg, &ctx),
            );
            n += 1;
        }
        let suites = read_json(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/esdk_python_suites.json"
        ));
        let e = encryptor(meta, &["key-a"]);
        let mut non_framed = 0;
        for v in suites["vectors"].as_array().expect("vectors") {
            let msg = STANDARD
                .decode(v["ciphertext"].as_str().expect("ciphertext"))
                .expect("base64");
            let ctx = context(&v["context"]);
            let name = format!("{} frame {}", v["suite"], v["frame_length"]);
            let streamed = streamed(&rt, &e, &msg, &ctx);
            assert!(streamed.is_ok(), "{name}: {streamed:?}");
            non_framed += usize::from(v["frame_length"] == 0);
            same(&name, rt.block_on(e.decrypt(&msg, &ctx)), streamed);
            n += 1;
        }
        assert!(non_framed >= 11, "{non_framed}");
        assert!(n >= 45, "{n}");
    }
}

/// The async calls: tokio readers and writers, the byte work on the blocking pool, the same
/// messages and the same refusals, on both kinds of runtime.
#[test]
fn async_readers_and_writers() {
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for rt in [rt(), multi] {
        for suite in SUITES {
            let e = encryptor(suite, FRAME);
            let p = plaintext(3 * (1 << 20) + 77);
            let (n, m) = rt
                .block_on(e.encrypt_async(
                    &ctx(),
                    Some(p.len() as u64),
                    io::Cursor::new(p.clone()),
                    Vec::new(),
                ))
                .unwrap();
            assert_eq!(n, p.len() as u64);
            assert_eq!(rt.block_on(e.decrypt(&m, &ctx())).unwrap(), p);
            let back = rt
                .block_on(e.decrypt_async(io::Cursor::new(m.clone()), &ctx(), Vec::new()))
                .unwrap();
            assert_eq!(back, p);
            let (starts, _) = frame_starts(&e, &m, p.len());
            let cut = m[..starts[5000]].to_vec();
            let record = Record::default();
            let sink = ProbeSinkOwned {
                record: std::sync::Arc::clone(&record),
            };
            let err = rt
                .block_on(e.decrypt_async(io::Cursor::new(cut), &ctx(), sink))
                .unwrap_err();
            assert_eq!(err.kind(), "decrypt-value");
            assert_eq!(record.lock().unwrap().1, Some(Fate::Discarded));
            let err = rt
                .block_on(e.decrypt_async(
                    io::Cursor::new(m),
                    &EncryptionContext::empty(),
                    Vec::new(),
                ))
                .unwrap_err();
            assert_eq!(err.kind(), "context-mismatch");
        }
    }
}

/// A probe sink that is `Send + 'static` (for the async calls): what it was given and its
/// fate, in a record the test keeps a handle to.
type Record = std::sync::Arc<std::sync::Mutex<(Vec<u8>, Option<Fate>)>>;

struct ProbeSinkOwned {
    record: Record,
}

impl Write for ProbeSinkOwned {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.record.lock().unwrap().0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl PlaintextSink for ProbeSinkOwned {
    type Output = ();
    fn commit(self) -> io::Result<()> {
        let mut r = self.record.lock().unwrap();
        let n = r.0.len();
        r.1 = Some(Fate::Committed(n));
        Ok(())
    }
    fn discard(self) {
        let mut r = self.record.lock().unwrap();
        r.0.clear();
        r.1 = Some(Fate::Discarded);
    }
}
