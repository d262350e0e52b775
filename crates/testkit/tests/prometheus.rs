//! Tests of `testkit::prometheus` with the real Prometheus server.

use std::collections::BTreeMap;
use std::time::Duration;

use testkit::prometheus::{Config, Prometheus, Sample};

const WAIT: Duration = Duration::from_secs(60);

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn scrapes_itself_evaluates_rules_and_answers_queries() {
    testkit::in_netns!();
    let prometheus = Prometheus::start_with(Config::new("").self_scrape().rule_file(
        "rules.yml",
        "groups:
  - name: testkit
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
",
    ));
    let instance = prometheus.addr().to_string();
    assert_eq!(prometheus.addr().ip().to_string(), "127.0.0.1");

    let up = prometheus.wait_for(r#"up{job="prometheus"}"#, |s| !s.is_empty(), WAIT);
    assert_eq!(
        up,
        [Sample {
            labels: labels(&[
                ("__name__", "up"),
                ("instance", &instance),
                ("job", "prometheus")
            ]),
            value: 1.0,
        }]
    );

    let targets = prometheus.targets();
    assert_eq!(targets.len(), 1, "{targets:#?}");
    let target = &targets[0];
    assert_eq!(
        (
            target.scrape_pool.as_str(),
            target.scrape_url.as_str(),
            target.health.as_str(),
            target.last_error.as_str()
        ),
        (
            "prometheus",
            format!("http://{instance}/metrics").as_str(),
            "up",
            ""
        )
    );
    assert_eq!(
        target.labels,
        labels(&[("instance", &instance), ("job", "prometheus")])
    );

    let recorded = prometheus.wait_for("job:up:sum", |s| !s.is_empty(), WAIT);
    assert_eq!(
        recorded,
        [Sample {
            labels: labels(&[("__name__", "job:up:sum"), ("job", "prometheus")]),
            value: 1.0,
        }]
    );

    assert_eq!(
        prometheus.query("scalar(vector(2.5))"),
        [Sample {
            labels: BTreeMap::new(),
            value: 2.5,
        }]
    );
    let error = prometheus.try_query("up{").expect_err("bad PromQL");
    assert!(error.contains("bad_data"), "{error}");
}

#[test]
#[should_panic(expected = "only started inside a private network namespace")]
fn refuses_to_start_outside_a_namespace() {
    Prometheus::start("");
}
