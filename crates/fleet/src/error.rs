//! What can be wrong with a fleet or secrets file.

use std::fmt;
use std::path::{Path, PathBuf};

/// The device an [`Error`] belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRef {
    /// The key as written in the file (the device's id).
    pub key: String,
    /// Its `name`, when the file gives one.
    pub name: Option<String>,
}

/// One mistake in a file: where it is and what is wrong.
///
/// Displayed as `devices.<id> (<name>): <path>: <message>`, e.g.
/// `devices.7c9ebd61abe4 (front-door): pins[1].name: duplicate pin name "left"`, or
/// `<path>: <message>` outside a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The device, for errors inside `[devices.<id>]`.
    pub device: Option<DeviceRef>,
    /// Path of the setting (relative to the device when there is one), e.g. `pins[1].name`;
    /// empty when the error is about the device's key itself.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Error {
    /// An error outside any device.
    pub fn top(path: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            device: None,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.device {
            write!(f, "devices.{}", toml_key(&d.key))?;
            if let Some(name) = &d.name {
                write!(f, " ({name})")?;
            }
            f.write_str(": ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// A key as TOML would need it written: bare when it can be, quoted otherwise.
pub(crate) fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The file is TOML, but settings in it are wrong. Every mistake found is listed.
    #[error("{}", errors.iter().map(|e| format!("{}: {e}", path.display())).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The mistakes, in file order.
        errors: Vec<Error>,
    },
}

/// Read a whole file.
pub(crate) fn read_file(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parse TOML text into a table (syntax errors carry line and column).
pub(crate) fn parse_table(text: &str, path: &Path) -> Result<toml::Table, LoadError> {
    toml::from_str(text).map_err(|e| LoadError::Parse {
        path: path.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })
}

impl LoadError {
    /// The mistakes, for [`LoadError::Invalid`]; empty otherwise.
    pub fn errors(&self) -> &[Error] {
        match self {
            LoadError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }
}
