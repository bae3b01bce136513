//! A batch job that ends before Prometheus could scrape it, so it hands its metrics on
//! before exiting: to a Pushgateway, as the Python client's `push_to_gateway` does (the
//! `push` feature, `tallymark = { features = ["push"] }`), to a file that node_exporter's
//! textfile collector reads, by remote write to Prometheus or Mimir (the `remote-write`
//! feature), by OTLP to an OpenTelemetry Collector (the `otlp` feature), or to several of
//! them.
//!
//! ```text
//! prometheus-pushgateway &                           # listens on 127.0.0.1:9091
//! cargo run --example batch_job
//! cargo run --example batch_job -- --pushgateway http://127.0.0.1:9091 --instance db-1
//! curl -s http://127.0.0.1:9091/metrics | grep batch_job
//!
//! # node_exporter --collector.textfile.directory=/var/lib/node_exporter/textfile
//! cargo run --example batch_job -- --textfile /var/lib/node_exporter/textfile/batch_job.prom
//!
//! # prometheus --web.enable-remote-write-receiver --web.listen-address=127.0.0.1:9095 &
//! cargo run --example batch_job -- --remote-write http://127.0.0.1:9095/api/v1/write
//! cargo run --example batch_job -- --remote-write http://127.0.0.1:9095/api/v1/write \
//!     --remote-write-version 2
//!
//! # otelcol with an `otlp` receiver on its default HTTP port 4318
//! cargo run --example batch_job -- --otlp http://127.0.0.1:4318
//! ```
//!
//! With no flag, the job pushes to the Pushgateway on 127.0.0.1:9091. Each destination
//! given is tried; the job exits 1 with the reason if any of them failed. Remote write
//! sends 1.0 unless `--remote-write-version 2` asks for 2.0 (which falls back to 1.0 when
//! the receiver reads only that).
//!
//! `--emit rules|dashboard|reference` prints that artefact of the job's catalog and exits
//! without running the job.
//!
//! Alert on a job that stopped succeeding with
//! `time() - batch_job_last_success_timestamp_seconds > 3600`.

mod support;

use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tallymark::otlp::OtlpExporter;
use tallymark::push::Pushgateway;
use tallymark::remote_write::{RemoteWriteVersion, RemoteWriter};
use tallymark::{metric, Gauge, IntGauge};

/// How long the last run of the batch job took, in seconds.
#[metric]
static BATCH_JOB_DURATION_SECONDS: Gauge = Gauge::new();

/// When the batch job last succeeded, in Unix seconds.
#[metric]
static BATCH_JOB_LAST_SUCCESS_TIMESTAMP_SECONDS: Gauge = Gauge::new();

/// Records the last run of the batch job processed.
#[metric]
static BATCH_JOB_RECORDS_PROCESSED: IntGauge = IntGauge::new();

struct Args {
    pushgateway: Option<String>,
    textfile: Option<String>,
    remote_write: Option<String>,
    remote_write_version: Option<RemoteWriteVersion>,
    otlp: Option<String>,
    instance: String,
}

const USAGE: &str = "usage: batch_job [--pushgateway URL] [--textfile PATH] \
    [--remote-write URL [--remote-write-version 1|2]] [--otlp URL] [--instance NAME] \
    [--emit rules|dashboard|reference]";

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        pushgateway: None,
        textfile: None,
        remote_write: None,
        remote_write_version: None,
        otlp: None,
        instance: "local".to_owned(),
    };
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("`{arg}` needs a value; {USAGE}"))
        };
        match arg.as_str() {
            "--pushgateway" => parsed.pushgateway = Some(value()?),
            "--textfile" => parsed.textfile = Some(value()?),
            "--remote-write" => parsed.remote_write = Some(value()?),
            "--remote-write-version" => {
                parsed.remote_write_version = Some(match value()?.as_str() {
                    "1" => RemoteWriteVersion::V1,
                    "2" => RemoteWriteVersion::V2,
                    other => {
                        return Err(format!(
                            "`--remote-write-version {other}`: the version is 1 or 2; {USAGE}"
                        ))
                    }
                });
            }
            "--otlp" => parsed.otlp = Some(value()?),
            "--instance" => parsed.instance = value()?,
            "--emit" => match support::emit(args.next())? {},
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        }
    }
    if parsed.remote_write_version.is_some() && parsed.remote_write.is_none() {
        return Err(format!(
            "`--remote-write-version` needs `--remote-write URL`; {USAGE}"
        ));
    }
    if parsed.pushgateway.is_none()
        && parsed.textfile.is_none()
        && parsed.remote_write.is_none()
        && parsed.otlp.is_none()
    {
        parsed.pushgateway = Some("http://127.0.0.1:9091".to_owned());
    }
    Ok(parsed)
}

/// Sends the global registry once by remote write, labelled as the Pushgateway group is.
fn remote_write(url: &str, args: &Args) -> Result<(), tallymark::PushError> {
    let writer = RemoteWriter::builder(url)
        .label("job", "batch_job")
        .label("instance", &args.instance)
        .protocol(args.remote_write_version.unwrap_or_default())
        .start()?;
    let sent = writer.flush();
    writer.stop();
    sent
}

/// Sends the global registry once by OTLP, the service named as the Pushgateway job is and
/// the instance as OpenTelemetry spells it.
fn otlp(endpoint: &str, args: &Args) -> Result<(), tallymark::PushError> {
    let exporter = OtlpExporter::builder(endpoint)
        .service_name("batch_job")
        .resource_attribute("service.instance.id", &args.instance)
        .start()?;
    let sent = exporter.flush();
    exporter.stop();
    sent
}

/// The job's work: a few pretend records.
fn run_job() -> i64 {
    let records = fastrand::i64(100..=1000);
    sleep(Duration::from_millis(fastrand::u64(20..=80)));
    records
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("batch_job: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let records = run_job();
    BATCH_JOB_RECORDS_PROCESSED.set(records);
    BATCH_JOB_DURATION_SECONDS.set(started.elapsed().as_secs_f64());
    BATCH_JOB_LAST_SUCCESS_TIMESTAMP_SECONDS.set_to_current_time();

    let mut failed = false;
    if let Some(path) = &args.textfile {
        match tallymark::textfile::write(path, tallymark::registry()) {
            Ok(()) => println!("Processed {records} records; wrote {path}"),
            Err(e) => {
                eprintln!("batch_job: {e}");
                failed = true;
            }
        }
    }
    if let Some(url) = &args.pushgateway {
        // The group is the job and the instance: a later run replaces this run's values.
        let pushed = Pushgateway::new(url, "batch_job")
            .map(|gateway| gateway.grouping("instance", &args.instance))
            .and_then(|gateway| gateway.push(tallymark::registry()));
        match pushed {
            Ok(()) => println!("Processed {records} records; pushed to {url}"),
            Err(e) => {
                eprintln!("batch_job: push failed: {e}");
                failed = true;
            }
        }
    }
    if let Some(url) = &args.remote_write {
        match remote_write(url, &args) {
            Ok(()) => println!("Processed {records} records; remote-wrote to {url}"),
            Err(e) => {
                eprintln!("batch_job: remote write failed: {e}");
                failed = true;
            }
        }
    }
    if let Some(endpoint) = &args.otlp {
        match otlp(endpoint, &args) {
            Ok(()) => println!("Processed {records} records; exported by OTLP to {endpoint}"),
            Err(e) => {
                eprintln!("batch_job: OTLP export failed: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
