//! `Secret<T>`: a value that never prints.
//!
//! The PAT, setup-key plaintext and invite links travel in this type. `Debug`, `Display` and
//! `Serialize` all write `<redacted>`; [`Secret::expose`] is the only door to the value, so every
//! place that reveals a secret is one grep away.

use std::fmt;

/// A value that must never reach logs, plans or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Reveals the value. Call sites are the audit list of where secrets go.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

const REDACTED: &str = "<redacted>";

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> serde::Serialize for Secret<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn every_output_path_is_redacted() {
        let secret = Secret::new("nbp_very_secret".to_owned());
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"<redacted>\"");
        assert_eq!(secret.expose(), "nbp_very_secret");
    }
}
