//! Every check of the input, each error spanned at what is wrong; all are collected.

use std::collections::HashSet;

use syn::ext::IdentExt as _;
use syn::{GenericArgument, PathArguments, Type};

use crate::ast::{Data, Field, Input, Style, Tagging, Variant, find};
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
    if !matches!(input.data, Data::Struct(Style::Newtype, _)) {
        for (_, tokens) in &input.attrs.masks {
            cx.error_spanned_by(
                tokens,
                "#[mask] on a type is for a newtype (`struct Email(String)`), whose value it \
                 masks; on this type it belongs on a field (on the type, use \
                 #[sensitive(debug, context(...))])",
            );
        }
    }
    let owner = input.ident.unraw().to_string();
    match &input.data {
        Data::Struct(style, fields) => {
            for field in fields {
                check_field(cx, field);
            }
            if *style != Style::Named {
                check_tuple(cx, fields);
            }
            let scope = Scope {
                is_enum: false,
                owner: &owner,
                fields,
                elsewhere: &[],
            };
            check_context(cx, &scope, &[], &input.attrs.context, None);
            for field in fields {
                for e in &field.attrs.encrypts {
                    check_context(cx, &scope, &input.attrs.context, &e.context, Some(field));
                }
            }
        }
        Data::Enum(variants) => {
            for item in &input.attrs.context {
                if let ContextValue::Field(ident) = &item.value {
                    cx.error_spanned_by(
                        ident,
                        format!(
                            "the context of an enum holds literals only: `{owner}` has no \
                             field of its own (its fields belong to its variants); name a \
                             sibling in the field's #[encrypt(context(...))]"
                        ),
                    );
                }
            }
            // Its sibling entries are reported above.
            let scope = Scope {
                is_enum: true,
                owner: &owner,
                fields: &[],
                elsewhere: &[],
            };
            check_context(cx, &scope, &[], &input.attrs.context, None);
            for variant in variants {
                let elsewhere: Vec<(String, &[Field<'_>])> = variants
                    .iter()
                    .filter(|o| o.ident != variant.ident)
                    .map(|o| (format!("{owner}::{}", o.ident.unraw()), &o.fields[..]))
                    .collect();
                check_variant(cx, input, &owner, variant, &elsewhere);
            }
            check_shared_slots(cx, input, variants);
        }
    }
}

/// The fields of a tuple struct or tuple variant.
fn check_tuple(cx: &Ctxt, fields: &[Field<'_>]) {
    if !fields.iter().any(Field::is_sensitive) {
        return;
    }
    for field in fields {
        if let Some(path) = &field.serde.skip_if {
            cx.error_spanned_by(
                path,
                "#[serde(skip_serializing_if)] is not supported on the fields of a tuple with \
                 sensitive fields: the positions of the others would change",
            );
        }
    }
}

fn check_variant(
    cx: &Ctxt,
    input: &Input<'_>,
    owner: &str,
    variant: &Variant<'_>,
    elsewhere: &[(String, &[Field<'_>])],
) {
    for field in &variant.fields {
        check_field(cx, field);
    }
    let vname = format!("{owner}::{}", variant.ident.unraw());
    if variant.is_sensitive() {
        if let Some(span) = variant.serde.skip {
            cx.error_at(
                span,
                format!(
                    "variant `{vname}` is skipped by serde, so it never appears in the JSON: \
                     remove the attributes of its fields"
                ),
            );
        }
        for (what, span) in &variant.serde.unsupported {
            cx.error_at(
                *span,
                format!(
                    "#[serde({what})] is not supported on a variant with sensitive fields by \
                     #[derive(Sensitive)]"
                ),
            );
        }
        for field in &variant.fields {
            if let Some(span) = field.serde.flatten {
                cx.error_at(
                    span,
                    "#[serde(flatten)] is not supported in an enum variant with sensitive fields",
                );
            }
        }
        if matches!(variant.style, Style::Tuple | Style::Newtype) {
            check_tuple(cx, &variant.fields);
        }
        if let (Tagging::Internal { tag }, Style::Newtype) = (input.tagging(), variant.style) {
            let field = &variant.fields[0];
            let spans = field
                .attrs
                .masks
                .iter()
                .map(|m| m.span)
                .chain(field.attrs.encrypts.iter().map(|e| e.span))
                .chain(field.attrs.signs.iter().copied());
            for span in spans {
                cx.error_at(
                    span,
                    format!(
                        "under #[serde(tag = \"{tag}\")] the value of newtype variant `{vname}` \
                         is written as the members of the tag's object: #[mask], #[encrypt] and \
                         #[sign] have no value of their own to apply to; use #[sensitive] on a \
                         type that derives Sensitive, or a struct variant"
                    ),
                );
            }
        }
    }
    for field in &variant.fields {
        for e in &field.attrs.encrypts {
            let scope = Scope {
                is_enum: true,
                owner: &vname,
                fields: &variant.fields,
                elsewhere,
            };
            check_context(cx, &scope, &input.attrs.context, &e.context, Some(field));
        }
    }
}

/// Where a variant's field is in the enum's JSON, relative to the place the variant's content
/// is written.
#[derive(PartialEq, Eq)]
enum Slot {
    Whole,
    Member(String),
    Index(usize),
}

impl Slot {
    fn show(&self, tagging: Tagging<'_>) -> String {
        let prefix = match tagging {
            Tagging::Adjacent { content, .. } => content.to_owned(),
            _ => String::new(),
        };
        match self {
            Slot::Whole if prefix.is_empty() => "$".to_owned(),
            Slot::Whole => prefix,
            Slot::Member(m) if prefix.is_empty() => m.clone(),
            Slot::Member(m) => format!("{prefix}.{m}"),
            Slot::Index(i) if prefix.is_empty() => format!("$[{i}]"),
            Slot::Index(i) => format!("{prefix}[{i}]"),
        }
    }
}

/// What the untyped rules see of a field: its mask, and whether it is encrypted or signed.
fn signature(field: &Field<'_>) -> String {
    let mask = field.attrs.masks.first().map(|m| match &m.kind {
        MaskKind::Default => "mask".to_owned(),
        MaskKind::Dynamic => "mask(dynamic)".to_owned(),
        MaskKind::Custom(c) => format!("mask(custom = {:?})", c.value()),
        MaskKind::Regex { pattern, format } => {
            format!(
                "mask(regex = {:?}, format = {:?})",
                pattern.value(),
                format.value()
            )
        }
    });
    let mut parts: Vec<String> = mask.into_iter().collect();
    if field.is_encrypted() {
        parts.push("encrypt".into());
    }
    if field.is_signed() {
        parts.push("sign".into());
    }
    if parts.is_empty() {
        "with no attribute".into()
    } else {
        let attrs: Vec<String> = parts.iter().map(|p| format!("#[{p}]")).collect();
        format!("with {}", attrs.join(" "))
    }
}

/// In an enum whose JSON paths do not name the variant, the variants that write a value at the
/// same place must declare it alike: the untyped rules (the paths of `sensitive_fields`,
/// Powertools' `masking_rules`, a seal) can't tell the variants apart.
fn check_shared_slots(cx: &Ctxt, input: &Input<'_>, variants: &[Variant<'_>]) {
    let tagging = input.tagging();
    if tagging == Tagging::External {
        return;
    }
    let how = match tagging {
        Tagging::Internal { .. } => "internally tagged",
        Tagging::Adjacent { .. } => "adjacently tagged",
        _ => "untagged",
    };
    // (variant, slot, field) of every field serde writes.
    let mut slots: Vec<(&Variant<'_>, Slot, &Field<'_>)> = Vec::new();
    for variant in variants.iter().filter(|v| v.serde.skip.is_none()) {
        let written = variant.fields.iter().filter(|f| f.serde.skip.is_none());
        match variant.style {
            Style::Named => {
                slots.extend(written.map(|f| (variant, Slot::Member(f.name.clone()), f)));
            }
            Style::Tuple => {
                slots.extend(
                    written
                        .enumerate()
                        .map(|(i, f)| (variant, Slot::Index(i), f)),
                );
            }
            // Under internal tagging the value's members join the tag's object: those of a
            // nested type are its own to keep apart.
            Style::Newtype if matches!(tagging, Tagging::Internal { .. }) => {}
            Style::Newtype => slots.extend(written.map(|f| (variant, Slot::Whole, f))),
            Style::Unit => {}
        }
    }
    for (i, (variant, slot, field)) in slots.iter().enumerate() {
        let sig = signature(field);
        let vname = variant.ident.unraw();
        // A value declared as a whole covers the place of every variant's content.
        if *slot == Slot::Whole && sig != "with no attribute" {
            for other in variants
                .iter()
                .filter(|o| o.serde.skip.is_none() && o.ident != variant.ident)
            {
                let alike = other.style == Style::Newtype
                    && signature(&other.fields[0]) == sig
                    && !matches!(tagging, Tagging::Untagged);
                let no_content =
                    other.style == Style::Unit && matches!(tagging, Tagging::Adjacent { .. });
                if !alike && !no_content && other.index > variant.index {
                    cx.error_spanned_by(
                        other.ident,
                        format!(
                            "in this {how} enum the value of variant `{vname}` is at `{}`, \
                             where every variant's content is, and it is declared {sig}: the \
                             untyped rules would apply it to variant `{}` too; use a struct \
                             variant, or tag the enum externally",
                            slot.show(tagging),
                            other.ident.unraw()
                        ),
                    );
                }
            }
            continue;
        }
        for (earlier, eslot, efield) in &slots[..i] {
            if eslot != slot || earlier.ident == variant.ident {
                continue;
            }
            let esig = signature(efield);
            let place = slot.show(tagging);
            let evname = earlier.ident.unraw();
            if esig != sig {
                cx.error_at(
                    field.span,
                    format!(
                        "in this {how} enum `{vname}.{}` and `{evname}.{}` are both written at \
                         `{place}`, which does not say the variant, but `{vname}.{}` is \
                         declared {sig} and `{evname}.{}` {esig}: the untyped rules would apply \
                         one's to the other; declare both alike, or rename one",
                        field.label(),
                        efield.label(),
                        field.label(),
                        efield.label(),
                    ),
                );
            } else if tagging == Tagging::Untagged && (field.is_encrypted() || field.is_signed()) {
                cx.error_at(
                    field.span,
                    format!(
                        "in this untagged enum `{vname}.{}` and `{evname}.{}` are both written at \
                         `{place}`, {sig}: the JSON does not say which variant a value \
                         belongs to, so its field binding could not name the variant; rename \
                         one, or tag the enum",
                        field.label(),
                        efield.label(),
                    ),
                );
            }
            break;
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
                field.label()
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

/// Where a context recipe is: the struct or variant (`owner`) whose `fields` are the siblings,
/// and, for a variant, the fields of the other variants (`elsewhere`).
#[derive(Clone, Copy)]
struct Scope<'s, 'a> {
    is_enum: bool,
    owner: &'s str,
    fields: &'s [Field<'a>],
    elsewhere: &'s [(String, &'s [Field<'a>])],
}

/// Checks one context recipe: the container's (`field` is `None`; an enum's container entries
/// name no sibling) or a field's, whose siblings
/// are `fields` (of `owner`, the struct or variant) and to which the container's `container`
/// entries apply too.
fn check_context(
    cx: &Ctxt,
    scope: &Scope<'_, '_>,
    container: &[ContextItem],
    items: &[ContextItem],
    field: Option<&Field<'_>>,
) {
    let Scope {
        is_enum,
        owner,
        fields,
        elsewhere,
    } = *scope;
    // Keys already used: the container's entries apply to every field, so a field's keys are
    // checked against them too.
    let mut seen: HashSet<String> = HashSet::new();
    if field.is_some() {
        for item in container {
            if let Some(key) = context_key(fields, item) {
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
        if let ContextValue::Field(ident) = &item.value
            && !(is_enum && field.is_none())
        {
            check_context_field(cx, owner, fields, elsewhere, ident);
        }
        let Some(key) = context_key(fields, item) else {
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
pub(crate) fn context_key(fields: &[Field<'_>], item: &ContextItem) -> Option<String> {
    match (&item.key, &item.value) {
        (Some((key, _)), _) => Some(key.clone()),
        (None, ContextValue::Field(ident)) => find(fields, ident).map(|f| f.name.clone()),
        (None, ContextValue::Literal(_)) => None,
    }
}

fn check_context_field(
    cx: &Ctxt,
    owner: &str,
    fields: &[Field<'_>],
    elsewhere: &[(String, &[Field<'_>])],
    ident: &syn::Ident,
) {
    let Some(field) = find(fields, ident) else {
        if let Some((other, _)) = elsewhere.iter().find(|(_, f)| find(f, ident).is_some()) {
            cx.error_spanned_by(
                ident,
                format!(
                    "context names a field of another variant: `{}` is a field of `{other}`, \
                     not of `{owner}`; a context names a sibling in the same variant",
                    ident.unraw()
                ),
            );
            return;
        }
        let names: Vec<String> = fields
            .iter()
            .filter(|f| f.ident.is_some())
            .map(Field::label)
            .collect();
        let hint = closest(&ident.unraw().to_string(), names.iter().map(String::as_str))
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        cx.error_spanned_by(
            ident,
            format!(
                "context names no field: `{owner}` has no field `{}`{hint}",
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
