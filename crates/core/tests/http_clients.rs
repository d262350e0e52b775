//! The sans-IO HTTP server against real clients: a small blocking server on loopback that
//! answers with nothing but `http::respond`, driven by the real `curl` binary and by raw
//! bytes over a `TcpStream`.
//!
//! The server is what firmware and the agent do per connection: a fixed receive buffer, a
//! keep-alive loop that answers whatever complete requests the buffer holds (pipelining)
//! before reading more, and a lingering close.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use promcast_core::device::BufWriter;
use promcast_core::expo::{Encoder, Family, Format, MetricType, Value};
use promcast_core::http::{HEAD_BUF_LEN, respond};

/// The receive buffer: a request head must fit in it.
const INPUT_LEN: usize = 1024;
/// Body buffer large enough for the exposition.
const BODY_LEN: usize = 512;
/// Bound on every blocking read in the test (a hung peer fails the test instead of hanging it).
const TIMEOUT: Duration = Duration::from_secs(10);
const CURL: &str = "/usr/bin/curl";

/// The exposition the server renders.
fn render(format: Format, w: &mut BufWriter<'_>) -> std::fmt::Result {
    let mut enc = Encoder::new(w, format);
    enc.family(&Family {
        name: "demo_temperature_celsius",
        help: "Temperature of a probe.",
        kind: MetricType::Gauge,
        unit: Some("celsius"),
    })?;
    enc.sample(&[("probe", "tank")], Value::F64(21.5))?;
    enc.sample(&[("probe", "cellar")], Value::F64(-3.25))?;
    enc.family(&Family {
        name: "demo_reads",
        help: "Probe reads.",
        kind: MetricType::Counter,
        unit: None,
    })?;
    enc.sample(&[], Value::U64(7))?;
    enc.finish().map(|_| ())
}

const TEXT_BODY: &str = "\
# HELP demo_temperature_celsius Temperature of a probe.
# TYPE demo_temperature_celsius gauge
demo_temperature_celsius{probe=\"tank\"} 21.5
demo_temperature_celsius{probe=\"cellar\"} -3.25
# HELP demo_reads_total Probe reads.
# TYPE demo_reads_total counter
demo_reads_total 7
";

const OPENMETRICS_BODY: &str = "\
# TYPE demo_temperature_celsius gauge
# UNIT demo_temperature_celsius celsius
# HELP demo_temperature_celsius Temperature of a probe.
demo_temperature_celsius{probe=\"tank\"} 21.5
demo_temperature_celsius{probe=\"cellar\"} -3.25
# TYPE demo_reads counter
# HELP demo_reads Probe reads.
demo_reads_total 7
# EOF
";

/// A running test server.
struct Server {
    addr: SocketAddr,
    /// Connections accepted so far.
    connections: Arc<AtomicUsize>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves each connection on its own thread with a body buffer of
    /// `body_len` bytes. The listener is bound before this returns, so clients can connect at
    /// once. The threads end with the test process.
    fn start(body_len: usize) -> Server {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::clone(&connections);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                thread::spawn(move || {
                    // A client going away mid-response is not the server's failure.
                    let _ = serve(stream, body_len);
                });
            }
        });
        Server { addr, connections }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// One connection: answer every complete request in the buffer, read when it holds none.
fn serve(mut stream: TcpStream, body_len: usize) -> io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut input = [0; INPUT_LEN];
    let mut len = 0;
    let mut head = [0; HEAD_BUF_LEN];
    let mut body = vec![0; body_len];
    loop {
        let full = len == input.len();
        match respond(&input[..len], full, &mut head, &mut body, render) {
            None => {
                let n = stream.read(&mut input[len..])?;
                if n == 0 {
                    return Ok(());
                }
                len += n;
            }
            Some(x) => {
                stream.write_all(&head[..x.head_len])?;
                stream.write_all(&body[..x.body_len])?;
                if x.close {
                    return linger(stream);
                }
                input.copy_within(x.consumed..len, 0);
                len -= x.consumed;
            }
        }
    }
}

/// Lingering close: stop sending, discard what the client still sends until it closes, so
/// unread input does not make the kernel reset the connection under the response.
fn linger(mut stream: TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    let mut sink = [0; 1024];
    while stream.read(&mut sink)? > 0 {}
    Ok(())
}

/// What a curl run printed.
#[derive(Debug)]
struct Curl {
    stdout: String,
    stderr: String,
}

/// Runs curl with `args` (after options that ignore `.curlrc` and proxies and bound the
/// time); panics unless it exits with status 0.
fn curl(args: &[&str]) -> Curl {
    let out = Command::new(CURL)
        .arg("-q")
        .args([
            "--silent",
            "--show-error",
            "--noproxy",
            "*",
            "--max-time",
            "10",
        ])
        .args(args)
        .output()
        .unwrap();
    let curl = Curl {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(
        out.status.success(),
        "curl {args:?}: {}: {curl:?}",
        out.status
    );
    curl
}

/// A response head as the server writes it.
fn head(status: &str, content_type: &str, length: usize, connection: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\
         Connection: {connection}\r\n\r\n"
    )
}

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PLAIN: &str = "text/plain; charset=utf-8";

/// Starts a server and runs curl with `args` and the URL of `path`; returns what curl
/// printed on stdout.
fn curl_once(args: &[&str], path: &str) -> String {
    let server = Server::start(BODY_LEN);
    let url = server.url(path);
    curl(&[args, &[url.as_str()]].concat()).stdout
}

#[test]
fn get_metrics() {
    assert_eq!(
        curl_once(&["-D", "-"], "/metrics"),
        head("200 OK", TEXT, TEXT_BODY.len(), "keep-alive") + TEXT_BODY
    );
}

#[test]
fn get_root_with_query() {
    assert_eq!(
        curl_once(&["-D", "-"], "/?x=1"),
        head("200 OK", TEXT, TEXT_BODY.len(), "keep-alive") + TEXT_BODY
    );
}

#[test]
fn openmetrics() {
    let accept = "Accept: application/openmetrics-text;version=1.0.0";
    assert_eq!(
        curl_once(&["-D", "-", "-H", accept], "/metrics"),
        head("200 OK", OPENMETRICS, OPENMETRICS_BODY.len(), "keep-alive") + OPENMETRICS_BODY
    );
}

#[test]
fn http10_closes() {
    assert_eq!(
        curl_once(&["--http1.0", "-D", "-"], "/metrics"),
        head("200 OK", TEXT, TEXT_BODY.len(), "close") + TEXT_BODY
    );
}

#[test]
fn head_request() {
    assert_eq!(
        curl_once(&["-I"], "/metrics"),
        head("200 OK", TEXT, TEXT_BODY.len(), "keep-alive")
    );
}

#[test]
fn not_found() {
    assert_eq!(
        curl_once(&["-D", "-"], "/nope"),
        head("404 Not Found", PLAIN, 10, "keep-alive") + "Not Found\n"
    );
}

#[test]
fn post_is_405() {
    assert_eq!(
        curl_once(&["-X", "POST", "-D", "-"], "/metrics"),
        "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 19\r\nConnection: keep-alive\r\nAllow: GET, HEAD\r\n\r\n\
         Method Not Allowed\n"
    );
}

#[test]
fn body_is_413() {
    assert_eq!(
        curl_once(&["-d", "data", "-D", "-"], "/metrics"),
        head("413 Content Too Large", PLAIN, 18, "close") + "Content Too Large\n"
    );
}

/// A head larger than the 1024-byte receive buffer.
#[test]
fn huge_header_is_431() {
    let big = format!("X-Big: {}", "a".repeat(5000));
    assert_eq!(
        curl_once(&["-H", &big, "-D", "-"], "/metrics"),
        head("431 Request Header Fields Too Large", PLAIN, 32, "close")
            + "Request Header Fields Too Large\n"
    );
}

/// Two URLs in one curl run share one connection.
#[test]
fn keep_alive_reuses_the_connection() {
    let server = Server::start(BODY_LEN);
    let got = curl(&["-v", &server.url("/metrics"), &server.url("/")]);
    assert_eq!(got.stdout, format!("{TEXT_BODY}{TEXT_BODY}"));
    let lines = |prefix: &str| {
        got.stderr
            .lines()
            .filter(|line| line.starts_with(prefix))
            .count()
    };
    assert_eq!(lines("* Connected to "), 1, "{}", got.stderr);
    assert_eq!(lines("* Re-using existing connection"), 1, "{}", got.stderr);
    // The response heads as curl shows them.
    let heads: Vec<&str> = got
        .stderr
        .lines()
        .filter(|line| line.starts_with("< "))
        .collect();
    let one = [
        "< HTTP/1.1 200 OK",
        "< Content-Type: text/plain; version=0.0.4; charset=utf-8",
        &format!("< Content-Length: {}", TEXT_BODY.len()),
        "< Connection: keep-alive",
        "< ",
    ];
    assert_eq!(heads, [one.as_slice(), one.as_slice()].concat());
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

/// A render that does not fit the body buffer is a 500, and the connection stays open.
#[test]
fn render_failure_is_500() {
    let server = Server::start(32);
    let got = curl(&["-D", "-", &server.url("/metrics"), &server.url("/")]);
    let one =
        head("500 Internal Server Error", PLAIN, 22, "keep-alive") + "Internal Server Error\n";
    assert_eq!(got.stdout, one.repeat(2));
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

/// Sends `request` on a new connection and reads until the server closes it.
fn raw(server: &Server, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8(response).unwrap()
}

/// Malformed requests (a header line without a colon, HTTP/2's preface, a TLS handshake)
/// get a 400 and the connection closes.
#[test]
fn malformed_is_400() {
    let server = Server::start(BODY_LEN);
    for request in [
        &b"GET /metrics HTTP/1.1\r\nHost localhost\r\n\r\n"[..],
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    ] {
        assert_eq!(
            raw(&server, request),
            head("400 Bad Request", PLAIN, 12, "close") + "Bad Request\n",
            "{request:?}"
        );
    }
}

/// Three requests in one write, answered in order; the last one closes.
#[test]
fn pipelined() {
    let server = Server::start(BODY_LEN);
    let got = raw(
        &server,
        b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n\
          HEAD /x HTTP/1.1\r\nHost: d\r\n\r\n\
          GET / HTTP/1.1\r\nHost: d\r\nAccept: application/openmetrics-text\r\n\
          Connection: close\r\n\r\n",
    );
    let expected = head("200 OK", TEXT, TEXT_BODY.len(), "keep-alive")
        + TEXT_BODY
        + &head("404 Not Found", PLAIN, 10, "keep-alive")
        + &head("200 OK", OPENMETRICS, OPENMETRICS_BODY.len(), "close")
        + OPENMETRICS_BODY;
    assert_eq!(got, expected);
}
