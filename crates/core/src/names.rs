//! The seed exporter's naming rules.
//!
//! `sensor_name` is the packet name with all whitespace removed; `friendly_name` additionally
//! puts a space before every ASCII capital: `ColdWaterTank` becomes `Cold Water Tank`.
//! Whitespace is what Python's `str.split()` splits on, so results match the seed exactly.

/// Whether Python's `str.split()` treats `c` as whitespace.
pub fn is_seed_whitespace(c: char) -> bool {
    let _ = c;
    todo!()
}

/// The seed's `sensor_name`: the name with whitespace removed.
pub fn sensor_name_chars<I: Iterator<Item = char>>(name: I) -> impl Iterator<Item = char> {
    name.filter(|_| todo!())
}

/// The seed's `friendly_name`: `ColdWaterTank` becomes `Cold Water Tank`.
pub fn friendly_name_chars<I: Iterator<Item = char>>(name: I) -> impl Iterator<Item = char> {
    name.filter(|_| todo!())
}
