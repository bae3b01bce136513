//! Constant facts about the program, exposed as labels: `build_info`.

use crate::descriptor::{Descriptor, UNNAMED};
use crate::names::label_name_problem;

/// Labels that describe the program, such as its version, exposed as one series whose
/// value is 1. OpenMetrics calls the family `foo` with the sample `foo_info`; the 0.0.4
/// format and protobuf expose a gauge `foo_info`. The name must end in `_info`.
///
/// ```
/// use tallymark_core::{Descriptor, Info, Registry};
///
/// static BUILD_INFO: Info = Info::new(&[("version", "1.4.2"), ("commit", "9f3c2a1")])
///     .described(const { &Descriptor::new("app_build_info", "Build facts.") });
///
/// let registry = Registry::new();
/// registry.register_static(&BUILD_INFO).unwrap();
/// assert_eq!(
///     registry.render(),
///     "# HELP app_build_info Build facts.\n# TYPE app_build_info gauge\n\
///      app_build_info{version=\"1.4.2\",commit=\"9f3c2a1\"} 1\n"
/// );
/// ```
#[derive(Debug)]
pub struct Info {
    pairs: &'static [(&'static str, &'static str)],
    desc: &'static Descriptor,
}

impl Info {
    /// An info metric with these `(name, value)` labels.
    ///
    /// # Panics
    /// When a label name is invalid, reserved or repeated; in a `static`, a compile error.
    pub const fn new(pairs: &'static [(&'static str, &'static str)]) -> Self {
        let mut i = 0;
        while i < pairs.len() {
            if let Some(problem) = label_name_problem(pairs[i].0) {
                panic!("{}", problem);
            }
            let mut j = 0;
            while j < i {
                if str_eq(pairs[i].0, pairs[j].0) {
                    panic!("an info metric names each label once");
                }
                j += 1;
            }
            i += 1;
        }
        Info {
            pairs,
            desc: &UNNAMED,
        }
    }

    /// Attaches the family's descriptor; `#[tallymark::metric]` calls this.
    pub const fn described(mut self, desc: &'static Descriptor) -> Self {
        self.desc = desc;
        self
    }

    /// The `(name, value)` labels.
    pub fn labels(&self) -> &'static [(&'static str, &'static str)] {
        self.pairs
    }

    pub(crate) const fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }
}

/// String equality in `const` context.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
