//! Parses the attributes: ours (`#[sensitive]`, `#[mask]`, `#[encrypt]`, `#[sign]`) and the
//! serde ones that change the JSON (`rename`, `rename_all`, `skip*`, `flatten`,
//! `serialize_with`, `tag`, ...).
//!
//! Parse errors go to the [`Ctxt`]; parsing goes on, so that every error of an item is reported.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, ExprPath, Ident, LitStr, Token};

use crate::case::RenameRule;
use crate::ctxt::Ctxt;

/// `#[sensitive(...)]` on the type, and the `#[mask(...)]` of a newtype.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) debug: bool,
    pub(crate) context: Vec<ContextItem>,
    pub(crate) krate: Option<syn::Path>,
    /// Each `#[mask(...)]` on the type, with the attribute's tokens (to span an error).
    pub(crate) masks: Vec<(MaskAttr, TokenStream)>,
}

impl ContainerAttrs {
    /// The path through which generated code names the runtime: `::data_masking::__private`, or
    /// the `__private` of the path given with `#[sensitive(crate = "...")]`.
    pub(crate) fn private(&self) -> TokenStream {
        let krate = self.krate.as_ref().map_or_else(
            || quote::quote!(::data_masking),
            quote::ToTokens::to_token_stream,
        );
        quote::quote!(#krate::__private)
    }
}

/// The attributes of one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) masks: Vec<MaskAttr>,
    pub(crate) encrypts: Vec<EncryptAttr>,
    /// The `sign` path of each `#[sign]`.
    pub(crate) signs: Vec<Span>,
    /// The `sensitive` path of each `#[sensitive]`.
    pub(crate) nested: Vec<Span>,
}

/// One `#[mask(...)]`.
#[derive(Clone)]
pub(crate) struct MaskAttr {
    pub(crate) span: Span,
    pub(crate) kind: MaskKind,
}

#[derive(Clone)]
pub(crate) enum MaskKind {
    Default,
    Dynamic,
    Custom(LitStr),
    Regex { pattern: LitStr, format: LitStr },
}

/// One `#[encrypt(...)]`.
pub(crate) struct EncryptAttr {
    pub(crate) span: Span,
    pub(crate) context: Vec<ContextItem>,
    pub(crate) unbound: bool,
}

/// One entry of `context(...)`: `sibling`, `key = "literal"`, `key = sibling`, `"key" = ...`.
pub(crate) struct ContextItem {
    /// The explicit key; `None` for a bare sibling (its serde name is the key).
    pub(crate) key: Option<(String, Span)>,
    pub(crate) value: ContextValue,
}

pub(crate) enum ContextValue {
    Literal(LitStr),
    Field(Ident),
}

impl Parse for ContextItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    lit.span(),
                    "a quoted context key needs a value: `\"key\" = \"value\"` or `\"key\" = field`",
                ));
            }
            KeyOrField::Key(lit.value(), lit.span())
        } else {
            KeyOrField::Ident(Ident::parse_any(input)?)
        };
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let (name, span) = match key {
                KeyOrField::Key(name, span) => (name, span),
                KeyOrField::Ident(i) => (i.unraw().to_string(), i.span()),
            };
            let value = if input.peek(LitStr) {
                ContextValue::Literal(input.parse()?)
            } else {
                ContextValue::Field(Ident::parse_any(input)?)
            };
            Ok(ContextItem {
                key: Some((name, span)),
                value,
            })
        } else {
            match key {
                KeyOrField::Ident(i) => Ok(ContextItem {
                    key: None,
                    value: ContextValue::Field(i),
                }),
                KeyOrField::Key(_, span) => Err(syn::Error::new(span, "expected `=`")),
            }
        }
    }
}

enum KeyOrField {
    Key(String, Span),
    Ident(Ident),
}

/// serde's container attributes that matter for the JSON.
#[derive(Default)]
pub(crate) struct SerdeContainer {
    pub(crate) rename: Option<String>,
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) tag: Option<String>,
    /// `content` of an adjacently tagged enum.
    pub(crate) content: Option<String>,
    pub(crate) untagged: bool,
    pub(crate) rename_all_fields: Option<RenameRule>,
    /// `transparent`, `into`, `remote`, ...: forms the masked view does not support.
    pub(crate) unsupported: Vec<(String, Span)>,
}

/// serde's variant attributes that matter for the JSON.
#[derive(Default)]
pub(crate) struct SerdeVariant {
    pub(crate) rename: Option<String>,
    pub(crate) rename_all: Option<RenameRule>,
    /// `skip` or `skip_serializing`: serializing the variant is an error.
    pub(crate) skip: Option<Span>,
    /// `serialize_with`, `with`, `untagged`: forms a variant with sensitive fields may not use.
    pub(crate) unsupported: Vec<(String, Span)>,
}

/// serde's field attributes that matter for the JSON.
#[derive(Default)]
pub(crate) struct SerdeField {
    pub(crate) rename: Option<String>,
    pub(crate) skip: Option<Span>,
    pub(crate) skip_if: Option<ExprPath>,
    pub(crate) flatten: Option<Span>,
    pub(crate) serialize_with: Option<(ExprPath, Span)>,
    pub(crate) getter: Option<Span>,
}

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|&(d, c)| d <= 2.max(c.len() / 3) && d < c.len().max(word.len()))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>, attr: &str, valid: &[&str]) {
    let key = meta.path.get_ident().map_or_else(
        || quote::ToTokens::to_token_stream(&meta.path).to_string(),
        |i| i.unraw().to_string(),
    );
    let hint = match closest(&key, valid.iter().copied()) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => format!(
            "; expected one of {}",
            valid
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    cx.error_spanned_by(
        &meta.path,
        format!("unknown key `{key}` in #[{attr}(...)]{hint}"),
    );
}

/// Consumes the value of a key we do not read: `= expr` or `(...)`.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

fn parse_context(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<ContextItem>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let items = Punctuated::<ContextItem, Token![,]>::parse_terminated(&content)?;
    Ok(items.into_iter().collect())
}

/// Parses `#[sensitive(...)]` on the struct, and rejects field attributes placed on it.
pub(crate) fn container(cx: &Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs {
        misspelled(cx, attr);
        if attr.path().is_ident("mask") {
            if let Some(mask) = mask(cx, attr) {
                out.masks
                    .push((mask, quote::ToTokens::to_token_stream(attr)));
            }
            continue;
        }
        if ["encrypt", "sign"]
            .iter()
            .any(|name| attr.path().is_ident(name))
        {
            cx.error_spanned_by(
                attr,
                "this attribute belongs on a field; on the struct, use #[sensitive(debug, context(...))]",
            );
            continue;
        }
        if !attr.path().is_ident("sensitive") || matches!(attr.meta, syn::Meta::Path(_)) {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("debug") {
                out.debug = true;
            } else if meta.path.is_ident("context") {
                out.context.extend(parse_context(&meta)?);
            } else if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                out.krate = Some(lit.parse()?);
            } else {
                unknown_key(cx, &meta, "sensitive", &["debug", "context", "crate"]);
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// An attribute whose name is a likely typo of one of ours: rustc reports it as unknown too, but
/// suggests built-in attributes only.
fn misspelled(cx: &Ctxt, attr: &Attribute) {
    let Some(name) = attr.path().get_ident().map(|i| i.unraw().to_string()) else {
        return;
    };
    let ours = ["mask", "encrypt", "sign", "sensitive"];
    if ours.contains(&name.as_str()) {
        return;
    }
    if let Some(c) = closest(&name, ours) {
        cx.error_spanned_by(
            attr.path(),
            format!("unknown attribute `{name}`; did you mean `{c}`?"),
        );
    }
}

/// Parses the attributes of one field.
pub(crate) fn field(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs {
        misspelled(cx, attr);
        if attr.path().is_ident("sensitive") {
            if !matches!(attr.meta, syn::Meta::Path(_)) {
                cx.error_spanned_by(
                    &attr.meta,
                    "#[sensitive] on a field takes no arguments: it marks a nested type that \
                     derives Sensitive (debug and context go on the struct)",
                );
            }
            out.nested.push(attr.path().segments[0].ident.span());
        } else if attr.path().is_ident("sign") {
            if !matches!(attr.meta, syn::Meta::Path(_)) {
                cx.error_spanned_by(
                    &attr.meta,
                    "#[sign] takes no arguments: the field's value is signed as it is; the \
                     sealed record's context comes from the caller and the struct's \
                     #[sensitive(context(...))]",
                );
            }
            out.signs.push(attr.path().segments[0].ident.span());
        } else if attr.path().is_ident("mask") {
            if let Some(mask) = mask(cx, attr) {
                out.masks.push(mask);
            }
        } else if attr.path().is_ident("encrypt")
            && let Some(e) = encrypt(cx, attr)
        {
            out.encrypts.push(e);
        }
    }
    out
}

fn mask(cx: &Ctxt, attr: &Attribute) -> Option<MaskAttr> {
    let span = attr.path().segments[0].ident.span();
    if let syn::Meta::Path(_) = attr.meta {
        return Some(MaskAttr {
            span,
            kind: MaskKind::Default,
        });
    }
    if let syn::Meta::NameValue(nv) = &attr.meta {
        cx.error_spanned_by(
            nv,
            "expected #[mask], #[mask(dynamic)], #[mask(custom = \"...\")] or \
             #[mask(regex = \"...\", format = \"...\")]",
        );
        return None;
    }
    let mut dynamic = None;
    let mut custom: Option<LitStr> = None;
    let mut regex: Option<LitStr> = None;
    let mut format: Option<LitStr> = None;
    let mut unknown = false;
    let result = attr.parse_nested_meta(|meta| {
        let set = |slot: &mut Option<LitStr>, meta: &ParseNestedMeta<'_>| -> syn::Result<()> {
            let lit: LitStr = meta.value()?.parse()?;
            if slot.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate key");
            }
            *slot = Some(lit);
            Ok(())
        };
        if meta.path.is_ident("dynamic") {
            dynamic = Some(meta.path.clone());
        } else if meta.path.is_ident("custom") {
            set(&mut custom, &meta)?;
        } else if meta.path.is_ident("regex") {
            set(&mut regex, &meta)?;
        } else if meta.path.is_ident("format") {
            set(&mut format, &meta)?;
        } else {
            unknown_key(cx, &meta, "mask", &["dynamic", "custom", "regex", "format"]);
            unknown = true;
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        cx.syn_error(e);
        return None;
    }
    if unknown {
        // The key was reported; checking the style of what is left would only add noise.
        return None;
    }
    let styles = usize::from(dynamic.is_some())
        + usize::from(custom.is_some())
        + usize::from(regex.is_some() || format.is_some());
    if styles > 1 {
        cx.error_spanned_by(
            &attr.meta,
            "choose one mask style: `dynamic`, `custom = \"...\"` or `regex = \"...\", format = \"...\"`",
        );
        return None;
    }
    let kind = match (dynamic, custom, regex, format) {
        (Some(_), ..) => MaskKind::Dynamic,
        (_, Some(c), ..) => MaskKind::Custom(c),
        (_, _, Some(pattern), Some(format)) => MaskKind::Regex { pattern, format },
        (_, _, Some(pattern), None) => {
            cx.error_spanned_by(&pattern, "`regex` needs a `format = \"...\"` too");
            return None;
        }
        (_, _, None, Some(format)) => {
            cx.error_spanned_by(&format, "`format` needs a `regex = \"...\"` too");
            return None;
        }
        (None, None, None, None) => MaskKind::Default,
    };
    Some(MaskAttr { span, kind })
}

fn encrypt(cx: &Ctxt, attr: &Attribute) -> Option<EncryptAttr> {
    let span = attr.path().segments[0].ident.span();
    let mut out = EncryptAttr {
        span,
        context: Vec::new(),
        unbound: false,
    };
    match &attr.meta {
        syn::Meta::Path(_) => return Some(out),
        syn::Meta::NameValue(nv) => {
            cx.error_spanned_by(
                nv,
                "expected #[encrypt], #[encrypt(context(...))] or #[encrypt(unbound)]",
            );
            return None;
        }
        syn::Meta::List(_) => {}
    }
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("context") {
            out.context.extend(parse_context(&meta)?);
        } else if meta.path.is_ident("unbound") {
            out.unbound = true;
        } else {
            unknown_key(cx, &meta, "encrypt", &["context", "unbound"]);
            skip_value(&meta)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => Some(out),
        Err(e) => {
            cx.syn_error(e);
            None
        }
    }
}

/// Reads `key = "..."` or `key(serialize = "...", deserialize = "...")`, keeping the serialize
/// side. Malformed serde attributes are left for serde's derive to report.
fn serialize_side(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut ser = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            ser = Some(inner.value()?.parse()?);
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok(ser)
}

/// Calls `each` with every key of the `#[serde(...)]` attributes among `attrs`: its name (raw
/// identifiers unprefixed), its span and the parser at its value, which `each` consumes. A key
/// that is not one identifier is skipped. Errors are ignored: serde's own derive reports them.
fn serde_keys(
    attrs: &[Attribute],
    mut each: impl FnMut(&str, Span, &ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().map(Ident::unraw) else {
                return skip_value(&meta);
            };
            each(&key.to_string(), key.span(), &meta)
        });
    }
}

/// The serialize side of `rename`: the name.
fn rename(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    Ok(serialize_side(meta)?.map(|l| l.value()))
}

/// The serialize side of `rename_all` or `rename_all_fields`: the rule, if serde knows it.
fn rename_rule(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<RenameRule>> {
    Ok(serialize_side(meta)?.and_then(|l| RenameRule::from_str(&l.value())))
}

/// The value of `key = "..."`.
fn string_value(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// serde's container attributes. Errors are ignored: serde's own derive reports them.
pub(crate) fn serde_container(attrs: &[Attribute]) -> SerdeContainer {
    let mut out = SerdeContainer::default();
    serde_keys(attrs, |key, span, meta| {
        match key {
            "rename" => out.rename = rename(meta)?,
            "rename_all" => out.rename_all = rename_rule(meta)?,
            "rename_all_fields" => out.rename_all_fields = rename_rule(meta)?,
            "tag" => out.tag = Some(string_value(meta)?.value()),
            "content" => out.content = Some(string_value(meta)?.value()),
            "untagged" => out.untagged = true,
            "transparent" | "into" | "remote" => {
                out.unsupported.push((key.to_owned(), span));
                skip_value(meta)?;
            }
            _ => skip_value(meta)?,
        }
        Ok(())
    });
    out
}

/// serde's variant attributes. Errors are ignored: serde's own derive reports them.
pub(crate) fn serde_variant(attrs: &[Attribute]) -> SerdeVariant {
    let mut out = SerdeVariant::default();
    serde_keys(attrs, |key, span, meta| {
        match key {
            "rename" => out.rename = rename(meta)?,
            "rename_all" => out.rename_all = rename_rule(meta)?,
            "skip" | "skip_serializing" => out.skip = Some(span),
            "serialize_with" | "with" | "untagged" => {
                out.unsupported.push((key.to_owned(), span));
                skip_value(meta)?;
            }
            _ => skip_value(meta)?,
        }
        Ok(())
    });
    out
}

/// Our attributes placed on an enum variant, where they mean nothing: spans of each.
pub(crate) fn on_variant(cx: &Ctxt, attrs: &[Attribute]) {
    for attr in attrs {
        misspelled(cx, attr);
        if ["mask", "encrypt", "sign", "sensitive"]
            .iter()
            .any(|name| attr.path().is_ident(name))
        {
            cx.error_spanned_by(
                attr,
                "this attribute belongs on a field of the variant, not on the variant",
            );
        }
    }
}

/// serde's field attributes. Errors are ignored: serde's own derive reports them.
pub(crate) fn serde_field(attrs: &[Attribute]) -> SerdeField {
    let mut out = SerdeField::default();
    serde_keys(attrs, |key, span, meta| {
        match key {
            "rename" => out.rename = rename(meta)?,
            "skip" | "skip_serializing" => out.skip = Some(span),
            "skip_serializing_if" => out.skip_if = Some(string_value(meta)?.parse()?),
            "flatten" => out.flatten = Some(span),
            "serialize_with" => out.serialize_with = Some((string_value(meta)?.parse()?, span)),
            "with" => {
                let mut path: ExprPath = string_value(meta)?.parse()?;
                path.path
                    .segments
                    .push(Ident::new("serialize", Span::call_site()).into());
                out.serialize_with = Some((path, span));
            }
            "getter" => {
                out.getter = Some(span);
                skip_value(meta)?;
            }
            _ => skip_value(meta)?,
        }
        Ok(())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggestions() {
        let keys = ["dynamic", "custom", "regex", "format"];
        assert_eq!(closest("dynamc", keys), Some("dynamic"));
        assert_eq!(closest("fromat", keys), Some("format"));
        assert_eq!(closest("regexp", keys), Some("regex"));
        assert_eq!(closest("zzz", keys), None);
    }
}
