//! The seed's naming rules, checked against outputs computed by CPython 3.11 with the seed's
//! own two lines:
//! `stripped = "".join(name.split())` and
//! `friendly = " ".join(re.sub(r"([A-Z])", r" \1", stripped).split())`.

use promcast_core::names::{friendly_name_chars, is_seed_whitespace, sensor_name_chars};
use proptest::prelude::*;

/// `(name, stripped, friendly)` as CPython computes them.
const GOLDEN: &[(&str, &str, &str)] = &[
    ("ColdWaterTank", "ColdWaterTank", "Cold Water Tank"),
    ("CPU", "CPU", "C P U"),
    ("loft", "loft", "loft"),
    (" Hot  Water ", "HotWater", "Hot Water"),
    ("\u{c4}pfelRoom", "\u{c4}pfelRoom", "\u{c4}pfel Room"),
    ("", "", ""),
    (" ", "", ""),
    ("A", "A", "A"),
    ("a", "a", "a"),
    ("Loft", "Loft", "Loft"),
    ("LivingRoom", "LivingRoom", "Living Room"),
    ("iPhone", "iPhone", "i Phone"),
    ("cpuTemp", "cpuTemp", "cpu Temp"),
    ("ABCdef", "ABCdef", "A B Cdef"),
    ("aBC", "aBC", "a B C"),
    ("Tank2", "Tank2", "Tank2"),
    ("Tank 2", "Tank2", "Tank2"),
    ("2ndFloor", "2ndFloor", "2nd Floor"),
    ("Hot\u{9}Water\u{a}Tank", "HotWaterTank", "Hot Water Tank"),
    (
        "Cold\u{d}Water\u{b}Tank\u{c}X",
        "ColdWaterTankX",
        "Cold Water Tank X",
    ),
    ("x\u{1c}Y\u{1d}Z\u{1e}_\u{1f}W", "xYZ_W", "x Y Z_ W"),
    ("No\u{85}Break\u{a0}Space", "NoBreakSpace", "No Break Space"),
    ("Ogham\u{1680}Mark", "OghamMark", "Ogham Mark"),
    (
        "En\u{2002}Em\u{2003}Thin\u{2009}Hair\u{200a}",
        "EnEmThinHair",
        "En Em Thin Hair",
    ),
    ("Line\u{2028}Para\u{2029}", "LinePara", "Line Para"),
    (
        "Narrow\u{202f}Math\u{205f}Ideo\u{3000}End",
        "NarrowMathIdeoEnd",
        "Narrow Math Ideo End",
    ),
    (
        "Zero\u{200b}Width",
        "Zero\u{200b}Width",
        "Zero\u{200b} Width",
    ),
    (
        "Mongolian\u{180e}Vowel",
        "Mongolian\u{180e}Vowel",
        "Mongolian\u{180e} Vowel",
    ),
    ("Bom\u{feff}X", "Bom\u{feff}X", "Bom\u{feff} X"),
    (
        "Word\u{2060}Joiner",
        "Word\u{2060}Joiner",
        "Word\u{2060} Joiner",
    ),
    (
        "\u{c9}coleMaternelle",
        "\u{c9}coleMaternelle",
        "\u{c9}cole Maternelle",
    ),
    (
        "\u{391}\u{3bb}\u{3c6}\u{3b1}\u{392}\u{3ae}\u{3c4}\u{3b1}",
        "\u{391}\u{3bb}\u{3c6}\u{3b1}\u{392}\u{3ae}\u{3c4}\u{3b1}",
        "\u{391}\u{3bb}\u{3c6}\u{3b1}\u{392}\u{3ae}\u{3c4}\u{3b1}",
    ),
    (
        "\u{ff26}\u{ff55}\u{ff4c}\u{ff4c}\u{ff37}\u{ff49}\u{ff44}\u{ff54}\u{ff48}",
        "\u{ff26}\u{ff55}\u{ff4c}\u{ff4c}\u{ff37}\u{ff49}\u{ff44}\u{ff54}\u{ff48}",
        "\u{ff26}\u{ff55}\u{ff4c}\u{ff4c}\u{ff37}\u{ff49}\u{ff44}\u{ff54}\u{ff48}",
    ),
    ("snake_Case_Name", "snake_Case_Name", "snake_ Case_ Name"),
    ("kebab-Case-Name", "kebab-Case-Name", "kebab- Case- Name"),
    ("Dots.And.Caps", "Dots.And.Caps", "Dots. And. Caps"),
    ("\"Quoted\"Name", "\"Quoted\"Name", "\" Quoted\" Name"),
    ("Back\\Slash", "Back\\Slash", "Back\\ Slash"),
    (
        "emoji\u{1f600}Room",
        "emoji\u{1f600}Room",
        "emoji\u{1f600} Room",
    ),
    (
        "\u{c5}\u{c4}\u{d6}",
        "\u{c5}\u{c4}\u{d6}",
        "\u{c5}\u{c4}\u{d6}",
    ),
    ("A\u{c4}B", "A\u{c4}B", "A\u{c4} B"),
    ("\u{1c5}ungla", "\u{1c5}ungla", "\u{1c5}ungla"),
    ("\u{130}stanbulX", "\u{130}stanbulX", "\u{130}stanbul X"),
    ("Z", "Z", "Z"),
    ("ZZ", "ZZ", "Z Z"),
    ("\u{0}Nul\u{0}X", "\u{0}Nul\u{0}X", "\u{0} Nul\u{0} X"),
    ("\u{7f}Del", "\u{7f}Del", "\u{7f} Del"),
    ("   LeadingSpaces", "LeadingSpaces", "Leading Spaces"),
    ("TrailingSpaces   ", "TrailingSpaces", "Trailing Spaces"),
    ("\u{9}\u{a}", "", ""),
    ("a  B  c", "aBc", "a Bc"),
    (
        "Mixed Case Words Here",
        "MixedCaseWordsHere",
        "Mixed Case Words Here",
    ),
    ("\u{df}tra\u{df}e", "\u{df}tra\u{df}e", "\u{df}tra\u{df}e"),
    ("\u{fb01}Ligature", "\u{fb01}Ligature", "\u{fb01} Ligature"),
    ("\u{216b} Roman", "\u{216b}Roman", "\u{216b} Roman"),
    ("AbcDEFghI", "AbcDEFghI", "Abc D E Fgh I"),
];

/// Every code point for which CPython's `str.isspace()` is true (the characters
/// `str.split()` splits on).
const PYTHON_ISSPACE: &[u32] = &[
    0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
    0x205f, 0x3000,
];

fn sensor_name(name: &str) -> String {
    sensor_name_chars(name.chars()).collect()
}

fn friendly_name(name: &str) -> String {
    friendly_name_chars(name.chars()).collect()
}

#[test]
fn golden_names_match_python() {
    for &(name, stripped, friendly) in GOLDEN {
        assert_eq!(sensor_name(name), stripped, "sensor name of {name:?}");
        assert_eq!(friendly_name(name), friendly, "friendly name of {name:?}");
    }
}

#[test]
fn whitespace_is_exactly_python_isspace() {
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        assert_eq!(
            is_seed_whitespace(c),
            PYTHON_ISSPACE.contains(&u32::from(c)),
            "{c:?}"
        );
    }
}

/// The seed's two lines, written out with `String`s: split on whitespace, join; then put a
/// space before each ASCII capital, split on whitespace and join with single spaces.
fn python_model(name: &str) -> (String, String) {
    let stripped: String = name.split(is_seed_whitespace).collect();
    let mut spaced = String::new();
    for c in stripped.chars() {
        if c.is_ascii_uppercase() {
            spaced.push(' ');
        }
        spaced.push(c);
    }
    let friendly = spaced
        .split(is_seed_whitespace)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (stripped, friendly)
}

#[test]
fn model_agrees_with_golden() {
    for &(name, stripped, friendly) in GOLDEN {
        assert_eq!(
            python_model(name),
            (stripped.to_owned(), friendly.to_owned()),
            "{name:?}"
        );
    }
}

proptest! {
    #[test]
    fn names_match_the_model(name in "[ \t\n\u{1c}-\u{1f}\u{85}\u{a0}\u{2028}\u{3000}aZA_Äé😀\u{200b}-]{0,24}") {
        let (stripped, friendly) = python_model(&name);
        prop_assert_eq!(sensor_name(&name), stripped);
        prop_assert_eq!(friendly_name(&name), friendly);
    }

    #[test]
    fn any_string_matches_the_model(name in any::<String>()) {
        let (stripped, friendly) = python_model(&name);
        prop_assert_eq!(sensor_name(&name), stripped);
        prop_assert_eq!(friendly_name(&name), friendly);
    }
}
