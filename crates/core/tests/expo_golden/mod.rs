//! Exposition bodies shared by the golden tests (`expo.rs`) and the promtool checks
//! (`promtool.rs`): how each is rendered, and the exact bytes expected in each format.
#![allow(dead_code, reason = "each test crate uses a different part")]

use std::fmt;

use promcast_core::expo::{Encoder, Family, Format, LabelSet, MetricType, Value};

/// HELP text with a newline, a backslash, quotes and Unicode.
const TEMPERATURE_HELP: &str = "Temperature in °C.\nSecond line: C:\\sensors, \"quoted\".";

/// Renders a label set for `sample_prerendered`.
pub fn labels(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut set = LabelSet::new(&mut out);
    for (name, value) in pairs {
        set.label(name, value.chars()).expect("String never fails");
    }
    set.finish().expect("String never fails");
    out
}

/// A gateway-like body: units, counters, info, labels and HELP needing escapes, samples
/// without labels, special and extreme values, integers; through both sample paths.
pub fn realistic(format: Format) -> String {
    let mut enc = Encoder::new(String::new(), format);
    write_realistic(&mut enc).expect("String never fails");
    enc.finish().expect("String never fails")
}

fn write_realistic(enc: &mut Encoder<String>) -> fmt::Result {
    enc.family(&Family {
        name: "promcast_temperature_celsius",
        help: TEMPERATURE_HELP,
        kind: MetricType::Gauge,
        unit: Some("celsius"),
    })?;
    enc.sample(
        &[("device", "boiler-1"), ("sensor", "ColdWaterTank")],
        Value::F64(21.5),
    )?;
    enc.sample(
        &[("device", "attic \"north\""), ("sensor", "C:\\t1\\")],
        Value::F64(-0.0),
    )?;
    enc.sample_prerendered(
        &labels(&[("device", "line1\nline2"), ("sensor", "Überlauf ☃ 温度")]),
        Value::F64(1e-300),
    )?;
    enc.sample(
        &[
            ("device", "ctl"),
            ("sensor", "tab\there cr\r nul\0 bell\x07"),
        ],
        Value::F64(1e300),
    )?;
    enc.sample(
        &[("device", ""), ("sensor", "empty-device")],
        Value::F64(4.0),
    )?;
    enc.sample(&[("sensor", "nan")], Value::F64(f64::NAN))?;
    enc.sample(&[("sensor", "inf")], Value::F64(f64::INFINITY))?;
    enc.sample_prerendered(
        &labels(&[("sensor", "neg_inf")]),
        Value::F64(f64::NEG_INFINITY),
    )?;
    enc.sample(&[("sensor", "big")], Value::F64(1e21))?;
    enc.sample(&[("sensor", "small")], Value::F64(1.5e-7))?;
    enc.sample(&[("sensor", "negative")], Value::F64(-12.25))?;
    enc.sample(&[("sensor", "third")], Value::F64(0.1 + 0.2))?;

    enc.family(&Family {
        name: "promcast_devices",
        help: "Devices heard from recently.",
        kind: MetricType::Gauge,
        unit: None,
    })?;
    enc.sample(&[], Value::U64(3))?;

    enc.family(&Family {
        name: "promcast_packets",
        help: "Packets received, by result.",
        kind: MetricType::Counter,
        unit: None,
    })?;
    enc.sample(&[("result", "ok")], Value::U64(u64::MAX))?;
    enc.sample_prerendered(&labels(&[("result", "bad_signature")]), Value::U64(0))?;
    enc.sample(&[("result", "decode_error")], Value::F64(12.0))?;

    enc.family(&Family {
        name: "promcast_uptime_seconds",
        help: "Seconds since the gateway started.",
        kind: MetricType::Counter,
        unit: Some("seconds"),
    })?;
    enc.sample_prerendered("", Value::F64(12345.678))?;

    enc.family(&Family {
        name: "promcast_build",
        help: "Build information.",
        kind: MetricType::Info,
        unit: None,
    })?;
    enc.sample(&[("version", "0.1.0"), ("commit", "abc123")], Value::U64(1))?;

    enc.family(&Family {
        name: "promcast_clock_offset",
        help: "Device clock offset against the gateway, in whole seconds.",
        kind: MetricType::Gauge,
        unit: None,
    })?;
    enc.sample(&[("device", "min")], Value::I64(i64::MIN))?;
    enc.sample(&[("device", "max")], Value::I64(i64::MAX))?;
    enc.sample(&[("device", "behind")], Value::I64(-42))?;
    enc.sample(&[("device", "exact")], Value::I64(0))?;

    enc.family(&Family {
        name: "promcast_reserved",
        help: "A family without samples.",
        kind: MetricType::Gauge,
        unit: None,
    })
}

/// The samples of [`realistic`]'s temperature family: the same lines in both formats.
macro_rules! temperature_samples {
    () => {
        concat!(
            r#"promcast_temperature_celsius{device="boiler-1",sensor="ColdWaterTank"} 21.5
promcast_temperature_celsius{device="attic \"north\"",sensor="C:\\t1\\"} -0.0
promcast_temperature_celsius{device="line1\nline2",sensor="Überlauf ☃ 温度"} 1e-300
"#,
            "promcast_temperature_celsius{device=\"ctl\",sensor=\"tab\there cr\r nul\0 bell\x07\"} 1e300\n",
            r#"promcast_temperature_celsius{device="",sensor="empty-device"} 4.0
promcast_temperature_celsius{sensor="nan"} NaN
promcast_temperature_celsius{sensor="inf"} +Inf
promcast_temperature_celsius{sensor="neg_inf"} -Inf
promcast_temperature_celsius{sensor="big"} 1e21
promcast_temperature_celsius{sensor="small"} 1.5e-7
promcast_temperature_celsius{sensor="negative"} -12.25
promcast_temperature_celsius{sensor="third"} 0.30000000000000004
"#
        )
    };
}

/// [`realistic`] in the text format.
pub const REALISTIC_TEXT: &str = concat!(
    r#"# HELP promcast_temperature_celsius Temperature in °C.\nSecond line: C:\\sensors, "quoted".
# TYPE promcast_temperature_celsius gauge
"#,
    temperature_samples!(),
    r#"# HELP promcast_devices Devices heard from recently.
# TYPE promcast_devices gauge
promcast_devices 3
# HELP promcast_packets_total Packets received, by result.
# TYPE promcast_packets_total counter
promcast_packets_total{result="ok"} 18446744073709551615
promcast_packets_total{result="bad_signature"} 0
promcast_packets_total{result="decode_error"} 12.0
# HELP promcast_uptime_seconds_total Seconds since the gateway started.
# TYPE promcast_uptime_seconds_total counter
promcast_uptime_seconds_total 12345.678
# HELP promcast_build_info Build information.
# TYPE promcast_build_info gauge
promcast_build_info{version="0.1.0",commit="abc123"} 1
# HELP promcast_clock_offset Device clock offset against the gateway, in whole seconds.
# TYPE promcast_clock_offset gauge
promcast_clock_offset{device="min"} -9223372036854775808
promcast_clock_offset{device="max"} 9223372036854775807
promcast_clock_offset{device="behind"} -42
promcast_clock_offset{device="exact"} 0
# HELP promcast_reserved A family without samples.
# TYPE promcast_reserved gauge
"#
);

/// [`realistic`] in OpenMetrics.
pub const REALISTIC_OPENMETRICS: &str = concat!(
    r#"# TYPE promcast_temperature_celsius gauge
# UNIT promcast_temperature_celsius celsius
# HELP promcast_temperature_celsius Temperature in °C.\nSecond line: C:\\sensors, \"quoted\".
"#,
    temperature_samples!(),
    r#"# TYPE promcast_devices gauge
# HELP promcast_devices Devices heard from recently.
promcast_devices 3
# TYPE promcast_packets counter
# HELP promcast_packets Packets received, by result.
promcast_packets_total{result="ok"} 18446744073709551615
promcast_packets_total{result="bad_signature"} 0
promcast_packets_total{result="decode_error"} 12.0
# TYPE promcast_uptime_seconds counter
# UNIT promcast_uptime_seconds seconds
# HELP promcast_uptime_seconds Seconds since the gateway started.
promcast_uptime_seconds_total 12345.678
# TYPE promcast_build info
# HELP promcast_build Build information.
promcast_build_info{version="0.1.0",commit="abc123"} 1
# TYPE promcast_clock_offset gauge
# HELP promcast_clock_offset Device clock offset against the gateway, in whole seconds.
promcast_clock_offset{device="min"} -9223372036854775808
promcast_clock_offset{device="max"} 9223372036854775807
promcast_clock_offset{device="behind"} -42
promcast_clock_offset{device="exact"} 0
# TYPE promcast_reserved gauge
# HELP promcast_reserved A family without samples.
# EOF
"#
);

/// The repeated piece of [`long_value`]'s label value: 13 characters, 3 needing escapes.
const LONG_PIECE: &str = "0123456789\"\\\n";
/// [`LONG_PIECE`] escaped.
const LONG_PIECE_ESCAPED: &str = "0123456789\\\"\\\\\\n";
/// How often [`LONG_PIECE`] repeats: 10,400 characters.
const LONG_REPEAT: usize = 800;

/// One sample whose label value is over 10 kB, through both sample paths.
pub fn long_value(format: Format) -> String {
    let value = LONG_PIECE.repeat(LONG_REPEAT);
    let mut enc = Encoder::new(String::new(), format);
    write_long_value(&mut enc, &value).expect("String never fails");
    enc.finish().expect("String never fails")
}

fn write_long_value(enc: &mut Encoder<String>, value: &str) -> fmt::Result {
    enc.family(&Family {
        name: "promcast_status",
        help: "Last status text of a device.",
        kind: MetricType::Info,
        unit: None,
    })?;
    enc.sample(&[("device", "a"), ("status", value)], Value::F64(1.0))?;
    enc.sample_prerendered(
        &labels(&[("device", "b"), ("status", value)]),
        Value::F64(1.0),
    )
}

/// What [`long_value`] renders.
pub fn long_value_expected(format: Format) -> String {
    let escaped = LONG_PIECE_ESCAPED.repeat(LONG_REPEAT);
    let head = match format {
        Format::Text => {
            "# HELP promcast_status_info Last status text of a device.\n# TYPE promcast_status_info gauge\n"
        }
        Format::OpenMetrics => {
            "# TYPE promcast_status info\n# HELP promcast_status Last status text of a device.\n"
        }
    };
    let eof = if format == Format::OpenMetrics {
        "# EOF\n"
    } else {
        ""
    };
    format!(
        "{head}promcast_status_info{{device=\"a\",status=\"{escaped}\"}} 1.0\n\
         promcast_status_info{{device=\"b\",status=\"{escaped}\"}} 1.0\n{eof}"
    )
}

/// An empty body.
pub fn empty(format: Format) -> String {
    Encoder::new(String::new(), format)
        .finish()
        .expect("String never fails")
}

/// Every golden body: (name, format, rendered, expected).
pub fn all() -> Vec<(&'static str, Format, String, String)> {
    let mut out = Vec::new();
    for format in [Format::Text, Format::OpenMetrics] {
        let realistic_expected = match format {
            Format::Text => REALISTIC_TEXT,
            Format::OpenMetrics => REALISTIC_OPENMETRICS,
        };
        let empty_expected = if format == Format::OpenMetrics {
            "# EOF\n"
        } else {
            ""
        };
        out.push((
            "realistic",
            format,
            realistic(format),
            realistic_expected.to_owned(),
        ));
        out.push((
            "long_value",
            format,
            long_value(format),
            long_value_expected(format),
        ));
        out.push(("empty", format, empty(format), empty_expected.to_owned()));
    }
    out
}
