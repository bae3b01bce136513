//! Label sets: what a family is keyed by.

use std::hash::{Hash, Hasher};

/// What a [`Family`](crate::Family) is keyed by: either `N` string values
/// ([`StrLabels<N>`]) or a struct deriving `LabelSet` whose fields are [`LabelValue`]s.
///
/// [`LabelValue`]: crate::LabelValue
pub trait LabelSet: Send + Sync + 'static {
    /// The label names the type declares, or `None` when the family's descriptor names them.
    const NAMES: Option<&'static [&'static str]>;
    /// How many values a label set has.
    const ARITY: usize;
    /// `Some(n)` when there are exactly `n` possible label sets, all known at compile time;
    /// such a family is an array indexed by [`LabelSet::dense_index`].
    const DENSE: Option<usize>;

    /// What `labels()` takes.
    type Lookup<'a>;
    /// What the family's map stores.
    type Key: Send + Sync + 'static;

    /// The position of `lookup` among the `DENSE` sets.
    fn dense_index(lookup: &Self::Lookup<'_>) -> usize;
    /// Calls `f` with each label value of the dense set at `index`, in name order.
    fn dense_values(index: usize, f: &mut dyn FnMut(&str));
    /// Feeds the label values to a hasher.
    fn hash_lookup<H: Hasher>(lookup: &Self::Lookup<'_>, state: &mut H);
    /// Whether a stored key holds the same values.
    fn matches(lookup: &Self::Lookup<'_>, key: &Self::Key) -> bool;
    /// An owned copy to store.
    fn to_key(lookup: &Self::Lookup<'_>) -> Self::Key;
    /// Calls `f` with each label value, in name order.
    fn values(lookup: &Self::Lookup<'_>, f: &mut dyn FnMut(&str));
}

/// `N` string label values, named by the family's descriptor:
/// `FAMILY.labels(["GET", "/api/users", "200"])`.
#[derive(Debug)]
pub struct StrLabels<const N: usize>;

impl<const N: usize> LabelSet for StrLabels<N> {
    const NAMES: Option<&'static [&'static str]> = None;
    const ARITY: usize = N;
    const DENSE: Option<usize> = None;

    type Lookup<'a> = [&'a str; N];
    type Key = Box<[Box<str>]>;

    fn dense_index(_: &Self::Lookup<'_>) -> usize {
        0
    }

    fn dense_values(_: usize, _: &mut dyn FnMut(&str)) {}

    fn hash_lookup<H: Hasher>(lookup: &Self::Lookup<'_>, state: &mut H) {
        for value in lookup {
            value.hash(state);
        }
    }

    fn matches(lookup: &Self::Lookup<'_>, key: &Self::Key) -> bool {
        lookup.iter().zip(key.iter()).all(|(a, b)| *a == &**b)
    }

    fn to_key(lookup: &Self::Lookup<'_>) -> Self::Key {
        lookup.iter().map(|v| Box::from(*v)).collect()
    }

    fn values(lookup: &Self::Lookup<'_>, f: &mut dyn FnMut(&str)) {
        for value in lookup {
            f(value);
        }
    }
}
