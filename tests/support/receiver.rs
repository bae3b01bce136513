//! A loopback HTTP/1.1 receiver for the push clients' tests: it records every request and
//! answers as told.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::wait_until;

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

    /// `http://127.0.0.1:port`, without a path.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
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
