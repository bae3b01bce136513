//! What a lookup hands back: a short-lived reference that pins the epoch, or a handle to
//! keep that holds a share of its series.

// A pinned reference is a pointer that the guard beside it keeps valid; the one `unsafe`
// block says why.
#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

use crossbeam_epoch::Guard;

use crate::labels::keyed::Entry;
use crate::labels::series::Labelled;

/// A series of a family, as returned by [`Family::labels`](crate::Family::labels): record
/// through it and let it go. Taking one costs no lock and no reference count.
///
/// While it is held, the series cannot be freed, even if the family removes it meanwhile
/// (it then records where no scrape sees it); nor can any other removed series, so don't
/// keep one. To keep a series in a struct, or across an `.await`, take a [`SeriesHandle`]
/// with [`Family::handle`](crate::Family::handle).
pub struct SeriesRef<'a, S> {
    series: NonNull<Labelled<S>>,
    /// Present for a series that can be removed: the pin that keeps it allocated.
    _pin: Option<Guard>,
    _family: PhantomData<&'a Labelled<S>>,
}

impl<'a, S> SeriesRef<'a, S> {
    /// A series that lives as long as its family (dense, overflow).
    pub(crate) fn lasting(series: &'a Labelled<S>) -> Self {
        SeriesRef {
            series: NonNull::from(series),
            _pin: None,
            _family: PhantomData,
        }
    }

    /// A series reached under `pin`, and valid while it is held.
    pub(crate) fn pinned(series: NonNull<Labelled<S>>, pin: Guard) -> Self {
        SeriesRef {
            series,
            _pin: Some(pin),
            _family: PhantomData,
        }
    }

    #[inline]
    fn labelled(&self) -> &Labelled<S> {
        // SAFETY: either the series lives as long as `'a` (`lasting`), or it was reached
        // under the guard held in `_pin`, which keeps it allocated until this is dropped.
        unsafe { self.series.as_ref() }
    }
}

impl<S> Deref for SeriesRef<'_, S> {
    type Target = S;

    #[inline]
    fn deref(&self) -> &S {
        &self.labelled().series
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for SeriesRef<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SeriesRef").field(&**self).finish()
    }
}

/// One series' storage, whatever the family's key type.
pub(crate) trait Holds<S>: Send + Sync {
    fn labelled(&self) -> &Labelled<S>;
}

impl<K: Send + Sync, S: Send + Sync> Holds<S> for Entry<K, S> {
    fn labelled(&self) -> &Labelled<S> {
        &self.labelled
    }
}

/// A series to keep, as returned by [`Family::handle`](crate::Family::handle): `Send`,
/// `Sync` and cheap to clone. It holds a share of its series, so the family may remove the
/// label set while the handle lives. The handle then keeps recording into the removed
/// series, which no scrape sees, and which is freed with the last handle; the label set,
/// looked up again, starts a new series at zero.
pub struct SeriesHandle<'a, S> {
    kept: Kept<'a, S>,
}

enum Kept<'a, S> {
    /// A series that lives as long as its family, or a call site's.
    Lasting(&'a Labelled<S>),
    Shared(Arc<dyn Holds<S> + 'a>),
}

impl<'a, S> SeriesHandle<'a, S> {
    pub(crate) fn lasting(series: &'a Labelled<S>) -> Self {
        SeriesHandle {
            kept: Kept::Lasting(series),
        }
    }

    pub(crate) fn shared(entry: Arc<dyn Holds<S> + 'a>) -> Self {
        SeriesHandle {
            kept: Kept::Shared(entry),
        }
    }
}

impl<S> Clone for SeriesHandle<'_, S> {
    fn clone(&self) -> Self {
        let kept = match &self.kept {
            Kept::Lasting(series) => Kept::Lasting(series),
            Kept::Shared(entry) => Kept::Shared(Arc::clone(entry)),
        };
        SeriesHandle { kept }
    }
}

impl<S> Deref for SeriesHandle<'_, S> {
    type Target = S;

    #[inline]
    fn deref(&self) -> &S {
        match &self.kept {
            Kept::Lasting(series) => &series.series,
            Kept::Shared(entry) => &entry.labelled().series,
        }
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for SeriesHandle<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SeriesHandle").field(&**self).finish()
    }
}
