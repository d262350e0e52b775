//! Packet objects built member by member, for tests that vary one field of a base packet.

#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use promcast_core::{DecodeError, decode};

/// A JSON object of `members`, values as written, in the encoder's layout.
pub fn object<'a>(members: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(k, v)| format!(r#""{k}": {v}"#))
        .collect();
    format!("{{{}}}", members.join(", "))
}

/// `base` with `key` set to `value` (appended if absent).
pub fn with(base: &[(&str, &str)], key: &str, value: &str) -> String {
    let mut members = base.to_vec();
    match members.iter_mut().find(|(k, _)| *k == key) {
        Some(m) => m.1 = value,
        None => members.push((key, value)),
    }
    object(members)
}

/// `base` without `key`.
pub fn without(base: &[(&str, &str)], key: &str) -> String {
    object(base.iter().copied().filter(|(k, _)| *k != key))
}

/// `src` is rejected with `want`.
#[track_caller]
pub fn assert_rejects(src: &str, want: DecodeError) {
    assert_eq!(decode(src.as_bytes()), Err(want), "{src}");
}
