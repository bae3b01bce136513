use tallymark::{metric, Counter, CounterFamily, Histogram};

#[metric(labels(method, __path), colour = "red", budget = 10)]
static REQUESTS: CounterFamily<2> = CounterFamily::new();

/// Latency.
#[metric(buckets = [1.0, 0.5], unit = "seconds", unit = "ms")]
static LATENCY: Histogram = Histogram::new();

/// Jobs.
#[metric(labels(kind))]
static JOBS_TOTAL: Counter = Counter::new();

fn main() {
    REQUESTS.labels(["GET", "/"]).inc();
    LATENCY.observe(1.0);
    JOBS_TOTAL.inc();
}
