//! The program-wide catalog: every family submitted through `inventory`, gathered once.

use std::sync::OnceLock;

mod dashboard;
mod objective;
mod reference;
mod rules;
mod text;

pub use dashboard::{dashboard, global_dashboard, SCOPE};
pub use objective::{objectives, Objective, ObjectiveRegistration};
pub use reference::{global_reference, reference};
pub use rules::{
    alert_rules, global_alert_rules, ERROR_RATIO_THRESHOLD, LATENCY_P99_THRESHOLD_SECONDS,
};

use crate::registry::{CatalogWarning, Metric, Registry, RegistryError};

/// One family submitted to the global catalog. `#[tallymark::metric]` emits
/// `inventory::submit!` with one of these for each declared `static`.
pub struct Registration {
    metric: &'static dyn Metric,
}

impl Registration {
    /// Wraps a declared family.
    pub const fn new(metric: &'static dyn Metric) -> Self {
        Registration { metric }
    }
}

inventory::collect!(Registration);

struct Catalog {
    registry: Registry,
    errors: Vec<RegistryError>,
    warnings: Vec<CatalogWarning>,
}

static CATALOG: OnceLock<Catalog> = OnceLock::new();

fn catalog() -> &'static Catalog {
    CATALOG.get_or_init(|| {
        let registry = Registry::process_wide();
        let mut submitted: Vec<&'static dyn Metric> = inventory::iter::<Registration>
            .into_iter()
            .map(|r| r.metric)
            .collect();
        // Link order is arbitrary; sorting makes "first" and "second" in a collision report
        // the same on every run.
        submitted.sort_by_key(|m| (m.descriptor().name(), m.descriptor().module()));
        submitted.extend(crate::instrument::default_families());
        let errors: Vec<RegistryError> = submitted
            .into_iter()
            .filter_map(|m| registry.register_static(m).err())
            .collect();
        // Said once, when the catalog is first used, so a program that only renders can
        // still hear about a family it lost; `catalog_errors()` keeps them for asking.
        for error in &errors {
            crate::diagnostics::declaration_refused(error);
        }
        Catalog {
            registry,
            errors,
            warnings: crate::instrument::merged_call_sites(),
        }
    })
}

/// The global registry: every declared family of the program, plus collectors registered
/// at run time.
pub fn global() -> &'static Registry {
    &catalog().registry
}

impl Registry {
    /// The global registry; see [`global`].
    pub fn global() -> &'static Registry {
        global()
    }

    /// Problems found while building the global catalog, such as two families with one
    /// name. The refused families are left out of every scrape; the standalone server
    /// refuses to start while this is non-empty.
    pub fn catalog_errors() -> &'static [RegistryError] {
        &catalog().errors
    }

    /// What the global catalog accepted but a person should look at, each said once: so
    /// far, annotated functions that resolve to one `function` and `module` and so share
    /// one series of a default family. Nothing is lost (their calls add up); each warning
    /// names every source location and how to tell them apart.
    pub fn catalog_warnings() -> &'static [CatalogWarning] {
        &catalog().warnings
    }
}
