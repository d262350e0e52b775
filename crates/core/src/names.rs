//! The seed exporter's naming rules.
//!
//! `sensor_name` is the packet name with all whitespace removed; `friendly_name` additionally
//! puts a space before every ASCII capital: `ColdWaterTank` becomes `Cold Water Tank`.
//! Whitespace is what Python's `str.split()` splits on, so results match the seed exactly.
//!
//! The seed computes them as
//! `stripped = "".join(name.split())` and
//! `friendly = " ".join(re.sub(r"([A-Z])", r" \1", stripped).split())`.
//! Since `stripped` has no whitespace left, the second line only inserts a single space before
//! each `A`..=`Z` that is not the first character; nothing else changes.

/// Whether Python's `str.split()` treats `c` as whitespace.
///
/// That is `str.isspace()`: the Unicode `White_Space` characters plus the information
/// separators U+001C..=U+001F.
pub fn is_seed_whitespace(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// The seed's `sensor_name`: the name with whitespace removed.
pub fn sensor_name_chars<I: Iterator<Item = char>>(name: I) -> impl Iterator<Item = char> {
    name.filter(|c| !is_seed_whitespace(*c))
}

/// The seed's `friendly_name`: `ColdWaterTank` becomes `Cold Water Tank`.
///
/// Whitespace is removed and a space goes before every ASCII capital except a leading one, so
/// `CPU` becomes `C P U` and ` Hot  Water ` becomes `Hot Water`, as in the seed.
pub fn friendly_name_chars<I: Iterator<Item = char>>(name: I) -> impl Iterator<Item = char> {
    Friendly {
        chars: sensor_name_chars(name),
        started: false,
        held: None,
    }
}

/// Iterator behind [`friendly_name_chars`].
struct Friendly<I> {
    chars: I,
    /// Whether a character has been produced.
    started: bool,
    /// A capital to produce after the space that precedes it.
    held: Option<char>,
}

impl<I: Iterator<Item = char>> Iterator for Friendly<I> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if let Some(c) = self.held.take() {
            return Some(c);
        }
        let c = self.chars.next()?;
        if self.started && c.is_ascii_uppercase() {
            self.held = Some(c);
            return Some(' ');
        }
        self.started = true;
        Some(c)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let held = usize::from(self.held.is_some());
        let (_, hi) = self.chars.size_hint();
        (
            held,
            hi.and_then(|hi| hi.checked_mul(2))
                .and_then(|hi| hi.checked_add(held)),
        )
    }
}
