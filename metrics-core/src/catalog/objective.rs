//! Objectives: what an annotated function's calls should achieve, declared in its
//! attribute and gathered through `inventory`, for the generated burn-rate rules.

use crate::descriptor::Descriptor;
use crate::instrument::Callee;

/// What a function's calls should achieve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// `percentile` % of calls finish within `threshold_seconds`:
    /// `#[timed(objective(latency = "250ms", percentile = 99))]`.
    Latency {
        /// The time a call should finish within, in seconds.
        threshold_seconds: f64,
        /// The share of calls, in percent, that should.
        percentile: f64,
    },
    /// `percent` % of calls end `ok`: `#[counted(objective(success = 99.9))]`.
    Success {
        /// The share of calls, in percent, that should end `ok`.
        percent: f64,
    },
}

/// One objective of one annotated function. The attributes emit `inventory::submit!` with
/// one of these for each `objective(..)` they are given.
#[derive(Debug)]
pub struct ObjectiveRegistration {
    callee: Callee,
    objective: Objective,
    /// The declared family the attribute records into, or `None` for the default family.
    target: Option<fn() -> &'static Descriptor>,
}

impl ObjectiveRegistration {
    /// An objective for the calls of `callee`, recorded into the default family, or into
    /// the declared family whose descriptor `target` returns.
    pub const fn new(
        callee: Callee,
        objective: Objective,
        target: Option<fn() -> &'static Descriptor>,
    ) -> Self {
        ObjectiveRegistration {
            callee,
            objective,
            target,
        }
    }

    /// The function the objective is for.
    pub fn callee(&self) -> &Callee {
        &self.callee
    }

    /// What its calls should achieve.
    pub fn objective(&self) -> Objective {
        self.objective
    }

    /// The declared family its calls are recorded into, or `None` for the default family.
    pub fn target(&self) -> Option<&'static Descriptor> {
        self.target.map(|descriptor| descriptor())
    }
}

inventory::collect!(ObjectiveRegistration);

/// Every objective declared in the program, sorted by module, function and kind so that
/// generated files read the same on every run.
pub fn objectives() -> Vec<&'static ObjectiveRegistration> {
    let mut all: Vec<_> = inventory::iter::<ObjectiveRegistration>
        .into_iter()
        .collect();
    all.sort_by(|a, b| {
        let key = |r: &ObjectiveRegistration| {
            let kind = matches!(r.objective, Objective::Success { .. });
            (r.callee.module, r.callee.qualified, kind)
        };
        key(a).cmp(&key(b))
    });
    all
}
