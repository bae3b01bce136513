//! The model of one `#[metric]` declaration: the `static` as written, its arguments, and
//! what the macro reads out of them (name, HELP, bucket bounds, the shape of the type).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, GenericArgument, ItemStatic, Lit, PathArguments, Type, UnOp};

use crate::attr::MetricArgs;
use crate::ctxt::Ctxt;

/// The family type, as `# TYPE` writes it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Counter`, `CounterFamily<N>`, `Family<_, Counter>`.
    Counter,
    /// `Gauge`, `IntGauge` and their families.
    Gauge,
    /// `Histogram`, `HistogramFamily<N>`, `Family<_, Histogram>`.
    Histogram,
    /// `NativeHistogram` and its families: buckets follow from a schema, not a list.
    NativeHistogram,
    /// `Summary` and its families.
    Summary,
    /// `Info`: its name ends in `_info`.
    Info,
    /// `StateSet`.
    StateSet,
}

impl Kind {
    /// The kind in a message: "`X` is a {word}".
    pub fn word(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
            Kind::NativeHistogram => "native histogram, whose buckets follow from its schema",
            Kind::Summary => "summary",
            Kind::Info => "build-info metric",
            Kind::StateSet => "state set",
        }
    }
}

/// How the declared type is labelled.
#[derive(Clone, PartialEq, Eq)]
pub enum LabelShape {
    /// A type that stands alone rather than in a family, and takes no label values:
    /// `Counter`, `Gauge`, `IntGauge`, `Histogram`, `Info`, ...
    Standalone,
    /// String labels named by `labels(...)`: `CounterFamily<N>` or
    /// `Family<StrLabels<N>, _>`. `arity` is `N` when it is an integer literal, and
    /// `written` the type that carries it, for messages.
    Str {
        /// `N`, when written as a literal.
        arity: Option<usize>,
        /// `CounterFamily<3>`, `StrLabels<2>`, ...
        written: String,
    },
    /// `Family<L, _>` keyed by a `#[derive(LabelSet)]` struct, which names its own labels.
    Typed,
    /// A type the macro does not recognise, such as an alias: the checks that need its
    /// shape are left to the compiler and the core's `const` checks.
    Unknown,
}

/// What the macro can tell from the declared type alone.
pub struct Shape {
    /// The family type, when recognised.
    pub kind: Option<Kind>,
    /// How it is labelled.
    pub labels: LabelShape,
    /// The type's last path segment as written (`CounterFamily`), for messages.
    pub name: String,
}

/// One histogram bucket bound as written.
#[derive(Clone, Copy)]
pub enum Bound {
    /// A number literal, possibly negated.
    Finite(f64),
    /// `f64::INFINITY`.
    Infinity,
}

/// A `#[metric]` static and what was read from it.
pub struct Metric<'a> {
    /// The static as written.
    pub item: &'a ItemStatic,
    /// The attribute's arguments.
    pub args: &'a MetricArgs,
    /// The shape of the static's type.
    pub shape: Shape,
    /// The exposed name: `name = "..."`, or the ident lower-cased.
    pub name: String,
    /// Where an error about the name points: the `name` literal, or the ident.
    pub name_span: Span,
    /// The HELP text and where it came from, when there is any.
    pub help: Option<(String, Span)>,
    /// The bucket bounds that could be read, each with the expression it came from.
    pub bounds: Vec<(Bound, &'a Expr)>,
    /// `budget = N`, when it is a valid `usize`.
    pub budget: Option<usize>,
}

impl<'a> Metric<'a> {
    /// Reads the declaration, reporting to `cx` what cannot be read at all. Rules about
    /// what was read are [`crate::valid`]'s business.
    pub fn from_item(item: &'a ItemStatic, args: &'a MetricArgs, cx: &Ctxt) -> Metric<'a> {
        let (name, name_span) = match args.name.value() {
            Some(lit) => (lit.value(), lit.span()),
            None => (
                crate::names::unraw(&item.ident).to_lowercase(),
                item.ident.span(),
            ),
        };
        let help = match args.help.value() {
            Some(lit) => Some((lit.value(), lit.span())),
            None => doc_help(cx, &item.attrs),
        };
        let budget = args.budget.value().and_then(|lit| {
            lit.base10_parse::<usize>()
                .map_err(|e| cx.error_at(lit.span(), format!("`budget` must be a `usize`: {e}")))
                .ok()
        });
        let bounds = args.buckets.value().map_or_else(Vec::new, |list| {
            let read = list
                .bounds
                .iter()
                .map(|expr| bound(expr).map(|b| (b, expr)));
            read.filter_map(|r| r.map_err(|e| cx.push(e)).ok())
                .collect()
        });
        Metric {
            item,
            args,
            shape: shape_of(&item.ty),
            name,
            name_span,
            help,
            bounds,
            budget,
        }
    }
}

/// HELP from the doc comment: one line per `///`, less the one space after `///`, with
/// blank lines at either end dropped.
fn doc_help(cx: &Ctxt, attrs: &[Attribute]) -> Option<(String, Span)> {
    let mut lines = Vec::new();
    let mut span = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(pair) = &attr.meta else {
            continue;
        };
        let Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) = &pair.value
        else {
            cx.error_spanned_by(
                &pair.value,
                "HELP is read from literal doc comments only; give this metric `help = \"...\"`",
            );
            return None;
        };
        span.get_or_insert(attr.span());
        for line in text.value().split('\n') {
            lines.push(line.strip_prefix(' ').unwrap_or(line).to_owned());
        }
    }
    let blank = |line: &String| line.trim().is_empty();
    let first = lines.iter().position(|l| !blank(l))?;
    let last = lines.iter().rposition(|l| !blank(l))?;
    Some((lines[first..=last].join("\n"), span?))
}

/// What `buckets` accepts, for every error about what it does not.
pub const ONLY_LITERALS: &str =
    "`buckets` accepts only number literals, and `f64::INFINITY` as the last bound";

/// A bound as written: a number literal, optionally negated, or `f64::INFINITY`.
fn bound(expr: &Expr) -> syn::Result<Bound> {
    let only_literals = || syn::Error::new_spanned(expr, ONLY_LITERALS);
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => literal(lit, false),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(ExprLit { lit, .. }) => literal(lit, true),
            _ => Err(only_literals()),
        },
        Expr::Path(path) if path.qself.is_none() => {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let named = |constant: &str| {
                let tail: Vec<&str> = segments.iter().rev().take(2).map(String::as_str).collect();
                tail == [constant, "f64"] && segments.len() <= 3
            };
            if named("INFINITY") {
                Ok(Bound::Infinity)
            } else if named("NAN") {
                Err(syn::Error::new_spanned(
                    expr,
                    format!("a bucket bound cannot be NaN; {ONLY_LITERALS}"),
                ))
            } else {
                Err(only_literals())
            }
        }
        _ => Err(only_literals()),
    }
}

fn literal(lit: &Lit, negated: bool) -> syn::Result<Bound> {
    let value = match lit {
        Lit::Float(float) if matches!(float.suffix(), "" | "f64") => float.base10_parse::<f64>()?,
        Lit::Int(int) if int.suffix().is_empty() => int.base10_parse::<f64>()?,
        Lit::Float(_) | Lit::Int(_) => {
            return Err(syn::Error::new_spanned(
                lit,
                "bucket bounds are `f64`; drop the literal's suffix",
            ))
        }
        _ => return Err(syn::Error::new_spanned(lit, ONLY_LITERALS)),
    };
    if !value.is_finite() {
        return Err(syn::Error::new_spanned(
            lit,
            "this bucket bound does not fit in an `f64`",
        ));
    }
    Ok(Bound::Finite(if negated { -value } else { value }))
}

/// Recognises the core's metric types by their last path segment, so `tallymark::Counter`,
/// `Counter` and `crate::metrics::Counter` read alike.
pub fn shape_of(ty: &Type) -> Shape {
    let unknown = |name: String| Shape {
        kind: None,
        labels: LabelShape::Unknown,
        name,
    };
    let Some((name, args)) = last_segment(ty) else {
        return unknown(String::new());
    };
    let str_labels = |written: String, arg: Option<&GenericArgument>| LabelShape::Str {
        arity: arg.and_then(const_usize),
        written,
    };
    let (kind, labels) = match name.as_str() {
        "Counter" | "Gauge" | "IntGauge" | "Histogram" | "NativeHistogram" | "Summary" | "Info"
        | "StateSet" => (kind_of_type(&name), LabelShape::Standalone),
        "CounterFamily"
        | "GaugeFamily"
        | "IntGaugeFamily"
        | "HistogramFamily"
        | "NativeHistogramFamily"
        | "SummaryFamily" => {
            let written = written_with_arity(&name, args.first());
            let kind = kind_of_type(name.trim_end_matches("Family"));
            (kind, str_labels(written, args.first().copied()))
        }
        "Family" => {
            let kind = match args.get(1) {
                Some(GenericArgument::Type(member)) => {
                    last_segment(member).and_then(|(member, _)| kind_of_type(&member))
                }
                _ => None,
            };
            let labels = match args.first() {
                Some(GenericArgument::Type(set)) => match last_segment(set) {
                    Some((set, set_args)) if set == "StrLabels" => str_labels(
                        written_with_arity(&set, set_args.first()),
                        set_args.first().copied(),
                    ),
                    Some(_) => LabelShape::Typed,
                    None => LabelShape::Unknown,
                },
                _ => LabelShape::Unknown,
            };
            (kind, labels)
        }
        _ => return unknown(name),
    };
    Shape { kind, labels, name }
}

/// `L` in `Family<L, M>`, when it is a type rather than `StrLabels<N>`.
pub fn typed_label_set(ty: &Type) -> Option<&Type> {
    let (name, args) = last_segment(ty)?;
    if name != "Family" {
        return None;
    }
    match args.first() {
        Some(GenericArgument::Type(set)) => Some(set),
        _ => None,
    }
}

/// The kind of a metric type, by its name without `Family`: `Counter`, `IntGauge`, ...
fn kind_of_type(name: &str) -> Option<Kind> {
    match name {
        "Counter" => Some(Kind::Counter),
        "Gauge" | "IntGauge" => Some(Kind::Gauge),
        "Histogram" => Some(Kind::Histogram),
        "NativeHistogram" => Some(Kind::NativeHistogram),
        "Summary" => Some(Kind::Summary),
        "Info" => Some(Kind::Info),
        "StateSet" => Some(Kind::StateSet),
        _ => None,
    }
}

fn last_segment(ty: &Type) -> Option<(String, Vec<&GenericArgument>)> {
    match ty {
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let segment = path.path.segments.last()?;
            let args = match &segment.arguments {
                PathArguments::AngleBracketed(angle) => angle.args.iter().collect(),
                PathArguments::None | PathArguments::Parenthesized(_) => Vec::new(),
            };
            Some((segment.ident.to_string(), args))
        }
        _ => None,
    }
}

/// `3` in `CounterFamily<3>`; `None` for a named constant or a `{ block }`.
fn const_usize(arg: &GenericArgument) -> Option<usize> {
    match arg {
        GenericArgument::Const(Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        })) => int.base10_parse().ok(),
        _ => None,
    }
}

fn written_with_arity(name: &str, arg: Option<&&GenericArgument>) -> String {
    match arg.and_then(|a| const_usize(a)) {
        Some(n) => format!("{name}<{n}>"),
        None => format!("{name}<N>"),
    }
}
