use tallymark::{metric, Counter};

/// Jobs run.
#[metric]
static JOBS: Counter = Counter::new();

/// Jobs failed.
#[metric(name = "jobs_failed")]
static FAILED_TOTAL: Counter = Counter::new();

fn main() {}
