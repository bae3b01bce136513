//! The framework endpoints served on free ports, as the tests of each carrier need them.

use std::net::SocketAddr;

use tallymark::MetricsEndpoint;

/// `endpoint` behind `metrics_router` in an axum server on a free port. The server runs on
/// the returned runtime, so it stops when the caller drops that.
pub fn serve_axum(endpoint: MetricsEndpoint) -> (tokio::runtime::Runtime, SocketAddr) {
    let app: axum::Router = tallymark_http::axum::metrics_router(endpoint);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, addr)
}

/// `endpoint` behind `metrics_resource` in an actix-web server on a free port. The server
/// is not `Send`, so it is built on the thread that runs it, which lives until the test
/// process exits; the caller waits for it to answer.
pub fn serve_actix(endpoint: MetricsEndpoint) -> SocketAddr {
    let (bound, addr) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new().service(tallymark_http::actix::metrics_resource(endpoint.clone()))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind");
        bound.send(server.addrs()[0]).expect("report the address");
        actix_web::rt::System::new().block_on(async { server.run().await })
    });
    addr.recv().expect("the server's address")
}
