//! The MSP front: where NetBird Cloud would stand, emulated on loopback.
//!
//! Order of checks per `/api/...` request, after NetBird's middleware: count the call; the
//! unauthenticated routes (`/api/instance`, `/api/setup`) go to the MSP's own server as they
//! are; otherwise the rate limit, keyed by the raw token and checked before the token is
//! validated; then the token; then the tenant endpoints, or forwarding by `?account=`. An
//! unknown account id, or none, lands on the MSP's own account silently, as NetBird does.
//!
//! Lab-only routes under `/lab/` (no token, not counted, not limited): `GET /lab/stats`,
//! `POST /lab/stats/reset`, `PUT /lab/rate-limit` with a [`RateLimit`] or `null`.

pub mod forward;
pub mod rate_limit;
pub mod reply;
pub mod stats;
pub mod tenants;

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;

use crate::fleet::Fleet;
use crate::msp::rate_limit::{Limiter, RateLimit};
use crate::msp::reply::Reply;
use crate::msp::stats::Stats;
use crate::msp::tenants::{Refusal, Tenant, TenantList};
use crate::state::ServerRecord;
use crate::token::MspToken;

const TENANTS_PATH: &str = "/api/integrations/msp/tenants";

/// The front's shared state; one per lab, shared by every connection.
pub struct Front {
    token: MspToken,
    msp: ServerRecord,
    tenants: Mutex<TenantList>,
    limiter: Mutex<Limiter>,
    stats: Mutex<Stats>,
    fleet: Arc<Fleet>,
    http: reqwest::Client,
    /// Serialises tenant creation, so two requests cannot both pass the duplicate check.
    creating: tokio::sync::Mutex<()>,
    /// Milliseconds every forwarded write (not GET) waits before it is sent on: a slow link,
    /// which widens the window in which two writers can race.
    write_delay_ms: std::sync::atomic::AtomicU64,
}

impl Front {
    /// A front accepting `token`, with `msp` as the MSP's own server and `tenants` listed.
    pub fn new(
        token: MspToken,
        msp: ServerRecord,
        tenants: TenantList,
        fleet: Arc<Fleet>,
        rate_limit: Option<RateLimit>,
    ) -> Arc<Self> {
        Arc::new(Self {
            token,
            msp,
            tenants: Mutex::new(tenants),
            limiter: Mutex::new(Limiter::new(rate_limit)),
            stats: Mutex::new(Stats::default()),
            fleet,
            http: reqwest::Client::new(),
            creating: tokio::sync::Mutex::new(()),
            write_delay_ms: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The MSP token the front accepts.
    pub fn token(&self) -> &MspToken {
        &self.token
    }

    /// The MSP's own server.
    pub fn msp(&self) -> &ServerRecord {
        &self.msp
    }

    /// Every tenant, in creation order.
    pub fn tenants(&self) -> Vec<Tenant> {
        lock(&self.tenants).all().to_vec()
    }

    /// The rate limit in force.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        lock(&self.limiter).limit()
    }

    /// Changes the rate limit; every bucket starts full.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        lock(&self.limiter).set_limit(limit);
    }

    /// Delays every forwarded write by `delay` from now on (zero: no delay).
    pub fn set_write_delay(&self, delay: std::time::Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.write_delay_ms
            .store(millis, std::sync::atomic::Ordering::Relaxed);
    }

    /// The call counters so far.
    pub fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    /// Zeroes the call counters.
    pub fn reset_stats(&self) {
        *lock(&self.stats) = Stats::default();
    }

    /// Serves HTTP/1.1 on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        serve_http(self, listener, |front, request| async move {
            front.handle(request).await
        })
        .await;
    }

    async fn handle(self: &Arc<Self>, request: Request<Incoming>) -> Reply {
        let path = request.uri().path().to_owned();
        if path.starts_with("/lab/") {
            return self.handle_lab(request, &path).await;
        }
        if path != "/api" && !path.starts_with("/api/") {
            return reply::not_found_text();
        }
        let (parts, body, endpoint) = match read_api_request(request, &self.stats, &path).await {
            Ok(read) => read,
            Err(refusal) => return refusal,
        };

        if path == "/api/instance" || path == "/api/setup" {
            return forward::forward(&self.http, &parts, body, &self.msp).await;
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

        if path == TENANTS_PATH || path.starts_with(&format!("{TENANTS_PATH}/")) {
            return self.handle_tenants(&parts.method, &path, &body).await;
        }
        let target = forward::account_param(parts.uri.query())
            .and_then(|id| lock(&self.tenants).get(&id).map(|t| t.server.clone()))
            .unwrap_or_else(|| self.msp.clone());
        let delay = self
            .write_delay_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if parts.method != Method::GET && delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        forward::forward(&self.http, &parts, body, &target).await
    }

    async fn handle_tenants(self: &Arc<Self>, method: &Method, path: &str, body: &Bytes) -> Reply {
        let rest = path[TENANTS_PATH.len()..].trim_start_matches('/');
        match (rest.split('/').collect::<Vec<_>>().as_slice(), method) {
            ([""], &Method::GET) => {
                let list: Vec<_> = lock(&self.tenants)
                    .all()
                    .iter()
                    .map(|t| t.response.clone())
                    .collect();
                reply::json(StatusCode::OK, &list)
            }
            ([""], &Method::POST) => match parse(body) {
                Ok(request) => self.create_tenant(request).await,
                Err(reply) => *reply,
            },
            ([id], &Method::PUT) => match parse(body) {
                Ok(request) => {
                    let result = lock(&self.tenants).update(id, request, &now_rfc3339());
                    self.fleet.changed().notify_one();
                    match result {
                        Ok(tenant) => reply::json(StatusCode::OK, &tenant),
                        Err(refusal) => refused(&refusal),
                    }
                }
                Err(reply) => *reply,
            },
            ([_], _) => reply::empty(StatusCode::METHOD_NOT_ALLOWED),
            _ => reply::error(
                StatusCode::NOT_IMPLEMENTED,
                "not implemented by the birdhouse lab: only list, create and update tenants",
            ),
        }
    }

    async fn create_tenant(self: &Arc<Self>, request: tenants::CreateTenantRequest) -> Reply {
        let _one_at_a_time = self.creating.lock().await;
        let checked = lock(&self.tenants).check_create(request);
        let (name, domain, groups) = match checked {
            Ok(fields) => fields,
            Err(refusal) => return refused(&refusal),
        };
        let server = match self.fleet.take_spare().await {
            Ok(server) => server,
            Err(e) => {
                let message = format!("lab front: no server for the new tenant: {e:#}");
                return reply::error(StatusCode::INTERNAL_SERVER_ERROR, &message.to_lowercase());
            }
        };
        let tenant = lock(&self.tenants).add(server, name, domain, groups, &now_rfc3339());
        self.fleet.changed().notify_one();
        reply::json(StatusCode::OK, &tenant)
    }

    async fn handle_lab(&self, request: Request<Incoming>, path: &str) -> Reply {
        match (request.method(), path) {
            (&Method::GET, "/lab/stats") => reply::json(StatusCode::OK, &self.stats()),
            (&Method::POST, "/lab/stats/reset") => {
                self.reset_stats();
                reply::json(StatusCode::OK, &self.stats())
            }
            (&Method::PUT, "/lab/rate-limit") => {
                let Ok(body) = request.into_body().collect().await else {
                    return reply::error(StatusCode::BAD_REQUEST, "couldn't read request body");
                };
                match parse::<Option<RateLimit>>(&body.to_bytes()) {
                    Ok(limit) => {
                        self.set_rate_limit(limit);
                        self.fleet.changed().notify_one();
                        reply::json(StatusCode::OK, &limit)
                    }
                    Err(reply) => *reply,
                }
            }
            (&Method::GET, "/lab/rate-limit") => reply::json(StatusCode::OK, &self.rate_limit()),
            _ => reply::not_found_text(),
        }
    }
}

/// The token of an `Authorization: Token <t>` or `Bearer <t>` header, split as NetBird does:
/// on single spaces, exactly two parts, scheme case-insensitive.
pub fn presented_token(headers: &hyper::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let parts: Vec<&str> = value.split(' ').collect();
    match parts.as_slice() {
        [scheme, token]
            if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") =>
        {
            Some(token)
        }
        _ => None,
    }
}

/// The request body as JSON, or NetBird's answer to a body it cannot parse.
fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Box<Reply>> {
    serde_json::from_slice(body).map_err(|_| {
        Box::new(reply::error(
            StatusCode::BAD_REQUEST,
            "couldn't parse JSON request",
        ))
    })
}

fn refused(refusal: &Refusal) -> Reply {
    let status =
        StatusCode::from_u16(refusal.status).expect("invariant: refusals carry valid status codes");
    reply::error(status, &refusal.message)
}

/// Now, as NetBird writes timestamps (RFC 3339, UTC).
fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts an `/api/...` request under its endpoint and reads its body: the parts, the body
/// and the endpoint label, or the reply to send when the body cannot be read. The MSP front and
/// the synthetic backend share it.
pub(crate) async fn read_api_request(
    request: Request<Incoming>,
    stats: &Mutex<Stats>,
    path: &str,
) -> Result<(hyper::http::request::Parts, Bytes, String), Reply> {
    let endpoint = lock(stats).record(request.method().as_str(), path);
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .map_err(|_| reply::error(StatusCode::BAD_REQUEST, "couldn't read request body"))?;
    Ok((parts, body, endpoint))
}

/// NetBird's checks of a PAT, in its order: the rate limit first, keyed by the raw token
/// string (so unknown tokens spend a bucket too), then the token itself. The refusal to send,
/// if any; the MSP front and the synthetic backend share it.
pub(crate) fn admit(
    headers: &hyper::HeaderMap,
    token: &MspToken,
    limiter: &Mutex<Limiter>,
    stats: &Mutex<Stats>,
    endpoint: &str,
) -> Option<Reply> {
    let Some(presented) = presented_token(headers) else {
        lock(stats).unauthorized += 1;
        return Some(reply::token_invalid());
    };
    if !lock(limiter).allow(presented, Instant::now()) {
        lock(stats).record_rate_limited(endpoint);
        return Some(reply::too_many_requests());
    }
    if presented != token.expose() {
        lock(stats).unauthorized += 1;
        return Some(reply::token_invalid());
    }
    None
}

/// Serves HTTP/1.1 on `listener` until the task is dropped, answering every request with
/// `handle`. The MSP front and the synthetic backend share it.
pub(crate) async fn serve_http<S, F, Fut>(state: Arc<S>, listener: TcpListener, handle: F)
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handle(state, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use hyper::HeaderMap;
    use hyper::header::{AUTHORIZATION, HeaderValue};

    use super::presented_token;

    #[test]
    fn token_header_forms() {
        let header = |v: &'static str| {
            let mut map = HeaderMap::new();
            map.insert(AUTHORIZATION, HeaderValue::from_static(v));
            map
        };
        assert_eq!(presented_token(&header("Token nbp_a")), Some("nbp_a"));
        assert_eq!(presented_token(&header("bearer nbp_a")), Some("nbp_a"));
        assert_eq!(presented_token(&header("Token  nbp_a")), None);
        assert_eq!(presented_token(&header("Basic abc")), None);
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }
}
