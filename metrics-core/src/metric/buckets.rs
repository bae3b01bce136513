//! Histogram bucket bounds: the Prometheus defaults, generators, and the rules they obey.

use std::fmt;

// Shared with `#[metric(buckets = ..)]`, which checks the same limit at compile time.
pub use crate::names::rules::MAX_BUCKETS;

/// The Prometheus client default bounds, tuned for request latencies in seconds.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// `N` bounds starting at `start`, each `width` above the last.
///
/// ```
/// use tallymark_core::buckets::linear;
/// assert_eq!(linear::<4>(1.0, 0.5), [1.0, 1.5, 2.0, 2.5]);
/// ```
pub const fn linear<const N: usize>(start: f64, width: f64) -> [f64; N] {
    let mut out = [0.0; N];
    let mut i = 0;
    while i < N {
        out[i] = start + width * i as f64;
        i += 1;
    }
    out
}

/// `N` bounds starting at `start`, each `factor` times the last. Like every Prometheus
/// client, this multiplies repeatedly, so a factor that is not a power of two can leave
/// the last bits of a bound inexact (`0.001 * 10 * 10` is `0.10000000000000002`).
///
/// ```
/// use tallymark_core::buckets::exponential;
/// assert_eq!(exponential::<4>(0.25, 2.0), [0.25, 0.5, 1.0, 2.0]);
/// ```
pub const fn exponential<const N: usize>(start: f64, factor: f64) -> [f64; N] {
    let mut out = [0.0; N];
    let mut next = start;
    let mut i = 0;
    while i < N {
        out[i] = next;
        next *= factor;
        i += 1;
    }
    out
}

/// Why a list of bucket bounds was refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BucketsError {
    /// A bound is NaN.
    NaN {
        /// Its position.
        index: usize,
    },
    /// A bound is not greater than the one before it.
    NotAscending {
        /// Its position.
        index: usize,
    },
    /// More than [`MAX_BUCKETS`] finite bounds.
    TooMany {
        /// How many were given.
        len: usize,
    },
}

impl fmt::Display for BucketsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BucketsError::NaN { index } => write!(f, "bucket bound {index} is NaN"),
            BucketsError::NotAscending { index } => write!(
                f,
                "bucket bound {index} is not greater than the bound before it"
            ),
            BucketsError::TooMany { len } => write!(
                f,
                "{len} bucket bounds given; a histogram holds at most {MAX_BUCKETS}"
            ),
        }
    }
}

impl std::error::Error for BucketsError {}

/// Checks bounds and returns how many are finite: a trailing `+Inf` is allowed and
/// dropped, since the `+Inf` bucket always exists.
pub const fn validate(bounds: &[f64]) -> Result<usize, BucketsError> {
    let mut len = bounds.len();
    if len > 0 && bounds[len - 1] == f64::INFINITY {
        len -= 1;
    }
    if len > MAX_BUCKETS {
        return Err(BucketsError::TooMany { len });
    }
    let mut i = 0;
    while i < len {
        let b = bounds[i];
        if b.is_nan() {
            return Err(BucketsError::NaN { index: i });
        }
        // Neither side is NaN here, so `<=` is the exact negation of `>`.
        if i > 0 && b <= bounds[i - 1] {
            return Err(BucketsError::NotAscending { index: i });
        }
        i += 1;
    }
    Ok(len)
}

/// The finite part of `bounds`, for `const` constructors: bad bounds stop compilation of
/// the `static` that holds them.
pub(crate) const fn checked(bounds: &'static [f64]) -> &'static [f64] {
    match validate(bounds) {
        Ok(len) => bounds.split_at(len).0,
        Err(BucketsError::NaN { .. }) => panic!("histogram bucket bounds contain NaN"),
        Err(BucketsError::NotAscending { .. }) => {
            panic!("histogram bucket bounds must strictly ascend")
        }
        Err(BucketsError::TooMany { .. }) => panic!("a histogram holds at most 64 bounds"),
    }
}
