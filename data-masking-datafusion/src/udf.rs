//! One scalar UDF over the set's masker: what every function shares (its name, signature,
//! literal arguments checked when planned and compiled once, equality by identity), with what
//! distinguishes one function from another behind [`Function`].

use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use data_masking::EncryptionContext;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::args::{Contexts, Strings, evaluated_literals, is_context, is_string, planned_literals};
use crate::compiled::Compiled;
use crate::function_error::FunctionError;
use crate::rows::Output;
use crate::shared::Shared;

/// What distinguishes one function: its name, its arguments, what it compiles from its
/// literal arguments, and what it does to a batch.
pub(crate) trait Function: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// What the literal arguments compile to.
    type Compiled: Debug + Send + Sync + 'static;

    /// The SQL name.
    fn name(self) -> &'static str;

    /// Whether the function gives the same result for the same arguments.
    fn volatility(self) -> Volatility;

    /// The index of the first literal argument (the value, and the context if any, come first).
    fn literals_from(self) -> usize;

    /// Checks the number of arguments (there are at least [`literals_from`](Self::literals_from)).
    fn check_count(self, count: usize) -> Result<()>;

    /// Compiles the literal arguments.
    fn compile(self, literals: &[String]) -> data_masking::Result<Self::Compiled>;

    /// The function over one batch.
    fn invoke(
        self,
        shared: &Shared,
        compiled: &Self::Compiled,
        args: &ScalarFunctionArgs,
    ) -> Result<ColumnarValue>;
}

/// A [`Function`] over the set's masker, as DataFusion calls it.
#[derive(Debug)]
pub(crate) struct Udf<F: Function> {
    function: F,
    shared: Arc<Shared>,
    signature: Signature,
    compiled: Compiled<F::Compiled>,
}

impl<F: Function> Udf<F> {
    pub(crate) fn new(function: F, shared: &Arc<Shared>) -> Self {
        Self {
            function,
            shared: Arc::clone(shared),
            signature: Signature::variadic_any(function.volatility()),
            compiled: Compiled::default(),
        }
    }
}

impl<F: Function> PartialEq for Udf<F> {
    fn eq(&self, other: &Self) -> bool {
        self.function == other.function && Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<F: Function> Eq for Udf<F> {}

impl<F: Function> Hash for Udf<F> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.function.hash(state);
    }
}

impl<F: Function> ScalarUDFImpl for Udf<F> {
    fn name(&self) -> &str {
        self.function.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs<'_>) -> Result<FieldRef> {
        let (function, name) = (self.function, self.function.name());
        let fields = args.arg_fields;
        function.check_count(fields.len())?;
        if !fields.first().is_some_and(|f| is_string(f.data_type())) {
            return plan_err!(
                "{name}: the first argument must be a string column of JSON text, not {}",
                fields
                    .first()
                    .map_or("nothing".into(), |f| f.data_type().to_string())
            );
        }
        if function.literals_from() == 2 && !is_context(fields[1].data_type()) {
            return plan_err!(
                "{name}: the context must be a JSON object text or a string map, not {}",
                fields[1].data_type()
            );
        }
        let literals = planned_literals(name, args.scalar_arguments, function.literals_from())?;
        self.compiled.get(name, literals, |l| function.compile(l))?;
        Ok(Arc::new(Field::new(name, DataType::Utf8, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (function, name) = (self.function, self.function.name());
        let literals = evaluated_literals(name, &args.args, function.literals_from())?;
        let compiled = self.compiled.get(name, literals, |l| function.compile(l))?;
        function.invoke(&self.shared, &compiled, &args)
    }
}

/// Row `i` of a (value, context, ...) batch.
enum Slot<'a> {
    /// The value is NULL: so is the result.
    Null,
    /// The row cannot be processed (its context is NULL or not a context).
    Bad(data_masking::Error),
    /// The value's text and its context.
    Item(&'a str, Arc<EncryptionContext>),
}

/// The rows of a (value, context, ...) batch, read: a NULL context is a bad row.
fn slots<'a>(
    texts: &'a Strings,
    contexts: &mut Contexts,
    rows: usize,
) -> impl Iterator<Item = Slot<'a>> {
    (0..rows).map(move |i| match (texts.get(i), contexts.get(i)) {
        (None, _) => Slot::Null,
        (Some(text), Ok(Some(ctx))) => Slot::Item(text, ctx),
        (Some(_), Ok(None)) => Slot::Bad(data_masking::Error::InvalidContext(
            "the context is NULL".into(),
        )),
        (Some(_), Err(err)) => Slot::Bad(err),
    })
}

/// A function of (value, context, ...) over one batch: `row` for each row whose value is not
/// NULL, with its context, in order (see [`batch_with_context`]).
pub(crate) fn each_with_context<R>(
    name: &'static str,
    shared: &Shared,
    args: &ScalarFunctionArgs,
    row: R,
) -> Result<ColumnarValue>
where
    R: AsyncFn(&str, &EncryptionContext) -> data_masking::Result<String> + Send + Sync,
{
    batch_with_context(name, shared, args, async |items| {
        let mut results = Vec::with_capacity(items.len());
        for (text, ctx) in items {
            results.push(row(text, ctx).await);
        }
        Ok(results)
    })
}

/// A function of (value, context, ...) over one batch that takes the rows whose value is not
/// NULL all at once, each with its context (a NULL context is a bad row): `batch` gives one
/// result a row, in order (its outer error fails the batch). Run to completion on the runtime
/// (see [`crate::blocking`]).
pub(crate) fn batch_with_context<B>(
    name: &'static str,
    shared: &Shared,
    args: &ScalarFunctionArgs,
    batch: B,
) -> Result<ColumnarValue>
where
    B: AsyncFn(
            &[(&str, &EncryptionContext)],
        ) -> data_masking::Result<Vec<data_masking::Result<String>>>
        + Send
        + Sync,
{
    crate::blocking::block_on(|| async {
        let rows = args.number_rows;
        let texts = Strings::new(name, &args.args[0], rows)?;
        let mut contexts = Contexts::new(name, &args.args[1])?;
        let slots: Vec<Slot<'_>> = slots(&texts, &mut contexts, rows).collect();
        let items: Vec<(&str, &EncryptionContext)> = slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Item(text, ctx) => Some((*text, &**ctx)),
                _ => None,
            })
            .collect();
        let results = batch(&items)
            .await
            .map_err(|e| FunctionError::call(name, e))?;
        drop(items);
        let mut out = Output::new(name, shared, rows, texts.bytes());
        let mut results = results.into_iter();
        for (i, slot) in slots.into_iter().enumerate() {
            let outcome = match slot {
                Slot::Null => Ok(None),
                Slot::Bad(err) => Err(err),
                Slot::Item(..) => results
                    .next()
                    .unwrap_or_else(|| {
                        Err(data_masking::Error::Config("a row has no result".into()))
                    })
                    .map(Some),
            };
            out.push(i, outcome)?;
        }
        Ok(out.finish())
    })?
}
