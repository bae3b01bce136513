use tallymark::{counted, metric, Counter};

/// Jobs run.
#[metric]
static JOBS_TOTAL: Counter = Counter::new();

#[counted(JOBS_TOTAL, objective(success = 99.9))]
fn job() {}

fn main() {
    job();
}
