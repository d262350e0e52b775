//! The `/metrics` server: [`HTTP_WORKERS`] tasks, each accepting one TCP connection at a
//! time on the configured port, so that many scrapes run at once. Parsing, routing, content
//! negotiation and the response head are core's ([`promcast_core::http::respond`]); a worker
//! moves bytes between the socket and its buffers and keeps the connection alive as the
//! client asks.

use embassy_net::Stack;
use embassy_net::tcp::TcpSocket;
use embassy_time::{Duration, Timer, with_timeout};
use promcast_core::device::BufWriter;
use promcast_core::expo::Format;
use promcast_core::http::{HEAD_BUF_LEN, respond};
use static_cell::ConstStaticCell;

use crate::board::Shared;
use crate::config;
use crate::now;

/// Connections served at once (worker tasks, each with its own socket and buffers).
pub const HTTP_WORKERS: usize = 3;
/// TCP receive buffer per worker.
const TCP_RX_BUF: usize = 1024;
/// TCP send buffer per worker.
const TCP_TX_BUF: usize = 2048;
/// Request bytes kept per connection: the largest request head accepted (a larger one is
/// answered 431). Prometheus sends about 300 bytes.
const REQUEST_BUF: usize = 1024;
/// An idle keep-alive connection is closed after this long (longer than the usual 15-60 s
/// scrape interval, so a scraper keeps reusing its connection).
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(75);
/// A request head must arrive within this long of its first byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A peer that acknowledges nothing for this long is dropped (smoltcp's socket timeout).
const SOCKET_TIMEOUT: Duration = Duration::from_secs(20);
/// After a response that closes the connection, unread input is drained for at most this
/// long, so closing does not reset the connection before the client read the response.
const LINGER: Duration = Duration::from_secs(2);
/// Wait before accepting again after `accept` failed.
const ACCEPT_RETRY: Duration = Duration::from_millis(500);
/// Bytes read at a time when draining unread input before closing.
const DRAIN_BUF: usize = 64;

/// One worker's buffers.
pub struct HttpBuffers {
    tcp_rx: [u8; TCP_RX_BUF],
    tcp_tx: [u8; TCP_TX_BUF],
    request: [u8; REQUEST_BUF],
    head: [u8; HEAD_BUF_LEN],
    /// The exposition; sized by build.rs for the configured inputs.
    body: [u8; config::METRICS_BUF_LEN],
}

impl HttpBuffers {
    const fn new() -> Self {
        HttpBuffers {
            tcp_rx: [0; TCP_RX_BUF],
            tcp_tx: [0; TCP_TX_BUF],
            request: [0; REQUEST_BUF],
            head: [0; HEAD_BUF_LEN],
            body: [0; config::METRICS_BUF_LEN],
        }
    }
}

/// Every worker's buffers, in static memory (zeroed `.bss`, never on a stack).
pub static HTTP_BUFFERS: ConstStaticCell<[HttpBuffers; HTTP_WORKERS]> =
    ConstStaticCell::new([const { HttpBuffers::new() }; HTTP_WORKERS]);

/// How a connection ended.
enum End {
    /// The peer closed, went quiet or failed: close our side.
    Quiet,
    /// We answered with `Connection: close`: close, draining unread input first.
    Linger,
}

/// Serve connections on [`config::HTTP_PORT`] forever.
pub async fn run(
    stack: Stack<'static>,
    buffers: &'static mut HttpBuffers,
    shared: &'static Shared,
) -> ! {
    let HttpBuffers {
        tcp_rx,
        tcp_tx,
        request,
        head,
        body,
    } = buffers;
    loop {
        let mut socket = TcpSocket::new(stack, tcp_rx, tcp_tx);
        socket.set_timeout(Some(SOCKET_TIMEOUT));
        if let Err(e) = socket.accept(config::HTTP_PORT).await {
            defmt::warn!("http: accept failed: {}", e);
            Timer::after(ACCEPT_RETRY).await;
            continue;
        }
        let end = serve(&mut socket, request, head, body, shared).await;
        socket.close();
        if let End::Linger = end {
            let _ = with_timeout(LINGER, drain(&mut socket)).await;
        }
        // Send what is queued and our FIN; the socket is then dropped (freed) either way.
        let _ = with_timeout(LINGER, socket.flush()).await;
    }
}

/// Answer requests on one connection until it ends.
async fn serve(
    socket: &mut TcpSocket<'_>,
    request: &mut [u8],
    head: &mut [u8],
    body: &mut [u8],
    shared: &Shared,
) -> End {
    let mut filled = 0;
    loop {
        let full = filled == request.len();
        let render = |format: Format, w: &mut BufWriter<'_>| {
            crate::metrics::render(w, format, shared, now())
        };
        let Some(exchange) = respond(&request[..filled], full, head, body, render) else {
            // Incomplete: read more (idle between requests, bounded within one).
            let limit = if filled == 0 {
                KEEP_ALIVE_IDLE
            } else {
                REQUEST_TIMEOUT
            };
            match with_timeout(limit, socket.read(&mut request[filled..])).await {
                Ok(Ok(n)) if n > 0 => filled += n,
                _ => return End::Quiet,
            }
            continue;
        };
        if write_all(socket, &head[..exchange.head_len]).await.is_err()
            || write_all(socket, &body[..exchange.body_len]).await.is_err()
        {
            return End::Quiet;
        }
        if exchange.close {
            return End::Linger;
        }
        request.copy_within(exchange.consumed..filled, 0);
        filled -= exchange.consumed;
    }
}

/// Write all of `bytes`.
async fn write_all(socket: &mut TcpSocket<'_>, mut bytes: &[u8]) -> Result<(), ()> {
    while !bytes.is_empty() {
        match socket.write(bytes).await {
            Ok(0) | Err(_) => return Err(()),
            Ok(n) => bytes = &bytes[n..],
        }
    }
    Ok(())
}

/// Read and discard until the peer closes or the read fails.
async fn drain(socket: &mut TcpSocket<'_>) {
    let mut sink = [0; DRAIN_BUF];
    while let Ok(n) = socket.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
}
