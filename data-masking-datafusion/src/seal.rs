//! `seal` and `unseal`: sealed records, one message per record; one batch a call.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use data_masking::{EncryptionContext, Seal};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value;

use crate::args::{Contexts, Strings, evaluated_literals, is_context, is_string, planned_literals};
use crate::compiled::Compiled;
use crate::functions::Shared;
use crate::rows::Output;

/// Which seal function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SealKind {
    Seal,
    Unseal,
}

impl SealKind {
    pub(crate) const ALL: [SealKind; 2] = [Self::Seal, Self::Unseal];

    fn name(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Unseal => "unseal",
        }
    }
}

/// The [`Seal`] a spec literal describes: a JSON object with `encrypt` and `sign` (arrays of
/// paths), `bind` (an object of context keys to paths) and `member` (the sealed member's name).
fn compile(literals: &[String]) -> data_masking::Result<Seal> {
    let bad = |why: &str| data_masking::Error::Config(format!("invalid seal spec: {why}"));
    let spec: Value = serde_json::from_str(&literals[0]).map_err(|_| bad("not JSON"))?;
    let Value::Object(spec) = spec else {
        return Err(bad("not a JSON object"));
    };
    let paths = |key: &str| -> data_masking::Result<Vec<String>> {
        match spec.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| {
                    p.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad("a path is not a string"))
                })
                .collect(),
            Some(_) => Err(bad("encrypt and sign must be arrays of paths")),
        }
    };
    let mut builder = Seal::builder()
        .encrypt(paths("encrypt")?)
        .sign(paths("sign")?);
    match spec.get("bind") {
        None => {}
        Some(Value::Object(bind)) => {
            for (key, path) in bind {
                let path = path
                    .as_str()
                    .ok_or_else(|| bad("a bound path is not a string"))?;
                builder = builder.bind(key.clone(), path);
            }
        }
        Some(_) => return Err(bad("bind must be an object of context keys to paths")),
    }
    match spec.get("member") {
        None => {}
        Some(Value::String(member)) => builder = builder.member(member.clone()),
        Some(_) => return Err(bad("member must be a string")),
    }
    if let Some(key) = spec
        .keys()
        .find(|k| !["encrypt", "sign", "bind", "member"].contains(&k.as_str()))
    {
        return Err(bad(&format!("unknown key {key}")));
    }
    builder.build()
}

/// One seal function over the set's masker.
#[derive(Debug)]
pub(crate) struct SealUdf {
    kind: SealKind,
    shared: Arc<Shared>,
    signature: Signature,
    compiled: Compiled<Seal>,
}

impl SealUdf {
    pub(crate) fn new(kind: SealKind, shared: &Arc<Shared>) -> Self {
        Self {
            kind,
            shared: Arc::clone(shared),
            // Encryption draws a random data key and message id: never folded as a constant.
            signature: Signature::variadic_any(Volatility::Volatile),
            compiled: Compiled::default(),
        }
    }

    /// One row's result.
    async fn row(
        &self,
        seal: &Seal,
        text: &str,
        ctx: &EncryptionContext,
    ) -> data_masking::Result<String> {
        let masker = &self.shared.masker;
        match self.kind {
            SealKind::Seal => masker.seal_json(text, seal, ctx).await,
            SealKind::Unseal => masker.unseal_json(text, seal, ctx).await,
        }
    }
}

impl PartialEq for SealUdf {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for SealUdf {}

impl Hash for SealUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

impl ScalarUDFImpl for SealUdf {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs<'_>) -> Result<FieldRef> {
        let name = self.name();
        let fields = args.arg_fields;
        if fields.len() != 3 {
            return plan_err!("{name}: expects (record, context, 'spec')");
        }
        if !is_string(fields[0].data_type()) {
            return plan_err!(
                "{name}: the first argument must be a string column of JSON text, not {}",
                fields[0].data_type()
            );
        }
        if !is_context(fields[1].data_type()) {
            return plan_err!(
                "{name}: the context must be a JSON object text or a string map, not {}",
                fields[1].data_type()
            );
        }
        let literals = planned_literals(name, args.scalar_arguments, 2)?;
        self.compiled.get(name, literals, compile)?;
        Ok(Arc::new(Field::new(name, DataType::Utf8, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        crate::blocking::block_on(self.batch(args))?
    }
}

impl SealUdf {
    /// The function over one batch.
    async fn batch(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let seal = self
            .compiled
            .get(name, evaluated_literals(name, &args.args, 2)?, compile)?;
        let rows = args.number_rows;
        let texts = Strings::new(name, &args.args[0], rows)?;
        let mut contexts = Contexts::new(name, &args.args[1])?;
        let mut out = Output::new(name, &self.shared, rows, texts.bytes());
        for row in 0..rows {
            let Some(text) = texts.get(row) else {
                out.push(row, Ok(None))?;
                continue;
            };
            let outcome = match contexts.get(row) {
                Ok(Some(ctx)) => self.row(&seal, text, &ctx).await.map(Some),
                Ok(None) => Err(data_masking::Error::InvalidContext(
                    "the context is NULL".into(),
                )),
                Err(err) => Err(err),
            };
            out.push(row, outcome)?;
        }
        Ok(out.finish())
    }
}
