//! The guarded body of one function, for each shape.
//!
//! A sync fn:
//! ```text
//! fn f(args) -> T {
//!     static __TALLYMARK_SITE: CountedSite = ..; inventory::submit! { .. }
//!     let __tallymark_guard = CallGuard::enter(&__TALLYMARK_SITE);
//!     let __tallymark_ret = call_once(move || -> T { body });
//!     __tallymark_guard.finish(Outcome::of_return(&__tallymark_ret));
//!     __tallymark_ret
//! }
//! ```
//! The closure makes `return` and `?` end the body, not the function, so the guard sees
//! the value. Its annotated return type (with `impl Trait` as `_`) gives the body the
//! expected type it had, so coercions such as `Box<MyError>` to `Box<dyn Error>` still
//! happen, and `call_once` takes it as `FnOnce`, so a `&mut self` method can return a
//! borrow of `self`. A panic drops the guard while unwinding, which records `panic`.
//!
//! An `async fn` keeps its `async`; the guard is taken when the future is first polled,
//! so the time spans every await, and the body runs as an inner `async move` block
//! awaited in place. Dropping the future mid-way drops the guard: `cancelled`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Block, ReturnType, Signature, Type};

use crate::instrument::shape::{self, Shape};
use crate::instrument::target::{respan, Recording};

/// Writes the body of `sig` with `block` guarded by `recording`. `inner` are the body's
/// own `#![..]` attributes, which open the new body so they cover all of it as before.
pub fn body(
    private: &TokenStream,
    sig: &Signature,
    block: &Block,
    inner: &[&Attribute],
    recording: &Recording,
) -> TokenStream {
    let shape = shape::shape(sig, block);
    let value_type = shape::value_type(sig, &shape);
    let Recording {
        setup,
        series,
        recorder,
        reads_result,
    } = recording;
    // A return type spelled `Result` that is not one is reported on the type.
    let outcome = match value_type {
        Some(ty) if *reads_result => {
            let at_type = respan(private, ty.span());
            quote_spanned!(ty.span()=> #at_type::Outcome::of_return(&__tallymark_ret))
        }
        None if *reads_result => quote!(#private::Outcome::of_return(&__tallymark_ret)),
        _ => quote!(#private::Outcome::Ok),
    };
    let finish = quote! {
        __tallymark_guard.finish(#outcome);
        __tallymark_ret
    };
    let enter = quote! {
        let __tallymark_guard = #private::CallGuard::enter(#recorder);
    };
    let guarded = match shape {
        Shape::Sync => sync(private, &sig.output, block, &enter, &finish),
        Shape::Async => {
            let edge = value_type.map(return_edge);
            quote! {
                #enter
                let __tallymark_ret = async move { #edge #block }.await;
                #finish
            }
        }
        Shape::BoxedAsync {
            before,
            pin,
            future,
        } => {
            let inner = &future.block;
            quote! {
                #(#before)*
                #pin(async move {
                    #enter
                    let __tallymark_ret = async move #inner.await;
                    #finish
                })
            }
        }
        Shape::ImplFuture | Shape::BoxedFuture => {
            let future = quote! {
                async move {
                    #enter
                    let __tallymark_ret = __tallymark_future.await;
                    #finish
                }
            };
            let future = match shape {
                Shape::BoxedFuture => quote!(#private::Box::pin(#future)),
                _ => future,
            };
            quote! {
                let __tallymark_future = #private::call_once(move || #block);
                #future
            }
        }
    };
    quote! {
        {
            #(#inner)*
            #setup
            #series
            #guarded
        }
    }
}

/// The body of a sync fn, run as a closure. A fn returning `!` never finishes: its guard
/// records when a panic unwinds through it.
fn sync(
    private: &TokenStream,
    output: &ReturnType,
    block: &Block,
    enter: &TokenStream,
    finish: &TokenStream,
) -> TokenStream {
    match output {
        ReturnType::Type(arrow, ty) if shape::is_never(ty) => quote! {
            #enter
            #private::call_once(move || #arrow #ty #block)
        },
        ReturnType::Type(arrow, ty) => {
            let ty = shape::inferable(ty);
            quote! {
                #enter
                let __tallymark_ret = #private::call_once(move || #arrow #ty #block);
                #finish
            }
        }
        ReturnType::Default => quote! {
            #enter
            let __tallymark_ret = #private::call_once(move || #block);
            #finish
        },
    }
}

/// A `return` of the declared type that never runs, first in an async block: it fixes the
/// block's output type before the body is checked, as the function's signature did, so
/// that `?` and coercions in the body infer as they would have.
fn return_edge(ty: &Type) -> TokenStream {
    let ty = shape::inferable(ty);
    quote_spanned! {ty.span()=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let __tallymark_fake_return: #ty = loop {};
            return __tallymark_fake_return;
        }
    }
}
