//! The MSP's tenant list: what `GET/POST/PUT /api/integrations/msp/tenants` read and change.
//!
//! A tenant is a real NetBird server plus what the MSP records about it (name, domain, groups,
//! timestamps). Its id is the server's real account id, so `?account=<id>` routing and
//! `GET /api/accounts?account=<id>` agree with the list, as on NetBird Cloud. Request checks
//! follow NetBird's error conventions (400 unparsable JSON, 422 invalid argument, 409 already
//! exists, 404 not found), since the Cloud handlers are not public.

use serde::{Deserialize, Serialize};

use crate::state::{Role, ServerRecord};
use crate::token::random_base62;

/// `TenantGroupResponse`: an MSP user group that may access the tenant, and its role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantGroup {
    /// The MSP group id.
    pub id: String,
    /// The role the group assumes in the tenant.
    pub role: String,
}

/// `CreateTenantRequest`.
#[derive(Debug, Deserialize)]
pub struct CreateTenantRequest {
    /// Tenant name.
    pub name: Option<String>,
    /// Tenant domain; unique among the MSP's tenants.
    pub domain: Option<String>,
    /// MSP groups with access.
    pub groups: Option<Vec<TenantGroup>>,
}

/// `UpdateTenantRequest`.
#[derive(Debug, Deserialize)]
pub struct UpdateTenantRequest {
    /// New tenant name.
    pub name: Option<String>,
    /// New MSP groups with access (replaces the old list).
    pub groups: Option<Vec<TenantGroup>>,
}

/// `TenantResponse`, every required field plus `activated_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantResponse {
    /// The tenant's account id.
    pub id: String,
    /// Tenant name.
    pub name: String,
    /// Tenant domain.
    pub domain: String,
    /// MSP groups with access.
    pub groups: Vec<TenantGroup>,
    /// When the tenant was created (RFC 3339).
    pub created_at: String,
    /// When the tenant was last updated (RFC 3339).
    pub updated_at: String,
    /// When the tenant was activated (RFC 3339); lab tenants are active from creation.
    pub activated_at: String,
    /// Always `active` in the lab.
    pub status: String,
    /// The TXT record value for domain verification (random, never checked).
    pub dns_challenge: String,
}

/// One tenant: its server and the MSP's record of it.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The tenant's server (role [`Role::Tenant`], name and domain set).
    pub server: ServerRecord,
    /// The MSP's view of the tenant.
    pub response: TenantResponse,
}

/// A request the tenant endpoints refuse: status and NetBird-style message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Lower-case message, as NetBird writes them.
    pub message: String,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// The MSP's tenants, in creation order.
#[derive(Debug, Default)]
pub struct TenantList {
    tenants: Vec<Tenant>,
}

impl TenantList {
    /// Every tenant.
    pub fn all(&self) -> &[Tenant] {
        &self.tenants
    }

    /// The tenant whose account id is `id`.
    pub fn get(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.server.account_id == id)
    }

    /// Checks a create request before a server is spent on it; returns name, domain, groups.
    pub fn check_create(
        &self,
        request: CreateTenantRequest,
    ) -> Result<(String, String, Vec<TenantGroup>), Refusal> {
        let name = required(request.name, "name")?;
        let domain = required(request.domain, "domain")?.to_lowercase();
        let groups = request
            .groups
            .ok_or_else(|| Refusal::new(422, "groups is required"))?;
        if self.tenants.iter().any(|t| t.response.domain == domain) {
            return Err(Refusal::new(
                409,
                format!("tenant with domain {domain} already exists"),
            ));
        }
        Ok((name, domain, groups))
    }

    /// Records a new tenant on `server` (a spare); `now` is RFC 3339.
    pub fn add(
        &mut self,
        mut server: ServerRecord,
        name: String,
        domain: String,
        groups: Vec<TenantGroup>,
        now: &str,
    ) -> TenantResponse {
        server.role = Role::Tenant;
        server.name.clone_from(&name);
        server.domain.clone_from(&domain);
        let response = TenantResponse {
            id: server.account_id.clone(),
            name,
            domain,
            groups,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            activated_at: now.to_owned(),
            status: "active".to_owned(),
            dns_challenge: random_base62(43),
        };
        self.tenants.push(Tenant {
            server,
            response: response.clone(),
        });
        response
    }

    /// Applies an update request to tenant `id`; `now` is RFC 3339.
    pub fn update(
        &mut self,
        id: &str,
        request: UpdateTenantRequest,
        now: &str,
    ) -> Result<TenantResponse, Refusal> {
        let name = required(request.name, "name")?;
        let groups = request
            .groups
            .ok_or_else(|| Refusal::new(422, "groups is required"))?;
        let tenant = self
            .tenants
            .iter_mut()
            .find(|t| t.server.account_id == id)
            .ok_or_else(|| Refusal::new(404, format!("tenant {id} not found")))?;
        tenant.server.name.clone_from(&name);
        tenant.response.name = name;
        tenant.response.groups = groups;
        now.clone_into(&mut tenant.response.updated_at);
        Ok(tenant.response.clone())
    }
}

fn required(value: Option<String>, field: &str) -> Result<String, Refusal> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Refusal::new(422, format!("{field} is required"))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{CreateTenantRequest, TenantList, UpdateTenantRequest};
    use crate::state::{Role, ServerRecord};

    fn spare(id: &str) -> ServerRecord {
        ServerRecord {
            role: Role::Spare,
            name: String::new(),
            domain: String::new(),
            account_id: id.to_owned(),
            url: "http://127.0.0.1:1".to_owned(),
            port: 1,
            pat: "nbp_x".to_owned(),
            pid: 1,
            data_dir: PathBuf::from("/nonexistent"),
        }
    }

    fn create(name: &str, domain: &str) -> CreateTenantRequest {
        CreateTenantRequest {
            name: Some(name.to_owned()),
            domain: Some(domain.to_owned()),
            groups: Some(vec![]),
        }
    }

    #[test]
    fn create_checks_fields_and_duplicate_domains() {
        let mut list = TenantList::default();
        let (name, domain, groups) = list.check_create(create("A", "a.example")).unwrap();
        let added = list.add(spare("id-a"), name, domain, groups, "2026-01-01T00:00:00Z");
        assert_eq!(added.id, "id-a");
        assert_eq!(added.status, "active");
        assert_eq!(list.get("id-a").unwrap().server.role, Role::Tenant);

        let duplicate = list.check_create(create("B", "A.example")).unwrap_err();
        assert_eq!(duplicate.status, 409);
        let missing = list.check_create(create("", "b.example")).unwrap_err();
        assert_eq!(
            (missing.status, missing.message.as_str()),
            (422, "name is required")
        );
    }

    #[test]
    fn update_changes_name_and_groups_only() {
        let mut list = TenantList::default();
        list.add(spare("id-a"), "A".into(), "a.example".into(), vec![], "t0");
        let request = UpdateTenantRequest {
            name: Some("A2".into()),
            groups: Some(vec![]),
        };
        let updated = list.update("id-a", request, "t1").unwrap();
        assert_eq!(
            (updated.name.as_str(), updated.domain.as_str()),
            ("A2", "a.example")
        );
        assert_eq!(
            (updated.created_at.as_str(), updated.updated_at.as_str()),
            ("t0", "t1")
        );
        let request = UpdateTenantRequest {
            name: Some("x".into()),
            groups: Some(vec![]),
        };
        assert_eq!(list.update("nope", request, "t2").unwrap_err().status, 404);
    }
}
