//! `#[derive(Sensitive)]` for the `data-masking` crate; use it through `data_masking::Sensitive`.
//!
//! The macro is split as parse ([`ast`], [`attr`]), check ([`valid`], every error of an item
//! collected in a [`ctxt::Ctxt`]) and generate ([`expand`]).

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Derives `data_masking::Sensitive`. Documented in `data_masking::typed`.
#[proc_macro_derive(Sensitive, attributes(sensitive, mask, encrypt))]
pub fn derive_sensitive(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
