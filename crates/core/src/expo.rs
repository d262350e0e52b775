//! Prometheus exposition: text format 0.0.4 and OpenMetrics 1.0.0, written into any
//! [`core::fmt::Write`] without allocating.
//!
//! The [`Encoder`] guarantees, per family: one `# HELP`, one `# TYPE` (and `# UNIT` in
//! OpenMetrics), escaped HELP text and label values, no sample timestamps, and `# EOF` at
//! the end of an OpenMetrics body. Callers keep samples of a family together by writing them
//! right after [`Encoder::family`].

use core::fmt;

/// Content type of the Prometheus text format 0.0.4.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Content type of OpenMetrics 1.0.0.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4 (the default).
    Text,
    /// OpenMetrics 1.0.0.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` header value for this format.
    pub fn content_type(self) -> &'static str {
        todo!()
    }

    /// Pick the format for an HTTP `Accept` header value (q-values honoured). OpenMetrics only
    /// when the client ranks `application/openmetrics-text` above `text/plain`; otherwise text.
    pub fn negotiate(accept: Option<&str>) -> Format {
        let _ = accept;
        todo!()
    }
}

/// Metric type of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricType {
    /// A value that goes up and down.
    Gauge,
    /// A monotonically increasing count. The family name excludes `_total`; samples get it.
    Counter,
    /// Constant `1` with informational labels. The family name excludes `_info`; samples get it.
    /// Written as a gauge named `<name>_info` in the text format.
    Info,
}

/// A metric family's metadata.
#[derive(Clone, Copy, Debug)]
pub struct Family<'a> {
    /// Family name, without `_total` (counters) or `_info` (info).
    pub name: &'a str,
    /// HELP text (escaped by the encoder).
    pub help: &'a str,
    /// Metric type.
    pub kind: MetricType,
    /// Optional unit; when set, `name` must end with `_<unit>` (OpenMetrics writes `# UNIT`).
    pub unit: Option<&'a str>,
}

/// A sample value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A float: NaN as `NaN`, infinities as `+Inf`/`-Inf`, otherwise the shortest
    /// representation that round-trips.
    F64(f64),
    /// An unsigned integer, written without a decimal point.
    U64(u64),
    /// A signed integer, written without a decimal point.
    I64(i64),
}

/// Writes one exposition body.
pub struct Encoder<W: fmt::Write> {
    w: W,
    format: Format,
}

impl<W: fmt::Write> Encoder<W> {
    /// Start a body in `format`.
    pub fn new(w: W, format: Format) -> Self {
        Encoder { w, format }
    }

    /// Start a family: writes HELP, TYPE (and UNIT in OpenMetrics). Samples written next belong to it.
    pub fn family(&mut self, family: &Family<'_>) -> fmt::Result {
        let _ = (family, &mut self.w, self.format);
        todo!()
    }

    /// Write a sample of the current family; `labels` are (name, value) pairs, values escaped here.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: Value) -> fmt::Result {
        let _ = (labels, value);
        todo!()
    }

    /// Write a sample whose label set is already rendered by [`LabelSet`] (`{a="b"}`,
    /// or empty for none). The hot path for callers that cache label sets.
    pub fn sample_prerendered(&mut self, labels: &str, value: Value) -> fmt::Result {
        let _ = (labels, value);
        todo!()
    }

    /// Finish the body (OpenMetrics: `# EOF`) and return the writer.
    pub fn finish(self) -> Result<W, fmt::Error> {
        todo!()
    }
}

/// Write a label value escaped for the exposition (`\` → `\\`, `"` → `\"`, newline → `\n`).
pub fn write_label_value<W: fmt::Write, I: Iterator<Item = char>>(w: &mut W, value: I) -> fmt::Result {
    let _ = (w, value);
    todo!()
}

/// Write HELP text escaped (`\` → `\\`, newline → `\n`).
pub fn write_help<W: fmt::Write>(w: &mut W, help: &str) -> fmt::Result {
    let _ = (w, help);
    todo!()
}

/// Builds a label set `{a="x",b="y"}` incrementally: `{` before the first label, `}` in
/// [`LabelSet::finish`], nothing at all for an empty set. Values are escaped.
pub struct LabelSet<'w, W: fmt::Write> {
    w: &'w mut W,
    any: bool,
}

impl<'w, W: fmt::Write> LabelSet<'w, W> {
    /// Start a label set.
    pub fn new(w: &'w mut W) -> Self {
        LabelSet { w, any: false }
    }
    /// Append one label; `name` must be a valid label name (not checked here).
    pub fn label<I: Iterator<Item = char>>(&mut self, name: &str, value: I) -> fmt::Result {
        let _ = (name, value, &mut self.w, self.any);
        todo!()
    }
    /// Close the set.
    pub fn finish(self) -> fmt::Result {
        todo!()
    }
}

/// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(name: &str) -> bool {
    let _ = name;
    todo!()
}

/// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`).
pub fn is_valid_label_name(name: &str) -> bool {
    let _ = name;
    todo!()
}
