//! Snapshots of whole expansions, pretty-printed, beside this file in `snapshots/`: a
//! change to what an attribute generates shows in review as a diff of readable code, and
//! fails here until the snapshot is rewritten with `TALLYMARK_BLESS=1 cargo test -p
//! tallymark-macros`. The token-level checks of single rules are in `tests.rs`.
//!
//! Spans are not compared (they cannot be printed); the UI tests check where errors point.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use super::{expand, AttributeKind};

/// Expands `input`, pretty-prints it, and compares it with `snapshots/{name}.expanded.rs`,
/// or writes that file when `TALLYMARK_BLESS` is `1`.
fn assert_snapshot(name: &str, kind: AttributeKind, args: TokenStream, input: TokenStream) {
    let expanded = expand(kind, args, input);
    let file: syn::File = match syn::parse2(expanded.clone()) {
        Ok(file) => file,
        Err(e) => panic!("the expansion of `{name}` is not a Rust file ({e}):\n{expanded}"),
    };
    let text = format!(
        "// What `instrument::snapshots::{name}` expects.\n\
         // Rewritten by `TALLYMARK_BLESS=1 cargo test -p tallymark-macros`, never by hand.\n\n{}",
        prettyplease::unparse(&file)
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/instrument/snapshots")
        .join(format!("{name}.expanded.rs"));
    if std::env::var_os("TALLYMARK_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &text).expect("the snapshot is writable");
        return;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        panic!("no snapshot for `{name}`; write it with TALLYMARK_BLESS=1 and review it");
    };
    // `assert_eq!` would print both files on one line each; a line-by-line first
    // difference is what a reader needs to find the change.
    if text != expected {
        let got = text.lines().chain(std::iter::repeat("<end of expansion>"));
        let want = expected
            .lines()
            .chain(std::iter::repeat("<end of snapshot>"));
        let (line, (got, want)) = got
            .zip(want)
            .enumerate()
            .find(|(_, (got, want))| got != want)
            .expect("two different texts differ in some line");
        panic!(
            "the expansion of `{name}` changed at line {}:\n  snapshot:  {want}\n  expansion: \
             {got}\nthe whole expansion:\n{text}",
            line + 1
        );
    }
}

/// `call_once` takes the body as an `FnOnce`, so a borrow of `self` can leave it: the
/// closure's return type is the method's, lifetimes included.
#[test]
fn timed_mut_self_method_returning_a_borrow() {
    assert_snapshot(
        "timed_mut_self_method_returning_a_borrow",
        AttributeKind::Timed,
        quote!(),
        quote! {
            pub fn entry(&mut self, key: &str) -> &mut Vec<u8> {
                self.map.entry(key.to_owned()).or_default()
            }
        },
    );
}

/// Each method of the block is guarded as `Type::method`; `skip` leaves one as written,
/// and a method's own `#[timed(..)]` replaces the block's arguments.
#[test]
fn timed_impl_block() {
    assert_snapshot(
        "timed_impl_block",
        AttributeKind::Timed,
        quote!(),
        quote! {
            impl<T: Clone> Cache<T> {
                pub fn get(&self, key: &str) -> Option<T> {
                    self.map.get(key).cloned()
                }

                #[timed(skip)]
                pub fn len(&self) -> usize {
                    self.map.len()
                }

                #[timed(LOAD_SECONDS)]
                async fn load(&self, key: &str) -> Result<T, Error> {
                    self.backend.fetch(key).await
                }
            }
        },
    );
}

/// The impl of a generic trait: each method's `function` label names the trait with its
/// arguments, and a `Result` return is read for the outcome.
#[test]
fn counted_impl_of_a_generic_trait() {
    assert_snapshot(
        "counted_impl_of_a_generic_trait",
        AttributeKind::Counted,
        quote!(),
        quote! {
            impl TryFrom<&str> for Port {
                type Error = ParseIntError;

                fn try_from(text: &str) -> Result<Self, Self::Error> {
                    text.parse().map(Port)
                }
            }
        },
    );
}

/// What `#[async_trait]` (0.1) makes of `async fn load(&self, id: u32) -> Result<Row,
/// Error>` before `#[timed]` sees it: the guard goes inside the boxed future, so it times
/// the awaited call, not the making of the box.
#[test]
fn timed_async_trait_method() {
    assert_snapshot(
        "timed_async_trait_method",
        AttributeKind::Timed,
        quote!(),
        quote! {
            #[allow(
                clippy::async_yields_async,
                clippy::diverging_sub_expression,
                clippy::let_unit_value,
                clippy::needless_arbitrary_self_type,
                clippy::no_effect_underscore_binding,
                clippy::shadow_same,
                clippy::type_complexity,
                clippy::type_repetition_in_bounds,
                clippy::used_underscore_binding
            )]
            fn load<'life0, 'async_trait>(
                &'life0 self,
                id: u32,
            ) -> ::core::pin::Pin<Box<
                dyn ::core::future::Future<Output = Result<Row, Error>>
                    + ::core::marker::Send
                    + 'async_trait,
            >>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move {
                    if let ::core::option::Option::Some(__ret) =
                        ::core::option::Option::None::<Result<Row, Error>>
                    {
                        #[allow(unreachable_code)]
                        return __ret;
                    }
                    let __self = self;
                    let id = id;
                    let __ret: Result<Row, Error> = { __self.db.row(id).await };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        },
    );
}

/// `#[counted]` above `#[timed]`, both into the default families: one site, one guard
/// and one clock pair, registered as both, with the `#[timed]` taken off the fn.
#[test]
fn counted_and_timed_share_one_guard() {
    assert_snapshot(
        "counted_and_timed_share_one_guard",
        AttributeKind::Counted,
        quote!(),
        quote! {
            #[timed]
            #[inline(never)]
            fn handle(request: &str) -> Result<usize, Error> {
                parse(request)
            }
        },
    );
}

/// With arguments that differ (here `result`), the two keep a guard each: the `#[timed]`
/// stays on the fn, inside `#[counted]`'s guard, and expands on its own.
#[test]
fn counted_and_timed_with_other_arguments_stay_apart() {
    assert_snapshot(
        "counted_and_timed_with_other_arguments_stay_apart",
        AttributeKind::Timed,
        quote!(result = "ok"),
        quote! {
            #[counted]
            fn handle(request: &str) -> Result<usize, Error> {
                parse(request)
            }
        },
    );
}

/// `labels(..)` of string literals only: the call site's own `static` remembers the
/// series, so later calls skip the lookup. A value read from an argument keeps the lookup.
#[test]
fn counted_with_literal_labels_remembers_its_series() {
    assert_snapshot(
        "counted_with_literal_labels_remembers_its_series",
        AttributeKind::Counted,
        quote!(
            REQUESTS_TOTAL,
            labels(method = "GET", endpoint = "/api/users")
        ),
        quote! {
            fn list_users() -> Vec<User> {
                Vec::new()
            }
        },
    );
}

/// `objective(..)` beside a target: the objective is submitted to the catalog with the
/// function's callee, built as a call site's is, and a fn pointer to the target's
/// descriptor; the guard records into the target as without it.
#[test]
fn timed_with_target_and_objective() {
    assert_snapshot(
        "timed_with_target_and_objective",
        AttributeKind::Timed,
        quote!(
            REQUEST_DURATION_SECONDS,
            objective(latency = "250ms", percentile = 99)
        ),
        quote! {
            fn serve(request: &str) -> Result<Response, Error> {
                route(request)
            }
        },
    );
}

/// `objective(success = ..)` on the default family: the objective's callee is the call
/// site's, fallible alike, so the objective names the site's series.
#[test]
fn counted_with_objective() {
    assert_snapshot(
        "counted_with_objective",
        AttributeKind::Counted,
        quote!(objective(success = 99.9)),
        quote! {
            fn charge(card: &Card) -> Result<Receipt, Declined> {
                card.charge()
            }
        },
    );
}
