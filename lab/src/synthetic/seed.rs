//! The synthetic backend's starting content: tenants of a given size with a realistic mix of
//! objects that reference each other, built through the same request handlers a client uses
//! (so the seeded state is one a client could have written).

use serde_json::{Value, json};

use crate::synthetic::store::Account;

/// How many objects of each kind a tenant of `objects` objects gets (besides what every account
/// has: the `All` group, the `Default` policy and the owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// Groups.
    pub groups: usize,
    /// Setup keys.
    pub setup_keys: usize,
    /// Regular users.
    pub users: usize,
    /// Service users.
    pub service_users: usize,
    /// Networks, each with two resources and one router.
    pub networks: usize,
    /// Policies, one rule each (some to a network resource).
    pub policies: usize,
}

impl Mix {
    /// A quarter groups, a tenth each setup keys and users, a twentieth service users, a
    /// twentieth networks (times four with their resources and routers), policies for the rest.
    pub fn of(objects: usize) -> Self {
        let groups = (objects / 4).max(1);
        let setup_keys = objects / 10;
        let users = objects / 10;
        let service_users = objects / 20;
        let networks = objects / 20;
        let used = groups + setup_keys + users + service_users + networks * 4;
        Self {
            groups,
            setup_keys,
            users,
            service_users,
            networks,
            policies: objects.saturating_sub(used),
        }
    }

    /// Every object counted, resources and routers included.
    pub fn total(self) -> usize {
        self.groups
            + self.setup_keys
            + self.users
            + self.service_users
            + self.networks * 4
            + self.policies
    }
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .expect("invariant: created objects have ids")
        .to_owned()
}

/// Fills `account` (a tenant numbered `n`) with `mix`.
pub fn seed(account: &mut Account, n: usize, mix: Mix) {
    let create = |account: &mut Account, path: &[&str], body: Value| -> String {
        let created = account
            .handle("POST", path, &body)
            .unwrap_or_else(|refusal| panic!("invariant: seed writes are valid: {refusal:?}"));
        id_of(&created)
    };
    let groups: Vec<String> = (0..mix.groups)
        .map(|i| create(account, &["groups"], json!({"name": format!("group-{i}")})))
        .collect();
    let group = |i: usize| groups[i % groups.len()].clone();
    for i in 0..mix.setup_keys {
        let body = json!({"name": format!("key-{i}"),
            "type": if i % 3 == 0 { "one-off" } else { "reusable" },
            "expires_in": if i % 2 == 0 { 0 } else { 30 * 86_400 },
            "auto_groups": [group(i)], "usage_limit": 0, "ephemeral": i % 5 == 0});
        create(account, &["setup-keys"], body);
    }
    for i in 0..mix.users {
        let role = ["user", "admin", "network_admin", "auditor"][i % 4];
        let body = json!({"email": format!("user-{i}@tenant-{n}.synthetic.example"),
            "name": format!("User {i}"), "role": role, "auto_groups": [group(i + 1)],
            "is_service_user": false});
        create(account, &["users"], body);
    }
    for i in 0..mix.service_users {
        let body = json!({"name": format!("svc-{i}"), "role": "user",
            "auto_groups": [group(i + 2)], "is_service_user": true});
        create(account, &["users"], body);
    }
    let mut resources: Vec<String> = Vec::new();
    for i in 0..mix.networks {
        let network = create(
            account,
            &["networks"],
            json!({"name": format!("net-{i}"), "description": format!("Network {i}")}),
        );
        for j in 0..2 {
            let address = if j == 0 {
                format!("10.{}.{}.0/24", i / 256, i % 256)
            } else {
                format!("host-{i}.tenant-{n}.synthetic.example")
            };
            let body = json!({"name": format!("res-{i}-{j}"), "address": address,
                "enabled": true, "groups": [group(i + j)]});
            resources.push(create(account, &["networks", &network, "resources"], body));
        }
        let body = json!({"peer_groups": [group(i + 3)], "masquerade": true, "metric": 9999,
            "enabled": true});
        create(account, &["networks", &network, "routers"], body);
    }
    for i in 0..mix.policies {
        let mut rule = json!({"name": format!("policy-{i}"), "enabled": true,
            "action": "accept", "bidirectional": i % 2 == 0,
            "protocol": if i % 3 == 0 { "all" } else { "tcp" },
            "sources": [group(i)]});
        if i % 3 != 0 {
            rule["ports"] = json!([format!("{}", 1000 + i)]);
        }
        match resources.get(i).filter(|_| i % 2 == 1) {
            Some(resource) => {
                rule["destinationResource"] = json!({"id": resource, "type": "subnet"});
            }
            None => rule["destinations"] = json!([group(i + 1)]),
        }
        create(
            account,
            &["policies"],
            json!({"name": format!("policy-{i}"), "enabled": true, "rules": [rule]}),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{Mix, seed};
    use crate::synthetic::store::Account;

    #[test]
    fn a_hundred_objects_are_a_hundred_objects() {
        let mix = Mix::of(100);
        assert_eq!(mix.total(), 100);
        assert_eq!(Mix::of(10).total(), 10);
        let mut account = Account::new("acc", "t.example");
        seed(&mut account, 1, mix);
        let mut count = |path: &[&str]| {
            account
                .handle("GET", path, &Value::Null)
                .unwrap()
                .as_array()
                .unwrap()
                .len()
        };
        // Besides the All group, the Default policy and the owner.
        let total = count(&["groups"]) - 1 + count(&["setup-keys"]) + count(&["users"]) - 1
            + count(&["networks"])
            + count(&["networks", "resources"])
            + count(&["networks", "routers"])
            + count(&["policies"])
            - 1;
        assert_eq!(total, 100);
    }
}
