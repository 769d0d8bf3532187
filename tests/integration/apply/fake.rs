//! A small stateful stand-in for NetBird behind an MSP front, served by httpmock: enough of the
//! management API (groups, setup keys, users and tokens, policies, posture checks, routes,
//! nameserver groups, DNS settings, (empty) DNS zones, networks with resources and routers, the identity probe,
//! the MSP tenant list) for `birdhouse plan` and `apply` to run end to end, with faults on
//! demand and a log of every request in order.
//!
//! It models the server behaviours apply depends on: objects read back in NetBird's read
//! shapes, group deletes refused while anything references the group (naming the first
//! blocker only), routers created enabled whatever the POST says, one-time secrets only in
//! POST answers, and unknown group ids dropped from policies silently.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::{Value, json};

/// The plain setup key the fake hands out (a secret: must never be printed).
pub(crate) const KEY_SECRET: &str = "A616097E-FAKE-SECRET-KEY-CA4A61142761";
/// The plain token of a new service user (a secret).
pub(crate) const TOKEN_SECRET: &str = "nbp_FakeServiceUserTokenSecret0123456789";
/// The generated password of a new local user (a secret).
pub(crate) const PASSWORD_SECRET: &str = "Fake-Generated-Pw-9f3k";

/// Faults of one tenant.
#[derive(Debug, Default, Clone)]
pub(crate) struct Faults {
    /// The n-th write (POST, PUT, DELETE; 1-based) answers 500 without being applied.
    pub(crate) fail_write: Option<usize>,
    /// The first POST to a path ending like this is applied, then answered 504 (a gateway
    /// timeout: the POST landed, its answer was lost).
    pub(crate) lose_answer_of_post: Option<String>,
    /// Two of every three requests answer 429 (not applied).
    pub(crate) storm: bool,
    /// The first POST to a path ending like this is applied, then answered only after this
    /// long: longer than the client's timeout, so the client gives up on a POST that landed.
    pub(crate) stall_post: Option<(String, std::time::Duration)>,
    /// The first POST to a path ending like this is applied, then answered 200 with a body
    /// that is not JSON (the object exists; its one-time secret is unreadable).
    pub(crate) garble_answer_of_post: Option<String>,
}

/// One tenant's objects, in read shapes (policies keep group ids; rendered on read).
#[derive(Debug, Default)]
pub(crate) struct Tenant {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) domain: String,
    pub(crate) groups: Vec<Value>,
    pub(crate) keys: Vec<Value>,
    pub(crate) users: Vec<Value>,
    pub(crate) tokens: Vec<Value>,
    pub(crate) policies: Vec<Value>,
    pub(crate) posture_checks: Vec<Value>,
    pub(crate) routes: Vec<Value>,
    pub(crate) nameserver_groups: Vec<Value>,
    pub(crate) disabled_management_groups: Vec<Value>,
    pub(crate) networks: Vec<Value>,
    pub(crate) resources: Vec<Value>,
    pub(crate) routers: Vec<Value>,
    /// Group id → a blocker the API does not list (a legacy route, say).
    pub(crate) linked_elsewhere: BTreeMap<String, String>,
    pub(crate) faults: Faults,
    writes: usize,
    requests: usize,
}

/// Everything the fake holds.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) tenants: Vec<Tenant>,
    next_id: usize,
    /// `METHOD /path` of every request, per tenant id, in arrival order (429s included).
    pub(crate) log: Vec<(String, String)>,
}

impl World {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:04}", self.next_id)
    }

    /// A new account as NetBird makes one: the All group, the Default policy, the owner.
    pub(crate) fn add_tenant(&mut self, name: &str, domain: &str) -> String {
        let id = self.id("acct");
        let all = self.id("g");
        let owner = self.id("u");
        let default = self.id("p");
        let tenant = Tenant {
            id: id.clone(),
            name: name.to_owned(),
            domain: domain.to_owned(),
            groups: vec![json!({"id": all, "name": "All", "issued": "api"})],
            users: vec![json!({
                "id": owner, "email": format!("owner@{domain}"), "name": "Owner",
                "role": "owner", "status": "active", "auto_groups": [], "is_current": true,
                "is_service_user": false, "is_blocked": false, "issued": "api"
            })],
            policies: vec![json!({
                "id": default, "name": "Default", "description": "", "enabled": true,
                "source_posture_checks": [],
                "rules": [{"id": default, "name": "Default", "description": "", "enabled": true,
                           "action": "accept", "bidirectional": true, "protocol": "all",
                           "ports": [], "port_ranges": [], "sources": [all],
                           "destinations": [all]}]
            })],
            ..Tenant::default()
        };
        self.tenants.push(tenant);
        id
    }

    pub(crate) fn tenant(&mut self, name: &str) -> &mut Tenant {
        self.tenants
            .iter_mut()
            .find(|t| t.name == name)
            .expect("no such fake tenant")
    }

    /// Writes (not GETs) sent to a tenant, in order, answered or not.
    pub(crate) fn writes(&self, tenant: &str) -> Vec<String> {
        self.lines_of(tenant, |line| {
            (!line.starts_with("GET ") && !line.starts_with("LOCK ")).then(|| line.to_owned())
        })
    }

    /// The lock's writes to a tenant (`POST /api/groups`, `DELETE /api/groups/{id}`), in order.
    pub(crate) fn lock_writes(&self, tenant: &str) -> Vec<String> {
        self.lines_of(tenant, |line| line.strip_prefix("LOCK ").map(str::to_owned))
    }

    /// The log lines of a tenant that `keep` keeps, as it returns them.
    fn lines_of(&self, tenant: &str, keep: impl Fn(&str) -> Option<String>) -> Vec<String> {
        let id = &self
            .tenants
            .iter()
            .find(|t| t.name == tenant)
            .expect("tenant")
            .id;
        self.log
            .iter()
            .filter(|(t, _)| t == id)
            .filter_map(|(_, line)| keep(line))
            .collect()
    }

    /// The lock groups a tenant holds now.
    pub(crate) fn locks(&self, tenant: &str) -> Vec<Value> {
        self.tenants
            .iter()
            .find(|t| t.name == tenant)
            .expect("tenant")
            .groups
            .iter()
            .filter(|g| {
                g["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(LOCK_PREFIX))
            })
            .cloned()
            .collect()
    }
}

/// The fake's clock: its "now" (2026-01-01) plus `millis`, in RFC 3339.
fn fake_time(millis: u64) -> String {
    let base = humantime::parse_rfc3339("2026-01-01T00:00:00Z").expect("a time");
    humantime::format_rfc3339_millis(base + std::time::Duration::from_millis(millis)).to_string()
}

/// How apply's lock groups are named.
const LOCK_PREFIX: &str = birdhouse::kinds::LOCK_GROUP_PREFIX;

/// The fake server and its state.
pub(crate) struct Fake {
    pub(crate) server: MockServer,
    pub(crate) world: Arc<Mutex<World>>,
}

impl Fake {
    /// A front with tenants of these names and domains; the MSP's own account comes first.
    pub(crate) fn start(tenants: &[(&str, &str)]) -> Self {
        let mut world = World::default();
        world.add_tenant("msp", "msp.example");
        for (name, domain) in tenants {
            world.add_tenant(name, domain);
        }
        let world = Arc::new(Mutex::new(world));
        let server = MockServer::start();
        let shared = Arc::clone(&world);
        server.mock(move |when, then| {
            when.any_request();
            then.respond_with(move |req: &HttpMockRequest| {
                let mut world = shared.lock().unwrap();
                handle(&mut world, req)
            });
        });
        Self { server, world }
    }

    pub(crate) fn url(&self) -> String {
        self.server.base_url()
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.world.lock().unwrap())
    }
}

fn reply(status: u16, body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

fn error(status: u16, message: &str) -> HttpMockResponse {
    reply(status, &json!({"message": message, "code": status}))
}

fn handle(world: &mut World, req: &HttpMockRequest) -> HttpMockResponse {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let account = req
        .query_params()
        .into_iter()
        .find(|(k, _)| k == "account")
        .map(|(_, v)| v);
    let index = account
        .as_ref()
        .and_then(|id| world.tenants.iter().position(|t| &t.id == id))
        .unwrap_or(0);
    let tenant_id = world.tenants[index].id.clone();
    let body: Value = serde_json::from_slice(req.body_ref()).unwrap_or(Value::Null);
    let segments: Vec<&str> = path.trim_start_matches("/api/").split('/').collect();
    // Apply's tenant lock (a group) is logged apart: `writes` lists the tenant's configuration
    // changes, `lock_writes` the lock's, and faults count configuration writes only.
    let is_lock = match (method.as_str(), &segments[..]) {
        ("POST", ["groups"]) => body["name"]
            .as_str()
            .is_some_and(|n| n.starts_with(LOCK_PREFIX)),
        ("DELETE", ["groups", id]) => world.tenants[index].groups.iter().any(|g| {
            g["id"] == *id
                && g["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(LOCK_PREFIX))
        }),
        _ => false,
    };
    let line = format!("{}{method} {path}", if is_lock { "LOCK " } else { "" });
    world.log.push((tenant_id, line));

    if segments[..] == ["integrations", "msp", "tenants"] {
        return msp_tenants(world, &method, &body);
    }

    let write = method != "GET";
    let mut lose_answer = false;
    let mut garble = false;
    let mut stall = None;
    {
        let tenant = &mut world.tenants[index];
        tenant.requests += 1;
        if tenant.faults.storm && !tenant.requests.is_multiple_of(3) {
            return error(429, "too many requests");
        }
        if write && !is_lock {
            tenant.writes += 1;
            if tenant.faults.fail_write == Some(tenant.writes) {
                return error(500, "internal server error");
            }
        }
        if method == "POST"
            && !is_lock
            && let Some(suffix) = &tenant.faults.lose_answer_of_post
            && path.ends_with(suffix.as_str())
        {
            lose_answer = true;
            tenant.faults.lose_answer_of_post = None;
        }
        if method == "POST"
            && !is_lock
            && let Some(suffix) = &tenant.faults.garble_answer_of_post
            && path.ends_with(suffix.as_str())
        {
            garble = true;
            tenant.faults.garble_answer_of_post = None;
        }
        if method == "POST"
            && !is_lock
            && let Some((suffix, duration)) = &tenant.faults.stall_post
            && path.ends_with(suffix.as_str())
        {
            stall = Some(*duration);
            tenant.faults.stall_post = None;
        }
    }
    let mut ids = IdSource {
        next: &mut world.next_id,
    };
    let tenant = &mut world.tenants[index];
    let answer = route(tenant, &mut ids, &method, &segments, &body);
    if lose_answer {
        return error(504, "gateway timeout");
    }
    if garble {
        return HttpMockResponse::builder()
            .status(200)
            .header("content-type", "application/json")
            .body("{\"key\": \"")
            .build();
    }
    if let Some(duration) = stall {
        std::thread::sleep(duration);
    }
    answer
}

struct IdSource<'a> {
    next: &'a mut usize,
}

impl IdSource<'_> {
    fn id(&mut self, prefix: &str) -> String {
        *self.next += 1;
        format!("{prefix}{:04}", *self.next)
    }
}

fn msp_tenants(world: &mut World, method: &str, body: &Value) -> HttpMockResponse {
    let show = |t: &Tenant| {
        json!({"id": t.id, "name": t.name, "domain": t.domain, "groups": [],
               "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
               "status": "active", "dns_challenge": ""})
    };
    match method {
        "GET" => reply(
            200,
            &Value::Array(world.tenants[1..].iter().map(show).collect()),
        ),
        "POST" => {
            let name = body["name"].as_str().unwrap_or_default().to_owned();
            let domain = body["domain"].as_str().unwrap_or_default().to_owned();
            world.add_tenant(&name, &domain);
            reply(200, &show(world.tenants.last().unwrap()))
        }
        _ => error(405, "wrong HTTP method"),
    }
}

fn find<'v>(list: &'v mut [Value], id: &str) -> Option<&'v mut Value> {
    list.iter_mut().find(|v| v["id"] == id)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn route(
    t: &mut Tenant,
    ids: &mut IdSource<'_>,
    method: &str,
    segments: &[&str],
    body: &Value,
) -> HttpMockResponse {
    match (method, segments) {
        ("GET", ["accounts"]) => reply(
            200,
            &json!([{"id": t.id, "domain": t.domain, "domain_category": "private",
                      "created_at": "2026-01-01T00:00:00Z", "created_by": "", "settings": {}}]),
        ),
        ("GET", ["groups"]) => reply(
            200,
            &Value::Array(t.groups.iter().map(|g| group_read(t, g)).collect()),
        ),
        ("POST", ["groups"]) => {
            let name = body["name"].as_str().unwrap_or_default();
            if t.groups.iter().any(|g| g["name"] == name) {
                return error(409, &format!("group with name {name} already exists"));
            }
            let group = json!({"id": ids.id("g"), "name": name, "issued": "api"});
            t.groups.push(group.clone());
            reply(200, &group_read(t, &group))
        }
        ("DELETE", ["groups", id]) => delete_group(t, id),
        ("GET", ["setup-keys"]) => reply(200, &Value::Array(t.keys.clone())),
        ("POST", ["setup-keys"]) => {
            let kind = body["type"].as_str().unwrap_or("reusable");
            let limit = if kind == "one-off" {
                1
            } else {
                body["usage_limit"].as_u64().unwrap_or(0)
            };
            // As NetBird does: updated at creation, expiring `expires_in` seconds after it.
            let expires_in = body["expires_in"].as_u64().unwrap_or(0);
            let expires = if expires_in == 0 {
                "0001-01-01T00:00:00Z".to_owned()
            } else {
                fake_time(expires_in * 1000)
            };
            let key = json!({
                "id": ids.id("k"), "key": "A6160****", "name": body["name"], "type": kind,
                "expires": expires, "valid": true, "revoked": false, "used_times": 0,
                "last_used": "0001-01-01T00:00:00Z", "state": "valid",
                "auto_groups": body["auto_groups"], "updated_at": fake_time(0),
                "usage_limit": limit, "ephemeral": body["ephemeral"].as_bool().unwrap_or(false),
                "allow_extra_dns_labels": body["allow_extra_dns_labels"].as_bool().unwrap_or(false)
            });
            t.keys.push(key.clone());
            let mut created = key;
            created["key"] = json!(KEY_SECRET);
            reply(200, &created)
        }
        ("PUT", ["setup-keys", id]) => {
            let Some(key) = find(&mut t.keys, id) else {
                return error(404, "setup key not found");
            };
            if key["revoked"] == true && body["revoked"] == false {
                return error(422, "can't un-revoke a revoked setup key");
            }
            key["revoked"] = body["revoked"].clone();
            key["auto_groups"] = body["auto_groups"].clone();
            // An update some time after creation, not on a whole minute.
            key["updated_at"] = json!(fake_time(3_600_000 + 12_345));
            if key["revoked"] == true {
                key["state"] = json!("revoked");
                key["valid"] = json!(false);
            }
            reply(200, key)
        }
        ("DELETE", ["setup-keys", id]) => remove(&mut t.keys, id),
        ("GET", ["users"]) => reply(200, &Value::Array(t.users.clone())),
        ("POST", ["users"]) => {
            let service = body["is_service_user"] == true;
            if !service
                && t.users.iter().any(|u| {
                    u["email"]
                        .as_str()
                        .unwrap_or_default()
                        .eq_ignore_ascii_case(body["email"].as_str().unwrap_or_default())
                })
            {
                return error(409, "can't invite a user with an existing netbird account");
            }
            let user = json!({
                "id": ids.id("u"), "email": if service { json!("") } else { body["email"].clone() },
                "name": body["name"], "role": body["role"], "status": "active",
                "auto_groups": body["auto_groups"], "is_current": false,
                "is_service_user": service, "is_blocked": false, "issued": "api"
            });
            t.users.push(user.clone());
            let mut created = user;
            if !service {
                created["password"] = json!(PASSWORD_SECRET);
            }
            reply(200, &created)
        }
        ("PUT", ["users", id]) => {
            let Some(user) = find(&mut t.users, id) else {
                return error(404, "user not found");
            };
            for field in ["role", "auto_groups", "is_blocked"] {
                user[field] = body[field].clone();
            }
            reply(200, user)
        }
        ("DELETE", ["users", id]) => {
            t.tokens.retain(|k| k["user"] != *id);
            remove(&mut t.users, id)
        }
        ("GET", ["users", user, "tokens"]) => reply(
            200,
            &Value::Array(
                t.tokens
                    .iter()
                    .filter(|k| k["user"] == *user)
                    .cloned()
                    .collect(),
            ),
        ),
        ("POST", ["users", user, "tokens"]) => {
            let token = json!({"id": ids.id("t"), "user": user, "name": body["name"],
                               "expiration_date": "2099-01-01T00:00:00Z", "created_by": "",
                               "created_at": "2026-01-01T00:00:00Z"});
            t.tokens.push(token.clone());
            reply(
                200,
                &json!({"plain_token": TOKEN_SECRET, "personal_access_token": token}),
            )
        }
        ("DELETE", ["users", _, "tokens", id]) => remove(&mut t.tokens, id),
        ("GET", ["policies"]) => {
            let list = t.policies.iter().map(|p| policy_read(t, p)).collect();
            reply(200, &Value::Array(list))
        }
        ("POST", ["policies"]) => {
            let id = ids.id("p");
            let policy = policy_store(t, &id, body);
            t.policies.push(policy.clone());
            reply(200, &policy_read(t, &policy))
        }
        ("PUT", ["policies", id]) => {
            if !t.policies.iter().any(|p| p["id"] == *id) {
                return error(404, "policy not found");
            }
            let policy = policy_store(t, id, body);
            *find(&mut t.policies, id).unwrap() = policy.clone();
            reply(200, &policy_read(t, &policy))
        }
        ("DELETE", ["policies", id]) => remove(&mut t.policies, id),
        ("GET", ["posture-checks"]) => reply(200, &Value::Array(t.posture_checks.clone())),
        ("POST", ["posture-checks"]) => {
            let check = json!({"id": ids.id("pc"), "name": body["name"],
                               "description": body["description"], "checks": body["checks"]});
            t.posture_checks.push(check.clone());
            reply(200, &check)
        }
        ("PUT", ["posture-checks", id]) => {
            let Some(check) = find(&mut t.posture_checks, id) else {
                return error(404, "posture check not found");
            };
            *check = json!({"id": id, "name": body["name"],
                            "description": body["description"], "checks": body["checks"]});
            let check = check.clone();
            reply(200, &check)
        }
        ("DELETE", ["posture-checks", id]) => remove(&mut t.posture_checks, id),
        ("GET", ["routes"]) => reply(200, &Value::Array(t.routes.clone())),
        ("POST", ["routes"]) => {
            let route = route_read(&ids.id("rt"), body);
            t.routes.push(route.clone());
            reply(200, &route)
        }
        ("PUT", ["routes", id]) => {
            let Some(route) = find(&mut t.routes, id) else {
                return error(404, "route not found");
            };
            *route = route_read(id, body);
            let route = route.clone();
            reply(200, &route)
        }
        ("DELETE", ["routes", id]) => remove(&mut t.routes, id),
        ("GET", ["dns", "nameservers"]) => reply(200, &Value::Array(t.nameserver_groups.clone())),
        ("POST", ["dns", "nameservers"]) => {
            let mut group = body.clone();
            group["id"] = json!(ids.id("ns"));
            t.nameserver_groups.push(group.clone());
            reply(200, &group)
        }
        ("PUT", ["dns", "nameservers", id]) => {
            let Some(group) = find(&mut t.nameserver_groups, id) else {
                return error(404, "nameserver group not found");
            };
            *group = body.clone();
            group["id"] = json!(id);
            let group = group.clone();
            reply(200, &group)
        }
        ("DELETE", ["dns", "nameservers", id]) => remove(&mut t.nameserver_groups, id),
        ("GET", ["dns", "zones"]) => reply(200, &json!([])),
        ("GET", ["dns", "settings"]) => reply(
            200,
            &json!({"disabled_management_groups": t.disabled_management_groups}),
        ),
        ("PUT", ["dns", "settings"]) => {
            t.disabled_management_groups = body["disabled_management_groups"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            reply(200, body)
        }
        ("GET", ["networks"]) => {
            let list = t.networks.iter().map(|n| network_read(t, n)).collect();
            reply(200, &Value::Array(list))
        }
        ("POST", ["networks"]) => {
            let network = json!({"id": ids.id("n"), "name": body["name"],
                                 "description": body["description"].as_str().unwrap_or("")});
            t.networks.push(network.clone());
            reply(200, &network_read(t, &network))
        }
        ("PUT", ["networks", id]) => {
            let Some(network) = find(&mut t.networks, id) else {
                return error(404, "network not found");
            };
            network["name"] = body["name"].clone();
            network["description"] = json!(body["description"].as_str().unwrap_or(""));
            let network = network.clone();
            reply(200, &network_read(t, &network))
        }
        ("DELETE", ["networks", id]) => {
            t.resources.retain(|r| r["network"] != *id);
            t.routers.retain(|r| r["network"] != *id);
            remove(&mut t.networks, id)
        }
        ("GET", ["networks", "resources"]) => reply(
            200,
            &Value::Array(t.resources.iter().map(|r| resource_read(t, r)).collect()),
        ),
        ("GET", ["networks", "routers"]) => reply(200, &Value::Array(t.routers.clone())),
        ("GET", ["networks", network, "resources"]) => reply(
            200,
            &Value::Array(
                t.resources
                    .iter()
                    .filter(|r| r["network"] == *network)
                    .map(|r| resource_read(t, r))
                    .collect(),
            ),
        ),
        ("POST", ["networks", network, "resources"]) => {
            let name = body["name"].as_str().unwrap_or_default();
            if t.resources.iter().any(|r| r["name"] == name) {
                return error(422, &format!("resource with name {name} already exists"));
            }
            let resource = resource_store(&ids.id("r"), network, body);
            t.resources.push(resource.clone());
            reply(200, &resource_read(t, &resource))
        }
        ("PUT", ["networks", network, "resources", id]) => {
            if !t.resources.iter().any(|r| r["id"] == *id) {
                return error(404, "resource not found");
            }
            let resource = resource_store(id, network, body);
            *find(&mut t.resources, id).unwrap() = resource.clone();
            reply(200, &resource_read(t, &resource))
        }
        ("DELETE", ["networks", _, "resources", id]) => remove(&mut t.resources, id),
        ("GET", ["networks", network, "routers"]) => reply(
            200,
            &Value::Array(
                t.routers
                    .iter()
                    .filter(|r| r["network"] == *network)
                    .cloned()
                    .collect(),
            ),
        ),
        ("POST", ["networks", network, "routers"]) => {
            // NetBird ignores `enabled` on create.
            let router = router_store(&ids.id("rt"), network, body, true);
            t.routers.push(router.clone());
            reply(200, &router)
        }
        ("PUT", ["networks", network, "routers", id]) => {
            if !t.routers.iter().any(|r| r["id"] == *id) {
                return error(404, "router not found");
            }
            let router = router_store(id, network, body, body["enabled"] == true);
            *find(&mut t.routers, id).unwrap() = router.clone();
            reply(200, &router)
        }
        ("DELETE", ["networks", _, "routers", id]) => remove(&mut t.routers, id),
        _ => error(404, "no such route in the fake"),
    }
}

fn remove(list: &mut Vec<Value>, id: &str) -> HttpMockResponse {
    let before = list.len();
    list.retain(|v| v["id"] != id);
    if list.len() == before {
        error(404, "not found")
    } else {
        reply(200, &json!({}))
    }
}

fn group_name(t: &Tenant, id: &str) -> String {
    t.groups
        .iter()
        .find(|g| g["id"] == id)
        .and_then(|g| g["name"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn group_minimum(t: &Tenant, ids: &Value) -> Value {
    Value::Array(
        strings(ids)
            .iter()
            .filter(|id| t.groups.iter().any(|g| g["id"] == id.as_str()))
            .map(|id| json!({"id": id, "name": group_name(t, id), "peers_count": 0, "resources_count": 0}))
            .collect(),
    )
}

fn group_read(t: &Tenant, group: &Value) -> Value {
    let id = group["id"].as_str().unwrap_or_default();
    let resources: Vec<Value> = t
        .resources
        .iter()
        .filter(|r| strings(&r["groups"]).iter().any(|g| g == id))
        .map(|r| json!({"id": r["id"], "type": r["type"]}))
        .collect();
    json!({"id": id, "name": group["name"], "issued": group["issued"], "peers": [],
           "peers_count": 0, "resources_count": resources.len(), "resources": resources})
}

/// NetBird's checks, in its order, stopping at the first blocker.
fn delete_group(t: &mut Tenant, id: &str) -> HttpMockResponse {
    let Some(group) = t.groups.iter().find(|g| g["id"] == id) else {
        return error(400, &format!("group: {id} not found"));
    };
    if group["name"] == "All" {
        return error(400, "deleting group ALL is not allowed");
    }
    let has = |v: &Value, field: &str| strings(&v[field]).iter().any(|g| g == id);
    if let Some(r) = t.resources.iter().find(|r| has(r, "groups")) {
        return error(
            400,
            &format!(
                "group has been linked to network resource: {}",
                r["id"].as_str().unwrap_or_default()
            ),
        );
    }
    if let Some(blocker) = t.linked_elsewhere.get(id) {
        return error(400, &format!("group has been linked to {blocker}"));
    }
    if let Some(p) = t.policies.iter().find(|p| {
        p["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| has(r, "sources") || has(r, "destinations"))
    }) {
        return error(
            400,
            &format!(
                "group has been linked to policy: {}",
                p["name"].as_str().unwrap_or_default()
            ),
        );
    }
    if let Some(k) = t.keys.iter().find(|k| has(k, "auto_groups")) {
        return error(
            400,
            &format!(
                "group has been linked to setup key: {}",
                k["name"].as_str().unwrap_or_default()
            ),
        );
    }
    if let Some(u) = t.users.iter().find(|u| has(u, "auto_groups")) {
        return error(
            400,
            &format!(
                "group has been linked to user: {}",
                u["id"].as_str().unwrap_or_default()
            ),
        );
    }
    if let Some(r) = t.routers.iter().find(|r| has(r, "peer_groups")) {
        return error(
            400,
            &format!(
                "group has been linked to network router: {}",
                r["id"].as_str().unwrap_or_default()
            ),
        );
    }
    remove(&mut t.groups, id)
}

/// Stores a policy as written, dropping unknown group ids as NetBird does.
fn policy_store(t: &Tenant, id: &str, body: &Value) -> Value {
    let known = |ids: &Value| -> Value {
        Value::Array(
            strings(ids)
                .into_iter()
                .filter(|g| t.groups.iter().any(|x| x["id"] == g.as_str()))
                .map(Value::String)
                .collect(),
        )
    };
    let rules: Vec<Value> = body["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            json!({"id": id, "name": r["name"], "description": r["description"].as_str().unwrap_or(""),
                   "enabled": r["enabled"], "action": r["action"], "bidirectional": r["bidirectional"],
                   "protocol": r["protocol"], "ports": r["ports"], "port_ranges": r["port_ranges"],
                   "sources": known(&r["sources"]), "destinations": known(&r["destinations"]),
                   "destinationResource": r["destinationResource"]})
        })
        .collect();
    json!({"id": id, "name": body["name"], "description": body["description"].as_str().unwrap_or(""),
           "enabled": body["enabled"], "source_posture_checks": [], "rules": rules})
}

fn policy_read(t: &Tenant, policy: &Value) -> Value {
    let mut read = policy.clone();
    for rule in read["rules"].as_array_mut().into_iter().flatten() {
        rule["sources"] = group_minimum(t, &rule["sources"]);
        rule["destinations"] = group_minimum(t, &rule["destinations"]);
    }
    read
}

fn network_read(t: &Tenant, network: &Value) -> Value {
    let id = &network["id"];
    let of = |list: &[Value]| -> Vec<Value> {
        list.iter()
            .filter(|r| r["network"] == *id)
            .map(|r| r["id"].clone())
            .collect()
    };
    json!({"id": id, "name": network["name"], "description": network["description"],
           "routers": of(&t.routers), "resources": of(&t.resources), "routing_peers_count": 0,
           "policies": []})
}

fn resource_store(id: &str, network: &str, body: &Value) -> Value {
    let address = body["address"].as_str().unwrap_or_default();
    let (address, kind) = if address.parse::<std::net::IpAddr>().is_ok() {
        (format!("{address}/32"), "host")
    } else if let Some((_, bits)) = address.split_once('/') {
        (
            address.to_owned(),
            if bits == "32" { "host" } else { "subnet" },
        )
    } else {
        (address.to_owned(), "domain")
    };
    json!({"id": id, "network": network, "name": body["name"],
           "description": body["description"].as_str().unwrap_or(""), "type": kind,
           "address": address, "enabled": body["enabled"], "groups": body["groups"]})
}

fn resource_read(t: &Tenant, resource: &Value) -> Value {
    let mut read = resource.clone();
    read["groups"] = group_minimum(t, &resource["groups"]);
    read
}

fn router_store(id: &str, network: &str, body: &Value, enabled: bool) -> Value {
    json!({"id": id, "network": network, "peer": body["peer"].as_str().unwrap_or(""),
           "peer_groups": body["peer_groups"], "masquerade": body["masquerade"],
           "metric": body["metric"], "enabled": enabled})
}

/// A route as NetBird v0.77.1 reads it back: a domain route shows the placeholder range, a
/// network route `null` domains, groups routing it an empty `peer`.
fn route_read(id: &str, body: &Value) -> Value {
    let domains = body.get("domains").cloned().unwrap_or(Value::Null);
    let is_domain = domains.is_array();
    json!({"id": id, "network_id": body["network_id"], "description": body["description"],
           "enabled": body["enabled"], "peer": body.get("peer").cloned().unwrap_or(json!("")),
           "peer_groups": body.get("peer_groups").cloned().unwrap_or(json!([])),
           "network": if is_domain { json!("192.0.2.0/32") } else { body["network"].clone() },
           "network_type": if is_domain { "Domain" } else { "IPv4" },
           "domains": domains, "metric": body["metric"], "masquerade": body["masquerade"],
           "groups": body["groups"], "keep_route": body["keep_route"],
           "access_control_groups": body["access_control_groups"],
           "skip_auto_apply": body["skip_auto_apply"]})
}
