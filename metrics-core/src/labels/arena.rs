//! An append-only list whose elements never move and are never dropped before the list:
//! what it hands out lives as long as it does, and reading it takes no lock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// How many elements the first chunk holds; each later chunk holds twice the one before.
const FIRST: usize = 16;
/// Chunks enough for every `u32` index.
const CHUNKS: usize = 29;

/// Elements live in chunks of doubling size, each allocated once and never moved, so a
/// reference to an element stays valid while the arena lives, and a reader needs no lock.
pub(crate) struct Arena<T> {
    chunks: [OnceLock<Box<[OnceLock<T>]>>; CHUNKS],
    len: AtomicUsize,
}

impl<T> Arena<T> {
    /// An empty arena, usable in a `static`.
    pub(crate) const fn new() -> Self {
        Arena {
            chunks: [const { OnceLock::new() }; CHUNKS],
            len: AtomicUsize::new(0),
        }
    }

    /// How many elements were pushed.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// The element at `index`, once pushed.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        let (chunk, offset) = locate(index);
        self.chunks.get(chunk)?.get()?.get(offset)?.get()
    }

    /// Appends `value` and returns its index, or gives it back when the arena is full.
    /// Pushes must not race one another: the caller serialises them (a family pushes under
    /// its writer lock); reads may race anything.
    pub(crate) fn push(&self, value: T) -> Result<usize, T> {
        let index = self.len.load(Ordering::Relaxed);
        let (chunk, offset) = locate(index);
        let Some(chunk) = self.chunks.get(chunk) else {
            return Err(value);
        };
        let chunk = chunk.get_or_init(|| {
            (0..FIRST << chunk_of(index))
                .map(|_| OnceLock::new())
                .collect()
        });
        match chunk.get(offset) {
            Some(slot) => slot.set(value)?,
            None => return Err(value),
        }
        // Readers that see the new length see the element: `set` happened before.
        self.len.store(index + 1, Ordering::Release);
        Ok(index)
    }

    /// Every element, in the order pushed.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// The chunk an index falls in: chunk `k` starts at `FIRST * (2^k - 1)`.
#[inline]
fn chunk_of(index: usize) -> usize {
    let j = index / FIRST + 1;
    (usize::BITS - 1 - j.leading_zeros()) as usize
}

#[inline]
fn locate(index: usize) -> (usize, usize) {
    let chunk = chunk_of(index);
    (chunk, index - FIRST * ((1 << chunk) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_map_onto_doubling_chunks_without_gaps() {
        let mut expected = (0, 0);
        for index in 0..10_000 {
            assert_eq!(locate(index), expected, "index {index}");
            expected.1 += 1;
            if expected.1 == FIRST << expected.0 {
                expected = (expected.0 + 1, 0);
            }
        }
    }

    #[test]
    fn pushed_elements_stay_where_they_were() {
        let arena = Arena::new();
        let first: *const String = {
            arena.push("zero".to_owned()).unwrap();
            arena.get(0).unwrap()
        };
        for i in 1..1000 {
            assert_eq!(arena.push(i.to_string()), Ok(i));
        }
        assert_eq!(arena.len(), 1000);
        assert!(std::ptr::eq(first, arena.get(0).unwrap()));
        assert_eq!(arena.get(999).map(String::as_str), Some("999"));
        assert_eq!(arena.get(1000), None);
        assert_eq!(arena.iter().count(), 1000);
    }
}
