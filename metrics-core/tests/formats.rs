//! One small registry holding every metric type, asserted byte for byte in the 0.0.4 and
//! OpenMetrics text formats, and message by message in protobuf.
//!
//! Creation times come from the wall clock; the tests check that each lies between the
//! moments before and after the series was made, then pin it, so the rest is exact.

use std::sync::Arc;
use std::time::Duration;

use tallymark_core::metric::{Exemplar, ManualClock};
use tallymark_core::{
    CounterFamily, Descriptor, Format, Gauge, Histogram, Info, NativeHistogram, Registry, StateSet,
    Summary,
};

const REQUESTS: Descriptor =
    Descriptor::new("requests_total", "Requests \"served\".\nBy path.").with_labels(&["path"]);
const TEMPERATURE: Descriptor = Descriptor::new("room_temperature_celsius", "Room temperature.");
const LATENCY: Descriptor =
    Descriptor::new("latency_seconds", "Latency \\ in seconds.").with_buckets(&[0.1, 1.0]);
const PAYLOAD: Descriptor =
    Descriptor::new("payload_bytes", "Payload sizes.").with_quantiles(&[0.5, 0.99]);
const BUILD: Descriptor = Descriptor::new("app_build_info", "Build facts.");
const PHASE: Descriptor = Descriptor::new("phase", "Lifecycle phase.");
const WAIT: Descriptor = Descriptor::new("wait_seconds", "Waits, natively bucketed.");

/// A trace id exemplar at a fixed time.
fn exemplar(value: f64) -> Exemplar {
    Exemplar::new(&[("trace_id", "abc123")], value)
        .unwrap()
        .at(1_700_000_000.25)
}

/// The registry, and the Unix times just before and after it was filled.
fn small_registry() -> (Registry, f64, f64) {
    let before = now() - 1e-3;
    // With self-metrics, so each format's spelling of one is checked too.
    let registry = Registry::new().with_self_metrics();
    let requests = Arc::new(CounterFamily::<1>::new().described(&REQUESTS));
    let temperature = Arc::new(Gauge::new().described(&TEMPERATURE));
    let latency = Arc::new(Histogram::new().described(&LATENCY));
    let clock = Arc::new(ManualClock::new());
    let payload = Arc::new(Summary::new().described(&PAYLOAD).with_clock(clock.clone()));
    let build = Arc::new(Info::new(&[("version", "1.2.0")]).described(&BUILD));
    let phase = Arc::new(StateSet::new(&["starting", "running"]).described(&PHASE));
    let wait = Arc::new(NativeHistogram::new().with_schema(0).described(&WAIT));
    let metrics: [Arc<dyn tallymark_core::Metric>; 7] = [
        requests.clone(),
        temperature.clone(),
        latency.clone(),
        payload.clone(),
        build,
        phase.clone(),
        wait.clone(),
    ];
    for metric in metrics {
        registry.register(metric).unwrap();
    }
    requests.labels(["/a"]).inc_by(2);
    let b = requests.labels(["/b"]);
    b.inc_with_exemplar(&[("trace_id", "abc123")]);
    b.exemplar().store(exemplar(1.0));
    temperature.set(21.5);
    latency.observe(0.05);
    latency.observe_with_exemplar(0.5, &[("trace_id", "abc123")]);
    latency.exemplars()[1].store(exemplar(0.5));
    latency.observe(7.0);
    payload.observe(100.0);
    payload.observe(300.0);
    // Past the window: the quantiles are NaN, the sum and count stay.
    clock.advance(Duration::from_secs(600));
    phase.set("running");
    for v in [0.0, 1.0, 1.5, 2.0, 3.0] {
        wait.observe(v);
    }
    (registry, before, now() + 1e-3)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Replaces the value of every `_created` line with `T`, after checking it is in range.
fn pin_created(text: &str, before: f64, after: f64) -> String {
    text.lines()
        .map(|line| {
            let Some((series, value)) = line
                .rsplit_once(' ')
                .filter(|(s, _)| s.split('{').next().unwrap().ends_with("_created"))
            else {
                return format!("{line}\n");
            };
            let created: f64 = value.parse().unwrap();
            assert!(
                (before..=after).contains(&created),
                "{line}: created outside {before}..={after}"
            );
            format!("{series} T\n")
        })
        .collect()
}

fn encode(registry: &Registry, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    out
}

#[test]
fn text_0_0_4_writes_every_type_without_exemplars_or_created() {
    let (registry, _, _) = small_registry();
    let text = String::from_utf8(encode(&registry, Format::Text)).unwrap();
    assert_eq!(text, registry.render());
    assert_eq!(
        text,
        "# HELP app_build_info Build facts.\n\
         # TYPE app_build_info gauge\n\
         app_build_info{version=\"1.2.0\"} 1\n\
         # HELP latency_seconds Latency \\\\ in seconds.\n\
         # TYPE latency_seconds histogram\n\
         latency_seconds_bucket{le=\"0.1\"} 1\n\
         latency_seconds_bucket{le=\"1\"} 2\n\
         latency_seconds_bucket{le=\"+Inf\"} 3\n\
         latency_seconds_sum 7.55\n\
         latency_seconds_count 3\n\
         # HELP payload_bytes Payload sizes.\n\
         # TYPE payload_bytes summary\n\
         payload_bytes{quantile=\"0.5\"} NaN\n\
         payload_bytes{quantile=\"0.99\"} NaN\n\
         payload_bytes_sum 400\n\
         payload_bytes_count 2\n\
         # HELP phase Lifecycle phase.\n\
         # TYPE phase gauge\n\
         phase{phase=\"starting\"} 0\n\
         phase{phase=\"running\"} 1\n\
         # HELP requests_total Requests \"served\".\\nBy path.\n\
         # TYPE requests_total counter\n\
         requests_total{path=\"/a\"} 2\n\
         requests_total{path=\"/b\"} 1\n\
         # HELP room_temperature_celsius Room temperature.\n\
         # TYPE room_temperature_celsius gauge\n\
         room_temperature_celsius 21.5\n\
         # HELP wait_seconds Waits, natively bucketed.\n\
         # TYPE wait_seconds histogram\n\
         wait_seconds_bucket{le=\"+Inf\"} 5\n\
         wait_seconds_sum 7.5\n\
         wait_seconds_count 5\n\
         # HELP tallymark_label_overflow_total Label sets folded into a family's overflow series because its cardinality budget was spent.\n\
         # TYPE tallymark_label_overflow_total counter\n\
         tallymark_label_overflow_total{family=\"requests_total\"} 0\n"
    );
}

#[test]
fn openmetrics_writes_units_created_exemplars_info_stateset_and_eof() {
    let (registry, before, after) = small_registry();
    let text = String::from_utf8(encode(&registry, Format::OpenMetrics)).unwrap();
    assert_eq!(
        pin_created(&text, before, after),
        "# TYPE app_build info\n\
         # HELP app_build Build facts.\n\
         app_build_info{version=\"1.2.0\"} 1\n\
         # TYPE latency_seconds histogram\n\
         # UNIT latency_seconds seconds\n\
         # HELP latency_seconds Latency \\\\ in seconds.\n\
         latency_seconds_bucket{le=\"0.1\"} 1\n\
         latency_seconds_bucket{le=\"1.0\"} 2 # {trace_id=\"abc123\"} 0.5 1700000000.25\n\
         latency_seconds_bucket{le=\"+Inf\"} 3\n\
         latency_seconds_count 3\n\
         latency_seconds_sum 7.55\n\
         latency_seconds_created T\n\
         # TYPE payload_bytes summary\n\
         # UNIT payload_bytes bytes\n\
         # HELP payload_bytes Payload sizes.\n\
         payload_bytes{quantile=\"0.5\"} NaN\n\
         payload_bytes{quantile=\"0.99\"} NaN\n\
         payload_bytes_count 2\n\
         payload_bytes_sum 400\n\
         payload_bytes_created T\n\
         # TYPE phase stateset\n\
         # HELP phase Lifecycle phase.\n\
         phase{phase=\"starting\"} 0\n\
         phase{phase=\"running\"} 1\n\
         # TYPE requests counter\n\
         # HELP requests Requests \\\"served\\\".\\nBy path.\n\
         requests_total{path=\"/a\"} 2\n\
         requests_created{path=\"/a\"} T\n\
         requests_total{path=\"/b\"} 1 # {trace_id=\"abc123\"} 1 1700000000.25\n\
         requests_created{path=\"/b\"} T\n\
         # TYPE room_temperature_celsius gauge\n\
         # UNIT room_temperature_celsius celsius\n\
         # HELP room_temperature_celsius Room temperature.\n\
         room_temperature_celsius 21.5\n\
         # TYPE wait_seconds histogram\n\
         # UNIT wait_seconds seconds\n\
         # HELP wait_seconds Waits, natively bucketed.\n\
         wait_seconds_bucket{le=\"+Inf\"} 5\n\
         wait_seconds_count 5\n\
         wait_seconds_sum 7.5\n\
         wait_seconds_created T\n\
         # TYPE tallymark_label_overflow counter\n\
         # HELP tallymark_label_overflow Label sets folded into a family's overflow series because its cardinality budget was spent.\n\
         tallymark_label_overflow_total{family=\"requests_total\"} 0\n\
         # EOF\n"
    );
}

#[cfg(feature = "protobuf")]
mod protobuf {
    use super::*;
    use prost::Message;
    use tallymark_core::encoding::protobuf::model::{
        self, Bucket, BucketSpan, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily,
        MetricType, Quantile, Summary,
    };

    fn decode_all(mut body: &[u8]) -> Vec<MetricFamily> {
        let mut families = Vec::new();
        while !body.is_empty() {
            families.push(MetricFamily::decode_length_delimited(&mut body).unwrap());
        }
        families
    }

    fn label(name: &str, value: &str) -> LabelPair {
        LabelPair {
            name: Some(name.into()),
            value: Some(value.into()),
        }
    }

    fn family(name: &str, help: &str, kind: MetricType, metric: Vec<Metric>) -> MetricFamily {
        MetricFamily {
            name: Some(name.into()),
            help: Some(help.into()),
            r#type: Some(kind as i32),
            metric,
            unit: None,
        }
    }

    fn unix_now() -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    fn with_unit(family: MetricFamily, unit: &str) -> MetricFamily {
        MetricFamily {
            unit: Some(unit.into()),
            ..family
        }
    }

    /// Takes every `created_timestamp` out of `families`, checking that each lies within
    /// `bounds` (Unix seconds); returns the names of the families that had them.
    fn take_creations(families: &mut [MetricFamily], bounds: (f64, f64)) -> Vec<String> {
        let mut had = Vec::new();
        for family in families.iter_mut() {
            for metric in &mut family.metric {
                let taken = [
                    metric
                        .counter
                        .as_mut()
                        .and_then(|c| c.created_timestamp.take()),
                    metric
                        .summary
                        .as_mut()
                        .and_then(|s| s.created_timestamp.take()),
                    metric
                        .histogram
                        .as_mut()
                        .and_then(|h| h.created_timestamp.take()),
                ];
                for t in taken.into_iter().flatten() {
                    let at = t.seconds as f64 + f64::from(t.nanos) * 1e-9;
                    assert!(
                        (bounds.0..=bounds.1).contains(&at),
                        "{:?} created at {at}, outside {bounds:?}",
                        family.name
                    );
                    had.push(family.name.clone().unwrap_or_default());
                }
            }
        }
        had
    }

    fn gauge(labels: Vec<LabelPair>, value: f64) -> Metric {
        Metric {
            label: labels,
            gauge: Some(Gauge { value: Some(value) }),
            ..Metric::default()
        }
    }

    fn trace(value: f64) -> Option<model::Exemplar> {
        Some(model::Exemplar {
            label: vec![label("trace_id", "abc123")],
            value: Some(value),
            timestamp: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 250_000_000,
            }),
        })
    }

    fn counter(path: &str, value: f64, exemplar: Option<model::Exemplar>) -> Metric {
        Metric {
            label: vec![label("path", path)],
            counter: Some(Counter {
                value: Some(value),
                exemplar,
                created_timestamp: None,
            }),
            ..Metric::default()
        }
    }

    /// The classic histogram: two finite buckets, the second with its exemplar.
    fn latency_family() -> MetricFamily {
        let family = family(
            "latency_seconds",
            "Latency \\ in seconds.",
            MetricType::Histogram,
            vec![Metric {
                histogram: Some(Histogram {
                    sample_count: Some(3),
                    sample_sum: Some(7.55),
                    bucket: vec![
                        Bucket {
                            cumulative_count: Some(1),
                            upper_bound: Some(0.1),
                            ..Bucket::default()
                        },
                        Bucket {
                            cumulative_count: Some(2),
                            upper_bound: Some(1.0),
                            exemplar: trace(0.5),
                            ..Bucket::default()
                        },
                    ],
                    ..Histogram::default()
                }),
                ..Metric::default()
            }],
        );
        with_unit(family, "seconds")
    }

    /// The native histogram: schema 0, one observation in the zero bucket.
    fn wait_family() -> MetricFamily {
        let span = |offset, length| BucketSpan {
            offset: Some(offset),
            length: Some(length),
        };
        let family = family(
            "wait_seconds",
            "Waits, natively bucketed.",
            MetricType::Histogram,
            vec![Metric {
                histogram: Some(Histogram {
                    sample_count: Some(5),
                    sample_sum: Some(7.5),
                    schema: Some(0),
                    zero_threshold: Some(tallymark_core::metric::DEFAULT_ZERO_THRESHOLD),
                    zero_count: Some(1),
                    // 1 closes bucket 0; 1.5 and 2 share bucket 1; 3 is in bucket 2.
                    positive_span: vec![span(0, 3)],
                    positive_delta: vec![1, 1, -1],
                    ..Histogram::default()
                }),
                ..Metric::default()
            }],
        );
        with_unit(family, "seconds")
    }

    #[test]
    fn protobuf_carries_every_type_exemplars_and_native_buckets() {
        let before = unix_now();
        let (registry, _, _) = small_registry();
        let after = unix_now();
        let mut families = decode_all(&encode(&registry, Format::Protobuf));
        // The self-metric has no creation time; the rest were created with the registry.
        assert_eq!(
            take_creations(&mut families, (before, after)),
            [
                "latency_seconds",
                "payload_bytes",
                "requests_total",
                "requests_total",
                "wait_seconds"
            ]
        );
        let expected = vec![
            family(
                "app_build_info",
                "Build facts.",
                MetricType::Gauge,
                vec![gauge(vec![label("version", "1.2.0")], 1.0)],
            ),
            latency_family(),
            with_unit(family(
                "payload_bytes",
                "Payload sizes.",
                MetricType::Summary,
                vec![Metric {
                    summary: Some(Summary {
                        sample_count: Some(2),
                        sample_sum: Some(400.0),
                        quantile: vec![
                            Quantile {
                                quantile: Some(0.5),
                                value: Some(f64::NAN),
                            },
                            Quantile {
                                quantile: Some(0.99),
                                value: Some(f64::NAN),
                            },
                        ],
                        created_timestamp: None,
                    }),
                    ..Metric::default()
                }],
            ), "bytes"),
            family(
                "phase",
                "Lifecycle phase.",
                MetricType::Gauge,
                vec![
                    gauge(vec![label("phase", "starting")], 0.0),
                    gauge(vec![label("phase", "running")], 1.0),
                ],
            ),
            family(
                "requests_total",
                "Requests \"served\".\nBy path.",
                MetricType::Counter,
                vec![counter("/a", 2.0, None), counter("/b", 1.0, trace(1.0))],
            ),
            with_unit(
                family(
                    "room_temperature_celsius",
                    "Room temperature.",
                    MetricType::Gauge,
                    vec![gauge(vec![], 21.5)],
                ),
                "celsius",
            ),
            wait_family(),
            family(
                "tallymark_label_overflow_total",
                "Label sets folded into a family's overflow series because its cardinality budget was spent.",
                MetricType::Counter,
                vec![Metric {
                    label: vec![label("family", "requests_total")],
                    counter: Some(Counter {
                        value: Some(0.0),
                        exemplar: None,
                        created_timestamp: None,
                    }),
                    ..Metric::default()
                }],
            ),
        ];
        // NaN is not equal to itself; compare the quantile values apart.
        let nan_free = |mut families: Vec<MetricFamily>| {
            for f in &mut families {
                for m in &mut f.metric {
                    if let Some(s) = &mut m.summary {
                        for q in &mut s.quantile {
                            assert!(q.value.unwrap().is_nan());
                            q.value = None;
                        }
                    }
                }
            }
            families
        };
        assert_eq!(nan_free(families), nan_free(expected));
    }
}
