//! Call sites: the per-function storage of the default families, one `static` per
//! annotated function, gathered through `inventory`.

use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

use crate::descriptor::Descriptor;
use crate::instrument::guard::observe_traced;
use crate::instrument::{Outcome, Recorder};
use crate::metric::buckets::DEFAULT_BUCKETS;
use crate::metric::{Counter, Histogram, InlineCounts, Stopwatch};

// The default families the sites record into; their names and labels follow the
// autometrics convention.
pub(crate) const CALLS: Descriptor = Descriptor::new(
    "function_calls_total",
    "Calls of functions annotated with #[counted], by how they ended.",
)
.with_labels(&["function", "module", "result"])
.with_module("tallymark");

pub(crate) const DURATIONS: Descriptor = Descriptor::new(
    "function_calls_duration_seconds",
    "Duration of calls of functions annotated with #[timed], by how they ended.",
)
.with_labels(&["function", "module", "result"])
.with_unit("seconds")
.with_module("tallymark");

pub(crate) const CONCURRENT: Descriptor = Descriptor::new(
    "function_calls_concurrent",
    "Calls of functions annotated with #[in_flight] running now.",
)
.with_labels(&["function", "module"])
.with_module("tallymark");

/// Which function a call site belongs to.
#[derive(Clone, Copy, Debug)]
pub struct Callee {
    /// The bare name, or `Type::method`.
    pub function: &'static str,
    /// The name with the type's generic arguments and the trait's path, such as
    /// `<Frame as fmt::Display>::fmt`: the label instead of `function` where methods of
    /// annotated `impl` blocks would share one. Equal to `function` when the macro knows no
    /// more.
    pub qualified: &'static str,
    /// `module_path!()` where it is defined.
    pub module: &'static str,
    /// Whether it returns a `Result`, so `result="error"` is a possible outcome.
    pub fallible: bool,
    /// `file!()` where the function is written.
    pub file: &'static str,
    /// `line!()` of the function's name.
    pub line: u32,
}

/// The `#[counted]` storage of one function: a counter per outcome, each able to keep a
/// trace-id exemplar.
#[derive(Debug)]
pub struct CountedSite {
    pub(crate) callee: Callee,
    pub(crate) calls: [Counter; 4],
    /// The function's `#[timed]` site, when both attributes are on it: every call it times
    /// is a call counted, so the counts are its histograms' counts.
    counts_from: Option<&'static TimedSite>,
}

impl CountedSite {
    /// A site at zero.
    pub const fn new(callee: Callee) -> Self {
        CountedSite {
            callee,
            calls: [const { Counter::new() }; 4],
            counts_from: None,
        }
    }

    /// Calls that ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        match self.counts_from {
            Some(timed) if self.derives_count() => timed.durations(outcome).count(),
            _ => self.calls[outcome.index()].count(),
        }
    }

    /// Whether the counts are read from the `#[timed]` site. With the `tracing` feature,
    /// the counters still count, because each keeps its own trace-id exemplar.
    pub(crate) fn derives_count(&self) -> bool {
        self.counts_from.is_some() && !cfg!(feature = "tracing")
    }

    /// The counter of calls that ended with `outcome`.
    pub(crate) fn counter(&self, outcome: Outcome) -> &Counter {
        &self.calls[outcome.index()]
    }
}

impl Recorder for CountedSite {
    type Start = ();
    #[inline]
    fn enter(&self) {}
    #[inline]
    fn exit(&self, (): (), outcome: Outcome) {
        self.calls[outcome.index()].exit((), outcome);
    }
}

/// The storage of a function with both `#[counted]` and `#[timed]`: one guard and one
/// clock pair record both, and the counts are read from the durations' histograms, so
/// counting the calls adds nothing to a call.
///
/// The generated `static` passes its own `timed` field, which is what makes the two one:
/// `static SITE: CountedTimedSite = CountedTimedSite::new(callee, &SITE.timed);`
#[derive(Debug)]
pub struct CountedTimedSite {
    /// The `function_calls_total` site.
    pub counted: CountedSite,
    /// The `function_calls_duration_seconds` site.
    pub timed: TimedSite,
}

impl CountedTimedSite {
    /// Both sites at zero; `timed` must be this site's own `timed` field.
    pub const fn new(callee: Callee, timed: &'static TimedSite) -> Self {
        CountedTimedSite {
            counted: CountedSite {
                callee,
                calls: [const { Counter::new() }; 4],
                counts_from: Some(timed),
            },
            timed: TimedSite::new(callee),
        }
    }
}

impl Recorder for CountedTimedSite {
    type Start = Stopwatch;
    #[inline]
    fn enter(&self) -> Stopwatch {
        self.timed.enter()
    }
    #[inline]
    fn exit(&self, start: Stopwatch, outcome: Outcome) {
        self.timed.exit(start, outcome);
        if !self.counted.derives_count() {
            self.counted.exit((), outcome);
        }
    }
}

/// Slots for the default buckets plus `+Inf`.
pub(crate) const TIMED_SLOTS: usize = DEFAULT_BUCKETS.len() + 1;

/// The histogram of one outcome's durations: the default buckets, and under `protobuf`
/// native buckets of the default schema too, which a protobuf scrape carries beside them.
const fn duration_histogram() -> Histogram<InlineCounts<TIMED_SLOTS>> {
    let histogram = Histogram::inline(&DEFAULT_BUCKETS);
    #[cfg(feature = "protobuf")]
    let histogram = histogram.with_native(crate::metric::DEFAULT_SCHEMA);
    histogram
}

/// The `#[timed]` storage of one function: a histogram of seconds per outcome.
#[derive(Debug)]
pub struct TimedSite {
    pub(crate) callee: Callee,
    pub(crate) durations: [Histogram<InlineCounts<TIMED_SLOTS>>; 4],
}

impl TimedSite {
    /// A site at zero, with the default buckets.
    pub const fn new(callee: Callee) -> Self {
        TimedSite {
            callee,
            durations: [const { duration_histogram() }; 4],
        }
    }

    /// The histogram of calls that ended with `outcome`.
    pub fn durations(&self, outcome: Outcome) -> &Histogram<InlineCounts<TIMED_SLOTS>> {
        &self.durations[outcome.index()]
    }
}

impl Recorder for TimedSite {
    type Start = Stopwatch;
    #[inline]
    fn enter(&self) -> Stopwatch {
        Stopwatch::start()
    }
    #[inline]
    fn exit(&self, start: Stopwatch, outcome: Outcome) {
        let seconds = start.elapsed_secs();
        observe_traced(&self.durations[outcome.index()], seconds);
    }
}

/// The `#[in_flight]` storage of one function: how many calls are running.
#[derive(Debug)]
pub struct InFlightSite {
    pub(crate) callee: Callee,
    pub(crate) running: AtomicI64,
}

impl InFlightSite {
    /// A site at zero.
    pub const fn new(callee: Callee) -> Self {
        InFlightSite {
            callee,
            running: AtomicI64::new(0),
        }
    }

    /// Calls running now.
    pub fn running(&self) -> i64 {
        self.running.load(Relaxed)
    }
}

impl Recorder for InFlightSite {
    type Start = ();
    #[inline]
    fn enter(&self) {
        self.running.fetch_add(1, Relaxed);
    }
    #[inline]
    fn exit(&self, (): (), _: Outcome) {
        self.running.fetch_sub(1, Relaxed);
    }
}

/// One call site submitted to the catalog; the macros emit `inventory::submit!` with one.
#[derive(Debug)]
pub enum SiteRegistration {
    /// A `#[counted]` function.
    Counted(&'static CountedSite),
    /// A `#[timed]` function.
    Timed(&'static TimedSite),
    /// An `#[in_flight]` function.
    InFlight(&'static InFlightSite),
}

inventory::collect!(SiteRegistration);
