//! DS18B20 probes: ROM ids, the Dallas CRC-8 and scratchpad decoding, checked against
//! published values (the CRC catalogue, Maxim's application note 27, the DS18B20 datasheet).

use promcast_core::probe::{FAMILY_DS18B20, ReadError, RomId, RomIdError, crc8, decode_scratchpad};

/// The ROM id behind the Linux w1 name `28-0000072431a5`.
const ROM: RomId = RomId([0x28, 0xa5, 0x31, 0x24, 0x07, 0x00, 0x00, 0xe4]);

#[test]
fn crc8_matches_published_values() {
    // CRC-8/MAXIM-DOW check value.
    assert_eq!(crc8(b"123456789"), 0xA1);
    // Maxim AN27's worked example: family 0x02, serial 0x000000001B81C, CRC 0xA2.
    let an27 = [0x02, 0x1C, 0xB8, 0x01, 0x00, 0x00, 0x00, 0xA2];
    assert_eq!(crc8(&an27[..7]), 0xA2);
    assert_eq!(crc8(&an27), 0);
    assert_eq!(crc8(&[]), 0);
    assert!(RomId(an27).crc_ok());
    assert_eq!(RomId::from_serial(0x02, 0x1B81C), RomId(an27));
}

#[test]
fn rom_id_forms() {
    assert_eq!(RomId::parse("28-0000072431a5"), Ok(ROM));
    assert_eq!(RomId::parse("28-0000072431A5"), Ok(ROM));
    assert_eq!(RomId::parse("28a53124070000e4"), Ok(ROM));
    assert_eq!(RomId::parse("28A53124070000E4"), Ok(ROM));
    assert_eq!(ROM.to_string(), "28a53124070000e4");
    assert_eq!(ROM.hex(&mut [0; 16]), "28a53124070000e4");
    let mut linux = String::new();
    ROM.write_linux(&mut linux).expect("String");
    assert_eq!(linux, "28-0000072431a5");
    assert_eq!(ROM.family(), FAMILY_DS18B20);
    assert_eq!(ROM.serial(), 0x0000_0724_31a5);
    assert_eq!(RomId::from_serial(0x28, 0x0000_0724_31a5), ROM);
    // Bits above the 48-bit serial are not part of it.
    assert_eq!(RomId::from_serial(0x28, 0xffff_0000_0724_31a5), ROM);
    assert!(ROM.crc_ok());

    // The example id in docs/PROTOCOL.md.
    let doc = RomId::parse("28-000005e2fdc3").expect("parses");
    assert_eq!(doc.to_string(), "28c3fde2050000e9");
    let mut linux = String::new();
    doc.write_linux(&mut linux).expect("String");
    assert_eq!(linux, "28-000005e2fdc3");
}

#[test]
fn rom_id_errors() {
    assert_eq!(RomId::parse("28a53124070000e5"), Err(RomIdError::Crc));
    assert!(!RomId([0x28, 0xa5, 0x31, 0x24, 0x07, 0x00, 0x00, 0xe5]).crc_ok());
    for bad in [
        "",
        "28",
        "28a53124070000e",
        "28a53124070000e4a",
        "28a53124070000e4 ",
        " 28a53124070000e4",
        "28a53124070000eg",
        "+8a53124070000e4",
        "28_0000072431a5",
        "28-0000072431a",
        "28-0000072431a5f",
        "28-000007-431a5",
        "2x-0000072431a5",
        "28-0000072431aé",
        "28a531240700é4",
    ] {
        assert_eq!(RomId::parse(bad), Err(RomIdError::Format), "{bad:?}");
    }
}

/// A scratchpad with temperature register `raw`, configuration `config`, the reserved bytes
/// of a genuine DS18B20 and a correct CRC.
fn scratchpad(raw: u16, config: u8) -> [u8; 9] {
    let [lsb, msb] = raw.to_le_bytes();
    let mut sp = [lsb, msb, 0x4B, 0x46, config, 0xFF, 0x0C, 0x10, 0];
    sp[8] = crc8(&sp[..8]);
    sp
}

const BITS_12: u8 = 0x7F;

#[test]
fn datasheet_temperatures() {
    // The datasheet's table of temperature register values.
    for (raw, celsius) in [
        (0x07D0, 125.0),
        (0x0550, 85.0),
        (0x0191, 25.0625),
        (0x00A2, 10.125),
        (0x0008, 0.5),
        (0x0000, 0.0),
        (0xFFF8, -0.5),
        (0xFF5E, -10.125),
        (0xFE6F, -25.0625),
        (0xFC90, -55.0),
    ] {
        let mut sp = scratchpad(raw, BITS_12);
        if raw == 0x0550 {
            // A genuine 85 °C conversion is indistinguishable from the power-on value;
            // with other reserved bytes (as some clones have) it is a temperature.
            sp[5] = 0x0C;
            sp[8] = crc8(&sp[..8]);
        }
        assert_eq!(decode_scratchpad(&sp), Ok(celsius), "{raw:#06x}");
    }
}

#[test]
fn power_on_value() {
    // The scratchpad as a DS18B20 reads after power-up, before any conversion.
    let sp = [0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0x1C];
    assert_eq!(decode_scratchpad(&sp), Err(ReadError::PowerOnValue));
    // Whatever TH, TL, the resolution and byte 6 hold.
    let mut sp = [0x50, 0x05, 0x00, 0x00, 0x1F, 0xFF, 0x00, 0x10, 0];
    sp[8] = crc8(&sp[..8]);
    assert_eq!(decode_scratchpad(&sp), Err(ReadError::PowerOnValue));
    // Byte 7 other than 0x10: not the pattern.
    let mut sp = [0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x11, 0];
    sp[8] = crc8(&sp[..8]);
    assert_eq!(decode_scratchpad(&sp), Ok(85.0));
}

#[test]
fn resolution_clears_undefined_bits() {
    // 25.4375 °C with every low bit set; 0x1F, 0x3F, 0x5F, 0x7F are 9 to 12 bits.
    for (config, celsius) in [(0x1F, 25.0), (0x3F, 25.25), (0x5F, 25.375), (0x7F, 25.4375)] {
        assert_eq!(
            decode_scratchpad(&scratchpad(0x0197, config)),
            Ok(celsius),
            "{config:#04x}"
        );
    }
    // Below zero the cleared bits round down, as the register is two's complement:
    // -10.0625 (0xFF5F) at 9 bits is -10.5 (0xFF58).
    for (config, celsius) in [
        (0x1F, -10.5),
        (0x3F, -10.25),
        (0x5F, -10.125),
        (0x7F, -10.0625),
    ] {
        assert_eq!(
            decode_scratchpad(&scratchpad(0xFF5F, config)),
            Ok(celsius),
            "{config:#04x}"
        );
    }
}

#[test]
fn disconnected_patterns() {
    // Nobody drove the bus; a shorted line (whose CRC would pass).
    assert_eq!(decode_scratchpad(&[0xFF; 9]), Err(ReadError::Disconnected));
    assert_eq!(decode_scratchpad(&[0x00; 9]), Err(ReadError::Disconnected));
    // Values no conversion gives: -127 °C, -128 °C (0xF800), just past either end of the
    // range, the extremes of the register.
    for raw in [0xF810, 0xF800, 0x07D1, 0xFC8F, 0x7FFF, 0x8000] {
        assert_eq!(
            decode_scratchpad(&scratchpad(raw, BITS_12)),
            Err(ReadError::Disconnected),
            "{raw:#06x}"
        );
    }
    // -0.0625 °C is a temperature although its register bytes are all ones.
    assert_eq!(decode_scratchpad(&scratchpad(0xFFFF, 0xFF)), Ok(-0.0625));
}

#[test]
fn any_single_bit_error_is_a_crc_error() {
    let good = scratchpad(0x0191, BITS_12);
    assert_eq!(decode_scratchpad(&good), Ok(25.0625));
    for byte in 0..9 {
        for bit in 0..8 {
            let mut sp = good;
            sp[byte] ^= 1 << bit;
            assert_eq!(decode_scratchpad(&sp), Err(ReadError::Crc), "{byte}.{bit}");
        }
    }
    // The all-ones bus with one bit dropped, and a power-on scratchpad with a bad CRC.
    let mut sp = [0xFF; 9];
    sp[3] = 0xFE;
    assert_eq!(decode_scratchpad(&sp), Err(ReadError::Crc));
    let sp = [0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0x1D];
    assert_eq!(decode_scratchpad(&sp), Err(ReadError::Crc));
}

#[test]
fn read_error_names() {
    let names = [
        ReadError::Missing,
        ReadError::Crc,
        ReadError::Disconnected,
        ReadError::PowerOnValue,
        ReadError::Bus,
    ]
    .map(|e| e.as_str());
    assert_eq!(
        names,
        ["missing", "crc", "disconnected", "power_on_value", "bus"]
    );
}
