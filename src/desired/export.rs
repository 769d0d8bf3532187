//! Live objects → documents, the inverse of `resolve`, for `birdhouse export`. Pure: the caller
//! reads the tenants and writes the files; this module only decides what a file says.
//!
//! The promise is the round trip: planning the exported files right away finds nothing to
//! change. So every field the planner compares is written with its live value, in names (the
//! model already speaks names), except what follows, each left out for a reason:
//!
//! - objects birdhouse never manages (the `All` group, groups not issued by the API, the owner,
//!   the token's own user): listing them would claim what birdhouse must not touch;
//! - names that match several live objects: a file cannot say which one it means (warned);
//! - objects the format cannot express (a policy with several rules, posture checks, a source
//!   resource, SSH rules...): an approximation would be applied as a change later (warned);
//! - a field naming a group the file does not list (a JWT group in a user's `auto_groups`): the
//!   field is left out, so unmanaged; a required one (policy sources) leaves the object out
//!   (warned);
//! - fields whose absence means the same as the live value: empty descriptions (absent equals
//!   empty), `action: accept` (the default), a one-off key's `usage_limit` (always 1), a rule
//!   named like its policy (the default name);
//! - fields at their create default, as a person would leave them out: `revoked`, `blocked`,
//!   `allow_extra_dns_labels`, `ephemeral` and `bidirectional` when false, `enabled` when true,
//!   a usage limit of 0 (unlimited), a router's default metric and masquerade, a user's name
//!   equal to its email, empty group lists (a field left out is unmanaged, and applying the
//!   file to an empty tenant creates the same object);
//! - a setup key's finite expiry: the server keeps only the absolute date, and `expires_in` is
//!   intent at creation; only "never" can be read back;
//! - secrets: the snapshot has none (setup keys read back masked, tokens are never read), and
//!   nothing here could write one.

use std::collections::BTreeSet;

use crate::desired::document::{
    DnsDoc, Document, FORMAT_VERSION, MspAccessDoc, NamedList, Objects, TenantDoc,
};
use crate::kinds::Kind;

/// A document for one tenant, and what was lost on the way.
#[derive(Debug, Clone)]
pub(crate) struct Exported {
    /// The document, ready for [`to_yaml`].
    pub document: Document,
    /// One line per object or field left out for a reason the user should know.
    pub warnings: Vec<String>,
}

pub(crate) use crate::kinds::kit::export::{ExportSource, Withheld, at};
use crate::kinds::kit::export::{Exporter, NOWHERE};

/// Builds the document of one tenant.
pub(crate) fn export(source: &ExportSource) -> Exported {
    let mut exporter = Exporter {
        source,
        warnings: Vec::new(),
        groups: BTreeSet::new(),
        resources: BTreeSet::new(),
        posture_checks: BTreeSet::new(),
    };
    exporter.withheld_warnings();
    if let Some(why) = &source.msp_access_left_out {
        exporter.warn(why.clone());
    }
    let objects = exporter.objects();
    let tenant = TenantDoc {
        name: at(source.name.clone()),
        domain: Some(at(source.domain.clone()))
            .filter(|d| !d.value.is_empty() && !source.self_account),
        id: Some(at(source.id.clone())),
        create: None,
        self_account: source.self_account.then_some(true),
        baselines: Vec::new(),
        prune: Vec::new(),
        // The own account has no MSP record.
        msp_access: source
            .msp_access
            .as_ref()
            .filter(|_| !source.self_account)
            .map(|access| {
                access
                    .iter()
                    .map(|a| MspAccessDoc {
                        group: at(a.group.clone()),
                        role: at(a.role),
                    })
                    .collect()
            }),
        objects,
        span: NOWHERE,
    };
    Exported {
        document: Document {
            version: at(FORMAT_VERSION),
            baselines: NamedList::default(),
            tenants: vec![tenant],
        },
        warnings: exporter.warnings,
    }
}

/// The file text: the schema line editors read, a note, then the document as serde-saphyr
/// writes it. `schema` is a path relative to the file, or a URL.
pub(crate) fn to_yaml(document: &Document, schema: &str, note: &str) -> Result<String, String> {
    // Sequences indented under their key, as the examples and yamllint's default want.
    let options = serde_saphyr::ser_options! { compact_list_indent: false };
    let body =
        serde_saphyr::to_string_with_options(document, options).map_err(|e| e.to_string())?;
    let mut text = format!("# yaml-language-server: $schema={schema}\n");
    for line in note.lines() {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

impl Exporter<'_> {
    fn objects(&mut self) -> Objects {
        let tenant = &self.source.objects;
        let groups = self.groups();
        self.groups = groups.iter().map(|g| g.name.value.clone()).collect();
        let setup_keys = self.setup_keys();
        let mut networks = Vec::new();
        for network in tenant.networks.values() {
            if !self.withheld(Kind::Network, &network.name) {
                networks.push(self.network(network));
            }
        }
        let mut users = self.users();
        users.extend(self.service_users());
        let posture_checks = self.posture_checks();
        self.posture_checks = posture_checks
            .iter()
            .map(|c| c.name.value.clone())
            .collect();
        let mut policies = Vec::new();
        for policy in tenant.policies.values() {
            if !self.withheld(Kind::Policy, &policy.name)
                && let Some(doc) = self.policy(policy)
            {
                policies.push(doc);
            }
        }
        let routes = self.routes();
        let dns = DnsDoc {
            nameservers: self.nameserver_groups(),
            settings: self.dns_settings(),
            zones: self.dns_zones(),
        };
        Objects {
            groups,
            setup_keys,
            networks,
            users,
            posture_checks,
            policies,
            routes,
            dns,
            settings: self.account_settings(),
            peers: self.peers(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::{ExportSource, Withheld, export, to_yaml};
    use crate::desired::load_contents;
    use crate::kinds::posture_check::MinVersion;
    use crate::kinds::{
        Action, Address, Checks, Destination, ExpiresIn, Group, Kind, Network, Policy, PortRange,
        PostureCheck, Protocol, Resource, ResourceRef, Role, Router, RouterTarget, Rule,
        RuleResource, ServiceUser, SetupKey, SetupKeyType, Tenant, User,
    };

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn group(tenant: &mut Tenant, name: &str) {
        tenant.groups.insert(
            name.to_owned(),
            Group {
                name: name.to_owned(),
                peers: None,
            },
        );
    }

    fn rule(sources: &[&str], destination: Destination) -> Rule {
        Rule {
            name: Some("web".into()),
            description: Some(String::new()),
            enabled: Some(true),
            action: Action::Accept,
            protocol: Protocol::Tcp,
            bidirectional: Some(false),
            ports: [
                PortRange::single(443),
                PortRange {
                    start: 8000,
                    end: 8100,
                },
            ]
            .into(),
            sources: set(sources),
            source_resource: None,
            destination,
            authorized_groups: std::collections::BTreeMap::new(),
        }
    }

    /// A tenant as a live snapshot has it: every field filled, odd names included.
    fn live() -> Tenant {
        let mut tenant = Tenant::default();
        for name in ["All", "devs", "servers", "yes", "123", "ops: night"] {
            group(&mut tenant, name);
        }
        tenant.setup_keys.insert(
            "office".into(),
            SetupKey {
                name: "office".into(),
                key_type: SetupKeyType::Reusable,
                expires_in: None,
                usage_limit: Some(5),
                ephemeral: Some(false),
                allow_extra_dns_labels: Some(false),
                auto_groups: Some(set(&["devs", "yes"])),
                revoked: Some(false),
            },
        );
        tenant.setup_keys.insert(
            "once".into(),
            SetupKey {
                name: "once".into(),
                key_type: SetupKeyType::OneOff,
                expires_in: None,
                usage_limit: Some(1),
                ephemeral: Some(true),
                allow_extra_dns_labels: Some(true),
                auto_groups: Some(BTreeSet::new()),
                revoked: Some(true),
            },
        );
        let resource = Resource {
            name: "lan".into(),
            description: Some("the office LAN".into()),
            address: "10.10.0.0/24".parse().unwrap(),
            enabled: Some(true),
            groups: Some(set(&["servers", "All"])),
        };
        let target = RouterTarget::PeerGroups(set(&["servers"]));
        tenant.networks.insert(
            "office".into(),
            Network {
                name: "office".into(),
                description: Some(String::new()),
                resources: [("lan".to_owned(), resource)].into(),
                routers: [(
                    target.clone(),
                    Router {
                        target,
                        masquerade: Some(true),
                        metric: Some(9999),
                        enabled: Some(false),
                    },
                )]
                .into(),
            },
        );
        tenant.users.insert(
            "alice@acme.example".into(),
            User {
                email: "Alice@Acme.example".into(),
                name: Some("Alice".into()),
                role: Some(Role::Admin),
                auto_groups: Some(set(&["devs"])),
                blocked: Some(false),
            },
        );
        tenant.service_users.insert(
            "ci".into(),
            ServiceUser {
                name: "ci".into(),
                role: Some(Role::User),
                auto_groups: Some(BTreeSet::new()),
                token: None,
            },
        );
        tenant.policies.insert(
            "web".into(),
            Policy {
                name: "web".into(),
                description: Some("web access".into()),
                enabled: Some(true),
                source_posture_checks: Some(set(&["recent client"])),
                rules: vec![rule(
                    &["devs", "123"],
                    Destination::Groups(set(&["servers"])),
                )],
            },
        );
        tenant.posture_checks.insert(
            "recent client".into(),
            PostureCheck {
                name: "recent client".into(),
                description: Some(String::new()),
                checks: Checks {
                    nb_version_check: Some(MinVersion {
                        min_version: "0.28.0".into(),
                    }),
                    ..Checks::default()
                },
            },
        );
        let mut to_lan = rule(
            &["ops: night"],
            Destination::Resource(RuleResource::Network(ResourceRef {
                network: "office".into(),
                resource: "lan".into(),
            })),
        );
        to_lan.name = Some("reach the LAN".into());
        to_lan.action = Action::Drop;
        to_lan.protocol = Protocol::All;
        to_lan.ports = BTreeSet::new();
        tenant.policies.insert(
            "lan".into(),
            Policy {
                name: "lan".into(),
                description: Some(String::new()),
                enabled: Some(false),
                source_posture_checks: Some(BTreeSet::new()),
                rules: vec![to_lan],
            },
        );
        tenant
    }

    fn source(objects: Tenant) -> ExportSource {
        ExportSource {
            name: "Acme Corp".into(),
            id: "d0abc".into(),
            domain: "acme.example".into(),
            objects,
            withheld: [((Kind::Group, "All".to_owned()), Withheld::Protected)].into(),
            never_expiring_keys: set(&["office"]),
            self_account: false,
            msp_access: Some(vec![crate::kinds::MspAccess {
                group: "northwind-support".into(),
                role: Role::Admin,
            }]),
            msp_access_left_out: None,
        }
    }

    /// Export, write YAML, load it back: the resolved tenant.
    fn round_trip(source: &ExportSource) -> (Tenant, Vec<String>, String) {
        let exported = export(source);
        let text = to_yaml(&exported.document, "birdhouse.schema.json", "a note").unwrap();
        let loaded = load_contents([(PathBuf::from("acme.yaml"), text.clone().into_bytes())]);
        let state = loaded
            .state
            .unwrap_or_else(|d| panic!("exported file does not load: {d:?}\n{text}"));
        assert_eq!(state.tenants.len(), 1);
        let tenant = &state.tenants[0];
        assert_eq!(tenant.name, "Acme Corp");
        assert_eq!(tenant.target.id.as_deref(), Some("d0abc"));
        assert_eq!(tenant.target.domain.as_deref(), Some("acme.example"));
        (tenant.objects.clone(), exported.warnings, text)
    }

    #[test]
    fn exported_then_resolved_gives_back_the_same_objects() {
        let live = live();
        let (back, warnings, text) = round_trip(&source(live.clone()));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(text.starts_with("# yaml-language-server: $schema=birdhouse.schema.json\n"));
        assert!(text.contains("\nversion: 1\n"), "{text}");

        // What comes back is the live tenant, less what is left out on purpose.
        let mut expected = live;
        expected.groups.remove("All");
        // Fields at their create default are left out, as a person would.
        let office = expected.setup_keys.get_mut("office").unwrap();
        office.expires_in = Some(ExpiresIn::Never);
        office.allow_extra_dns_labels = None;
        office.revoked = None;
        office.ephemeral = None;
        let once = expected.setup_keys.get_mut("once").unwrap();
        once.usage_limit = None;
        once.auto_groups = None;
        let network = expected.networks.get_mut("office").unwrap();
        network.description = None;
        network.resources.get_mut("lan").unwrap().enabled = None;
        for router in network.routers.values_mut() {
            router.masquerade = None;
            router.metric = None;
        }
        let user = expected.users.get_mut("alice@acme.example").unwrap();
        user.blocked = None;
        expected.service_users.get_mut("ci").unwrap().auto_groups = None;
        let web = expected.policies.get_mut("web").unwrap();
        web.enabled = None;
        web.rules[0].name = None;
        web.rules[0].description = None;
        web.rules[0].enabled = None;
        web.rules[0].bidirectional = None;
        let lan = expected.policies.get_mut("lan").unwrap();
        lan.description = None;
        lan.rules[0].description = None;
        lan.rules[0].enabled = None;
        lan.rules[0].bidirectional = None;
        lan.source_posture_checks = None;
        expected
            .posture_checks
            .get_mut("recent client")
            .unwrap()
            .description = None;
        assert_eq!(back, expected);
    }

    #[test]
    fn protected_and_ambiguous_objects_are_left_out_with_warnings_for_the_ambiguous() {
        let mut live = live();
        group(&mut live, "jwt-admins");
        let mut source = source(live);
        source.withheld.extend([
            ((Kind::Group, "jwt-admins".to_owned()), Withheld::Protected),
            (
                (Kind::User, "alice@acme.example".to_owned()),
                Withheld::Protected,
            ),
            ((Kind::Policy, "twins".to_owned()), Withheld::Ambiguous),
        ]);
        let (back, warnings, _) = round_trip(&source);
        assert!(!back.groups.contains_key("jwt-admins") && !back.groups.contains_key("All"));
        assert!(back.users.is_empty());
        assert_eq!(
            warnings,
            [
                "policy \"twins\" left out: more than one live policy has that name; rename the \
              extras so a file can name one"
            ]
        );
    }

    #[test]
    fn references_to_groups_the_file_lacks_drop_the_field_or_the_object() {
        let mut live = live();
        group(&mut live, "jwt-admins");
        let user = live.users.get_mut("alice@acme.example").unwrap();
        user.auto_groups = Some(set(&["devs", "jwt-admins"]));
        live.policies.get_mut("web").unwrap().rules[0].sources = set(&["jwt-admins"]);
        let mut source = source(live);
        source
            .withheld
            .insert((Kind::Group, "jwt-admins".to_owned()), Withheld::Protected);
        let (back, warnings, _) = round_trip(&source);
        assert_eq!(back.users["alice@acme.example"].auto_groups, None);
        assert!(!back.policies.contains_key("web"));
        assert_eq!(
            warnings,
            [
                "user \"Alice@Acme.example\": auto_groups left out (unmanaged): it names groups \
                 the file does not list (\"jwt-admins\")",
                "policy \"web\" left out: it names groups the file does not list (\"jwt-admins\")",
            ]
        );
    }

    #[test]
    fn policies_the_format_cannot_hold_are_left_out() {
        let mut live = live();
        let web = live.policies.get_mut("web").unwrap();
        web.rules.push(web.rules[0].clone());
        let mut source = source(live);
        source.withheld.insert(
            (Kind::Policy, "lan".to_owned()),
            Withheld::Inexpressible("posture checks".into()),
        );
        let (back, warnings, _) = round_trip(&source);
        assert!(back.policies.is_empty());
        assert_eq!(
            warnings,
            [
                "policy \"lan\" left out: posture checks, which the file format cannot express",
                "policy \"web\" left out: it has 2 rules, and a file keeps exactly one rule per \
                 policy (split it into several policies in the dashboard)",
            ]
        );
    }

    #[test]
    fn a_policy_to_a_resource_left_out_is_left_out_too() {
        let live = live();
        let mut source = source(live);
        source.withheld.insert(
            (Kind::NetworkResource, "lan".to_owned()),
            Withheld::Ambiguous,
        );
        let (back, warnings, _) = round_trip(&source);
        assert!(back.networks["office"].resources.is_empty());
        assert!(!back.policies.contains_key("lan"));
        assert!(
            warnings.iter().any(
                |w| w == "policy \"lan\" left out: its destination resource is not in the file"
            ),
            "{warnings:?}"
        );
    }

    #[test]
    fn no_field_can_carry_a_secret() {
        // The document types have no field for a setup key's plaintext or a token's secret;
        // a service user's token request is never exported.
        let mut live = live();
        live.service_users.get_mut("ci").unwrap().token = Some(crate::kinds::ServiceUserToken {
            name: "deploy".into(),
            expires_in_days: 30,
            rotate_before_days: None,
        });
        let (back, _, text) = round_trip(&source(live));
        assert_eq!(back.service_users["ci"].token, None);
        assert!(!text.contains("deploy"), "{text}");
    }

    #[test]
    fn addresses_and_ports_survive_the_text_form() {
        let (back, _, text) = round_trip(&source(live()));
        assert_eq!(
            back.networks["office"].resources["lan"].address,
            "10.10.0.0/24".parse::<Address>().unwrap()
        );
        assert_eq!(
            back.policies["web"].rules[0].ports,
            [
                PortRange::single(443),
                PortRange {
                    start: 8000,
                    end: 8100
                }
            ]
            .into()
        );
        assert!(text.contains("ports: [443]"), "{text}");
        assert!(
            text.contains("start: 8000"),
            "ranges as port_ranges: {text}"
        );
    }

    #[test]
    fn the_own_account_is_written_as_self_with_its_id_pinned() {
        let mut own = source(live());
        own.self_account = true;
        let exported = export(&own);
        let text = to_yaml(&exported.document, "s.json", "note").unwrap();
        assert!(text.contains("self: true"), "{text}");
        assert!(!text.contains("domain:"), "{text}");
        let loaded = load_contents([(PathBuf::from("own.yaml"), text.clone().into_bytes())]);
        let state = loaded
            .state
            .unwrap_or_else(|d| panic!("exported file does not load: {d:?}\n{text}"));
        let target = &state.tenants[0].target;
        assert!(target.self_account);
        assert_eq!(target.id.as_deref(), Some("d0abc"));
    }

    /// Every tenant of these documents, resolved from their YAML.
    fn resolved(documents: &[super::Document]) -> Vec<(String, Tenant)> {
        let files = documents.iter().enumerate().map(|(i, document)| {
            let text = to_yaml(document, "s.json", "note").unwrap();
            (PathBuf::from(format!("{i}.yaml")), text.into_bytes())
        });
        let loaded = load_contents(files);
        let state = loaded
            .state
            .unwrap_or_else(|d| panic!("the files do not load: {:?}", d.sorted()));
        state
            .tenants
            .into_iter()
            .map(|t| (t.name, t.objects))
            .collect()
    }

    #[test]
    fn what_tenants_share_moves_into_baselines_and_they_resolve_the_same() {
        let tenant = |name: &str, id: &str| {
            let mut source = source(live());
            source.name = name.into();
            source.id = id.into();
            source.domain = format!("{id}.example");
            source
        };
        let (a, mut b, mut c) = (tenant("A", "da"), tenant("B", "db"), tenant("C", "dc"));
        // C lacks a policy the others have; B has a group of its own.
        c.objects.policies.remove("web");
        group(&mut b.objects, "b-only");
        let documents = vec![
            export(&a).document,
            export(&b).document,
            export(&c).document,
        ];
        let before = resolved(&documents);

        let mut shared = documents.clone();
        let mut in_place: Vec<&mut super::Document> = shared.iter_mut().collect();
        let baselines = crate::desired::shared::share_baselines(&mut in_place);
        let names: Vec<&str> = baselines.0.iter().map(|(n, _)| n.value.as_str()).collect();
        assert_eq!(names, ["common", "shared-1"]);
        let (_, common) = &baselines.0[0];
        assert!(common.groups.iter().any(|g| g.name.value == "devs"));
        assert!(!common.groups.iter().any(|g| g.name.value == "b-only"));
        let (_, shared_1) = &baselines.0[1];
        let policies: Vec<&str> = shared_1
            .policies
            .iter()
            .map(|p| p.name.value.as_str())
            .collect();
        assert_eq!(
            policies,
            ["web"],
            "A and B share the web policy, C does not have it"
        );
        let b_doc = &shared[1].tenants[0];
        let b_baselines: Vec<&str> = b_doc.baselines.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(b_baselines, ["common", "shared-1"]);
        assert_eq!(
            b_doc
                .objects
                .groups
                .iter()
                .map(|g| g.name.value.as_str())
                .collect::<Vec<_>>(),
            ["b-only"]
        );

        let mut files = vec![crate::desired::shared::baselines_document(baselines)];
        files.extend(shared);
        assert_eq!(resolved(&files), before, "the same tenants, written once");
    }

    /// The export of the test tenant, checked in at tests/fixtures/exported.yaml so the lint
    /// step runs yamllint on what export writes (`BIRDHOUSE_UPDATE_FIXTURES=1` rewrites it).
    #[test]
    fn the_export_reads_like_a_hand_written_file_and_is_checked_in() {
        let exported = export(&source(live()));
        let text = to_yaml(
            &exported.document,
            "../../schema/birdhouse.schema.json",
            "Exported from NetBird by birdhouse.",
        )
        .unwrap();
        for written in [
            "auto_groups: [devs, \"yes\"]",
            "ports: [443]",
            "port_ranges:\n",
        ] {
            assert!(text.contains(written), "{written} in:\n{text}");
        }
        for left_out in [
            "ephemeral: false",
            "enabled: true",
            "bidirectional",
            "metric: 9999",
            ": []",
        ] {
            assert!(!text.contains(left_out), "{left_out} in:\n{text}");
        }
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exported.yaml");
        if std::env::var_os("BIRDHOUSE_UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            checked_in, text,
            "tests/fixtures/exported.yaml is stale: rerun with BIRDHOUSE_UPDATE_FIXTURES=1"
        );
    }
}
