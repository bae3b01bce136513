//! What a macro emits when the input breaks a rule: the user's code as it was, and the
//! errors. Keeping the item means its uses still resolve, so one mistake in an attribute
//! does not cascade into "cannot find value" errors at every use.

use proc_macro2::TokenStream;
use quote::quote;

/// The original item, unchanged, followed by every error.
pub fn item_with_errors(item: TokenStream, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote! {
        #item
        #errors
    }
}

/// The errors, and an impl of `LabelValue` that is never run (the build fails), so that
/// the type's uses as a label do not add "trait not implemented" errors of their own.
pub fn label_value(private: &TokenStream, ty: &syn::Ident, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #[automatically_derived]
        impl #private::LabelValue for #ty {
            fn label(&self) -> #private::Cow<'static, ::core::primitive::str> {
                ::core::unreachable!()
            }
        }
    }
}

/// The errors, and an impl of `LabelSet` that is never run, for the same reason.
pub fn label_set(private: &TokenStream, ty: &syn::Ident, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #[automatically_derived]
        impl #private::LabelSet for #ty {
            const NAMES: ::core::option::Option<&'static [&'static ::core::primitive::str]> =
                ::core::option::Option::None;
            const ARITY: ::core::primitive::usize = 0;
            const DENSE: ::core::option::Option<::core::primitive::usize> =
                ::core::option::Option::None;
            type Lookup<'a> = Self;
            type Key = Self;
            fn dense_index(_: &Self) -> ::core::primitive::usize {
                ::core::unreachable!()
            }
            fn dense_values(
                _: ::core::primitive::usize,
                _: &mut dyn ::core::ops::FnMut(&::core::primitive::str),
            ) {
                ::core::unreachable!()
            }
            fn hash_lookup<__TallymarkH: #private::Hasher>(_: &Self, _: &mut __TallymarkH) {
                ::core::unreachable!()
            }
            fn matches(_: &Self, _: &Self) -> ::core::primitive::bool {
                ::core::unreachable!()
            }
            fn to_key(_: &Self) -> Self {
                ::core::unreachable!()
            }
            fn values(_: &Self, _: &mut dyn ::core::ops::FnMut(&::core::primitive::str)) {
                ::core::unreachable!()
            }
        }
    }
}
