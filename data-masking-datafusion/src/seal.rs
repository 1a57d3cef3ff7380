//! `seal` and `unseal`: sealed records, one message per record; one batch a call.

use data_masking::Seal;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, Volatility};
use serde_json::Value;

use crate::shared::Shared;
use crate::udf::{Function, each_with_context};

/// Which seal function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SealKind {
    Seal,
    Unseal,
}

impl SealKind {
    pub(crate) const ALL: [SealKind; 2] = [Self::Seal, Self::Unseal];
}

impl Function for SealKind {
    type Compiled = Seal;

    fn name(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Unseal => "unseal",
        }
    }

    fn volatility(self) -> Volatility {
        // Sealing draws a random data key and message id: never folded as a constant.
        Volatility::Volatile
    }

    fn literals_from(self) -> usize {
        2
    }

    fn check_count(self, count: usize) -> Result<()> {
        if count == 3 {
            return Ok(());
        }
        plan_err!("{}: expects (record, context, 'spec')", self.name())
    }

    fn compile(self, literals: &[String]) -> data_masking::Result<Seal> {
        compile(literals)
    }

    fn invoke(
        self,
        shared: &Shared,
        seal: &Seal,
        args: &ScalarFunctionArgs,
    ) -> Result<ColumnarValue> {
        let masker = &shared.masker;
        each_with_context(self.name(), shared, args, async |text, ctx| match self {
            Self::Seal => masker.seal_json(text, seal, ctx).await,
            Self::Unseal => masker.unseal_json(text, seal, ctx).await,
        })
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
