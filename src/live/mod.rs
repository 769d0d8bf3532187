//! Live state: what the NetBird API says a tenant contains, converted to the same model as the
//! desired state so the planner compares like with like.
//!
//! This file holds the snapshot types (pure data, usable by the planner); `fetch` reads them
//! through `api` and `convert` turns wire objects into the model.

pub mod audit;
mod convert;
mod fetch;
mod kept;
pub mod lists;
pub mod proof;
pub mod store;
pub(crate) mod tenants;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::kinds::{KeyExpiry, Kind, Tenant};

pub use convert::{WireTenant, convert};
pub use fetch::{
    LiveTenant, Reads, check_identity, fetch_tenant, fetch_tenant_with_tokens, proven_identity,
};
pub use kept::{EarlyLog, LiveSource, fetch_kept};
pub use store::{DEFAULT_SNAPSHOT_DIR, KeptSettings, SnapshotStore};

/// Why a tenant could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A request failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// `?account=` did not reach the tenant: the API answered for another account (NetBird
    /// falls back to the token's own account silently). Nothing is written to such a tenant.
    #[error(
        "identity check failed: asked for account {requested:?} but the API answered for account \
         {answered:?}; the token cannot reach this tenant (is it a service user's token, or is the \
         tenant not linked to this MSP?), so nothing will be written to it"
    )]
    WrongTenant {
        /// The account id asked for.
        requested: String,
        /// The account id that answered.
        answered: String,
    },
}

/// One tenant as read from the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Live objects whose names are unique in the tenant, keyed like the desired state.
    pub objects: Tenant,
    /// Names that match two or more live objects of a kind: never guessed between.
    pub ambiguous: BTreeSet<ObjectKey>,
    /// Objects never deleted or modified by prune: the All group, groups not issued by the API,
    /// the owner, the token's own user.
    pub protected: BTreeSet<ObjectKey>,
    /// What each live setup key's expiry is, since `expires_in` cannot be read back.
    pub key_expiry: BTreeMap<String, KeyExpiry>,
    /// Each expiring live key's milliseconds from its last update to its expiry: its validity
    /// at creation when it was never updated since (see `kinds::setup_key::equality::expiry_verdict`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub key_lifetime_ms: BTreeMap<String, u64>,
    /// The network each live resource belongs to (resource names are unique per tenant).
    pub resource_network: BTreeMap<String, String>,
    /// The kinds that were read; kinds no selected tenant manages are skipped to save calls.
    pub kinds_read: BTreeSet<Kind>,
    /// The names of each service user's tokens, for the service users whose tokens were read
    /// (those whose files declare a token): a declared token missing here is planned.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_user_tokens: BTreeMap<String, BTreeSet<String>>,
    /// For the same service users, each token name with the latest expiry among the tokens
    /// of that name (seconds since the Unix epoch), so a plan can rotate one that expires
    /// soon.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub token_expiry: BTreeMap<String, BTreeMap<String, u64>>,
    /// The tenant's peers, each name with the ids that carry it, when the peer list was read
    /// (some managed router names a peer); `None` when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<BTreeMap<String, BTreeSet<String>>>,
    /// The peers a user added by logging in (by name): only their login and inactivity
    /// expiration can be switched on (NetBird refuses it for a setup-key peer).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub peers_added_by_users: BTreeSet<String>,
    /// For each group and network resource, the live objects with shared names (see
    /// `ambiguous`) that name it: a plan never rewrites those, so it refuses to delete such a
    /// group or replace such a resource.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        with = "crate::kinds::pairs"
    )]
    pub ambiguous_refs: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// Server ids of live objects, for `apply`; plans speak only in names.
    #[serde(with = "crate::kinds::pairs")]
    pub ids: BTreeMap<ObjectKey, String>,
}

impl Snapshot {
    /// This snapshot reduced to `kinds`: their objects, ids and the facts about them, so two
    /// reads can be compared on just the kinds an apply touches.
    #[must_use]
    pub fn projection(&self, kinds: &BTreeSet<Kind>) -> Snapshot {
        let has = |kind: Kind| kinds.contains(&kind);
        let keep = |keys: &BTreeSet<ObjectKey>| {
            keys.iter()
                .filter(|k| kinds.contains(&k.kind))
                .cloned()
                .collect::<BTreeSet<_>>()
        };
        let mut objects = Tenant::default();
        if has(Kind::Group) {
            objects.groups.clone_from(&self.objects.groups);
        }
        if has(Kind::SetupKey) {
            objects.setup_keys.clone_from(&self.objects.setup_keys);
        }
        if has(Kind::User) {
            objects.users.clone_from(&self.objects.users);
        }
        if has(Kind::ServiceUser) {
            objects
                .service_users
                .clone_from(&self.objects.service_users);
        }
        if has(Kind::Policy) {
            objects.policies.clone_from(&self.objects.policies);
            // Without their list, the posture checks policies name are unknown (as a read
            // without it leaves them).
            if !has(Kind::PostureCheck) {
                for policy in objects.policies.values_mut() {
                    policy.source_posture_checks = None;
                }
            }
        }
        if has(Kind::Route) {
            objects.routes.clone_from(&self.objects.routes);
        }
        if has(Kind::NameserverGroup) {
            objects
                .nameserver_groups
                .clone_from(&self.objects.nameserver_groups);
        }
        if has(Kind::DnsSettings) {
            objects.dns_settings.clone_from(&self.objects.dns_settings);
        }
        if has(Kind::DnsZone) {
            objects.dns_zones.clone_from(&self.objects.dns_zones);
        }
        if has(Kind::Peer) {
            objects.peers.clone_from(&self.objects.peers);
        }
        if has(Kind::AccountSettings) {
            objects
                .account_settings
                .clone_from(&self.objects.account_settings);
        }
        if has(Kind::PostureCheck) {
            objects
                .posture_checks
                .clone_from(&self.objects.posture_checks);
        }
        if has(Kind::Network) {
            objects.networks.clone_from(&self.objects.networks);
        }
        Snapshot {
            objects,
            ambiguous: keep(&self.ambiguous),
            protected: keep(&self.protected),
            key_expiry: if has(Kind::SetupKey) {
                self.key_expiry.clone()
            } else {
                BTreeMap::new()
            },
            key_lifetime_ms: if has(Kind::SetupKey) {
                self.key_lifetime_ms.clone()
            } else {
                BTreeMap::new()
            },
            resource_network: if has(Kind::Network) {
                self.resource_network.clone()
            } else {
                BTreeMap::new()
            },
            kinds_read: kinds.clone(),
            service_user_tokens: if has(Kind::ServiceUser) {
                self.service_user_tokens.clone()
            } else {
                BTreeMap::new()
            },
            token_expiry: if has(Kind::ServiceUser) {
                self.token_expiry.clone()
            } else {
                BTreeMap::new()
            },
            // Routers and routes name peers; peer entries are peers.
            peers: if has(Kind::Network) || has(Kind::Route) || has(Kind::Peer) {
                self.peers.clone()
            } else {
                None
            },
            peers_added_by_users: if has(Kind::Peer) {
                self.peers_added_by_users.clone()
            } else {
                BTreeSet::new()
            },
            ambiguous_refs: self
                .ambiguous_refs
                .iter()
                .map(|(target, referrers)| (target.clone(), keep(referrers)))
                .filter(|(target, referrers)| kinds.contains(&target.kind) && !referrers.is_empty())
                .collect(),
            ids: self
                .ids
                .iter()
                .filter(|(k, _)| kinds.contains(&k.kind))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// A live object's identity in a tenant: its kind and its name (email for users; for
/// resources and routers, `network/name` and `network/target`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectKey {
    /// The kind.
    pub kind: Kind,
    /// The name, as above.
    pub name: String,
}

impl ObjectKey {
    /// A key of a kind and name.
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}
