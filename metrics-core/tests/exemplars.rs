//! Exemplars are written only by the formats that carry them, and one over the
//! OpenMetrics length limit is dropped, counted, and never written.

use tallymark_core::metric::{exemplars_dropped, MAX_EXEMPLAR_RUNES};
use tallymark_core::{Counter, Descriptor, Format, Histogram, Registry};

static ORDERS: Counter =
    Counter::new().described(const { &Descriptor::new("orders_total", "Orders.") });
static WAIT: Histogram =
    Histogram::with_buckets(&[1.0]).described(const { &Descriptor::new("wait_seconds", "Waits.") });

fn openmetrics(registry: &Registry) -> String {
    let mut out = Vec::new();
    registry.encode_as(Format::OpenMetrics, &mut out);
    String::from_utf8(out).unwrap()
}

fn exemplar_of(text: &str, sample: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with(sample))?;
    let (_, exemplar) = line.split_once(" # ")?;
    Some(exemplar.rsplit_once(' ')?.0.to_owned())
}

#[test]
fn exemplars_up_to_128_code_points_are_kept_and_longer_ones_dropped_and_counted_globally() {
    let registry = Registry::new();
    registry.register_static(&ORDERS).unwrap();
    registry.register_static(&WAIT).unwrap();

    // "trace_id" is 8 code points; "ü" is one code point and two bytes.
    let fits = "ü".repeat(MAX_EXEMPLAR_RUNES - 8);
    let too_long = "ü".repeat(MAX_EXEMPLAR_RUNES - 7);
    let dropped_before = exemplars_dropped();

    ORDERS.inc_with_exemplar(&[("trace_id", &fits)]);
    WAIT.observe_with_exemplar(0.5, &[("trace_id", &fits)]);
    ORDERS.inc_with_exemplar(&[("trace_id", &too_long)]);
    WAIT.observe_with_exemplar(0.7, &[("trace_id", &too_long)]);
    WAIT.observe_with_exemplar(0.9, &[("bad\nname", "x")]);

    assert_eq!(exemplars_dropped() - dropped_before, 3);
    let text = openmetrics(&registry);
    let kept = format!("{{trace_id=\"{fits}\"}} 1");
    assert_eq!(exemplar_of(&text, "orders_total ").as_deref(), Some(&*kept));
    let kept = format!("{{trace_id=\"{fits}\"}} 0.5");
    assert_eq!(
        exemplar_of(&text, "wait_seconds_bucket{le=\"1.0\"}").as_deref(),
        Some(&*kept)
    );
    assert!(!text.contains(&too_long));
    // The values still counted.
    assert_eq!(ORDERS.get(), 2.0);
    assert_eq!(WAIT.count(), 3);
    // The 0.0.4 format never writes exemplars.
    assert!(!registry.render().contains(" # {"));

    // Explicit registries show only what was put in them; the global one, once anything
    // was dropped, says how much.
    assert!(!text.contains("tallymark_exemplars_dropped"));
    let text = Registry::global().render();
    assert!(
        text.contains(
            "# TYPE tallymark_exemplars_dropped_total counter\ntallymark_exemplars_dropped_total "
        ),
        "{text}"
    );
}
