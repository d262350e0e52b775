//! Prometheus exposition: text format 0.0.4 and OpenMetrics 1.0.0, written into any
//! [`core::fmt::Write`] without allocating.
//!
//! The [`Encoder`] guarantees, per family: one `# HELP`, one `# TYPE` (and `# UNIT` in
//! OpenMetrics), escaped HELP text and label values, no sample timestamps, and `# EOF` at
//! the end of an OpenMetrics body. Callers keep samples of a family together by writing them
//! right after [`Encoder::family`].
//!
//! What differs between the two formats:
//!
//! | | text 0.0.4 | OpenMetrics 1.0.0 |
//! | --- | --- | --- |
//! | metadata order | `HELP`, `TYPE` | `TYPE`, `UNIT`, `HELP` (the order the spec recommends) |
//! | counter `foo` | `# TYPE foo_total counter` | `# TYPE foo counter` |
//! | info `foo` | `# TYPE foo_info gauge` | `# TYPE foo info` |
//! | unit | not written | `# UNIT foo_celsius celsius` |
//! | HELP escapes | `\` → `\\`, newline → `\n` | also `"` → `\"` |
//! | end of body | nothing | `# EOF` |
//!
//! In both formats counter samples are named `foo_total` and info samples `foo_info`; label
//! values escape `\`, `"` and newline and keep every other character verbatim; a sample
//! without labels is `name value`, never `name{} value`.
//!
//! Floats are written as the shortest string that round-trips (`21.5`, `4.0`, `1e21`,
//! `1.5e-7`, `-0.0`), `NaN`, `+Inf` or `-Inf`; every form is accepted by Prometheus' text
//! and OpenMetrics parsers and matches the OpenMetrics `realnumber` grammar (a float always
//! has a `.` or an exponent). Integers are written without a decimal point.

use core::fmt;

/// Content type of the Prometheus text format 0.0.4.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Content type of OpenMetrics 1.0.0.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Longest sample name an [`Encoder`] accepts, in bytes: the family name plus its `_total`
/// or `_info` suffix. [`Encoder::family`] fails with [`fmt::Error`] on a longer one.
pub const MAX_SAMPLE_NAME_LEN: usize = 256;

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
        match self {
            Format::Text => TEXT_CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
        }
    }

    /// Pick the format for an HTTP `Accept` header value (q-values honoured). OpenMetrics only
    /// when the client ranks `application/openmetrics-text` above `text/plain`; otherwise text.
    ///
    /// Precisely: the header is a comma-separated list of media ranges with `;` parameters
    /// (quoted-string values allowed). Media types and parameter names compare
    /// case-insensitively. OpenMetrics is chosen when the best q of an
    /// `application/openmetrics-text` range (with no `version` parameter or `version` `1.0.0`
    /// or `0.0.1`) is strictly higher than the best q of `text/plain`, `text/*` and `*/*`.
    /// Any other range (including `application/*` and other OpenMetrics versions) counts for
    /// neither. A missing `q` is 1; `q=0` means "not acceptable". A range whose `q` is not a
    /// valid qvalue (`0`, `1`, or one of them followed by `.` and digits, at most 1; digits
    /// past the third are ignored) is ignored as a whole. No header means text.
    pub fn negotiate(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Text;
        };
        // Best q of each kind, in thousandths.
        let mut openmetrics = 0u16;
        let mut text = 0u16;
        for range in split_unquoted(accept, b',') {
            let mut parts = split_unquoted(range, b';');
            let Some((ty, sub)) = parts.next().and_then(|media| media.split_once('/')) else {
                continue;
            };
            let (ty, sub) = (trim_ows(ty), trim_ows(sub));
            let mut q = Some(1000);
            let mut version = None;
            for param in parts {
                let Some((key, value)) = param.split_once('=') else {
                    continue;
                };
                let (key, value) = (trim_ows(key), unquote(trim_ows(value)));
                if key.eq_ignore_ascii_case("q") {
                    q = q.and(parse_qvalue(value));
                } else if key.eq_ignore_ascii_case("version") {
                    version = Some(value);
                }
            }
            let Some(q) = q else {
                continue;
            };
            if ty.eq_ignore_ascii_case("application")
                && sub.eq_ignore_ascii_case("openmetrics-text")
            {
                if matches!(version, None | Some("1.0.0") | Some("0.0.1")) {
                    openmetrics = openmetrics.max(q);
                }
            } else if (ty.eq_ignore_ascii_case("text")
                && (sub.eq_ignore_ascii_case("plain") || sub == "*"))
                || (ty == "*" && sub == "*")
            {
                text = text.max(q);
            }
        }
        if openmetrics > text {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// Splits `s` at every `delim` byte outside a quoted string (`"..."` with `\` escapes).
fn split_unquoted(s: &str, delim: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        let mut in_quotes = false;
        let mut escaped = false;
        for (i, &b) in r.as_bytes().iter().enumerate() {
            if escaped {
                escaped = false;
            } else if in_quotes && b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_quotes = !in_quotes;
            } else if b == delim && !in_quotes {
                // `delim` is ASCII, so `i` and `i + 1` are char boundaries.
                rest = Some(&r[i + 1..]);
                return Some(&r[..i]);
            }
        }
        rest = None;
        Some(r)
    })
}

/// Trims HTTP optional whitespace (spaces and tabs).
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Strips the quotes of a quoted-string parameter value (escapes are left as they are).
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// Parses an HTTP qvalue into thousandths: `0`, `0.5`, `1`, `1.000`; `None` when invalid.
fn parse_qvalue(s: &str) -> Option<u16> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (whole == 1 && frac.bytes().any(|b| b != b'0'))
    {
        return None;
    }
    let mut q = whole * 1000;
    let mut scale = 100;
    for digit in frac.bytes().take(3) {
        q += u16::from(digit - b'0') * scale;
        scale /= 10;
    }
    Some(q)
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

impl MetricType {
    /// Suffix of sample names (the same in both formats).
    fn sample_suffix(self) -> &'static str {
        match self {
            MetricType::Gauge => "",
            MetricType::Counter => "_total",
            MetricType::Info => "_info",
        }
    }
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

impl Value {
    /// Whether the value is exactly one (the only value an info sample may have).
    fn is_one(self) -> bool {
        match self {
            Value::F64(v) => v == 1.0,
            Value::U64(v) => v == 1,
            Value::I64(v) => v == 1,
        }
    }
}

/// Writes one exposition body.
///
/// ```
/// use promcast_core::expo::{Encoder, Family, Format, MetricType, Value};
///
/// let mut body = String::new();
/// let mut enc = Encoder::new(&mut body, Format::Text);
/// let family = Family { name: "up", help: "Whether the sensor answers.", kind: MetricType::Gauge, unit: None };
/// enc.family(&family).unwrap();
/// enc.sample(&[("sensor", "tank")], Value::U64(1)).unwrap();
/// enc.finish().unwrap();
/// assert_eq!(body, "# HELP up Whether the sensor answers.\n# TYPE up gauge\nup{sensor=\"tank\"} 1\n");
/// ```
pub struct Encoder<W: fmt::Write> {
    w: W,
    format: Format,
    /// Sample name of the current family (ASCII); `name_len == 0` before the first family.
    name: [u8; MAX_SAMPLE_NAME_LEN],
    name_len: usize,
    kind: MetricType,
}

impl<W: fmt::Write> Encoder<W> {
    /// Start a body in `format`.
    pub fn new(w: W, format: Format) -> Self {
        Encoder {
            w,
            format,
            name: [0; MAX_SAMPLE_NAME_LEN],
            name_len: 0,
            kind: MetricType::Gauge,
        }
    }

    /// Start a family: writes HELP, TYPE (and UNIT in OpenMetrics). Samples written next belong to it.
    ///
    /// The name must be a valid metric name ([`is_valid_metric_name`]) without the
    /// `_total`/`_info` suffix, and a unit must be its `_<unit>` suffix; an info family has
    /// no unit. These are checked by debug assertions only. An empty unit counts as none.
    /// Fails with [`fmt::Error`], writing nothing, when the sample name would be longer than
    /// [`MAX_SAMPLE_NAME_LEN`]; samples are refused until the next successful `family`.
    pub fn family(&mut self, family: &Family<'_>) -> fmt::Result {
        let Family {
            name,
            help,
            kind,
            unit,
        } = *family;
        let suffix = kind.sample_suffix();
        let unit = unit.filter(|unit| !unit.is_empty());
        debug_assert!(is_valid_metric_name(name), "invalid metric name {name:?}");
        debug_assert!(
            suffix.is_empty() || !name.ends_with(suffix),
            "family name {name:?} must not include the {suffix} suffix"
        );
        if let Some(unit) = unit {
            debug_assert!(
                name.strip_suffix(unit)
                    .is_some_and(|rest| rest.ends_with('_')),
                "family name {name:?} must end with _{unit}"
            );
            debug_assert!(
                kind != MetricType::Info,
                "info family {name:?} cannot have a unit"
            );
        }

        let len = name.len() + suffix.len();
        self.name_len = 0;
        if len > MAX_SAMPLE_NAME_LEN {
            return Err(fmt::Error);
        }
        self.name[..name.len()].copy_from_slice(name.as_bytes());
        self.name[name.len()..len].copy_from_slice(suffix.as_bytes());
        self.name_len = len;
        self.kind = kind;

        let w = &mut self.w;
        match self.format {
            Format::Text => {
                let ty = match kind {
                    MetricType::Counter => "counter",
                    MetricType::Gauge | MetricType::Info => "gauge",
                };
                w.write_str("# HELP ")?;
                w.write_str(name)?;
                w.write_str(suffix)?;
                w.write_char(' ')?;
                write_help(w, help)?;
                w.write_str("\n# TYPE ")?;
                w.write_str(name)?;
                w.write_str(suffix)?;
                w.write_char(' ')?;
                w.write_str(ty)?;
                w.write_char('\n')
            }
            Format::OpenMetrics => {
                let ty = match kind {
                    MetricType::Gauge => "gauge",
                    MetricType::Counter => "counter",
                    MetricType::Info => "info",
                };
                w.write_str("# TYPE ")?;
                w.write_str(name)?;
                w.write_char(' ')?;
                w.write_str(ty)?;
                if let Some(unit) = unit {
                    w.write_str("\n# UNIT ")?;
                    w.write_str(name)?;
                    w.write_char(' ')?;
                    w.write_str(unit)?;
                }
                w.write_str("\n# HELP ")?;
                w.write_str(name)?;
                w.write_char(' ')?;
                write_escaped(w, help, true)?;
                w.write_char('\n')
            }
        }
    }

    /// Write a sample of the current family; `labels` are (name, value) pairs, values escaped here.
    ///
    /// Label names must be valid ([`is_valid_label_name`]; not checked). Fails with
    /// [`fmt::Error`] before the first successful [`Encoder::family`]. Info samples must have
    /// the value 1 (debug assertion). OpenMetrics also requires counter values that are
    /// neither NaN nor negative; that is the caller's to keep.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: Value) -> fmt::Result {
        let w = self.start_sample(value)?;
        let mut set = LabelSet::new(w);
        for &(label, label_value) in labels {
            set.label_str(label, label_value)?;
        }
        set.finish()?;
        write_value_line(w, value)
    }

    /// Write a sample whose label set is already rendered by [`LabelSet`] (`{a="b"}`,
    /// or empty for none). The hot path for callers that cache label sets.
    ///
    /// `labels` is written as it is. The output equals [`Encoder::sample`]'s for the same
    /// labels, and the same errors and assertions apply.
    pub fn sample_prerendered(&mut self, labels: &str, value: Value) -> fmt::Result {
        let w = self.start_sample(value)?;
        w.write_str(labels)?;
        write_value_line(w, value)
    }

    /// Write one sample of the current family per `(labels, value)` pair, each label set
    /// already rendered by [`LabelSet`]. The output, errors and assertions are those of
    /// [`Encoder::sample_prerendered`] called once per pair; the per-family work is done once,
    /// which matters for families of many thousands of samples.
    pub fn samples_prerendered<'l, I>(&mut self, samples: I) -> fmt::Result
    where
        I: IntoIterator<Item = (&'l str, Value)>,
    {
        // Always valid: copied from `&str`s, whole. Empty before the first family.
        let name = core::str::from_utf8(&self.name[..self.name_len])
            .ok()
            .filter(|name| !name.is_empty());
        for (labels, value) in samples {
            debug_assert!(
                self.kind != MetricType::Info || value.is_one(),
                "info samples must be 1"
            );
            self.w.write_str(name.ok_or(fmt::Error)?)?;
            self.w.write_str(labels)?;
            write_value_line(&mut self.w, value)?;
        }
        Ok(())
    }

    /// Writes the sample name of the current family; returns the writer for the rest.
    fn start_sample(&mut self, value: Value) -> Result<&mut W, fmt::Error> {
        debug_assert!(
            self.kind != MetricType::Info || value.is_one(),
            "info samples must be 1"
        );
        if self.name_len == 0 {
            return Err(fmt::Error);
        }
        // Always valid: copied from `&str`s, whole.
        let name = core::str::from_utf8(&self.name[..self.name_len]).map_err(|_| fmt::Error)?;
        self.w.write_str(name)?;
        Ok(&mut self.w)
    }

    /// The writer, without finishing the body: for a body written in sections by several
    /// encoders, each starting its own families, where only the last one calls
    /// [`Encoder::finish`].
    pub fn into_inner(self) -> W {
        self.w
    }

    /// Finish the body (OpenMetrics: `# EOF`) and return the writer.
    pub fn finish(mut self) -> Result<W, fmt::Error> {
        if self.format == Format::OpenMetrics {
            self.w.write_str("# EOF\n")?;
        }
        Ok(self.w)
    }
}

/// ` <value>\n`, in one write.
fn write_value_line<W: fmt::Write>(w: &mut W, value: Value) -> fmt::Result {
    if let Value::F64(v) = value
        && let Some((bytes, len)) = packed_float_line(v)
    {
        return w.write_str(core::str::from_utf8(&bytes[..len]).map_err(|_| fmt::Error)?);
    }
    let mut text = ValueText::default();
    text.push(b" ");
    text.value(value);
    text.push(b"\n");
    w.write_str(text.as_str()?)
}

/// ` <value>\n` for a float on the fast path described at [`ValueText::float`], when that
/// line fits in 16 bytes (sensor readings and millisecond Unix times do): the text and its
/// length.
///
/// Digits are made eight at a time with integer arithmetic ([`eight_digits`]) and the line
/// is put together in one integer and stored at once. Writing the text a byte or a slice at
/// a time and then copying it out makes the processor wait: one wide load of many small
/// stores cannot be forwarded from them.
fn packed_float_line(v: f64) -> Option<([u8; 16], usize)> {
    let magnitude = f64::from_bits(v.to_bits() & !(1 << 63));
    if magnitude >= 1e12 || magnitude.is_nan() {
        return None;
    }
    let m = (magnitude * 1000.0 + 0.5) as u64;
    if m as f64 / 1000.0 != magnitude {
        return None;
    }
    let (int, f) = (m / 1000, m % 1000);
    // Fraction digits up to the last non-zero one, at least one (`.0` for a whole number).
    let keep = if f.is_multiple_of(100) {
        1
    } else if f.is_multiple_of(10) {
        2
    } else {
        3
    };
    let digits = int.checked_ilog10().map_or(1, |l| l as usize + 1);
    let sign = usize::from(v.is_sign_negative());
    let len = 1 + sign + digits + 1 + keep + 1;
    if len > 16 {
        return None;
    }
    // Little-endian: the first character in the lowest byte.
    let mut text = u128::from(b' ');
    if sign == 1 {
        text |= u128::from(b'-') << 8;
    }
    let mut at = 1 + sign;
    let mut put = |bytes: u64, n: usize| {
        text |= u128::from(bytes) << (8 * at);
        at += n;
    };
    if int >= 100_000_000 {
        let high = digits - 8;
        put(eight_digits(int / 100_000_000) >> (8 * (8 - high)), high);
        put(eight_digits(int % 100_000_000), 8);
    } else {
        put(eight_digits(int) >> (8 * (8 - digits)), digits);
    }
    put(u64::from(b'.'), 1);
    put((eight_digits(f) >> 40) & ((1 << (8 * keep)) - 1), keep);
    put(u64::from(b'\n'), 1);
    Some((text.to_le_bytes(), len))
}

/// `n` (below 10^8) as eight ASCII digits with leading zeros, the first digit in the lowest
/// byte. The digits are split out in parallel lanes of one integer: halves of four digits
/// in 32-bit lanes, pairs in 16-bit lanes, digits in bytes; `x / 100` is `(x * 5243) >> 19`
/// below 43,699 and `x / 10` is `(x * 103) >> 10` below 179, so no lane spills into the next.
fn eight_digits(n: u64) -> u64 {
    debug_assert!(n < 100_000_000);
    let x = (n / 10_000) | ((n % 10_000) << 32);
    let high = ((x * 5243) >> 19) & 0x0000_007F_0000_007F;
    let x = high | ((x - high * 100) << 16);
    let high = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
    let x = high | ((x - high * 10) << 8);
    x | 0x3030_3030_3030_3030
}

/// Write a sample value as [`Encoder`] does: `NaN`, `+Inf`, `-Inf`, the shortest round-trip
/// float (`21.5`, `4.0`, `1e21`, `-0.0`), or a plain integer (`42`, `-7`).
pub fn write_value<W: fmt::Write>(w: &mut W, value: Value) -> fmt::Result {
    let mut text = ValueText::default();
    text.value(value);
    w.write_str(text.as_str()?)
}

/// The text of one value, with room for a space before and a newline after: ryu's longest
/// float is 24 bytes, the longest integer 20 digits and a sign.
#[derive(Default)]
struct ValueText {
    buf: [u8; 32],
    len: usize,
}

impl ValueText {
    fn push(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn as_str(&self) -> Result<&str, fmt::Error> {
        // Always valid: ASCII only.
        core::str::from_utf8(&self.buf[..self.len]).map_err(|_| fmt::Error)
    }

    fn value(&mut self, value: Value) {
        let mut digits = [0; 20];
        match value {
            Value::F64(v) if v.is_nan() => self.push(b"NaN"),
            Value::F64(v) if v == f64::INFINITY => self.push(b"+Inf"),
            Value::F64(v) if v == f64::NEG_INFINITY => self.push(b"-Inf"),
            Value::F64(v) => self.float(v),
            Value::U64(v) => self.push(decimal_digits(v, &mut digits)),
            Value::I64(v) => {
                if v < 0 {
                    self.push(b"-");
                }
                self.push(decimal_digits(v.unsigned_abs(), &mut digits));
            }
        }
    }

    /// A finite float as the shortest text that round-trips, exactly as `ryu` writes it.
    ///
    /// Fast path for what sensors and millisecond clocks produce: when `|v|` is below 10^12
    /// and is the double nearest to a whole number of thousandths `m / 1000`, that decimal
    /// (trailing zeros dropped) is the shortest round-trip text. It rounds to `v`, and any
    /// other decimal with as few digits differs from it by at least 0.001, more than the
    /// width of `v`'s rounding interval (below 2^43 the spacing of doubles is under 0.001).
    /// `ryu` then writes it without an exponent, with at least one fraction digit.
    ///
    /// The fast path is [`packed_float_line`]'s; values whose line would not fit its 16
    /// bytes go through `ryu`, which writes the same text.
    fn float(&mut self, v: f64) {
        if let Some((line, len)) = packed_float_line(v) {
            // ` <value>\n`: the value alone.
            self.push(&line[1..len - 1]);
            return;
        }
        self.push(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// `n` in decimal ASCII digits, written into the end of `buf` (`u64::MAX` has 20 digits).
pub(crate) fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[start..];
        }
    }
}

/// Write a label value escaped for the exposition (`\` → `\\`, `"` → `\"`, newline → `\n`).
///
/// Every other character, including other control characters and any Unicode, is written
/// as it is.
pub fn write_label_value<W: fmt::Write, I: Iterator<Item = char>>(
    w: &mut W,
    value: I,
) -> fmt::Result {
    for c in value {
        match c {
            '\\' => w.write_str("\\\\")?,
            '"' => w.write_str("\\\"")?,
            '\n' => w.write_str("\\n")?,
            c => w.write_char(c)?,
        }
    }
    Ok(())
}

/// Write HELP text escaped (`\` → `\\`, newline → `\n`).
///
/// This is the text format's escaping; the Go text parser rejects `\"` in HELP. For
/// OpenMetrics, [`Encoder::family`] escapes `"` as well, as that grammar requires.
pub fn write_help<W: fmt::Write>(w: &mut W, help: &str) -> fmt::Result {
    write_escaped(w, help, false)
}

/// Writes `s` with `\` and newline escaped, and `"` too when `quote`: unescaped runs go out in
/// one `write_str` each.
fn write_escaped<W: fmt::Write>(w: &mut W, s: &str, quote: bool) -> fmt::Result {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quote => "\\\"",
            _ => continue,
        };
        // The escaped bytes are ASCII, so `i` and `i + 1` are char boundaries.
        w.write_str(&s[start..i])?;
        w.write_str(escaped)?;
        start = i + 1;
    }
    w.write_str(&s[start..])
}

/// Builds a label set `{a="x",b="y"}` incrementally: `{` before the first label, `}` in
/// [`LabelSet::finish`], nothing at all for an empty set. Values are escaped.
///
/// A set left without `finish` is unclosed. The rendered set is what
/// [`Encoder::sample_prerendered`] takes:
///
/// ```
/// use promcast_core::expo::LabelSet;
///
/// let mut labels = String::new();
/// let mut set = LabelSet::new(&mut labels);
/// set.label("sensor", "tank".chars()).unwrap();
/// set.label_str("room", "say \"hi\"").unwrap();
/// set.finish().unwrap();
/// assert_eq!(labels, r#"{sensor="tank",room="say \"hi\""}"#);
/// ```
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
        self.open(name)?;
        write_label_value(self.w, value)?;
        self.w.write_char('"')
    }

    /// Append one label whose value is a `&str`; the same output as [`LabelSet::label`] with
    /// `value.chars()`, written in runs rather than character by character.
    pub fn label_str(&mut self, name: &str, value: &str) -> fmt::Result {
        self.open(name)?;
        write_escaped(self.w, value, true)?;
        self.w.write_char('"')
    }

    /// Writes `{` or `,`, then `name="`.
    fn open(&mut self, name: &str) -> fmt::Result {
        self.w.write_char(if self.any { ',' } else { '{' })?;
        self.any = true;
        self.w.write_str(name)?;
        self.w.write_str("=\"")
    }

    /// Close the set.
    pub fn finish(self) -> fmt::Result {
        if self.any {
            self.w.write_char('}')
        } else {
            Ok(())
        }
    }
}

/// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

/// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`).
pub fn is_valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    !name.starts_with("__")
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::*;

    #[test]
    fn eight_digits_of_every_kind_of_number() {
        for n in (0..100_000_000u64)
            .step_by(9_973)
            .chain([0, 7, 99_999_999, 10_000_000])
        {
            let text = std::format!("{n:08}");
            assert_eq!(eight_digits(n).to_le_bytes(), text.as_bytes(), "{n}");
        }
    }

    /// The float fast path writes exactly what `ryu` writes.
    #[test]
    fn floats_match_ryu() {
        fn check(v: f64) {
            let mut ours = std::string::String::new();
            write_value(&mut ours, Value::F64(v)).expect("a String takes any write");
            assert_eq!(
                ours,
                ryu::Buffer::new().format_finite(v),
                "{v:e} ({:#x})",
                v.to_bits()
            );
            let mut line = std::string::String::new();
            write_value_line(&mut line, Value::F64(v)).expect("a String takes any write");
            assert_eq!(
                line,
                std::format!(" {ours}\n"),
                "{v:e} ({:#x})",
                v.to_bits()
            );
        }
        // xorshift64*, fixed seed.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        for m in 0..50_000u64 {
            for scale in [1.0, 10.0, 100.0, 1000.0, 10_000.0] {
                check(m as f64 / scale);
                check(-(m as f64) / scale);
            }
        }
        // Millisecond Unix times, and the longest values of the fast path.
        for ms in (1_763_750_000_000u64..).step_by(7_919).take(50_000) {
            check(ms as f64 / 1000.0);
        }
        for v in [
            99_999_999.999,
            100_000_000.5,
            999_999_999_999.999,
            99_999_999_999.999,
        ] {
            check(v);
            check(-v);
        }
        for _ in 0..200_000 {
            let r = next();
            // Thousandths across the whole fast-path range and past it.
            let m = r % 2_000_000_000_000_000;
            check(m as f64 / 1000.0);
            check(m as f64 / 100.0);
            // Millisecond Unix timestamps, as the clock makes them.
            check((1_700_000_000_000 + r % 100_000_000_000) as f64 / 1000.0);
            // Anything at all.
            let any = f64::from_bits(r);
            if any.is_finite() {
                check(any);
            }
            check((r >> 11) as f64 * 1e-3);
        }
        for e in -30..30 {
            let p = 10f64.powi(e);
            for v in [
                p,
                p * (1.0 - f64::EPSILON),
                p * (1.0 + f64::EPSILON),
                1e12 - p,
                1e12 + p,
            ] {
                check(v);
                check(-v);
            }
        }
        for v in [
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            999_999_999_999.999,
            0.001,
            0.0005,
        ] {
            check(v);
        }
    }

    #[test]
    fn qvalues() {
        let cases = [
            ("0", Some(0)),
            ("1", Some(1000)),
            ("0.", Some(0)),
            ("1.", Some(1000)),
            ("0.5", Some(500)),
            ("0.75", Some(750)),
            ("0.001", Some(1)),
            ("0.9999", Some(999)),
            ("1.000", Some(1000)),
            ("1.0000", Some(1000)),
            ("1.001", None),
            ("2", None),
            ("01", None),
            ("", None),
            (".5", None),
            ("0.5x", None),
            ("-0", None),
            ("+1", None),
            (" 1", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_qvalue(input), expected, "{input:?}");
        }
    }

    #[test]
    fn splitting() {
        let split = |s, d| split_unquoted(s, d).collect::<Vec<_>>();
        assert_eq!(split("", b','), [""]);
        assert_eq!(split("a,b,,c,", b','), ["a", "b", "", "c", ""]);
        assert_eq!(split(r#"a;x="1,2";y=3,b"#, b','), [r#"a;x="1,2";y=3"#, "b"]);
        assert_eq!(split(r#"a;x="q\",r",b"#, b','), [r#"a;x="q\",r""#, "b"]);
        assert_eq!(
            split(r#"a;x="unterminated,b"#, b','),
            [r#"a;x="unterminated,b"#]
        );
        assert_eq!(split("a ; b", b';'), ["a ", " b"]);
    }

    #[test]
    fn unquoting() {
        assert_eq!(unquote("\"1.0.0\""), "1.0.0");
        assert_eq!(unquote("1.0.0"), "1.0.0");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(unquote("\"\""), "");
    }
}
