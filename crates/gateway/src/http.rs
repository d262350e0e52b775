//! The HTTP side: `/metrics` (content negotiation and gzip), the landing page, service
//! discovery, health checks.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use promcast_core::expo::Format;

use crate::clock::Clock;
use crate::config::KindSpec;
use crate::discovery::{self, SD_PATH};
use crate::render::{BuildInfo, Context, render};
use crate::store::Published;
use crate::telemetry::Telemetry;

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
        }
    }

    /// Render the exposition in `format`.
    pub fn render(&self, format: Format) -> String {
        let view = self.published.load();
        let cx = Context {
            kinds: &self.kinds,
            telemetry: &self.telemetry,
            build: &self.build,
            start_unix: self.start_unix,
            mono: self.clock.monotonic(),
        };
        let cap = self.last_len.load(Ordering::Relaxed);
        let out = String::with_capacity(cap + cap / 8 + 4096);
        let out = render(out, &view, &cx, format).expect("writing to a String cannot fail");
        self.last_len.store(out.len(), Ordering::Relaxed);
        out
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
    let body = st.render(format);
    let mut resp = if gzip {
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 4 + 64),
            flate2::Compression::fast(),
        );
        match enc.write_all(body.as_bytes()).and_then(|()| enc.finish()) {
            Ok(bytes) => {
                let mut r = bytes.into_response();
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            Err(_) => body.into_response(),
        }
    } else {
        body.into_response()
    };
    let h = resp.headers_mut();
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
