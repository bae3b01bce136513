//! axum, and any tower service: a [`MetricsLayer`] that records every request into
//! [`HttpMetrics`], and [`metrics_router`] to mount `/metrics` in the app.
//!
//! ```
//! use axum::routing::get;
//! use axum::Router;
//! use tallymark_core::Registry;
//! use tallymark_http::axum::metrics_router;
//! use tallymark_http::{HttpMetrics, MetricsEndpoint};
//!
//! let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
//! let metrics = HttpMetrics::builder().registry(registry).build()?;
//! let app: Router = Router::new()
//!     .route("/health", get(|| async { "ok" }))
//!     .route("/users/{id}", get(|| async { "a user" }))
//!     .merge(metrics_router(MetricsEndpoint::new(registry)))
//!     .layer(metrics.layer());
//! # Ok::<(), tallymark_core::RegistryError>(())
//! ```
//!
//! The layer reads the route template from axum's [`MatchedPath`], so `/users/42` is
//! recorded as `route="/users/{id}"`. Requests no route matched, which reach the fallback,
//! are `route="unmatched"`. Add the layer last, with `Router::layer` after every route,
//! fallback and merge: axum applies a layer only to what the router holds by then, and a
//! merge after it brings in an unlayered fallback, which would leave unmatched requests
//! uncounted. The scrapes of `/metrics` are then counted too, as `route="/metrics"`.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::axum::body::Body;
use ::axum::extract::{MatchedPath, Request};
use ::axum::http::Response;
use ::axum::routing::any;
use ::axum::Router;
use tower_layer::Layer;
use tower_service::Service;

use crate::endpoint::{MetricsEndpoint, ScrapeRequest};
use crate::http_metrics::{HttpMetrics, RequestTimer, UNMATCHED_ROUTE};

/// A router with `/metrics`, answering like the standalone server: negotiation (browsers
/// get the page for people), `?format=`, gzip, `name[]`, and the endpoint's auth. Merge
/// it into the app's router.
///
/// ```
/// use tallymark_http::{axum::metrics_router, Auth, MetricsEndpoint};
///
/// let endpoint = MetricsEndpoint::global().with_auth(Auth::basic("prometheus", "s3cret"));
/// let app: axum::Router = axum::Router::new().merge(metrics_router(endpoint));
/// ```
pub fn metrics_router<S>(endpoint: MetricsEndpoint) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let handler = move |request: Request| {
        let answer = endpoint.answer(&ScrapeRequest::from_http(&request));
        async move { answer.into_http().map(Body::new) }
    };
    Router::new().route(crate::routes::METRICS_PATH, any(handler))
}

impl HttpMetrics {
    /// A tower layer recording every request of the service it wraps into these
    /// families; see the [module docs](crate::axum).
    pub fn layer(&self) -> MetricsLayer {
        MetricsLayer {
            metrics: self.clone(),
        }
    }
}

/// Records every request into [`HttpMetrics`]; made by [`HttpMetrics::layer`].
#[derive(Clone, Debug)]
pub struct MetricsLayer {
    metrics: HttpMetrics,
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> MetricsService<S> {
        MetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`MetricsLayer`] wraps around each route.
#[derive(Clone, Debug)]
pub struct MetricsService<S> {
    inner: S,
    metrics: HttpMetrics,
}

impl<S, ReqBody, ResBody> Service<::axum::http::Request<ReqBody>> for MetricsService<S>
where
    S: Service<::axum::http::Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: ::axum::http::Request<ReqBody>) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        let timer = self.metrics.start(request.method().as_str(), route);
        ResponseFuture {
            inner: self.inner.call(request),
            timer: Some(timer),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of a [`MetricsService`]: the inner future, timed until it yields the
    /// response head.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        timer: Option<RequestTimer>,
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Some(timer) = this.timer.take() {
            // An error never reaches axum's client as such: hyper answers it with a 500.
            timer.finish(result.as_ref().map_or(500, |r| r.status().as_u16()));
        }
        Poll::Ready(result)
    }
}
