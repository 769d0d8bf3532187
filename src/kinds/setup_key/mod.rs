//! Setup keys: how peers join a tenant. Everything but `auto_groups` and `revoked` is fixed at
//! creation, so changing it means replacing the key.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
pub(crate) mod equality;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::kinds::string_schema;

/// A setup key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupKey {
    /// The key's name, unique in a tenant (NetBird does not enforce it; birdhouse does).
    pub name: String,
    /// One-off or reusable (create-only).
    pub key_type: SetupKeyType,
    /// Validity from creation (create-only); `None` leaves it unmanaged.
    pub expires_in: Option<ExpiresIn>,
    /// Enrolments allowed, 0 for unlimited (create-only).
    pub usage_limit: Option<u32>,
    /// Whether peers enrolled with it are removed when offline (create-only).
    pub ephemeral: Option<bool>,
    /// Whether peers may add extra DNS labels (create-only).
    pub allow_extra_dns_labels: Option<bool>,
    /// Groups a peer joins when it enrols with this key.
    pub auto_groups: Option<BTreeSet<String>>,
    /// Whether the key is revoked (a revoked key cannot be un-revoked).
    pub revoked: Option<bool>,
}

/// How often a setup key may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SetupKeyType {
    /// Used once.
    #[serde(rename = "one-off")]
    OneOff,
    /// Used up to its usage limit.
    #[serde(rename = "reusable")]
    Reusable,
}

impl SetupKeyType {
    /// Every accepted spelling, for messages.
    pub const NAMES: [&'static str; 2] = ["one-off", "reusable"];

    /// The spelling in files and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SetupKeyType::OneOff => "one-off",
            SetupKeyType::Reusable => "reusable",
        }
    }
}

impl FromStr for SetupKeyType {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "one-off" => Ok(SetupKeyType::OneOff),
            "reusable" => Ok(SetupKeyType::Reusable),
            _ => Err(()),
        }
    }
}

/// A setup key's validity, counted from its creation: whole seconds, or never.
///
/// The server stores only the absolute expiry, so a key's `expires_in` cannot be read back;
/// the planner treats it as intent at creation time, not as drifting state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ExpiresIn {
    /// Never expires.
    Never,
    /// Expires this many seconds after creation.
    Seconds(u64),
}

impl ExpiresIn {
    /// The longest validity NetBird's dashboard offers.
    pub const MAX_SECONDS: u64 = 365 * 24 * 3600;

    /// The value of the API's `expires_in` (seconds; 0 means never).
    pub fn as_api_seconds(self) -> u64 {
        match self {
            ExpiresIn::Never => 0,
            ExpiresIn::Seconds(seconds) => seconds,
        }
    }
}

impl fmt::Display for ExpiresIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExpiresIn::Never => f.write_str("never"),
            ExpiresIn::Seconds(seconds) => {
                // Days before weeks: `7d` and `14d` read back as written, as most files say it.
                for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
                    if seconds % size == 0 {
                        return write!(f, "{}{unit}", seconds / size);
                    }
                }
                write!(f, "{seconds}s")
            }
        }
    }
}

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiresInError {
    /// Not a duration at all.
    #[error("{0:?} is not a duration")]
    Syntax(String),
    /// Zero, a fraction of a second, or longer than a year.
    #[error("{0:?} is out of range")]
    Range(String),
}

impl FromStr for ExpiresIn {
    type Err = ExpiresInError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text == "never" {
            return Ok(ExpiresIn::Never);
        }
        let duration =
            humantime::parse_duration(text).map_err(|_| ExpiresInError::Syntax(s.to_owned()))?;
        let seconds = duration.as_secs();
        if duration.subsec_nanos() != 0 || seconds == 0 || seconds > Self::MAX_SECONDS {
            return Err(ExpiresInError::Range(s.to_owned()));
        }
        Ok(ExpiresIn::Seconds(seconds))
    }
}

impl From<ExpiresIn> for String {
    fn from(value: ExpiresIn) -> Self {
        value.to_string()
    }
}

impl TryFrom<String> for ExpiresIn {
    type Error = ExpiresInError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

string_schema!(
    ExpiresIn,
    "ExpiresIn",
    "Validity from creation: a duration such as `30d`, `12h`, `2w` (at most 365d), or `never`",
    pattern = "^(never|\\s*[0-9]+\\s*[a-zA-Z]+(\\s*[0-9]+\\s*[a-zA-Z]+)*\\s*)$"
);

#[cfg(test)]
mod tests {
    use super::ExpiresIn;

    #[test]
    fn parses_common_durations() {
        assert_eq!("30d".parse(), Ok(ExpiresIn::Seconds(30 * 86_400)));
        assert_eq!("12h".parse(), Ok(ExpiresIn::Seconds(12 * 3600)));
        assert_eq!("1w 2d".parse(), Ok(ExpiresIn::Seconds(9 * 86_400)));
        assert_eq!("never".parse(), Ok(ExpiresIn::Never));
    }

    #[test]
    fn refuses_zero_fractions_garbage_and_over_a_year() {
        assert!("0d".parse::<ExpiresIn>().is_err());
        assert!("500ms".parse::<ExpiresIn>().is_err());
        assert!("soon".parse::<ExpiresIn>().is_err());
        assert!("400d".parse::<ExpiresIn>().is_err());
        assert!("365d".parse::<ExpiresIn>().is_ok());
    }

    #[test]
    fn prints_the_largest_whole_unit_up_to_days() {
        assert_eq!(ExpiresIn::Seconds(14 * 86_400).to_string(), "14d");
        assert_eq!(ExpiresIn::Seconds(7 * 86_400).to_string(), "7d");
        assert_eq!(ExpiresIn::Seconds(36 * 3600).to_string(), "36h");
        assert_eq!(ExpiresIn::Seconds(30 * 86_400).to_string(), "30d");
        assert_eq!(ExpiresIn::Seconds(90).to_string(), "90s");
        assert_eq!(ExpiresIn::Never.to_string(), "never");
    }
}
