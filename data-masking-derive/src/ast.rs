//! The input, parsed: the struct, its fields, and their attributes.

use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Type};

use crate::attr::{self, ContainerAttrs, FieldAttrs, SerdeContainer, SerdeField};
use crate::ctxt::Ctxt;

/// A struct with named fields.
pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) attrs: &'a ContainerAttrs,
    pub(crate) serde: SerdeContainer,
    /// The serialized name of the struct.
    pub(crate) name: String,
    pub(crate) fields: Vec<Field<'a>>,
}

/// One named field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
    pub(crate) serde: SerdeField,
    /// The serialized (serde) name.
    pub(crate) name: String,
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
}

impl<'a> Input<'a> {
    /// Parses the input, whose `#[sensitive(...)]` attributes are `attrs`; `None` (with errors in
    /// `cx`) for what is not a struct with named fields.
    pub(crate) fn from_syn(
        cx: &Ctxt,
        node: &'a DeriveInput,
        attrs: &'a ContainerAttrs,
    ) -> Option<Self> {
        let serde = attr::serde_container(&node.attrs);
        let named = match &node.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(f) => {
                    cx.error_spanned_by(
                        f,
                        "#[derive(Sensitive)] is not supported on tuple structs: use a struct \
                         with named fields",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &node.ident,
                        "#[derive(Sensitive)] is not supported on unit structs: use a struct \
                         with named fields",
                    );
                    return None;
                }
            },
            Data::Enum(e) => {
                cx.error_spanned_by(
                    e.enum_token,
                    "#[derive(Sensitive)] is not supported on enums: use a struct with named \
                     fields",
                );
                return None;
            }
            Data::Union(u) => {
                cx.error_spanned_by(
                    u.union_token,
                    "#[derive(Sensitive)] is not supported on unions: use a struct with named \
                     fields",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?;
                let serde_attrs = attr::serde_field(&f.attrs);
                let raw = ident.unraw().to_string();
                let name = match (&serde_attrs.rename, serde.rename_all) {
                    (Some(n), _) => n.clone(),
                    (None, Some(rule)) => rule.apply_to_field(&raw),
                    (None, None) => raw,
                };
                Some(Field {
                    ident,
                    ty: &f.ty,
                    attrs: attr::field(cx, &f.attrs),
                    serde: serde_attrs,
                    name,
                })
            })
            .collect();
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
            fields,
        })
    }

    pub(crate) fn field(&self, ident: &Ident) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.ident.unraw() == ident.unraw())
    }
}
