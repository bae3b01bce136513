//! Time, as metrics need it: wall-clock seconds for `_created` and exemplar timestamps, and
//! a monotonic clock that a summary's sliding window can be driven by in tests.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The current Unix time in seconds, as exposition formats write timestamps.
pub(crate) fn unix_seconds() -> f64 {
    // A clock before 1970 is a broken clock; report the epoch rather than panic.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The start of a timed span, on the clock that timers and `#[timed]` read: the system's
/// monotonic clock, or with the `tsc` feature the CPU's time-stamp counter through
/// `quanta`, which reads in a fraction of the time a system clock call takes.
///
/// ```
/// use tallymark_core::metric::Stopwatch;
///
/// let started = Stopwatch::start();
/// assert!(started.elapsed_secs() >= 0.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    #[cfg(not(feature = "tsc"))]
    start: Instant,
    #[cfg(feature = "tsc")]
    start: quanta::Instant,
}

impl Stopwatch {
    /// Starts timing now.
    #[inline]
    pub fn start() -> Self {
        #[cfg(not(feature = "tsc"))]
        let start = Instant::now();
        #[cfg(feature = "tsc")]
        let start = quanta::Instant::now();
        Stopwatch { start }
    }

    /// The time since [`Stopwatch::start`].
    #[inline]
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The time since [`Stopwatch::start`], in seconds, as histograms record it.
    #[inline]
    pub fn elapsed_secs(&self) -> f64 {
        self.elapsed().as_secs_f64()
    }
}

/// A monotonic clock: time elapsed since an origin of the clock's choosing. A
/// [`Summary`](crate::Summary) reads it to age its window; tests swap in a [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time since the clock's origin; never goes backwards.
    fn now(&self) -> Duration;
}

/// The process's monotonic clock, counted from its first use.
///
/// ```
/// use tallymark_core::metric::{Clock, SystemClock};
///
/// let earlier = SystemClock.now();
/// assert!(SystemClock.now() >= earlier);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// A clock that moves only when told to, so tests of time windows need no sleeps.
///
/// ```
/// use std::time::Duration;
/// use tallymark_core::metric::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), Duration::from_secs(90));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock at its origin.
    pub const fn new() -> Self {
        ManualClock {
            nanos: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Relaxed))
    }
}
