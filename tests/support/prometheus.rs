//! A Prometheus server on loopback for a test: scraping a target, or receiving remote
//! writes, asked through its HTTP API what it ingested.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{free_port, http, require_binary, url_encode, wait_up_to, ChildGuard, TempDir};

/// The longest any one thing may take to show up in Prometheus.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A Prometheus on a free loopback port with a 1 s scrape interval and a temporary storage
/// directory, killed and its storage deleted when dropped (fields drop in order: the
/// process first, then its directory).
pub struct Prometheus {
    pub process: ChildGuard,
    pub addr: SocketAddr,
    command: Vec<String>,
    _storage: TempDir,
}

impl Prometheus {
    /// Starts Prometheus with `features` enabled, scraping `target` as job `app`, and waits
    /// until it is ready; `None` (after a skip note) when it is not installed.
    pub fn scraping(target: SocketAddr, features: &str) -> Option<Prometheus> {
        let scrape = format!(
            "scrape_configs:\n  \
             - job_name: app\n    \
             static_configs: [{{targets: ['{target}']}}]\n"
        );
        Prometheus::start(&scrape, &[&format!("--enable-feature={features}")])
    }

    /// Starts Prometheus scraping `target` as job `app` through protobuf, keeping native
    /// histograms and, where this version can, a histogram's classic buckets beside them
    /// (`scrape_classic_histograms` since 2.45, `always_scrape_classic_histograms` in 3.x;
    /// native histograms by feature flag before 3.8, by `scrape_native_histograms`
    /// since). Returns whether the classic buckets are kept too; `None` (after a skip
    /// note) when Prometheus is not installed.
    pub fn scraping_classic_and_native(target: SocketAddr) -> Option<(Prometheus, bool)> {
        let binary = require_binary(&["prometheus"], "install the Debian package prometheus")?;
        let version = version_of(&binary);
        let mut options = String::new();
        let mut flags = Vec::new();
        if version >= (3, 8) {
            options.push_str("    scrape_native_histograms: true\n");
        } else {
            flags.push("--enable-feature=native-histograms");
        }
        let keeps_classic = version >= (2, 45);
        if version >= (3, 0) {
            options.push_str("    always_scrape_classic_histograms: true\n");
        } else if keeps_classic {
            options.push_str("    scrape_classic_histograms: true\n");
        }
        let scrape = format!(
            "scrape_configs:\n  \
             - job_name: app\n\
             {options}    \
             static_configs: [{{targets: ['{target}']}}]\n"
        );
        let prometheus = Prometheus::start(&scrape, &flags)?;
        Some((prometheus, keeps_classic))
    }

    /// Starts Prometheus with no scrape target, accepting remote writes on
    /// `/api/v1/write`.
    pub fn receiving_remote_writes() -> Option<Prometheus> {
        Prometheus::start("", &["--web.enable-remote-write-receiver"])
    }

    fn start(scrape_configs: &str, flags: &[&str]) -> Option<Prometheus> {
        let binary = require_binary(&["prometheus"], "install the Debian package prometheus")?;
        let storage = TempDir::new("prometheus");
        let config = storage.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
                 {scrape_configs}"
            ),
        )
        .expect("write prometheus.yml");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut command = vec![
            binary.display().to_string(),
            format!("--config.file={}", config.display()),
            format!(
                "--storage.tsdb.path={}",
                storage.path().join("data").display()
            ),
            format!("--web.listen-address={addr}"),
        ];
        command.extend(flags.iter().map(|f| (*f).to_owned()));
        let mut prometheus = Prometheus {
            process: spawn(&command),
            addr,
            command,
            _storage: storage,
        };
        prometheus.await_ready();
        Some(prometheus)
    }

    /// Kills Prometheus (as a crash would) and starts it again on the same address and
    /// storage, which it recovers from its write-ahead log.
    pub fn restart(&mut self) {
        self.process.kill();
        self.process = spawn(&self.command);
        self.await_ready();
    }

    /// Kills Prometheus; [`restart`](Prometheus::restart) brings it back.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    fn await_ready(&mut self) {
        let addr = self.addr;
        wait_up_to(PATIENCE, "prometheus to become ready", || {
            self.process.assert_running();
            http(addr, "GET", "/-/ready", None, b"").is_ok_and(|r| r.status == 200)
        });
    }

    /// GETs an API path with query parameters and returns its `data`.
    pub fn api(&mut self, path: &str, params: &[(&str, &str)]) -> Value {
        self.process.assert_running();
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        let target = format!("{path}?{}", query.join("&"));
        let reply = http(self.addr, "GET", &target, None, b"").expect("ask prometheus");
        assert_eq!(reply.status, 200, "GET {target}: {}", reply.body);
        let answer: Value = serde_json::from_str(&reply.body).expect("a JSON answer");
        assert_eq!(answer["status"], "success", "GET {target}: {answer}");
        answer["data"].clone()
    }

    /// The instant vector `promql` evaluates to.
    pub fn query(&mut self, promql: &str) -> Vec<Value> {
        let data = self.api("/api/v1/query", &[("query", promql)]);
        data["result"].as_array().cloned().unwrap_or_default()
    }

    /// The sample values of the instant vector `promql` evaluates to.
    pub fn numbers(&mut self, promql: &str) -> Vec<f64> {
        self.query(promql)
            .iter()
            .filter_map(|sample| sample["value"][1].as_str()?.parse::<f64>().ok())
            .collect()
    }

    /// Waits until `promql` gives a non-empty vector whose sample values are all numbers
    /// (not NaN), and returns those values.
    pub fn await_numbers(&mut self, promql: &str) -> Vec<f64> {
        let mut numbers = Vec::new();
        wait_up_to(PATIENCE, &format!("`{promql}` to return numbers"), || {
            numbers = self.numbers(promql);
            !numbers.is_empty() && numbers.iter().all(|n| !n.is_nan())
        });
        numbers
    }

    /// The app target, once it was scraped at least once.
    pub fn scraped_target(&mut self) -> Value {
        let mut target = Value::Null;
        wait_up_to(PATIENCE, "the app target to be scraped", || {
            let data = self.api("/api/v1/targets", &[]);
            target = data["activeTargets"][0].clone();
            target["health"] != "unknown" && !target.is_null()
        });
        target
    }
}

/// The `(major, minor)` version `prometheus --version` reports, `(0, 0)` when unreadable.
fn version_of(binary: &std::path::Path) -> (u32, u32) {
    let said = Command::new(binary)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    // "prometheus, version 2.42.0+ds (branch: ...)"
    let number = said.split("version ").nth(1).unwrap_or_default();
    let mut parts = number.split(['.', '+', ' ', '-']);
    let mut next = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (next(), next())
}

/// Starts `command[0]` with the rest as arguments, its output discarded.
fn spawn(command: &[String]) -> ChildGuard {
    ChildGuard::spawn(
        "prometheus",
        Command::new(&command[0])
            .args(&command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
}
