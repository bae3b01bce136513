//! The hot path of a static counter, gauge or histogram allocates nothing: it goes from
//! the call site straight to an atomic in the `static`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use tallymark_core::{Counter, Gauge, Histogram, IntGauge};

/// Counts the allocations of threads that asked to be counted: the test harness's own
/// threads allocate whenever they like, and must not be blamed on the hot path.
struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, SeqCst);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

static REQUESTS: Counter = Counter::new();
static DEPTH: Gauge = Gauge::new();
static CONNECTIONS: IntGauge = IntGauge::new();
static LATENCY: Histogram = Histogram::new();

#[test]
fn recording_into_statics_makes_no_allocation() {
    let before = ALLOCATIONS.load(SeqCst);
    COUNTED.set(true);
    for i in 0..10_000u32 {
        REQUESTS.inc();
        REQUESTS.inc_by(2);
        REQUESTS.inc_by_f64(0.5);
        DEPTH.set(f64::from(i));
        DEPTH.add(1.0);
        CONNECTIONS.inc();
        LATENCY.observe(f64::from(i) / 1000.0);
        let _timer = LATENCY.start_timer();
    }
    COUNTED.set(false);
    let after = ALLOCATIONS.load(SeqCst);
    assert_eq!(after - before, 0);
    assert_eq!(REQUESTS.get(), 35_000.0);
    assert_eq!(LATENCY.count(), 20_000);
}
