//! A Grafana dashboard's PromQL: every query it holds ([`queries`]), variable queries
//! ([`VariableQuery`]), and the substitution of Grafana's variables the way its Prometheus
//! data source does it ([`Scope::interpolate`]), so the result can be sent to Prometheus.
//!
//! # Substitution
//!
//! Grafana replaces variables in the query text before Prometheus sees it. The forms are
//! `$name`, `${name}`, `${name:format}` and the old `[[name]]` / `[[name:format]]`
//! (`${name.path}` field paths are not supported). What a variable becomes depends on the
//! format and on whether it can hold several values (multi-value or "Include All"):
//!
//! | format | single value | several values (or All) |
//! | --- | --- | --- |
//! | none (the usual) | the value, `\` and `'` escaped | each value regex-escaped for a PromQL string (`.` → `\\.`), as `(a\|b)`; one value alone without parentheses |
//! | `regex` | the value regex-escaped with single backslashes | `(a\|b)` of those |
//! | `pipe` | the value | `a\|b` |
//! | `raw`, `csv` | the value | `a,b` |
//!
//! This is Grafana's classic escaping (without the `prometheusSpecialCharsInLabelValues`
//! feature toggle). With no custom "All" value (the dashboard sets none) All is every value
//! the variable's query returned, so `device=~"$device"` still requires the label to be
//! there. `regex` format puts single backslashes into the query, which PromQL strings reject
//! (`"\."`): the dashboard uses the plain form. The built-ins derived from the time range (`$__interval`,
//! `$__rate_interval`, `$__range`, ...) are plain values that the caller chooses, as Grafana
//! computes them from the panel's width and the time range. A `$` followed by digits only
//! (`$1` in `label_replace`) is left alone, as Grafana leaves every unknown name; any other
//! unknown name is an error here, so a misspelt variable fails loudly.

use std::collections::BTreeMap;

use serde_json::Value;

/// Where a query sits in the dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A target of a panel.
    Panel {
        /// The panel's `id`.
        id: u64,
        /// The panel's title.
        title: String,
        /// The target's `refId`.
        ref_id: String,
    },
    /// A template variable's query.
    Variable {
        /// The variable's name.
        name: String,
    },
    /// An annotation query.
    Annotation {
        /// The annotation's name.
        name: String,
    },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Panel { id, title, ref_id } => {
                write!(f, "panel {id} {title:?} target {ref_id}")
            }
            Source::Variable { name } => write!(f, "variable {name}"),
            Source::Annotation { name } => write!(f, "annotation {name:?}"),
        }
    }
}

/// One query of a dashboard, before substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Where it is.
    pub source: Source,
    /// The query text: PromQL for panels and annotations, Grafana's variable query syntax
    /// for variables.
    pub expr: String,
    /// The panel's minimum interval (its `interval` setting), which `$__interval` does not
    /// go below; `None` when unset or not a panel.
    pub min_interval: Option<String>,
    /// The target's legend format (`legendFormat`, see [`legend`]); `None` when unset or
    /// not a panel.
    pub legend_format: Option<String>,
}

/// Every query of `dashboard`, in order: variables, annotations, then panels (rows' nested
/// panels included) with their targets.
///
/// # Errors
/// When the JSON does not have the shape of a dashboard: a panel target without an `expr`
/// (every target must be a Prometheus query), a query variable without a query, or a
/// variable whose `definition` differs from the query Grafana runs.
pub fn queries(dashboard: &Value) -> Result<Vec<Query>, String> {
    let mut out = Vec::new();
    for var in array(&dashboard["templating"]["list"]) {
        let name = text(&var["name"]).ok_or_else(|| format!("variable without a name: {var}"))?;
        if var["type"] != "query" {
            continue;
        }
        let expr = match &var["query"] {
            Value::String(q) => q.clone(),
            q => text(&q["query"])
                .ok_or_else(|| format!("variable {name} has no query"))?
                .to_owned(),
        };
        if let Some(definition) = text(&var["definition"])
            && definition != expr
        {
            return Err(format!(
                "variable {name}: definition {definition:?} differs from query {expr:?}"
            ));
        }
        out.push(Query {
            source: Source::Variable {
                name: name.to_owned(),
            },
            expr,
            min_interval: None,
            legend_format: None,
        });
    }
    for annotation in array(&dashboard["annotations"]["list"]) {
        if let Some(expr) = text(&annotation["expr"]) {
            out.push(Query {
                source: Source::Annotation {
                    name: text(&annotation["name"]).unwrap_or_default().to_owned(),
                },
                expr: expr.to_owned(),
                min_interval: None,
                legend_format: None,
            });
        }
    }
    panel_queries(array(&dashboard["panels"]), &mut out)?;
    Ok(out)
}

fn panel_queries(panels: &[Value], out: &mut Vec<Query>) -> Result<(), String> {
    for panel in panels {
        let id = panel["id"]
            .as_u64()
            .ok_or_else(|| format!("panel without an id: {}", panel["title"]))?;
        let title = text(&panel["title"]).unwrap_or_default();
        for target in array(&panel["targets"]) {
            let ref_id = text(&target["refId"]).unwrap_or_default();
            let expr = text(&target["expr"])
                .ok_or_else(|| format!("panel {id} {title:?} target {ref_id} has no expr"))?;
            out.push(Query {
                source: Source::Panel {
                    id,
                    title: title.to_owned(),
                    ref_id: ref_id.to_owned(),
                },
                expr: expr.to_owned(),
                min_interval: text(&panel["interval"]).map(str::to_owned),
                legend_format: text(&target["legendFormat"]).map(str::to_owned),
            });
        }
        panel_queries(array(&panel["panels"]), out)?;
    }
    Ok(())
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

/// A series' name in a panel, as Grafana makes it from a legend format: each `{{label}}`
/// becomes the label's value (nothing when the series lacks it), the rest stays as written.
/// `__auto` and an empty format, which make Grafana choose, are not supported here.
pub fn legend(format: &str, labels: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                out.push_str(labels.get(name).map_or("", String::as_str));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A variable query in Grafana's syntax for Prometheus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableQuery<'a> {
    /// `label_values(label)` or `label_values(selector, label)`: Grafana asks the label
    /// values API (`/api/v1/label/<label>/values`, with `match[]=<selector>`).
    LabelValues {
        /// The series selector, if any.
        selector: Option<&'a str>,
        /// The label.
        label: &'a str,
    },
    /// `query_result(expr)`: the PromQL expression, evaluated at the end of the range.
    QueryResult(&'a str),
}

impl<'a> VariableQuery<'a> {
    /// Parse a variable query.
    ///
    /// # Errors
    /// For `label_names()`, `metrics(...)` and anything that is not one of the two forms.
    pub fn parse(query: &'a str) -> Result<VariableQuery<'a>, String> {
        let q = query.trim();
        let call = |name: &str| {
            q.strip_prefix(name)
                .and_then(|rest| rest.trim_start().strip_prefix('('))
                .and_then(|rest| rest.strip_suffix(')'))
                .map(str::trim)
        };
        if let Some(args) = call("label_values") {
            return Ok(match top_level_last_comma(args) {
                Some(i) => VariableQuery::LabelValues {
                    selector: Some(args[..i].trim()),
                    label: args[i + 1..].trim(),
                },
                None => VariableQuery::LabelValues {
                    selector: None,
                    label: args,
                },
            });
        }
        if let Some(expr) = call("query_result") {
            return Ok(VariableQuery::QueryResult(expr));
        }
        Err(format!(
            "unsupported variable query {query:?}: use label_values(...) or query_result(...)"
        ))
    }
}

/// The byte index of the last comma outside braces, brackets, parentheses and quotes.
fn top_level_last_comma(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut last = None;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth -= 1,
            ',' if depth == 0 => last = Some(i),
            _ => {}
        }
    }
    last
}

/// A variable's value as Grafana hands it to the data source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variable {
    /// A variable that holds one value (neither multi-value nor with "Include All"), or a
    /// built-in such as `$__interval`.
    Single(String),
    /// A multi-value or "Include All" variable with the values selected: for All, every
    /// value of the variable.
    Multi(Vec<String>),
}

/// The variables in scope for interpolation.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    vars: BTreeMap<String, Variable>,
}

impl Scope {
    /// No variables.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// Set (or replace) variable `name`.
    pub fn set(&mut self, name: &str, value: Variable) -> &mut Scope {
        self.vars.insert(name.to_owned(), value);
        self
    }

    /// `text` with every variable replaced as described in the [module documentation](self).
    ///
    /// # Errors
    /// An unknown variable (other than `$` and digits), an unknown format, or an unclosed
    /// `${` or `[[`.
    pub fn interpolate(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find(['$', '[']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let (reference, len) = if let Some(inner) = tail.strip_prefix("${") {
                let end = inner
                    .find('}')
                    .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
                (Some(&inner[..end]), end + 3)
            } else if let Some(inner) = tail.strip_prefix("[[") {
                match inner.find("]]") {
                    Some(end) if is_reference(&inner[..end]) => (Some(&inner[..end]), end + 4),
                    // `[[` that is not a variable: PromQL never has it, but leave it alone.
                    _ => (None, 2),
                }
            } else if let Some(inner) = tail.strip_prefix('$') {
                let end = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                (Some(&inner[..end]).filter(|name| !name.is_empty()), end + 1)
            } else {
                (None, 1)
            };
            match reference {
                Some(reference) => match self.lookup(reference)? {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&tail[..len]),
                },
                None => out.push_str(&tail[..len]),
            }
            rest = &tail[len..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The text for `name` or `name:format`; `None` for a name of digits only.
    fn lookup(&self, reference: &str) -> Result<Option<String>, String> {
        let (name, format) = match reference.split_once(':') {
            Some((name, format)) => (name, Some(format)),
            None => (reference, None),
        };
        if name.chars().all(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        let value = self
            .vars
            .get(name)
            .ok_or_else(|| format!("unknown variable {name:?}"))?;
        let values: Vec<&str> = match value {
            Variable::Single(v) => vec![v.as_str()],
            Variable::Multi(vs) => vs.iter().map(String::as_str).collect(),
        };
        let group = |escaped: Vec<String>| match escaped.as_slice() {
            [one] => one.clone(),
            _ => format!("({})", escaped.join("|")),
        };
        Ok(Some(match (format, value) {
            (None, Variable::Single(v)) => v.replace('\\', "\\\\").replace('\'', "\\\\'"),
            (None, Variable::Multi(_)) => {
                group(values.iter().map(|v| promql_regex_escape(v)).collect())
            }
            (Some("regex"), _) => group(values.iter().map(|v| regex_escape(v)).collect()),
            (Some("pipe"), _) => values.join("|"),
            (Some("raw" | "csv"), _) => values.join(","),
            (Some(other), _) => return Err(format!("unsupported format {other:?} of ${name}")),
        }))
    }
}

fn is_reference(s: &str) -> bool {
    let name = s.split_once(':').map_or(s, |(name, _)| name);
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Grafana's `prometheusSpecialRegexEscape`: a value made a literal inside a regex that is
/// itself inside a PromQL double-quoted string, so each escaping backslash is doubled.
pub fn promql_regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\\\\\"),
            '$' | '^' | '*' | '{' | '}' | '[' | ']' | '+' | '?' | '.' | '(' | ')' | '|' => {
                out.push_str("\\\\");
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Grafana's `regex` format: the value made a regex literal with single backslashes.
pub fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\^$*+?.()|[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
