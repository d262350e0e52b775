//! A minimal, allocation-free JSON scanner for flat packet objects.
//!
//! [`for_each_member`] walks one top-level object member by member. Member values that are strings,
//! numbers and literals come back as [`Value`]s borrowing the input; nested objects and arrays
//! are checked and skipped (up to [`MAX_DEPTH`] levels), since no packet field holds one.
//!
//! Beyond RFC 8259 it accepts one thing: the tokens Python and MicroPython write for
//! non-finite floats (`NaN`, `Infinity`, `nan`, `inf`, each optionally after `-`), returned as
//! [`Value::NonFinite`] so the caller can reject them precisely where they matter and ignore
//! them in fields it ignores. Errors are the byte offset of the first byte that does not fit.

/// Deepest nesting of objects and arrays, counting the top-level object.
pub(crate) const MAX_DEPTH: usize = 16;

/// A string literal, validated: escapes are well-formed and there are no raw control
/// characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Str<'a> {
    /// The text between the quotes, escapes not undone.
    pub raw: &'a str,
    /// Whether `raw` contains any escape.
    pub escaped: bool,
    /// Length in bytes of the decoded text.
    pub decoded_len: usize,
}

impl<'a> Str<'a> {
    /// Whether the decoded string equals `s`.
    pub fn is(&self, s: &str) -> bool {
        if self.escaped {
            self.decoded_len == s.len() && crate::Text::Escaped(self.raw) == *s
        } else {
            self.raw == s
        }
    }
}

/// A member value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// A string.
    Str(Str<'a>),
    /// A number, as its literal text (which follows the JSON number grammar).
    Num(&'a str),
    /// `NaN`, `Infinity`, `nan`, `inf`, optionally after `-`.
    NonFinite,
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object (skipped).
    Object,
    /// An array (skipped).
    Array,
}

/// Where parsing failed: a byte offset into the input.
pub(crate) type At = usize;

/// Call `f` with each member of the document's single top-level object, in order. Only
/// whitespace may surround the object.
#[inline]
pub(crate) fn for_each_member<'a>(
    src: &'a str,
    mut f: impl FnMut(Str<'a>, Value<'a>),
) -> Result<(), At> {
    let mut s = Scanner { src, pos: 0 };
    s.skip_ws();
    s.expect(b'{')?;
    s.skip_ws();
    if s.peek() != Some(b'}') {
        loop {
            if s.peek() != Some(b'"') {
                return Err(s.pos);
            }
            let key = s.string()?;
            s.skip_ws();
            s.expect(b':')?;
            s.skip_ws();
            let value = s.value()?;
            f(key, value);
            s.skip_ws();
            if s.peek() == Some(b'}') {
                break;
            }
            s.expect(b',')?;
            s.skip_ws();
        }
    }
    s.pos += 1;
    s.skip_ws();
    if s.pos == src.len() {
        Ok(())
    } else {
        Err(s.pos)
    }
}

/// A position in a document.
struct Scanner<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), At> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.pos)
        }
    }

    /// Consume `word` if the input continues with it.
    fn eat(&mut self, word: &str) -> bool {
        let hit = self.bytes()[self.pos..].starts_with(word.as_bytes());
        if hit {
            self.pos += word.len();
        }
        hit
    }

    /// A member value; containers are skipped whole.
    #[inline(always)]
    fn value(&mut self) -> Result<Value<'a>, At> {
        match self.peek() {
            Some(b'{' | b'[') => self.skip_container(),
            _ => self.scalar(),
        }
    }

    /// A value that is not a container.
    #[inline(always)]
    fn scalar(&mut self) -> Result<Value<'a>, At> {
        let start = self.pos;
        let b = self.bytes();
        match b.get(start) {
            Some(b'"') => self.string().map(Value::Str),
            Some(b'-') if matches!(b.get(start + 1), Some(b'N' | b'I' | b'n' | b'i')) => {
                self.literal()
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Ok(Value::Num(&self.src[start..self.pos]))
            }
            _ => self.literal(),
        }
    }

    /// Check and skip a value that is not a container: [`Scanner::scalar`] kept out of line
    /// for nested values, which are rare and only skipped.
    #[inline(never)]
    fn skip_scalar(&mut self) -> Result<(), At> {
        self.scalar().map(|_| ())
    }

    /// `true`, `false`, `null` or a non-finite token.
    fn literal(&mut self) -> Result<Value<'a>, At> {
        let start = self.pos;
        if self.eat("true") {
            return Ok(Value::Bool(true));
        }
        if self.eat("false") {
            return Ok(Value::Bool(false));
        }
        if self.eat("null") {
            return Ok(Value::Null);
        }
        self.eat("-");
        if ["NaN", "Infinity", "nan", "inf"]
            .iter()
            .any(|w| self.eat(w))
        {
            return Ok(Value::NonFinite);
        }
        Err(start)
    }

    /// A string literal; `pos` is at the opening quote.
    #[inline(always)]
    fn string(&mut self) -> Result<Str<'a>, At> {
        let b = self.bytes();
        let start = self.pos + 1;
        let mut i = start;
        let mut decoded_len = 0;
        let mut escaped = false;
        loop {
            let run = i;
            while let Some(&c) = b.get(i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                i += 1;
            }
            decoded_len += i - run;
            match b.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    let (len, next) = escape(b, i)?;
                    decoded_len += len;
                    i = next;
                }
                // A raw control character, or the end of the input.
                _ => return Err(i),
            }
        }
        self.pos = i + 1;
        Ok(Str {
            raw: &self.src[start..i],
            escaped,
            decoded_len,
        })
    }

    /// Skip a number following the JSON grammar.
    #[inline(always)]
    fn number(&mut self) -> Result<(), At> {
        self.eat("-");
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.pos),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits1()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits1()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// One or more digits.
    fn digits1(&mut self) -> Result<(), At> {
        let start = self.pos;
        self.digits();
        if self.pos == start {
            Err(start)
        } else {
            Ok(())
        }
    }

    /// Check and skip an object or array; `pos` is at its opening bracket, which is at depth 2
    /// (inside the top-level object).
    fn skip_container(&mut self) -> Result<Value<'a>, At> {
        let outer = if self.peek() == Some(b'{') {
            Value::Object
        } else {
            Value::Array
        };
        // Bit `d` of `objects` says whether the open container at depth `d` is an object.
        let mut objects: u32 = 0;
        let mut depth = 1;
        // Each round starts at an opening bracket.
        'open: loop {
            let is_object = self.peek() == Some(b'{');
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(self.pos);
            }
            objects = objects & !(1 << depth) | u32::from(is_object) << depth;
            self.pos += 1;
            self.skip_ws();
            if self.peek() == Some(closer(is_object)) {
                self.pos += 1;
            } else if self.elements(is_object)? {
                continue 'open;
            }
            // The container at `depth` has closed; go on in the one around it.
            loop {
                depth -= 1;
                if depth == 1 {
                    return Ok(outer);
                }
                let is_object = objects & (1 << depth) != 0;
                self.skip_ws();
                if self.peek() == Some(closer(is_object)) {
                    self.pos += 1;
                    continue;
                }
                self.expect(b',')?;
                self.skip_ws();
                if self.elements(is_object)? {
                    continue 'open;
                }
            }
        }
    }

    /// Read elements of the current container (each a key and colon first in an object) until
    /// one is itself a container (`true`, `pos` at its bracket) or the current container
    /// closes (`false`, `pos` past the closer). `pos` is at the first element.
    fn elements(&mut self, in_object: bool) -> Result<bool, At> {
        loop {
            if in_object {
                if self.peek() != Some(b'"') {
                    return Err(self.pos);
                }
                self.skip_scalar()?;
                self.skip_ws();
                self.expect(b':')?;
                self.skip_ws();
            }
            if let Some(b'{' | b'[') = self.peek() {
                return Ok(true);
            }
            self.skip_scalar()?;
            self.skip_ws();
            if self.peek() == Some(closer(in_object)) {
                self.pos += 1;
                return Ok(false);
            }
            self.expect(b',')?;
            self.skip_ws();
        }
    }
}

/// The byte that closes an object or an array.
fn closer(object: bool) -> u8 {
    if object { b'}' } else { b']' }
}

/// Check the escape at `b[i]` (a backslash); returns its decoded length and the index after it.
fn escape(b: &[u8], i: usize) -> Result<(usize, usize), At> {
    match b.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok((1, i + 2)),
        Some(b'u') => {
            let cu = hex4(b, i + 2)?;
            match cu {
                0xD800..=0xDBFF => {
                    // Must be followed by an escaped low surrogate.
                    if b.get(i + 6) != Some(&b'\\') || b.get(i + 7) != Some(&b'u') {
                        return Err(i);
                    }
                    match hex4(b, i + 8)? {
                        0xDC00..=0xDFFF => Ok((4, i + 12)),
                        _ => Err(i),
                    }
                }
                0xDC00..=0xDFFF => Err(i),
                0..=0x7F => Ok((1, i + 6)),
                0x80..=0x7FF => Ok((2, i + 6)),
                _ => Ok((3, i + 6)),
            }
        }
        _ => Err(i + 1),
    }
}

/// The four hex digits at `b[i..i + 4]`.
fn hex4(b: &[u8], i: usize) -> Result<u32, At> {
    let mut v = 0;
    for j in i..i + 4 {
        let d = match b.get(j) {
            Some(&c @ b'0'..=b'9') => c - b'0',
            Some(&c @ b'a'..=b'f') => c - b'a' + 10,
            Some(&c @ b'A'..=b'F') => c - b'A' + 10,
            _ => return Err(j),
        };
        v = v << 4 | u32::from(d);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::*;

    /// All members of `src`, or the error offset.
    fn members(src: &str) -> Result<Vec<(&str, Value<'_>)>, At> {
        let mut out = Vec::new();
        for_each_member(src, |k, v| out.push((k.raw, v)))?;
        Ok(out)
    }

    fn plain(raw: &str) -> Value<'_> {
        Value::Str(Str {
            raw,
            escaped: false,
            decoded_len: raw.len(),
        })
    }

    #[test]
    fn flat_members() {
        let got = members(
            r#" {"a": "x", "b":-1.5e+3,"c" : true ,"d":false,"e":null, "f": [], "g": {}} "#,
        );
        assert_eq!(
            got,
            Ok(std::vec![
                ("a", plain("x")),
                ("b", Value::Num("-1.5e+3")),
                ("c", Value::Bool(true)),
                ("d", Value::Bool(false)),
                ("e", Value::Null),
                ("f", Value::Array),
                ("g", Value::Object),
            ])
        );
        assert_eq!(members("{}"), Ok(Vec::new()));
        assert_eq!(members("\t\r\n{ }\n"), Ok(Vec::new()));
    }

    #[test]
    fn nested_containers_are_skipped() {
        let src = r#"{"a": {"b": [1, {"c": [[], {}]}, "]", "}"], "d": {}}, "e": 0}"#;
        assert_eq!(
            members(src),
            Ok(std::vec![("a", Value::Object), ("e", Value::Num("0"))])
        );
        let src = r#"{"a": [[1, 2], [3, [4, [5]]], {"x": {"y": NaN}}], "e": [0]}"#;
        assert_eq!(
            members(src),
            Ok(std::vec![("a", Value::Array), ("e", Value::Array)])
        );
    }

    #[test]
    fn nesting_is_bounded() {
        // Depth 16 (the top-level object is depth 1) is accepted, 17 is not.
        let ok = std::format!("{{\"a\": {}{}}}", "[".repeat(15), "]".repeat(15));
        assert_eq!(members(&ok), Ok(std::vec![("a", Value::Array)]));
        let deep = std::format!("{{\"a\": {}{}}}", "[".repeat(16), "]".repeat(16));
        assert_eq!(members(&deep), Err(6 + 15));
        let deep = std::format!("{{\"a\": {}{}}}", "{\"k\":".repeat(16), "}".repeat(16));
        assert_eq!(members(&deep), Err(6 + 15 * 5));
    }

    #[test]
    fn mismatched_brackets() {
        assert_eq!(members(r#"{"a": [1}"#), Err(8));
        assert_eq!(members(r#"{"a": {"b": 1]}"#), Err(13));
        assert_eq!(members(r#"{"a": [1,]}"#), Err(9));
        assert_eq!(members(r#"{"a": {"b"}}"#), Err(10));
        assert_eq!(members(r#"{"a": {,}}"#), Err(7));
        assert_eq!(members(r#"{"a": [[]"#), Err(9));
        assert_eq!(members(r#"{"a": [] ]"#), Err(9));
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for ok in [
            "0",
            "-0",
            "1",
            "10",
            "1.5",
            "-0.0",
            "1e5",
            "1E-5",
            "1e+05",
            "0.5e0",
            "123456789012345678901234567890",
        ] {
            let src = std::format!("{{\"n\": {ok}}}");
            assert_eq!(members(&src), Ok(std::vec![("n", Value::Num(ok))]), "{ok}");
        }
        for (bad, at) in [
            ("01", 7),
            ("-", 7),
            ("1.", 8),
            (".5", 6),
            ("1e", 8),
            ("1e+", 9),
            ("+1", 6),
            ("1.5.", 9),
            ("0x1", 7),
            ("--1", 7),
            ("1 2", 8),
        ] {
            let src = std::format!("{{\"n\": {bad}}}");
            assert_eq!(members(&src), Err(at), "{bad}");
        }
    }

    #[test]
    fn non_finite_tokens() {
        for tok in [
            "NaN",
            "-NaN",
            "Infinity",
            "-Infinity",
            "nan",
            "-nan",
            "inf",
            "-inf",
        ] {
            let src = std::format!("{{\"n\": {tok}}}");
            assert_eq!(
                members(&src),
                Ok(std::vec![("n", Value::NonFinite)]),
                "{tok}"
            );
        }
        for (bad, at) in [
            ("infinity", 9),
            ("Inf", 6),
            ("NAN", 6),
            ("-Nan", 6),
            ("+inf", 6),
            ("nul", 6),
            ("True", 6),
        ] {
            let src = std::format!("{{\"n\": {bad}}}");
            assert_eq!(members(&src), Err(at), "{bad}");
        }
    }

    #[test]
    fn strings_and_escapes() {
        let got = members(r#"{"k\n": "a\"b\\c\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00"}"#);
        let raw = r#"a\"b\\c\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00"#;
        let val = Value::Str(Str {
            raw,
            escaped: true,
            decoded_len: 3 + 3 + 5 + 2 + 3 + 4,
        });
        assert_eq!(got, Ok(std::vec![(r"k\n", val)]));
        // Raw multi-byte UTF-8 counts by bytes.
        assert_eq!(
            members(r#"{"é": "€"}"#),
            Ok(std::vec![(
                "é",
                Value::Str(Str {
                    raw: "€",
                    escaped: false,
                    decoded_len: 3
                })
            )])
        );
    }

    #[test]
    fn bad_strings() {
        for (src, at) in [
            ("{\"a\": \"x\ny\"}", 8),
            ("{\"a\": \"x\u{1f}\"}", 8),
            (r#"{"a": "\x"}"#, 8),
            (r#"{"a": "\u12"}"#, 11),
            (r#"{"a": "\u12g4"}"#, 11),
            (r#"{"a": "\ud800"}"#, 7),
            (r#"{"a": "\ud800x"}"#, 7),
            (r#"{"a": "\ud800\n"}"#, 7),
            (r#"{"a": "\ud800\ud800"}"#, 7),
            (r#"{"a": "\udc00\ud800"}"#, 7),
            (r#"{"a": "\ud800\udc0"}"#, 18),
            (r#"{"a": "abc"#, 10),
            (r#"{"a": "\"#, 8),
            (r#"{"a\": 1}"#, 9),
            ("{'a': 1}", 1),
        ] {
            assert_eq!(members(src), Err(at), "{src}");
        }
    }

    #[test]
    fn one_object_only() {
        for (src, at) in [
            ("", 0),
            ("   ", 3),
            ("[]", 0),
            ("\"x\"", 0),
            ("{} {}", 3),
            ("{}x", 2),
            (r#"{"a": 1} ,"#, 9),
            (r#"{"a": 1,}"#, 8),
            (r#"{"a" 1}"#, 5),
            (r#"{"a": 1 "b": 2}"#, 8),
            (r#"{,"a": 1}"#, 1),
            (r#"{"a": }"#, 6),
            ("\u{a0}{}", 0),
            ("{\u{c}}", 1),
        ] {
            assert_eq!(members(src), Err(at), "{src:?}");
        }
    }

    #[test]
    fn str_is_compares_decoded() {
        let mut keys = Vec::new();
        assert_eq!(
            for_each_member(r#"{"n\u0061me": 0}"#, |k, _| keys.push(k)),
            Ok(())
        );
        let [key] = keys[..] else { panic!("{keys:?}") };
        assert_eq!(
            key,
            Str {
                raw: r"n\u0061me",
                escaped: true,
                decoded_len: 4
            }
        );
        assert!(key.is("name"));
        assert!(!key.is("nam"));
        assert!(!key.is("namf"));
        let key = Str {
            raw: "name",
            escaped: false,
            decoded_len: 4,
        };
        assert!(key.is("name"));
        assert!(!key.is("Name"));
    }
}
