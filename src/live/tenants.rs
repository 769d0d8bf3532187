//! Which account each tenant of the files is: a pinned id, a domain looked up in the MSP
//! tenant list (one call per run), a tenant to create, or the token's own account.

use crate::api::wire;

/// How the files identify one tenant.
#[derive(Debug, Clone, Copy)]
pub struct TenantLookup<'a> {
    /// The tenant's name in the files (for messages).
    pub name: &'a str,
    /// A pinned account id.
    pub id: Option<&'a str>,
    /// The MSP tenant's domain (lower case).
    pub domain: Option<&'a str>,
    /// The token's own account.
    pub self_account: bool,
    /// Create the tenant when it does not exist.
    pub create: bool,
}

/// Where a tenant's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The token's own account: no `?account=`.
    OwnAccount,
    /// An MSP tenant with this account id.
    Tenant(String),
    /// Not found; `create: true` asks to create it.
    ToCreate,
}

/// Whether any lookup needs the MSP tenant list.
pub fn needs_tenant_list(lookups: &[TenantLookup<'_>]) -> bool {
    lookups.iter().any(|l| !l.self_account && l.id.is_none())
}

/// Resolves one tenant against the MSP tenant list (when it was read).
pub fn resolve(
    lookup: &TenantLookup<'_>,
    msp_tenants: &[wire::Tenant],
) -> Result<Resolved, String> {
    if lookup.self_account {
        return Ok(Resolved::OwnAccount);
    }
    if let Some(id) = lookup.id {
        return Ok(Resolved::Tenant(id.to_owned()));
    }
    let domain = lookup.domain.unwrap_or_default();
    let matches: Vec<&wire::Tenant> = msp_tenants
        .iter()
        .filter(|t| t.domain.eq_ignore_ascii_case(domain))
        .collect();
    match matches.as_slice() {
        [tenant] => Ok(Resolved::Tenant(tenant.id.clone())),
        [] if lookup.create => Ok(Resolved::ToCreate),
        [] => Err(format!(
            "no MSP tenant has the domain {domain:?}; pin its `id`, fix the domain, or set `create: true` to create it"
        )),
        several => Err(format!(
            "{} MSP tenants have the domain {domain:?}; pin the tenant's `id` to choose",
            several.len()
        )),
    }
}
