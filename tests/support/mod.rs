//! What the end-to-end tests share: finding the outside judges, free ports, a child process
//! that dies with the test, and a minimal HTTP/1.1 client.

// Each test binary compiles its own copy of this module and uses a subset of it.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::Duration;

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
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..100 {
        if ready() {
            return;
        }
        sleep(Duration::from_millis(100));
    }
    panic!("timed out after 10 s waiting for {what}");
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

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole response.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> io::Result<HttpReply> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(content_type) = content_type {
        request.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    request.push_str("\r\n");
    conn.write_all(request.as_bytes())?;
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

fn parse_reply(raw: &[u8]) -> Option<HttpReply> {
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let body = &raw[head_end + 4..];
    let status = head.split(' ').nth(1)?.parse().ok()?;
    // Go servers, the Pushgateway among them, chunk any body that does not fit one buffer.
    let chunked = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("transfer-encoding") && value.trim() == "chunked"
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    let body = String::from_utf8(body).ok()?;
    Some(HttpReply { status, body })
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
