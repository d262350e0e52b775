//! The `sim` backend: contact edges and probe temperatures without hardware, for the demo
//! and for tests. Deterministic: the same script, or the same seed, gives the same edges and
//! temperatures at the same times.
//!
//! **Contacts** are scripted (`--sim.script`) or random (`--sim.seed`):
//!
//! * A script is a comma-separated list of `<pin>:<on|off>@<time>`, times relative to the
//!   start, e.g. `left:on@2s,left:off@5s,right:on@1m30s`. `on`/`off` is the logical state
//!   (active-low pins are driven low for `on`). An entry at `0s` sets the pin's state at
//!   start instead of making an edge. Pins start off.
//! * Without a script every pin starts off and toggles after a random time between half and
//!   one and a half times `--sim.toggle-every` (default 30s), drawn from the seed.
//!
//! **Temperatures** (`--sim.temperatures`): a comma-separated list of `<probe>=<profile>`,
//! where `<probe>` is a configured probe's name or any ROM id (one not configured is an extra
//! probe on the simulated bus), and `<profile>` is one of
//!
//! * `21.5`: a fixed value;
//! * `sine:<mean>:<amplitude>:<period>`, e.g. `sine:9:3:10m`;
//! * `walk:<start>:<step>`: a random walk, each poll moving by up to `step` either way;
//! * `fail:<reason>`: every read fails with `missing` (the probe is not on the bus), `crc`,
//!   `disconnected`, `power_on_value` or `bus`.
//!
//! Configured probes not listed walk from 20 °C by up to 0.125 °C per poll. Values are
//! rounded to 1/16 °C, the DS18B20's resolution.

use std::collections::VecDeque;
use std::f64::consts::TAU;
use std::time::Duration;

use promcast_core::probe::{FAMILY_DS18B20, ReadError, RomId};
use promcast_core::time::Instant;
use promcast_fleet::{Pin, Probe};

use crate::contacts::{ContactSource, Edge};
use crate::probes::Thermometers;

/// Default mean time between random toggles of a pin.
pub const DEFAULT_TOGGLE_EVERY: Duration = Duration::from_secs(30);

/// A mistake in a `--sim.*` setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: entry {entry:?}: {message}")]
pub struct SimError {
    /// The setting: `sim.script` or `sim.temperatures`.
    pub setting: &'static str,
    /// The entry in question.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

/// A scripted change: pin index, logical state, time after start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Index into the device's pins.
    pub pin: usize,
    /// Logical state (on/off).
    pub on: bool,
    /// Time after start.
    pub after: Duration,
}

/// Parse a contact script against the device's pins; steps come back in time order (equal
/// times in written order).
pub fn parse_script(script: &str, pins: &[Pin]) -> Result<Vec<Step>, SimError> {
    let mut steps = Vec::new();
    for entry in script.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let err = |message: String| SimError {
            setting: "sim.script",
            entry: entry.to_owned(),
            message,
        };
        let (left, time) = entry
            .rsplit_once('@')
            .ok_or_else(|| err("write <pin>:<on|off>@<time>, e.g. left:on@2s".into()))?;
        let (name, state) = left
            .rsplit_once(':')
            .ok_or_else(|| err("write <pin>:<on|off>@<time>, e.g. left:on@2s".into()))?;
        let pin = pins.iter().position(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = pins.iter().map(|p| p.name.as_str()).collect();
            err(format!(
                "no pin named {name:?} (the device's pins: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ))
        })?;
        let on = match state {
            "on" => true,
            "off" => false,
            _ => return Err(err(format!("{state:?} is neither on nor off"))),
        };
        let after = humantime::parse_duration(time)
            .map_err(|e| err(format!("{time:?} is not a duration: {e}")))?;
        steps.push(Step { pin, on, after });
    }
    steps.sort_by_key(|s| s.after);
    Ok(steps)
}

/// A small deterministic generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` and stream `stream` (seeds 0 and 1 differ, as do streams).
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut z = seed
            .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_add(0x632B_E59B_D9B4_E019);
        // splitmix64 finaliser: spreads nearby seeds apart and never yields 0 in practice.
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x9E37_79B9_7F4A_7C15 } else { z })
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Simulated contacts.
#[derive(Debug)]
pub struct SimContacts {
    active_low: Vec<bool>,
    start: Instant,
    mode: Mode,
}

#[derive(Debug)]
enum Mode {
    Script {
        initial: Vec<bool>,
        steps: VecDeque<Step>,
    },
    Random {
        rng: Rng,
        mean: Duration,
        on: Vec<bool>,
        next: Vec<Instant>,
    },
}

impl SimContacts {
    /// Play `steps` (from [`parse_script`]).
    pub fn scripted(pins: &[Pin], steps: Vec<Step>) -> SimContacts {
        let mut initial = vec![false; pins.len()];
        let mut rest = VecDeque::new();
        for s in steps {
            if s.after.is_zero() {
                initial[s.pin] = s.on;
            } else {
                rest.push_back(s);
            }
        }
        SimContacts {
            active_low: pins.iter().map(|p| p.active_low).collect(),
            start: Instant::ZERO,
            mode: Mode::Script {
                initial,
                steps: rest,
            },
        }
    }

    /// Toggle every pin at random, about every `mean`, from `seed`.
    pub fn random(pins: &[Pin], seed: u64, mean: Duration) -> SimContacts {
        SimContacts {
            active_low: pins.iter().map(|p| p.active_low).collect(),
            start: Instant::ZERO,
            mode: Mode::Random {
                rng: Rng::new(seed, 0),
                mean,
                on: vec![false; pins.len()],
                next: Vec::new(),
            },
        }
    }

    fn level(&self, pin: usize, on: bool) -> bool {
        on != self.active_low.get(pin).copied().unwrap_or(false)
    }
}

fn random_gap(rng: &mut Rng, mean: Duration) -> Duration {
    mean.mul_f64(0.5 + rng.next_f64())
}

impl ContactSource for SimContacts {
    fn initial_levels(&mut self, now: Instant) -> Vec<bool> {
        self.start = now;
        match &mut self.mode {
            Mode::Script { initial, .. } => {
                let initial = initial.clone();
                (0..initial.len())
                    .map(|i| self.level(i, initial[i]))
                    .collect()
            }
            Mode::Random {
                rng,
                mean,
                on,
                next,
            } => {
                *next = on.iter().map(|_| now + random_gap(rng, *mean)).collect();
                let on = on.clone();
                (0..on.len()).map(|i| self.level(i, on[i])).collect()
            }
        }
    }

    fn poll(&mut self, now: Instant, out: &mut Vec<Edge>) {
        let start = self.start;
        let active_low = &self.active_low;
        let level = |pin: usize, on: bool| on != active_low.get(pin).copied().unwrap_or(false);
        match &mut self.mode {
            Mode::Script { steps, .. } => {
                while let Some(s) = steps.front().copied() {
                    let at = start + s.after;
                    if at > now {
                        break;
                    }
                    steps.pop_front();
                    out.push(Edge {
                        pin: s.pin,
                        level: level(s.pin, s.on),
                        at,
                    });
                }
            }
            Mode::Random {
                rng,
                mean,
                on,
                next,
            } => {
                while let Some((pin, at)) = next
                    .iter()
                    .copied()
                    .enumerate()
                    .min_by_key(|(i, t)| (*t, *i))
                    .filter(|(_, at)| *at <= now)
                {
                    on[pin] = !on[pin];
                    next[pin] = at + random_gap(rng, *mean);
                    out.push(Edge {
                        pin,
                        level: level(pin, on[pin]),
                        at,
                    });
                }
            }
        }
    }

    fn next_edge(&self) -> Option<Instant> {
        match &self.mode {
            Mode::Script { steps, .. } => steps.front().map(|s| self.start + s.after),
            Mode::Random { next, .. } => next.iter().copied().min(),
        }
    }
}

/// How a simulated probe's temperature behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Profile {
    /// Always this value.
    Fixed(f64),
    /// `mean + amplitude * sin(2π t / period)`, `t` since start.
    Sine {
        /// Centre value.
        mean: f64,
        /// Swing either way.
        amplitude: f64,
        /// Time of one cycle.
        period: Duration,
    },
    /// A random walk from `start`, moving by up to `step` either way per read.
    Walk {
        /// First value.
        start: f64,
        /// Largest move per read.
        step: f64,
    },
    /// Every read fails like this.
    Fail(ReadError),
}

/// The default profile of a configured probe the temperatures setting does not mention.
pub const DEFAULT_PROFILE: Profile = Profile::Walk {
    start: 20.0,
    step: 0.125,
};

/// A probe on the simulated bus.
#[derive(Clone, Debug)]
struct SimProbe {
    rom: RomId,
    profile: Profile,
    value: f64,
    rng: Rng,
}

/// Simulated DS18B20 probes.
#[derive(Debug)]
pub struct SimThermometers {
    probes: Vec<SimProbe>,
    start: Option<Instant>,
    conversions: u64,
}

fn number(entry: &str, s: &str) -> Result<f64, SimError> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| SimError {
            setting: "sim.temperatures",
            entry: entry.to_owned(),
            message: format!("{s:?} is not a number"),
        })
}

/// Parse one profile, e.g. `sine:9:3:10m`.
pub fn parse_profile(entry: &str, s: &str) -> Result<Profile, SimError> {
    let err = |message: String| SimError {
        setting: "sim.temperatures",
        entry: entry.to_owned(),
        message,
    };
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [v] => Ok(Profile::Fixed(number(entry, v)?)),
        ["sine", mean, amplitude, period] => {
            let period = humantime::parse_duration(period)
                .ok()
                .filter(|p| !p.is_zero())
                .ok_or_else(|| err(format!("{period:?} is not a period")))?;
            Ok(Profile::Sine {
                mean: number(entry, mean)?,
                amplitude: number(entry, amplitude)?,
                period,
            })
        }
        ["walk", start, step] => Ok(Profile::Walk {
            start: number(entry, start)?,
            step: number(entry, step)?,
        }),
        ["fail", reason] => {
            let e = [
                ReadError::Missing,
                ReadError::Crc,
                ReadError::Disconnected,
                ReadError::PowerOnValue,
                ReadError::Bus,
            ]
            .into_iter()
            .find(|e| e.as_str() == *reason)
            .ok_or_else(|| {
                err(format!(
                    "{reason:?} is not a failure: missing, crc, disconnected, power_on_value or bus"
                ))
            })?;
            Ok(Profile::Fail(e))
        }
        _ => Err(err(
            "write <value>, sine:<mean>:<amplitude>:<period>, walk:<start>:<step> or fail:<reason>"
                .into(),
        )),
    }
}

impl SimThermometers {
    /// The device's configured probes, plus extra ones named by ROM id in `spec`, with the
    /// profiles `spec` gives (see the [module documentation](self)). Random walks draw from
    /// `seed`.
    pub fn new(configured: &[Probe], spec: &str, seed: u64) -> Result<SimThermometers, SimError> {
        let mut probes: Vec<(RomId, Profile)> = configured
            .iter()
            .map(|p| (p.rom, DEFAULT_PROFILE))
            .collect();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (key, profile) = entry.split_once('=').ok_or_else(|| SimError {
                setting: "sim.temperatures",
                entry: entry.to_owned(),
                message: "write <probe>=<profile>, e.g. Loft=sine:9:3:10m".into(),
            })?;
            let profile = parse_profile(entry, profile)?;
            let rom = match configured.iter().find(|p| p.name == key) {
                Some(p) => p.rom,
                None => match RomId::parse(key) {
                    Ok(rom) if rom.family() == FAMILY_DS18B20 => rom,
                    _ => {
                        return Err(SimError {
                            setting: "sim.temperatures",
                            entry: entry.to_owned(),
                            message: format!(
                                "{key:?} is neither a configured probe's name nor a DS18B20 ROM id"
                            ),
                        });
                    }
                },
            };
            match probes.iter_mut().find(|(r, _)| *r == rom) {
                Some(slot) => slot.1 = profile,
                None => probes.push((rom, profile)),
            }
        }
        Ok(SimThermometers {
            probes: probes
                .into_iter()
                .enumerate()
                .map(|(i, (rom, profile))| SimProbe {
                    rom,
                    profile,
                    value: match profile {
                        Profile::Walk { start, .. } => start,
                        _ => 0.0,
                    },
                    rng: Rng::new(seed, i as u64 + 1),
                })
                .collect(),
            start: None,
            conversions: 0,
        })
    }

    /// Conversions started so far.
    pub fn conversions(&self) -> u64 {
        self.conversions
    }
}

/// Round to the DS18B20's 1/16 °C.
fn sixteenths(v: f64) -> f32 {
    ((v * 16.0).round() / 16.0) as f32
}

impl Thermometers for SimThermometers {
    fn discover(&mut self) -> Vec<RomId> {
        self.probes
            .iter()
            .filter(|p| p.profile != Profile::Fail(ReadError::Missing))
            .map(|p| p.rom)
            .collect()
    }

    fn convert(&mut self, now: Instant) {
        self.start.get_or_insert(now);
        self.conversions += 1;
    }

    fn read(&mut self, rom: &RomId, now: Instant) -> Result<f32, ReadError> {
        let start = *self.start.get_or_insert(now);
        let Some(p) = self.probes.iter_mut().find(|p| p.rom == *rom) else {
            return Err(ReadError::Missing);
        };
        match p.profile {
            Profile::Fixed(v) => Ok(sixteenths(v)),
            Profile::Sine {
                mean,
                amplitude,
                period,
            } => {
                let t = now.secs_since(start);
                let v = mean + amplitude * (TAU * t / period.as_secs_f64()).sin();
                Ok(sixteenths(v))
            }
            Profile::Walk { step, .. } => {
                let v = p.value;
                p.value += step * (2.0 * p.rng.next_f64() - 1.0);
                Ok(sixteenths(v))
            }
            Profile::Fail(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use promcast_fleet::Pull;

    use super::*;

    fn pins() -> Vec<Pin> {
        let p = |number, name: &str, active_low| Pin {
            number,
            name: name.into(),
            pull: Pull::Up,
            active_low,
            debounce: Duration::ZERO,
        };
        vec![p(32, "left", true), p(19, "right", false)]
    }

    fn secs(s: u64) -> Instant {
        Instant::from_millis(s * 1000)
    }

    #[test]
    fn scripts_parse_into_time_order() {
        let steps = parse_script(
            " right:on@5s, left:on@0s,left:off@1m30s ,left:on@2s",
            &pins(),
        )
        .expect("valid");
        let step = |pin, on, s| Step {
            pin,
            on,
            after: Duration::from_secs(s),
        };
        assert_eq!(
            steps,
            [
                step(0, true, 0),
                step(0, true, 2),
                step(1, true, 5),
                step(0, false, 90)
            ]
        );
    }

    #[test]
    fn script_mistakes_are_explained() {
        let e = |s: &str| parse_script(s, &pins()).expect_err(s).to_string();
        assert_eq!(
            e("door:on@2s"),
            "sim.script: entry \"door:on@2s\": no pin named \"door\" (the device's pins: left, right)"
        );
        assert_eq!(
            e("left:open@2s"),
            "sim.script: entry \"left:open@2s\": \"open\" is neither on nor off"
        );
        assert_eq!(
            e("left:on"),
            "sim.script: entry \"left:on\": write <pin>:<on|off>@<time>, e.g. left:on@2s"
        );
        assert_eq!(
            e("left:on@soon"),
            "sim.script: entry \"left:on@soon\": \"soon\" is not a duration: expected number at 0"
        );
    }

    #[test]
    fn scripted_edges_come_out_at_their_times_as_levels() {
        let pins = pins();
        let steps =
            parse_script("left:on@0s,left:off@5s,right:on@2s,left:on@5s", &pins).expect("valid");
        let mut sim = SimContacts::scripted(&pins, steps);
        // left is active-low and starts on: electrically low.
        assert_eq!(sim.initial_levels(secs(100)), [false, false]);
        assert_eq!(sim.next_edge(), Some(secs(102)));
        let mut out = Vec::new();
        sim.poll(secs(101), &mut out);
        assert_eq!(out, []);
        sim.poll(secs(105), &mut out);
        assert_eq!(
            out,
            [
                Edge {
                    pin: 1,
                    level: true,
                    at: secs(102)
                },
                Edge {
                    pin: 0,
                    level: true,
                    at: secs(105)
                },
                Edge {
                    pin: 0,
                    level: false,
                    at: secs(105)
                },
            ]
        );
        assert_eq!(sim.next_edge(), None);
    }

    #[test]
    fn random_edges_are_deterministic_per_seed() {
        let pins = pins();
        let run = |seed| {
            let mut sim = SimContacts::random(&pins, seed, Duration::from_secs(10));
            sim.initial_levels(Instant::ZERO);
            let mut out = Vec::new();
            sim.poll(secs(60), &mut out);
            out
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        // Gaps are within [5s, 15s): in 60s each pin toggles 4 to 12 times, alternating.
        for pin in 0..2 {
            let edges: Vec<&Edge> = a.iter().filter(|e| e.pin == pin).collect();
            assert!((4..=12).contains(&edges.len()), "{edges:?}");
            let active_low = pin == 0;
            for (k, e) in edges.iter().enumerate() {
                let on = k % 2 == 0;
                assert_eq!(e.level, on != active_low);
            }
        }
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
    }

    fn probe(serial: u64, name: &str) -> Probe {
        Probe {
            rom: RomId::from_serial(0x28, serial),
            name: name.into(),
            offset: 0.0,
        }
    }

    #[test]
    fn temperature_profiles() {
        let configured = [
            probe(1, "Tank"),
            probe(2, "Loft"),
            probe(3, "Shed"),
            probe(4, "Hall"),
        ];
        let mut sim = SimThermometers::new(
            &configured,
            "Tank=4.5, Loft=sine:9:3:40s, Shed=fail:crc, 28-000000000009=19.55, Hall=fail:missing",
            1,
        )
        .expect("valid");
        let rom = |s| RomId::from_serial(0x28, s);
        assert_eq!(sim.discover(), [rom(1), rom(2), rom(3), rom(9)]);
        let at = |s| secs(s);
        sim.convert(at(0));
        assert_eq!(sim.read(&rom(1), at(0)), Ok(4.5));
        assert_eq!(sim.read(&rom(2), at(0)), Ok(9.0));
        assert_eq!(sim.read(&rom(2), at(10)), Ok(12.0));
        assert_eq!(sim.read(&rom(2), at(30)), Ok(6.0));
        assert_eq!(sim.read(&rom(3), at(0)), Err(ReadError::Crc));
        assert_eq!(sim.read(&rom(4), at(0)), Err(ReadError::Missing));
        assert_eq!(sim.read(&rom(9), at(0)), Ok(19.5625));
        assert_eq!(sim.read(&rom(5), at(0)), Err(ReadError::Missing));
        assert_eq!(sim.conversions(), 1);
    }

    #[test]
    fn walks_are_deterministic_and_bounded() {
        let configured = [probe(1, "Tank")];
        let reads = |seed| {
            let mut sim = SimThermometers::new(&configured, "", seed).expect("valid");
            (0..50)
                .map(|i| sim.read(&RomId::from_serial(0x28, 1), secs(i)).expect("ok"))
                .collect::<Vec<f32>>()
        };
        let a = reads(3);
        assert_eq!(a, reads(3));
        assert_eq!(a[0], 20.0);
        assert!(a.iter().all(|v| (13.75..=26.25).contains(v)), "{a:?}");
        assert!(a.iter().all(|v| (v * 16.0).fract() == 0.0));
    }

    #[test]
    fn temperature_mistakes_are_explained() {
        let configured = [probe(1, "Tank")];
        let e = |s: &str| {
            SimThermometers::new(&configured, s, 1)
                .expect_err(s)
                .to_string()
        };
        assert_eq!(
            e("Tank"),
            "sim.temperatures: entry \"Tank\": write <probe>=<profile>, e.g. Loft=sine:9:3:10m"
        );
        assert_eq!(
            e("Tonk=4"),
            "sim.temperatures: entry \"Tonk=4\": \"Tonk\" is neither a configured probe's name nor a DS18B20 ROM id"
        );
        assert_eq!(
            e("Tank=warm"),
            "sim.temperatures: entry \"Tank=warm\": \"warm\" is not a number"
        );
        assert_eq!(
            e("Tank=fail:smoke"),
            "sim.temperatures: entry \"Tank=fail:smoke\": \"smoke\" is not a failure: missing, crc, disconnected, power_on_value or bus"
        );
        assert_eq!(
            e("Tank=sine:1:2:0s"),
            "sim.temperatures: entry \"Tank=sine:1:2:0s\": \"0s\" is not a period"
        );
    }
}
