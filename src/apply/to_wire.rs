//! Each kind's request builders (`kinds/<kind>/request.rs`), by the names apply calls them. The
//! tests check them against apply's working state, which answers the ids they ask for.

pub(super) use crate::kinds::network::request::{network, resource, resource_ref, router};
pub(super) use crate::kinds::policy::request::{dropped_groups, policy, policy_echo};
pub(super) use crate::kinds::setup_key::request::{setup_key_create, setup_key_update};
pub(super) use crate::kinds::user::request::{
    service_user_create, service_user_update, user_create, user_update,
};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{dropped_groups, policy};
    use crate::apply::state::State;
    use crate::kinds::Kind;
    use crate::kinds::wire;
    use crate::live::{LiveTenant, Snapshot, WireTenant, convert};

    /// A tenant with groups `devs` (g1) and `ops` (g2), a host resource `nas` (r1) in `lan`,
    /// and policy `p` (rule id p1, a posture check) from devs to ops.
    fn state() -> State {
        let wire = WireTenant {
            groups: serde_json::from_value(json!([
                {"id": "g1", "name": "devs", "issued": "api"},
                {"id": "g2", "name": "ops", "issued": "api"}
            ]))
            .unwrap(),
            networks: serde_json::from_value(json!([
                {"id": "n1", "name": "lan", "resources": ["r1"], "routers": []}
            ]))
            .unwrap(),
            resources: serde_json::from_value(json!([
                {"id": "r1", "name": "nas", "type": "host", "address": "10.0.0.5/32",
                 "enabled": true, "groups": []}
            ]))
            .unwrap(),
            policies: serde_json::from_value(json!([
                {"id": "p1", "name": "p", "enabled": true, "source_posture_checks": ["pc1"],
                 "rules": [{"id": "p1", "name": "p", "enabled": true, "action": "accept",
                            "bidirectional": false, "protocol": "all",
                            "sources": [{"id": "g1"}], "destinations": [{"id": "g2"}]}]}
            ]))
            .unwrap(),
            ..WireTenant::default()
        };
        let snapshot: Snapshot = convert(&wire, Kind::ALL.into_iter().collect());
        State::new(&LiveTenant {
            account_id: "a".into(),
            snapshot,
            wire,
            locks: Vec::new(),
        })
    }

    #[test]
    fn a_policy_update_keeps_the_rule_id_and_posture_checks_and_targets_the_resource_by_type() {
        let state = state();
        let live = state.wire.policies[0].clone();
        let snapshot = convert(&state.wire, Kind::ALL.into_iter().collect());
        let mut model = snapshot.objects.policies["p"].clone();
        model.source_posture_checks = None;
        model.rules[0].destination = crate::kinds::Destination::Resource(
            crate::kinds::RuleResource::Network(crate::kinds::ResourceRef {
                network: "lan".into(),
                resource: "nas".into(),
            }),
        );
        let body = policy(&model, Some(&live), &state).unwrap();
        let sent = serde_json::to_value(&body).unwrap();
        assert_eq!(sent["source_posture_checks"], json!(["pc1"]));
        assert_eq!(sent["rules"][0]["id"], "p1");
        assert_eq!(sent["rules"][0]["sources"], json!(["g1"]));
        assert_eq!(
            sent["rules"][0]["destinationResource"],
            json!({"id": "r1", "type": "host"})
        );
        assert!(sent["rules"][0].get("destinations").is_none());
    }

    #[test]
    fn groups_missing_from_the_answer_are_reported() {
        let state = state();
        let live = state.wire.policies[0].clone();
        let snapshot = convert(&state.wire, Kind::ALL.into_iter().collect());
        let mut model = snapshot.objects.policies["p"].clone();
        model.source_posture_checks = None;
        let body = policy(&model, Some(&live), &state).unwrap();
        assert_eq!(dropped_groups(&body, &live), Vec::<String>::new());
        let mut answer: wire::Policy = live.clone();
        answer.rules[0].destinations.clear();
        assert_eq!(dropped_groups(&body, &answer), ["g2"]);
    }
}
