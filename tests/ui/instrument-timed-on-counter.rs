use tallymark::{metric, timed, Counter};

/// Total exports.
#[metric]
static EXPORTS_TOTAL: Counter = Counter::new();

#[timed(EXPORTS_TOTAL)]
fn export() {}

fn main() {
    export();
}
