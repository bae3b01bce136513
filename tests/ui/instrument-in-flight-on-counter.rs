use tallymark::{in_flight, metric, Counter};

/// Total uploads.
#[metric]
static UPLOADS_TOTAL: Counter = Counter::new();

#[in_flight(UPLOADS_TOTAL)]
fn upload() {}

fn main() {
    upload();
}
