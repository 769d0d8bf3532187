//! `--changed-since GIT_REF`: the tenants whose resolved definition differs from the one at
//! that git revision, so a baseline change selects every tenant that uses it and a comment
//! edit selects none; and their definitions at the revision, which the planner plans against
//! the same snapshot to tell drift apart from the pull request's change (`plan::mark_drift`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::desired::DesiredTenant;
use crate::kinds::{Kind, Policy};

/// The files' tenants as they were at a git revision.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// The revision, as the user named it (`origin/main`).
    pub name: String,
    /// Each tenant the files defined there, by name (none when they did not validate there).
    pub tenants: BTreeMap<String, DesiredTenant>,
}

/// Names of the tenants (among `tenants`) whose definition changed since `reference`, and the
/// definitions there.
pub(crate) fn changed_tenants(
    path: &Path,
    reference: &str,
    tenants: &[DesiredTenant],
) -> anyhow::Result<(BTreeSet<String>, Reference)> {
    let before = definitions_at(path, reference)?;
    let changed = tenants
        .iter()
        .filter(|tenant| {
            before
                .iter()
                .find(|old| old.name == tenant.name)
                .is_none_or(|old| {
                    old.objects != tenant.objects
                        || old.target != tenant.target
                        || old.prune != tenant.prune
                        || old.create != tenant.create
                })
        })
        .map(|tenant| tenant.name.clone())
        .collect();
    let reference = Reference {
        name: reference.to_owned(),
        tenants: before.into_iter().map(|t| (t.name.clone(), t)).collect(),
    };
    Ok((changed, reference))
}

/// The tenants the files under `path` defined at `reference`; none when the path did not exist.
fn definitions_at(path: &Path, reference: &str) -> anyhow::Result<Vec<DesiredTenant>> {
    let absolute = std::fs::canonicalize(path).with_context(|| format!("{}", path.display()))?;
    let dir = if absolute.is_dir() {
        absolute.clone()
    } else {
        absolute.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = git(&dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let relative = absolute.strip_prefix(&top).with_context(|| {
        format!(
            "{} is not inside the git repository {}",
            path.display(),
            top.display()
        )
    })?;
    if git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .is_err()
    {
        bail!("--changed-since {reference:?}: not a commit in this repository");
    }
    let listing = git(
        &top,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            reference,
            "--",
            &relative.display().to_string(),
        ],
    )?;
    let mut files = Vec::new();
    let is_yaml = |name: &&str| {
        Path::new(name)
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
    };
    for name in listing.lines().filter(is_yaml) {
        let text = git(&top, &["show", &format!("{reference}:{name}")])?;
        files.push((top.join(name), text.into_bytes()));
    }
    let loaded = crate::desired::load_contents(files);
    // Files that did not validate at the reference count as "everything changed".
    Ok(loaded.state.map(|state| state.tenants).unwrap_or_default())
}

/// The kinds a change of `before` into `after` needs planned: the kinds whose objects (or prune)
/// changed, the groups they name (every kind names groups), and the networks with their
/// resources and routers when a changed policy targets a resource. `None`: everything (a new
/// tenant, or one whose account, creation, MSP record or whole definition changed).
pub(crate) fn changed_kinds(
    before: &DesiredTenant,
    after: &DesiredTenant,
) -> Option<BTreeSet<Kind>> {
    // The MSP's record (name and access) is planned with the tenant's full read: it is rare,
    // and the record comes with the tenant list every run reads anyway.
    let record_changed = before.msp_access != after.msp_access
        || (after.msp_access.is_some() && before.name != after.name);
    if before.target != after.target || before.create != after.create || record_changed {
        return None;
    }
    let (old, new) = (&before.objects, &after.objects);
    let mut kinds = BTreeSet::new();
    let mut differs = |differ: bool, which: &[Kind]| {
        if differ {
            kinds.extend(which.iter().copied());
        }
    };
    differs(old.groups != new.groups, &[Kind::Group]);
    differs(old.setup_keys != new.setup_keys, &[Kind::SetupKey]);
    differs(old.users != new.users, &[Kind::User]);
    differs(old.service_users != new.service_users, &[Kind::ServiceUser]);
    differs(old.policies != new.policies, &[Kind::Policy]);
    differs(
        old.posture_checks != new.posture_checks,
        &[Kind::PostureCheck],
    );
    differs(old.routes != new.routes, &[Kind::Route]);
    differs(
        old.nameserver_groups != new.nameserver_groups,
        &[Kind::NameserverGroup],
    );
    differs(old.dns_settings != new.dns_settings, &[Kind::DnsSettings]);
    differs(
        old.account_settings != new.account_settings,
        &[Kind::AccountSettings],
    );
    differs(old.peers != new.peers, &[Kind::Peer]);
    differs(
        old.dns_zones != new.dns_zones,
        &[Kind::DnsZone, Kind::DnsRecord],
    );
    differs(old.networks != new.networks, &NETWORK_KINDS);
    for kind in before.prune.symmetric_difference(&after.prune) {
        kinds.insert(*kind);
    }
    if kinds.iter().any(|k| NETWORK_KINDS.contains(k)) {
        kinds.extend(NETWORK_KINDS);
    }
    if kinds.contains(&Kind::Policy) && new.policies.values().any(Policy::targets_a_resource) {
        kinds.extend(NETWORK_KINDS);
    }
    // A policy sends its posture checks as ids, which only their list has.
    if kinds.contains(&Kind::Policy) && new.policies_name_posture_checks() {
        kinds.insert(Kind::PostureCheck);
    }
    if !kinds.is_empty() {
        kinds.insert(Kind::Group);
    }
    Some(kinds)
}

/// A network, its resources and its routers: one list read, planned together.
const NETWORK_KINDS: [Kind; 3] = [Kind::Network, Kind::NetworkResource, Kind::NetworkRouter];

/// `tenant` with only the objects and prunes of `kinds`: the planner then plans (and the reads
/// read) nothing else. A kind left out is neither diffed nor pruned.
pub(crate) fn scoped(mut tenant: DesiredTenant, kinds: &BTreeSet<Kind>) -> DesiredTenant {
    let objects = &mut tenant.objects;
    let keep = |kind: Kind| kinds.contains(&kind);
    if !keep(Kind::Group) {
        objects.groups.clear();
    }
    if !keep(Kind::SetupKey) {
        objects.setup_keys.clear();
    }
    if !keep(Kind::User) {
        objects.users.clear();
    }
    if !keep(Kind::ServiceUser) {
        objects.service_users.clear();
    }
    if !keep(Kind::Policy) {
        objects.policies.clear();
    }
    if !keep(Kind::PostureCheck) {
        objects.posture_checks.clear();
    }
    if !keep(Kind::Route) {
        objects.routes.clear();
    }
    if !keep(Kind::NameserverGroup) {
        objects.nameserver_groups.clear();
    }
    if !keep(Kind::DnsSettings) {
        objects.dns_settings.clear();
    }
    if !keep(Kind::DnsZone) {
        objects.dns_zones.clear();
    }
    if !keep(Kind::AccountSettings) {
        objects.account_settings.clear();
    }
    if !keep(Kind::Peer) {
        objects.peers.clear();
    }
    if !keep(Kind::Network) {
        objects.networks.clear();
    }
    tenant.prune.retain(|kind| kinds.contains(kind));
    tenant
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .context("running git for --changed-since")?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::changed_tenants;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@t.example"])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    const BASE: &str = "version: 1\nbaselines:\n  standard:\n    groups: [{name: admins}]\n";
    const TENANTS: &str = "version: 1\ntenants:\n  - name: Acme\n    domain: acme.example\n    baselines: [standard]\n  - name: Globex\n    domain: globex.example\n    groups: [{name: ops}]\n  - name: Initech\n    domain: initech.example\n    baselines: [standard]\n    groups: [{name: devs}]\n";

    fn changed(dir: &Path) -> Vec<String> {
        let loaded = crate::desired::load(&dir.join("tenants"));
        let tenants = loaded.state.unwrap().tenants;
        changed_tenants(&dir.join("tenants"), "HEAD", &tenants)
            .unwrap()
            .0
            .into_iter()
            .collect()
    }

    #[test]
    fn selects_tenants_whose_resolved_definition_changed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("tenants")).unwrap();
        std::fs::write(root.join("tenants/base.yaml"), BASE).unwrap();
        std::fs::write(root.join("tenants/tenants.yaml"), TENANTS).unwrap();
        git(root, &["init", "-q"]);
        git(root, &["add", "."]);
        git(root, &["commit", "-qm", "base"]);
        assert!(changed(root).is_empty(), "nothing changed since HEAD");

        // A comment changes no definition.
        std::fs::write(
            root.join("tenants/tenants.yaml"),
            format!("# reviewed\n{TENANTS}"),
        )
        .unwrap();
        assert!(changed(root).is_empty());

        // A baseline change selects every tenant that uses it, and only those.
        std::fs::write(
            root.join("tenants/base.yaml"),
            BASE.replace("admins", "administrators"),
        )
        .unwrap();
        assert_eq!(changed(root), ["Acme", "Initech"]);

        // A new tenant is changed too.
        std::fs::write(
            root.join("tenants/new.yaml"),
            "version: 1\ntenants:\n  - name: Umbrella\n    domain: umbrella.example\n",
        )
        .unwrap();
        assert_eq!(changed(root), ["Acme", "Initech", "Umbrella"]);
    }

    fn definition(text: &str) -> crate::desired::DesiredTenant {
        let loaded = crate::desired::load_contents([(
            std::path::PathBuf::from("t.yaml"),
            format!("version: 1\ntenants:\n  - name: Acme\n    domain: acme.example\n{text}")
                .into_bytes(),
        )]);
        loaded.state.unwrap().tenants.remove(0)
    }

    #[test]
    fn a_change_plans_its_kinds_the_groups_they_name_and_nothing_else() {
        use std::collections::BTreeSet;

        use super::{changed_kinds, scoped};
        use crate::kinds::Kind;

        let base = "    prune: [groups, setup_keys]\n    groups: [{name: devs}, {name: ops}]\n    setup_keys: [{name: k, type: reusable}]\n    policies:\n      - name: p\n        rules: [{protocol: tcp, ports: [22], sources: [devs], destinations: [ops]}]\n";
        let before = definition(base);
        let after = definition(&base.replace("ports: [22]", "ports: [22, 443]"));
        let kinds = changed_kinds(&before, &after).unwrap();
        assert_eq!(kinds, BTreeSet::from([Kind::Group, Kind::Policy]));
        let planned = scoped(after.clone(), &kinds);
        assert!(
            planned.objects.setup_keys.is_empty(),
            "setup keys are not planned"
        );
        assert_eq!(
            planned.objects.groups.len(),
            2,
            "the groups policies name are"
        );
        assert_eq!(
            planned.prune,
            BTreeSet::from([Kind::Group]),
            "a kind left out is never pruned"
        );
        assert_eq!(changed_kinds(&before, &before).unwrap(), BTreeSet::new());
        // A policy to a resource needs the networks too.
        let to_resource = definition(
            "    groups: [{name: devs}]\n    networks:\n      - name: lan\n        resources: [{name: nas, address: 10.0.0.5/32}]\n    policies:\n      - name: p\n        rules: [{protocol: all, sources: [devs], destination_resource: {network: lan, resource: nas}}]\n",
        );
        let renamed = definition(
            "    groups: [{name: devs}]\n    networks:\n      - name: lan\n        resources: [{name: nas, address: 10.0.0.5/32}]\n    policies:\n      - name: p\n        description: backups\n        rules: [{protocol: all, sources: [devs], destination_resource: {network: lan, resource: nas}}]\n",
        );
        let kinds = changed_kinds(&to_resource, &renamed).unwrap();
        assert!(kinds.contains(&Kind::Network) && kinds.contains(&Kind::NetworkResource));
        // Another account: everything.
        let mut moved = definition(base);
        moved.target.domain = Some("other.example".into());
        assert!(changed_kinds(&before, &moved).is_none());
    }
}
