//! Label pairs as data: the strings a series stores, and the view of `(name, value)` pairs
//! that every sink is handed. Nothing here is written in any format: each encoder escapes
//! the pairs for its own, so storage is tied to none.

use std::fmt;

use crate::escape::needs_escaping;

/// Strings kept in one allocation: a series' label values, or an exemplar's names and
/// values in turn. A family holds one per series, so it is one pointer and a length:
/// what tells the strings apart lives in the allocation, ahead of their text.
///
/// The allocation starts with a flag byte: whether no string needs escaping in a text
/// format (known once, so a scrape copies them without looking), and whether there is
/// exactly one string, which is then all the rest. Otherwise a header follows: the count,
/// then where each string but the last ends, each number in [`WIDTH`] bytes of seven bits.
/// So the header is ASCII, the whole allocation is a `str`, and reading a string back
/// needs no UTF-8 check.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PackedStrs(Box<str>);

const PLAIN: u8 = 1;
const SINGLE: u8 = 2;
/// Bytes per header number: 42 bits, beyond any text a process can hold.
const WIDTH: usize = 6;

/// Appends `n` as [`WIDTH`] ASCII bytes, low bits first.
fn put_number(out: &mut String, n: usize) {
    for k in 0..WIDTH {
        out.push(char::from(((n >> (7 * k)) & 0x7f) as u8));
    }
}

/// The number written at `at` by [`put_number`].
#[inline]
fn number_at(bytes: &[u8], at: usize) -> usize {
    bytes.get(at..at + WIDTH).map_or(0, |word| {
        word.iter()
            .rev()
            .fold(0, |n, &b| (n << 7) | usize::from(b & 0x7f))
    })
}

impl PackedStrs {
    /// The strings `strs` yields, in order.
    pub(crate) fn new<'s, I>(strs: I) -> Self
    where
        I: IntoIterator<Item = &'s str>,
        I::IntoIter: Clone,
    {
        let strs = strs.into_iter();
        Self::from_each(|f| strs.clone().for_each(&mut *f))
    }

    /// The strings `each` hands its callback, in order. `each` is called once to size the
    /// allocation exactly, again (for more than one string) to write the header, and once
    /// more to copy the text, so it must hand the same strings every time.
    pub(crate) fn from_each(each: impl Fn(&mut dyn FnMut(&str))) -> Self {
        let (mut len, mut count, mut plain) = (0usize, 0usize, true);
        each(&mut |s| {
            len += s.len();
            count += 1;
            plain &= !needs_escaping(s);
        });
        let single = count == 1;
        let header = if single { 0 } else { WIDTH * count.max(1) };
        let mut out = String::with_capacity(1 + header + len);
        out.push(char::from(
            u8::from(plain) * PLAIN + u8::from(single) * SINGLE,
        ));
        if !single {
            put_number(&mut out, count);
            let mut end = 0;
            let mut seen = 0;
            each(&mut |s| {
                end += s.len();
                seen += 1;
                if seen < count {
                    put_number(&mut out, end);
                }
            });
        }
        each(&mut |s| out.push_str(s));
        PackedStrs(out.into_boxed_str())
    }

    #[inline(always)]
    fn flags(&self) -> u8 {
        self.0.as_bytes().first().copied().unwrap_or(0)
    }

    /// Where the text starts, past the flag byte and the header.
    #[inline]
    fn text_start(&self) -> usize {
        match self.flags() & SINGLE {
            0 => 1 + WIDTH * self.len().max(1),
            _ => 1,
        }
    }

    /// How many strings there are.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self.flags() & SINGLE {
            0 => number_at(self.0.as_bytes(), 1),
            _ => 1,
        }
    }

    /// Where string `index` starts and ends in the text, given `len()`.
    #[inline]
    fn bounds(&self, index: usize, count: usize, text_len: usize) -> (usize, usize) {
        let bytes = self.0.as_bytes();
        let end_of = |i: usize| match i + 1 < count {
            true => number_at(bytes, 1 + WIDTH * (i + 1)),
            false => text_len,
        };
        let start = match index {
            0 => 0,
            i => end_of(i - 1),
        };
        (start, end_of(index))
    }

    /// The string at `index`.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        let count = self.len();
        if index >= count {
            return None;
        }
        let text = self.0.get(self.text_start()..)?;
        let (start, end) = self.bounds(index, count, text.len());
        text.get(start..end)
    }

    /// Whether these are exactly `strs`, compared in place: each boundary must fall where
    /// the lengths of `strs` put it, and the bytes between must agree.
    #[inline]
    pub(crate) fn equals(&self, strs: &[&str]) -> bool {
        if let Some(text) = self.single() {
            return matches!(strs, [only] if only.as_bytes() == text);
        }
        let count = self.len();
        if strs.len() != count {
            return false;
        }
        let text = self
            .0
            .as_bytes()
            .get(self.text_start()..)
            .unwrap_or_default();
        let mut at = 0;
        strs.iter().enumerate().all(|(i, s)| {
            let (start, end) = self.bounds(i, count, text.len());
            let same =
                start == at && end == at + s.len() && text.get(start..end) == Some(s.as_bytes());
            at = end;
            same
        })
    }

    /// Whether no string needs escaping in a text format.
    #[inline]
    pub(crate) fn plain(&self) -> bool {
        self.flags() & PLAIN != 0
    }

    /// The one string, when there is exactly one: the whole text.
    #[inline(always)]
    pub(crate) fn single(&self) -> Option<&[u8]> {
        match self.flags() & SINGLE {
            0 => None,
            _ => self.0.as_bytes().get(1..),
        }
    }

    /// Calls `f` with each string's bytes and its position.
    #[inline]
    pub(crate) fn for_each_bytes<'s>(&'s self, mut f: impl FnMut(usize, &'s [u8])) {
        if let Some(text) = self.single() {
            return f(0, text);
        }
        let count = self.len();
        let text = self
            .0
            .as_bytes()
            .get(self.text_start()..)
            .unwrap_or_default();
        for i in 0..count {
            let (start, end) = self.bounds(i, count, text.len());
            f(i, text.get(start..end).unwrap_or_default());
        }
    }

    /// The strings in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl fmt::Debug for PackedStrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The label pairs of one series, as the sink that writes it is handed them: names and
/// values as they were given, unescaped. Cheap to copy; it borrows what it reads.
///
/// ```
/// use tallymark_core::encoding::LabelPairs;
///
/// let pairs = LabelPairs::new(&["method", "status"], &["GET", "200"]);
/// assert_eq!(pairs.len(), 2);
/// assert_eq!(pairs.iter().collect::<Vec<_>>(), [("method", "GET"), ("status", "200")]);
/// assert_eq!(pairs.get("status"), Some("200"));
/// assert!(LabelPairs::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy)]
pub struct LabelPairs<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// Names beside values, paired by position.
    Split {
        names: &'a [&'a str],
        values: &'a [&'a str],
    },
    /// Names beside a series' stored values.
    Stored {
        names: &'a [&'a str],
        values: &'a PackedStrs,
    },
    /// Names and values in turn, as an exemplar keeps them.
    Interleaved(&'a PackedStrs),
    Borrowed(&'a [(&'a str, &'a str)]),
    Owned(&'a [(String, String)]),
}

impl<'a> LabelPairs<'a> {
    /// No labels.
    pub const EMPTY: LabelPairs<'static> = LabelPairs(Repr::Borrowed(&[]));

    /// Each name paired with the value at its position; a name or value without a partner
    /// is left out.
    pub const fn new(names: &'a [&'a str], values: &'a [&'a str]) -> Self {
        LabelPairs(Repr::Split { names, values })
    }

    /// `(name, value)` pairs.
    pub const fn pairs(pairs: &'a [(&'a str, &'a str)]) -> Self {
        LabelPairs(Repr::Borrowed(pairs))
    }

    /// Owned `(name, value)` pairs, as a collector gives them.
    pub const fn owned(pairs: &'a [(String, String)]) -> Self {
        LabelPairs(Repr::Owned(pairs))
    }

    pub(crate) const fn stored(names: &'a [&'a str], values: &'a PackedStrs) -> Self {
        LabelPairs(Repr::Stored { names, values })
    }

    pub(crate) const fn interleaved(strs: &'a PackedStrs) -> Self {
        LabelPairs(Repr::Interleaved(strs))
    }

    /// How many pairs there are.
    #[inline]
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Split { names, values } => names.len().min(values.len()),
            Repr::Stored { names, values } => names.len().min(values.len()),
            Repr::Interleaved(strs) => strs.len() / 2,
            Repr::Borrowed(pairs) => pairs.len(),
            Repr::Owned(pairs) => pairs.len(),
        }
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pair at `index`.
    #[inline]
    pub fn at(&self, index: usize) -> Option<(&'a str, &'a str)> {
        match self.0 {
            Repr::Split { names, values } => Some((*names.get(index)?, *values.get(index)?)),
            Repr::Stored { names, values } => Some((*names.get(index)?, values.get(index)?)),
            Repr::Interleaved(strs) => Some((strs.get(2 * index)?, strs.get(2 * index + 1)?)),
            Repr::Borrowed(pairs) => pairs.get(index).copied(),
            Repr::Owned(pairs) => pairs.get(index).map(|(n, v)| (n.as_str(), v.as_str())),
        }
    }

    /// Whether the values, in order, are exactly `values`.
    #[inline]
    pub fn has_values(&self, values: &[&str]) -> bool {
        match self.0 {
            Repr::Stored { values: stored, .. } => stored.equals(values),
            _ => {
                self.len() == values.len() && self.iter().map(|(_, v)| v).eq(values.iter().copied())
            }
        }
    }

    /// The value of the label `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The pairs in order.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let pairs = *self;
        (0..pairs.len()).filter_map(move |i| pairs.at(i))
    }

    /// A series' names and stored values, when each name has one value and no value needs
    /// escaping in a text format: what the text encoders write with copies alone.
    #[inline]
    pub(crate) fn plain_stored(&self) -> Option<(&'a [&'a str], &'a PackedStrs)> {
        match self.0 {
            Repr::Stored { names, values } if values.plain() && names.len() == values.len() => {
                Some((names, values))
            }
            _ => None,
        }
    }

    /// Whether it is known, without reading them, that no value needs escaping in a text
    /// format: true of a series' stored values that hold no `\`, `"` or newline.
    #[inline]
    pub(crate) fn plain(&self) -> bool {
        match self.0 {
            Repr::Stored { values, .. } => values.plain(),
            Repr::Interleaved(strs) => strs.plain(),
            _ => false,
        }
    }
}

impl fmt::Debug for LabelPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Pairs are equal when they hold the same pairs in the same order, however they are kept.
impl PartialEq for LabelPairs<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_strings_read_back_as_given() {
        let given = ["", "a", "", "ünï", "say \"hi\"", ""];
        let packed = PackedStrs::new(given);
        assert_eq!(packed.len(), given.len());
        assert_eq!(packed.iter().collect::<Vec<_>>(), given);
        assert_eq!(packed.get(given.len()), None);
        assert!(packed.equals(&given));
        assert!(!packed.equals(&["", "a", "", "ünï", "say \"hi\""]));
        assert!(!packed.equals(&["a", "", "", "ünï", "say \"hi\"", ""]));
        assert!(!packed.plain());
        assert!(PackedStrs::new(["plain", "text"]).plain());
        assert_eq!(PackedStrs::new([]).len(), 0);
        assert_eq!(PackedStrs::new([""]).len(), 1);
    }

    /// Boundaries past one seven-bit byte, and more strings than one byte counts.
    #[test]
    fn long_and_many_strings_read_back_as_given() {
        let long = "é".repeat(40_000);
        let many: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let mut given: Vec<&str> = vec![&long, "", &long[..2]];
        given.extend(many.iter().map(String::as_str));
        let packed = PackedStrs::new(given.iter().copied());
        assert_eq!(packed.len(), given.len());
        assert_eq!(packed.iter().collect::<Vec<_>>(), given);
        assert!(packed.equals(&given));
        assert!(packed.plain());
        let mut seen = Vec::new();
        packed.for_each_bytes(|i, b| seen.push((i, b.len())));
        let lengths: Vec<_> = given.iter().map(|s| s.len()).enumerate().collect();
        assert_eq!(seen, lengths);
        let single = PackedStrs::new([long.as_str()]);
        assert_eq!(single.single(), Some(long.as_bytes()));
        assert!(single.equals(&[&long]));
        assert!(!single.equals(&[&long[..4]]));
    }

    #[test]
    fn every_form_yields_the_same_pairs() {
        let values = PackedStrs::new(["GET", "200"]);
        let turns = PackedStrs::new(["method", "GET", "status", "200"]);
        let owned = [
            ("method".to_owned(), "GET".to_owned()),
            ("status".to_owned(), "200".to_owned()),
        ];
        let names = ["method", "status"];
        let forms = [
            LabelPairs::new(&names, &["GET", "200"]),
            LabelPairs::stored(&names, &values),
            LabelPairs::interleaved(&turns),
            LabelPairs::pairs(&[("method", "GET"), ("status", "200")]),
            LabelPairs::owned(&owned),
        ];
        for pairs in forms {
            assert_eq!(
                pairs.iter().collect::<Vec<_>>(),
                [("method", "GET"), ("status", "200")]
            );
            assert_eq!(pairs, forms[0]);
            assert_eq!(pairs.at(2), None);
        }
        assert_eq!(LabelPairs::new(&names, &["GET"]).len(), 1);
        assert_ne!(LabelPairs::new(&names, &["GET"]), forms[0]);
        assert_eq!(
            format!("{:?}", forms[1]),
            r#"{"method": "GET", "status": "200"}"#
        );
    }
}
