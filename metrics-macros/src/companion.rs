//! The hidden item `#[metric]` declares beside a labelled family, under the static's own
//! name (a type and a value of one name live apart), for `labels(..)` of `#[counted]`,
//! `#[timed]` and `#[in_flight]`:
//!
//! ```text
//! static HTTP_REQUESTS_TOTAL: CounterFamily<2> = ..;
//! struct HTTP_REQUESTS_TOTAL<L0, L1> { method: L0, endpoint: L1 }   // labels(method, endpoint)
//! impl<L0: LabelText, L1: LabelText> CallLabels<StrLabels<2>> for HTTP_REQUESTS_TOTAL<L0, L1> { .. }
//!
//! static REQUESTS_TOTAL: Family<Request, Counter> = ..;
//! type REQUESTS_TOTAL = Request;                                     // a typed label set
//! ```
//!
//! `labels(method = "GET")` then expands to the struct literal
//! `HTTP_REQUESTS_TOTAL { method: .. }`, so the compiler itself reports a label the family
//! does not have on its name, and a label left without a value.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::Attribute;

use crate::ast::{typed_label_set, LabelShape, Metric};
use crate::names::unraw;

/// The companion of a labelled family, or nothing for an unlabelled one; `cfgs` are the
/// static's `#[cfg]`s, which its companion shares.
pub fn companion(metric: &Metric, private: &TokenStream, cfgs: &[&Attribute]) -> TokenStream {
    let item = metric.item;
    let (vis, ident) = (&item.vis, &item.ident);
    let hidden = quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
    };
    if let Some(list) = metric.args.labels.value() {
        let fields: Vec<Ident> = list.names.iter().map(field_name).collect();
        let params: Vec<Ident> = (0..fields.len())
            .map(|i| format_ident!("__TallymarkL{}", i))
            .collect();
        let arity = fields.len();
        return quote! {
            #hidden
            #vis struct #ident<#(#params),*> {
                #(#vis #fields: #params,)*
            }

            #(#cfgs)*
            impl<#(#params: #private::LabelText),*> #private::CallLabels<#private::StrLabels<#arity>>
                for #ident<#(#params),*>
            {
                #[inline]
                fn with_lookup<__TallymarkR, __TallymarkF>(self, f: __TallymarkF) -> __TallymarkR
                where
                    __TallymarkF: for<'a> ::core::ops::FnOnce(
                        <#private::StrLabels<#arity> as #private::LabelSet>::Lookup<'a>,
                    ) -> __TallymarkR,
                {
                    f([#(&*#private::LabelText::text(&self.#fields)),*])
                }
            }
        };
    }
    match (&metric.shape.labels, typed_label_set(&item.ty)) {
        (LabelShape::Typed, Some(set)) => quote! {
            #hidden
            #vis type #ident = #set;
        },
        _ => TokenStream::new(),
    }
}

/// A label name as a field name: keywords are written raw.
pub fn field_name(name: &Ident) -> Ident {
    let text = unraw(name);
    let span: Span = name.span();
    if syn::parse_str::<Ident>(&text).is_ok() {
        Ident::new(&text, span)
    } else {
        Ident::new_raw(&text, span)
    }
}
