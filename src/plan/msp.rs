//! The MSP's side of a tenant: its name as the MSP records it and which of the MSP's own groups
//! may enter it, with which role. It lives in the MSP's account, not the tenant's, so it is
//! not a kind: a tenant whose files say `msp_access:` has at most one record change, written
//! with one `PUT /api/integrations/msp/tenants/{id}` (or sent with the create), which replaces
//! both the name and the groups.
//!
//! Groups are named by the MSP's own group names; the MSP's group list is read once per run,
//! and shared with the identity proof of MSP tenants when that reads it.

use serde::{Deserialize, Serialize};

use crate::api::wire::{Named, TenantGroup};
use crate::diag::did_you_mean_hint;
use crate::kinds::MspAccess;

/// The record as a reviewer reads it: the name and `group: role` entries, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MspRecord {
    /// The tenant's name as the MSP records it.
    pub name: String,
    /// `group: role`, by the MSP's group names (an id the MSP has no group for stays an id).
    pub access: Vec<String>,
}

/// A change of the MSP's record of one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MspRecordChange {
    /// The record as read; `None` when the tenant is created (the groups go with the create).
    pub before: Option<MspRecord>,
    /// The record as the files want it.
    pub after: MspRecord,
    /// The groups the write sends: MSP group ids and role names.
    pub groups: Vec<TenantGroup>,
}

/// The groups `access` names, as the API takes them, or every name the MSP has no single group
/// for (with the closest name as a hint).
pub fn access_ids(access: &[MspAccess], own: &[Named]) -> Result<Vec<TenantGroup>, Vec<String>> {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    for entry in access {
        let ids: Vec<&Named> = own.iter().filter(|g| g.name == entry.group).collect();
        match ids.as_slice() {
            [group] => groups.push(TenantGroup {
                id: group.id.clone(),
                role: entry.role.as_str().to_owned(),
            }),
            [] => problems.push(format!(
                "msp_access: the MSP's own account has no group {:?}{} (expected a group of the \
                 account the token belongs to)",
                entry.group,
                did_you_mean_hint(&entry.group, own.iter().map(|g| g.name.as_str()))
            )),
            several => problems.push(format!(
                "msp_access: {} groups of the MSP's own account are named {:?}; rename one so \
                 the name says which",
                several.len(),
                entry.group
            )),
        }
    }
    if problems.is_empty() {
        groups.sort();
        Ok(groups)
    } else {
        Err(problems)
    }
}

/// The record of `groups`, named through the MSP's own groups.
pub fn record(name: &str, groups: &[TenantGroup], own: &[Named]) -> MspRecord {
    let mut access: Vec<String> = groups
        .iter()
        .map(|group| {
            let named = own
                .iter()
                .find(|g| g.id == group.id)
                .map_or(group.id.as_str(), |g| g.name.as_str());
            format!("{named}: {}", group.role)
        })
        .collect();
    access.sort();
    MspRecord {
        name: name.to_owned(),
        access,
    }
}

/// The change that makes the record `live` (name and groups) say `name` and `access`; `None`
/// when it already does. With no live record (a tenant to create) there is always a change, as
/// the create sends the groups.
pub fn record_change(
    name: &str,
    access: &[MspAccess],
    live: Option<(&str, &[TenantGroup])>,
    own: &[Named],
) -> Result<Option<MspRecordChange>, Vec<String>> {
    let groups = access_ids(access, own)?;
    let after = record(name, &groups, own);
    let Some((live_name, live_groups)) = live else {
        return Ok(Some(MspRecordChange {
            before: None,
            after,
            groups,
        }));
    };
    let mut live_sorted = live_groups.to_vec();
    live_sorted.sort();
    if live_name == name && live_sorted == groups {
        return Ok(None);
    }
    Ok(Some(MspRecordChange {
        before: Some(record(live_name, live_groups, own)),
        after,
        groups,
    }))
}

#[cfg(test)]
mod tests {
    use super::{MspRecord, record_change};
    use crate::api::wire::{Named, TenantGroup};
    use crate::kinds::{MspAccess, Role};

    fn own() -> Vec<Named> {
        ["northwind-support", "northwind-billing", "twin", "twin"]
            .iter()
            .enumerate()
            .map(|(i, name)| Named {
                id: format!("g{i}"),
                name: (*name).to_owned(),
            })
            .collect()
    }

    fn access(group: &str, role: Role) -> MspAccess {
        MspAccess {
            group: group.into(),
            role,
        }
    }

    #[test]
    fn an_equal_record_is_no_change_and_a_different_one_shows_both_sides_by_name() {
        let want = [access("northwind-support", Role::Admin)];
        let live = [TenantGroup {
            id: "g0".into(),
            role: "admin".into(),
        }];
        assert_eq!(
            record_change("Acme", &want, Some(("Acme", &live)), &own()),
            Ok(None)
        );
        let change = record_change("Acme Dental", &want, Some(("Acme", &[])), &own())
            .unwrap()
            .unwrap();
        assert_eq!(
            change.before,
            Some(MspRecord {
                name: "Acme".into(),
                access: vec![],
            })
        );
        assert_eq!(change.after.access, ["northwind-support: admin"]);
        assert_eq!(change.groups, live);
    }

    #[test]
    fn unknown_and_shared_group_names_are_refused_with_a_hint() {
        let want = [
            access("northwind-suport", Role::Admin),
            access("twin", Role::User),
        ];
        let problems = record_change("Acme", &want, None, &own()).unwrap_err();
        assert!(
            problems[0].contains("did you mean \"northwind-support\"?"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("2 groups of the MSP's own account are named \"twin\""),
            "{problems:?}"
        );
    }
}
