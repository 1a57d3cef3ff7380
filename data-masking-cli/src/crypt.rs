//! `encrypt`, `decrypt` and `keygen`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use zeroize::Zeroizing;

use data_masking::keys::{Keyring, MultiKeyring, RawAesKeyring};
use data_masking::{
    AlgorithmSuite, CommitmentPolicy, DataMasking, EncryptionContext, Encryptor, Error, Fields,
};
use data_masking_kms::{DiscoveryFilter, KmsDiscoveryKeyring, KmsKeyring, KmsMrkDiscoveryKeyring};

use crate::args::{
    CryptArgs, DecryptArgs, EdkLimitArgs, EncryptArgs, KeyArgs, KeygenArgs, SuiteArgs,
};
use crate::pipeline::process;
use crate::{Failure, io_failure};

/// The largest key file read, in bytes (an AES key file is about 120, an RSA-4096 one about
/// 5,000).
const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

/// Each `KEY=VALUE` argument split at its first `=`; `form` names the form in the error.
pub(crate) fn key_value_pairs<'a>(
    args: &'a [String],
    form: &str,
) -> Result<Vec<(&'a str, &'a str)>, Error> {
    args.iter()
        .map(|p| {
            p.split_once('=')
                .ok_or_else(|| Error::InvalidContext(format!("{p:?} is not {form}")))
        })
        .collect()
}

pub(crate) fn context(pairs: &[String]) -> Result<EncryptionContext, Error> {
    EncryptionContext::new(key_value_pairs(pairs, "key=value")?)
}

/// Reads a key file (AES or RSA). On Unix, a file holding a secret key whose mode lets its group
/// or others in (`mode & 077`) is refused, unless `allow_open` (then a warning is printed); the
/// file of an RSA public key alone holds no secret and may be readable by all. The mode is read
/// from the opened file, so it is the mode of the file that is read.
fn read_key_file(path: &Path, allow_open: bool) -> Result<data_masking::keys::KeyFile, Failure> {
    use data_masking::keys::KeyFile;
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Config(format!("cannot read the key file {}: {e}", path.display()))
    };
    let file = File::open(path).map_err(|e| unreadable(&e))?;
    let meta = file.metadata().map_err(|e| unreadable(&e))?;
    #[cfg(unix)]
    let open_mode = {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        (mode & 0o077 != 0).then(|| {
            let what = format!(
                "the key file {} has mode {mode:04o}: its group or others may read it",
                path.display()
            );
            let fix = format!("make it private with `chmod 600 {}`", path.display());
            (what, fix)
        })
    };
    #[cfg(not(unix))]
    let open_mode: Option<(String, String)> = None;
    // Sized up front so the text is not moved (leaving an unwiped copy) while it is read.
    let size = usize::try_from(meta.len().min(MAX_KEY_FILE_BYTES)).unwrap_or(0);
    let mut text = Zeroizing::new(String::with_capacity(size + 64));
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| unreadable(&e))?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(unreadable(&format_args!(
            "larger than {MAX_KEY_FILE_BYTES} bytes, not a key file"
        ))
        .into());
    }
    let key = KeyFile::from_json(&text);
    let secret = !matches!(&key, Ok(KeyFile::Rsa(k)) if !k.can_decrypt());
    if let Some((what, fix)) = open_mode.filter(|_| secret) {
        if !allow_open {
            return Err(Error::Config(format!(
                "{what}; {fix} (or give --allow-open-key-file to use it anyway)"
            ))
            .into());
        }
        eprintln!("warning: {what}; used because of --allow-open-key-file ({fix})");
    }
    Ok(key?)
}

/// The keyring of the arguments: the KMS keys (if any), each key file, then KMS discovery (when
/// `decrypting`; bound to `--discovery-region` when given), the first generating data keys.
fn keyring(
    a: &KeyArgs,
    decrypting: bool,
    rt: &tokio::runtime::Runtime,
) -> Result<Arc<dyn Keyring>, Failure> {
    if a.kms_discovery && !decrypting {
        return Err(Error::Config(
            "--kms-discovery only decrypts (decrypt, unseal): give --kms-key ARN to encrypt".into(),
        )
        .into());
    }
    if !a.grant_tokens.is_empty() && a.kms_keys.is_empty() && !a.kms_discovery {
        return Err(Error::Config(
            "--grant-token is sent with KMS calls: give --kms-key ARN or --kms-discovery".into(),
        )
        .into());
    }
    let filter = if a.discovery_accounts.is_empty() {
        None
    } else {
        let partition = a.discovery_partition.as_deref().unwrap_or("aws");
        Some(DiscoveryFilter::new(partition, &a.discovery_accounts)?)
    };
    // Key files first: a refused or broken one fails before any AWS configuration is loaded.
    let files = a
        .key_files
        .iter()
        .map(|p| read_key_file(p, a.allow_open_key_file).map(|k| Arc::new(k) as Arc<dyn Keyring>))
        .collect::<Result<Vec<_>, _>>()?;
    let mut keyrings: Vec<Arc<dyn Keyring>> = Vec::new();
    if !a.kms_keys.is_empty() {
        let kms = KmsKeyring::builder(&a.kms_keys).grant_tokens(a.grant_tokens.iter().cloned());
        keyrings.push(Arc::new(rt.block_on(kms.load())?));
    }
    keyrings.extend(files);
    if a.kms_discovery {
        let tokens = a.grant_tokens.iter().cloned();
        if let Some(region) = &a.discovery_region {
            let mut discovery = rt
                .block_on(KmsMrkDiscoveryKeyring::from_env_in_region(region))?
                .with_grant_tokens(tokens);
            if let Some(filter) = filter {
                discovery = discovery.with_filter(filter);
            }
            keyrings.push(Arc::new(discovery));
        } else {
            let mut discovery = rt
                .block_on(KmsDiscoveryKeyring::from_env())
                .with_grant_tokens(tokens);
            if let Some(filter) = filter {
                discovery = discovery.with_filter(filter);
            }
            keyrings.push(Arc::new(discovery));
        }
    }
    let mut keyrings = keyrings.into_iter();
    let Some(first) = keyrings.next() else {
        return Err(Error::Config(
            "a key is needed: give --kms-key ARN or --key-file PATH (make one with data-masking keygen)"
                .into(),
        )
        .into());
    };
    if keyrings.len() == 0 {
        return Ok(first);
    }
    let mut multi = MultiKeyring::new(first);
    for k in keyrings {
        multi = multi.with_shared(k);
    }
    Ok(Arc::new(multi))
}

/// The message options of a command.
pub(crate) struct Options {
    suite: AlgorithmSuite,
    policy: CommitmentPolicy,
    max_edks: Option<u16>,
    /// The context keys that new messages authenticate but do not store.
    required: Vec<String>,
}

impl Options {
    /// The options of a command that makes messages (`encrypt`, `seal`): the suite of
    /// `--suite`, key commitment required.
    pub(crate) fn encrypting(suite: &SuiteArgs) -> Result<Self, Error> {
        Ok(Self {
            suite: AlgorithmSuite::parse(&suite.suite)?,
            policy: CommitmentPolicy::RequireEncryptRequireDecrypt,
            max_edks: None,
            required: Vec::new(),
        })
    }

    /// These options, with new messages authenticating but not storing the pairs of `keys`
    /// (`--required-context-key`).
    pub(crate) fn with_required(mut self, keys: &[String]) -> Self {
        self.required = keys.to_vec();
        self
    }

    /// The options of a command that reads messages (`decrypt`, `unseal`): at most
    /// `--max-encrypted-data-keys` data keys a message, key commitment required unless
    /// `allow_legacy`.
    pub(crate) fn decrypting(limit: &EdkLimitArgs, allow_legacy: bool) -> Self {
        Self {
            suite: AlgorithmSuite::default(),
            policy: if allow_legacy {
                CommitmentPolicy::RequireEncryptAllowDecrypt
            } else {
                CommitmentPolicy::RequireEncryptRequireDecrypt
            },
            max_edks: Some(limit.max_encrypted_data_keys),
            required: Vec::new(),
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| io_failure("cannot start the runtime", None, &e))
}

/// What encrypt, decrypt, seal and unseal share: the runtime, the keyring and the context of
/// the arguments, and the message options.
pub(crate) struct Job {
    pub(crate) rt: tokio::runtime::Runtime,
    keyring: Arc<dyn Keyring>,
    pub(crate) ctx: EncryptionContext,
    options: Options,
}

impl Job {
    pub(crate) fn new(a: &KeyArgs, options: Options) -> Result<Self, Failure> {
        let rt = runtime()?;
        let keyring = keyring(a, options.max_edks.is_some(), &rt)?;
        let ctx = context(&a.context)?;
        Ok(Self {
            rt,
            keyring,
            ctx,
            options,
        })
    }

    /// The JSON engine; a field that matches nothing fails unless `allow_missing`.
    pub(crate) fn masker(&self, allow_missing: bool) -> Result<DataMasking, Error> {
        Ok(DataMasking::builder()
            .raise_on_missing_field(!allow_missing)
            .encryptor(self.encryptor()?)
            .build())
    }

    /// The engine (of --raw bytes, and under the JSON masker).
    fn encryptor(&self) -> Result<Encryptor, Error> {
        let mut b = Encryptor::builder_shared(Arc::clone(&self.keyring))
            .algorithm_suite(self.options.suite)
            .commitment_policy(self.options.policy)
            .required_context_keys(self.options.required.iter().cloned());
        if let Some(max) = self.options.max_edks {
            b = b.max_encrypted_data_keys(max);
        }
        b.build()
    }
}

/// The fields of `--field`, if any (none: the whole value).
fn fields_of(a: &CryptArgs) -> Result<Option<Fields>, Error> {
    (!a.fields.is_empty())
        .then(|| Fields::parse(&a.fields))
        .transpose()
}

/// `data-masking encrypt`.
pub(crate) fn encrypt(a: &EncryptArgs) -> Result<bool, Failure> {
    let options = Options::encrypting(&a.suite)?.with_required(&a.required_context_keys);
    let job = Job::new(&a.common.keys, options)?;
    let (rt, ctx) = (&job.rt, &job.ctx);
    if a.raw {
        let encryptor = job.encryptor()?;
        return crate::stream::encrypt_raw(&a.common.io, a.binary, rt, &encryptor, ctx);
    }
    let masker = job.masker(a.common.allow_missing)?;
    let fields = &fields_of(&a.common)?;
    if fields.is_none() && !a.common.io.ndjson {
        let encryptor = job.encryptor()?;
        return crate::stream::encrypt_json(&a.common.io, rt, &masker, &encryptor, ctx);
    }
    process(&a.common.io, |text| {
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
pub(crate) fn decrypt(a: &DecryptArgs) -> Result<bool, Failure> {
    let options = Options::decrypting(&a.limit, a.allow_legacy_decrypt);
    let job = Job::new(&a.common.keys, options)?;
    let (rt, ctx) = (&job.rt, &job.ctx);
    if a.raw {
        let encryptor = job.encryptor()?;
        let io_args = &a.common.io;
        let kind = crate::stream::Plaintext::Bytes;
        return crate::stream::decrypt(io_args, &a.stream, kind, rt, &encryptor, ctx);
    }
    let masker = job.masker(a.common.allow_missing)?;
    let fields = &fields_of(&a.common)?;
    if fields.is_none() && !a.common.io.ndjson && !a.common.io.pretty {
        // The whole value, streamed: its compact text once the message verified.
        let encryptor = job.encryptor()?;
        let (io_args, kind) = (&a.common.io, crate::stream::Plaintext::Json);
        return crate::stream::decrypt(io_args, &a.stream, kind, rt, &encryptor, ctx);
    }
    process(&a.common.io, |text| {
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
    if a.key_type == crate::args::KeyType::Rsa {
        return keygen_rsa(a);
    }
    if a.padding.is_some() || a.bits.is_some() || a.public_output.is_some() {
        return Err(Error::Config(
            "--padding, --bits and --public-output are for --type rsa".into(),
        )
        .into());
    }
    let text = RawAesKeyring::generate_key_json(&a.namespace, &a.name)?;
    write_new_file(&a.output, text.as_bytes(), 0o600)?;
    eprintln!(
        "wrote a new 256-bit key {}/{} to {} (mode 0600); keep it secret",
        a.namespace,
        a.name,
        a.output.display()
    );
    Ok(true)
}

/// `data-masking keygen --type rsa`: the key file of the pair, and the key file of its public
/// half (`NAME.public.json` beside `NAME.json` unless --public-output says where).
fn keygen_rsa(a: &KeygenArgs) -> Result<bool, Failure> {
    use data_masking::keys::{RawRsaKeyring, RsaPadding};
    let padding = a.padding.unwrap_or(RsaPadding::OaepSha256);
    let bits = a.bits.unwrap_or(4096);
    let public_path = a.public_output.clone().unwrap_or_else(|| {
        let out = a.output.to_string_lossy();
        let stem = out.strip_suffix(".json").unwrap_or(&out);
        format!("{stem}.public.json").into()
    });
    if public_path == a.output {
        return Err(Error::Config("--public-output must differ from --output".into()).into());
    }
    if public_path.exists() {
        return Err(io_failure(
            "cannot create",
            Some(&public_path),
            &std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        ));
    }
    let (key, public) = RawRsaKeyring::generate_key_json(&a.namespace, &a.name, padding, bits)?;
    write_new_file(&a.output, key.as_bytes(), 0o600)?;
    write_new_file(&public_path, public.as_bytes(), 0o644)?;
    eprintln!(
        "wrote a new {bits}-bit RSA key pair {}/{} (padding {padding}) to {} (mode 0600; keep it \
         secret) and its public half to {} (it only encrypts: give it to producers)",
        a.namespace,
        a.name,
        a.output.display(),
        public_path.display()
    );
    Ok(true)
}

/// Writes `text` and a newline to a new file of `mode` (on Unix); never overwrites.
fn write_new_file(path: &Path, text: &[u8], mode: u32) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .map_err(|e| io_failure("cannot create", Some(path), &e))?;
    file.write_all(text)
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|e| io_failure("cannot write", Some(path), &e))
}
