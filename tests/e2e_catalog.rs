//! The quickstart's generated artefacts: `--emit` prints them and exits, the copies in
//! `deploy/` are the ones it prints now, and a live Prometheus scraping the quickstart
//! answers every query of its dashboard with data; promtool fires the axum example's HTTP
//! alerts. The batch job, which parses its own arguments, emits its catalog too.

mod support;

use std::path::Path;
use std::process::Command;

use support::{require_binary, run_example, Example, Prometheus, TempDir, PATIENCE};

fn emit(artefact: &str) -> String {
    let (code, stdout, stderr) = run_example("quickstart", &["--emit", artefact]);
    assert_eq!(code, Some(0), "--emit {artefact} failed: {stderr}");
    assert!(
        !stdout.contains("Metrics server on"),
        "--emit {artefact} started the server"
    );
    stdout
}

#[test]
fn emit_names_the_choices_when_given_another_word() {
    let (code, stdout, stderr) = run_example("quickstart", &["--emit", "grafana"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        stderr,
        "quickstart: unknown artefact `grafana`; expected rules, dashboard or reference\n"
    );
}

#[test]
fn the_deploy_directory_holds_what_the_quickstart_emits_now() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    for (artefact, file) in [
        ("rules", "rules.yml"),
        ("dashboard", "dashboard.json"),
        ("reference", "METRICS.md"),
    ] {
        let committed = std::fs::read_to_string(deploy.join(file))
            .unwrap_or_else(|e| panic!("read deploy/{file}: {e}"));
        assert!(
            committed == emit(artefact),
            "deploy/{file} is stale; regenerate it with \
             `cargo run --example quickstart -- --emit {artefact} > deploy/{file}`"
        );
    }
}

/// Every `expr` of the dashboard, in order.
fn dashboard_queries(dashboard: &str) -> Vec<String> {
    let parsed: serde_json::Value = serde_json::from_str(dashboard).expect("dashboard JSON");
    let panels = parsed["panels"].as_array().expect("panels");
    panels
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| target["expr"].as_str().expect("an expr").to_owned())
        .collect()
}

#[test]
fn prometheus_answers_every_dashboard_query_with_data() {
    let quickstart = Example::start("quickstart");
    // Native histograms on, so the quickstart's native family has data to show too; the
    // classic ones arrive through protobuf as they are.
    let Some(mut prometheus) = Prometheus::scraping(quickstart.addr, "native-histograms") else {
        return;
    };
    let queries = dashboard_queries(&emit("dashboard"));
    // Each function panel, each family's, and the overflow panel.
    assert_eq!(queries.len(), 20, "{queries:#?}");
    let instance = quickstart.addr.to_string();
    for query in &queries {
        // What Grafana would put in: this Prometheus's job and target, and a range of a
        // few scrapes (it scrapes every second).
        let promql = query
            .replace("$job", "app")
            .replace("$instance", &instance)
            .replace("$__rate_interval", "10s");
        let mut answer = Vec::new();
        support::wait_up_to(PATIENCE, &format!("`{promql}` to return data"), || {
            answer = prometheus.query(&promql);
            !answer.is_empty()
        });
    }
    drop(quickstart);
}

#[test]
fn promtool_fires_the_http_alerts_of_the_axum_example_on_unhealthy_routes_only() {
    let Some(promtool) = require_binary(&["promtool"], "install the Debian package prometheus")
    else {
        return;
    };
    let (code, rules, stderr) = run_example("axum_app", &["--emit", "rules"]);
    assert_eq!(code, Some(0), "--emit rules failed: {stderr}");
    let dir = TempDir::new("catalog-http-rules");
    std::fs::write(dir.path().join("rules.yml"), rules).expect("write rules.yml");
    // promtool finds `rule_files` beside the test file, so both go in the temp directory.
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog/http_rule_tests.yml");
    let tests = dir.path().join("tests.yml");
    std::fs::copy(&source, &tests).expect("copy http_rule_tests.yml");
    let output = Command::new(promtool)
        .args(["test", "rules"])
        .arg(&tests)
        .current_dir(dir.path())
        .output()
        .expect("run promtool");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "promtool test rules failed:\n{said}"
    );
}

#[test]
fn the_batch_job_emits_its_reference_instead_of_running() {
    let (code, stdout, stderr) = run_example("batch_job", &["--emit", "reference"]);
    assert_eq!(code, Some(0), "--emit reference failed: {stderr}");
    // A run would push to the Pushgateway and say so when none listens.
    assert_eq!(stderr, "", "the batch job ran");
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows,
        [
            "| `batch_job_duration_seconds` | gauge |  |  |  | `batch_job` | How long the last run of the batch job took, in seconds. |",
            "| `batch_job_last_success_timestamp_seconds` | gauge |  |  |  | `batch_job` | When the batch job last succeeded, in Unix seconds. |",
            "| `batch_job_records_processed` | gauge |  |  |  | `batch_job` | Records the last run of the batch job processed. |",
            "| `tallymark_label_overflow_total` | counter |  | `family` |  | `tallymark` | Label sets folded into a family's overflow series because its cardinality budget was spent. |",
        ]
    );
    let (code, _, stderr) = run_example("batch_job", &["--emit", "grafana"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "batch_job: unknown artefact `grafana`; expected rules, dashboard or reference\n"
    );
}
