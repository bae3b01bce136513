//! The outside judges: judge.py (prometheus_client's two parsers and the protobuf runtime,
//! in one Python process for a whole run) and `promtool check metrics`; and reading their
//! answers, and prost's, into the terms of `expect`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use super::expect::{
    GotExemplar, GotFamily, GotSample, Num, PbBucket, PbCreated, PbExemplar, PbFamily, PbHistogram,
    PbMetric, PbValue, F,
};

/// A fresh directory under the system's temporary one, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tallymark-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

type Reading<T> = Result<T, String>;

fn field<'a>(json: &'a Json, key: &str) -> Reading<&'a Json> {
    json.get(key).ok_or_else(|| format!("no `{key}` in {json}"))
}

fn string(json: &Json) -> Reading<String> {
    json.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("not a string: {json}"))
}

fn opt_string(json: &Json) -> Reading<Option<String>> {
    if json.is_null() {
        Ok(None)
    } else {
        string(json).map(Some)
    }
}

fn array(json: &Json) -> Reading<&Vec<Json>> {
    json.as_array().ok_or_else(|| format!("not a list: {json}"))
}

fn num(json: &Json) -> Reading<Num> {
    json.as_str()
        .and_then(Num::parse)
        .ok_or_else(|| format!("not a number: {json}"))
}

fn opt_num(json: &Json) -> Reading<Option<Num>> {
    if json.is_null() {
        Ok(None)
    } else {
        num(json).map(Some)
    }
}

fn opt_f(json: &Json) -> Reading<Option<F>> {
    Ok(opt_num(json)?.map(|n| match n {
        Num::Float(f) => F(f),
        // A double field is always a float in Python; keep a mismatch visible.
        Num::Int(i) => F(i as f64 + 0.5),
    }))
}

fn opt_int<T: TryFrom<i128>>(json: &Json) -> Reading<Option<T>> {
    match opt_num(json)? {
        None => Ok(None),
        Some(Num::Int(i)) => T::try_from(i)
            .map(Some)
            .map_err(|_| format!("{i} out of range")),
        Some(Num::Float(f)) => Err(format!("a float {f} in an integer field")),
    }
}

fn pairs(json: &Json) -> Reading<Vec<(String, String)>> {
    array(json)?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([n, v]) => Ok((string(n)?, string(v)?)),
            _ => Err(format!("not a label pair: {pair}")),
        })
        .collect()
}

fn opt_pairs(json: &Json) -> Reading<Vec<(Option<String>, Option<String>)>> {
    array(json)?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([n, v]) => Ok((opt_string(n)?, opt_string(v)?)),
            _ => Err(format!("not a label pair: {pair}")),
        })
        .collect()
}

/// A text verdict of judge.py: the families read and the exposition's sample line count,
/// or the parser's refusal.
pub fn text_verdict(json: &Json) -> Result<(Vec<GotFamily>, usize), String> {
    if let Some(error) = json.get("error") {
        return Err(format!("refused: {}", error.as_str().unwrap_or_default()));
    }
    let lines = field(json, "lines")?.as_u64().ok_or("no line count")? as usize;
    let families = array(field(json, "families")?)?
        .iter()
        .map(|f| {
            let samples = array(field(f, "samples")?)?
                .iter()
                .map(|s| {
                    let exemplar = field(s, "exemplar")?;
                    let exemplar = if exemplar.is_null() {
                        None
                    } else {
                        Some(GotExemplar {
                            labels: pairs(field(exemplar, "labels")?)?,
                            value: num(field(exemplar, "value")?)?,
                            timestamp: opt_string(field(exemplar, "timestamp")?)?
                                .map(|t| t.strip_prefix("t:").unwrap_or(&t).to_owned()),
                        })
                    };
                    Ok(GotSample {
                        name: string(field(s, "name")?)?,
                        labels: pairs(field(s, "labels")?)?,
                        value: num(field(s, "value")?)?,
                        timestamp: opt_string(field(s, "timestamp")?)?,
                        exemplar,
                    })
                })
                .collect::<Reading<Vec<_>>>()?;
            Ok(GotFamily {
                name: string(field(f, "name")?)?,
                kind: string(field(f, "type")?)?,
                help: string(field(f, "help")?)?,
                unit: string(field(f, "unit")?)?,
                samples,
            })
        })
        .collect::<Reading<Vec<_>>>()?;
    Ok((families, lines))
}

fn json_exemplar(json: &Json) -> Reading<Option<PbExemplar>> {
    if json.is_null() {
        return Ok(None);
    }
    let timestamp = match field(json, "timestamp")? {
        Json::Null => None,
        Json::Array(st) if st.len() == 2 => Some((
            st[0].as_i64().ok_or("seconds")?,
            st[1]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or("nanos")?,
        )),
        other => return Err(format!("not a timestamp: {other}")),
    };
    Ok(Some(PbExemplar {
        labels: opt_pairs(field(json, "labels")?)?,
        value: opt_f(field(json, "value")?)?,
        timestamp,
    }))
}

fn json_native(json: &Json) -> Reading<Vec<(i32, i64)>> {
    array(json)?
        .iter()
        .map(|b| match b.as_array().map(Vec::as_slice) {
            Some([i, c]) => Ok((
                i.as_i64()
                    .and_then(|i| i32::try_from(i).ok())
                    .ok_or("index")?,
                opt_int(c)?.ok_or("count")?,
            )),
            _ => Err(format!("not a bucket: {b}")),
        })
        .collect()
}

fn json_floats(json: &Json) -> Reading<Vec<F>> {
    array(json)?
        .iter()
        .map(|v| opt_f(v)?.ok_or_else(|| "null".to_owned()))
        .collect()
}

fn json_metric(json: &Json) -> Reading<PbMetric> {
    let mut values = Vec::new();
    if let Some(c) = json.get("counter") {
        values.push(PbValue::Counter {
            value: opt_f(field(c, "value")?)?,
            exemplar: json_exemplar(field(c, "exemplar")?)?,
        });
    }
    if let Some(g) = json.get("gauge") {
        values.push(PbValue::Gauge(opt_f(field(g, "value")?)?));
    }
    if let Some(u) = json.get("untyped") {
        values.push(PbValue::Untyped(opt_f(field(u, "value")?)?));
    }
    if let Some(s) = json.get("summary") {
        let quantiles = array(field(s, "quantiles")?)?
            .iter()
            .map(|q| match q.as_array().map(Vec::as_slice) {
                Some([q, v]) => Ok((opt_f(q)?, opt_f(v)?)),
                _ => Err(format!("not a quantile: {q}")),
            })
            .collect::<Reading<Vec<_>>>()?;
        values.push(PbValue::Summary {
            sample_count: opt_int(field(s, "sample_count")?)?,
            sample_sum: opt_f(field(s, "sample_sum")?)?,
            quantiles,
        });
    }
    if let Some(h) = json.get("histogram") {
        let buckets = array(field(h, "buckets")?)?
            .iter()
            .map(|b| {
                Ok(PbBucket {
                    upper_bound: opt_f(field(b, "upper_bound")?)?,
                    cumulative_count: opt_int(field(b, "cumulative_count")?)?,
                    cumulative_count_float: opt_f(field(b, "cumulative_count_float")?)?,
                    exemplar: json_exemplar(field(b, "exemplar")?)?,
                })
            })
            .collect::<Reading<Vec<_>>>()?;
        values.push(PbValue::Histogram(PbHistogram {
            sample_count: opt_int(field(h, "sample_count")?)?,
            sample_count_float: opt_f(field(h, "sample_count_float")?)?,
            sample_sum: opt_f(field(h, "sample_sum")?)?,
            buckets,
            schema: opt_int(field(h, "schema")?)?,
            zero_threshold: opt_f(field(h, "zero_threshold")?)?,
            zero_count: opt_int(field(h, "zero_count")?)?,
            zero_count_float: opt_f(field(h, "zero_count_float")?)?,
            positive: json_native(field(h, "positive")?)?,
            negative: json_native(field(h, "negative")?)?,
            positive_count: json_floats(field(h, "positive_count")?)?,
            negative_count: json_floats(field(h, "negative_count")?)?,
        }));
    }
    let created = match field(json, "created")? {
        Json::Null => None,
        Json::Array(st) if st.len() == 2 => Some(PbCreated::At(
            st[0].as_i64().ok_or("seconds")?,
            st[1]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or("nanos")?,
        )),
        other => return Err(format!("not a created timestamp: {other}")),
    };
    Ok(PbMetric {
        labels: opt_pairs(field(json, "labels")?)?,
        values,
        timestamp_ms: opt_int(field(json, "timestamp_ms")?)?,
        created,
    })
}

/// The protobuf verdict of judge.py.
pub fn pb_verdict(json: &Json) -> Result<Vec<PbFamily>, String> {
    if let Some(error) = json.get("error") {
        return Err(format!("refused: {}", error.as_str().unwrap_or_default()));
    }
    array(field(json, "families")?)?
        .iter()
        .map(|f| {
            Ok(PbFamily {
                name: opt_string(field(f, "name")?)?,
                help: opt_string(field(f, "help")?)?,
                kind: opt_int(field(f, "type")?)?,
                metrics: array(field(f, "metrics")?)?
                    .iter()
                    .map(json_metric)
                    .collect::<Reading<Vec<_>>>()?,
            })
        })
        .collect()
}

/// The same families decoded in process by prost.
#[cfg(feature = "protobuf")]
pub fn prost_families(mut body: &[u8]) -> Result<Vec<PbFamily>, String> {
    use super::expect::absolute;
    use prost::Message;
    use tallymark_core::encoding::protobuf::model;

    fn labels(pairs: &[model::LabelPair]) -> Vec<(Option<String>, Option<String>)> {
        pairs
            .iter()
            .map(|p| (p.name.clone(), p.value.clone()))
            .collect()
    }
    fn exemplar(e: &Option<model::Exemplar>) -> Option<PbExemplar> {
        e.as_ref().map(|e| PbExemplar {
            labels: labels(&e.label),
            value: e.value.map(F),
            timestamp: e.timestamp.map(|t| (t.seconds, t.nanos)),
        })
    }
    fn native(spans: &[model::BucketSpan], deltas: &[i64]) -> Result<Vec<(i32, i64)>, String> {
        let spans: Vec<(i32, u32)> = spans
            .iter()
            .map(|s| (s.offset.unwrap_or(0), s.length.unwrap_or(0)))
            .collect();
        absolute(&spans, deltas)
    }
    let mut families = Vec::new();
    while !body.is_empty() {
        let family = model::MetricFamily::decode_length_delimited(&mut body)
            .map_err(|e| format!("prost refused the body: {e}"))?;
        let mut metrics = Vec::new();
        for m in &family.metric {
            let mut values = Vec::new();
            if let Some(c) = &m.counter {
                values.push(PbValue::Counter {
                    value: c.value.map(F),
                    exemplar: exemplar(&c.exemplar),
                });
            }
            if let Some(g) = &m.gauge {
                values.push(PbValue::Gauge(g.value.map(F)));
            }
            if let Some(u) = &m.untyped {
                values.push(PbValue::Untyped(u.value.map(F)));
            }
            if let Some(s) = &m.summary {
                values.push(PbValue::Summary {
                    sample_count: s.sample_count,
                    sample_sum: s.sample_sum.map(F),
                    quantiles: s
                        .quantile
                        .iter()
                        .map(|q| (q.quantile.map(F), q.value.map(F)))
                        .collect(),
                });
            }
            if let Some(h) = &m.histogram {
                values.push(PbValue::Histogram(PbHistogram {
                    sample_count: h.sample_count,
                    sample_count_float: h.sample_count_float.map(F),
                    sample_sum: h.sample_sum.map(F),
                    buckets: h
                        .bucket
                        .iter()
                        .map(|b| PbBucket {
                            upper_bound: b.upper_bound.map(F),
                            cumulative_count: b.cumulative_count,
                            cumulative_count_float: b.cumulative_count_float.map(F),
                            exemplar: exemplar(&b.exemplar),
                        })
                        .collect(),
                    schema: h.schema,
                    zero_threshold: h.zero_threshold.map(F),
                    zero_count: h.zero_count,
                    zero_count_float: h.zero_count_float.map(F),
                    positive: native(&h.positive_span, &h.positive_delta)?,
                    negative: native(&h.negative_span, &h.negative_delta)?,
                    positive_count: h.positive_count.iter().copied().map(F).collect(),
                    negative_count: h.negative_count.iter().copied().map(F).collect(),
                }));
            }
            let created = m
                .counter
                .as_ref()
                .and_then(|c| c.created_timestamp)
                .or(m.summary.as_ref().and_then(|s| s.created_timestamp))
                .or(m.histogram.as_ref().and_then(|h| h.created_timestamp))
                .map(|t| PbCreated::At(t.seconds, t.nanos));
            metrics.push(PbMetric {
                labels: labels(&m.label),
                values,
                timestamp_ms: m.timestamp_ms,
                created,
            });
        }
        families.push(PbFamily {
            name: family.name,
            help: family.help,
            kind: family.r#type,
            metrics,
        });
    }
    Ok(families)
}

/// Runs judge.py over `jobs` with `python`, compiling metrics.proto into `dir` first.
pub fn run_judge_py(python: &Path, dir: &Path, jobs: &Path) -> Result<PathBuf, String> {
    let proto_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("proto");
    let compiled = Command::new(python)
        .args(["-m", "grpc_tools.protoc"])
        .arg(format!("-I{}", proto_dir.display()))
        .arg(format!("--python_out={}", dir.display()))
        .arg("metrics.proto")
        .output()
        .map_err(|e| format!("cannot run grpc_tools.protoc: {e}"))?;
    if !compiled.status.success() {
        return Err(format!(
            "grpc_tools.protoc failed: {}",
            String::from_utf8_lossy(&compiled.stderr)
        ));
    }
    let script = dir.join("judge.py");
    std::fs::write(&script, include_str!("judge.py")).map_err(|e| e.to_string())?;
    let out = dir.join("verdicts.jsonl");
    let run = Command::new(python)
        .arg(&script)
        .arg(jobs)
        .arg(&out)
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run judge.py: {e}"))?;
    if !run.status.success() {
        return Err(format!(
            "judge.py failed: {}",
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    Ok(out)
}

/// What promtool 2.42's linter (client_golang's promlint) says about names and label names
/// it finds unidiomatic. Random names draw every one of these; none says the exposition is
/// malformed. Its output line is `<metric family> <problem>`, and with only these it exits 3.
pub const PROMLINT_PROBLEMS: &[&str] = &[
    "no help text",
    "counter metrics should have \"_total\" suffix",
    "non-counter metrics should not have \"_total\" suffix",
    "non-histogram metrics should not have \"_bucket\" suffix",
    "non-histogram and non-summary metrics should not have \"_count\" suffix",
    "non-histogram and non-summary metrics should not have \"_sum\" suffix",
    "non-histogram metrics should not have \"le\" label",
    "non-summary metrics should not have \"quantile\" label",
    "metric names should not contain ':'",
    "metric names should be written in 'snake_case' not 'camelCase'",
    "label names should be written in 'snake_case' not 'camelCase'",
    "metric names should not contain abbreviated units",
];

/// Lint problems whose text names a type or a unit.
pub const PROMLINT_PROBLEM_PATTERNS: &[(&str, &str)] = &[
    ("metric name should not include type '", "'"),
    ("use base unit \"", "\""),
];

/// Whether a line of promtool's output is a lint problem about a family of ours (`r…`).
pub fn is_lint_problem(line: &str) -> bool {
    let Some((metric, problem)) = line.split_once(' ') else {
        return false;
    };
    metric.starts_with('r')
        && (PROMLINT_PROBLEMS.contains(&problem)
            || PROMLINT_PROBLEM_PATTERNS
                .iter()
                .any(|(start, end)| problem.starts_with(start) && problem.ends_with(end)))
}

/// `promtool check metrics` on `body`: its exit code and everything it printed.
pub fn promtool(promtool: &Path, body: &[u8]) -> (Option<i32>, String) {
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promtool");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let body = body.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output().expect("wait for promtool");
    let _ = feeder.join();
    let mut said = String::from_utf8_lossy(&output.stdout).into_owned();
    said.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), said)
}

/// The line number in promtool's "text format parsing error in line N" message.
pub fn error_line(said: &str) -> Option<usize> {
    let (_, rest) = said.split_once("in line ")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}
