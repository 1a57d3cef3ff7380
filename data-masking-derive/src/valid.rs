//! Every check of the input, each error spanned at what is wrong; all are collected.

use std::collections::HashSet;

use syn::ext::IdentExt as _;
use syn::{GenericArgument, PathArguments, Type};

use crate::ast::{Field, Input};
use crate::attr::{ContextItem, ContextValue, MaskKind, closest};
use crate::ctxt::Ctxt;
use crate::format::FormatError;

/// Context keys a caller may not set: the ESDK's own, the field binding of the typed API and
/// the version key of a sealed record (keep in sync with `data_masking::typed::FIELD_BINDING_KEY`
/// and `data_masking::SEAL_CONTEXT_KEY`).
const RESERVED_KEYS: [&str; 3] = [
    "aws-crypto-public-key",
    "data-masking:field",
    "data-masking:sealed",
];

pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    for (what, span) in &input.serde.unsupported {
        cx.error_at(
            *span,
            format!("#[serde({what})] is not supported by #[derive(Sensitive)]"),
        );
    }
    for field in &input.fields {
        check_field(cx, field);
    }
    check_context(cx, input, &input.attrs.context, None);
    for field in &input.fields {
        for e in &field.attrs.encrypts {
            check_context(cx, input, &e.context, Some(field));
        }
    }
}

fn check_field(cx: &Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    for extra in attrs.masks.iter().skip(1) {
        cx.error_at(extra.span, "duplicate #[mask]: a field has one mask");
    }
    for extra in attrs.encrypts.iter().skip(1) {
        cx.error_at(extra.span, "duplicate #[encrypt]");
    }
    for extra in attrs.nested.iter().skip(1) {
        cx.error_at(*extra, "duplicate #[sensitive]");
    }
    for extra in attrs.signs.iter().skip(1) {
        cx.error_at(*extra, "duplicate #[sign]");
    }
    if let (Some(sign), Some(_)) = (attrs.signs.first(), attrs.encrypts.first()) {
        cx.error_at(
            *sign,
            "#[sign] can't be combined with #[encrypt]: an encrypted field is authenticated by \
             the sealed record's message already, while a signed field stays readable; keep one \
             of them",
        );
    }
    if let (Some(mask), Some(_)) = (attrs.masks.first(), attrs.nested.first()) {
        cx.error_at(
            mask.span,
            "#[mask] can't be combined with #[sensitive]: a nested Sensitive type applies its \
             own rules; keep one of them",
        );
    }
    if !field.is_sensitive() {
        return;
    }
    if let Some(span) = field.serde.flatten {
        cx.error_at(
            span,
            "#[serde(flatten)] is not supported on a sensitive field: its members would have no \
             path of their own",
        );
    }
    if let Some(span) = field.serde.skip {
        let attributes = if field.is_signed() {
            "#[mask], #[encrypt], #[sign] or #[sensitive]"
        } else {
            "#[mask], #[encrypt] or #[sensitive]"
        };
        cx.error_at(
            span,
            format!(
                "field `{}` is skipped by serde, so it never appears in the JSON: remove its \
                 {attributes}",
                field.ident.unraw()
            ),
        );
    }
    if field.is_nested()
        && let Some((_, span)) = &field.serde.serialize_with
    {
        {
            cx.error_at(
                *span,
                "#[serde(serialize_with)] / #[serde(with)] can't be used on a #[sensitive] field: \
                 the nested type's own Sensitive serialization is used",
            );
        }
    }
    if let Some(span) = field.serde.getter {
        cx.error_at(
            span,
            "#[serde(getter)] is not supported by #[derive(Sensitive)]",
        );
    }
    for mask in &attrs.masks {
        match &mask.kind {
            MaskKind::Custom(c) if c.value().is_empty() => {
                cx.error_spanned_by(
                    c,
                    "empty custom mask: write #[mask] for the default mask \"*****\"",
                );
            }
            MaskKind::Regex { pattern, format } => match regex::Regex::new(&pattern.value()) {
                Err(e) => cx.error_spanned_by(pattern, format!("invalid regex: {e}")),
                Ok(re) => {
                    // The grammar `data_masking::Mask::regex` parses at run time.
                    let groups: Vec<Option<&str>> = re.capture_names().collect();
                    if let Err(e) = crate::format::parse(&format.value(), &groups) {
                        cx.error_spanned_by(
                            format,
                            format!("invalid mask format: {}", describe(&e)),
                        );
                    }
                }
            },
            _ => {}
        }
    }
}

/// A refused format, worded for the attribute's author.
fn describe(e: &FormatError) -> String {
    match e {
        FormatError::TrailingBackslash => "a trailing backslash".into(),
        FormatError::MissingAngle => "expected `<` after `\\g`".into(),
        FormatError::BadEscape(c) => format!("bad escape `\\{c}`"),
        FormatError::NoGroup { number, groups } => format!(
            "group {number} does not exist (the pattern has {groups} group{})",
            if *groups == 1 { "" } else { "s" }
        ),
        FormatError::NoName(name) => format!("the pattern has no group named `{name}`"),
    }
}

/// Checks one context recipe: the container's (`field` is `None`) or a field's.
fn check_context(cx: &Ctxt, input: &Input<'_>, items: &[ContextItem], field: Option<&Field<'_>>) {
    // Keys already used: the container's entries apply to every field, so a field's keys are
    // checked against them too.
    let mut seen: HashSet<String> = HashSet::new();
    if field.is_some() {
        for item in &input.attrs.context {
            if let Some(key) = context_key(input, item) {
                seen.insert(key);
            }
        }
    }
    for item in items {
        let key_span = match (&item.key, &item.value) {
            (Some((_, span)), _) => *span,
            (None, ContextValue::Field(i)) => i.span(),
            (None, ContextValue::Literal(l)) => l.span(),
        };
        if let ContextValue::Field(ident) = &item.value {
            check_context_field(cx, input, ident);
        }
        let Some(key) = context_key(input, item) else {
            continue;
        };
        if RESERVED_KEYS.contains(&key.as_str()) {
            cx.error_at(key_span, format!("the context key `{key}` is reserved"));
        }
        if !seen.insert(key.clone()) {
            cx.error_at(
                key_span,
                format!("duplicate context key `{key}` (the struct's #[sensitive(context(...))] applies to every field)"),
            );
        }
    }
}

/// The key an item sets: explicit, or the serde name of the sibling it names.
pub(crate) fn context_key(input: &Input<'_>, item: &ContextItem) -> Option<String> {
    match (&item.key, &item.value) {
        (Some((key, _)), _) => Some(key.clone()),
        (None, ContextValue::Field(ident)) => input.field(ident).map(|f| f.name.clone()),
        (None, ContextValue::Literal(_)) => None,
    }
}

fn check_context_field(cx: &Ctxt, input: &Input<'_>, ident: &syn::Ident) {
    let Some(field) = input.field(ident) else {
        let names: Vec<String> = input
            .fields
            .iter()
            .map(|f| f.ident.unraw().to_string())
            .collect();
        let hint = closest(&ident.unraw().to_string(), names.iter().map(String::as_str))
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        cx.error_spanned_by(
            ident,
            format!(
                "context names no field: `{}` has no field `{}`{hint}",
                input.ident,
                ident.unraw()
            ),
        );
        return;
    };
    if field.is_encrypted() {
        cx.error_spanned_by(
            ident,
            format!(
                "context field `{}` is itself #[encrypt]ed: a context value must stay readable \
                 to decrypt",
                ident.unraw()
            ),
        );
    }
    if !is_string_type(field.ty) {
        cx.error_spanned_by(
            ident,
            format!(
                "context field `{}` must be a `String`, `&str` or `Cow<str>` (found `{}`): a \
                 context value is a string that is always present",
                ident.unraw(),
                quote::ToTokens::to_token_stream(field.ty)
                    .to_string()
                    .replace(' ', "")
            ),
        );
    }
    if field.serde.skip.is_some() || field.serde.skip_if.is_some() || field.serde.flatten.is_some()
    {
        cx.error_spanned_by(
            ident,
            format!(
                "context field `{}` may be left out of the JSON by serde (skip, \
                 skip_serializing_if or flatten): a context value must always be present",
                ident.unraw()
            ),
        );
    }
}

/// `String`, `&str` (any lifetime) or `Cow<str>` (any lifetime), by their last path segment.
fn is_string_type(ty: &Type) -> bool {
    match ty {
        Type::Group(g) => is_string_type(&g.elem),
        Type::Paren(p) => is_string_type(&p.elem),
        Type::Reference(r) => r.mutability.is_none() && is_str(&r.elem),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            if last.ident == "String" {
                return last.arguments.is_none();
            }
            if last.ident != "Cow" {
                return false;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            let mut types = args.args.iter().filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            });
            matches!((types.next(), types.next()), (Some(t), None) if is_str(t))
        }
        _ => false,
    }
}

fn is_str(ty: &Type) -> bool {
    match ty {
        Type::Group(g) => is_str(&g.elem),
        Type::Path(p) => p.qself.is_none() && p.path.is_ident("str"),
        _ => false,
    }
}
