//! What the derive emits when the input has errors: the errors, and stub impls of the traits
//! it would have implemented, so that the code using them adds no errors of its own and the
//! user meets only the real ones.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attr::ContainerAttrs;
use crate::impls::Impls;

/// The errors, then `impl Sensitive` (and `impl Debug` for `#[sensitive(debug)]`) with bodies
/// that are never run: the crate does not compile.
pub(crate) fn expand(node: &DeriveInput, attrs: &ContainerAttrs, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let private = attrs.private();
    let unreachable = quote!(::core::unreachable!());
    let stubs = Impls {
        private: &private,
        ident: &node.ident,
        generics: &node.generics,
        where_clause: node
            .generics
            .where_clause
            .as_ref()
            .map(|w| quote!(#w))
            .unwrap_or_default(),
        serialize: unreachable.clone(),
        describe: unreachable.clone(),
        signed: unreachable.clone(),
        context: unreachable.clone(),
        debug: attrs.debug.then_some(unreachable),
    };
    quote! {
        #error
        #stubs
    }
}
