//! Properties every histogram keeps, whatever it is fed.

use tallymark_core::encoding::text::TextSamples;
use tallymark_core::{buckets, Histogram, Metric};

static SEEDED: Histogram = Histogram::with_buckets(&[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]);

fn bucket_lines(h: &Histogram) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    h.encode_series(&mut TextSamples::new(&mut out, "h"));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("h_bucket"))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

#[test]
fn buckets_are_cumulative_ascending_and_inf_equals_count() {
    let values = [
        0.0,
        0.01,
        0.011,
        0.3,
        0.3,
        4.9,
        5.0,
        5.1,
        100.0,
        -1.0,
        f64::NAN,
    ];
    for v in values {
        SEEDED.observe(v);
    }
    let lines = bucket_lines(&SEEDED);
    let les: Vec<&str> = lines
        .iter()
        .map(|(s, _)| s.split("le=\"").nth(1).unwrap().trim_end_matches("\"}"))
        .collect();
    assert_eq!(
        les,
        ["0.01", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"]
    );
    let counts: Vec<u64> = lines.iter().map(|(_, c)| *c).collect();
    // -1, 0 and 0.01 are <= 0.01; 0.011 <= 0.05; 0.3 twice <= 0.5; 4.9 and 5.0 <= 5; 5.1,
    // 100 and NaN only in +Inf.
    assert_eq!(counts, [3, 4, 4, 4, 6, 6, 6, 8, 11]);
    assert!(counts.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*counts.last().unwrap(), SEEDED.count());
}

#[test]
fn default_buckets_are_the_prometheus_defaults() {
    let h = Histogram::new();
    assert_eq!(
        h.bounds(),
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
    );
}

#[test]
fn a_trailing_inf_bound_is_implied_and_dropped() {
    static WITH_INF: Histogram = Histogram::with_buckets(&[1.0, 2.0, f64::INFINITY]);
    assert_eq!(WITH_INF.bounds(), [1.0, 2.0]);
}

#[test]
fn bad_bounds_are_errors_at_run_time() {
    static DESCENDING: [f64; 2] = [2.0, 1.0];
    static NAN: [f64; 2] = [1.0, f64::NAN];
    assert_eq!(
        Histogram::try_with_buckets(&DESCENDING)
            .unwrap_err()
            .to_string(),
        "bucket bound 1 is not greater than the bound before it"
    );
    assert_eq!(
        Histogram::try_with_buckets(&NAN).unwrap_err().to_string(),
        "bucket bound 1 is NaN"
    );
}

#[test]
fn generators_give_linear_and_exponential_bounds() {
    assert_eq!(buckets::linear::<3>(0.5, 0.25), [0.5, 0.75, 1.0]);
    assert_eq!(buckets::exponential::<3>(1.0, 3.0), [1.0, 3.0, 9.0]);
}

#[test]
fn the_timer_records_once_on_drop_and_not_when_discarded() {
    let h = Histogram::new();
    {
        let _timer = h.start_timer();
    }
    let elapsed = h.start_timer().observe_duration();
    h.start_timer().discard();
    assert_eq!(h.count(), 2);
    assert!(elapsed >= 0.0 && h.sum() >= elapsed);
}
