//! A global allocator that counts, for the allocation report: how many allocations a piece
//! of code makes, and how many bytes it leaves allocated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Forwards to the system allocator and counts calls and bytes. Install it with
/// `#[global_allocator]` in the one target that reports allocations, so that no timing
/// pays for the counting.
#[derive(Debug)]
pub struct CountingAllocator {
    allocations: AtomicU64,
    allocated: AtomicU64,
    freed: AtomicU64,
}

/// The counters at one moment; subtract two to measure what happened in between.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Calls to `alloc`, `alloc_zeroed` and `realloc`.
    pub allocations: u64,
    /// Bytes handed out, counting a `realloc` as a new block.
    pub allocated: u64,
    /// Bytes given back, counting a `realloc` as freeing the old block.
    pub freed: u64,
}

impl Snapshot {
    /// Bytes still allocated out of what was allocated since `earlier`.
    pub fn live_since(&self, earlier: &Snapshot) -> i64 {
        let allocated = self.allocated - earlier.allocated;
        let freed = self.freed - earlier.freed;
        allocated as i64 - freed as i64
    }

    /// Allocations made since `earlier`.
    pub fn allocations_since(&self, earlier: &Snapshot) -> u64 {
        self.allocations - earlier.allocations
    }
}

impl CountingAllocator {
    /// An allocator with every count at zero.
    pub const fn new() -> Self {
        CountingAllocator {
            allocations: AtomicU64::new(0),
            allocated: AtomicU64::new(0),
            freed: AtomicU64::new(0),
        }
    }

    /// The counts so far.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            allocations: self.allocations.load(Relaxed),
            allocated: self.allocated.load(Relaxed),
            freed: self.freed.load(Relaxed),
        }
    }

    fn count_alloc(&self, size: usize) {
        self.allocations.fetch_add(1, Relaxed);
        self.allocated.fetch_add(size as u64, Relaxed);
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        CountingAllocator::new()
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract; the
// counting touches only atomics and never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count_alloc(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.count_alloc(layout.size());
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.freed.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count_alloc(new_size);
        self.freed.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
