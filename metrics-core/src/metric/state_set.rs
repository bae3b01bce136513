//! One current state out of a fixed set, like Python's `Enum`.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::descriptor::{Descriptor, UNNAMED};
use crate::label_value::LabelValue;
use crate::metric::info::str_eq;

/// A state machine's current state. Each state is a series labelled with the family's
/// own name, `phase{phase="running"} 1`, valued 1 for the current state and 0 for the
/// rest: an OpenMetrics `stateset`, and a gauge in the 0.0.4 format and protobuf. It starts
/// in its first state.
///
/// ```
/// use tallymark_core::{Descriptor, Registry, StateSet};
///
/// static PHASE: StateSet = StateSet::new(&["starting", "running", "stopping"])
///     .described(const { &Descriptor::new("phase", "Lifecycle phase.") });
///
/// PHASE.set("running");
/// let registry = Registry::new();
/// registry.register_static(&PHASE).unwrap();
/// assert_eq!(
///     registry.render(),
///     "# HELP phase Lifecycle phase.\n# TYPE phase gauge\n\
///      phase{phase=\"starting\"} 0\n\
///      phase{phase=\"running\"} 1\n\
///      phase{phase=\"stopping\"} 0\n"
/// );
/// ```
#[derive(Debug)]
pub struct StateSet {
    states: &'static [&'static str],
    current: AtomicUsize,
    desc: &'static Descriptor,
}

impl StateSet {
    /// A state set over these states, in the order they are exposed.
    ///
    /// # Panics
    /// When there are none or one repeats; in a `static`, a compile error.
    pub const fn new(states: &'static [&'static str]) -> Self {
        if states.is_empty() {
            panic!("a state set needs at least one state");
        }
        let mut i = 0;
        while i < states.len() {
            let mut j = 0;
            while j < i {
                if str_eq(states[i], states[j]) {
                    panic!("a state set names each state once");
                }
                j += 1;
            }
            i += 1;
        }
        StateSet {
            states,
            current: AtomicUsize::new(0),
            desc: &UNNAMED,
        }
    }

    /// A state set over the values of a `#[derive(LabelValue)]` enum, in variant order.
    ///
    /// ```
    /// use tallymark_core::{LabelValue, StateSet};
    ///
    /// static FLAG: StateSet = StateSet::of::<bool>();
    /// FLAG.set_value(&true);
    /// assert_eq!(FLAG.state(), "true");
    /// ```
    ///
    /// # Panics
    /// When the type's values are not known up front (`E::VALUES` is `None`).
    pub const fn of<E: LabelValue>() -> Self {
        match E::VALUES {
            Some(values) => StateSet::new(values),
            None => panic!("a state set needs a label value type with known values"),
        }
    }

    /// Attaches the family's descriptor; `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        self.desc = desc;
        self
    }

    /// Makes `state` the current one. Returns `false`, changing nothing, when it is not
    /// one of the states.
    pub fn set(&self, state: &str) -> bool {
        match self.states.iter().position(|s| *s == state) {
            Some(index) => {
                self.current.store(index, Relaxed);
                true
            }
            None => false,
        }
    }

    /// Makes the state at `index` current; an index past the end is ignored.
    pub fn set_index(&self, index: usize) {
        if index < self.states.len() {
            self.current.store(index, Relaxed);
        }
    }

    /// Makes the state of an enum value current, for state sets built with
    /// [`StateSet::of`].
    pub fn set_value<E: LabelValue>(&self, value: &E) {
        self.set_index(value.index());
    }

    /// The current state.
    pub fn state(&self) -> &'static str {
        self.states
            .get(self.current.load(Relaxed))
            .copied()
            .unwrap_or_default()
    }

    /// All states, in order.
    pub fn states(&self) -> &'static [&'static str] {
        self.states
    }

    /// The index of the current state.
    pub(crate) fn current(&self) -> usize {
        self.current.load(Relaxed)
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}
