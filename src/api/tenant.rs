//! [`TenantClient`]: the endpoints of one account, one method per call birdhouse makes. Every
//! request goes through the client's single request loop, so budget, retries and error
//! mapping are the same for all of them.

use std::sync::atomic::Ordering;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::wire::{AUDIT_PAGE_SIZE, Account, AuditEvent, AuditEvents, Peer};
use crate::api::{ApiError, Client, Method, Path, Scope, to_body};

/// A [`Client`] scoped to one account: every request carries `?account=<id>` (or nothing, for
/// the token's own account). Cheap to clone; shares the client's budget.
#[derive(Debug, Clone)]
pub struct TenantClient {
    pub(super) client: Client,
    pub(super) scope: Scope,
}

impl TenantClient {
    /// [`Client::own_all_group_id`]: the token's own account's `All` group, read once per run.
    pub async fn own_all_group_id(&self) -> Result<Option<String>, ApiError> {
        self.client.own_all_group_id().await
    }

    /// The account this handle works in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The client this handle came from.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T, ApiError> {
        self.get_with_query(path, &[]).await
    }

    pub(crate) async fn get_with_query<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&'static str, String)],
    ) -> Result<T, ApiError> {
        let path = Path::new(path).with_query(query);
        self.client
            .call(&self.scope, Method::Get, &path, None)
            .await
    }

    /// A list endpoint: a bare array, or `null` when empty (per-network resources).
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        path: &[&str],
    ) -> Result<Vec<T>, ApiError> {
        Ok(self.get::<Option<Vec<T>>>(path).await?.unwrap_or_default())
    }

    pub(crate) async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: &B,
    ) -> Result<T, ApiError> {
        self.client
            .call(&self.scope, method, &Path::new(path), Some(to_body(body)))
            .await
    }

    pub(crate) async fn delete(&self, path: &[&str]) -> Result<(), ApiError> {
        self.client
            .call_unit(&self.scope, Method::Delete, &Path::new(path))
            .await
    }

    /// `GET /api/accounts`: the account the scope really reached (one element). Before any
    /// write, its id must equal the tenant id: NetBird silently falls back to the caller's own
    /// account for an `?account=` it does not accept.
    pub async fn list_accounts(&self) -> Result<Vec<Account>, ApiError> {
        self.list(&["api", "accounts"]).await
    }

    /// `GET /api/events/audit`: the account's audit log, newest first (v0.77.1 answers the
    /// newest 10,000 as a bare array and ignores paging; a server that pages answers
    /// `{"data": [...]}`, and is asked for its first, newest page of
    /// [`AUDIT_PAGE_SIZE`]).
    pub async fn list_audit_events(&self) -> Result<Vec<AuditEvent>, ApiError> {
        let query = [
            ("page", "1".to_owned()),
            ("page_size", AUDIT_PAGE_SIZE.to_string()),
        ];
        let events: AuditEvents = self
            .get_with_query(&["api", "events", "audit"], &query)
            .await?;
        Ok(events.into_events())
    }

    /// `GET /api/peers`: read only when some managed router names a peer.
    pub async fn list_peers(&self) -> Result<Vec<Peer>, ApiError> {
        self.list(&["api", "peers"]).await
    }

    /// Whether an earlier read of this run found that the server has no account-wide resource
    /// list, so resources are to be read per network.
    pub fn lacks_account_wide_resources(&self) -> bool {
        self.client
            .inner
            .no_account_wide_resources
            .load(Ordering::Relaxed)
    }

    /// Records, for every tenant of the run, that the server has no account-wide resource
    /// list. True the first time only, so the caller says so once.
    pub fn note_no_account_wide_resources(&self) -> bool {
        !self
            .client
            .inner
            .no_account_wide_resources
            .swap(true, Ordering::Relaxed)
    }
}
