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

/// The errors, and an impl of `LabelValue` (every value labelled `""`) that is never run,
/// since the build fails: it keeps the type's uses as a label from adding "trait not
/// implemented" errors of their own.
pub fn label_value(private: &TokenStream, ty: &syn::Ident, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #[automatically_derived]
        impl #private::LabelValue for #ty {
            fn label(&self) -> #private::Cow<'static, ::core::primitive::str> {
                #private::Cow::Borrowed("")
            }
        }
    }
}

/// The errors, and an impl of `LabelSet` as a set of no labels, for the same reason. The
/// dense methods keep their defaults.
pub fn label_set(private: &TokenStream, ty: &syn::Ident, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #[automatically_derived]
        impl #private::LabelSet for #ty {
            const NAMES: ::core::option::Option<&'static [&'static ::core::primitive::str]> =
                ::core::option::Option::Some(&[]);
            const ARITY: ::core::primitive::usize = 0;
            type Lookup<'a> = Self;
            type Key = ();
            fn hash_lookup<__TallymarkH: #private::Hasher>(_: &Self, _: &mut __TallymarkH) {}
            fn matches(_: &Self, _: &(), _: #private::LabelPairs<'_>) -> ::core::primitive::bool {
                true
            }
            fn to_key(_: &Self) {}
            fn values(_: &Self, _: &mut dyn ::core::ops::FnMut(&::core::primitive::str)) {}
        }
    }
}
