//! Textfile output read by a real `prometheus-node-exporter` on loopback, started with only
//! its textfile collector: the file parses (`node_textfile_scrape_error` is 0), the job's
//! series appear on node_exporter's `/metrics`, and nothing but the file is left in the
//! directory. Also the `batch_job` example writing one with `--textfile`.
//!
//! Skips with a note without node_exporter, and fails instead under `TALLYMARK_E2E=1`.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use support::{free_port, http, require_binary, run_example, wait_until, ChildGuard, TempDir};
use tallymark::{Counter, CounterFamily, Descriptor, Histogram, Registry};

/// node_exporter on a free loopback port, reading textfiles from `dir` and nothing else.
struct NodeExporter {
    process: ChildGuard,
    addr: SocketAddr,
}

impl NodeExporter {
    fn start(dir: &Path) -> Option<NodeExporter> {
        let binary = require_binary(
            &["prometheus-node-exporter", "node_exporter"],
            "install the Debian package prometheus-node-exporter",
        )?;
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut exporter = NodeExporter {
            process: ChildGuard::spawn(
                "node_exporter",
                Command::new(binary)
                    .arg(format!("--web.listen-address={addr}"))
                    .arg("--collector.disable-defaults")
                    .arg("--collector.textfile")
                    .arg(format!("--collector.textfile.directory={}", dir.display()))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            ),
            addr,
        };
        wait_until("node_exporter to answer", || {
            exporter.process.assert_running();
            http(addr, "GET", "/metrics", None, b"").is_ok_and(|r| r.status == 200)
        });
        Some(exporter)
    }

    /// The lines of node_exporter's `/metrics` that start with one of `prefixes`.
    fn lines(&self, prefixes: &[&str]) -> Vec<String> {
        let reply = http(self.addr, "GET", "/metrics", None, b"").expect("scrape node_exporter");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply
            .body
            .lines()
            .filter(|line| prefixes.iter().any(|p| line.starts_with(p)))
            .map(str::to_owned)
            .collect()
    }
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the textfile directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn node_exporter_reads_what_textfile_write_wrote() {
    const RUNS: Descriptor = Descriptor::new("textfile_job_runs_total", "Runs of the job.");
    const ROWS: Descriptor =
        Descriptor::new("textfile_job_rows_total", "Rows, by table.").with_labels(&["table"]);
    const SECONDS: Descriptor = Descriptor::new("textfile_job_seconds", "Time per run.");
    let dir = TempDir::new("textfile");
    let Some(exporter) = NodeExporter::start(dir.path()) else {
        return;
    };

    let registry = Registry::new();
    let runs = Arc::new(Counter::new().described(&RUNS));
    let rows = Arc::new(CounterFamily::<1>::new().described(&ROWS));
    let seconds = Arc::new(Histogram::with_buckets(&[1.0]).described(&SECONDS));
    registry.register(runs.clone()).expect("register runs");
    registry.register(rows.clone()).expect("register rows");
    registry
        .register(seconds.clone())
        .expect("register seconds");
    runs.inc_by(3);
    rows.labels(["users \"main\"\nv2"]).inc_by(7);
    seconds.observe(0.25);

    let path = dir.path().join("job.prom");
    tallymark::textfile::write(&path, &registry).expect("write the textfile");
    // A second write replaces the first, through a new temporary file.
    runs.inc();
    tallymark::textfile::write(&path, &registry).expect("rewrite the textfile");

    let series = [
        "textfile_job_",
        "node_textfile_scrape_error",
        "node_textfile_mtime_seconds",
    ];
    let lines = exporter.lines(&series);
    let mtime = format!(
        "node_textfile_mtime_seconds{{file=\"{}\"}} ",
        path.display()
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| !l.starts_with('#') && !l.starts_with(&mtime))
            .collect::<Vec<_>>(),
        [
            "node_textfile_scrape_error 0",
            r#"textfile_job_rows_total{table="users \"main\"\nv2"} 7"#,
            "textfile_job_runs_total 4",
            r#"textfile_job_seconds_bucket{le="1"} 1"#,
            r#"textfile_job_seconds_bucket{le="+Inf"} 1"#,
            "textfile_job_seconds_sum 0.25",
            "textfile_job_seconds_count 1",
        ]
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with(&mtime)).count(), 1);
    assert_eq!(entries(dir.path()), ["job.prom"]);
}

#[test]
fn a_failed_write_leaves_the_old_file_and_nothing_else() {
    let dir = TempDir::new("textfile-fail");
    // The target is a directory that is not empty, which no rename can replace.
    let path = dir.path().join("taken.prom");
    std::fs::create_dir(&path).expect("create a directory where the file goes");
    std::fs::write(path.join("inside"), "x").expect("fill it");
    let error = tallymark::textfile::write(&path, &Registry::new()).unwrap_err();
    assert!(
        error.to_string().starts_with(&format!(
            "cannot write the textfile `{}`: rename the temporary file over it: ",
            path.display()
        )),
        "{error}"
    );
    assert_eq!(error.path(), path);
    assert_eq!(entries(dir.path()), ["taken.prom"]);
    assert_eq!(entries(&path), ["inside"]);

    for bad in ["", "/"] {
        let error = tallymark::textfile::write(bad, &Registry::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot write the textfile `{bad}`: the path names no file: invalid input parameter")
        );
    }
}

#[test]
fn batch_job_example_writes_a_textfile_node_exporter_reads() {
    let dir = TempDir::new("textfile-batch");
    let Some(exporter) = NodeExporter::start(dir.path()) else {
        return;
    };
    let path = dir.path().join("batch_job.prom");
    let (code, _, stderr) = run_example("batch_job", &["--textfile", &path.display().to_string()]);
    assert_eq!(code, Some(0), "batch_job failed: {stderr}");
    let lines = exporter.lines(&[
        "batch_job_records_processed ",
        "node_textfile_scrape_error ",
    ]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], "node_textfile_scrape_error 0");
    let records: f64 = lines[0]["batch_job_records_processed ".len()..]
        .parse()
        .expect("a number");
    assert!((100.0..=1000.0).contains(&records), "{records}");

    // A directory that does not exist: a clear error, exit 1.
    let missing = dir.path().join("missing").join("x.prom");
    let (code, _, stderr) =
        run_example("batch_job", &["--textfile", &missing.display().to_string()]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(&format!(
            "batch_job: cannot write the textfile `{}`: create a temporary file beside it: ",
            missing.display()
        )),
        "{stderr}"
    );
}
