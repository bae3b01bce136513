//! Summary quantiles come from a sketch with a stated relative error, over a sliding window
//! that an injected clock moves, so no test sleeps.

use std::sync::Arc;
use std::time::Duration;

use tallymark_core::metric::{ManualClock, RELATIVE_ACCURACY};
use tallymark_core::Summary;

fn quantiles(summary: &Summary) -> Vec<(f64, f64)> {
    summary.snapshot().quantiles
}

/// Whether `value` is within the sketch's relative error of `want`, allowing for the last
/// bit of rounding in the sketch's own arithmetic (1 comes back as 1.01).
fn within_error(value: f64, want: f64) -> bool {
    (value - want).abs() <= want * RELATIVE_ACCURACY * (1.0 + 1e-12)
}

#[test]
fn values_one_to_a_thousand_give_quantiles_within_the_sketch_error() {
    let summary = Summary::new();
    for v in 1..=1000 {
        summary.observe(f64::from(v));
    }
    let got = quantiles(&summary);
    let expected = [(0.5, 500.0), (0.9, 900.0), (0.99, 990.0)];
    assert_eq!(got.len(), expected.len());
    for ((q, value), (want_q, want)) in got.into_iter().zip(expected) {
        assert_eq!(q, want_q);
        assert!(
            within_error(value, want),
            "quantile {q}: {value} is not within {RELATIVE_ACCURACY} of {want}"
        );
    }
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count, 1000);
    assert_eq!(snapshot.sum, 500_500.0);
}

#[test]
fn quantiles_are_nan_before_any_observation_and_after_the_window_passes() {
    let clock = Arc::new(ManualClock::new());
    let summary = Summary::new().with_clock(clock.clone());
    assert!(quantiles(&summary).iter().all(|(_, v)| v.is_nan()));
    for v in 1..=1000 {
        summary.observe(f64::from(v));
    }
    clock.advance(Duration::from_secs(599));
    assert!(quantiles(&summary).iter().all(|(_, v)| !v.is_nan()));
    clock.advance(Duration::from_secs(1));
    assert!(quantiles(&summary).iter().all(|(_, v)| v.is_nan()));
    // Sum and count are over all time, as client_golang keeps them.
    assert_eq!(summary.count(), 1000);
    assert_eq!(summary.sum(), 500_500.0);
}

#[test]
fn the_window_forgets_one_age_bucket_at_a_time() {
    let clock = Arc::new(ManualClock::new());
    let summary = Summary::new()
        .with_window(Duration::from_secs(50), 5)
        .with_quantiles(&[0.5])
        .with_clock(clock.clone());
    summary.observe(1000.0); // in the bucket of seconds 0..10
    clock.advance(Duration::from_secs(25));
    summary.observe(1.0); // in the bucket of seconds 20..30
    let median = |s: &Summary| quantiles(s)[0].1;
    assert!(within_error(median(&summary), 1.0));
    clock.advance(Duration::from_secs(25)); // t = 50: the first bucket is gone
    let value = median(&summary);
    assert!(within_error(value, 1.0), "{value}");
    summary.observe(1000.0);
    summary.observe(1000.0);
    let value = median(&summary);
    assert!(within_error(value, 1000.0), "{value}");
    clock.advance(Duration::from_secs(50)); // t = 100: everything has aged out
    assert!(median(&summary).is_nan());
}

#[test]
fn nan_observations_count_but_stay_out_of_the_quantiles() {
    let summary = Summary::new().with_quantiles(&[0.5]);
    summary.observe(f64::NAN);
    summary.observe(2.0);
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count, 2);
    assert!(snapshot.sum.is_nan());
    assert!(within_error(snapshot.quantiles[0].1, 2.0));
}
