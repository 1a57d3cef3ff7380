//! The input, parsed: the struct or enum, its variants and fields, and their attributes.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::{Data as SynData, DeriveInput, Fields, Generics, Ident, Member, Type};

use crate::attr::{self, ContainerAttrs, FieldAttrs, SerdeContainer, SerdeField, SerdeVariant};
use crate::case::RenameRule;
use crate::ctxt::Ctxt;

/// A struct or an enum.
pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: &'a ContainerAttrs,
    pub(crate) serde: SerdeContainer,
    /// The serialized name of the type.
    pub(crate) name: String,
    pub(crate) data: Data<'a>,
}

pub(crate) enum Data<'a> {
    Struct(Style, Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

/// The shape of a struct or variant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `{ a: A, .. }`
    Named,
    /// `(A, B, ..)`, two fields or more.
    Tuple,
    /// `(A)`
    Newtype,
    /// no field
    Unit,
}

/// How an enum is written in JSON (serde's representations).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tagging<'s> {
    /// `{"Variant": ...}`
    External,
    /// `{"tag": "Variant", ...fields}`
    Internal { tag: &'s str },
    /// `{"tag": "Variant", "content": ...}`
    Adjacent { tag: &'s str, content: &'s str },
    /// the variant's content alone
    Untagged,
}

/// One variant of an enum.
pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) style: Style,
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) serde: SerdeVariant,
    /// The serialized name.
    pub(crate) name: String,
    /// Its position in the enum, as serde numbers variants.
    pub(crate) index: u32,
}

impl Variant<'_> {
    /// Has a field with one of our attributes.
    pub(crate) fn is_sensitive(&self) -> bool {
        self.fields.iter().any(Field::is_sensitive)
    }
}

/// One field: named, or a position of a tuple.
pub(crate) struct Field<'a> {
    pub(crate) member: Member,
    /// The name, for a named field.
    pub(crate) ident: Option<&'a Ident>,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
    pub(crate) serde: SerdeField,
    /// The serialized (serde) name; the position for a tuple field.
    pub(crate) name: String,
    /// Where to report an error about the field as a whole.
    pub(crate) span: Span,
}

impl Field<'_> {
    /// Has `#[mask]`, `#[encrypt]`, `#[sign]` or `#[sensitive]`.
    pub(crate) fn is_sensitive(&self) -> bool {
        !self.attrs.masks.is_empty()
            || !self.attrs.encrypts.is_empty()
            || self.is_signed()
            || !self.attrs.nested.is_empty()
    }

    pub(crate) fn is_signed(&self) -> bool {
        !self.attrs.signs.is_empty()
    }

    pub(crate) fn is_nested(&self) -> bool {
        !self.attrs.nested.is_empty()
    }

    pub(crate) fn is_encrypted(&self) -> bool {
        !self.attrs.encrypts.is_empty()
    }

    /// The field as written in Rust: its name or its position.
    pub(crate) fn label(&self) -> String {
        match &self.member {
            Member::Named(i) => i.unraw().to_string(),
            Member::Unnamed(i) => i.index.to_string(),
        }
    }
}

fn style(fields: &Fields) -> Style {
    match fields {
        Fields::Named(_) => Style::Named,
        Fields::Unnamed(f) if f.unnamed.len() == 1 => Style::Newtype,
        Fields::Unnamed(_) => Style::Tuple,
        Fields::Unit => Style::Unit,
    }
}

fn fields<'a>(cx: &Ctxt, fields: &'a Fields, rename_all: Option<RenameRule>) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let serde_attrs = attr::serde_field(&f.attrs);
            let (member, name) = match &f.ident {
                Some(ident) => {
                    let raw = ident.unraw().to_string();
                    let name = match (&serde_attrs.rename, rename_all) {
                        (Some(n), _) => n.clone(),
                        (None, Some(rule)) => rule.apply_to_field(&raw),
                        (None, None) => raw,
                    };
                    (Member::Named(ident.clone()), name)
                }
                None => (Member::Unnamed(i.into()), i.to_string()),
            };
            Field {
                member,
                ident: f.ident.as_ref(),
                ty: &f.ty,
                attrs: attr::field(cx, &f.attrs),
                serde: serde_attrs,
                name,
                span: match &f.ident {
                    Some(i) => i.span(),
                    None => syn::spanned::Spanned::span(&f.ty),
                },
            }
        })
        .collect()
}

impl<'a> Input<'a> {
    /// Parses the input, whose `#[sensitive(...)]` attributes are `attrs`; `None` (with errors in
    /// `cx`) for a union.
    pub(crate) fn from_syn(
        cx: &Ctxt,
        node: &'a DeriveInput,
        attrs: &'a ContainerAttrs,
    ) -> Option<Self> {
        let serde = attr::serde_container(&node.attrs);
        let data = match &node.data {
            SynData::Struct(s) => {
                let style = style(&s.fields);
                let mut fields = fields(cx, &s.fields, serde.rename_all);
                // The mask of a newtype is the mask of its value.
                if style == Style::Newtype {
                    fields[0]
                        .attrs
                        .masks
                        .splice(0..0, attrs.masks.iter().map(|(m, _)| m.clone()));
                }
                Data::Struct(style, fields)
            }
            SynData::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        attr::on_variant(cx, &v.attrs);
                        let vserde = attr::serde_variant(&v.attrs);
                        let raw = v.ident.unraw().to_string();
                        let name = match (&vserde.rename, serde.rename_all) {
                            (Some(n), _) => n.clone(),
                            (None, Some(rule)) => rule.apply_to_variant(&raw),
                            (None, None) => raw,
                        };
                        let rename_fields = vserde.rename_all.or(serde.rename_all_fields);
                        Variant {
                            ident: &v.ident,
                            style: style(&v.fields),
                            fields: fields(cx, &v.fields, rename_fields),
                            serde: vserde,
                            name,
                            index: u32::try_from(i).unwrap_or(u32::MAX),
                        }
                    })
                    .collect();
                Data::Enum(variants)
            }
            SynData::Union(u) => {
                cx.error_spanned_by(
                    u.union_token,
                    "#[derive(Sensitive)] is not supported on unions: use a struct or an enum",
                );
                return None;
            }
        };
        let name = serde
            .rename
            .clone()
            .unwrap_or_else(|| node.ident.unraw().to_string());
        Some(Input {
            ident: &node.ident,
            generics: &node.generics,
            attrs,
            serde,
            name,
            data,
        })
    }

    /// The enum's representation (`External` for a struct).
    pub(crate) fn tagging(&self) -> Tagging<'_> {
        match (&self.serde.tag, &self.serde.content, self.serde.untagged) {
            (_, _, true) => Tagging::Untagged,
            (Some(tag), Some(content), false) => Tagging::Adjacent { tag, content },
            (Some(tag), None, false) => Tagging::Internal { tag },
            (None, _, false) => Tagging::External,
        }
    }

    /// Every field, of the struct or of every variant.
    pub(crate) fn all_fields(&self) -> Box<dyn Iterator<Item = &Field<'a>> + '_> {
        match &self.data {
            Data::Struct(_, fields) => Box::new(fields.iter()),
            Data::Enum(variants) => Box::new(variants.iter().flat_map(|v| v.fields.iter())),
        }
    }
}

/// The named field `ident` among `fields`.
pub(crate) fn find<'f, 'a>(fields: &'f [Field<'a>], ident: &Ident) -> Option<&'f Field<'a>> {
    fields
        .iter()
        .find(|f| f.ident.is_some_and(|i| i.unraw() == ident.unraw()))
}
