//! Golden tests of the exposition writer: whole bodies in both formats, content
//! negotiation, and rendering into a fixed-capacity buffer.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

mod expo_golden;

use std::fmt::{self, Write as _};

use promcast_core::expo::{
    Encoder, Family, Format, LabelSet, MAX_SAMPLE_NAME_LEN, MetricType, OPENMETRICS_CONTENT_TYPE,
    TEXT_CONTENT_TYPE, Value, is_valid_label_name, is_valid_metric_name, write_help,
    write_label_value, write_value,
};

#[test]
fn golden_bodies() {
    for (name, format, rendered, expected) in expo_golden::all() {
        assert_eq!(rendered, expected, "{name} in {format:?}");
    }
}

#[test]
fn long_value_is_over_10_kb() {
    let value_len = expo_golden::long_value(Format::Text)
        .lines()
        .nth(2)
        .map_or(0, str::len);
    assert!(value_len > 10_000, "{value_len}");
}

fn gauge(name: &str) -> Family<'_> {
    Family {
        name,
        help: "h",
        kind: MetricType::Gauge,
        unit: None,
    }
}

/// `sample` and `sample_prerendered` write the same bytes for the same labels.
#[test]
fn sample_paths_agree() {
    let cases: &[&[(&str, &str)]] = &[
        &[],
        &[("a", "")],
        &[("a", "x"), ("b", "y")],
        &[("q", "\"\\\n\r\t\0 ü ☃ \\n \\\"")],
        &[("a", "\\"), ("b", "\""), ("c", "\n")],
    ];
    for labels in cases {
        for format in [Format::Text, Format::OpenMetrics] {
            let mut direct = Encoder::new(String::new(), format);
            direct.family(&gauge("m")).unwrap();
            direct.sample(labels, Value::F64(1.5)).unwrap();
            let mut cached = Encoder::new(String::new(), format);
            cached.family(&gauge("m")).unwrap();
            cached
                .sample_prerendered(&expo_golden::labels(labels), Value::F64(1.5))
                .unwrap();
            assert_eq!(
                direct.finish().unwrap(),
                cached.finish().unwrap(),
                "{labels:?}"
            );
        }
    }
}

#[test]
fn label_set() {
    let mut out = String::new();
    LabelSet::new(&mut out).finish().unwrap();
    assert_eq!(out, "");

    let mut set = LabelSet::new(&mut out);
    set.label("a", "1".chars()).unwrap();
    set.finish().unwrap();
    assert_eq!(out, r#"{a="1"}"#);

    out.clear();
    let mut set = LabelSet::new(&mut out);
    set.label("a", "x\"y".chars()).unwrap();
    set.label_str("b", "back\\slash").unwrap();
    set.label("c", "new\nline".chars()).unwrap();
    set.label_str("d", "").unwrap();
    set.finish().unwrap();
    assert_eq!(out, r#"{a="x\"y",b="back\\slash",c="new\nline",d=""}"#);
}

#[test]
fn label_value_escaping() {
    let input = "a\\b\"c\nd\re\tf\0g\x7fh ü ☃ 𝄞 \\n";
    let expected = "a\\\\b\\\"c\\nd\re\tf\0g\x7fh ü ☃ 𝄞 \\\\n";
    let mut out = String::new();
    write_label_value(&mut out, input.chars()).unwrap();
    assert_eq!(out, expected);
    let mut out = String::new();
    let mut set = LabelSet::new(&mut out);
    set.label_str("l", input).unwrap();
    set.finish().unwrap();
    assert_eq!(out, format!("{{l=\"{expected}\"}}"));
}

#[test]
fn help_escaping() {
    let mut out = String::new();
    write_help(&mut out, "a\\b\"c\nd\te ü").unwrap();
    assert_eq!(out, "a\\\\b\"c\\nd\te ü");

    for (format, expected) in [
        (Format::Text, "# HELP m \\\\ \" \\n\n# TYPE m gauge\n"),
        (
            Format::OpenMetrics,
            "# TYPE m gauge\n# HELP m \\\\ \\\" \\n\n# EOF\n",
        ),
    ] {
        let mut enc = Encoder::new(String::new(), format);
        enc.family(&Family {
            help: "\\ \" \n",
            ..gauge("m")
        })
        .unwrap();
        assert_eq!(enc.finish().unwrap(), expected);
    }
}

#[test]
fn empty_help_and_empty_unit() {
    for (format, expected) in [
        (
            Format::Text,
            "# HELP m_seconds \n# TYPE m_seconds gauge\nm_seconds 1\n",
        ),
        (
            Format::OpenMetrics,
            "# TYPE m_seconds gauge\n# HELP m_seconds \nm_seconds 1\n# EOF\n",
        ),
    ] {
        let mut enc = Encoder::new(String::new(), format);
        enc.family(&Family {
            help: "",
            unit: Some(""),
            ..gauge("m_seconds")
        })
        .unwrap();
        enc.sample(&[], Value::U64(1)).unwrap();
        assert_eq!(enc.finish().unwrap(), expected);
    }
}

#[test]
fn values() {
    let cases = [
        (Value::F64(f64::NAN), "NaN"),
        (Value::F64(-f64::NAN), "NaN"),
        (Value::F64(f64::INFINITY), "+Inf"),
        (Value::F64(f64::NEG_INFINITY), "-Inf"),
        (Value::F64(0.0), "0.0"),
        (Value::F64(-0.0), "-0.0"),
        (Value::F64(4.0), "4.0"),
        (Value::F64(-12.25), "-12.25"),
        (Value::F64(0.1), "0.1"),
        (Value::F64(1e21), "1e21"),
        (Value::F64(1e-7), "1e-7"),
        (Value::F64(1.5e-7), "1.5e-7"),
        (Value::F64(1e300), "1e300"),
        (Value::F64(1e-300), "1e-300"),
        (Value::F64(f64::MAX), "1.7976931348623157e308"),
        (Value::F64(f64::MIN_POSITIVE), "2.2250738585072014e-308"),
        (Value::F64(5e-324), "5e-324"),
        (Value::F64(123456789.0), "123456789.0"),
        (Value::U64(0), "0"),
        (Value::U64(7), "7"),
        (Value::U64(10), "10"),
        (Value::U64(u64::MAX), "18446744073709551615"),
        (Value::I64(0), "0"),
        (Value::I64(-1), "-1"),
        (Value::I64(1_000_000), "1000000"),
        (Value::I64(i64::MIN), "-9223372036854775808"),
        (Value::I64(i64::MAX), "9223372036854775807"),
    ];
    for (value, expected) in cases {
        let mut out = String::new();
        write_value(&mut out, value).unwrap();
        assert_eq!(out, expected, "{value:?}");
        if let Value::F64(v) = value {
            let back: f64 = out.replace("Inf", "inf").parse().unwrap();
            assert!(
                back.to_bits() == v.to_bits() || (v.is_nan() && back.is_nan()),
                "{out}"
            );
        }
    }
}

#[test]
fn content_types() {
    assert_eq!(Format::Text.content_type(), TEXT_CONTENT_TYPE);
    assert_eq!(
        Format::Text.content_type(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(Format::OpenMetrics.content_type(), OPENMETRICS_CONTENT_TYPE);
    assert_eq!(
        Format::OpenMetrics.content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
}

#[test]
fn negotiation() {
    use Format::{OpenMetrics as Om, Text};
    let cases: &[(Option<&str>, Format)] = &[
        (None, Text),
        (Some(""), Text),
        (Some("*/*"), Text),
        (Some("text/plain"), Text),
        // Prometheus 2.42 with OpenMetrics enabled (the default).
        (
            Some(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            ),
            Om,
        ),
        // A client preferring text.
        (Some("text/plain;version=0.0.4;q=1,*/*;q=0.1"), Text),
        // Prometheus 3.
        (
            Some(
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
            ),
            Om,
        ),
        // Protobuf first, which we do not serve: OpenMetrics is still ranked above text.
        (
            Some(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3",
            ),
            Om,
        ),
        (Some("application/openmetrics-text"), Om),
        (
            Some("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Om,
        ),
        (Some("application/openmetrics-text;version=0.0.1"), Om),
        (Some("application/openmetrics-text;version=\"1.0.0\""), Om),
        (Some("APPLICATION/OpenMetrics-Text;VERSION=1.0.0"), Om),
        (
            Some("  application/openmetrics-text ; version=1.0.0 ;q=0.9 , text/plain ; q=0.8 "),
            Om,
        ),
        // Unknown versions do not count.
        (Some("application/openmetrics-text;version=2.0.0"), Text),
        (
            Some("application/openmetrics-text;version=2.0.0,text/plain;q=0.1"),
            Text,
        ),
        // Equal q: text wins.
        (Some("application/openmetrics-text,text/plain"), Text),
        (Some("text/plain,application/openmetrics-text"), Text),
        (Some("application/openmetrics-text;q=0.5,*/*;q=0.5"), Text),
        (
            Some("application/openmetrics-text;q=0.5,text/*;q=0.5"),
            Text,
        ),
        (Some("application/openmetrics-text;q=0.5,text/*;q=0.4"), Om),
        (
            Some("application/openmetrics-text;q=0.501,text/plain;q=0.5"),
            Om,
        ),
        (
            Some("application/openmetrics-text;q=0.5009,text/plain;q=0.5"),
            Text,
        ),
        // The best of several ranges counts.
        (
            Some("text/plain;q=0.2,application/openmetrics-text;q=0.3,text/plain;q=0.4"),
            Text,
        ),
        (
            Some(
                "application/openmetrics-text;version=2.0.0;q=1,application/openmetrics-text;q=0.3,*/*;q=0.2",
            ),
            Om,
        ),
        // q=0 is "not acceptable".
        (Some("application/openmetrics-text;q=0"), Text),
        (
            Some("application/openmetrics-text;q=0.000,text/plain;q=0"),
            Text,
        ),
        (
            Some("text/plain;q=0,application/openmetrics-text;q=0.001"),
            Om,
        ),
        (Some("application/openmetrics-text;q=1.000"), Om),
        // Invalid q: the range is ignored.
        (Some("application/openmetrics-text;q=abc"), Text),
        (Some("application/openmetrics-text;q=1.5"), Text),
        (Some("application/openmetrics-text;q=1.001"), Text),
        (Some("application/openmetrics-text;q=-1"), Text),
        (Some("application/openmetrics-text;q="), Text),
        (
            Some("application/openmetrics-text;q=0.5,text/plain;q=2"),
            Om,
        ),
        (
            Some("application/openmetrics-text;q=0.5,text/plain;q=0.5;q=x"),
            Om,
        ),
        // Other media types count for neither.
        (Some("application/*"), Text),
        (
            Some("application/json,application/openmetrics-text;q=0.1"),
            Om,
        ),
        (
            Some("text/html;q=0.9,application/openmetrics-text;q=0.1"),
            Om,
        ),
        // Quoted parameters may hold commas and semicolons.
        (
            Some("text/plain;foo=\"a,b;q=0\";q=0.1,application/openmetrics-text;q=0.2"),
            Om,
        ),
        (
            Some("application/openmetrics-text;foo=\"x\\\",text/plain\";q=0.9,text/plain;q=0.8"),
            Om,
        ),
        // Garbage.
        (Some(",,;;,"), Text),
        (Some("openmetrics"), Text),
        (Some("application/openmetrics-text;;=;q"), Om),
    ];
    for &(accept, expected) in cases {
        assert_eq!(Format::negotiate(accept), expected, "{accept:?}");
    }
}

#[test]
fn names() {
    for valid in [
        "a",
        "_",
        ":",
        "a_b:c",
        "A9",
        "promcast_temperature_celsius",
        "__x",
        ":a:",
    ] {
        assert!(is_valid_metric_name(valid), "{valid}");
    }
    for invalid in ["", "9a", "a-b", "a b", "ä", "a.b", "a{", "a\n"] {
        assert!(!is_valid_metric_name(invalid), "{invalid}");
    }
    for valid in ["a", "_", "_a", "a_b", "A9", "le", "_9"] {
        assert!(is_valid_label_name(valid), "{valid}");
    }
    for invalid in ["", "__", "__name__", "__a", "9a", "a:b", "a-b", "ä", ":"] {
        assert!(!is_valid_label_name(invalid), "{invalid}");
    }
}

#[test]
fn sample_before_family_fails() {
    let mut enc = Encoder::new(String::new(), Format::Text);
    assert!(enc.sample(&[], Value::U64(1)).is_err());
    assert!(enc.sample_prerendered("", Value::U64(1)).is_err());
    assert_eq!(enc.finish().unwrap(), "");
}

#[test]
fn name_length_limit() {
    let longest = "n".repeat(MAX_SAMPLE_NAME_LEN - "_total".len());
    let mut enc = Encoder::new(String::new(), Format::Text);
    let counter = Family {
        name: &longest,
        help: "h",
        kind: MetricType::Counter,
        unit: None,
    };
    enc.family(&counter).unwrap();
    enc.sample(&[], Value::U64(1)).unwrap();
    let expected =
        format!("# HELP {longest}_total h\n# TYPE {longest}_total counter\n{longest}_total 1\n");
    assert_eq!(enc.finish().unwrap(), expected);

    let too_long = format!("{longest}n");
    let mut enc = Encoder::new(String::new(), Format::Text);
    enc.family(&gauge("ok")).unwrap();
    assert!(
        enc.family(&Family {
            name: &too_long,
            ..counter
        })
        .is_err()
    );
    // Samples would land under the wrong name: refused.
    assert!(enc.sample(&[], Value::U64(1)).is_err());
    assert_eq!(enc.finish().unwrap(), "# HELP ok h\n# TYPE ok gauge\n");
}

/// A fixed-capacity `fmt::Write`, as a microcontroller would use.
struct FixedBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> FixedBuf<N> {
    fn new() -> Self {
        FixedBuf {
            buf: [0; N],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap()
    }
}

impl<const N: usize> fmt::Write for FixedBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self
            .len
            .checked_add(s.len())
            .filter(|&end| end <= N)
            .ok_or(fmt::Error)?;
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Renders the realistic body's first family and a counter into `w`.
fn render_small<W: fmt::Write>(w: W, format: Format) -> Result<W, fmt::Error> {
    let mut enc = Encoder::new(w, format);
    enc.family(&Family {
        name: "t_celsius",
        help: "T.",
        kind: MetricType::Gauge,
        unit: Some("celsius"),
    })?;
    enc.sample(&[("s", "a\"b")], Value::F64(21.5))?;
    enc.sample_prerendered(r#"{s="c"}"#, Value::F64(f64::NAN))?;
    enc.family(&Family {
        name: "p",
        help: "P.",
        kind: MetricType::Counter,
        unit: None,
    })?;
    enc.sample(&[], Value::I64(-3))?;
    enc.finish()
}

#[test]
fn fixed_capacity_buffer() {
    for format in [Format::Text, Format::OpenMetrics] {
        let expected = render_small(String::new(), format).unwrap();
        let fits = render_small(FixedBuf::<512>::new(), format).unwrap();
        assert_eq!(fits.as_str(), expected);

        // Exactly enough room.
        let mut exact = FixedBuf::<512>::new();
        render_small(&mut exact, format).unwrap();
        assert_eq!(exact.len, expected.len());

        // Every smaller capacity fails with an error, never a panic; what was written is
        // a prefix of the body.
        for cap in 0..expected.len() {
            let mut buf = FixedBuf::<512>::new();
            let mut limited = Limited {
                inner: &mut buf,
                cap,
            };
            assert!(render_small(&mut limited, format).is_err(), "{cap}");
            assert!(expected.starts_with(buf.as_str()));
        }
    }
    // A tiny buffer fails on the first line.
    assert!(render_small(FixedBuf::<8>::new(), Format::Text).is_err());
}

/// Caps a `FixedBuf` at `cap` bytes to try every overflow point.
struct Limited<'a, const N: usize> {
    inner: &'a mut FixedBuf<N>,
    cap: usize,
}

impl<const N: usize> fmt::Write for Limited<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.inner.len + s.len() > self.cap {
            return Err(fmt::Error);
        }
        self.inner.write_str(s)
    }
}

#[test]
fn no_samples_no_families() {
    assert_eq!(
        Encoder::new(String::new(), Format::Text).finish().unwrap(),
        ""
    );
    assert_eq!(
        Encoder::new(String::new(), Format::OpenMetrics)
            .finish()
            .unwrap(),
        "# EOF\n"
    );
    let mut out = String::new();
    write!(out, "pre ").unwrap();
    let out = Encoder::new(out, Format::OpenMetrics).finish().unwrap();
    assert_eq!(out, "pre # EOF\n");
}
