//! The synthetic backend's in-memory accounts: the endpoints birdhouse reads and writes, with
//! NetBird's read and write shapes and its main refusals, but no NetBird code behind them.
//!
//! It exists for scale benchmarks (a thousand tenants do not fit on a laptop as real servers),
//! so it keeps only what a client can observe through those endpoints: objects by id, list
//! order undefined (here: by id), group objects on read where NetBird returns them, ids on
//! write, `null` for a network's empty resource list, masked setup keys, a rule without an id
//! taking the policy's id, unknown group ids in policies silently dropped, and every write
//! logged in the account's audit log with NetBird's activity code (the newest 10,000 listed,
//! paging ignored). Everything else (peers, posture checks, routes and DNS beyond empty lists)
//! is absent. Correctness against NetBird is the real lab's job; this backend is never called
//! NetBird.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::synthetic::networks::address_type;
use crate::synthetic::objects::{
    Group, Network, Policy, Resource, Router, Rule, SetupKey, Token, User,
};

/// A refused request: status and NetBird-style lower-case message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// The message.
    pub message: String,
}

pub(super) fn refuse<T>(status: u16, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        status,
        message: message.into(),
    })
}

/// The message of a request no route matches; the server answers it as gorilla/mux does
/// (plain-text 404), not as a JSON error.
pub const NO_ROUTE: &str = "404 page not found";

/// The zero time NetBird stores for "never".
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
/// The group every account has.
pub const ALL_GROUP: &str = "All";

/// One account: a tenant or the MSP's own.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// The account id.
    pub id: String,
    /// The account's domain.
    pub domain: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Groups by id.
    pub groups: BTreeMap<String, Group>,
    /// Setup keys by id.
    pub setup_keys: BTreeMap<String, SetupKey>,
    /// Users by id.
    pub users: BTreeMap<String, User>,
    /// Tokens by user id.
    pub tokens: BTreeMap<String, Vec<Token>>,
    /// Policies by id.
    pub policies: BTreeMap<String, Policy>,
    /// Networks by id.
    pub networks: BTreeMap<String, Network>,
    /// Resources by id.
    pub resources: BTreeMap<String, Resource>,
    /// Routers by id.
    pub routers: BTreeMap<String, Router>,
    /// The audit log, oldest first, as `GET /api/events/audit` lists its events.
    pub events: Vec<Value>,
    next_id: u64,
}

/// Event ids count up across every account of the backend, as NetBird's one events table does.
static NEXT_EVENT_ID: AtomicU64 = AtomicU64::new(1);

/// NetBird lists at most this many of an account's newest events.
const EVENTS_LISTED: usize = 10_000;

/// The `activity_code` NetBird logs for a successful write, by route (`None`: none logged).
fn activity_code(method: &str, segments: &[&str], body: &Value) -> Option<&'static str> {
    let verb = |add: &'static str, update: &'static str, delete: &'static str| match method {
        "POST" => Some(add),
        "PUT" => Some(update),
        "DELETE" => Some(delete),
        _ => None,
    };
    match segments {
        ["groups", ..] => verb("group.add", "group.update", "group.delete"),
        ["setup-keys", ..] => verb("setupkey.add", "setupkey.update", "setupkey.delete"),
        ["users", _, "tokens", ..] => verb(
            "personal.access.token.create",
            "personal.access.token.create",
            "personal.access.token.delete",
        ),
        ["users"] if boolean(body, "is_service_user") => Some("service.user.create"),
        ["users", ..] => verb("user.invite", "user.role.update", "user.delete"),
        ["policies", ..] => verb("policy.add", "policy.update", "policy.delete"),
        ["networks", _, "resources", ..] => verb(
            "network.resource.create",
            "network.resource.update",
            "network.resource.delete",
        ),
        ["networks", _, "routers", ..] => verb(
            "network.router.create",
            "network.router.update",
            "network.router.delete",
        ),
        ["networks", ..] => verb("network.create", "network.update", "network.delete"),
        _ => None,
    }
}

/// Now, RFC 3339.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

pub(super) fn string(body: &Value, field: &str) -> Option<String> {
    body.get(field).and_then(Value::as_str).map(str::to_owned)
}

pub(super) fn boolean(body: &Value, field: &str) -> bool {
    body.get(field).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn strings(body: &Value, field: &str) -> Option<Vec<String>> {
    body.get(field)?.as_array().map(|items| {
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

impl Account {
    /// A new account as NetBird creates one: the `All` group, the `Default` policy (All to All)
    /// and its owner, who is the token's user.
    pub fn new(id: &str, domain: &str) -> Self {
        let mut account = Account {
            id: id.to_owned(),
            domain: domain.to_owned(),
            created_at: now_rfc3339(),
            ..Account::default()
        };
        let all = account.add_group(ALL_GROUP, "api");
        let policy_id = account.new_id();
        account.policies.insert(
            policy_id.clone(),
            Policy {
                id: policy_id.clone(),
                name: "Default".into(),
                description:
                    "This is a default rule that allows connections between all the resources"
                        .into(),
                enabled: true,
                rules: vec![Rule {
                    id: Some(policy_id),
                    name: "Default".into(),
                    description: String::new(),
                    enabled: true,
                    action: "accept".into(),
                    bidirectional: true,
                    protocol: "all".into(),
                    ports: None,
                    port_ranges: None,
                    sources: Some(vec![all.clone()]),
                    destinations: Some(vec![all]),
                    source_resource: None,
                    destination_resource: None,
                }],
            },
        );
        let owner = account.new_id();
        account.users.insert(
            owner.clone(),
            User {
                id: owner,
                email: format!("owner@{domain}"),
                name: "Owner".into(),
                role: "owner".into(),
                auto_groups: Vec::new(),
                is_current: true,
                is_service_user: false,
                is_blocked: false,
            },
        );
        account
    }

    /// A fresh id, unique in the account and across accounts (it embeds the account id's tail).
    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        let tail: String = self.id.chars().rev().take(6).collect();
        format!("s{tail}{:013}", self.next_id)
    }

    /// Adds a group and returns its id.
    pub fn add_group(&mut self, name: &str, issued: &str) -> String {
        let id = self.new_id();
        self.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                name: name.to_owned(),
                issued: issued.to_owned(),
            },
        );
        id
    }

    pub(super) fn group_minimum(&self, id: &str) -> Option<Value> {
        self.groups.get(id).map(|g| {
            json!({"id": g.id, "name": g.name, "peers_count": 0,
                   "resources_count": self.resources.values().filter(|r| r.groups.contains(&g.id)).count(),
                   "issued": g.issued})
        })
    }

    /// Serves one request below `/api` (`segments` without the `api` prefix); a write that
    /// succeeds is logged as NetBird logs it.
    pub fn handle(
        &mut self,
        method: &str,
        segments: &[&str],
        body: &Value,
    ) -> Result<Value, Refusal> {
        let answer = self.serve(method, segments, body)?;
        if let Some(code) = activity_code(method, segments, body) {
            let target = answer
                .get("id")
                .and_then(Value::as_str)
                .or(segments.last().copied())
                .unwrap_or_default()
                .to_owned();
            self.log(code, &target);
        }
        Ok(answer)
    }

    /// Appends an event to the account's audit log.
    pub fn log(&mut self, activity_code: &str, target_id: &str) {
        let id = NEXT_EVENT_ID.fetch_add(1, Ordering::Relaxed);
        self.events.push(json!({
            "id": id.to_string(), "timestamp": now_rfc3339(), "activity": activity_code,
            "activity_code": activity_code, "initiator_id": "synthetic",
            "initiator_name": "", "initiator_email": "", "target_id": target_id, "meta": {}
        }));
    }

    /// Stamps every event so far `age` before now: a seeded account's history, older than any
    /// run made against it.
    pub fn backdate_events(&mut self, age: Duration) {
        let at = SystemTime::now()
            .checked_sub(age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let stamp = humantime::format_rfc3339_seconds(at).to_string();
        for event in &mut self.events {
            event["timestamp"] = Value::String(stamp.clone());
        }
    }

    /// The newest events first, at most [`EVENTS_LISTED`]; paging parameters are ignored, as
    /// NetBird v0.77.1 ignores them.
    fn list_events(&self) -> Value {
        Value::Array(
            self.events
                .iter()
                .rev()
                .take(EVENTS_LISTED)
                .cloned()
                .collect(),
        )
    }

    fn serve(&mut self, method: &str, segments: &[&str], body: &Value) -> Result<Value, Refusal> {
        match (method, segments) {
            ("GET", ["events", "audit"]) => Ok(self.list_events()),
            ("GET", ["accounts"]) => Ok(json!([{
                "id": self.id, "domain": self.domain, "domain_category": "private",
                "created_at": self.created_at, "created_by": "",
                "settings": {"peer_login_expiration_enabled": true,
                             "peer_login_expiration": 86400, "groups_propagation_enabled": true}
            }])),
            // Synthetic tenants have no peers (peers enrol with an agent, not through the API),
            // no posture checks, routes or nameserver groups; the lists are served (and the
            // DNS settings of a new account), so a read of every kind (a pruned group kind,
            // an export) costs what it costs on NetBird.
            ("GET", ["peers" | "posture-checks" | "routes"] | ["dns", "nameservers" | "zones"]) => {
                Ok(json!([]))
            }
            ("GET", ["dns", "settings"]) => Ok(json!({"disabled_management_groups": []})),
            ("GET", ["groups"]) => Ok(self.list_groups()),
            ("POST", ["groups"]) => self.create_group(body),
            ("PUT", ["groups", id]) => self.update_group(id, body),
            ("DELETE", ["groups", id]) => self.delete_group(id),
            ("GET", ["setup-keys"]) => Ok(self.list_setup_keys()),
            ("POST", ["setup-keys"]) => self.create_setup_key(body),
            ("PUT", ["setup-keys", id]) => self.update_setup_key(id, body),
            ("DELETE", ["setup-keys", id]) => remove(&mut self.setup_keys, id, "setup key"),
            ("GET", ["users"]) => Ok(self.list_users()),
            ("GET", ["users", "current"]) => self.current_user(),
            ("POST", ["users"]) => self.create_user(body),
            ("PUT", ["users", id]) => self.update_user(id, body),
            ("DELETE", ["users", id]) => self.delete_user(id),
            ("GET", ["users", id, "tokens"]) => self.list_tokens(id),
            ("POST", ["users", id, "tokens"]) => self.create_token(id, body),
            ("DELETE", ["users", id, "tokens", token]) => self.delete_token(id, token),
            ("GET", ["policies"]) => Ok(self.list_policies()),
            ("POST", ["policies"]) => self.save_policy(None, body),
            ("PUT", ["policies", id]) => self.save_policy(Some(id), body),
            ("DELETE", ["policies", id]) => remove(&mut self.policies, id, "policy"),
            ("GET", ["networks"]) => Ok(self.list_networks()),
            ("POST", ["networks"]) => self.save_network(None, body),
            ("PUT", ["networks", id]) => self.save_network(Some(id), body),
            ("DELETE", ["networks", id]) => self.delete_network(id),
            ("GET", ["networks", "resources"]) => Ok(self.list_resources(None)),
            ("GET", ["networks", "routers"]) => Ok(self.list_routers(None)),
            ("GET", ["networks", network, "resources"]) => {
                self.network(network)?;
                let list = self.list_resources(Some(network));
                // NetBird's per-network list is `null` when empty.
                Ok(if list.as_array().is_some_and(Vec::is_empty) {
                    Value::Null
                } else {
                    list
                })
            }
            ("POST", ["networks", network, "resources"]) => self.save_resource(network, None, body),
            ("PUT", ["networks", network, "resources", id]) => {
                self.save_resource(network, Some(id), body)
            }
            ("DELETE", ["networks", network, "resources", id]) => {
                self.delete_child(network, id, true)
            }
            ("GET", ["networks", network, "routers"]) => {
                self.network(network)?;
                Ok(self.list_routers(Some(network)))
            }
            ("POST", ["networks", network, "routers"]) => self.save_router(network, None, body),
            ("PUT", ["networks", network, "routers", id]) => {
                self.save_router(network, Some(id), body)
            }
            ("DELETE", ["networks", network, "routers", id]) => {
                self.delete_child(network, id, false)
            }
            _ => refuse(404, NO_ROUTE),
        }
    }

    fn list_groups(&self) -> Value {
        Value::Array(
            self.groups
                .values()
                .map(|g| {
                    let resources: Vec<Value> = self
                        .resources
                        .values()
                        .filter(|r| r.groups.contains(&g.id))
                        .map(|r| json!({"id": r.id, "type": address_type(&r.address)}))
                        .collect();
                    json!({"id": g.id, "name": g.name, "issued": g.issued, "peers": [],
                           "peers_count": 0, "resources_count": resources.len(),
                           "resources": resources})
                })
                .collect(),
        )
    }

    fn group_json(&self, id: &str) -> Value {
        self.list_groups()
            .as_array()
            .and_then(|all| all.iter().find(|g| g["id"] == id).cloned())
            .unwrap_or(Value::Null)
    }

    fn create_group(&mut self, body: &Value) -> Result<Value, Refusal> {
        let name = string(body, "name").unwrap_or_default();
        if name.is_empty() {
            return refuse(422, "group name shouldn't be empty");
        }
        if self.groups.values().any(|g| g.name == name) {
            return refuse(409, format!("group with name {name} already exists"));
        }
        let id = self.add_group(&name, "api");
        self.attach_resources(&id, body);
        Ok(self.group_json(&id))
    }

    /// Group membership of resources is written through the group (`resources` of the body).
    fn attach_resources(&mut self, group: &str, body: &Value) {
        let wanted: Vec<String> = body
            .get("resources")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|r| r["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for resource in self.resources.values_mut() {
            let member = resource.groups.iter().any(|g| g == group);
            let listed = wanted.contains(&resource.id);
            if listed && !member {
                resource.groups.push(group.to_owned());
            } else if member && !listed {
                resource.groups.retain(|g| g != group);
            }
        }
    }

    fn update_group(&mut self, id: &str, body: &Value) -> Result<Value, Refusal> {
        let Some(group) = self.groups.get(id) else {
            return refuse(404, format!("group: {id} not found"));
        };
        if group.name == ALL_GROUP {
            return refuse(422, "updating group all is not allowed");
        }
        let name = string(body, "name").unwrap_or_default();
        if name.is_empty() {
            return refuse(422, "group name shouldn't be empty");
        }
        if let Some(group) = self.groups.get_mut(id) {
            group.name = name;
        }
        self.attach_resources(id, body);
        Ok(self.group_json(id))
    }

    /// The first object that names the group, as NetBird reports only the first blocker.
    fn group_link(&self, id: &str) -> Option<String> {
        if let Some(r) = self
            .resources
            .values()
            .find(|r| r.groups.iter().any(|g| g == id))
        {
            return Some(format!("network resource: {}", r.id));
        }
        for policy in self.policies.values() {
            let named = policy.rules.iter().any(|rule| {
                [&rule.sources, &rule.destinations]
                    .into_iter()
                    .flatten()
                    .any(|ids| ids.iter().any(|g| g == id))
            });
            if named {
                return Some(format!("policy: {}", policy.name));
            }
        }
        if let Some(key) = self
            .setup_keys
            .values()
            .find(|k| k.auto_groups.iter().any(|g| g == id))
        {
            return Some(format!("setup key: {}", key.name));
        }
        if let Some(user) = self
            .users
            .values()
            .find(|u| u.auto_groups.iter().any(|g| g == id))
        {
            return Some(format!("user: {}", user.id));
        }
        self.routers
            .values()
            .find(|r| r.peer_groups.iter().any(|g| g == id))
            .map(|r| format!("network router: {}", r.id))
    }

    fn delete_group(&mut self, id: &str) -> Result<Value, Refusal> {
        let Some(group) = self.groups.get(id) else {
            return refuse(400, format!("group: {id} not found"));
        };
        if group.name == ALL_GROUP {
            return refuse(400, "deleting group ALL is not allowed");
        }
        if let Some(link) = self.group_link(id) {
            return refuse(400, format!("group has been linked to {link}"));
        }
        self.groups.remove(id);
        Ok(json!({}))
    }

    fn check_groups(&self, ids: &[String], what: &str) -> Result<(), Refusal> {
        for id in ids {
            match self.groups.get(id) {
                None => return refuse(422, format!("invalid {what}: group not found: {id}")),
                Some(g) if g.name == ALL_GROUP => {
                    return refuse(422, format!("invalid {what}: can't add 'all' group"));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn list_setup_keys(&self) -> Value {
        Value::Array(self.setup_keys.values().map(setup_key_json).collect())
    }

    fn create_setup_key(&mut self, body: &Value) -> Result<Value, Refusal> {
        let name = string(body, "name").unwrap_or_default();
        if name.is_empty() {
            return refuse(422, "setup key name shouldn't be empty");
        }
        let kind = string(body, "type").unwrap_or_default();
        if kind != "one-off" && kind != "reusable" {
            return refuse(422, "invalid setup key type");
        }
        let expires_in = body.get("expires_in").and_then(Value::as_i64).unwrap_or(0);
        if expires_in < 0 {
            return refuse(422, "expiration should be positive");
        }
        let auto_groups = strings(body, "auto_groups").unwrap_or_default();
        self.check_groups(&auto_groups, "auto groups")?;
        let mut usage_limit = body.get("usage_limit").and_then(Value::as_u64).unwrap_or(0);
        if kind == "one-off" {
            if usage_limit > 1 {
                return refuse(422, "one-off setup key can have a usage limit of 1");
            }
            usage_limit = 1;
        }
        let expires = if expires_in == 0 {
            ZERO_TIME.to_owned()
        } else {
            let at = SystemTime::now() + Duration::from_secs(expires_in.unsigned_abs());
            humantime::format_rfc3339_seconds(at).to_string()
        };
        let id = self.new_id();
        let key = SetupKey {
            id: id.clone(),
            name,
            kind,
            expires,
            revoked: false,
            auto_groups,
            usage_limit,
            ephemeral: boolean(body, "ephemeral"),
            allow_extra_dns_labels: boolean(body, "allow_extra_dns_labels"),
        };
        let mut created = setup_key_json(&key);
        // The plain key is shown once, in the create response only.
        created["key"] = json!(format!("{}-SYNTHETIC-KEY", id.to_uppercase()));
        self.setup_keys.insert(id, key);
        Ok(created)
    }

    fn update_setup_key(&mut self, id: &str, body: &Value) -> Result<Value, Refusal> {
        let Some(auto_groups) = strings(body, "auto_groups") else {
            return refuse(422, "setup key autogroups field is invalid");
        };
        self.check_groups(&auto_groups, "auto groups")?;
        let revoked = boolean(body, "revoked");
        let Some(key) = self.setup_keys.get_mut(id) else {
            return refuse(404, format!("setup key: {id} not found"));
        };
        if key.revoked && !revoked {
            return refuse(422, "can't un-revoke a revoked setup key");
        }
        key.revoked = revoked;
        key.auto_groups = auto_groups;
        Ok(setup_key_json(key))
    }

    fn list_users(&self) -> Value {
        Value::Array(self.users.values().map(user_json).collect())
    }

    fn create_user(&mut self, body: &Value) -> Result<Value, Refusal> {
        let role = string(body, "role").unwrap_or_default().to_lowercase();
        if ![
            "admin",
            "user",
            "network_admin",
            "billing_admin",
            "auditor",
            "owner",
        ]
        .contains(&role.as_str())
        {
            return refuse(422, format!("invalid user role: {role}"));
        }
        if role == "owner" {
            return refuse(422, "can't create a user with owner role");
        }
        let auto_groups = strings(body, "auto_groups").unwrap_or_default();
        self.check_groups(&auto_groups, "auto groups")?;
        let service = boolean(body, "is_service_user");
        let name = string(body, "name").unwrap_or_default();
        let email = string(body, "email").unwrap_or_default();
        if !service {
            if email.is_empty() || name.is_empty() {
                return refuse(422, "name and email are required");
            }
            if self
                .users
                .values()
                .any(|u| u.email.eq_ignore_ascii_case(&email))
            {
                return refuse(409, "can't invite a user with an existing netbird account");
            }
        }
        let id = self.new_id();
        let user = User {
            id: id.clone(),
            email: if service { String::new() } else { email },
            name,
            role,
            auto_groups,
            is_current: false,
            is_service_user: service,
            is_blocked: false,
        };
        let created = user_json(&user);
        self.users.insert(id, user);
        Ok(created)
    }

    fn update_user(&mut self, id: &str, body: &Value) -> Result<Value, Refusal> {
        let Some(auto_groups) = strings(body, "auto_groups") else {
            return refuse(400, "auto_groups field can't be absent");
        };
        self.check_groups(&auto_groups, "auto groups")?;
        let role = string(body, "role").unwrap_or_default().to_lowercase();
        let Some(user) = self.users.get_mut(id) else {
            return refuse(404, format!("user: {id} not found"));
        };
        if (role == "owner") != (user.role == "owner") {
            return refuse(403, "owner role can't be granted or removed here");
        }
        if !role.is_empty() {
            user.role = role;
        }
        user.auto_groups = auto_groups;
        user.is_blocked = boolean(body, "is_blocked");
        Ok(user_json(user))
    }

    fn delete_user(&mut self, id: &str) -> Result<Value, Refusal> {
        match self.users.get(id) {
            None => refuse(404, format!("user: {id} not found")),
            Some(u) if u.is_current => refuse(422, "self deletion is not allowed"),
            Some(u) if u.role == "owner" => refuse(403, "can't delete a user with the owner role"),
            Some(_) => {
                self.users.remove(id);
                self.tokens.remove(id);
                Ok(json!({}))
            }
        }
    }

    /// `GET /api/users/current`: the owner, whose token every request carries.
    fn current_user(&self) -> Result<Value, Refusal> {
        self.users
            .values()
            .find(|u| u.is_current)
            .map(user_json)
            .ok_or_else(|| Refusal {
                status: 404,
                message: "no current user".into(),
            })
    }

    fn list_tokens(&self, user: &str) -> Result<Value, Refusal> {
        if !self.users.contains_key(user) {
            return refuse(404, format!("user: {user} not found"));
        }
        Ok(json!(self.tokens.get(user).cloned().unwrap_or_default()))
    }

    fn create_token(&mut self, user: &str, body: &Value) -> Result<Value, Refusal> {
        if !self.users.contains_key(user) {
            return refuse(404, format!("user: {user} not found"));
        }
        let name = string(body, "name").unwrap_or_default();
        let days = body.get("expires_in").and_then(Value::as_u64).unwrap_or(0);
        if name.is_empty() {
            return refuse(422, "name should not be empty");
        }
        if !(1..=365).contains(&days) {
            return refuse(422, "expiration has to be between 1 and 365");
        }
        let id = self.new_id();
        let token = Token {
            id: id.clone(),
            name,
            expiration_date: humantime::format_rfc3339_seconds(
                SystemTime::now() + Duration::from_hours(24 * days),
            )
            .to_string(),
            created_by: user.to_owned(),
            created_at: now_rfc3339(),
        };
        self.tokens
            .entry(user.to_owned())
            .or_default()
            .push(token.clone());
        Ok(json!({"plain_token": format!("nbp_{id:0<30}SYNTH"), "personal_access_token": token}))
    }

    fn delete_token(&mut self, user: &str, token: &str) -> Result<Value, Refusal> {
        let tokens = self.tokens.entry(user.to_owned()).or_default();
        let before = tokens.len();
        tokens.retain(|t| t.id != token);
        if tokens.len() == before {
            return refuse(404, format!("token: {token} not found"));
        }
        Ok(json!({}))
    }

    fn rule_json(&self, rule: &Rule) -> Value {
        let groups = |ids: &Option<Vec<String>>| -> Value {
            match ids {
                Some(ids) => {
                    Value::Array(ids.iter().filter_map(|id| self.group_minimum(id)).collect())
                }
                None => Value::Null,
            }
        };
        let mut value = json!({
            "id": rule.id, "name": rule.name, "description": rule.description,
            "enabled": rule.enabled, "action": rule.action, "bidirectional": rule.bidirectional,
            "protocol": rule.protocol, "sources": groups(&rule.sources),
            "destinations": groups(&rule.destinations),
        });
        if let Some(ports) = &rule.ports {
            value["ports"] = json!(ports);
        }
        if let Some(ranges) = &rule.port_ranges {
            value["port_ranges"] = json!(ranges);
        }
        if let Some(resource) = &rule.source_resource {
            value["sourceResource"] = resource.clone();
        }
        if let Some(resource) = &rule.destination_resource {
            value["destinationResource"] = resource.clone();
        }
        value
    }

    fn policy_json(&self, policy: &Policy) -> Value {
        json!({
            "id": policy.id, "name": policy.name, "description": policy.description,
            "enabled": policy.enabled, "source_posture_checks": [],
            "rules": policy.rules.iter().map(|r| self.rule_json(r)).collect::<Vec<_>>(),
        })
    }

    fn list_policies(&self) -> Value {
        Value::Array(
            self.policies
                .values()
                .map(|p| self.policy_json(p))
                .collect(),
        )
    }

    fn save_policy(&mut self, id: Option<&str>, body: &Value) -> Result<Value, Refusal> {
        let name = string(body, "name").unwrap_or_default();
        if name.is_empty() {
            return refuse(422, "policy name shouldn't be empty");
        }
        let rules: Vec<Rule> = body
            .get("rules")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|_| Refusal {
                status: 400,
                message: "couldn't parse JSON request".into(),
            })?
            .unwrap_or_default();
        if rules.is_empty() {
            return refuse(422, "policy must have at least one rule");
        }
        let id = match id {
            Some(id) if !self.policies.contains_key(id) => {
                return refuse(404, format!("policy: {id} not found"));
            }
            Some(id) => id.to_owned(),
            None => self.new_id(),
        };
        let mut kept = Vec::new();
        for mut rule in rules {
            if !["accept", "drop"].contains(&rule.action.as_str()) {
                return refuse(422, "unknown action type");
            }
            if !["all", "tcp", "udp", "icmp", "netbird-ssh"].contains(&rule.protocol.as_str()) {
                return refuse(422, format!("unknown protocol type: {}", rule.protocol));
            }
            // Unknown group ids are dropped silently, as NetBird does.
            for ids in [&mut rule.sources, &mut rule.destinations]
                .into_iter()
                .flatten()
            {
                ids.retain(|g| self.groups.contains_key(g));
            }
            if rule.id.is_none() {
                rule.id = Some(id.clone());
            }
            kept.push(rule);
        }
        let policy = Policy {
            id: id.clone(),
            name,
            description: string(body, "description").unwrap_or_default(),
            enabled: boolean(body, "enabled"),
            rules: kept,
        };
        let value = self.policy_json(&policy);
        self.policies.insert(id, policy);
        Ok(value)
    }
}

fn remove<T>(map: &mut BTreeMap<String, T>, id: &str, what: &str) -> Result<Value, Refusal> {
    if map.remove(id).is_some() {
        Ok(json!({}))
    } else {
        refuse(404, format!("{what}: {id} not found"))
    }
}

fn setup_key_json(key: &SetupKey) -> Value {
    let state = if key.revoked { "revoked" } else { "valid" };
    json!({
        "id": key.id, "key": format!("{}****", &key.id.to_uppercase()[..5]), "name": key.name,
        "type": key.kind, "expires": key.expires, "valid": !key.revoked, "revoked": key.revoked,
        "used_times": 0, "last_used": ZERO_TIME, "state": state, "auto_groups": key.auto_groups,
        "updated_at": ZERO_TIME, "usage_limit": key.usage_limit, "ephemeral": key.ephemeral,
        "allow_extra_dns_labels": key.allow_extra_dns_labels,
    })
}

fn user_json(user: &User) -> Value {
    json!({
        "id": user.id, "email": user.email, "name": user.name, "role": user.role,
        "status": if user.is_blocked { "blocked" } else { "active" },
        "auto_groups": user.auto_groups, "is_current": user.is_current,
        "is_service_user": user.is_service_user, "is_blocked": user.is_blocked,
        "pending_approval": false, "issued": "api", "last_login": ZERO_TIME,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ALL_GROUP, Account};

    #[test]
    fn a_new_account_has_all_default_and_its_owner() {
        let mut account = Account::new("acc1", "a.example");
        let groups = account.handle("GET", &["groups"], &json!(null)).unwrap();
        assert_eq!(groups[0]["name"], ALL_GROUP);
        let policies = account.handle("GET", &["policies"], &json!(null)).unwrap();
        assert_eq!(policies[0]["rules"][0]["sources"][0]["name"], ALL_GROUP);
        let users = account.handle("GET", &["users"], &json!(null)).unwrap();
        assert_eq!(users[0]["role"], "owner");
        assert_eq!(users[0]["is_current"], true);
    }

    #[test]
    fn successful_writes_are_logged_newest_first_and_refused_ones_are_not() {
        let mut account = Account::new("acc1", "a.example");
        let devs = account
            .handle("POST", &["groups"], &json!({"name": "devs"}))
            .unwrap();
        let id = devs["id"].as_str().unwrap();
        account
            .handle("POST", &["groups"], &json!({"name": "devs"}))
            .unwrap_err();
        account
            .handle("PUT", &["groups", id], &json!({"name": "developers"}))
            .unwrap();
        let events = account
            .handle("GET", &["events", "audit"], &json!(null))
            .unwrap();
        let codes: Vec<&str> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["activity_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["group.update", "group.add"]);
        assert_eq!(events[0]["target_id"], id);
        let newer: u64 = events[0]["id"].as_str().unwrap().parse().unwrap();
        let older: u64 = events[1]["id"].as_str().unwrap().parse().unwrap();
        assert!(newer > older);
    }

    #[test]
    fn writes_follow_netbirds_shapes_and_refusals() {
        let mut account = Account::new("acc1", "a.example");
        let devs = account
            .handle("POST", &["groups"], &json!({"name": "devs"}))
            .unwrap();
        let devs = devs["id"].as_str().unwrap().to_owned();
        let duplicate = account
            .handle("POST", &["groups"], &json!({"name": "devs"}))
            .unwrap_err();
        assert_eq!(duplicate.status, 409);

        let key = account
            .handle(
                "POST",
                &["setup-keys"],
                &json!({"name": "k", "type": "one-off", "expires_in": 0, "auto_groups": [devs],
                        "usage_limit": 0}),
            )
            .unwrap();
        assert!(key["key"].as_str().unwrap().ends_with("SYNTHETIC-KEY"));
        let listed = account
            .handle("GET", &["setup-keys"], &json!(null))
            .unwrap();
        assert!(listed[0]["key"].as_str().unwrap().ends_with("****"));
        assert_eq!(listed[0]["usage_limit"], 1);

        let linked = account
            .handle("DELETE", &["groups", &devs], &json!(null))
            .unwrap_err();
        assert_eq!(
            (linked.status, linked.message.as_str()),
            (400, "group has been linked to setup key: k")
        );

        let network = account
            .handle("POST", &["networks"], &json!({"name": "office"}))
            .unwrap();
        let network = network["id"].as_str().unwrap().to_owned();
        assert_eq!(
            account
                .handle("GET", &["networks", &network, "resources"], &json!(null))
                .unwrap(),
            json!(null)
        );
        let resource = account
            .handle(
                "POST",
                &["networks", &network, "resources"],
                &json!({"name": "lan", "address": "10.0.0.5", "enabled": true, "groups": [devs]}),
            )
            .unwrap();
        assert_eq!(resource["address"], "10.0.0.5/32");
        assert_eq!(resource["type"], "host");
        let router = account
            .handle(
                "POST",
                &["networks", &network, "routers"],
                &json!({"peer_groups": [devs], "masquerade": true, "metric": 10, "enabled": false}),
            )
            .unwrap();
        assert_eq!(
            router["enabled"], true,
            "POST always creates enabled routers"
        );

        let policy = account
            .handle(
                "POST",
                &["policies"],
                &json!({"name": "p", "enabled": true, "rules": [{"name": "p", "enabled": true,
                        "action": "accept", "bidirectional": false, "protocol": "all",
                        "sources": [devs, "no-such-group"], "destinations": [devs]}]}),
            )
            .unwrap();
        assert_eq!(policy["rules"][0]["id"], policy["id"]);
        assert_eq!(
            policy["rules"][0]["sources"].as_array().unwrap().len(),
            1,
            "unknown group ids are dropped silently"
        );
    }
}
