//! YAML node tree → [`Document`]: types, required fields, unknown keys and value syntax
//! (durations, ports, addresses, roles), every problem reported with its location.
//! Cross-references (groups, networks, baselines) are checked later, in `resolve`.

use crate::desired::document::{
    DnsDoc, Document, FORMAT_VERSION, MspAccessDoc, Objects, PRUNE_KINDS, TenantDoc,
};
use crate::diag::{Diagnostic, Located};
use crate::kinds::kit::named::named_list;
use crate::kinds::kit::node::{Fields, Node, Reader};
use crate::kinds::kit::read::{boolean, optional, required, role, string, strings};
use crate::kinds::{
    account_settings, dns_settings, dns_zone, group, is_dns_name, nameserver_group, network, peer,
    policy, posture_check, route, setup_key, user,
};

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
    let posture_checks = list("posture_checks");
    let policies = list("policies");
    let routes = list("routes");
    let dns = list("dns");
    let settings = list("settings");
    let peers = list("peers");
    Objects {
        groups: groups
            .and_then(|(node, path)| reader.list(node, &path, group::document::decode))
            .unwrap_or_default(),
        setup_keys: setup_keys
            .and_then(|(node, path)| reader.list(node, &path, setup_key::document::decode))
            .unwrap_or_default(),
        networks: networks
            .and_then(|(node, path)| reader.list(node, &path, network::document::decode))
            .unwrap_or_default(),
        users: users
            .and_then(|(node, path)| reader.list(node, &path, user::document::decode))
            .unwrap_or_default(),
        posture_checks: posture_checks
            .and_then(|(node, path)| reader.list(node, &path, posture_check::document::decode))
            .unwrap_or_default(),
        policies: policies
            .and_then(|(node, path)| reader.list(node, &path, policy::document::decode))
            .unwrap_or_default(),
        routes: routes
            .and_then(|(node, path)| reader.list(node, &path, route::document::decode))
            .unwrap_or_default(),
        dns: dns
            .and_then(|(node, path)| dns_doc(reader, node, &path))
            .unwrap_or_default(),
        settings: settings
            .and_then(|(node, path)| account_settings::document::decode(reader, node, &path)),
        peers: peers
            .and_then(|(node, path)| reader.list(node, &path, peer::document::decode))
            .unwrap_or_default(),
    }
}

fn dns_doc(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<DnsDoc> {
    let mut fields = reader.mapping(node, path)?;
    let nameservers = optional(reader, &mut fields, "nameservers", |reader, node, path| {
        reader.list(node, path, nameserver_group::document::decode)
    });
    let settings = optional(
        reader,
        &mut fields,
        "settings",
        dns_settings::document::decode,
    );
    let zones = optional(reader, &mut fields, "zones", |reader, node, path| {
        reader.list(node, path, dns_zone::document::decode)
    });
    fields.finish(reader);
    Some(DnsDoc {
        nameservers: nameservers.unwrap_or_default(),
        settings,
        zones: zones.unwrap_or_default(),
    })
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
    let msp_access = optional(reader, &mut fields, "msp_access", |reader, node, path| {
        reader.list(node, path, msp_access)
    });
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
        msp_access,
        objects,
        span,
    })
}

fn msp_access(reader: &mut Reader<'_>, node: &Located<Node>, path: &str) -> Option<MspAccessDoc> {
    let mut fields = reader.mapping(node, path)?;
    let group = required(reader, &mut fields, "group", string);
    let role = required(reader, &mut fields, "role", role);
    fields.finish(reader);
    Some(MspAccessDoc {
        group: group?,
        role: role?,
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
