//! Taking the scrape jobs out of a `prometheus.yml` as text, so a test can run them in
//! `testkit::prometheus`'s server with its own global section.

/// The entries under the top-level `scrape_configs:` key, as written (the list items with
/// their indentation), up to the next top-level key or the end.
///
/// # Errors
/// When there is no top-level `scrape_configs:` line, or nothing under it.
pub fn scrape_configs(yaml: &str) -> Result<String, String> {
    let mut lines = yaml.lines();
    lines
        .by_ref()
        .find(|line| line.trim_end() == "scrape_configs:")
        .ok_or("no top-level `scrape_configs:` line")?;
    let mut out = String::new();
    for line in lines {
        if line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    if out.trim().is_empty() {
        return Err("`scrape_configs:` has no entries".into());
    }
    Ok(out)
}

/// `text` with its `count` occurrences of `from` replaced by `to`.
///
/// # Errors
/// When `from` occurs some other number of times: the file being adapted has changed, and
/// the adaptation must be looked at again.
pub fn replace_exactly(text: &str, from: &str, to: &str, count: usize) -> Result<String, String> {
    match text.matches(from).count() {
        n if n == count => Ok(text.replace(from, to)),
        n => Err(format!("{from:?} occurs {n} times, not {count}")),
    }
}
