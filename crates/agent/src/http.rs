//! The HTTP side: a std `TcpListener`, one thread per connection (capped), keep-alive,
//! requests parsed and answered by the core's sans-IO [`respond`] into fixed buffers.
//!
//! Paths: `/metrics` and `/` (the seed exporter served `/`) give the exposition;
//! `/-/healthy` answers `200 OK`; anything else is the core's 404/405/400/413/431. A
//! connection beyond [`HttpConfig::max_connections`] is answered 503 and closed.

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use promcast_core::device::BufWriter;
use promcast_core::expo::Format;
use promcast_core::http::{HEAD_BUF_LEN, Method, TEXT_PLAIN, parse_request, respond, write_head};
use rustix::event::{PollFd, PollFlags, poll};

/// Bytes a request head may take; a larger one is answered 431.
pub const RECV_BUF_LEN: usize = 4096;
/// Bytes the exposition may take; a larger one is answered 500.
pub const BODY_BUF_LEN: usize = 64 * 1024;
/// How long the acceptor waits before looking at the stop flag again.
const ACCEPT_POLL: Duration = Duration::from_millis(100);
/// How long to drain a closing connection's unread input (see `respond`).
const LINGER: Duration = Duration::from_millis(500);

/// Renders the exposition in a format into a writer.
pub trait Render: Send + Sync + 'static {
    /// Write the exposition.
    fn render(&self, format: Format, w: &mut BufWriter<'_>) -> fmt::Result;
}

/// HTTP settings.
#[derive(Clone, Copy, Debug)]
pub struct HttpConfig {
    /// Connections served at once; more are answered 503.
    pub max_connections: usize,
    /// An idle keep-alive connection is closed after this long.
    pub idle_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_connections: 4,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Counters of the HTTP side.
#[derive(Debug, Default)]
pub struct HttpStats {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Connections refused with 503 because of the cap.
    pub refused: AtomicU64,
}

/// The running server.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    stats: Arc<HttpStats>,
}

struct Shared {
    render: Arc<dyn Render>,
    cfg: HttpConfig,
    stop: Arc<AtomicBool>,
    active: AtomicUsize,
    stats: Arc<HttpStats>,
    open: Mutex<Vec<(u64, TcpStream)>>,
}

impl Server {
    /// Serve on `listener` until [`Server::stop`].
    pub fn start(
        listener: TcpListener,
        render: Arc<dyn Render>,
        cfg: HttpConfig,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(HttpStats::default());
        let shared = Arc::new(Shared {
            render,
            cfg,
            stop: stop.clone(),
            active: AtomicUsize::new(0),
            stats: stats.clone(),
            open: Mutex::new(Vec::new()),
        });
        let acceptor = thread::Builder::new()
            .name("http-accept".into())
            .spawn(move || accept_loop(listener, shared))?;
        Ok(Server {
            addr,
            stop,
            acceptor: Some(acceptor),
            stats,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Counters.
    pub fn stats(&self) -> &HttpStats {
        &self.stats
    }

    /// Stop accepting, let in-flight requests finish, close idle connections, and wait.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    while !shared.stop.load(Ordering::SeqCst) {
        let ready = {
            let mut fds = [PollFd::new(&listener, PollFlags::IN)];
            let timeout = rustix::time::Timespec {
                tv_sec: 0,
                tv_nsec: ACCEPT_POLL.as_nanos() as _,
            };
            matches!(poll(&mut fds, Some(&timeout)), Ok(n) if n > 0)
        };
        workers.retain(|w| !w.is_finished());
        if !ready {
            continue;
        }
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::WouldBlock => {
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "accepting an HTTP connection failed");
                thread::sleep(ACCEPT_POLL);
                continue;
            }
        };
        if shared.active.load(Ordering::SeqCst) >= shared.cfg.max_connections {
            shared.stats.refused.fetch_add(1, Ordering::Relaxed);
            refuse(stream);
            continue;
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        next_id += 1;
        let id = next_id;
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.open).push((id, clone));
        }
        let s = shared.clone();
        let spawned = thread::Builder::new()
            .name("http-conn".into())
            .spawn(move || {
                serve(stream, &s);
                lock(&s.open).retain(|(i, _)| *i != id);
                s.active.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(h) => workers.push(h),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start a connection thread");
                lock(&shared.open).retain(|(i, _)| *i != id);
                shared.active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
    // Stop: wake connections blocked reading (idle keep-alive); one writing a response
    // finishes it and then sees the end of its input.
    for (_, s) in lock(&shared.open).iter() {
        let _ = s.shutdown(Shutdown::Read);
    }
    for w in workers {
        let _ = w.join();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Answer 503 and close.
fn refuse(mut stream: TcpStream) {
    let body = b"Service Unavailable\n";
    let mut head = [0u8; HEAD_BUF_LEN];
    if let Some(n) = write_head(&mut head, 503, Some(TEXT_PLAIN), body.len(), false) {
        let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = stream.write_all(&head[..n]);
        let _ = stream.write_all(body);
    }
    let _ = stream.shutdown(Shutdown::Write);
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(shared.cfg.idle_timeout));
    let _ = stream.set_write_timeout(Some(shared.cfg.idle_timeout));
    let mut input = vec![0u8; RECV_BUF_LEN];
    let mut body = vec![0u8; BODY_BUF_LEN];
    let mut head = [0u8; HEAD_BUF_LEN];
    let mut len = 0;
    loop {
        // Answer every complete request already received before reading more.
        while let Some((close, consumed)) = answer(
            &input[..len],
            len == input.len(),
            &mut head,
            &mut body,
            shared,
            &mut stream,
        ) {
            if close {
                linger(&mut stream);
                return;
            }
            input.copy_within(consumed..len, 0);
            len -= consumed;
        }
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        match stream.read(&mut input[len..]) {
            Ok(0) => return,
            Ok(n) => len += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Answer one request if `input` holds a complete one (or can never hold one); returns
/// whether to close and how many bytes it took. Write errors close.
fn answer(
    input: &[u8],
    full: bool,
    head: &mut [u8; HEAD_BUF_LEN],
    body: &mut [u8],
    shared: &Shared,
    stream: &mut TcpStream,
) -> Option<(bool, usize)> {
    if input.is_empty() {
        return None;
    }
    if let Ok(req) = parse_request(input)
        && req.path == "/-/healthy"
        && req.method != Method::Other
    {
        let text = b"OK\n";
        let n = write_head(head, 200, Some(TEXT_PLAIN), text.len(), req.keep_alive)?;
        let mut ok = stream.write_all(&head[..n]).is_ok();
        if req.method == Method::Get {
            ok = ok && stream.write_all(text).is_ok();
        }
        shared.stats.requests.fetch_add(1, Ordering::Relaxed);
        return Some((!ok || !req.keep_alive, req.head_len));
    }
    let render = &shared.render;
    let x = respond(input, full, head, body, |format, w| {
        render.render(format, w)
    })?;
    shared.stats.requests.fetch_add(1, Ordering::Relaxed);
    let ok = stream.write_all(&head[..x.head_len]).is_ok()
        && stream.write_all(&body[..x.body_len]).is_ok();
    Some((x.close || !ok, x.consumed))
}

/// After the last response on a connection that closes: stop sending, and drain input
/// for a while, so the response is not destroyed by a reset (RFC 9112 §9.6).
fn linger(stream: &mut TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let mut sink = [0u8; 512];
    let deadline = std::time::Instant::now() + LINGER;
    while std::time::Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}
