//! `encrypt_fields`, `decrypt_fields`, `encrypt_value` and `decrypt_value`: one batch a call.

use data_masking::Fields;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, Volatility};

use crate::shared::Shared;
use crate::udf::{Function, batch_with_context, each_with_context};

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

    /// Whether the function takes paths after the context.
    fn takes_paths(self) -> bool {
        matches!(self, Self::EncryptFields | Self::DecryptFields)
    }
}

impl Function for CryptKind {
    type Compiled = Option<Fields>;

    fn name(self) -> &'static str {
        match self {
            Self::EncryptFields => "encrypt_fields",
            Self::DecryptFields => "decrypt_fields",
            Self::EncryptValue => "encrypt_value",
            Self::DecryptValue => "decrypt_value",
        }
    }

    fn volatility(self) -> Volatility {
        // Encryption draws a random data key and message id: never folded as a constant.
        Volatility::Volatile
    }

    fn literals_from(self) -> usize {
        2
    }

    fn check_count(self, count: usize) -> Result<()> {
        let name = self.name();
        match (self.takes_paths(), count) {
            (true, n) if n < 3 => plan_err!("{name}: expects (value, context, 'path', ...)"),
            (false, n) if n != 2 => plan_err!("{name}: expects (value, context)"),
            _ => Ok(()),
        }
    }

    fn compile(self, paths: &[String]) -> data_masking::Result<Option<Fields>> {
        if self.takes_paths() {
            Fields::parse(paths).map(Some)
        } else {
            Ok(None)
        }
    }

    fn invoke(
        self,
        shared: &Shared,
        fields: &Option<Fields>,
        args: &ScalarFunctionArgs,
    ) -> Result<ColumnarValue> {
        let masker = &shared.masker;
        let name = self.name();
        match (self, fields) {
            (Self::EncryptFields, Some(fields)) => {
                return batch_with_context(name, shared, args, async |rows| {
                    masker.encrypt_json_batch(rows, fields).await
                });
            }
            (Self::EncryptValue, _) => {
                return batch_with_context(name, shared, args, async |rows| {
                    masker.encrypt_text_batch(rows).await
                });
            }
            _ => {}
        }
        each_with_context(name, shared, args, async |text, ctx| match (self, fields) {
            (Self::DecryptFields, Some(fields)) => masker.decrypt_json(text, fields, ctx).await,
            (Self::DecryptValue, _) => masker.decrypt_text(text, ctx).await,
            _ => Err(data_masking::Error::EmptyFields),
        })
    }
}
