//! The sim backend: scripts give exact pin states at given simulated times, and random runs
//! are the same for the same seed.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{device, ms};
use promcast_agent::clock::ManualClock;
use promcast_agent::contacts::Inputs;
use promcast_agent::sim::{SimContacts, SimThermometers, parse_script};
use promcast_agent::{Agent, Backends, Options, PushTo};
use promcast_core::pin::PinState;

/// A state: `secs` is on, off, since on, since off (seconds, -1 for "not applicable"),
/// `totals` the seconds on and off in all.
fn state(is_on: bool, secs: [f64; 4], transitions: u64, totals: [f64; 2]) -> PinState {
    PinState {
        is_on,
        on_seconds: secs[0],
        off_seconds: secs[1],
        seconds_since_on: secs[2],
        seconds_since_off: secs[3],
        on_transitions: transitions,
        on_seconds_total: totals[0],
        off_seconds_total: totals[1],
    }
}

#[test]
fn a_script_gives_exact_states_at_given_times() {
    let device = device();
    let steps = parse_script(
        "window:on@0s, back-door:on@2s, back-door:off@5s, window:off@7500ms, back-door:on@1m",
        &device.pins,
    )
    .expect("script");
    let mut inputs = Inputs::new(
        &device.pins,
        Box::new(SimContacts::scripted(&device.pins, steps)),
        ms(0),
    );
    let mut at = |t: u64| {
        inputs.sync(ms(t));
        [
            inputs.state(0, ms(t)).expect("door"),
            inputs.state(1, ms(t)).expect("window"),
        ]
    };
    assert_eq!(
        at(1_000),
        [
            state(false, [-1.0, 1.0, -1.0, -1.0], 0, [0.0, 1.0]),
            state(true, [1.0, -1.0, -1.0, -1.0], 0, [1.0, 0.0]),
        ]
    );
    // The door's 20 ms debounce: at 2.01 s the change is still pending, by 2.02 s it counts
    // from 2 s.
    assert_eq!(
        at(2_010)[0],
        state(false, [-1.0, 2.01, -1.0, -1.0], 0, [0.0, 2.01])
    );
    assert_eq!(
        at(2_500)[0],
        state(true, [0.5, -1.0, 0.5, -1.0], 1, [0.5, 2.0])
    );
    assert_eq!(
        at(8_000),
        [
            state(false, [-1.0, 3.0, 6.0, 3.0], 1, [3.0, 5.0]),
            state(false, [-1.0, 0.5, -1.0, 0.5], 0, [7.5, 0.5]),
        ]
    );
    assert_eq!(
        at(61_000)[0],
        state(true, [1.0, -1.0, 1.0, 56.0], 2, [4.0, 57.0])
    );
}

fn scrape_random(seed: u64, at: u64) -> String {
    let device = device();
    let backends = Backends {
        contacts: Box::new(SimContacts::random(
            &device.pins,
            seed,
            Duration::from_secs(10),
        )),
        thermometers: Box::new(SimThermometers::new(&device.probes, "", seed).expect("sim")),
    };
    let clock = ManualClock::new(None);
    let options = Options {
        push: PushTo::Off,
        ..Options::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let agent = Agent::start(&device, backends, listener, options, clock.clone()).expect("start");
    clock.advance_to(ms(at));
    let body = testkit::http::get(agent.http_addr(), "/metrics", &[])
        .expect("GET")
        .text()
        .to_owned();
    agent.stop();
    body
}

#[test]
fn random_runs_repeat_for_the_same_seed() {
    let a = scrape_random(42, 95_000);
    assert_eq!(a, scrape_random(42, 95_000));
    assert_ne!(a, scrape_random(43, 95_000));
    // Both pins toggled at least a few times in 95 s with a 10 s mean.
    let transitions: Vec<u64> = a
        .lines()
        .filter(|l| l.starts_with("gpio_pin_on_transitions_total{"))
        .map(|l| {
            l.rsplit(' ')
                .next()
                .and_then(|v| v.parse().ok())
                .expect("a count")
        })
        .collect();
    assert_eq!(transitions.len(), 2);
    assert!(
        transitions.iter().all(|t| (2..=10).contains(t)),
        "{transitions:?}"
    );
    testkit::promtool::check_metrics(&a).expect("promtool accepts it");
}
