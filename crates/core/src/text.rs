//! [`Text`]: a string field of a packet, kept as it arrived so decoding never allocates.

use core::fmt;

/// A string field of a packet.
///
/// Decoding borrows the datagram: a string without escapes is [`Text::Plain`]; one with JSON
/// escapes (`\n`, `\"`, `\u00e9`, ...) is [`Text::Escaped`] holding the raw text between the
/// quotes, already validated, so [`Text::chars`] cannot fail. Encoding takes either form.
///
/// Should an `Escaped` value built by hand hold a broken escape anyway, the broken escape
/// reads as U+FFFD REPLACEMENT CHARACTER; nothing panics.
#[derive(Clone, Copy, Debug)]
pub enum Text<'a> {
    /// Literal text, no escapes to undo.
    Plain(&'a str),
    /// The raw content of a JSON string literal (between the quotes) that contains escapes.
    /// Only the decoder creates this variant, after validating every escape.
    Escaped(&'a str),
}

impl<'a> Text<'a> {
    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        match *self {
            Text::Plain(s) => Chars {
                s: s.chars(),
                escaped: false,
            },
            Text::Escaped(s) => Chars {
                s: s.chars(),
                escaped: true,
            },
        }
    }

    /// The text itself when no escapes need undoing.
    pub fn as_plain(&self) -> Option<&'a str> {
        match *self {
            Text::Plain(s) => Some(s),
            Text::Escaped(_) => None,
        }
    }

    /// Length in bytes of the decoded UTF-8 text.
    pub fn decoded_len(&self) -> usize {
        match *self {
            Text::Plain(s) => s.len(),
            Text::Escaped(_) => self.pieces().map(Piece::len).sum(),
        }
    }

    /// Whether the decoded text is empty.
    pub fn is_empty(&self) -> bool {
        self.decoded_len() == 0
    }

    /// Write the decoded text to `w`, in as few `write_str` calls as the escapes allow.
    pub fn write_to<W: fmt::Write + ?Sized>(&self, w: &mut W) -> fmt::Result {
        for piece in self.pieces() {
            match piece {
                Piece::Str(s) => w.write_str(s)?,
                Piece::Char(c) => w.write_char(c)?,
            }
        }
        Ok(())
    }

    /// Copy the decoded text into `buf` and return it as a `&str` borrowed from `buf`;
    /// `None` when it does not fit.
    ///
    /// A [`Text::Plain`] is copied as it is; this is how a caller gets a `&str` (for a hash
    /// lookup, say) of an escaped string without allocating.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut len = 0;
        for piece in self.pieces() {
            let mut tmp = [0; 4];
            let bytes = match piece {
                Piece::Str(s) => s.as_bytes(),
                Piece::Char(c) => c.encode_utf8(&mut tmp).as_bytes(),
            };
            buf.get_mut(len..len + bytes.len())?.copy_from_slice(bytes);
            len += bytes.len();
        }
        // Every piece is whole UTF-8, so this cannot fail.
        core::str::from_utf8(&buf[..len]).ok()
    }

    /// The decoded text as literal runs and single unescaped characters.
    pub(crate) fn pieces(&self) -> Pieces<'a> {
        match *self {
            Text::Plain(s) => Pieces {
                rest: s,
                escaped: false,
            },
            Text::Escaped(s) => Pieces {
                rest: s,
                escaped: true,
            },
        }
    }
}

impl<'a> From<&'a str> for Text<'a> {
    /// A [`Text::Plain`].
    fn from(s: &'a str) -> Self {
        Text::Plain(s)
    }
}

impl Default for Text<'_> {
    /// The empty string.
    fn default() -> Self {
        Text::Plain("")
    }
}

/// Iterator over the decoded characters of a [`Text`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    s: core::str::Chars<'a>,
    escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.s.next()?;
        if self.escaped && c == '\\' {
            Some(unescape(&mut self.s))
        } else {
            Some(c)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, hi) = self.s.size_hint();
        if self.escaped {
            // An escape is at most 12 input characters (`\ud83d\ude00`) for one output.
            (lo.div_ceil(12), hi)
        } else {
            (lo, hi)
        }
    }
}

/// One step of a [`Text`]: a literal run or one character produced by an escape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Literal text (no escapes in it).
    Str(&'a str),
    /// The character an escape stands for.
    Char(char),
}

impl Piece<'_> {
    /// Decoded length in bytes.
    fn len(self) -> usize {
        match self {
            Piece::Str(s) => s.len(),
            Piece::Char(c) => c.len_utf8(),
        }
    }
}

/// Iterator over the [`Piece`]s of a [`Text`].
#[derive(Clone, Debug)]
pub(crate) struct Pieces<'a> {
    rest: &'a str,
    escaped: bool,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        if !self.escaped {
            return Some(Piece::Str(core::mem::take(&mut self.rest)));
        }
        match self.rest.find('\\') {
            Some(0) => {
                let mut it = self.rest[1..].chars();
                let c = unescape(&mut it);
                self.rest = it.as_str();
                Some(Piece::Char(c))
            }
            Some(i) => {
                let (run, rest) = self.rest.split_at(i);
                self.rest = rest;
                Some(Piece::Str(run))
            }
            None => Some(Piece::Str(core::mem::take(&mut self.rest))),
        }
    }
}

/// Decode one escape; `it` is just past the backslash. Broken escapes give U+FFFD.
fn unescape(it: &mut core::str::Chars<'_>) -> char {
    let Some(e) = it.next() else {
        return char::REPLACEMENT_CHARACTER;
    };
    match e {
        '"' => '"',
        '\\' => '\\',
        '/' => '/',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'u' => {
            let Some(hi) = hex4(it) else {
                return char::REPLACEMENT_CHARACTER;
            };
            if (0xD800..0xDC00).contains(&hi) {
                // A high surrogate must be followed by `\u` and a low surrogate.
                let mut look = it.clone();
                if look.next() == Some('\\')
                    && look.next() == Some('u')
                    && let Some(lo) = hex4(&mut look).filter(|lo| (0xDC00..0xE000).contains(lo))
                {
                    *it = look;
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                }
                char::REPLACEMENT_CHARACTER
            } else {
                char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
        }
        _ => char::REPLACEMENT_CHARACTER,
    }
}

/// Four hex digits as a number; `None` (having consumed what it read) if they are not there.
fn hex4(it: &mut core::str::Chars<'_>) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + it.next()?.to_digit(16)?;
    }
    Some(v)
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Text::Plain(a), Text::Plain(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}
impl Eq for Text<'_> {}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        match self {
            Text::Plain(a) => *a == other,
            Text::Escaped(_) => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_split_runs_and_escapes() {
        let t = Text::Escaped(r#"a\"bc\u00e9\ud83d\ude00\n"#);
        let got: std::vec::Vec<Piece<'_>> = t.pieces().collect();
        assert_eq!(
            got,
            [
                Piece::Str("a"),
                Piece::Char('"'),
                Piece::Str("bc"),
                Piece::Char('é'),
                Piece::Char('😀'),
                Piece::Char('\n'),
            ]
        );
    }

    #[test]
    fn broken_escapes_read_as_replacement() {
        let t = Text::Escaped(r"\x\u12\ud800x\udc00\");
        let got: std::string::String = t.chars().collect();
        // `\x`; `\u12\` eats `\u12` and the `\` is not a hex digit; then `ud800x` literal...
        assert_eq!(got, "\u{FFFD}\u{FFFD}ud800x\u{FFFD}\u{FFFD}");
        let pieces: std::string::String = std::format!("{t}");
        assert_eq!(pieces, got);
    }
}
