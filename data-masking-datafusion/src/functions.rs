//! The set of functions over one masker, and registering them.

use std::sync::Arc;

use data_masking::DataMasking;
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::ScalarUDF;

use crate::crypt::CryptKind;
use crate::mask::MaskKind;
use crate::seal::SealKind;
use crate::shared::Shared;
use crate::to_json::ToJson;
use crate::udf::Udf;

/// data-masking's functions over one [`DataMasking`]: build them once, register them in every
/// session (or a Ballista scheduler's and executors' session states) that should see them.
///
/// ```
/// use data_masking::DataMasking;
/// use data_masking_datafusion::Functions;
/// use datafusion::prelude::SessionContext;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let functions = Functions::new(DataMasking::new()).null_on_bad_row();
/// let ctx = SessionContext::new();
/// functions.register(&ctx);
/// let batches = ctx.sql("SELECT mask('not json', 'a') AS m").await?.collect().await?;
/// assert!(batches[0].column(0).is_null(0));
/// assert_eq!(functions.bad_rows(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Functions {
    shared: Arc<Shared>,
}

impl Functions {
    /// The functions over `masker`; a bad row fails the query.
    ///
    /// ```
    /// let functions = data_masking_datafusion::Functions::new(data_masking::DataMasking::new());
    /// assert_eq!(functions.bad_rows(), 0);
    /// ```
    pub fn new(masker: DataMasking) -> Self {
        Self {
            shared: Arc::new(Shared::new(masker, false, 0)),
        }
    }

    /// A bad row gives NULL, counted by [`bad_rows`](Self::bad_rows), instead of failing the
    /// query. Applies to the functions made after this call.
    ///
    /// ```
    /// let functions =
    ///     data_masking_datafusion::Functions::new(data_masking::DataMasking::new()).null_on_bad_row();
    /// # let _ = functions;
    /// ```
    #[must_use]
    pub fn null_on_bad_row(self) -> Self {
        Self {
            shared: Arc::new(Shared::new(
                self.shared.masker.clone(),
                true,
                self.bad_rows(),
            )),
        }
    }

    /// The rows given NULL for being bad so far, by every function of this set, in this
    /// process (on a cluster, each executor counts its own).
    ///
    /// ```
    /// let functions = data_masking_datafusion::Functions::new(data_masking::DataMasking::new());
    /// assert_eq!(functions.bad_rows(), 0);
    /// ```
    pub fn bad_rows(&self) -> u64 {
        self.shared.bad_rows()
    }

    /// The functions as DataFusion UDFs, for a `SessionStateBuilder` or a Ballista function
    /// registry.
    ///
    /// ```
    /// let functions = data_masking_datafusion::Functions::new(data_masking::DataMasking::new());
    /// let names: Vec<_> = functions.udfs().iter().map(|f| f.name().to_string()).collect();
    /// assert!(names.contains(&"encrypt_fields".to_string()));
    /// ```
    pub fn udfs(&self) -> Vec<Arc<ScalarUDF>> {
        let mut udfs: Vec<Arc<ScalarUDF>> = MaskKind::ALL
            .iter()
            .map(|&kind| Arc::new(ScalarUDF::new_from_impl(Udf::new(kind, &self.shared))))
            .collect();
        for kind in CryptKind::ALL {
            let udf = Udf::new(kind, &self.shared);
            udfs.push(Arc::new(ScalarUDF::new_from_impl(udf)));
        }
        for kind in SealKind::ALL {
            let udf = Udf::new(kind, &self.shared);
            udfs.push(Arc::new(ScalarUDF::new_from_impl(udf)));
        }
        udfs.push(Arc::new(ScalarUDF::new_from_impl(ToJson::new())));
        udfs
    }

    /// Registers every function in `ctx`.
    ///
    /// ```
    /// use datafusion::execution::FunctionRegistry;
    /// let ctx = datafusion::prelude::SessionContext::new();
    /// data_masking_datafusion::Functions::new(data_masking::DataMasking::new()).register(&ctx);
    /// assert!(ctx.udf("mask").is_ok());
    /// ```
    pub fn register(&self, ctx: &SessionContext) {
        for udf in self.udfs() {
            ctx.register_udf(Arc::unwrap_or_clone(udf));
        }
    }
}

/// Registers data-masking's functions over `masker` in `ctx` (a bad row fails the query), and
/// returns them.
///
/// ```
/// use datafusion::execution::FunctionRegistry;
/// let ctx = datafusion::prelude::SessionContext::new();
/// data_masking_datafusion::register(&ctx, data_masking::DataMasking::new());
/// assert!(ctx.udf("mask_regex").is_ok());
/// ```
pub fn register(ctx: &SessionContext, masker: DataMasking) -> Functions {
    let functions = Functions::new(masker);
    functions.register(ctx);
    functions
}
