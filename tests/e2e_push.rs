//! The Pushgateway client against a real `prometheus-pushgateway` on loopback: what each
//! call leaves in the gateway, read back from the gateway's own `/metrics`; and the
//! `batch_job` example pushing before it exits.
//!
//! Skips with a note without the gateway, and fails instead under `TALLYMARK_E2E=1`.

mod support;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use support::{run_example, Pushgateway};
use tallymark::push;
use tallymark::{Descriptor, Gauge, IntGauge, Registry};

/// A registry with `pushed_records` and, when given, `pushed_batches`.
fn registry(records: i64, batches: Option<f64>) -> Registry {
    const RECORDS: Descriptor = Descriptor::new("pushed_records", "Records in the last run.");
    const BATCHES: Descriptor = Descriptor::new("pushed_batches", "Batches in the last run.");
    let registry = Registry::new();
    let gauge = Arc::new(IntGauge::new().described(&RECORDS));
    gauge.set(records);
    registry.register(gauge).expect("register pushed_records");
    if let Some(batches) = batches {
        let gauge = Arc::new(Gauge::new().described(&BATCHES));
        gauge.set(batches);
        registry.register(gauge).expect("register pushed_batches");
    }
    registry
}

/// The gateway's `pushed_*` samples of job `job`, as exposition lines.
fn pushed(gateway: &Pushgateway, job: &str) -> Vec<String> {
    let job_label = format!("job=\"{job}\"");
    gateway
        .exposition()
        .lines()
        .filter(|l| l.starts_with("pushed_") && l.contains(&job_label))
        .map(str::to_owned)
        .collect()
}

#[test]
fn push_push_add_and_delete_manage_one_group() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let group = push::Pushgateway::new(&format!("http://{}", gateway.addr), "client_test")
        .expect("a gateway URL")
        .grouping("instance", "box-1")
        // A `/` cannot go in a path segment: the client sends it in base64url.
        .grouping("path", "/var/lib/data")
        // Sent with every request; this gateway has no auth configured and ignores it.
        .basic_auth("pusher", "s3cret");
    let labels = r#"{instance="box-1",job="client_test",path="/var/lib/data"}"#;

    group.push(&registry(3, Some(2.0))).expect("push");
    assert_eq!(
        pushed(&gateway, "client_test"),
        [
            format!("pushed_batches{labels} 2"),
            format!("pushed_records{labels} 3"),
        ]
    );

    // POST replaces only the families it carries.
    group.push_add(&registry(5, None)).expect("push_add");
    assert_eq!(
        pushed(&gateway, "client_test"),
        [
            format!("pushed_batches{labels} 2"),
            format!("pushed_records{labels} 5"),
        ]
    );

    // PUT replaces the whole group.
    group.push(&registry(7, None)).expect("push");
    assert_eq!(
        pushed(&gateway, "client_test"),
        [format!("pushed_records{labels} 7")]
    );

    group.delete().expect("delete");
    assert_eq!(pushed(&gateway, "client_test"), Vec::<String>::new());
}

/// The three calls, made one way or another: blocking or async, inside a runtime or not.
trait Calls {
    fn push(&self, group: &push::Pushgateway, registry: &Registry) -> Result<(), push::PushError>;
    fn push_add(
        &self,
        group: &push::Pushgateway,
        registry: &Registry,
    ) -> Result<(), push::PushError>;
    fn delete(&self, group: &push::Pushgateway) -> Result<(), push::PushError>;
}

/// The blocking calls, made from a task of a runtime's `block_on`, as in a
/// `#[tokio::main]` batch job.
struct BlockingInside(tokio::runtime::Runtime);

impl Calls for BlockingInside {
    fn push(&self, group: &push::Pushgateway, registry: &Registry) -> Result<(), push::PushError> {
        self.0.block_on(async { group.push(registry) })
    }
    fn push_add(
        &self,
        group: &push::Pushgateway,
        registry: &Registry,
    ) -> Result<(), push::PushError> {
        self.0.block_on(async { group.push_add(registry) })
    }
    fn delete(&self, group: &push::Pushgateway) -> Result<(), push::PushError> {
        self.0.block_on(async { group.delete() })
    }
}

/// The async calls, awaited in a spawned task, which needs their futures `Send` and
/// `'static`.
struct Async(tokio::runtime::Runtime);

impl Async {
    fn spawned(
        &self,
        call: impl std::future::Future<Output = Result<(), push::PushError>> + Send + 'static,
    ) -> Result<(), push::PushError> {
        self.0
            .block_on(async { tokio::spawn(call).await })
            .expect("the task runs to the end")
    }
}

impl Calls for Async {
    fn push(&self, group: &push::Pushgateway, registry: &Registry) -> Result<(), push::PushError> {
        self.spawned(group.push_async(registry))
    }
    fn push_add(
        &self,
        group: &push::Pushgateway,
        registry: &Registry,
    ) -> Result<(), push::PushError> {
        self.spawned(group.push_add_async(registry))
    }
    fn delete(&self, group: &push::Pushgateway) -> Result<(), push::PushError> {
        self.spawned(group.delete_async())
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current_thread runtime")
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a multi_thread runtime")
}

/// PUT, POST, PUT, DELETE through `calls`, each leaving exactly what it should.
fn assert_calls_manage_a_group(calls: &impl Calls, job: &str) {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let group = push::Pushgateway::new(&format!("http://{}", gateway.addr), job)
        .expect("a gateway URL")
        .grouping("instance", "box-1");
    let labels = format!("{{instance=\"box-1\",job=\"{job}\"}}");
    calls.push(&group, &registry(3, Some(2.0))).expect("push");
    assert_eq!(
        pushed(&gateway, job),
        [
            format!("pushed_batches{labels} 2"),
            format!("pushed_records{labels} 3"),
        ]
    );
    calls
        .push_add(&group, &registry(5, None))
        .expect("push_add");
    assert_eq!(
        pushed(&gateway, job),
        [
            format!("pushed_batches{labels} 2"),
            format!("pushed_records{labels} 5"),
        ]
    );
    calls.push(&group, &registry(7, None)).expect("push");
    assert_eq!(pushed(&gateway, job), [format!("pushed_records{labels} 7")]);
    calls.delete(&group).expect("delete");
    assert_eq!(pushed(&gateway, job), Vec::<String>::new());
}

#[test]
fn blocking_calls_work_inside_a_current_thread_runtime() {
    assert_calls_manage_a_group(&BlockingInside(current_thread()), "inside_current_thread");
}

#[test]
fn blocking_calls_work_inside_a_multi_thread_runtime() {
    assert_calls_manage_a_group(&BlockingInside(multi_thread()), "inside_multi_thread");
}

#[test]
fn async_calls_work_on_a_current_thread_runtime() {
    assert_calls_manage_a_group(&Async(current_thread()), "async_current_thread");
}

#[test]
fn async_calls_work_on_a_multi_thread_runtime() {
    assert_calls_manage_a_group(&Async(multi_thread()), "async_multi_thread");
}

#[test]
fn a_failed_call_inside_a_runtime_is_an_error_not_a_panic() {
    // A port that was free a moment ago: nothing listens there.
    let url = format!("http://127.0.0.1:{}", support::free_port());
    let group = push::Pushgateway::new(&url, "nobody").expect("a gateway URL");
    for runtime in [current_thread(), multi_thread()] {
        let blocking = runtime.block_on(async { group.delete() });
        let awaited = runtime.block_on(group.delete_async());
        for err in [blocking, awaited] {
            let err = err.expect_err("nothing listens");
            assert!(matches!(err, push::PushError::Connection { .. }), "{err:?}");
            assert!(
                err.to_string()
                    .starts_with(&format!("cannot reach {url}/metrics/job/nobody: ")),
                "{err}"
            );
        }
    }
}

#[test]
fn a_refused_push_is_an_error_with_the_gateways_reason() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let url = format!("http://{}", gateway.addr);
    // One name is a counter in one group and a gauge in another: the gateway refuses the
    // second, since it would expose both under one name.
    const KIND: Descriptor = Descriptor::new("pushed_kind_total", "A name with two types.");
    let counters = Registry::new();
    counters
        .register(Arc::new(tallymark::Counter::new().described(&KIND)))
        .expect("register the counter");
    let gauges = Registry::new();
    gauges
        .register(Arc::new(Gauge::new().described(&KIND)))
        .expect("register the gauge");
    push::Pushgateway::new(&url, "first")
        .expect("a gateway URL")
        .push(&counters)
        .expect("the first push");
    let group = push::Pushgateway::new(&url, "second").expect("a gateway URL");
    let registry = gauges;
    let err = group.push(&registry).expect_err("the gateway refuses it");
    assert!(
        matches!(err, push::PushError::Status { status: 400, .. }),
        "{err}"
    );
    // The gateway checks the groups in its own map order, so it names whichever of the two
    // it met second.
    let reason = err.to_string();
    assert!(
        reason.contains("collected metric \"pushed_kind_total\""),
        "{err}"
    );
    assert!(
        reason.contains("is not a COUNTER") || reason.contains("is not a GAUGE"),
        "{err}"
    );
}

/// A collector that yields one series twice, as a loop over a list with a repeat would.
struct Repeating;

impl tallymark::Collector for Repeating {
    fn collect(&self, out: &mut tallymark::Collection) {
        out.gauge("pushed_workers", "Workers by pool.")
            .sample(&[("pool", "io")], 4.0)
            .sample(&[("pool", "io")], 40.0)
            .sample(&[("pool", "cpu")], 2.0);
    }
}

#[test]
fn a_collector_that_repeats_a_series_still_pushes_each_identity_once() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let registry = Registry::new().with_self_metrics();
    registry.register_collector(Repeating);
    // The gateway answers 400 to a body that holds one series twice.
    push::Pushgateway::new(&format!("http://{}", gateway.addr), "repeating")
        .expect("a gateway URL")
        .push(&registry)
        .expect("push");
    let labels = |pool: &str| format!("{{instance=\"\",job=\"repeating\",pool=\"{pool}\"}}");
    assert_eq!(
        pushed(&gateway, "repeating"),
        [
            format!("pushed_workers{} 2", labels("cpu")),
            format!("pushed_workers{} 4", labels("io")),
        ]
    );
    let dropped: Vec<String> = gateway
        .exposition()
        .lines()
        .filter(|l| l.starts_with("tallymark_duplicate_series_dropped_total{"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        dropped,
        ["tallymark_duplicate_series_dropped_total{family=\"pushed_workers\",instance=\"\",job=\"repeating\"} 1"]
    );
}

#[test]
fn a_gzipped_push_is_read_by_the_gateway() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let group = push::Pushgateway::new(&format!("http://{}", gateway.addr), "gzipped")
        .expect("a gateway URL")
        .gzip();
    group.push(&registry(11, Some(0.5))).expect("push");
    assert_eq!(
        pushed(&gateway, "gzipped"),
        [
            r#"pushed_batches{instance="",job="gzipped"} 0.5"#,
            r#"pushed_records{instance="",job="gzipped"} 11"#,
        ]
    );
    // A delete has no body, so nothing to compress.
    group.delete().expect("delete");
    assert_eq!(pushed(&gateway, "gzipped"), Vec::<String>::new());
}

#[test]
fn batch_job_example_pushes_its_duration_and_last_success() {
    let Some(gateway) = Pushgateway::start() else {
        return;
    };
    let url = format!("http://{}", gateway.addr);
    let (code, _, stderr) = run_example("batch_job", &["--pushgateway", &url]);
    assert_eq!(code, Some(0), "batch_job failed: {stderr}");
    let exposition = gateway.exposition();
    let value = |name: &str| -> f64 {
        let prefix = format!("{name}{{instance=\"local\",job=\"batch_job\"}} ");
        let line = exposition
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {prefix} in\n{exposition}"));
        line[prefix.len()..].parse().expect("a number")
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs_f64();
    let last_success = value("batch_job_last_success_timestamp_seconds");
    assert!(
        (now - 60.0..=now + 1.0).contains(&last_success),
        "{last_success} vs {now}"
    );
    let duration = value("batch_job_duration_seconds");
    assert!(duration > 0.0 && duration < 10.0, "{duration}");
    assert!(value("batch_job_records_processed") >= 100.0);
}
