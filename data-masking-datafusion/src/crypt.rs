//! `encrypt_fields`, `decrypt_fields`, `encrypt_value` and `decrypt_value`: one batch a call.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use data_masking::{EncryptionContext, Fields};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::args::{Contexts, Strings, evaluated_literals, is_context, is_string, planned_literals};
use crate::compiled::Compiled;
use crate::functions::Shared;
use crate::rows::Output;

/// Which encryption function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CryptKind {
    EncryptFields,
    DecryptFields,
    EncryptValue,
    DecryptValue,
}

impl CryptKind {
    pub(crate) const ALL: [CryptKind; 4] = [
        Self::EncryptFields,
        Self::DecryptFields,
        Self::EncryptValue,
        Self::DecryptValue,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::EncryptFields => "encrypt_fields",
            Self::DecryptFields => "decrypt_fields",
            Self::EncryptValue => "encrypt_value",
            Self::DecryptValue => "decrypt_value",
        }
    }

    /// Whether the function takes paths after the context.
    fn takes_paths(self) -> bool {
        matches!(self, Self::EncryptFields | Self::DecryptFields)
    }
}

/// One encryption function over the set's masker.
#[derive(Debug)]
pub(crate) struct CryptUdf {
    kind: CryptKind,
    shared: Arc<Shared>,
    signature: Signature,
    compiled: Compiled<Option<Fields>>,
}

impl CryptUdf {
    pub(crate) fn new(kind: CryptKind, shared: &Arc<Shared>) -> Self {
        Self {
            kind,
            shared: Arc::clone(shared),
            // Encryption draws a random data key and message id: never folded as a constant.
            signature: Signature::variadic_any(Volatility::Volatile),
            compiled: Compiled::default(),
        }
    }

    fn compile(kind: CryptKind, paths: &[String]) -> data_masking::Result<Option<Fields>> {
        if kind.takes_paths() {
            Fields::parse(paths).map(Some)
        } else {
            Ok(None)
        }
    }

    /// One row's result.
    async fn row(
        &self,
        fields: Option<&Fields>,
        text: &str,
        ctx: &EncryptionContext,
    ) -> data_masking::Result<String> {
        let masker = &self.shared.masker;
        match (self.kind, fields) {
            (CryptKind::EncryptFields, Some(fields)) => {
                masker.encrypt_json(text, fields, ctx).await
            }
            (CryptKind::DecryptFields, Some(fields)) => {
                masker.decrypt_json(text, fields, ctx).await
            }
            (CryptKind::EncryptValue, _) => masker.encrypt_text(text, ctx).await,
            (CryptKind::DecryptValue, _) => masker.decrypt_text(text, ctx).await,
            _ => Err(data_masking::Error::EmptyFields),
        }
    }
}

impl PartialEq for CryptUdf {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for CryptUdf {}

impl Hash for CryptUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

impl ScalarUDFImpl for CryptUdf {
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
        match (self.kind.takes_paths(), fields.len()) {
            (true, n) if n < 3 => {
                return plan_err!("{name}: expects (value, context, 'path', ...)");
            }
            (false, n) if n != 2 => return plan_err!("{name}: expects (value, context)"),
            _ => {}
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
        let kind = self.kind;
        self.compiled
            .get(name, literals, |l| Self::compile(kind, l))?;
        Ok(Arc::new(Field::new(name, DataType::Utf8, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        crate::blocking::block_on(self.batch(args))?
    }
}

impl CryptUdf {
    /// The function over one batch.
    async fn batch(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let kind = self.kind;
        let fields = self
            .compiled
            .get(name, evaluated_literals(name, &args.args, 2)?, |l| {
                Self::compile(kind, l)
            })?;
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
                Ok(Some(ctx)) => self
                    .row(fields.as_ref().as_ref(), text, &ctx)
                    .await
                    .map(Some),
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
