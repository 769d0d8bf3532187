//! YAML node tree → [`Document`]: types, required fields, unknown keys and value syntax
//! (durations, ports, addresses, roles), every problem reported with its location.
//! Cross-references (groups, networks, baselines) are checked later, in `resolve`.

use crate::desired::document::{
    Document, FORMAT_VERSION, GroupDoc, NamedList, NetworkDoc, Objects, PRUNE_KINDS, PolicyDoc,
    RegularUserDoc, ResourceDoc, ResourceRefDoc, RouterDoc, RuleDoc, ServiceUserDoc, SetupKeyDoc,
    TenantDoc, TokenDoc, UserDoc,
};
use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::node::{Fields, Node, Reader};
use crate::kinds::kit::read::{boolean, optional, plain_string, required, role, string, strings};
use crate::kinds::{Action, Protocol, SetupKeyType, is_dns_name};

/// Decodes one file's root node; `None` when the root is not usable at all.
pub(crate) fn document(reader: &mut Reader<'_>, root: &Located<Node>) -> Option<Document> {
    if root.value == Node::Null {
        reader.report(
            Diagnostic::at(root.span, "", "the file is empty")
                .expected("a mapping with `version`, `baselines` and `tenants`"),
        );
        return None;
    }
    let mut fields = reader.mapping(root, "")?;
    let version = fields.require(reader, "version").and_then(|node| {
        let version: u32 = reader.integer(node, "version", 1, i128::from(u32::MAX))?;
        if version != FORMAT_VERSION {
            reader.report(
                Diagnostic::at(
                    node.span,
                    "version",
                    format!("unsupported format version {version}"),
                )
                .expected(format!("{FORMAT_VERSION}")),
            );
            return None;
        }
        Some(Located::new(version, node.span))
    });
    let baselines = fields
        .take("baselines")
        .and_then(|node| named_list(reader, node, "baselines", objects_only))
        .unwrap_or_default();
    let tenants = fields
        .take("tenants")
        .and_then(|node| reader.list(node, "tenants", tenant))
        .unwrap_or_default();
    fields.finish(reader);
    Some(Document {
        version: version?,
        baselines,
        tenants,
    })
}

fn named_list<T>(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
    mut item: impl FnMut(&mut Reader<'_>, &Located<Node>, &str) -> Option<T>,
) -> Option<NamedList<T>> {
    let Node::Map(entries) = &node.value else {
        reader.mapping(node, path)?;
        return None;
    };
    let mut list = Vec::new();
    for (key, value) in entries {
        let Some(name) = reader.string(key, path) else {
            continue;
        };
        let child = format!("{path}.{}", name.value);
        if let Some(value) = item(reader, value, &child) {
            list.push((name, value));
        }
    }
    Some(NamedList(list))
}

fn objects_only(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<Objects> {
    let mut fields = reader.mapping(node, path)?;
    let objects = objects(reader, &mut fields);
    fields.finish(reader);
    Some(objects)
}

fn objects(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> Objects {
    let path = fields.path().to_owned();
    let mut list = |key: &'static str| fields.take(key).map(|node| (node, format!("{path}.{key}")));
    let groups = list("groups");
    let setup_keys = list("setup_keys");
    let networks = list("networks");
    let users = list("users");
    let policies = list("policies");
    Objects {
        groups: groups
            .and_then(|(node, path)| reader.list(node, &path, group))
            .unwrap_or_default(),
        setup_keys: setup_keys
            .and_then(|(node, path)| reader.list(node, &path, setup_key))
            .unwrap_or_default(),
        networks: networks
            .and_then(|(node, path)| reader.list(node, &path, network))
            .unwrap_or_default(),
        users: users
            .and_then(|(node, path)| reader.list(node, &path, user))
            .unwrap_or_default(),
        policies: policies
            .and_then(|(node, path)| reader.list(node, &path, policy))
            .unwrap_or_default(),
    }
}

fn tenant(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<TenantDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let domain = optional(reader, &mut fields, "domain", tenant_domain);
    let id = optional(reader, &mut fields, "id", string);
    let create = optional(reader, &mut fields, "create", boolean);
    let self_account = optional(reader, &mut fields, "self", boolean);
    let baselines = optional(reader, &mut fields, "baselines", strings).unwrap_or_default();
    let prune = optional(reader, &mut fields, "prune", |reader, node, path| {
        reader.list(node, path, |reader, node, path| {
            reader.choice(node, path, "kind", &PRUNE_KINDS)
        })
    })
    .unwrap_or_default();
    let objects = objects(reader, &mut fields);
    let span = fields.span();
    fields.finish(reader);
    Some(TenantDoc {
        name: name?,
        domain,
        id,
        create,
        self_account,
        baselines,
        prune,
        objects,
        span,
    })
}

/// A tenant's domain must be a DNS name: the MSP API would refuse a wildcard or a character no
/// DNS name holds, but only during apply, after the plan was shown. The value is kept after the
/// problem is reported, so no "neither id nor domain" error follows it.
fn tenant_domain(
    reader: &mut Reader<'_>,
    node: &Located<Node>,
    path: &str,
) -> Option<Located<String>> {
    let domain = reader.string(node, path)?;
    if !is_dns_name(&domain.value) {
        reader.report(
            Diagnostic::at(
                node.span,
                path,
                format!("{:?} is not a domain name", domain.value),
            )
            .expected("a DNS name such as acme.example: letters, digits and hyphens between dots, no wildcard"),
        );
    }
    Some(domain)
}

fn group(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<GroupDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    fields.finish(reader);
    Some(GroupDoc {
        name: name?,
        path: path.to_owned(),
    })
}

fn setup_key(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<SetupKeyDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let key_type = required(reader, &mut fields, "type", |reader, node, path| {
        reader.choice::<SetupKeyType>(node, path, "setup key type", &SetupKeyType::NAMES)
    });
    let expires_in = optional(reader, &mut fields, "expires_in", |reader, node, path| {
        reader.parsed(
            node,
            path,
            "a duration such as 30d or 12h, at most 365d, or never",
            false,
        )
    });
    let usage_limit = optional(reader, &mut fields, "usage_limit", |reader, node, path| {
        reader.integer(node, path, 0, i128::from(u32::MAX))
    });
    let ephemeral = optional(reader, &mut fields, "ephemeral", boolean);
    let allow_extra_dns_labels = optional(reader, &mut fields, "allow_extra_dns_labels", boolean);
    let auto_groups = optional(reader, &mut fields, "auto_groups", strings);
    let revoked = optional(reader, &mut fields, "revoked", boolean);
    let span = fields.span();
    let path = fields.path().to_owned();
    fields.finish(reader);
    let key_type = key_type?;
    if key_type.value == SetupKeyType::OneOff && usage_limit.is_some_and(|limit| limit > 1) {
        reader.report(
            Diagnostic::at(
                span,
                format!("{path}.usage_limit"),
                "a one-off key can be used once",
            )
            .expected("usage_limit 0 or 1, or type reusable"),
        );
    }
    Some(SetupKeyDoc {
        name: name?,
        key_type,
        expires_in,
        usage_limit,
        ephemeral,
        allow_extra_dns_labels,
        auto_groups,
        revoked,
        path,
    })
}

fn network(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<NetworkDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let resources = optional(reader, &mut fields, "resources", |reader, node, path| {
        reader.list(node, path, resource)
    })
    .unwrap_or_default();
    let routers = optional(reader, &mut fields, "routers", |reader, node, path| {
        reader.list(node, path, router)
    })
    .unwrap_or_default();
    fields.finish(reader);
    Some(NetworkDoc {
        name: name?,
        description,
        resources,
        routers,
        path: path.to_owned(),
    })
}

fn resource(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<ResourceDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let address = required(reader, &mut fields, "address", |reader, node, path| {
        reader.parsed(
            node,
            path,
            "an IP address, a CIDR prefix or a domain name",
            false,
        )
    });
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let groups = optional(reader, &mut fields, "groups", strings);
    fields.finish(reader);
    Some(ResourceDoc {
        name: name?,
        description,
        address: address?,
        enabled,
        groups,
        path: path.to_owned(),
    })
}

fn router(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<RouterDoc> {
    let mut fields = reader.mapping(node, path)?;
    let peer = optional(reader, &mut fields, "peer", string);
    let peer_groups = optional(reader, &mut fields, "peer_groups", strings);
    let masquerade = optional(reader, &mut fields, "masquerade", boolean);
    let metric = optional(reader, &mut fields, "metric", |reader, node, path| {
        reader.integer(node, path, 1, 9999)
    });
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let span = fields.span();
    let has_peer = fields.has("peer");
    let has_groups = fields.has("peer_groups");
    fields.finish(reader);
    match (has_peer, has_groups) {
        (true, true) => reader.report(
            Diagnostic::at(span, path, "a router has both `peer` and `peer_groups`")
                .expected("exactly one of them"),
        ),
        (false, false) => reader.report(
            Diagnostic::at(span, path, "a router needs `peer` or `peer_groups`")
                .expected("exactly one of them"),
        ),
        _ => {}
    }
    if peer_groups.as_ref().is_some_and(Vec::is_empty) {
        reader.report(
            Diagnostic::at(span, format!("{path}.peer_groups"), "empty list")
                .expected("at least one group"),
        );
    }
    Some(RouterDoc {
        peer,
        peer_groups,
        masquerade,
        metric,
        enabled,
        span,
        path: path.to_owned(),
    })
}

fn user(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<UserDoc> {
    let mut fields = reader.mapping(node, path)?;
    let doc = match (fields.has("email"), fields.has("service")) {
        (true, true) => {
            reader.report(
                Diagnostic::at(
                    fields.span(),
                    path,
                    "an entry has both `email` and `service`",
                )
                .expected("`email` for a user or `service` for a service user"),
            );
            None
        }
        (false, false) => {
            reader.report(
                Diagnostic::at(
                    fields.span(),
                    path,
                    "a user entry needs `email` or `service`",
                )
                .expected("`email` for a user or `service` for a service user"),
            );
            None
        }
        (true, false) => regular_user(reader, &mut fields).map(UserDoc::Regular),
        (false, true) => service_user(reader, &mut fields).map(UserDoc::Service),
    };
    fields.finish(reader);
    doc
}

fn regular_user(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> Option<RegularUserDoc> {
    let email = required(reader, fields, "email", |reader, node, path| {
        let email = reader.string(node, path)?;
        if !is_email(&email.value) {
            reader.report(
                Diagnostic::at(
                    node.span,
                    path,
                    format!("{:?} is not an email address", email.value),
                )
                .expected("name@domain"),
            );
            return None;
        }
        Some(email)
    });
    let name = optional(reader, fields, "name", plain_string);
    let role = optional(reader, fields, "role", role);
    let auto_groups = optional(reader, fields, "auto_groups", strings);
    let blocked = optional(reader, fields, "blocked", boolean);
    Some(RegularUserDoc {
        email: email?,
        name,
        role,
        auto_groups,
        blocked,
        path: fields.path().to_owned(),
    })
}

fn is_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !text.chars().any(char::is_whitespace)
}

fn service_user(reader: &mut Reader<'_>, fields: &mut Fields<'_>) -> Option<ServiceUserDoc> {
    let service = required(reader, fields, "service", string);
    let role = optional(reader, fields, "role", role);
    let auto_groups = optional(reader, fields, "auto_groups", strings);
    let token = optional(reader, fields, "token", |reader, node, path| {
        let mut fields = reader.mapping(node, path)?;
        let name = required(reader, &mut fields, "name", plain_string);
        let expires_in_days = required(
            reader,
            &mut fields,
            "expires_in_days",
            |reader, node, path| reader.integer(node, path, 1, 365),
        );
        fields.finish(reader);
        Some(TokenDoc {
            name: name?,
            expires_in_days: expires_in_days?,
        })
    });
    Some(ServiceUserDoc {
        service: service?,
        role,
        auto_groups,
        token,
        path: fields.path().to_owned(),
    })
}

fn policy(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<PolicyDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = required(reader, &mut fields, "name", string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let rules_node = fields.require(reader, "rules");
    let rules_path = fields.child("rules");
    let rules = rules_node.and_then(|node| reader.list(node, &rules_path, rule));
    if let Some(node) = rules_node
        && let Node::Seq(items) = &node.value
        && items.len() != 1
    {
        reader.report(
            Diagnostic::at(node.span, &rules_path, format!("{} rules", items.len())).expected(
                "exactly one rule per policy (NetBird keeps one; split into several policies)",
            ),
        );
    }
    fields.finish(reader);
    Some(PolicyDoc {
        name: name?,
        description,
        enabled,
        rules: rules?,
        path: path.to_owned(),
    })
}

fn rule(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<RuleDoc> {
    let mut fields = reader.mapping(node, path)?;
    let name = optional(reader, &mut fields, "name", plain_string);
    let description = optional(reader, &mut fields, "description", plain_string);
    let enabled = optional(reader, &mut fields, "enabled", boolean);
    let action = optional(reader, &mut fields, "action", |reader, node, path| {
        reader.choice::<Action>(node, path, "action", &Action::NAMES)
    });
    let protocol = required(reader, &mut fields, "protocol", |reader, node, path| {
        reader.choice::<Protocol>(node, path, "protocol", &Protocol::NAMES)
    });
    let bidirectional = optional(reader, &mut fields, "bidirectional", boolean);
    let ports = optional(reader, &mut fields, "ports", |reader, node, path| {
        reader.list(node, path, |reader, node, path| {
            reader.parsed(
                node,
                path,
                "a port from 1 to 65535 or a range such as 8000-8100",
                true,
            )
        })
    });
    let sources = required(reader, &mut fields, "sources", strings);
    let destinations = optional(reader, &mut fields, "destinations", strings);
    let destination_resource = optional(
        reader,
        &mut fields,
        "destination_resource",
        |reader, node, path| {
            let mut fields = reader.mapping(node, path)?;
            let network = required(reader, &mut fields, "network", string);
            let resource = required(reader, &mut fields, "resource", string);
            fields.finish(reader);
            Some(ResourceRefDoc {
                network: network?,
                resource: resource?,
            })
        },
    );
    let span = fields.span();
    let has_destinations = fields.has("destinations");
    let has_resource = fields.has("destination_resource");
    fields.finish(reader);
    match (has_destinations, has_resource) {
        (true, true) => reader.report(
            Diagnostic::at(
                span,
                path,
                "a rule has both `destinations` and `destination_resource`",
            )
            .expected("exactly one of them"),
        ),
        (false, false) => reader.report(
            Diagnostic::at(
                span,
                path,
                "a rule needs `destinations` or `destination_resource`",
            )
            .expected("exactly one of them"),
        ),
        _ => {}
    }
    if let (Some(protocol), Some(ports)) = (&protocol, &ports)
        && !protocol.value.has_ports()
        && !ports.is_empty()
    {
        {
            reader.report(
                Diagnostic::at(
                    span,
                    format!("{path}.ports"),
                    "ports are only allowed for tcp and udp",
                )
                .expected("no ports with protocol all or icmp"),
            );
        }
    }
    if sources.as_ref().is_some_and(Vec::is_empty) {
        reader.report(
            Diagnostic::at(span, format!("{path}.sources"), "empty list")
                .expected("at least one group"),
        );
    }
    if destinations.as_ref().is_some_and(Vec::is_empty) {
        reader.report(
            Diagnostic::at(span, format!("{path}.destinations"), "empty list")
                .expected("at least one group"),
        );
    }
    Some(RuleDoc {
        name,
        description,
        enabled,
        action,
        protocol: protocol?,
        bidirectional,
        ports,
        sources: sources?,
        destinations,
        destination_resource,
        path: path.to_owned(),
    })
}
