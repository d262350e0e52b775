//! A real Prometheus server (Debian's `prometheus` package) as a child process.
//!
//! [`Prometheus::start`] refuses to run outside a private network namespace: call
//! [`in_netns!`](crate::in_netns) first in the test. Prometheus listens on `127.0.0.1`
//! only, on a free port, with a fresh TSDB in a temporary directory, and is killed when the
//! [`Prometheus`] value is dropped. Its log goes to `prometheus.log` in that directory.
//! When the test panics while the server is alive (a failed assertion, or a helper below
//! giving up), dropping it prints the configuration and the log's tail to stderr.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! #[test]
//! fn gateway_is_scraped() {
//!     testkit::in_netns!();
//!     // ... start the gateway on 127.0.0.1:9100 ...
//!     let prometheus = testkit::prometheus::Prometheus::start(
//!         "- job_name: gateway
//!            static_configs:
//!              - targets: ['127.0.0.1:9100']",
//!     );
//!     let up = prometheus.wait_for(
//!         r#"up{job="gateway"}"#,
//!         |samples| !samples.is_empty(),
//!         Duration::from_secs(30),
//!     );
//!     assert_eq!(up[0].value, 1.0);
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::child::kill_when_parent_dies;
use crate::{free_port, http, netns};

/// The Prometheus binary used unless `PROMCAST_PROMETHEUS` names another.
pub const DEFAULT_BINARY: &str = "/usr/bin/prometheus";

/// Environment variable naming the Prometheus binary to run instead of [`DEFAULT_BINARY`].
pub const BINARY_ENV: &str = "PROMCAST_PROMETHEUS";

/// How long [`Prometheus::start`] waits for `/-/ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How often the polling helpers ask again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Lines of the log shown when something goes wrong.
const LOG_TAIL_LINES: usize = 40;

/// How Prometheus is configured; see [`Prometheus::start_with`].
#[derive(Debug, Clone)]
pub struct Config {
    scrape_configs: String,
    scrape_interval: Duration,
    evaluation_interval: Duration,
    rule_files: Vec<(String, String)>,
    self_scrape: bool,
    extra_args: Vec<String>,
}

impl Config {
    /// A configuration with the given `scrape_configs` entries: YAML list items such as
    /// `- job_name: gateway` with their `static_configs`. Common leading indentation is
    /// removed, so an indented raw string works. Scrape and evaluation intervals are 1 s.
    pub fn new(scrape_configs: &str) -> Self {
        Self {
            scrape_configs: dedent(scrape_configs),
            scrape_interval: Duration::from_secs(1),
            evaluation_interval: Duration::from_secs(1),
            rule_files: Vec::new(),
            self_scrape: false,
            extra_args: Vec::new(),
        }
    }

    /// Sets the global scrape interval (and scrape timeout, which may not exceed it).
    pub fn scrape_interval(mut self, interval: Duration) -> Self {
        self.scrape_interval = interval;
        self
    }

    /// Sets the global rule evaluation interval.
    pub fn evaluation_interval(mut self, interval: Duration) -> Self {
        self.evaluation_interval = interval;
        self
    }

    /// Adds a rule file: `yaml` (recording or alerting rule groups) is written as `name`
    /// in the server's directory and listed under `rule_files`.
    pub fn rule_file(mut self, name: &str, yaml: &str) -> Self {
        self.rule_files.push((name.to_owned(), yaml.to_owned()));
        self
    }

    /// Adds a job `prometheus` that scrapes the server itself.
    pub fn self_scrape(mut self) -> Self {
        self.self_scrape = true;
        self
    }

    /// Adds a command-line flag, such as `--web.enable-lifecycle`.
    pub fn arg(mut self, arg: &str) -> Self {
        self.extra_args.push(arg.to_owned());
        self
    }

    fn yaml(&self, listen: SocketAddr, rule_files: &[PathBuf]) -> String {
        let mut yaml = String::new();
        let interval = self.scrape_interval.as_millis();
        let _ = writeln!(yaml, "global:");
        let _ = writeln!(yaml, "  scrape_interval: {interval}ms");
        let _ = writeln!(yaml, "  scrape_timeout: {interval}ms");
        let _ = writeln!(
            yaml,
            "  evaluation_interval: {}ms",
            self.evaluation_interval.as_millis()
        );
        if !rule_files.is_empty() {
            let _ = writeln!(yaml, "rule_files:");
            for path in rule_files {
                let _ = writeln!(yaml, "  - '{}'", path.display());
            }
        }
        let mut jobs = String::new();
        if self.self_scrape {
            let _ = writeln!(jobs, "- job_name: prometheus");
            let _ = writeln!(jobs, "  static_configs:");
            let _ = writeln!(jobs, "    - targets: ['{listen}']");
        }
        jobs.push_str(&self.scrape_configs);
        if jobs.trim().is_empty() {
            let _ = writeln!(yaml, "scrape_configs: []");
        } else {
            let _ = writeln!(yaml, "scrape_configs:");
            yaml.push_str(&jobs);
        }
        yaml
    }
}

/// A running Prometheus server, killed on drop.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    addr: SocketAddr,
    config_yaml: String,
    log_path: PathBuf,
    dir: TempDir,
}

/// One element of an instant vector (or a scalar, with no labels).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series' labels, `__name__` included when the result has one.
    pub labels: BTreeMap<String, String>,
    /// The sample value.
    pub value: f64,
}

/// An active scrape target, from `/api/v1/targets`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The target's labels after relabelling (`job`, `instance`, ...).
    pub labels: BTreeMap<String, String>,
    /// The scrape pool (job name).
    pub scrape_pool: String,
    /// The URL scraped.
    pub scrape_url: String,
    /// `up`, `down` or `unknown` (not scraped yet).
    pub health: String,
    /// The last scrape's error, empty when it succeeded.
    pub last_error: String,
    /// How long the last scrape took, in seconds.
    pub last_scrape_duration: f64,
}

impl Prometheus {
    /// Starts Prometheus with the given `scrape_configs` entries and the defaults of
    /// [`Config::new`], and waits until it is ready.
    ///
    /// # Panics
    /// Outside a private network namespace, or when Prometheus does not become ready
    /// (its log tail is printed).
    pub fn start(scrape_configs: &str) -> Self {
        Self::start_with(Config::new(scrape_configs))
    }

    /// Starts Prometheus with `config` and waits until it is ready.
    ///
    /// Start it from the test's own thread: it is also killed when the thread that started
    /// it ends.
    ///
    /// # Panics
    /// Outside a private network namespace, or when Prometheus does not become ready
    /// (its log tail is printed).
    pub fn start_with(config: Config) -> Self {
        assert!(
            netns::is_isolated(),
            "Prometheus is only started inside a private network namespace: put \
             `testkit::in_netns!();` first in the test"
        );
        let dir = tempfile::Builder::new()
            .prefix("promcast-prometheus-")
            .tempdir()
            .expect("create a directory for Prometheus");
        let mut rule_paths = Vec::new();
        for (name, yaml) in &config.rule_files {
            let path = dir.path().join(name);
            std::fs::write(&path, yaml).expect("write a rule file");
            rule_paths.push(path);
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let config_yaml = config.yaml(addr, &rule_paths);
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, &config_yaml).expect("write prometheus.yml");
        let log_path = dir.path().join("prometheus.log");
        let log = File::create(&log_path).expect("create prometheus.log");
        let log_err = log.try_clone().expect("clone the log file handle");

        let binary = std::env::var(BINARY_ENV).unwrap_or_else(|_| DEFAULT_BINARY.to_owned());
        let mut cmd = Command::new(&binary);
        cmd.arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .args(&config.extra_args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        kill_when_parent_dies(&mut cmd);
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {binary} (Debian package prometheus, see scripts/install-deps.sh): {e}"
            )
        });
        let mut prometheus = Self {
            child,
            addr,
            config_yaml,
            log_path,
            dir,
        };
        prometheus.wait_ready();
        prometheus
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Prometheus exited before it was ready ({status})");
            }
            let last = match http::get(self.addr, "/-/ready", &[]) {
                Ok(response) if response.status == 200 => return,
                Ok(response) => format!(
                    "{} {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                ),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                panic!("Prometheus not ready within {READY_TIMEOUT:?}; last answer: {last}");
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// The address the server listens on (127.0.0.1 and a free port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's temporary directory (configuration, rule files, TSDB, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The `prometheus.yml` the server was started with.
    pub fn config_yaml(&self) -> &str {
        &self.config_yaml
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_else(|e| format!("(no log: {e})"))
    }

    /// GETs an API path (such as `/api/v1/rules`) and returns its `data` field.
    ///
    /// # Errors
    /// The transport error, HTTP status, or Prometheus' `errorType: error` on failure.
    pub fn try_api(&self, path_and_query: &str) -> Result<Value, String> {
        let response = http::get(self.addr, path_and_query, &[])
            .map_err(|e| format!("GET {path_and_query}: {e}"))?;
        let json: Value = serde_json::from_slice(&response.body).map_err(|e| {
            format!(
                "GET {path_and_query}: {} with a body that is not JSON ({e}): {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            )
        })?;
        if response.status != 200 || json["status"] != "success" {
            return Err(format!(
                "GET {path_and_query}: {} {}: {}",
                response.status, json["errorType"], json["error"]
            ));
        }
        Ok(json["data"].clone())
    }

    /// Like [`Prometheus::try_api`], panicking on failure.
    pub fn api(&self, path_and_query: &str) -> Value {
        self.try_api(path_and_query)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Evaluates `promql` as an instant query now.
    ///
    /// # Errors
    /// As [`Prometheus::try_api`], or when the result is a range vector or a string.
    pub fn try_query(&self, promql: &str) -> Result<Vec<Sample>, String> {
        let data = self.try_api(&format!("/api/v1/query?query={}", percent_encode(promql)))?;
        parse_query_data(&data).map_err(|e| format!("query {promql:?}: {e}"))
    }

    /// Evaluates `promql` as an instant query now.
    ///
    /// # Panics
    /// When the query fails (bad PromQL, server error) or does not give a vector or scalar.
    pub fn query(&self, promql: &str) -> Vec<Sample> {
        self.try_query(promql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Evaluates `promql` until `done` accepts the result, and returns that result.
    ///
    /// # Panics
    /// When a query fails, or `timeout` passes first; the message shows the last result.
    pub fn wait_for(
        &self,
        promql: &str,
        done: impl Fn(&[Sample]) -> bool,
        timeout: Duration,
    ) -> Vec<Sample> {
        poll_until(
            || self.query(promql),
            done,
            timeout,
            || format!("query {promql:?} did not give the expected result"),
        )
    }

    /// The active scrape targets.
    ///
    /// # Panics
    /// When the API call fails or its answer has an unexpected shape.
    pub fn targets(&self) -> Vec<Target> {
        let data = self.api("/api/v1/targets?state=active");
        parse_targets(&data).unwrap_or_else(|e| panic!("targets: {e}"))
    }

    /// Polls the active targets until `done` accepts them, and returns them.
    ///
    /// # Panics
    /// When `timeout` passes first; the message shows the last targets.
    pub fn wait_for_targets(
        &self,
        done: impl Fn(&[Target]) -> bool,
        timeout: Duration,
    ) -> Vec<Target> {
        poll_until(
            || self.targets(),
            done,
            timeout,
            || "the targets did not become as expected".to_owned(),
        )
    }

    /// Configuration, directory and log tail, for failure messages.
    pub fn diagnostics(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
        format!(
            "--- prometheus.yml ---\n{}--- last {} lines of {} ---\n{}",
            self.config_yaml,
            tail.len(),
            self.log_path.display(),
            tail.join("\n")
        )
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("Prometheus at {}:\n{}", self.addr, self.diagnostics());
        }
        // Errors mean the process has already ended; waiting reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Calls `fetch` until `done` accepts its result, which it returns; panics with `what` and
/// the last result when `timeout` passes first.
fn poll_until<T: std::fmt::Debug>(
    mut fetch: impl FnMut() -> Vec<T>,
    done: impl Fn(&[T]) -> bool,
    timeout: Duration,
    what: impl FnOnce() -> String,
) -> Vec<T> {
    let deadline = Instant::now() + timeout;
    loop {
        let result = fetch();
        if done(&result) {
            return result;
        }
        if Instant::now() >= deadline {
            panic!("{} within {timeout:?}; last: {result:#?}", what());
        }
        thread::sleep(POLL_INTERVAL);
    }
}

fn parse_query_data(data: &Value) -> Result<Vec<Sample>, String> {
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or("vector result is not an array")?
            .iter()
            .map(|item| {
                Ok(Sample {
                    labels: parse_labels(&item["metric"])?,
                    value: parse_value(&item["value"])?,
                })
            })
            .collect(),
        Some("scalar") => Ok(vec![Sample {
            labels: BTreeMap::new(),
            value: parse_value(&data["result"])?,
        }]),
        other => Err(format!(
            "result type {other:?} is neither vector nor scalar: {data}"
        )),
    }
}

fn parse_labels(metric: &Value) -> Result<BTreeMap<String, String>, String> {
    metric
        .as_object()
        .ok_or_else(|| format!("labels are not an object: {metric}"))?
        .iter()
        .map(|(name, value)| {
            value
                .as_str()
                .map(|v| (name.clone(), v.to_owned()))
                .ok_or_else(|| format!("label {name} is not a string: {value}"))
        })
        .collect()
}

/// Parses `[<unix time>, "<value>"]`; values are strings such as `"1"`, `"NaN"`, `"+Inf"`.
fn parse_value(pair: &Value) -> Result<f64, String> {
    pair.get(1)
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("not a [time, \"value\"] pair: {pair}"))
}

fn parse_targets(data: &Value) -> Result<Vec<Target>, String> {
    let text = |item: &Value, key: &str| -> Result<String, String> {
        item[key]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("target without {key}: {item}"))
    };
    data["activeTargets"]
        .as_array()
        .ok_or_else(|| format!("no activeTargets array: {data}"))?
        .iter()
        .map(|item| {
            Ok(Target {
                labels: parse_labels(&item["labels"])?,
                scrape_pool: text(item, "scrapePool")?,
                scrape_url: text(item, "scrapeUrl")?,
                health: text(item, "health")?,
                last_error: text(item, "lastError")?,
                last_scrape_duration: item["lastScrapeDuration"].as_f64().unwrap_or(0.0),
            })
        })
        .collect()
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for query strings.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Removes the indentation common to all non-blank lines, and blank lines at either end.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in text.lines().skip_while(|line| line.trim().is_empty()) {
        out.push_str(line.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_configuration() {
        let config = Config::new(
            "
            - job_name: gateway
              static_configs:
                - targets: ['127.0.0.1:9100']
            ",
        )
        .scrape_interval(Duration::from_millis(500))
        .self_scrape();
        let yaml = config.yaml(
            "127.0.0.1:9090".parse().expect("address"),
            &[PathBuf::from("/tmp/x/rules.yml")],
        );
        assert_eq!(
            yaml,
            "global:
  scrape_interval: 500ms
  scrape_timeout: 500ms
  evaluation_interval: 1000ms
rule_files:
  - '/tmp/x/rules.yml'
scrape_configs:
- job_name: prometheus
  static_configs:
    - targets: ['127.0.0.1:9090']
- job_name: gateway
  static_configs:
    - targets: ['127.0.0.1:9100']
"
        );
        assert_eq!(
            Config::new("").yaml("127.0.0.1:1".parse().expect("address"), &[]),
            "global:\n  scrape_interval: 1000ms\n  scrape_timeout: 1000ms\n  \
             evaluation_interval: 1000ms\nscrape_configs: []\n"
        );
    }

    #[test]
    fn parses_vector_and_scalar_results() {
        let vector = serde_json::json!({"resultType": "vector", "result": [
            {"metric": {"__name__": "up", "job": "a"}, "value": [1.5, "1"]},
            {"metric": {}, "value": [1.5, "+Inf"]},
        ]});
        assert_eq!(
            parse_query_data(&vector),
            Ok(vec![
                Sample {
                    labels: [("__name__", "up"), ("job", "a")]
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .into(),
                    value: 1.0,
                },
                Sample {
                    labels: BTreeMap::new(),
                    value: f64::INFINITY,
                },
            ])
        );
        let scalar = serde_json::json!({"resultType": "scalar", "result": [1.5, "-2.5"]});
        assert_eq!(
            parse_query_data(&scalar),
            Ok(vec![Sample {
                labels: BTreeMap::new(),
                value: -2.5,
            }])
        );
        let matrix = serde_json::json!({"resultType": "matrix", "result": []});
        assert!(parse_query_data(&matrix).is_err());
    }

    #[test]
    fn percent_encodes_promql() {
        assert_eq!(
            percent_encode(r#"up{job="a b"}[1m]"#),
            "up%7Bjob%3D%22a%20b%22%7D%5B1m%5D"
        );
    }
}
