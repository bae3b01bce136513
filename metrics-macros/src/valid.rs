//! The rules a `#[metric]` declaration must follow. Checks only: each reports to the
//! context on the offending token and goes on, so every mistake shows in one build.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{ItemStatic, StaticMutability};

use crate::ast::{Bound, Kind, LabelShape, Metric, ONLY_LITERALS};
use crate::ctxt::Ctxt;
use crate::names::rules::{
    name_message, HISTOGRAM_BUCKET_LABEL, INFO_SUFFIX, INFO_SUFFIX_MISSING, MAX_BUCKETS,
    SUMMARY_QUANTILE_LABEL,
};
use crate::names::{label_name_problem, metric_name_problem, unit_problem, unraw};

/// Checks the `static` itself: a metric is recorded through `&self`, never `static mut`.
pub fn check_static(cx: &Ctxt, item: &ItemStatic) {
    if let StaticMutability::Mut(token) = &item.mutability {
        cx.error_spanned_by(
            token,
            "`#[metric]` cannot declare a `static mut`; metrics record through shared \
             references, so drop the `mut`",
        );
    }
}

/// Checks everything read from the declaration.
pub fn check(cx: &Ctxt, metric: &Metric) {
    check_name(cx, metric);
    check_help(cx, metric);
    check_labels(cx, metric);
    check_buckets(cx, metric);
    check_budget(cx, metric);
}

fn check_name(cx: &Ctxt, metric: &Metric) {
    let name = &metric.name;
    if let Some(problem) = metric_name_problem(name) {
        cx.error_at(metric.name_span, problem);
        return;
    }
    let kind = metric.shape.kind;
    if let Some(problem) = kind_name_problem(name, kind) {
        cx.error_at(metric.name_span, problem);
    }
    let Some(unit) = metric.args.unit.value() else {
        return;
    };
    let text = unit.value();
    if let Some(problem) = unit_problem(&text) {
        cx.error_at(unit.span(), problem);
        return;
    }
    let plain = format!("_{text}");
    let counted = format!("_{text}_total");
    let (fits, expected) = match kind {
        Some(Kind::Counter) => (name.ends_with(&counted), counted),
        Some(_) => (name.ends_with(&plain), plain),
        None => (name.ends_with(&plain) || name.ends_with(&counted), plain),
    };
    if !fits {
        cx.error_at(
            unit.span(),
            format!("metric name `{name}` must end in `{expected}` to declare `unit = \"{text}\"`"),
        );
    }
}

/// Why `name` does not suit a metric of `kind`, beyond the grammar, or `None` when it does.
/// The core lets a collected counter go without `_total`, as older exporters name them;
/// a declared one is new code, which Prometheus's naming guide asks to end in `_total`.
pub fn kind_name_problem(name: &str, kind: Option<Kind>) -> Option<String> {
    match kind? {
        Kind::Counter if !name.ends_with("_total") => {
            Some(format!("counter name `{name}` must end in `_total`"))
        }
        Kind::Info if !name.ends_with(INFO_SUFFIX) => Some(name_message(name, INFO_SUFFIX_MISSING)),
        _ => None,
    }
}

fn check_help(cx: &Ctxt, metric: &Metric) {
    match &metric.help {
        Some((text, span)) if text.trim().is_empty() => {
            cx.error_at(*span, "`help` cannot be empty");
        }
        Some(_) => {}
        None => cx.error_spanned_by(
            &metric.item.ident,
            format!(
                "metric `{}` has no HELP text; add a doc comment or `help = \"...\"`",
                metric.name
            ),
        ),
    }
}

fn check_labels(cx: &Ctxt, metric: &Metric) {
    let list = metric.args.labels.get();
    if let Some(arg) = list {
        check_label_names(cx, metric, &arg.value.names);
    }
    let kind_name = &metric.shape.name;
    match (&metric.shape.labels, list) {
        (LabelShape::Standalone, Some(arg)) => cx.error_at(
            arg.key,
            format!(
                "`labels` given for `{kind_name}`, which has no labels; declare a \
                 `{kind_name}Family<N>` instead"
            ),
        ),
        (
            LabelShape::Str {
                arity: Some(n),
                written,
            },
            Some(arg),
        ) => {
            let given = arg.value.names.len();
            if given != *n {
                cx.error_at(
                    arg.value.span,
                    format!(
                        "`labels` names {} but `{written}` has {}",
                        count(given),
                        count(*n)
                    ),
                );
            }
        }
        (
            LabelShape::Str {
                arity: Some(n),
                written,
            },
            None,
        ) if *n > 0 => cx.error_spanned_by(
            &metric.item.ty,
            format!("`{written}` needs `labels(...)` naming its {}", count(*n)),
        ),
        (LabelShape::Typed, Some(arg)) => cx.error_at(
            arg.key,
            "`labels` names string labels; this family's `#[derive(LabelSet)]` type \
             names its own",
        ),
        _ => {}
    }
}

fn check_label_names(cx: &Ctxt, metric: &Metric, names: &[syn::Ident]) {
    let mut seen = HashSet::new();
    for ident in names {
        let name = unraw(ident);
        if let Some(problem) = label_name_problem(&name) {
            cx.error_spanned_by(ident, problem);
        } else if !seen.insert(name.clone()) {
            cx.error_spanned_by(ident, format!("duplicate label `{name}`"));
        } else if let Some(problem) = reserved_label_problem(&name, metric.shape.kind) {
            cx.error_spanned_by(ident, problem);
        }
    }
}

/// Why a family of `kind` cannot have the label `name` that its type writes itself, or
/// `None` when it can.
pub fn reserved_label_problem(name: &str, kind: Option<Kind>) -> Option<String> {
    let (reserved, reason) = match kind? {
        Kind::Histogram | Kind::NativeHistogram => HISTOGRAM_BUCKET_LABEL,
        Kind::Summary => SUMMARY_QUANTILE_LABEL,
        _ => return None,
    };
    (name == reserved).then(|| name_message(name, reason))
}

fn check_buckets(cx: &Ctxt, metric: &Metric) {
    let Some(arg) = metric.args.buckets.get() else {
        return;
    };
    if let Some(kind) = metric.shape.kind.filter(|k| *k != Kind::Histogram) {
        cx.error_at(
            arg.key,
            format!(
                "`buckets` applies to histograms only, and `{}` is a {}",
                metric.shape.name,
                kind.word()
            ),
        );
    }
    let list = &arg.value;
    if list.bounds.is_empty() {
        cx.error_at(list.span, "`buckets` needs at least one bound");
    }
    let last = list.bounds.last();
    let mut previous: Option<f64> = None;
    let mut finite = 0;
    for (bound, expr) in &metric.bounds {
        let value = match bound {
            Bound::Infinity if last.is_some_and(|l| std::ptr::eq(l, *expr)) => continue,
            Bound::Infinity => {
                cx.error_spanned_by(expr, ONLY_LITERALS);
                continue;
            }
            Bound::Finite(value) => *value,
        };
        finite += 1;
        if finite == MAX_BUCKETS + 1 {
            cx.error_at(
                expr.span(),
                format!("`buckets` holds at most {MAX_BUCKETS} bounds; this is bound {finite}"),
            );
        }
        match previous {
            Some(before) if value <= before => cx.error_spanned_by(
                expr,
                format!("`buckets` must strictly ascend, and {value:?} follows {before:?}"),
            ),
            _ => previous = Some(value),
        }
    }
}

fn check_budget(cx: &Ctxt, metric: &Metric) {
    let Some(arg) = metric.args.budget.get() else {
        return;
    };
    if metric.budget == Some(0) {
        cx.error_spanned_by(&arg.value, "`budget` must be at least 1");
    }
    if metric.shape.labels == LabelShape::Standalone {
        cx.error_at(
            arg.key,
            format!(
                "`budget` limits the label sets of a family, and `{}` has no labels",
                metric.shape.name
            ),
        );
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 label".to_owned()
    } else {
        format!("{n} labels")
    }
}

/// Reports `#[metric]` on an item that is not a `static`, at the item's name.
pub fn reject_item(cx: &Ctxt, item: &syn::Item) {
    use syn::Item;
    let message = match item {
        Item::Const(_) => {
            "`#[metric]` applies to a `static`, not a `const`: a `const` is copied at each \
             use, so there would be no one metric to register"
        }
        _ => "`#[metric]` applies to a `static` declaration",
    };
    cx.error_on_item(item, message);
}
