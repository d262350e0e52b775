//! The examples and tables in `docs/PROTOCOL.md` say what the code does.

mod golden;

use promcast_core::packet::{
    MAX_DEVICE_LEN, MAX_KIND_LEN, MAX_NAME_LEN, MAX_PATH_LEN, MAX_SENSOR_LEN, MAX_SIG_LEN,
    MAX_STATUS_LEN, MAX_UNIT_LEN, RESERVED_TYPES,
};
use promcast_core::{DecodeError, decode};

const DOC: &str = include_str!("../../../docs/PROTOCOL.md");

/// The lines of the document's ```json blocks.
fn json_examples() -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in DOC.lines().map(str::trim) {
        match line {
            "```json" => inside = true,
            "```" => inside = false,
            "" => {}
            _ if inside => out.push(line),
            _ => {}
        }
    }
    out
}

/// The table rows `| <first cell> | <second cell> |` whose first cell is in backticks.
fn rows() -> impl Iterator<Item = (&'static str, &'static str)> {
    DOC.lines().filter_map(|line| {
        let cells: Vec<&str> = line.strip_prefix("| `")?.splitn(2, "` | ").collect();
        let [first, rest] = cells[..] else {
            return None;
        };
        Some((first, rest))
    })
}

#[test]
fn json_examples_are_golden_packets() {
    let examples = json_examples();
    assert_eq!(examples.len(), 13);
    let all = golden::all();
    for example in examples {
        let g = all.iter().find(|g| g.json == example);
        let g = g.unwrap_or_else(|| panic!("example is not a golden packet: {example}"));
        assert_eq!(decode(example.as_bytes()), Ok(g.packet), "{example}");
    }
}

#[test]
fn encoder_examples_are_encoder_output() {
    let section = DOC
        .split("These examples are exact encoder output:")
        .nth(1)
        .expect("section");
    let block = section
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("block");
    let all = golden::all();
    for line in block.lines() {
        let g = all.iter().find(|g| g.json == line).expect("golden");
        assert!(g.encodes, "{line}");
    }
}

#[test]
fn rejection_examples_are_rejected_for_the_reason_given() {
    let mut n = 0;
    for (json, rest) in rows().filter(|(first, _)| first.starts_with('{')) {
        let reason = rest.trim_end_matches(" |").trim_matches('`');
        let got = decode(json.as_bytes()).map(|_| ()).map_err(|e| e.reason());
        assert_eq!(got, Err(reason), "{json}");
        n += 1;
    }
    assert_eq!(n, 22);
}

#[test]
fn reason_table_lists_every_decode_reason() {
    let table = DOC
        .split("The decoder's reasons:")
        .nth(1)
        .and_then(|t| t.split("When a datagram has several problems").next())
        .expect("decoder reason table");
    let documented: Vec<&str> = table
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split_once("` | ").map(|(r, _)| r))
        .collect();
    assert_eq!(documented, DecodeError::REASONS);
}

#[test]
fn field_limits_match_the_code() {
    for (field, max) in [
        ("type", MAX_KIND_LEN),
        ("name", MAX_NAME_LEN),
        ("sensor", MAX_SENSOR_LEN),
        ("unit", MAX_UNIT_LEN),
        ("status", MAX_STATUS_LEN),
        ("device", MAX_DEVICE_LEN),
        ("sig", MAX_SIG_LEN),
        ("path", MAX_PATH_LEN),
    ] {
        let row = rows().find(|(first, rest)| *first == field && rest.starts_with("string |"));
        let (_, rest) = row.unwrap_or_else(|| panic!("no row for {field}"));
        assert!(
            rest.contains(&format!("| {max} bytes |")),
            "{field}: {rest}"
        );
    }
}

#[test]
fn reserved_types_match_the_code() {
    let quoted: Vec<String> = RESERVED_TYPES
        .iter()
        .map(|t| format!("`\"{t}\"`"))
        .collect();
    let row = format!(
        "| {} | reserved for later protocol versions;",
        quoted.join(", ")
    );
    assert!(DOC.contains(&row), "{row}");
}
