use tallymark::{counted, metric, Counter};

/// Jobs run.
#[metric]
static JOBS_TOTAL: Counter = Counter::new();

#[counted(JOBS_TOTAL, function = "Jobs::run")]
fn run() {}

fn main() {
    run();
}
