//! Device ids: the keys of the fleet file's `[devices]` table.

use std::fmt;

/// What kind of unique id a key is, by its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 12 hex digits: an ESP32 chip id (`machine.unique_id()`, usually the Wi-Fi MAC) or any
    /// board's MAC address without separators.
    Mac,
    /// 16 hex digits: a Raspberry Pi Pico's flash unique id (`pico_get_unique_board_id`).
    PicoFlash,
    /// 32 hex digits: a Linux `/etc/machine-id`.
    MachineId,
}

impl IdKind {
    /// The number of hex digits of this kind.
    pub fn digits(self) -> usize {
        match self {
            IdKind::Mac => 12,
            IdKind::PicoFlash => 16,
            IdKind::MachineId => 32,
        }
    }

    /// What the id is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            IdKind::Mac => "a 12-hex-digit chip id or MAC",
            IdKind::PicoFlash => "a 16-hex-digit flash unique id",
            IdKind::MachineId => "a 32-hex-digit machine-id",
        }
    }
}

/// A device's unique id in canonical form: lower-case hex digits, no separators.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    /// Accept only the canonical form (as the fleet file must spell it). The error says what
    /// is wrong and, where it can, the canonical spelling.
    pub fn parse(s: &str) -> Result<DeviceId, String> {
        let kind = kind_of_len(s.len());
        if kind.is_some()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Ok(DeviceId(s.to_owned()));
        }
        let mut msg = "the id must be 12 (ESP32 chip id or MAC), 16 (Pico flash unique id) or 32 \
                       (Linux /etc/machine-id) lower-case hex digits"
            .to_owned();
        if let Some(canon) = DeviceId::normalize(s)
            && canon.0 != s
        {
            msg.push_str(&format!("; write \"{}\"", canon.0));
        }
        Err(msg)
    }

    /// Accept the forms ids are found in on a device: upper or lower case, with `:` or `-`
    /// separators (`7C:9E:BD:61:AB:E4`), surrounding whitespace (a `machine-id` file's newline).
    pub fn normalize(s: &str) -> Option<DeviceId> {
        let canon: String = s
            .trim()
            .chars()
            .filter(|c| *c != ':' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let ok = kind_of_len(canon.len()).is_some() && canon.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then_some(DeviceId(canon))
    }

    /// The kind of id, by its length.
    pub fn kind(&self) -> IdKind {
        kind_of_len(self.0.len()).unwrap_or(IdKind::Mac)
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn kind_of_len(len: usize) -> Option<IdKind> {
    match len {
        12 => Some(IdKind::Mac),
        16 => Some(IdKind::PicoFlash),
        32 => Some(IdKind::MachineId),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_parse() {
        for (s, kind) in [
            ("7c9ebd61abe4", IdKind::Mac),
            ("e6614103e7452d2f", IdKind::PicoFlash),
            ("5f0c9a1e2b3d4c5e6f708192a3b4c5d6", IdKind::MachineId),
        ] {
            let id = DeviceId::parse(s).expect("valid id");
            assert_eq!(id.kind(), kind);
            assert_eq!(id.as_str(), s);
        }
    }

    #[test]
    fn non_canonical_ids_are_refused_with_the_canonical_spelling() {
        assert_eq!(
            DeviceId::parse("7C:9E:BD:61:AB:E4"),
            Err(
                "the id must be 12 (ESP32 chip id or MAC), 16 (Pico flash unique id) or 32 \
                 (Linux /etc/machine-id) lower-case hex digits; write \"7c9ebd61abe4\""
                    .into()
            )
        );
        assert_eq!(
            DeviceId::parse("front-door"),
            Err(
                "the id must be 12 (ESP32 chip id or MAC), 16 (Pico flash unique id) or 32 \
                 (Linux /etc/machine-id) lower-case hex digits"
                    .into()
            )
        );
    }

    #[test]
    fn normalize_accepts_what_devices_print() {
        let want = Some(DeviceId("7c9ebd61abe4".into()));
        assert_eq!(DeviceId::normalize("7C:9E:BD:61:AB:E4"), want);
        assert_eq!(DeviceId::normalize("7c-9e-bd-61-ab-e4"), want);
        assert_eq!(DeviceId::normalize("7c9ebd61abe4\n"), want);
        assert_eq!(DeviceId::normalize("7c9ebd61abe"), None);
        assert_eq!(DeviceId::normalize("front-door"), None);
    }
}
