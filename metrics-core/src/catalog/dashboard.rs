//! A Grafana dashboard made from the catalog: one row per module, with rate, error-ratio
//! and latency panels for its annotated functions and a panel (or two) per declared
//! family, chosen by the family's type.
//!
//! The JSON is written by hand: every string goes through one tested escape helper, and
//! the shape is checked against Grafana's published `Dashboard` type by the tests.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::text::{functions, json_string, promql_string, Function, CALLS, DURATIONS, OVERFLOW};
use crate::descriptor::{Descriptor, MetricKind};
use crate::registry::Registry;

/// The matchers every query carries, so the `job` and `instance` variables choose what
/// the dashboard shows.
pub const SCOPE: &str = "job=~\"$job\", instance=~\"$instance\"";

/// The range every rate is taken over: Grafana's, at least four scrape intervals.
const RANGE: &str = "$__rate_interval";

/// How a panel draws its queries.
#[derive(Clone, Copy, PartialEq)]
enum Draw {
    Lines,
    Heatmap,
}

/// One panel: title, unit, queries with their legends.
struct Panel {
    title: String,
    unit: &'static str,
    draw: Draw,
    queries: Vec<(String, String)>,
}

impl Panel {
    fn lines(title: String, unit: &'static str, queries: Vec<(String, String)>) -> Panel {
        Panel {
            title,
            unit,
            draw: Draw::Lines,
            queries,
        }
    }
}

/// `{<SCOPE>, <extra>}`.
fn selector(extra: &str) -> String {
    if extra.is_empty() {
        format!("{{{SCOPE}}}")
    } else {
        format!("{{{SCOPE}, {extra}}}")
    }
}

/// `{{label}}` legends for a family's labels, or its name when it has none.
fn legend(labels: &[&str], fallback: &str) -> String {
    if labels.is_empty() {
        return fallback.to_owned();
    }
    labels
        .iter()
        .map(|l| format!("{{{{{l}}}}}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The quantile queries of a histogram: classic buckets, or a native histogram's own
/// series when the family has no classic buckets in the scrape.
fn quantiles(name: &str, extra: &str, by: &str) -> Vec<(String, String)> {
    let sel = selector(extra);
    let by_le = if by.is_empty() {
        "le".to_owned()
    } else {
        format!("{by}, le")
    };
    [("0.5", "p50"), ("0.9", "p90"), ("0.99", "p99")]
        .iter()
        .map(|(q, word)| {
            let expr = format!(
                "histogram_quantile({q}, sum by ({by_le}) (rate({name}_bucket{sel}[{RANGE}]))) \
                 or histogram_quantile({q}, sum by ({by}) (rate({name}{sel}[{RANGE}])))"
            );
            let title = if by.is_empty() {
                word.to_string()
            } else {
                format!("{word} {{{{{by}}}}}")
            };
            (expr, title)
        })
        .collect()
}

fn function_panels(module: &str, functions: &[&Function]) -> Vec<Panel> {
    let module = format!("module={}", promql_string(module));
    let mut panels = Vec::new();
    if functions.iter().any(|f| f.counted) {
        let sel = selector(&module);
        panels.push(Panel::lines(
            "Function calls per second".to_owned(),
            "reqps",
            vec![(
                format!("sum by (function, result) (rate({CALLS}{sel}[{RANGE}]))"),
                "{{function}} {{result}}".to_owned(),
            )],
        ));
        let errors = selector(&format!("{module}, result=\"error\""));
        let total = format!("sum by (function) (rate({CALLS}{sel}[{RANGE}]))");
        panels.push(Panel::lines(
            "Function error ratio".to_owned(),
            "percentunit",
            vec![(
                format!(
                    "(sum by (function) (rate({CALLS}{errors}[{RANGE}])) or {total} * 0) \
                     / ({total} > 0)"
                ),
                "{{function}}".to_owned(),
            )],
        ));
    }
    if functions.iter().any(|f| f.timed) {
        panels.push(Panel::lines(
            "Function latency".to_owned(),
            "s",
            quantiles(DURATIONS, &module, "function"),
        ));
    }
    panels
}

fn family_panels(descriptor: &Descriptor, kind: MetricKind) -> Vec<Panel> {
    let name = descriptor.name();
    let labels = descriptor.label_names();
    let by = labels.join(", ");
    let sel = selector("");
    let unit = match descriptor.unit() {
        "seconds" => "s",
        "bytes" => "bytes",
        _ => "short",
    };
    let title = |what: &str| format!("{name} {what}");
    match kind {
        MetricKind::Counter => vec![Panel::lines(
            title("per second"),
            "short",
            vec![(
                format!("sum by ({by}) (rate({name}{sel}[{RANGE}]))"),
                legend(labels, name),
            )],
        )],
        MetricKind::Gauge | MetricKind::Info | MetricKind::StateSet => vec![Panel::lines(
            name.to_owned(),
            unit,
            vec![(format!("{name}{sel}"), legend(labels, name))],
        )],
        MetricKind::Histogram => vec![
            Panel::lines(title("quantiles"), unit, quantiles(name, "", "")),
            Panel {
                title: title("distribution"),
                unit,
                draw: Draw::Heatmap,
                queries: vec![(
                    format!(
                        "sum by (le) (rate({name}_bucket{sel}[{RANGE}])) \
                         or sum(rate({name}{sel}[{RANGE}]))"
                    ),
                    "{{le}}".to_owned(),
                )],
            },
        ],
        MetricKind::Summary => {
            let sel = selector("quantile!=\"\"");
            let by = if by.is_empty() {
                "quantile".to_owned()
            } else {
                format!("{by}, quantile")
            };
            vec![Panel::lines(
                title("quantiles"),
                unit,
                vec![(
                    format!("max by ({by}) ({name}{sel})"),
                    "{{quantile}}".to_owned(),
                )],
            )]
        }
    }
}

/// The dashboard for `registry`, as Grafana JSON (schema version 39), with a
/// `datasource` variable for the Prometheus to ask and `job` and `instance` variables
/// that every query is scoped by. The output is the same on every run.
pub fn dashboard(registry: &Registry) -> String {
    let mut rows: BTreeMap<&str, Vec<Panel>> = BTreeMap::new();
    let functions = functions(registry);
    let mut by_module: BTreeMap<&str, Vec<&Function>> = BTreeMap::new();
    for function in &functions {
        by_module.entry(function.module).or_default().push(function);
    }
    for (module, functions) in &by_module {
        rows.entry(module)
            .or_default()
            .extend(function_panels(module, functions));
    }
    for (descriptor, kind) in registry.families() {
        // The default families are shown per function above.
        if [CALLS, DURATIONS].contains(&descriptor.name()) || descriptor.name() == OVERFLOW {
            continue;
        }
        if descriptor.name() == super::text::CONCURRENT {
            continue;
        }
        let module = match descriptor.module() {
            "" => "(no module)",
            module => module,
        };
        rows.entry(module)
            .or_default()
            .extend(family_panels(descriptor, kind));
    }
    if registry.writes_self_metrics() {
        rows.entry("tallymark").or_default().push(Panel::lines(
            "Label sets folded into overflow".to_owned(),
            "short",
            vec![(
                format!(
                    "sum by (family) (increase({OVERFLOW}{}[{RANGE}]))",
                    selector("")
                ),
                "{{family}}".to_owned(),
            )],
        ));
    }
    write_dashboard(&rows)
}

/// The dashboard for the global registry.
pub fn global_dashboard() -> String {
    dashboard(Registry::global())
}

const DATASOURCE: &str = r#"{"type": "prometheus", "uid": "${datasource}"}"#;

fn write_dashboard(rows: &BTreeMap<&str, Vec<Panel>>) -> String {
    let mut panels = Vec::new();
    let mut id = 0;
    let mut y = 0;
    for (module, row) in rows {
        id += 1;
        panels.push(format!(
            "    {{\"type\": \"row\", \"id\": {id}, \"title\": {}, \"collapsed\": false, \
             \"gridPos\": {{\"h\": 1, \"w\": 24, \"x\": 0, \"y\": {y}}}, \"panels\": []}}",
            json_string(module)
        ));
        y += 1;
        for (i, panel) in row.iter().enumerate() {
            id += 1;
            let x = (i % 3) * 8;
            if i > 0 && i % 3 == 0 {
                y += 8;
            }
            panels.push(write_panel(panel, id, x, y));
        }
        if !row.is_empty() {
            y += 8;
        }
    }
    let mut out = String::from("{\n");
    out.push_str(
        "  \"title\": \"tallymark\",\n  \"uid\": \"tallymark\",\n  \"description\": \
         \"Generated by tallymark from the program's metric catalog; regenerate, do not \
         edit.\",\n  \"tags\": [\"tallymark\"],\n  \"schemaVersion\": 39,\n  \"version\": 1,\n  \
         \"editable\": true,\n  \"graphTooltip\": 1,\n  \"refresh\": \"30s\",\n  \"time\": \
         {\"from\": \"now-1h\", \"to\": \"now\"},\n",
    );
    out.push_str("  \"templating\": {\"list\": [\n");
    out.push_str(
        "    {\"type\": \"datasource\", \"name\": \"datasource\", \"label\": \"Data source\", \
         \"query\": \"prometheus\"},\n",
    );
    for (name, query) in [
        ("job", "label_values(up, job)"),
        ("instance", "label_values(up{job=~\"$job\"}, instance)"),
    ] {
        let _ = write!(
            out,
            "    {{\"type\": \"query\", \"name\": \"{name}\", \"datasource\": {DATASOURCE}, \
             \"query\": {q}, \"refresh\": 2, \"includeAll\": true, \
             \"multi\": true, \"allValue\": \".*\", \"sort\": 1}}",
            q = json_string(query)
        );
        out.push_str(if name == "job" { ",\n" } else { "\n" });
    }
    out.push_str("  ]},\n  \"panels\": [\n");
    out.push_str(&panels.join(",\n"));
    out.push_str("\n  ]\n}\n");
    out
}

fn write_panel(panel: &Panel, id: usize, x: usize, y: usize) -> String {
    let targets: Vec<String> = panel
        .queries
        .iter()
        .enumerate()
        .map(|(i, (expr, legend))| {
            let format = if panel.draw == Draw::Heatmap {
                ", \"format\": \"heatmap\""
            } else {
                ""
            };
            let ref_id = char::from(b'A' + (i % 26) as u8);
            format!(
                "{{\"refId\": \"{ref_id}\", \"datasource\": {DATASOURCE}, \"expr\": {}, \
                 \"legendFormat\": {}{format}}}",
                json_string(expr),
                json_string(legend)
            )
        })
        .collect();
    let kind = match panel.draw {
        Draw::Lines => "timeseries",
        Draw::Heatmap => "heatmap",
    };
    format!(
        "    {{\"type\": \"{kind}\", \"id\": {id}, \"title\": {}, \"datasource\": {DATASOURCE}, \
         \"gridPos\": {{\"h\": 8, \"w\": 8, \"x\": {x}, \"y\": {y}}}, \
         \"fieldConfig\": {{\"defaults\": {{\"unit\": \"{}\"}}, \"overrides\": []}}, \
         \"targets\": [{}]}}",
        json_string(&panel.title),
        panel.unit,
        targets.join(", ")
    )
}
