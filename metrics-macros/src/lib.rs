//! The macros of [tallymark](https://docs.rs/tallymark): `#[metric]` on a `static`, and the
//! `LabelValue` and `LabelSet` derives. Use them through the `tallymark` facade, whose
//! `__private` module is the only path the generated code names.
//!
//! Each macro reads its input into a model (`ast`), checks it (`valid`) with every error
//! collected (`ctxt`) and reported on the offending token, then generates code (`expand`)
//! or, on error, the input unchanged beside the errors (`fallback`).

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod label_set;
mod label_value;
mod names;
mod valid;

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
#[proc_macro_attribute]
pub fn metric(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::metric(args.into(), input.into()).into()
}

/// Makes a fieldless enum a label value: each variant reads as its name in snake_case
/// (`NotFound` → `not_found`, `GET` → `get`), or as `#[label("...")]` gives it.
///
/// `LabelValue` requires `Clone + Eq + Hash + Send + Sync + 'static`; derive `Clone`,
/// `PartialEq`, `Eq` and `Hash` beside it. A family whose label set is made only of such
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
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_value::derive(&input).into()
}

/// Makes a struct with named fields the label set of a `Family`: each field is a label,
/// named after the field or by `#[label("...")]`, whose type implements `LabelValue`.
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
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_set::derive(&input).into()
}
