//! For the remote-write tests: the loopback receiver (`support::receiver`) with a 2.0
//! receiver's answer, and the judge that decodes what it recorded with Python's protobuf
//! runtime and python-snappy rather than with tallymark's own code.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub use super::receiver::{Answer, Captured, LoopbackReceiver};
use super::{require_python_module, TempDir};

pub const V1_CONTENT_TYPE: &str = "application/x-protobuf";
pub const V2_CONTENT_TYPE: &str = "application/x-protobuf;proto=io.prometheus.write.v2.Request";
pub const USER_AGENT: &str = concat!("tallymark/", env!("CARGO_PKG_VERSION"));

impl Answer {
    /// A 2.0 receiver's 204: `samples` written, no histograms, no exemplars.
    pub fn written(samples: usize) -> Answer {
        let written = |what: &str, n: usize| {
            (
                format!("X-Prometheus-Remote-Write-{what}-Written"),
                n.to_string(),
            )
        };
        Answer {
            status: 204,
            headers: vec![
                written("Samples", samples),
                written("Histograms", 0),
                written("Exemplars", 0),
            ],
            body: String::new(),
        }
    }
}

impl LoopbackReceiver {
    /// The write URL, as Prometheus spells it.
    pub fn url(&self) -> String {
        format!("{}/api/v1/write", self.base_url())
    }
}

/// Python with protobuf, grpcio-tools and python-snappy, and the remote-write schemas
/// compiled for it.
pub struct RemoteWriteJudge {
    python: PathBuf,
    dir: TempDir,
}

impl RemoteWriteJudge {
    /// `None`, after a skip note, when a Python module is missing (a failure under
    /// `TALLYMARK_E2E=1`).
    pub fn new() -> Option<RemoteWriteJudge> {
        let install = "pip install protobuf grpcio-tools python-snappy";
        require_python_module("google.protobuf", install)?;
        require_python_module("grpc_tools", install)?;
        let python = require_python_module("snappy", install)?;
        let dir = TempDir::new("remote-write-judge");
        let proto_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("metrics-http/proto");
        let compiled = Command::new(&python)
            .args(["-m", "grpc_tools.protoc"])
            .arg(format!("-I{}", proto_dir.display()))
            .arg(format!("--python_out={}", dir.path().display()))
            .args(["write_v2.proto", "remote.proto"])
            .output()
            .expect("run grpc_tools.protoc");
        assert!(
            compiled.status.success(),
            "grpc_tools.protoc failed: {}",
            String::from_utf8_lossy(&compiled.stderr)
        );
        std::fs::write(
            dir.path().join("remote_write_judge.py"),
            include_str!("remote_write_judge.py"),
        )
        .expect("write the judge script");
        Some(RemoteWriteJudge { python, dir })
    }

    /// What the judge reads in `request`'s body taken as remote-write `version` ("1" or
    /// "2"); panics with the judge's reason when it refuses it, or when a series has
    /// other than one sample, or the samples differ in timestamp.
    pub fn decode(&self, version: &str, request: &Captured) -> Decoded {
        let json = self.read(version, &request.body);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let mut timestamps = HashSet::new();
        let series = json["series"]
            .as_array()
            .expect("series")
            .iter()
            .map(|s| {
                let samples = s["samples"].as_array().expect("samples");
                assert_eq!(samples.len(), 1, "one sample per series: {s}");
                timestamps.insert(samples[0][1].as_i64().expect("a timestamp"));
                Series {
                    labels: (s["labels"].as_array().expect("labels").iter())
                        .map(|pair| (text(&pair[0]), text(&pair[1])))
                        .collect(),
                    kind: text(&s["type"]),
                    help: text(&s["help"]),
                    unit: text(&s["unit"]),
                    created: s["created"].as_i64().unwrap_or(0),
                    value: samples[0][0].as_f64().expect("a value"),
                }
            })
            .collect();
        let timestamps: Vec<i64> = timestamps.into_iter().collect();
        assert_eq!(timestamps.len(), 1, "one timestamp for the whole request");
        Decoded {
            json,
            series,
            timestamp: timestamps[0],
        }
    }

    /// The judge's JSON for `body`.
    fn read(&self, version: &str, body: &[u8]) -> Value {
        let body_path = self.dir.path().join("body");
        std::fs::write(&body_path, body).expect("write the captured body");
        let run = Command::new(&self.python)
            .arg(self.dir.path().join("remote_write_judge.py"))
            .arg(self.dir.path())
            .arg(version)
            .arg(&body_path)
            .output()
            .expect("run the judge");
        assert!(
            run.status.success(),
            "the judge refused a {version} body: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        serde_json::from_slice(&run.stdout).expect("the judge's JSON")
    }
}

/// One series as the judge read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// In the order sent; `__name__` first when sorted.
    pub labels: Vec<(String, String)>,
    /// The metadata's type, help and unit; empty for 1.0, which sends them per family.
    pub kind: String,
    pub help: String,
    pub unit: String,
    /// 0 for 1.0.
    pub created: i64,
    pub value: f64,
}

impl Series {
    /// The value of the label `name`, or `""`.
    pub fn label(&self, name: &str) -> &str {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A request as the judge read it: all of it, its series, and the one timestamp of their
/// samples.
pub struct Decoded {
    pub json: Value,
    pub series: Vec<Series>,
    pub timestamp: i64,
}

/// Asserts the request line and the headers that say which version a request is.
pub fn assert_sent_as(request: &Captured, content_type: &str, version: &str) {
    assert_eq!(request.request_line, "POST /api/v1/write HTTP/1.1");
    let got: Vec<Vec<&str>> = [
        "content-type",
        "content-encoding",
        "x-prometheus-remote-write-version",
        "user-agent",
    ]
    .map(|name| request.header(name))
    .into();
    assert_eq!(
        got,
        [
            vec![content_type],
            vec!["snappy"],
            vec![version],
            vec![USER_AGENT]
        ]
    );
}
