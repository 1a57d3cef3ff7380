//! Generates the `Sensitive` impl (its masked serialization, the rules of its masked and
//! encrypted fields, the paths of its signed fields and the struct's context entries) and the
//! redacted `Debug` of `#[sensitive(debug)]`.
//!
//! The generated code names the runtime only through `::data_masking::__private` (or the path
//! given with `#[sensitive(crate = "...")]`).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::{DeriveInput, Ident, LitStr, Type};

use crate::ast::{Data, Field, Input, Style, Tagging, Variant, find};
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
                "#[derive(Sensitive)] needs a struct or an enum",
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
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let ident = input.ident;

    // Bounds on type parameters, as serde does: `T: Serialize` where T is written as it is,
    // `T: Sensitive` where it is inside a #[sensitive] field.
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    for param in input.generics.type_params() {
        let p = &param.ident;
        let used = |pred: &dyn Fn(&Field<'_>) -> bool| {
            input
                .all_fields()
                .any(|f| f.serde.skip.is_none() && pred(f) && mentions(f.ty, p))
        };
        if used(&|f| f.is_nested()) {
            predicates.push(quote!(#p: #private::Sensitive));
        }
        if used(&|f| !f.is_nested() && f.serde.serialize_with.is_none()) {
            predicates.push(quote!(#p: #private::serde::Serialize));
        }
    }
    // What has no sensitive field is written by the type's own Serialize.
    if delegates(input) && !input.generics.params.is_empty() {
        predicates.push(quote!(#ident #ty_generics: #private::serde::Serialize));
    }

    let mut writer = Writer {
        input,
        private: &private,
        predicates: &predicates,
        statics: Vec::new(),
        count: 0,
    };
    let body = match &input.data {
        Data::Struct(Style::Named, fields) => writer.named_struct(fields),
        Data::Struct(style, fields) => writer.tuple_struct(*style, fields),
        Data::Enum(variants) => writer.enumeration(variants),
    };
    let statics = writer.statics;
    Impls {
        private: &private,
        ident: input.ident,
        generics: input.generics,
        where_clause: quote!(where #(#predicates,)*),
        serialize: quote! {
            #(#statics)*
            #body
        },
        describe: describe_body(input, &private, false),
        signed: describe_body(input, &private, true),
        context: {
            let entries = context_entries(&[], &input.attrs.context, &private);
            let fields = match &input.data {
                Data::Struct(_, fields) => context_entries(fields, &input.attrs.context, &private),
                Data::Enum(_) => entries,
            };
            quote!(&[#(#fields,)*])
        },
        debug: input
            .attrs
            .debug
            .then(|| quote!(#private::debug_masked(self, __f))),
    }
    .into_token_stream()
}

/// Whether the masked serialization hands some value to the type's own `Serialize`: a tuple
/// or unit struct without sensitive fields, or an enum with a variant without them.
fn delegates(input: &Input<'_>) -> bool {
    match &input.data {
        Data::Struct(Style::Named, _) => false,
        Data::Struct(_, fields) => !fields.iter().any(Field::is_sensitive),
        Data::Enum(variants) => variants
            .iter()
            .any(|v| !v.is_sensitive() || !writes_itself(input, v)),
    }
}

/// Whether a sensitive variant is written by the derive (else by serde, which refuses it).
fn writes_itself(input: &Input<'_>, v: &Variant<'_>) -> bool {
    v.serde.skip.is_none()
        && !(matches!(input.tagging(), Tagging::Internal { .. }) && v.style == Style::Tuple)
}

/// Writes the masked serialization: the expressions of the values and the statics they use.
struct Writer<'w, 'a> {
    input: &'w Input<'a>,
    private: &'w TokenStream,
    predicates: &'w [TokenStream],
    statics: Vec<TokenStream>,
    /// Names used so far, to make the next one unique.
    count: usize,
}

/// Which serde compound the fields are written to.
#[derive(Clone, Copy)]
enum Compound {
    Struct,
    StructVariant,
    TupleStruct,
    TupleVariant,
}

impl Compound {
    fn path(self, serde: &TokenStream) -> TokenStream {
        match self {
            Compound::Struct => quote!(#serde::ser::SerializeStruct),
            Compound::StructVariant => quote!(#serde::ser::SerializeStructVariant),
            Compound::TupleStruct => quote!(#serde::ser::SerializeTupleStruct),
            Compound::TupleVariant => quote!(#serde::ser::SerializeTupleVariant),
        }
    }

    fn named(self) -> bool {
        matches!(self, Compound::Struct | Compound::StructVariant)
    }
}

impl Writer<'_, '_> {
    fn next(&mut self) -> usize {
        self.count += 1;
        self.count
    }

    /// The expression (a reference to something `Serialize`) that writes `field` masked, its
    /// value being `access` (an expression of type `&T`).
    fn value(&mut self, field: &Field<'_>, access: &TokenStream) -> TokenStream {
        let private = self.private;
        let serde = quote!(#private::serde);
        let ty = field.ty;
        let n = self.next();
        let mask_static = format_ident!("__MASK_{}", n);
        let kind = kind(field);
        if let Kind::Masked(mask) = &kind {
            let rule = mask_rule(private, mask);
            self.statics.push(quote! {
                static #mask_static: #private::LazyMask = #private::LazyMask::new(#rule);
            });
        }
        match (&field.serde.serialize_with, &kind) {
            (Some((path, _)), kind) => {
                let wrapper = format_ident!("__SerializeWith{}", n);
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
                let mut generics = self.input.generics.clone();
                generics.params.insert(0, syn::parse_quote!('__a));
                let (w_impl, w_ty, w_where) = generics.split_for_impl();
                let (_, ty_generics, _) = self.input.generics.split_for_impl();
                let ident = self.input.ident;
                self.statics.push(quote! {
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
                quote!(&#wrapper { value: #access, phantom: #private::PhantomData::<#ident #ty_generics> })
            }
            (None, Kind::Plain) => quote!(#access),
            (None, Kind::Masked(_)) => {
                quote!(&#private::LazyMasked::new(#access, &#mask_static))
            }
            (None, Kind::Nested) => quote!(&#private::Masked::new(#access)),
        }
    }

    /// The length expression and the writes of `fields` into `__state`, a `compound`; each
    /// field's value is `access(field)`. `extra` fields (a tag) are counted in the length.
    fn fields(
        &mut self,
        fields: &[Field<'_>],
        access: &dyn Fn(&Field<'_>) -> TokenStream,
        compound: Compound,
        extra: usize,
    ) -> (TokenStream, Vec<TokenStream>) {
        let private = self.private;
        let serde = quote!(#private::serde);
        let trait_path = compound.path(&serde);
        let mut fixed_len = extra;
        let mut dynamic_len = Vec::new();
        let mut writes = Vec::new();
        for field in fields {
            if field.serde.skip.is_some() {
                continue;
            }
            let access = access(field);
            let value = self.value(field, &access);
            let key = LitStr::new(&field.name, Span::call_site());
            let write = if compound.named() {
                quote!(#trait_path::serialize_field(&mut __state, #key, #value)?;)
            } else {
                quote!(#trait_path::serialize_field(&mut __state, #value)?;)
            };
            match &field.serde.skip_if {
                Some(skip_if) if compound.named() => {
                    dynamic_len.push(quote!(if #skip_if(#access) { 0 } else { 1 }));
                    writes.push(quote! {
                        if #skip_if(#access) {
                            #trait_path::skip_field(&mut __state, #key)?;
                        } else {
                            #write
                        }
                    });
                }
                _ => {
                    fixed_len += 1;
                    writes.push(write);
                }
            }
        }
        (quote!(#fixed_len #(+ #dynamic_len)*), writes)
    }

    fn named_struct(&mut self, fields: &[Field<'_>]) -> TokenStream {
        let private = self.private;
        let serde = quote!(#private::serde);
        let name = LitStr::new(&self.input.name, Span::call_site());
        let flatten = fields.iter().any(|f| f.serde.flatten.is_some());
        let self_access = |f: &Field<'_>| {
            let member = &f.member;
            quote!(&self.#member)
        };
        if !flatten {
            let tag = self.input.serde.tag.as_ref();
            let (len, writes) = self.fields(
                fields,
                &self_access,
                Compound::Struct,
                usize::from(tag.is_some()),
            );
            let tag = tag.map(|tag| {
                quote!(#serde::ser::SerializeStruct::serialize_field(&mut __state, #tag, #name)?;)
            });
            return quote! {
                let __len: usize = #len;
                let mut __state = #serde::Serializer::serialize_struct(__serializer, #name, __len)?;
                #tag
                #(#writes)*
                #serde::ser::SerializeStruct::end(__state)
            };
        }
        // With a flattened field, serde writes a map.
        let mut writes = Vec::new();
        if let Some(tag) = &self.input.serde.tag {
            writes.push(
                quote!(#serde::ser::SerializeMap::serialize_entry(&mut __state, #tag, #name)?;),
            );
        }
        for field in fields {
            if field.serde.skip.is_some() {
                continue;
            }
            let access = self_access(field);
            let value = self.value(field, &access);
            let key = LitStr::new(&field.name, Span::call_site());
            let write = if field.serde.flatten.is_some() {
                quote!(#serde::Serialize::serialize(#value, #private::FlatMapSerializer::new(&mut __state))?;)
            } else {
                quote!(#serde::ser::SerializeMap::serialize_entry(&mut __state, #key, #value)?;)
            };
            writes.push(match &field.serde.skip_if {
                Some(skip_if) => quote!(if !#skip_if(#access) { #write }),
                None => write,
            });
        }
        quote! {
            let mut __state = #serde::Serializer::serialize_map(__serializer, #private::Option::None)?;
            #(#writes)*
            #serde::ser::SerializeMap::end(__state)
        }
    }

    /// A tuple, newtype or unit struct.
    fn tuple_struct(&mut self, style: Style, fields: &[Field<'_>]) -> TokenStream {
        let private = self.private;
        let serde = quote!(#private::serde);
        let name = LitStr::new(&self.input.name, Span::call_site());
        if !fields.iter().any(Field::is_sensitive) {
            return quote!(#serde::Serialize::serialize(self, __serializer));
        }
        let self_access = |f: &Field<'_>| {
            let member = &f.member;
            quote!(&self.#member)
        };
        if style == Style::Newtype {
            let value = self.value(&fields[0], &self_access(&fields[0]));
            return quote!(#serde::Serializer::serialize_newtype_struct(__serializer, #name, #value));
        }
        let (len, writes) = self.fields(fields, &self_access, Compound::TupleStruct, 0);
        quote! {
            let mut __state = #serde::Serializer::serialize_tuple_struct(__serializer, #name, #len)?;
            #(#writes)*
            #serde::ser::SerializeTupleStruct::end(__state)
        }
    }

    /// The pattern that binds the written fields of `variant` to `__v{i}`, under `path` (the
    /// enum's path), and the access of each field.
    fn pattern(variant: &Variant<'_>, path: &TokenStream) -> TokenStream {
        let v = variant.ident;
        match variant.style {
            Style::Named => {
                let binds = variant
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.serde.skip.is_none())
                    .map(|(i, f)| {
                        let member = &f.member;
                        let b = format_ident!("__v{}", i);
                        quote!(#member: #b)
                    });
                quote!(#path::#v { #(#binds,)* .. })
            }
            Style::Tuple | Style::Newtype => {
                let binds = variant.fields.iter().enumerate().map(|(i, f)| {
                    if f.serde.skip.is_some() {
                        quote!(_)
                    } else {
                        let b = format_ident!("__v{}", i);
                        quote!(#b)
                    }
                });
                quote!(#path::#v(#(#binds,)*))
            }
            Style::Unit => quote!(#path::#v),
        }
    }

    fn enumeration(&mut self, variants: &[Variant<'_>]) -> TokenStream {
        let private = self.private;
        let serde = quote!(#private::serde);
        let ident = self.input.ident;
        let mut arms = Vec::new();
        for variant in variants
            .iter()
            .filter(|v| v.is_sensitive() && writes_itself(self.input, v))
        {
            let pattern = Self::pattern(variant, &quote!(#ident));
            let body = self.variant_body(variant);
            arms.push(quote!(#pattern => { #body }));
        }
        if delegates(self.input) {
            arms.push(quote!(_ => #serde::Serialize::serialize(self, __serializer)));
        }
        quote! {
            match self {
                #(#arms)*
            }
        }
    }

    /// The access of field `i` of a variant bound by [`pattern`](Self::pattern).
    fn bound(fields: &[Field<'_>]) -> impl Fn(&Field<'_>) -> TokenStream {
        let names: Vec<(String, syn::Ident)> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.label(), format_ident!("__v{}", i)))
            .collect();
        move |f: &Field<'_>| {
            let label = f.label();
            let b = names
                .iter()
                .find(|(l, _)| *l == label)
                .map_or_else(|| format_ident!("__missing"), |(_, b)| b.clone());
            quote!(#b)
        }
    }

    /// The writes of a variant's content alone, as a struct (named), a tuple or the value
    /// (newtype), to `__serializer`: untagged, or the content of an adjacently tagged enum.
    fn content(&mut self, variant: &Variant<'_>) -> TokenStream {
        let private = self.private;
        let serde = quote!(#private::serde);
        let vname = LitStr::new(&variant.name, Span::call_site());
        let access = Self::bound(&variant.fields);
        match variant.style {
            Style::Named => {
                let (len, writes) = self.fields(&variant.fields, &access, Compound::Struct, 0);
                quote! {
                    let mut __state = #serde::Serializer::serialize_struct(__serializer, #vname, #len)?;
                    #(#writes)*
                    #serde::ser::SerializeStruct::end(__state)
                }
            }
            Style::Tuple => {
                let (len, writes) = self.fields(&variant.fields, &access, Compound::TupleStruct, 0);
                quote! {
                    let mut __state = #serde::Serializer::serialize_tuple_struct(__serializer, #vname, #len)?;
                    #(#writes)*
                    #serde::ser::SerializeTupleStruct::end(__state)
                }
            }
            Style::Newtype => {
                let value = self.value(&variant.fields[0], &access(&variant.fields[0]));
                quote!(#serde::Serialize::serialize(#value, __serializer))
            }
            Style::Unit => quote!(#serde::Serializer::serialize_unit(__serializer)),
        }
    }

    fn variant_body(&mut self, variant: &Variant<'_>) -> TokenStream {
        let private = self.private;
        let serde = quote!(#private::serde);
        let ename = LitStr::new(&self.input.name, Span::call_site());
        let vname = LitStr::new(&variant.name, Span::call_site());
        let index = variant.index;
        let access = Self::bound(&variant.fields);
        match self.input.tagging() {
            Tagging::External => match variant.style {
                Style::Named => {
                    let (len, writes) =
                        self.fields(&variant.fields, &access, Compound::StructVariant, 0);
                    quote! {
                        let mut __state = #serde::Serializer::serialize_struct_variant(
                            __serializer, #ename, #index, #vname, #len,
                        )?;
                        #(#writes)*
                        #serde::ser::SerializeStructVariant::end(__state)
                    }
                }
                Style::Tuple => {
                    let (len, writes) =
                        self.fields(&variant.fields, &access, Compound::TupleVariant, 0);
                    quote! {
                        let mut __state = #serde::Serializer::serialize_tuple_variant(
                            __serializer, #ename, #index, #vname, #len,
                        )?;
                        #(#writes)*
                        #serde::ser::SerializeTupleVariant::end(__state)
                    }
                }
                Style::Newtype => {
                    let value = self.value(&variant.fields[0], &access(&variant.fields[0]));
                    quote! {
                        #serde::Serializer::serialize_newtype_variant(
                            __serializer, #ename, #index, #vname, #value,
                        )
                    }
                }
                Style::Unit => quote! {
                    #serde::Serializer::serialize_unit_variant(__serializer, #ename, #index, #vname)
                },
            },
            Tagging::Internal { tag } if variant.style == Style::Newtype => {
                let value = self.value(&variant.fields[0], &access(&variant.fields[0]));
                quote! {
                    let mut __state = #serde::Serializer::serialize_map(
                        __serializer, #private::Option::None,
                    )?;
                    #serde::ser::SerializeMap::serialize_entry(&mut __state, #tag, #vname)?;
                    #serde::Serialize::serialize(#value, #private::FlatMapSerializer::new(&mut __state))?;
                    #serde::ser::SerializeMap::end(__state)
                }
            }
            Tagging::Internal { tag } => {
                let (len, writes) = self.fields(&variant.fields, &access, Compound::Struct, 1);
                quote! {
                    let mut __state = #serde::Serializer::serialize_struct(__serializer, #ename, #len)?;
                    #serde::ser::SerializeStruct::serialize_field(&mut __state, #tag, #vname)?;
                    #(#writes)*
                    #serde::ser::SerializeStruct::end(__state)
                }
            }
            Tagging::Adjacent { tag, content } => {
                let value = if variant.style == Style::Newtype {
                    self.value(&variant.fields[0], &access(&variant.fields[0]))
                } else {
                    let wrapper = self.content_wrapper(variant);
                    quote!(&#wrapper(self))
                };
                quote! {
                    let mut __state = #serde::Serializer::serialize_struct(__serializer, #ename, 2)?;
                    #serde::ser::SerializeStruct::serialize_field(&mut __state, #tag, #vname)?;
                    #serde::ser::SerializeStruct::serialize_field(&mut __state, #content, #value)?;
                    #serde::ser::SerializeStruct::end(__state)
                }
            }
            Tagging::Untagged => self.content(variant),
        }
    }

    /// A struct holding the enum whose `Serialize` writes the content of `variant` (the
    /// content member of an adjacently tagged enum); its name.
    fn content_wrapper(&mut self, variant: &Variant<'_>) -> syn::Ident {
        let private = self.private;
        let serde = quote!(#private::serde);
        let ident = self.input.ident;
        let wrapper = format_ident!("__Content{}", self.next());
        let body = self.content(variant);
        let pattern = Self::pattern(variant, &quote!(#ident));
        let mut generics = self.input.generics.clone();
        generics.params.insert(0, syn::parse_quote!('__a));
        let (w_impl, w_ty, _) = generics.split_for_impl();
        let (_, ty_generics, _) = self.input.generics.split_for_impl();
        let predicates = self.predicates;
        self.statics.push(quote! {
            struct #wrapper #w_impl (&'__a #ident #ty_generics) where #(#predicates,)*;
            impl #w_impl #serde::Serialize for #wrapper #w_ty where #(#predicates,)* {
                fn serialize<__S2>(&self, __serializer: __S2) -> #private::Result<__S2::Ok, __S2::Error>
                where
                    __S2: #serde::Serializer,
                {
                    #[allow(unreachable_patterns)]
                    match self.0 {
                        #pattern => { #body }
                        _ => #private::Result::Err(<__S2::Error as #serde::ser::Error>::custom(
                            "another variant",
                        )),
                    }
                }
            }
        });
        wrapper
    }
}

fn context_entries(
    fields: &[Field<'_>],
    items: &[ContextItem],
    private: &TokenStream,
) -> Vec<TokenStream> {
    items
        .iter()
        .filter_map(|item| {
            let key = context_key(fields, item)?;
            let source = match &item.value {
                ContextValue::Literal(l) => quote!(#private::ContextSource::Literal(#l)),
                ContextValue::Field(f) => {
                    let name = &find(fields, f)?.name;
                    quote!(#private::ContextSource::Field(#name))
                }
            };
            Some(quote!(#private::ContextEntry { key: #key, source: #source }))
        })
        .collect()
}

/// Where a field is relative to the value that holds it: a member, a position, or the value.
fn slots<'f, 'a>(
    style: Style,
    fields: &'f [Field<'a>],
) -> Vec<(Option<TokenStream>, &'f Field<'a>)> {
    let written = fields.iter().filter(|f| f.serde.skip.is_none());
    match style {
        Style::Named => written
            .map(|f| {
                let name = &f.name;
                (Some(quote!(Step::name(#name))), f)
            })
            .collect(),
        Style::Tuple => written
            .enumerate()
            .map(|(i, f)| {
                let i = i64::try_from(i).unwrap_or(i64::MAX);
                (Some(quote!(Step::Index(#i))), f)
            })
            .collect(),
        Style::Newtype => written.map(|f| (None, f)).collect(),
        Style::Unit => Vec::new(),
    }
}

/// The descriptions of `fields` (of a struct or variant of shape `style`, at `__path`): the
/// body of `describe_fields`, or of `describe_signed` when `signed`. `container` holds the
/// container's context entries.
fn describe_fields(
    style: Style,
    fields: &[Field<'_>],
    container: &[TokenStream],
    private: &TokenStream,
    signed: bool,
) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (slot, field) in slots(style, fields) {
        let step = slot.map(|s| quote!(#private::#s));
        let path = if let Some(step) = &step {
            quote!(__path.with(#step))
        } else {
            quote!(__path.clone())
        };
        if signed {
            if field.is_signed() {
                out.push(quote!(__out.push(#path);));
            }
        } else if !field.attrs.masks.is_empty() || field.is_encrypted() {
            let mask = if let Some(m) = field.attrs.masks.first() {
                let rule = mask_rule(private, &m.kind);
                quote!(#private::Option::Some(#rule))
            } else {
                quote!(#private::Option::None)
            };
            let encrypt = if let Some(e) = field.attrs.encrypts.first() {
                let own = context_entries(fields, &e.context, private);
                let bound = !e.unbound;
                quote!(#private::Option::Some(#private::EncryptRule {
                    context: &[#(#container,)* #(#own,)*],
                    bound: #bound,
                }))
            } else {
                quote!(#private::Option::None)
            };
            out.push(quote! {
                __out.push(#private::SensitiveField {
                    path: #path,
                    mask: #mask,
                    encrypt: #encrypt,
                });
            });
        }
        if field.is_nested() {
            let ty = field.ty;
            let describe = if signed {
                quote!(<#ty as #private::Sensitive>::describe_signed(__path, __out);)
            } else {
                quote!(<#ty as #private::Sensitive>::describe_fields(__path, __out);)
            };
            out.push(match &step {
                Some(step) => quote! {
                    __path.push(#step);
                    #describe
                    __path.pop();
                },
                None => describe,
            });
        }
    }
    out
}

/// The body of `describe_fields` (each masked or encrypted field with its rules, and those of
/// each nested type under its field), or of `describe_signed` (each `#[sign]` field's path,
/// and those of nested types) when `signed`.
fn describe_body(input: &Input<'_>, private: &TokenStream, signed: bool) -> TokenStream {
    match &input.data {
        Data::Struct(style, fields) => {
            let container = context_entries(fields, &input.attrs.context, private);
            let out = describe_fields(*style, fields, &container, private, signed);
            quote!(#(#out)*)
        }
        Data::Enum(variants) => {
            let container = context_entries(&[], &input.attrs.context, private);
            let tagging = input.tagging();
            let mut out = Vec::new();
            // The tag says which variant the sealed values belong to: it is signed with them
            // (a nested type may hold some).
            let protects = variants.iter().any(|v| {
                writes_itself(input, v)
                    && v.fields.iter().any(|f| {
                        f.serde.skip.is_none()
                            && (f.is_encrypted() || f.is_signed() || f.is_nested())
                    })
            });
            if let (true, true, Tagging::Internal { tag } | Tagging::Adjacent { tag, .. }) =
                (signed, protects, tagging)
            {
                out.push(quote!(__out.push(__path.with(#private::Step::name(#tag)));));
            }
            for variant in variants
                .iter()
                .filter(|v| v.is_sensitive() && writes_itself(input, v))
            {
                let fields =
                    describe_fields(variant.style, &variant.fields, &container, private, signed);
                if fields.is_empty() {
                    continue;
                }
                let name = &variant.name;
                let (enter, leave) = match tagging {
                    Tagging::External => (
                        quote!(__path.push(#private::Step::name(#name));),
                        quote!(__path.pop();),
                    ),
                    Tagging::Internal { tag } => (
                        quote!(__path.push_variant(#name, #private::Option::Some(#tag));),
                        quote!(__path.pop_variant();),
                    ),
                    Tagging::Adjacent { tag, content } => (
                        quote! {
                            __path.push_variant(#name, #private::Option::Some(#tag));
                            __path.push(#private::Step::name(#content));
                        },
                        quote! {
                            __path.pop();
                            __path.pop_variant();
                        },
                    ),
                    Tagging::Untagged => (
                        quote!(__path.push_variant(#name, #private::Option::None);),
                        quote!(__path.pop_variant();),
                    ),
                };
                out.push(quote! {
                    #enter
                    #(#fields)*
                    #leave
                });
            }
            quote!(#(#out)*)
        }
    }
}
