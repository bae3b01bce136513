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

/// The start of a timed span, on the clock that timers and `#[timed]` read.
///
/// With the `tsc` feature (on by default in `tallymark`), that is the CPU's time-stamp
/// counter through `quanta`: one `rdtsc` per reading, scaled to nanoseconds once, at the
/// end. `quanta` checks at first use that the counter is invariant (it ticks at one rate
/// whatever the core's frequency or sleep state) and reads the system's monotonic clock
/// instead where it is not, or where there is no counter to read. Its first use also
/// calibrates the counter against that clock, which takes a few milliseconds once per
/// process. Without the feature, it is `std::time::Instant`.
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
    /// A raw reading of [`counter`]: ticks, not nanoseconds, until scaled.
    #[cfg(feature = "tsc")]
    start: u64,
}

/// The process's one `quanta` clock. Holding it here, not going through
/// `quanta::Instant::now`, saves a thread-local lookup and a scaling on every reading.
#[cfg(feature = "tsc")]
#[inline]
fn counter() -> &'static quanta::Clock {
    static COUNTER: OnceLock<quanta::Clock> = OnceLock::new();
    COUNTER.get_or_init(quanta::Clock::new)
}

impl Stopwatch {
    /// Starts timing now.
    #[inline]
    pub fn start() -> Self {
        #[cfg(not(feature = "tsc"))]
        let start = Instant::now();
        #[cfg(feature = "tsc")]
        let start = counter().raw();
        Stopwatch { start }
    }

    /// Whole nanoseconds since [`Stopwatch::start`], as duration histograms record them;
    /// `u64::MAX` after 584 years.
    #[inline]
    pub fn elapsed_nanos(&self) -> u64 {
        #[cfg(not(feature = "tsc"))]
        let nanos = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        #[cfg(feature = "tsc")]
        let nanos = {
            let clock = counter();
            // Zero, not a wrapped difference, if another core's counter reads behind.
            clock.delta_as_nanos(self.start, clock.raw())
        };
        nanos
    }

    /// The time since [`Stopwatch::start`].
    #[inline]
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.elapsed_nanos())
    }

    /// The time since [`Stopwatch::start`], in seconds.
    #[inline]
    pub fn elapsed_secs(&self) -> f64 {
        // Division, not a product with 1e-9, rounds once: 250 ms is exactly 0.25.
        self.elapsed_nanos() as f64 / 1e9
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopwatch_never_reads_backwards() {
        let started = Stopwatch::start();
        let mut last = 0;
        for _ in 0..100_000 {
            let now = started.elapsed_nanos();
            assert!(now >= last, "{now} ns read after {last} ns");
            last = now;
        }
    }

    #[test]
    fn a_stopwatch_started_on_one_thread_reads_on_another() {
        let started = Stopwatch::start();
        let std_started = Instant::now();
        let (ours, std_after) = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            (started.elapsed_nanos(), std_started.elapsed())
        })
        .join()
        .unwrap();
        assert!(ours >= 5_000_000, "{ours} ns across a 5 ms sleep");
        assert!(u128::from(ours) <= std_after.as_nanos() + 1_000_000);
    }

    /// Over 100 ms, the stopwatch agrees with `Instant` within 1%. Each of its readings is
    /// bracketed by two of `Instant`'s, so a preemption between readings widens the
    /// bracket instead of failing the test.
    #[test]
    fn a_stopwatch_is_calibrated_within_one_percent_of_instant() {
        let before_start = Instant::now();
        let started = Stopwatch::start();
        let after_start = Instant::now();
        std::thread::sleep(Duration::from_millis(100));
        let before_end = Instant::now();
        let ours = u128::from(started.elapsed_nanos());
        let after_end = Instant::now();

        let shortest = (before_end - after_start).as_nanos();
        let longest = (after_end - before_start).as_nanos();
        assert!(shortest >= 100_000_000);
        assert!(
            ours * 100 >= shortest * 99 && ours * 100 <= longest * 101,
            "{ours} ns against Instant's {shortest}..={longest} ns"
        );
    }

    #[test]
    fn elapsed_agrees_with_elapsed_nanos() {
        let started = Stopwatch::start();
        std::thread::sleep(Duration::from_millis(1));
        let nanos = started.elapsed_nanos();
        let secs = started.elapsed_secs();
        let duration = started.elapsed();
        assert!(nanos >= 1_000_000);
        assert!(duration.as_nanos() >= u128::from(nanos));
        assert!(secs >= nanos as f64 / 1e9);
    }
}
