//! A small blocking HTTP/1.1 client for tests, over `std::net::TcpStream`.
//!
//! Every request is sent with `Connection: close` (unless the caller gives a `Connection`
//! header) and a `Host` header; the response body is framed by chunked transfer encoding,
//! `Content-Length`, or the end of the connection, in that order of precedence. Connecting,
//! writing and each read give up after [`TIMEOUT`], so a hung server fails the test with a
//! `TimedOut` error instead of hanging it.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! let addr = "127.0.0.1:9100".parse().expect("an address");
//! let response = testkit::http::get(addr, "/metrics", &[("Accept", "text/plain")])?;
//! assert_eq!(response.status, 200);
//! assert_eq!(response.header("content-type"), Some("text/plain; version=0.0.4"));
//! println!("{}", response.text());
//! # Ok(())
//! # }
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

/// How long connecting, writing, or any single read may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Longest status or header line accepted, in bytes.
const MAX_LINE: usize = 64 * 1024;
/// Largest body accepted, in bytes.
const MAX_BODY: usize = 256 * 1024 * 1024;

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, such as 200.
    pub status: u16,
    /// The reason phrase after the status code, possibly empty.
    pub reason: String,
    /// Header fields in the order received, names as sent (trailers of a chunked body are
    /// not included).
    pub headers: Vec<(String, String)>,
    /// The body, with any chunked framing removed (content codings such as gzip are kept).
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header field named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of all header fields named `name`, compared case-insensitively.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as UTF-8 text.
    ///
    /// # Panics
    /// If the body is not valid UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body ({} bytes) is not UTF-8: {e}",
                self.body.len()
            )
        })
    }
}

/// Sends `GET path` to `addr` with the given extra header fields and reads the response.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> io::Result<Response> {
    request(addr, "GET", path, headers, &[])
}

/// Sends a request with any method and body and reads the response.
///
/// A `Content-Length` header is added when `body` is not empty, or the method is `POST`
/// or `PUT`, unless the caller gives one. The response to `HEAD` has no body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let given = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if !given("host") {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    if !given("connection") {
        head.push_str("Connection: close\r\n");
    }
    if !given("content-length") && (!body.is_empty() || matches!(method, "POST" | "PUT")) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");

    let mut stream = connect(addr)?;
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes)?;
    read_response(&mut BufReader::new(stream), method == "HEAD")
}

/// Sends `bytes` as they are and returns everything the server sends back until it closes
/// the connection. For requests a well-behaved client would never send.
///
/// The connection is not half-closed after writing, so a server that waits for the rest of
/// an incomplete request makes this fail with `TimedOut` after [`TIMEOUT`]. Use
/// [`parse_response`] on the result to read it as a response.
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> io::Result<Vec<u8>> {
    exchange(addr, bytes, false)
}

/// Like [`raw`], but half-closes the connection after writing, so the server sees the end
/// of the request stream.
pub fn raw_then_shutdown(addr: SocketAddr, bytes: &[u8]) -> io::Result<Vec<u8>> {
    exchange(addr, bytes, true)
}

fn exchange(addr: SocketAddr, bytes: &[u8], half_close: bool) -> io::Result<Vec<u8>> {
    let mut stream = connect(addr)?;
    stream.write_all(bytes)?;
    if half_close {
        stream.shutdown(Shutdown::Write)?;
    }
    let mut reply = Vec::new();
    read_to_close(&mut stream, &mut reply)?;
    Ok(reply)
}

/// Parses one complete response (as returned by [`raw`]) from the start of `bytes`.
pub fn parse_response(bytes: &[u8]) -> io::Result<Response> {
    read_response(&mut &bytes[..], false)
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    Ok(stream)
}

/// Reads one response, skipping interim (1xx) responses.
fn read_response(reader: &mut impl BufRead, head_request: bool) -> io::Result<Response> {
    loop {
        let status_line =
            read_line(reader)?.ok_or_else(|| invalid("connection closed before a status line"))?;
        let (status, reason) = parse_status_line(&status_line)?;
        let headers = read_header_fields(reader)?;
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let mut response = Response {
            status,
            reason,
            headers,
            body: Vec::new(),
        };
        let no_body = head_request || status == 204 || status == 304 || status == 101;
        if !no_body {
            response.body = read_body(reader, &response)?;
        }
        return Ok(response);
    }
}

fn parse_status_line(line: &str) -> io::Result<(u16, String)> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(invalid(format!("not an HTTP/1.x status line: {line:?}")));
    }
    let status = parts
        .next()
        .filter(|code| code.len() == 3)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("no status code in {line:?}")))?;
    Ok((status, parts.next().unwrap_or_default().to_owned()))
}

fn read_header_fields(reader: &mut impl BufRead) -> io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(|| invalid("connection closed in headers"))?;
        if line.is_empty() {
            return Ok(headers);
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("header line without a colon: {line:?}")))?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
}

fn read_body(reader: &mut impl BufRead, response: &Response) -> io::Result<Vec<u8>> {
    let chunked = response
        .header_all("transfer-encoding")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
    if chunked {
        return read_chunked(reader);
    }
    if let Some(length) = response.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length {length:?}")))?;
        if length > MAX_BODY {
            return Err(invalid(format!("Content-Length {length} is too large")));
        }
        let mut body = vec![0; length];
        reader
            .read_exact(&mut body)
            .map_err(|e| context(e, "body"))?;
        return Ok(body);
    }
    let mut body = Vec::new();
    read_to_close(reader, &mut body)?;
    Ok(body)
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(|| invalid("connection closed in chunks"))?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| invalid(format!("bad chunk size line {line:?}")))?;
        if size == 0 {
            // Trailer fields, up to the empty line.
            read_header_fields(reader)?;
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("chunked body is too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|e| context(e, "chunk"))?;
        let mut crlf = [0; 2];
        reader
            .read_exact(&mut crlf)
            .map_err(|e| context(e, "chunk"))?;
        if &crlf != b"\r\n" {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

/// Reads a line ending in LF (CR before it removed); `None` at a clean end of stream.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| context(e, "line"))?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(invalid(
            "line too long or cut short by the end of the connection",
        ));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| invalid("line is not UTF-8"))
}

fn read_to_close(reader: &mut impl Read, out: &mut Vec<u8>) -> io::Result<()> {
    reader
        .take(MAX_BODY as u64)
        .read_to_end(out)
        .map_err(|e| context(e, "reply up to the end of the connection"))?;
    Ok(())
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Names what was being read, and turns a read timeout (`WouldBlock` on Linux) into
/// `TimedOut`.
fn context(error: io::Error, what: &str) -> io::Error {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no {what} from the server within {TIMEOUT:?}"),
        ),
        kind => io::Error::new(kind, format!("reading the {what}: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_response_with_interim_and_chunked_body() {
        let bytes =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\
            X-A: 1\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n";
        let response = parse_response(bytes).expect("parse");
        assert_eq!(
            response,
            Response {
                status: 200,
                reason: "OK".into(),
                headers: vec![
                    ("Transfer-Encoding".into(), "chunked".into()),
                    ("X-A".into(), "1".into())
                ],
                body: b"abc0123456789abcdef".to_vec(),
            }
        );
    }

    #[test]
    fn rejects_malformed_responses() {
        for bad in [
            &b""[..],
            b"SSH-2.0-x\r\n\r\n",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
        ] {
            assert!(
                parse_response(bad).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
