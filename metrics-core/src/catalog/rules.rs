//! A Prometheus rule file made from the catalog: recording rules and alerts for the
//! annotated functions, the HTTP middleware's families, the scrape target, label overflow,
//! and multi-window multi-burn-rate alerts for every declared objective.
//!
//! `#[timed(FAMILY)]` records into a declared histogram, and the registry does not say
//! which families an attribute targets; so every declared histogram measured in seconds
//! (unit `seconds`, or a name ending `_seconds`) other than the default family and the HTTP
//! middleware's gets the same p50/p90/p99 recording rules and p99 alert as the default
//! family, aggregated by `job` and the family's own labels (the alert is left out, with a
//! comment, when the bounds stop at the threshold). `#[counted(FAMILY)]` counts
//! every call into a declared counter without a `result` label, so no error ratio can be
//! made from one; the rule file says so in a comment.
//!
//! Thresholds of the alerts that have no objective to go by (error ratio above 5 %, p99
//! latency above 1 s, each for 10 minutes) are the defaults documented in the README.

use std::fmt::Write as _;

use super::objective::{objectives, Objective, ObjectiveRegistration};
use super::text::{
    bucket_bounds, function_label, le_matcher, promql_string, yaml_string, CALLS, DURATIONS,
    OVERFLOW,
};
use crate::descriptor::{Descriptor, MetricKind};
use crate::registry::Registry;

/// The share of failing calls (or 5xx responses) above which an alert fires.
pub const ERROR_RATIO_THRESHOLD: f64 = 0.05;
/// The p99 latency, in seconds, above which an alert fires.
pub const LATENCY_P99_THRESHOLD_SECONDS: f64 = 1.0;

/// The quantiles recorded for every timed function.
const QUANTILES: [(f64, &str); 3] = [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")];

/// The windows the error ratio of every counted function is recorded over.
const WINDOWS: [&str; 4] = ["5m", "30m", "1h", "6h"];

/// The SRE workbook's burn-rate pairs: long window, short window, burn rate, severity and
/// how long the condition must hold.
const BURN_RATES: [(&str, &str, &str, &str, &str); 2] = [
    ("1h", "5m", "14.4", "page", "2m"),
    ("6h", "30m", "6", "ticket", "15m"),
];

/// One rule of a group.
struct Rule {
    /// `record` or `alert`.
    kind: &'static str,
    name: String,
    expr: String,
    hold: Option<&'static str>,
    labels: Vec<(&'static str, String)>,
    annotations: Vec<(&'static str, String)>,
}

impl Rule {
    fn record(name: String, expr: String) -> Rule {
        Rule {
            kind: "record",
            name,
            expr,
            hold: None,
            labels: Vec::new(),
            annotations: Vec::new(),
        }
    }

    fn alert(name: &str, expr: String, hold: Option<&'static str>, severity: &str) -> Rule {
        Rule {
            kind: "alert",
            name: name.to_owned(),
            expr,
            hold,
            labels: vec![("severity", severity.to_owned())],
            annotations: Vec::new(),
        }
    }

    fn annotate(mut self, summary: &str, description: String) -> Rule {
        self.annotations.push(("summary", summary.to_owned()));
        self.annotations.push(("description", description));
        self
    }
}

/// A rule group, with notes written as YAML comments above its rules.
struct Group {
    name: &'static str,
    notes: Vec<String>,
    rules: Vec<Rule>,
}

/// The rule file for `registry`: see the module documentation for what it holds. Every
/// string is YAML-quoted and every label value PromQL-escaped, so any module path or
/// family name reads back as written. The output is the same on every run.
pub fn alert_rules(registry: &Registry) -> String {
    let families = registry.families();
    let find = |name: &str| families.iter().find(|(d, _)| d.name() == name).copied();
    let mut groups = Vec::new();
    if find(CALLS).is_some() {
        groups.push(function_errors());
    }
    if find(DURATIONS).is_some() {
        groups.push(function_latency());
    }
    if let Some(group) = http_group(&families) {
        groups.push(group);
    }
    if let Some(group) = declared_latency(&families) {
        groups.push(group);
    }
    groups.push(target_group(registry.writes_self_metrics()));
    let objectives = objectives();
    if !objectives.is_empty() {
        groups.push(objective_group(&objectives, &find));
    }
    write_groups(&groups)
}

/// The rule file for the global registry.
pub fn global_alert_rules() -> String {
    alert_rules(Registry::global())
}

/// `sum by (<by>) (rate(<series>[<window>]))`.
fn rate(by: &str, series: &str, window: &str) -> String {
    format!("sum by ({by}) (rate({series}[{window}]))")
}

/// The share of `total`'s rate that `part` takes, 0 when `part` has no series, and no
/// value (rather than NaN) while `total` does not move.
fn ratio(by: &str, part: &str, total: &str, window: &str) -> String {
    let total = rate(by, total, window);
    format!(
        "({} or {total} * 0) / ({total} > 0)",
        rate(by, part, window)
    )
}

fn function_errors() -> Group {
    let by = "job, function, module";
    let errors = format!("{CALLS}{{result=\"error\"}}");
    let mut rules: Vec<Rule> = WINDOWS
        .iter()
        .map(|w| {
            Rule::record(
                format!("function_module:function_calls_errors:ratio_rate{w}"),
                ratio(by, &errors, CALLS, w),
            )
        })
        .collect();
    rules.push(
        Rule::alert(
            "FunctionErrorRatioHigh",
            format!("function_module:function_calls_errors:ratio_rate5m > {ERROR_RATIO_THRESHOLD}"),
            Some("10m"),
            "ticket",
        )
        .annotate(
            "An annotated function fails often",
            "{{ $labels.function }} in {{ $labels.module }} ({{ $labels.job }}) failed \
             {{ $value | humanizePercentage }} of its calls over 5 minutes."
                .to_owned(),
        ),
    );
    Group {
        name: "tallymark.functions.errors",
        notes: Vec::new(),
        rules,
    }
}

/// The p50/p90/p99 recording rules of histogram `family` aggregated by `by` (which ends
/// with `le`), named `<level>:<family>:<quantile>_rate5m`, and the name of the p99 one.
fn quantile_rules(level: &str, family: &str, by: &str) -> (Vec<Rule>, String) {
    let rules = QUANTILES
        .iter()
        .map(|(q, name)| {
            Rule::record(
                format!("{level}:{family}:{name}_rate5m"),
                format!(
                    "histogram_quantile({q}, {})",
                    rate(by, &format!("{family}_bucket"), "5m")
                ),
            )
        })
        .collect();
    (rules, format!("{level}:{family}:p99_rate5m"))
}

/// The alert firing while recorded p99 `record` stays above the latency threshold.
fn latency_alert(name: &str, record: &str, summary: &str, description: String) -> Rule {
    Rule::alert(
        name,
        format!("{record} > {LATENCY_P99_THRESHOLD_SECONDS}"),
        Some("10m"),
        "ticket",
    )
    .annotate(summary, description)
}

fn function_latency() -> Group {
    let (mut rules, p99) =
        quantile_rules("function_module", DURATIONS, "job, function, module, le");
    rules.push(latency_alert(
        "FunctionLatencyHigh",
        &p99,
        "An annotated function is slow",
        "99 % of calls of {{ $labels.function }} in {{ $labels.module }} \
         ({{ $labels.job }}) took up to {{ $value | humanizeDuration }} over 5 minutes."
            .to_owned(),
    ));
    Group {
        name: "tallymark.functions.latency",
        notes: Vec::new(),
        rules,
    }
}

/// Whether `descriptor` measures seconds: by its unit, or by its name when it has none.
fn in_seconds(descriptor: &Descriptor) -> bool {
    descriptor.unit() == "seconds" || descriptor.name().ends_with("_seconds")
}

/// Latency rules for every declared histogram in seconds, the families `#[timed(FAMILY)]`
/// may record into; see the module documentation.
fn declared_latency(families: &[(&'static Descriptor, MetricKind)]) -> Option<Group> {
    let (http_requests, http_durations) = http_families(families);
    let is = |d: Option<&Descriptor>, name: &str| d.is_some_and(|d| d.name() == name);
    let mut rules = Vec::new();
    let mut notes = Vec::new();
    let mut counters = false;
    for (descriptor, kind) in families {
        let name = descriptor.name();
        let default = name == DURATIONS || name == CALLS || name == OVERFLOW;
        let http = is(http_requests, name) || is(http_durations, name);
        if default || http {
            continue;
        }
        counters |= *kind == MetricKind::Counter;
        if *kind != MetricKind::Histogram || !in_seconds(descriptor) {
            continue;
        }
        let labels: Vec<&str> = descriptor
            .label_names()
            .iter()
            .copied()
            .filter(|l| !matches!(*l, "le" | "job"))
            .collect();
        let level = if labels.is_empty() {
            "job".to_owned()
        } else {
            labels.join("_")
        };
        let by: Vec<&str> = ["job"].into_iter().chain(labels).chain(["le"]).collect();
        let (quantiles, p99) = quantile_rules(&level, name, &by.join(", "));
        rules.extend(quantiles);
        // A quantile in the `+Inf` bucket reads as the largest finite bound, so a family
        // whose bounds stop at the threshold could never fire the alert.
        let top = bucket_bounds(descriptor)
            .iter()
            .copied()
            .fold(0.0, f64::max);
        if top <= LATENCY_P99_THRESHOLD_SECONDS {
            notes.push(format!(
                "no latency alert for {name}: its largest bucket bound {}s is not above \
                 the {LATENCY_P99_THRESHOLD_SECONDS}s threshold",
                number(top)
            ));
            continue;
        }
        let mut alert = latency_alert(
            "DeclaredLatencyHigh",
            &p99,
            "A histogram in seconds is slow",
            format!(
                "99 % of the {name} observations of {{{{ $labels.job }}}} took up to \
                 {{{{ $value | humanizeDuration }}}} over 5 minutes."
            ),
        );
        // Recording rules drop the metric name; this keeps two families' alerts apart.
        alert.labels.push(("family", name.to_owned()));
        rules.push(alert);
    }
    if counters {
        notes.push(
            "declared counters get no error ratio: #[counted(FAMILY)] counts every call \
             without a result label"
                .to_owned(),
        );
    }
    (!rules.is_empty() || !notes.is_empty()).then_some(Group {
        name: "tallymark.declared.latency",
        notes,
        rules,
    })
}

/// The HTTP middleware's request counter (labelled by `route` and `status`) and its
/// latency histogram (by `route`), found by their labels since their names can be changed.
pub(crate) fn http_families(
    families: &[(&'static Descriptor, MetricKind)],
) -> (Option<&'static Descriptor>, Option<&'static Descriptor>) {
    let has = |d: &Descriptor, label: &str| d.label_names().contains(&label);
    let requests = families
        .iter()
        .find(|(d, k)| *k == MetricKind::Counter && has(d, "route") && has(d, "status"))
        .map(|(d, _)| *d);
    let durations = families
        .iter()
        .find(|(d, k)| *k == MetricKind::Histogram && has(d, "route"))
        .map(|(d, _)| *d);
    (requests, durations)
}

fn http_group(families: &[(&'static Descriptor, MetricKind)]) -> Option<Group> {
    let (requests, durations) = http_families(families);
    let mut rules = Vec::new();
    if let Some(requests) = requests {
        let name = requests.name();
        let record = format!("route:{}:5xx_ratio_rate5m", name.trim_end_matches("_total"));
        let errors = format!("{name}{{status=~\"5..\"}}");
        rules.push(Rule::record(
            record.clone(),
            ratio("job, route", &errors, name, "5m"),
        ));
        rules.push(
            Rule::alert(
                "HttpErrorRatioHigh",
                format!("{record} > {ERROR_RATIO_THRESHOLD}"),
                Some("10m"),
                "ticket",
            )
            .annotate(
                "A route answers with many server errors",
                "{{ $labels.route }} ({{ $labels.job }}) answered \
                 {{ $value | humanizePercentage }} of its requests with a 5xx status over 5 \
                 minutes."
                    .to_owned(),
            ),
        );
    }
    if let Some(durations) = durations {
        let name = durations.name();
        let record = format!("route:{name}:p99_rate5m");
        rules.push(Rule::record(
            record.clone(),
            format!(
                "histogram_quantile(0.99, {})",
                rate("job, route, le", &format!("{name}_bucket"), "5m")
            ),
        ));
        rules.push(latency_alert(
            "HttpLatencyHigh",
            &record,
            "A route is slow",
            "99 % of requests to {{ $labels.route }} ({{ $labels.job }}) took up to \
             {{ $value | humanizeDuration }} over 5 minutes."
                .to_owned(),
        ));
    }
    (!rules.is_empty()).then_some(Group {
        name: "tallymark.http",
        notes: Vec::new(),
        rules,
    })
}

fn target_group(self_metrics: bool) -> Group {
    let mut rules = vec![
        Rule::alert("TargetDown", "up == 0".to_owned(), Some("5m"), "page").annotate(
            "A scrape target is down",
            "{{ $labels.instance }} of {{ $labels.job }} has not answered a scrape for 5 \
             minutes."
                .to_owned(),
        ),
    ];
    if self_metrics {
        rules.push(
            Rule::alert(
                "LabelOverflow",
                format!("increase({OVERFLOW}[10m]) > 0"),
                None,
                "ticket",
            )
            .annotate(
                "A family spent its cardinality budget",
                "{{ $labels.family }} ({{ $labels.job }}) folded new label sets into its \
                 overflow series in the last 10 minutes; raise its budget or drop a label."
                    .to_owned(),
            ),
        );
    }
    Group {
        name: "tallymark.target",
        notes: Vec::new(),
        rules,
    }
}

/// A number as PromQL and YAML read it, without float noise: `0.001`, not
/// `0.0010000000000000009`.
fn number(value: f64) -> String {
    let text = format!("{value:.10}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

/// What an objective measures: the PromQL for its bad share over a window, and words.
struct Measure {
    bad: Box<dyn Fn(&str) -> String>,
    budget: f64,
    what: String,
    kind: &'static str,
}

/// How to measure `registration`, or why it cannot be.
fn measure(
    registration: &ObjectiveRegistration,
    find: &dyn Fn(&str) -> Option<(&'static Descriptor, MetricKind)>,
) -> Result<Measure, String> {
    let callee = registration.callee();
    let function = function_label(callee);
    let default = match registration.objective() {
        Objective::Latency { .. } => DURATIONS,
        Objective::Success { .. } => CALLS,
    };
    let family = registration.target().map_or(default, |d| d.name());
    let (descriptor, kind) =
        find(family).ok_or_else(|| format!("its family `{family}` is not in this registry"))?;
    let mut matchers = Vec::new();
    for (label, value) in [("function", function), ("module", callee.module)] {
        if descriptor.label_names().contains(&label) {
            matchers.push(format!("{label}={}", promql_string(value)));
        }
    }
    let selector = matchers.join(",");
    match registration.objective() {
        Objective::Success { percent } => {
            if !(percent > 0.0 && percent < 100.0) {
                return Err(format!("success = {percent} is not between 0 and 100"));
            }
            if kind != MetricKind::Counter || !descriptor.label_names().contains(&"result") {
                return Err(format!("`{family}` is not a counter labelled by `result`"));
            }
            let sep = if selector.is_empty() { "" } else { "," };
            let part = format!("{family}{{{selector}{sep}result=\"error\"}}");
            let total = format!("{family}{{{selector}}}");
            Ok(Measure {
                bad: Box::new(move |w| ratio("job", &part, &total, w)),
                budget: (100.0 - percent) / 100.0,
                what: format!("success {}%", number(percent)),
                kind: "Success",
            })
        }
        Objective::Latency {
            threshold_seconds,
            percentile,
        } => {
            if !(percentile > 0.0 && percentile < 100.0) {
                return Err(format!(
                    "percentile = {percentile} is not between 0 and 100"
                ));
            }
            if kind != MetricKind::Histogram {
                return Err(format!("`{family}` is not a histogram"));
            }
            let bounds = bucket_bounds(descriptor);
            let close = |b: &f64| (b - threshold_seconds).abs() <= 1e-9 * b.abs().max(1.0);
            let bound = *bounds.iter().find(|b| close(b)).ok_or_else(|| {
                format!(
                    "its threshold {}s is not one of the bucket bounds of `{family}`",
                    number(threshold_seconds)
                )
            })?;
            let sep = if selector.is_empty() { "" } else { "," };
            let within = format!("{family}_bucket{{{selector}{sep}{}}}", le_matcher(bound));
            let count = format!("{family}_count{{{selector}}}");
            Ok(Measure {
                bad: Box::new(move |w| {
                    let all = rate("job", &count, w);
                    format!("1 - ({} / ({all} > 0))", rate("job", &within, w))
                }),
                budget: (100.0 - percentile) / 100.0,
                what: format!(
                    "{}% of calls within {}s",
                    number(percentile),
                    number(threshold_seconds)
                ),
                kind: "Latency",
            })
        }
    }
}

fn objective_group(
    registrations: &[&'static ObjectiveRegistration],
    find: &dyn Fn(&str) -> Option<(&'static Descriptor, MetricKind)>,
) -> Group {
    let mut group = Group {
        name: "tallymark.objectives",
        notes: Vec::new(),
        rules: Vec::new(),
    };
    for registration in registrations {
        let callee = registration.callee();
        let function = function_label(callee);
        let measure = match measure(registration, find) {
            Ok(measure) => measure,
            Err(why) => {
                group.notes.push(format!(
                    "left out: the objective of {function} in {}: {why}",
                    callee.module
                ));
                continue;
            }
        };
        let budget = number(measure.budget);
        for (long, short, burn, severity, hold) in BURN_RATES {
            let expr = format!(
                "({}) > ({burn} * {budget}) and ({}) > ({burn} * {budget})",
                (measure.bad)(long),
                (measure.bad)(short)
            );
            let mut rule = Rule::alert(
                &format!("{}ObjectiveBurnRate", measure.kind),
                expr,
                Some(hold),
                severity,
            )
            .annotate(
                "An objective's error budget is burning fast",
                format!(
                    "{function} in {} ({{{{ $labels.job }}}}) spends the error budget of \
                     its objective ({}) {burn} times as fast as it lasts, over {long} and \
                     {short}.",
                    callee.module, measure.what
                ),
            );
            rule.labels.push(("function", function.to_owned()));
            rule.labels.push(("module", callee.module.to_owned()));
            rule.labels.push(("objective", measure.what.clone()));
            rule.labels.push(("window", format!("{long}/{short}")));
            group.rules.push(rule);
        }
    }
    group
}

/// A comment line: user text with line breaks flattened, so it cannot leave the comment.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn write_groups(groups: &[Group]) -> String {
    let mut out = String::from(
        "# Generated by tallymark from the program's metric catalog; regenerate, do not edit.\n\
         groups:\n",
    );
    for group in groups {
        let _ = writeln!(out, "  - name: {}", yaml_string(group.name));
        for note in &group.notes {
            let _ = writeln!(out, "    # {}", comment(note));
        }
        if group.rules.is_empty() {
            out.push_str("    rules: []\n");
            continue;
        }
        out.push_str("    rules:\n");
        for rule in &group.rules {
            let _ = writeln!(out, "      - {}: {}", rule.kind, yaml_string(&rule.name));
            let _ = writeln!(out, "        expr: {}", yaml_string(&rule.expr));
            if let Some(hold) = rule.hold {
                let _ = writeln!(out, "        for: {}", yaml_string(hold));
            }
            for (key, pairs) in [("labels", &rule.labels), ("annotations", &rule.annotations)] {
                if pairs.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "        {key}:");
                for (name, value) in pairs {
                    let _ = writeln!(out, "          {name}: {}", yaml_string(value));
                }
            }
        }
    }
    out
}
