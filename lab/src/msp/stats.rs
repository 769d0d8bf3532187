//! Call counters of the front, for benchmarks and for tests that assert a call budget.
//!
//! Calls are counted per method and path template (`GET /api/groups/{id}`), so a benchmark
//! can say "N group reads per tenant" without caring about ids. A path segment is literal when
//! it is one of the literal segments of NetBird's OpenAPI paths; anything else is an id. This
//! is sturdier than guessing id shapes: NetBird ids come in several forms (xid, numeric, IdP
//! user ids).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every literal path segment in NetBird v0.77.1's `openapi.yml` (`paths:` keys).
const LITERAL_SEGMENTS: &[&str] = &[
    "accept",
    "access-log-sessions",
    "access-logs",
    "accessible-peers",
    "accounts",
    "activate",
    "agent-network",
    "api",
    "approve",
    "audit",
    "aws",
    "azure-idp",
    "billing",
    "budget-rules",
    "bypass",
    "bypassed",
    "catalog",
    "channels",
    "checkout",
    "cities",
    "clusters",
    "consumption",
    "countries",
    "csv",
    "current",
    "dns",
    "domains",
    "edr",
    "enrich",
    "event-streaming",
    "events",
    "falcon",
    "fleetdm",
    "google-idp",
    "groups",
    "guardrails",
    "huntress",
    "identity-providers",
    "ingress",
    "instance",
    "integrations",
    "intune",
    "invite",
    "invites",
    "invoices",
    "jobs",
    "locations",
    "logs",
    "marketplace",
    "msp",
    "nameservers",
    "network-traffic",
    "networks",
    "notifications",
    "okta-scim-idp",
    "overview",
    "password",
    "pdf",
    "peers",
    "plans",
    "policies",
    "portal",
    "ports",
    "posture-checks",
    "providers",
    "proxy",
    "proxy-tokens",
    "records",
    "regenerate",
    "reject",
    "resources",
    "reverse-proxies",
    "routers",
    "routes",
    "scim-idp",
    "sentinelone",
    "services",
    "settings",
    "setup",
    "setup-keys",
    "subscription",
    "sync",
    "temporary-access",
    "tenants",
    "token",
    "tokens",
    "types",
    "unlink",
    "usage",
    "users",
    "validate",
    "version",
    "zones",
];

/// What `GET /lab/stats` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Every `/api/...` request that reached the front, whatever its outcome.
    pub requests: u64,
    /// Requests answered 429 by the rate limit.
    pub rate_limited: u64,
    /// Requests answered 401 (missing or wrong token).
    pub unauthorized: u64,
    /// Requests per `"METHOD /path/{id}"`, all outcomes included.
    pub calls: BTreeMap<String, u64>,
    /// Requests answered 429, per `"METHOD /path/{id}"`.
    pub rate_limited_calls: BTreeMap<String, u64>,
    /// Bytes of the `/api/...` response bodies sent, counted by the synthetic backend (the
    /// front leaves it at 0): what a client read.
    #[serde(default)]
    pub response_bytes: u64,
}

impl Stats {
    /// Counts one request that reached the front; returns its endpoint key.
    pub fn record(&mut self, method: &str, path: &str) -> String {
        let key = endpoint_key(method, path);
        self.requests += 1;
        *self.calls.entry(key.clone()).or_default() += 1;
        key
    }

    /// Counts a request the rate limit refused.
    pub fn record_rate_limited(&mut self, key: &str) {
        self.rate_limited += 1;
        *self.rate_limited_calls.entry(key.to_owned()).or_default() += 1;
    }
}

/// `"GET /api/groups/{id}"` for `GET /api/groups/d0f3...`.
pub fn endpoint_key(method: &str, path: &str) -> String {
    format!("{method} {}", path_template(path))
}

/// The path with every non-literal segment replaced by `{id}`.
pub fn path_template(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.is_empty() || LITERAL_SEGMENTS.contains(&segment) {
                segment
            } else {
                "{id}"
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::{Stats, path_template};

    #[test]
    fn ids_become_placeholders() {
        let cases = [
            ("/api/groups", "/api/groups"),
            ("/api/groups/d0f3k2a8lnn4g9hqv7m0", "/api/groups/{id}"),
            (
                "/api/users/CiQ3ZGQ/tokens/ch8i4ug6",
                "/api/users/{id}/tokens/{id}",
            ),
            (
                "/api/networks/n1/resources/r1",
                "/api/networks/{id}/resources/{id}",
            ),
            ("/api/networks/resources", "/api/networks/resources"),
            (
                "/api/integrations/msp/tenants/abc/unlink",
                "/api/integrations/msp/tenants/{id}/unlink",
            ),
            ("/api/setup-keys/12", "/api/setup-keys/{id}"),
        ];
        for (path, expected) in cases {
            assert_eq!(path_template(path), expected, "{path}");
        }
    }

    #[test]
    fn counts_per_endpoint_and_outcome() {
        let mut stats = Stats::default();
        stats.record("GET", "/api/groups/a");
        let key = stats.record("GET", "/api/groups/b");
        stats.record_rate_limited(&key);
        stats.record("POST", "/api/groups");
        assert_eq!(stats.requests, 3);
        assert_eq!(stats.calls["GET /api/groups/{id}"], 2);
        assert_eq!(stats.calls["POST /api/groups"], 1);
        assert_eq!(stats.rate_limited, 1);
        assert_eq!(stats.rate_limited_calls["GET /api/groups/{id}"], 1);
    }
}
