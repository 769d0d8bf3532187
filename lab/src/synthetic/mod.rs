//! The synthetic backend: an in-memory stand-in for scale benchmarks, clearly not NetBird.
//!
//! A thousand tenants of a hundred objects do not fit on one machine as real NetBird servers,
//! so benchmarks of call counts, budget pacing and client CPU at that scale run against this
//! backend instead. It keeps exactly what those benchmarks observe, the same way the lab's MSP
//! front does: one MSP token; `?account=<id>` routing with the silent fallback to the MSP's
//! own account for an unknown id or none; the MSP tenant list and create; the per-token rate
//! limit with NetBird's 429 body and no `Retry-After` (the front's [`Limiter`]); the same
//! per-endpoint counters under `/lab/stats` (the front's [`Stats`]). Each `/api` request waits
//! a configurable latency first, standing in for the network and the server's own work.
//!
//! The accounts behind it are [`store::Account`]s: NetBird's read and write shapes for groups,
//! setup keys, users, policies and networks, and the audit log their writes leave, nothing
//! more. Results that matter for correctness
//! are checked against real servers in the lab, never here.

mod networks;
pub mod objects;
pub mod seed;
pub mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::msp::forward::account_param;
use crate::msp::rate_limit::{Limiter, RateLimit};
use crate::msp::reply::{self, Reply};
use crate::msp::stats::Stats;
use crate::msp::tenants::TenantResponse;
use crate::msp::{admit, read_api_request, serve_http};
use crate::synthetic::seed::{Mix, seed};
use crate::synthetic::store::{Account, NO_ROUTE, Refusal, now_rfc3339};
use crate::token::MspToken;

const TENANTS_PATH: &str = "/api/integrations/msp/tenants";

/// What to serve.
#[derive(Debug, Clone)]
pub struct SyntheticOptions {
    /// Tenants created at start, `tenant-1..N`.
    pub tenants: usize,
    /// Objects per tenant (see [`Mix`]).
    pub objects: usize,
    /// Wait before answering each `/api` request.
    pub latency: Duration,
    /// The per-token rate limit; `None`: off.
    pub rate_limit: Option<RateLimit>,
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
}

/// One tenant: the MSP's record and its account.
struct Tenant {
    response: Mutex<TenantResponse>,
    account: Mutex<Account>,
}

/// The backend's shared state.
pub struct Synthetic {
    token: MspToken,
    msp: Mutex<Account>,
    tenants: RwLock<BTreeMap<String, Arc<Tenant>>>,
    /// Tenant ids in creation order, for the list.
    order: RwLock<Vec<String>>,
    limiter: Mutex<Limiter>,
    stats: Mutex<Stats>,
    latency: Duration,
}

/// The tenant id of tenant `n`: fixed, so runs are comparable.
fn tenant_id(n: usize) -> String {
    format!("synth{n:015}")
}

impl Synthetic {
    /// Builds and seeds every tenant.
    pub fn new(options: &SyntheticOptions) -> Arc<Self> {
        let mix = Mix::of(options.objects);
        let now = now_rfc3339();
        let mut tenants = BTreeMap::new();
        let mut order = Vec::new();
        for n in 1..=options.tenants {
            let id = tenant_id(n);
            let domain = format!("tenant-{n}.synthetic.example");
            let mut account = Account::new(&id, &domain);
            seed(&mut account, n, mix);
            account.backdate_events(Duration::from_hours(1));
            let response = response(&id, &format!("tenant-{n}"), &domain, Vec::new(), &now);
            tenants.insert(
                id.clone(),
                Arc::new(Tenant {
                    response: Mutex::new(response),
                    account: Mutex::new(account),
                }),
            );
            order.push(id);
        }
        Arc::new(Self {
            token: MspToken::generate(),
            msp: Mutex::new(Account::new(
                "synthmsp000000000000",
                "msp.synthetic.example",
            )),
            tenants: RwLock::new(tenants),
            order: RwLock::new(order),
            limiter: Mutex::new(Limiter::new(options.rate_limit)),
            stats: Mutex::new(Stats::default()),
            latency: options.latency,
        })
    }

    /// The one token the backend accepts.
    pub fn token(&self) -> &MspToken {
        &self.token
    }

    /// Serves HTTP/1.1 on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        serve_http(self, listener, |backend, request| async move {
            backend.handle(request).await
        })
        .await;
    }

    async fn handle(&self, request: Request<Incoming>) -> Reply {
        let path = request.uri().path().to_owned();
        if path.starts_with("/lab/") {
            return self.handle_lab(request, &path).await;
        }
        if !path.starts_with("/api/") {
            return reply::not_found_text();
        }
        let reply = self.handle_api(request, path).await;
        let bytes = hyper::body::Body::size_hint(reply.body())
            .exact()
            .unwrap_or_default();
        lock(&self.stats).response_bytes += bytes;
        reply
    }

    /// An `/api/...` request: admitted (token, rate limit) after the latency, then answered.
    async fn handle_api(&self, request: Request<Incoming>, path: String) -> Reply {
        let (parts, body, endpoint) = match read_api_request(request, &self.stats, &path).await {
            Ok(read) => read,
            Err(refusal) => return refusal,
        };
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        if let Some(refusal) = admit(
            &parts.headers,
            &self.token,
            &self.limiter,
            &self.stats,
            &endpoint,
        ) {
            return refusal;
        }
        let body: Value = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&body) {
                Ok(body) => body,
                Err(_) => {
                    return reply::error(StatusCode::BAD_REQUEST, "couldn't parse JSON request");
                }
            }
        };
        if path == TENANTS_PATH || path.starts_with(&format!("{TENANTS_PATH}/")) {
            return self.handle_tenants(&parts.method, &path, &body);
        }
        let segments: Vec<&str> = path["/api/".len()..].split('/').collect();
        let tenant =
            account_param(parts.uri.query()).and_then(|id| read(&self.tenants).get(&id).cloned());
        let result = match &tenant {
            Some(tenant) => lock(&tenant.account).handle(parts.method.as_str(), &segments, &body),
            None => lock(&self.msp).handle(parts.method.as_str(), &segments, &body),
        };
        answer(result)
    }

    fn handle_tenants(&self, method: &Method, path: &str, body: &Value) -> Reply {
        let rest = path[TENANTS_PATH.len()..].trim_start_matches('/');
        match (rest, method) {
            ("", &Method::GET) => {
                let tenants = read(&self.tenants);
                let list: Vec<TenantResponse> = read(&self.order)
                    .iter()
                    .filter_map(|id| tenants.get(id))
                    .map(|t| lock(&t.response).clone())
                    .collect();
                reply::json(StatusCode::OK, &list)
            }
            ("", &Method::POST) => answer(self.create_tenant(body)),
            (id, &Method::PUT) if !id.contains('/') => {
                let Some(tenant) = read(&self.tenants).get(id).cloned() else {
                    return reply::error(StatusCode::NOT_FOUND, &format!("tenant {id} not found"));
                };
                let mut response = lock(&tenant.response);
                if let Some(name) = body["name"].as_str().filter(|n| !n.trim().is_empty()) {
                    name.clone_into(&mut response.name);
                }
                if let Ok(groups) = serde_json::from_value(body["groups"].clone()) {
                    response.groups = groups;
                }
                response.updated_at = now_rfc3339();
                reply::json(StatusCode::OK, &*response)
            }
            _ => reply::error(
                StatusCode::NOT_IMPLEMENTED,
                "not implemented by the synthetic backend: only list, create and update tenants",
            ),
        }
    }

    fn create_tenant(&self, body: &Value) -> Result<Value, Refusal> {
        let field = |name: &str| {
            body[name]
                .as_str()
                .filter(|v| !v.trim().is_empty())
                .map(str::to_owned)
                .ok_or_else(|| Refusal {
                    status: 422,
                    message: format!("{name} is required"),
                })
        };
        let name = field("name")?;
        let domain = field("domain")?.to_lowercase();
        let groups = serde_json::from_value(body["groups"].clone()).map_err(|_| Refusal {
            status: 422,
            message: "groups is required".into(),
        })?;
        let mut tenants = write(&self.tenants);
        if tenants.values().any(|t| lock(&t.response).domain == domain) {
            return Err(Refusal {
                status: 409,
                message: format!("tenant with domain {domain} already exists"),
            });
        }
        let mut order = write(&self.order);
        let id = tenant_id(order.len() + 1_000_000);
        let response = response(&id, &name, &domain, groups, &now_rfc3339());
        let value = serde_json::to_value(&response).expect("invariant: responses serialise");
        tenants.insert(
            id.clone(),
            Arc::new(Tenant {
                response: Mutex::new(response),
                account: Mutex::new(Account::new(&id, &domain)),
            }),
        );
        order.push(id);
        Ok(value)
    }

    async fn handle_lab(&self, request: Request<Incoming>, path: &str) -> Reply {
        match (request.method(), path) {
            (&Method::GET, "/lab/stats") => reply::json(StatusCode::OK, &*lock(&self.stats)),
            (&Method::POST, "/lab/stats/reset") => {
                *lock(&self.stats) = Stats::default();
                reply::json(StatusCode::OK, &*lock(&self.stats))
            }
            (&Method::GET, "/lab/rate-limit") => {
                reply::json(StatusCode::OK, &lock(&self.limiter).limit())
            }
            (&Method::PUT, "/lab/rate-limit") => {
                let Ok(body) = request.into_body().collect().await else {
                    return reply::error(StatusCode::BAD_REQUEST, "couldn't read request body");
                };
                match serde_json::from_slice::<Option<RateLimit>>(&body.to_bytes()) {
                    Ok(limit) => {
                        lock(&self.limiter).set_limit(limit);
                        reply::json(StatusCode::OK, &limit)
                    }
                    Err(_) => reply::error(StatusCode::BAD_REQUEST, "couldn't parse JSON request"),
                }
            }
            _ => reply::not_found_text(),
        }
    }
}

fn response(
    id: &str,
    name: &str,
    domain: &str,
    groups: Vec<crate::msp::tenants::TenantGroup>,
    now: &str,
) -> TenantResponse {
    TenantResponse {
        id: id.to_owned(),
        name: name.to_owned(),
        domain: domain.to_owned(),
        groups,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        activated_at: now.to_owned(),
        status: "active".to_owned(),
        dns_challenge: "synthetic".to_owned(),
    }
}

fn answer(result: Result<Value, Refusal>) -> Reply {
    match result {
        Ok(value) => reply::json(StatusCode::OK, &value),
        Err(refusal) if refusal.message == NO_ROUTE => reply::not_found_text(),
        Err(refusal) => reply::error(
            StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &refusal.message,
        ),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// Runs the backend in the foreground until SIGTERM or SIGINT: seeds it, binds 127.0.0.1,
/// writes the env file (the shape `birdhouse-lab up` writes: `NETBIRD_API_URL`,
/// `NETBIRD_API_TOKEN`) and prints it, then serves. Removes the env file on the way out.
pub async fn run(options: SyntheticOptions, env_file: &Path) -> Result<()> {
    let started = Instant::now();
    let backend = Synthetic::new(&options);
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .context("binding the synthetic backend")?;
    let url = format!("http://{}", listener.local_addr()?);
    let text = env_text(&url, backend.token().expose());
    write_env(env_file, &text)?;
    eprintln!(
        "birdhouse-lab: synthetic backend (not NetBird) ready in {:.1}s: {} tenants x {} \
         objects, latency {} ms, rate limit {}, {url}, env file {}",
        started.elapsed().as_secs_f64(),
        options.tenants,
        options.objects,
        options.latency.as_millis(),
        options.rate_limit.map_or("off".to_owned(), |l| format!(
            "{} rpm burst {}",
            l.requests_per_minute, l.burst
        )),
        env_file.display()
    );
    print!("{text}");
    let serving = tokio::spawn(Arc::clone(&backend).serve(listener));
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    serving.abort();
    let _ = std::fs::remove_file(env_file);
    eprintln!("birdhouse-lab: synthetic backend stopped");
    Ok(())
}

/// The env file's text, shaped like the lab's `lab.env`.
pub fn env_text(url: &str, token: &str) -> String {
    format!(
        "# Written by birdhouse-lab synthetic: the synthetic backend (not NetBird).\n\
         NETBIRD_API_URL={url}\nNETBIRD_API_TOKEN={token}\n"
    )
}

fn write_env(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp: PathBuf = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming into {}", path.display()))
}
