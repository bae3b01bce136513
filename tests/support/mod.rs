//! What the end-to-end tests share: finding the outside judges, free ports, a child process
//! that dies with the test, and a minimal HTTP/1.1 client.

// Each test binary compiles its own copy of this module and uses a subset of it.
#![allow(dead_code)]

pub mod frameworks;
pub mod otlp;
pub mod page;
mod prometheus;
pub mod receiver;
pub mod remote_write;

#[allow(unused_imports)]
pub use prometheus::{Prometheus, PATIENCE};

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// With `TALLYMARK_E2E=1` (CI sets it) a missing outside tool fails the test; without it the
/// test is skipped with a note, so `cargo test` works on a machine without them.
fn e2e_required() -> bool {
    std::env::var_os("TALLYMARK_E2E").is_some_and(|v| v == "1")
}

/// Reports a missing tool: a skip note normally, a failure when it is required.
fn missing(what: &str, install: &str) -> Option<PathBuf> {
    if e2e_required() {
        panic!("{what} not found, and TALLYMARK_E2E=1 requires it; {install}");
    }
    // Written to the stderr handle, not with `eprintln!`, which the test harness captures
    // and hides for passing tests: a skip should be seen.
    let _ = writeln!(io::stderr(), "skipping: {what} not found; {install}");
    None
}

/// Whether a test that runs only under `TALLYMARK_E2E=1` (because it is slow or heavy)
/// should run; prints a skip note naming `what` when not.
pub fn e2e_only(what: &str) -> bool {
    if e2e_required() {
        return true;
    }
    let _ = writeln!(
        io::stderr(),
        "skipping: {what} runs only with TALLYMARK_E2E=1"
    );
    false
}

/// The first of `names` found on `PATH`, or `None` after printing a skip note.
///
/// `install` says how to get it, e.g. "install the Debian package prometheus".
pub fn require_binary(names: &[&str], install: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file());
    match found {
        Some(binary) => Some(binary),
        None => missing(&names.join(" or "), install),
    }
}

/// Where the browser tests keep their npm packages and artefacts: `$TALLYMARK_BROWSER_TESTS`,
/// or else `target/browser-tests` in the repository, where `.ci/run` installs them.
pub fn browser_tests_dir() -> PathBuf {
    std::env::var_os("TALLYMARK_BROWSER_TESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-tests"))
}

/// The npm package `package` installed under [`browser_tests_dir`], or `None` after
/// printing a skip note.
pub fn require_node_package(package: &str, install: &str) -> Option<PathBuf> {
    let dir = browser_tests_dir().join("node_modules").join(package);
    if dir.join("package.json").is_file() {
        Some(dir)
    } else {
        missing(
            &format!("the npm package {package} in {}", dir.display()),
            install,
        )
    }
}

/// `python3`, if it can import `module`; otherwise `None` after printing a skip note.
pub fn require_python_module(module: &str, install: &str) -> Option<PathBuf> {
    let python = require_binary(&["python3"], install)?;
    let imports = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if imports {
        Some(python)
    } else {
        missing(&format!("python module {module}"), install)
    }
}

/// A loopback port that was free a moment ago. Another process may take it before the
/// caller binds it; in a test run that race is rare enough to accept.
pub fn free_port() -> u16 {
    let probe = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    probe.local_addr().expect("local address").port()
}

/// Polls `ready` every 100 ms for up to 10 s; panics naming `what` if it never holds.
pub fn wait_until(what: &str, ready: impl FnMut() -> bool) {
    wait_up_to(Duration::from_secs(10), what, ready);
}

/// Polls `ready` every 100 ms for up to `limit`; panics naming `what` if it never holds.
pub fn wait_up_to(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready() {
            return;
        }
        sleep(Duration::from_millis(100));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// Runs `program` with `input` on stdin; returns its exit status and stdout + stderr.
pub fn pipe_through(program: &mut Command, input: &str) -> (ExitStatus, String) {
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

/// A fresh directory under the system's temporary directory, deleted when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `tallymark-{label}-{pid}-{n}`.
    pub fn new(label: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("tallymark-{label}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in /tmp is not worth failing a test over.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Percent-encodes a query parameter value.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The binary of the example `name`, rebuilt first when the test runs under cargo: a
/// filtered `cargo test --test ...` does not build examples, and a stale binary would test
/// old code. Cargo holds no lock while tests run, so the nested build cannot deadlock; when
/// the example is up to date it returns at once. Builds are one at a time, so parallel
/// tests do not race on one example.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILDS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let mut built = BUILDS
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let test_exe = std::env::current_exe().expect("path of the test executable");
    // target/<profile dir>/deps/<test> → target/<profile dir>/examples/<name>
    let profile_dir = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !built.iter().any(|b| b == name) {
        if let Some(cargo) = std::env::var_os("CARGO") {
            let mut build = Command::new(cargo);
            build.args(["build", "--example", name, "--manifest-path"]);
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
            let output = build
                .output()
                .unwrap_or_else(|e| panic!("run cargo build --example {name}: {e}"));
            assert!(
                output.status.success(),
                "cargo build --example {name} failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        built.push(name.to_owned());
    }
    assert!(
        binary.is_file(),
        "{} not found; run `cargo build --example {name}`",
        binary.display()
    );
    binary
}

/// Runs the example `name` to its end with `args`: its exit code, stdout and stderr.
pub fn run_example(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(example_binary(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An example serving `/metrics` on a free loopback port, killed when dropped.
pub struct Example {
    pub process: ChildGuard,
    pub addr: SocketAddr,
}

impl Example {
    /// Starts the example `name` with `--addr` and waits until its `/metrics` answers.
    pub fn start(name: &str) -> Example {
        Example::start_with(name, &[], 200)
    }

    /// Starts the example `name` with `--addr` and `args`, and waits until its `/metrics`
    /// answers `status` (401 when the example requires a credential).
    pub fn start_with(name: &str, args: &[&str], status: u16) -> Example {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut command = Command::new(example_binary(name));
        command
            .arg("--addr")
            .arg(addr.to_string())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let mut example = Example {
            process: ChildGuard::spawn(name, &mut command),
            addr,
        };
        wait_until(&format!("{name} to serve http://{addr}/metrics"), || {
            example.process.assert_running();
            http(addr, "GET", "/metrics", None, b"").is_ok_and(|r| r.status == status)
        });
        example
    }

    /// A scrape asking for `accept`, once its body holds `needle` (the examples record in
    /// a loop, so the first scrape may come before the first sample).
    pub fn scrape_once_it_has(&mut self, accept: &str, needle: &[u8]) -> RawReply {
        let mut reply = None;
        wait_until(
            &format!("a scrape containing {}", String::from_utf8_lossy(needle)),
            || {
                self.process.assert_running();
                let got = request(self.addr, "GET", "/metrics", &[("Accept", accept)], b"")
                    .expect("scrape the example");
                assert_eq!(
                    got.status,
                    200,
                    "scrape answered {}",
                    String::from_utf8_lossy(&got.body)
                );
                let found = got.body.windows(needle.len()).any(|w| w == needle);
                reply = Some(got);
                found
            },
        );
        reply.expect("a scrape")
    }
}

/// A Pushgateway on a free loopback port, keeping pushes in memory only, killed when
/// dropped.
pub struct Pushgateway {
    pub process: ChildGuard,
    pub addr: SocketAddr,
}

impl Pushgateway {
    /// Starts one and waits until it is ready; `None` (after a skip note) without the binary.
    pub fn start() -> Option<Pushgateway> {
        let binary = require_binary(
            &["prometheus-pushgateway", "pushgateway"],
            "install the Debian package prometheus-pushgateway",
        )?;
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut gateway = Pushgateway {
            process: ChildGuard::spawn(
                "pushgateway",
                Command::new(binary)
                    .arg(format!("--web.listen-address={addr}"))
                    // An empty file name keeps pushes in memory only (Debian's default
                    // writes to /var/lib/prometheus).
                    .arg("--persistence.file=")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            ),
            addr,
        };
        wait_until("the pushgateway to become ready", || {
            gateway.process.assert_running();
            http(addr, "GET", "/-/ready", None, b"").is_ok_and(|r| r.status == 200)
        });
        Some(gateway)
    }

    /// PUTs `body` as `content_type` under `job`, as a push client would, and returns the
    /// gateway's answer.
    pub fn put(&self, job: &str, content_type: &str, body: &[u8]) -> RawReply {
        let path = format!("/metrics/job/{job}");
        request(
            self.addr,
            "PUT",
            &path,
            &[("Content-Type", content_type)],
            body,
        )
        .expect("push to the pushgateway")
    }

    /// The gateway's own exposition: every group pushed to it.
    pub fn exposition(&self) -> String {
        let reply = http(self.addr, "GET", "/metrics", None, b"").expect("read the pushgateway");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }
}

/// A child process killed when the test ends, whether it passes or panics.
pub struct ChildGuard {
    name: String,
    child: Child,
}

impl ChildGuard {
    /// Spawns `command`, naming it `name` in failure messages.
    pub fn spawn(name: &str, command: &mut Command) -> ChildGuard {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        ChildGuard {
            name: name.to_owned(),
            child,
        }
    }

    /// The exit status, or `None` while the child runs.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child
            .try_wait()
            .unwrap_or_else(|e| panic!("cannot check on {}: {e}", self.name))
    }

    /// Panics if the child has already exited, which would otherwise show up later as an
    /// unexplained connection refusal.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.try_wait() {
            panic!("{} exited early with {status}", self.name);
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the child and waits until it is gone.
    pub fn kill(&mut self) {
        // An error means it had already exited, which is what was wanted.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything the child wrote to its piped stdout and stderr, once it has exited.
    pub fn read_output(&mut self) -> String {
        let mut said = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            let _ = stdout.read_to_string(&mut said);
        }
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut said);
        }
        said
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Either may fail because the child already exited; then there is nothing to clean.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response: the status code and the body, de-chunked.
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

/// An HTTP response with its headers, the body kept as bytes.
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    /// The first header called `name`, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text; panics when it is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole response.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> io::Result<HttpReply> {
    let headers: Vec<(&str, &str)> = content_type
        .map(|c| ("Content-Type", c))
        .into_iter()
        .collect();
    let reply = request(addr, method, path, &headers, body)?;
    let body = String::from_utf8(reply.body).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a body that is not UTF-8: {e}"),
        )
    })?;
    Ok(HttpReply {
        status: reply.status,
        body,
    })
}

/// Sends one HTTP/1.1 request with extra `headers` and `Connection: close`, and reads the
/// whole response.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<RawReply> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    parse_reply(&raw).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("malformed response: {}", String::from_utf8_lossy(&raw)),
        )
    })
}

fn parse_reply(raw: &[u8]) -> Option<RawReply> {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let body = &raw[head_end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    // Go servers, the Pushgateway among them, chunk any body that does not fit one buffer.
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v == "chunked");
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Some(RawReply {
        status,
        headers,
        body,
    })
}

/// Undoes `Transfer-Encoding: chunked`. Works on bytes because a chunk may end inside a
/// multi-byte character.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_line = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_hex = size_line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        if size == 0 {
            return Some(body);
        }
        let after = &rest[line_end + 2..];
        body.extend_from_slice(after.get(..size)?);
        rest = after.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

/// Holds the lock that the tests of a background sender (remote writer, OTLP exporter)
/// take: its own counters are shared by the whole process, so one sender at a time keeps
/// each test's increments its own.
pub fn one_sender_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// When the OpenMetrics exposition says the series of `family` whose line holds `holding`
/// was created, in Unix seconds as written.
pub fn created_seconds(openmetrics: &str, family: &str, holding: &str) -> f64 {
    let prefix = format!("{family}_created");
    let line = openmetrics
        .lines()
        .find(|l| l.starts_with(&prefix) && l.contains(holding))
        .unwrap_or_else(|| panic!("no {prefix} with {holding} in\n{openmetrics}"));
    let (_, seconds) = line.rsplit_once(' ').expect("a value");
    seconds.parse().expect("a number")
}
