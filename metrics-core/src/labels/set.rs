//! Label sets: what a family is keyed by.

use std::hash::{Hash, Hasher};

use crate::encoding::label_text_matches;

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
    /// Whether the stored label set with `key` and label text `text` (`names="values"`, as
    /// exposed; `escaped` when a value needed escaping) is the one `lookup` names. By
    /// default, compares keys; a set whose values are the text itself can keep no key and
    /// compare with the text instead.
    #[inline]
    fn matches_text(
        lookup: &Self::Lookup<'_>,
        key: &Self::Key,
        names: &[&str],
        text: &str,
        escaped: bool,
    ) -> bool {
        let _ = (names, text, escaped);
        Self::matches(lookup, key)
    }
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
    /// The values' lengths: the values themselves are in the series' label text, and with
    /// the lengths known, where each one sits in it is too.
    type Key = [u32; N];

    fn dense_index(_: &Self::Lookup<'_>) -> usize {
        0
    }

    fn dense_values(_: usize, _: &mut dyn FnMut(&str)) {}

    fn hash_lookup<H: Hasher>(lookup: &Self::Lookup<'_>, state: &mut H) {
        for value in lookup {
            value.hash(state);
        }
    }

    /// Only whether the lengths agree: the values are compared by
    /// [`LabelSet::matches_text`], which a family calls.
    fn matches(lookup: &Self::Lookup<'_>, lengths: &[u32; N]) -> bool {
        lookup
            .iter()
            .zip(lengths)
            .all(|(value, len)| u32::try_from(value.len()) == Ok(*len))
    }

    /// With the stored lengths equal to the lookup's, each value sits at a known place in
    /// the text, past its `name="`; comparing the values there is exact, and skips the
    /// names and quotes, which the family wrote itself. Text with escapes, and lengths past
    /// `u32`, take the slower comparison that reads the text from the start.
    #[inline]
    fn matches_text(
        lookup: &Self::Lookup<'_>,
        lengths: &[u32; N],
        names: &[&str],
        text: &str,
        escaped: bool,
    ) -> bool {
        if escaped || names.len() != N {
            return label_text_matches(text, names, lookup, escaped);
        }
        let bytes = text.as_bytes();
        let mut at = 0;
        for i in 0..N {
            let (Some(value), Some(name), Some(&len)) =
                (lookup.get(i), names.get(i), lengths.get(i))
            else {
                return false;
            };
            if value.len() != len as usize {
                // A length past `u32` was stored as its maximum: read the whole text.
                return len == u32::MAX && label_text_matches(text, names, lookup, false);
            }
            at += name.len() + 2;
            if bytes.get(at..at + value.len()) != Some(value.as_bytes()) {
                return false;
            }
            at += value.len() + 2;
        }
        true
    }

    fn to_key(lookup: &Self::Lookup<'_>) -> [u32; N] {
        // Saturating: a value of 4 GiB or more is found by reading the whole text.
        lookup.map(|value| u32::try_from(value.len()).unwrap_or(u32::MAX))
    }

    fn values(lookup: &Self::Lookup<'_>, f: &mut dyn FnMut(&str)) {
        for value in lookup {
            f(value);
        }
    }
}
