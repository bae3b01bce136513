//! Label sets: what a family is keyed by.

use std::hash::{Hash, Hasher};

use crate::encoding::LabelPairs;

/// What a [`Family`](crate::Family) is keyed by: either `N` string values
/// ([`StrLabels<N>`]) or a struct deriving `LabelSet` whose fields are [`LabelValue`]s.
///
/// A family stores each label set's values as strings, which is what every format writes.
/// The required items find a stored set again by hash; a set whose values are few and all
/// known at compile time (enums, `bool`) may also be stored as an array, by overriding
/// [`LabelSet::DENSE`] and the two methods that go with it.
///
/// [`LabelValue`]: crate::LabelValue
pub trait LabelSet: Send + Sync + 'static {
    /// The label names the type declares, or `None` when the family's descriptor names them.
    const NAMES: Option<&'static [&'static str]>;
    /// How many values a label set has.
    const ARITY: usize;

    /// What `labels()` takes.
    type Lookup<'a>;
    /// What the family keeps beside the stored values to compare a lookup with, or `()`
    /// when comparing the values themselves is as quick.
    type Key: Send + Sync + 'static;

    /// Feeds the label values to a hasher.
    fn hash_lookup<H: Hasher>(lookup: &Self::Lookup<'_>, state: &mut H);
    /// Whether the stored label set with `key` and the pairs `stored` is the one `lookup`
    /// names.
    fn matches(lookup: &Self::Lookup<'_>, key: &Self::Key, stored: LabelPairs<'_>) -> bool;
    /// The key to keep for `lookup`.
    fn to_key(lookup: &Self::Lookup<'_>) -> Self::Key;
    /// Calls `f` with each label value, in name order.
    fn values(lookup: &Self::Lookup<'_>, f: &mut dyn FnMut(&str));

    /// `Some(n)` when there are exactly `n` possible label sets, all known at compile time;
    /// such a family is an array indexed by [`LabelSet::dense_index`], and neither hashes
    /// nor compares. `None`, the default, leaves the two methods below unused.
    const DENSE: Option<usize> = None;

    /// The position of `lookup` among the `DENSE` sets.
    fn dense_index(lookup: &Self::Lookup<'_>) -> usize {
        let _ = lookup;
        0
    }

    /// Calls `f` with each label value of the dense set at `index`, in name order.
    fn dense_values(index: usize, f: &mut dyn FnMut(&str)) {
        let _ = (index, f);
    }
}

/// `N` string label values, named by the family's descriptor:
/// `FAMILY.labels(["GET", "/api/users", "200"])`.
#[derive(Debug)]
pub struct StrLabels<const N: usize>;

impl<const N: usize> LabelSet for StrLabels<N> {
    const NAMES: Option<&'static [&'static str]> = None;
    const ARITY: usize = N;

    type Lookup<'a> = [&'a str; N];
    /// Nothing: the stored values are the strings a lookup gives, so they are compared
    /// directly.
    type Key = ();

    fn hash_lookup<H: Hasher>(lookup: &Self::Lookup<'_>, state: &mut H) {
        for value in lookup {
            value.hash(state);
        }
    }

    #[inline]
    fn matches(lookup: &Self::Lookup<'_>, _: &(), stored: LabelPairs<'_>) -> bool {
        stored.has_values(lookup)
    }

    fn to_key(_: &Self::Lookup<'_>) {}

    fn values(lookup: &Self::Lookup<'_>, f: &mut dyn FnMut(&str)) {
        for value in lookup {
            f(value);
        }
    }
}
