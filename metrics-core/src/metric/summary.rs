//! Quantiles over a sliding time window, kept in DDSketches.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sketches_ddsketch::{Config, DDSketch};

use crate::clock::{Clock, SystemClock};
use crate::descriptor::{Descriptor, UNNAMED};
use crate::encoding::SummarySnapshot;

/// The quantiles a summary reports unless told otherwise, as in client_golang.
pub const DEFAULT_QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];
/// How far back quantiles look by default: ten minutes, as in client_golang.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);
/// Into how many age buckets the window is cut by default, as in client_golang.
pub const DEFAULT_AGE_BUCKETS: u32 = 5;
/// The sketches' relative accuracy: a reported quantile is within 1% of a value whose
/// rank is the requested one (DDSketch's guarantee, with `sketches-ddsketch`'s defaults).
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// A summary: `_sum` and `_count` over all time, and quantiles over a sliding window.
///
/// The window is cut into age buckets, each a DDSketch covering `max_age / age_buckets`.
/// An observation goes into the newest; a scrape merges them all, so quantiles cover
/// between `max_age * (age_buckets - 1) / age_buckets` and `max_age` of the most recent
/// observations, and are NaN when that holds none. Magnitudes below 1e-9 count as zero.
///
/// Quantiles of different series cannot be averaged or summed: a summary aggregates only
/// through `_sum` and `_count`. Prefer a histogram when series are to be combined.
///
/// ```
/// use tallymark_core::Summary;
///
/// static PAYLOAD_BYTES: Summary = Summary::new();
/// for size in 1..=100 {
///     PAYLOAD_BYTES.observe(f64::from(size));
/// }
/// let snapshot = PAYLOAD_BYTES.snapshot();
/// assert_eq!(snapshot.count, 100);
/// let (q, median) = snapshot.quantiles[0];
/// assert_eq!(q, 0.5);
/// assert!((median - 50.0).abs() <= 50.0 * 0.01);
/// ```
pub struct Summary {
    quantiles: &'static [f64],
    max_age: Duration,
    age_buckets: u32,
    clock: Option<Arc<dyn Clock>>,
    window: Mutex<Window>,
    desc: &'static Descriptor,
}

/// Everything under the lock: the age buckets and the all-time sum and count.
struct Window {
    /// Empty until first used, since `DDSketch::new` is not `const`.
    sketches: Vec<DDSketch>,
    /// The age-bucket period the newest sketch covers.
    period: u64,
    count: u64,
    sum: f64,
}

impl Summary {
    /// A summary with the default quantiles and window, usable in a `static`.
    pub const fn new() -> Self {
        Summary {
            quantiles: &DEFAULT_QUANTILES,
            max_age: DEFAULT_MAX_AGE,
            age_buckets: DEFAULT_AGE_BUCKETS,
            clock: None,
            window: Mutex::new(Window {
                sketches: Vec::new(),
                period: 0,
                count: 0,
                sum: 0.0,
            }),
            desc: &UNNAMED,
        }
    }

    /// Reports these quantiles, which must ascend strictly within `0..=1`.
    ///
    /// # Panics
    /// When they do not; in a `static`, a compile error.
    pub const fn with_quantiles(mut self, quantiles: &'static [f64]) -> Self {
        check_quantiles(quantiles);
        self.quantiles = quantiles;
        self
    }

    /// Computes quantiles over the last `max_age`, cut into `age_buckets` buckets.
    ///
    /// # Panics
    /// When either is zero; in a `static`, a compile error.
    pub const fn with_window(mut self, max_age: Duration, age_buckets: u32) -> Self {
        if age_buckets == 0 || max_age.is_zero() {
            panic!("a summary window needs a duration and at least one age bucket");
        }
        self.max_age = max_age;
        self.age_buckets = age_buckets;
        self
    }

    /// Ages the window by `clock` instead of the process's monotonic clock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use tallymark_core::metric::ManualClock;
    /// use tallymark_core::Summary;
    ///
    /// let clock = Arc::new(ManualClock::new());
    /// let summary = Summary::new().with_clock(clock.clone());
    /// summary.observe(1.0);
    /// clock.advance(Duration::from_secs(600));
    /// assert!(summary.snapshot().quantiles[0].1.is_nan());
    /// assert_eq!(summary.count(), 1);
    /// ```
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Attaches the family's descriptor, taking its quantiles when it has any;
    /// `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        if !desc.quantiles().is_empty() {
            self = self.with_quantiles(desc.quantiles());
        }
        self.desc = desc;
        self
    }

    /// Records one observation. Every value counts toward `_count` and `_sum` (so NaN makes
    /// `_sum` NaN, which OpenMetrics then leaves out), but only finite values go into the
    /// quantiles: the sketch has no bucket for an infinity or NaN.
    pub fn observe(&self, v: f64) {
        let period = self.period_now();
        let mut window = self.lock();
        self.age(&mut window, period);
        let newest = (window.period % u64::from(self.age_buckets)) as usize;
        if v.is_finite() {
            if let Some(sketch) = window.sketches.get_mut(newest) {
                sketch.add(v);
            }
        }
        window.count = window.count.saturating_add(1);
        window.sum += v;
    }

    /// Records a duration in seconds.
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.lock().count
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        self.lock().sum
    }

    /// The quantiles over the current window, with the sum and count.
    pub fn snapshot(&self) -> SummarySnapshot {
        let period = self.period_now();
        let mut window = self.lock();
        self.age(&mut window, period);
        let mut merged = DDSketch::new(Config::defaults());
        for sketch in &window.sketches {
            // Every sketch has the default config, so merging cannot fail.
            let _ = merged.merge(sketch);
        }
        let quantiles = self
            .quantiles
            .iter()
            .map(|&q| (q, merged.quantile(q).ok().flatten().unwrap_or(f64::NAN)))
            .collect();
        SummarySnapshot {
            quantiles,
            sum: window.sum,
            count: window.count,
        }
    }

    /// The quantiles reported, ascending.
    pub fn quantiles(&self) -> &'static [f64] {
        self.quantiles
    }

    pub(crate) fn reset(&self) {
        let mut window = self.lock();
        window.sketches.clear();
        window.count = 0;
        window.sum = 0.0;
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Which age-bucket period it is now.
    fn period_now(&self) -> u64 {
        let now = match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        };
        let width = (self.max_age / self.age_buckets).as_nanos().max(1);
        u64::try_from(now.as_nanos() / width).unwrap_or(u64::MAX)
    }

    /// Empties the sketches whose period has passed, up to all of them.
    fn age(&self, window: &mut Window, period: u64) {
        let buckets = u64::from(self.age_buckets);
        if window.sketches.is_empty() {
            window.sketches = (0..buckets)
                .map(|_| DDSketch::new(Config::defaults()))
                .collect();
            window.period = period;
            return;
        }
        let stale = period.saturating_sub(window.period).min(buckets);
        for step in 1..=stale {
            let index = ((window.period + step) % buckets) as usize;
            if let Some(sketch) = window.sketches.get_mut(index) {
                *sketch = DDSketch::new(Config::defaults());
            }
        }
        window.period = window.period.max(period);
    }
}

/// Stops compilation of a `static` whose quantiles are outside `0..=1` or do not ascend.
pub(crate) const fn check_quantiles(quantiles: &[f64]) {
    let mut i = 0;
    while i < quantiles.len() {
        let q = quantiles[i];
        if !(q >= 0.0 && q <= 1.0) {
            panic!("summary quantiles lie within 0..=1");
        }
        if i > 0 && q <= quantiles[i - 1] {
            panic!("summary quantiles must strictly ascend");
        }
        i += 1;
    }
}

impl Default for Summary {
    fn default() -> Self {
        Summary::new()
    }
}

impl fmt::Debug for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Summary")
            .field("name", &self.desc.name())
            .field("quantiles", &self.quantiles)
            .field("max_age", &self.max_age)
            .field("age_buckets", &self.age_buckets)
            .finish_non_exhaustive()
    }
}
