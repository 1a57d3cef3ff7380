//! `data-masking sql`: a DataFusion query over files, with the functions registered.

use std::collections::HashMap;
use std::io::{BufWriter, IsTerminal};
use std::path::Path;

use data_masking::{DataMasking, EncryptionContext};
use data_masking_datafusion::datafusion::common::{DataFusionError, ParamValues, ScalarValue};
use data_masking_datafusion::datafusion::prelude::{SessionConfig, SessionContext};
use data_masking_datafusion::files::{self, Format};
use data_masking_datafusion::{FunctionError, Functions};

use crate::args::SqlArgs;
use crate::crypt::{Job, Options, context, runtime};
use crate::output::{commit, create_temp};
use crate::{Failure, io_failure};

/// A query error as a failure: a function's error with its kind (`error[kind]`) and its
/// message (function, row, reason), or any other error as `query`.
fn query_failure(err: &DataFusionError) -> Failure {
    match FunctionError::find(err) {
        Some(found) => Failure {
            kind: found.error.kind(),
            message: found.message(),
        },
        None => Failure {
            kind: "query",
            message: err.to_string(),
        },
    }
}

/// `NAME=PATH`.
fn name_and_path(arg: &str) -> Result<(&str, &Path), Failure> {
    match arg.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok((name, Path::new(path))),
        _ => Err(Failure {
            kind: "config",
            message: format!("{arg:?} is not NAME=PATH"),
        }),
    }
}

/// `data-masking sql`.
pub(crate) fn sql(a: &SqlArgs) -> Result<bool, Failure> {
    let keyed = !a.keys.key_files.is_empty() || !a.keys.kms_keys.is_empty() || a.keys.kms_discovery;
    let (rt, masker, pairs) = if keyed {
        let job = Job::new(&a.keys, Options::encrypting(&a.suite)?)?;
        let masker = job.masker(a.allow_missing)?;
        (job.rt, masker, job.ctx)
    } else {
        let masker = DataMasking::builder()
            .raise_on_missing_field(!a.allow_missing)
            .build();
        (runtime()?, masker, context(&a.keys.context)?)
    };
    let functions = Functions::new(masker);
    let functions = if a.null_on_bad_row {
        functions.null_on_bad_row()
    } else {
        functions
    };
    let format = match (&a.output, a.output_lines) {
        (_, true) => Format::Lines,
        (None, false) => Format::Ndjson,
        (Some(path), false) => Format::of(path).map_err(|e| query_failure(&e))?,
    };
    rt.block_on(async {
        // DataFusion's own settings from the environment (`DATAFUSION_EXECUTION_BATCH_SIZE`,
        // `DATAFUSION_EXECUTION_TARGET_PARTITIONS`, ...), its defaults otherwise.
        let config = SessionConfig::from_env().map_err(|e| query_failure(&e))?;
        let session = SessionContext::new_with_config(config);
        functions.register(&session);
        for table in &a.tables {
            let (name, path) = name_and_path(table)?;
            files::register_table(&session, name, path)
                .await
                .map_err(|e| query_failure(&e))?;
        }
        for table in &a.lines {
            let (name, path) = name_and_path(table)?;
            files::register_lines(&session, name, path)
                .await
                .map_err(|e| query_failure(&e))?;
        }
        let mut frame = session.sql(&a.query).await.map_err(|e| query_failure(&e))?;
        if a.query.contains("$context") {
            frame = frame
                .with_param_values(context_param(&pairs))
                .map_err(|e| query_failure(&e))?;
        }
        let stream = frame
            .execute_stream()
            .await
            .map_err(|e| query_failure(&e))?;
        let mut bar = Progress::new();
        let mut tick = |rows| bar.set(rows);
        match &a.output {
            None => {
                let out = BufWriter::with_capacity(1 << 16, std::io::stdout());
                files::write(stream, format, out, &mut tick)
                    .await
                    .map_err(|e| query_failure(&e))?;
            }
            Some(path) => write_file(stream, format, path, &mut tick).await?,
        }
        bar.finish();
        Ok::<(), Failure>(())
    })?;
    let bad = functions.bad_rows();
    if bad > 0 {
        eprintln!("warning: {bad} bad rows given NULL (--null-on-bad-row)");
    }
    Ok(bad == 0)
}

/// `$context`: the -c pairs as a JSON object text.
fn context_param(pairs: &EncryptionContext) -> ParamValues {
    let object: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect();
    let text = serde_json::Value::Object(object).to_string();
    ParamValues::from(HashMap::from([(
        "context".to_string(),
        ScalarValue::Utf8(Some(text)),
    )]))
}

/// Writes the results to `path`: a device or named pipe as it is; a file through a private
/// temporary file renamed over it only when the whole query succeeded.
async fn write_file(
    stream: data_masking_datafusion::datafusion::execution::SendableRecordBatchStream,
    format: Format,
    path: &Path,
    tick: &mut dyn FnMut(u64),
) -> Result<(), Failure> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| io_failure("cannot open", Some(path), &e))?;
        files::write(stream, format, BufWriter::new(file), tick)
            .await
            .map_err(|e| query_failure(&e))?;
        return Ok(());
    }
    let tmp = create_temp(path)
        .map_err(|e| io_failure("cannot create a temporary file for", Some(path), &e))?;
    let mut out = BufWriter::with_capacity(1 << 16, tmp);
    files::write(stream, format, &mut out, tick)
        .await
        .map_err(|e| query_failure(&e))?;
    let tmp = out
        .into_inner()
        .map_err(|e| io_failure("cannot write", Some(path), e.error()))?;
    commit(tmp, path).map_err(|e| io_failure("cannot write", Some(path), &e))
}

/// Rows written so far, on a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} rows written [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Self(Some(bar))
    }

    fn set(&mut self, rows: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(rows);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
