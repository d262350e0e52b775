//! Every golden body judged by real parsers: `promtool check metrics` (text format, with
//! lints) and two OpenMetrics parsers (Prometheus' and Python prometheus_client's), see
//! `testkit::promtool`. Needs promtool, python3 and `pip install prometheus_client`.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

mod expo_golden;

use promcast_core::expo::{Encoder, Family, Format, MetricType, Value};
use testkit::promtool::{check_metrics, check_openmetrics};

fn check(format: Format, body: &str) -> Result<(), String> {
    match format {
        Format::Text => check_metrics(body),
        Format::OpenMetrics => check_openmetrics(body),
    }
}

#[test]
fn golden_bodies_pass() {
    for (name, format, rendered, expected) in expo_golden::all() {
        assert_eq!(rendered, expected, "{name} in {format:?}");
        if let Err(e) = check(format, &rendered) {
            panic!("{name} in {format:?} rejected:\n{e}");
        }
    }
}

/// The realistic body with one label value's quote left unescaped.
fn with_unescaped_quote(format: Format) -> String {
    let body = expo_golden::realistic(format);
    let bad = body.replacen(r#"attic \"north\""#, r#"attic "north""#, 1);
    assert_ne!(bad, body);
    bad
}

#[test]
fn unescaped_quote_is_rejected() {
    for format in [Format::Text, Format::OpenMetrics] {
        let e = check(format, &with_unescaped_quote(format)).unwrap_err();
        assert!(!e.is_empty());
    }
    // Each OpenMetrics parser rejects it on its own: the error names both.
    let e = check_openmetrics(&with_unescaped_quote(Format::OpenMetrics)).unwrap_err();
    assert!(e.contains("Prometheus' OpenMetrics parser"), "{e}");
    assert!(
        e.contains("Python prometheus_client's OpenMetrics parser"),
        "{e}"
    );
}

#[test]
fn lint_problems_are_rejected() {
    let mut enc = Encoder::new(String::new(), Format::Text);
    enc.family(&Family {
        name: "helpless",
        help: "",
        kind: MetricType::Gauge,
        unit: None,
    })
    .unwrap();
    enc.sample(&[], Value::U64(1)).unwrap();
    let body = enc.finish().unwrap();
    assert_eq!(
        body,
        "# HELP helpless \n# TYPE helpless gauge\nhelpless 1\n"
    );
    let e = check_metrics(&body).unwrap_err();
    assert!(e.contains("helpless no help text"), "{e}");
}

#[test]
fn openmetrics_semantics_are_checked() {
    // Syntactically fine, but OpenMetrics counters cannot be NaN.
    let mut enc = Encoder::new(String::new(), Format::OpenMetrics);
    enc.family(&Family {
        name: "c",
        help: "C.",
        kind: MetricType::Counter,
        unit: None,
    })
    .unwrap();
    enc.sample(&[], Value::F64(f64::NAN)).unwrap();
    let e = check_openmetrics(&enc.finish().unwrap()).unwrap_err();
    assert!(e.contains("Counter-like samples cannot be NaN"), "{e}");

    // A missing `# EOF`.
    let body = expo_golden::realistic(Format::OpenMetrics);
    let truncated = body.strip_suffix("# EOF\n").unwrap();
    let e = check_openmetrics(truncated).unwrap_err();
    assert!(e.contains("does not end with # EOF"), "{e}");
    assert!(e.contains("Missing # EOF"), "{e}");
}

#[test]
fn promtool_check_metrics_refuses_openmetrics() {
    let e = check_metrics(&expo_golden::realistic(Format::OpenMetrics)).unwrap_err();
    assert!(e.contains("check_openmetrics"), "{e}");
}
