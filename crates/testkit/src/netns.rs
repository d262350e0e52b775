//! Run one test's body inside a fresh private network namespace.
//!
//! ```no_run
//! #[test]
//! fn receives_multicast() {
//!     testkit::in_netns!();
//!     // From here on the test runs in its own network namespace: only `lo` exists,
//!     // multicast on `lo` works, and every port is free.
//! }
//! ```
//!
//! [`in_netns!`](crate::in_netns) (or [`isolated`]) re-executes the current test binary as
//! `unshare --net -- sh -c SETUP_SCRIPT <test binary> --exact <test> --include-ignored
//! --nocapture --test-threads=1` with [`MARKER_ENV`] set to the test's name. The outer test echoes the
//! inner run's output (each line prefixed with `[netns] `) and passes only when the inner
//! run exited 0 *and* its summary says exactly one test passed, so a test filtered out by a
//! wrong name cannot pass vacuously. Inside, the same call sees the marker, checks that the
//! namespace really is private ([`assert_private`]) and lets the body run. The rest of the
//! suite stays in the machine's namespace.
//!
//! Inside the namespace ([`SETUP_SCRIPT`]):
//! - `lo` is up with the `MULTICAST` flag; `224.0.0.0/4` is routed to `lo`, so IPv4 groups
//!   work as on a LAN: a socket that joined the group on `lo` (interface `127.0.0.1`)
//!   receives what is sent to it, once.
//! - IPv6 multicast on `lo` needs `ip -6 route add local ff00::/8 dev lo table local`. A
//!   plain `multicast` or unicast route via `lo` does not work: the kernel turns routes via
//!   the loopback device into reject routes (`ENETUNREACH`, `Ip6OutNoRoutes`), except those
//!   of type `local`. With the `local` route, a datagram sent to any `ff0X::` group
//!   (interface index of `lo`, or 0) reaches the sockets bound to its port once, provided
//!   some socket joined the group on `lo`; with no member it is dropped, as with IPv4.
//! - As with IPv4 on Linux, a socket bound to the wildcard address receives a group's
//!   datagrams for its port whenever any socket in the namespace joined that group
//!   (`IP_MULTICAST_ALL` defaults to on).
//!
//! Requirements: root (or `CAP_SYS_ADMIN`) for `unshare`, util-linux's `unshare` and
//! iproute2's `ip` (see `scripts/install-deps.sh`). Processes the test body starts must not
//! keep the inherited stdout/stderr open after the test ends (the outer test reads them to
//! the end); [`crate::prometheus::Prometheus`] writes to a log file instead.
//!
//! Note that `/sys/class/net` still lists the machine's interfaces after `unshare --net`
//! (sysfs shows the namespace of whoever mounted it); [`interfaces`] reads
//! `/proc/self/net/dev`, which shows the caller's namespace.

use std::io::{self, BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::child::kill_when_parent_dies;

/// Environment variable that marks the re-executed test process; its value is the name of
/// the test allowed to run there.
pub const MARKER_ENV: &str = "PROMCAST_NETNS";

/// Environment variable giving how long an isolated test may run, in whole seconds
/// (default 300). The inner process is killed after that and the test fails.
pub const TIMEOUT_ENV: &str = "PROMCAST_NETNS_TIMEOUT_SECS";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Prefix of each line of the inner run echoed by the outer test, so that the inner
/// libtest summary is never mistaken for the outer one.
pub const ECHO_PREFIX: &str = "[netns] ";

/// The script `unshare --net` runs in the new namespace before it `exec`s the test binary
/// (`$0`) with its arguments. Any failing step fails the test.
pub const SETUP_SCRIPT: &str = "set -e
exec 2>&1
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
ip -6 route add local ff00::/8 dev lo table local
exec \"$0\" \"$@\"
";

/// Runs the test named `test_name` in a fresh private network namespace.
///
/// Returns `true` when the caller is already inside the namespace made for `test_name`
/// (the body should run now) and `false` after the isolated run succeeded (the caller
/// should return). `test_name` is libtest's name for the test: its module path inside the
/// test crate without the crate name, such as `tests::receives_multicast`, as
/// `cargo test -- --list` prints it.
///
/// # Panics
/// When the isolated run fails, times out (see [`TIMEOUT_ENV`]), or did not run exactly
/// one test; when the namespace cannot be made (not root, `unshare` or `ip` missing);
/// inside, when the namespace is not private or was made for another test.
pub fn isolated(test_name: &str) -> bool {
    match std::env::var(MARKER_ENV) {
        Ok(marked) => {
            assert_eq!(
                marked, test_name,
                "{MARKER_ENV} names the test `{marked}` but `{test_name}` asked for isolation"
            );
            assert_private();
            true
        }
        Err(_) => {
            run_isolated(test_name);
            false
        }
    }
}

/// Whether this process runs inside a namespace made by [`isolated`]: the marker is set,
/// `lo` is the only interface and the namespace differs from that of PID 1.
pub fn is_isolated() -> bool {
    std::env::var_os(MARKER_ENV).is_some() && private_namespace_problem().is_none()
}

/// Panics unless this process's network namespace is private: `lo` must be its only
/// interface, and it must not be the namespace of PID 1.
pub fn assert_private() {
    if let Some(problem) = private_namespace_problem() {
        panic!("refusing to run: the network namespace is not private: {problem}");
    }
}

/// The names of the network interfaces in the caller's namespace, from `/proc/self/net/dev`.
pub fn interfaces() -> io::Result<Vec<String>> {
    let text = std::fs::read_to_string("/proc/self/net/dev")?;
    Ok(text
        .lines()
        .skip(2)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, _)| name.trim().to_owned())
        .collect())
}

fn private_namespace_problem() -> Option<String> {
    match interfaces() {
        Ok(names) if names == ["lo"] => {}
        Ok(names) => return Some(format!("its interfaces are {names:?}, not only lo")),
        Err(e) => return Some(format!("cannot list its interfaces: {e}")),
    }
    let own = std::fs::read_link("/proc/self/ns/net");
    let init = std::fs::read_link("/proc/1/ns/net");
    match (own, init) {
        (Ok(own), Ok(init)) if own == init => {
            Some(format!("it is PID 1's namespace ({})", own.display()))
        }
        (Err(e), _) => Some(format!("cannot read /proc/self/ns/net: {e}")),
        _ => None,
    }
}

fn timeout() -> Duration {
    match std::env::var(TIMEOUT_ENV) {
        Ok(secs) => Duration::from_secs(
            secs.parse()
                .unwrap_or_else(|_| panic!("{TIMEOUT_ENV}={secs:?} is not a whole number")),
        ),
        Err(_) => DEFAULT_TIMEOUT,
    }
}

fn run_isolated(test_name: &str) {
    let exe = std::env::current_exe().expect("find the current test binary");
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "--", "sh", "-c", SETUP_SCRIPT])
        .arg(&exe)
        // --include-ignored: an #[ignore] test only gets here when it was asked for.
        .args(["--exact", test_name, "--include-ignored", "--nocapture"])
        .arg("--test-threads=1")
        .env(MARKER_ENV, test_name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    kill_when_parent_dies(&mut cmd);
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot run `unshare` (util-linux) to isolate `{test_name}`: {e}")
    });

    let (lines, received) = mpsc::channel();
    let readers = [
        forward_lines(child.stdout.take(), lines.clone()),
        forward_lines(child.stderr.take(), lines),
    ];
    let limit = timeout();
    let deadline = Instant::now() + limit;
    let mut output = Vec::new();
    loop {
        match received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                println!("{ECHO_PREFIX}{line}");
                output.push(line);
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                // Killing can only fail if the child already exited; wait reaps it either way.
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`{test_name}` did not finish within {limit:?} in its network namespace \
                     and was killed (set {TIMEOUT_ENV} to change the limit)"
                );
            }
        }
    }
    for reader in readers {
        reader.join().expect("output reader thread panicked");
    }
    let status = child.wait().expect("wait for the isolated test");
    if output.iter().any(|l| l.starts_with("unshare: ")) {
        panic!(
            "could not create a network namespace for `{test_name}` ({status}): creating \
             one needs root or CAP_SYS_ADMIN; the error is above"
        );
    }
    assert!(
        status.success(),
        "`{test_name}` failed in its network namespace ({status}); its output is above"
    );
    check_summary(test_name, &output);
}

/// Checks that libtest's summary in `output` reports exactly one test, passed.
fn check_summary(test_name: &str, output: &[String]) {
    let summaries: Vec<&String> = output
        .iter()
        .filter(|line| line.starts_with("test result: "))
        .collect();
    let ok = matches!(summaries.as_slice(),
        [line] if line.starts_with("test result: ok. 1 passed; 0 failed; 0 ignored;"));
    assert!(
        ok,
        "expected the isolated run to pass exactly one test named `{test_name}` (is that the \
         test's full path as `--list` prints it?), but its summary is {summaries:?}"
    );
}

fn forward_lines(
    stream: Option<impl Read + Send + 'static>,
    lines: mpsc::Sender<String>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let Some(stream) = stream else { return };
        for line in BufReader::new(stream).split(b'\n') {
            let Ok(line) = line else { return };
            let text = String::from_utf8_lossy(&line)
                .trim_end_matches('\r')
                .to_owned();
            if lines.send(text).is_err() {
                return;
            }
        }
    })
}

/// Turns `std::any::type_name` of a function item declared inside a test into the test's
/// libtest name: drops the crate name, the item's own name and `{{closure}}` segments
/// (async test bodies). Used by [`in_netns!`](crate::in_netns).
#[doc(hidden)]
pub fn test_name_from_item_path(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").collect();
    match segments.as_slice() {
        [_crate, inner @ .., _item] => inner
            .iter()
            .filter(|segment| !segment.starts_with("{{"))
            .copied()
            .collect::<Vec<_>>()
            .join("::"),
        _ => panic!("`{path}` is not the path of an item inside a test function"),
    }
}

/// Runs the rest of the enclosing `#[test]` in a fresh private network namespace.
///
/// Put it first in the test. Outside the namespace it runs the test again in one (see
/// [`netns`](crate::netns)) and returns from the test with `()` or the given value
/// (`testkit::in_netns!(Ok(()))` in a test returning `Result`); inside it lets the rest of
/// the test run. The test's name is derived from the enclosing function's path, so it
/// works in `#[test]` and `#[tokio::test]` functions at any module depth.
#[macro_export]
macro_rules! in_netns {
    () => {
        $crate::in_netns!(())
    };
    ($ret:expr) => {
        if !$crate::netns::isolated(&$crate::netns::test_name_from_item_path({
            fn __testkit_netns_marker() {}
            ::std::any::type_name_of_val(&__testkit_netns_marker)
        })) {
            return $ret;
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_name_drops_crate_item_and_closures() {
        assert_eq!(
            test_name_from_item_path("netns::only_lo::__testkit_netns_marker"),
            "only_lo"
        );
        assert_eq!(
            test_name_from_item_path("gw::tests::udp::receives::{{closure}}::m"),
            "tests::udp::receives"
        );
    }

    #[test]
    fn summary_must_report_one_passed_test() {
        let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
        check_summary(
            "t",
            &lines(
                "running 1 test\ntest t ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out; finished in 0.01s",
            ),
        );
        for bad in [
            "running 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 4 filtered out; finished in 0.00s",
            "running 1 test\ntest t ... ignored\n\ntest result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 3 filtered out; finished in 0.00s",
            "running 2 tests\n\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
            "no summary at all",
        ] {
            let result = std::panic::catch_unwind(|| check_summary("t", &lines(bad)));
            assert!(result.is_err(), "accepted summary: {bad}");
        }
    }
}
