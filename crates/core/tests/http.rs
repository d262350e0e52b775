//! Golden tests of the sans-IO HTTP server: request heads parsed (and refused), the exact
//! bytes of response heads, and whole exchanges through `respond`.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use std::fmt::Write as _;

use promcast_core::expo::{Format, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};
use promcast_core::http::{
    Exchange, HEAD_BUF_LEN, Method, ParseError, Request, Route, parse_request, reason, respond,
    route, write_head,
};

/// A byte no test writes, so an unwritten byte shows.
const JUNK: u8 = 0xA5;

fn req(
    method: Method,
    path: &'static str,
    http11: bool,
    keep_alive: bool,
    accept: Option<&'static str>,
) -> Request<'static> {
    Request {
        method,
        path,
        http11,
        keep_alive,
        accept,
        head_len: 0,
    }
}

#[test]
fn good_requests() {
    use Method::{Get, Head, Other};
    let cases: &[(&str, Request<'static>)] = &[
        (
            "GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/metrics", true, true, None),
        ),
        // Prometheus' own scrape request.
        (
            "GET /metrics HTTP/1.1\r\nHost: 10.0.0.5:9100\r\nUser-Agent: Prometheus/2.45.0\r\n\
             Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
             version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n\
             Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
            req(
                Get,
                "/metrics",
                true,
                true,
                Some(
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                     version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                ),
            ),
        ),
        (
            "HEAD / HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Head, "/", true, true, None),
        ),
        // Bare LF line endings, and a mix.
        (
            "GET /metrics HTTP/1.1\nHost: d\n\n",
            req(Get, "/metrics", true, true, None),
        ),
        (
            "GET /metrics HTTP/1.1\r\nHost: d\n\r\n",
            req(Get, "/metrics", true, true, None),
        ),
        // Empty lines before the request line are skipped (and counted).
        (
            "\r\n\nGET / HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        // HTTP/1.0: close unless keep-alive is asked for; Host optional.
        (
            "GET /metrics HTTP/1.0\r\n\r\n",
            req(Get, "/metrics", false, false, None),
        ),
        (
            "GET /metrics HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            req(Get, "/metrics", false, true, None),
        ),
        (
            "GET /metrics HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
            req(Get, "/metrics", false, false, None),
        ),
        // HTTP/1.1: keep-alive unless close is among the tokens, in any line, any case.
        (
            "GET / HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
            req(Get, "/", true, false, None),
        ),
        (
            "GET / HTTP/1.1\r\nHost: d\r\nConnection: TE,\t CLOSE ,\r\n\r\n",
            req(Get, "/", true, false, None),
        ),
        (
            "GET / HTTP/1.1\r\nConnection: upgrade\r\nHost: d\r\nconnection: Close\r\n\r\n",
            req(Get, "/", true, false, None),
        ),
        (
            "GET / HTTP/1.1\r\nHost: d\r\nConnection: closed, keep-alive\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        // A later 1.x is treated as HTTP/1.1.
        (
            "GET / HTTP/1.2\r\nHost: d\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        (
            "GET / HTTP/1.9\r\nHost: d\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        // Query strings are dropped; paths are not decoded.
        (
            "GET /metrics?x=1&y=%20 HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/metrics", true, true, None),
        ),
        (
            "GET /?/metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        (
            "GET /%6detrics HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/%6detrics", true, true, None),
        ),
        // Absolute-form.
        (
            "GET http://d:9100/metrics?x HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/metrics", true, true, None),
        ),
        (
            "GET HTTPS://d/metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/metrics", true, true, None),
        ),
        (
            "GET http://d HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        (
            "GET http://d?q HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        // Other methods parse (to be answered 405); methods are case-sensitive.
        (
            "POST /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Other, "/metrics", true, true, None),
        ),
        (
            "get / HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Other, "/", true, true, None),
        ),
        (
            "OPTIONS / HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Other, "/", true, true, None),
        ),
        (
            "M-SEARCH! / HTTP/1.1\r\nHost: d\r\n\r\n",
            req(Other, "/", true, true, None),
        ),
        // Names are case-insensitive; OWS is trimmed; empty values and obs-text are fine.
        (
            "GET / HTTP/1.1\r\nhOsT:d\r\nACCEPT: \t text/plain \t\r\nX-Empty:\r\nX-Obs: caf\u{e9}\r\n\r\n",
            req(Get, "/", true, true, Some("text/plain")),
        ),
        // The first Accept wins.
        (
            "GET / HTTP/1.1\r\nHost: d\r\nAccept: a/b\r\nAccept: c/d\r\n\r\n",
            req(Get, "/", true, true, Some("a/b")),
        ),
        (
            "GET / HTTP/1.1\r\nHost: d\r\nAccept:\r\n\r\n",
            req(Get, "/", true, true, Some("")),
        ),
        // Content-Length zero (any number of zeros) is no body.
        (
            "GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        (
            "GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 000\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        // Host: empty, IPv6 literal, port.
        (
            "GET / HTTP/1.1\r\nHost:\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
        (
            "GET / HTTP/1.1\r\nHost: [::1]:9100\r\n\r\n",
            req(Get, "/", true, true, None),
        ),
    ];
    for (input, expected) in cases {
        let bytes = input.as_bytes();
        // Each case is one whole head.
        let expected = Request {
            head_len: bytes.len(),
            ..*expected
        };
        assert_eq!(parse_request(bytes), Ok(expected), "{input:?}");
        // What follows the head is left alone.
        let mut more = bytes.to_vec();
        more.extend_from_slice(b"GET / HTTP/1.1\r\n");
        assert_eq!(parse_request(&more), Ok(expected), "{input:?} + more");
        // Every prefix is incomplete: nothing is rejected early that would be accepted later.
        for end in 0..bytes.len() {
            assert_eq!(
                parse_request(&bytes[..end]),
                Err(ParseError::Incomplete),
                "{:?}",
                &input[..end]
            );
        }
    }
}

#[test]
fn bad_requests() {
    let cases: &[&[u8]] = &[
        // Request line.
        b"GET  /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET /metrics  HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET /metrics HTTP/1.1 \r\nHost: d\r\n\r\n",
        b" GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET\t/metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET /metrics\r\n\r\n",
        b"GET /metrics HTTP/1.1 x\r\nHost: d\r\n\r\n",
        b"G(T /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET /met\x01rics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET /met\xc3\xa9rics HTTP/1.1\r\nHost: d\r\n\r\n",
        // Versions.
        b"GET /metrics HTTP/2.0\r\nHost: d\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"GET /metrics HTTP/0.9\r\n\r\n",
        b"GET /metrics HTTP/1.10\r\nHost: d\r\n\r\n",
        b"GET /metrics HTTP/1\r\nHost: d\r\n\r\n",
        b"GET /metrics http/1.1\r\nHost: d\r\n\r\n",
        b"GET /metrics HTTP/1.x\r\nHost: d\r\n\r\n",
        b"GET /metrics HTTPS/1.1\r\nHost: d\r\n\r\n",
        // Targets.
        b"OPTIONS * HTTP/1.1\r\nHost: d\r\n\r\n",
        b"CONNECT d:443 HTTP/1.1\r\nHost: d:443\r\n\r\n",
        b"GET metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET ftp://d/metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET http:///metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        b"GET http:/d/metrics HTTP/1.1\r\nHost: d\r\n\r\n",
        // Header lines.
        b"GET / HTTP/1.1\r\nHost: d\r\nX-No-Colon\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Space : v\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Tab\t: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\n: v\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX(Y): v\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Fold: a\r\n b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Fold: a\r\n\tb\r\n\r\n",
        b"GET / HTTP/1.1\r\n Host: d\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Nul: a\0b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Del: a\x7fb\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Cr: a\rb\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nX-Cr: ab\r\r\n\r\n",
        b"GET / HTTP/1.1\rHost: d\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\n\r\r\n",
        // Host.
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nX-Host: d\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nHost: d\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: d\r\nhost: e\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d e\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d/x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d@e\r\n\r\n",
        b"GET http://d/metrics HTTP/1.1\r\n\r\n",
        // Content-Length: duplicate, list, invalid (even when zero).
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 0, 0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length:\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length: +0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 0x0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 1 2\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        // Bad beats body.
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        // Accept that is not UTF-8.
        b"GET / HTTP/1.1\r\nHost: d\r\nAccept: \xff\r\n\r\n",
        // Not HTTP at all: a TLS ClientHello's first bytes.
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    ];
    for input in cases {
        let bytes = *input;
        assert_eq!(
            parse_request(bytes),
            Err(ParseError::BadRequest),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
        // A prefix is incomplete or already bad, and once bad stays bad.
        let mut bad_from = None;
        for end in 0..bytes.len() {
            match parse_request(&bytes[..end]) {
                Err(ParseError::Incomplete) => {
                    assert_eq!(bad_from, None, "{:?}", &bytes[..end]);
                }
                Err(ParseError::BadRequest) => bad_from = bad_from.or(Some(end)),
                other => panic!("{:?}: {other:?}", &bytes[..end]),
            }
        }
    }
}

/// Bytes past ASCII.
#[test]
fn bad_bytes() {
    for input in [&b"\xff"[..], b"GET / \x80"] {
        assert_eq!(
            parse_request(input),
            Err(ParseError::BadRequest),
            "{input:?}"
        );
    }
    // obs-text is fine outside Accept.
    assert_eq!(
        parse_request(b"GET / HTTP/1.1\r\nHost: d\r\nX: \xff\x80\r\n\r\n").map(|r| r.head_len),
        Ok(34)
    );
}

#[test]
fn rejected_early() {
    // Complete bad lines and bad bytes give 400 before the head is complete.
    for input in [
        &b"\x16\x03\x01"[..],
        b"GET\t",
        b"GET /metrics HTTP/2.0\r\n",
        b"GET /metrics\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: d\r\nX-Fold: a\r\n b\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: d\r\nX-Nul: a\0",
        b"GET /metrics HTTP/1.1\r\nHost: d\r\nX: a\rb",
        b"GET /metrics HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nContent-Length: 1\r\n",
    ] {
        assert_eq!(
            parse_request(input),
            Err(ParseError::BadRequest),
            "{input:?}"
        );
    }
}

#[test]
fn incomplete() {
    for input in [
        &b""[..],
        b"\r\n",
        b"\r\n\r\n",
        b"G",
        b"GET /metrics HTTP/1.1",
        b"GET /metrics HTTP/1.1\r",
        b"GET /metrics HTTP/1.1\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: d\r\n",
        b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r",
        // A body is only refused once the head is complete.
        b"POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n",
        // A missing Host is only known at the end of the head.
        b"GET /metrics HTTP/1.1\r\nX: y\r\n",
    ] {
        assert_eq!(
            parse_request(input),
            Err(ParseError::Incomplete),
            "{input:?}"
        );
    }
}

#[test]
fn bodies_not_allowed() {
    for input in [
        "POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 01\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: d\r\ntransfer-encoding: identity\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: d\r\nTransfer-Encoding:\r\n\r\n",
        "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    ] {
        assert_eq!(
            parse_request(input.as_bytes()),
            Err(ParseError::BodyNotAllowed),
            "{input:?}"
        );
    }
}

#[test]
fn routes() {
    let cases = [
        ("GET /metrics HTTP/1.1", None, Route::Metrics(Format::Text)),
        ("HEAD /metrics HTTP/1.1", None, Route::Metrics(Format::Text)),
        ("GET / HTTP/1.1", None, Route::Metrics(Format::Text)),
        ("HEAD / HTTP/1.0", None, Route::Metrics(Format::Text)),
        (
            "GET /metrics HTTP/1.1",
            Some("application/openmetrics-text;version=1.0.0"),
            Route::Metrics(Format::OpenMetrics),
        ),
        (
            "GET / HTTP/1.1",
            Some("text/plain;q=0.5, application/openmetrics-text"),
            Route::Metrics(Format::OpenMetrics),
        ),
        (
            "GET /metrics HTTP/1.1",
            Some("text/plain"),
            Route::Metrics(Format::Text),
        ),
        (
            "GET /metrics?x HTTP/1.1",
            None,
            Route::Metrics(Format::Text),
        ),
        (
            "GET http://d/metrics HTTP/1.1",
            None,
            Route::Metrics(Format::Text),
        ),
        ("GET /metrics/ HTTP/1.1", None, Route::NotFound),
        ("GET /Metrics HTTP/1.1", None, Route::NotFound),
        ("GET /index.html HTTP/1.1", None, Route::NotFound),
        ("HEAD //metrics HTTP/1.1", None, Route::NotFound),
        ("POST /metrics HTTP/1.1", None, Route::MethodNotAllowed),
        ("PUT /nope HTTP/1.1", None, Route::MethodNotAllowed),
        ("get /metrics HTTP/1.1", None, Route::MethodNotAllowed),
        ("OPTIONS / HTTP/1.1", None, Route::MethodNotAllowed),
    ];
    for (line, accept, expected) in cases {
        let mut input = format!("{line}\r\nHost: d\r\n");
        if let Some(accept) = accept {
            input += &format!("Accept: {accept}\r\n");
        }
        input += "\r\n";
        let request = parse_request(input.as_bytes()).unwrap();
        assert_eq!(route(&request), expected, "{input:?}");
    }
}

#[test]
fn reasons() {
    let cases = [
        (200, "OK"),
        (400, "Bad Request"),
        (404, "Not Found"),
        (405, "Method Not Allowed"),
        (413, "Content Too Large"),
        (431, "Request Header Fields Too Large"),
        (500, "Internal Server Error"),
        (503, "Service Unavailable"),
        (201, ""),
    ];
    for (status, expected) in cases {
        assert_eq!(reason(status), expected);
    }
}

/// Writes a head into a junk-filled buffer of `cap` bytes with `extra` more junk bytes
/// behind it; returns the written head, after checking that nothing past it changed (nothing
/// at all when it did not fit).
fn head(
    cap: usize,
    status: u16,
    content_type: Option<&str>,
    content_length: usize,
    keep_alive: bool,
) -> Option<String> {
    let mut buf = vec![JUNK; cap + 16];
    let len = write_head(
        &mut buf[..cap],
        status,
        content_type,
        content_length,
        keep_alive,
    );
    let untouched = len.unwrap_or(0);
    assert!(
        buf[untouched..].iter().all(|&b| b == JUNK),
        "{status} wrote past {untouched}"
    );
    len.map(|len| String::from_utf8(buf[..len].to_vec()).unwrap())
}

#[test]
fn heads() {
    let cases: &[(u16, Option<&str>, usize, bool, &str)] = &[
        (
            200,
            Some(TEXT_CONTENT_TYPE),
            1234,
            true,
            "HTTP/1.1 200 OK\r\n\
             Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
             Content-Length: 1234\r\n\
             Connection: keep-alive\r\n\
             \r\n",
        ),
        (
            200,
            Some(OPENMETRICS_CONTENT_TYPE),
            0,
            false,
            "HTTP/1.1 200 OK\r\n\
             Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n\
             Content-Length: 0\r\n\
             Connection: close\r\n\
             \r\n",
        ),
        (
            404,
            None,
            10,
            true,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n",
        ),
        (
            405,
            Some("text/plain; charset=utf-8"),
            19,
            true,
            "HTTP/1.1 405 Method Not Allowed\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 19\r\n\
             Connection: keep-alive\r\n\
             Allow: GET, HEAD\r\n\
             \r\n",
        ),
        (
            400,
            None,
            0,
            false,
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        (
            413,
            None,
            0,
            false,
            "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        (
            431,
            None,
            0,
            false,
            "HTTP/1.1 431 Request Header Fields Too Large\r\n\
             Content-Length: 0\r\n\
             Connection: close\r\n\
             \r\n",
        ),
        (
            500,
            None,
            usize::MAX,
            true,
            "HTTP/1.1 500 Internal Server Error\r\n\
             Content-Length: 18446744073709551615\r\n\
             Connection: keep-alive\r\n\
             \r\n",
        ),
        (
            503,
            None,
            0,
            false,
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        (
            299,
            None,
            0,
            true,
            "HTTP/1.1 299 \r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
        ),
    ];
    for &(status, content_type, length, keep_alive, expected) in cases {
        let got = head(256, status, content_type, length, keep_alive);
        assert_eq!(got.as_deref(), Some(expected));
        // Exactly the size suffices; anything smaller does not, and writes nothing past it.
        let exact = head(expected.len(), status, content_type, length, keep_alive);
        assert_eq!(exact.as_deref(), Some(expected));
        for cap in 0..expected.len() {
            assert_eq!(head(cap, status, content_type, length, keep_alive), None);
        }
    }
}

#[test]
fn heads_refused() {
    for status in [0, 99, 600, 1000, u16::MAX] {
        assert_eq!(head(256, status, None, 0, true), None, "{status}");
    }
    for content_type in ["text/plain\r\nX: y", "a\nb", "a\0b", "a\x7fb"] {
        assert_eq!(head(256, 200, Some(content_type), 0, true), None);
    }
    assert_eq!(
        head(256, 200, Some("a\tb"), 0, true).as_deref(),
        Some(
            "HTTP/1.1 200 OK\r\nContent-Type: a\tb\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
        )
    );
}

/// The body `render` writes in the tests below.
const BODY: &str = "# HELP up Up.\n# TYPE up gauge\nup 1\n";
const BODY_OM: &str = "# TYPE up gauge\n# HELP up Up.\nup 1\n# EOF\n";

/// Runs `respond` with junk-filled buffers (`body_cap` bytes of body buffer); returns the
/// exchange and the head and body as text, after checking that nothing past them changed.
fn exchange(
    input: &[u8],
    input_full: bool,
    head_cap: usize,
    body_cap: usize,
) -> Option<(Exchange, String, String)> {
    let mut head = vec![JUNK; head_cap];
    let mut body = vec![JUNK; body_cap];
    let x = respond(input, input_full, &mut head, &mut body, |format, w| {
        w.write_str(match format {
            Format::Text => BODY,
            Format::OpenMetrics => BODY_OM,
        })
    });
    let Some(x) = x else {
        assert!(head.iter().all(|&b| b == JUNK));
        return None;
    };
    assert!(head[x.head_len..].iter().all(|&b| b == JUNK));
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    Some((x, text(&head[..x.head_len]), text(&body[..x.body_len])))
}

fn ex(consumed: usize, status: u16, head_len: usize, body_len: usize, close: bool) -> Exchange {
    Exchange {
        consumed,
        status,
        head_len,
        body_len,
        close,
    }
}

#[test]
fn exchanges() {
    const TEXT: &str = "text/plain; charset=utf-8";
    let om_head = "HTTP/1.1 200 OK\r\n\
                   Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n\
                   Content-Length: 41\r\n\
                   Connection: keep-alive\r\n\
                   \r\n";
    let text_head = |status: &str, length: usize, connection: &str, extra: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {TEXT}\r\nContent-Length: {length}\r\n\
             Connection: {connection}\r\n{extra}\r\n"
        )
    };
    // Input, whether the input buffer is full, (consumed, status, close), head, body.
    type Case = (
        &'static [u8],
        bool,
        (usize, u16, bool),
        String,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            false,
            (34, 200, false),
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {TEXT_CONTENT_TYPE}\r\n\
                 Content-Length: 35\r\nConnection: keep-alive\r\n\r\n"
            ),
            BODY,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: d\r\nAccept: application/openmetrics-text\r\n\r\n",
            false,
            (65, 200, false),
            om_head.to_owned(),
            BODY_OM,
        ),
        // HEAD: the GET's head, no body.
        (
            b"HEAD /metrics HTTP/1.0\r\n\r\n",
            false,
            (26, 200, true),
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {TEXT_CONTENT_TYPE}\r\n\
                 Content-Length: 35\r\nConnection: close\r\n\r\n"
            ),
            "",
        ),
        (
            b"GET /nope HTTP/1.1\r\nHost: d\r\n\r\n",
            false,
            (31, 404, false),
            text_head("404 Not Found", 10, "keep-alive", ""),
            "Not Found\n",
        ),
        (
            b"HEAD /nope HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
            false,
            (51, 404, true),
            text_head("404 Not Found", 10, "close", ""),
            "",
        ),
        (
            b"DELETE /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            false,
            (37, 405, false),
            text_head(
                "405 Method Not Allowed",
                19,
                "keep-alive",
                "Allow: GET, HEAD\r\n",
            ),
            "Method Not Allowed\n",
        ),
        (
            b"GET /metrics HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n",
            false,
            (41, 400, true),
            text_head("400 Bad Request", 12, "close", ""),
            "Bad Request\n",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 4\r\n\r\nda",
            false,
            (49, 413, true),
            text_head("413 Content Too Large", 18, "close", ""),
            "Content Too Large\n",
        ),
        (
            b"GET /metrics HTTP/1.1\r\nHost: d\r\nX-Big: aaaa",
            true,
            (43, 431, true),
            text_head("431 Request Header Fields Too Large", 32, "close", ""),
            "Request Header Fields Too Large\n",
        ),
        // A full buffer holding a complete request is answered normally.
        (
            b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n",
            true,
            (34, 200, false),
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {TEXT_CONTENT_TYPE}\r\n\
                 Content-Length: 35\r\nConnection: keep-alive\r\n\r\n"
            ),
            BODY,
        ),
        // Empty and full (a zero-sized buffer) is 431.
        (
            b"",
            true,
            (0, 431, true),
            text_head("431 Request Header Fields Too Large", 32, "close", ""),
            "Request Header Fields Too Large\n",
        ),
    ];
    for (input, full, (consumed, status, close), expected_head, expected_body) in cases {
        let (x, head, body) = exchange(input, full, HEAD_BUF_LEN, 64).unwrap();
        let expected = Exchange {
            consumed,
            status,
            head_len: expected_head.len(),
            body_len: expected_body.len(),
            close,
        };
        assert_eq!(
            (x, head.as_str(), body.as_str()),
            (expected, expected_head.as_str(), expected_body),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn need_more_input() {
    for input in [
        &b""[..],
        b"GET /metrics HTTP/1.1\r\nHost: d\r\n",
        b"POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 4\r\n",
    ] {
        assert_eq!(exchange(input, false, HEAD_BUF_LEN, 64), None, "{input:?}");
    }
}

#[test]
fn render_failure_is_500_and_keeps_the_connection() {
    // The body buffer is too small for the exposition, big enough for the error text.
    let input = b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n";
    let (x, head, body) = exchange(input, false, HEAD_BUF_LEN, 30).unwrap();
    assert_eq!(x, ex(34, 500, head.len(), 22, false));
    assert_eq!(
        head,
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 22\r\nConnection: keep-alive\r\n\r\n"
    );
    assert_eq!(body, "Internal Server Error\n");
    // HEAD: the same head, no body.
    let input = b"HEAD /metrics HTTP/1.1\r\nHost: d\r\n\r\n";
    let (x, head2, body) = exchange(input, false, HEAD_BUF_LEN, 30).unwrap();
    assert_eq!(
        (x, head2, body),
        (ex(35, 500, head.len(), 0, false), head, String::new())
    );
}

#[test]
fn error_text_left_out_when_the_body_buffer_is_tiny() {
    let (x, head, body) = exchange(
        b"GET /x HTTP/1.1\r\nHost: d\r\n\r\n",
        false,
        HEAD_BUF_LEN,
        4,
    )
    .unwrap();
    assert_eq!(x, ex(28, 404, head.len(), 0, false));
    assert_eq!(
        head,
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 0\r\nConnection: keep-alive\r\n\r\n"
    );
    assert_eq!(body, "");
}

#[test]
fn head_buffer_too_small_closes_without_answer() {
    let input = b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\nGET";
    let (x, head, body) = exchange(input, false, 50, 64).unwrap();
    assert_eq!(x, ex(input.len(), 200, 0, 0, true));
    assert_eq!((head.as_str(), body.as_str()), ("", ""));
}

/// `HEAD_BUF_LEN` holds the largest head `respond` writes: OpenMetrics, keep-alive, the
/// longest length; and the longest error head.
#[test]
fn head_buf_len_suffices() {
    let biggest = [
        head(
            HEAD_BUF_LEN,
            200,
            Some(OPENMETRICS_CONTENT_TYPE),
            usize::MAX,
            true,
        ),
        head(HEAD_BUF_LEN, 405, Some(TEXT_CONTENT_TYPE), usize::MAX, true),
        head(HEAD_BUF_LEN, 431, Some(TEXT_CONTENT_TYPE), usize::MAX, true),
    ];
    for h in biggest {
        assert!(h.is_some());
    }
}

/// Pipelined requests: each `consumed` leaves the next request at the front.
#[test]
fn pipelined() {
    let input: &[u8] = b"GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n\
                         HEAD /x HTTP/1.1\r\nHost: d\r\n\r\n\
                         GET / HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n\
                         GET / HTTP/1.1\r\nHost: d\r\n\r\n";
    let mut rest = input;
    let mut seen = Vec::new();
    while let Some((x, _, body)) = exchange(rest, false, HEAD_BUF_LEN, 64) {
        seen.push((x.status, body, x.close));
        rest = &rest[x.consumed..];
        if x.close {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            (200, BODY.to_owned(), false),
            (404, String::new(), false),
            (200, BODY.to_owned(), true),
        ]
    );
    assert_eq!(rest, b"");
}
