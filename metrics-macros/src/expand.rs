//! Code generation for `#[metric]`: the static gains a descriptor and is submitted to the
//! program-wide catalog.

use proc_macro2::{Literal, Punct, Spacing, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Item, ItemStatic, LitStr};

use crate::ast::{Bound, Metric};
use crate::attr::MetricArgs;
use crate::ctxt::Ctxt;
use crate::{companion, fallback, names, valid};

/// Expands `#[metric(args)] input`.
pub fn metric(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = MetricArgs::parse(args, &cx);
    let expanded = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Static(item)) => {
            valid::check_static(&cx, &item);
            let metric = Metric::from_item(&item, &args, &cx);
            valid::check(&cx, &metric);
            cx.is_clean().then(|| declare(&metric))
        }
        Ok(other) => {
            valid::reject_item(&cx, &other);
            None
        }
        Err(error) => {
            cx.push(error);
            None
        }
    };
    match (expanded, cx.check()) {
        (Some(tokens), Ok(())) => tokens,
        (_, Err(errors)) => fallback::item_with_errors(input, &errors),
        (None, Ok(())) => input,
    }
}

/// ```text
/// static NAME: Ty = {
///     const __TALLYMARK_DESCRIPTOR: Descriptor = Descriptor::new(..)...;
///     let __tallymark_metric: Ty = USER_EXPR;
///     __tallymark_metric.described(&__TALLYMARK_DESCRIPTOR)
/// };
/// inventory::submit! { Registration::new(&NAME) }
/// ```
/// The `let` carries the static's type, so `CounterFamily::new()` infers its `N` before
/// `described` is looked up. `&CONST` in a static's initialiser is promoted to `'static`.
fn declare(metric: &Metric) -> TokenStream {
    let item = metric.item;
    let private = match metric.args.krate.value() {
        Some(path) => quote!(#path::__private),
        None => quote!(::tallymark::__private),
    };
    let descriptor = descriptor(metric, &private);
    let ty = &item.ty;
    let user_expr = &item.expr;
    // Errors about a type that is not a metric point at the type.
    let ty_span = ty.span();
    let described = quote_spanned!(ty_span=> described);
    let ident = &item.ident;
    let registration = quote_spanned!(ty_span=> #private::Registration::new(&#ident));
    let ItemStatic {
        attrs,
        vis,
        static_token,
        mutability,
        colon_token,
        eq_token,
        semi_token,
        ..
    } = item;
    // A `#[cfg]` that removes the static must remove its registration too.
    let cfgs: Vec<_> = attrs.iter().filter(|a| a.path().is_ident("cfg")).collect();
    let companion = companion::companion(metric, &private, &cfgs);
    quote! {
        #(#attrs)*
        #vis #static_token #mutability #ident #colon_token #ty #eq_token {
            const __TALLYMARK_DESCRIPTOR: #private::Descriptor = #descriptor;
            let __tallymark_metric: #ty = #user_expr;
            __tallymark_metric.#described(&__TALLYMARK_DESCRIPTOR)
        } #semi_token
        #(#cfgs)*
        #private::inventory::submit! { #registration }
        #companion
    }
}

fn descriptor(metric: &Metric, private: &TokenStream) -> TokenStream {
    let name = LitStr::new(&metric.name, metric.name_span);
    let help = match &metric.help {
        Some((text, span)) => LitStr::new(text, *span),
        None => LitStr::new("", metric.item.ident.span()),
    };
    let mut chain = quote!(#private::Descriptor::new(#name, #help));
    if let Some(list) = metric.args.labels.value() {
        let names = list
            .names
            .iter()
            .map(|ident| LitStr::new(&names::unraw(ident), ident.span()));
        chain.extend(quote!(.with_labels(&[#(#names),*])));
    }
    if let Some(unit) = metric.args.unit.value() {
        chain.extend(quote!(.with_unit(#unit)));
    }
    if metric.args.buckets.get().is_some() {
        let bounds = metric
            .bounds
            .iter()
            .map(|(bound, expr)| bound_tokens(*bound, expr));
        chain.extend(quote!(.with_buckets(&[#(#bounds),*])));
    }
    if let (Some(budget), Some(lit)) = (metric.budget, metric.args.budget.value()) {
        let mut budget = Literal::usize_unsuffixed(budget);
        budget.set_span(lit.span());
        chain.extend(quote!(.with_budget(#budget)));
    }
    chain.extend(quote!(.with_module(::core::module_path!())));
    chain
}

/// A bound as an `f64` literal, whether it was written `1`, `1.0` or `-0.5`, on the span
/// of what was written.
fn bound_tokens(bound: Bound, written: &syn::Expr) -> TokenStream {
    let span = written.span();
    match bound {
        Bound::Infinity => quote_spanned!(span=> ::core::primitive::f64::INFINITY),
        Bound::Finite(value) => {
            let mut tokens = TokenStream::new();
            if value.is_sign_negative() {
                let mut minus = Punct::new('-', Spacing::Alone);
                minus.set_span(span);
                minus.to_tokens(&mut tokens);
            }
            let mut literal = Literal::f64_suffixed(value.abs());
            literal.set_span(span);
            literal.to_tokens(&mut tokens);
            tokens
        }
    }
}
