//! `#[derive(LabelValue)]`: a fieldless enum whose variants are label values.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DataEnum, DeriveInput, Fields, Ident, LitStr};

use crate::attr::{derive_private_path, label_rename, reject_label_attrs};
use crate::ctxt::Ctxt;
use crate::names::{snake_case, unraw};
use crate::{fallback, label_set};

/// One variant and the label it reads as.
struct Variant<'a> {
    ident: &'a Ident,
    label: LitStr,
}

/// Expands `#[derive(LabelValue)]`.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    reject_label_attrs(&cx, &input.attrs, "a variant");
    let private = derive_private_path(&cx, &input.attrs);
    label_set::reject_generics(&cx, input, "LabelValue");
    let variants = match &input.data {
        Data::Enum(data) => variants(&cx, data),
        Data::Struct(data) => {
            cx.error_spanned_by(
                data.struct_token,
                "`#[derive(LabelValue)]` applies to enums whose variants have no fields; \
                 a struct of labels derives `LabelSet`",
            );
            Vec::new()
        }
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "`#[derive(LabelValue)]` applies to enums whose variants have no fields",
            );
            Vec::new()
        }
    };
    let stub = matches!(input.data, Data::Enum(_)) && input.generics.params.is_empty();
    match cx.check() {
        Ok(()) => expand(&private, input, &variants),
        Err(errors) if stub => fallback::label_value(&private, &input.ident, &errors),
        Err(errors) => errors.to_compile_error(),
    }
}

fn variants<'a>(cx: &Ctxt, data: &'a DataEnum) -> Vec<Variant<'a>> {
    let mut taken: HashMap<String, &Ident> = HashMap::new();
    let mut read = Vec::with_capacity(data.variants.len());
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                format!(
                    "`#[derive(LabelValue)]` needs variants without fields, and `{}` has fields",
                    variant.ident
                ),
            );
        }
        let label = label_rename(cx, &variant.attrs).unwrap_or_else(|| {
            LitStr::new(&snake_case(&unraw(&variant.ident)), variant.ident.span())
        });
        let text = label.value();
        if text.is_empty() {
            cx.error_spanned_by(
                &label,
                "a label value cannot be empty: Prometheus reads an empty value as no label",
            );
        } else if let Some(first) = taken.get(&text) {
            cx.error_spanned_by(
                &label,
                format!(
                    "duplicate label value `{text}`: `{first}` and `{}` both read `{text}`",
                    variant.ident
                ),
            );
        } else {
            taken.insert(text, &variant.ident);
        }
        read.push(Variant {
            ident: &variant.ident,
            label,
        });
    }
    read
}

fn expand(private: &TokenStream, input: &DeriveInput, variants: &[Variant]) -> TokenStream {
    let ty = &input.ident;
    let idents: Vec<&Ident> = variants.iter().map(|v| v.ident).collect();
    let labels: Vec<&LitStr> = variants.iter().map(|v| &v.label).collect();
    let indices = 0..variants.len();
    quote! {
        #[automatically_derived]
        impl #private::LabelValue for #ty {
            const VALUES: ::core::option::Option<&'static [&'static ::core::primitive::str]> =
                ::core::option::Option::Some(&[#(#labels),*]);

            fn index(&self) -> ::core::primitive::usize {
                match *self {
                    #(Self::#idents => #indices,)*
                }
            }

            fn label(&self) -> #private::Cow<'static, ::core::primitive::str> {
                match *self {
                    #(Self::#idents => #private::Cow::Borrowed(#labels),)*
                }
            }
        }
    }
}
