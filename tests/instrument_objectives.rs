//! `objective(..)` in `#[timed]` and `#[counted]`: each one is in the catalog with the
//! function it was declared on, named exactly as its series are, and the family it is
//! recorded into; the functions record as they did without it.

mod instrument_support;

use instrument_support::{calls, durations};
use tallymark::{counted, metric, timed, Histogram, HistogramFamily, Objective};

const MODULE: &str = "instrument_objectives";
const SHADOWED: &str = "instrument_objectives::shadowed";

#[derive(Debug, PartialEq)]
struct Refused;

#[timed(objective(latency = "250ms", percentile = 99))]
fn lookup(id: u32) -> u32 {
    id + 1
}

#[counted(objective(success = 99.9))]
async fn fetch(fail: bool) -> Result<u32, Refused> {
    if fail {
        return Err(Refused);
    }
    Ok(7)
}

/// Both attributes into the default families share one guard; both objectives stay.
#[counted(objective(success = 99.5))]
#[timed(objective(latency = "1.5s", percentile = 99.9))]
fn handle(request: &str) -> Result<usize, Refused> {
    request.parse().map_err(|_| Refused)
}

#[counted(function = "renamed_job", objective(success = 90))]
fn job() {}

struct Store {
    rows: Vec<u32>,
}

/// The block's objective is each method's.
#[timed(objective(latency = "2m", percentile = 95))]
impl Store {
    fn get(&self, index: usize) -> Option<u32> {
        self.rows.get(index).copied()
    }

    async fn put(&mut self, row: u32) -> Result<(), Refused> {
        self.rows.push(row);
        Ok(())
    }
}

/// Time spent flushing, in seconds.
#[metric(buckets = [0.001, 1.0])]
static OBJECTIVE_FLUSH_DURATION_SECONDS: Histogram = Histogram::new();

/// Time spent per route, in seconds.
#[metric(labels(route), buckets = [0.001, 1.0])]
static OBJECTIVE_ROUTE_DURATION_SECONDS: HistogramFamily<1> = HistogramFamily::new();

#[timed(
    OBJECTIVE_FLUSH_DURATION_SECONDS,
    objective(latency = "100us", percentile = 99)
)]
fn flush() -> Result<(), Refused> {
    Ok(())
}

#[timed(
    OBJECTIVE_ROUTE_DURATION_SECONDS,
    labels(route = "/users"),
    objective(latency = "0.5s", percentile = 90)
)]
fn route() {}

/// Objectives through a renamed import and `crate = ..`, in a module that shadows the
/// names the generated code could otherwise pick up, under strict lints.
#[deny(
    warnings,
    unused_qualifications,
    unused_results,
    trivial_casts,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
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
    struct Metric;
    struct Objective;
    struct ObjectiveRegistration;
    struct Callee;
    struct f64;

    /// Time spent sending, in seconds.
    #[renamed::metric(buckets = [0.1, 1.0], crate = renamed)]
    pub static SHADOWED_SEND_DURATION_SECONDS: renamed::Histogram = renamed::Histogram::new();

    #[renamed::timed(
        SHADOWED_SEND_DURATION_SECONDS,
        objective(latency = "300ms", percentile = 99.5),
        crate = renamed
    )]
    pub fn send() {}

    /// Both into the default families, with the sibling found through `crate = renamed`.
    #[renamed::counted(crate = renamed, objective(success = 99))]
    #[renamed::timed(crate = renamed, objective(latency = "1s", percentile = 50))]
    pub async fn receive() {}
}

/// One objective as plain values: module, function label, qualified name, fallible,
/// objective, and the target's family name.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    Objective,
    Option<&'static str>,
);

fn latency(threshold_seconds: f64, percentile: f64) -> Objective {
    Objective::Latency {
        threshold_seconds,
        percentile,
    }
}

#[test]
fn every_objective_is_in_the_catalog_with_its_function_and_family() {
    let rows: Vec<Row> = tallymark_core::objectives()
        .into_iter()
        .map(|r| {
            let callee = r.callee();
            (
                callee.module,
                callee.function,
                callee.qualified,
                callee.fallible,
                r.objective(),
                r.target().map(|descriptor| descriptor.name()),
            )
        })
        .collect();
    let success = |percent| Objective::Success { percent };
    assert_eq!(
        rows,
        vec![
            (
                MODULE,
                "Store::get",
                "Store::get",
                false,
                latency(120.0, 95.0),
                None
            ),
            (
                MODULE,
                "Store::put",
                "Store::put",
                true,
                latency(120.0, 95.0),
                None
            ),
            (MODULE, "fetch", "fetch", true, success(99.9), None),
            (
                MODULE,
                "flush",
                "flush",
                true,
                latency(0.0001, 99.0),
                Some("objective_flush_duration_seconds")
            ),
            (MODULE, "handle", "handle", true, latency(1.5, 99.9), None),
            (MODULE, "handle", "handle", true, success(99.5), None),
            (MODULE, "lookup", "lookup", false, latency(0.25, 99.0), None),
            (
                MODULE,
                "renamed_job",
                "renamed_job",
                false,
                success(90.0),
                None
            ),
            (
                MODULE,
                "route",
                "route",
                false,
                latency(0.5, 90.0),
                Some("objective_route_duration_seconds")
            ),
            (
                SHADOWED,
                "receive",
                "receive",
                false,
                latency(1.0, 50.0),
                None
            ),
            (SHADOWED, "receive", "receive", false, success(99.0), None),
            (
                SHADOWED,
                "send",
                "send",
                false,
                latency(0.3, 99.5),
                Some("shadowed_send_duration_seconds")
            ),
        ]
    );
}

/// The line of the first `fn {name}(` in this file, as `line!()` would give it.
fn line_of(name: &str) -> u32 {
    let at = include_str!("instrument_objectives.rs")
        .lines()
        .position(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("pub ").unwrap_or(line);
            let line = line.strip_prefix("async ").unwrap_or(line);
            line.starts_with(&format!("fn {name}("))
        })
        .expect("the function is in this file");
    u32::try_from(at + 1).expect("a short file")
}

#[test]
fn objectives_point_at_the_function_they_were_declared_on() {
    for registration in tallymark_core::objectives() {
        let callee = registration.callee();
        let bare = callee.function.rsplit("::").next().unwrap_or_default();
        let bare = if bare == "renamed_job" { "job" } else { bare };
        assert_eq!(callee.file, "tests/instrument_objectives.rs");
        assert_eq!(callee.line, line_of(bare), "{}", callee.function);
    }
}

#[tokio::test]
async fn annotated_functions_record_as_before() {
    assert_eq!(lookup(1), 2);
    assert_eq!(fetch(false).await, Ok(7));
    assert_eq!(fetch(true).await, Err(Refused));
    assert_eq!(handle("12"), Ok(12));
    assert_eq!(handle("x"), Err(Refused));
    job();
    let mut store = Store { rows: Vec::new() };
    assert_eq!(store.put(3).await, Ok(()));
    assert_eq!(store.get(0), Some(3));
    assert_eq!(flush(), Ok(()));
    route();
    route();
    shadowed::send();
    shadowed::receive().await;

    let prefix = |function: &str| format!("{{function=\"{function}\",module=\"{MODULE}\"");
    assert_eq!(
        durations("lookup", MODULE),
        format!(
            "function_calls_duration_seconds_count{},result=\"ok\"}} 1\n",
            prefix("lookup")
        )
    );
    assert_eq!(
        calls("fetch", MODULE),
        format!(
            "function_calls_total{p},result=\"ok\"}} 1\nfunction_calls_total{p},result=\"error\"}} 1\n",
            p = prefix("fetch")
        )
    );
    assert_eq!(
        calls("handle", MODULE),
        format!(
            "function_calls_total{p},result=\"ok\"}} 1\nfunction_calls_total{p},result=\"error\"}} 1\n",
            p = prefix("handle")
        )
    );
    assert_eq!(
        durations("handle", MODULE),
        format!(
            "function_calls_duration_seconds_count{p},result=\"ok\"}} 1\n\
             function_calls_duration_seconds_count{p},result=\"error\"}} 1\n",
            p = prefix("handle")
        )
    );
    assert_eq!(
        calls("renamed_job", MODULE),
        format!(
            "function_calls_total{},result=\"ok\"}} 1\n",
            prefix("renamed_job")
        )
    );
    // A fallible function's `error` series is there from the start, at zero.
    assert_eq!(
        durations("Store::put", MODULE),
        format!(
            "function_calls_duration_seconds_count{p},result=\"ok\"}} 1\n\
             function_calls_duration_seconds_count{p},result=\"error\"}} 0\n",
            p = prefix("Store::put")
        )
    );
    assert_eq!(
        durations("Store::get", MODULE),
        format!(
            "function_calls_duration_seconds_count{},result=\"ok\"}} 1\n",
            prefix("Store::get")
        )
    );
    assert_eq!(OBJECTIVE_FLUSH_DURATION_SECONDS.count(), 1);
    assert_eq!(
        OBJECTIVE_ROUTE_DURATION_SECONDS.labels(["/users"]).count(),
        2
    );
    assert_eq!(shadowed::SHADOWED_SEND_DURATION_SECONDS.count(), 1);
    assert_eq!(
        calls("receive", SHADOWED),
        "function_calls_total{function=\"receive\",module=\"instrument_objectives::shadowed\",result=\"ok\"} 1\n"
    );
    assert_eq!(
        durations("receive", SHADOWED),
        "function_calls_duration_seconds_count{function=\"receive\",module=\"instrument_objectives::shadowed\",result=\"ok\"} 1\n"
    );
}
