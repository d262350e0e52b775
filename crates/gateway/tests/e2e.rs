//! End to end, inside a private network namespace: a simulated Linux agent pushes contact and
//! temperature packets over real multicast to the gateway with its default settings, and a
//! real Prometheus scrapes both the gateway and the agent's own `/metrics`.

mod common;

use std::time::{Duration, Instant};

use testkit::prometheus::{Config as PromConfig, Prometheus, Sample};

fn one(samples: &[Sample]) -> f64 {
    assert_eq!(samples.len(), 1, "exactly one series: {samples:?}");
    samples[0].value
}

#[test]
fn agent_gateway_and_prometheus_agree_on_doors_and_temperatures() {
    testkit::in_netns!();
    let rt = common::runtime();
    // The gateway exactly as shipped: group 239.0.0.1, UDP 9999.
    let gw = common::shipped_gateway(&rt);

    // The example fleet's Pi: a back door that opens one second in, a probe at 19.5 °C,
    // pushing to the fleet's default target, the multicast group.
    let started = Instant::now();
    let agent = common::example_pi_hall("back-door:on@1s", "Hall=19.5");

    let prom = Prometheus::start_with(
        PromConfig::new(&format!(
            "  - job_name: promcast\n    static_configs:\n      - targets: ['{}']\n  - job_name: agent\n    static_configs:\n      - targets: ['{}']\n",
            gw.http_addr,
            agent.http_addr()
        ))
        .scrape_interval(Duration::from_millis(500)),
    );

    // Temperatures: pushed by the agent's sender, served by the gateway.
    let t = prom.wait_for(
        r#"temperature{sensor_name="Hall"}"#,
        |r| r.len() == 1,
        Duration::from_secs(30),
    );
    assert_eq!(
        common::label_pairs(&t[0]),
        vec![
            ("__name__", "temperature"),
            ("device", "pi-hall"),
            ("friendly_name", "Hall"),
            ("instance", gw.http_addr.to_string().as_str()),
            ("job", "promcast"),
            ("sensor_id", "28a53124070000e4"),
            ("sensor_name", "Hall"),
        ]
    );
    assert_eq!(t[0].value, 19.5);

    // The door: open in both the gateway's (pushed) and the agent's (pulled) view.
    for job in ["promcast", "agent"] {
        let q = format!(
            r#"gpio_pin_is_on{{job="{job}",hostname="pi-hall",pin_name="back-door",pin_number="17"}}"#
        );
        prom.wait_for(
            &q,
            |r| r.len() == 1 && r[0].value == 1.0,
            Duration::from_secs(30),
        );
    }
    // Durations: how long it has been open, as each saw it at its last scrape, against the
    // time since the scripted opening (one second after start), within two scrape intervals.
    let open_for = started.elapsed().as_secs_f64() - 1.0;
    for job in ["promcast", "agent"] {
        let on = one(&prom.query(&format!(r#"gpio_pin_on_seconds{{job="{job}"}}"#)));
        assert!(
            (open_for - on).abs() < 1.5,
            "{job}: open {on} s, expected about {open_for} s"
        );
        let since_on = one(&prom.query(&format!(r#"gpio_pin_seconds_since_on{{job="{job}"}}"#)));
        assert!(
            (on - since_on).abs() < 0.001,
            "{job}: since_on {since_on} vs on {on}"
        );
        assert_eq!(
            one(&prom.query(&format!(r#"gpio_pin_off_seconds{{job="{job}"}}"#))),
            -1.0
        );
        assert_eq!(
            one(&prom.query(&format!(r#"gpio_pin_seconds_since_off{{job="{job}"}}"#))),
            -1.0
        );
        assert_eq!(
            one(&prom.query(&format!(r#"gpio_pin_on_transitions_total{{job="{job}"}}"#))),
            1.0
        );
    }
    let info = prom.query(r#"promcast_device_info{job="agent"}"#);
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].labels["hostname"], "pi-hall");
    assert_eq!(info[0].labels["platform"], "linux");
    for target in prom.targets() {
        assert_eq!(
            (target.health.as_str(), target.last_error.as_str()),
            ("up", ""),
            "{target:?}"
        );
    }
    let rejected = prom.query("sum(promcast_packets_rejected_total)");
    assert_eq!(one(&rejected), 0.0);

    agent.stop();
    rt.block_on(gw.stop()).expect("gateway stops");
}
