//! What `#[metric]`, `#[derive(LabelValue)]` and `#[derive(LabelSet)]` declare, read back
//! from the global registry's exposition text.
//!
//! Every test declares families of its own, under names no other test uses, and compares
//! the whole block of lines its family renders.

use tallymark::{
    metric, Counter, CounterFamily, Family, Gauge, Histogram, IntGauge, LabelSet, LabelValue,
    Metric, Registry,
};

/// The lines of family `name` in the global registry: HELP, TYPE and samples.
fn family(name: &str) -> String {
    let help = format!("# HELP {name} ");
    let kind = format!("# TYPE {name} ");
    let text = tallymark::render();
    let mut block = String::new();
    for line in text.lines() {
        let sample = line.strip_prefix(name).is_some_and(|rest| {
            ["", "_bucket", "_sum", "_count"].iter().any(|suffix| {
                rest.strip_prefix(suffix)
                    .is_some_and(|r| r.starts_with(' ') || r.starts_with('{'))
            })
        });
        if line.starts_with(&help) || line.starts_with(&kind) || sample {
            block.push_str(line);
            block.push('\n');
        }
    }
    block
}

/// The `tallymark_label_overflow_total` sample of family `name`.
fn overflow_count(name: &str) -> Option<String> {
    let prefix = format!("tallymark_label_overflow_total{{family=\"{name}\"}} ");
    let text = tallymark::render();
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
}

#[test]
fn name_is_the_static_lower_cased() {
    /// Widgets made.
    #[metric]
    static WIDGETS_MADE_TOTAL: Counter = Counter::new();

    WIDGETS_MADE_TOTAL.inc_by(3);
    assert_eq!(
        family("widgets_made_total"),
        "# HELP widgets_made_total Widgets made.\n\
         # TYPE widgets_made_total counter\n\
         widgets_made_total 3\n"
    );
}

#[test]
fn name_argument_replaces_the_static_name() {
    /// Jobs waiting.
    #[metric(name = "queue_depth_jobs")]
    static QUEUE: IntGauge = IntGauge::new();

    QUEUE.set(-2);
    assert_eq!(
        family("queue_depth_jobs"),
        "# HELP queue_depth_jobs Jobs waiting.\n\
         # TYPE queue_depth_jobs gauge\n\
         queue_depth_jobs -2\n"
    );
    assert_eq!(family("queue"), "");
}

#[test]
fn utf8_names_are_declared_and_written_quoted_or_escaped_as_asked() {
    use tallymark::encoding::Exposition;
    use tallymark::names::Escaping;
    use tallymark::Format;

    /// Time to serve a request, in seconds.
    #[metric(name = "http.server.request.duration", buckets = [0.1])]
    static REQUEST_DURATION: Histogram = Histogram::new();

    /// Room temperature, in degrees Celsius.
    #[metric]
    static TEMPÉRATURE_CELSIUS: Gauge = Gauge::new();

    REQUEST_DURATION.observe(0.05);
    TEMPÉRATURE_CELSIUS.set(19.5);
    let registry = Registry::new();
    registry.register_static(&REQUEST_DURATION).unwrap();
    registry.register_static(&TEMPÉRATURE_CELSIUS).unwrap();
    let text = |exposition: Exposition| {
        let mut out = Vec::new();
        registry.encode_as(exposition, &mut out);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        text(Format::Text.into()),
        "# HELP http_server_request_duration Time to serve a request, in seconds.\n\
         # TYPE http_server_request_duration histogram\n\
         http_server_request_duration_bucket{le=\"0.1\"} 1\n\
         http_server_request_duration_bucket{le=\"+Inf\"} 1\n\
         http_server_request_duration_sum 0.05\n\
         http_server_request_duration_count 1\n\
         # HELP temp_rature_celsius Room temperature, in degrees Celsius.\n\
         # TYPE temp_rature_celsius gauge\n\
         temp_rature_celsius 19.5\n"
    );
    assert_eq!(
        text(Exposition::from(Format::Text).with_escaping(Escaping::AllowUtf8)),
        "# HELP \"http.server.request.duration\" Time to serve a request, in seconds.\n\
         # TYPE \"http.server.request.duration\" histogram\n\
         {\"http.server.request.duration_bucket\",le=\"0.1\"} 1\n\
         {\"http.server.request.duration_bucket\",le=\"+Inf\"} 1\n\
         {\"http.server.request.duration_sum\"} 0.05\n\
         {\"http.server.request.duration_count\"} 1\n\
         # HELP \"température_celsius\" Room temperature, in degrees Celsius.\n\
         # TYPE \"température_celsius\" gauge\n\
         {\"température_celsius\"} 19.5\n"
    );
}

#[test]
fn doc_comment_lines_become_help_with_its_escapes() {
    ///
    /// Bytes read from `C:\data`, per "disk".
    ///
    ///   Indented second paragraph.
    ///
    #[metric]
    static DISK_READ_BYTES: Gauge = Gauge::new();

    DISK_READ_BYTES.set(1.5);
    assert_eq!(
        family("disk_read_bytes"),
        "# HELP disk_read_bytes Bytes read from `C:\\\\data`, per \"disk\".\\n\\n  Indented second paragraph.\n\
         # TYPE disk_read_bytes gauge\n\
         disk_read_bytes 1.5\n"
    );
    assert_eq!(
        DISK_READ_BYTES.descriptor().help(),
        "Bytes read from `C:\\data`, per \"disk\".\n\n  Indented second paragraph."
    );
}

#[test]
fn help_argument_replaces_the_doc_comment() {
    /// Documentation for Rust readers only.
    #[metric(help = "Seen by Prometheus.")]
    static HELP_OVERRIDE: Gauge = Gauge::new();

    assert_eq!(
        family("help_override"),
        "# HELP help_override Seen by Prometheus.\n\
         # TYPE help_override gauge\n\
         help_override 0\n"
    );
}

#[test]
fn string_labels_are_named_in_declared_order() {
    /// Total HTTP requests.
    #[metric(labels(method, endpoint, status))]
    static MACRO_HTTP_REQUESTS_TOTAL: CounterFamily<3> = CounterFamily::new();

    MACRO_HTTP_REQUESTS_TOTAL
        .labels(["GET", "/api/users", "200"])
        .inc();
    MACRO_HTTP_REQUESTS_TOTAL
        .labels(["POST", "/api/\"q\"", "500"])
        .inc_by(2);
    assert_eq!(
        family("macro_http_requests_total"),
        "# HELP macro_http_requests_total Total HTTP requests.\n\
         # TYPE macro_http_requests_total counter\n\
         macro_http_requests_total{method=\"GET\",endpoint=\"/api/users\",status=\"200\"} 1\n\
         macro_http_requests_total{method=\"POST\",endpoint=\"/api/\\\"q\\\"\",status=\"500\"} 2\n"
    );
}

#[test]
fn buckets_take_integers_negatives_and_a_final_infinity() {
    /// Temperature change.
    #[metric(unit = "celsius", buckets = [-1, 0, 0.5, 2, f64::INFINITY])]
    static DELTA_CELSIUS: Histogram = Histogram::new();

    DELTA_CELSIUS.observe(-3.0);
    DELTA_CELSIUS.observe(0.25);
    DELTA_CELSIUS.observe(9.0);
    assert_eq!(
        family("delta_celsius"),
        "# HELP delta_celsius Temperature change.\n\
         # TYPE delta_celsius histogram\n\
         delta_celsius_bucket{le=\"-1\"} 1\n\
         delta_celsius_bucket{le=\"0\"} 1\n\
         delta_celsius_bucket{le=\"0.5\"} 2\n\
         delta_celsius_bucket{le=\"2\"} 2\n\
         delta_celsius_bucket{le=\"+Inf\"} 3\n\
         delta_celsius_sum 6.25\n\
         delta_celsius_count 3\n"
    );
    assert_eq!(DELTA_CELSIUS.descriptor().unit(), "celsius");
    assert_eq!(DELTA_CELSIUS.bounds(), [-1.0, 0.0, 0.5, 2.0]);
}

#[test]
fn labelled_histogram_uses_the_declared_buckets() {
    /// HTTP request latency.
    #[metric(labels(endpoint), buckets = [0.1, 1.0])]
    static MACRO_LATENCY_SECONDS: tallymark::HistogramFamily<1> = tallymark::HistogramFamily::new();

    MACRO_LATENCY_SECONDS.labels(["/"]).observe(0.5);
    assert_eq!(
        family("macro_latency_seconds"),
        "# HELP macro_latency_seconds HTTP request latency.\n\
         # TYPE macro_latency_seconds histogram\n\
         macro_latency_seconds_bucket{endpoint=\"/\",le=\"0.1\"} 0\n\
         macro_latency_seconds_bucket{endpoint=\"/\",le=\"1\"} 1\n\
         macro_latency_seconds_bucket{endpoint=\"/\",le=\"+Inf\"} 1\n\
         macro_latency_seconds_sum{endpoint=\"/\"} 0.5\n\
         macro_latency_seconds_count{endpoint=\"/\"} 1\n"
    );
}

#[test]
fn budget_folds_further_label_sets_into_overflow() {
    /// Logins per user.
    #[metric(labels(user), budget = 2)]
    static LOGINS_TOTAL: CounterFamily<1> = CounterFamily::new();

    LOGINS_TOTAL.labels(["ann"]).inc();
    LOGINS_TOTAL.labels(["bob"]).inc();
    LOGINS_TOTAL.labels(["cy"]).inc();
    LOGINS_TOTAL.labels(["dee"]).inc();
    assert_eq!(
        family("logins_total"),
        "# HELP logins_total Logins per user.\n\
         # TYPE logins_total counter\n\
         logins_total{user=\"ann\"} 1\n\
         logins_total{user=\"bob\"} 1\n\
         logins_total{user=\"__overflow__\"} 2\n"
    );
    assert_eq!(overflow_count("logins_total").as_deref(), Some("2"));
    assert_eq!(LOGINS_TOTAL.descriptor().budget(), 2);
}

/// An HTTP method, as a label value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Method {
    Get,
    Post,
    #[label("PURGE")]
    CachePurge,
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Outcome {
    Success,
    NotFound,
    HTTPError,
}

#[test]
fn label_value_derive_snake_cases_variants_unless_renamed() {
    assert_eq!(Method::VALUES, Some(&["get", "post", "PURGE"][..]));
    assert_eq!(
        Outcome::VALUES,
        Some(&["success", "not_found", "http_error"][..])
    );
    assert_eq!(Method::CachePurge.index(), 2);
    assert_eq!(Outcome::Success.label(), "success");
    assert_eq!(Outcome::NotFound.label(), "not_found");
    assert_eq!(Outcome::HTTPError.index(), 2);
}

/// A request's labels: one enum and one integer, so the family hashes.
#[derive(LabelSet)]
struct Request {
    method: Method,
    #[label("code")]
    status: u16,
}

#[test]
fn typed_labels_with_an_integer_field_render_the_sets_in_use() {
    /// Requests by method and status code.
    #[metric]
    static TYPED_REQUESTS_TOTAL: Family<Request, Counter> = Family::new();

    assert_eq!(Request::NAMES, Some(&["method", "code"][..]));
    assert_eq!(Request::DENSE, None);
    let request = |method, status| Request { method, status };
    TYPED_REQUESTS_TOTAL
        .labels(request(Method::Post, 201))
        .inc();
    TYPED_REQUESTS_TOTAL.labels(request(Method::Get, 404)).inc();
    TYPED_REQUESTS_TOTAL.labels(request(Method::Get, 404)).inc();
    assert_eq!(
        family("typed_requests_total"),
        "# HELP typed_requests_total Requests by method and status code.\n\
         # TYPE typed_requests_total counter\n\
         typed_requests_total{method=\"get\",code=\"404\"} 2\n\
         typed_requests_total{method=\"post\",code=\"201\"} 1\n"
    );
}

/// A route's labels: enums and a bool only, so every combination is known.
#[derive(LabelSet)]
struct Route {
    method: Method,
    outcome: Outcome,
    cached: bool,
}

#[test]
fn typed_labels_of_enums_only_are_dense_and_start_at_zero() {
    /// Routes served.
    #[metric]
    static DENSE_ROUTES_TOTAL: Family<Route, Counter> = Family::new();

    assert_eq!(Route::DENSE, Some(3 * 3 * 2));
    let route = Route {
        method: Method::CachePurge,
        outcome: Outcome::NotFound,
        cached: true,
    };
    DENSE_ROUTES_TOTAL.labels(route).inc_by(7);
    let mut expected = String::from(
        "# HELP dense_routes_total Routes served.\n# TYPE dense_routes_total counter\n",
    );
    for method in ["get", "post", "PURGE"] {
        for outcome in ["success", "not_found", "http_error"] {
            for cached in ["false", "true"] {
                let hit = (method, outcome, cached) == ("PURGE", "not_found", "true");
                expected.push_str(&format!(
                    "dense_routes_total{{method=\"{method}\",outcome=\"{outcome}\",cached=\"{cached}\"}} {}\n",
                    if hit { 7 } else { 0 }
                ));
            }
        }
    }
    assert_eq!(family("dense_routes_total"), expected);
}

mod reexported {
    use ::tallymark as renamed;

    /// Jobs through a renamed import.
    #[renamed::metric(crate = renamed)]
    pub static RENAMED_JOBS_TOTAL: renamed::Counter = renamed::Counter::new();
}

#[test]
fn crate_argument_names_a_renamed_tallymark() {
    reexported::RENAMED_JOBS_TOTAL.inc();
    assert_eq!(
        family("renamed_jobs_total"),
        "# HELP renamed_jobs_total Jobs through a renamed import.\n\
         # TYPE renamed_jobs_total counter\n\
         renamed_jobs_total 1\n"
    );
    assert_eq!(
        reexported::RENAMED_JOBS_TOTAL.descriptor().module(),
        "macros_metric::reexported"
    );
}

#[test]
fn cfg_after_the_attribute_removes_the_registration_too() {
    /// Never compiled.
    #[metric]
    #[cfg(any())]
    static NEVER_COMPILED_TOTAL: Counter = Counter::new();

    assert_eq!(family("never_compiled_total"), "");
}

/// Generated code names only absolute paths, so a module that shadows the prelude, the
/// primitive types and the crate names still compiles it (after client_rust's
/// `redefine-prelude-symbols` test).
#[allow(dead_code, non_camel_case_types)]
mod shadowed_prelude {
    use ::tallymark::{metric, Counter, Family, LabelSet, LabelValue};

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
    struct Hash;
    struct usize;
    struct str;
    struct bool;

    #[derive(::core::clone::Clone, PartialEq, Eq, ::core::hash::Hash, LabelValue)]
    pub enum Color {
        Red,
        Green,
    }

    #[derive(LabelSet)]
    pub struct Paint {
        pub color: Color,
    }

    /// Paint used.
    #[metric(labels(color))]
    pub static SHADOWED_PAINT_TOTAL: ::tallymark::CounterFamily<1> =
        ::tallymark::CounterFamily::new();

    /// Paint used, by typed label.
    #[metric]
    pub static SHADOWED_TYPED_PAINT_TOTAL: Family<Paint, Counter> = Family::new();
}

#[test]
fn generated_code_ignores_shadowed_prelude_names() {
    use shadowed_prelude::{Color, Paint, SHADOWED_TYPED_PAINT_TOTAL};

    shadowed_prelude::SHADOWED_PAINT_TOTAL.labels(["red"]).inc();
    SHADOWED_TYPED_PAINT_TOTAL
        .labels(Paint {
            color: Color::Green,
        })
        .inc();
    assert_eq!(
        family("shadowed_typed_paint_total"),
        "# HELP shadowed_typed_paint_total Paint used, by typed label.\n\
         # TYPE shadowed_typed_paint_total counter\n\
         shadowed_typed_paint_total{color=\"red\"} 0\n\
         shadowed_typed_paint_total{color=\"green\"} 1\n"
    );
    assert_eq!(
        family("shadowed_paint_total"),
        "# HELP shadowed_paint_total Paint used.\n\
         # TYPE shadowed_paint_total counter\n\
         shadowed_paint_total{color=\"red\"} 1\n"
    );
}

#[test]
fn declared_families_build_the_catalog_without_errors() {
    assert_eq!(Registry::catalog_errors(), []);
}

#[test]
fn summaries_native_histograms_infos_and_state_sets_are_declared_like_the_rest() {
    /// Upload sizes.
    #[metric(labels(kind))]
    static UPLOAD_SIZE_BYTES: tallymark::SummaryFamily<1> = tallymark::SummaryFamily::new();
    /// Download sizes.
    #[metric]
    static DOWNLOAD_SIZE_BYTES: tallymark::NativeHistogram = tallymark::NativeHistogram::new();
    /// Build facts.
    #[metric]
    static WIDGET_BUILD_INFO: tallymark::Info = tallymark::Info::new(&[("version", "2.0")]);
    /// Widget phase.
    #[metric]
    static WIDGET_PHASE: tallymark::StateSet = tallymark::StateSet::new(&["idle", "busy"]);

    UPLOAD_SIZE_BYTES.labels(["photo"]).observe(300.0);
    DOWNLOAD_SIZE_BYTES.observe(1000.0);
    WIDGET_PHASE.set("busy");
    // 301.91… is the sketch's representative for 300: within its 1% relative error.
    assert_eq!(
        family("upload_size_bytes"),
        "# HELP upload_size_bytes Upload sizes.\n\
         # TYPE upload_size_bytes summary\n\
         upload_size_bytes{kind=\"photo\",quantile=\"0.5\"} 301.913436521875\n\
         upload_size_bytes{kind=\"photo\",quantile=\"0.9\"} 301.913436521875\n\
         upload_size_bytes{kind=\"photo\",quantile=\"0.99\"} 301.913436521875\n\
         upload_size_bytes_sum{kind=\"photo\"} 300\n\
         upload_size_bytes_count{kind=\"photo\"} 1\n"
    );
    assert_eq!(
        family("download_size_bytes"),
        "# HELP download_size_bytes Download sizes.\n\
         # TYPE download_size_bytes histogram\n\
         download_size_bytes_bucket{le=\"+Inf\"} 1\n\
         download_size_bytes_sum 1000\n\
         download_size_bytes_count 1\n"
    );
    assert_eq!(
        family("widget_build_info"),
        "# HELP widget_build_info Build facts.\n\
         # TYPE widget_build_info gauge\n\
         widget_build_info{version=\"2.0\"} 1\n"
    );
    assert_eq!(
        family("widget_phase"),
        "# HELP widget_phase Widget phase.\n\
         # TYPE widget_phase gauge\n\
         widget_phase{widget_phase=\"idle\"} 0\n\
         widget_phase{widget_phase=\"busy\"} 1\n"
    );
}
