//! Credentials the push clients cannot send as given are an error naming why, before
//! any connection is made; sending none instead would look like a server refusing them.
#![cfg(all(feature = "push", feature = "remote-write"))]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use tallymark_core::Registry;
use tallymark_http::push::Pushgateway;
use tallymark_http::remote_write::RemoteWriter;
use tallymark_http::PushError;

const NEWLINE_AT_3: &str = "invalid credentials: the bearer token has a control character \
    at byte 3, which an HTTP header cannot carry";

/// A listener nobody should connect to, and its URL.
fn untouched_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

fn assert_nobody_connected(listener: &TcpListener) {
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == ErrorKind::WouldBlock),
        "a connection was made: {accepted:?}"
    );
}

fn assert_invalid(result: Result<(), PushError>, message: &str) {
    let err = result.expect_err("unsendable credentials");
    assert!(matches!(err, PushError::InvalidCredentials(_)), "{err:?}");
    assert_eq!(err.to_string(), message);
}

#[test]
fn a_bearer_token_with_a_newline_fails_every_call_and_sends_nothing() {
    let (listener, url) = untouched_listener();
    let gateway = Pushgateway::new(&url, "job")
        .unwrap()
        .bearer_token("abc\ndef")
        // Were the request sent, nobody would answer it: fail in 2 s, not 30.
        .timeout(Duration::from_secs(2));
    let registry = Registry::new();
    assert_invalid(gateway.push(&registry), NEWLINE_AT_3);
    assert_invalid(gateway.push_add(&registry), NEWLINE_AT_3);
    assert_invalid(gateway.delete(), NEWLINE_AT_3);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_invalid(
        runtime.block_on(gateway.push_async(&registry)),
        NEWLINE_AT_3,
    );
    assert_invalid(
        runtime.block_on(gateway.push_add_async(&registry)),
        NEWLINE_AT_3,
    );
    assert_invalid(runtime.block_on(gateway.delete_async()), NEWLINE_AT_3);
    assert_nobody_connected(&listener);
}

#[test]
fn bearer_tokens_a_header_cannot_carry_are_refused_with_the_reason() {
    let (listener, url) = untouched_listener();
    let control = |at: usize| {
        format!(
            "invalid credentials: the bearer token has a control character at byte {at}, \
             which an HTTP header cannot carry"
        )
    };
    let whitespace = "invalid credentials: the bearer token starts or ends with \
        whitespace, which an HTTP header loses";
    for (token, message) in [
        (
            "",
            "invalid credentials: the bearer token is empty".to_owned(),
        ),
        ("a\r\nX-Injected: 1", control(1)),
        ("\0", control(0)),
        ("ab\x7f", control(2)),
        ("abc\x1b", control(3)),
        (" abc", whitespace.to_owned()),
        ("abc\t", whitespace.to_owned()),
    ] {
        let gateway = Pushgateway::new(&url, "job")
            .unwrap()
            .bearer_token(token)
            .timeout(Duration::from_secs(2));
        assert_invalid(gateway.delete(), &message);
    }
    assert_nobody_connected(&listener);
}

#[test]
fn a_basic_auth_user_with_a_colon_is_refused() {
    let (listener, url) = untouched_listener();
    let gateway = Pushgateway::new(&url, "job")
        .unwrap()
        .basic_auth("ad:min", "s3cret")
        .timeout(Duration::from_secs(2));
    assert_invalid(
        gateway.delete(),
        "invalid credentials: the basic-auth user name contains `:`, which separates it \
         from the password",
    );
    assert_nobody_connected(&listener);
}

#[test]
fn the_remote_writer_does_not_start_with_unsendable_credentials() {
    let (listener, url) = untouched_listener();
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    let started = RemoteWriter::builder(&url)
        .registry(registry)
        .bearer_token("abc\ndef")
        .start();
    assert_invalid(started.map(drop), NEWLINE_AT_3);
    let started = RemoteWriter::builder(&url)
        .registry(registry)
        .basic_auth("a:b", "c")
        .start();
    assert_invalid(
        started.map(drop),
        "invalid credentials: the basic-auth user name contains `:`, which separates it \
         from the password",
    );
    assert_nobody_connected(&listener);
}

#[test]
fn a_sendable_bearer_token_goes_out_as_given() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0];
        while !head.ends_with(b"\r\n\r\n") {
            conn.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .unwrap();
        String::from_utf8(head).unwrap()
    });
    Pushgateway::new(&url, "job")
        .unwrap()
        .bearer_token("t0k.en~with/=")
        .timeout(Duration::from_secs(10))
        .delete()
        .expect("delete");
    let head = server.join().unwrap();
    assert!(
        head.starts_with("DELETE /metrics/job/job HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nauthorization: Bearer t0k.en~with/=\r\n"),
        "{head}"
    );
}
