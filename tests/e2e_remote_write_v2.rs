//! The remote-write client speaking 2.0 to a loopback receiver (`support::remote_write`)
//! that records each request and answers as the test says: a 2.0 receiver, one that
//! reads only 1.0, one that is overloaded, one that refuses the request. Every recorded
//! body is decoded by Python's protobuf runtime, with the schemas compiled by
//! grpcio-tools, and python-snappy, never by tallymark.
//!
//! Skips with a note without those Python modules, and fails instead under
//! `TALLYMARK_E2E=1`.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::remote_write::{
    assert_sent_as, Answer, Captured, Decoded, LoopbackReceiver, RemoteWriteJudge, Series,
    V1_CONTENT_TYPE, V2_CONTENT_TYPE,
};
use tallymark::remote_write::{PushError, RemoteWriteVersion, RemoteWriter};
use tallymark::{CounterFamily, Descriptor, Format, Gauge, Histogram, Registry};

/// A label value with quotes, a newline and non-ASCII, which travel as they are.
const NOTE: &str = "say \"hi\"\nnow ✓";
/// The series of [`job_registry`] with the writer's own three counters.
const SERIES: usize = 11;
const WRITER_COUNTERS: [&str; 3] = [
    "tallymark_remote_write_requests_total",
    "tallymark_remote_write_requests_failed_total",
    "tallymark_remote_write_samples_total",
];

fn unix_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A counter with two label sets, a gauge with a unit, a histogram.
fn job_registry() -> &'static Registry {
    const REQUESTS: Descriptor =
        Descriptor::new("rw2_requests_total", "Requests served.").with_labels(&["path", "note"]);
    const DEPTH: Descriptor =
        Descriptor::new("rw2_queue_depth_bytes", "Bytes waiting.").with_unit("bytes");
    const LATENCY: Descriptor =
        Descriptor::new("rw2_latency_seconds", "Time to answer.").with_buckets(&[0.5, 1.0]);
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let requests = Arc::new(CounterFamily::<2>::new().described(&REQUESTS));
    let depth = Arc::new(Gauge::new().described(&DEPTH));
    let latency = Arc::new(Histogram::new().described(&LATENCY));
    registry.register(requests.clone()).expect("register");
    registry.register(depth.clone()).expect("register");
    registry.register(latency.clone()).expect("register");
    requests.labels(["/a", NOTE]).inc_by(3);
    requests.labels(["/b", "plain"]).inc();
    depth.set(4.5);
    latency.observe(0.25);
    latency.observe(0.75);
    registry
}

/// A writer of `registry` to `receiver` that waits an hour between regular sends, so
/// that every request after the first is a retry or a flush.
fn writer(
    registry: &'static Registry,
    receiver: &LoopbackReceiver,
    version: RemoteWriteVersion,
) -> RemoteWriter {
    RemoteWriter::builder(&receiver.url())
        .registry(registry)
        .label("job", "rw2_test")
        .label("instance", "loopback")
        .protocol(version)
        .interval(Duration::from_secs(3600))
        .timeout(Duration::from_secs(5))
        .backoff(Duration::from_millis(20), Duration::from_millis(40))
        .start()
        .expect("start the writer")
}

/// The writer's counters, in the order of [`WRITER_COUNTERS`].
type Counts = [f64; 3];

fn counts_sent(series: &[Series]) -> Counts {
    WRITER_COUNTERS.map(|name| {
        series
            .iter()
            .find(|s| s.label("__name__") == name)
            .map_or_else(|| panic!("no {name} in the request"), |s| s.value)
    })
}

fn counts_now(registry: &Registry) -> Counts {
    WRITER_COUNTERS.map(|name| registry.sample_value(name, &[]).unwrap_or(f64::NAN))
}

fn plus(counts: Counts, requests: f64, failed: f64, samples: f64) -> Counts {
    [
        counts[0] + requests,
        counts[1] + failed,
        counts[2] + samples,
    ]
}

/// When the OpenMetrics exposition says the series of `family` whose line holds `holding`
/// was created, in milliseconds.
fn created_ms(openmetrics: &str, family: &str, holding: &str) -> i64 {
    (support::created_seconds(openmetrics, family, holding) * 1000.0).round() as i64
}

/// The series a 2.0 request of [`job_registry`] carries, the writer's own counters holding
/// `counts`, each with its family's metadata and, for counters and histograms, its
/// creation time as the registry's OpenMetrics exposition gives it.
fn expected(registry: &Registry, counts: Counts) -> Vec<Series> {
    let mut exposition = Vec::new();
    registry.encode_as(Format::OpenMetrics, &mut exposition);
    let om = String::from_utf8(exposition).expect("UTF-8");
    let series = |name: &str, extra: &[(&str, &str)], kind: &str, help: &str, created, value| {
        let mut labels = vec![
            ("__name__", name),
            ("instance", "loopback"),
            ("job", "rw2_test"),
        ];
        labels.extend_from_slice(extra);
        labels.sort();
        Series {
            labels: labels
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            kind: format!("METRIC_TYPE_{kind}"),
            help: help.to_owned(),
            unit: if name.contains("bytes") { "bytes" } else { "" }.to_owned(),
            created,
            value,
        }
    };
    let latency = created_ms(&om, "rw2_latency_seconds", "");
    let histogram = |suffix: &str, extra: &[(&str, &str)], value| {
        let name = format!("rw2_latency_seconds{suffix}");
        series(&name, extra, "HISTOGRAM", "Time to answer.", latency, value)
    };
    let writer_counter = |name: &str, help: &str, value| {
        let family = name.trim_end_matches("_total");
        series(
            name,
            &[],
            "COUNTER",
            help,
            created_ms(&om, family, ""),
            value,
        )
    };
    let requests = |path: &str, note: &str, value| {
        let created = created_ms(&om, "rw2_requests", &format!("path=\"{path}\""));
        let extra = [("note", note), ("path", path)];
        series(
            "rw2_requests_total",
            &extra,
            "COUNTER",
            "Requests served.",
            created,
            value,
        )
    };
    vec![
        histogram("_bucket", &[("le", "0.5")], 1.0),
        histogram("_bucket", &[("le", "1")], 2.0),
        histogram("_bucket", &[("le", "+Inf")], 2.0),
        histogram("_sum", &[], 1.0),
        histogram("_count", &[], 2.0),
        series(
            "rw2_queue_depth_bytes",
            &[],
            "GAUGE",
            "Bytes waiting.",
            0,
            4.5,
        ),
        requests("/a", NOTE, 3.0),
        requests("/b", "plain", 1.0),
        writer_counter(
            "tallymark_remote_write_requests_failed_total",
            "Remote-write requests that failed: receiver unreachable, no answer in time, \
             or an answer other than 2xx.",
            counts[1],
        ),
        writer_counter(
            "tallymark_remote_write_requests_total",
            "Remote-write requests the receiver accepted.",
            counts[0],
        ),
        writer_counter(
            "tallymark_remote_write_samples_total",
            "Samples in remote-write requests the receiver accepted.",
            counts[2],
        ),
    ]
}

/// Every string the series use is in the symbols once, `""` first, and nothing else is.
fn assert_symbols_are_the_strings_used(decoded: &Decoded) {
    let symbols: Vec<&str> = (decoded.json["symbols"].as_array().expect("symbols").iter())
        .map(|s| s.as_str().expect("a string"))
        .collect();
    assert_eq!(symbols.first(), Some(&""));
    let distinct: HashSet<&str> = symbols.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        symbols.len(),
        "a symbol twice in {symbols:?}"
    );
    let mut used: HashSet<&str> = HashSet::from([""]);
    for series in &decoded.series {
        used.extend(
            series
                .labels
                .iter()
                .flat_map(|(n, v)| [n.as_str(), v.as_str()]),
        );
        used.extend([series.help.as_str(), series.unit.as_str()]);
    }
    assert_eq!(distinct, used);
}

#[test]
fn a_2_0_request_carries_symbols_sorted_label_refs_metadata_and_created_timestamps() {
    let Some(judge) = RemoteWriteJudge::new() else {
        return;
    };
    let _alone = support::one_sender_at_a_time();
    let registry = job_registry();
    let receiver = LoopbackReceiver::start(vec![Answer::written(SERIES)]);
    let before_ms = unix_ms_now();
    let writer = writer(registry, &receiver, RemoteWriteVersion::V2);
    // The snapshot sent at start, then the flush's; a flush before the first send would
    // take its place.
    receiver.await_requests(1);
    writer.flush().expect("the receiver accepts 2.0");
    let after_ms = unix_ms_now();
    writer.stop();

    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let [first, second] = [&requests[0], &requests[1]].map(|r| {
        assert_sent_as(r, V2_CONTENT_TYPE, "2.0.0");
        judge.decode("2", r)
    });
    for decoded in [&first, &second] {
        assert_eq!(
            decoded.series,
            expected(registry, counts_sent(&decoded.series))
        );
        assert_symbols_are_the_strings_used(decoded);
        assert!((before_ms..=after_ms).contains(&decoded.timestamp));
        for series in &decoded.series {
            let names: Vec<&str> = series.labels.iter().map(|(n, _)| n.as_str()).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(names, sorted);
        }
    }
    // Accepted requests count the samples the receiver says it wrote.
    let sent = counts_sent(&first.series);
    assert_eq!(
        counts_sent(&second.series),
        plus(sent, 1.0, 0.0, SERIES as f64)
    );
    assert_eq!(
        counts_now(registry),
        plus(sent, 2.0, 0.0, 2.0 * SERIES as f64)
    );
}

/// A 2.0 writer whose receiver answers `first` to the 2.0 request: the same snapshot goes
/// again at once as 1.0, and so does every later one.
fn assert_falls_back_to_1_0_for_good(first: Answer) {
    let Some(judge) = RemoteWriteJudge::new() else {
        return;
    };
    let _alone = support::one_sender_at_a_time();
    let registry = job_registry();
    let receiver = LoopbackReceiver::start(vec![first, Answer::status(200)]);
    let writer = writer(registry, &receiver, RemoteWriteVersion::V2);
    // The snapshot sent at start goes as 2.0, then as 1.0.
    receiver.await_requests(2);
    writer.flush().expect("the receiver accepts 1.0");
    writer.flush().expect("the receiver accepts 1.0");
    writer.stop();

    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    assert_sent_as(&requests[0], V2_CONTENT_TYPE, "2.0.0");
    let refused = judge.decode("2", &requests[0]);
    let resent: Vec<Decoded> = requests[1..]
        .iter()
        .map(|r| {
            assert_sent_as(r, V1_CONTENT_TYPE, "0.1.0");
            judge.decode("1", r)
        })
        .collect();
    // The 1.0 request is the refused snapshot: the same series, values and timestamp.
    let plain = |series: &[Series]| -> Vec<(Vec<(String, String)>, f64)> {
        series.iter().map(|s| (s.labels.clone(), s.value)).collect()
    };
    assert_eq!(plain(&resent[0].series), plain(&refused.series));
    assert_eq!(resent[0].timestamp, refused.timestamp);
    assert_eq!(
        refused.series,
        expected(registry, counts_sent(&refused.series))
    );
    let families: Vec<String> = (resent[0].json["metadata"].as_array().expect("metadata"))
        .iter()
        .map(|m| format!("{} {} {} {}", m["family"], m["type"], m["help"], m["unit"]))
        .collect();
    assert_eq!(
        families,
        [
            r#""rw2_latency_seconds" "HISTOGRAM" "Time to answer." """#,
            r#""rw2_queue_depth_bytes" "GAUGE" "Bytes waiting." "bytes""#,
            r#""rw2_requests_total" "COUNTER" "Requests served." """#,
            r#""tallymark_remote_write_requests_failed_total" "COUNTER" "Remote-write requests that failed: receiver unreachable, no answer in time, or an answer other than 2xx." """#,
            r#""tallymark_remote_write_requests_total" "COUNTER" "Remote-write requests the receiver accepted." """#,
            r#""tallymark_remote_write_samples_total" "COUNTER" "Samples in remote-write requests the receiver accepted." """#,
        ]
    );
    // The refused 2.0 request counts as failed, each 1.0 one as accepted.
    let at_start = counts_sent(&refused.series);
    let counted: Vec<Counts> = resent.iter().map(|d| counts_sent(&d.series)).collect();
    assert_eq!(
        counted,
        [
            at_start,
            plus(at_start, 1.0, 1.0, SERIES as f64),
            plus(at_start, 2.0, 1.0, 2.0 * SERIES as f64),
        ]
    );
    assert_eq!(
        counts_now(registry),
        plus(at_start, 3.0, 1.0, 3.0 * SERIES as f64)
    );
}

#[test]
fn a_2xx_without_the_written_headers_makes_the_writer_fall_back_to_1_0_for_good() {
    assert_falls_back_to_1_0_for_good(Answer::status(200));
}

#[test]
fn a_415_makes_the_writer_fall_back_to_1_0_for_good() {
    let mut unsupported = Answer::status(415);
    unsupported.body = "unsupported proto".to_owned();
    assert_falls_back_to_1_0_for_good(unsupported);
}

/// How one version is sent and judged.
struct Speaking {
    content_type: &'static str,
    header: &'static str,
    judged_as: &'static str,
    /// A 2xx this version counts as written.
    accepted: Answer,
}

fn speaking(version: RemoteWriteVersion) -> Speaking {
    let (content_type, header, judged_as, accepted) = match version {
        RemoteWriteVersion::V2 => (V2_CONTENT_TYPE, "2.0.0", "2", Answer::written(SERIES)),
        _ => (V1_CONTENT_TYPE, "0.1.0", "1", Answer::status(200)),
    };
    Speaking {
        content_type,
        header,
        judged_as,
        accepted,
    }
}

impl Speaking {
    /// The writer's counters each of `requests` carries, each asserted sent in this version.
    fn counts_in(&self, judge: &RemoteWriteJudge, requests: &[Captured]) -> Vec<Counts> {
        requests
            .iter()
            .map(|r| {
                assert_sent_as(r, self.content_type, self.header);
                counts_sent(&judge.decode(self.judged_as, r).series)
            })
            .collect()
    }
}

#[test]
fn a_503_and_a_429_are_retried_with_backoff_in_both_versions() {
    let Some(judge) = RemoteWriteJudge::new() else {
        return;
    };
    for version in [RemoteWriteVersion::V1, RemoteWriteVersion::V2] {
        let _alone = support::one_sender_at_a_time();
        let speaking = speaking(version);
        let registry = job_registry();
        let receiver = LoopbackReceiver::start(vec![
            Answer::status(503),
            Answer::status(429),
            speaking.accepted.clone(),
        ]);
        let writer = writer(registry, &receiver, version);
        // No flush: the retries come on their own, after 20 ms and then 40 ms.
        receiver.await_requests(3);
        writer.flush().expect("the receiver accepts the request");
        writer.stop();
        let requests = receiver.requests();
        assert_eq!(requests.len(), 4, "{version:?}");
        let counted = speaking.counts_in(&judge, &requests);
        let at_start = counted[0];
        assert_eq!(
            counted,
            [
                at_start,
                plus(at_start, 0.0, 1.0, 0.0),
                plus(at_start, 0.0, 2.0, 0.0),
                plus(at_start, 1.0, 2.0, SERIES as f64),
            ],
            "{version:?}"
        );
    }
}

#[test]
fn a_400_is_not_retried_and_flush_reports_it_in_both_versions() {
    let Some(judge) = RemoteWriteJudge::new() else {
        return;
    };
    for version in [RemoteWriteVersion::V1, RemoteWriteVersion::V2] {
        let _alone = support::one_sender_at_a_time();
        let speaking = speaking(version);
        let registry = job_registry();
        let mut refusal = Answer::status(400);
        refusal.body = "out of order sample\n".to_owned();
        let receiver = LoopbackReceiver::start(vec![refusal]);
        let writer = writer(registry, &receiver, version);
        receiver.await_requests(1);
        // Twenty backoff periods: a retry would have come.
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(receiver.requests().len(), 1, "{version:?}");

        let error = writer.flush().expect_err("the receiver refuses");
        assert!(
            matches!(&error, PushError::Status { status: 400, .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("{} answered 400: out of order sample", receiver.url())
        );
        std::thread::sleep(Duration::from_millis(200));
        writer.stop();
        let requests = receiver.requests();
        assert_eq!(requests.len(), 2, "{version:?}");
        let counted = speaking.counts_in(&judge, &requests);
        assert_eq!(counted[1], plus(counted[0], 0.0, 1.0, 0.0), "{version:?}");
        assert_eq!(
            counts_now(registry),
            plus(counted[0], 0.0, 2.0, 0.0),
            "{version:?}"
        );
    }
}
