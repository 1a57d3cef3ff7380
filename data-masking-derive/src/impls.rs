//! The shape of what the derive emits: `impl Sensitive` (and `impl Debug`) around given bodies,
//! shared by the real impls (`expand`) and the stubs emitted on errors (`fallback`).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Generics, Ident};

/// `impl Sensitive` for a type (and `impl Debug` for `#[sensitive(debug)]`), around the given
/// bodies: the derive's impls and the fallback's stubs differ in bodies and bounds only.
pub(crate) struct Impls<'a> {
    /// The runtime's private path ([`attr::ContainerAttrs::private`]).
    pub(crate) private: &'a TokenStream,
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// `where ...`, or nothing.
    pub(crate) where_clause: TokenStream,
    /// The body of `serialize_masked`, which names its arguments `__serializer`.
    pub(crate) serialize: TokenStream,
    /// The body of `describe_fields`, which names its arguments `__path` and `__out`.
    pub(crate) describe: TokenStream,
    /// The body of `describe_signed`, which names its arguments `__path` and `__out`.
    pub(crate) signed: TokenStream,
    /// The body of `container_context`.
    pub(crate) context: TokenStream,
    /// The body of `Debug::fmt` (its formatter is `__f`), for `#[sensitive(debug)]`.
    pub(crate) debug: Option<TokenStream>,
}

impl ToTokens for Impls<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Impls {
            private,
            ident,
            where_clause,
            serialize,
            describe,
            signed,
            context,
            ..
        } = self;
        let (impl_generics, ty_generics, _) = self.generics.split_for_impl();
        let debug = self.debug.as_ref().map(|body| {
            quote! {
                #[automatically_derived]
                impl #impl_generics #private::fmt::Debug for #ident #ty_generics #where_clause {
                    fn fmt(&self, __f: &mut #private::fmt::Formatter<'_>) -> #private::fmt::Result {
                        #body
                    }
                }
            }
        });
        tokens.extend(quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, clippy::all, clippy::pedantic)]
            const _: () = {
                #[automatically_derived]
                impl #impl_generics #private::Sensitive for #ident #ty_generics #where_clause {
                    fn serialize_masked<__S>(
                        &self,
                        __serializer: __S,
                    ) -> #private::Result<__S::Ok, __S::Error>
                    where
                        __S: #private::serde::Serializer,
                    {
                        #serialize
                    }

                    fn describe_fields(
                        __path: &mut #private::FieldPath,
                        __out: &mut #private::Vec<#private::SensitiveField>,
                    ) {
                        #describe
                    }

                    fn describe_signed(
                        __path: &mut #private::FieldPath,
                        __out: &mut #private::Vec<#private::FieldPath>,
                    ) {
                        #signed
                    }

                    fn container_context() -> &'static [#private::ContextEntry] {
                        #context
                    }
                }
                #debug
            };
        });
    }
}
