//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::wire::{Resource, nullable};
use crate::kinds::group::wire::GroupMinimum;

/// A port range of a policy rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RulePortRange {
    /// First port.
    pub start: u16,
    /// Last port (inclusive).
    pub end: u16,
}

/// A policy (`Policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Policy id.
    pub id: String,
    /// Name (not unique).
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Enabled.
    pub enabled: bool,
    /// Posture-check ids applied to the sources.
    #[serde(default, deserialize_with = "nullable")]
    pub source_posture_checks: Vec<String>,
    /// The rules (birdhouse keeps exactly one per policy).
    #[serde(default, deserialize_with = "nullable")]
    pub rules: Vec<PolicyRule>,
}

/// A policy rule as read (`PolicyRule`): groups come back as objects, and `sources` can be
/// incomplete in multi-rule policies (the server dedupes groups across rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRule {
    /// Rule id (equals the policy id for a policy's first rule).
    #[serde(default)]
    pub id: Option<String>,
    /// Rule name.
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    /// Enabled.
    pub enabled: bool,
    /// `accept` or `drop`.
    pub action: String,
    /// Applies in both directions.
    pub bidirectional: bool,
    /// `all`, `tcp`, `udp`, `icmp` or `netbird-ssh`.
    pub protocol: String,
    /// Ports, as strings.
    #[serde(default, deserialize_with = "nullable")]
    pub ports: Vec<String>,
    /// Port ranges.
    #[serde(default, deserialize_with = "nullable")]
    pub port_ranges: Vec<RulePortRange>,
    /// Source groups.
    #[serde(default, deserialize_with = "nullable")]
    pub sources: Vec<GroupMinimum>,
    /// Destination groups.
    #[serde(default, deserialize_with = "nullable")]
    pub destinations: Vec<GroupMinimum>,
    /// Source resource, instead of source groups.
    #[serde(default, rename = "sourceResource")]
    pub source_resource: Option<Resource>,
    /// Destination resource, instead of destination groups.
    #[serde(default, rename = "destinationResource")]
    pub destination_resource: Option<Resource>,
    /// For `netbird-ssh`: group id → local user names.
    #[serde(default, deserialize_with = "nullable")]
    pub authorized_groups: BTreeMap<String, Vec<String>>,
}

/// Body of `POST /api/policies` and `PUT /api/policies/{id}` (`PolicyCreate` and
/// `PolicyUpdate` have the same shape).
///
/// Unknown group and posture-check ids are dropped by the server without an error: compare the
/// answer with what was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRequest {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// Posture-check ids applied to the sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_posture_checks: Option<Vec<String>>,
    /// The rules; send exactly one (id-less rules get the policy id, so two would clash).
    pub rules: Vec<PolicyRuleRequest>,
}

/// Body of `POST /api/policies`.
pub type PolicyCreate = PolicyRequest;

/// Body of `PUT /api/policies/{id}`.
pub type PolicyUpdate = PolicyRequest;

/// A rule as written (`PolicyRuleUpdate`): groups by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRuleRequest {
    /// On update, the existing rule id (echo it back, or the rule is replaced); ignored on
    /// create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Rule name.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// `accept` or `drop`.
    pub action: String,
    /// Applies in both directions.
    pub bidirectional: bool,
    /// `all`, `tcp`, `udp`, `icmp` or `netbird-ssh`.
    pub protocol: String,
    /// Ports (exclusive with `port_ranges`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<String>>,
    /// Port ranges (exclusive with `ports`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_ranges: Option<Vec<RulePortRange>>,
    /// Source group ids (exclusive with `source_resource`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
    /// Destination group ids (exclusive with `destination_resource`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<String>>,
    /// Source resource.
    #[serde(rename = "sourceResource", skip_serializing_if = "Option::is_none")]
    pub source_resource: Option<Resource>,
    /// Destination resource.
    #[serde(
        rename = "destinationResource",
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_resource: Option<Resource>,
    /// For `netbird-ssh`: group id → local user names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_groups: Option<BTreeMap<String, Vec<String>>>,
}
