//! Labelled families: one series per label set, found by a computed index for enum label
//! sets and by a lock-free hash lookup otherwise, within a cardinality budget.

use std::any::Any;
use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

use foldhash::fast::FixedState;

use crate::descriptor::{Descriptor, UNNAMED};
use crate::encoding::SampleSink;
use crate::labels::handle::{SeriesHandle, SeriesRef};
use crate::labels::keyed::{pin, Entry, Keyed};
use crate::labels::series::Labelled;
use crate::labels::{LabelSet, Member, StrLabels};
use crate::metric::buckets::{self, DEFAULT_BUCKETS};
use crate::metric::summary::check_quantiles;
use crate::metric::{Counter, Gauge, Histogram, IntGauge, NativeHistogram, Summary};
use crate::pairs::PackedStrs;
use crossbeam_epoch::Guard;

/// The value every label takes in the series that label sets past the budget fold into.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// Label names for a family of strings that was never given a descriptor, so that its label
/// sets still have text to be told apart by.
const PLACEHOLDER_NAMES: [&str; 8] = [
    "label_0", "label_1", "label_2", "label_3", "label_4", "label_5", "label_6", "label_7",
];

/// A counter family keyed by `N` string label values.
pub type CounterFamily<const N: usize> = Family<StrLabels<N>, Counter>;
/// A gauge family keyed by `N` string label values.
pub type GaugeFamily<const N: usize> = Family<StrLabels<N>, Gauge>;
/// An integer gauge family keyed by `N` string label values.
pub type IntGaugeFamily<const N: usize> = Family<StrLabels<N>, IntGauge>;
/// A histogram family keyed by `N` string label values.
pub type HistogramFamily<const N: usize> = Family<StrLabels<N>, Histogram>;
/// A summary family keyed by `N` string label values.
pub type SummaryFamily<const N: usize> = Family<StrLabels<N>, Summary>;
/// A native histogram family keyed by `N` string label values.
pub type NativeHistogramFamily<const N: usize> = Family<StrLabels<N>, NativeHistogram>;

/// Which entry of a family one call site's fixed label values name, so that the site's
/// later calls skip the lookup; a `static` per site, which the attributes declare for
/// `labels(..)` made only of string literals. The site keeps a share of the entry, which
/// the family then parks when it is removed, so that the label set comes back as the same
/// series: one entry per call site at most, whatever the removals.
#[derive(Debug, Default)]
pub struct SiteSeries {
    /// The family's address and the entry.
    kept: OnceLock<(usize, Arc<dyn Any + Send + Sync>)>,
}

impl SiteSeries {
    /// A site that has not called yet.
    pub const fn new() -> Self {
        SiteSeries {
            kept: OnceLock::new(),
        }
    }
}

/// A metric family with labels: `L` is the label set, `M` the metric kind.
///
/// ```
/// use tallymark_core::{CounterFamily, Descriptor};
///
/// const REQUESTS: Descriptor =
///     Descriptor::new("requests_total", "Requests.").with_labels(&["method", "status"]);
/// static REQUESTS_TOTAL: CounterFamily<2> = CounterFamily::new().described(&REQUESTS);
///
/// REQUESTS_TOTAL.labels(["GET", "200"]).inc();
/// let errors = REQUESTS_TOTAL.handle(["GET", "500"]); // a handle to keep
/// errors.inc_by(2);
/// assert_eq!(REQUESTS_TOTAL.labels(["GET", "500"]).get(), 2.0);
/// ```
pub struct Family<L: LabelSet, M: Member> {
    desc: &'static Descriptor,
    bounds: &'static [f64],
    dense: OnceLock<Box<[Labelled<M::Series>]>>,
    keyed: Keyed<L::Key, M::Series>,
    overflow: OnceLock<Labelled<M::Series>>,
    overflowed: AtomicU64,
    warned: AtomicBool,
    hasher: FixedState,
    _kind: PhantomData<fn() -> (L, M)>,
}

impl<L: LabelSet, M: Member> Family<L, M> {
    /// An empty family, usable in a `static`.
    pub const fn new() -> Self {
        Family {
            desc: &UNNAMED,
            bounds: &DEFAULT_BUCKETS,
            dense: OnceLock::new(),
            keyed: Keyed::new(),
            overflow: OnceLock::new(),
            overflowed: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            hasher: FixedState::with_seed(0x7a11_7a11_7a11_7a11),
            _kind: PhantomData,
        }
    }

    /// Attaches the family's descriptor: label names, budget and buckets.
    /// `#[tallymark::metric]` calls this.
    ///
    /// # Panics
    /// When string label names don't number `N`, or buckets are invalid; in a `static`
    /// that is a compile error.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        if L::NAMES.is_none() && desc.label_names().len() != L::ARITY {
            panic!("the descriptor's label names don't match the family's label count");
        }
        if !desc.buckets().is_empty() {
            self.bounds = buckets::checked(desc.buckets());
        }
        check_quantiles(desc.quantiles());
        self.desc = desc;
        self
    }

    /// The family's descriptor.
    pub fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    /// The label names, in order.
    pub fn label_names(&self) -> &'static [&'static str] {
        L::NAMES.unwrap_or(self.desc.label_names())
    }

    /// The names the label values are paired with: the declared ones, or placeholders for
    /// a family that has no descriptor.
    #[inline]
    fn text_names(&self) -> &'static [&'static str] {
        let names = self.label_names();
        if names.len() == L::ARITY {
            names
        } else {
            &PLACEHOLDER_NAMES[..L::ARITY.min(PLACEHOLDER_NAMES.len())]
        }
    }

    /// The series for a label set, created at zero on first use. Past the budget, new label
    /// sets share one overflow series whose labels all read `__overflow__`.
    #[inline]
    pub fn labels(&self, lookup: L::Lookup<'_>) -> SeriesRef<'_, M::Series> {
        if L::DENSE.is_some() {
            return SeriesRef::lasting(self.dense_or_overflow(&lookup));
        }
        let guard = pin();
        let series = match self.entry(&guard, &lookup) {
            Found::Entry(entry) => NonNull::from(&entry.labelled),
            Found::Overflow(series) => return SeriesRef::lasting(series),
        };
        SeriesRef::pinned(series, guard)
    }

    /// [`Family::labels`], as a handle to keep: in a struct, across an `.await`, on another
    /// thread. Taking one raises a reference count, so look series up with
    /// [`Family::labels`] where a handle is not kept.
    pub fn handle(&self, lookup: L::Lookup<'_>) -> SeriesHandle<'_, M::Series> {
        if L::DENSE.is_some() {
            return SeriesHandle::lasting(self.dense_or_overflow(&lookup));
        }
        let guard = pin();
        match self.entry(&guard, &lookup) {
            Found::Entry(entry) => SeriesHandle::shared(self.keyed.share(&guard, entry)),
            Found::Overflow(series) => SeriesHandle::lasting(series),
        }
    }

    /// [`Family::handle`] for a call site whose label values never change (string
    /// literals): the site keeps the entry, so later calls neither hash nor compare text,
    /// and take no count. A removed entry is looked up again, which brings it back.
    #[inline]
    pub(crate) fn labels_at<'a>(
        &'a self,
        site: &'a SiteSeries,
        lookup: L::Lookup<'_>,
    ) -> SeriesHandle<'a, M::Series> {
        if L::DENSE.is_some() {
            return SeriesHandle::lasting(self.dense_or_overflow(&lookup));
        }
        if let Some(entry) = self.kept_by(site).filter(|entry| entry.is_live()) {
            return SeriesHandle::lasting(&entry.labelled);
        }
        self.resolve_site(site, &lookup)
    }

    /// The entry of a label set, stored now if it is new, or the overflow series past the
    /// budget.
    #[inline(always)]
    fn entry<'f: 'g, 'g>(
        &'f self,
        guard: &'g Guard,
        lookup: &L::Lookup<'_>,
    ) -> Found<'g, 'f, L::Key, M::Series> {
        let hash = self.hasher.hash_one(Hashed::<L>(lookup));
        match self.find(guard, hash, lookup) {
            Some(entry) => Found::Entry(entry),
            None => self.insert(guard, hash, lookup),
        }
    }

    /// The entry `site` keeps, when it keeps one of this family's.
    #[inline]
    fn kept_by<'a>(&self, site: &'a SiteSeries) -> Option<&'a Entry<L::Key, M::Series>> {
        let (family, entry) = site.kept.get()?;
        let this: *const Self = self;
        (*family == this as usize).then(|| entry.downcast_ref())?
    }

    /// A site's first call, or its first since the entry was removed: the lookup of
    /// [`Family::labels`], with the entry made sticky and kept by the site. The overflow
    /// series is not kept, so that the site finds its own series once there is room.
    #[cold]
    fn resolve_site<'a>(
        &'a self,
        site: &'a SiteSeries,
        lookup: &L::Lookup<'_>,
    ) -> SeriesHandle<'a, M::Series> {
        let guard = pin();
        let entry = match self.entry(&guard, lookup) {
            Found::Entry(entry) => entry,
            Found::Overflow(series) => return SeriesHandle::lasting(series),
        };
        let writer = self.keyed.write();
        // Made sticky under the lock, so that a removal either sees it sticky and parks
        // it, or has unlinked it already, which the site notices on its next call.
        self.keyed.make_sticky(&writer, entry);
        drop(writer);
        let this: *const Self = self;
        let share: Arc<dyn Any + Send + Sync> = self.keyed.share(&guard, entry);
        let _ = site.kept.set((this as usize, share));
        match self.kept_by(site) {
            Some(kept) if std::ptr::eq(kept, entry) => SeriesHandle::lasting(&kept.labelled),
            // The site keeps another entry (unlinked by a race with a removal, or of
            // another family): this call records through a share of its own.
            _ => SeriesHandle::shared(self.keyed.share(&guard, entry)),
        }
    }

    /// The series of a densely stored label set, or the overflow series past the array.
    #[inline]
    fn dense_or_overflow(&self, lookup: &L::Lookup<'_>) -> &Labelled<M::Series> {
        let count = L::DENSE.unwrap_or(0);
        let slots = self.dense.get_or_init(|| self.dense_series(count));
        match slots.get(L::dense_index(lookup)) {
            Some(slot) => slot,
            None => self.overflow_series(),
        }
    }

    #[inline]
    fn find<'g>(
        &'g self,
        guard: &'g Guard,
        hash: u64,
        lookup: &L::Lookup<'_>,
    ) -> Option<&'g Entry<L::Key, M::Series>> {
        let names = self.text_names();
        self.keyed
            .find(guard, hash, |entry| {
                L::matches(lookup, &entry.key, entry.labelled.pairs(names))
            })
            .filter(|entry| entry.is_live())
    }

    /// Stops exporting a label set and returns whether it was exported. Its memory is freed
    /// once no [`SeriesRef`] or [`SeriesHandle`] holds it; it frees its place in the budget
    /// at once. A densely stored set is reset to zero instead, since every dense set is
    /// always exported.
    pub fn remove(&self, lookup: L::Lookup<'_>) -> bool {
        if L::DENSE.is_some() {
            let found = self
                .dense
                .get()
                .and_then(|slots| slots.get(L::dense_index(&lookup)));
            if let Some(slot) = found {
                slot.restart::<M>();
            }
            return found.is_some();
        }
        let guard = pin();
        let hash = self.hasher.hash_one(Hashed::<L>(&lookup));
        let mut writer = self.keyed.write();
        self.find(&guard, hash, &lookup)
            .is_some_and(|entry| self.keyed.remove(&mut writer, &guard, entry))
    }

    /// Removes every label set (dense ones are reset to zero), and the overflow count. The
    /// memory of the removed sets is freed as [`Family::remove`] says; when no other thread
    /// holds a [`SeriesRef`] at that moment, before this returns.
    pub fn clear(&self) {
        if let Some(slots) = self.dense.get() {
            slots.iter().for_each(Labelled::restart::<M>);
        }
        self.keyed.clear();
        if let Some(overflow) = self.overflow.get() {
            overflow.restart::<M>();
        }
        self.overflowed.store(0, Relaxed);
    }

    /// How many lookups were folded into the overflow series.
    pub fn overflowed(&self) -> u64 {
        self.overflowed.load(Relaxed)
    }

    /// Hands every series to an encoder: dense ones in declaration order, others sorted by
    /// label values so that a scrape reads the same way every time, overflow last.
    pub(crate) fn encode_series(&self, sink: &mut dyn SampleSink) {
        let names = self.text_names();
        if let Some(count) = L::DENSE {
            for slot in self.dense.get_or_init(|| self.dense_series(count)).iter() {
                M::encode(&slot.series, slot.meta(names), sink);
            }
        }
        self.keyed
            .for_each_sorted(|s| M::encode(&s.series, s.meta(names), sink));
        if let Some(s) = self.overflow.get() {
            M::encode(&s.series, s.meta(names), sink);
        }
    }

    /// The slow path of [`Family::labels`]: a label set not seen yet, or removed.
    #[cold]
    fn insert<'f: 'g, 'g>(
        &'f self,
        guard: &'g Guard,
        hash: u64,
        lookup: &L::Lookup<'_>,
    ) -> Found<'g, 'f, L::Key, M::Series> {
        let mut writer = self.keyed.write();
        // Another thread may have stored it since our lookup.
        if let Some(entry) = self.find(guard, hash, lookup) {
            return Found::Entry(entry);
        }
        // A label set that reads `__overflow__` throughout is the overflow series' identity:
        // it is that series, or a scrape would hold the identity twice.
        if L::ARITY > 0 && self.all_overflow(lookup) {
            drop(writer);
            return Found::Overflow(self.overflow_labelled());
        }
        let names = self.text_names();
        let matches = |entry: &Entry<L::Key, M::Series>| {
            L::matches(lookup, &entry.key, entry.labelled.pairs(names))
        };
        // A call site's entry, removed, comes back at zero.
        let entry = match self.keyed.unpark(&mut writer, hash, matches) {
            Some(parked) => {
                parked.labelled.restart::<M>();
                parked
            }
            None => {
                if self.keyed.live() >= self.desc.budget() {
                    drop(writer);
                    return Found::Overflow(self.fold_into_overflow());
                }
                let values = PackedStrs::from_each(|f| L::values(lookup, f));
                let labelled = self.labelled(values);
                Arc::new(Entry::new(hash, L::to_key(lookup), labelled))
            }
        };
        Found::Entry(self.keyed.link(&mut writer, guard, entry))
    }

    fn fold_into_overflow(&self) -> &Labelled<M::Series> {
        self.overflowed.fetch_add(1, Relaxed);
        self.overflow_series()
    }

    fn overflow_series(&self) -> &Labelled<M::Series> {
        if !self.warned.swap(true, Relaxed) {
            crate::diagnostics::overflow(self.desc.name(), self.desc.budget());
        }
        self.overflow_labelled()
    }

    fn all_overflow(&self, lookup: &L::Lookup<'_>) -> bool {
        let mut all = true;
        L::values(lookup, &mut |value| all &= value == OVERFLOW_LABEL_VALUE);
        all
    }

    /// The overflow series, made on first use.
    fn overflow_labelled(&self) -> &Labelled<M::Series> {
        self.overflow.get_or_init(|| {
            let values = std::iter::repeat_n(OVERFLOW_LABEL_VALUE, L::ARITY);
            self.labelled(PackedStrs::new(values))
        })
    }

    fn dense_series(&self, count: usize) -> Box<[Labelled<M::Series>]> {
        (0..count)
            .map(|index| self.labelled(PackedStrs::from_each(|f| L::dense_values(index, f))))
            .collect()
    }

    fn labelled(&self, values: PackedStrs) -> Labelled<M::Series> {
        Labelled::new(values, M::new_series(self.desc, self.bounds))
    }
}

impl<L: LabelSet, M: Member> Default for Family<L, M> {
    fn default() -> Self {
        Family::new()
    }
}

impl<L: LabelSet, M: Member> std::fmt::Debug for Family<L, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.desc.name())
            .field("series", &self.keyed.live())
            .finish_non_exhaustive()
    }
}

/// Where a lookup that missed ended: an entry, valid under the caller's guard, or the
/// overflow series, which lives as long as the family.
enum Found<'g, 'f, K, S> {
    Entry(&'g Entry<K, S>),
    Overflow(&'f Labelled<S>),
}

struct Hashed<'l, 'a, L: LabelSet>(&'l L::Lookup<'a>);

impl<L: LabelSet> std::hash::Hash for Hashed<'_, '_, L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        L::hash_lookup(self.0, state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_keeps_the_entry_its_labels_name_and_not_the_overflow() {
        const DESC: Descriptor = Descriptor::new("site_total", "Calls.")
            .with_labels(&["endpoint"])
            .with_budget(2);
        let family: CounterFamily<1> = CounterFamily::new().described(&DESC);
        family.labels(["/a"]).inc();

        let site = SiteSeries::new();
        let b = family.labels_at(&site, ["/b"]);
        b.inc();
        let kept: *const Counter = &*b;
        assert!(family.kept_by(&site).is_some());
        // Once kept, the lookup is not read: the site's values never change.
        assert!(std::ptr::eq(&*family.labels_at(&site, ["/z"]), kept));

        // Removed, the entry is parked, not freed: the site, and a plain lookup, take the
        // same series back, at zero.
        assert!(family.remove(["/b"]));
        assert_eq!(family.keyed.live(), 1);
        let back = family.labels(["/b"]);
        assert!(std::ptr::eq(&*back, kept));
        assert_eq!(back.get(), 0.0);
        drop(back);
        assert!(std::ptr::eq(&*family.labels_at(&site, ["/b"]), kept));

        // Past the budget the site records into the overflow series without keeping it.
        let spent = SiteSeries::new();
        let folded = family.labels_at(&spent, ["/c"]);
        assert!(std::ptr::eq(&*folded, &*family.labels(["/d"])));
        assert!(spent.kept.get().is_none());
        assert_eq!(family.overflowed(), 2);

        // A site keeps its entry for one family only.
        let other: CounterFamily<1> = CounterFamily::new().described(&DESC);
        let elsewhere = other.labels_at(&site, ["/b"]);
        elsewhere.inc();
        assert!(!std::ptr::eq(&*elsewhere, kept));
        assert_eq!(other.labels(["/b"]).get(), 1.0);
        assert_eq!(family.labels(["/b"]).get(), 0.0);
    }
}
