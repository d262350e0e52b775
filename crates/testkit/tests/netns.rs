//! Tests of `testkit::netns`: each isolated test runs again in its own network namespace.

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use testkit::netns;

const RECV_TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn only_lo_exists_inside() {
    testkit::in_netns!();
    assert_eq!(netns::interfaces().expect("list interfaces"), ["lo"]);
    assert!(netns::is_isolated());
    assert_eq!(
        std::env::var(netns::MARKER_ENV).as_deref(),
        Ok("only_lo_exists_inside")
    );
}

/// Binds a socket on `port`, joins `group` on `lo`, sends one datagram to the group from
/// another socket and returns what the member received and from where.
fn ipv4_round_trip(group: Ipv4Addr, payload: &[u8]) -> (Vec<u8>, SocketAddr) {
    let member = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("bind member");
    member
        .set_read_timeout(Some(RECV_TIMEOUT))
        .expect("timeout");
    member
        .join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
        .expect("join the group on lo");
    let port = member.local_addr().expect("member address").port();
    let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind sender");
    sender
        .send_to(payload, (group, port))
        .expect("send to the group");
    let mut buf = [0; 64];
    let (len, from) = member.recv_from(&mut buf).expect("receive from the group");
    (buf[..len].to_vec(), from)
}

#[test]
fn ipv4_multicast_reaches_a_member_on_lo() {
    testkit::in_netns!();
    let (payload, from) = ipv4_round_trip(Ipv4Addr::new(239, 0, 0, 1), b"hello v4");
    assert_eq!(payload, b"hello v4");
    assert_eq!(from.ip(), Ipv4Addr::LOCALHOST);
}

#[test]
fn ipv6_multicast_reaches_a_member_on_lo() {
    testkit::in_netns!();
    // Site-local and link-local scopes, interface chosen by the route (index 0).
    for group in ["ff05::1234", "ff02::1234"] {
        let group: Ipv6Addr = group.parse().expect("group");
        let member = UdpSocket::bind((Ipv6Addr::UNSPECIFIED, 0)).expect("bind member");
        member
            .set_read_timeout(Some(RECV_TIMEOUT))
            .expect("timeout");
        member.join_multicast_v6(&group, 0).expect("join the group");
        let port = member.local_addr().expect("member address").port();
        let sender = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).expect("bind sender");
        sender.send_to(b"hello v6", (group, port)).expect("send");
        let mut buf = [0; 64];
        let (len, from) = member.recv_from(&mut buf).expect("receive from the group");
        assert_eq!(
            (&buf[..len], from.ip()),
            (&b"hello v6"[..], Ipv6Addr::LOCALHOST.into())
        );
    }
}

#[test]
fn multicast_without_a_member_is_not_delivered() {
    testkit::in_netns!();
    for (group, bind) in [
        (
            "239.0.0.2".parse().expect("v4 group"),
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        ),
        (
            "ff05::99".parse().expect("v6 group"),
            SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        ),
    ] {
        let listener = UdpSocket::bind(bind).expect("bind");
        listener
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let port = listener.local_addr().expect("address").port();
        let sender = UdpSocket::bind(SocketAddr::new(bind.ip(), 0)).expect("bind sender");
        sender
            .send_to(b"nobody joined", SocketAddr::new(group, port))
            .expect("send");
        // Then a unicast datagram: the first thing received must be this one.
        sender
            .send_to(
                b"unicast",
                (if bind.is_ipv4() { "127.0.0.1" } else { "::1" }, port),
            )
            .expect("send unicast");
        let mut buf = [0; 64];
        let (len, _) = listener.recv_from(&mut buf).expect("receive");
        assert_eq!(&buf[..len], b"unicast", "group {group}");
    }
}

mod nested {
    #[test]
    fn isolates_a_test_in_a_module() {
        testkit::in_netns!();
        assert_eq!(
            std::env::var(testkit::netns::MARKER_ENV).as_deref(),
            Ok("nested::isolates_a_test_in_a_module")
        );
        testkit::netns::assert_private();
    }
}

/// Polls a future that needs no waking (as an async test body without real I/O) once.
fn block_on_ready<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the future is not ready"),
    }
}

#[test]
fn isolates_an_async_body() {
    block_on_ready(async {
        testkit::in_netns!();
        assert_eq!(
            std::env::var(netns::MARKER_ENV).as_deref(),
            Ok("isolates_an_async_body")
        );
        netns::assert_private();
    });
}

#[test]
fn returns_the_given_value_in_a_result_test() -> Result<(), String> {
    testkit::in_netns!(Ok(()));
    netns::assert_private();
    Ok(())
}

#[test]
#[should_panic(expected = "failed in its network namespace")]
fn a_failure_inside_fails_the_test() {
    testkit::in_netns!();
    panic!("failing inside the namespace on purpose");
}

#[test]
#[should_panic(expected = "expected the isolated run to pass exactly one test")]
fn a_name_matching_no_test_fails() {
    netns::isolated("no_such_test");
}

#[test]
#[should_panic(expected = "not private")]
fn the_machine_namespace_is_not_private() {
    // Outside any namespace made by testkit: PID 1's namespace is never private.
    assert!(std::env::var_os(netns::MARKER_ENV).is_none());
    netns::assert_private();
}
