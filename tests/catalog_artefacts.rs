//! The generated rule file, dashboard and reference of a small program (one counter family,
//! one histogram, one annotated function with two objectives and one that cannot be
//! measured), compared with the text expected, and judged by promtool and tsc.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{e2e_only, require_binary, TempDir};
use tallymark::{
    counted, metric, Counter, CounterFamily, Descriptor, Family, HistogramFamily, LabelSet,
    LabelValue, Registry, StateSet,
};
use tallymark_core::__private::Callee;
use tallymark_core::{Objective, ObjectiveRegistration};

/// Jobs run.
#[metric(labels(queue))]
static JOBS_TOTAL: CounterFamily<1> = CounterFamily::new();

/// Time a job took.
#[metric(labels(queue), buckets = [0.1, 0.5, 1.0, 2.5])]
static JOB_DURATION_SECONDS: HistogramFamily<1> = HistogramFamily::new();

/// Runs a job, which fails when asked to.
#[counted]
#[timed]
fn run_job(fail: bool) -> Result<(), ()> {
    JOBS_TOTAL.labels(["email"]).inc();
    JOB_DURATION_SECONDS.labels(["email"]).observe(0.2);
    if fail {
        Err(())
    } else {
        Ok(())
    }
}

const RUN_JOB: Callee = Callee {
    function: "run_job",
    qualified: "run_job",
    module: module_path!(),
    fallible: true,
    file: file!(),
    // Not the site's line: the label falls back to `function`, which is the same here.
    line: 0,
};

tallymark_core::__private::inventory::submit!(ObjectiveRegistration::new(
    RUN_JOB,
    Objective::Success { percent: 99.9 },
    None
));
tallymark_core::__private::inventory::submit!(ObjectiveRegistration::new(
    RUN_JOB,
    Objective::Latency {
        threshold_seconds: 0.25,
        percentile: 99.0
    },
    None
));
// 300 ms is not a bound of the default buckets: left out, with a comment saying why.
tallymark_core::__private::inventory::submit!(ObjectiveRegistration::new(
    Callee {
        function: "unmeasurable",
        ..RUN_JOB
    },
    Objective::Latency {
        threshold_seconds: 0.3,
        percentile: 90.0
    },
    None
));

fn expected(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/catalog")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn the_rule_file_is_the_one_expected() {
    let _ = run_job(false);
    assert_eq!(
        tallymark::catalog::alert_rules(tallymark::registry()),
        expected("rules.yml")
    );
}

#[test]
fn the_dashboard_is_the_one_expected() {
    assert_eq!(
        tallymark::catalog::dashboard(tallymark::registry()),
        expected("dashboard.json")
    );
}

#[test]
fn the_reference_is_the_one_expected() {
    assert_eq!(
        tallymark::catalog::reference(tallymark::registry()),
        expected("METRICS.md")
    );
}

/// A family whose HELP text holds every character the three formats give a meaning.
fn hostile_registry() -> Registry {
    const HOSTILE: Descriptor = Descriptor::new(
        "hostile_total",
        "Pipes | quotes \" backslashes \\ <b>tags</b> *stars* and\na second line.",
    )
    .with_labels(&["path"])
    .with_module("app::weird");
    let registry = Registry::new();
    let family = std::sync::Arc::new(CounterFamily::<1>::new().described(&HOSTILE));
    registry.register(family).expect("register hostile_total");
    registry
}

#[test]
fn user_text_is_escaped_in_the_reference() {
    let reference = tallymark::catalog::reference(&hostile_registry());
    let row = reference.lines().last().expect("a row");
    assert_eq!(
        row,
        r#"| `hostile_total` | counter |  | `path` |  | `app::weird` | Pipes \| quotes " backslashes \\ \<b\>tags\</b\> \*stars\* and a second line. |"#
    );
}

#[test]
fn user_text_is_escaped_in_the_dashboard() {
    let dashboard = tallymark::catalog::dashboard(&hostile_registry());
    let parsed: serde_json::Value = serde_json::from_str(&dashboard).expect("valid JSON");
    let panels = parsed["panels"].as_array().expect("panels");
    assert_eq!(panels[0]["title"], "app::weird");
    assert_eq!(
        panels[1]["targets"][0]["expr"],
        "sum by (path) (rate(hostile_total{job=~\"$job\", instance=~\"$instance\"}[$__rate_interval]))"
    );
}

/// An HTTP method, as a label value; one spelled with the characters Markdown reads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelValue)]
// Only the reference reads the variants, through their labels.
#[allow(dead_code)]
enum Method {
    Get,
    Post,
    #[label("PU|`T`")]
    Put,
}

/// A route's labels: an enum and a bool, so every value is known before any is recorded.
#[derive(LabelSet)]
struct Route {
    method: Method,
    cached: bool,
}

/// A registry of families whose label values are known up front, and one whose are not.
fn known_values_registry() -> Registry {
    const ROUTES: Descriptor = Descriptor::new("routes_total", "Routes served.")
        .with_labels(&["method", "cached"])
        .with_module("app");
    const PHASE: Descriptor = Descriptor::new("phase", "Lifecycle phase.").with_module("app");
    const PATHS: Descriptor = Descriptor::new("paths_total", "Paths served.")
        .with_labels(&["path"])
        .with_module("app");
    let registry = Registry::new();
    let routes = Family::<Route, Counter>::new().described(&ROUTES);
    registry
        .register(std::sync::Arc::new(routes))
        .expect("register routes_total");
    let phase = StateSet::new(&["starting", "running"]).described(&PHASE);
    registry
        .register(std::sync::Arc::new(phase))
        .expect("register phase");
    let paths = CounterFamily::<1>::new().described(&PATHS);
    registry
        .register(std::sync::Arc::new(paths))
        .expect("register paths_total");
    registry
}

#[test]
fn the_reference_lists_the_values_of_enum_labels_and_states() {
    let reference = tallymark::catalog::reference(&known_values_registry());
    let rows: Vec<&str> = reference.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows,
        [
            "| `paths_total` | counter |  | `path` |  | `app` | Paths served. |",
            "| `phase` | stateset |  | `phase` (`starting`, `running`) |  | `app` | Lifecycle phase. |",
            "| `routes_total` | counter |  | `method` (`get`, `post`, `PU\\|'T'`), `cached` (`false`, `true`) |  | `app` | Routes served. |",
        ]
    );
}

/// Writes the rule file of this program into `dir`, returning its path.
fn write_rules(dir: &Path) -> PathBuf {
    let path = dir.join("rules.yml");
    std::fs::write(
        &path,
        tallymark::catalog::alert_rules(tallymark::registry()),
    )
    .expect("write rules.yml");
    path
}

fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("run the judge");
    let mut said = String::from_utf8_lossy(&output.stdout).into_owned();
    said.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

#[test]
fn promtool_checks_the_rule_file() {
    let Some(promtool) = require_binary(&["promtool"], "install the Debian package prometheus")
    else {
        return;
    };
    let dir = TempDir::new("catalog-rules");
    let rules = write_rules(dir.path());
    let (ok, said) = run(Command::new(promtool).args(["check", "rules"]).arg(&rules));
    assert!(ok, "promtool check rules failed:\n{said}");
    // Four error ratios, three quantiles, their two alerts, the three quantiles and alert
    // of the declared histogram in seconds, target down, overflow, and
    // the two burn-rate alerts of each of the two measurable objectives.
    assert!(said.contains("SUCCESS: 19 rules found"), "{said}");
}

#[test]
fn promtool_fires_the_alerts_on_unhealthy_input_only() {
    let Some(promtool) = require_binary(&["promtool"], "install the Debian package prometheus")
    else {
        return;
    };
    let dir = TempDir::new("catalog-rule-tests");
    write_rules(dir.path());
    let tests = dir.path().join("tests.yml");
    std::fs::write(&tests, expected("rule_tests.yml")).expect("write tests.yml");
    let (ok, said) = run(Command::new(promtool)
        .args(["test", "rules"])
        .arg(&tests)
        .current_dir(dir.path()));
    assert!(ok, "promtool test rules failed:\n{said}");
    assert!(said.contains("SUCCESS"), "{said}");
}

/// Where `.ci/run` installs typescript and `@grafana/schema`.
fn grafana_schema_dir() -> PathBuf {
    std::env::var_os("TALLYMARK_GRAFANA_SCHEMA")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
            }
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/grafana-schema"))
}

#[test]
fn tsc_accepts_the_dashboard_as_a_grafana_dashboard() {
    let modules = grafana_schema_dir();
    let tsc = modules.join("node_modules/.bin/tsc");
    if !tsc.is_file() || !modules.join("node_modules/@grafana/schema").is_dir() {
        if e2e_only("the Grafana schema check (typescript and @grafana/schema, see .ci/run)") {
            panic!(
                "tsc or @grafana/schema missing under {}; .ci/run installs them",
                modules.display()
            );
        }
        return;
    }
    // Inside the install directory, so `@grafana/schema` resolves from its node_modules.
    let dir = modules.join(format!("check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the check directory");
    let check = dir.join("dashboard.ts");
    let source = format!(
        "import type {{ Dashboard }} from '@grafana/schema';\n\
         export const dashboard: Dashboard = {};\n",
        tallymark::catalog::dashboard(tallymark::registry()).trim_end()
    );
    std::fs::write(&check, source).expect("write dashboard.ts");
    let (ok, said) = run(Command::new(&tsc)
        .args([
            "--noEmit",
            "--strict",
            "--skipLibCheck",
            "--moduleResolution",
            "node",
            "--module",
            "commonjs",
            "--target",
            "es2020",
        ])
        .arg(&check)
        .current_dir(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ok, "tsc rejected the dashboard:\n{said}");
}

#[test]
fn a_histogram_whose_bounds_stop_at_the_threshold_gets_no_latency_alert() {
    const WAIT: Descriptor = Descriptor::new("wait_seconds", "Waits.").with_buckets(&[0.5, 1.0]);
    let registry = Registry::new();
    let family = std::sync::Arc::new(HistogramFamily::<0>::new().described(&WAIT));
    registry.register(family).expect("register wait_seconds");
    let rules = tallymark::catalog::alert_rules(&registry);
    assert!(
        rules.contains(
            "    # no latency alert for wait_seconds: its largest bucket bound 1s is not above \
             the 1s threshold\n    rules:\n      - record: \"job:wait_seconds:p50_rate5m\"\n"
        ),
        "{rules}"
    );
    assert!(!rules.contains("DeclaredLatencyHigh"), "{rules}");
}
