//! Generates the `Sensitive` impl (its masked serialization, the rules of its masked and
//! encrypted fields, the paths of its signed fields and the struct's context entries) and the
//! redacted `Debug` of `#[sensitive(debug)]`.
//!
//! The generated code names the runtime only through `::data_masking::__private` (or the path
//! given with `#[sensitive(crate = "...")]`).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::{DeriveInput, Ident, LitStr, Type};

use crate::ast::{Field, Input};
use crate::attr::{self, ContextItem, ContextValue, MaskKind};
use crate::ctxt::Ctxt;
use crate::impls::Impls;
use crate::valid::{self, context_key};

/// The derive's output: the impls, or every error found together with the stub impls of
/// [`fallback`](crate::fallback).
pub(crate) fn derive(node: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::container(&cx, &node.attrs);
    let input = Input::from_syn(&cx, node, &attrs);
    if let Some(input) = &input {
        valid::check(&cx, input);
    }
    match (cx.check(), input) {
        (Ok(()), Some(input)) => expand(&input),
        (Err(error), _) => crate::fallback::expand(node, &attrs, error),
        (Ok(()), None) => crate::fallback::expand(
            node,
            &attrs,
            syn::Error::new(
                Span::call_site(),
                "#[derive(Sensitive)] needs a struct with named fields",
            ),
        ),
    }
}

/// How a field is written in the masked view.
enum Kind<'f> {
    Plain,
    Masked(&'f MaskKind),
    Nested,
}

fn kind<'f>(field: &'f Field<'_>) -> Kind<'f> {
    if let Some(mask) = field.attrs.masks.first() {
        Kind::Masked(&mask.kind)
    } else if field.is_nested() {
        Kind::Nested
    } else {
        Kind::Plain
    }
}

fn mask_rule(private: &TokenStream, kind: &MaskKind) -> TokenStream {
    match kind {
        MaskKind::Default => quote!(#private::MaskRule::Default),
        MaskKind::Dynamic => quote!(#private::MaskRule::Dynamic),
        MaskKind::Custom(c) => quote!(#private::MaskRule::Custom(#c)),
        MaskKind::Regex { pattern, format } => {
            quote!(#private::MaskRule::Regex { pattern: #pattern, format: #format })
        }
    }
}

/// True when `ty` mentions the identifier `ident` anywhere.
fn mentions(ty: &Type, ident: &Ident) -> bool {
    fn walk(tokens: TokenStream, ident: &Ident) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => i == *ident,
            TokenTree::Group(g) => walk(g.stream(), ident),
            _ => false,
        })
    }
    walk(quote!(#ty), ident)
}

fn expand(input: &Input<'_>) -> TokenStream {
    let private = input.attrs.private();
    let (_, _, where_clause) = input.generics.split_for_impl();

    // Bounds on type parameters, as serde does: `T: Serialize` where T is written as it is,
    // `T: Sensitive` where it is inside a #[sensitive] field.
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    for param in input.generics.type_params() {
        let p = &param.ident;
        let used = |pred: &dyn Fn(&Field<'_>) -> bool| {
            input
                .fields
                .iter()
                .any(|f| f.serde.skip.is_none() && pred(f) && mentions(f.ty, p))
        };
        if used(&|f| f.is_nested()) {
            predicates.push(quote!(#p: #private::Sensitive));
        }
        if used(&|f| !f.is_nested() && f.serde.serialize_with.is_none()) {
            predicates.push(quote!(#p: #private::serde::Serialize));
        }
    }

    Impls {
        private: &private,
        ident: input.ident,
        generics: input.generics,
        where_clause: quote!(where #(#predicates,)*),
        serialize: serialize_body(input, &private),
        describe: describe_body(input, &private),
        signed: signed_body(input, &private),
        context: {
            let entries = context_entries(input, &input.attrs.context, &private);
            quote!(&[#(#entries,)*])
        },
        debug: input
            .attrs
            .debug
            .then(|| quote!(#private::debug_masked(self, __f))),
    }
    .into_token_stream()
}

fn serialize_body(input: &Input<'_>, private: &TokenStream) -> TokenStream {
    let serde = quote!(#private::serde);
    let name = LitStr::new(&input.name, Span::call_site());
    let flatten = input.fields.iter().any(|f| f.serde.flatten.is_some());
    let mut statics = Vec::new();
    let mut writes = Vec::new();
    let mut fixed_len = usize::from(input.serde.tag.is_some());
    let mut dynamic_len = Vec::new();

    if let Some(tag) = &input.serde.tag {
        writes.push(if flatten {
            quote!(#serde::ser::SerializeMap::serialize_entry(&mut __state, #tag, #name)?;)
        } else {
            quote!(#serde::ser::SerializeStruct::serialize_field(&mut __state, #tag, #name)?;)
        });
    }

    for (i, field) in input.fields.iter().enumerate() {
        if field.serde.skip.is_some() {
            continue;
        }
        let member = field.ident;
        let key = LitStr::new(&field.name, Span::call_site());
        let ty = field.ty;
        let mask_static = format_ident!("__MASK_{}", i);
        let kind = kind(field);
        if let Kind::Masked(mask) = &kind {
            let rule = mask_rule(private, mask);
            statics.push(quote! {
                static #mask_static: #private::LazyMask = #private::LazyMask::new(#rule);
            });
        }
        let value = match (&field.serde.serialize_with, &kind) {
            (Some((path, _)), kind) => {
                let wrapper = format_ident!("__SerializeWith{}", i);
                let call = if let Kind::Masked(_) = kind {
                    quote! {
                        match #mask_static.get() {
                            #private::Result::Ok(__mask) => #path(
                                self.value,
                                #private::MaskSerializer::new(__s, __mask),
                            ),
                            #private::Result::Err(__e) => #private::Result::Err(
                                <__S2::Error as #serde::ser::Error>::custom(__e),
                            ),
                        }
                    }
                } else {
                    quote!(#path(self.value, __s))
                };
                let mut generics = input.generics.clone();
                generics.params.insert(0, syn::parse_quote!('__a));
                let (w_impl, w_ty, w_where) = generics.split_for_impl();
                let (_, ty_generics, _) = input.generics.split_for_impl();
                let ident = input.ident;
                statics.push(quote! {
                    struct #wrapper #w_impl #w_where {
                        value: &'__a #ty,
                        phantom: #private::PhantomData<#ident #ty_generics>,
                    }
                    impl #w_impl #serde::Serialize for #wrapper #w_ty #w_where {
                        fn serialize<__S2>(&self, __s: __S2) -> #private::Result<__S2::Ok, __S2::Error>
                        where
                            __S2: #serde::Serializer,
                        {
                            #call
                        }
                    }
                });
                quote!(&#wrapper { value: &self.#member, phantom: #private::PhantomData::<Self> })
            }
            (None, Kind::Plain) => quote!(&self.#member),
            (None, Kind::Masked(_)) => {
                quote!(&#private::LazyMasked::new(&self.#member, &#mask_static))
            }
            (None, Kind::Nested) => quote!(&#private::Masked::new(&self.#member)),
        };
        let write = if field.serde.flatten.is_some() {
            quote!(#serde::Serialize::serialize(#value, #private::FlatMapSerializer::new(&mut __state))?;)
        } else if flatten {
            quote!(#serde::ser::SerializeMap::serialize_entry(&mut __state, #key, #value)?;)
        } else {
            quote!(#serde::ser::SerializeStruct::serialize_field(&mut __state, #key, #value)?;)
        };
        if let Some(skip_if) = &field.serde.skip_if {
            {
                dynamic_len.push(quote!(if #skip_if(&self.#member) { 0 } else { 1 }));
                let skip = if flatten {
                    quote!()
                } else {
                    quote!(#serde::ser::SerializeStruct::skip_field(&mut __state, #key)?;)
                };
                writes.push(quote! {
                    if #skip_if(&self.#member) { #skip } else { #write }
                });
            }
        } else {
            fixed_len += 1;
            writes.push(write);
        }
    }

    if flatten {
        quote! {
            #(#statics)*
            let mut __state = #serde::Serializer::serialize_map(__serializer, #private::Option::None)?;
            #(#writes)*
            #serde::ser::SerializeMap::end(__state)
        }
    } else {
        quote! {
            #(#statics)*
            let __len: usize = #fixed_len #(+ #dynamic_len)*;
            let mut __state = #serde::Serializer::serialize_struct(__serializer, #name, __len)?;
            #(#writes)*
            #serde::ser::SerializeStruct::end(__state)
        }
    }
}

fn context_entries(
    input: &Input<'_>,
    items: &[ContextItem],
    private: &TokenStream,
) -> Vec<TokenStream> {
    items
        .iter()
        .filter_map(|item| {
            let key = context_key(input, item)?;
            let source = match &item.value {
                ContextValue::Literal(l) => quote!(#private::ContextSource::Literal(#l)),
                ContextValue::Field(f) => {
                    let name = &input.field(f)?.name;
                    quote!(#private::ContextSource::Field(#name))
                }
            };
            Some(quote!(#private::ContextEntry { key: #key, source: #source }))
        })
        .collect()
}

fn describe_body(input: &Input<'_>, private: &TokenStream) -> TokenStream {
    let container = context_entries(input, &input.attrs.context, private);
    let mut out = Vec::new();
    for field in &input.fields {
        if field.serde.skip.is_some() {
            continue;
        }
        let name = &field.name;
        let mask = if let Some(m) = field.attrs.masks.first() {
            let rule = mask_rule(private, &m.kind);
            quote!(#private::Option::Some(#rule))
        } else {
            quote!(#private::Option::None)
        };
        let encrypt = if let Some(e) = field.attrs.encrypts.first() {
            let own = context_entries(input, &e.context, private);
            let bound = !e.unbound;
            quote!(#private::Option::Some(#private::EncryptRule {
                context: &[#(#container,)* #(#own,)*],
                bound: #bound,
            }))
        } else {
            quote!(#private::Option::None)
        };
        if !field.attrs.masks.is_empty() || field.is_encrypted() {
            out.push(quote! {
                __out.push(#private::SensitiveField {
                    path: __path.child(#name),
                    mask: #mask,
                    encrypt: #encrypt,
                });
            });
        }
        if field.is_nested() {
            let ty = field.ty;
            out.push(quote! {
                __path.push(#private::Step::name(#name));
                <#ty as #private::Sensitive>::describe_fields(__path, __out);
                __path.pop();
            });
        }
    }
    quote!(#(#out)*)
}

/// The body of `describe_signed`: each `#[sign]` field's path, and those of the `#[sign]`
/// fields of each nested type under its field.
fn signed_body(input: &Input<'_>, private: &TokenStream) -> TokenStream {
    let mut out = Vec::new();
    for field in &input.fields {
        if field.serde.skip.is_some() {
            continue;
        }
        let name = &field.name;
        if field.is_signed() {
            out.push(quote!(__out.push(__path.child(#name));));
        }
        if field.is_nested() {
            let ty = field.ty;
            out.push(quote! {
                __path.push(#private::Step::name(#name));
                <#ty as #private::Sensitive>::describe_signed(__path, __out);
                __path.pop();
            });
        }
    }
    quote!(#(#out)*)
}
