//! A sans-IO HTTP/1.x server for devices: parse a request from the bytes received so far,
//! decide the response, write its head. The caller owns the socket and the buffers.
//!
//! `GET`/`HEAD` of `/metrics` and `/` serve the exposition (content type by [`crate::expo::Format`]
//! negotiation); other paths get 404, other methods 405, malformed requests 400, request heads
//! larger than the caller's buffer 431, requests with a body 413. Keep-alive follows the
//! HTTP version and `Connection` header.

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
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Route {
    /// 200 with the exposition in this format.
    Metrics(Format),
    /// 404.
    NotFound,
    /// 405 (with `Allow: GET, HEAD`).
    MethodNotAllowed,
}

/// Parse a request head from the start of `buf`.
pub fn parse_request(buf: &[u8]) -> Result<Request<'_>, ParseError> {
    let _ = buf;
    todo!()
}

/// Decide the response to a parsed request.
pub fn route(req: &Request<'_>) -> Route {
    let _ = req;
    todo!()
}

/// Write a response head into `out`; returns its length, or `None` if `out` is too small.
/// `content_type` is omitted when `None`; `Content-Length` is always written.
pub fn write_head(
    out: &mut [u8],
    status: u16,
    content_type: Option<&str>,
    content_length: usize,
    keep_alive: bool,
) -> Option<usize> {
    let _ = (out, status, content_type, content_length, keep_alive);
    todo!()
}
