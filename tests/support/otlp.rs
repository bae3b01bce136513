//! For the OTLP tests: the judge that decodes what the loopback receiver
//! (`support::receiver`) recorded with the `opentelemetry-proto` package's generated
//! classes rather than with tallymark's own code.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::receiver::Captured;
use super::{require_python_module, TempDir};

/// Python with `opentelemetry-proto` (and so protobuf).
pub struct OtlpJudge {
    python: PathBuf,
    dir: TempDir,
}

impl OtlpJudge {
    /// `None`, after a skip note, when the module is missing (a failure under
    /// `TALLYMARK_E2E=1`).
    pub fn new() -> Option<OtlpJudge> {
        let python = require_python_module(
            "opentelemetry.proto.collector.metrics.v1.metrics_service_pb2",
            "pip install opentelemetry-proto",
        )?;
        let dir = TempDir::new("otlp-judge");
        std::fs::write(
            dir.path().join("otlp_judge.py"),
            include_str!("otlp_judge.py"),
        )
        .expect("write the judge script");
        Some(OtlpJudge { python, dir })
    }

    /// What the judge reads in `request`'s body, gunzipped when its Content-Encoding says
    /// gzip; panics with the judge's reason when it refuses it.
    pub fn decode(&self, request: &Captured) -> Value {
        let body_path = self.dir.path().join("body");
        std::fs::write(&body_path, &request.body).expect("write the captured body");
        let mut judge = Command::new(&self.python);
        judge
            .arg(self.dir.path().join("otlp_judge.py"))
            .arg(&body_path);
        if request.header("content-encoding") == ["gzip"] {
            judge.arg("gzip");
        }
        let run = judge.output().expect("run the judge");
        assert!(
            run.status.success(),
            "the judge refused the body: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        serde_json::from_slice(&run.stdout).expect("the judge's JSON")
    }
}

/// Checks every point's times and takes them out: all at one `time` within
/// `[before, after]`, each `start` no later, and the start of each `(metric, attribute
/// value)` in `starts` as given. Returns the request without them, for comparing whole.
pub fn check_and_strip_times(
    mut decoded: Value,
    before: u64,
    after: u64,
    starts: &[(&str, &str, u64)],
) -> Value {
    let mut times = Vec::new();
    let mut checked = 0;
    for scope in decoded["scopes"].as_array_mut().expect("scopes") {
        for metric in scope["metrics"].as_array_mut().expect("metrics") {
            let name = metric["name"].as_str().expect("a name").to_owned();
            for point in metric["points"].as_array_mut().expect("points") {
                let point = point.as_object_mut().expect("a point");
                let start = point
                    .remove("start")
                    .and_then(|v| v.as_u64())
                    .expect("start");
                let time = point.remove("time").and_then(|v| v.as_u64()).expect("time");
                assert!(start <= time, "{name}: start {start} after time {time}");
                let attribute = point["attributes"][0][1].as_str().unwrap_or("");
                for &(family, value, expected) in starts {
                    if family == name && value == attribute {
                        assert_eq!(start, expected, "{name} {attribute}: start");
                        checked += 1;
                    }
                }
                times.push(time);
            }
        }
    }
    assert_eq!(checked, starts.len(), "every expected start was checked");
    times.dedup();
    assert_eq!(times.len(), 1, "one time for the whole request: {times:?}");
    assert!(
        (before..=after).contains(&times[0]),
        "time {} outside {before}..={after}",
        times[0]
    );
    decoded
}
