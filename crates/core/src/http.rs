//! A sans-IO HTTP/1.x server for devices: parse a request from the bytes received so far,
//! decide the response, write its head. The caller owns the socket and the buffers.
//!
//! `GET`/`HEAD` of `/metrics` and `/` serve the exposition (content type by [`crate::expo::Format`]
//! negotiation); other paths get 404, other methods 405, malformed requests 400, request heads
//! larger than the caller's buffer 431, requests with a body 413. Keep-alive follows the
//! HTTP version and `Connection` header.
//!
//! Most callers want [`respond`], which does all of it for one request; [`parse_request`],
//! [`route`] and [`write_head`] are the pieces it is made of.
//!
//! # What is accepted
//!
//! [`parse_request`] follows RFC 9112 and is strict where leniency lets two parsers disagree
//! about a message (request smuggling, cache poisoning) and lenient where every common parser
//! is:
//!
//! * **Line endings**: CRLF, or a bare LF (RFC 9112 §2.2 allows a recipient to accept it;
//!   nginx and httparse, hyper's parser, do). A CR anywhere else is a bad request.
//! * **Empty lines before the request line** are skipped (RFC 9112 §2.2: some clients send a
//!   CRLF after a request body).
//! * **Request line**: `method SP request-target SP HTTP-version`, exactly one space between
//!   the parts. The method is a token and is case-sensitive: `GET` and `HEAD` are served, any
//!   other token (including `get`) is [`Method::Other`], answered 405.
//! * **Version**: `HTTP/1.0`, `HTTP/1.1`, or a later `HTTP/1.x` (one digit), which is treated
//!   as HTTP/1.1 (RFC 9110 §6.2: a higher minor version is processed as the highest one the
//!   recipient implements). Anything else is a bad request: `HTTP/2.0` (including the HTTP/2
//!   connection preface), `HTTP/0.9` (no version at all), `HTTP/1.10`, `http/1.1`.
//! * **Request target**: origin-form (`/metrics?x=1`) or absolute-form
//!   (`http://host:9100/metrics`, scheme `http` or `https`, any case, non-empty authority);
//!   the path is what comes before the first `?`, not percent-decoded, and an empty
//!   absolute-form path is `/`. Every byte is visible ASCII. Asterisk-form (`*`) and
//!   authority-form (`host:443`) are bad requests.
//! * **Header fields**: `name: value`. The name is a non-empty token (so whitespace before the
//!   colon is a bad request, RFC 9112 §5.1), names compare case-insensitively, optional
//!   whitespace around the value is trimmed. A value may hold visible ASCII, space, tab and
//!   bytes ≥ 0x80 (obs-text); any other control character is a bad request. A line starting
//!   with space or tab (obs-fold, RFC 9112 §5.2) is a bad request, and so is a line without a
//!   colon.
//! * **Host**: an HTTP/1.1 request without `Host`, any request with more than one, or one whose
//!   value holds a character that cannot be in `host[:port]` is a bad request (RFC 9112 §3.2:
//!   the server MUST answer 400). HTTP/1.0 requests may omit it.
//! * **Body**: a request with `Transfer-Encoding` (any value) or a `Content-Length` other than
//!   zero has a body, which is never read: [`ParseError::BodyNotAllowed`] (413, then the
//!   connection closes because the body's bytes would be taken for the next request). A
//!   `Content-Length` that is not all digits, is a list, or appears twice is a bad request
//!   (RFC 9112 §6.3).
//! * **Connection**: comma-separated tokens, case-insensitive, in any number of `Connection`
//!   lines. `close` closes; HTTP/1.1 otherwise keeps the connection open, HTTP/1.0 only with
//!   `keep-alive`.
//! * **Accept**: the first `Accept` line is used for negotiation; later ones are ignored (they
//!   cannot be joined without allocating). A value that is not UTF-8 is a bad request.
//!
//! A line that is already complete and invalid gives [`ParseError::BadRequest`] at once,
//! before the head is complete, and so does an unfinished line holding a byte that cannot
//! appear there: a TLS handshake or other binary junk is rejected from its first bytes instead
//! of filling the buffer.

use core::fmt::{self, Write as _};

use crate::device::BufWriter;
use crate::expo::Format;

/// Request method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Method {
    /// GET.
    Get,
    /// HEAD: like GET, no body.
    Head,
    /// Anything else (answered 405).
    Other,
}

/// A parsed request head, borrowing the receive buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// Method.
    pub method: Method,
    /// Path without the query string.
    pub path: &'a str,
    /// HTTP/1.1 (true) or HTTP/1.0.
    pub http11: bool,
    /// Whether the connection stays open after the response.
    pub keep_alive: bool,
    /// `Accept` header, if any.
    pub accept: Option<&'a str>,
    /// Length of the head in bytes (where the next request starts).
    pub head_len: usize,
}

/// Why no request could be parsed (yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ParseError {
    /// The head is not complete: read more (unless the buffer is full: then 431).
    Incomplete,
    /// Not a valid HTTP/1.x request head: answer 400 and close.
    BadRequest,
    /// The request has a body (`Content-Length` > 0 or chunked): answer 413 and close.
    BodyNotAllowed,
}

/// What to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// 200 with the exposition in this format.
    Metrics(Format),
    /// 404.
    NotFound,
    /// 405 (with `Allow: GET, HEAD`).
    MethodNotAllowed,
}

// Written out because `expo::Format` does not derive `defmt::Format`.
#[cfg(feature = "defmt")]
impl defmt::Format for Route {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Route::Metrics(Format::Text) => defmt::write!(f, "Metrics(Text)"),
            Route::Metrics(Format::OpenMetrics) => defmt::write!(f, "Metrics(OpenMetrics)"),
            Route::NotFound => defmt::write!(f, "NotFound"),
            Route::MethodNotAllowed => defmt::write!(f, "MethodNotAllowed"),
        }
    }
}

/// Content type of the short bodies of error responses written by [`respond`].
pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// A response head buffer of this many bytes holds every head [`respond`] writes.
pub const HEAD_BUF_LEN: usize = 192;

/// Parse a request head from the start of `buf`.
///
/// On success the head is `buf[..head_len]`; whatever follows is the start of the next
/// (pipelined) request. See the [module documentation](self) for exactly what is accepted.
pub fn parse_request(buf: &[u8]) -> Result<Request<'_>, ParseError> {
    let mut pos = 0;
    // The request line, after any empty lines.
    let request_line = loop {
        let Some((line, next)) = next_line(buf, pos) else {
            check_partial(&buf[pos..], is_request_line_byte)?;
            return Err(ParseError::Incomplete);
        };
        pos = next;
        if !line.is_empty() {
            break line;
        }
    };
    let (method, path, http11) = parse_request_line(request_line)?;

    let mut fields = Fields::default();
    loop {
        let Some((line, next)) = next_line(buf, pos) else {
            check_partial(&buf[pos..], is_field_byte)?;
            return Err(ParseError::Incomplete);
        };
        pos = next;
        if line.is_empty() {
            break;
        }
        let (name, value) = split_field(line)?;
        fields.add(name, value)?;
    }

    if fields.hosts > 1 || (http11 && fields.hosts == 0) {
        return Err(ParseError::BadRequest);
    }
    if fields.transfer_encoding || fields.content_length == Some(true) {
        return Err(ParseError::BodyNotAllowed);
    }
    let keep_alive = !fields.close && (http11 || fields.keep_alive);
    Ok(Request {
        method,
        path,
        http11,
        keep_alive,
        accept: fields.accept,
        head_len: pos,
    })
}

/// What the header fields said, as far as this server cares.
#[derive(Default)]
struct Fields<'a> {
    /// `Some(nonzero)` once a `Content-Length` was seen.
    content_length: Option<bool>,
    transfer_encoding: bool,
    hosts: usize,
    close: bool,
    keep_alive: bool,
    accept: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn add(&mut self, name: &[u8], value: &'a [u8]) -> Result<(), ParseError> {
        if name.eq_ignore_ascii_case(b"content-length") {
            if self.content_length.is_some()
                || value.is_empty()
                || !value.iter().all(u8::is_ascii_digit)
            {
                return Err(ParseError::BadRequest);
            }
            self.content_length = Some(value.iter().any(|&b| b != b'0'));
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding = true;
        } else if name.eq_ignore_ascii_case(b"host") {
            if !value.iter().all(|&b| is_host_byte(b)) {
                return Err(ParseError::BadRequest);
            }
            self.hosts += 1;
        } else if name.eq_ignore_ascii_case(b"connection") {
            for option in value.split(|&b| b == b',') {
                let option = trim_ows(option);
                if option.eq_ignore_ascii_case(b"close") {
                    self.close = true;
                } else if option.eq_ignore_ascii_case(b"keep-alive") {
                    self.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case(b"accept") && self.accept.is_none() {
            self.accept = Some(core::str::from_utf8(value).map_err(|_| ParseError::BadRequest)?);
        }
        Ok(())
    }
}

/// The line starting at `pos` (without its CRLF or LF) and where the next one starts, or
/// `None` if it has no LF yet.
fn next_line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let lf = rest.iter().position(|&b| b == b'\n')?;
    let line = &rest[..lf];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, pos + lf + 1))
}

/// An unfinished line must consist of bytes allowed in such a line, with at most a CR at its
/// end (where the LF is still to come).
fn check_partial(partial: &[u8], allowed: fn(u8) -> bool) -> Result<(), ParseError> {
    let partial = partial.strip_suffix(b"\r").unwrap_or(partial);
    if partial.iter().all(|&b| allowed(b)) {
        Ok(())
    } else {
        Err(ParseError::BadRequest)
    }
}

/// The method, path and version (whether HTTP/1.1) of a request line: three parts
/// separated by single spaces.
fn parse_request_line(line: &[u8]) -> Result<(Method, &str, bool), ParseError> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadRequest);
    };
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        _ if !method.is_empty() && method.iter().all(|&b| is_tchar(b)) => Method::Other,
        _ => return Err(ParseError::BadRequest),
    };
    Ok((method, parse_target(target)?, parse_version(version)?))
}

/// The path of an origin-form or absolute-form request target.
fn parse_target(target: &[u8]) -> Result<&str, ParseError> {
    if target.is_empty() || !target.iter().all(u8::is_ascii_graphic) {
        return Err(ParseError::BadRequest);
    }
    let path_and_query = if target.starts_with(b"/") {
        target
    } else {
        let rest = strip_prefix_ignore_case(target, b"http://")
            .or_else(|| strip_prefix_ignore_case(target, b"https://"))
            .ok_or(ParseError::BadRequest)?;
        let authority_len = rest
            .iter()
            .position(|&b| b == b'/' || b == b'?')
            .unwrap_or(rest.len());
        if authority_len == 0 {
            return Err(ParseError::BadRequest);
        }
        &rest[authority_len..]
    };
    let path = match path_and_query.iter().position(|&b| b == b'?') {
        Some(query) => &path_and_query[..query],
        None => path_and_query,
    };
    if path.is_empty() {
        return Ok("/");
    }
    core::str::from_utf8(path).map_err(|_| ParseError::BadRequest)
}

/// Whether the version is HTTP/1.1 (or a later 1.x) rather than HTTP/1.0.
fn parse_version(version: &[u8]) -> Result<bool, ParseError> {
    match version {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor] if minor.is_ascii_digit() => {
            Ok(*minor != b'0')
        }
        _ => Err(ParseError::BadRequest),
    }
}

/// Splits a header line into its name and its trimmed value.
fn split_field(line: &[u8]) -> Result<(&[u8], &[u8]), ParseError> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(ParseError::BadRequest)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty()
        || !name.iter().all(|&b| is_tchar(b))
        || !value.iter().all(|&b| is_field_byte(b))
    {
        return Err(ParseError::BadRequest);
    }
    Ok((name, trim_ows(value)))
}

fn strip_prefix_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    match s.split_at_checked(prefix.len()) {
        Some((head, rest)) if head.eq_ignore_ascii_case(prefix) => Some(rest),
        _ => None,
    }
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// A byte that may appear in a request line.
fn is_request_line_byte(b: u8) -> bool {
    b == b' ' || b.is_ascii_graphic()
}

/// A byte that may appear in a header line: visible ASCII, space, tab, obs-text.
fn is_field_byte(b: u8) -> bool {
    b == b'\t' || b == b' ' || b.is_ascii_graphic() || b >= 0x80
}

/// A byte that may appear in a `Host` value: `uri-host [":" port]` (reg-name, IPv4 address
/// or bracketed IP literal).
fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
        )
}

/// Decide the response to a parsed request.
///
/// `GET` or `HEAD` of `/metrics` or `/` is [`Route::Metrics`] in the format
/// [`Format::negotiate`] picks for the `Accept` header; `GET` or `HEAD` of any other path is
/// [`Route::NotFound`]; any other method is [`Route::MethodNotAllowed`], whatever the path.
pub fn route(req: &Request<'_>) -> Route {
    match (req.method, req.path) {
        (Method::Other, _) => Route::MethodNotAllowed,
        (Method::Get | Method::Head, "/metrics" | "/") => {
            Route::Metrics(Format::negotiate(req.accept))
        }
        (Method::Get | Method::Head, _) => Route::NotFound,
    }
}

/// The reason phrase for a status code: `OK`, `Bad Request`, `Not Found`,
/// `Method Not Allowed`, `Content Too Large` (RFC 9110's name for 413),
/// `Request Header Fields Too Large`, `Internal Server Error`, `Service Unavailable`; empty
/// for any other code.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Write a response head into `out`; returns its length, or `None` if `out` is too small.
/// `content_type` is omitted when `None`; `Content-Length` is always written.
///
/// The head is, in this order: `HTTP/1.1 <status> <reason>` ([`reason`]; an unknown code gets
/// an empty reason), `Content-Type`, `Content-Length`, `Connection: keep-alive` or
/// `Connection: close`, `Allow: GET, HEAD` when `status` is 405, and the empty line, every
/// line ended by CRLF. Nothing is written past the returned length, and nothing at all on
/// `None`. Also `None` when `status` is outside 100..=599 or `content_type` holds a
/// control character other than tab (it would break the head).
pub fn write_head(
    out: &mut [u8],
    status: u16,
    content_type: Option<&str>,
    content_length: usize,
    keep_alive: bool,
) -> Option<usize> {
    if !(100..=599).contains(&status) || content_type.is_some_and(|t| !t.bytes().all(is_field_byte))
    {
        return None;
    }
    // Measure first, so that `out` is left alone when the head does not fit.
    let mut len = Counter(0);
    write_head_to(&mut len, status, content_type, content_length, keep_alive).ok()?;
    let mut w = BufWriter::new(out.get_mut(..len.0)?);
    write_head_to(&mut w, status, content_type, content_length, keep_alive).ok()?;
    Some(w.len())
}

/// A `fmt::Write` that only counts bytes.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.checked_add(s.len()).ok_or(fmt::Error)?;
        Ok(())
    }
}

fn write_head_to<W: fmt::Write>(
    w: &mut W,
    status: u16,
    content_type: Option<&str>,
    content_length: usize,
    keep_alive: bool,
) -> fmt::Result {
    write!(w, "HTTP/1.1 {status} {}\r\n", reason(status))?;
    if let Some(content_type) = content_type {
        write!(w, "Content-Type: {content_type}\r\n")?;
    }
    write!(w, "Content-Length: {content_length}\r\n")?;
    w.write_str(if keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        "Connection: close\r\n"
    })?;
    if status == 405 {
        w.write_str("Allow: GET, HEAD\r\n")?;
    }
    w.write_str("\r\n")
}

/// One answered request: what [`respond`] wrote and what the caller does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Exchange {
    /// Bytes of the input the request took: drop them and keep the rest, which is the start
    /// of the next (pipelined) request. The whole input when `close` is set.
    pub consumed: usize,
    /// The status code sent (for logs and counters).
    pub status: u16,
    /// Send `head[..head_len]` first. Zero only when the head buffer was smaller than
    /// [`HEAD_BUF_LEN`] and the head did not fit; then `close` is set.
    pub head_len: usize,
    /// Then send `body[..body_len]` (zero for `HEAD` requests).
    pub body_len: usize,
    /// After sending, close the connection (see [`respond`] on how).
    pub close: bool,
}

/// Answer one request: parse it from the start of `input`, route it, render the exposition
/// with `render` into `body` if it asks for metrics, and write the response head into `head`.
///
/// `input` is what has been received on the connection and not yet consumed; `input_full`
/// says that the receive buffer has no room left, so an incomplete head will stay
/// incomplete. Returns `None` when the head is incomplete and more can be read: read more,
/// append, call again. Otherwise send `head[..head_len]` then `body[..body_len]`, drop
/// `consumed` bytes from the front of the input, and either close the connection (`close`)
/// or call `respond` again with what remains: it may already hold the next request, so call
/// before reading. When the peer ends the connection with a head still incomplete, close
/// without answering.
///
/// `render` writes the body in the negotiated format; an `Err` (usually because `body` is
/// too small: size it for the largest exposition) turns the response into a 500 with a short
/// body, and the connection is kept as the request asked, since the request itself was fine.
///
/// | request | status | body | connection |
/// | --- | --- | --- | --- |
/// | `GET`/`HEAD` of `/metrics` or `/` | 200 | the exposition, as negotiated | as asked |
/// | ... `render` fails | 500 | `Internal Server Error\n` | as asked |
/// | `GET`/`HEAD` of another path | 404 | `Not Found\n` | as asked |
/// | another method | 405, `Allow: GET, HEAD` | `Method Not Allowed\n` | as asked |
/// | malformed ([`ParseError::BadRequest`]) | 400 | `Bad Request\n` | close |
/// | with a body ([`ParseError::BodyNotAllowed`]) | 413 | `Content Too Large\n` | close |
/// | head incomplete and `input_full` | 431 | `Request Header Fields Too Large\n` | close |
///
/// Error bodies are `text/plain; charset=utf-8` ([`TEXT_PLAIN`]); one that does not fit in
/// `body` is left out (`Content-Length: 0`). A `HEAD` request gets the head the `GET` would
/// get, `Content-Length` included, and `body_len` 0. `head` should hold [`HEAD_BUF_LEN`]
/// bytes. Bytes of `body` past `body_len` are unspecified (a failed render leaves its
/// beginning there). Each call parses `input` from its start, which is cheap at the buffer
/// sizes meant here (a few KiB).
///
/// When `close` is set, the input that follows may be the unread rest of the request: shut
/// down the sending side after the response, then read and discard until the peer closes
/// (or for a bounded time) before closing the socket. Closing a socket with unread input
/// makes TCP send a reset, which can destroy the response before the client reads it
/// (RFC 9112 §9.6).
///
/// ```
/// use core::fmt::Write as _;
/// use promcast_core::http::{HEAD_BUF_LEN, respond};
///
/// let input = b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\nGET /";
/// let (mut head, mut body) = ([0; HEAD_BUF_LEN], [0; 64]);
/// let x = respond(input, false, &mut head, &mut body, |_format, w| {
///     w.write_str("up 1\n")
/// })
/// .expect("a complete request");
/// assert_eq!(x.status, 200);
/// assert_eq!(&body[..x.body_len], b"up 1\n");
/// assert!(!x.close);
/// // The rest is the start of the next request, incomplete so far.
/// let rest = &input[x.consumed..];
/// assert_eq!(rest, b"GET /");
/// assert_eq!(respond(rest, false, &mut head, &mut body, |_, _| Ok(())), None);
/// ```
pub fn respond<F>(
    input: &[u8],
    input_full: bool,
    head: &mut [u8],
    body: &mut [u8],
    render: F,
) -> Option<Exchange>
where
    F: FnOnce(Format, &mut BufWriter<'_>) -> fmt::Result,
{
    let req = match parse_request(input) {
        Ok(req) => req,
        Err(ParseError::Incomplete) if !input_full => return None,
        Err(e) => {
            let status = match e {
                ParseError::Incomplete => 431,
                ParseError::BadRequest => 400,
                ParseError::BodyNotAllowed => 413,
            };
            let body_len = text_body(body, status);
            let answer = Answer {
                status,
                content_type: TEXT_PLAIN,
                content_length: body_len,
                keep_alive: false,
                head_only: false,
            };
            return Some(answer.write(head, input.len(), input.len()));
        }
    };
    let head_only = req.method == Method::Head;
    let (status, content_type, content_length) = match route(&req) {
        Route::Metrics(format) => {
            let mut w = BufWriter::new(body);
            match render(format, &mut w) {
                Ok(()) => (200, format.content_type(), w.len()),
                Err(fmt::Error) => (500, TEXT_PLAIN, text_body(body, 500)),
            }
        }
        Route::NotFound => (404, TEXT_PLAIN, text_body(body, 404)),
        Route::MethodNotAllowed => (405, TEXT_PLAIN, text_body(body, 405)),
    };
    let answer = Answer {
        status,
        content_type,
        content_length,
        keep_alive: req.keep_alive,
        head_only,
    };
    Some(answer.write(head, req.head_len, input.len()))
}

/// A decided response, before its head is written.
struct Answer {
    status: u16,
    content_type: &'static str,
    content_length: usize,
    keep_alive: bool,
    head_only: bool,
}

impl Answer {
    /// Writes the head; `request_len` is the length of the request, `input_len` that of all
    /// the input (consumed when the connection closes).
    fn write(self, head: &mut [u8], request_len: usize, input_len: usize) -> Exchange {
        let head_len = write_head(
            head,
            self.status,
            Some(self.content_type),
            self.content_length,
            self.keep_alive,
        );
        let close = !self.keep_alive || head_len.is_none();
        Exchange {
            consumed: if close { input_len } else { request_len },
            status: self.status,
            head_len: head_len.unwrap_or(0),
            body_len: if self.head_only || head_len.is_none() {
                0
            } else {
                self.content_length
            },
            close,
        }
    }
}

/// Writes the short body of an error response (its reason phrase and a newline) into `body`;
/// returns its length, 0 if it does not fit.
fn text_body(body: &mut [u8], status: u16) -> usize {
    let mut w = BufWriter::new(body);
    match writeln!(w, "{}", reason(status)) {
        Ok(()) => w.len(),
        Err(fmt::Error) => 0,
    }
}
