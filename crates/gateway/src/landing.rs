//! The landing page at `/`: what is reporting, at a glance.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::discovery::SD_PATH;
use crate::http::AppState;

/// Escape text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Age in seconds, one decimal, from Unix times.
fn age(now: f64, then: f64) -> String {
    format!("{:.1}&nbsp;s", (now - then).max(0.0))
}

/// The page.
pub fn page(st: &AppState) -> String {
    let view = st.published.load();
    let now = st.clock.unix_seconds();
    let mut h = String::with_capacity(8192);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>promcast</title>\
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}\
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}td.n{{text-align:right}}</style></head><body>\n\
<h1>promcast</h1>\n<p>Version {} ({}). Metrics: <a href=\"{}\">{}</a>. \
{} devices, {} series, {} packets received, {} rejected.</p>\n",
        html_escape(st.build.version),
        html_escape(st.build.revision),
        html_escape(&st.telemetry_path),
        html_escape(&st.telemetry_path),
        view.devices.len(),
        view.series_len(),
        st.telemetry.received.load(Ordering::Relaxed),
        st.telemetry.rejected_total(),
    );
    h.push_str("<h2>Devices</h2>\n<table><tr><th>Device</th><th>Last packet</th><th>Packets</th><th>Series</th><th>Status</th></tr>\n");
    for d in view.devices.values() {
        let status = d.status.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let status = status
            .map(|s| {
                format!(
                    "{} ({}: {} ago)",
                    html_escape(&s.status),
                    html_escape(&s.name),
                    age(now, s.unix)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{} ago</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            html_escape(&d.id),
            age(now, d.seen_unix.get()),
            d.packets.load(Ordering::Relaxed),
            d.series.load(Ordering::Relaxed),
            status
        );
    }
    h.push_str("</table>\n<h2>Sensors</h2>\n<table><tr><th>Device</th><th>Kind</th><th>Name</th><th>Sensor id</th><th>Value</th><th>Last reading</th></tr>\n");
    for (spec, series) in st.kinds.iter().zip(&view.kinds) {
        for s in series.values() {
            let unit = s.unit.as_deref().or(spec.unit.as_deref()).unwrap_or("");
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} {}</td><td class=\"n\">{} ago</td></tr>",
                html_escape(&s.device.id),
                html_escape(&spec.kind),
                html_escape(&s.name),
                html_escape(s.sensor.as_deref().unwrap_or("")),
                s.value.get(),
                html_escape(unit),
                age(now, s.seen_unix.get()),
            );
        }
    }
    h.push_str("</table>\n");
    if !view.pins.is_empty() {
        let mono = st.clock.monotonic();
        h.push_str("<h2>Contacts</h2>\n<table><tr><th>Device</th><th>Pin</th><th>Number</th><th>State</th><th>For</th><th>Turned on</th></tr>\n");
        for p in view.pins.values() {
            let s = p.state(mono);
            let (state, dur) = if s.is_on {
                ("on", s.on_seconds)
            } else {
                ("off", s.off_seconds)
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{state}</td><td class=\"n\">{dur:.1}&nbsp;s</td><td class=\"n\">{}</td></tr>",
                html_escape(&p.device.id),
                html_escape(&p.name),
                p.number,
                s.on_transitions,
            );
        }
        h.push_str("</table>\n");
    }
    if !view.targets.is_empty() {
        let _ = write!(
            h,
            "<h2>Scrape targets</h2>\n<p>Announced by the devices; Prometheus finds them at \
<a href=\"{sd}\">{sd}</a>.</p>\n<table><tr><th>Device</th><th>Hostname</th><th>Address</th><th>Path</th><th>Last announce</th></tr>\n",
            sd = SD_PATH
        );
        for t in view.targets.values() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} ago</td></tr>",
                html_escape(&t.device),
                html_escape(&t.hostname),
                t.address,
                html_escape(t.path.as_deref().unwrap_or("")),
                age(now, t.seen_unix.get()),
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    h
}
