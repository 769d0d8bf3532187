//! Posture checks: conditions a peer must meet (NetBird version, OS version, location, network
//! range, running processes) before a policy that names the check lets its traffic through.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
pub(crate) mod request;
pub mod wire;

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A posture check. Its `checks` are managed as a whole: the file's checks are the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostureCheck {
    /// The check's name, unique in a tenant.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// What a peer must meet.
    pub checks: Checks,
}

/// The conditions of a posture check, at least one of them. Field names and shapes are the
/// API's own; the same type is the file format, the model and the wire body, normalised by
/// [`Checks::normalised`] so that order never makes a difference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Checks {
    /// The lowest NetBird client version allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb_version_check: Option<MinVersion>,
    /// The lowest version of each operating system allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version_check: Option<OsVersionCheck>,
    /// Countries (and cities) peers must, or must not, be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_location_check: Option<GeoLocationCheck>,
    /// Network ranges a peer's addresses must, or must not, be in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_network_range_check: Option<NetworkRangeCheck>,
    /// Processes that must be running on the peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_check: Option<ProcessCheck>,
}

impl Checks {
    /// Whether no condition is set (NetBird refuses such a check).
    pub fn is_empty(&self) -> bool {
        self == &Checks::default()
    }

    /// The checks with every list sorted and empty texts left out, so a file and a read that
    /// mean the same compare equal.
    #[must_use]
    pub fn normalised(mut self) -> Self {
        if let Some(geo) = &mut self.geo_location_check {
            for location in &mut geo.locations {
                location.city_name = location.city_name.take().filter(|c| !c.is_empty());
            }
            geo.locations.sort();
            geo.locations.dedup();
        }
        if let Some(range) = &mut self.peer_network_range_check {
            for text in &mut range.ranges {
                if let Some(canonical) = document::canonical_prefix(text) {
                    *text = canonical;
                }
            }
            range.ranges.sort();
            range.ranges.dedup();
        }
        if let Some(process) = &mut self.process_check {
            for p in &mut process.processes {
                for path in [&mut p.linux_path, &mut p.mac_path, &mut p.windows_path] {
                    *path = path.take().filter(|p| !p.is_empty());
                }
            }
            process.processes.sort();
            process.processes.dedup();
        }
        self
    }
}

/// A minimum version, such as `0.28.0` or `14.2.1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MinVersion {
    /// The lowest version allowed.
    pub min_version: String,
}

/// A minimum kernel version, such as `5.3.3` or `10.0.1234`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MinKernelVersion {
    /// The lowest kernel version allowed.
    pub min_kernel_version: String,
}

/// The lowest version of each operating system; an operating system left out is not allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OsVersionCheck {
    /// Android.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android: Option<MinVersion>,
    /// macOS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub darwin: Option<MinVersion>,
    /// iOS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios: Option<MinVersion>,
    /// Linux, by kernel version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux: Option<MinKernelVersion>,
    /// Windows, by kernel build version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<MinKernelVersion>,
}

/// Where peers must (allow) or must not (deny) be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GeoLocationCheck {
    /// The locations, at least one.
    #[serde(default, deserialize_with = "crate::api::wire::nullable")]
    pub locations: Vec<Location>,
    /// `allow` or `deny`.
    pub action: CheckAction,
}

/// A country, or a city of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Location {
    /// The ISO 3166-1 alpha-2 code, such as `DE`.
    pub country_code: String,
    /// The city's English name (the whole country when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city_name: Option<String>,
}

/// Network ranges a peer's addresses (local interfaces and public address) must (allow) or
/// must not (deny) be in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NetworkRangeCheck {
    /// Ranges in CIDR notation, such as `10.0.0.0/8`, at least one.
    #[serde(default, deserialize_with = "crate::api::wire::nullable")]
    pub ranges: Vec<String>,
    /// `allow` or `deny`.
    pub action: CheckAction,
}

/// Processes that must be running on the peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ProcessCheck {
    /// The processes, at least one.
    #[serde(default, deserialize_with = "crate::api::wire::nullable")]
    pub processes: Vec<Process>,
}

/// One process, by the path of its executable on each operating system (at least one).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[schemars(deny_unknown_fields)]
pub struct Process {
    /// The executable's path on Linux.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux_path: Option<String>,
    /// The executable's path on macOS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_path: Option<String>,
    /// The executable's path on Windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_path: Option<String>,
}

/// What a geo-location or network-range check does with a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckAction {
    /// Only matching peers pass.
    Allow,
    /// Matching peers fail.
    Deny,
}

impl CheckAction {
    /// Every accepted spelling, for messages.
    pub const NAMES: [&'static str; 2] = ["allow", "deny"];
}

impl FromStr for CheckAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(CheckAction::Allow),
            "deny" => Ok(CheckAction::Deny),
            _ => Err(()),
        }
    }
}

impl fmt::Display for CheckAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckAction::Allow => "allow",
            CheckAction::Deny => "deny",
        })
    }
}
