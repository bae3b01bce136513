//! `#[counted]`, `#[timed]` and `#[in_flight]` on every kind of sync function, read back
//! from the default families in the global registry.
//!
//! Each test instruments functions of its own, under names no other test uses, and
//! compares every line those functions render.

mod instrument_support;

use std::panic::{catch_unwind, AssertUnwindSafe};

use instrument_support::{calls, concurrent, durations};
use tallymark::{counted, in_flight, timed};

const MODULE: &str = "instrument_shapes";

#[derive(Debug, PartialEq)]
struct ParseError;

#[counted]
#[timed]
#[in_flight]
fn sync_parse(text: &str) -> Result<u32, ParseError> {
    assert_eq!(
        concurrent("sync_parse", MODULE),
        "function_calls_concurrent{function=\"sync_parse\",module=\"instrument_shapes\"} 1\n"
    );
    if text == "boom" {
        panic!("sync_parse exploded");
    }
    let value = text.parse().map_err(|_| ParseError)?;
    Ok(value)
}

#[test]
fn sync_fn_records_ok_error_and_panic() {
    assert_eq!(sync_parse("7"), Ok(7));
    assert_eq!(sync_parse("8"), Ok(8));
    assert_eq!(sync_parse("x"), Err(ParseError));
    assert!(catch_unwind(|| sync_parse("boom")).is_err());

    assert_eq!(
        calls("sync_parse", MODULE),
        "function_calls_total{function=\"sync_parse\",module=\"instrument_shapes\",result=\"ok\"} 2\n\
         function_calls_total{function=\"sync_parse\",module=\"instrument_shapes\",result=\"error\"} 1\n\
         function_calls_total{function=\"sync_parse\",module=\"instrument_shapes\",result=\"panic\"} 1\n"
    );
    assert_eq!(
        durations("sync_parse", MODULE),
        "function_calls_duration_seconds_count{function=\"sync_parse\",module=\"instrument_shapes\",result=\"ok\"} 2\n\
         function_calls_duration_seconds_count{function=\"sync_parse\",module=\"instrument_shapes\",result=\"error\"} 1\n\
         function_calls_duration_seconds_count{function=\"sync_parse\",module=\"instrument_shapes\",result=\"panic\"} 1\n"
    );
    assert_eq!(
        concurrent("sync_parse", MODULE),
        "function_calls_concurrent{function=\"sync_parse\",module=\"instrument_shapes\"} 0\n"
    );
}

#[counted]
#[timed]
#[in_flight]
fn never_called(_: u8) -> Result<(), ParseError> {
    Ok(())
}

#[counted]
fn never_called_infallible() {}

#[test]
fn functions_never_called_show_zero_from_the_start() {
    assert_eq!(
        calls("never_called", MODULE),
        "function_calls_total{function=\"never_called\",module=\"instrument_shapes\",result=\"ok\"} 0\n\
         function_calls_total{function=\"never_called\",module=\"instrument_shapes\",result=\"error\"} 0\n"
    );
    assert_eq!(
        durations("never_called", MODULE),
        "function_calls_duration_seconds_count{function=\"never_called\",module=\"instrument_shapes\",result=\"ok\"} 0\n\
         function_calls_duration_seconds_count{function=\"never_called\",module=\"instrument_shapes\",result=\"error\"} 0\n"
    );
    assert_eq!(
        concurrent("never_called", MODULE),
        "function_calls_concurrent{function=\"never_called\",module=\"instrument_shapes\"} 0\n"
    );
    assert_eq!(
        calls("never_called_infallible", MODULE),
        "function_calls_total{function=\"never_called_infallible\",module=\"instrument_shapes\",result=\"ok\"} 0\n"
    );
}

/// A store whose methods take `self` every way there is.
#[derive(Debug, Default)]
struct Shelf {
    items: Vec<String>,
}

impl Shelf {
    #[counted]
    fn with_capacity(capacity: usize) -> Shelf {
        Shelf {
            items: Vec::with_capacity(capacity),
        }
    }

    #[counted]
    fn first(&self) -> Option<&str> {
        self.items.first().map(String::as_str)
    }

    /// Returns a borrow of `self` from a `&mut self` method, which a plain closure around
    /// the body would not allow.
    #[counted]
    fn push(&mut self, item: &str) -> &mut Vec<String> {
        self.items.push(item.to_owned());
        &mut self.items
    }

    #[counted]
    fn into_items(self) -> Vec<String> {
        self.items
    }
}

#[test]
fn methods_taking_self_every_way_are_counted_under_their_bare_name() {
    let mut shelf = Shelf::with_capacity(2);
    assert_eq!(shelf.first(), None);
    shelf.push("a").push("b".to_owned());
    assert_eq!(shelf.first(), Some("a"));
    assert_eq!(shelf.into_items(), ["a", "b"]);

    let ok = |function: &str, n: u32| {
        format!("function_calls_total{{function=\"{function}\",module=\"instrument_shapes\",result=\"ok\"}} {n}\n")
    };
    assert_eq!(calls("with_capacity", MODULE), ok("with_capacity", 1));
    assert_eq!(calls("first", MODULE), ok("first", 2));
    assert_eq!(calls("push", MODULE), ok("push", 1));
    assert_eq!(calls("into_items", MODULE), ok("into_items", 1));
}

/// A cache whose every method is counted as `Cache::method`, but one.
#[derive(Default)]
struct Cache {
    hits: u32,
}

#[counted]
impl Cache {
    fn get(&mut self, key: &str) -> Result<u32, ParseError> {
        self.hits += 1;
        key.parse().map_err(|_| ParseError)
    }

    fn new_empty() -> Self {
        Cache::default()
    }

    #[counted(skip)]
    fn hits(&self) -> u32 {
        self.hits
    }

    #[counted(result = "ok")]
    fn raw(&self, key: &str) -> Result<u32, ParseError> {
        key.parse().map_err(|_| ParseError)
    }
}

#[test]
fn impl_block_counts_every_method_as_type_method_except_skipped_ones() {
    let mut cache = Cache::new_empty();
    assert_eq!(cache.get("1"), Ok(1));
    assert_eq!(cache.get("no"), Err(ParseError));
    assert_eq!(cache.hits(), 2);
    assert_eq!(cache.raw("no"), Err(ParseError));

    assert_eq!(
        calls("Cache::get", MODULE),
        "function_calls_total{function=\"Cache::get\",module=\"instrument_shapes\",result=\"ok\"} 1\n\
         function_calls_total{function=\"Cache::get\",module=\"instrument_shapes\",result=\"error\"} 1\n"
    );
    assert_eq!(
        calls("Cache::new_empty", MODULE),
        "function_calls_total{function=\"Cache::new_empty\",module=\"instrument_shapes\",result=\"ok\"} 1\n"
    );
    assert_eq!(calls("Cache::hits", MODULE), "");
    assert_eq!(
        calls("Cache::raw", MODULE),
        "function_calls_total{function=\"Cache::raw\",module=\"instrument_shapes\",result=\"ok\"} 1\n"
    );
}

trait Greeter {
    fn name(&self) -> String;

    /// A default method, instrumented once for every implementation.
    #[counted]
    fn greet(&self) -> String {
        format!("hello, {}", self.name())
    }
}

struct English;

#[counted]
impl Greeter for English {
    fn name(&self) -> String {
        "world".to_owned()
    }
}

#[test]
fn trait_impl_methods_and_default_methods_are_counted() {
    assert_eq!(English.greet(), "hello, world");
    assert_eq!(English.greet(), "hello, world");
    assert_eq!(
        calls("English::name", MODULE),
        "function_calls_total{function=\"English::name\",module=\"instrument_shapes\",result=\"ok\"} 2\n"
    );
    assert_eq!(
        calls("greet", MODULE),
        "function_calls_total{function=\"greet\",module=\"instrument_shapes\",result=\"ok\"} 2\n"
    );
}

/// One call site for every instantiation.
#[counted]
fn generic_largest<T: PartialOrd + Copy>(items: &[T]) -> Option<T> {
    let mut largest = *items.first()?;
    for &item in items {
        if item > largest {
            largest = item;
        }
    }
    Some(largest)
}

#[counted]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

#[counted]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[counted]
fn factorial(n: u64) -> u64 {
    if n <= 1 {
        return 1;
    }
    n * factorial(n - 1)
}

#[counted]
fn boxed_error(fail: bool) -> Result<(), Box<dyn std::error::Error>> {
    if fail {
        return Err(Box::new(std::fmt::Error));
    }
    let _: u8 = "1".parse()?;
    Ok(())
}

#[test]
fn generic_fns_lifetimes_impl_trait_recursion_and_coercions_compile_and_count() {
    assert_eq!(generic_largest(&[1, 5, 3]), Some(5));
    assert_eq!(generic_largest(&[0.5, 0.25]), Some(0.5));
    assert_eq!(generic_largest::<u8>(&[]), None);
    assert_eq!(longest("ab", "c"), "ab");
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(factorial(5), 120);
    assert!(boxed_error(true).is_err());
    assert!(boxed_error(false).is_ok());

    let ok = |function: &str, n: u32| {
        format!("function_calls_total{{function=\"{function}\",module=\"instrument_shapes\",result=\"ok\"}} {n}\n")
    };
    assert_eq!(calls("generic_largest", MODULE), ok("generic_largest", 3));
    assert_eq!(calls("longest", MODULE), ok("longest", 1));
    assert_eq!(calls("evens", MODULE), ok("evens", 1));
    assert_eq!(calls("factorial", MODULE), ok("factorial", 5));
    assert_eq!(
        calls("boxed_error", MODULE),
        "function_calls_total{function=\"boxed_error\",module=\"instrument_shapes\",result=\"ok\"} 1\n\
         function_calls_total{function=\"boxed_error\",module=\"instrument_shapes\",result=\"error\"} 1\n"
    );
}

mod nested {
    #[tallymark::counted]
    pub fn in_a_module() {}
}

#[test]
fn module_label_is_the_module_path() {
    nested::in_a_module();
    assert_eq!(
        calls("in_a_module", "instrument_shapes::nested"),
        "function_calls_total{function=\"in_a_module\",module=\"instrument_shapes::nested\",result=\"ok\"} 1\n"
    );
}

#[timed]
#[in_flight]
fn panics_while_running() {
    panic!("always");
}

#[test]
fn panic_leaves_nothing_in_flight_and_is_timed_as_panic() {
    let outcome = catch_unwind(AssertUnwindSafe(panics_while_running));
    assert!(outcome.is_err());
    assert_eq!(
        durations("panics_while_running", MODULE),
        "function_calls_duration_seconds_count{function=\"panics_while_running\",module=\"instrument_shapes\",result=\"ok\"} 0\n\
         function_calls_duration_seconds_count{function=\"panics_while_running\",module=\"instrument_shapes\",result=\"panic\"} 1\n"
    );
    assert_eq!(
        concurrent("panics_while_running", MODULE),
        "function_calls_concurrent{function=\"panics_while_running\",module=\"instrument_shapes\"} 0\n"
    );
}
