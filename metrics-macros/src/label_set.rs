//! `#[derive(LabelSet)]`: a struct whose named fields are the labels of a family.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, FieldsNamed, Ident, LitStr, Type};

use crate::attr::{derive_private_path, label_rename, reject_label_attrs};
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::instrument::respan;
use crate::names::{label_name_problem, unraw};

/// One field: the label it names and the `LabelValue` type it holds.
struct Label<'a> {
    member: &'a Ident,
    ty: &'a Type,
    name: LitStr,
}

/// Expands `#[derive(LabelSet)]`.
pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    reject_label_attrs(&cx, &input.attrs, "a field");
    let private = derive_private_path(&cx, &input.attrs);
    reject_generics(&cx, input, "LabelSet");
    let labels = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => labels(&cx, named),
            Fields::Unnamed(unnamed) => {
                cx.error_spanned_by(unnamed, NAMED_FIELDS);
                Vec::new()
            }
            Fields::Unit => {
                cx.error_spanned_by(&input.ident, NAMED_FIELDS);
                Vec::new()
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "`#[derive(LabelSet)]` applies to structs with named fields; an enum of \
                 label values derives `LabelValue`",
            );
            Vec::new()
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, NAMED_FIELDS);
            Vec::new()
        }
    };
    let stub = matches!(input.data, Data::Struct(_)) && input.generics.params.is_empty();
    match cx.check() {
        Ok(()) => expand(&private, &input.ident, &labels),
        Err(errors) if stub => fallback::label_set(&private, &input.ident, &errors),
        Err(errors) => errors.to_compile_error(),
    }
}

const NAMED_FIELDS: &str =
    "`#[derive(LabelSet)]` needs a struct with named fields: the field names are the label names";

/// Reports generic parameters: a label type is stored in a `static` family, so it names one
/// concrete type.
pub fn reject_generics(cx: &Ctxt, input: &DeriveInput, derive: &str) {
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            format!("`#[derive({derive})]` does not support generic parameters"),
        );
    }
}

fn labels<'a>(cx: &Ctxt, fields: &'a FieldsNamed) -> Vec<Label<'a>> {
    let mut seen = HashSet::new();
    let mut read = Vec::with_capacity(fields.named.len());
    for field in &fields.named {
        let Some(member) = &field.ident else {
            continue;
        };
        let name = label_rename(cx, &field.attrs)
            .unwrap_or_else(|| LitStr::new(&unraw(member), member.span()));
        let text = name.value();
        if let Some(problem) = label_name_problem(&text) {
            cx.error_spanned_by(&name, problem);
        } else if !seen.insert(text.clone()) {
            cx.error_spanned_by(&name, format!("duplicate label `{text}`"));
        }
        read.push(Label {
            member,
            ty: &field.ty,
            name,
        });
    }
    read
}

fn expand(private: &TokenStream, ty: &Ident, labels: &[Label]) -> TokenStream {
    let names = labels.iter().map(|l| &l.name);
    let arity = labels.len();
    let values: Vec<TokenStream> = labels
        .iter()
        .map(|l| {
            let label_value = label_value_of(private, l);
            quote!(#label_value::VALUES)
        })
        .collect();
    let dense = dense_methods(private, labels, &values);
    let keyed = keyed_methods(private, labels);
    quote! {
        #[automatically_derived]
        impl #private::LabelSet for #ty {
            const NAMES: ::core::option::Option<&'static [&'static ::core::primitive::str]> =
                ::core::option::Option::Some(&[#(#names),*]);
            const ARITY: ::core::primitive::usize = #arity;
            const DENSE: ::core::option::Option<::core::primitive::usize> =
                #private::dense_count(&[#(#values),*]);

            type Lookup<'a> = Self;
            type Key = Self;

            #dense
            #keyed
        }
    }
}

/// `<FieldType as LabelValue>`, spanned on the field type: a type that is no `LabelValue`
/// is reported there.
fn label_value_of(private: &TokenStream, label: &Label) -> TokenStream {
    let field_ty = label.ty;
    let private = respan(private, field_ty.span());
    quote_spanned!(field_ty.span()=> <#field_ty as #private::LabelValue>)
}

/// `dense_index` and `dense_values`: a mixed-radix number whose digits are the fields'
/// variant indices, the first field the most significant.
fn dense_methods(private: &TokenStream, labels: &[Label], values: &[TokenStream]) -> TokenStream {
    let indices = labels.iter().map(|l| {
        let (label_value, member) = (label_value_of(private, l), l.member);
        quote!(#label_value::index(&__tallymark_lookup.#member))
    });
    quote! {
        fn dense_index(__tallymark_lookup: &Self) -> ::core::primitive::usize {
            #private::dense_index(&[#((#indices, #values)),*])
        }

        fn dense_values(
            __tallymark_index: ::core::primitive::usize,
            __tallymark_f: &mut dyn ::core::ops::FnMut(&::core::primitive::str),
        ) {
            #private::dense_labels(__tallymark_index, &[#(#values),*], __tallymark_f);
        }
    }
}

/// The methods behind the hashed map: hashing, comparing, owning and reading the fields.
/// The key is the struct itself, so a lookup is compared field by field rather than by
/// formatting each value to compare it with the stored text.
fn keyed_methods(private: &TokenStream, labels: &[Label]) -> TokenStream {
    let members: Vec<&Ident> = labels.iter().map(|l| l.member).collect();
    let texts = labels.iter().map(|l| {
        let (label_value, member) = (label_value_of(private, l), l.member);
        quote!(#label_value::label(&__tallymark_lookup.#member))
    });
    let matches = if labels.is_empty() {
        quote!(true)
    } else {
        let each = members.iter().map(
            |m| quote!(::core::cmp::PartialEq::eq(&__tallymark_lookup.#m, &__tallymark_key.#m)),
        );
        quote!(#(#each)&&*)
    };
    quote! {
        fn hash_lookup<__TallymarkH: #private::Hasher>(
            __tallymark_lookup: &Self,
            __tallymark_state: &mut __TallymarkH,
        ) {
            #(#private::Hash::hash(&__tallymark_lookup.#members, __tallymark_state);)*
        }

        fn matches(
            __tallymark_lookup: &Self,
            __tallymark_key: &Self,
            _: #private::LabelPairs<'_>,
        ) -> ::core::primitive::bool {
            #matches
        }

        fn to_key(__tallymark_lookup: &Self) -> Self {
            Self {
                #(#members: ::core::clone::Clone::clone(&__tallymark_lookup.#members),)*
            }
        }

        fn values(
            __tallymark_lookup: &Self,
            __tallymark_f: &mut dyn ::core::ops::FnMut(&::core::primitive::str),
        ) {
            #(__tallymark_f(&#texts);)*
        }
    }
}
