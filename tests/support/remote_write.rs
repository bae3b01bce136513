//! For the remote-write tests: a loopback receiver that records every request and answers
//! as told, and the judge that decodes what it recorded with Python's protobuf runtime and
//! python-snappy rather than with tallymark's own code.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use super::{require_python_module, wait_until, TempDir};

pub const V1_CONTENT_TYPE: &str = "application/x-protobuf";
pub const V2_CONTENT_TYPE: &str = "application/x-protobuf;proto=io.prometheus.write.v2.Request";
pub const USER_AGENT: &str = concat!("tallymark/", env!("CARGO_PKG_VERSION"));

/// One answer of the receiver.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// `status` with no headers and an empty body.
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

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

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Captured {
    /// `POST /api/v1/write`, say.
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    /// Every header called `name`, compared without case, in the order sent.
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// An HTTP/1.1 receiver on a free loopback port, one connection at a time, answering the
/// n-th request with the n-th answer given and every later one with the last. Stops when
/// dropped.
pub struct LoopbackReceiver {
    pub addr: SocketAddr,
    captured: Arc<Mutex<Vec<Captured>>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl LoopbackReceiver {
    pub fn start(answers: Vec<Answer>) -> LoopbackReceiver {
        assert!(
            !answers.is_empty(),
            "the receiver needs at least one answer"
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let addr = listener.local_addr().expect("the receiver's address");
        let captured = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let (captured, stopping) = (captured.clone(), stopping.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let mut captured = captured.lock().unwrap_or_else(|e| e.into_inner());
                    let answer = &answers[captured.len().min(answers.len() - 1)];
                    // A connection that breaks off is the client's failure to report,
                    // not the receiver's.
                    if let Ok(request) = exchange(stream, answer) {
                        captured.push(request);
                    }
                }
            })
        };
        LoopbackReceiver {
            addr,
            captured,
            stopping,
            thread: Some(thread),
        }
    }

    /// The write URL, as Prometheus spells it.
    pub fn url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Captured> {
        self.captured
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The requests, once there are at least `count`.
    pub fn await_requests(&self, count: usize) -> Vec<Captured> {
        wait_until(&format!("{count} requests at the receiver"), || {
            self.requests().len() >= count
        });
        self.requests()
    }
}

impl Drop for LoopbackReceiver {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees `stopping`.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request from `stream` and writes `answer`, closing the connection after.
fn exchange(stream: TcpStream, answer: &Answer) -> io::Result<Captured> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no Content-Length"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut head = format!(
        "HTTP/1.1 {} Answer\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        answer.body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = stream;
    stream.write_all(head.as_bytes())?;
    stream.write_all(answer.body.as_bytes())?;
    stream.flush()?;
    Ok(Captured {
        request_line: request_line.trim_end().to_owned(),
        headers,
        body,
    })
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
