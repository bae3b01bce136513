//! The drop guard behind `#[timed]`, `#[counted]` and `#[in_flight]`: whichever way a call
//! ends, it is recorded exactly once, with how it ended.

use crate::instrument::trace::{current_trace_id, TRACE_ID_LABEL};

use crate::labels::SeriesHandle;
use crate::metric::{BucketCounts, Counter, Gauge, Histogram, IntGauge, Stopwatch};

/// How a call ended: the `result` label of the default families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It returned, and not an `Err`.
    Ok,
    /// It returned `Err(_)`.
    Error,
    /// Its body panicked.
    Panic,
    /// Its future was dropped before it finished.
    Cancelled,
}

impl Outcome {
    /// Every outcome, in label order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Panic,
        Outcome::Cancelled,
    ];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// `Ok` or `Error`, after a returned `Result`.
    #[inline]
    pub fn of_result<T, E>(result: &Result<T, E>) -> Outcome {
        match result {
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::Error,
        }
    }

    /// `Ok` or `Error`, after a returned value that can be an error: what the attributes
    /// call for a function whose return type is a `Result`.
    #[inline]
    pub fn of_return<R: Fallible + ?Sized>(returned: &R) -> Outcome {
        returned.outcome()
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// A return value that can be an error, so that a call ends in `ok` or `error`. `Result`
/// is one; a type of one's own can be one too, with `result = "result"` in the attribute.
///
/// ```
/// use tallymark_core::{Fallible, Outcome};
///
/// assert_eq!(Err::<(), u8>(1).outcome(), Outcome::Error);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Result`, so a call cannot be told to have failed",
    label = "the return type is spelled `Result`, but this one is not `std`'s",
    note = "write `result = \"ok\"` in the attribute to record every return as `ok`, or \
            implement `Fallible` for it"
)]
pub trait Fallible {
    /// How a call that returned this value ended.
    fn outcome(&self) -> Outcome;
}

impl<T, E> Fallible for Result<T, E> {
    #[inline]
    fn outcome(&self) -> Outcome {
        Outcome::of_result(self)
    }
}

/// Something a call can be recorded into: a call site of a default family, or a declared
/// counter, histogram or gauge.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot record a call by itself",
    label = "a family records into one of its series: give its label values with `labels(name = value, ..)`"
)]
pub trait Recorder {
    /// What entering leaves for exiting: the start time for timers, nothing otherwise.
    type Start;
    /// Called as the call starts.
    fn enter(&self) -> Self::Start;
    /// Called once as the call ends.
    fn exit(&self, start: Self::Start, outcome: Outcome);
}

/// Records one call into a [`Recorder`]: [`CallGuard::finish`] on a normal return, or on
/// drop, as `Panic` while unwinding and `Cancelled` otherwise (a future dropped mid-way).
///
/// ```
/// use tallymark_core::__private::{CallGuard, Outcome};
/// use tallymark_core::Counter;
///
/// static CALLS: Counter = Counter::new();
/// let guard = CallGuard::enter(&CALLS);
/// guard.finish(Outcome::Ok);
/// assert_eq!(CALLS.get(), 1.0);
/// ```
#[must_use = "a guard dropped at once records a cancelled call"]
pub struct CallGuard<'a, R: Recorder + ?Sized> {
    recorder: &'a R,
    start: Option<R::Start>,
}

impl<'a, R: Recorder + ?Sized> CallGuard<'a, R> {
    /// Starts recording a call.
    #[inline]
    pub fn enter(recorder: &'a R) -> Self {
        CallGuard {
            recorder,
            start: Some(recorder.enter()),
        }
    }

    /// Records the call as ended with `outcome`.
    #[inline]
    pub fn finish(mut self, outcome: Outcome) {
        if let Some(start) = self.start.take() {
            self.recorder.exit(start, outcome);
        }
    }
}

impl<R: Recorder + ?Sized> Drop for CallGuard<'_, R> {
    #[inline]
    fn drop(&mut self) {
        if let Some(start) = self.start.take() {
            let outcome = if std::thread::panicking() {
                Outcome::Panic
            } else {
                Outcome::Cancelled
            };
            self.recorder.exit(start, outcome);
        }
    }
}

/// Runs `body` once. The attributes run a function's body as a closure through this, so
/// that `return` and `?` end the closure and the guard sees the value; requiring `FnOnce`
/// lets the body return borrows of what it captured, as `&mut self` methods do.
///
/// ```
/// let mut v = vec![1];
/// let last: &mut i32 = tallymark_core::__private::call_once(|| v.last_mut().unwrap());
/// *last = 2;
/// assert_eq!(v, [2]);
/// ```
#[inline]
pub fn call_once<R>(body: impl FnOnce() -> R) -> R {
    body()
}

impl Recorder for Counter {
    type Start = ();
    #[inline]
    fn enter(&self) {}
    #[inline]
    fn exit(&self, (): (), _: Outcome) {
        match current_trace_id() {
            Some(id) => self.inc_with_exemplar(&[(TRACE_ID_LABEL, id.as_str())]),
            None => self.inc(),
        }
    }
}

impl<C: BucketCounts> Recorder for Histogram<C> {
    type Start = Stopwatch;
    #[inline]
    fn enter(&self) -> Stopwatch {
        Stopwatch::start()
    }
    #[inline]
    fn exit(&self, start: Stopwatch, _: Outcome) {
        observe_traced(self, start.elapsed_secs());
    }
}

/// Observes `seconds`, with the current trace id as the bucket's exemplar when there is one.
#[inline]
pub(crate) fn observe_traced<C: BucketCounts>(histogram: &Histogram<C>, seconds: f64) {
    match current_trace_id() {
        Some(id) => histogram.observe_with_exemplar(seconds, &[(TRACE_ID_LABEL, id.as_str())]),
        None => histogram.observe(seconds),
    }
}

impl Recorder for IntGauge {
    type Start = ();
    #[inline]
    fn enter(&self) {
        self.inc();
    }
    #[inline]
    fn exit(&self, (): (), _: Outcome) {
        self.dec();
    }
}

impl Recorder for Gauge {
    type Start = ();
    #[inline]
    fn enter(&self) {
        self.inc();
    }
    #[inline]
    fn exit(&self, (): (), _: Outcome) {
        self.dec();
    }
}

impl<S: Recorder> Recorder for SeriesHandle<'_, S> {
    type Start = S::Start;
    #[inline]
    fn enter(&self) -> S::Start {
        (**self).enter()
    }
    #[inline]
    fn exit(&self, start: S::Start, outcome: Outcome) {
        (**self).exit(start, outcome);
    }
}
