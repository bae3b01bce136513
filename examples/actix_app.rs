//! The Python tutorial's Flask and FastAPI app, in actix-web: `/health`, `/api/users` and
//! `/users/{id}`, a middleware that records every request, and `/metrics` mounted in the
//! app. Needs the `actix` feature (`tallymark = { features = ["actix"] }`).
//!
//! ```text
//! cargo run --example actix_app                       # serves 127.0.0.1:5000
//! cargo run --example actix_app -- --addr 127.0.0.1:8080 --basic-auth prometheus:s3cret
//! curl http://127.0.0.1:5000/users/42
//! curl http://127.0.0.1:5000/metrics
//! ```
//!
//! The same families as the axum example: `http_requests_total{method,route,status}`,
//! `http_request_duration_seconds{method,route}` and `http_requests_in_flight{method,route}`.
//! Wrapped around the whole app, the middleware also counts the scrapes of `/metrics`.

mod support;

use std::process::ExitCode;

use actix_web::{web, App, HttpResponse, HttpServer};
use tallymark::actix::metrics_resource;
use tallymark::{HttpMetrics, MetricsEndpoint};

fn json(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

async fn health() -> HttpResponse {
    json(r#"{"status": "healthy"}"#.to_owned())
}

async fn get_users() -> HttpResponse {
    json(r#"{"users": []}"#.to_owned())
}

async fn get_user(id: web::Path<u64>) -> HttpResponse {
    json(format!(r#"{{"id": {id}}}"#))
}

fn main() -> ExitCode {
    // The middleware's families first, so `--emit` (read by `parse`) includes them.
    let started = HttpMetrics::new()
        .map_err(|e| e.to_string())
        .and_then(|metrics| {
            let args = support::ServeArgs::parse("actix_app", "127.0.0.1:5000")?;
            Ok((args, metrics))
        });
    let (args, metrics) = match started {
        Ok(started) => started,
        Err(e) => {
            eprintln!("actix_app: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut endpoint = MetricsEndpoint::global();
    if let Some(auth) = args.auth {
        endpoint = endpoint.with_auth(auth);
    }
    let app = move || {
        App::new()
            .wrap(metrics.actix_middleware())
            .route("/health", web::get().to(health))
            .route("/api/users", web::get().to(get_users))
            .route("/users/{id}", web::get().to(get_user))
            .service(metrics_resource(endpoint.clone()))
    };
    // Two workers are plenty for an example, and keep it light on a small machine.
    let server = match HttpServer::new(app).workers(2).bind(&args.addr) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("actix_app: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    for addr in server.addrs() {
        println!("Serving http://{addr}/ with metrics on http://{addr}/metrics");
    }
    // actix runs its server on its own runtime, which `run` must be called inside.
    if let Err(e) = actix_web::rt::System::new().block_on(async move { server.run().await }) {
        eprintln!("actix_app: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
