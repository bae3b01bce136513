//! Files for the people who run a program, made from the metric catalog it knows before
//! `main`: a Prometheus rule file, a Grafana dashboard and a Markdown reference.
//!
//! Each function takes any [`Registry`](crate::Registry); the `global_` ones read the
//! program's own catalog, which is what `--emit rules|dashboard|reference` in the
//! examples prints.
//!
//! ```
//! use tallymark::{metric, CounterFamily};
//!
//! /// Jobs run.
//! #[metric(labels(queue))]
//! static JOBS_TOTAL: CounterFamily<1> = CounterFamily::new();
//!
//! let rules = tallymark::catalog::alert_rules(tallymark::registry());
//! assert!(rules.contains("alert: \"TargetDown\""));
//! let dashboard = tallymark::catalog::dashboard(tallymark::registry());
//! assert!(dashboard.contains("rate(jobs_total{job=~\\\"$job\\\", instance=~\\\"$instance\\\"}"));
//! assert!(tallymark::catalog::reference(tallymark::registry()).contains("| `jobs_total` | counter |"));
//! ```

/// The objectives declared on annotated functions, which [`alert_rules`] turns into
/// burn-rate alerts.
pub use tallymark_core::{objectives, Objective, ObjectiveRegistration};

pub use tallymark_core::artefacts::{
    alert_rules, dashboard, reference, ERROR_RATIO_THRESHOLD, LATENCY_P99_THRESHOLD_SECONDS, SCOPE,
};

/// The artefact `--emit` names: `rules`, `dashboard` or `reference`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Artefact {
    /// The Prometheus rule file ([`alert_rules`]).
    Rules,
    /// The Grafana dashboard ([`dashboard`]).
    Dashboard,
    /// The Markdown reference ([`reference`]).
    Reference,
}

impl Artefact {
    /// The artefact a word names, or an error naming the word and the choices.
    pub fn parse(word: &str) -> Result<Artefact, String> {
        match word {
            "rules" => Ok(Artefact::Rules),
            "dashboard" => Ok(Artefact::Dashboard),
            "reference" => Ok(Artefact::Reference),
            other => Err(format!(
                "unknown artefact `{other}`; expected rules, dashboard or reference"
            )),
        }
    }

    /// The artefact for the global registry.
    pub fn render(self) -> String {
        self.render_for(crate::registry())
    }

    /// The artefact for `registry`.
    pub fn render_for(self, registry: &crate::Registry) -> String {
        match self {
            Artefact::Rules => alert_rules(registry),
            Artefact::Dashboard => dashboard(registry),
            Artefact::Reference => reference(registry),
        }
    }
}
