//! `objective(..)`: what a function's calls should achieve, declared beside what records
//! them. `#[timed(objective(latency = "250ms", percentile = 99))]` and
//! `#[counted(objective(success = 99.9))]`; every value is checked here, so a mistake is a
//! compile error on its token rather than a rule that never fires.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, Token, UnOp};

use crate::attr::OnceArg;
use crate::ctxt::Ctxt;
use crate::instrument::AttributeKind;

/// A checked objective, in the units the catalog keeps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ObjectiveSpec {
    /// `percentile` % of calls finish within `threshold_seconds`.
    Latency {
        /// The duration, in seconds: above zero and finite.
        threshold_seconds: f64,
        /// Strictly between 0 and 100.
        percentile: f64,
    },
    /// `percent` % of calls end `ok`.
    Success {
        /// Strictly between 0 and 100.
        percent: f64,
    },
}

impl ObjectiveSpec {
    /// `Objective::Latency { .. }` or `Objective::Success { .. }`, through `private`.
    pub fn to_tokens(self, private: &TokenStream) -> TokenStream {
        let number = proc_macro2::Literal::f64_suffixed;
        match self {
            ObjectiveSpec::Latency {
                threshold_seconds,
                percentile,
            } => {
                let (threshold, percentile) = (number(threshold_seconds), number(percentile));
                quote! {
                    #private::Objective::Latency {
                        threshold_seconds: #threshold,
                        percentile: #percentile,
                    }
                }
            }
            ObjectiveSpec::Success { percent } => {
                let percent = number(percent);
                quote!(#private::Objective::Success { percent: #percent })
            }
        }
    }
}

/// How `kind` writes its objective, for the messages.
fn example(kind: AttributeKind) -> &'static str {
    match kind {
        AttributeKind::Timed => "`objective(latency = \"250ms\", percentile = 99)`",
        _ => "`objective(success = 99.9)`",
    }
}

/// Reads the parenthesised keys after `objective`, whose span is `key`. A key that does
/// not belong, a missing one and a bad value are each reported to `cx`, all in one build;
/// only a list that is not `key = value, ..` at all is a parse error. `None` when anything
/// was wrong.
pub fn parse(
    kind: AttributeKind,
    key: Span,
    input: ParseStream,
    cx: &Ctxt,
) -> syn::Result<Option<ObjectiveSpec>> {
    let content;
    syn::parenthesized!(content in input);
    let mut pairs = Vec::new();
    while !content.is_empty() {
        let name = content.call(Ident::parse_any)?;
        content.parse::<Token![=]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!(
                    "`objective` takes `key = value` pairs, as in {}",
                    example(kind)
                ),
            )
        })?;
        pairs.push((name, content.parse::<Expr>()?));
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    let mut latency: OnceArg<Expr> = OnceArg::unkeyed("duplicate `latency` in `objective(..)`");
    let mut percentile: OnceArg<Expr> =
        OnceArg::unkeyed("duplicate `percentile` in `objective(..)`");
    let mut success: OnceArg<Expr> = OnceArg::unkeyed("duplicate `success` in `objective(..)`");
    let mut clean = true;
    // A key of the other attribute's objective says which was meant: reporting the keys
    // this one misses as well would only repeat it.
    let mut other_kind = false;
    for (name, value) in pairs {
        let slot = match (kind, name.to_string().as_str()) {
            (AttributeKind::Timed, "latency") => &mut latency,
            (AttributeKind::Timed, "percentile") => &mut percentile,
            (AttributeKind::Counted, "success") => &mut success,
            (AttributeKind::Counted, "latency" | "percentile") => {
                cx.error_spanned_by(
                    &name,
                    format!(
                        "`{name}` is an objective of `#[timed]`, which measures how long \
                         calls take; `#[counted]` takes {}",
                        example(kind)
                    ),
                );
                (clean, other_kind) = (false, true);
                continue;
            }
            (AttributeKind::Timed, "success") => {
                cx.error_spanned_by(
                    &name,
                    format!(
                        "`success` is an objective of `#[counted]`, which counts how calls \
                         end; `#[timed]` takes {}",
                        example(kind)
                    ),
                );
                (clean, other_kind) = (false, true);
                continue;
            }
            _ => {
                cx.error_spanned_by(
                    &name,
                    format!(
                        "unknown `objective` key `{name}`; `#[{}]` takes {}",
                        kind.name(),
                        example(kind)
                    ),
                );
                clean = false;
                continue;
            }
        };
        let duplicate = slot.get().is_some();
        slot.set(cx, name.span(), value);
        clean &= !duplicate;
    }
    let missing = |which: &str| {
        if !other_kind {
            cx.error_at(
                key,
                format!(
                    "`objective(..)` is missing `{which}`; `#[{}]` takes {}",
                    kind.name(),
                    example(kind)
                ),
            );
        }
    };
    let spec = match kind {
        AttributeKind::Timed => {
            let threshold = latency.value().map(|expr| duration_seconds(expr, cx));
            let share = percentile
                .value()
                .map(|expr| percent("percentile", expr, cx));
            if threshold.is_none() {
                missing("latency");
            }
            if share.is_none() {
                missing("percentile");
            }
            match (threshold.flatten(), share.flatten()) {
                (Some(threshold_seconds), Some(percentile)) => Some(ObjectiveSpec::Latency {
                    threshold_seconds,
                    percentile,
                }),
                _ => None,
            }
        }
        _ => match success.value() {
            None => {
                missing("success");
                None
            }
            Some(expr) => {
                percent("success", expr, cx).map(|percent| ObjectiveSpec::Success { percent })
            }
        },
    };
    Ok(spec.filter(|_| clean))
}

/// The seconds of `latency = ".."`, or `None` after reporting why it is not a duration.
fn duration_seconds(expr: &Expr, cx: &Ctxt) -> Option<f64> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = expr
    else {
        cx.error_spanned_by(
            expr,
            "`latency` takes a duration string: a number and a unit (ns, us, µs, ms, s or \
             m), as in `latency = \"250ms\"`",
        );
        return None;
    };
    match parse_duration(&lit.value()) {
        Ok(seconds) => Some(seconds),
        Err(problem) => {
            cx.error_spanned_by(lit, problem);
            None
        }
    }
}

/// `"250ms"` as 0.25: an integer or decimal number, then a unit. The number and its
/// power of ten are read as one decimal, so `"0.1ms"` is the double nearest to 0.0001,
/// not that of 0.1 divided again.
fn parse_duration(text: &str) -> Result<f64, String> {
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    if text.starts_with('-') {
        return Err(format!(
            "`latency` must be above zero; `{text}` is negative"
        ));
    }
    let well_formed = {
        let mut parts = number.split('.');
        let whole = parts.next().unwrap_or_default();
        let fraction = parts.next();
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_none()
    };
    if !well_formed || !unit.chars().all(char::is_alphabetic) {
        return Err(format!(
            "`latency` is not a duration: `{text}`; write a number then a unit, as in \
             \"250ms\" or \"1.5s\""
        ));
    }
    let seconds = match unit {
        "ns" => format!("{number}e-9").parse::<f64>(),
        "us" | "µs" => format!("{number}e-6").parse::<f64>(),
        "ms" => format!("{number}e-3").parse::<f64>(),
        "s" => number.parse::<f64>(),
        "m" => number.parse::<f64>().map(|minutes| minutes * 60.0),
        "" => {
            return Err(format!(
                "`latency` needs a unit: `{text}` is a bare number; write ns, us, µs, ms, s \
                 or m after it, as in \"{number}ms\""
            ))
        }
        other => {
            return Err(format!(
                "unknown unit `{other}` in `latency`; expected ns, us, µs, ms, s or m"
            ))
        }
    };
    match seconds {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(seconds),
        Ok(seconds) if seconds.is_finite() => {
            Err(format!("`latency` must be above zero; `{text}` is not"))
        }
        _ => Err(format!("`latency` is too long to hold: `{text}`")),
    }
}

/// A share in percent, strictly between 0 and 100, from `key = 99` or `key = 99.9`.
fn percent(key: &str, expr: &Expr, cx: &Ctxt) -> Option<f64> {
    let expected = format!("`{key}` takes a percentage, as in `{key} = 99` or `{key} = 99.9`");
    let (negative, lit) = match expr {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit { lit, .. }) => (true, lit),
            _ => {
                cx.error_spanned_by(expr, expected);
                return None;
            }
        },
        _ => {
            cx.error_spanned_by(expr, expected);
            return None;
        }
    };
    let magnitude = match lit {
        Lit::Int(int) => int.base10_parse::<f64>(),
        Lit::Float(float) => float.base10_parse::<f64>(),
        _ => {
            cx.error_spanned_by(expr, expected);
            return None;
        }
    };
    let value = match magnitude {
        Ok(magnitude) if negative => -magnitude,
        Ok(magnitude) => magnitude,
        Err(error) => {
            cx.error_spanned_by(expr, format!("{expected}: {error}"));
            return None;
        }
    };
    if value > 0.0 && value < 100.0 {
        Some(value)
    } else {
        cx.error_spanned_by(
            expr,
            format!(
                "`{key}` must be strictly between 0 and 100 percent; `{}` is not",
                quote!(#expr).to_string().replace(' ', "")
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_in_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(0.25));
        assert_eq!(parse_duration("1.5s"), Ok(1.5));
        assert_eq!(parse_duration("2s"), Ok(2.0));
        assert_eq!(parse_duration("2m"), Ok(120.0));
        assert_eq!(parse_duration("1.5m"), Ok(90.0));
        assert_eq!(parse_duration("500us"), Ok(0.0005));
        assert_eq!(parse_duration("500µs"), Ok(0.0005));
        assert_eq!(parse_duration("100ns"), Ok(1e-7));
        assert_eq!(parse_duration("0.1ms"), Ok(0.0001));
    }

    #[test]
    fn malformed_durations_say_what_is_wrong() {
        assert_eq!(
            parse_duration("0ms"),
            Err("`latency` must be above zero; `0ms` is not".to_owned())
        );
        assert_eq!(
            parse_duration("-5ms"),
            Err("`latency` must be above zero; `-5ms` is negative".to_owned())
        );
        assert_eq!(
            parse_duration("5h"),
            Err("unknown unit `h` in `latency`; expected ns, us, µs, ms, s or m".to_owned())
        );
        for text in ["ms", "1.ms", ".5s", "1.2.3s", "1 s", ""] {
            assert!(
                parse_duration(text).is_err_and(|e| e.starts_with("`latency` is not a duration")
                    || e.starts_with("`latency` needs a unit")),
                "{text:?} is refused: {:?}",
                parse_duration(text)
            );
        }
        assert_eq!(
            parse_duration("250"),
            Err(
                "`latency` needs a unit: `250` is a bare number; write ns, us, µs, ms, s or \
                 m after it, as in \"250ms\""
                    .to_owned()
            )
        );
    }
}
