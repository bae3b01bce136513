//! Snapshots of the derives: the path they name and the attribute their impls carry.

use quote::quote;
use syn::DeriveInput;

fn unspaced(tokens: proc_macro2::TokenStream) -> String {
    tokens.to_string().split_whitespace().collect()
}

#[test]
fn label_value_names_the_crate_path_it_is_given_and_is_marked_derived() {
    let input: DeriveInput = syn::parse2(quote! {
        #[tallymark(crate = kit::metrics)]
        enum Method { Get, #[label("PURGE")] Purge }
    })
    .unwrap();
    let expected = quote! {
        #[automatically_derived]
        impl kit::metrics::__private::LabelValue for Method {
            const VALUES: ::core::option::Option<&'static [&'static ::core::primitive::str]> =
                ::core::option::Option::Some(&["get", "PURGE"]);
            fn index(&self) -> ::core::primitive::usize {
                match *self {
                    Self::Get => 0usize,
                    Self::Purge => 1usize,
                }
            }
            fn label(&self) -> kit::metrics::__private::Cow<'static, ::core::primitive::str> {
                match *self {
                    Self::Get => kit::metrics::__private::Cow::Borrowed("get"),
                    Self::Purge => kit::metrics::__private::Cow::Borrowed("PURGE"),
                }
            }
        }
    };
    assert_eq!(
        unspaced(crate::label_value::derive(&input)),
        unspaced(expected)
    );
}

#[test]
fn label_set_names_the_crate_path_everywhere_and_is_marked_derived() {
    let input: DeriveInput = syn::parse2(quote! {
        #[tallymark(crate = kit::metrics)]
        struct Request { method: Method }
    })
    .unwrap();
    let expanded = unspaced(crate::label_set::derive(&input));
    assert!(
        expanded.starts_with(
            "#[automatically_derived]implkit::metrics::__private::LabelSetforRequest{"
        ),
        "{expanded}"
    );
    assert!(!expanded.contains("::tallymark"), "{expanded}");
}

#[test]
fn a_derive_attribute_other_than_crate_is_an_error_on_its_key() {
    let input: DeriveInput = syn::parse2(quote! {
        #[tallymark(krate = kit)]
        enum Method { Get }
    })
    .unwrap();
    let expanded = crate::label_value::derive(&input).to_string();
    assert!(
        expanded.contains("compile_error ! { \"`#[tallymark(..)]` takes `crate = path`\" }"),
        "{expanded}"
    );
}
