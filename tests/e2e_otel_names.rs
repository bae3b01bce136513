//! The `otel_names` example's dotted names, read by code nobody here wrote: Prometheus 3's
//! scrape (OpenMetrics, `escaping=allow-utf-8`) and text 1.0.0 by prometheus_client's two
//! parsers, which read quoted UTF-8 names; and a legacy scrape, escaped with underscores,
//! by `promtool check metrics` and the 0.0.4 parser.
//!
//! Skips with a note without the judges, and fails instead under `TALLYMARK_E2E=1`.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{pipe_through, require_binary, require_python_module, Example};

/// Prometheus 3's default Accept header (FORMATS.md).
const PROMETHEUS_3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
    application/openmetrics-text;version=0.0.1;q=0.5,\
    text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
    text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

/// Each family a parser read, apart from the process collector's: its name, type, sample
/// names and label names (sorted), and its samples as `(name, labels, value)`.
fn parsed(python: &Path, parser: &str, body: &str) -> Vec<Value> {
    let script = format!(
        "import json, sys\n\
         from {parser} import text_string_to_metric_families as parse\n\
         out = []\n\
         for f in parse(sys.stdin.read()):\n\
         \x20   out.append([f.name, f.type, sorted({{s.name for s in f.samples}}),\n\
         \x20       sorted({{k for s in f.samples for k in s.labels}}),\n\
         \x20       [[s.name, s.labels, s.value] for s in f.samples]])\n\
         print(json.dumps(out))"
    );
    let (status, said) = pipe_through(Command::new(python).args(["-c", &script]), body);
    assert!(
        status.success(),
        "{parser} refused the exposition:\n{said}\n--- exposition ---\n{body}"
    );
    let families: Vec<Value> = serde_json::from_str(said.trim()).expect("the parser's JSON");
    families
        .into_iter()
        .filter(|f| !f[0].as_str().is_some_and(|n| n.starts_with("process_")))
        .collect()
}

/// Name, type, sample names and label names of each family, as the JSON `parsed` gives.
fn shapes(families: &[Value]) -> Vec<String> {
    families
        .iter()
        .map(|f| format!("{} {} {} {}", f[0], f[1], f[2], f[3]))
        .collect()
}

/// The sum of the values of the samples named `name`.
fn total(families: &[Value], name: &str) -> f64 {
    families
        .iter()
        .flat_map(|f| f[4].as_array().into_iter().flatten())
        .filter(|s| s[0] == name)
        .map(|s| s[2].as_f64().expect("a number"))
        .sum()
}

#[test]
fn prometheus_3_reads_the_dotted_names_as_they_are() {
    let Some(python) = require_python_module("prometheus_client", "pip install prometheus_client")
    else {
        return;
    };
    let mut example = Example::start("otel_names");
    // The gauge is set after the first two requests, so its line means both are there.
    let reply = example.scrape_once_it_has(PROMETHEUS_3, b"{\"db.client.connections.usage\"");
    assert_eq!(
        reply.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8")
    );
    let families = parsed(
        &python,
        "prometheus_client.openmetrics.parser",
        reply.text(),
    );
    let labels = r#"["http.request.method","http.response.status_code","http.route","le"]"#;
    assert_eq!(
        shapes(&families),
        [
            // `target_info` comes first, as Python's client writes it.
            r#""target" "info" ["target_info"] ["service.name","service.version"]"#.to_owned(),
            r#""db.client.connections.usage" "gauge" ["db.client.connections.usage"] ["db.client.connections.pool.name","state"]"#.to_owned(),
            r#""http.server.active_requests" "gauge" ["http.server.active_requests"] []"#.to_owned(),
            format!(
                r#""http.server.request.duration" "histogram" ["http.server.request.duration_bucket","http.server.request.duration_count","http.server.request.duration_created","http.server.request.duration_sum"] {labels}"#
            ),
            // The global registry's count of label sets over budget, per labelled family.
            r#""tallymark_label_overflow" "counter" ["tallymark_label_overflow_total"] ["family"]"#.to_owned(),
        ]
    );
    // The example keeps ten connections, idle or used.
    assert_eq!(total(&families, "db.client.connections.usage"), 10.0);
    let count = total(&families, "http.server.request.duration_count");
    assert!(count >= 1.0, "{count}");

    let text = example.scrape_once_it_has(
        "text/plain;version=1.0.0;escaping=allow-utf-8",
        b"{\"db.client.connections.usage\"",
    );
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8")
    );
    let families = parsed(&python, "prometheus_client.parser", text.text());
    let names: Vec<&Value> = families.iter().map(|f| &f[0]).collect();
    assert_eq!(
        names,
        [
            "target_info",
            "db.client.connections.usage",
            "http.server.active_requests",
            "http.server.request.duration",
            "tallymark_label_overflow"
        ]
    );
    assert_eq!(total(&families, "db.client.connections.usage"), 10.0);
}

#[test]
fn a_legacy_scrape_gets_the_names_escaped_and_promtool_accepts_them() {
    let Some(python) = require_python_module("prometheus_client", "pip install prometheus_client")
    else {
        return;
    };
    let Some(promtool) = require_binary(&["promtool"], "install the Debian package prometheus")
    else {
        return;
    };
    let mut example = Example::start("otel_names");
    let reply = example.scrape_once_it_has("text/plain", b"db_client_connections_usage{");
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let body = reply.text();
    let (status, said) = pipe_through(Command::new(promtool).args(["check", "metrics"]), body);
    assert!(
        status.success(),
        "promtool check metrics exited with {status}:\n{said}\n--- exposition ---\n{body}"
    );
    let families = parsed(&python, "prometheus_client.parser", body);
    assert_eq!(
        shapes(&families),
        [
            r#""target_info" "gauge" ["target_info"] ["service_name","service_version"]"#,
            r#""db_client_connections_usage" "gauge" ["db_client_connections_usage"] ["db_client_connections_pool_name","state"]"#,
            r#""http_server_active_requests" "gauge" ["http_server_active_requests"] []"#,
            r#""http_server_request_duration" "histogram" ["http_server_request_duration_bucket","http_server_request_duration_count","http_server_request_duration_sum"] ["http_request_method","http_response_status_code","http_route","le"]"#,
            r#""tallymark_label_overflow" "counter" ["tallymark_label_overflow_total"] ["family"]"#,
        ]
    );
    assert_eq!(total(&families, "db_client_connections_usage"), 10.0);
}

/// Names with the characters that need care inside quotes, written as Prometheus 3 asks,
/// read back exactly by both parsers.
#[test]
fn hostile_utf8_names_read_back_exactly() {
    use std::sync::Arc;
    use tallymark::encoding::Exposition;
    use tallymark::names::Escaping;
    use tallymark::{Descriptor, Format, GaugeFamily, Registry};

    let Some(python) = require_python_module("prometheus_client", "pip install prometheus_client")
    else {
        return;
    };
    const ODD: Descriptor = Descriptor::new("quote\"back\\slash {brace} #hash", "Odd \"name\".")
        .with_labels(&["dé.ö", "say \"hi\"", "le"]);
    let registry = Registry::new();
    let odd = Arc::new(GaugeFamily::<3>::new().described(&ODD));
    registry.register(odd.clone()).unwrap();
    odd.labels(["1", "2\n", "3"]).set(4.0);
    let body = |format: Format| {
        let mut out = Vec::new();
        registry.encode_as(
            Exposition::from(format).with_escaping(Escaping::AllowUtf8),
            &mut out,
        );
        String::from_utf8(out).unwrap()
    };
    let expected = serde_json::json!([
        "quote\"back\\slash {brace} #hash",
        "gauge",
        ["quote\"back\\slash {brace} #hash"],
        ["dé.ö", "le", "say \"hi\""],
        [[
            "quote\"back\\slash {brace} #hash",
            {"dé.ö": "1", "say \"hi\"": "2\n", "le": "3"},
            4.0
        ]]
    ]);
    for (format, parser) in [
        (Format::OpenMetrics, "prometheus_client.openmetrics.parser"),
        (Format::Text, "prometheus_client.parser"),
    ] {
        let text = body(format);
        let mut families = parsed(&python, parser, &text);
        // One parser reads `4` as an integer, the other as a float: compare numbers.
        for sample in families
            .iter_mut()
            .flat_map(|f| f[4].as_array_mut().into_iter().flatten())
        {
            sample[2] = serde_json::json!(sample[2].as_f64());
        }
        assert_eq!(
            families,
            std::slice::from_ref(&expected),
            "{parser} read\n{text}"
        );
    }
}
