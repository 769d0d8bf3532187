//! The request and response bodies of this kind, as `openapi.yml` and the server have them
//! (the conventions are in [`crate::api::wire`]). A zone's answer carries its records.

use serde::{Deserialize, Serialize};

use crate::api::wire::nullable;

/// A DNS zone (`Zone`), with its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    /// Zone id.
    pub id: String,
    /// Display name (not unique).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Domain, unique in an account, as sent.
    pub domain: String,
    /// Served.
    #[serde(default)]
    pub enabled: bool,
    /// The domain is a search domain.
    #[serde(default)]
    pub enable_search_domain: bool,
    /// Distribution group ids.
    #[serde(default, deserialize_with = "nullable")]
    pub distribution_groups: Vec<String>,
    /// The records.
    #[serde(default, deserialize_with = "nullable")]
    pub records: Vec<Record>,
}

/// Body of `POST /api/dns/zones` and `PUT /api/dns/zones/{id}` (`ZoneRequest`); a PUT must
/// send the stored domain unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneRequest {
    /// Display name.
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Served (NetBird takes a missing value as true, on a PUT too).
    pub enabled: bool,
    /// The domain is a search domain.
    pub enable_search_domain: bool,
    /// Distribution group ids.
    pub distribution_groups: Vec<String>,
}

/// A record (`DNSRecord`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Record id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// `A`, `AAAA` or `CNAME`.
    #[serde(rename = "type")]
    pub record_type: String,
    /// Address or target.
    pub content: String,
    /// Time to live, seconds.
    #[serde(default)]
    pub ttl: i64,
}

/// Body of `POST /api/dns/zones/{id}/records` and `PUT .../records/{id}` (`DNSRecordRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRequest {
    /// Full name.
    pub name: String,
    /// `A`, `AAAA` or `CNAME`.
    #[serde(rename = "type")]
    pub record_type: String,
    /// Address or target.
    pub content: String,
    /// Time to live, seconds.
    pub ttl: u32,
}
