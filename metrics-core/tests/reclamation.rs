//! Removal frees: what `remove` and `clear` unlink is given back to the allocator and to the
//! budget, while threads that look up, record and keep handles at the same time lose no
//! increment and never touch freed memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;

use tallymark_core::{CounterFamily, Descriptor, HistogramFamily};

/// Counts the bytes held: every test here measures a difference on its own thread while the
/// others are idle, so the harness's own allocations are noise far below the margins.
struct CountingAllocator;

static HELD: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only adds up sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size() as isize, SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size() as isize, SeqCst);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Tests that measure bytes run one at a time, so that one's allocations are not another's.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

const SERIES: usize = 100_000;

const CHURN: Descriptor = Descriptor::new("churn_total", "Label sets that come and go.")
    .with_labels(&["pod"])
    .with_budget(SERIES);

fn held() -> isize {
    HELD.load(SeqCst)
}

#[test]
fn clearing_a_hundred_thousand_series_gives_back_nine_tenths_of_their_bytes() {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let family = CounterFamily::<1>::new().described(&CHURN);
    let before = held();
    for i in 0..SERIES {
        family.labels([&format!("pod-{i:06}")]).inc();
    }
    let filled = held() - before;
    assert!(filled > 0);
    family.clear();
    let left = held() - before;
    assert!(
        left * 10 <= filled,
        "{left} of {filled} bytes still held after clear()"
    );
    assert_eq!(family.overflowed(), 0);
}

#[test]
fn ten_cleared_rounds_stay_within_two_megabytes_of_one_and_never_overflow() {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let family = HistogramFamily::<1>::new().described(&CHURN);
    let before = held();
    let mut first_peak = 0;
    let mut peaks = Vec::new();
    for round in 0..10 {
        for i in 0..SERIES {
            family.labels([&format!("r{round}-{i:06}")]).observe(0.25);
        }
        let peak = held() - before;
        if round == 0 {
            first_peak = peak;
        }
        peaks.push(peak);
        family.clear();
    }
    let worst = peaks.iter().copied().max().unwrap_or(0);
    assert!(
        worst - first_peak <= 2 << 20,
        "peaks per round {peaks:?}: the worst is more than 2 MB above the first"
    );
    assert!(held() - before <= first_peak / 10, "cleared at the end");
    assert_eq!(family.overflowed(), 0);
}

/// Stable label sets counted by several threads while another churns the same family
/// (inserting, removing and clearing other label sets, which grows, rebuilds and empties
/// the index under them) and records through handles it keeps past their removal.
#[test]
fn lookups_racing_removals_lose_no_increment() {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    const COUNTERS: usize = 2;
    const STABLE: usize = 64;
    const ROUNDS: u64 = 2_000;
    const DESC: Descriptor = Descriptor::new("race_total", "Races.")
        .with_labels(&["key"])
        .with_budget(1 << 20);
    static STABLE_SETS: CounterFamily<1> = CounterFamily::new().described(&DESC);
    static CHURNED: CounterFamily<1> = CounterFamily::new().described(&DESC);
    let (stable, churned) = (&STABLE_SETS, &CHURNED);
    let done = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(COUNTERS + 1));

    let counters: Vec<_> = (0..COUNTERS)
        .map(|_| {
            let start = start.clone();
            thread::spawn(move || {
                let keys: Vec<String> = (0..STABLE).map(|k| format!("stable-{k}")).collect();
                start.wait();
                for round in 0..ROUNDS {
                    for key in &keys {
                        stable.labels([key]).inc();
                    }
                    // Lookups of label sets that the churner is removing: whatever they
                    // find must be a live allocation.
                    let churn_key = format!("churn-{}", round % 512);
                    churned.labels([&churn_key]).inc();
                }
            })
        })
        .collect();

    let churner = {
        let (done, start) = (done.clone(), start.clone());
        thread::spawn(move || {
            start.wait();
            let mut kept = Vec::new();
            let mut rounds = 0u64;
            while !done.load(SeqCst) {
                for i in 0..512 {
                    churned.labels([&format!("churn-{i}")]).inc();
                }
                // A series of its own each round, kept past its removal.
                kept.push(churned.handle(["kept"]));
                assert!(churned.remove(["kept"]));
                for i in (0..512).step_by(2) {
                    churned.remove([&format!("churn-{i}")]);
                }
                if rounds % 8 == 7 {
                    churned.clear();
                }
                // Handles taken before the removal record into their series, unseen.
                for handle in &kept {
                    handle.inc();
                }
                rounds += 1;
            }
            (kept, rounds)
        })
    };

    counters.into_iter().for_each(|t| t.join().unwrap());
    done.store(true, SeqCst);
    let (kept, rounds) = churner.join().unwrap();
    assert!(rounds > 0);

    for k in 0..STABLE {
        let key = format!("stable-{k}");
        assert_eq!(
            stable.labels([&key]).get(),
            (COUNTERS as u64 * ROUNDS) as f64,
            "{key}"
        );
    }
    // The handle kept in round n was incremented once in each round from n on, and by
    // nothing else.
    let counts: Vec<f64> = kept.iter().map(|h| h.get()).collect();
    let expected: Vec<f64> = (0..rounds).map(|n| (rounds - n) as f64).collect();
    assert_eq!(counts, expected);
    assert_eq!(churned.labels(["kept"]).get(), 0.0);
}

#[test]
fn a_series_ref_held_across_a_clear_stays_usable_and_the_memory_follows_later() {
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let family = CounterFamily::<1>::new().described(&CHURN);
    let before = held();
    for i in 0..10_000 {
        family.labels([&format!("pod-{i:05}")]).inc();
    }
    let held_ref = family.labels(["pod-00000"]);
    let filled = held() - before;
    // Pinned on this very thread: the clear cannot free yet, and must not wait for it.
    family.clear();
    held_ref.inc();
    assert_eq!(held_ref.get(), 2.0);
    assert_eq!(family.labels(["pod-00000"]).get(), 0.0, "a new series");
    drop(held_ref);
    family.clear();
    assert!(
        (held() - before) * 10 <= filled,
        "freed once the reference went"
    );
}

#[test]
fn label_sets_removed_and_added_in_turn_keep_one_series_each() {
    let family = CounterFamily::<1>::new().described(&CHURN);
    let keys: Vec<String> = (0..64).map(|k| format!("k{k}")).collect();
    for round in 0..2_000 {
        let key = &keys[round % keys.len()];
        family.labels([key]).inc();
        if round % 3 == 0 {
            assert!(family.remove([key]));
        }
    }
    // Tombstones were reused and the index rebuilt under these removals; every live key
    // is found once, with what it counted since its last removal.
    let mut expected = vec![0.0; keys.len()];
    for round in 0..2_000 {
        let k = round % keys.len();
        expected[k] += 1.0;
        if round % 3 == 0 {
            expected[k] = 0.0;
        }
    }
    let counts: Vec<f64> = keys.iter().map(|k| family.labels([k]).get()).collect();
    assert_eq!(counts, expected);
}
