//! The command line: every subcommand's arguments, as clap reads them (their doc comments are
//! the `--help` text).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

/// Erase (mask), encrypt and decrypt sensitive fields of JSON, compatible with Powertools for AWS
/// Lambda Data Masking, and seal and unseal whole records.
#[derive(Parser, Debug)]
#[command(name = "data-masking", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Mask fields irreversibly: reads JSON (a file or standard input), writes JSON to standard
    /// output.
    Erase(EraseArgs),
    /// Encrypt the whole value, or each selected field, into AWS Encryption SDK messages
    /// (base64) bound to an encryption context; with --raw, any bytes into one message.
    Encrypt(EncryptArgs),
    /// Decrypt what `encrypt` (or Powertools for AWS Lambda) produced; with --raw, any AWS
    /// Encryption SDK message under the given keys, to its plaintext bytes.
    Decrypt(DecryptArgs),
    /// Seal each JSON record: the values of --field leave it for placeholders naming their
    /// location, those of --sign stay readable; both go into one AWS Encryption SDK message per
    /// record, kept in the record and bound to the context and the --context-from fields.
    Seal(SealArgs),
    /// Unseal what `seal` produced, given the same options: a record with a placeholder moved,
    /// added or removed, or a signed value changed, is refused (error[record-tampered]), as is
    /// one whose --context-from fields changed (error[context-mismatch]).
    Unseal(UnsealArgs),
    /// Write a new local AES-256 key file for --key-file.
    Keygen(KeygenArgs),
    /// Run a SQL query (Apache DataFusion) over NDJSON, Parquet or CSV files with the masking,
    /// encryption and sealing functions registered; results to NDJSON, Parquet or CSV.
    #[cfg(feature = "sql")]
    Sql(SqlArgs),
}

#[derive(Args, Debug)]
pub(crate) struct IoArgs {
    /// The input file; standard input when absent or `-`.
    pub(crate) input: Option<PathBuf>,

    /// Treat the input as NDJSON: one JSON value a line, processed as a stream. A bad line is
    /// reported on standard error with its number and left out of the output; the other lines
    /// are processed and the exit code is 2.
    #[arg(long)]
    pub(crate) ndjson: bool,

    /// Write the output to this file, atomically: to a new temporary file in the same folder
    /// (random name, created exclusively so no symbolic link is followed, mode 0600 or the
    /// existing file's narrower mode), synced and renamed over FILE only when the whole run
    /// succeeded; on any failure it is removed and FILE is left as it was.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Pretty-print the output (ignored with --ndjson).
    #[arg(long)]
    pub(crate) pretty: bool,

    /// Worker threads for --ndjson (default: one per core).
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// The longest NDJSON line, in bytes, not counting its newline (default: 64 MiB). A longer
    /// line is reported as a bad line with its number and skipped without being held in memory.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_LINE_BYTES,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub(crate) max_line_bytes: u64,
}

/// The default of `--max-line-bytes`: 64 MiB.
const DEFAULT_MAX_LINE_BYTES: u64 = 64 << 20;

#[derive(Args, Debug)]
pub(crate) struct EraseArgs {
    #[command(flatten)]
    pub(crate) io: IoArgs,

    /// A field to mask, in the Powertools dialect (`a.b`, `a[*].b`, `$..name`,
    /// `a[?(@.x > 1)]`); repeatable. None: the whole value.
    #[arg(long = "field", short = 'f', value_name = "F")]
    pub(crate) fields: Vec<String>,

    /// Keep the shape of each value: every character becomes `*` except `-`, `_`, `.` and space.
    #[arg(long, conflicts_with_all = ["custom", "regex", "rules"])]
    pub(crate) dynamic: bool,

    /// Replace each value with this mask, cut to the value's length.
    #[arg(long, value_name = "MASK", conflicts_with_all = ["regex", "rules"])]
    pub(crate) custom: Option<String>,

    /// Rewrite each value with this regular expression (needs --format).
    #[arg(
        long,
        value_name = "PATTERN",
        requires = "format",
        conflicts_with = "rules"
    )]
    pub(crate) regex: Option<String>,

    /// The replacement for --regex: `\1`, `\g<name>`, `$1` or `${name}` insert a group.
    #[arg(long, value_name = "FORMAT", requires = "regex")]
    pub(crate) format: Option<String>,

    /// A JSON file of Powertools `masking_rules`: each path mapped to `{}`,
    /// `{"dynamic_mask": true}`, `{"custom_mask": "..."}` or
    /// `{"regex_pattern": "...", "mask_format": "..."}`.
    #[arg(long, value_name = "FILE", conflicts_with = "fields")]
    pub(crate) rules: Option<PathBuf>,

    /// Do not fail when a field matches nothing.
    #[arg(long)]
    pub(crate) allow_missing: bool,
}

/// The default of `--max-encrypted-data-keys`.
const DEFAULT_MAX_EDKS: u16 = 10;

/// What `encrypt` and `decrypt` share.
#[derive(Args, Debug)]
pub(crate) struct CryptArgs {
    #[command(flatten)]
    pub(crate) io: IoArgs,

    /// A field to encrypt or decrypt, in the Powertools dialect; repeatable. None: the whole
    /// value (encrypt prints the message as a JSON string; decrypt reads that string or bare
    /// base64).
    #[arg(long = "field", short = 'f', value_name = "F")]
    pub(crate) fields: Vec<String>,

    #[command(flatten)]
    pub(crate) keys: KeyArgs,

    /// Do not fail when a field matches nothing.
    #[arg(long)]
    pub(crate) allow_missing: bool,
}

/// The encryption context and the keys of a message: what `encrypt`, `decrypt`, `seal` and
/// `unseal` share.
#[derive(Args, Debug)]
pub(crate) struct KeyArgs {
    /// An encryption context pair, `key=value`; repeatable. Decrypt (and unseal) need exactly
    /// the pairs encrypt (or seal) was given.
    #[arg(long = "context", short = 'c', value_name = "KEY=VALUE")]
    pub(crate) context: Vec<String>,

    /// A local key file, AES or RSA (`data-masking keygen` makes one); repeat it to wrap each
    /// data key with several keys (the first generates it). Decrypt tries each. On Unix a key
    /// file that its group or others may access (mode & 077, e.g. 0644) is refused:
    /// `chmod 600 PATH` (not the file of an RSA public key alone, which only encrypts).
    #[arg(long = "key-file", short = 'k', value_name = "PATH")]
    pub(crate) key_files: Vec<PathBuf>,

    /// Use a key file even if its group or others may access it (a warning is printed instead
    /// of the error).
    #[arg(long)]
    pub(crate) allow_open_key_file: bool,

    /// An AWS KMS key ARN (full key ARN, not an alias); repeatable: the first generates each
    /// data key, every one wraps it, decrypt tries each. Credentials, region and endpoint come
    /// from the standard AWS configuration (`AWS_ENDPOINT_URL_KMS` included). May be combined
    /// with --key-file.
    #[arg(long = "kms-key", value_name = "ARN")]
    pub(crate) kms_keys: Vec<String>,

    /// Decrypt (decrypt and unseal only) with AWS KMS discovery: each encrypted data key of
    /// provider aws-kms is tried with the KMS key its ARN names, in that key's Region, after any
    /// --kms-key and --key-file. Limit it to your keys with --discovery-partition and
    /// --discovery-account.
    #[arg(long)]
    pub(crate) kms_discovery: bool,

    /// The AWS partition of the keys --kms-discovery may use (aws, aws-cn, aws-us-gov); with
    /// --discovery-account.
    #[arg(
        long,
        value_name = "PARTITION",
        requires_all = ["kms_discovery", "discovery_accounts"]
    )]
    pub(crate) discovery_partition: Option<String>,

    /// An AWS account id whose keys --kms-discovery may use; repeatable; with
    /// --discovery-partition.
    #[arg(
        long = "discovery-account",
        value_name = "ACCOUNT",
        requires_all = ["kms_discovery", "discovery_partition"]
    )]
    pub(crate) discovery_accounts: Vec<String>,

    /// Bind --kms-discovery to one Region, multi-Region aware: every Decrypt goes to REGION,
    /// with the keys of REGION, and with a multi-Region key (mrk-...) of any Region through its
    /// replica in REGION (to read another Region's messages with the local replicas). Without
    /// it, each key is called in its own Region.
    #[arg(long, value_name = "REGION", requires = "kms_discovery")]
    pub(crate) discovery_region: Option<String>,

    /// An AWS KMS grant token, sent with every KMS call of --kms-key and --kms-discovery;
    /// repeatable.
    #[arg(long = "grant-token", value_name = "TOKEN")]
    pub(crate) grant_tokens: Vec<String>,
}

/// The algorithm suite of new messages (`encrypt` and `seal`).
#[derive(Args, Debug)]
pub(crate) struct SuiteArgs {
    /// The algorithm suite of new messages: 0x0578 (signed, the default) or 0x0478.
    #[arg(long, value_name = "ID", default_value = "0x0578")]
    pub(crate) suite: String,
}

/// The bound on what one message may make the keyring do (`decrypt` and `unseal`).
#[derive(Args, Debug)]
pub(crate) struct EdkLimitArgs {
    /// The most encrypted data keys a message may carry; a message with more is refused before
    /// any key is tried. Each one may cost a keyring call (with --kms-key, an AWS KMS Decrypt
    /// request), so this bounds what one untrusted message can make decrypt do.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_EDKS,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub(crate) max_encrypted_data_keys: u16,
}

/// `data-masking encrypt`.
#[derive(Args, Debug)]
pub(crate) struct EncryptArgs {
    #[command(flatten)]
    pub(crate) common: CryptArgs,

    #[command(flatten)]
    pub(crate) suite: SuiteArgs,

    /// Encrypt the input's bytes as they are (any bytes, JSON or not) into one message, printed
    /// as with no --field: a base64 JSON string on one line (or the bare message with
    /// --binary). Streamed: memory stays flat whatever the size of the input. Not with
    /// --field, --ndjson or --pretty.
    #[arg(long, conflicts_with_all = ["fields", "ndjson", "pretty"])]
    pub(crate) raw: bool,

    /// With --raw: write the bare binary message (as the AWS Encryption SDK CLI writes it
    /// without --encode, and as every ESDK reads it) instead of its base64 JSON string line.
    #[arg(long, requires = "raw")]
    pub(crate) binary: bool,

    /// A --context key whose pair the messages authenticate but do not store (the AWS
    /// Encryption SDK's required encryption context); repeatable. Every --context must hold
    /// it; decrypt needs the pair again, through the usual --context.
    #[arg(long = "required-context-key", value_name = "KEY")]
    pub(crate) required_context_keys: Vec<String>,
}

/// `data-masking decrypt`.
#[derive(Args, Debug)]
pub(crate) struct DecryptArgs {
    #[command(flatten)]
    pub(crate) common: CryptArgs,

    /// Also decrypt messages of the legacy suites without key commitment (those of ESDK 1.x
    /// and of other SDKs' non-committing suites).
    #[arg(long)]
    pub(crate) allow_legacy_decrypt: bool,

    #[command(flatten)]
    pub(crate) limit: EdkLimitArgs,

    /// Write the message's plaintext bytes as they are (no JSON check, no newline added). The
    /// input is one message: the JSON string or bare base64 that encrypt prints, or the binary
    /// message itself (as the AWS Encryption SDK CLI writes it without --encode), read as a
    /// stream. Nothing is released before the whole message verified: with --output the
    /// plaintext goes, in flat memory, to a temporary file renamed into place only then (and
    /// removed on any failure); on standard output it is spooled (8 MiB in memory, then a
    /// private unnamed temporary file in TMPDIR) and copied out only then (see
    /// --stream-unverified). Not with --field, --ndjson or --pretty.
    #[arg(long, conflicts_with_all = ["fields", "ndjson", "pretty"])]
    pub(crate) raw: bool,

    #[command(flatten)]
    pub(crate) stream: RawDecryptArgs,
}

/// How `decrypt --raw` reads its input and releases its plaintext.
#[derive(Args, Debug)]
pub(crate) struct RawDecryptArgs {
    /// With --raw: the input is the bare binary message, not base64 text.
    #[arg(long, requires = "raw")]
    pub(crate) binary: bool,

    /// With --raw, to standard output: write the plaintext as each batch of frames verifies,
    /// in flat memory, before the message as a whole is known authentic (its final frame and,
    /// for the signing suite 0x0578, its signature come last). On a failure what was written
    /// is NOT authentic: the error is printed and the exit status is 2, and whoever reads
    /// standard output must discard it. Without it the plaintext is held back until the
    /// message verified.
    #[arg(long, requires = "raw", conflicts_with = "output")]
    pub(crate) stream_unverified: bool,
}

/// What `seal` and `unseal` share: the record's layout, the context and the keys. Unseal needs
/// the options that seal was given.
#[derive(Args, Debug)]
#[command(group(
    ArgGroup::new("sealed-fields")
        .args(["fields", "sign"])
        .required(true)
        .multiple(true)
))]
pub(crate) struct SealCommonArgs {
    #[command(flatten)]
    pub(crate) io: IoArgs,

    /// A field to encrypt, in the Powertools dialect; repeatable. Each value it locates leaves
    /// the record, and `{"__encrypted": "<its location>"}` stays in its place. At least one
    /// --field or --sign is needed.
    #[arg(long = "field", short = 'f', value_name = "F")]
    pub(crate) fields: Vec<String>,

    /// A field to sign, in the Powertools dialect; repeatable. Each value it locates stays
    /// readable, and unseal refuses the record if one was changed, removed or added.
    #[arg(long = "sign", value_name = "F")]
    pub(crate) sign: Vec<String>,

    /// Bind the record's message to one of its own fields: the encryption context gains KEY =
    /// the value at PATH (a string, number or boolean, which must not be encrypted);
    /// repeatable. A record whose bound field has another value does not unseal.
    #[arg(long = "context-from", value_name = "KEY=PATH")]
    pub(crate) context_from: Vec<String>,

    /// The top-level member of the record that holds its message (default `__sealed`).
    #[arg(long, value_name = "NAME")]
    pub(crate) member: Option<String>,

    #[command(flatten)]
    pub(crate) keys: KeyArgs,
}

/// `data-masking seal`.
#[derive(Args, Debug)]
pub(crate) struct SealArgs {
    #[command(flatten)]
    pub(crate) common: SealCommonArgs,

    #[command(flatten)]
    pub(crate) suite: SuiteArgs,

    /// Do not fail when a field to encrypt matches nothing.
    #[arg(long)]
    pub(crate) allow_missing: bool,
}

/// `data-masking unseal`.
#[derive(Args, Debug)]
pub(crate) struct UnsealArgs {
    #[command(flatten)]
    pub(crate) common: SealCommonArgs,

    #[command(flatten)]
    pub(crate) limit: EdkLimitArgs,
}

/// The kind of key `keygen` makes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyType {
    /// A 256-bit AES key (the raw AES keyring).
    Aes,
    /// An RSA key pair (the raw RSA keyring).
    Rsa,
}

#[derive(Args, Debug)]
pub(crate) struct KeygenArgs {
    /// The kind of key: aes, a 256-bit AES key, or rsa, an RSA key pair whose public half is
    /// also written alone (see --public-output).
    #[arg(long = "type", value_enum, default_value = "aes")]
    pub(crate) key_type: KeyType,

    /// With --type rsa: the padding, pkcs1, oaep-sha1, oaep-sha256 (the default), oaep-sha384 or
    /// oaep-sha512.
    #[arg(long, value_name = "PADDING")]
    pub(crate) padding: Option<data_masking::keys::RsaPadding>,

    /// With --type rsa: the modulus length, 2048, 3072 or 4096 (the default).
    #[arg(long)]
    pub(crate) bits: Option<usize>,

    /// With --type rsa: where to write the key file of the public half, which only encrypts
    /// (mode 0644; never overwritten). By default beside --output: NAME.public.json for
    /// NAME.json.
    #[arg(long, value_name = "PATH")]
    pub(crate) public_output: Option<PathBuf>,

    /// The key namespace (the provider id of its wrapped data keys).
    #[arg(long)]
    pub(crate) namespace: String,

    /// The key name.
    #[arg(long)]
    pub(crate) name: String,

    /// Where to write the key file (created with mode 0600; never overwritten).
    #[arg(long, short, value_name = "PATH")]
    pub(crate) output: PathBuf,
}

/// `data-masking sql`.
#[cfg(feature = "sql")]
#[derive(Args, Debug)]
pub(crate) struct SqlArgs {
    /// The query. `$context` stands for the -c pairs as a JSON object text.
    pub(crate) query: String,

    /// A table: NAME=PATH, a file or a folder of files, in the format of its extension
    /// (.ndjson, .jsonl or .json: one JSON object a line, columns inferred; .parquet; .csv with a
    /// header row); repeatable.
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub(crate) tables: Vec<String>,

    /// An NDJSON table read as it is: NAME=PATH gives one string column `line`, each line's
    /// JSON text, for the functions to take whole; repeatable.
    #[arg(long = "lines", value_name = "NAME=PATH")]
    pub(crate) lines: Vec<String>,

    /// Write the results to this file (format from its extension: .ndjson, .jsonl, .json,
    /// .parquet or .csv) through a temporary file renamed into place when the query succeeded;
    /// NDJSON on standard output when absent.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Write each value of a one-column string result on its own line, as it is (the JSON texts
    /// of a --lines table, masked), instead of one JSON object a row.
    #[arg(long)]
    pub(crate) output_lines: bool,

    #[command(flatten)]
    pub(crate) keys: KeyArgs,

    #[command(flatten)]
    pub(crate) suite: SuiteArgs,

    /// Do not fail when a path matches nothing.
    #[arg(long)]
    pub(crate) allow_missing: bool,

    /// A bad row (not JSON, a message that does not decrypt, a tampered record) gives NULL,
    /// counted on standard error with exit code 2, instead of failing the query.
    #[arg(long)]
    pub(crate) null_on_bad_row: bool,
}
