//! tallymark's own events (feature `tracing-events`, on in the tests), raised where their
//! problems happen: a declaration the global catalog refuses, and a remote write or an
//! OTLP export that fails and recovers. Its own test binary: the conflict lives in the
//! global catalog, and the subscriber, which must also hear the senders' threads, is the
//! process's.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use support::wait_up_to;
use tallymark::otlp::OtlpExporter;
use tallymark::remote_write::RemoteWriter;
use tallymark::Registry;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

mod api {
    /// Jobs the API ran.
    #[tallymark::metric]
    pub static JOBS_TOTAL: tallymark::Counter = tallymark::Counter::new();
}

mod worker {
    /// Jobs the worker ran.
    #[tallymark::metric]
    pub static JOBS_TOTAL: tallymark::Counter = tallymark::Counter::new();
}

/// Every event of the process, as one line each: level, target, message, then the other
/// fields in order.
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("{} {}:", meta.level(), meta.target());
        event.record(&mut Fields(&mut line));
        EVENTS.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write as _;
        let _ = match field.name() {
            "message" => write!(self.0, " {value:?}"),
            name => write!(self.0, " {name}={value:?}"),
        };
    }
}

/// Installs the capturing subscriber; every test calls it before touching tallymark, so
/// whichever builds the global catalog is heard.
fn capture() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        tracing::subscriber::set_global_default(Capture).expect("the only subscriber");
    });
}

/// The events so far that mention `text`.
fn events_with(text: &str) -> Vec<String> {
    let events = EVENTS.lock().unwrap();
    events
        .iter()
        .filter(|e| e.contains(text))
        .cloned()
        .collect()
}

#[test]
fn a_declaration_the_catalog_refuses_is_an_error_event_said_once() {
    capture();
    assert_eq!(Registry::catalog_errors().len(), 1);
    assert_eq!(Registry::catalog_errors().len(), 1);
    assert_eq!(
        events_with("global catalog"),
        [
            "ERROR tallymark: a declaration is left out of the global catalog \
          error=metric `jobs_total` is declared twice: in `diagnostics::api` and in \
          `diagnostics::worker`"
        ]
    );
}

/// A receiver that answers `503 busy` until healed, then `204`.
struct Receiver {
    url: String,
    healthy: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
}

impl Receiver {
    /// A receiver whose URL ends in `path`.
    fn start(path: &str) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        let healthy = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let (h, a) = (healthy.clone(), answered.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                if answer(&mut conn, h.load(Ordering::SeqCst)).is_ok() {
                    a.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        Receiver {
            url,
            healthy,
            answered,
        }
    }
}

/// Reads one request, head and body, and answers it.
fn answer(conn: &mut TcpStream, healthy: bool) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        conn.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    conn.read_exact(&mut vec![0; length])?;
    let reply: &[u8] = match healthy {
        true => b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n",
        false => b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy",
    };
    conn.write_all(reply)
}

/// Heals `receiver` after three refusals, waits for an event saying `recovered`, stops
/// the sender with `stop`, and returns the events naming the receiver's URL.
fn outage_events(receiver: &Receiver, recovered: &str, stop: impl FnOnce()) -> Vec<String> {
    let limit = Duration::from_secs(30);
    wait_up_to(limit, "three refused requests", || {
        receiver.answered.load(Ordering::SeqCst) >= 3
    });
    receiver.healthy.store(true, Ordering::SeqCst);
    wait_up_to(limit, "the sender to recover", || {
        !events_with(recovered).is_empty()
    });
    stop();
    events_with(&receiver.url)
}

#[test]
fn a_remote_write_outage_is_one_warning_and_its_end_one_info_event() {
    capture();
    let receiver = Receiver::start("/api/v1/write");
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let writer = RemoteWriter::builder(&receiver.url)
        .registry(registry)
        .interval(Duration::from_millis(20))
        .backoff(Duration::from_millis(10), Duration::from_millis(20))
        .timeout(Duration::from_secs(5))
        .start()
        .expect("start the writer");
    let url = &receiver.url;
    assert_eq!(
        outage_events(&receiver, "remote write recovered", || writer.stop()),
        [
            format!(
                "WARN tallymark: remote write failing; retrying with backoff url={url:?} \
                 error={url} answered 503: busy"
            ),
            format!("INFO tallymark: remote write recovered url={url:?}"),
        ]
    );
}

#[test]
fn an_otlp_export_outage_is_one_warning_and_its_end_one_info_event() {
    capture();
    let receiver = Receiver::start("/v1/metrics");
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let exporter = OtlpExporter::builder(&receiver.url)
        .registry(registry)
        .interval(Duration::from_millis(20))
        .backoff(Duration::from_millis(10), Duration::from_millis(20))
        .timeout(Duration::from_secs(5))
        .start()
        .expect("start the exporter");
    let url = &receiver.url;
    assert_eq!(
        outage_events(&receiver, "OTLP export recovered", || exporter.stop()),
        [
            format!(
                "WARN tallymark: OTLP export failing; retrying with backoff url={url:?} \
                 error={url} answered 503: busy"
            ),
            format!("INFO tallymark: OTLP export recovered url={url:?}"),
        ]
    );
}
