//! The Python tutorial's Flask and FastAPI app, in axum: `/health`, `/api/users` and
//! `/users/{id}`, a middleware that records every request, and `/metrics` mounted in the
//! app. Needs the `axum` feature (`tallymark = { features = ["axum"] }`).
//!
//! ```text
//! cargo run --example axum_app                       # serves 127.0.0.1:5000
//! cargo run --example axum_app -- --addr 127.0.0.1:8080 --basic-auth prometheus:s3cret
//! curl http://127.0.0.1:5000/users/42
//! curl http://127.0.0.1:5000/metrics
//! ```
//!
//! Every request is counted in `http_requests_total{method,route,status}`, timed in
//! `http_request_duration_seconds{method,route}` and tracked while it runs in
//! `http_requests_in_flight{method,route}`, where `route` is the route template
//! (`/users/{id}`) or `unmatched`.

mod support;

use std::process::ExitCode;

use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tallymark::axum::metrics_router;
use tallymark::{HttpMetrics, MetricsEndpoint};

fn json(body: String) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], body)
}

async fn health() -> impl IntoResponse {
    json(r#"{"status": "healthy"}"#.to_owned())
}

async fn get_users() -> impl IntoResponse {
    json(r#"{"users": []}"#.to_owned())
}

async fn get_user(Path(id): Path<u64>) -> impl IntoResponse {
    json(format!(r#"{{"id": {id}}}"#))
}

#[tokio::main]
async fn main() -> ExitCode {
    // The middleware's families first, so `--emit` (read by `parse`) includes them.
    let metrics = match HttpMetrics::new() {
        Ok(metrics) => metrics,
        Err(e) => {
            eprintln!("axum_app: {e}");
            return ExitCode::FAILURE;
        }
    };
    let args = match support::ServeArgs::parse("axum_app", "127.0.0.1:5000") {
        Ok(args) => args,
        Err(e) => {
            eprintln!("axum_app: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut endpoint = MetricsEndpoint::global();
    if let Some(auth) = args.auth {
        endpoint = endpoint.with_auth(auth);
    }
    // The layer comes last, so it wraps every route, `/metrics` included, and the
    // fallback that answers unmatched paths.
    let app = Router::new()
        .route("/health", get(health))
        .route("/api/users", get(get_users))
        .route("/users/{id}", get(get_user))
        .merge(metrics_router(endpoint))
        .layer(metrics.layer());
    let listener = match tokio::net::TcpListener::bind(&args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("axum_app: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("Serving http://{addr}/ with metrics on http://{addr}/metrics"),
        Err(e) => eprintln!("axum_app: {e}"),
    }
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("axum_app: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
