//! The mass-delete guard: a plan that deletes a large share of a tenant, or empties it, is most
//! likely a mistake (a file left out of the directory, a wrong `--tenant`), so apply refuses it
//! unless `--allow-mass-delete` is given.

use crate::plan::{Action, Change, Refusal};

/// Thresholds of the guard.
#[derive(Debug, Clone, Copy)]
pub struct GuardSettings {
    /// Largest share of managed objects a plan may delete, in percent.
    pub max_delete_percent: usize,
    /// Tenants with fewer managed objects than this are not held to the share.
    pub min_objects: usize,
    /// `--allow-mass-delete`: record no refusals.
    pub allow_mass_delete: bool,
}

impl Default for GuardSettings {
    fn default() -> Self {
        Self {
            max_delete_percent: 30,
            min_objects: 10,
            allow_mass_delete: false,
        }
    }
}

/// The refusals for one tenant's changes. `managed` counts the live objects birdhouse manages
/// before the plan; `desired_total` the objects the files want.
pub(super) fn guard(
    changes: &[Change],
    managed: usize,
    desired_total: usize,
    settings: GuardSettings,
) -> Vec<Refusal> {
    if settings.allow_mass_delete {
        return Vec::new();
    }
    let deletes = changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    let mut refusals = Vec::new();
    if deletes == 0 {
        return refusals;
    }
    if managed >= settings.min_objects && deletes * 100 > managed * settings.max_delete_percent {
        refusals.push(Refusal::MassDelete {
            deletes,
            managed,
            max_percent: settings.max_delete_percent,
        });
    }
    if desired_total == 0 {
        refusals.push(Refusal::EmptiesTenant { deletes });
    }
    refusals
}

#[cfg(test)]
mod tests {
    use super::{GuardSettings, guard};
    use crate::kinds::Kind;
    use crate::plan::{Action, Change, Reason, Refusal};

    fn deletes(count: usize) -> Vec<Change> {
        (0..count)
            .map(|i| Change {
                kind: Kind::Group,
                name: format!("g{i}"),
                action: Action::Delete,
                reason: Reason::NotDesired,
                before: None,
                after: None,
                fields: vec![],
                drift: false,
            })
            .collect()
    }

    #[test]
    fn refuses_more_than_thirty_percent_of_ten_or_more() {
        let settings = GuardSettings::default();
        assert_eq!(guard(&deletes(3), 10, 7, settings), vec![]);
        assert_eq!(
            guard(&deletes(4), 10, 6, settings),
            vec![Refusal::MassDelete {
                deletes: 4,
                managed: 10,
                max_percent: 30
            }]
        );
    }

    #[test]
    fn small_tenants_are_not_held_to_the_share() {
        assert_eq!(guard(&deletes(5), 9, 4, GuardSettings::default()), vec![]);
    }

    #[test]
    fn refuses_emptying_a_tenant_whatever_its_size() {
        assert_eq!(
            guard(&deletes(2), 2, 0, GuardSettings::default()),
            vec![Refusal::EmptiesTenant { deletes: 2 }]
        );
    }

    #[test]
    fn allow_mass_delete_lifts_every_refusal() {
        let settings = GuardSettings {
            allow_mass_delete: true,
            ..GuardSettings::default()
        };
        assert_eq!(guard(&deletes(20), 20, 0, settings), vec![]);
    }
}
