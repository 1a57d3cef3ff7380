//! `#[derive(Sensitive)]` for the `data-masking` crate; use it through `data_masking::Sensitive`.
//!
//! The macro is split as parse (`ast`, `attr`), check (`valid`, every error of an item
//! collected in a `ctxt::Ctxt`) and generate (`expand`, or on errors `fallback`: the errors and
//! stub impls; both write their impls through `impls`). The grammar of a regex mask's format is the runtime's own source file, compiled
//! here too (`format`), so the compile-time check and `data_masking::Mask::regex` can't disagree.

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod fallback;
#[path = "../../data-masking/src/erase/format.rs"]
mod format;
mod impls;
mod valid;

use proc_macro::TokenStream;

/// Derives `data_masking::Sensitive`. Documented in `data_masking::typed`.
#[proc_macro_derive(Sensitive, attributes(sensitive, mask, encrypt, sign))]
pub fn derive_sensitive(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}
