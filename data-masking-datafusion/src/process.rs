//! The options the scheduler and executor binaries share: how a process builds its masker.

use std::fmt::Display;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use data_masking::keys::{KeyFile, Keyring, MultiKeyring};
use data_masking::{AlgorithmSuite, DataMasking, Encryptor, Error};
use data_masking_kms::KmsKeyring;

use crate::functions::Functions;

/// The keys and options of a process's functions, from its own command line: keys never
/// travel with a query.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct MaskerArgs {
    /// A local key file (from `data-masking keygen`); repeat for more keys. The first key
    /// (KMS keys first) makes the data keys.
    #[arg(long = "key-file", value_name = "PATH")]
    pub key_files: Vec<PathBuf>,
    /// An AWS KMS key ARN, used with this process's AWS credentials; repeat for more keys.
    #[arg(long = "kms-key", value_name = "ARN")]
    pub kms_keys: Vec<String>,
    /// The algorithm suite of new messages, as hex: 0x0578 (signed, the default) or 0x0478.
    #[arg(long, value_name = "ID")]
    pub suite: Option<String>,
    /// A path that selects nothing is not an error (Powertools' raise_on_missing_field=False).
    #[arg(long)]
    pub allow_missing_fields: bool,
    /// A bad row gives NULL instead of failing the query.
    #[arg(long)]
    pub null_on_bad_row: bool,
}

impl MaskerArgs {
    /// The functions these options describe; masks only when no key is given.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let args = data_masking_datafusion::process::MaskerArgs::default();
    /// let functions = args.functions().await?;
    /// assert_eq!(functions.bad_rows(), 0);
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn functions(&self) -> Result<Functions, Error> {
        let mut keyrings: Vec<Arc<dyn Keyring>> = Vec::new();
        if !self.kms_keys.is_empty() {
            keyrings.push(Arc::new(KmsKeyring::builder(&self.kms_keys).load().await?));
        }
        for path in &self.key_files {
            keyrings.push(KeyFile::read(path)?.into_keyring());
        }
        let mut builder = DataMasking::builder().raise_on_missing_field(!self.allow_missing_fields);
        let mut rest = keyrings.into_iter();
        if let Some(generator) = rest.next() {
            let keyring: Arc<dyn Keyring> = if rest.len() == 0 {
                generator
            } else {
                Arc::new(rest.fold(MultiKeyring::new(generator), MultiKeyring::with_shared))
            };
            let mut encryptor = Encryptor::builder_shared(keyring);
            if let Some(suite) = &self.suite {
                encryptor = encryptor.algorithm_suite(AlgorithmSuite::parse(suite)?);
            }
            builder = builder.encryptor(encryptor.build()?);
        }
        let functions = Functions::new(builder.build());
        Ok(if self.null_on_bad_row {
            functions.null_on_bad_row()
        } else {
            functions
        })
    }

    /// A process's life: builds its functions, then runs `serve` with them to the end. A
    /// masker that cannot be built exits with code 2 after `error[kind]: ...`; a failure of
    /// `serve`, with code 1 after `error: ...`.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::ExitCode;
    /// let args = data_masking_datafusion::process::MaskerArgs::default();
    /// let code = args
    ///     .serve(async |functions| {
    ///         assert_eq!(functions.bad_rows(), 0);
    ///         Ok::<(), String>(())
    ///     })
    ///     .await;
    /// assert_eq!(code, ExitCode::SUCCESS);
    /// # });
    /// ```
    pub async fn serve<E: Display>(
        &self,
        serve: impl AsyncFnOnce(Functions) -> Result<(), E>,
    ) -> ExitCode {
        let functions = match self.functions().await {
            Ok(functions) => functions,
            Err(err) => {
                eprintln!("error[{}]: {err}", err.kind());
                return ExitCode::from(2);
            }
        };
        match serve(functions).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    }
}
