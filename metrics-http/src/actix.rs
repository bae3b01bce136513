//! actix-web: [`ActixMetrics`] middleware recording every request into [`HttpMetrics`],
//! and [`metrics_resource`] to mount `/metrics` in the app.
//!
//! ```
//! use actix_web::{web, App, HttpResponse};
//! use tallymark_core::Registry;
//! use tallymark_http::actix::metrics_resource;
//! use tallymark_http::{HttpMetrics, MetricsEndpoint};
//!
//! let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
//! let metrics = HttpMetrics::builder().registry(registry).build()?;
//! let app = move || {
//!     App::new()
//!         .wrap(metrics.actix_middleware())
//!         .route("/users/{id}", web::get().to(HttpResponse::Ok))
//!         .service(metrics_resource(MetricsEndpoint::new(registry)))
//! };
//! # let _ = app;
//! # Ok::<(), tallymark_core::RegistryError>(())
//! ```
//!
//! The middleware takes the route template from actix's resource map, so `/users/42` is
//! recorded as `route="/users/{id}"`; requests no resource matched are
//! `route="unmatched"`. Wrapped with `App::wrap`, it also sees the scrapes of `/metrics`.

use std::future::{ready, Future, Ready};
use std::pin::Pin;

use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{StatusCode, Version};
use actix_web::{web, Error, HttpRequest, HttpResponse, Resource};

use crate::endpoint::{Answer, Host, MetricsEndpoint, ScrapeRequest};
use crate::http_metrics::{HttpMetrics, UNMATCHED_ROUTE};

/// A resource at `/metrics` answering like the standalone server: negotiation (browsers
/// get the page for people), `?format=`, gzip, `name[]`, and the endpoint's auth. Add it
/// with `App::service`.
///
/// ```
/// use tallymark_http::{actix::metrics_resource, Auth, MetricsEndpoint};
///
/// let endpoint = MetricsEndpoint::global().with_auth(Auth::bearer("abc123"));
/// let app = actix_web::App::new().service(metrics_resource(endpoint));
/// # let _ = app;
/// ```
pub fn metrics_resource(endpoint: MetricsEndpoint) -> Resource {
    let handler = move |request: HttpRequest| {
        let answer = endpoint.answer(&scrape_request(&request));
        async move { into_actix(answer) }
    };
    web::resource(crate::routes::METRICS_PATH).to(handler)
}

/// Reads an actix request, whose `http` types are not those hyper and axum share.
fn scrape_request(request: &HttpRequest) -> ScrapeRequest<'_> {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let query = request.query_string();
    let hosts = request.headers().get_all("host");
    ScrapeRequest {
        method: request.method().as_str(),
        http_1_1: request.version() == Version::HTTP_11,
        host: Host::of(hosts.map(|v| v.as_bytes())),
        accept: header("accept"),
        accept_encoding: header("accept-encoding"),
        query: (!query.is_empty()).then_some(query),
        authorization: request.headers().get("authorization").map(|v| v.as_bytes()),
    }
}

fn into_actix(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for header in answer.headers() {
        response.insert_header(header);
    }
    response.body(answer.body)
}

impl HttpMetrics {
    /// actix-web middleware recording every request into these families; see the
    /// [module docs](crate::actix).
    pub fn actix_middleware(&self) -> ActixMetrics {
        ActixMetrics {
            metrics: self.clone(),
        }
    }
}

/// Records every request into [`HttpMetrics`]; made by [`HttpMetrics::actix_middleware`].
#[derive(Clone, Debug)]
pub struct ActixMetrics {
    metrics: HttpMetrics,
}

impl<S, B> Transform<S, ServiceRequest> for ActixMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = ActixMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<ActixMetricsService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ActixMetricsService {
            service,
            metrics: self.metrics.clone(),
        }))
    }
}

/// The service [`ActixMetrics`] wraps around the app.
#[derive(Debug)]
pub struct ActixMetricsService<S> {
    service: S,
    metrics: HttpMetrics,
}

/// What [`ActixMetricsService`] returns: actix services are single-threaded, so the
/// future need not be `Send`.
type LocalResponse<B> = Pin<Box<dyn Future<Output = Result<ServiceResponse<B>, Error>>>>;

impl<S, B> Service<ServiceRequest> for ActixMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalResponse<B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // Routing happens inside the wrapped service, but the resource map already knows
        // which pattern the path will match, so the in-flight gauge gets the route too.
        let route = request.match_pattern();
        let timer = self.metrics.start(
            request.method().as_str(),
            route.as_deref().unwrap_or(UNMATCHED_ROUTE),
        );
        let response = self.service.call(request);
        Box::pin(async move {
            let result = response.await;
            let status = match &result {
                Ok(response) => response.status(),
                Err(error) => error.as_response_error().status_code(),
            };
            timer.finish(status.as_u16());
            result
        })
    }
}
