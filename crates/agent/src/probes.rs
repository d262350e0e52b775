//! DS18B20 probes: the [`Thermometers`] a backend provides, and one poll over them.

use promcast_core::probe::{ReadError, RomId};
use promcast_core::time::Instant;

/// A 1-Wire bus with DS18B20 probes (the kernel's `w1_therm`, or a simulation).
pub trait Thermometers: Send {
    /// The probes on the bus now.
    fn discover(&mut self) -> Vec<RomId>;

    /// Start ONE temperature conversion for every probe on the bus, and return when the
    /// results can be read.
    fn convert(&mut self, now: Instant);

    /// Read one probe's result.
    fn read(&mut self, rom: &RomId, now: Instant) -> Result<f32, ReadError>;
}

/// A bus with nothing on it.
#[derive(Debug, Default)]
pub struct NoProbes;

impl Thermometers for NoProbes {
    fn discover(&mut self) -> Vec<RomId> {
        Vec::new()
    }
    fn convert(&mut self, _now: Instant) {}
    fn read(&mut self, _rom: &RomId, _now: Instant) -> Result<f32, ReadError> {
        Err(ReadError::Missing)
    }
}

/// One probe's read in a poll.
pub type ProbeRead = (RomId, Result<f32, ReadError>);

/// One poll: find the probes, start one conversion for all of them, read each.
///
/// The configured probes come first, in their configured order, whether found or not (one
/// that is not found reads as the backend says, normally [`ReadError::Missing`]); then the
/// probes found that are not configured, in ROM id order.
pub fn poll(bus: &mut dyn Thermometers, configured: &[RomId], now: Instant) -> Vec<ProbeRead> {
    let mut found = bus.discover();
    found.sort();
    found.dedup();
    let mut order: Vec<RomId> = configured.to_vec();
    order.extend(found.into_iter().filter(|r| !configured.contains(r)));
    if order.is_empty() {
        return Vec::new();
    }
    bus.convert(now);
    order
        .into_iter()
        .map(|rom| {
            let read = bus.read(&rom, now);
            (rom, read)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        present: Vec<RomId>,
        conversions: u32,
        log: Vec<String>,
    }

    impl Thermometers for Fake {
        fn discover(&mut self) -> Vec<RomId> {
            self.present.clone()
        }
        fn convert(&mut self, _now: Instant) {
            self.conversions += 1;
            self.log.push("convert".into());
        }
        fn read(&mut self, rom: &RomId, _now: Instant) -> Result<f32, ReadError> {
            self.log.push(format!("read {rom}"));
            if self.present.contains(rom) {
                Ok(f32::from(rom.0[1]))
            } else {
                Err(ReadError::Missing)
            }
        }
    }

    fn rom(serial: u64) -> RomId {
        RomId::from_serial(0x28, serial)
    }

    #[test]
    fn configured_first_then_found_one_conversion() {
        let mut bus = Fake {
            present: vec![rom(9), rom(1), rom(3)],
            conversions: 0,
            log: Vec::new(),
        };
        let reads = poll(&mut bus, &[rom(3), rom(7)], Instant::ZERO);
        assert_eq!(
            reads,
            [
                (rom(3), Ok(3.0)),
                (rom(7), Err(ReadError::Missing)),
                (rom(1), Ok(1.0)),
                (rom(9), Ok(9.0)),
            ]
        );
        assert_eq!(bus.conversions, 1);
        assert_eq!(bus.log[0], "convert");
    }

    #[test]
    fn an_empty_bus_is_not_converted() {
        let mut bus = Fake {
            present: Vec::new(),
            conversions: 0,
            log: Vec::new(),
        };
        assert_eq!(poll(&mut bus, &[], Instant::ZERO), []);
        assert_eq!(bus.conversions, 0);
    }
}
