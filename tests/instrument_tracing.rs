//! With the `tracing` feature, `#[counted]` and `#[timed]` attach the OpenTelemetry trace id
//! of the current span as an exemplar; without a traced span they record no exemplar.

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tallymark::encoding::Format;
use tallymark::{counted, metric, timed, Counter, Histogram, Registry};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;

/// Orders placed.
#[metric]
static TRACED_ORDERS_TOTAL: Counter = Counter::new();

/// Time to place an order.
#[metric(buckets = [0.5, 1.0])]
static TRACED_ORDER_SECONDS: Histogram = Histogram::new();

#[counted]
fn traced_lookup() {}

#[timed]
fn traced_render() {}

#[counted]
fn untraced_lookup() {}

#[counted(TRACED_ORDERS_TOTAL)]
#[timed(TRACED_ORDER_SECONDS)]
fn place_order() {}

/// Runs `f` inside a span whose OpenTelemetry parent is the trace `TRACE`.
fn in_trace(f: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(tracing_opentelemetry::layer());
    tracing::subscriber::with_default(subscriber, || {
        let parent = SpanContext::new(
            TraceId::from(TRACE),
            SpanId::from(0x00f0_67aa_0ba9_02b7_u64),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let span = tracing::info_span!("request");
        span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent))
            .expect("the OpenTelemetry layer is installed");
        let _entered = span.enter();
        f();
    });
}

/// The OpenMetrics lines starting with `prefix`, with each exemplar's timestamp cut off.
fn openmetrics_lines(prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    Registry::global().encode_as(Format::OpenMetrics, &mut out);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(|l| match l.split_once(" # ") {
            Some((sample, exemplar)) => {
                let (labels_and_value, _timestamp) = exemplar.rsplit_once(' ').unwrap();
                format!("{sample} # {labels_and_value}")
            }
            None => l.to_owned(),
        })
        .collect()
}

#[test]
fn default_families_carry_the_trace_id_of_the_current_span() {
    in_trace(|| {
        traced_lookup();
        traced_render();
    });
    untraced_lookup();
    assert_eq!(
        openmetrics_lines("function_calls_total{function=\"traced_lookup\""),
        ["function_calls_total{function=\"traced_lookup\",module=\"instrument_tracing\",result=\"ok\"} 1 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1"]
    );
    assert_eq!(
        openmetrics_lines("function_calls_total{function=\"untraced_lookup\""),
        ["function_calls_total{function=\"untraced_lookup\",module=\"instrument_tracing\",result=\"ok\"} 1"]
    );
    let buckets =
        openmetrics_lines("function_calls_duration_seconds_bucket{function=\"traced_render\"");
    let with_exemplar: Vec<&String> = buckets.iter().filter(|l| l.contains(" # ")).collect();
    assert_eq!(
        with_exemplar.len(),
        1,
        "one bucket holds the exemplar: {buckets:#?}"
    );
    assert!(with_exemplar[0]
        .contains("le=\"0.005\"} 1 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} "));
}

#[test]
fn declared_targets_carry_the_trace_id_too() {
    in_trace(place_order);
    assert_eq!(
        openmetrics_lines("traced_orders_total"),
        ["traced_orders_total 1 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1"]
    );
    let bucket = openmetrics_lines("traced_order_seconds_bucket{le=\"0.5\"}");
    assert_eq!(bucket.len(), 1);
    assert!(bucket[0].starts_with(
        "traced_order_seconds_bucket{le=\"0.5\"} 1 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} "
    ));
}

#[test]
fn a_span_outside_any_trace_attaches_nothing() {
    assert_eq!(tallymark::current_trace_id(), None);
    let subscriber = tracing_subscriber::registry().with(tracing_opentelemetry::layer());
    tracing::subscriber::with_default(subscriber, || {
        let _entered = tracing::info_span!("no parent").entered();
        // The no-op tracer starts no trace of its own, so there is still no id.
        assert_eq!(tallymark::current_trace_id(), None);
    });
}

/// Two methods annotated alone, so both are `merged_step` of one module.
mod merged {
    use super::*;

    pub struct Untraced;
    pub struct Traced;

    impl Untraced {
        #[counted]
        #[timed]
        pub fn merged_step() {}
    }

    impl Traced {
        #[counted]
        #[timed]
        pub fn merged_step() {}
    }
}

#[test]
fn a_merged_series_carries_the_newest_exemplar_of_its_sites() {
    merged::Untraced::merged_step();
    in_trace(merged::Traced::merged_step);
    merged::Untraced::merged_step();
    assert_eq!(
        openmetrics_lines("function_calls_total{function=\"merged_step\""),
        ["function_calls_total{function=\"merged_step\",module=\"instrument_tracing::merged\",result=\"ok\"} 3 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1"]
    );
    let buckets =
        openmetrics_lines("function_calls_duration_seconds_bucket{function=\"merged_step\"");
    let with_exemplar: Vec<&String> = buckets.iter().filter(|l| l.contains(" # ")).collect();
    // Which bucket the traced call landed in depends on the clock; the one exemplar is its.
    assert_eq!(with_exemplar.len(), 1, "{buckets:#?}");
    assert!(with_exemplar[0].contains(" # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} "));
    assert_eq!(
        openmetrics_lines("function_calls_duration_seconds_count{function=\"merged_step\""),
        ["function_calls_duration_seconds_count{function=\"merged_step\",module=\"instrument_tracing::merged\",result=\"ok\"} 3"]
    );
}
