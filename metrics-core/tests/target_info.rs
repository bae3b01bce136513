//! `Registry::set_target_info`: one info family of constant labels, first in every format,
//! whose name no family can take.

use std::sync::Arc;

use tallymark_core::{Counter, Descriptor, Format, Gauge, Registry, RegistryError};

fn encoded(registry: &Registry, format: Format) -> String {
    let mut out = Vec::new();
    registry.encode_as(format, &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn target_info_comes_first_as_an_info_family_and_is_replaced_when_set_again() {
    const JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs.");
    let registry = Registry::new();
    registry
        .register(Arc::new(Counter::new().described(&JOBS)))
        .unwrap();
    assert_eq!(registry.target_info(), []);
    registry.set_target_info(&[("service", "old")]).unwrap();
    registry
        .set_target_info(&[("service", "billing \"eu\""), ("env", "prod")])
        .unwrap();
    assert_eq!(
        registry.target_info(),
        [
            ("service".to_owned(), "billing \"eu\"".to_owned()),
            ("env".to_owned(), "prod".to_owned())
        ]
    );
    let om = encoded(&registry, Format::OpenMetrics);
    assert!(
        om.starts_with(
            "# TYPE target info\n# HELP target Target metadata.\n\
             target_info{service=\"billing \\\"eu\\\"\",env=\"prod\"} 1\n\
             # TYPE jobs counter\n"
        ),
        "{om}"
    );
    let text = encoded(&registry, Format::Text);
    assert!(
        text.starts_with(
            "# HELP target_info Target metadata.\n# TYPE target_info gauge\n\
             target_info{service=\"billing \\\"eu\\\"\",env=\"prod\"} 1\n"
        ),
        "{text}"
    );
}

#[test]
fn the_name_target_info_is_one_family_or_the_other() {
    const TARGET: Descriptor = Descriptor::new("target_info", "Mine.");
    let taken = Registry::new();
    taken
        .register(Arc::new(Gauge::new().described(&TARGET)))
        .unwrap();
    assert!(matches!(
        taken.set_target_info(&[("a", "b")]),
        Err(RegistryError::Duplicate { name, .. }) if name == "target_info"
    ));

    let set = Registry::new();
    set.set_target_info(&[]).unwrap();
    assert!(matches!(
        set.register(Arc::new(Gauge::new().described(&TARGET))),
        Err(RegistryError::Duplicate { .. })
    ));
    assert_eq!(
        set.render(),
        "# HELP target_info Target metadata.\n# TYPE target_info gauge\ntarget_info 1\n"
    );
    // Label names follow the usual rules.
    assert_eq!(
        set.set_target_info(&[("__x", "1")])
            .unwrap_err()
            .to_string(),
        "invalid name `__x`: a label name starting with `__` is reserved for Prometheus"
    );
    assert_eq!(
        set.set_target_info(&[("a", "1"), ("a", "2")])
            .unwrap_err()
            .to_string(),
        "invalid name `a`: a label name appears twice in one family"
    );
}
