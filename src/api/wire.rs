//! NetBird's request and response bodies, as `openapi.yml` and the server have them.
//!
//! Read shapes and write shapes differ (policies take group ids and return group objects;
//! setup keys are created with `expires_in` and read back with `expires`), so each kind has
//! both. Read shapes are lenient on purpose: unknown fields are ignored (the server adds fields
//! between releases), and arrays the server sends as `null` read as empty. Write shapes send
//! every field whose absence would change something on a full-replace PUT.
//!
//! This file holds the conventions and the shapes no kind owns (accounts, peers, MSP tenants,
//! bootstrap); each kind's own shapes are in its `kinds/<kind>/wire.rs`. No conversion to the
//! domain model happens here: that is `live`'s job.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secret::Secret;

/// Reads `null` as the type's default: NetBird sends empty slices as `null` on some endpoints
/// and as `[]` on others.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a one-time secret straight into a [`Secret`], so it is never held as a plain string.
pub(crate) fn secret<'de, D>(deserializer: D) -> Result<Secret<String>, D::Error>
where
    D: Deserializer<'de>,
{
    String::deserialize(deserializer).map(Secret::new)
}

/// Like [`secret`], for a secret the server sends only sometimes.
pub(crate) fn optional_secret<'de, D>(deserializer: D) -> Result<Option<Secret<String>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?
        .filter(|value| !value.is_empty())
        .map(Secret::new))
}

/// Writes the secret's value: only for request bodies that must carry it (a setup password).
pub(crate) fn expose<S: Serializer>(
    value: &Secret<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.expose())
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// The group every account has, holding every peer; never managed or deleted.
pub const ALL_GROUP: &str = "All";

/// Any listed object by its id and name: all the client itself reads of a list (the own
/// account's `All` group).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Named {
    /// The object's id.
    pub id: String,
    /// Its name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// A peer as `GET /api/peers` lists it (`PeerBatch`; only what birdhouse reads).
#[allow(
    clippy::struct_excessive_bools,
    reason = "the API's own shape: one flag per setting"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Peer id.
    pub id: String,
    /// Peer name (the host name unless renamed).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// NetBird SSH server on.
    #[serde(default)]
    pub ssh_enabled: bool,
    /// Login expiration applies.
    #[serde(default)]
    pub login_expiration_enabled: bool,
    /// Inactivity expiration applies.
    #[serde(default)]
    pub inactivity_expiration_enabled: bool,
    /// Waiting for approval.
    #[serde(default)]
    pub approval_required: bool,
    /// The user who added the peer by logging in; empty for a setup-key peer.
    #[serde(default, deserialize_with = "nullable")]
    pub user_id: String,
}

/// Body of `PUT /api/peers/{id}` (`PeerRequest`): the name and the three switches are
/// replaced whatever is sent; `ip` and `ipv6` are never sent (no change).
#[allow(
    clippy::struct_excessive_bools,
    reason = "the API's own shape: one flag per setting"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerRequest {
    /// Name.
    pub name: String,
    /// NetBird SSH server on.
    pub ssh_enabled: bool,
    /// Login expiration applies.
    pub login_expiration_enabled: bool,
    /// Inactivity expiration applies.
    pub inactivity_expiration_enabled: bool,
    /// Waiting for approval; left out unless it changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_required: Option<bool>,
}

/// A peer as a group lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerMinimum {
    /// Peer id.
    pub id: String,
    /// Peer host name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

/// A reference to a peer or network resource (`Resource`): groups hold them, policy rules
/// target them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    /// Id of the peer or network resource.
    pub id: String,
    /// `peer`, `host`, `subnet` or `domain`.
    #[serde(rename = "type")]
    pub kind: String,
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// The account a request ran in (`GET /api/accounts` returns exactly one): the proof that
/// `?account=` reached the intended tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Account id; equals the tenant id when `?account=` took effect.
    pub id: String,
    /// Account domain.
    #[serde(default, deserialize_with = "nullable")]
    pub domain: String,
    /// `private`, `public` or `other`.
    #[serde(default, deserialize_with = "nullable")]
    pub domain_category: String,
    /// Creation time (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// Id of the creating user.
    #[serde(default, deserialize_with = "nullable")]
    pub created_by: String,
    /// Account settings, kept whole: `PUT /api/accounts/{id}` replaces them all, so an update
    /// must send back every field it does not mean to change.
    #[serde(default, deserialize_with = "nullable")]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

// ---------------------------------------------------------------------------------------------
// MSP tenants

/// An MSP user group allowed into a tenant, and the role it assumes there. Ordered by id,
/// then role: the order a record is compared in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TenantGroup {
    /// MSP group id.
    pub id: String,
    /// Role name in the tenant.
    pub role: String,
}

/// A tenant of the MSP (`TenantResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's account id: the value of `?account=`.
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Tenant domain.
    #[serde(default, deserialize_with = "nullable")]
    pub domain: String,
    /// `existing`, `invited`, `pending` or `active`.
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    /// MSP groups with access.
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Vec<TenantGroup>,
    /// TXT record value for domain verification.
    #[serde(default, deserialize_with = "nullable")]
    pub dns_challenge: String,
    /// Creation time (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// Last update (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub updated_at: String,
    /// Activation time, once active.
    #[serde(default)]
    pub activated_at: Option<String>,
    /// Invitation time, for invited existing accounts.
    #[serde(default)]
    pub invited_at: Option<String>,
}

/// Body of `POST /api/integrations/msp/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateTenantRequest {
    /// Display name.
    pub name: String,
    /// Tenant domain.
    pub domain: String,
    /// MSP groups with access (required by the server, may be empty).
    pub groups: Vec<TenantGroup>,
}

/// Body of `PUT /api/integrations/msp/tenants/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateTenantRequest {
    /// Display name.
    pub name: String,
    /// MSP groups with access (replaces the list).
    pub groups: Vec<TenantGroup>,
}

// ---------------------------------------------------------------------------------------------
// Self-hosted bootstrap

/// The page size asked of `GET /api/events/audit`, for a server that honours paging (v0.77.1
/// does not, and answers its newest 10,000): a stored snapshot is proven only when its event is
/// on the first page, so more events than this since the last run mean a read, never a guess.
pub const AUDIT_PAGE_SIZE: usize = 1000;

/// One event of an account's audit log (`Event`), with what the snapshot proof needs: which
/// event it is, and what it says changed. Initiators and `meta` are left out (they hold
/// people's names and emails, which the proof does not need and snapshots do not store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Event id: a number as a string (v0.77.1), unique across the server's accounts.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// When it happened (RFC 3339).
    #[serde(default, deserialize_with = "nullable")]
    pub timestamp: String,
    /// What happened (`policy.update`, ...), see [`crate::live::audit`].
    #[serde(default, deserialize_with = "nullable")]
    pub activity_code: String,
    /// The id of the object it happened to.
    #[serde(default, deserialize_with = "nullable")]
    pub target_id: String,
}

/// `GET /api/events/audit` answers: a bare array (v0.77.1), `null`, or, from a server that
/// pages, the page's events under `data` beside the page's counters. Read by hand rather than
/// as an untagged enum, which would buffer a 10,000-event answer whole before choosing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEvents(Vec<AuditEvent>);

impl AuditEvents {
    /// The events, newest first as the server sent them.
    pub fn into_events(self) -> Vec<AuditEvent> {
        self.0
    }
}

impl<'de> Deserialize<'de> for AuditEvents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Answer;
        impl<'de> serde::de::Visitor<'de> for Answer {
            type Value = AuditEvents;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of events or a page with `data`")
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<AuditEvents, E> {
                Ok(AuditEvents::default())
            }

            fn visit_none<E: serde::de::Error>(self) -> Result<AuditEvents, E> {
                Ok(AuditEvents::default())
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<AuditEvents, A::Error> {
                let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(10_000));
                while let Some(event) = seq.next_element()? {
                    events.push(event);
                }
                Ok(AuditEvents(events))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<AuditEvents, A::Error> {
                let mut data = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "data" {
                        data = Some(
                            map.next_value::<Option<Vec<AuditEvent>>>()?
                                .unwrap_or_default(),
                        );
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                data.map(AuditEvents)
                    .ok_or_else(|| serde::de::Error::missing_field("data"))
            }
        }
        deserializer.deserialize_any(Answer)
    }
}

/// Reads an id the server may send as a string or as a number.
fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Id;
    impl serde::de::Visitor<'_> for Id {
        type Value = String;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an id, as a string or a number")
        }

        fn visit_str<E: serde::de::Error>(self, id: &str) -> Result<String, E> {
            Ok(id.to_owned())
        }

        fn visit_string<E: serde::de::Error>(self, id: String) -> Result<String, E> {
            Ok(id)
        }

        fn visit_u64<E: serde::de::Error>(self, id: u64) -> Result<String, E> {
            Ok(id.to_string())
        }
    }
    deserializer.deserialize_any(Id)
}

/// `GET /api/instance`: whether a fresh self-hosted server still needs its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStatus {
    /// True until the first owner exists (embedded IdP only).
    pub setup_required: bool,
}

/// Body of `POST /api/setup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupRequest {
    /// Owner email.
    pub email: String,
    /// Owner display name.
    pub name: String,
    /// Owner password (8 to 72 bytes); sent, never logged.
    #[serde(serialize_with = "expose")]
    pub password: Secret<String>,
    /// Ask for a PAT (honoured only with `NB_SETUP_PAT_ENABLED=true` on the server).
    pub create_pat: bool,
    /// PAT lifetime in days (1 to 365).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pat_expire_in: Option<u32>,
}

/// The answer to `POST /api/setup`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetupResponse {
    /// The new owner's user id.
    pub user_id: String,
    /// The owner's email.
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    /// The PAT, present only when asked for and enabled on the server.
    #[serde(default, deserialize_with = "optional_secret")]
    pub personal_access_token: Option<Secret<String>>,
}

/// NetBird's error body: `{"message": "...", "code": 404}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorBody {
    /// The server's message (lower-cased by the server for most errors).
    #[serde(default, deserialize_with = "nullable")]
    pub(crate) message: String,
}
