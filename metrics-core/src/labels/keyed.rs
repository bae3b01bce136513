//! The series of a family keyed by values known only at run time (strings, integers): found
//! by hash without taking a lock or touching a reference count, and freed once removed.
//!
//! Each label set is an [`Entry`] in its own `Arc`. An open-addressing index of pointers
//! finds them; the index owns one share of every entry it links. Writers (new label sets,
//! removals, growth) take one lock and publish with release stores; readers pin the epoch
//! (`crossbeam-epoch`) and only load. What a writer unlinks (an entry, or an index that was
//! grown or emptied) is dropped through the epoch, once no reader pinned before the unlink
//! is still running, so a reader never sees freed memory and never pays for a count.
//!
//! A scrape walks its own list of shares, sorted by label values, so that it neither probes
//! the index nor blocks new label sets while it writes.

// The one module that dereferences pointers: the index holds `Arc::into_raw` pointers, and
// the epoch is what keeps them valid. Every `unsafe` block says why it holds.
#![allow(unsafe_code)]

use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crossbeam_epoch::{self as epoch, Atomic, Guard, Owned};

use crate::labels::series::Labelled;

pub(crate) use crossbeam_epoch::pin;

/// Slots in the smallest index.
const FIRST_INDEX: usize = 16;
/// How many times a clear lets the epoch advance, so that what it unlinked is freed before
/// it returns when no other thread is reading: a deferred drop runs two epochs on.
const CLEAR_FLUSHES: usize = 3;

/// One label set: its hash, the key the family compares with, and its series.
pub(crate) struct Entry<K, S> {
    hash: u64,
    pub(crate) key: K,
    live: AtomicBool,
    /// Kept by a call site (see [`crate::SiteSeries`]): removed, it waits in the parked list
    /// so that the label set, looked up again, takes this entry back.
    sticky: AtomicBool,
    pub(crate) labelled: Labelled<S>,
}

impl<K, S> Entry<K, S> {
    pub(crate) fn new(hash: u64, key: K, labelled: Labelled<S>) -> Self {
        Entry {
            hash,
            key,
            live: AtomicBool::new(false),
            sticky: AtomicBool::new(false),
            labelled,
        }
    }

    /// Whether the label set is linked and exported (not removed).
    #[inline]
    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

/// An array of slots, each empty (null), a removed entry's place ([`tombstone`]), or an
/// entry's `Arc::into_raw` pointer. Never more than half full, so every probe ends.
struct Index<K, S> {
    slots: Box<[AtomicPtr<Entry<K, S>>]>,
}

impl<K, S> Index<K, S> {
    fn with_slots(count: usize) -> Self {
        Index {
            slots: (0..count)
                .map(|_| AtomicPtr::new(ptr::null_mut()))
                .collect(),
        }
    }

    /// Every linked entry's pointer.
    fn linked(&self) -> impl Iterator<Item = *mut Entry<K, S>> + '_ {
        self.slots
            .iter()
            .map(|slot| slot.load(Ordering::Relaxed))
            .filter(|&p| !p.is_null() && p != tombstone())
    }
}

/// What a removed entry leaves in its slot, so that probes go on past it. No allocation has
/// this address: it is the type's alignment.
fn tombstone<K, S>() -> *mut Entry<K, S> {
    NonNull::dangling().as_ptr()
}

/// What only writers touch.
struct Books<K, S> {
    /// Slots of the current index that are not empty: linked entries and tombstones.
    used: usize,
    /// Shares of the entries linked since the last scrape, for the scrape to take.
    fresh: Vec<Arc<Entry<K, S>>>,
    /// Removed entries that call sites keep, waiting to be taken back.
    parked: Vec<Arc<Entry<K, S>>>,
    /// Removals so far, so that a scrape knows when to drop removed entries from its list.
    removals: usize,
}

/// The scrape's list of shares, sorted by label values up to `sorted`.
struct Order<K, S> {
    entries: Vec<Arc<Entry<K, S>>>,
    sorted: usize,
    removals_seen: usize,
}

/// The right to change the map: the writer lock, held until this is dropped.
pub(crate) struct Writer<'a, K, S> {
    books: MutexGuard<'a, Books<K, S>>,
}

pub(crate) struct Keyed<K, S> {
    index: Atomic<Index<K, S>>,
    live: AtomicUsize,
    books: Mutex<Books<K, S>>,
    order: Mutex<Order<K, S>>,
}

impl<K, S> Keyed<K, S>
where
    K: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    pub(crate) const fn new() -> Self {
        Keyed {
            index: Atomic::null(),
            live: AtomicUsize::new(0),
            books: Mutex::new(Books {
                used: 0,
                fresh: Vec::new(),
                parked: Vec::new(),
                removals: 0,
            }),
            order: Mutex::new(Order {
                entries: Vec::new(),
                sorted: 0,
                removals_seen: 0,
            }),
        }
    }

    /// Label sets linked now: what the budget counts.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// The linked entry with `hash` that `matches` accepts; it stays valid while `guard` is
    /// held, even if it is removed meanwhile.
    #[inline(always)]
    pub(crate) fn find<'g>(
        &'g self,
        guard: &'g Guard,
        hash: u64,
        matches: impl Fn(&Entry<K, S>) -> bool,
    ) -> Option<&'g Entry<K, S>> {
        // SAFETY: an index is destroyed only through `defer_destroy` once it is no longer
        // `self.index`, so one loaded under `guard` outlives `guard`.
        let index = unsafe { self.index.load(Ordering::Acquire, guard).as_ref() }?;
        let mask = index.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let pointer = index.slots.get(at)?.load(Ordering::Acquire);
            if pointer.is_null() {
                return None;
            }
            if pointer != tombstone() {
                // SAFETY: a pointer in a slot is a linked entry's `Arc::into_raw`; the
                // index's share of it is dropped only through the epoch after it is
                // unlinked, so it outlives `guard`, which was pinned before this load.
                let entry = unsafe { &*pointer };
                if entry.hash == hash && matches(entry) {
                    return Some(entry);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// A share of an entry that [`Keyed::find`] or [`Keyed::link`] returned under `guard`,
    /// to keep past it.
    pub(crate) fn share(&self, _guard: &Guard, entry: &Entry<K, S>) -> Arc<Entry<K, S>> {
        let pointer: *const Entry<K, S> = entry;
        // SAFETY: every entry was made by `Arc::new` and is reached through its
        // `Arc::into_raw` pointer; pinned, at least the index's share is still alive, so the
        // count is above zero and may be raised.
        unsafe {
            Arc::increment_strong_count(pointer);
            Arc::from_raw(pointer)
        }
    }

    /// The lock that every change takes.
    pub(crate) fn write(&self) -> Writer<'_, K, S> {
        Writer {
            books: self.books.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Takes back a removed entry that a call site keeps, for the family to reset and link.
    pub(crate) fn unpark(
        &self,
        writer: &mut Writer<'_, K, S>,
        hash: u64,
        matches: impl Fn(&Entry<K, S>) -> bool,
    ) -> Option<Arc<Entry<K, S>>> {
        let parked = &mut writer.books.parked;
        let at = parked.iter().position(|e| e.hash == hash && matches(e))?;
        Some(parked.swap_remove(at))
    }

    /// Marks an entry as kept by a call site.
    pub(crate) fn make_sticky(&self, _writer: &Writer<'_, K, S>, entry: &Entry<K, S>) {
        entry.sticky.store(true, Ordering::Relaxed);
    }

    /// Links an entry that is not linked, and returns it for as long as `guard` is held.
    pub(crate) fn link<'g>(
        &'g self,
        writer: &mut Writer<'_, K, S>,
        guard: &'g Guard,
        entry: Arc<Entry<K, S>>,
    ) -> &'g Entry<K, S> {
        entry.live.store(true, Ordering::Release);
        writer.books.fresh.push(Arc::clone(&entry));
        let live = self.live.load(Ordering::Relaxed) + 1;
        let index = self.index_for(writer, guard, live);
        let hash = entry.hash;
        let pointer = Arc::into_raw(entry).cast_mut();
        if place(index, hash, pointer) {
            writer.books.used += 1;
        }
        self.live.store(live, Ordering::Relaxed);
        // SAFETY: the pointer was just made by `Arc::into_raw`, and the index's share it
        // stands for is dropped only through the epoch, after `guard`.
        unsafe { &*pointer }
    }

    /// Unlinks an entry; returns whether it was linked. Readers pinned before keep it until
    /// they let go.
    pub(crate) fn remove(
        &self,
        writer: &mut Writer<'_, K, S>,
        guard: &Guard,
        entry: &Entry<K, S>,
    ) -> bool {
        // SAFETY: as in `find`.
        let Some(index) = (unsafe { self.index.load(Ordering::Acquire, guard).as_ref() }) else {
            return false;
        };
        let target: *const Entry<K, S> = entry;
        let mask = index.slots.len() - 1;
        let mut at = entry.hash as usize & mask;
        while let Some(slot) = index.slots.get(at) {
            let pointer = slot.load(Ordering::Relaxed);
            if pointer.is_null() {
                return false;
            }
            if ptr::eq(pointer, target) {
                entry.live.store(false, Ordering::Release);
                slot.store(tombstone(), Ordering::Release);
                self.live.fetch_sub(1, Ordering::Relaxed);
                writer.books.removals += 1;
                // SAFETY: the slot held the index's share, made by `Arc::into_raw`, and
                // no longer does, so it is taken back exactly once.
                let share = unsafe { Arc::from_raw(pointer) };
                self.release(writer, guard, vec![share]);
                return true;
            }
            at = (at + 1) & mask;
        }
        false
    }

    /// Unlinks every entry and frees what no one else holds, readers and scrapes included,
    /// before returning when no other thread is pinned.
    pub(crate) fn clear(&self) {
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        let mut writer = self.write();
        let guard = pin();
        let old = self
            .index
            .swap(epoch::Shared::null(), Ordering::AcqRel, &guard);
        // SAFETY: as in `find`.
        let shares = match unsafe { old.as_ref() } {
            Some(index) => index
                .linked()
                .map(|pointer| {
                    // SAFETY: the whole index is unlinked, so each of its shares is taken
                    // back once, here.
                    let share = unsafe { Arc::from_raw(pointer) };
                    share.live.store(false, Ordering::Release);
                    share
                })
                .collect(),
            None => Vec::new(),
        };
        if !old.is_null() {
            // SAFETY: `old` is no longer reachable from `self.index`; readers pinned before
            // the swap keep it until they unpin.
            unsafe { guard.defer_destroy(old) };
        }
        self.live.store(0, Ordering::Relaxed);
        writer.books.used = 0;
        writer.books.removals += 1;
        writer.books.fresh = Vec::new();
        order.entries = Vec::new();
        order.sorted = 0;
        self.release(&mut writer, &guard, shares);
        drop((writer, order, guard));
        for _ in 0..CLEAR_FLUSHES {
            pin().flush();
        }
    }

    /// Parks the shares that call sites keep, and drops the rest once readers pinned now
    /// have let go: one deferred drop for the whole batch.
    fn release(&self, writer: &mut Writer<'_, K, S>, guard: &Guard, shares: Vec<Arc<Entry<K, S>>>) {
        for share in &shares {
            if share.sticky.load(Ordering::Relaxed) {
                writer.books.parked.push(Arc::clone(share));
            }
        }
        if !shares.is_empty() {
            guard.defer(move || drop(shares));
        }
    }

    /// Calls `f` with every live entry, sorted by label values so that a scrape reads the
    /// same way every time. The order is kept between scrapes and only the entries added
    /// since the last one are sorted in, so a scrape of an unchanged family neither sorts
    /// nor allocates.
    pub(crate) fn for_each_sorted(&self, mut f: impl FnMut(&Labelled<S>)) {
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        let removals = {
            let mut writer = self.write();
            if !writer.books.fresh.is_empty() {
                order.entries.append(&mut writer.books.fresh);
            }
            writer.books.removals
        };
        let order = &mut *order;
        let by_values = |a: &Arc<Entry<K, S>>, b: &Arc<Entry<K, S>>| {
            let (a, b) = (a.labelled.values(), b.labelled.values());
            // One value each, the common case: their bytes order them as their strings
            // would.
            match (a.single(), b.single()) {
                (Some(a), Some(b)) => a.cmp(b),
                _ => a.iter().cmp(b.iter()),
            }
        };
        if order.removals_seen != removals {
            // Removed entries leave the list; one taken back since is in it twice, which
            // the sort puts side by side.
            order.removals_seen = removals;
            order.entries.retain(|e| e.is_live());
            order.entries.sort_by(by_values);
            order.entries.dedup_by(|a, b| Arc::ptr_eq(a, b));
            order.sorted = order.entries.len();
        } else if order.sorted < order.entries.len() {
            let sorted = order.sorted;
            order.entries[sorted..].sort_unstable_by(by_values);
            if sorted > 0 {
                // Two sorted runs: the stable sort merges them in one pass.
                order.entries.sort_by(by_values);
            }
            order.sorted = order.entries.len();
        }
        for entry in order.entries.iter().filter(|e| e.is_live()) {
            f(&entry.labelled);
        }
    }

    /// The index, grown into a new one when it has no room for `count` entries at no more
    /// than half load; the old one is dropped through the epoch.
    fn index_for<'g>(
        &'g self,
        writer: &mut Writer<'_, K, S>,
        guard: &'g Guard,
        count: usize,
    ) -> &'g Index<K, S> {
        let current = self.index.load(Ordering::Acquire, guard);
        // SAFETY: as in `find`.
        if let Some(index) = unsafe { current.as_ref() } {
            if (writer.books.used + 1) * 2 <= index.slots.len() {
                return index;
            }
        }
        // Room for twice the entries, so growth is amortised; removed slots are not copied.
        let slots = (count * 2 + 1).next_power_of_two().max(FIRST_INDEX);
        let grown = Index::with_slots(slots);
        let mut used = 0;
        // SAFETY: as in `find`.
        if let Some(index) = unsafe { current.as_ref() } {
            for pointer in index.linked() {
                // SAFETY: a linked entry, alive while pinned (see `find`).
                let hash = unsafe { &*pointer }.hash;
                used += usize::from(place(&grown, hash, pointer));
            }
        }
        writer.books.used = used;
        let grown = Owned::new(grown).into_shared(guard);
        // Readers switch to the grown index once it holds every entry.
        self.index.store(grown, Ordering::Release);
        if !current.is_null() {
            // SAFETY: no longer reachable from `self.index`; see `find`.
            unsafe { guard.defer_destroy(current) };
        }
        // SAFETY: just stored; destroyed only through the epoch, after `guard`.
        unsafe { grown.deref() }
    }
}

impl<K, S> Drop for Keyed<K, S> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no reader can be pinned on this map any more.
        let guard = unsafe { epoch::unprotected() };
        let index = self
            .index
            .swap(epoch::Shared::null(), Ordering::AcqRel, guard);
        // SAFETY: as above; each linked share is taken back once and the index freed once.
        unsafe {
            if let Some(slots) = index.as_ref() {
                slots
                    .linked()
                    .for_each(|pointer| drop(Arc::from_raw(pointer)));
            }
            if !index.is_null() {
                drop(index.into_owned());
            }
        }
    }
}

/// Puts `pointer` in the first empty or removed slot from `hash` on; returns whether it took
/// an empty one (the caller counts used slots).
fn place<K, S>(index: &Index<K, S>, hash: u64, pointer: *mut Entry<K, S>) -> bool {
    let mask = index.slots.len() - 1;
    let mut at = hash as usize & mask;
    while let Some(slot) = index.slots.get(at) {
        let current = slot.load(Ordering::Relaxed);
        if current.is_null() || current == tombstone() {
            slot.store(pointer, Ordering::Release);
            return current.is_null();
        }
        at = (at + 1) & mask;
    }
    false
}
