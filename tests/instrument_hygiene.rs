//! The code `#[counted]`, `#[timed]` and `#[in_flight]` generate names only absolute
//! paths: a module that shadows the prelude and the crate names, and reaches tallymark
//! through a renamed import and `crate = ..`, still compiles and records; so do the
//! derives, given `#[tallymark(crate = ..)]`.

mod instrument_support;

use instrument_support::calls;

#[allow(dead_code, non_camel_case_types)]
mod shadowed {
    use ::tallymark as renamed;

    mod std {}
    mod core {}
    mod tallymark {}
    mod inventory {}
    struct Option;
    struct Some;
    struct None;
    struct Result;
    struct Ok;
    struct Err;
    struct Box;
    struct Clone;
    struct FnOnce;
    struct CallGuard;
    struct Outcome;
    struct usize;
    struct str;
    struct bool;

    /// Requests, by method.
    #[renamed::metric(labels(method), crate = renamed)]
    pub static SHADOWED_REQUESTS_TOTAL: renamed::CounterFamily<1> = renamed::CounterFamily::new();

    #[renamed::counted(crate = renamed)]
    #[renamed::timed(crate = renamed)]
    #[renamed::in_flight(crate = renamed)]
    #[renamed::counted(SHADOWED_REQUESTS_TOTAL, labels(method = "GET"), crate = renamed)]
    pub fn shadowed_parse(text: &::core::primitive::str) -> ::core::result::Result<u8, ()> {
        text.parse().map_err(|_| ())
    }

    /// A verb, derived through the re-export.
    #[derive(
        ::core::clone::Clone,
        ::core::cmp::PartialEq,
        ::core::cmp::Eq,
        ::core::hash::Hash,
        renamed::LabelValue,
    )]
    #[tallymark(crate = renamed)]
    pub enum Verb {
        Get,
        Put,
    }

    /// The labels of one call.
    #[derive(renamed::LabelSet)]
    #[tallymark(crate = renamed)]
    pub struct Call {
        pub verb: Verb,
    }

    /// Calls, by verb.
    #[renamed::metric(crate = renamed)]
    pub static SHADOWED_CALLS_TOTAL: renamed::Family<Call, renamed::Counter> =
        renamed::Family::new();

    #[renamed::counted(crate = renamed)]
    pub async fn shadowed_async(fail: ::core::primitive::bool) -> ::core::result::Result<(), ()> {
        if fail {
            return ::core::result::Result::Err(());
        }
        ::core::result::Result::Ok(())
    }

    #[renamed::counted(crate = renamed)]
    pub fn shadowed_future() -> impl ::core::future::Future<Output = u8> {
        async { 1 }
    }
}

#[test]
fn shadowed_prelude_and_crate_names_do_not_reach_the_generated_code() {
    assert_eq!(shadowed::shadowed_parse("1"), Ok(1));
    assert_eq!(shadowed::shadowed_parse("x"), Err(()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(shadowed::shadowed_async(true)), Err(()));
    assert_eq!(runtime.block_on(shadowed::shadowed_future()), 1);

    let module = "instrument_hygiene::shadowed";
    assert_eq!(
        calls("shadowed_parse", module),
        "function_calls_total{function=\"shadowed_parse\",module=\"instrument_hygiene::shadowed\",result=\"ok\"} 1\n\
         function_calls_total{function=\"shadowed_parse\",module=\"instrument_hygiene::shadowed\",result=\"error\"} 1\n"
    );
    assert_eq!(
        calls("shadowed_async", module),
        "function_calls_total{function=\"shadowed_async\",module=\"instrument_hygiene::shadowed\",result=\"ok\"} 0\n\
         function_calls_total{function=\"shadowed_async\",module=\"instrument_hygiene::shadowed\",result=\"error\"} 1\n"
    );
    assert_eq!(
        calls("shadowed_future", module),
        "function_calls_total{function=\"shadowed_future\",module=\"instrument_hygiene::shadowed\",result=\"ok\"} 1\n"
    );
    assert_eq!(shadowed::SHADOWED_REQUESTS_TOTAL.labels(["GET"]).get(), 2.0);
}

#[test]
fn derives_reach_tallymark_through_the_crate_path_they_are_given() {
    use shadowed::{Call, Verb, SHADOWED_CALLS_TOTAL};
    SHADOWED_CALLS_TOTAL.labels(Call { verb: Verb::Put }).inc();
    let lines: String = tallymark::render()
        .lines()
        .filter(|line| line.starts_with("shadowed_calls_total{"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(
        lines,
        "shadowed_calls_total{verb=\"get\"} 0\nshadowed_calls_total{verb=\"put\"} 1\n"
    );
}
