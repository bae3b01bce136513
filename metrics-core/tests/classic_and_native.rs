//! A histogram with classic and native buckets together: protobuf carries both in one
//! `Histogram` message, read back here with prost; the text formats carry only the classic
//! buckets, byte for byte as a histogram without native ones writes them.
//!
//! Values are chosen so every bucket can be worked out by hand: with schema 3, bucket `i`
//! holds `(2^((i-1)/8), 2^(i/8)]`.
#![cfg(feature = "protobuf")]

use std::sync::Arc;

use prost::Message;
use tallymark_core::encoding::protobuf::model::{
    self, Bucket, BucketSpan, Histogram as PbHistogram, LabelPair, Metric, MetricFamily, MetricType,
};
use tallymark_core::metric::{Exemplar, DEFAULT_SCHEMA, DEFAULT_ZERO_THRESHOLD};
use tallymark_core::{Descriptor, Format, Histogram, Registry};

const WAIT: Descriptor =
    Descriptor::new("wait_seconds", "Waits, in both kinds of buckets.").with_buckets(&[0.1, 1.0]);

/// 2^-4, 2^-2, 0.375, 1 (twice), 3, -2 and 0; 3 with an exemplar at a fixed time.
fn observed() -> Arc<Histogram> {
    let wait = Arc::new(
        Histogram::new()
            .with_native(DEFAULT_SCHEMA)
            .described(&WAIT),
    );
    for v in [0.0625, 0.25, 0.375, 1.0, 1.0, -2.0, 0.0] {
        wait.observe(v);
    }
    wait.observe_with_exemplar(3.0, &[("trace_id", "abc123")]);
    let exemplar = Exemplar::new(&[("trace_id", "abc123")], 3.0).unwrap();
    wait.exemplars()[2].store(exemplar.at(1_700_000_000.25));
    wait
}

fn registry_of(wait: Arc<Histogram>) -> Registry {
    let registry = Registry::new();
    registry.register(wait).unwrap();
    registry
}

fn encode(registry: &Registry, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    out
}

fn span(offset: i32, length: u32) -> BucketSpan {
    BucketSpan {
        offset: Some(offset),
        length: Some(length),
    }
}

fn classic(upper_bound: f64, cumulative_count: u64) -> Bucket {
    Bucket {
        cumulative_count: Some(cumulative_count),
        upper_bound: Some(upper_bound),
        ..Bucket::default()
    }
}

#[test]
fn protobuf_carries_classic_and_native_buckets_in_one_message() {
    let registry = registry_of(observed());
    let mut body = &encode(&registry, Format::Protobuf)[..];
    let mut family = MetricFamily::decode_length_delimited(&mut body).unwrap();
    assert!(body.is_empty(), "one family, {} bytes left", body.len());
    let histogram = family.metric[0].histogram.as_mut().unwrap();
    assert!(histogram.created_timestamp.take().is_some());

    let exemplar = model::Exemplar {
        label: vec![LabelPair {
            name: Some("trace_id".into()),
            value: Some("abc123".into()),
        }],
        value: Some(3.0),
        timestamp: Some(prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 250_000_000,
        }),
    };
    let expected = MetricFamily {
        name: Some("wait_seconds".into()),
        help: Some("Waits, in both kinds of buckets.".into()),
        r#type: Some(MetricType::Histogram as i32),
        unit: Some("seconds".into()),
        metric: vec![Metric {
            histogram: Some(PbHistogram {
                sample_count: Some(8),
                sample_sum: Some(3.6875),
                // -2, 0 and 2^-4 are at most 0.1; 2^-2, 0.375 and both 1s at most 1; 3
                // only in `+Inf`, written for its exemplar.
                bucket: vec![
                    classic(0.1, 3),
                    classic(1.0, 7),
                    Bucket {
                        exemplar: Some(exemplar),
                        ..classic(f64::INFINITY, 8)
                    },
                ],
                schema: Some(3),
                zero_threshold: Some(DEFAULT_ZERO_THRESHOLD),
                zero_count: Some(1),
                // 2^-4 closes bucket -32 and 2^-2 bucket -16; 0.375 = 2^-1.415 is in
                // bucket -11, 1 closes 0, 3 = 2^1.585 is in 13.
                positive_span: vec![
                    span(-32, 1),
                    span(15, 1),
                    span(4, 1),
                    span(10, 1),
                    span(12, 1),
                ],
                positive_delta: vec![1, 0, 0, 1, -1],
                // 2 = 2^(8/8) closes negative bucket 8.
                negative_span: vec![span(8, 1)],
                negative_delta: vec![1],
                ..PbHistogram::default()
            }),
            ..Metric::default()
        }],
    };
    assert_eq!(family, expected);
}

/// An empty histogram with native buckets says it is native with a no-op span, and has
/// no classic bucket that is not empty.
#[test]
fn an_empty_histogram_with_native_buckets_carries_a_no_op_span() {
    let registry = registry_of(Arc::new(Histogram::new().with_native(0).described(&WAIT)));
    let mut body = &encode(&registry, Format::Protobuf)[..];
    let mut family = MetricFamily::decode_length_delimited(&mut body).unwrap();
    let mut histogram = family.metric.remove(0).histogram.unwrap();
    assert!(histogram.created_timestamp.take().is_some());
    let expected = PbHistogram {
        sample_count: Some(0),
        sample_sum: Some(0.0),
        bucket: vec![classic(0.1, 0), classic(1.0, 0)],
        schema: Some(0),
        zero_threshold: Some(DEFAULT_ZERO_THRESHOLD),
        zero_count: Some(0),
        positive_span: vec![span(0, 0)],
        ..PbHistogram::default()
    };
    assert_eq!(histogram, expected);
}

#[test]
fn text_formats_carry_only_the_classic_buckets() {
    let registry = registry_of(observed());
    let text = String::from_utf8(encode(&registry, Format::Text)).unwrap();
    assert_eq!(
        text,
        "# HELP wait_seconds Waits, in both kinds of buckets.\n\
         # TYPE wait_seconds histogram\n\
         wait_seconds_bucket{le=\"0.1\"} 3\n\
         wait_seconds_bucket{le=\"1\"} 7\n\
         wait_seconds_bucket{le=\"+Inf\"} 8\n\
         wait_seconds_sum 3.6875\n\
         wait_seconds_count 8\n"
    );
    let openmetrics = String::from_utf8(encode(&registry, Format::OpenMetrics)).unwrap();
    let (created_line, _) = openmetrics
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("wait_seconds_created "))
        .unwrap();
    let pinned: Vec<&str> = openmetrics
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == created_line {
                "wait_seconds_created T"
            } else {
                l
            }
        })
        .collect();
    assert_eq!(
        pinned.join("\n"),
        "# TYPE wait_seconds histogram\n\
         # UNIT wait_seconds seconds\n\
         # HELP wait_seconds Waits, in both kinds of buckets.\n\
         wait_seconds_bucket{le=\"0.1\"} 3\n\
         wait_seconds_bucket{le=\"1.0\"} 7\n\
         wait_seconds_bucket{le=\"+Inf\"} 8 # {trace_id=\"abc123\"} 3 1700000000.25\n\
         wait_seconds_count 8\n\
         wait_seconds_sum 3.6875\n\
         wait_seconds_created T\n\
         # EOF"
    );
}
