//! What differs between the two boards' chips, RP2040 (Pico W) and RP2350 (Pico 2 W): how
//! the unique id is read, the internal sensor's id, the CYW43 bus clock.

use embassy_rp::Peri;
use embassy_rp::adc::{self, Adc, Async};
use embassy_rp::peripherals::FLASH;

/// The unique id's length in bytes (`PICO_UNIQUE_BOARD_ID_SIZE_BYTES`).
pub const UNIQUE_ID_LEN: usize = 8;

/// The internal temperature sensor's `sensor` id in packets.
#[cfg(feature = "rp2040")]
pub const INTERNAL_SENSOR_ID: &str = promcast_core::sender::INTERNAL_SENSOR_RP2040;
/// The internal temperature sensor's `sensor` id in packets.
#[cfg(feature = "rp235x")]
pub const INTERNAL_SENSOR_ID: &str = promcast_core::sender::INTERNAL_SENSOR_RP2350;

/// The CYW43's gSPI clock divider. RP2040: 133 MHz / 2 for the PIO, 33 MHz on the bus.
#[cfg(feature = "rp2040")]
pub use cyw43_pio::DEFAULT_CLOCK_DIVIDER as CYW43_CLOCK_DIVIDER;
/// The CYW43's gSPI clock divider. RP2350: 150 MHz / 3 for the PIO, 25 MHz on the bus; the
/// Pico 2 W does not work at the default divider's 37.5 MHz (embassy issue 3960).
#[cfg(feature = "rp235x")]
pub use cyw43_pio::RM2_CLOCK_DIVIDER as CYW43_CLOCK_DIVIDER;

/// Size of the Pico W's flash, for the flash driver that reads its unique id.
#[cfg(feature = "rp2040")]
const FLASH_SIZE: usize = 2 * 1024 * 1024;

/// The board's unique id, as `pico_get_unique_board_id()` gives it and the fleet file keys
/// Picos by: on RP2040 the flash chip's 64-bit unique id (command 0x4B); on RP2350 the
/// chip's 64-bit OTP CHIPID, most significant byte first.
///
/// Call it at boot, before other tasks run: on RP2040 it stops flash access (XIP) for the
/// command, with interrupts off.
#[cfg(feature = "rp2040")]
pub fn unique_id(flash: Peri<'_, FLASH>) -> Option<[u8; UNIQUE_ID_LEN]> {
    use embassy_rp::flash::{Blocking, Flash};
    let mut flash = Flash::<_, Blocking, FLASH_SIZE>::new_blocking(flash);
    let mut id = [0; UNIQUE_ID_LEN];
    flash.blocking_unique_id(&mut id).ok().map(|()| id)
}

/// The board's unique id, as `pico_get_unique_board_id()` gives it and the fleet file keys
/// Picos by: on RP2040 the flash chip's 64-bit unique id (command 0x4B); on RP2350 the
/// chip's 64-bit OTP CHIPID, most significant byte first.
#[cfg(feature = "rp235x")]
pub fn unique_id(_flash: Peri<'_, FLASH>) -> Option<[u8; UNIQUE_ID_LEN]> {
    embassy_rp::otp::get_chipid().ok().map(u64::to_be_bytes)
}

/// Samples averaged per internal temperature reading.
const TEMPERATURE_SAMPLES: u32 = 16;
/// The ADC's reference voltage on the Pico boards (3.3 V from the on-board regulator).
const ADC_VREF: f32 = 3.3;
/// Full scale of the 12-bit ADC.
const ADC_FULL_SCALE: f32 = 4096.0;

/// °C from the temperature sensor's ADC reading, by the datasheets' formula (RP2040 §4.9.5,
/// RP2350 §12.4.6): `T = 27 - (V - 0.706) / 0.001721`. Typically within a few degrees; the
/// chip's own heat adds to it.
pub fn celsius_from_adc(raw: f32) -> f32 {
    let volts = raw * ADC_VREF / ADC_FULL_SCALE;
    27.0 - (volts - 0.706) / 0.001721
}

/// `x` rounded to hundredths: the sensor is good to a degree or so, and the packet should
/// not pretend more digits than that.
pub fn round_centi(x: f32) -> f32 {
    let half = if x < 0.0 { -0.5 } else { 0.5 };
    // Casts saturate; readings are far inside i32 anyway.
    (x * 100.0 + half) as i32 as f32 / 100.0
}

/// The chip's internal temperature sensor (ADC channel 4).
pub struct InternalSensor<'d> {
    adc: Adc<'d, Async>,
    channel: adc::Channel<'d>,
}

impl<'d> InternalSensor<'d> {
    /// The sensor on `adc`'s temperature channel.
    pub fn new(adc: Adc<'d, Async>, channel: adc::Channel<'d>) -> Self {
        InternalSensor { adc, channel }
    }

    /// One reading in °C, rounded to hundredths: the mean of [`TEMPERATURE_SAMPLES`] samples.
    pub async fn read(&mut self) -> Result<f32, adc::Error> {
        let mut sum = 0u32;
        for _ in 0..TEMPERATURE_SAMPLES {
            sum += u32::from(self.adc.read(&mut self.channel).await?);
        }
        Ok(round_centi(celsius_from_adc(
            sum as f32 / TEMPERATURE_SAMPLES as f32,
        )))
    }
}
