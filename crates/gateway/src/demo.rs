//! `promcast demo`: the gateway on loopback, fed by simulated temperature probes that send the
//! same packets real devices send. Nothing joins a multicast group or leaves the machine.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use promcast_core::packet::{Body, Reading, Status};
use promcast_core::{Packet, Text, encode};

use crate::clock::SystemClock;
use crate::config::Config;
use crate::{Gateway, ingest, shutdown_signal};

/// One simulated probe.
#[derive(Clone, Debug)]
pub struct Probe {
    /// Device name sent in `device`, or `None` for a seed-style sender identified by address.
    pub device: Option<&'static str>,
    /// Sensor name.
    pub name: &'static str,
    /// ROM id.
    pub rom: &'static str,
    /// Temperature it wanders around.
    pub base: f64,
    /// Current temperature.
    pub value: f64,
}

/// The demo fleet: two named Pico-style devices and one seed-style sender.
pub fn fleet() -> Vec<Probe> {
    let p = |device, name, rom, base| Probe {
        device,
        name,
        rom,
        base,
        value: base,
    };
    vec![
        p(Some("pico-loft"), "Loft", "28-00000a1b2c01", 9.0),
        p(Some("pico-loft"), "ColdWaterTank", "28-00000a1b2c02", 4.5),
        p(
            Some("pico-airing"),
            "HotWaterCylinder",
            "28-00000a1b2c03",
            55.0,
        ),
        p(
            Some("pico-airing"),
            "CentralHeatingFlow",
            "28-00000a1b2c04",
            62.0,
        ),
        p(None, "LivingRoom", "28-00000a1b2c05", 20.5),
    ]
}

/// A small deterministic PRNG (xorshift64*), so runs are reproducible.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator (seed 0 is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Probe {
    /// One poll: a small random step pulled back towards the base, at DS18B20 resolution (1/16 °C).
    pub fn step(&mut self, rng: &mut Rng) {
        let v = self.value + (rng.next_f64() - 0.5) * 0.5 + (self.base - self.value) * 0.1;
        self.value = (v * 16.0).round() / 16.0;
    }
}

/// Encode one probe's reading packet into `buf`.
pub fn reading_packet(p: &Probe, seq: Option<u32>, buf: &mut [u8]) -> Option<usize> {
    let packet = Packet {
        device: p.device.map(Text::Plain),
        seq,
        sig: None,
        body: Body::Reading(Reading {
            kind: "temperature",
            name: Text::Plain(p.name),
            sensor: Some(Text::Plain(p.rom)),
            value: p.value,
            offset: Some(0.0),
            unit: None,
        }),
    };
    encode(&packet, buf).ok()
}

fn status_packet(device: &str, seq: u32, buf: &mut [u8]) -> Option<usize> {
    let packet = Packet {
        device: Some(Text::Plain(device)),
        seq: Some(seq),
        sig: None,
        body: Body::Status(Status {
            name: Text::Plain(device),
            status: Text::Plain("API 200 OK"),
        }),
    };
    encode(&packet, buf).ok()
}

/// Send the fleet's packets to `target` every `interval` until `stop` is set.
pub fn simulate(
    target: SocketAddr,
    interval: Duration,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    let mut fleet = fleet();
    let mut rng = Rng::new(0x5EED);
    let mut seqs: std::collections::BTreeMap<&str, u32> = Default::default();
    let mut buf = [0u8; 512];
    let mut polls = 0u64;
    while !stop.load(Ordering::Acquire) {
        if polls.is_multiple_of(15) {
            for dev in ["pico-loft", "pico-airing"] {
                let seq = seqs.entry(dev).or_insert(0);
                if let Some(n) = status_packet(dev, *seq, &mut buf) {
                    *seq += 1;
                    let _ = sock.send_to(&buf[..n], target);
                }
            }
        }
        for p in &mut fleet {
            p.step(&mut rng);
            let seq = p.device.map(|d| {
                let s = seqs.entry(d).or_insert(0);
                let cur = *s;
                *s += 1;
                cur
            });
            if let Some(n) = reading_packet(p, seq, &mut buf)
                && let Err(e) = sock.send_to(&buf[..n], target)
            {
                tracing::warn!(error = %e, "simulated probe could not send");
            }
        }
        polls += 1;
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
    let stop = Arc::new(AtomicBool::new(false));
    let target = SocketAddr::from((Ipv4Addr::LOCALHOST, udp_port));
    let sim = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("promcast-sim".into())
            .spawn(move || simulate(target, interval, stop))?
    };
    let base = format!("http://{}", gw.http_addr);
    println!("promcast demo: gateway with simulated sensors, on loopback only");
    println!("  landing page: {base}/");
    println!("  metrics:      {base}{}", cfg.web.telemetry_path);
    println!(
        "  sensors:      {} simulated DS18B20 probes sending to udp://{target} every {}",
        fleet().len(),
        humantime::format_duration(interval)
    );
    println!(
        "try:  curl -s {base}{} | grep '^temperature'",
        cfg.web.telemetry_path
    );
    println!("Ctrl-C stops it.");
    shutdown.await;
    stop.store(true, Ordering::Release);
    sim.thread().unpark();
    let _ = sim.join();
    gw.stop().await?;
    Ok(())
}
