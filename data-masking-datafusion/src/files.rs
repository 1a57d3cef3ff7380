//! Tables from files and query results to files, streamed: what `data-masking sql` runs on.
//!
//! Formats come from the extension: `.parquet`, `.csv` (with a header row), `.ndjson`,
//! `.jsonl` or `.json` (one JSON object a line, columns inferred by DataFusion). A folder is
//! one table of all its files of the first file's format. [`register_lines`] reads NDJSON as
//! it is, one string column `line` of JSON text a line, so the functions see each record whole,
//! and [`Format::Lines`] writes a one-column result back the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{CsvReadOptions, JsonReadOptions, ParquetReadOptions, SessionContext};
use futures::StreamExt;

/// A file format, for tables and for results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line (`.ndjson`, `.jsonl`, `.json`).
    Ndjson,
    /// Apache Parquet (`.parquet`).
    Parquet,
    /// CSV with a header row (`.csv`).
    Csv,
    /// One JSON text a line, as it is: a table's single `line` column, or a result's single
    /// string column.
    Lines,
}

impl Format {
    /// The format of `path`'s extension; a folder takes the format of its first file (by
    /// name) that has one.
    ///
    /// ```
    /// use data_masking_datafusion::files::Format;
    /// assert_eq!(Format::of("logs/day1.jsonl".as_ref())?, Format::Ndjson);
    /// assert_eq!(Format::of("out.parquet".as_ref())?, Format::Parquet);
    /// assert!(Format::of("notes.txt".as_ref()).is_err());
    /// # Ok::<(), datafusion::error::DataFusionError>(())
    /// ```
    pub fn of(path: &Path) -> Result<Self> {
        if path.is_dir() {
            return first_usable(path)?
                .and_then(|p| Self::of_extension(&p))
                .ok_or_else(|| {
                    DataFusionError::Plan(format!(
                        "{} holds no .parquet, .csv, .ndjson, .jsonl or .json file",
                        path.display()
                    ))
                });
        }
        Self::of_extension(path).ok_or_else(|| {
            DataFusionError::Plan(format!(
                "{}: the format comes from the extension: .parquet, .csv, .ndjson, .jsonl or .json",
                path.display()
            ))
        })
    }

    fn of_extension(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "ndjson" | "jsonl" | "json" => Some(Self::Ndjson),
            "parquet" => Some(Self::Parquet),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// The extension DataFusion lists a folder's files by.
    fn extension_in(path: &Path) -> String {
        let file = if path.is_dir() {
            first_usable(path).ok().flatten()
        } else {
            Some(path.to_path_buf())
        };
        file.and_then(|f| f.extension().map(|e| format!(".{}", e.to_string_lossy())))
            .unwrap_or_default()
    }
}

/// The first file (by name) in folder `dir` whose extension names a format, if any.
fn first_usable(dir: &Path) -> Result<Option<PathBuf>> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && Format::of_extension(p).is_some())
        .min())
}

fn path_text(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| DataFusionError::Plan(format!("{} is not UTF-8", path.display())))
}

/// Registers the file or folder at `path` as table `name`, in the format of its extension.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("dm-files-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let file = dir.join("t.ndjson");
/// std::fs::write(&file, "{\"id\": 1, \"card\": \"4111\"}\n")?;
/// let ctx = datafusion::prelude::SessionContext::new();
/// data_masking_datafusion::files::register_table(&ctx, "t", &file).await?;
/// let rows = ctx.sql("SELECT card FROM t").await?.collect().await?;
/// assert_eq!(rows[0].num_rows(), 1);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn register_table(ctx: &SessionContext, name: &str, path: &Path) -> Result<()> {
    let text = path_text(path)?;
    let extension = Format::extension_in(path);
    match Format::of(path)? {
        Format::Parquet => {
            let options = ParquetReadOptions::default().file_extension(&extension);
            ctx.register_parquet(name, text, options).await
        }
        Format::Csv => {
            let options = CsvReadOptions::new()
                .has_header(true)
                .file_extension(&extension);
            ctx.register_csv(name, text, options).await
        }
        Format::Ndjson | Format::Lines => {
            let options = JsonReadOptions::default().file_extension(&extension);
            ctx.register_json(name, text, options).await
        }
    }
}

/// Registers the NDJSON file or folder at `path` as table `name` of one string column,
/// `line`: each line's text as it is (a blank line is NULL). The functions then see each
/// record whole, as `data-masking erase --ndjson` does.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("dm-lines-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let file = dir.join("t.ndjson");
/// std::fs::write(&file, "{\"a\": [1, \"x\"]}\n")?;
/// let ctx = datafusion::prelude::SessionContext::new();
/// data_masking_datafusion::files::register_lines(&ctx, "t", &file).await?;
/// let rows = ctx.sql("SELECT line FROM t").await?.collect().await?;
/// let line = datafusion::arrow::array::AsArray::as_string::<i32>(rows[0].column(0)).value(0).to_string();
/// assert_eq!(line, "{\"a\": [1, \"x\"]}");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn register_lines(ctx: &SessionContext, name: &str, path: &Path) -> Result<()> {
    let schema = Schema::new(vec![Field::new("line", DataType::Utf8, true)]);
    let extension = Format::extension_in(path);
    // Read as CSV with no header whose delimiter and quote are control characters: a JSON text
    // holds neither outside a string, nor unescaped inside one, so a line is one field as it is.
    let options = CsvReadOptions::new()
        .has_header(false)
        .delimiter(0x1f)
        .quote(0x1e)
        .schema(&schema)
        .file_extension(&extension);
    ctx.register_csv(name, path_text(path)?, options).await
}

/// Writes a query's results to `out` in `format`, batch by batch, calling `progress` with the
/// rows written so far after each batch; returns the rows written.
///
/// [`Format::Lines`] needs a result of one string column and writes each value on its own
/// line as it is (NULL: no line).
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use data_masking_datafusion::files::{Format, write};
/// let ctx = datafusion::prelude::SessionContext::new();
/// let stream = ctx.sql("SELECT 1 AS n").await?.execute_stream().await?;
/// let mut out = Vec::new();
/// assert_eq!(write(stream, Format::Ndjson, &mut out, &mut |_| {}).await?, 1);
/// assert_eq!(out, b"{\"n\":1}\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn write<W: Write + Send>(
    stream: SendableRecordBatchStream,
    format: Format,
    out: W,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let schema = stream.schema();
    match format {
        Format::Ndjson => {
            let mut writer = LineDelimitedWriter::new(out);
            let rows = each_batch(stream, progress, |batch| Ok(writer.write(batch)?)).await?;
            writer.finish()?;
            Ok(rows)
        }
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::Writer::new(out);
            each_batch(stream, progress, |batch| Ok(writer.write(batch)?)).await
        }
        Format::Parquet => {
            let mut writer = ArrowWriter::try_new(out, Arc::clone(&schema), None)?;
            let rows = each_batch(stream, progress, |batch| Ok(writer.write(batch)?)).await?;
            writer.close()?;
            Ok(rows)
        }
        Format::Lines => {
            if schema.fields().len() != 1 || !crate::args::is_string(schema.field(0).data_type()) {
                return plan_err!(
                    "writing lines needs a result of one string column (of JSON text), not {} columns",
                    schema.fields().len()
                );
            }
            let mut out = out;
            let rows = each_batch(stream, progress, |batch| {
                let column = batch.column(0);
                let texts = crate::args::Strings::of(Arc::clone(column));
                for i in 0..column.len() {
                    if let Some(text) = texts.get(i) {
                        if text.contains('\n') {
                            return exec_err!("a value to write as a line holds a line break");
                        }
                        out.write_all(text.as_bytes())?;
                        out.write_all(b"\n")?;
                    }
                }
                Ok(())
            })
            .await?;
            out.flush()?;
            Ok(rows)
        }
    }
}

/// Calls `write` with each batch of `stream` in turn, then `progress` with the rows written so
/// far; returns the rows written.
async fn each_batch(
    mut stream: SendableRecordBatchStream,
    progress: &mut dyn FnMut(u64),
    mut write: impl FnMut(&RecordBatch) -> Result<()>,
) -> Result<u64> {
    let mut rows = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        write(&batch)?;
        rows += batch.num_rows() as u64;
        progress(rows);
    }
    Ok(rows)
}
