//! Which account each tenant of the files is: a pinned id checked against the MSP tenant list,
//! a domain looked up in it (one call per run), a tenant to create, or the token's own account.
//!
//! A pinned `id` is never trusted alone: a copy-pasted id would otherwise send one customer's
//! configuration (and its prune deletes) into another customer's tenant, or into the MSP's own
//! account. The id must be an MSP tenant whose domain (or, without a domain, whose name) is the
//! entry's; the token's own account is reached only by `self: true`.

use crate::kinds::wire;

/// How the files identify one tenant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TenantLookup<'a> {
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
pub(crate) enum Resolved {
    /// The token's own account: no `?account=`. `pinned` is the id the entry names, which the
    /// identity check must answer.
    OwnAccount {
        /// The entry's `id`, when it pins one.
        pinned: Option<String>,
    },
    /// An MSP tenant.
    Tenant {
        /// Its account id.
        id: String,
        /// Its domain, as the MSP tenant list has it (shown beside the id in every plan).
        domain: String,
        /// Its name as the MSP records it.
        name: String,
        /// The MSP groups the record lets in, with their roles.
        groups: Vec<wire::TenantGroup>,
    },
    /// Not found; `create: true` asks to create it.
    ToCreate,
}

impl Resolved {
    /// The MSP tenant as its record in the tenant list has it.
    fn of(tenant: &wire::Tenant) -> Self {
        Resolved::Tenant {
            id: tenant.id.clone(),
            domain: tenant.domain.clone(),
            name: tenant.name.clone(),
            groups: tenant.groups.clone(),
        }
    }
}

/// Why a tenant entry does not name a tenant it may be written into. Nothing is read from or
/// written to such a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// The pinned id is no MSP tenant. It may be the token's own account, which only the
    /// identity check of the own account can tell (see [`own_account_refusal`]).
    IdNotListed {
        /// The pinned id.
        id: String,
    },
    /// Any other refusal, as a sentence.
    Refused(String),
}

/// Whether any lookup needs the MSP tenant list: every MSP tenant does, a pinned id too
/// (it is checked against the list). Only `self: true` tenants do not.
pub(crate) fn needs_tenant_list(lookups: &[TenantLookup<'_>]) -> bool {
    lookups.iter().any(|l| !l.self_account)
}

/// Resolves one tenant against the MSP tenant list (read whenever a non-`self` tenant is in
/// the run).
pub(crate) fn resolve(
    lookup: &TenantLookup<'_>,
    msp_tenants: &[wire::Tenant],
) -> Result<Resolved, Unresolved> {
    if lookup.self_account {
        return Ok(Resolved::OwnAccount {
            pinned: lookup.id.map(str::to_owned),
        });
    }
    if let Some(id) = lookup.id {
        return resolve_pinned(lookup, id, msp_tenants);
    }
    let domain = lookup.domain.unwrap_or_default();
    let matches: Vec<&wire::Tenant> = msp_tenants
        .iter()
        .filter(|t| t.domain.eq_ignore_ascii_case(domain))
        .collect();
    match matches.as_slice() {
        [tenant] => Ok(Resolved::of(tenant)),
        [] if lookup.create => Ok(Resolved::ToCreate),
        [] => Err(Unresolved::Refused(format!(
            "no MSP tenant has the domain {domain:?}; pin its `id`, fix the domain, or set `create: true` to create it"
        ))),
        several => Err(Unresolved::Refused(format!(
            "{} MSP tenants have the domain {domain:?}; pin the tenant's `id` to choose",
            several.len()
        ))),
    }
}

/// A pinned id must be an MSP tenant, and that tenant must be the one the entry describes: its
/// domain when the entry has one, its name otherwise.
fn resolve_pinned(
    lookup: &TenantLookup<'_>,
    id: &str,
    msp_tenants: &[wire::Tenant],
) -> Result<Resolved, Unresolved> {
    let Some(tenant) = msp_tenants.iter().find(|t| t.id == id) else {
        return Err(Unresolved::IdNotListed { id: id.to_owned() });
    };
    let mismatch = match lookup.domain {
        Some(domain) if !tenant.domain.eq_ignore_ascii_case(domain) => Some(format!(
            "the pinned id {id} is the MSP tenant {:?} with the domain {:?}, but this entry says \
             the domain {domain:?}",
            tenant.name, tenant.domain
        )),
        None if !tenant.name.eq_ignore_ascii_case(lookup.name) => Some(format!(
            "the pinned id {id} is the MSP tenant {:?} (domain {:?}), but this entry is named \
             {:?}",
            tenant.name, tenant.domain, lookup.name
        )),
        _ => None,
    };
    match mismatch {
        Some(mismatch) => Err(Unresolved::Refused(format!(
            "{mismatch}; refusing to write into a tenant the entry does not describe: fix the \
             `id` (or the domain/name) so both name the same tenant"
        ))),
        None => Ok(Resolved::of(tenant)),
    }
}

/// The refusal of a pinned id that is not an MSP tenant, given the token's own account id
/// (`None` when it could not be read).
pub(crate) fn own_account_refusal(id: &str, own_account: Option<&str>) -> String {
    if own_account == Some(id) {
        format!(
            "the pinned id {id} is the token's own account (the MSP's), not a customer tenant; \
             nothing is written to it unless the entry says `self: true`"
        )
    } else {
        format!(
            "no MSP tenant has the pinned id {id}; fix the `id`, or find the tenant by its \
             `domain` (`birdhouse tenants` lists them)"
        )
    }
}

/// Checks the identity answer of a `self: true` tenant against the id it pins.
pub(crate) fn check_own_pin(pinned: Option<&str>, answered: &str) -> Result<(), String> {
    match pinned {
        Some(pinned) if pinned != answered => Err(format!(
            "the entry pins the id {pinned} with `self: true`, but the token's own account is \
             {answered}; fix the `id` or use the token of that account"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, name: &str, domain: &str) -> wire::Tenant {
        serde_json::from_value(serde_json::json!({"id": id, "name": name, "domain": domain}))
            .expect("a tenant")
    }

    fn lookup<'a>(name: &'a str, id: Option<&'a str>, domain: Option<&'a str>) -> TenantLookup<'a> {
        TenantLookup {
            name,
            id,
            domain,
            self_account: false,
            create: false,
        }
    }

    fn list() -> Vec<wire::Tenant> {
        vec![
            tenant("t1", "Tenant One", "one.example"),
            tenant("t2", "Tenant Two", "two.example"),
        ]
    }

    #[test]
    fn a_pinned_id_with_its_own_domain_resolves() {
        let resolved = resolve(&lookup("x", Some("t1"), Some("ONE.example")), &list());
        assert_eq!(
            resolved,
            Ok(Resolved::Tenant {
                id: "t1".into(),
                domain: "one.example".into(),
                name: "Tenant One".into(),
                groups: Vec::new(),
            })
        );
    }

    #[test]
    fn a_pinned_id_of_another_tenant_is_refused_naming_both() {
        let Err(Unresolved::Refused(message)) = resolve(
            &lookup("Tenant Two", Some("t1"), Some("two.example")),
            &list(),
        ) else {
            panic!("expected a refusal");
        };
        assert!(message.contains("\"one.example\""), "{message}");
        assert!(message.contains("\"two.example\""), "{message}");
        assert!(message.contains("Tenant One"), "{message}");
    }

    #[test]
    fn without_a_domain_the_name_must_match() {
        assert!(resolve(&lookup("tenant one", Some("t1"), None), &list()).is_ok());
        let refused = resolve(&lookup("Tenant Two", Some("t1"), None), &list());
        assert!(
            matches!(refused, Err(Unresolved::Refused(m)) if m.contains("named \"Tenant Two\""))
        );
    }

    #[test]
    fn an_unlisted_id_is_refused_and_the_own_account_named() {
        assert_eq!(
            resolve(&lookup("x", Some("msp"), Some("one.example")), &list()),
            Err(Unresolved::IdNotListed { id: "msp".into() })
        );
        assert!(own_account_refusal("msp", Some("msp")).contains("own account"));
        assert!(own_account_refusal("nope", Some("msp")).contains("no MSP tenant"));
    }

    #[test]
    fn a_self_pin_must_be_the_own_account() {
        assert!(check_own_pin(Some("a"), "a").is_ok());
        assert!(check_own_pin(None, "a").is_ok());
        assert!(check_own_pin(Some("b"), "a").is_err());
    }
}
