//! One identity, one series: annotated functions that resolve to one `function` and
//! `module` write one series of each default family, their calls added up, and the catalog
//! says so once with every source location. `function = ".."` names a function, and the
//! impls of one generic trait keep apart.

mod instrument_support;

use std::panic::catch_unwind;

use instrument_support::{calls, concurrent, durations};
use tallymark::{counted, in_flight, timed, CatalogWarning, Registry};

const MODULE: &str = "instrument_identity::formats";

/// Two types with a method of one name, each annotated alone: an attribute on a method
/// sees no `impl`, so both are `parse`.
mod formats {
    use super::*;

    pub struct Json;
    pub struct Toml;

    impl Json {
        #[counted]
        #[timed]
        #[in_flight]
        pub fn parse(text: &str) -> Result<u32, String> {
            match text {
                "boom" => panic!("json exploded"),
                // How many calls of either `parse` are running, this one included.
                "depth" => Ok(running_parse_calls()),
                _ => text.parse().map_err(|_| format!("bad json {text}")),
            }
        }
    }

    impl Toml {
        #[counted]
        #[timed]
        #[in_flight]
        pub fn parse(text: &str) -> Result<u32, String> {
            match text {
                "nested" => Json::parse("depth"),
                _ => Ok(text.len() as u32),
            }
        }
    }

    fn running_parse_calls() -> u32 {
        let line = concurrent("parse", MODULE);
        let value = line.trim_end().rsplit(' ').next().unwrap_or_default();
        value.parse().unwrap_or(u32::MAX)
    }

    pub fn concurrent_line(n: i64) -> String {
        format!("function_calls_concurrent{{function=\"parse\",module=\"{MODULE}\"}} {n}\n")
    }
}

#[test]
fn functions_that_resolve_to_one_name_add_up_in_one_series_per_outcome() {
    use formats::{Json, Toml};
    assert_eq!(Json::parse("7"), Ok(7));
    assert_eq!(Json::parse("x"), Err("bad json x".to_owned()));
    assert!(catch_unwind(|| Json::parse("boom")).is_err());
    assert_eq!(Toml::parse("abc"), Ok(3));
    // Inside a `Toml::parse` call, a `Json::parse` call sees two running.
    assert_eq!(Toml::parse("nested"), Ok(2));

    // ok: Json 7, Toml abc, Toml nested, and the Json call inside it.
    assert_eq!(
        calls("parse", MODULE),
        "function_calls_total{function=\"parse\",module=\"instrument_identity::formats\",result=\"ok\"} 4\n\
         function_calls_total{function=\"parse\",module=\"instrument_identity::formats\",result=\"error\"} 1\n\
         function_calls_total{function=\"parse\",module=\"instrument_identity::formats\",result=\"panic\"} 1\n"
    );
    assert_eq!(
        durations("parse", MODULE),
        "function_calls_duration_seconds_count{function=\"parse\",module=\"instrument_identity::formats\",result=\"ok\"} 4\n\
         function_calls_duration_seconds_count{function=\"parse\",module=\"instrument_identity::formats\",result=\"error\"} 1\n\
         function_calls_duration_seconds_count{function=\"parse\",module=\"instrument_identity::formats\",result=\"panic\"} 1\n"
    );
    // The merged histogram is still one: its `+Inf` bucket is its `_count`.
    let inf = "function_calls_duration_seconds_bucket{function=\"parse\",module=\"instrument_identity::formats\",result=\"ok\",le=\"+Inf\"} 4";
    assert_eq!(tallymark::render().lines().filter(|l| *l == inf).count(), 1);
    // Every call ended, the panicked one too.
    assert_eq!(concurrent("parse", MODULE), formats::concurrent_line(0));
}

#[test]
fn the_merge_is_reported_once_with_both_locations_and_the_fix() {
    let source = include_str!("instrument_identity.rs");
    let lines: Vec<u32> = source
        .lines()
        .zip(1..)
        .filter(|(line, _)| line.starts_with("        pub fn parse("))
        .map(|(_, n)| n)
        .collect();
    let [json, toml] = lines[..] else {
        panic!("two `parse` functions in this file, found {lines:?}");
    };
    let ours: Vec<String> = Registry::catalog_warnings()
        .iter()
        .filter(
            |w| matches!(w, CatalogWarning::MergedCallSites { module, .. } if *module == MODULE),
        )
        .map(ToString::to_string)
        .collect();
    let file = "tests/instrument_identity.rs";
    let expected = |attribute: &str, family: &str| {
        format!(
            "`#[{attribute}]` functions at {file}:{json} and {file}:{toml} all record as \
             `{family}{{function=\"parse\",module=\"{MODULE}\"}}`, so their calls add up in one \
             series; to tell them apart, put the attribute on their `impl` blocks, or name \
             each one with `#[{attribute}(function = \"...\")]`"
        )
    };
    assert_eq!(
        ours,
        [
            expected("counted", "function_calls_total"),
            expected("timed", "function_calls_duration_seconds"),
            expected("in_flight", "function_calls_concurrent"),
        ]
    );
}

mod named {
    use super::*;

    #[counted(function = "Users::get")]
    #[timed(function = "Users::get")]
    #[in_flight(function = "Users::get")]
    pub fn get_user(id: u32) -> Result<String, String> {
        #![allow(clippy::needless_return)]
        if id == 0 {
            return Err("no user 0".to_owned());
        }
        return Ok(format!("user {id}"));
    }

    pub struct Users;

    #[counted]
    impl Users {
        pub fn list(&self) -> usize {
            3
        }

        #[counted(function = "Users::all")]
        pub fn list_all(&self) -> usize {
            4
        }
    }
}

#[test]
fn function_names_the_series_on_every_attribute() {
    assert_eq!(named::get_user(1), Ok("user 1".to_owned()));
    assert_eq!(named::get_user(0), Err("no user 0".to_owned()));
    let module = "instrument_identity::named";
    assert_eq!(
        calls("Users::get", module),
        "function_calls_total{function=\"Users::get\",module=\"instrument_identity::named\",result=\"ok\"} 1\n\
         function_calls_total{function=\"Users::get\",module=\"instrument_identity::named\",result=\"error\"} 1\n"
    );
    assert_eq!(
        durations("Users::get", module),
        "function_calls_duration_seconds_count{function=\"Users::get\",module=\"instrument_identity::named\",result=\"ok\"} 1\n\
         function_calls_duration_seconds_count{function=\"Users::get\",module=\"instrument_identity::named\",result=\"error\"} 1\n"
    );
    assert_eq!(
        concurrent("Users::get", module),
        "function_calls_concurrent{function=\"Users::get\",module=\"instrument_identity::named\"} 0\n"
    );
    assert_eq!(calls("get_user", module), "");

    assert_eq!(named::Users.list(), 3);
    assert_eq!(named::Users.list_all(), 4);
    assert_eq!(
        calls("Users::list", module),
        "function_calls_total{function=\"Users::list\",module=\"instrument_identity::named\",result=\"ok\"} 1\n"
    );
    assert_eq!(
        calls("Users::all", module),
        "function_calls_total{function=\"Users::all\",module=\"instrument_identity::named\",result=\"ok\"} 1\n"
    );
}

mod conversions {
    use super::*;

    #[derive(Debug, PartialEq)]
    pub enum AppError {
        Number,
        Format,
    }

    #[counted]
    impl From<std::num::ParseIntError> for AppError {
        fn from(_: std::num::ParseIntError) -> Self {
            AppError::Number
        }
    }

    #[counted]
    impl From<std::fmt::Error> for AppError {
        fn from(_: std::fmt::Error) -> Self {
            AppError::Format
        }
    }

    pub fn number(text: &str) -> Result<u8, AppError> {
        Ok(text.parse::<u8>()?)
    }
}

#[test]
fn impls_of_one_generic_trait_are_two_functions() {
    use conversions::AppError;
    assert_eq!(conversions::number("x"), Err(AppError::Number));
    assert_eq!(conversions::number("y"), Err(AppError::Number));
    assert_eq!(AppError::from(std::fmt::Error), AppError::Format);
    let module = "instrument_identity::conversions";
    assert_eq!(
        calls("<AppError as From<std::num::ParseIntError>>::from", module),
        "function_calls_total{function=\"<AppError as From<std::num::ParseIntError>>::from\",module=\"instrument_identity::conversions\",result=\"ok\"} 2\n"
    );
    assert_eq!(
        calls("<AppError as From<std::fmt::Error>>::from", module),
        "function_calls_total{function=\"<AppError as From<std::fmt::Error>>::from\",module=\"instrument_identity::conversions\",result=\"ok\"} 1\n"
    );
    let conversions_merged = Registry::catalog_warnings()
        .iter()
        .any(|w| matches!(w, CatalogWarning::MergedCallSites { module: m, .. } if *m == module));
    assert!(!conversions_merged);
}

/// Bodies that open with an inner attribute, on every shape.
mod inner_attributes {
    use super::*;

    #[counted]
    #[timed]
    pub fn sync_fn() -> u8 {
        #![allow(unused_mut, clippy::let_and_return)]
        let mut x = 1;
        x
    }

    #[counted]
    #[in_flight]
    pub async fn async_fn() -> u8 {
        #![allow(unused_mut, clippy::let_and_return)]
        let mut x = 2;
        x
    }

    pub struct Shape;

    impl Shape {
        #[timed]
        pub fn method(&mut self) -> &mut Self {
            #![allow(unused_mut, clippy::let_and_return)]
            let mut me = self;
            me
        }
    }

    #[counted]
    impl Shape {
        #![allow(clippy::unused_self)]

        pub fn in_block(&self) -> u8 {
            #![allow(unused_mut, clippy::let_and_return)]
            let mut x = 3;
            x
        }
    }
}

#[test]
fn inner_attributes_compile_and_record_on_every_shape() {
    use inner_attributes::{async_fn, sync_fn, Shape};
    assert_eq!(sync_fn(), 1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(async_fn()), 2);
    let mut shape = Shape;
    shape.method();
    assert_eq!(shape.in_block(), 3);
    let module = "instrument_identity::inner_attributes";
    let ok = |family: &str, function: &str| {
        format!("{family}{{function=\"{function}\",module=\"{module}\",result=\"ok\"}} 1\n")
    };
    assert_eq!(
        calls("sync_fn", module),
        ok("function_calls_total", "sync_fn")
    );
    assert_eq!(
        durations("sync_fn", module),
        ok("function_calls_duration_seconds_count", "sync_fn")
    );
    assert_eq!(
        calls("async_fn", module),
        ok("function_calls_total", "async_fn")
    );
    assert_eq!(
        durations("method", module),
        ok("function_calls_duration_seconds_count", "method")
    );
    assert_eq!(
        calls("Shape::in_block", module),
        ok("function_calls_total", "Shape::in_block")
    );
}

/// Methods of annotated blocks that would share a name in one module.
mod qualified {
    use std::fmt;

    use super::*;

    pub struct Point;

    #[counted]
    #[timed]
    impl fmt::Display for Point {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("(0, 0)")
        }
    }

    #[counted]
    impl fmt::Debug for Point {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Point")
        }
    }

    pub struct Cell<T>(pub T);

    #[counted]
    impl Cell<u8> {
        pub fn get(&self) -> u8 {
            self.0
        }
    }

    #[counted]
    impl Cell<u16> {
        pub fn get(&self) -> u16 {
            self.0
        }
    }
}

#[test]
fn methods_of_blocks_that_would_share_a_name_take_their_qualified_names() {
    use qualified::{Cell, Point};
    assert_eq!(format!("{Point} {Point:?} {Point}"), "(0, 0) Point (0, 0)");
    assert_eq!(Cell(1u8).get() + Cell(2u8).get(), 3);
    assert_eq!(Cell(7u16).get(), 7);
    let module = "instrument_identity::qualified";
    let ok = |function: &str, n: u64| {
        format!("function_calls_total{{function=\"{function}\",module=\"{module}\",result=\"ok\"}} {n}\n")
    };
    // `fmt::Result` is a `Result`, so `error` shows too.
    let fmt = |function: &str, n: u64| {
        let error = ok(function, 0).replace("result=\"ok\"", "result=\"error\"");
        format!("{}{error}", ok(function, n))
    };
    assert_eq!(
        calls("<Point as fmt::Display>::fmt", module),
        fmt("<Point as fmt::Display>::fmt", 2)
    );
    assert_eq!(
        calls("<Point as fmt::Debug>::fmt", module),
        fmt("<Point as fmt::Debug>::fmt", 1)
    );
    // The durations carry the same label as the calls, though only `Display` is timed.
    assert_eq!(
        durations("<Point as fmt::Display>::fmt", module),
        "function_calls_duration_seconds_count{function=\"<Point as fmt::Display>::fmt\",module=\"instrument_identity::qualified\",result=\"ok\"} 2\n\
         function_calls_duration_seconds_count{function=\"<Point as fmt::Display>::fmt\",module=\"instrument_identity::qualified\",result=\"error\"} 0\n"
    );
    assert_eq!(calls("Cell<u8>::get", module), ok("Cell<u8>::get", 2));
    assert_eq!(calls("Cell<u16>::get", module), ok("Cell<u16>::get", 1));
    // Neither plain name is written, and nothing was merged.
    assert_eq!(calls("Point::fmt", module), "");
    assert_eq!(calls("Cell::get", module), "");
    let merged = Registry::catalog_warnings()
        .iter()
        .any(|w| matches!(w, CatalogWarning::MergedCallSites { module: m, .. } if *m == module));
    assert!(!merged);
}

#[counted(function = "say \"hi\" \\ Ünïcode ✓")]
fn quoted_name() {}

#[test]
fn a_given_function_name_is_escaped_like_any_label_value() {
    quoted_name();
    assert_eq!(
        calls("say \\\"hi\\\" \\\\ Ünïcode ✓", "instrument_identity"),
        "function_calls_total{function=\"say \\\"hi\\\" \\\\ Ünïcode ✓\",module=\"instrument_identity\",result=\"ok\"} 1\n"
    );
}
