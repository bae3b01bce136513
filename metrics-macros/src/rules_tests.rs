//! The naming rules give one answer at compile time and at run time: each name below is
//! judged by the macros' checks and by the core's (through the facade, as users reach
//! it), and both must report the exact text given, or both accept it.

use std::sync::Arc;

use tallymark::names::{check_label_name, check_metric_name};
use tallymark::{Descriptor, HistogramFamily, Info, Metric, Registry, SummaryFamily};

use crate::ast::Kind;
use crate::names::{label_name_problem, metric_name_problem};
use crate::valid::{kind_name_problem, reserved_label_problem};

fn core_refusal(metric: Arc<dyn Metric>) -> Option<String> {
    Registry::new()
        .register(metric)
        .err()
        .map(|e| e.to_string())
}

#[test]
fn a_metric_name_is_refused_with_the_same_words_at_compile_and_run_time() {
    let cases: [(&str, Option<&str>); 8] = [
        ("http_requests_total", None),
        // Any UTF-8 name, since Prometheus 3.
        ("2xx", None),
        ("room-temperature", None),
        ("http.server.request.duration", None),
        ("température", None),
        ("", Some("a metric name cannot be empty")),
        (
            "room\ntemperature",
            Some(
                "invalid name `room\\ntemperature`: a metric name cannot hold a control character",
            ),
        ),
        (
            "bell\x07",
            Some("invalid name `bell\\u{7}`: a metric name cannot hold a control character"),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(
            metric_name_problem(name).as_deref(),
            expected,
            "macros on {name:?}"
        );
        let at_run_time = check_metric_name(name).err().map(|e| e.to_string());
        assert_eq!(at_run_time.as_deref(), expected, "core on {name:?}");
    }
}

#[test]
fn only_a_declared_metric_name_is_refused_its_colon() {
    assert_eq!(
        metric_name_problem("job:rate5m").as_deref(),
        Some("invalid name `job:rate5m`: `:` in a metric name is reserved for recording rules")
    );
    // A collector may relay a recording rule's series, so the core reads the name.
    assert_eq!(check_metric_name("job:rate5m"), Ok(()));
}

#[test]
fn a_label_name_is_refused_with_the_same_words_at_compile_and_run_time() {
    let cases: [(&str, Option<&str>); 9] = [
        ("method", None),
        ("1st", None),
        ("status-code", None),
        ("a:b", None),
        ("db.system", None),
        ("", Some("a label name cannot be empty")),
        (
            "__name__",
            Some("invalid name `__name__`: a label name starting with `__` is reserved for Prometheus"),
        ),
        (
            "_été",
            Some("invalid name `_été`: a label name whose first two characters each escape to `_` \
                  would start with `__` for a scraper of legacy names, which is reserved for Prometheus"),
        ),
        (
            "tab\there",
            Some("invalid name `tab\\there`: a label name cannot hold a control character"),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(
            label_name_problem(name).as_deref(),
            expected,
            "macros on {name:?}"
        );
        let at_run_time = check_label_name(name).err().map(|e| e.to_string());
        assert_eq!(at_run_time.as_deref(), expected, "core on {name:?}");
    }
}

#[test]
fn the_label_a_type_writes_itself_is_refused_with_the_same_words_at_compile_and_run_time() {
    const LE: Descriptor = Descriptor::new("sizes_bytes", "Sizes.").with_labels(&["le"]);
    let le = "invalid name `le`: a histogram labels its buckets with `le`";
    assert_eq!(
        reserved_label_problem("le", Some(Kind::Histogram)).as_deref(),
        Some(le)
    );
    assert_eq!(
        reserved_label_problem("le", Some(Kind::NativeHistogram)).as_deref(),
        Some(le)
    );
    assert_eq!(
        core_refusal(Arc::new(HistogramFamily::<1>::new().described(&LE))).as_deref(),
        Some(le)
    );

    const QUANTILE: Descriptor = Descriptor::new("ages", "Ages.").with_labels(&["quantile"]);
    let quantile = "invalid name `quantile`: a summary labels its quantiles with `quantile`";
    assert_eq!(
        reserved_label_problem("quantile", Some(Kind::Summary)).as_deref(),
        Some(quantile)
    );
    assert_eq!(
        core_refusal(Arc::new(SummaryFamily::<1>::new().described(&QUANTILE))).as_deref(),
        Some(quantile)
    );

    // Each type keeps only its own label.
    assert_eq!(
        reserved_label_problem("quantile", Some(Kind::Histogram)),
        None
    );
    assert_eq!(reserved_label_problem("le", Some(Kind::Counter)), None);
}

#[test]
fn an_info_name_without_its_suffix_is_refused_with_the_same_words_at_compile_and_run_time() {
    const BUILD: Descriptor = Descriptor::new("app_build", "Build facts.");
    let expected = "invalid name `app_build`: an info metric's name ends in `_info`";
    assert_eq!(
        kind_name_problem("app_build", Some(Kind::Info)).as_deref(),
        Some(expected)
    );
    assert_eq!(
        core_refusal(Arc::new(
            Info::new(&[("version", "1.4.2")]).described(&BUILD)
        ))
        .as_deref(),
        Some(expected)
    );
    assert_eq!(kind_name_problem("app_build_info", Some(Kind::Info)), None);
}
