//! Documents → [`DesiredState`]: baselines merged into tenants, names checked unique,
//! references checked to exist, everything converted to the model. Pure; every problem becomes
//! a located diagnostic and all of them are reported together.

use crate::kinds::kit::named::NamedList;
use std::collections::{BTreeMap, BTreeSet};

use crate::desired::document::{
    Document, GroupDoc, NameserverGroupDoc, NetworkDoc, Objects, PeerDoc, PolicyDoc,
    PostureCheckDoc, RegularUserDoc, RouteDoc, ServiceUserDoc, SettingsDoc, SetupKeyDoc, TenantDoc,
    UserDoc, ZoneDoc,
};
use crate::desired::{DesiredState, DesiredTenant, TenantTarget};
use crate::diag::{Diagnostic, Diagnostics, FileId, Located, Span, did_you_mean_hint};
use crate::kinds::policy::document::{PortRangeDoc, ResourceRefDoc};
use crate::kinds::{
    ACCOUNT_SETTINGS, ALL_GROUP, AccountSettings, Action, DNS_SETTINGS, Destination, DnsRecord,
    DnsSettings, DnsZone, Group, LOCK_GROUP_PREFIX, MspAccess, NameserverGroup, Network, Peer,
    Policy, PostureCheck, Resource, ResourceRef, Role, Route, RouteDestination, Router,
    RouterTarget, Rule, RuleResource, ServiceUser, ServiceUserToken, SetupKey, Tenant, User,
    is_lock_group,
};

/// Resolves every document of a run into desired state, or every problem found.
pub(crate) fn resolve(
    documents: Vec<(FileId, Document)>,
    diagnostics: &mut Diagnostics,
) -> DesiredState {
    // The baselines stay for every tenant; each tenant's document is dropped once resolved,
    // so the decoded files and the desired state they become are not all in memory at once.
    let mut baseline_docs = Vec::with_capacity(documents.len());
    let mut tenant_docs = Vec::with_capacity(documents.len());
    for (file, document) in documents {
        baseline_docs.push((file, document.baselines));
        tenant_docs.push((file, document.tenants));
    }
    let baselines = collect_baselines(&baseline_docs, diagnostics);
    let mut tenants = Vec::new();
    let mut seen_names: BTreeMap<String, Span> = BTreeMap::new();
    let mut seen_ids: BTreeMap<String, Span> = BTreeMap::new();
    let mut seen_domains: BTreeMap<String, Span> = BTreeMap::new();
    for (file, docs) in tenant_docs {
        for (index, doc) in docs.into_iter().enumerate() {
            let path = format!("tenants[{index}]");
            let unique = [
                (Some(&doc.name), &mut seen_names, "name", "tenant"),
                (doc.id.as_ref(), &mut seen_ids, "id", "tenant id"),
                (
                    doc.domain.as_ref(),
                    &mut seen_domains,
                    "domain",
                    "tenant domain",
                ),
            ];
            let mut duplicate = false;
            for (value, seen, field, what) in unique {
                let Some(value) = value else { continue };
                let key = if field == "name" {
                    value.value.clone()
                } else {
                    value.value.to_ascii_lowercase()
                };
                if let Some(first) = seen.get(&key) {
                    diagnostics.push(
                        Diagnostic::at(
                            value.span,
                            format!("{path}.{field}"),
                            format!("duplicate {what} {:?}", value.value),
                        )
                        .expected(format!("each {what} defined once across all files"))
                        .related(*first, "first defined here"),
                    );
                    duplicate = true;
                } else {
                    seen.insert(key, value.span);
                }
            }
            if duplicate {
                continue;
            }
            if let Some(tenant) = resolve_tenant(file, &path, &doc, &baselines, diagnostics) {
                tenants.push(tenant);
            }
        }
    }
    DesiredState { tenants }
}

struct BaselineEntry<'a> {
    file: FileId,
    objects: &'a Objects,
}

fn collect_baselines<'a>(
    documents: &'a [(FileId, NamedList<Objects>)],
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, (Span, BaselineEntry<'a>)> {
    let mut baselines: BTreeMap<String, (Span, BaselineEntry<'a>)> = BTreeMap::new();
    for (file, named) in documents {
        for (name, objects) in &named.0 {
            if let Some((first, _)) = baselines.get(&name.value) {
                diagnostics.push(
                    Diagnostic::at(
                        name.span,
                        "baselines",
                        format!("duplicate baseline {:?}", name.value),
                    )
                    .expected("each baseline defined once across all files")
                    .related(*first, "first defined here"),
                );
                continue;
            }
            baselines.insert(
                name.value.clone(),
                (
                    name.span,
                    BaselineEntry {
                        file: *file,
                        objects,
                    },
                ),
            );
        }
    }
    baselines
}

fn resolve_tenant(
    file: FileId,
    path: &str,
    doc: &TenantDoc,
    baselines: &BTreeMap<String, (Span, BaselineEntry<'_>)>,
    diagnostics: &mut Diagnostics,
) -> Option<DesiredTenant> {
    let before = diagnostics.len();
    let target = target(path, doc, diagnostics);
    let mut files = BTreeSet::from([file]);
    let mut layers: Vec<&Objects> = Vec::new();
    for (index, name) in doc.baselines.iter().enumerate() {
        if let Some((_, entry)) = baselines.get(&name.value) {
            files.insert(entry.file);
            layers.push(entry.objects);
            continue;
        }
        {
            {
                let hint = did_you_mean_hint(&name.value, baselines.keys().map(String::as_str));
                diagnostics.push(
                    Diagnostic::at(
                        name.span,
                        format!("{path}.baselines[{index}]"),
                        format!("unknown baseline {:?}{hint}", name.value),
                    )
                    .expected("a baseline defined under `baselines:` in any file"),
                );
            }
        }
    }
    layers.push(&doc.objects);
    let objects = Merger {
        diagnostics,
        tenant: &doc.name.value,
    }
    .merge(&layers);
    let prune = doc.prune.iter().map(|kind| kind.value.0).collect();
    let msp_access = msp_access(path, doc, diagnostics);
    if diagnostics.len() > before {
        return None;
    }
    Some(DesiredTenant {
        name: doc.name.value.clone(),
        target: target?,
        create: doc.create.unwrap_or(false),
        prune,
        baselines: doc.baselines.iter().map(|b| b.value.clone()).collect(),
        msp_access,
        objects,
        files,
        span: doc.span,
    })
}

/// Who may enter the tenant from the MSP's side: each group once, and only for an MSP tenant
/// (the token's own account has no MSP record). The groups are the MSP's own, checked against
/// its group list when the tenant is planned.
fn msp_access(
    path: &str,
    doc: &TenantDoc,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<MspAccess>> {
    let access = doc.msp_access.as_ref()?;
    if doc.self_account == Some(true) {
        let span = access.first().map_or(doc.span, |a| a.group.span);
        diagnostics.push(
            Diagnostic::at(
                span,
                format!("{path}.msp_access"),
                "msp_access on the token's own account",
            )
            .expected("msp_access only on MSP tenants (the own account has no MSP record)"),
        );
        return None;
    }
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for (index, entry) in access.iter().enumerate() {
        if let Some(first) = seen.insert(&entry.group.value, entry.group.span) {
            diagnostics.push(
                Diagnostic::at(
                    entry.group.span,
                    format!("{path}.msp_access[{index}].group"),
                    format!("group {:?} is listed twice", entry.group.value),
                )
                .expected("each MSP group once, with one role")
                .related(first, "first listed here"),
            );
        }
    }
    let mut access: Vec<MspAccess> = access
        .iter()
        .map(|a| MspAccess {
            group: a.group.value.clone(),
            role: a.role.value,
        })
        .collect();
    access.sort();
    Some(access)
}

fn target(path: &str, doc: &TenantDoc, diagnostics: &mut Diagnostics) -> Option<TenantTarget> {
    let self_account = doc.self_account.unwrap_or(false);
    let create = doc.create.unwrap_or(false);
    let problem = if self_account && doc.domain.is_some() {
        Some((
            "`self: true` manages the token's own account, which has no MSP `domain`",
            "either `self: true` (with an optional `id`) or `id`/`domain`",
        ))
    } else if self_account && create {
        Some((
            "`self: true` cannot be combined with `create: true`",
            "`create` only for MSP tenants",
        ))
    } else if !self_account && doc.id.is_none() && doc.domain.is_none() {
        Some((
            "the tenant has neither `id`, `domain` nor `self`",
            "`id` or `domain` to find the MSP tenant, or `self: true`",
        ))
    } else if create && doc.domain.is_none() {
        Some((
            "`create: true` needs the new tenant's `domain`",
            "a `domain` field",
        ))
    } else {
        None
    };
    if let Some((message, expected)) = problem {
        diagnostics.push(Diagnostic::at(doc.span, path, message).expected(expected));
        return None;
    }
    Some(target_of(doc))
}

/// The account an entry names, as written (checked by [`target`]).
pub(super) fn target_of(doc: &TenantDoc) -> TenantTarget {
    TenantTarget {
        id: doc.id.as_ref().map(|id| id.value.clone()),
        domain: doc.domain.as_ref().map(|d| d.value.to_ascii_lowercase()),
        self_account: doc.self_account.unwrap_or(false),
    }
}

/// One object chosen by the merge, with the path of the entry it came from.
struct Chosen<'a, T> {
    doc: &'a T,
    path: String,
}

struct Merger<'d, 't> {
    diagnostics: &'d mut Diagnostics,
    tenant: &'t str,
}

impl Merger<'_, '_> {
    /// Merges the layers (baselines in order, then the tenant) and converts to the model.
    fn merge(&mut self, layers: &[&Objects]) -> Tenant {
        let groups = self.layered(
            layers,
            "groups",
            |o| &o.groups,
            |g: &GroupDoc| (&g.name, &g.path),
        );
        let setup_keys = self.layered(
            layers,
            "setup_keys",
            |o| &o.setup_keys,
            |k: &SetupKeyDoc| (&k.name, &k.path),
        );
        let networks = self.layered(
            layers,
            "networks",
            |o| &o.networks,
            |n: &NetworkDoc| (&n.name, &n.path),
        );
        let posture_checks = self.layered(
            layers,
            "posture_checks",
            |o| &o.posture_checks,
            |c: &PostureCheckDoc| (&c.name, &c.path),
        );
        let policies = self.layered(
            layers,
            "policies",
            |o| &o.policies,
            |p: &PolicyDoc| (&p.name, &p.path),
        );
        let routes = self.layered(
            layers,
            "routes",
            |o| &o.routes,
            |r: &RouteDoc| (&r.network_id, &r.path),
        );
        let nameserver_groups = self.layered(
            layers,
            "nameservers",
            |o| &o.dns.nameservers,
            |g: &NameserverGroupDoc| (&g.name, &g.path),
        );
        let dns_settings = layers.iter().rev().find_map(|o| o.dns.settings.as_ref());
        let dns_zones = self.layered(
            layers,
            "zones",
            |o| &o.dns.zones,
            |z: &ZoneDoc| (&z.domain, &z.path),
        );
        let peers = self.layered(
            layers,
            "peers",
            |o| &o.peers,
            |p: &PeerDoc| (&p.name, &p.path),
        );
        let users = self.layered_users(layers);
        let services = self.layered_services(layers);

        let mut tenant = Tenant {
            groups: self.groups(&groups),
            ..Tenant::default()
        };
        let group_names: BTreeSet<&str> = tenant.groups.keys().map(String::as_str).collect();
        let refs = References {
            groups: &group_names,
            tenant: self.tenant,
        };
        for (name, chosen) in &setup_keys {
            let key = self.setup_key(&refs, name, chosen);
            tenant.setup_keys.insert(name.clone(), key);
        }
        let mut resource_names: BTreeMap<String, Span> = BTreeMap::new();
        for (name, chosen) in &networks {
            let network = self.network(&refs, chosen, &mut resource_names);
            tenant.networks.insert(name.clone(), network);
        }
        for (key, chosen) in &users {
            let user = self.user(&refs, chosen);
            tenant.users.insert(key.clone(), user);
        }
        for (name, chosen) in &services {
            let user = self.service_user(&refs, name, chosen);
            tenant.service_users.insert(name.clone(), user);
        }
        for (name, chosen) in &posture_checks {
            let doc = chosen.doc;
            tenant.posture_checks.insert(
                name.clone(),
                PostureCheck {
                    name: name.clone(),
                    description: doc.description.clone(),
                    checks: doc.checks.clone(),
                },
            );
        }
        for (name, chosen) in &policies {
            let policy = self.policy(&refs, &tenant.networks, chosen);
            let checks = self.posture_check_refs(&tenant.posture_checks, chosen);
            let policy = Policy {
                source_posture_checks: checks,
                ..policy
            };
            tenant.policies.insert(name.clone(), policy);
        }
        for (network_id, chosen) in &routes {
            if let Some(route) = self.route(&refs, chosen) {
                tenant.routes.insert(network_id.clone(), route);
            }
        }
        for (name, chosen) in &nameserver_groups {
            let group = self.nameserver_group(&refs, chosen);
            tenant.nameserver_groups.insert(name.clone(), group);
        }
        let settings: Vec<&SettingsDoc> =
            layers.iter().filter_map(|o| o.settings.as_ref()).collect();
        if !settings.is_empty() {
            let merged = self.account_settings(&refs, &settings);
            tenant
                .account_settings
                .insert(ACCOUNT_SETTINGS.to_owned(), merged);
        }
        for (name, chosen) in &peers {
            let doc = chosen.doc;
            tenant.peers.insert(
                name.clone(),
                Peer {
                    name: name.clone(),
                    ssh_enabled: doc.ssh_enabled,
                    login_expiration_enabled: doc.login_expiration_enabled,
                    inactivity_expiration_enabled: doc.inactivity_expiration_enabled,
                    approval_required: doc.approval_required,
                },
            );
        }
        for (domain, chosen) in &dns_zones {
            let zone = self.dns_zone(&refs, chosen);
            tenant.dns_zones.insert(domain.clone(), zone);
        }
        if let Some(doc) = dns_settings {
            let disabled_management_groups =
                doc.disabled_management_groups.as_ref().map(|groups| {
                    refs.groups(
                        self.diagnostics,
                        groups,
                        &format!("{}.disabled_management_groups", doc.path),
                        true,
                    )
                });
            tenant.dns_settings.insert(
                DNS_SETTINGS.to_owned(),
                DnsSettings {
                    disabled_management_groups,
                },
            );
        }
        tenant
    }

    /// The account settings of every layer that has them, merged field by field (a later
    /// layer's field wins), the traffic-log groups checked against the tenant's.
    fn account_settings(
        &mut self,
        refs: &References<'_>,
        layers: &[&SettingsDoc],
    ) -> AccountSettings {
        let mut merged = AccountSettings::default();
        for doc in layers {
            let extra = doc.extra.clone().unwrap_or_default();
            let groups = extra.network_traffic_logs_groups.as_ref().map(|groups| {
                refs.groups(
                    self.diagnostics,
                    groups,
                    &format!("{}.extra.network_traffic_logs_groups", doc.path),
                    true,
                )
            });
            let layer = AccountSettings {
                peer_login_expiration_enabled: doc.peer_login_expiration_enabled,
                peer_login_expiration: doc.peer_login_expiration,
                peer_inactivity_expiration_enabled: doc.peer_inactivity_expiration_enabled,
                peer_inactivity_expiration: doc.peer_inactivity_expiration,
                groups_propagation_enabled: doc.groups_propagation_enabled,
                regular_users_view_blocked: doc.regular_users_view_blocked,
                routing_peer_dns_resolution_enabled: doc.routing_peer_dns_resolution_enabled,
                dns_domain: doc.dns_domain.clone(),
                lazy_connection_enabled: doc.lazy_connection_enabled,
                peer_approval_enabled: extra.peer_approval_enabled,
                user_approval_required: extra.user_approval_required,
                network_traffic_logs_enabled: extra.network_traffic_logs_enabled,
                network_traffic_logs_groups: groups,
                network_traffic_packet_counter_enabled: extra
                    .network_traffic_packet_counter_enabled,
            };
            merged = layer.over(&merged);
        }
        merged
    }

    /// A zone with its groups checked against the tenant's, and its records by key.
    fn dns_zone(&mut self, refs: &References<'_>, chosen: &Chosen<'_, ZoneDoc>) -> DnsZone {
        let doc = chosen.doc;
        let distribution_groups = refs.groups(
            self.diagnostics,
            &doc.distribution_groups,
            &format!("{}.distribution_groups", chosen.path),
            true,
        );
        let records = doc
            .records
            .iter()
            .map(|r| DnsRecord {
                name: r.name.value.clone(),
                record_type: r.record_type.value,
                content: r.content.value.clone(),
                ttl: r.ttl,
            })
            .map(|r| (r.key(), r))
            .collect();
        DnsZone {
            domain: doc.domain.value.clone(),
            name: doc.name.value.clone(),
            enabled: doc.enabled,
            enable_search_domain: doc.enable_search_domain,
            distribution_groups,
            records,
        }
    }

    /// A nameserver group with its groups checked against the tenant's.
    fn nameserver_group(
        &mut self,
        refs: &References<'_>,
        chosen: &Chosen<'_, NameserverGroupDoc>,
    ) -> NameserverGroup {
        let doc = chosen.doc;
        let groups = refs.groups(
            self.diagnostics,
            &doc.groups,
            &format!("{}.groups", chosen.path),
            true,
        );
        NameserverGroup {
            name: doc.name.value.clone(),
            description: doc.description.clone(),
            nameservers: doc.nameservers.clone(),
            groups,
            domains: doc
                .domains
                .iter()
                .flatten()
                .map(|d| d.value.clone())
                .collect(),
            search_domains_enabled: doc.search_domains_enabled,
            enabled: doc.enabled,
        }
    }

    /// A route with its groups checked against the tenant's; the peer stays a name, resolved
    /// against the live peers when the tenant is planned.
    fn route(&mut self, refs: &References<'_>, chosen: &Chosen<'_, RouteDoc>) -> Option<Route> {
        let doc = chosen.doc;
        let path = &chosen.path;
        let groups = refs.groups(
            self.diagnostics,
            &doc.groups,
            &format!("{path}.groups"),
            true,
        );
        let access_control_groups = doc.access_control_groups.as_ref().map(|groups| {
            refs.groups(
                self.diagnostics,
                groups,
                &format!("{path}.access_control_groups"),
                true,
            )
        });
        let peer_groups = doc.peer_groups.as_ref().map(|groups| {
            refs.groups(
                self.diagnostics,
                groups,
                &format!("{path}.peer_groups"),
                true,
            )
        });
        // Both or neither of each pair was reported while decoding.
        let destination = match (&doc.network, &doc.domains) {
            (Some(network), None) => RouteDestination::Network(network.value.clone()),
            (None, Some(domains)) => {
                RouteDestination::Domains(domains.iter().map(|d| d.value.clone()).collect())
            }
            _ => return None,
        };
        let via = match (&doc.peer, peer_groups) {
            (Some(peer), None) => RouterTarget::Peer(peer.value.clone()),
            (None, Some(groups)) => RouterTarget::PeerGroups(groups),
            _ => return None,
        };
        Some(Route {
            network_id: doc.network_id.value.clone(),
            description: doc.description.clone(),
            destination,
            via,
            groups,
            access_control_groups,
            metric: doc.metric,
            masquerade: doc.masquerade,
            enabled: doc.enabled,
            keep_route: doc.keep_route,
            skip_auto_apply: doc.skip_auto_apply,
        })
    }

    /// The groups, without the built-in `All` and the names reserved for the tenant lock (both
    /// reported).
    fn groups(
        &mut self,
        groups: &BTreeMap<String, Chosen<'_, GroupDoc>>,
    ) -> BTreeMap<String, Group> {
        let mut kept = BTreeMap::new();
        for (name, chosen) in groups {
            let refused = if name == ALL_GROUP {
                "the \"All\" group is built in and cannot be managed".to_owned()
            } else if is_lock_group(name) {
                format!(
                    "group names beginning with {LOCK_GROUP_PREFIX:?} are reserved for apply's \
                     tenant lock"
                )
            } else {
                let peers = chosen
                    .doc
                    .peers
                    .as_ref()
                    .map(|peers| peers.iter().map(|p| p.value.clone()).collect());
                kept.insert(
                    name.clone(),
                    Group {
                        name: name.clone(),
                        peers,
                    },
                );
                continue;
            };
            self.diagnostics.push(
                Diagnostic::at(
                    chosen.doc.name.span,
                    format!("{}.name", chosen.path),
                    refused,
                )
                .expected("another group name"),
            );
        }
        kept
    }

    /// The groups an object's `auto_groups` names, checked against the tenant's groups.
    fn auto_groups(
        &mut self,
        refs: &References<'_>,
        groups: Option<&Vec<Located<String>>>,
        path: &str,
    ) -> Option<BTreeSet<String>> {
        groups.map(|groups| {
            refs.groups(
                self.diagnostics,
                groups,
                &format!("{path}.auto_groups"),
                false,
            )
        })
    }

    fn setup_key(
        &mut self,
        refs: &References<'_>,
        name: &str,
        chosen: &Chosen<'_, SetupKeyDoc>,
    ) -> SetupKey {
        let doc = chosen.doc;
        SetupKey {
            name: name.to_owned(),
            key_type: doc.key_type.value,
            expires_in: doc.expires_in.as_ref().map(|e| e.value),
            usage_limit: doc.usage_limit,
            ephemeral: doc.ephemeral,
            allow_extra_dns_labels: doc.allow_extra_dns_labels,
            auto_groups: self.auto_groups(refs, doc.auto_groups.as_ref(), &chosen.path),
            revoked: doc.revoked,
        }
    }

    fn user(&mut self, refs: &References<'_>, chosen: &Chosen<'_, RegularUserDoc>) -> User {
        let doc = chosen.doc;
        User {
            email: doc.email.value.clone(),
            name: doc.name.clone(),
            role: doc.role.as_ref().map(|r| r.value),
            auto_groups: self.auto_groups(refs, doc.auto_groups.as_ref(), &chosen.path),
            blocked: doc.blocked,
        }
    }

    /// A service user; the owner role is refused (a service user cannot own the account).
    fn service_user(
        &mut self,
        refs: &References<'_>,
        name: &str,
        chosen: &Chosen<'_, ServiceUserDoc>,
    ) -> ServiceUser {
        let doc = chosen.doc;
        if let Some(role) = doc.role.as_ref().filter(|r| r.value == Role::Owner) {
            self.diagnostics.push(
                Diagnostic::at(
                    role.span,
                    format!("{}.role", chosen.path),
                    "a service user cannot be the owner",
                )
                .expected("admin, user, network_admin, billing_admin or auditor"),
            );
        }
        ServiceUser {
            name: name.to_owned(),
            role: doc.role.as_ref().map(|r| r.value),
            auto_groups: self.auto_groups(refs, doc.auto_groups.as_ref(), &chosen.path),
            // The decoder drops a token without a lifetime.
            token: doc.token.as_ref().and_then(|t| {
                Some(ServiceUserToken {
                    name: t.name.clone(),
                    expires_in_days: t.days()?,
                    rotate_before_days: t.rotate_before_days(),
                })
            }),
        }
    }

    fn network(
        &mut self,
        refs: &References<'_>,
        chosen: &Chosen<'_, NetworkDoc>,
        resource_names: &mut BTreeMap<String, Span>,
    ) -> Network {
        let doc = chosen.doc;
        let mut network = Network {
            name: doc.name.value.clone(),
            description: doc.description.clone(),
            resources: BTreeMap::new(),
            routers: BTreeMap::new(),
        };
        for resource in &doc.resources {
            let path = &resource.path;
            let name = &resource.name;
            if let Some(first) = resource_names.get(&name.value) {
                self.diagnostics.push(
                    Diagnostic::at(
                        name.span,
                        format!("{path}.name"),
                        format!(
                            "duplicate network resource {:?} in tenant {:?}",
                            name.value, self.tenant
                        ),
                    )
                    .expected("resource names unique across all networks of a tenant")
                    .related(*first, "first defined here"),
                );
                continue;
            }
            resource_names.insert(name.value.clone(), name.span);
            let groups = resource.groups.as_ref().map(|groups| {
                refs.groups(self.diagnostics, groups, &format!("{path}.groups"), true)
            });
            network.resources.insert(
                name.value.clone(),
                Resource {
                    name: name.value.clone(),
                    description: resource.description.clone(),
                    address: resource.address.value.clone(),
                    enabled: resource.enabled,
                    groups,
                },
            );
        }
        let mut router_spans: BTreeMap<RouterTarget, Span> = BTreeMap::new();
        for router in &doc.routers {
            let path = &router.path;
            let target = match (&router.peer, &router.peer_groups) {
                (Some(peer), None) => RouterTarget::Peer(peer.value.clone()),
                (None, Some(groups)) => RouterTarget::PeerGroups(refs.groups(
                    self.diagnostics,
                    groups,
                    &format!("{path}.peer_groups"),
                    true,
                )),
                // Both or neither was reported while decoding.
                _ => continue,
            };
            if let Some(first) = router_spans.get(&target) {
                self.diagnostics.push(
                    Diagnostic::at(
                        router.span,
                        path,
                        format!("duplicate router ({target}) in network {:?}", network.name),
                    )
                    .expected("one router per peer or set of peer groups")
                    .related(*first, "first defined here"),
                );
                continue;
            }
            router_spans.insert(target.clone(), router.span);
            network.routers.insert(
                target.clone(),
                Router {
                    target,
                    masquerade: router.masquerade,
                    metric: router.metric,
                    enabled: router.enabled,
                },
            );
        }
        network
    }

    fn policy(
        &mut self,
        refs: &References<'_>,
        networks: &BTreeMap<String, Network>,
        chosen: &Chosen<'_, PolicyDoc>,
    ) -> Policy {
        let doc = chosen.doc;
        let rules = doc
            .rules
            .iter()
            .map(|rule| {
                let path = &rule.path;
                let sources = rule.sources.as_ref().map_or_else(BTreeSet::new, |groups| {
                    refs.groups(self.diagnostics, groups, &format!("{path}.sources"), true)
                });
                let source_resource = rule.source_resource.as_ref().and_then(|target| {
                    self.rule_resource(networks, target, &format!("{path}.source_resource"))
                });
                let destination = match (&rule.destinations, &rule.destination_resource) {
                    (_, Some(target)) => self
                        .rule_resource(networks, target, &format!("{path}.destination_resource"))
                        .map_or_else(
                            || Destination::Groups(BTreeSet::new()),
                            Destination::Resource,
                        ),
                    (Some(groups), None) => Destination::Groups(refs.groups(
                        self.diagnostics,
                        groups,
                        &format!("{path}.destinations"),
                        true,
                    )),
                    (None, None) => Destination::Groups(BTreeSet::new()),
                };
                let authorized_groups = rule
                    .authorized_groups
                    .iter()
                    .flat_map(|groups| &groups.0)
                    .filter_map(|(group, users)| {
                        let at = format!("{path}.authorized_groups.{}", group.value);
                        let group = refs.group(self.diagnostics, group, &at, true)?;
                        Some((group, users.iter().map(|u| u.value.clone()).collect()))
                    })
                    .collect();
                Rule {
                    name: rule.name.clone(),
                    description: rule.description.clone(),
                    enabled: rule.enabled,
                    action: rule.action.as_ref().map_or(Action::Accept, |a| a.value),
                    protocol: rule.protocol.value,
                    bidirectional: rule.bidirectional,
                    ports: rule
                        .ports
                        .iter()
                        .flatten()
                        .map(|p| p.value)
                        .chain(rule.port_ranges.iter().flatten().map(PortRangeDoc::range))
                        .collect(),
                    sources,
                    source_resource,
                    destination,
                    authorized_groups,
                }
            })
            .collect();
        Policy {
            name: doc.name.value.clone(),
            description: doc.description.clone(),
            enabled: doc.enabled,
            source_posture_checks: None,
            rules,
        }
    }

    /// A rule's network resource (checked against the tenant's networks, with the closest
    /// name as a hint) or peer (checked against the live peers when the tenant is planned).
    fn rule_resource(
        &mut self,
        networks: &BTreeMap<String, Network>,
        target: &ResourceRefDoc,
        path: &str,
    ) -> Option<RuleResource> {
        if let Some(peer) = &target.peer {
            return Some(RuleResource::Peer(peer.value.clone()));
        }
        let (Some(network_name), Some(resource)) = (&target.network, &target.resource) else {
            // Reported while decoding.
            return None;
        };
        match networks.get(&network_name.value) {
            None => {
                let hint =
                    did_you_mean_hint(&network_name.value, networks.keys().map(String::as_str));
                self.diagnostics.push(
                    Diagnostic::at(
                        network_name.span,
                        format!("{path}.network"),
                        format!(
                            "unknown network {:?} in tenant {:?}{hint}",
                            network_name.value, self.tenant
                        ),
                    )
                    .expected("a network defined in this tenant or its baselines"),
                );
                None
            }
            Some(network) if !network.resources.contains_key(&resource.value) => {
                let hint = did_you_mean_hint(
                    &resource.value,
                    network.resources.keys().map(String::as_str),
                );
                self.diagnostics.push(
                    Diagnostic::at(
                        resource.span,
                        format!("{path}.resource"),
                        format!(
                            "unknown resource {:?} in network {:?}{hint}",
                            resource.value, network.name
                        ),
                    )
                    .expected("a resource of that network"),
                );
                None
            }
            Some(_) => Some(RuleResource::Network(ResourceRef {
                network: network_name.value.clone(),
                resource: resource.value.clone(),
            })),
        }
    }

    /// The posture checks a policy names, checked against the tenant's (with the closest name
    /// as a hint); `None` when the policy leaves them unmanaged.
    fn posture_check_refs(
        &mut self,
        checks: &BTreeMap<String, PostureCheck>,
        chosen: &Chosen<'_, PolicyDoc>,
    ) -> Option<BTreeSet<String>> {
        let names = chosen.doc.source_posture_checks.as_ref()?;
        let mut resolved = BTreeSet::new();
        for (index, name) in names.iter().enumerate() {
            if checks.contains_key(&name.value) {
                resolved.insert(name.value.clone());
                continue;
            }
            let hint = did_you_mean_hint(&name.value, checks.keys().map(String::as_str));
            self.diagnostics.push(
                Diagnostic::at(
                    name.span,
                    format!("{}.source_posture_checks[{index}]", chosen.path),
                    format!(
                        "unknown posture check {:?} in tenant {:?}{hint}",
                        name.value, self.tenant
                    ),
                )
                .expected(
                    "a posture check listed under `posture_checks` in this tenant or its baselines",
                ),
            );
        }
        Some(resolved)
    }

    /// Merges one kind across layers: later layers replace earlier entries of the same name;
    /// the same name twice within one layer is an error naming both places.
    fn layered<'a, T>(
        &mut self,
        layers: &[&'a Objects],
        field: &str,
        list: impl Fn(&'a Objects) -> &'a Vec<T>,
        key: impl Fn(&'a T) -> (&'a Located<String>, &'a String),
    ) -> BTreeMap<String, Chosen<'a, T>> {
        let mut merged = BTreeMap::new();
        for objects in layers {
            let entries = list(objects).iter().map(|doc| {
                let (name, path) = key(doc);
                (name.clone(), path.clone(), doc)
            });
            self.layer_into(&mut merged, entries, field);
        }
        merged
    }

    fn layer_into<'a, T>(
        &mut self,
        merged: &mut BTreeMap<String, Chosen<'a, T>>,
        entries: impl Iterator<Item = (Located<String>, String, &'a T)>,
        field: &str,
    ) {
        let mut in_layer: BTreeMap<String, Span> = BTreeMap::new();
        for (name, path, doc) in entries {
            let key = if field == "users" {
                name.value.to_ascii_lowercase()
            } else {
                name.value.clone()
            };
            if let Some(first) = in_layer.get(&key) {
                let what = match field {
                    "users" => "user",
                    "service_users" => "service user",
                    "setup_keys" => "setup key",
                    "policies" => "policy",
                    "posture_checks" => "posture check",
                    "routes" => "route",
                    "nameservers" => "nameserver group",
                    "zones" => "DNS zone",
                    "peers" => "peer",
                    "networks" => "network",
                    _ => "group",
                };
                self.diagnostics.push(
                    Diagnostic::at(
                        name.span,
                        &path,
                        format!(
                            "duplicate {what} {:?} in tenant {:?}",
                            name.value, self.tenant
                        ),
                    )
                    .expected(format!("each {what} listed once"))
                    .related(*first, "first defined here"),
                );
                continue;
            }
            in_layer.insert(key.clone(), name.span);
            merged.insert(key, Chosen { doc, path });
        }
    }

    fn layered_users<'a>(
        &mut self,
        layers: &[&'a Objects],
    ) -> BTreeMap<String, Chosen<'a, RegularUserDoc>> {
        let mut merged = BTreeMap::new();
        for objects in layers {
            let entries = objects.users.iter().filter_map(|user| match user {
                UserDoc::Regular(doc) => Some((doc.email.clone(), doc.path.clone(), doc)),
                UserDoc::Service(_) => None,
            });
            self.layer_into(&mut merged, entries, "users");
        }
        merged
    }

    fn layered_services<'a>(
        &mut self,
        layers: &[&'a Objects],
    ) -> BTreeMap<String, Chosen<'a, ServiceUserDoc>> {
        let mut merged = BTreeMap::new();
        for objects in layers {
            let entries = objects.users.iter().filter_map(|user| match user {
                UserDoc::Service(doc) => Some((doc.service.clone(), doc.path.clone(), doc)),
                UserDoc::Regular(_) => None,
            });
            self.layer_into(&mut merged, entries, "service_users");
        }
        merged
    }
}

/// Checks group references of one tenant.
struct References<'a> {
    groups: &'a BTreeSet<&'a str>,
    tenant: &'a str,
}

impl References<'_> {
    /// Resolves a list of group names; unknown ones are reported (with the closest known name),
    /// and `All` is accepted where the server accepts it.
    fn groups(
        &self,
        diagnostics: &mut Diagnostics,
        names: &[Located<String>],
        path: &str,
        all_allowed: bool,
    ) -> BTreeSet<String> {
        names
            .iter()
            .enumerate()
            .filter_map(|(index, name)| {
                self.group(diagnostics, name, &format!("{path}[{index}]"), all_allowed)
            })
            .collect()
    }

    /// One group name at `path`, checked like [`Self::groups`] checks each.
    fn group(
        &self,
        diagnostics: &mut Diagnostics,
        name: &Located<String>,
        path: &str,
        all_allowed: bool,
    ) -> Option<String> {
        if name.value == ALL_GROUP {
            if all_allowed {
                return Some(name.value.clone());
            }
            diagnostics.push(
                Diagnostic::at(name.span, path, "the \"All\" group cannot be an auto-group")
                    .expected("a group defined in this tenant"),
            );
            return None;
        }
        if !self.groups.contains(name.value.as_str()) {
            let hint = did_you_mean_hint(&name.value, self.groups.iter().copied());
            diagnostics.push(
                Diagnostic::at(
                    name.span,
                    path,
                    format!(
                        "unknown group {:?} in tenant {:?}{hint}",
                        name.value, self.tenant
                    ),
                )
                .expected("a group listed under `groups` in this tenant or its baselines"),
            );
            return None;
        }
        Some(name.value.clone())
    }
}
