//! The systemd units of deploy/systemd, checked by systemd's own tools without a running
//! systemd: `systemd-analyze verify` (syntax, known settings, the unit loads) and
//! `systemd-analyze security --offline=yes` (what the sandbox leaves open). Needs
//! `systemd-analyze` (Debian package systemd). The binaries are not installed here, so each
//! unit is checked in a copy whose `ExecStart` runs `/bin/true` with the same arguments.

use std::path::Path;
use std::process::Command;

use promcast_deploy_tests::prometheus_config::replace_exactly;

const GATEWAY: &str = include_str!("../../../deploy/systemd/promcast.service");
const AGENT: &str = include_str!("../../../deploy/systemd/promcast-agent.service");

/// `unit` written as `name` into `dir`, its binary replaced by `/bin/true`.
fn copy(dir: &Path, name: &str, unit: &str, binary: &str) -> std::path::PathBuf {
    let unit = replace_exactly(
        unit,
        &format!("ExecStart={binary} "),
        "ExecStart=/bin/true ",
        1,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let path = dir.join(name);
    std::fs::write(&path, unit).expect("write the unit");
    path
}

fn analyze(args: &[&str]) -> (bool, String, String) {
    let out = Command::new("systemd-analyze")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run systemd-analyze (Debian package systemd): {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Both units load without a warning: no unknown or misspelt setting, no bad value.
#[test]
fn units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let gateway = copy(dir.path(), "promcast.service", GATEWAY, "/usr/bin/promcast");
    let agent = copy(
        dir.path(),
        "promcast-agent.service",
        AGENT,
        "/usr/bin/promcast-agent",
    );
    let result = analyze(&[
        "verify",
        gateway.to_str().expect("UTF-8 path"),
        agent.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(result, (true, String::new(), String::new()));
}

/// The settings `systemd-analyze security` still counts as exposed (its ✗ lines), and the
/// overall score: for the gateway, only what a network service must keep (sockets, the
/// host's network, the host's root directory, the clock's device read by ProtectClock,
/// no IP allow list as device addresses are not known in advance); the agent adds its GPIO
/// devices and the `gpio` group, and keeps the real user namespace for that group.
#[test]
fn units_expose_only_what_they_need() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let cases = [
        (
            copy(dir.path(), "promcast.service", GATEWAY, "/usr/bin/promcast"),
            vec![
                "RootDirectory=/RootImage=",
                "RestrictAddressFamilies=~AF_UNIX",
                "RestrictAddressFamilies=~AF_(INET|INET6)",
                "PrivateNetwork=",
                "DeviceAllow=",
                "IPAddressDeny=",
            ],
            "1.1",
        ),
        (
            copy(
                dir.path(),
                "promcast-agent.service",
                AGENT,
                "/usr/bin/promcast-agent",
            ),
            vec![
                "RootDirectory=/RootImage=",
                "SupplementaryGroups=",
                "PrivateDevices=",
                "RestrictAddressFamilies=~AF_UNIX",
                "RestrictAddressFamilies=~AF_(INET|INET6)",
                "PrivateNetwork=",
                "PrivateUsers=",
                "DeviceAllow=",
                "IPAddressDeny=",
            ],
            "1.5",
        ),
    ];
    for (path, open, level) in cases {
        let path = path.to_str().expect("UTF-8 path");
        let (ok, stdout, stderr) = analyze(&["security", "--offline=yes", "--no-pager", path]);
        assert!(ok, "{path}: {stderr}");
        let exposed: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("✗ "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(exposed, open, "{path}:\n{stdout}");
        let name = Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let overall = format!("→ Overall exposure level for {name}: {level} OK 🙂");
        assert!(
            stdout.lines().any(|l| l == overall),
            "{path}: no line {overall:?}:\n{stdout}"
        );
    }
}
