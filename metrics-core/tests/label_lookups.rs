//! Finding the series of a string label set: lookups take no lock, so every label set must
//! still map to exactly one series while others are added, the index grows, and label sets
//! are removed and come back.

use std::sync::{Arc, Barrier};
use std::thread;

use tallymark_core::{CounterFamily, Descriptor, Registry};

const PAIRS: Descriptor =
    Descriptor::new("pairs_total", "By two labels.").with_labels(&["first", "second"]);

/// Values that read alike once escaped, that are empty, or that are long: each is a label
/// value of its own.
const TRICKY: [&str; 8] = [
    "",
    "a",
    "a\"",
    "a\\\"",
    "a\\",
    "a\nb",
    "a\\nb",
    "a rather long label value, longer than any word a comparison reads at once",
];

#[test]
fn every_label_set_has_one_series_across_index_growth() {
    let family = CounterFamily::<2>::new().described(&PAIRS);
    let values: Vec<String> = (0..2000).map(|i| format!("value-{i}")).collect();
    for (i, value) in values.iter().enumerate() {
        family.labels([value, "x"]).inc_by(i as u64);
    }
    for (i, value) in values.iter().enumerate() {
        assert_eq!(family.labels([value, "x"]).get(), i as f64, "{value}");
        assert_eq!(family.labels(["x", value]).get(), 0.0, "{value} second");
    }
}

#[test]
fn values_that_escape_alike_stay_apart() {
    let family = CounterFamily::<2>::new().described(&PAIRS);
    for (i, first) in TRICKY.iter().enumerate() {
        for (j, second) in TRICKY.iter().enumerate() {
            family
                .labels([first, second])
                .inc_by((i * TRICKY.len() + j) as u64);
        }
    }
    for (i, first) in TRICKY.iter().enumerate() {
        for (j, second) in TRICKY.iter().enumerate() {
            let want = (i * TRICKY.len() + j) as f64;
            assert_eq!(
                family.labels([first, second]).get(),
                want,
                "{first:?} {second:?}"
            );
        }
    }
}

#[test]
fn threads_creating_and_finding_label_sets_at_once_lose_nothing() {
    const THREADS: usize = 2;
    const SETS: usize = 3000;
    let family = Arc::new(CounterFamily::<2>::new().described(&PAIRS));
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (family, barrier) = (Arc::clone(&family), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                // Each thread walks the sets in its own order, so both create some.
                for k in 0..SETS {
                    let k = if t == 0 { k } else { SETS - 1 - k };
                    family.labels([&k.to_string(), "shared"]).inc();
                }
            })
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().unwrap());
    for k in 0..SETS {
        assert_eq!(family.labels([&k.to_string(), "shared"]).get(), 2.0, "{k}");
    }
    let registry = Registry::new();
    registry.register(family).unwrap();
    let series = registry
        .render()
        .lines()
        .filter(|l| l.starts_with("pairs_total{"))
        .count();
    assert_eq!(series, SETS);
}

#[test]
fn a_handle_kept_past_removal_records_into_the_removed_series_unseen() {
    let family = Arc::new(CounterFamily::<2>::new().described(&PAIRS));
    let kept = family.handle(["a", "b"]);
    kept.inc_by(5);
    assert!(family.remove(["a", "b"]));
    assert!(!family.remove(["a", "b"]));
    kept.inc();
    assert_eq!(kept.get(), 6.0);
    // Looked up again, the label set is a new series at zero; the handle keeps its own.
    let again = family.labels(["a", "b"]);
    assert_eq!(again.get(), 0.0);
    kept.inc();
    assert_eq!((again.get(), kept.get()), (0.0, 7.0));
    drop(again);
    let registry = Registry::new();
    registry.register(family.clone()).unwrap();
    let rendered = registry.render();
    let series: Vec<_> = rendered
        .lines()
        .filter(|l| l.starts_with("pairs_total{"))
        .collect();
    assert_eq!(series, [r#"pairs_total{first="a",second="b"} 0"#]);
}

#[test]
fn removed_label_sets_give_their_budget_back() {
    const SMALL: Descriptor = Descriptor::new("small_total", "Small.")
        .with_labels(&["first", "second"])
        .with_budget(2);
    let family = CounterFamily::<2>::new().described(&SMALL);
    family.labels(["a", "1"]).inc();
    family.labels(["b", "1"]).inc();
    family.clear();
    family.labels(["c", "1"]).inc();
    family.labels(["d", "1"]).inc();
    assert_eq!(family.overflowed(), 0);
    assert!(family.remove(["c", "1"]));
    family.labels(["e", "1"]).inc();
    assert_eq!(family.overflowed(), 0);
    // Two live label sets: the budget is spent until one goes.
    family.labels(["f", "1"]).inc();
    assert_eq!(family.overflowed(), 1);
    let folded = family.labels(["a", "1"]);
    assert!(
        std::ptr::eq(&*folded, &*family.labels(["f", "1"])),
        "both fold"
    );
    assert_eq!((folded.get(), family.overflowed()), (1.0, 3));
}
