//! The Grafana helpers on small inputs, and the shape of deploy/grafana/promcast.json.

use std::collections::{BTreeMap, BTreeSet};

use promcast_deploy_tests::grafana::{
    Query, Scope, Source, Variable, VariableQuery, legend, queries,
};
use promcast_deploy_tests::prometheus_config::{replace_exactly, scrape_configs};
use serde_json::{Value, json};

const DASHBOARD: &str = include_str!("../../../deploy/grafana/promcast.json");

fn dashboard() -> Value {
    serde_json::from_str(DASHBOARD).expect("promcast.json is JSON")
}

fn scope() -> Scope {
    let mut scope = Scope::new();
    scope
        .set(
            "device",
            Variable::Multi(vec!["127.0.0.1".into(), "front-door".into()]),
        )
        .set("one", Variable::Multi(vec!["a.b".into()]))
        .set("plain", Variable::Single(r"it's C:\temp".into()))
        .set("__rate_interval", Variable::Single("1m".into()));
    scope
}

#[test]
fn multi_value_variables_become_escaped_regex_alternatives() {
    assert_eq!(
        scope().interpolate(r#"up{device=~"$device"}"#),
        Ok(r#"up{device=~"(127\\.0\\.0\\.1|front-door)"}"#.to_owned())
    );
    assert_eq!(
        scope().interpolate(r#"up{device=~"${one}"}"#),
        Ok(r#"up{device=~"a\\.b"}"#.to_owned())
    );
}

#[test]
fn every_syntax_and_format() {
    let s = scope();
    assert_eq!(
        s.interpolate("rate(x[$__rate_interval]) [[__rate_interval]] ${__rate_interval}"),
        Ok("rate(x[1m]) 1m 1m".to_owned())
    );
    assert_eq!(
        s.interpolate("${device:regex} ${device:pipe} ${device:raw} [[device:csv]]"),
        Ok(r"(127\.0\.0\.1|front-door) 127.0.0.1|front-door 127.0.0.1,front-door 127.0.0.1,front-door".to_owned())
    );
    assert_eq!(
        s.interpolate("$plain ${plain:raw}"),
        Ok(r"it\\'s C:\\temp it's C:\temp".to_owned())
    );
}

#[test]
fn what_is_not_a_variable_stays() {
    assert_eq!(
        scope().interpolate(r#"label_replace(up, "a", "$1", "b", "(.*)") x{y=~"z$"} [5m] $ $$"#),
        Ok(r#"label_replace(up, "a", "$1", "b", "(.*)") x{y=~"z$"} [5m] $ $$"#.to_owned())
    );
}

#[test]
fn unknown_variables_and_formats_are_errors() {
    let s = scope();
    assert_eq!(
        s.interpolate("x{device=~\"$devices\"}"),
        Err("unknown variable \"devices\"".to_owned())
    );
    assert_eq!(
        s.interpolate("${device:json}"),
        Err("unsupported format \"json\" of $device".to_owned())
    );
    assert_eq!(
        s.interpolate("x ${device"),
        Err("unclosed ${ in \"x ${device\"".to_owned())
    );
}

#[test]
fn legends_fill_in_labels() {
    let labels: BTreeMap<String, String> = [("device", "front-door"), ("pin_name", "left")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
    assert_eq!(
        legend("{{device}} {{ pin_name }}: {{missing}}!", &labels),
        "front-door left: !"
    );
    assert_eq!(legend("up {{device", &labels), "up {{device");
}

#[test]
fn variable_queries_parse() {
    assert_eq!(
        VariableQuery::parse(
            r#"label_values(temperature{device=~"$device", a="x,y"}, friendly_name)"#
        ),
        Ok(VariableQuery::LabelValues {
            selector: Some(r#"temperature{device=~"$device", a="x,y"}"#),
            label: "friendly_name",
        })
    );
    assert_eq!(
        VariableQuery::parse(" label_values(device) "),
        Ok(VariableQuery::LabelValues {
            selector: None,
            label: "device",
        })
    );
    assert_eq!(
        VariableQuery::parse("query_result(topk(3, up))"),
        Ok(VariableQuery::QueryResult("topk(3, up)"))
    );
    assert_eq!(
        VariableQuery::parse("metrics(gpio_.*)"),
        Err("unsupported variable query \"metrics(gpio_.*)\": use label_values(...) or query_result(...)".to_owned())
    );
}

#[test]
fn queries_come_from_variables_annotations_and_nested_panels() {
    let d = json!({
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "device", "type": "query", "definition": "label_values(up, device)",
             "query": {"query": "label_values(up, device)", "refId": "V"}},
            {"name": "old", "type": "query", "query": "label_values(job)"}
        ]},
        "annotations": {"list": [
            {"name": "Annotations & Alerts", "builtIn": 1},
            {"name": "restarts", "expr": "changes(process_start_time_seconds[1m]) > 0"}
        ]},
        "panels": [
            {"id": 1, "type": "row", "title": "r", "panels": [
                {"id": 2, "title": "inner", "interval": "1d", "targets": [{"refId": "A", "expr": "up", "legendFormat": "{{job}}"}]}
            ]},
            {"id": 3, "title": "outer", "targets": [{"refId": "A", "expr": "a"}, {"refId": "B", "expr": "b"}]}
        ]
    });
    let q = |source, expr: &str, min_interval: Option<&str>| Query {
        source,
        expr: expr.to_owned(),
        min_interval: min_interval.map(str::to_owned),
        legend_format: None,
    };
    let panel = |id, title: &str, ref_id: &str| Source::Panel {
        id,
        title: title.to_owned(),
        ref_id: ref_id.to_owned(),
    };
    assert_eq!(
        queries(&d),
        Ok(vec![
            q(
                Source::Variable {
                    name: "device".into()
                },
                "label_values(up, device)",
                None
            ),
            q(
                Source::Variable { name: "old".into() },
                "label_values(job)",
                None
            ),
            q(
                Source::Annotation {
                    name: "restarts".into()
                },
                "changes(process_start_time_seconds[1m]) > 0",
                None
            ),
            Query {
                legend_format: Some("{{job}}".into()),
                ..q(panel(2, "inner", "A"), "up", Some("1d"))
            },
            q(panel(3, "outer", "A"), "a", None),
            q(panel(3, "outer", "B"), "b", None),
        ])
    );
    let bad = json!({"panels": [{"id": 7, "title": "t", "targets": [{"refId": "A"}]}]});
    assert_eq!(
        queries(&bad),
        Err("panel 7 \"t\" target A has no expr".to_owned())
    );
    let drift = json!({"templating": {"list": [
        {"name": "d", "type": "query", "definition": "label_values(up, a)", "query": {"query": "label_values(up, b)"}}
    ]}});
    assert_eq!(
        queries(&drift),
        Err("variable d: definition \"label_values(up, a)\" differs from query \"label_values(up, b)\"".to_owned())
    );
}

#[test]
fn scrape_configs_are_taken_out_of_a_configuration() {
    let yaml = "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h:1']\n\n  # b\n  - job_name: b\nremote_write: []\n";
    assert_eq!(
        scrape_configs(yaml),
        Ok("  - job_name: a\n    static_configs:\n      - targets: ['h:1']\n\n  # b\n  - job_name: b\n".to_owned())
    );
    assert_eq!(
        scrape_configs("global: {}\n"),
        Err("no top-level `scrape_configs:` line".to_owned())
    );
    assert_eq!(
        replace_exactly("a b a", "a", "c", 2),
        Ok("c b c".to_owned())
    );
    assert_eq!(
        replace_exactly("a b a", "b", "c", 2),
        Err("\"b\" occurs 1 times, not 2".to_owned())
    );
}

/// The dashboard's settings that importing and the queries depend on.
#[test]
fn the_dashboard_is_importable_with_a_datasource_variable() {
    let d = dashboard();
    assert_eq!(d["schemaVersion"], 39);
    assert_eq!(d["uid"], "promcast");
    let vars = d["templating"]["list"].as_array().expect("variables");
    let summary: Vec<(String, String, bool, bool)> = vars
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or_default().to_owned(),
                v["type"].as_str().unwrap_or_default().to_owned(),
                v["multi"] == true,
                v["includeAll"] == true,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("datasource", "datasource", false, false),
            ("device", "query", true, true),
            ("friendly_name", "query", true, true),
        ]
        .map(|(n, t, m, a)| (n.to_owned(), t.to_owned(), m, a))
    );
    assert_eq!(vars[0]["query"], "prometheus");
    for v in &vars[1..] {
        assert_eq!(
            v["datasource"],
            json!({"type": "prometheus", "uid": "${datasource}"})
        );
        // No custom All value: All is the list of values, so a filter still needs its label.
        assert_eq!(v.get("allValue"), None, "{}", v["name"]);
    }
}

/// Ids unique, every panel on the 24-column grid without overlapping another, every
/// query panel and target on the `${datasource}` variable.
#[test]
fn the_dashboard_panels_are_laid_out_and_use_the_datasource_variable() {
    let d = dashboard();
    let panels = d["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for p in panels {
        let id = p["id"].as_u64().expect("id");
        assert!(ids.insert(id), "panel id {id} twice");
        let g = &p["gridPos"];
        let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| g[k].as_u64().expect("gridPos"));
        assert!(w >= 1 && x + w <= 24 && h >= 1, "panel {id} gridPos {g}");
        for cx in x..x + w {
            for cy in y..y + h {
                assert!(
                    cells.insert((cx, cy)),
                    "panel {id} overlaps another at {cx},{cy}"
                );
            }
        }
        if p["type"] == "row" {
            assert_eq!(p["panels"], json!([]), "row {id} is expanded");
            continue;
        }
        let ds = json!({"type": "prometheus", "uid": "${datasource}"});
        assert_eq!(p["datasource"], ds, "panel {id}");
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "panel {id} has no query");
        for t in targets {
            assert_eq!(t["datasource"], ds, "panel {id} target {}", t["refId"]);
        }
    }
}
