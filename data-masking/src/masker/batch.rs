//! Many rows in one call: [`DataMasking`]'s batch methods. Every message of a batch is made by
//! the engine's one batching call, so the rows under one encryption context take their data key
//! in one cache visit (one keyring call when the cache is cold), whatever their number.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use super::DataMasking;
use crate::encryption_context::EncryptionContext;
use crate::error::{Error, Result};
use crate::json_text::spans::{Spans, locate_spans};
use crate::json_text::{compact_json, minify, validate_json};
use crate::path::{AsFields, Fields, Targets};

/// The plaintexts of a batch, each with its context, in the order of their messages.
type Plaintexts<'c> = Vec<(Zeroizing<Vec<u8>>, &'c EncryptionContext)>;

/// One row of a batch, read, waiting for its messages (`first..first + count` of the batch's).
enum Row<'t> {
    /// The selected spans of the text (simple queries: no `Value` built).
    Spans {
        text: &'t str,
        spans: Spans,
        first: usize,
    },
    /// The parsed text and its located nodes (other queries). Boxed: the targets are known by
    /// their nodes' addresses, so the root must not move.
    Parsed {
        value: Box<Value>,
        targets: Targets,
        first: usize,
        count: usize,
    },
    /// The whole text is one message.
    Whole { first: usize },
    /// The row could not be read.
    Failed(Error),
}

impl DataMasking {
    /// Encrypts the selected fields of many JSON texts, each under its own context, as
    /// [`encrypt_json`](Self::encrypt_json) does one: the result has one entry per row, in
    /// order.
    ///
    /// All the batch's messages are made together, so the rows under one context take their
    /// data key in one visit to the cache (a cold cache makes one keyring call per distinct
    /// context, not one per row). A row that cannot be read (invalid JSON, or a field that
    /// locates nothing with `raise_on_missing_field`) is an error of that row alone, and so is a
    /// context the keyring refuses (for each row under it); the outer error is for what fails
    /// the whole call (no keyring, a field that does not parse).
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let acme = EncryptionContext::new([("tenant", "acme")])?;
    /// let umbrella = EncryptionContext::new([("tenant", "umbrella")])?;
    /// let rows = [
    ///     (r#"{"card": "4111", "id": 1}"#, &acme),
    ///     (r#"{"card": "#, &acme),
    ///     (r#"{"card": "5500", "id": 3}"#, &umbrella),
    /// ];
    /// let out = masker.encrypt_json_batch(&rows, &["card"]).await?;
    /// let third = out[2].as_ref().unwrap();
    /// assert_eq!(masker.decrypt_json(third, &["card"], &umbrella).await?, r#"{"card": "5500", "id": 3}"#);
    /// assert_eq!(out[1].as_ref().unwrap_err().kind(), "invalid-json");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_json_batch<F: AsFields + ?Sized>(
        &self,
        rows: &[(&str, &EncryptionContext)],
        fields: &F,
    ) -> Result<Vec<Result<String>>> {
        self.engine()?;
        let fields = fields.as_fields()?;
        let mut plaintexts: Plaintexts<'_> = Vec::new();
        let read: Vec<Row<'_>> = rows
            .iter()
            .map(|&(text, ctx)| {
                let first = plaintexts.len();
                self.read_fields(text, &fields, ctx, &mut plaintexts)
                    .unwrap_or_else(|err| {
                        plaintexts.truncate(first);
                        Row::Failed(err)
                    })
            })
            .collect();
        self.finish(read, &plaintexts).await
    }

    /// Encrypts many JSON texts whole, each into one message under its own context, as
    /// [`encrypt_text`](Self::encrypt_text) does one; the result has one entry per row, in
    /// order. The rows under one context take their data key in one cache visit; errors are
    /// placed as in [`encrypt_json_batch`](Self::encrypt_json_batch).
    ///
    /// ```
    /// use data_masking::{DataMasking, EncryptionContext, keys::RawAesKeyring};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let masker = DataMasking::builder()
    ///     .keyring(RawAesKeyring::new("ns", "key", &[7u8; 32])?)
    ///     .build();
    /// let ctx = EncryptionContext::new([("tenant", "acme")])?;
    /// let out = masker.encrypt_text_batch(&[("[1, 2]", &ctx), ("nope", &ctx)]).await?;
    /// assert_eq!(masker.decrypt_text(out[0].as_ref().unwrap(), &ctx).await?, "[1,2]");
    /// assert_eq!(out[1].as_ref().unwrap_err().kind(), "invalid-json");
    /// # Ok::<(), data_masking::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn encrypt_text_batch(
        &self,
        rows: &[(&str, &EncryptionContext)],
    ) -> Result<Vec<Result<String>>> {
        self.engine()?;
        let mut plaintexts: Plaintexts<'_> = Vec::new();
        let read: Vec<Row<'_>> = rows
            .iter()
            .map(|&(text, ctx)| match validate_json(text) {
                Ok(()) => {
                    plaintexts.push((Zeroizing::new(minify(text)), ctx));
                    Row::Whole {
                        first: plaintexts.len() - 1,
                    }
                }
                Err(err) => Row::Failed(err.into()),
            })
            .collect();
        self.finish(read, &plaintexts).await
    }

    /// Reads one row of [`encrypt_json_batch`](Self::encrypt_json_batch): its plaintexts go to
    /// `plaintexts`.
    fn read_fields<'t, 'c>(
        &self,
        text: &'t str,
        fields: &Fields,
        ctx: &'c EncryptionContext,
        plaintexts: &mut Plaintexts<'c>,
    ) -> Result<Row<'t>> {
        let first = plaintexts.len();
        if let Some(located) = locate_spans(text, fields, self.raise_on_missing_field()) {
            let spans = located?;
            for raw in spans.texts(text) {
                plaintexts.push((compact_json(raw)?, ctx));
            }
            return Ok(Row::Spans { text, spans, first });
        }
        let value: Box<Value> = Box::new(serde_json::from_str(text)?);
        let targets = self.targets(&value, fields)?;
        let mut nodes = Vec::new();
        targets.collect(&value, &mut nodes);
        for (node, _) in &nodes {
            plaintexts.push((Zeroizing::new(serde_json::to_vec(node)?), ctx));
        }
        let count = nodes.len();
        drop(nodes);
        Ok(Row::Parsed {
            value,
            targets,
            first,
            count,
        })
    }

    /// Encrypts the plaintexts of the read rows in one batch and writes each row's result (a
    /// context the keyring refuses fails its own rows only).
    async fn finish(
        &self,
        rows: Vec<Row<'_>>,
        plaintexts: &Plaintexts<'_>,
    ) -> Result<Vec<Result<String>>> {
        let mut messages = self.engine()?.encrypt_each(plaintexts).await?.into_iter();
        Ok(rows
            .into_iter()
            .map(|row| {
                // The rows' messages follow each other in order; all of a row's are taken
                // before looking for an error among them.
                let mine: Vec<Result<Vec<u8>>> =
                    messages.by_ref().take(row.messages().len()).collect();
                row.write(&mine.into_iter().collect::<Result<Vec<_>>>()?)
            })
            .collect())
    }
}

impl Row<'_> {
    /// The indices of the row's messages in the batch.
    fn messages(&self) -> std::ops::Range<usize> {
        match self {
            Self::Spans { spans, first, .. } => *first..*first + spans.ranges.len(),
            Self::Parsed { first, count, .. } => *first..*first + *count,
            Self::Whole { first } => *first..*first + 1,
            Self::Failed(_) => 0..0,
        }
    }

    /// The row's output, from its `messages`.
    fn write(self, messages: &[Vec<u8>]) -> Result<String> {
        match self {
            Self::Spans { text, spans, .. } => {
                spans.splice(text, messages.len() * 256, |i, _, out| {
                    out.push('"');
                    STANDARD.encode_string(&messages[i], out);
                    out.push('"');
                    Ok(())
                })
            }
            Self::Parsed {
                mut value, targets, ..
            } => {
                let strings = messages.iter().map(|m| Value::String(STANDARD.encode(m)));
                targets.replace(&mut value, strings);
                Ok(serde_json::to_string(&value)?)
            }
            Self::Whole { .. } => Ok(messages.iter().map(|m| STANDARD.encode(m)).collect()),
            Self::Failed(err) => Err(err),
        }
    }
}
