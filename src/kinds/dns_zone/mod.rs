//! DNS zones (`/api/dns/zones`) with their records: a domain NetBird answers for itself, for
//! the peers of the distribution groups. A zone is identified by its domain (which NetBird
//! never lets change), a record by its name, type and content (only its TTL changes in
//! place). One list reads both: NetBird's zone list carries each zone's records.

mod calls;
pub(crate) mod convert;
pub(crate) mod document;
mod export;
mod references;
pub(crate) mod request;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The TTL of a record the files give none, in seconds (NetBird has no default: it would
/// store 0).
pub const DEFAULT_RECORD_TTL: u32 = 300;
/// The most bytes a zone name may have (NetBird's `Zone.Validate`).
pub const MAX_ZONE_NAME_BYTES: usize = 255;

/// A DNS zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsZone {
    /// The zone's domain, exactly as written (NetBird stores it as sent); its identity.
    pub domain: String,
    /// Its display name.
    pub name: String,
    /// Whether NetBird serves the zone (on when created without it).
    pub enabled: Option<bool>,
    /// Whether the domain is also a search domain.
    pub enable_search_domain: Option<bool>,
    /// The groups whose peers resolve the zone (at least one).
    pub distribution_groups: BTreeSet<String>,
    /// The records, by [`DnsRecord::key`].
    pub records: BTreeMap<String, DnsRecord>,
}

impl DnsZone {
    /// The zone without its records, as the plan's zone changes hold it (records are changes
    /// of their own).
    #[must_use]
    pub fn header(&self) -> DnsZone {
        DnsZone {
            records: BTreeMap::new(),
            ..self.clone()
        }
    }
}

/// A record of a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    /// The record's full name, in the zone (`pms.clinic.internal`, or the zone's domain).
    pub name: String,
    /// `A`, `AAAA` or `CNAME`.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// An IPv4 address (A), an IPv6 address (AAAA) or a domain (CNAME).
    pub content: String,
    /// Time to live in seconds; unmanaged when `None`.
    pub ttl: Option<u32>,
}

impl DnsRecord {
    /// The record's identity in its zone: name, type and content.
    pub fn key(&self) -> String {
        format!("{} {} {}", self.name, self.record_type, self.content)
    }
}

/// A record's key in plans and snapshots: `zone/name type content`.
pub fn record_key(zone: &str, record: &DnsRecord) -> String {
    format!("{zone}/{}", record.key())
}

/// The record types NetBird serves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum RecordType {
    /// An IPv4 address.
    A,
    /// An IPv6 address.
    #[allow(clippy::upper_case_acronyms, reason = "the DNS record type's own name")]
    AAAA,
    /// Another name.
    #[allow(clippy::upper_case_acronyms, reason = "the DNS record type's own name")]
    CNAME,
}

impl RecordType {
    /// Every type, as NetBird spells them (upper case).
    pub const NAMES: [&'static str; 3] = ["A", "AAAA", "CNAME"];
}

impl FromStr for RecordType {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "A" => Ok(RecordType::A),
            "AAAA" => Ok(RecordType::AAAA),
            "CNAME" => Ok(RecordType::CNAME),
            _ => Err(()),
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordType::A => "A",
            RecordType::AAAA => "AAAA",
            RecordType::CNAME => "CNAME",
        })
    }
}
