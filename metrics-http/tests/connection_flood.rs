//! A thousand connections that say nothing, or only part of a request, cannot keep a
//! scrape out of the standalone server: it answers 200 with the exposition at once.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tallymark_core::{Counter, CounterFamily, Descriptor, Registry};
use tallymark_http::{serve_registry, ServerHandle, DEFAULT_MAX_CONNECTIONS};

const FLOOD: usize = 1000;

static JOBS: Counter =
    Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") });

const JOBS_EXPOSITION: &str =
    "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 0\n";

fn start() -> ServerHandle {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    registry.register_static(&JOBS).unwrap();
    serve_registry("127.0.0.1:0", registry).unwrap()
}

/// Both tests run at once in this process, each holding its flood's client sockets and
/// the server's side of up to `DEFAULT_MAX_CONNECTIONS` of them.
const FDS_NEEDED: u64 = 2 * (FLOOD + DEFAULT_MAX_CONNECTIONS) as u64 + 256;

/// Raises the soft limit on open files to `FDS_NEEDED` when it is lower and the hard
/// limit allows; fails the test, saying why, when it cannot.
#[cfg(unix)]
#[allow(unsafe_code)]
fn ensure_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the call to fill in.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(got, 0, "getrlimit(RLIMIT_NOFILE) failed");
    let needed = FDS_NEEDED as libc::rlim_t;
    if limit.rlim_cur >= needed {
        return;
    }
    assert!(
        limit.rlim_max >= needed,
        "this test needs {needed} open files; the hard limit is {}",
        limit.rlim_max
    );
    limit.rlim_cur = needed;
    // SAFETY: `limit` is a valid rlimit, read above, with only the soft limit raised.
    let set = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(set, 0, "setrlimit(RLIMIT_NOFILE, {needed}) failed");
}

#[cfg(not(unix))]
fn ensure_fd_limit() {}

/// Opens `FLOOD` connections that each send `prefix` (maybe nothing) and then nothing
/// more, and keeps them open, as far as this side is concerned, until dropped.
fn flood(addr: SocketAddr, prefix: &[u8]) -> Vec<TcpStream> {
    (0..FLOOD)
        .map(|i| {
            let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
                .unwrap_or_else(|e| panic!("idle connection {i}: {e}"));
            conn.write_all(prefix)
                .unwrap_or_else(|e| panic!("idle connection {i}: {e}"));
            conn
        })
        .collect()
}

/// One scrape that must be answered in full within 2 s: its status line and body.
fn scrape(addr: SocketAddr) -> (String, String) {
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    conn.set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    write!(
        conn,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the scrape");
    let mut raw = Vec::new();
    match conn.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!(
                "no complete answer within 2 s; got {:?}",
                String::from_utf8_lossy(&raw)
            )
        }
        Err(e) => panic!("read the scrape: {e}"),
    }
    let raw = String::from_utf8(raw).expect("a text answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a whole response head");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

fn assert_scrapes_get_through(prefix: &[u8]) {
    ensure_fd_limit();
    let server = start();
    let addr = server.local_addr();
    let held = flood(addr, prefix);
    for attempt in 0..3 {
        let (status, body) = scrape(addr);
        assert_eq!(status, "HTTP/1.1 200 OK", "scrape {attempt}");
        assert_eq!(body, JOBS_EXPOSITION, "scrape {attempt}");
    }
    drop(held);
    server.stop();
}

#[test]
fn a_scrape_is_answered_while_1000_silent_connections_are_held() {
    assert_scrapes_get_through(b"");
}

#[test]
fn a_scrape_is_answered_while_1000_connections_hold_half_a_request_head() {
    assert_scrapes_get_through(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
}

/// Many series, so that the scrape is megabytes and a reader that pauses leaves most of it
/// waiting in the server.
fn start_large(max_connections: usize) -> (ServerHandle, String) {
    const LOADS: Descriptor = Descriptor::new("worker_loads_total", "Loads by worker.")
        .with_labels(&["worker"])
        .with_budget(200_000);
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let family = std::sync::Arc::new(CounterFamily::<1>::new().described(&LOADS));
    let padding = "w".repeat(40);
    for i in 0..100_000 {
        family.labels([&format!("{padding}{i}")]).inc();
    }
    registry.register(family).unwrap();
    let expected = registry.render();
    let server = tallymark_http::ServeOptions::new()
        .registry(registry)
        .max_connections(max_connections)
        .process_metrics(false)
        .serve("127.0.0.1:0")
        .unwrap();
    (server, expected)
}

#[test]
fn a_slow_reader_in_the_middle_of_an_answer_keeps_its_place_against_idle_newcomers() {
    ensure_fd_limit();
    let (server, expected) = start_large(2);
    let addr = server.local_addr();
    let mut scraper = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    scraper
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        scraper,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // The reader pauses with the answer half sent, while silent connections arrive.
    std::thread::sleep(Duration::from_millis(500));
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut answer = Vec::new();
    scraper.read_to_end(&mut answer).expect("the whole answer");
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(body.len() > 4_000_000, "{} bytes", body.len());
    assert!(
        body == expected,
        "{} of {} bytes",
        body.len(),
        expected.len()
    );
    drop(idle);
    server.stop();
}
