//! Snapshots of the expansion: the exact code each shape of function becomes, compared
//! token by token.

use proc_macro2::TokenStream;
use quote::quote;

use super::{expand, AttributeKind};

/// Compares the token texts with spacing dropped, since how `>>` or `'a` is spaced
/// depends on where the tokens came from.
fn assert_expands(kind: AttributeKind, args: TokenStream, input: TokenStream, expected: &str) {
    let expected: TokenStream = expected.parse().expect("the snapshot parses");
    let unspaced = |tokens: TokenStream| tokens.to_string().split_whitespace().collect::<String>();
    assert_eq!(unspaced(expand(kind, args, input)), unspaced(expected));
}

#[test]
fn sync_fn_runs_its_body_as_a_closure_between_enter_and_finish() {
    assert_expands(
        AttributeKind::Counted,
        quote!(),
        quote! {
            pub fn parse(text: &str) -> Result<u8, Error> {
                Ok(text.parse()?)
            }
        },
        r#"
        pub fn parse(text: &str) -> Result<u8, Error> {
            static __TALLYMARK_SITE: ::tallymark::__private::CountedSite =
                ::tallymark::__private::CountedSite::new(::tallymark::__private::Callee {
                    function: "parse",
                    qualified: "parse",
                    module: ::tallymark::__private::module_path!(),
                    fallible: true,
                    file: ::tallymark::__private::file!(),
                    line: ::tallymark::__private::line!(),
                });
            ::tallymark::__private::inventory::submit! {
                ::tallymark::__private::SiteRegistration::Counted(&__TALLYMARK_SITE)
            }
            let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
            let __tallymark_ret = ::tallymark::__private::call_once(move || -> Result<u8, Error> {
                Ok(text.parse()?)
            });
            __tallymark_guard.finish(::tallymark::__private::Outcome::of_return(&__tallymark_ret));
            __tallymark_ret
        }
        "#,
    );
}

#[test]
fn async_fn_awaits_its_body_as_an_inner_future_after_a_return_edge() {
    assert_expands(
        AttributeKind::Timed,
        quote!(crate = ::renamed),
        quote! {
            async fn fetch(id: u32) -> u32 {
                id
            }
        },
        r#"
        async fn fetch(id: u32) -> u32 {
            static __TALLYMARK_SITE: ::renamed::__private::TimedSite =
                ::renamed::__private::TimedSite::new(::renamed::__private::Callee {
                    function: "fetch",
                    qualified: "fetch",
                    module: ::renamed::__private::module_path!(),
                    fallible: false,
                    file: ::renamed::__private::file!(),
                    line: ::renamed::__private::line!(),
                });
            ::renamed::__private::inventory::submit! {
                ::renamed::__private::SiteRegistration::Timed(&__TALLYMARK_SITE)
            }
            let __tallymark_guard = ::renamed::__private::CallGuard::enter(&__TALLYMARK_SITE);
            let __tallymark_ret = async move {
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
                    let __tallymark_fake_return: u32 = loop {};
                    return __tallymark_fake_return;
                }
                {
                    id
                }
            }
            .await;
            __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
            __tallymark_ret
        }
        "#
        .replace("::tallymark::", "::renamed::")
        .as_str(),
    );
}

#[test]
fn labelled_target_resolves_its_series_before_the_body_takes_the_arguments() {
    assert_expands(
        AttributeKind::InFlight,
        quote!(
            ACTIVE,
            labels(
                queue = "email",
                kind = job.kind,
                user = unbounded(&job.user)
            )
        ),
        quote! {
            fn run(job: Job) {}
        },
        r#"
        fn run(job: Job) {
            let __tallymark_series = ::tallymark::__private::series(
                ::tallymark::__private::in_flight_target(&ACTIVE),
                ACTIVE {
                    queue: "email",
                    kind: ::tallymark::__private::known_label_value(&(job.kind)),
                    user: ::tallymark::__private::unbounded(&job.user)
                }
            );
            let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__tallymark_series);
            let __tallymark_ret = ::tallymark::__private::call_once(move || {});
            __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
            __tallymark_ret
        }
        "#,
    );
}

#[test]
fn async_trait_output_is_guarded_inside_its_boxed_future() {
    assert_expands(
        AttributeKind::Counted,
        quote!(),
        quote! {
            fn load<'a>(&'a self) -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send + 'a>> {
                Box::pin(async move { Ok(1) })
            }
        },
        r#"
        fn load<'a>(&'a self) -> Pin<Box<dyn Future<Output = Result<u8, E>> + Send + 'a>> {
            static __TALLYMARK_SITE: ::tallymark::__private::CountedSite =
                ::tallymark::__private::CountedSite::new(::tallymark::__private::Callee {
                    function: "load",
                    qualified: "load",
                    module: ::tallymark::__private::module_path!(),
                    fallible: true,
                    file: ::tallymark::__private::file!(),
                    line: ::tallymark::__private::line!(),
                });
            ::tallymark::__private::inventory::submit! {
                ::tallymark::__private::SiteRegistration::Counted(&__TALLYMARK_SITE)
            }
            Box::pin(async move {
                let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
                let __tallymark_ret = async move { Ok(1) }.await;
                __tallymark_guard.finish(::tallymark::__private::Outcome::of_return(&__tallymark_ret));
                __tallymark_ret
            })
        }
        "#,
    );
}

#[test]
fn inner_attributes_open_the_guarded_body_and_outer_ones_stay_on_the_fn() {
    assert_expands(
        AttributeKind::Counted,
        quote!(function = "Jobs::run"),
        quote! {
            #[inline]
            fn run() {
                #![allow(unused_variables)]
                let x = 1;
            }
        },
        r#"
        #[inline]
        fn run() {
            #![allow(unused_variables)]
            static __TALLYMARK_SITE: ::tallymark::__private::CountedSite =
                ::tallymark::__private::CountedSite::new(::tallymark::__private::Callee {
                    function: "Jobs::run",
                    qualified: "Jobs::run",
                    module: ::tallymark::__private::module_path!(),
                    fallible: false,
                    file: ::tallymark::__private::file!(),
                    line: ::tallymark::__private::line!(),
                });
            ::tallymark::__private::inventory::submit! {
                ::tallymark::__private::SiteRegistration::Counted(&__TALLYMARK_SITE)
            }
            let __tallymark_guard = ::tallymark::__private::CallGuard::enter(&__TALLYMARK_SITE);
            let __tallymark_ret = ::tallymark::__private::call_once(move || {
                let x = 1;
            });
            __tallymark_guard.finish(::tallymark::__private::Outcome::Ok);
            __tallymark_ret
        }
        "#,
    );
}

/// The values of one field of every call site an expansion declares.
fn site_field(field: &str, block: TokenStream) -> Vec<String> {
    let tokens = expand(AttributeKind::InFlight, quote!(), block).to_string();
    tokens
        .split(&format!("{field} : \""))
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// The `function` label each method of an annotated block gets.
fn method_labels(block: TokenStream) -> Vec<String> {
    site_field("function", block)
}

#[test]
fn methods_of_blocks_carry_a_qualified_name_with_the_type_arguments_and_the_trait_path() {
    assert_eq!(
        site_field(
            "qualified",
            quote! {
                impl<L, R> Either<&L, &R> {
                    fn cloned(self) {}
                }
            }
        ),
        ["Either<&L,&R>::cloned"]
    );
    assert_eq!(
        site_field(
            "qualified",
            quote! {
                impl fmt::Display for Frame<'_> {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }
                }
            }
        ),
        ["<Frame<'_> as fmt::Display>::fmt"]
    );
    assert_eq!(
        site_field(
            "qualified",
            quote!(
                fn plain() {}
            )
        ),
        ["plain"]
    );
}

#[test]
fn impls_of_a_generic_trait_name_the_trait_with_its_arguments_as_written() {
    assert_eq!(
        method_labels(quote! {
            impl From<std::num::ParseIntError> for Error {
                fn from(_: std::num::ParseIntError) -> Self { Error }
            }
        }),
        ["<Error as From<std::num::ParseIntError>>::from"]
    );
    assert_eq!(
        method_labels(quote! {
            impl<'a> From<&'a str> for crate::Error {
                fn from(_: &'a str) -> Self { Error }
            }
        }),
        ["<Error as From<&'a str>>::from"]
    );
    assert_eq!(
        method_labels(quote! {
            impl Tagged<' ', [u8; 2]> for Frame {
                fn tag(&self) {}
            }
        }),
        ["<Frame as Tagged<' ',[u8;2]>>::tag"]
    );
    assert_eq!(
        method_labels(quote! {
            impl fmt::Display for Frame<'_> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }
            }
        }),
        ["Frame::fmt"]
    );
    assert_eq!(
        method_labels(quote! {
            impl<T> Queue<T> {
                fn push(&self) {}
                fn r#pop(&self) {}
            }
        }),
        ["Queue::push", "Queue::pop"]
    );
}

#[test]
fn only_our_attributes_on_methods_are_taken_as_ours() {
    let expanded = expand(
        AttributeKind::Timed,
        quote!(crate = my::metrics),
        quote! {
            impl Jobs {
                #[metered::timed]
                #[timed(skip)]
                fn a(&self) {}
                #[my::metrics::timed(skip)]
                fn b(&self) {}
                #[tallymark::timed(skip)]
                fn c(&self) {}
            }
        },
    );
    assert_eq!(
        expanded.to_string().split_whitespace().collect::<String>(),
        "implJobs{#[metered::timed]fna(&self){}fnb(&self){}fnc(&self){}}"
    );
}
