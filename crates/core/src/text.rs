//! [`Text`]: a string field of a packet, kept as it arrived so decoding never allocates.

use core::fmt;

/// A string field of a packet.
///
/// Decoding borrows the datagram: a string without escapes is [`Text::Plain`]; one with JSON
/// escapes (`\n`, `\"`, `\u00e9`, ...) is [`Text::Escaped`] holding the raw text between the
/// quotes, already validated, so [`Text::chars`] cannot fail. Encoding takes either form.
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
        todo!()
    }
    /// The text itself when no escapes need undoing.
    pub fn as_plain(&self) -> Option<&'a str> {
        todo!()
    }
    /// Length in bytes of the decoded UTF-8 text.
    pub fn decoded_len(&self) -> usize {
        todo!()
    }
    /// Whether the decoded text is empty.
    pub fn is_empty(&self) -> bool {
        self.decoded_len() == 0
    }
}

/// Iterator over the decoded characters of a [`Text`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    _s: core::str::Chars<'a>,
}

impl Iterator for Chars<'_> {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        todo!()
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.chars().eq(other.chars())
    }
}
impl Eq for Text<'_> {}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.chars().eq(other.chars())
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for c in self.chars() {
            f.write_char(c)?;
        }
        Ok(())
    }
}
