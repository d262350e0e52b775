//! Tests of `testkit::http` against a one-connection std server in a thread.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};

use testkit::http::{self, Response};

/// How the test server ends the exchange after writing its reply.
#[derive(Clone, Copy)]
enum After {
    /// Close the connection at once.
    Close,
    /// Keep it open until the client closes it, so a client that waits for the end of the
    /// connection to find the end of the body would hang.
    WaitForClient,
}

/// Accepts one connection, reads the request head, writes `reply` and ends as `after`
/// says. The thread returns the request bytes it read.
fn serve_once(reply: &'static [u8], after: After) -> (SocketAddr, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = Vec::new();
        let mut byte = [0; 1];
        while !request.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).expect("read request") == 0 {
                break;
            }
            request.push(byte[0]);
        }
        stream.write_all(reply).expect("write reply");
        match after {
            After::Close => drop(stream),
            After::WaitForClient => {
                let mut rest = Vec::new();
                stream
                    .read_to_end(&mut rest)
                    .expect("read to the client's close");
                request.extend(rest);
            }
        }
        request
    });
    (addr, server)
}

fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    Response {
        status,
        reason: reason.to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.to_vec(),
    }
}

#[test]
fn sends_get_with_host_and_close_and_reads_content_length() {
    let (addr, server) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n",
        After::WaitForClient,
    );
    let got = http::get(addr, "/metrics", &[("Accept", "text/plain")]).expect("get");
    assert_eq!(
        got,
        response(
            200,
            "OK",
            &[("Content-Type", "text/plain"), ("Content-Length", "6")],
            b"hello\n"
        )
    );
    assert_eq!(got.header("content-TYPE"), Some("text/plain"));
    assert_eq!(got.header("x-missing"), None);
    assert_eq!(got.text(), "hello\n");
    let request = server.join().expect("server");
    assert_eq!(
        String::from_utf8(request).expect("utf-8"),
        format!(
            "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: text/plain\r\n\r\n"
        )
    );
}

#[test]
fn reads_a_chunked_body() {
    let (addr, server) = serve_once(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n1;name=value\r\n \r\nC\r\nchunked\r\nend\r\n0\r\n\r\n",
        After::WaitForClient,
    );
    let got = http::get(addr, "/", &[("Connection", "keep-alive")]).expect("get");
    assert_eq!(
        got,
        response(
            200,
            "OK",
            &[("Transfer-Encoding", "chunked")],
            b"hello chunked\r\nend"
        )
    );
    let request = String::from_utf8(server.join().expect("server")).expect("utf-8");
    assert_eq!(
        request,
        format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: keep-alive\r\n\r\n")
    );
}

#[test]
fn reads_a_body_delimited_by_close() {
    let (addr, server) = serve_once(
        b"HTTP/1.0 404 Not Found\r\n\r\nno such\r\npage",
        After::Close,
    );
    let got = http::get(addr, "/nope", &[]).expect("get");
    assert_eq!(got, response(404, "Not Found", &[], b"no such\r\npage"));
    server.join().expect("server");
}

#[test]
fn skips_interim_responses_and_reads_no_body_for_204() {
    let (addr, server) = serve_once(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
        After::WaitForClient,
    );
    let got = http::request(addr, "POST", "/x", &[], b"").expect("post");
    assert_eq!(got, response(204, "No Content", &[("X-A", "1")], b""));
    let request = String::from_utf8(server.join().expect("server")).expect("utf-8");
    assert_eq!(
        request,
        format!(
            "POST /x HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        )
    );
}

#[test]
fn raw_sends_bytes_as_given_and_reads_to_close() {
    let reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad";
    let (addr, server) = serve_once(reply, After::Close);
    let got = http::raw(addr, b"GARBAGE / HTTP/9\r\n\r\n").expect("raw");
    assert_eq!(got, reply);
    assert_eq!(
        http::parse_response(&got).expect("parse"),
        response(400, "Bad Request", &[("Content-Length", "3")], b"bad")
    );
    assert_eq!(server.join().expect("server"), b"GARBAGE / HTTP/9\r\n\r\n");
}

#[test]
fn raw_then_shutdown_lets_the_server_see_the_end() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut request = Vec::new();
        stream.read_to_end(&mut request).expect("read to end");
        stream.write_all(&request).expect("echo");
        stream.shutdown(Shutdown::Write).expect("shutdown");
    });
    let got = http::raw_then_shutdown(addr, b"GET / HTTP/1.1\r\nHost: x").expect("raw");
    assert_eq!(got, b"GET / HTTP/1.1\r\nHost: x");
    server.join().expect("server");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let (addr, server) = serve_once(b"", After::WaitForClient);
    let error = http::get(addr, "/", &[]).expect_err("no reply");
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    server.join().expect("server");
}

#[test]
fn a_truncated_body_is_an_error() {
    let (addr, server) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        After::Close,
    );
    let error = http::get(addr, "/", &[]).expect_err("truncated");
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "{error}");
    server.join().expect("server");
}
