//! The standalone server's options: a required credential, HTTPS from PEM files, and the
//! limits that keep slow or greedy clients from holding it.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{request, TempDir};
use tallymark::{ClientCerts, Counter, Descriptor, Registry, ServeOptions, ServerHandle};

static JOBS: Counter =
    Counter::new().described(const { &Descriptor::new("jobs_total", "Jobs run.") });

const JOBS_EXPOSITION: &str =
    "# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total 0\n";

fn registry() -> &'static Registry {
    let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
    registry
        .register_static(&JOBS)
        .expect("register jobs_total");
    registry
}

fn serve(options: ServeOptions) -> ServerHandle {
    options
        .registry(registry())
        .serve("127.0.0.1:0")
        .expect("serve")
}

/// A wrong or missing credential gets 401, the challenge, and not a byte of the
/// exposition; the right one gets the exposition.
fn assert_protected(server: &ServerHandle, right: &str, wrong: &str, challenge: &str) {
    let addr = server.local_addr();
    for credential in [None, Some(wrong)] {
        let headers: Vec<(&str, &str)> = credential
            .map(|c| ("Authorization", c))
            .into_iter()
            .collect();
        let refused = request(addr, "GET", "/metrics", &headers, b"").expect("scrape");
        assert_eq!(refused.status, 401, "{credential:?}");
        assert_eq!(refused.header("WWW-Authenticate"), Some(challenge));
        assert_eq!(refused.text(), "unauthorized\n");
    }
    let allowed =
        request(addr, "GET", "/metrics", &[("Authorization", right)], b"").expect("scrape");
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.text(), JOBS_EXPOSITION);
}

#[test]
fn basic_auth_guards_the_standalone_server() {
    let server = serve(ServeOptions::new().basic_auth("prometheus", "s3cret"));
    assert_protected(
        &server,
        "Basic cHJvbWV0aGV1czpzM2NyZXQ=",
        "Basic cHJvbWV0aGV1czp3cm9uZw==",
        "Basic realm=\"metrics\", charset=\"UTF-8\"",
    );
    server.stop();
}

#[test]
fn bearer_token_guards_the_standalone_server() {
    let server = serve(ServeOptions::new().bearer_token("t0ken"));
    assert_protected(
        &server,
        "Bearer t0ken",
        "Bearer t0ken-not",
        "Bearer realm=\"metrics\"",
    );
    server.stop();
}

#[test]
fn oversized_request_heads_get_431() {
    let server = serve(ServeOptions::new().max_header_bytes(8 * 1024));
    let huge = "x".repeat(10 * 1024);
    let reply = request(
        server.local_addr(),
        "GET",
        "/metrics",
        &[("X-Padding", &huge)],
        b"",
    )
    .expect("an answer");
    assert_eq!(reply.status, 431);
    server.stop();
}

/// Reads until the server closes the connection; `Ok` with what was read.
fn read_until_closed(conn: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut got = Vec::new();
    conn.read_to_end(&mut got)?;
    Ok(got)
}

#[test]
fn a_silent_client_is_disconnected_after_the_idle_timeout() {
    let idle = Duration::from_millis(300);
    let server = serve(ServeOptions::new().idle_timeout(idle));
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.local_addr()).expect("connect");
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let said = read_until_closed(&mut silent).expect("the server closes the connection");
    assert!(
        said.is_empty() || said.starts_with(b"HTTP/1.1 408"),
        "{said:?}"
    );
    let waited = started.elapsed();
    assert!(
        waited >= idle && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    server.stop();
}

#[test]
fn a_silent_client_gives_its_place_to_a_scrape_at_once() {
    // The idle timeout is far longer than the test may take: the silent client must be
    // closed because the scrape needs its place, not because it timed out.
    let server = serve(
        ServeOptions::new()
            .max_connections(1)
            .idle_timeout(Duration::from_secs(60)),
    );
    let addr = server.local_addr();
    let started = Instant::now();
    let mut silent = TcpStream::connect(addr).expect("connect");
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let reply = request(addr, "GET", "/metrics", &[], b"").expect("an answer");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), JOBS_EXPOSITION);
    let said = read_until_closed(&mut silent).expect("the server closes the connection");
    assert_eq!(said, b"", "closed without a word");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    server.stop();
}

/// A self-signed certificate for 127.0.0.1, made for this run, written as PEM files.
fn self_signed(dir: &TempDir) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .expect("a self-signed certificate");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("write cert.pem");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key.pem");
    (cert, key, certified.cert.der().to_vec())
}

/// One HTTPS request with rustls, trusting only `cert_der`; the whole raw answer.
fn https_get(addr: SocketAddr, cert_der: Vec<u8>, path: &str) -> String {
    https_get_as(addr, cert_der, None, path).expect("the HTTPS answer")
}

/// A client certificate chain and its key, for mutual TLS.
type ClientIdentity = (
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
);

/// One HTTPS request, showing `identity` when given; the raw answer, or the error of the
/// handshake or the read.
fn https_get_as(
    addr: SocketAddr,
    cert_der: Vec<u8>,
    identity: Option<ClientIdentity>,
    path: &str,
) -> std::io::Result<String> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(cert_der.into())
        .expect("trust the test certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots);
    let config = match identity {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .expect("a client certificate"),
        None => builder.with_no_client_auth(),
    };
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("a server name");
    let connection = rustls::ClientConnection::new(Arc::new(config), name).expect("a TLS client");
    let mut tls = rustls::StreamOwned::new(connection, TcpStream::connect(addr)?);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    // A server may close without a TLS close_notify; what arrived before counts.
    match tls.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    Ok(String::from_utf8(raw).expect("a text answer"))
}

fn copy(identity: &ClientIdentity) -> ClientIdentity {
    (identity.0.clone(), identity.1.clone_key())
}

/// A CA made for this run, written as PEM, and a client certificate it issued.
fn client_ca(dir: &TempDir, name: &str) -> (std::path::PathBuf, ClientIdentity) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
        KeyPair,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("a CA key"))
        .expect("a CA");
    let path = dir.path().join(format!("{name}-ca.pem"));
    std::fs::write(&path, ca.pem()).expect("write the CA");
    let mut client = CertificateParams::new(vec![format!("{name}.scraper")]).expect("parameters");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().expect("a client key");
    let cert = client.signed_by(&key, &ca).expect("a client certificate");
    let key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).expect("a key");
    (path, (vec![cert.der().clone()], key))
}

#[test]
fn tls_serves_https_from_pem_files() {
    let dir = TempDir::new("tls");
    let (cert, key, cert_der) = self_signed(&dir);
    let server = serve(ServeOptions::new().tls_pem(&cert, &key));
    let answer = https_get(server.local_addr(), cert_der, "/metrics");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.ends_with(&format!("\r\n\r\n{JOBS_EXPOSITION}")),
        "{answer}"
    );
    // Plain HTTP to the TLS port gets no exposition.
    let plain = request(server.local_addr(), "GET", "/metrics", &[], b"");
    assert!(plain.is_err() || plain.is_ok_and(|r| r.status != 200));
    server.stop();
}

#[test]
fn unusable_tls_files_are_an_error_naming_the_file() {
    let dir = TempDir::new("tls-bad");
    let missing = dir.path().join("missing.pem");
    let err = ServeOptions::new()
        .tls_pem(&missing, &missing)
        .registry(registry())
        .serve("127.0.0.1:0")
        .expect_err("no certificate");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot use TLS file {}: ", missing.display())),
        "{err}"
    );
}

#[test]
fn mutual_tls_serves_only_clients_the_ca_vouches_for() {
    let dir = TempDir::new("mtls");
    let (cert, key, cert_der) = self_signed(&dir);
    let (ca, scraper) = client_ca(&dir, "trusted");
    let (_, stranger) = client_ca(&dir, "stranger");

    let required = serve(
        ServeOptions::new()
            .tls_pem(&cert, &key)
            .tls_client_ca(&ca, ClientCerts::Required),
    );
    let addr = required.local_addr();
    let answer = https_get_as(addr, cert_der.clone(), Some(copy(&scraper)), "/metrics")
        .expect("a vouched-for client is served");
    assert!(
        answer.ends_with(&format!("\r\n\r\n{JOBS_EXPOSITION}")),
        "{answer}"
    );
    for (who, identity) in [
        ("no certificate", None),
        ("another CA's", Some(copy(&stranger))),
    ] {
        let refused = https_get_as(addr, cert_der.clone(), identity, "/metrics");
        assert!(refused.is_err(), "{who}: {refused:?}");
    }
    required.stop();

    let optional = serve(
        ServeOptions::new()
            .tls_pem(&cert, &key)
            .tls_client_ca(&ca, ClientCerts::Optional),
    );
    let addr = optional.local_addr();
    for identity in [None, Some(scraper)] {
        let answer = https_get_as(addr, cert_der.clone(), identity, "/metrics").expect("served");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    }
    // A certificate shown must still be one the CA issued.
    assert!(https_get_as(addr, cert_der, Some(stranger), "/metrics").is_err());
    optional.stop();
}

#[test]
fn a_client_ca_without_a_server_certificate_or_unreadable_is_an_error_naming_it() {
    let dir = TempDir::new("mtls-bad");
    let (cert, key, _) = self_signed(&dir);
    let (ca, _) = client_ca(&dir, "ca");
    let alone = ServeOptions::new()
        .tls_client_ca(&ca, ClientCerts::Required)
        .registry(registry())
        .serve("127.0.0.1:0")
        .expect_err("a client CA alone");
    assert_eq!(
        alone.to_string(),
        format!(
            "cannot use TLS file {}: a client CA needs the server's own certificate; call \
             `tls_pem` too",
            ca.display()
        )
    );
    let missing = dir.path().join("missing-ca.pem");
    let err = ServeOptions::new()
        .tls_pem(&cert, &key)
        .tls_client_ca(&missing, ClientCerts::Optional)
        .registry(registry())
        .serve("127.0.0.1:0")
        .expect_err("no CA file");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot use TLS file {}: ", missing.display())),
        "{err}"
    );
}
