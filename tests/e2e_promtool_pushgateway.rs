//! The quickstart example, run as a real process and judged by tools nobody here wrote:
//! `promtool check metrics`, a live Pushgateway, and `prometheus_client`'s text parser.
//!
//! Each test skips with a note when its tool is missing, and fails instead under
//! `TALLYMARK_E2E=1`; see `support::require_binary`.

mod support;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::Duration;

use support::{
    free_port, http, require_binary, require_python_module, wait_until, ChildGuard, HttpReply,
};

const TEXT_0_0_4: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The quickstart binary, rebuilt first when this test runs under cargo: a filtered
/// `cargo test --test ...` does not build examples, and a stale binary would test old code.
/// Cargo holds no lock while tests run, so the nested build cannot deadlock; when the
/// example is up to date it returns at once.
fn quickstart_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let test_exe = std::env::current_exe().expect("path of the test executable");
        // target/<profile dir>/deps/<test> → target/<profile dir>/examples/quickstart
        let profile_dir = test_exe
            .parent()
            .and_then(Path::parent)
            .expect("the test executable lives in target/<profile>/deps");
        let binary = profile_dir
            .join("examples")
            .join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
        if let Some(cargo) = std::env::var_os("CARGO") {
            let mut build = Command::new(cargo);
            build.args(["build", "--example", "quickstart", "--manifest-path"]);
            build.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
            match profile_dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => {}
                Some("release") => {
                    build.arg("--release");
                }
                Some(profile) => {
                    build.args(["--profile", profile]);
                }
            }
            let built = build
                .output()
                .expect("run cargo build --example quickstart");
            assert!(
                built.status.success(),
                "cargo build --example quickstart failed:\n{}",
                String::from_utf8_lossy(&built.stderr)
            );
        }
        assert!(
            binary.is_file(),
            "{} not found; run `cargo build --example quickstart`",
            binary.display()
        );
        binary
    })
}

/// A quickstart process serving on a free loopback port, killed when dropped.
struct Quickstart {
    process: ChildGuard,
    addr: SocketAddr,
}

impl Quickstart {
    /// Starts the example and waits until its `/metrics` answers.
    fn start() -> Quickstart {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut command = Command::new(quickstart_binary());
        command
            .arg("--addr")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let mut quickstart = Quickstart {
            process: ChildGuard::spawn("quickstart", &mut command),
            addr,
        };
        wait_until(
            &format!("quickstart to serve http://{addr}/metrics"),
            || {
                quickstart.process.assert_running();
                http(addr, "GET", "/metrics", None, b"").is_ok_and(|r| r.status == 200)
            },
        );
        quickstart
    }

    /// A scrape that includes `http_requests_total` samples. The example records its fake
    /// requests in a loop, so the first scrape may come before the first request.
    fn scrape_with_requests(&mut self) -> String {
        let mut body = String::new();
        wait_until("quickstart to record http_requests_total", || {
            self.process.assert_running();
            let reply = http(self.addr, "GET", "/metrics", None, b"").expect("scrape quickstart");
            assert_eq!(reply.status, 200, "scrape answered {}", reply.body);
            body = reply.body;
            body.lines().any(|l| l.starts_with("http_requests_total{"))
        });
        body
    }
}

/// Runs `program` with `input` on stdin; returns its exit status and stdout + stderr.
fn pipe_through(program: &mut Command, input: &str) -> (std::process::ExitStatus, String) {
    let mut child = program
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the checker");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("write the exposition to the checker");
    let output = child.wait_with_output().expect("wait for the checker");
    let mut said = String::from_utf8_lossy(&output.stdout).into_owned();
    said.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status, said)
}

#[test]
fn promtool_accepts_the_quickstart_exposition() {
    let Some(promtool) = require_binary(&["promtool"], "install the Debian package prometheus")
    else {
        return;
    };
    let body = Quickstart::start().scrape_with_requests();
    let (status, said) = pipe_through(Command::new(promtool).args(["check", "metrics"]), &body);
    assert!(
        status.success(),
        "promtool check metrics exited with {status}:\n{said}\n--- exposition ---\n{body}"
    );
}

#[test]
fn pushgateway_ingests_the_quickstart_exposition() {
    let Some(pushgateway) = require_binary(
        &["prometheus-pushgateway", "pushgateway"],
        "install the Debian package prometheus-pushgateway",
    ) else {
        return;
    };
    let body = Quickstart::start().scrape_with_requests();

    let gateway_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut gateway = ChildGuard::spawn(
        "pushgateway",
        Command::new(pushgateway)
            .arg(format!("--web.listen-address={gateway_addr}"))
            // An empty file name keeps pushes in memory only (Debian's default writes to
            // /var/lib/prometheus).
            .arg("--persistence.file=")
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_until("the pushgateway to become ready", || {
        gateway.assert_running();
        http(gateway_addr, "GET", "/-/ready", None, b"").is_ok_and(|r| r.status == 200)
    });

    let push = http(
        gateway_addr,
        "PUT",
        "/metrics/job/tallymark_e2e",
        Some(TEXT_0_0_4),
        body.as_bytes(),
    )
    .expect("push to the pushgateway");
    assert_eq!(
        push.status, 200,
        "the pushgateway refused the exposition: {}\n--- exposition ---\n{body}",
        push.body
    );

    let HttpReply { status, body: held } =
        http(gateway_addr, "GET", "/metrics", None, b"").expect("read back the pushgateway");
    assert_eq!(status, 200);
    let pushed = body
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .count();
    let stored = held
        .lines()
        .filter(|l| l.starts_with("http_requests_total{") && l.contains("job=\"tallymark_e2e\""))
        .count();
    assert_eq!(
        stored, pushed,
        "series pushed vs held by the pushgateway\n--- held ---\n{held}"
    );
}

#[test]
fn python_parser_finds_one_family_per_type_line() {
    let Some(python) = require_python_module("prometheus_client", "pip install prometheus_client")
    else {
        return;
    };
    let body = Quickstart::start().scrape_with_requests();
    let script = "import sys\n\
                  from prometheus_client.parser import text_string_to_metric_families as parse\n\
                  print(len(list(parse(sys.stdin.read()))))";
    let (status, said) = pipe_through(Command::new(python).args(["-c", script]), &body);
    assert!(
        status.success(),
        "prometheus_client rejected the exposition:\n{said}\n--- exposition ---\n{body}"
    );
    let type_lines = body.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!(said.trim(), type_lines.to_string(), "families parsed");
}

#[test]
fn quickstart_exits_with_an_error_naming_an_address_in_use() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let taken = holder.local_addr().expect("local address");
    let mut quickstart = ChildGuard::spawn(
        "quickstart",
        Command::new(quickstart_binary())
            .arg("--addr")
            .arg(taken.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut status = None;
    for _ in 0..100 {
        status = quickstart.try_wait();
        if status.is_some() {
            break;
        }
        sleep(Duration::from_millis(100));
    }
    let status = status.expect("quickstart kept running on an address already in use");
    let said = quickstart.read_output();
    assert!(!status.success(), "quickstart exited with {status}: {said}");
    assert!(
        said.contains(&format!("cannot listen on {taken}")),
        "the error does not name {taken}: {said}"
    );
    // Held until here so the port stays taken for as long as the quickstart could retry.
    drop(holder);
}
