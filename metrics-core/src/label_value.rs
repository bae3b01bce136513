//! Typed label values.

use std::borrow::Cow;
use std::hash::Hash;

/// A type whose values can be a label value.
///
/// Derive it for a fieldless enum with `#[derive(LabelValue)]`: each variant's label is its
/// name in snake_case unless `#[label("...")]` renames it, and the enum is counted as a
/// small, known set of values, so label sets made only of enums are stored densely with no
/// hashing.
///
/// ```
/// use tallymark_core::LabelValue;
///
/// assert_eq!(404u16.label(), "404");
/// assert_eq!(true.label(), "true");
/// assert_eq!(<bool as LabelValue>::VALUES, Some(&["false", "true"][..]));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a label value of known cardinality",
    label = "`{Self}` does not implement `LabelValue`",
    note = "integers and `bool` are label values, and an enum of known values can \
            `#[derive(LabelValue)]`; text is not, as each new value could add a series"
)]
pub trait LabelValue: Clone + Eq + Hash + Send + Sync + 'static {
    /// Every value's label, in index order, when the set is small and known (enums, bool).
    const VALUES: Option<&'static [&'static str]> = None;

    /// This value's position in [`LabelValue::VALUES`]; unused when that is `None`.
    fn index(&self) -> usize {
        0
    }

    /// The label text, unescaped.
    fn label(&self) -> Cow<'static, str>;
}

impl LabelValue for bool {
    const VALUES: Option<&'static [&'static str]> = Some(&["false", "true"]);

    fn index(&self) -> usize {
        usize::from(*self)
    }

    fn label(&self) -> Cow<'static, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! integer_label_values {
    ($($t:ty)*) => {$(
        impl LabelValue for $t {
            fn label(&self) -> Cow<'static, str> {
                Cow::Owned(itoa::Buffer::new().format(*self).to_owned())
            }
        }
    )*};
}

integer_label_values!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);
