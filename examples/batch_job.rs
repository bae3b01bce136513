//! A batch job that ends before Prometheus could scrape it, so it pushes its metrics to a
//! Pushgateway before exiting, as the Python client's `push_to_gateway` does. Needs the
//! `push` feature (`tallymark = { features = ["push"] }`).
//!
//! ```text
//! prometheus-pushgateway &                           # listens on 127.0.0.1:9091
//! cargo run --example batch_job
//! cargo run --example batch_job -- --pushgateway http://127.0.0.1:9091 --instance db-1
//! curl -s http://127.0.0.1:9091/metrics | grep batch_job
//! ```
//!
//! Alert on a job that stopped succeeding with
//! `time() - batch_job_last_success_timestamp_seconds > 3600`.

use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tallymark::push::Pushgateway;
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
    pushgateway: String,
    instance: String,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: batch_job [--pushgateway URL] [--instance NAME]";
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        pushgateway: "http://127.0.0.1:9091".to_owned(),
        instance: "local".to_owned(),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pushgateway" => parsed.pushgateway = args.next().ok_or(usage)?,
            "--instance" => parsed.instance = args.next().ok_or(usage)?,
            other => return Err(format!("unknown argument `{other}`; {usage}")),
        }
    }
    Ok(parsed)
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

    // The group is the job and the instance: a later run replaces this run's values.
    let pushed = Pushgateway::new(&args.pushgateway, "batch_job")
        .map(|gateway| gateway.grouping("instance", &args.instance))
        .and_then(|gateway| gateway.push(tallymark::registry()));
    match pushed {
        Ok(()) => {
            println!(
                "Processed {records} records; pushed to {}",
                args.pushgateway
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("batch_job: push failed: {e}");
            ExitCode::FAILURE
        }
    }
}
