//! Dense label sets: a struct of enum-valued labels has a known, small number of values,
//! so its label sets number the product of the fields' counts and each one has a position,
//! computed here for the code `#[derive(LabelSet)]` generates.

/// The most label sets a family stores as a dense array; a struct spanning more is hashed
/// like any other, so three 50-variant enums do not allocate 125,000 series up front.
pub const MAX_DENSE: usize = 4096;

/// The label values of one field of a `#[derive(LabelSet)]` struct, when known.
pub type Values = Option<&'static [&'static str]>;

/// How many label sets a struct of fields with these values spans: the product of
/// their counts, or `None` when a field's values are not known or the product passes
/// `MAX_DENSE` (4096), in which case the family hashes instead.
pub const fn dense_count(fields: &[Values]) -> Option<usize> {
    let mut count: usize = 1;
    let mut i = 0;
    while i < fields.len() {
        let Some(values) = fields[i] else {
            return None;
        };
        let Some(product) = count.checked_mul(values.len()) else {
            return None;
        };
        count = product;
        i += 1;
    }
    if count > MAX_DENSE {
        return None;
    }
    Some(count)
}

/// The mixed-radix position of a dense label set, from each field's `(index, values)`:
/// the first field varies slowest.
pub fn dense_index(fields: &[(usize, Values)]) -> usize {
    fields.iter().fold(0usize, |at, &(index, values)| {
        at.wrapping_mul(radix(values)).wrapping_add(index)
    })
}

/// Calls `f` with each field's label for the dense label set at `index`, undoing
/// [`dense_index`].
pub fn dense_labels(index: usize, fields: &[Values], f: &mut dyn FnMut(&str)) {
    for (i, values) in fields.iter().enumerate() {
        let below: usize = fields[i + 1..].iter().map(|v| radix(*v)).product();
        let digit = (index / below.max(1)) % radix(*values).max(1);
        f(values.and_then(|v| v.get(digit)).copied().unwrap_or(""));
    }
}

fn radix(values: Values) -> usize {
    values.map_or(1, <[&str]>::len)
}
