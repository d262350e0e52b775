//! `Text`: the decoded view of plain and escaped packet strings.

use promcast_core::Text;

/// Raw JSON string content and what it decodes to.
const CASES: &[(&str, &str)] = &[
    ("", ""),
    ("plain", "plain"),
    (r#"\"quoted\""#, "\"quoted\""),
    (r"back\\slash", "back\\slash"),
    (r"a\/b", "a/b"),
    (r"\b\f\n\r\t", "\u{8}\u{c}\n\r\t"),
    (r"caf\u00e9 \u00E9", "café é"),
    (r"\u20ac\u0000\u001F", "€\u{0}\u{1f}"),
    (r"\ud83d\ude00!", "😀!"),
    (r"\uD834\uDD1E clef", "𝄞 clef"),
    (r"mixed é \u00e9 😀 \ud83d\ude00", "mixed é é 😀 😀"),
];

#[test]
fn escaped_text_decodes() {
    for &(raw, want) in CASES {
        let t = Text::Escaped(raw);
        assert_eq!(t.chars().collect::<String>(), want, "{raw}");
        assert_eq!(t.decoded_len(), want.len(), "{raw}");
        assert_eq!(t.is_empty(), want.is_empty(), "{raw}");
        assert_eq!(t.to_string(), want, "{raw}");
        assert_eq!(t.as_plain(), None);
        assert_eq!(t, Text::Plain(want), "{raw}");
        assert_eq!(t, want, "{raw}");
        assert!(t == *want, "{raw}");
        let mut s = String::new();
        t.write_to(&mut s).expect("String never fails");
        assert_eq!(s, want);
    }
}

#[test]
fn plain_text_is_itself() {
    let t = Text::from("a\\n \"é\"");
    assert_eq!(t, Text::Plain("a\\n \"é\""));
    assert_eq!(t.as_plain(), Some("a\\n \"é\""));
    assert_eq!(t.chars().collect::<String>(), "a\\n \"é\"");
    assert_eq!(t.decoded_len(), 8);
    assert_ne!(t, Text::Escaped("a\\n \"é\""));
    assert_eq!(Text::default(), "");
    assert!(Text::default().is_empty());
}

#[test]
fn inequality() {
    assert_ne!(Text::Escaped(r"a\nb"), "a\\nb");
    assert_ne!(Text::Escaped(r"a\nb"), Text::Escaped(r"a\nc"));
    assert_ne!(Text::Escaped(r"ab"), Text::Plain("abc"));
}

#[test]
fn decode_into_copies_when_it_fits() {
    for &(raw, want) in CASES {
        for t in [Text::Escaped(raw), Text::Plain(want)] {
            let mut buf = [0xAA; 64];
            assert_eq!(t.decode_into(&mut buf), Some(want), "{raw}");
            assert!(
                buf[want.len()..].iter().all(|&b| b == 0xAA),
                "{raw}: wrote past the text"
            );
            let mut exact = vec![0; want.len()];
            assert_eq!(t.decode_into(&mut exact), Some(want), "{raw}");
            if !want.is_empty() {
                let mut short = vec![0; want.len() - 1];
                assert_eq!(t.decode_into(&mut short), None, "{raw}");
            }
        }
    }
}

#[test]
fn write_to_passes_runs_whole() {
    /// Records each `write_str` call.
    #[derive(Default)]
    struct Calls(Vec<String>);
    impl std::fmt::Write for Calls {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.push(s.to_owned());
            Ok(())
        }
    }
    let mut calls = Calls::default();
    Text::Escaped(r#"Cold \"Water\" Tank"#)
        .write_to(&mut calls)
        .expect("Calls never fails");
    assert_eq!(calls.0, ["Cold ", "\"", "Water", "\"", " Tank"]);
    let mut calls = Calls::default();
    Text::Plain("Cold Water Tank")
        .write_to(&mut calls)
        .expect("Calls never fails");
    assert_eq!(calls.0, ["Cold Water Tank"]);
}

#[test]
fn chars_size_hint_is_a_true_bound() {
    for &(raw, want) in CASES {
        let n = want.chars().count();
        for t in [Text::Escaped(raw), Text::Plain(want)] {
            let (lo, hi) = t.chars().size_hint();
            assert!(
                lo <= n && hi.is_none_or(|hi| n <= hi),
                "{raw}: {lo} {hi:?} {n}"
            );
        }
    }
}
