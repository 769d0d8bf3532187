//! `birdhouse export`: write live tenants as desired-state YAML, one file per tenant, such that
//! `birdhouse plan -f DIR` right afterwards finds nothing to change.
//!
//! A slice of the pipeline: the MSP tenant list (one call), then `live::fetch` of every
//! selected tenant with every list (`Reads::ALL`), concurrently under the run's one budget,
//! then `desired::export` and one file per tenant. Files are named after the tenant (a slug of
//! its name) and pin both `id` and `domain`, so a later plan needs no tenant lookup and a
//! renamed tenant is still found. Existing files are never overwritten unless `--force`.
//!
//! stdout stays empty (the artefact is the directory); warnings about what was left out, and
//! the summary, go to stderr.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::cli::args::ExportArgs;
use crate::cli::common;
use crate::cli::exit::Exit;
use crate::cli::settings::{Settings, Verbosity};
use crate::desired::export::{ExportSource, Withheld, export, to_yaml};
use crate::kinds::KeyExpiry;
use crate::kinds::wire;
use crate::kinds::{Kind, MspAccess};
use crate::live::LiveTenant;
use crate::render::plural;

/// Where the JSON Schema sits in a birdhouse repository, relative to its root.
const SCHEMA_IN_REPO: &str = "schema/birdhouse.schema.json";
/// The schema written beside the files when no repository schema is found above them.
const SCHEMA_BESIDE: &str = "birdhouse.schema.json";

/// Runs `birdhouse export`.
pub(in crate::cli) fn run(settings: &Settings, args: &ExportArgs) -> anyhow::Result<Exit> {
    check_out_dir(&args.out_dir, args.force)?;
    let engine = common::connect(settings)?;
    let reads = if args.own_account {
        let (account, live) = engine.read_own_account()?;
        vec![(Exportee::own(&account), Ok(live))]
    } else {
        msp_tenants(settings, &engine)?
    };

    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let schema = schema_reference(&args.out_dir)?;
    let names = file_names(reads.iter().map(|(tenant, _)| tenant));
    let mut stderr = std::io::stderr().lock();
    let mut failed = 0usize;
    let mut exports = Vec::new();
    for ((tenant, read), file_name) in reads.into_iter().zip(names) {
        let live = match read {
            Ok(live) => live,
            Err(error) => {
                failed += 1;
                let error = anyhow::Error::from(error);
                writeln!(stderr, "error: tenant {:?}: {error:#}", tenant.name)?;
                continue;
            }
        };
        let exported = export(&source_of(&tenant, &live));
        if settings.verbosity > Verbosity::Quiet {
            for warning in &exported.warnings {
                writeln!(stderr, "warning: tenant {:?}: {warning}", tenant.name)?;
            }
        }
        exports.push((tenant, file_name, exported.document));
    }
    if args.baselines {
        write_baselines(&args.out_dir, &schema, &mut exports)?;
    }
    let mut written = 0usize;
    for (tenant, file_name, document) in &exports {
        let from = if tenant.self_account {
            "the token's own account"
        } else {
            "tenant"
        };
        let note = format!(
            "Exported by birdhouse {} from {from} {:?} ({}).\n\
             Fields left out are unmanaged: birdhouse leaves them as they are.",
            env!("CARGO_PKG_VERSION"),
            tenant.name,
            tenant.id
        );
        let text = to_yaml(document, &schema, &note)
            .map_err(|e| anyhow::anyhow!("writing tenant {:?} as YAML: {e}", tenant.name))?;
        let path = args.out_dir.join(file_name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written += 1;
    }
    let stats = engine.stats();
    tracing::info!(
        requests = stats.requests,
        rate_limited = stats.rate_limited,
        "export read the tenants"
    );
    if settings.verbosity > Verbosity::Quiet {
        writeln!(
            stderr,
            "exported {} to {}{}",
            plural(written, "tenant", "tenants"),
            args.out_dir.display(),
            if failed > 0 {
                format!("; {failed} could not be read (see above)")
            } else {
                String::new()
            }
        )?;
    }
    Ok(if failed > 0 {
        Exit::Error
    } else {
        Exit::Success
    })
}

/// The file the shared baselines go to (`export --baselines`).
const BASELINES_FILE: &str = "baselines.yaml";

/// Moves what the tenants share into baselines written to [`BASELINES_FILE`], when there is
/// any; a tenant file of that name would be overwritten, so it is refused.
fn write_baselines(
    dir: &Path,
    schema: &str,
    exports: &mut [(Exportee, String, crate::desired::document::Document)],
) -> anyhow::Result<()> {
    if let Some((tenant, ..)) = exports.iter().find(|(_, file, _)| file == BASELINES_FILE) {
        anyhow::bail!(
            "tenant {:?} would be written to {BASELINES_FILE}, where --baselines writes the \
             shared baselines; export it without --baselines",
            tenant.name
        );
    }
    let mut documents: Vec<_> = exports.iter_mut().map(|(_, _, d)| d).collect();
    let baselines = crate::desired::shared::share_baselines(&mut documents);
    if baselines.is_empty() {
        return Ok(());
    }
    let document = crate::desired::shared::baselines_document(baselines);
    let note = "Objects the exported tenants share, written once; each tenant names the baselines \
                it uses.";
    let text = to_yaml(&document, schema, note)
        .map_err(|e| anyhow::anyhow!("writing the baselines as YAML: {e}"))?;
    let path = dir.join(BASELINES_FILE);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// What is exported: an MSP tenant, or the token's own account.
struct Exportee {
    /// The tenant's name in the file.
    name: String,
    /// The account id, pinned in the file.
    id: String,
    /// The MSP tenant's domain (none for the own account).
    domain: String,
    /// The token's own account (`self: true`).
    self_account: bool,
    /// Who may enter the tenant as the MSP records it, by the MSP's group names (`None` for
    /// the own account, an empty record, or one a file cannot say).
    msp_access: Option<Vec<MspAccess>>,
    /// Why the record is not written, when a file cannot say it.
    msp_access_left_out: Option<String>,
}

impl Exportee {
    /// An MSP tenant, its record's groups named through the MSP's own groups. A record naming
    /// a group the MSP has no single group of that name for, or a role this birdhouse does not
    /// know, is left unmanaged with a warning (writing the rest would take that entry away).
    fn tenant(tenant: &wire::Tenant, own_groups: &[wire::Named]) -> Self {
        let mut access = Vec::new();
        let mut unnamed = Vec::new();
        for group in &tenant.groups {
            let named: Vec<&wire::Named> = own_groups.iter().filter(|g| g.id == group.id).collect();
            let shared = |g: &&wire::Named| own_groups.iter().filter(|o| o.name == g.name).count();
            match (named.as_slice(), group.role.parse()) {
                ([own], Ok(role)) if shared(own) == 1 => access.push(MspAccess {
                    group: own.name.clone(),
                    role,
                }),
                _ => unnamed.push(format!("{} as {:?}", group.id, group.role)),
            }
        }
        access.sort();
        let msp_access_left_out = (!unnamed.is_empty()).then(|| {
            format!(
                "msp_access left out (unmanaged): the MSP's record names groups or roles a file \
                 cannot name ({})",
                unnamed.join(", ")
            )
        });
        Self {
            name: tenant.name.clone(),
            id: tenant.id.clone(),
            domain: tenant.domain.to_ascii_lowercase(),
            self_account: false,
            // A record that lets no group in is left unmanaged: nothing to keep.
            msp_access: Some(access)
                .filter(|access| !access.is_empty() && msp_access_left_out.is_none()),
            msp_access_left_out,
        }
    }

    /// The own account, named by its domain (by its id when it has none).
    fn own(account: &wire::Account) -> Self {
        let name = if account.domain.is_empty() {
            account.id.clone()
        } else {
            account.domain.to_ascii_lowercase()
        };
        Self {
            name,
            id: account.id.clone(),
            domain: String::new(),
            self_account: true,
            msp_access: None,
            msp_access_left_out: None,
        }
    }
}

type Read = (Exportee, Result<LiveTenant, crate::live::LiveError>);

/// The MSP's tenants `--tenant` selects, sorted by name, each read.
fn msp_tenants(settings: &Settings, engine: &crate::engine::Engine) -> anyhow::Result<Vec<Read>> {
    let mut tenants = engine.list_tenants()?;
    settings
        .tenant_filter
        .check_against(tenants.iter().map(|t| t.name.as_str()), "of the MSP")?;
    tenants.retain(|t| settings.tenant_filter.selects(&t.name));
    if tenants.is_empty() && !settings.tenant_filter.patterns().is_empty() {
        anyhow::bail!(
            "no MSP tenant matches --tenant {}",
            settings.tenant_filter.patterns().join(", ")
        );
    }
    tenants.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    // The MSP's own groups name the records' groups: read (once) only when a record has any.
    let own_groups = if tenants.iter().any(|t| !t.groups.is_empty()) {
        engine.own_groups()?
    } else {
        Vec::new()
    };
    let reads = engine.read_tenants(tenants)?;
    Ok(reads
        .into_iter()
        .map(|(tenant, read)| (Exportee::tenant(&tenant, &own_groups), read))
        .collect())
}

/// Refuses a directory that already holds something, unless `force`: an export next to
/// hand-written files would silently replace any that share a tenant's file name.
fn check_out_dir(dir: &Path, force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                anyhow::bail!(
                    "{} is not empty; export into a new or empty directory, or pass --force to \
                     overwrite the files it writes",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

/// What export needs of one tenant's read: its objects, and what not to write.
fn source_of(tenant: &Exportee, live: &LiveTenant) -> ExportSource {
    let snapshot = &live.snapshot;
    let mut withheld: BTreeMap<(Kind, String), Withheld> = BTreeMap::new();
    for (name, what) in inexpressible_policies(&live.wire.policies) {
        withheld.insert((Kind::Policy, name), Withheld::Inexpressible(what));
    }
    for key in &snapshot.ambiguous {
        withheld.insert((key.kind, key.name.clone()), Withheld::Ambiguous);
    }
    for key in &snapshot.protected {
        withheld.insert((key.kind, key.name.clone()), Withheld::Protected);
    }
    ExportSource {
        name: tenant.name.clone(),
        id: live.account_id.clone(),
        domain: tenant.domain.clone(),
        self_account: tenant.self_account,
        objects: snapshot.objects.clone(),
        withheld,
        never_expiring_keys: snapshot
            .key_expiry
            .iter()
            .filter(|(_, expiry)| **expiry == KeyExpiry::Never)
            .map(|(name, _)| name.clone())
            .collect(),
        msp_access: tenant.msp_access.clone(),
        msp_access_left_out: tenant.msp_access_left_out.clone(),
    }
}

/// Policies that use what the model (and so the file format) cannot hold: a protocol or an
/// action this birdhouse does not know (a newer server's). Exporting them as read would write
/// a different policy, so they are left out by name, with what they use.
fn inexpressible_policies(policies: &[wire::Policy]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for policy in policies {
        let mut uses: BTreeSet<String> = BTreeSet::new();
        for rule in &policy.rules {
            if rule.protocol.parse::<crate::kinds::Protocol>().is_err() {
                uses.insert(format!("protocol {:?}", rule.protocol));
            }
            if rule.action.parse::<crate::kinds::Action>().is_err() {
                uses.insert(format!("action {:?}", rule.action));
            }
            if let Some(kind) = [&rule.source_resource, &rule.destination_resource]
                .into_iter()
                .flatten()
                .map(|target| target.kind.as_str())
                .find(|kind| !["peer", "host", "subnet", "domain"].contains(kind))
            {
                uses.insert(format!("a resource of type {kind:?}"));
            }
        }
        if !uses.is_empty() {
            let uses: Vec<String> = uses.into_iter().collect();
            found.insert(policy.name.clone(), format!("it uses {}", uses.join(", ")));
        }
    }
    found
}

/// The `$schema` reference of the files: the repository's schema when the directory is inside
/// a birdhouse repository (relative, so it works in every clone), otherwise a copy written
/// beside the files (editors then work wherever the directory goes).
fn schema_reference(dir: &Path) -> anyhow::Result<String> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    for (up, ancestor) in dir.ancestors().enumerate() {
        if ancestor.join(SCHEMA_IN_REPO).is_file() {
            let mut reference = "../".repeat(up);
            reference.push_str(SCHEMA_IN_REPO);
            return Ok(reference);
        }
    }
    let path = dir.join(SCHEMA_BESIDE);
    std::fs::write(&path, crate::desired::schema::schema_json())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(SCHEMA_BESIDE.to_owned())
}

/// One file name per tenant, in the tenants' order: the slug of the name, with the tenant id
/// appended to every name two tenants would share (so the result does not depend on order).
fn file_names<'a>(tenants: impl Iterator<Item = &'a Exportee> + Clone) -> Vec<String> {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for tenant in tenants.clone() {
        *uses.entry(slug(&tenant.name)).or_default() += 1;
    }
    tenants
        .map(|tenant| {
            let base = slug(&tenant.name);
            if uses[&base] > 1 {
                format!("{base}-{}.yaml", slug(&tenant.id))
            } else {
                format!("{base}.yaml")
            }
        })
        .collect()
}

/// Lower-case ASCII letters and digits, runs of anything else as one `-`; never empty, never a
/// path: a tenant name cannot choose where its file goes.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "tenant".to_owned()
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Component, Path, PathBuf};

    use super::Exportee;
    use super::{file_names, inexpressible_policies, slug, source_of};
    use crate::desired::export::{export, to_yaml};
    use crate::desired::load_contents;
    use crate::kinds::{Kind, MspAccess, wire};
    use crate::live::{LiveTenant, WireTenant, convert};
    use crate::plan::{GuardSettings, PlanOptions, plan_tenant};

    fn tenant(id: &str, name: &str) -> Exportee {
        Exportee::tenant(
            &serde_json::from_value(serde_json::json!({
                "id": id, "name": name, "domain": "Acme.example",
                "groups": [{"id": "m1", "role": "admin"}, {"id": "gone", "role": "user"}]
            }))
            .unwrap(),
            &[crate::kinds::wire::Named {
                id: "m1".into(),
                name: "northwind-support".into(),
            }],
        )
    }

    /// Whether `name` is a bare file name (no directory part): what [`slug`] guarantees.
    fn is_bare_file_name(name: &str) -> bool {
        let components: Vec<Component<'_>> = Path::new(name).components().collect();
        matches!(components.as_slice(), [Component::Normal(_)])
    }

    #[test]
    fn slugs_are_bare_lower_case_names() {
        assert_eq!(slug("Acme Corp"), "acme-corp");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("Ünïcode GmbH & Co."), "n-code-gmbh-co");
        assert_eq!(slug("***"), "tenant");
        for name in ["../x", "/abs", "a/b", ".", ".."] {
            assert!(is_bare_file_name(&format!("{}.yaml", slug(name))), "{name}");
        }
    }

    #[test]
    fn names_two_tenants_share_get_their_ids() {
        let tenants = [
            tenant("d1", "Acme"),
            tenant("d2", "acme"),
            tenant("d3", "Globex"),
        ];
        assert_eq!(
            file_names(tenants.iter()),
            ["acme-d1.yaml", "acme-d2.yaml", "globex.yaml"]
        );
    }

    fn wire_tenant() -> WireTenant {
        let value = serde_json::json!({
            "groups": [
                {"id": "g0", "name": "All", "issued": "api"},
                {"id": "g1", "name": "devs", "issued": "api"},
                {"id": "g2", "name": "servers", "issued": "api"},
                {"id": "g3", "name": "okta-admins", "issued": "jwt"},
                {"id": "g4", "name": "twin", "issued": "api"},
                {"id": "g5", "name": "twin", "issued": "api"}
            ],
            "setup_keys": [
                {"id": "k1", "key": "A6160****", "name": "office", "type": "reusable",
                 "expires": "0001-01-01T00:00:00Z", "state": "valid", "auto_groups": ["g1"],
                 "usage_limit": 0, "ephemeral": false, "allow_extra_dns_labels": false},
                {"id": "k2", "key": "B7271****", "name": "temp", "type": "one-off",
                 "expires": "2031-01-01T00:00:00Z", "state": "valid", "auto_groups": ["g3"],
                 "usage_limit": 1, "ephemeral": true, "allow_extra_dns_labels": false}
            ],
            "users": [
                {"id": "u0", "email": "owner@acme.example", "name": "Owner", "role": "owner",
                 "auto_groups": [], "is_current": true},
                {"id": "u1", "email": "Alice@acme.example", "name": "Alice", "role": "admin",
                 "auto_groups": ["g1"]},
                {"id": "u2", "email": "", "name": "ci", "role": "user", "auto_groups": [],
                 "is_service_user": true}
            ],
            "networks": [
                {"id": "n1", "name": "office", "description": "", "routers": ["r1"],
                 "resources": ["res1"]}
            ],
            "resources": [
                {"id": "res1", "name": "lan", "description": "", "type": "subnet",
                 "address": "10.0.0.0/24", "enabled": true,
                 "groups": [{"id": "g2", "name": "servers"}]}
            ],
            "routers": [
                {"id": "r1", "peer": "", "peer_groups": ["g2"], "masquerade": true,
                 "metric": 9999, "enabled": true}
            ],
            "policies": [
                {"id": "p1", "name": "Default", "description": "", "enabled": true,
                 "rules": [{"id": "p1", "name": "Default", "enabled": true, "action": "accept",
                   "bidirectional": true, "protocol": "all",
                   "sources": [{"id": "g0", "name": "All"}],
                   "destinations": [{"id": "g0", "name": "All"}]}]},
                {"id": "p2", "name": "to-lan", "description": "", "enabled": true,
                 "rules": [{"id": "p2", "name": "to-lan", "enabled": true, "action": "accept",
                   "bidirectional": false, "protocol": "tcp", "ports": ["22"],
                   "port_ranges": [{"start": 8000, "end": 8100}],
                   "sources": [{"id": "g1", "name": "devs"}],
                   "destinationResource": {"id": "res1", "type": "subnet"}}]},
                {"id": "p3", "name": "ssh", "description": "", "enabled": true,
                 "rules": [{"id": "p3", "name": "ssh", "enabled": true, "action": "accept",
                   "bidirectional": false, "protocol": "netbird-ssh",
                   "sources": [{"id": "g1", "name": "devs"}],
                   "destinations": [{"id": "g2", "name": "servers"}],
                   "authorized_groups": {"g1": ["root"]}}]},
                {"id": "p4", "name": "future", "description": "", "enabled": true,
                 "rules": [{"id": "p4", "name": "future", "enabled": true, "action": "accept",
                   "bidirectional": false, "protocol": "sctp",
                   "sources": [{"id": "g1", "name": "devs"}],
                   "destinations": [{"id": "g2", "name": "servers"}]}]}
            ]
        });
        let list = |key: &str| value[key].clone();
        WireTenant {
            groups: serde_json::from_value(list("groups")).unwrap(),
            setup_keys: serde_json::from_value(list("setup_keys")).unwrap(),
            users: serde_json::from_value(list("users")).unwrap(),
            policies: serde_json::from_value(list("policies")).unwrap(),
            networks: serde_json::from_value(list("networks")).unwrap(),
            resources: serde_json::from_value(list("resources")).unwrap(),
            routers: serde_json::from_value(list("routers")).unwrap(),
            ..WireTenant::default()
        }
    }

    #[test]
    fn a_snapshot_exported_then_planned_has_no_changes() {
        let wire = wire_tenant();
        let snapshot = convert(&wire, Kind::ALL.into_iter().collect::<BTreeSet<_>>());
        let live = LiveTenant {
            account_id: "d0acme".into(),
            snapshot,
            wire,
            locks: Vec::new(),
        };
        let exported = export(&source_of(&tenant("d0acme", "Acme"), &live));
        let text = to_yaml(&exported.document, "birdhouse.schema.json", "note").unwrap();
        let loaded = load_contents([(PathBuf::from("acme.yaml"), text.clone().into_bytes())]);
        let state = loaded.state.unwrap_or_else(|d| panic!("{d:?}\n{text}"));
        let desired = &state.tenants[0];
        assert_eq!(desired.target.id.as_deref(), Some("d0acme"));
        assert_eq!(desired.target.domain.as_deref(), Some("acme.example"));

        let plan = plan_tenant(
            desired,
            &live.snapshot,
            Some("d0acme".into()),
            PlanOptions {
                guard: GuardSettings::default(),
                now: std::time::SystemTime::now(),
                fingerprint: false,
            },
        );
        assert!(plan.changes.is_empty(), "{:#?}\n{text}", plan.changes);
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);

        // What was left out, and said so.
        let objects = &desired.objects;
        assert_eq!(
            objects.groups.keys().collect::<Vec<_>>(),
            ["devs", "servers"],
            "no All, no JWT group, no ambiguous twins"
        );
        assert!(objects.users.contains_key("alice@acme.example"));
        assert!(!objects.users.contains_key("owner@acme.example"));
        assert_eq!(
            objects.setup_keys["temp"].auto_groups, None,
            "names a JWT group"
        );
        assert!(objects.policies.contains_key("Default"));
        assert!(objects.policies.contains_key("to-lan"));
        let ssh = &objects.policies["ssh"].rules[0];
        assert_eq!(ssh.protocol, crate::kinds::Protocol::NetbirdSsh);
        assert_eq!(
            ssh.authorized_groups,
            BTreeMap::from([("devs".into(), BTreeSet::from(["root".into()]))])
        );
        assert!(!objects.policies.contains_key("future"));
        assert_eq!(
            exported.warnings,
            [
                "group \"twin\" left out: more than one live group has that name; rename the \
                 extras so a file can name one",
                "policy \"future\" left out: it uses protocol \"sctp\", which the file format \
                 cannot express",
                "msp_access left out (unmanaged): the MSP's record names groups or roles a file \
                 cannot name (gone as \"user\")",
                "setup key \"temp\": auto_groups left out (unmanaged): it names groups the file \
                 does not list (\"okta-admins\")",
            ]
        );
        assert!(
            !text.contains("A6160") && !text.contains("B7271"),
            "no key material"
        );
    }

    #[test]
    fn an_msp_record_the_file_can_name_is_exported_by_group_name() {
        let record: wire::Tenant = serde_json::from_value(serde_json::json!({
            "id": "d0acme", "name": "Acme", "domain": "acme.example",
            "groups": [{"id": "m1", "role": "network_admin"}]
        }))
        .unwrap();
        let own = [wire::Named {
            id: "m1".into(),
            name: "northwind-support".into(),
        }];
        let exportee = Exportee::tenant(&record, &own);
        assert_eq!(
            exportee.msp_access,
            Some(vec![MspAccess {
                group: "northwind-support".into(),
                role: crate::kinds::Role::NetworkAdmin,
            }])
        );
        assert_eq!(exportee.msp_access_left_out, None);
    }

    #[test]
    fn plain_policies_are_expressible() {
        let wire = wire_tenant();
        let found = inexpressible_policies(&wire.policies);
        assert_eq!(found.keys().collect::<Vec<_>>(), ["future"]);
    }
}
