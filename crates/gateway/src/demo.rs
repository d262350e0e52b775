//! `promcast demo`: the gateway on loopback, fed by a simulated fleet that runs the same code
//! real devices run — in-process agents with simulated doors and DS18B20 probes, pushing
//! contact and temperature packets — plus one seed-style sender that, like the MicroPython
//! Pico, names no device. Nothing joins a multicast group or leaves the machine.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use promcast_agent::clock::SystemClock as AgentClock;
use promcast_agent::sim::{SimContacts, SimThermometers};
use promcast_agent::transport::Target;
use promcast_agent::{Agent, Backends, Options, PushTo};
use promcast_core::packet::{Body, Reading};
use promcast_core::{Packet, Text, encode};
use promcast_fleet::Fleet;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::{Gateway, ingest, shutdown_signal};

/// The simulated fleet: two Pico-style temperature senders and a Pi with three doors.
pub const DEMO_FLEET: &str = r#"
[defaults]
poll_interval = "2s"
contact_state_interval = "30s"

[devices.e6614103e7452d2f]
name = "pico-loft"
platform = "pico-w"
probes = [
    { rom = "28a53124070000e4", name = "ColdWaterTank", offset = 0.0 },
    { rom = "28c3fde2050000e9", name = "Loft", offset = 0.0 },
]

[devices.e6614103e7452d30]
name = "pico-airing"
platform = "pico-w"
probes = [
    { rom = "28-00000a1b2c03", name = "HotWaterCylinder", offset = 0.0 },
    { rom = "28-00000a1b2c04", name = "CentralHeatingFlow", offset = 0.0 },
]

[devices.0123456789abcdef0123456789abcdef]
name = "hall-pi"
platform = "linux"
pins = [
    { number = 17, name = "front-door", pull = "up", active_low = true, debounce = "50ms" },
    { number = 27, name = "back-door", pull = "up", active_low = true, debounce = "50ms" },
    { number = 22, name = "garage", pull = "up", active_low = true, debounce = "50ms" },
]
"#;

/// Temperature profiles of the simulated probes.
const DEMO_TEMPERATURES: &[(&str, &str)] = &[
    (
        "pico-loft",
        "ColdWaterTank=sine:4.5:1.5:10m,Loft=sine:9:3:15m",
    ),
    (
        "pico-airing",
        "HotWaterCylinder=walk:55:0.25,CentralHeatingFlow=sine:60:5:5m",
    ),
    ("hall-pi", ""),
];

/// Mean time between simulated door movements.
const DOOR_MEAN: Duration = Duration::from_secs(8);

/// Send seed-style packets (no `device`, no `seq`) for one probe until `stop` is set.
fn seed_style_sender(
    target: SocketAddr,
    interval: Duration,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    let mut buf = [0u8; 256];
    let mut t = 0u32;
    while !stop.load(Ordering::Acquire) {
        // 20.5 °C with a slow wobble, at DS18B20 resolution (1/16 °C).
        let wobble = f64::from(t % 16) - 8.0;
        let value = ((20.5 + wobble / 16.0) * 16.0).round() / 16.0;
        let packet = Packet {
            device: None,
            seq: None,
            sig: None,
            body: Body::Reading(Reading {
                kind: "temperature",
                name: Text::Plain("LivingRoom"),
                sensor: Some(Text::Plain("28c0ffee00000042")),
                value,
                offset: Some(0.0),
                unit: None,
            }),
        };
        if let Ok(n) = encode(&packet, &mut buf)
            && let Err(e) = sock.send_to(&buf[..n], target)
        {
            tracing::warn!(error = %e, "seed-style sender could not send");
        }
        t = t.wrapping_add(1);
        std::thread::park_timeout(interval);
    }
    Ok(())
}

/// Run the demo until Ctrl-C.
pub async fn run(
    mut cfg: Config,
    http_port: u16,
    udp_port: u16,
    interval: Duration,
) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    cfg.udp.groups.clear();
    cfg.udp.bind_address = Ipv4Addr::LOCALHOST.into();
    cfg.udp.port = udp_port;
    cfg.web.listen_address = SocketAddr::from((Ipv4Addr::LOCALHOST, http_port));
    let udp = ingest::bind(&cfg.udp)?;
    let http = tokio::net::TcpListener::bind(cfg.web.listen_address)
        .await
        .map_err(|e| {
            anyhow::anyhow!("cannot listen for HTTP on {}: {e}", cfg.web.listen_address)
        })?;
    let gw = Gateway::start(&cfg, udp, http, Arc::new(SystemClock::new())).await?;
    let target = SocketAddr::from((Ipv4Addr::LOCALHOST, udp_port));

    let mut fleet_text = DEMO_FLEET.replace(
        "\"2s\"",
        &format!("\"{}\"", humantime::format_duration(interval)),
    );
    fleet_text.push('\n');
    let fleet = Fleet::from_toml(&fleet_text, "demo fleet")?;
    let clock = Arc::new(AgentClock::new());
    let mut agents = Vec::new();
    for (seed, (name, temps)) in DEMO_TEMPERATURES.iter().enumerate() {
        let device = fleet
            .device(name)
            .ok_or_else(|| anyhow::anyhow!("demo fleet lacks {name}"))?;
        let backends = Backends {
            contacts: Box::new(SimContacts::random(
                &device.pins,
                0xD00 + seed as u64,
                DOOR_MEAN,
            )),
            thermometers: Box::new(SimThermometers::new(
                &device.probes,
                temps,
                0x7E4 + seed as u64,
            )?),
        };
        let options = Options {
            push: PushTo::Target(Target::Addr(target)),
            ..Options::default()
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let agent = Agent::start(device, backends, listener, options, clock.clone())
            .map_err(|e| anyhow::anyhow!("cannot start simulated device {name}: {e}"))?;
        agents.push((*name, agent));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let seed_sender = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("promcast-seed-sim".into())
            .spawn(move || seed_style_sender(target, interval, stop))?
    };

    let base = format!("http://{}", gw.http_addr);
    println!("promcast demo: the gateway and a simulated fleet, on loopback only");
    println!("  landing page: {base}/");
    println!("  metrics:      {base}{}", cfg.web.telemetry_path);
    println!("  devices pushing to udp://{target}:");
    for (name, agent) in &agents {
        println!(
            "    {name:<12} (its own metrics: http://{}/metrics)",
            agent.http_addr()
        );
    }
    println!("    and a seed-style Pico that names no device (shown by its address, 127.0.0.1)");
    println!("try:");
    println!(
        "  curl -s {base}{} | grep -E '^(temperature|gpio_pin_is_on)'",
        cfg.web.telemetry_path
    );
    println!("Ctrl-C stops it.");
    shutdown.await;
    stop.store(true, Ordering::Release);
    seed_sender.thread().unpark();
    let _ = seed_sender.join();
    for (_, agent) in agents {
        agent.stop();
    }
    gw.stop().await?;
    Ok(())
}
