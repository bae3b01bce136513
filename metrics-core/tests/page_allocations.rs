//! The page for people is written straight into the response buffer: once that buffer has
//! room, a page of many series allocates no more than a page of few, as a text scrape.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use tallymark_core::{CounterFamily, Descriptor, Format, HistogramFamily, Registry};

/// Counts the allocations of threads that asked to be counted: the test harness's own
/// threads allocate whenever they like.
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

const REQUESTS: Descriptor =
    Descriptor::new("requests_total", "Requests <served>.").with_labels(&["path"]);
const WAIT: Descriptor = Descriptor::new("wait_seconds", "Waits & delays.")
    .with_labels(&["queue"])
    .with_buckets(&[0.1, 0.5, 1.0, 5.0]);

/// A registry of `series` counter series and as many histogram series, with label values
/// that need escaping.
fn registry(series: usize) -> Registry {
    let registry = Registry::new();
    let requests = Arc::new(CounterFamily::<1>::new().described(&REQUESTS));
    let wait = Arc::new(HistogramFamily::<1>::new().described(&WAIT));
    for i in 0..series {
        let value = format!("<p{i}> & \"{i}\"");
        requests.labels([value.as_str()]).inc_by(i as u64);
        wait.labels([value.as_str()]).observe(i as f64 / 10.0);
    }
    registry.register(requests).unwrap();
    registry.register(wait).unwrap();
    registry
}

/// The allocations of one walk in `format` into a buffer with room to spare.
fn allocations(registry: &Registry, format: Format) -> usize {
    let mut out = Vec::with_capacity(8 << 20);
    let before = ALLOCATIONS.load(SeqCst);
    COUNTED.set(true);
    registry.encode_as(format, &mut out);
    COUNTED.set(false);
    let made = ALLOCATIONS.load(SeqCst) - before;
    assert!(out.len() < out.capacity(), "the buffer never had to grow");
    made
}

#[test]
fn the_page_allocates_nothing_per_series() {
    let few = registry(10);
    let many = registry(1_000);
    // A first walk of each, so nothing lazily built on the first scrape is counted.
    allocations(&few, Format::Html);
    allocations(&many, Format::Html);
    let page_few = allocations(&few, Format::Html);
    let page_many = allocations(&many, Format::Html);
    assert_eq!(page_few, page_many, "allocations grew with the series");
    // And no more than the text scrape's walk of the same registry.
    let text_many = allocations(&many, Format::Text);
    assert!(
        page_many <= text_many,
        "the page made {page_many} allocations, a text scrape {text_many}"
    );
}
