//! The page for people: every family with its HELP, type and unit, a row per series, the
//! quantiles and bucket chart of histograms and summaries, and user data escaped.

use std::sync::Arc;

use tallymark_core::encoding::write_f64;
use tallymark_core::{
    CounterFamily, Descriptor, Format, Gauge, HistogramFamily, NativeHistogram, Registry, StateSet,
    Summary,
};

const REQUESTS: Descriptor =
    Descriptor::new("http_requests_total", "Requests served.").with_labels(&["method", "code"]);
const HOSTILE: Descriptor =
    Descriptor::new("hostile_total", "Help with <b>markup</b> & \"quotes\".")
        .with_labels(&["path"]);
const WAIT: Descriptor = Descriptor::new("queue_wait_seconds", "Time spent queued.")
    .with_unit("seconds")
    .with_labels(&["queue"])
    .with_buckets(&[0.1, 0.5, 1.0]);
const SIZE: Descriptor =
    Descriptor::new("payload_bytes", "Payload sizes.").with_quantiles(&[0.5, 0.9]);
const DEPTH: Descriptor = Descriptor::new("queue_depth", "Queued jobs.");
const IDLE: Descriptor = Descriptor::new("idle_total", "Nothing yet.").with_labels(&["kind"]);
const PHASE: Descriptor = Descriptor::new("phase", "Lifecycle phase.");

struct Page {
    html: String,
    size: Arc<Summary>,
}

fn page() -> Page {
    let registry = Registry::new();
    let requests = Arc::new(CounterFamily::<2>::new().described(&REQUESTS));
    requests.labels(["GET", "200"]).inc_by(3);
    let hostile = Arc::new(CounterFamily::<1>::new().described(&HOSTILE));
    hostile
        .labels(["<script>document.title='pwned'</script>"])
        .inc();
    let wait = Arc::new(HistogramFamily::<1>::new().described(&WAIT));
    let fast = wait.labels(["fast"]);
    // 2 up to 0.1, 6 in (0.1, 0.5], 2 in (0.5, 1], none above.
    for v in [0.05, 0.05, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.7, 0.9] {
        fast.observe(v);
    }
    let size = Arc::new(Summary::new().described(&SIZE));
    for v in [10.0, 20.0, 30.0] {
        size.observe(v);
    }
    let depth = Arc::new(Gauge::new().described(&DEPTH));
    depth.set(7.5);
    let idle = Arc::new(CounterFamily::<1>::new().described(&IDLE));
    let phase = Arc::new(StateSet::new(&["starting", "running"]).described(&PHASE));
    registry.register(requests).unwrap();
    registry.register(hostile).unwrap();
    registry.register(wait).unwrap();
    registry.register(size.clone()).unwrap();
    registry.register(depth).unwrap();
    registry.register(idle).unwrap();
    registry.register(phase).unwrap();
    let mut out = Vec::new();
    registry.encode_as(Format::Html, &mut out);
    Page {
        html: String::from_utf8(out).unwrap(),
        size,
    }
}

fn assert_holds(html: &str, fragment: &str) {
    assert!(html.contains(fragment), "missing {fragment:?} in:\n{html}");
}

#[test]
fn the_page_is_a_whole_document_with_no_outside_assets() {
    let html = page().html;
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"));
    assert!(html.ends_with("</script>\n</body>\n</html>\n"));
    assert_holds(&html, "<footer><p>7 families</p></footer>");
    assert_holds(&html, "<a href=\"?format=text\">Prometheus text</a>");
    assert_holds(&html, "<a href=\"?format=openmetrics\">OpenMetrics</a>");
    for outside in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(outside), "{outside:?} in the page");
    }
    // Exactly the one inline script of the filter box.
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn a_counter_family_has_its_header_and_a_row_per_series() {
    let html = page().html;
    assert_holds(
        &html,
        "<section class=\"family\" data-name=\"http_requests_total\" \
         data-help=\"Requests served.\">\n<h2>http_requests_total</h2>\n\
         <p class=\"meta\">type: counter</p>\n<p class=\"help\">Requests served.</p>\n\
         <table>\n<thead><tr><th>labels</th><th>value</th></tr></thead>\n<tbody>\n\
         <tr><td class=\"labels\"><code>method=&quot;GET&quot;</code> \
         <code>code=&quot;200&quot;</code></td><td>3</td></tr>\n</tbody>\n",
    );
    assert_holds(
        &html,
        "<tr><td class=\"labels none\">(no labels)</td><td>7.5</td></tr>\n",
    );
    assert_holds(
        &html,
        "<tbody>\n<tr><td class=\"none\" colspan=\"2\">no series yet</td></tr>\n</tbody>",
    );
    assert_holds(&html, "<p class=\"meta\">type: stateset</p>");
    assert_holds(
        &html,
        "<code>phase=&quot;running&quot;</code></td><td>0</td></tr>",
    );
}

#[test]
fn user_data_is_escaped_as_text_and_in_attributes() {
    let html = page().html;
    assert_holds(
        &html,
        "<tr><td class=\"labels\"><code>path=&quot;&lt;script&gt;document.title=&#39;pwned&#39;\
         &lt;/script&gt;&quot;</code></td><td>1</td></tr>",
    );
    assert_holds(
        &html,
        "data-help=\"Help with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;.\"",
    );
    assert_holds(
        &html,
        "<p class=\"help\">Help with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;.</p>",
    );
    assert!(!html.contains("<script>document"));
    assert!(!html.contains("<b>markup"));
}

#[test]
fn a_histogram_shows_its_quantiles_and_a_chart_of_its_buckets() {
    let html = page().html;
    assert_holds(
        &html,
        "<p class=\"meta\">type: histogram, unit: seconds</p>\n\
         <p class=\"help\">Time spent queued.</p>\n<table>\n<thead><tr><th>labels</th>\
         <th>count</th><th>sum</th><th>p50</th><th>p90</th><th>p99</th><th>buckets</th>\
         </tr></thead>\n",
    );
    // p50: rank 5 falls 3 into the 6 in (0.1, 0.5]: 0.1 + 0.4 * 3/6. p90: rank 9, 1 into
    // the 2 in (0.5, 1]: 0.75. p99: rank 9.9: 0.5 + 0.5 * 1.9/2. As f64 arithmetic
    // rounds them, the first and last a last digit off the decimal.
    assert_holds(
        &html,
        "<tr><td class=\"labels\"><code>queue=&quot;fast&quot;</code></td><td>10</td>\
         <td>3.5</td><td>0.30000000000000004</td><td>0.75</td><td>0.9750000000000001</td>",
    );
    // Counts 2, 6, 2, 0 scale to 40 px for the fullest: 13, 40, 13, 0.
    assert_holds(
        &html,
        "<td><svg class=\"buckets\" width=\"56\" height=\"40\" viewBox=\"0 0 56 40\" \
         role=\"img\" aria-label=\"bucket counts\">\
         <rect x=\"0\" y=\"27\" width=\"12\" height=\"13\"><title>le 0.1: 2</title></rect>\
         <rect x=\"14\" y=\"0\" width=\"12\" height=\"40\"><title>le 0.5: 6</title></rect>\
         <rect x=\"28\" y=\"27\" width=\"12\" height=\"13\"><title>le 1: 2</title></rect>\
         <rect x=\"42\" y=\"40\" width=\"12\" height=\"0\"><title>le +Inf: 0</title></rect>\
         </svg></td></tr>\n",
    );
}

#[test]
fn a_summary_shows_its_quantile_samples() {
    let Page { html, size } = page();
    let snapshot = size.snapshot();
    let mut cell = String::from("<td class=\"quantiles\">");
    for (i, (q, v)) in snapshot.quantiles.iter().enumerate() {
        let (mut q_text, mut v_text) = (Vec::new(), Vec::new());
        write_f64(&mut q_text, *q);
        write_f64(&mut v_text, *v);
        if i > 0 {
            cell.push_str("<br>");
        }
        cell.push_str(&format!(
            "{}: {}",
            String::from_utf8(q_text).unwrap(),
            String::from_utf8(v_text).unwrap()
        ));
    }
    assert!(cell.starts_with("<td class=\"quantiles\">0.5: "), "{cell}");
    assert!(cell.contains("<br>0.9: "), "{cell}");
    assert_holds(
        &html,
        &format!(
            "<tr><td class=\"labels none\">(no labels)</td><td>3</td><td>60</td>{cell}</td></tr>"
        ),
    );
}

#[test]
fn a_native_histogram_shows_quantiles_estimated_from_its_buckets() {
    const RPC: Descriptor = Descriptor::new("rpc_seconds", "RPC latency.");
    const SKEW: Descriptor = Descriptor::new("clock_skew_seconds", "Clock skew.");
    let registry = Registry::new();
    let rpc = Arc::new(NativeHistogram::new().with_schema(0).described(&RPC));
    // Schema 0: bucket i holds (2^(i-1), 2^i]: 1 in (0.5, 1], 2 in (1, 2], 1 in (2, 4].
    for v in [1.0, 1.5, 2.0, 3.0] {
        rpc.observe(v);
    }
    let skew = Arc::new(NativeHistogram::new().with_schema(0).described(&SKEW));
    // Two in [-4, -2), one in (0.5, 1].
    for v in [-3.0, -3.0, 1.0] {
        skew.observe(v);
    }
    registry.register(rpc).unwrap();
    registry.register(skew).unwrap();
    let mut out = Vec::new();
    registry.encode_as(Format::Html, &mut out);
    let html = String::from_utf8(out).unwrap();
    // p50: rank 2, 1 into the 2 of (1, 2]: 1.5. p90: rank 3.6, 0.6 into the 1 of (2, 4]:
    // 3.2. p99: rank 3.96: 3.92.
    assert_holds(
        &html,
        "<tr><td class=\"labels none\">(no labels)</td><td>4</td><td>7.5</td><td>1.5</td>\
         <td>3.2</td><td>3.92</td>\
         <td><svg class=\"buckets\" width=\"42\" height=\"40\" viewBox=\"0 0 42 40\" \
         role=\"img\" aria-label=\"bucket counts\">\
         <rect x=\"0\" y=\"20\" width=\"12\" height=\"20\"><title>0.5 to 1: 1</title></rect>\
         <rect x=\"14\" y=\"0\" width=\"12\" height=\"40\"><title>1 to 2: 2</title></rect>\
         <rect x=\"28\" y=\"20\" width=\"12\" height=\"20\"><title>2 to 4: 1</title></rect>\
         </svg></td></tr>",
    );
    // p50: rank 1.5 of the 2 in [-4, -2): -4 + 2 * 1.5/2. p90: rank 2.7, 0.7 into
    // (0.5, 1], as f64 rounds it; p99 likewise.
    assert_holds(
        &html,
        "<tr><td class=\"labels none\">(no labels)</td><td>3</td><td>-5</td><td>-2.5</td>\
         <td>0.8500000000000001</td><td>0.9849999999999999</td>\
         <td><svg class=\"buckets\" width=\"28\" height=\"40\" viewBox=\"0 0 28 40\" \
         role=\"img\" aria-label=\"bucket counts\">\
         <rect x=\"0\" y=\"0\" width=\"12\" height=\"40\"><title>-4 to -2: 2</title></rect>\
         <rect x=\"14\" y=\"20\" width=\"12\" height=\"20\"><title>0.5 to 1: 1</title></rect>\
         </svg></td></tr>",
    );
}

#[test]
fn a_native_histogram_charts_its_zero_bucket_between_negative_and_positive_ones() {
    const DRIFT: Descriptor = Descriptor::new("drift_seconds", "Drift.");
    let registry = Registry::new();
    let drift = Arc::new(NativeHistogram::new().with_schema(0).described(&DRIFT));
    for v in [1.0, 0.0, 0.0, -3.0] {
        drift.observe(v);
    }
    registry.register(drift).unwrap();
    let mut out = Vec::new();
    registry.encode_as(Format::Html, &mut out);
    let html = String::from_utf8(out).unwrap();
    // Value order: [-4, -2) with one, the zero bucket (default threshold 2^-128) with
    // two, then (0.5, 1] with one; bars scale to the zero bucket's two.
    assert_holds(
        &html,
        "<td><svg class=\"buckets\" width=\"42\" height=\"40\" viewBox=\"0 0 42 40\" \
         role=\"img\" aria-label=\"bucket counts\">\
         <rect x=\"0\" y=\"20\" width=\"12\" height=\"20\"><title>-4 to -2: 1</title></rect>\
         <rect x=\"14\" y=\"0\" width=\"12\" height=\"40\">\
         <title>-2.938735877055719e-39 to 2.938735877055719e-39: 2</title></rect>\
         <rect x=\"28\" y=\"20\" width=\"12\" height=\"20\"><title>0.5 to 1: 1</title></rect>\
         </svg></td></tr>",
    );
}
