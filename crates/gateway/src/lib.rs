//! promcast gateway: sensor packets over UDP multicast or unicast in, Prometheus metrics out.
//!
//! [`Gateway::start`] takes sockets that are already bound (tests bind port 0) and a clock;
//! [`run`] is what the binary calls. See the crate README for the metrics it serves.

pub mod body;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod discovery;
pub mod gzip;
pub mod http;
pub mod ingest;
pub mod landing;
pub mod render;
pub mod store;
mod sys;
pub mod telemetry;

use std::future::Future;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::http::AppState;
use crate::ingest::{Ingest, Progress};
use crate::store::{Store, View};
use crate::telemetry::Telemetry;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid.
    #[error("invalid configuration:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Config(Vec<ConfigError>),
    /// Socket set-up failed.
    #[error(transparent)]
    Bind(#[from] ingest::BindError),
    /// The HTTP listener could not be bound.
    #[error("cannot listen for HTTP on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Other I/O failures (spawning the ingest thread).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A running gateway.
pub struct Gateway {
    /// Where HTTP is served.
    pub http_addr: SocketAddr,
    /// Where UDP is received.
    pub udp_addrs: Vec<SocketAddr>,
    /// The HTTP handlers' state (render, counters).
    pub state: Arc<AppState>,
    progress: watch::Receiver<Progress>,
    ingest: Ingest,
    server: JoinHandle<std::io::Result<()>>,
    stop_http: oneshot::Sender<()>,
}

impl Gateway {
    /// Start ingest and HTTP on already-bound sockets.
    pub async fn start(
        cfg: &Config,
        udp: Vec<UdpSocket>,
        http: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> Result<Gateway, StartError> {
        let kinds = cfg.validate().map_err(StartError::Config)?;
        let udp_addrs = udp.iter().filter_map(|s| s.local_addr().ok()).collect();
        let http_addr = http.local_addr()?;
        let telemetry = Arc::new(Telemetry::default());
        let published = Arc::new(ArcSwap::from_pointee(View::default()));
        let store = Store::new(kinds.clone(), cfg.series.clone(), published.clone());
        let (ptx, prx) = watch::channel(Progress::default());
        let ingest = Ingest::spawn(
            udp,
            store,
            clock.clone(),
            telemetry.clone(),
            cfg.udp.max_datagram_bytes,
            cfg.series.sweep_interval,
            ptx,
        )?;
        let state = Arc::new(AppState::new(
            published,
            telemetry,
            kinds,
            clock.unix_seconds(),
            clock,
            cfg.web.telemetry_path.clone(),
            ingest.alive(),
        ));
        let app = http::router(state.clone());
        let (stop_http, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(http, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Gateway {
            http_addr,
            udp_addrs,
            state,
            progress: prx,
            ingest,
            server,
            stop_http,
        })
    }

    /// Ingest progress (datagrams handled, sweeps run), updated after every batch.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.clone()
    }

    /// Wait until at least `n` datagrams have been handled.
    pub async fn wait_for_datagrams(&self, n: u64) {
        let mut rx = self.progress.clone();
        let _ = rx.wait_for(|p| p.datagrams >= n).await;
    }

    /// Wait until at least `n` expiry sweeps have run.
    pub async fn wait_for_sweeps(&self, n: u64) {
        let mut rx = self.progress.clone();
        let _ = rx.wait_for(|p| p.sweeps >= n).await;
    }

    /// Stop: finish in-flight HTTP requests, stop ingest.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop_http.send(());
        let served = self.server.await.unwrap_or(Ok(()));
        tokio::task::spawn_blocking(move || self.ingest.stop())
            .await
            .ok();
        served
    }
}

/// Bind everything `cfg` asks for and serve until `shutdown` completes.
pub async fn run(
    cfg: Config,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    cfg.validate().map_err(StartError::Config)?;
    let udp = ingest::bind(&cfg.udp)?;
    let addr = cfg.web.listen_address;
    let http = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let gw = Gateway::start(&cfg, udp, http, clock).await?;
    tracing::info!(
        http = %gw.http_addr,
        udp = ?gw.udp_addrs,
        groups = ?cfg.udp.groups,
        "promcast listening"
    );
    shutdown.await;
    tracing::info!("shutting down");
    gw.stop().await?;
    Ok(())
}

/// Registers for SIGINT (Ctrl-C) and SIGTERM now, and resolves when either arrives. Call it
/// before announcing readiness, so a signal sent right after start-up is not missed.
/// Must be called inside the Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            _ => {
                tracing::warn!("cannot install signal handlers; stop with SIGKILL");
                std::future::pending::<()>().await
            }
        }
    }
}
