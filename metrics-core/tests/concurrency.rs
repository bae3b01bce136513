//! No increment is lost when threads race.

use std::sync::Arc;
use std::thread;

use tallymark_core::{Counter, CounterFamily, Descriptor};

const THREADS: usize = 2;
const PER_THREAD: u64 = 1_000_000;

static PLAIN: Counter = Counter::new();

const LABELLED: Descriptor = Descriptor::new("raced_total", "Raced.").with_labels(&["who"]);
static RACED: CounterFamily<1> = CounterFamily::new().described(&LABELLED);

#[test]
fn two_threads_of_a_million_increments_count_exactly_two_million() {
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..PER_THREAD {
                    PLAIN.inc();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(PLAIN.get(), 2_000_000.0);
}

#[test]
fn two_threads_racing_on_one_label_set_count_exactly_two_million() {
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..PER_THREAD {
                    // A fresh lookup every time, so creation of the series races too.
                    RACED.labels(["both"]).inc();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(RACED.labels(["both"]).get(), 2_000_000.0);
}
