//! The HTTP side: `/metrics` (content negotiation and gzip), the landing page, service
//! discovery, health checks.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use promcast_core::expo::Format;

use crate::body::{BufPool, Parts};
use crate::clock::Clock;
use crate::config::KindSpec;
use crate::discovery::{self, SD_PATH};
use crate::gzip;
use crate::render::{BuildInfo, Context, render, render_parts};
use crate::store::Published;
use crate::telemetry::Telemetry;

/// Body buffers kept between scrapes: the parts of two scrapes in flight at once (two
/// Prometheus servers scraping one gateway) and a compressed body.
const BODY_BUFFERS_KEPT: usize = 6;

/// Everything the handlers read.
pub struct AppState {
    /// The latest published view.
    pub published: Published,
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// Reading kinds.
    pub kinds: Vec<KindSpec>,
    /// Build facts.
    pub build: BuildInfo,
    /// Process start, Unix seconds.
    pub start_unix: f64,
    /// Time source for ages on the landing page.
    pub clock: Arc<dyn Clock>,
    /// Path of the metrics endpoint (for the landing page link).
    pub telemetry_path: String,
    /// False once the ingest thread has stopped.
    pub ingest_alive: Arc<AtomicBool>,
    /// Size of the previous body, to size the next buffer in one go.
    last_len: AtomicUsize,
    /// Body buffers for the next scrapes.
    buffers: Arc<BufPool>,
    /// Threads a large body is rendered on: the processors this process may use (read once;
    /// finding out reads cgroup files).
    render_threads: usize,
}

impl AppState {
    /// New state.
    #[allow(clippy::too_many_arguments, reason = "plain constructor")]
    pub fn new(
        published: Published,
        telemetry: Arc<Telemetry>,
        kinds: Vec<KindSpec>,
        start_unix: f64,
        clock: Arc<dyn Clock>,
        telemetry_path: String,
        ingest_alive: Arc<AtomicBool>,
    ) -> Self {
        AppState {
            published,
            telemetry,
            kinds,
            build: BuildInfo::current(),
            start_unix,
            clock,
            telemetry_path,
            ingest_alive,
            last_len: AtomicUsize::new(0),
            buffers: Arc::new(BufPool::new(BODY_BUFFERS_KEPT)),
            render_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    fn context(&self) -> Context<'_> {
        Context {
            kinds: &self.kinds,
            telemetry: &self.telemetry,
            build: &self.build,
            start_unix: self.start_unix,
            mono: self.clock.monotonic(),
        }
    }

    /// Render the exposition in `format` into one string.
    pub fn render(&self, format: Format) -> String {
        let view = self.published.load();
        let cap = self.last_len.load(Ordering::Relaxed);
        let out = String::with_capacity(cap + cap / 8 + 4096);
        let out =
            render(out, &view, &self.context(), format).expect("writing to a String cannot fail");
        self.last_len.store(out.len(), Ordering::Relaxed);
        out
    }

    /// The `/metrics` body in `format`, gzip-compressed when `gzip`: the parts of
    /// [`render_parts`], rendered on as many threads as there are processors. Blocking; the
    /// handler runs it on a blocking thread.
    pub fn body(&self, format: Format, gzip: bool) -> io::Result<Parts> {
        let view = self.published.load();
        let hint = self.last_len.load(Ordering::Relaxed);
        let take = |capacity| self.buffers.take(capacity);
        let parts = render_parts(
            &view,
            &self.context(),
            format,
            self.render_threads,
            hint,
            &take,
        );
        let len: usize = parts.iter().map(String::len).sum();
        self.last_len.store(len, Ordering::Relaxed);
        if !gzip {
            return Ok(Parts::new(
                parts
                    .into_iter()
                    .map(|part| self.buffers.bytes(part.into_bytes())),
            ));
        }
        let compressed = gzip::compress_parts(&parts, self.buffers.take(len / 8).into_bytes())?;
        for part in parts {
            self.buffers.give(part.into_bytes());
        }
        Ok(Parts::new([self.buffers.bytes(compressed)]))
    }
}

/// The router.
pub fn router(state: Arc<AppState>) -> Router {
    let path = state.telemetry_path.clone();
    Router::new()
        .route(&path, get(metrics))
        .route("/", get(landing))
        .route(SD_PATH, get(scrape_targets))
        .route("/-/healthy", get(healthy))
        .route("/-/ready", get(ready))
        .fallback(not_found)
        .with_state(state)
}

async fn metrics(State(st): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::negotiate(accept);
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(accepts_gzip);
    let render_state = Arc::clone(&st);
    let body = tokio::task::spawn_blocking(move || render_state.body(format, gzip)).await;
    let mut resp = match body {
        Ok(Ok(parts)) => Body::new(parts).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the scrape body could not be compressed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The exposition could not be compressed.\n",
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering the exposition failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The exposition could not be rendered.\n",
            )
                .into_response();
        }
    };
    let h = resp.headers_mut();
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    resp
}

/// Whether an `Accept-Encoding` value allows gzip (`gzip` or `*`, with q above zero).
pub fn accepts_gzip(value: &str) -> bool {
    let mut gzip = None;
    let mut star = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let mut q = 1.0f32;
        for p in parts {
            if let Some(v) = p
                .trim()
                .strip_prefix("q=")
                .or_else(|| p.trim().strip_prefix("Q="))
            {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            star = Some(q);
        }
    }
    gzip.or(star).is_some_and(|q| q > 0.0)
}

async fn landing(State(st): State<Arc<AppState>>) -> Html<String> {
    Html(crate::landing::page(&st))
}

/// The announced scrape targets, for Prometheus `http_sd_configs`.
async fn scrape_targets(State(st): State<Arc<AppState>>) -> Response {
    let body = discovery::render(&st.published.load());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn healthy(State(st): State<Arc<AppState>>) -> Response {
    if st.ingest_alive.load(Ordering::Acquire) {
        (StatusCode::OK, "Healthy.\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "The UDP ingest thread has stopped.\n",
        )
            .into_response()
    }
}

async fn ready(State(st): State<Arc<AppState>>) -> Response {
    if st.ingest_alive.load(Ordering::Acquire) {
        (StatusCode::OK, "Ready.\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Not ready: the UDP ingest thread has stopped.\n",
        )
            .into_response()
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "Not found. Try / or the metrics path.\n",
    )
        .into_response()
}
