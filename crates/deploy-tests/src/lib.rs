//! Test support for promcast's deployment kit (`deploy/`): reading the Grafana dashboard's
//! PromQL with Grafana's variable interpolation ([`grafana`]), and taking the scrape jobs out
//! of the example `prometheus.yml` ([`prometheus_config`]).
//!
//! The tests in `tests/` use it: `dashboard.rs` runs every dashboard query against a real
//! Prometheus that scrapes a simulated fleet through the example configuration and loads
//! the example rules, and checks the series each query gives; `grafana.rs` checks the
//! interpolation and the dashboard's structure; `systemd.rs` runs `systemd-analyze` on the
//! units of `deploy/systemd`.
//! The package is not published; it exists for its tests.

#![forbid(unsafe_code)]

pub mod grafana;
pub mod prometheus_config;
