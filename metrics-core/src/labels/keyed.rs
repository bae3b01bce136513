//! The series of a family keyed by values known only at run time (strings, integers): found
//! by hash without taking a lock or touching a reference count, which together cost four
//! atomic read-modify-writes per lookup, four times the increment being looked up for.
//!
//! Entries live in an [`Arena`], so a reference to one is valid for as long as the family;
//! an open-addressing index of entry numbers finds them. Writers (new
//! label sets, removals, growth) take one lock and publish with release stores; readers
//! only load. A grown index replaces the old one, which stays allocated because a reader
//! may still be probing it: index sizes double, so the old ones add at most as much again.
//! Removed entries stay too, since a handle taken before may still record into them: a
//! removed label set that comes back takes its old entry again, reset to zero.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::labels::arena::Arena;
use crate::labels::series::Labelled;

/// Slots in the first index.
const FIRST_INDEX: usize = 16;
/// Indexes enough for every `u32` entry number at half load.
const INDEXES: usize = 30;

/// One label set: its hash, the key the family compares with, and its series.
pub(crate) struct Entry<K, S> {
    hash: u64,
    pub(crate) key: K,
    live: AtomicBool,
    pub(crate) labelled: Labelled<S>,
}

impl<K, S> Entry<K, S> {
    /// Whether the label set is exported (not removed).
    #[inline]
    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

/// The right to change the map: the writer lock, held until this is dropped.
pub(crate) struct Writer<'a> {
    _lock: MutexGuard<'a, ()>,
}

pub(crate) struct Keyed<K, S> {
    entries: Arena<Entry<K, S>>,
    /// Each slot holds an entry's number plus one, or 0 when empty: four bytes, so the
    /// index costs little beside the entries, with the hash compared in the entry.
    indexes: [OnceLock<Box<[AtomicU32]>>; INDEXES],
    current: AtomicUsize,
    live: AtomicUsize,
    writer: Mutex<()>,
    /// Entry numbers sorted by label values, for scrapes; covers the first `len()` entries.
    order: Mutex<Vec<u32>>,
}

impl<K, S> Keyed<K, S> {
    pub(crate) const fn new() -> Self {
        Keyed {
            entries: Arena::new(),
            indexes: [const { OnceLock::new() }; INDEXES],
            current: AtomicUsize::new(0),
            live: AtomicUsize::new(0),
            writer: Mutex::new(()),
            order: Mutex::new(Vec::new()),
        }
    }

    /// Label sets exported now.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// Label sets ever stored, removed ones included: what memory the map holds.
    pub(crate) fn stored(&self) -> usize {
        self.entries.len()
    }

    /// The entry with `hash` that `matches` accepts, live or not.
    #[inline(always)]
    pub(crate) fn find(
        &self,
        hash: u64,
        matches: impl Fn(&Entry<K, S>) -> bool,
    ) -> Option<&Entry<K, S>> {
        self.find_numbered(hash, matches).map(|(_, entry)| entry)
    }

    /// The entry stored `number`th, live or not.
    #[inline]
    pub(crate) fn entry(&self, number: usize) -> Option<&Entry<K, S>> {
        self.entries.get(number)
    }

    /// [`Keyed::find`], with the entry's number for [`Keyed::entry`].
    #[inline(always)]
    pub(crate) fn find_numbered(
        &self,
        hash: u64,
        matches: impl Fn(&Entry<K, S>) -> bool,
    ) -> Option<(usize, &Entry<K, S>)> {
        let index = self
            .indexes
            .get(self.current.load(Ordering::Acquire))?
            .get()?;
        let mask = index.len() - 1;
        let mut at = hash as usize & mask;
        // An index is never more than half full, so an empty slot ends every probe.
        loop {
            let slot = index.get(at)?.load(Ordering::Acquire);
            let number = slot.checked_sub(1)? as usize;
            let entry = self.entries.get(number)?;
            if entry.hash == hash && matches(entry) {
                return Some((number, entry));
            }
            at = (at + 1) & mask;
        }
    }

    /// The lock that every change takes.
    pub(crate) fn write(&self) -> Writer<'_> {
        Writer {
            _lock: self.writer.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Stores a new live entry; `None` when the map cannot hold another.
    pub(crate) fn insert(
        &self,
        _writer: &Writer<'_>,
        hash: u64,
        key: K,
        labelled: Labelled<S>,
    ) -> Option<&Entry<K, S>> {
        let entry = Entry {
            hash,
            key,
            live: AtomicBool::new(true),
            labelled,
        };
        let slot = u32::try_from(self.entries.len() + 1).ok()?;
        let number = self.entries.push(entry).ok()?;
        let index = self.index_for(number + 1)?;
        place(index, hash, slot);
        self.live.fetch_add(1, Ordering::Relaxed);
        self.entries.get(number)
    }

    /// Brings a removed entry back.
    pub(crate) fn revive(&self, _writer: &Writer<'_>, entry: &Entry<K, S>) {
        if !entry.live.swap(true, Ordering::Release) {
            self.live.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stops exporting an entry; returns whether it was live.
    pub(crate) fn remove(&self, _writer: &Writer<'_>, entry: &Entry<K, S>) -> bool {
        let was_live = entry.live.swap(false, Ordering::Release);
        if was_live {
            self.live.fetch_sub(1, Ordering::Relaxed);
        }
        was_live
    }

    /// Stops exporting every entry.
    pub(crate) fn remove_all(&self, writer: &Writer<'_>) {
        for entry in self.entries.iter() {
            self.remove(writer, entry);
        }
    }

    /// Calls `f` with every live entry, sorted by label values so that a scrape reads the
    /// same way every time. The order is kept between scrapes and only the entries added
    /// since the last one are sorted in, so a scrape of an unchanged family neither sorts
    /// nor allocates.
    pub(crate) fn for_each_sorted(&self, mut f: impl FnMut(&Labelled<S>)) {
        let mut order = self.order.lock().unwrap_or_else(|e| e.into_inner());
        let stored = self.entries.len();
        if order.len() < stored {
            let sorted = order.len();
            order.extend((sorted..stored).filter_map(|n| u32::try_from(n).ok()));
            let values = |n: &u32| self.entries.get(*n as usize).map(|e| e.labelled.values());
            let by_values = |a: &u32, b: &u32| match (values(a), values(b)) {
                // One value each, the common case: their bytes order them as their
                // strings would.
                (Some(a), Some(b)) => match (a.single(), b.single()) {
                    (Some(a), Some(b)) => a.cmp(b),
                    _ => a.iter().cmp(b.iter()),
                },
                (a, b) => a.is_some().cmp(&b.is_some()),
            };
            order[sorted..].sort_unstable_by(by_values);
            if sorted > 0 {
                // Two sorted runs: the stable sort merges them in one pass.
                order.sort_by(by_values);
            }
        }
        for &n in order.iter() {
            if let Some(entry) = self.entries.get(n as usize).filter(|e| e.is_live()) {
                f(&entry.labelled);
            }
        }
    }

    /// The index that has room for `count` entries at no more than half load, growing into
    /// a new one when the current one is too small.
    fn index_for(&self, count: usize) -> Option<&[AtomicU32]> {
        let current = self.current.load(Ordering::Relaxed);
        let index = self.indexes.get(current)?;
        let Some(table) = index.get() else {
            return Some(index.get_or_init(|| empty_index(FIRST_INDEX)));
        };
        if count * 2 <= table.len() {
            return Some(table);
        }
        let next = current + 1;
        let grown = self
            .indexes
            .get(next)?
            .get_or_init(|| empty_index(table.len() * 2));
        for (slot, entry) in (1..).zip(self.entries.iter()) {
            place(grown, entry.hash, slot);
        }
        // Readers switch to the grown index once it holds every entry.
        self.current.store(next, Ordering::Release);
        Some(grown)
    }
}

fn empty_index(slots: usize) -> Box<[AtomicU32]> {
    (0..slots).map(|_| AtomicU32::new(0)).collect()
}

/// Puts `slot` in the first empty place from `hash` on, unless it is there already (a
/// grown index is filled from every entry, the newest included).
fn place(index: &[AtomicU32], hash: u64, slot: u32) {
    let mask = index.len() - 1;
    let mut at = hash as usize & mask;
    while let Some(cell) = index.get(at) {
        match cell.load(Ordering::Relaxed) {
            0 => return cell.store(slot, Ordering::Release),
            existing if existing == slot => return,
            _ => at = (at + 1) & mask,
        }
    }
}
