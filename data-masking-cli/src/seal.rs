//! `seal` and `unseal`: one message per JSON record, built on the keys, context and message
//! options that `encrypt` and `decrypt` use, and run over the input by the same pipeline.

use data_masking::{DataMasking, Error, Seal};

use crate::Failure;
use crate::args::{SealArgs, SealCommonArgs, UnsealArgs};
use crate::crypt::{Job, Options, key_value_pairs};
use crate::pipeline::process;

/// The [`Seal`] of the arguments, built once for the whole run.
fn seal_of(a: &SealCommonArgs) -> Result<Seal, Error> {
    let mut builder = Seal::builder().encrypt(&a.fields).sign(&a.sign);
    for (key, path) in key_value_pairs(&a.context_from, "KEY=PATH")? {
        builder = builder.bind(key, path);
    }
    if let Some(member) = &a.member {
        builder = builder.member(member.as_str());
    }
    builder.build()
}

/// Which way a run goes.
#[derive(Clone, Copy)]
enum Direction {
    /// Each record in, its sealed form out.
    Seal,
    /// Each sealed record in, checked, the record out.
    Unseal,
}

/// Runs `direction` over each JSON record of the input, with the one `seal` of the run.
fn run(
    a: &SealCommonArgs,
    seal: &Seal,
    job: &Job,
    masker: &DataMasking,
    direction: Direction,
) -> Result<bool, Failure> {
    let (rt, ctx) = (&job.rt, &job.ctx);
    // Sealing works on the text (only the selected values are rewritten when the fields
    // allow); unsealing parses the record.
    process(&a.io, |text| {
        rt.block_on(async {
            match direction {
                Direction::Seal => masker.seal_json(text, seal, ctx).await,
                Direction::Unseal => masker.unseal_json(text, seal, ctx).await,
            }
        })
    })
}

/// `data-masking seal`.
pub(crate) fn seal(a: &SealArgs) -> Result<bool, Failure> {
    // The fields are checked before any key is loaded.
    let spec = seal_of(&a.common)?;
    let job = Job::new(&a.common.keys, Options::encrypting(&a.suite)?)?;
    let masker = job.masker(a.allow_missing)?;
    run(&a.common, &spec, &job, &masker, Direction::Seal)
}

/// `data-masking unseal`.
pub(crate) fn unseal(a: &UnsealArgs) -> Result<bool, Failure> {
    let spec = seal_of(&a.common)?;
    // `seal` writes only suites with key commitment, so no legacy suite is read; and unsealing
    // does not look fields up the way the missing-field setting governs.
    let job = Job::new(&a.common.keys, Options::decrypting(&a.limit, false))?;
    let masker = job.masker(false)?;
    run(&a.common, &spec, &job, &masker, Direction::Unseal)
}
