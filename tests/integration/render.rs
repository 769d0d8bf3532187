//! The renderers over one hand-built plan that holds every action, every reason, field
//! changes, refusals, errors, unmanaged counts, a tenant to create, the token's own tenant and
//! unchanged tenants: insta snapshots of text, JSON and Markdown, colour only on request, the
//! empty plan's wording, the JSON round trip, and the Markdown size limit.

use std::collections::{BTreeMap, BTreeSet};

use birdhouse::kinds::{
    Action as RuleAction, Destination, ExpiresIn, Group, Kind, Policy, Protocol, Resource,
    ResourceRef, Role, Router, RouterTarget, Rule, RuleResource, ServiceUser, ServiceUserToken,
    SetupKey, SetupKeyType, User,
};
use birdhouse::plan::{
    Action, Budget, Change, FieldChange, NetworkChild, NetworkHeader, Object, PLAN_FORMAT_VERSION,
    Plan, Reason, Refusal, TenantPlan,
};
use birdhouse::render::{Format, RenderOptions, render};
use serde_json::json;

/// What `render` writes, as a string.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "the arguments of `render`, as they are"
)]
fn render_to_string(plan: &Plan, format: Format, options: &RenderOptions) -> String {
    let mut written = Vec::new();
    render(plan, format, options, &mut written).expect("writing to a Vec never fails");
    String::from_utf8(written).expect("renderings are UTF-8")
}

const CLOUD: Budget = Budget {
    requests_per_minute: 120,
    burst: 1200,
};

fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn tenant(name: &str, account_id: Option<&str>, changes: Vec<Change>) -> TenantPlan {
    TenantPlan {
        name: name.to_owned(),
        account_id: account_id.map(str::to_owned),
        self_account: false,
        create_tenant: false,
        domain: None,
        kinds_read: std::collections::BTreeSet::new(),
        tokens_read: std::collections::BTreeSet::new(),
        peers_read: false,
        fingerprint: format!("{:064x}", name.len()),
        api_calls: 7 + changes.len() as u64,
        rereads_account: false,
        msp_record: None,
        live_source: birdhouse::live::LiveSource::Read,
        changes,
        unmanaged: BTreeMap::new(),
        left_alone: BTreeMap::new(),
        refusals: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    }
}

fn change(kind: Kind, name: &str, action: Action, reason: Reason) -> Change {
    Change {
        kind,
        name: name.to_owned(),
        action,
        reason,
        before: None,
        after: None,
        fields: Vec::new(),
        drift: false,
    }
}

fn create(kind: Kind, name: &str, after: Object) -> Change {
    Change {
        after: Some(after),
        ..change(kind, name, Action::Create, Reason::Missing)
    }
}

fn delete(kind: Kind, name: &str, before: Object) -> Change {
    Change {
        before: Some(before),
        ..change(kind, name, Action::Delete, Reason::NotDesired)
    }
}

fn field(name: &str, before: serde_json::Value, after: serde_json::Value) -> FieldChange {
    FieldChange {
        field: name.to_owned(),
        before,
        after,
    }
}

fn group(name: &str) -> Object {
    Object::Group(Group {
        name: name.to_owned(),
        peers: None,
    })
}

fn setup_key(name: &str, key_type: SetupKeyType, groups: &[&str]) -> SetupKey {
    SetupKey {
        name: name.to_owned(),
        key_type,
        expires_in: Some(ExpiresIn::Seconds(30 * 86_400)),
        usage_limit: Some(0),
        ephemeral: Some(false),
        allow_extra_dns_labels: Some(false),
        auto_groups: Some(names(groups)),
        revoked: Some(false),
    }
}

fn rule(sources: &[&str], destinations: &[&str], ports: &[&str]) -> Rule {
    Rule {
        name: None,
        description: None,
        enabled: Some(true),
        action: RuleAction::Accept,
        protocol: Protocol::Tcp,
        bidirectional: Some(false),
        ports: ports.iter().map(|p| p.parse().unwrap()).collect(),
        sources: names(sources),
        source_resource: None,
        destination: Destination::Groups(names(destinations)),
        authorized_groups: std::collections::BTreeMap::new(),
    }
}

fn policy(name: &str, description: Option<&str>, rules: Vec<Rule>) -> Policy {
    Policy {
        name: name.to_owned(),
        description: description.map(str::to_owned),
        enabled: Some(true),
        rules,
        source_posture_checks: None,
    }
}

fn resource(network: &str, name: &str, address: &str, groups: &[&str]) -> Object {
    Object::NetworkResource(NetworkChild {
        network: network.to_owned(),
        object: Resource {
            name: name.to_owned(),
            description: None,
            address: address.parse().unwrap(),
            enabled: Some(true),
            groups: Some(names(groups)),
        },
    })
}

/// Acme: creates of every kind, updates with short and long fields, a create-only replace,
/// deletes, unmanaged objects.
fn acme() -> TenantPlan {
    let office_before = setup_key("office", SetupKeyType::Reusable, &["admins"]);
    let office_after = setup_key("office", SetupKeyType::Reusable, &["admins", "developers"]);
    let ci_before = setup_key("ci", SetupKeyType::OneOff, &["servers"]);
    let ci_after = setup_key("ci", SetupKeyType::Reusable, &["servers"]);
    let long_before = "Lets admins reach the servers over SSH for maintenance windows.";
    let long_after =
        "Lets admins reach the servers over SSH and HTTPS, for maintenance and dashboards.";
    let ssh_before = policy(
        "admins-ssh",
        Some(long_before),
        vec![rule(&["admins"], &["servers"], &["22"])],
    );
    let ssh_after = policy(
        "admins-ssh",
        Some(long_after),
        vec![rule(
            &["admins", "developers"],
            &["servers"],
            &["22", "443"],
        )],
    );
    let changes = vec![
        create(Kind::Group, "developers", group("developers")),
        create(
            Kind::Network,
            "office-lan",
            Object::Network(NetworkHeader {
                name: "office-lan".into(),
                description: Some("Office LAN".into()),
            }),
        ),
        create(
            Kind::NetworkResource,
            "lan",
            resource("office-lan", "lan", "10.10.0.0/24", &["developers"]),
        ),
        create(
            Kind::NetworkRouter,
            "office-lan/peer groups servers",
            Object::NetworkRouter(NetworkChild {
                network: "office-lan".into(),
                object: Router {
                    target: RouterTarget::PeerGroups(names(&["servers"])),
                    masquerade: Some(true),
                    metric: Some(9999),
                    enabled: Some(true),
                },
            }),
        ),
        Change {
            before: Some(Object::SetupKey(office_before)),
            after: Some(Object::SetupKey(office_after)),
            fields: vec![field(
                "auto_groups",
                json!(["admins"]),
                json!(["admins", "developers"]),
            )],
            ..change(
                Kind::SetupKey,
                "office",
                Action::Update,
                Reason::FieldsDiffer {
                    fields: vec!["auto_groups".into()],
                },
            )
        },
        Change {
            before: Some(Object::SetupKey(ci_before)),
            after: Some(Object::SetupKey(ci_after)),
            fields: vec![field("type", json!("one-off"), json!("reusable"))],
            ..change(
                Kind::SetupKey,
                "ci",
                Action::Replace,
                Reason::CreateOnly {
                    field: "type".into(),
                },
            )
        },
        create(
            Kind::User,
            "alice@acme.example",
            Object::User(User {
                email: "alice@acme.example".into(),
                name: Some("Alice".into()),
                role: Some(Role::Admin),
                auto_groups: Some(names(&["admins"])),
                blocked: Some(false),
            }),
        ),
        Change {
            before: Some(Object::Policy(ssh_before)),
            after: Some(Object::Policy(ssh_after)),
            fields: vec![
                field("description", json!(long_before), json!(long_after)),
                field("rules[0].ports", json!(["22"]), json!(["22", "443"])),
                field(
                    "rules[0].sources",
                    json!(["admins"]),
                    json!(["admins", "developers"]),
                ),
            ],
            ..change(
                Kind::Policy,
                "admins-ssh",
                Action::Update,
                Reason::FieldsDiffer {
                    fields: vec![
                        "description".into(),
                        "rules[0].ports".into(),
                        "rules[0].sources".into(),
                    ],
                },
            )
        },
        create(
            Kind::Policy,
            "developers-to-lan",
            Object::Policy(policy(
                "developers-to-lan",
                None,
                vec![Rule {
                    protocol: Protocol::All,
                    ports: BTreeSet::new(),
                    bidirectional: Some(true),
                    destination: Destination::Resource(RuleResource::Network(ResourceRef {
                        network: "office-lan".into(),
                        resource: "lan".into(),
                    })),
                    ..rule(&["developers"], &[], &[])
                }],
            )),
        ),
        delete(
            Kind::Policy,
            "legacy-any",
            Object::Policy(policy(
                "legacy-any",
                None,
                vec![rule(&["legacy"], &["servers"], &[])],
            )),
        ),
        delete(Kind::Group, "legacy", group("legacy")),
    ];
    TenantPlan {
        unmanaged: BTreeMap::from([(Kind::Group, 3), (Kind::Policy, 1)]),
        left_alone: BTreeMap::from([
            (
                Kind::Group,
                vec!["contractors".into(), "kiosk".into(), "legacy".into()],
            ),
            (Kind::Policy, vec!["Default".into()]),
        ]),
        api_calls: 21,
        ..tenant("Acme Corp", Some("ctq2p8n0acme"), changes)
    }
}

/// Globex: replaces for an expired and a revoked key and a moved resource, updates of a router
/// and a user, and more deletes than the guard allows.
fn globex() -> TenantPlan {
    let mut expired = setup_key("warehouse", SetupKeyType::Reusable, &["scanners"]);
    expired.expires_in = Some(ExpiresIn::Never);
    let revoked_before = SetupKey {
        revoked: Some(true),
        ..setup_key("kiosk", SetupKeyType::OneOff, &["kiosks"])
    };
    let revoked_after = setup_key("kiosk", SetupKeyType::OneOff, &["kiosks"]);
    let router = |metric| {
        Object::NetworkRouter(NetworkChild {
            network: "plant".into(),
            object: Router {
                target: RouterTarget::Peer("gw-1".into()),
                masquerade: Some(true),
                metric: Some(metric),
                enabled: Some(true),
            },
        })
    };
    let bob = |role, blocked| {
        Object::User(User {
            email: "bob@globex.example".into(),
            name: Some("Bob".into()),
            role: Some(role),
            auto_groups: Some(names(&["operators"])),
            blocked: Some(blocked),
        })
    };
    let mut changes = vec![
        Change {
            before: Some(resource("old-plant", "scada", "10.20.0.5/32", &["ops"])),
            after: Some(resource("plant", "scada", "10.20.0.5/32", &["ops"])),
            fields: vec![field("network", json!("old-plant"), json!("plant"))],
            ..change(
                Kind::NetworkResource,
                "scada",
                Action::Replace,
                Reason::CreateOnly {
                    field: "network".into(),
                },
            )
        },
        Change {
            before: Some(router(100)),
            after: Some(router(10)),
            fields: vec![field("metric", json!(100), json!(10))],
            ..change(
                Kind::NetworkRouter,
                "plant/peer gw-1",
                Action::Update,
                Reason::FieldsDiffer {
                    fields: vec!["metric".into()],
                },
            )
        },
        Change {
            before: Some(Object::SetupKey(expired.clone())),
            after: Some(Object::SetupKey(SetupKey {
                revoked: Some(true),
                ..expired.clone()
            })),
            fields: vec![field("revoked", json!(false), json!(true))],
            ..change(
                Kind::SetupKey,
                "warehouse",
                Action::Update,
                Reason::RevokeFirst,
            )
        },
        Change {
            before: Some(Object::SetupKey(expired.clone())),
            after: Some(Object::SetupKey(expired)),
            ..change(
                Kind::SetupKey,
                "warehouse",
                Action::Replace,
                Reason::Expired,
            )
        },
        Change {
            before: Some(Object::SetupKey(revoked_before)),
            after: Some(Object::SetupKey(revoked_after)),
            fields: vec![field("revoked", json!(true), json!(false))],
            ..change(Kind::SetupKey, "kiosk", Action::Replace, Reason::Revoked)
        },
        Change {
            before: Some(bob(Role::User, true)),
            after: Some(bob(Role::NetworkAdmin, false)),
            fields: vec![
                field("role", json!("user"), json!("network_admin")),
                field("blocked", json!(true), json!(false)),
            ],
            ..change(
                Kind::User,
                "bob@globex.example",
                Action::Update,
                Reason::FieldsDiffer {
                    fields: vec!["role".into(), "blocked".into()],
                },
            )
        },
    ];
    let scada_policy = |network: &str| {
        let mut rule = rule(&["ops"], &[], &["502"]);
        rule.destination = Destination::Resource(RuleResource::Network(ResourceRef {
            network: network.into(),
            resource: "scada".into(),
        }));
        Object::Policy(policy("scada-by-hand", None, vec![rule]))
    };
    changes.push(Change {
        before: Some(scada_policy("old-plant")),
        after: Some(scada_policy("plant")),
        fields: vec![field(
            "rules[0].destination",
            json!({"network": "old-plant", "resource": "scada"}),
            json!({"network": "plant", "resource": "scada"}),
        )],
        ..change(
            Kind::Policy,
            "scada-by-hand",
            Action::Update,
            Reason::Repoint {
                resource: "scada".into(),
            },
        )
    });
    let dashboard = |groups: &[&str]| setup_key("dashboard", SetupKeyType::Reusable, groups);
    changes.push(Change {
        before: Some(Object::SetupKey(dashboard(&[
            "contractors",
            "interns",
            "ops",
        ]))),
        after: Some(Object::SetupKey(dashboard(&["ops"]))),
        fields: vec![field(
            "auto_groups",
            json!(["contractors", "interns", "ops"]),
            json!(["ops"]),
        )],
        ..change(
            Kind::SetupKey,
            "dashboard",
            Action::Update,
            Reason::Detach {
                groups: vec!["contractors".into(), "interns".into()],
            },
        )
    });
    for name in ["contractors", "interns", "lab", "printers"] {
        changes.push(delete(Kind::Group, name, group(name)));
    }
    TenantPlan {
        refusals: vec![Refusal::MassDelete {
            deletes: 4,
            managed: 10,
            max_percent: 30,
        }],
        api_calls: 26,
        ..tenant("Globex", Some("ctq2p8n0globex"), changes)
    }
}

/// Initech: an ambiguous name (an error) and a plan that empties the tenant.
fn initech() -> TenantPlan {
    let changes = vec![
        delete(
            Kind::ServiceUser,
            "backup-bot",
            Object::ServiceUser(ServiceUser {
                name: "backup-bot".into(),
                role: Some(Role::User),
                auto_groups: Some(BTreeSet::new()),
                token: None,
            }),
        ),
        delete(
            Kind::Network,
            "basement",
            Object::Network(NetworkHeader {
                name: "basement".into(),
                description: None,
            }),
        ),
    ];
    TenantPlan {
        refusals: vec![Refusal::EmptiesTenant { deletes: 2 }],
        errors: vec![
            "more than one live group is named \"ops\"; rename or remove the extras so birdhouse can tell them apart".into(),
        ],
        ..tenant("Initech", Some("ctq2p8n0initech"), changes)
    }
}

/// New Co: created through the MSP API, with its first objects.
fn new_co() -> TenantPlan {
    let laptops = |revoked| SetupKey {
        usage_limit: Some(25),
        ephemeral: Some(true),
        revoked: Some(revoked),
        ..setup_key("laptops", SetupKeyType::Reusable, &["staff"])
    };
    let changes = vec![
        create(Kind::Group, "staff", group("staff")),
        create(Kind::SetupKey, "laptops", Object::SetupKey(laptops(true))),
        Change {
            before: Some(Object::SetupKey(laptops(false))),
            after: Some(Object::SetupKey(laptops(true))),
            fields: vec![field("revoked", json!(false), json!(true))],
            ..change(
                Kind::SetupKey,
                "laptops",
                Action::Update,
                Reason::SetAfterCreate {
                    field: "revoked".into(),
                },
            )
        },
        create(
            Kind::ServiceUser,
            "ci-bot",
            Object::ServiceUser(ServiceUser {
                name: "ci-bot".into(),
                role: Some(Role::Admin),
                auto_groups: None,
                token: Some(ServiceUserToken {
                    name: "ci".into(),
                    expires_in_days: 90,
                    rotate_before_days: None,
                }),
            }),
        ),
    ];
    TenantPlan {
        create_tenant: true,
        fingerprint: String::new(),
        api_calls: 6,
        ..tenant("New Co", None, changes)
    }
}

/// The MSP's own tenant: a description update and a service user's groups.
fn msp_home() -> TenantPlan {
    let header = |description: Option<&str>| {
        Object::Network(NetworkHeader {
            name: "hq".into(),
            description: description.map(str::to_owned),
        })
    };
    let ops = |groups: &[&str]| {
        Object::ServiceUser(ServiceUser {
            name: "ops-bot".into(),
            role: Some(Role::Admin),
            auto_groups: Some(names(groups)),
            token: None,
        })
    };
    let changes = vec![
        Change {
            before: Some(header(None)),
            after: Some(header(Some("Head office"))),
            fields: vec![field("description", json!(null), json!("Head office"))],
            ..change(
                Kind::Network,
                "hq",
                Action::Update,
                Reason::FieldsDiffer {
                    fields: vec!["description".into()],
                },
            )
        },
        Change {
            before: Some(ops(&[])),
            after: Some(ops(&["automation"])),
            fields: vec![field("auto_groups", json!([]), json!(["automation"]))],
            ..change(
                Kind::ServiceUser,
                "ops-bot",
                Action::Update,
                Reason::FieldsDiffer {
                    fields: vec!["auto_groups".into()],
                },
            )
        },
    ];
    TenantPlan {
        self_account: true,
        ..tenant("MSP Home", Some("ctq2p8n0home"), changes)
    }
}

/// One plan holding every case the renderers must show.
fn rich_plan() -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![
            acme(),
            globex(),
            initech(),
            new_co(),
            msp_home(),
            TenantPlan {
                unmanaged: BTreeMap::from([(Kind::User, 2), (Kind::NetworkResource, 1)]),
                ..tenant("Quiet Ltd", Some("ctq2p8n0quiet"), vec![])
            },
            tenant("Still GmbH", Some("ctq2p8n0still"), vec![]),
            TenantPlan {
                errors: vec![
                    "no tenant has the domain broken.example; add `create: true` to create it"
                        .into(),
                ],
                fingerprint: String::new(),
                api_calls: 0,
                ..tenant("Broken Ltd", None, vec![])
            },
        ],
        drift_since: None,
        token_expiry: None,
    }
}

fn text(plan: &Plan) -> String {
    render_to_string(plan, Format::Text, &RenderOptions { color: false })
}

fn markdown(plan: &Plan) -> String {
    render_to_string(plan, Format::Markdown, &RenderOptions::default())
}

#[test]
fn text_plan() {
    insta::assert_snapshot!(text(&rich_plan()));
}

#[test]
fn markdown_plan() {
    insta::assert_snapshot!(markdown(&rich_plan()));
}

/// The rich plan as `--changed-since origin/main` tells it: Acme's changes the files at the
/// reference make too are drift.
fn drift_plan() -> Plan {
    let mut plan = rich_plan();
    plan.drift_since = Some("origin/main".into());
    let acme = &mut plan.tenants[0];
    let count = acme.changes.len();
    for change in acme.changes.iter_mut().skip(count / 2) {
        change.drift = true;
    }
    plan
}

#[test]
fn drift_is_shown_apart_from_the_pull_requests_changes() {
    let plan = drift_plan();
    insta::assert_snapshot!("drift_text", text(&plan));
    insta::assert_snapshot!("drift_markdown", markdown(&plan));
    let json: serde_json::Value = serde_json::from_str(&render_to_string(
        &plan,
        Format::Json,
        &RenderOptions::default(),
    ))
    .unwrap();
    assert_eq!(json["drift_since"], "origin/main");
    let flags: Vec<bool> = json["tenants"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["drift"].as_bool().unwrap())
        .collect();
    assert!(flags.contains(&true) && flags.contains(&false), "{flags:?}");
    // A saved plan keeps what was drift.
    let read = birdhouse::render::read_json_plan(
        render_to_string(&plan, Format::Json, &RenderOptions::default()).as_bytes(),
    )
    .unwrap();
    assert_eq!(read, plan);
}

#[test]
fn json_plan() {
    insta::assert_snapshot!(render_to_string(
        &rich_plan(),
        Format::Json,
        &RenderOptions::default()
    ));
}

#[test]
fn colour_appears_only_when_asked_and_only_in_text() {
    let plan = rich_plan();
    let coloured = render_to_string(&plan, Format::Text, &RenderOptions { color: true });
    for painted in [
        "\x1b[32m+\x1b[0m group developers",
        "\x1b[33m~\x1b[0m setup key office",
        "\x1b[31m-\x1b[0m group legacy",
        "\x1b[35m-/+\x1b[0m setup key ci",
    ] {
        assert!(coloured.contains(painted), "missing {painted:?}");
    }
    let strip = coloured
        .replace("\x1b[0m", "")
        .replace("\x1b[1;31m", "")
        .replace("\x1b[1m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[35m", "");
    assert_eq!(strip, text(&plan), "colour adds codes and nothing else");
    assert!(!text(&plan).contains('\x1b'));
    for format in [Format::Json, Format::Markdown] {
        let out = render_to_string(&plan, format, &RenderOptions { color: true });
        assert!(
            !out.contains('\x1b'),
            "{format:?} must never carry ANSI codes"
        );
    }
}

#[test]
fn an_empty_plan_says_no_changes() {
    let unchanged = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![
            TenantPlan {
                unmanaged: BTreeMap::from([(Kind::Group, 1)]),
                ..tenant("Quiet Ltd", Some("q"), vec![])
            },
            tenant("Still GmbH", Some("s"), vec![]),
        ],
        drift_since: None,
        token_expiry: None,
    };
    insta::assert_snapshot!("empty_text", text(&unchanged));
    insta::assert_snapshot!("empty_markdown", markdown(&unchanged));
    let none = Plan {
        tenants: vec![],
        ..unchanged
    };
    assert_eq!(
        text(&none),
        "No changes. Every tenant matches the files.\nTotal: no changes in 0 tenants.\n"
    );
    assert!(markdown(&none).contains("No changes. Every tenant matches the files."));
}

#[test]
fn the_budget_line_states_the_wait_beyond_the_burst() {
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        // The own account's `All` group read is counted on its own test below.
        reads_own_all_group: false,
        tenants: vec![tenant(
            "Big",
            Some("b"),
            vec![create(Kind::Group, "g", group("g"))],
        )],
        drift_since: None,
        token_expiry: None,
    };
    plan.tenants[0].api_calls = 57;
    assert!(
        text(&plan).contains("Apply needs 57 API calls: within the burst of 1200, no waiting.")
    );
    plan.tenants[0].api_calls = 1500;
    assert!(text(&plan).contains(
        "Apply needs 1500 API calls: about 2m30s at 120 requests/minute after the burst of 1200."
    ));
    plan.tenants[0].api_calls = 1200 + 120 * 75;
    assert!(text(&plan).contains("about 1h15m at 120 requests/minute"));
}

#[test]
fn a_saved_plans_apply_counts_the_token_check_and_one_read_of_the_own_accounts_all_group() {
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![tenant(
            "Big",
            Some("b"),
            vec![create(Kind::Group, "g", group("g"))],
        )],
        drift_since: None,
        token_expiry: None,
    };
    plan.tenants[0].api_calls = 10;
    assert_eq!(
        plan.api_calls(),
        13,
        "the tenant's calls, the token check's two and the own account's read"
    );
    // The token's own account proves its identity itself; `apply -f` has read it already.
    plan.tenants[0].self_account = true;
    assert_eq!(plan.api_calls(), 12);
    plan.tenants[0].self_account = false;
    plan.reads_own_all_group = false;
    assert_eq!(plan.api_calls(), 10);
}

#[test]
fn a_saved_json_plan_reads_back_equal() {
    let plan = rich_plan();
    let saved = render_to_string(&plan, Format::Json, &RenderOptions::default());
    assert!(saved.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(value["format_version"], json!(PLAN_FORMAT_VERSION));
    let back = birdhouse::render::read_json_plan(saved.as_bytes()).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn a_json_plan_of_another_version_or_shape_is_refused_naming_why() {
    let saved = render_to_string(&rich_plan(), Format::Json, &RenderOptions::default());
    let older = saved.replacen(
        &format!("\"format_version\": {PLAN_FORMAT_VERSION}"),
        "\"format_version\": 1",
        1,
    );
    let error = birdhouse::render::read_json_plan(older.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "it has format version 1; this birdhouse applies plans of format version \
             {PLAN_FORMAT_VERSION}: make the plan again with this version"
        )
    );
    let error = birdhouse::render::read_json_plan(b"{\"tenants\": []}").unwrap_err();
    assert!(
        error.to_string().starts_with("it has no format_version"),
        "{error}"
    );
    let error = birdhouse::render::read_json_plan(b"plan: yes").unwrap_err();
    assert!(error.to_string().starts_with("not a JSON plan"), "{error}");
    // A renamed field is not silently read as missing.
    let renamed = saved.replace("\"api_calls\"", "\"calls\"");
    let error = birdhouse::render::read_json_plan(renamed.as_bytes()).unwrap_err();
    assert!(
        error.to_string().contains("missing field `api_calls`"),
        "{error}"
    );
}

#[test]
fn markdown_escapes_names_and_messages() {
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![TenantPlan {
            errors: vec!["<img src=x> *bold* | pipe".into()],
            ..tenant(
                "<script>alert(1)</script> | x",
                Some("a"),
                vec![create(Kind::Group, "```", group("```"))],
            )
        }],
        drift_since: None,
        token_expiry: None,
    };
    let out = markdown(&plan);
    assert!(!out.contains("<script>"), "{out}");
    assert!(!out.contains("<img"), "{out}");
    assert!(
        out.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| x"),
        "{out}"
    );
    assert!(out.contains("````diff\n+ group ```\n````"), "{out}");
}

/// 500 tenants of 20 changes each, with long names, as a large MSP's first plan.
fn huge_plan() -> Plan {
    let tenants = (0..500)
        .map(|t| {
            let changes = (0..20)
                .map(|c| {
                    let name = format!("department-{c:02}-with-a-long-descriptive-name");
                    if c % 4 == 0 {
                        Change {
                            fields: vec![field(
                                "auto_groups",
                                json!(["admins"]),
                                json!(["admins", name]),
                            )],
                            ..change(
                                Kind::SetupKey,
                                &name,
                                Action::Update,
                                Reason::FieldsDiffer {
                                    fields: vec!["auto_groups".into()],
                                },
                            )
                        }
                    } else {
                        create(Kind::Group, &name, group(&name))
                    }
                })
                .collect();
            tenant(
                &format!("Customer {t:03} Holdings International"),
                Some(&format!("ctq2p8n{t:05}")),
                changes,
            )
        })
        .collect();
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants,
        drift_since: None,
        token_expiry: None,
    }
}

#[test]
fn markdown_stays_under_the_comment_limit_and_says_what_it_cut() {
    let plan = huge_plan();
    let out = markdown(&plan);
    assert!(
        out.chars().count() < 65_000,
        "{} characters",
        out.chars().count()
    );
    assert!(out.len() < 65_000, "{} bytes", out.len());
    assert!(out.contains("| Tenant | Create | Update | Replace | Delete | Status |"));
    assert!(
        out.contains("| Customer 499 Holdings International | 15 | 5 | 0 | 0 | ready |"),
        "the table keeps every row when it fits"
    );
    assert!(out.contains("| **Total** | **7500** | **2500** | **0** | **0** | ready |"));
    let kept = out.matches("<details>").count();
    assert!(kept > 0, "some sections fit");
    let note = format!(
        "_… {} tenant sections omitted to stay under GitHub's 65,536-character comment limit; \
         run `birdhouse plan --format text` for the full plan._\n",
        500 - kept
    );
    assert!(out.ends_with(&note), "{}", &out[out.len() - 400..]);
    assert_eq!(
        out.matches("<details>").count(),
        out.matches("</details>").count()
    );
    assert!(out.contains("**Total:** 7500 to create, 2500 to update"));
}

#[test]
fn markdown_cuts_table_rows_when_even_the_table_is_too_long() {
    let mut plan = huge_plan();
    let template = plan.tenants[0].clone();
    plan.tenants = (0..3000)
        .map(|t| TenantPlan {
            name: format!("Customer {t:04} Holdings International"),
            ..template.clone()
        })
        .collect();
    let out = markdown(&plan);
    assert!(out.len() < 65_000, "{} bytes", out.len());
    assert!(out.contains("| Tenant | Create |"));
    assert!(out.contains("more tenants | | | | | |"));
    assert!(out.contains("| **Total** |"));
    assert!(
        out.contains("3000 tenant sections and "),
        "{}",
        &out[out.len() - 400..]
    );
    assert!(out.contains(" table rows omitted to stay under GitHub's"));
}

/// A policy of one rule, for the diagram tests.
fn one_rule(name: &str, rule: Rule) -> Policy {
    policy(name, None, vec![rule])
}

fn policy_change(
    name: &str,
    action: Action,
    before: Option<Policy>,
    after: Option<Policy>,
) -> Change {
    let reason = match action {
        Action::Create => Reason::Missing,
        Action::Delete => Reason::NotDesired,
        _ => Reason::FieldsDiffer {
            fields: vec!["rules[0]".into()],
        },
    };
    Change {
        before: before.map(Object::Policy),
        after: after.map(Object::Policy),
        ..change(Kind::Policy, name, action, reason)
    }
}

/// Every edge state and arrow the access diagram draws, and names that would break Mermaid's
/// syntax or the Markdown fence if they were not escaped.
fn access_plan() -> Plan {
    let to_resource = |sources: &[&str], network: &str, resource: &str| Rule {
        destination: Destination::Resource(RuleResource::Network(ResourceRef {
            network: network.into(),
            resource: resource.into(),
        })),
        ..rule(sources, &[], &["443"])
    };
    let one_way = rule(&["ops"], &["db \"primary\""], &["5432"]);
    let both_ways = Rule {
        bidirectional: Some(true),
        ..one_way.clone()
    };
    let blocked = Rule {
        action: RuleAction::Drop,
        protocol: Protocol::All,
        ports: BTreeSet::new(),
        ..rule(&["guests|wifi"], &["servers", "db \"primary\""], &[])
    };
    let vpn = rule(&["contractors"], &["servers"], &["22"]);
    let changes = vec![
        policy_change(
            "ops-to-db",
            Action::Update,
            Some(one_rule("ops-to-db", one_way)),
            Some(one_rule("ops-to-db", both_ways)),
        ),
        policy_change(
            "block-guests",
            Action::Create,
            None,
            Some(one_rule("block-guests", blocked)),
        ),
        policy_change(
            "web <admin> & `api` #1",
            Action::Update,
            Some(one_rule(
                "web <admin> & `api` #1",
                to_resource(&["admins", "devs"], "dmz", "web"),
            )),
            Some(one_rule(
                "web <admin> & `api` #1",
                Rule {
                    ports: ["443".parse().unwrap(), "8443".parse().unwrap()]
                        .into_iter()
                        .collect(),
                    ..to_resource(&["admins", "ops"], "dmz", "web")
                },
            )),
        ),
        policy_change(
            "contractor-ssh",
            Action::Update,
            Some(one_rule("contractor-ssh", vpn.clone())),
            Some(Policy {
                enabled: Some(false),
                ..one_rule("contractor-ssh", vpn)
            }),
        ),
        create(Kind::Group, "ops", group("ops")),
    ];
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![tenant("Zahnärzte \"Süd\"", Some("z"), changes)],
        drift_since: None,
        token_expiry: None,
    }
}

#[test]
fn markdown_draws_the_access_of_changed_policies() {
    let out = markdown(&access_plan());
    insta::assert_snapshot!(out);
    assert_eq!(out.matches("```mermaid\n").count(), 1);
    let chart = out.split("```mermaid\n").nth(1).unwrap();
    let chart = &chart[..chart.find("```").expect("the fence closes")];
    for raw in ["`", "<admin>", "\"primary\"", "guests|wifi", " #1:"] {
        assert!(
            !chart.contains(raw),
            "{raw} is escaped in the diagram: {chart}"
        );
    }
}

#[test]
fn markdown_draws_no_diagram_without_policy_changes() {
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![tenant(
            "Quiet",
            Some("q"),
            vec![create(Kind::Group, "g", group("g"))],
        )],
        drift_since: None,
        token_expiry: None,
    };
    assert!(!markdown(&plan).contains("mermaid"));
    assert!(
        !markdown(&rich_plan())
            .split("<details>")
            .nth(3)
            .unwrap()
            .contains("mermaid"),
        "Initech changes no policy"
    );
}

/// A tenant whose one new policy, `policy`, connects `sources` × `destinations` groups.
fn wide_policy_plan(sources: usize, destinations: usize, policy: &str) -> Plan {
    let sources: Vec<String> = (0..sources).map(|i| format!("src-{i:02}")).collect();
    let destinations: Vec<String> = (0..destinations).map(|i| format!("dst-{i:02}")).collect();
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    let destinations: Vec<&str> = destinations.iter().map(String::as_str).collect();
    let wide = one_rule(policy, rule(&sources, &destinations, &["22"]));
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![tenant(
            "Wide",
            Some("w"),
            vec![policy_change(policy, Action::Create, None, Some(wide))],
        )],
        drift_since: None,
        token_expiry: None,
    }
}

#[test]
fn markdown_leaves_out_diagrams_too_large_to_read() {
    let at_cap = markdown(&wide_policy_plan(6, 10, "wide"));
    assert!(at_cap.contains("```mermaid\n"), "60 edges draw");
    assert_eq!(at_cap.matches("|\"+ wide: tcp 22\"|").count(), 60);

    let over = markdown(&wide_policy_plan(61, 1, "wide"));
    assert!(!over.contains("```mermaid"), "{over}");
    assert!(over.contains(
        "_Access diagram omitted: the changed policies make 61 edges, more than the 60 that \
         draw legibly; the changes above list them all._"
    ));

    let long_names = markdown(&wide_policy_plan(6, 10, &"long-policy-name-".repeat(8)));
    assert!(!long_names.contains("```mermaid"));
    assert!(long_names.contains("_Access diagram omitted: it would take "));
    assert!(long_names.contains("characters, more than the 8000 allowed per tenant"));
}

#[test]
fn markdown_cuts_diagrams_before_sections_near_the_limit() {
    let template = wide_policy_plan(6, 10, "a-policy-with-a-descriptive-name")
        .tenants
        .remove(0);
    let mut plan = wide_policy_plan(1, 1, "p");
    plan.tenants = (0..40)
        .map(|t| TenantPlan {
            name: format!("Customer {t:02}"),
            ..template.clone()
        })
        .collect();
    let out = markdown(&plan);
    assert!(out.len() < 65_000, "{} bytes", out.len());
    let sections = out.matches("<details>").count();
    let diagrams = out.matches("```mermaid\n").count();
    assert!(
        diagrams > 0 && diagrams < sections,
        "{diagrams} diagrams, {sections} sections"
    );
    let note = if sections < 40 {
        format!(
            "_… {} tenant sections and {} access diagrams omitted to stay under",
            40 - sections,
            sections - diagrams
        )
    } else {
        format!(
            "_… {} access diagrams omitted to stay under",
            sections - diagrams
        )
    };
    assert!(out.contains(&note), "{}", &out[out.len() - 400..]);
}

#[test]
fn the_plan_names_the_tenants_proven_by_their_log_and_those_read_again_with_why() {
    use birdhouse::live::LiveSource;
    use birdhouse::live::lists::List;
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants: vec![
            TenantPlan {
                live_source: LiveSource::Stored {
                    read_at: "2026-12-01T09:00:00Z".into(),
                    event_id: "812".into(),
                    event_time: "2026-12-01T08:59:58Z".into(),
                    refreshed: vec![List::Policies, List::Account],
                    unlogged_as_stored: Vec::new(),
                    unlogged_read_at: None,
                },
                ..tenant("Acme Dental", Some("a"), vec![])
            },
            TenantPlan {
                live_source: LiveSource::Stored {
                    read_at: "2026-12-01T09:00:00Z".into(),
                    event_id: "815".into(),
                    event_time: "2026-12-01T09:01:00Z".into(),
                    refreshed: Vec::new(),
                    unlogged_as_stored: vec![List::Account, List::Resources],
                    unlogged_read_at: Some("2026-12-01T09:30:00Z".into()),
                },
                ..tenant("Umbrella", Some("u"), vec![])
            },
            TenantPlan {
                live_source: LiveSource::Reread {
                    why: "event 5 is no longer in the tenant's audit log".into(),
                },
                ..tenant("Globex", Some("g"), vec![])
            },
            tenant("Initech", Some("i"), vec![]),
        ],
        drift_since: None,
        token_expiry: None,
    };
    let text = text(&plan);
    assert!(
        text.contains(
            "Proven current by their audit logs since the stored snapshot's newest event, 2 \
             tenants: Acme Dental (event 812, 2026-12-01T08:59:58Z; read again: policies, account \
             settings), Umbrella (event 815, 2026-12-01T09:01:00Z; as read at \
             2026-12-01T09:30:00Z, changes NetBird does not log unseen: account settings, network \
             resources)."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "Read whole, the stored snapshot not proven current, 1 tenant: Globex (event 5 is no \
             longer in the tenant's audit log)."
        ),
        "{text}"
    );
    assert!(
        !text.contains("Initech ("),
        "a tenant read as always says nothing: {text}"
    );
    assert!(markdown(&plan).contains("Proven current by their audit logs"));
    let saved = render_to_string(&plan, Format::Json, &RenderOptions::default());
    let value: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(value["tenants"][0]["live_source"]["source"], "stored");
    assert_eq!(
        value["tenants"][0]["live_source"]["refreshed"],
        json!(["policies", "account"])
    );
    assert!(
        value["tenants"][0]["live_source"]
            .get("unlogged_as_stored")
            .is_none()
    );
    assert_eq!(
        value["tenants"][1]["live_source"]["unlogged_as_stored"],
        json!(["account", "resources"])
    );
    assert_eq!(
        value["tenants"][1]["live_source"]["unlogged_read_at"],
        "2026-12-01T09:30:00Z"
    );
    assert_eq!(value["tenants"][2]["live_source"]["source"], "reread");
    assert!(value["tenants"][3].get("live_source").is_none());
    let back = birdhouse::render::read_json_plan(saved.as_bytes()).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn a_markdown_plan_too_long_for_every_proven_tenants_name_counts_them() {
    use birdhouse::live::LiveSource;
    let tenants = (0..2_000)
        .map(|i| TenantPlan {
            live_source: LiveSource::Stored {
                read_at: "2026-12-01T09:00:00Z".into(),
                event_id: format!("{i}"),
                event_time: "2026-12-01T08:59:58Z".into(),
                refreshed: Vec::new(),
                unlogged_as_stored: if i % 2 == 0 {
                    vec![birdhouse::live::lists::List::Account]
                } else {
                    Vec::new()
                },
                unlogged_read_at: None,
            },
            ..tenant(&format!("tenant-{i}"), Some("t"), vec![])
        })
        .collect();
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        budget: CLOUD,
        reads_own_all_group: true,
        tenants,
        drift_since: None,
        token_expiry: None,
    };
    let markdown = markdown(&plan);
    assert!(
        markdown.contains(
            "Stored snapshots: 2000 tenants proven current by their audit logs (1000 tenants with \
             the parts NetBird changes without an event planned as stored), 0 tenants read whole"
        ),
        "{}",
        &markdown[..markdown.len().min(2000)]
    );
    assert!(markdown.len() < 65_536);
}
