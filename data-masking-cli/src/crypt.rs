//! `encrypt`, `decrypt` and `keygen`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use std::sync::Arc;

use data_masking::keys::{Keyring, MultiKeyring, RawAesKeyring};
use data_masking::{
    AlgorithmSuite, CommitmentPolicy, DataMasking, EncryptionContext, Error, Fields,
};
use data_masking_kms::KmsKeyring;

use crate::{Failure, IoArgs, io_failure, process};

#[derive(Args, Debug)]
pub(crate) struct CryptArgs {
    #[command(flatten)]
    io: IoArgs,

    /// A field to encrypt or decrypt, in the Powertools dialect; repeatable. None: the whole
    /// value (encrypt prints the message as a JSON string; decrypt reads that string or bare
    /// base64).
    #[arg(long = "field", short = 'f', value_name = "F")]
    fields: Vec<String>,

    /// An encryption context pair, `key=value`; repeatable. Decrypt needs exactly the pairs
    /// encrypt was given.
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    context: Vec<String>,

    /// A local key file (`data-masking keygen` makes one); repeat it to wrap each data key with
    /// several keys (the first generates it). Decrypt tries each.
    #[arg(long = "key-file", short = 'k', value_name = "PATH")]
    key_files: Vec<PathBuf>,

    /// An AWS KMS key ARN (full key ARN, not an alias); repeatable: the first generates each
    /// data key, every one wraps it, decrypt tries each. Credentials, region and endpoint come
    /// from the standard AWS configuration (`AWS_ENDPOINT_URL_KMS` included). May be combined
    /// with --key-file.
    #[arg(long = "kms-key", value_name = "ARN")]
    kms_keys: Vec<String>,

    /// The algorithm suite of new messages: 0x0578 (signed, the default) or 0x0478.
    #[arg(long, value_name = "ID", default_value = "0x0578")]
    suite: String,

    /// Also decrypt messages of the legacy suites without key commitment.
    #[arg(long)]
    allow_legacy_decrypt: bool,

    /// Do not fail when a field matches nothing.
    #[arg(long)]
    allow_missing: bool,
}

#[derive(Args, Debug)]
pub(crate) struct KeygenArgs {
    /// The key namespace (the provider id of its wrapped data keys).
    #[arg(long)]
    namespace: String,

    /// The key name.
    #[arg(long)]
    name: String,

    /// Where to write the key file (created with mode 0600; never overwritten).
    #[arg(long, short, value_name = "PATH")]
    output: PathBuf,
}

fn context(pairs: &[String]) -> Result<EncryptionContext, Error> {
    let parsed = pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .ok_or_else(|| Error::InvalidContext(format!("{p:?} is not key=value")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    EncryptionContext::new(parsed)
}

fn masker(a: &CryptArgs, rt: &tokio::runtime::Runtime) -> Result<DataMasking, Error> {
    let mut keyrings: Vec<Arc<dyn Keyring>> = Vec::new();
    if !a.kms_keys.is_empty() {
        keyrings.push(Arc::new(rt.block_on(KmsKeyring::from_env(&a.kms_keys))?));
    }
    for path in &a.key_files {
        keyrings.push(Arc::new(RawAesKeyring::from_key_file(path)?));
    }
    let mut keyrings = keyrings.into_iter();
    let Some(first) = keyrings.next() else {
        return Err(Error::Config(
            "a key is needed: give --kms-key ARN or --key-file PATH (make one with data-masking keygen)"
                .into(),
        ));
    };
    let mut multi = MultiKeyring::new(first);
    for k in keyrings {
        multi = multi.with_shared(k);
    }
    DataMasking::builder()
        .raise_on_missing_field(!a.allow_missing)
        .keyring(multi)
        .algorithm_suite(AlgorithmSuite::parse(&a.suite)?)
        .commitment_policy(if a.allow_legacy_decrypt {
            CommitmentPolicy::RequireEncryptAllowDecrypt
        } else {
            CommitmentPolicy::RequireEncryptRequireDecrypt
        })
        .try_build()
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| io_failure("cannot start the runtime", None, &e))
}

/// What encrypt and decrypt share: the masker, the context and the fields of the arguments.
struct Job {
    rt: tokio::runtime::Runtime,
    masker: DataMasking,
    ctx: EncryptionContext,
    fields: Option<Fields>,
}

impl Job {
    fn new(a: &CryptArgs) -> Result<Self, Failure> {
        let rt = runtime()?;
        let masker = masker(a, &rt)?;
        let ctx = context(&a.context)?;
        let fields = (!a.fields.is_empty())
            .then(|| Fields::parse(&a.fields))
            .transpose()?;
        Ok(Self {
            rt,
            masker,
            ctx,
            fields,
        })
    }
}

/// `data-masking encrypt`.
pub(crate) fn encrypt(a: &CryptArgs) -> Result<bool, Failure> {
    let job = Job::new(a)?;
    let (rt, masker, ctx, fields) = (&job.rt, &job.masker, &job.ctx, &job.fields);
    process(&a.io, |text| {
        rt.block_on(async {
            if let Some(f) = fields {
                return masker.encrypt_json(text, f, ctx).await;
            }
            // Base64 needs no escaping: the JSON string is the message between quotes.
            let message = masker.encrypt_text(text, ctx).await?;
            let mut out = String::with_capacity(message.len() + 2);
            out.push('"');
            out.push_str(&message);
            out.push('"');
            Ok(out)
        })
    })
}

/// `data-masking decrypt`.
pub(crate) fn decrypt(a: &CryptArgs) -> Result<bool, Failure> {
    let job = Job::new(a)?;
    let (rt, masker, ctx, fields) = (&job.rt, &job.masker, &job.ctx, &job.fields);
    process(&a.io, |text| {
        rt.block_on(async {
            if let Some(f) = fields {
                return masker.decrypt_json(text, f, ctx).await;
            }
            let t = text.trim();
            let b64 = if t.starts_with('"') {
                serde_json::from_str::<String>(t)?
            } else {
                t.to_owned()
            };
            masker.decrypt_text(&b64, ctx).await
        })
    })
}

/// `data-masking keygen`.
pub(crate) fn keygen(a: &KeygenArgs) -> Result<bool, Failure> {
    let text = RawAesKeyring::generate_key_json(&a.namespace, &a.name)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&a.output)
        .map_err(|e| io_failure("cannot create", Some(&a.output), &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|e| io_failure("cannot write", Some(&a.output), &e))?;
    eprintln!(
        "wrote a new 256-bit key {}/{} to {} (mode 0600); keep it secret",
        a.namespace,
        a.name,
        a.output.display()
    );
    Ok(true)
}
