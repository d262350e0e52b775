//! Judges exposition bodies with real parsers.
//!
//! - Text format 0.0.4: [`check_metrics`] runs `promtool check metrics`, which parses with
//!   the Go text parser (`prometheus/common/expfmt`) and lints.
//! - OpenMetrics 1.0.0: `promtool check metrics` cannot judge it (see [`check_metrics`]), so
//!   [`check_openmetrics`] runs two OpenMetrics parsers: Prometheus' own (the one that scrapes
//!   OpenMetrics targets) and Python `prometheus_client`'s, which adds the spec's semantic
//!   rules.
//!
//! Tools needed (a missing one is an `Err` that says how to install it, so tests fail rather
//! than skip): `promtool` on `PATH` (Debian: `apt-get install prometheus`; tested with 2.42),
//! and for OpenMetrics also `python3` with `prometheus_client` (`python3 -m pip install prometheus_client`;
//! tested with 0.26).

use std::ffi::OsStr;
use std::io::{self, Read as _, Write as _};
use std::process::{Command, ExitStatus, Stdio};

/// Checks a text format 0.0.4 body with `promtool check metrics`: `Ok` only when promtool
/// exits 0 and prints nothing, so both parse errors and lint problems are failures.
///
/// What promtool 2.42 reports, as seen on promcast's bodies: parse errors (exit 1, `error
/// while linting: text format parsing error in line N: ...`), and lint problems (exit 3, one
/// `<metric> <problem>` line each), e.g. `no help text` for an empty HELP, `counter metrics
/// should have "_total" suffix`, `metric name should not include type 'gauge'`, or
/// `use base unit "celsius" instead of "fahrenheit"`. The `Err` carries the exit status and
/// promtool's stdout and stderr, interleaved as written.
///
/// OpenMetrics bodies are refused (`Err` without running promtool) when they contain a
/// `# EOF` line: promtool parses stdin as the text format only, so it cannot judge them. It
/// rejects `# TYPE foo info` (`unknown metric type "info"`) and the `\"` escape in HELP
/// (`invalid escape sequence`), ignores `# UNIT` and `# EOF` as comments, and reads an
/// OpenMetrics counter (`# TYPE foo counter` then `foo_total` samples) as an empty counter
/// `foo` plus an untyped `foo_total` without help. Use [`check_openmetrics`] for them.
pub fn check_metrics(body: &str) -> Result<(), String> {
    if body.split('\n').any(|line| line == "# EOF") {
        return Err(
            "the body has a `# EOF` line, so it is OpenMetrics: promtool check metrics \
             parses only the text format; judge it with check_openmetrics"
                .to_owned(),
        );
    }
    let (status, output) =
        run("promtool", &["check", "metrics"], body).map_err(|e| promtool_missing(&e))?;
    if status.success() && output.trim().is_empty() {
        Ok(())
    } else {
        Err(format!(
            "promtool check metrics failed ({status}):\n{output}"
        ))
    }
}

/// Checks an OpenMetrics 1.0.0 body with two parsers; `Ok` only when both accept it.
///
/// 1. Prometheus' own OpenMetrics parser (`model/textparse`, what a scrape uses), reached
///    through `promtool tsdb create-blocks-from openmetrics`. Backfilling needs a timestamp
///    on every sample, so the body is fed with ` 1` appended to every line that does not start
///    with `#`; a body whose samples already carry timestamps therefore fails (promcast never
///    writes them). This parser rejects a missing `# EOF`, blank lines, an unescaped `"` in a
///    label value, bad numbers, `# HELP` without text, and a unit that is not the name's
///    suffix. It is lax about semantics: it accepts an info sample of 2 or `\"` left
///    unescaped in HELP.
/// 2. Python `prometheus_client`'s `openmetrics.parser.text_string_to_metric_families` on
///    the body as it is. Besides the syntax (missing `# EOF`, blank lines, lines after
///    `# EOF`, unescaped quotes in label values, invalid names, duplicate label names) it
///    checks semantics: one HELP/TYPE/UNIT per family, no metadata after samples, no
///    clashing or interleaved families, unit as the name's suffix and not on info, info
///    values 1, counter values neither NaN nor negative. It accepts undefined escapes such as
///    `\a`, as the OpenMetrics grammar does.
///
/// The `Err` names the parser(s) that failed, with exit status and output.
pub fn check_openmetrics(body: &str) -> Result<(), String> {
    let failures: Vec<String> = [
        check_prometheus_openmetrics(body),
        check_python_openmetrics(body),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n\n"))
    }
}

/// Parser 1 of [`check_openmetrics`].
fn check_prometheus_openmetrics(body: &str) -> Result<(), String> {
    let dir =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let input = dir.path().join("body.om");
    let timestamped: Vec<String> = body
        .split('\n')
        .map(|line| {
            if line.is_empty() || line.starts_with('#') {
                line.to_owned()
            } else {
                format!("{line} 1")
            }
        })
        .collect();
    std::fs::write(&input, timestamped.join("\n"))
        .map_err(|e| format!("cannot write {}: {e}", input.display()))?;
    let out = dir.path().join("blocks");
    let args: [&OsStr; 6] = [
        "tsdb".as_ref(),
        "create-blocks-from".as_ref(),
        "openmetrics".as_ref(),
        "--quiet".as_ref(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    let (status, output) = run("promtool", &args, "").map_err(|e| promtool_missing(&e))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "Prometheus' OpenMetrics parser (promtool tsdb create-blocks-from openmetrics, with \
             ` 1` appended to every sample line) rejected the body ({status}):\n{output}"
        ))
    }
}

/// Exit status of [`PYTHON_CHECK`] when `prometheus_client` is missing.
const PYTHON_MODULE_MISSING: i32 = 3;

/// Parses stdin (read as bytes, so `\r` is not translated) with `prometheus_client`.
const PYTHON_CHECK: &str = r#"
import sys
try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError as e:
    print(e)
    sys.exit(3)
body = sys.stdin.buffer.read().decode("utf-8")
try:
    for _ in text_string_to_metric_families(body):
        pass
except Exception as e:
    print(f"{type(e).__name__}: {e}")
    sys.exit(1)
"#;

/// Parser 2 of [`check_openmetrics`].
fn check_python_openmetrics(body: &str) -> Result<(), String> {
    let (status, output) = run("python3", &["-c", PYTHON_CHECK], body).map_err(|e| {
        format!(
            "cannot run python3 ({e}): install Python 3 and then `python3 -m pip install prometheus_client`"
        )
    })?;
    if status.code() == Some(PYTHON_MODULE_MISSING) {
        return Err(format!(
            "Python's prometheus_client is not installed ({}): run `python3 -m pip install prometheus_client`",
            output.trim()
        ));
    }
    if status.success() && output.trim().is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Python prometheus_client's OpenMetrics parser rejected the body ({status}):\n{output}"
        ))
    }
}

/// The error for a promtool that cannot be started.
fn promtool_missing(e: &io::Error) -> String {
    format!("cannot run promtool ({e}): install it, e.g. `apt-get install prometheus` on Debian")
}

/// Runs `program` with `stdin` as its standard input; returns its exit status and its stdout
/// and stderr through one pipe, interleaved as written.
fn run<S: AsRef<OsStr>>(
    program: &str,
    args: &[S],
    stdin: &str,
) -> io::Result<(ExitStatus, String)> {
    let (mut reader, writer) = io::pipe()?;
    // The `Command`, holding the parent's copies of `writer`, is dropped at the end of this
    // statement, so `reader` sees end-of-file when the child exits.
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()?;
    let mut input = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("no stdin pipe"))?;
    let mut output = Vec::new();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // A child that exits without reading everything breaks the pipe; its exit status
            // tells what happened.
            let _ = input.write_all(stdin.as_bytes());
        });
        reader.read_to_end(&mut output)
    })?;
    let status = child.wait()?;
    Ok((status, String::from_utf8_lossy(&output).into_owned()))
}
