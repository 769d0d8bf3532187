//! The wire conventions of `api::wire` (null arrays, unknown fields, secrets), shown on the
//! kinds' shapes.

use crate::kinds::wire::{Group, NetworkRouter, Policy, SetupKeyCreated, Tenant, User};

#[test]
fn null_arrays_read_as_empty_and_unknown_fields_are_ignored() {
    let group: Group = serde_json::from_str(
        r#"{"id":"g1","name":"devs","issued":"api","peers":null,"peers_count":0,
            "resources":null,"resources_count":0,"added_in_a_later_release":{"x":1}}"#,
    )
    .unwrap();
    assert!(group.peers.is_empty() && group.resources.is_empty());

    let router: NetworkRouter = serde_json::from_str(
        r#"{"id":"r1","peer":"p1","peer_groups":null,"masquerade":true,"metric":9999,
            "enabled":true}"#,
    )
    .unwrap();
    assert!(router.peer_groups.is_empty());
}

#[test]
fn policy_rules_read_group_objects_and_camel_case_resources() {
    let policy: Policy = serde_json::from_str(
        r#"{"id":"p1","name":"web","description":"","enabled":true,
            "source_posture_checks":null,
            "rules":[{"id":"p1","name":"web","enabled":true,"action":"accept",
              "bidirectional":false,"protocol":"tcp","ports":["443"],
              "sources":[{"id":"g1","name":"devs","peers_count":2,"resources_count":0}],
              "destinations":null,
              "destinationResource":{"id":"res1","type":"subnet"}}]}"#,
    )
    .unwrap();
    let rule = &policy.rules[0];
    assert_eq!(rule.sources[0].id, "g1");
    assert!(rule.destinations.is_empty());
    assert_eq!(rule.destination_resource.as_ref().unwrap().kind, "subnet");
}

#[test]
fn one_time_secrets_never_print() {
    let created: SetupKeyCreated = serde_json::from_str(
        r#"{"id":"k1","key":"A616097E-FCF0-48FA-9354-CA4A61142761","name":"office",
            "type":"reusable","expires":"0001-01-01T00:00:00Z","valid":true,
            "revoked":false,"used_times":0,"last_used":"0001-01-01T00:00:00Z",
            "state":"valid","auto_groups":["g1"],"updated_at":"","usage_limit":0,
            "ephemeral":false,"allow_extra_dns_labels":false}"#,
    )
    .unwrap();
    assert_eq!(created.key.expose(), "A616097E-FCF0-48FA-9354-CA4A61142761");
    assert_eq!(created.setup_key.name, "office");
    assert!(!format!("{created:?}").contains("A616097E"));

    let user: User = serde_json::from_str(
        r#"{"id":"u1","email":"a@b.c","name":"A","role":"user","status":"active",
            "auto_groups":[],"is_blocked":false,"pending_approval":false,
            "password":"hunter2hunter2"}"#,
    )
    .unwrap();
    assert_eq!(user.password.as_ref().unwrap().expose(), "hunter2hunter2");
    assert!(!format!("{user:?}").contains("hunter2"));
    assert!(!serde_json::to_string(&user).unwrap().contains("hunter2"));
}

#[test]
fn tenant_reads_the_spec_example() {
    let tenant: Tenant = serde_json::from_str(
        r#"{"id":"ch8i4ug6lnn4g9hqv7m0","name":"My new tenant","domain":"tenant.com",
            "groups":[{"id":"g","role":"admin"}],"created_at":"2021-08-01T12:00:00Z",
            "updated_at":"2021-08-01T12:00:00Z","status":"active","dns_challenge":"YXNk"}"#,
    )
    .unwrap();
    assert_eq!(tenant.status, "active");
    assert_eq!(tenant.groups.len(), 1);
}

#[test]
fn the_audit_log_reads_as_a_bare_array_a_page_or_null_with_string_or_number_ids() {
    use crate::api::wire::AuditEvents;
    let bare = r#"[{"id": "12", "timestamp": "2026-12-01T10:00:00Z", "activity": "Policy updated",
        "activity_code": "policy.update", "initiator_id": "u", "initiator_email": "a@b.example",
        "target_id": "p1", "meta": {"name": "x"}}]"#;
    let events = serde_json::from_str::<AuditEvents>(bare)
        .unwrap()
        .into_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, "12");
    assert_eq!(events[0].activity_code, "policy.update");
    assert_eq!(events[0].target_id, "p1");
    let paged = r#"{"data": [{"id": 13, "activity_code": "group.add"}], "page": 1,
        "page_size": 1000, "total_records": 1, "total_pages": 1}"#;
    let events = serde_json::from_str::<AuditEvents>(paged)
        .unwrap()
        .into_events();
    assert_eq!(events[0].id, "13");
    assert!(
        serde_json::from_str::<AuditEvents>("null")
            .unwrap()
            .into_events()
            .is_empty()
    );
    assert!(
        serde_json::from_str::<AuditEvents>("[]")
            .unwrap()
            .into_events()
            .is_empty()
    );
    assert!(serde_json::from_str::<AuditEvents>(r#"{"message": "forbidden"}"#).is_err());
}
