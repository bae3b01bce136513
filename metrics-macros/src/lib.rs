//! The macros of [tallymark](https://docs.rs/tallymark): `#[metric]` on a `static`,
//! `#[timed]`, `#[counted]` and `#[in_flight]` on functions, and the `LabelValue` and
//! `LabelSet` derives. Use them through the `tallymark` facade, whose
//! `__private` module is the only path the generated code names.
//!
//! Each macro reads its input into a model (`ast`), checks it (`valid`) with every error
//! collected (`ctxt`) and reported on the offending token, then generates code (`expand`)
//! or, on error, the input unchanged beside the errors (`fallback`).

mod ast;
mod attr;
mod companion;
mod ctxt;
mod expand;
mod fallback;
mod instrument;
mod label_set;
mod label_value;
mod names;
mod valid;

#[cfg(test)]
mod derive_tests;
#[cfg(test)]
mod rules_tests;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Declares a metric family in a `static`: registers it in the global registry, names it
/// after the static (lower-cased) and takes its HELP text from the doc comment.
///
/// ```
/// use tallymark::{metric, CounterFamily, Histogram, IntGauge};
///
/// /// Total HTTP requests.
/// #[metric(labels(method, status))]
/// static HTTP_REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();
///
/// /// Time spent on a batch.
/// #[metric(unit = "seconds", buckets = [0.1, 0.5, 1.0])]
/// static BATCH_DURATION_SECONDS: Histogram = Histogram::new();
///
/// #[metric(name = "queue_depth", help = "Jobs waiting.")]
/// static QUEUE: IntGauge = IntGauge::new();
///
/// HTTP_REQUESTS_TOTAL.labels(["GET", "200"]).inc();
/// QUEUE.set(3);
/// let text = tallymark::render();
/// assert!(text.contains("# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\nqueue_depth 3\n"));
/// assert!(text.contains("http_requests_total{method=\"GET\",status=\"200\"} 1\n"));
/// ```
///
/// Arguments, in any order, each at most once:
///
/// | argument | meaning |
/// | --- | --- |
/// | `name = "..."` | the exposed name, instead of the static's name lower-cased |
/// | `help = "..."` | the HELP text, instead of the doc comment |
/// | `labels(a, b)` | the label names of a `CounterFamily<N>` (and the other string families) |
/// | `buckets = [..]` | histogram bounds: strictly ascending number literals, at most 64, and optionally `f64::INFINITY` last |
/// | `unit = "..."` | the unit, which the name must end in (before `_total` for a counter) |
/// | `budget = N` | how many label sets the family holds before folding new ones into `__overflow__` |
/// | `crate = path` | where `tallymark` is, when it is re-exported or renamed |
///
/// The rules of the exposition format are checked at compile time: names, label names,
/// `_total` on counters, buckets, and a HELP text on every metric.
///
/// A labelled family also declares a hidden item under the static's name (types and values
/// are apart, so both fit): a struct whose fields are the label names, or for a
/// `Family<L, _>` an alias of `L`. It is what `labels(..)` of `#[counted]`, `#[timed]` and
/// `#[in_flight]` builds, so the compiler checks their label names.
#[proc_macro_attribute]
pub fn metric(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::metric(args.into(), input.into()).into()
}

/// Makes a fieldless enum a label value: each variant reads as its name in snake_case
/// (`NotFound` → `not_found`, `GET` → `get`), or as `#[label("...")]` gives it.
///
/// `LabelValue` requires `Clone + Eq + Hash + Send + Sync + 'static`; derive `Clone`,
/// `PartialEq`, `Eq` and `Hash` beside it. A crate that re-exports tallymark writes
/// `#[tallymark(crate = path::to::it)]` on the type, as `crate = path` on the attributes. A family whose label set is made only of such
/// enums holds every combination from the start, with no hashing on lookup.
///
/// ```
/// use tallymark::LabelValue;
///
/// #[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
/// enum Method {
///     Get,
///     Post,
///     #[label("PURGE")]
///     Purge,
/// }
///
/// assert_eq!(Method::VALUES, Some(&["get", "post", "PURGE"][..]));
/// assert_eq!(Method::Purge.label(), "PURGE");
/// ```
#[proc_macro_derive(LabelValue, attributes(label, tallymark))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_value::derive(&input).into()
}

/// Makes a struct with named fields the label set of a `Family`: each field is a label,
/// named after the field or by `#[label("...")]`, whose type implements `LabelValue`.
/// `#[tallymark(crate = path)]` on the struct names a re-export of tallymark.
///
/// ```
/// use tallymark::{metric, Counter, Family, LabelSet, LabelValue};
///
/// #[derive(Clone, PartialEq, Eq, Hash, LabelValue)]
/// enum Method {
///     Get,
///     Post,
/// }
///
/// #[derive(LabelSet)]
/// struct Request {
///     method: Method,
///     #[label("code")]
///     status: u16,
/// }
///
/// /// Requests served.
/// #[metric]
/// static REQUESTS_TOTAL: Family<Request, Counter> = Family::new();
///
/// REQUESTS_TOTAL.labels(Request { method: Method::Get, status: 200 }).inc();
/// assert!(tallymark::render().contains("requests_total{method=\"get\",code=\"200\"} 1\n"));
/// ```
#[proc_macro_derive(LabelSet, attributes(label, tallymark))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_set::derive(&input).into()
}

/// Counts the calls of a function, by how each ended: into the default family
/// `function_calls_total{function, module, result}`, or into a declared counter.
///
/// `result` is `ok`, `error` (the function returned `Err(_)`), `panic` (its body
/// panicked) or `cancelled` (its future was dropped before it finished). Every annotated
/// function shows `result="ok"` at 0 from the start, and `result="error"` too when it
/// returns a `Result`.
///
/// ```
/// use tallymark::counted;
///
/// #[counted]
/// fn parse_port(text: &str) -> Result<u16, std::num::ParseIntError> {
///     text.parse()
/// }
///
/// assert!(parse_port("8080").is_ok());
/// assert!(parse_port("http").is_err());
/// let text = tallymark::render();
/// assert!(text.contains(r#"function_calls_total{function="parse_port",module="rust_out",result="ok"} 1"#));
/// assert!(text.contains(r#"function_calls_total{function="parse_port",module="rust_out",result="error"} 1"#));
/// ```
///
/// It applies to fns and methods, sync or `async`, generic or not, to fns returning
/// `impl Future`, to `#[async_trait]` methods whichever attribute comes first, and to an
/// `impl` block, where it instruments every method as `Type::method` (and as
/// `<Type as Trait<Args>>::method` in the impl of a generic trait); there,
/// `#[counted(skip)]` on a method leaves it out. On a method alone, the function label is
/// the bare method name: an attribute sees only the item it is on, not its `impl`, so put
/// it on the `impl` block to get `Type::method`, or name it with `function = ".."`. A
/// default method of a trait is one function: the calls through every implementation add
/// up in its series. Functions that resolve to one name in one module share its series,
/// and `Registry::catalog_warnings()` names each of them.
///
/// A target metric records every call alike, whatever its result; its label values are
/// read as the call starts (for an `async fn`, at its first poll).
///
/// | argument | meaning |
/// | --- | --- |
/// | `FAMILY` | count into this declared counter instead of the default family |
/// | `labels(name = value, ..)` | the target family's label values: a string literal, a value whose type implements `LabelValue` (read by reference at the call), or `unbounded(&str)` for any text |
/// | `result = ".."` | `"auto"` (the default: `error` when the return type is spelled `Result<..>` and the call returned `Err`), `"result"` (the return type is a `Result` under another name, or implements `tallymark::Fallible`) or `"ok"` (every return is `ok`) |
/// | `function = ".."` | the `function` label of the default family, instead of the fn's name |
/// | `objective(success = P)` | at least `P` % of calls should end `ok` (see below) |
/// | `crate = path` | where `tallymark` is, when it is re-exported or renamed |
/// | `skip` | on a method of an annotated `impl` block: leave this one out |
///
/// ```
/// use tallymark::{counted, metric, CounterFamily};
///
/// /// Total HTTP requests.
/// #[metric(labels(method, endpoint))]
/// static HTTP_REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new();
///
/// #[counted(HTTP_REQUESTS_TOTAL, labels(method = "GET", endpoint = "/api/users"))]
/// fn list_users() -> Vec<String> {
///     Vec::new()
/// }
///
/// list_users();
/// let text = tallymark::render();
/// assert!(text.contains(r#"http_requests_total{method="GET",endpoint="/api/users"} 1"#));
/// ```
///
/// A label the family does not have, a label left without a value, a `&str` value without
/// `unbounded(..)` and a target that is not a counter are compile errors on the offending
/// token, and so is a `const fn`.
///
/// # Objectives
///
/// `objective(success = 99.9)` declares what share of the calls, in percent, should end
/// `ok`: a number strictly between 0 and 100. It goes in the program's catalog with the
/// function, named as its series are, and the alerting rules generated from the catalog
/// (`tallymark::catalog::alert_rules`) watch how fast the calls that end otherwise burn
/// through the rest. It reads the `result` label, so it needs the default family: beside
/// a target it is a compile error. On an `impl` block it is each method's.
///
/// ```
/// use tallymark::counted;
///
/// #[counted(objective(success = 99.9))]
/// fn charge(cents: u64) -> Result<u64, String> {
///     if cents == 0 {
///         return Err("nothing to charge".to_owned());
///     }
///     Ok(cents)
/// }
///
/// assert_eq!(charge(250), Ok(250));
/// let text = tallymark::render();
/// assert!(text.contains(r#"function_calls_total{function="charge",module="rust_out",result="ok"} 1"#));
/// ```
///
/// An unknown, missing or repeated key, a number outside (0, 100), `latency` (an
/// objective of [`macro@timed`]) and a second `objective(..)` are compile errors on the
/// offending token.
#[proc_macro_attribute]
pub fn counted(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument::expand(
        instrument::AttributeKind::Counted,
        args.into(),
        input.into(),
    )
    .into()
}

/// Times the calls of a function, in seconds, by how each ended: into the default family
/// `function_calls_duration_seconds{function, module, result}` (a histogram with the
/// default buckets), or into a declared histogram.
///
/// The clock is read once as the call starts and once as it ends. For an `async fn` the
/// call starts at the first poll and ends when the future completes, so the time includes
/// every await; a future dropped before that records `cancelled`. The results, the shapes
/// it applies to and the arguments are those of [`macro@counted`], but for its objective,
/// which is one of latency (below).
///
/// ```
/// use tallymark::{metric, timed, Histogram};
///
/// /// Time spent resizing images.
/// #[metric(buckets = [0.01, 0.1, 1.0])]
/// static RESIZE_DURATION_SECONDS: Histogram = Histogram::new();
///
/// #[timed]
/// fn checksum(data: &[u8]) -> u32 {
///     data.iter().map(|&b| u32::from(b)).sum()
/// }
///
/// #[timed(RESIZE_DURATION_SECONDS)]
/// fn resize(width: u32) -> u32 {
///     width / 2
/// }
///
/// assert_eq!(checksum(b"ab"), 195);
/// resize(640);
/// let text = tallymark::render();
/// assert!(text.contains(r#"function_calls_duration_seconds_count{function="checksum",module="rust_out",result="ok"} 1"#));
/// assert!(text.contains("resize_duration_seconds_count 1\n"));
/// ```
///
/// # Objectives
///
/// `objective(latency = "250ms", percentile = 99)` declares that 99 % of the calls should
/// finish within 250 ms. `latency` is a number, whole or decimal, then a unit: `ns`, `us`
/// (or `µs`), `ms`, `s` or `m` (`"1.5s"`, `"2m"`), above zero; `percentile` is strictly
/// between 0 and 100 (`99`, `99.9`). Both are required. The objective goes in the
/// program's catalog with the function, named as its series are, and with the declared
/// histogram when there is one (`#[timed(HIST, objective(..))]`); the alerting rules
/// generated from the catalog (`tallymark::catalog::alert_rules`) read it. For the
/// threshold to be measured exactly, give the histogram a bucket bound at it.
///
/// ```
/// use tallymark::{metric, timed, Histogram};
///
/// /// Time spent answering a search, in seconds.
/// #[metric(buckets = [0.1, 0.25, 1.0])]
/// static SEARCH_DURATION_SECONDS: Histogram = Histogram::new();
///
/// #[timed(objective(latency = "250ms", percentile = 99))]
/// fn lookup(id: u32) -> u32 {
///     id + 1
/// }
///
/// #[timed(SEARCH_DURATION_SECONDS, objective(latency = "1.5s", percentile = 99.9))]
/// fn search(query: &str) -> usize {
///     query.len()
/// }
///
/// assert_eq!(lookup(1), 2);
/// assert_eq!(search("rust"), 4);
/// assert_eq!(SEARCH_DURATION_SECONDS.count(), 1);
/// ```
///
/// An unknown, missing or repeated key, a duration that does not parse, has an unknown
/// unit or is not above zero, a `percentile` outside (0, 100), `success` (an objective of
/// [`macro@counted`]) and a second `objective(..)` are compile errors on the offending
/// token.
#[proc_macro_attribute]
pub fn timed(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument::expand(instrument::AttributeKind::Timed, args.into(), input.into()).into()
}

/// Counts the calls of a function running now: into the default family
/// `function_calls_concurrent{function, module}`, or into a declared gauge. The gauge goes
/// up as a call starts (an `async fn`'s at its first poll) and down as it ends, however it
/// ends: returned, panicked or dropped.
///
/// The shapes it applies to and the arguments are those of [`macro@counted`], less
/// `result` and `objective(..)`: a running call has neither a duration nor a result yet,
/// so an objective belongs on `#[timed]` or `#[counted]`.
///
/// ```
/// use tallymark::{in_flight, metric, IntGauge};
///
/// /// Uploads in progress.
/// #[metric]
/// static UPLOADS_IN_PROGRESS: IntGauge = IntGauge::new();
///
/// #[in_flight(UPLOADS_IN_PROGRESS)]
/// fn upload() -> i64 {
///     UPLOADS_IN_PROGRESS.get()
/// }
///
/// assert_eq!(upload(), 1);
/// assert_eq!(UPLOADS_IN_PROGRESS.get(), 0);
/// ```
#[proc_macro_attribute]
pub fn in_flight(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument::expand(
        instrument::AttributeKind::InFlight,
        args.into(),
        input.into(),
    )
    .into()
}
