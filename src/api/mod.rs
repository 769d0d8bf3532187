//! The only module that speaks HTTP: client, endpoints, rate budget, retry policy.
//! Speaks NetBird's wire types only; knows nothing of the desired-state model.
//!
//! One [`Client`] serves the whole run: it holds the token, the [`RateBudget`] every request
//! draws from, and the [`RetryPolicy`]. [`Client::tenant`] hands out a [`TenantClient`] that
//! adds `?account=<id>` to every request, so the tenant scope is decided once, not per call.
//!
//! Every request goes through one loop (`Client::execute`): take a budget token, send, and on
//! failure ask the retry policy. Each attempt logs one debug event with `tenant`, `method`,
//! `path`, `status`, `attempt` and `waited_ms`; headers, query strings and bodies are never
//! logged, and error messages carry the method and path only.
//!
//! A JSON 404 is read as a rejected credential when it says "invalid token", or when it answers
//! a GET before any request of the run has succeeded: NetBird answers 404 (not 401) for a
//! well-formed token it does not know, and the first call of a run is always a list or the
//! identity check, which cannot legitimately be 404.

mod budget;
mod error;
mod msp;
mod retry;
mod setup;
mod tenant;
mod tls;
pub mod wire;

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{self, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::secret::Secret;

pub use budget::{Clock, RateBudget, Sleep, SystemClock, VirtualClock};
pub use error::{ApiError, RequestLabel};
pub use retry::RetryPolicy;
pub use setup::{instance_status, setup};
pub use tenant::TenantClient;
pub use tls::{TrustError, TrustedRoots};

use retry::{Failure, Next};
use wire::ErrorBody;

/// NetBird Cloud's management API.
pub const DEFAULT_BASE_URL: &str = "https://api.netbird.io";

/// NetBird Cloud's limit per PAT: 120 requests a minute...
const CLOUD_REQUESTS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(120).unwrap();
/// ...after a burst of 1,200.
const CLOUD_BURST: NonZeroU32 = NonZeroU32::new(1200).unwrap();

/// Path prefix of the MSP endpoints (Cloud only).
const MSP_PREFIX: &str = "/api/integrations/msp";

/// Sent with every request. It must never contain "terraform": NetBird exempts such user
/// agents from its rate limiter, and birdhouse keeps to the budget like any other client.
const USER_AGENT: &str = concat!("birdhouse/", env!("CARGO_PKG_VERSION"));

/// Longest server message kept in an error.
const MAX_MESSAGE_CHARS: usize = 300;

/// Largest response body read, in bytes. NetBird's biggest answers are the lists of a tenant;
/// even a 100k-object tenant's list is a few tens of MiB of JSON, so anything above this is not
/// a NetBird answer (a wrong URL, a proxy's error page, a broken server) and is refused before
/// it can grow the process without bound.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Everything a [`Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The management server, e.g. `https://api.netbird.io` (a trailing `/api` is accepted).
    pub base_url: String,
    /// The personal access token.
    pub token: Secret<String>,
    /// The token's sustained rate (NetBird Cloud: 120).
    pub requests_per_minute: NonZeroU32,
    /// Requests the token may spend at once (NetBird Cloud: 1,200).
    pub burst: NonZeroU32,
    /// What is retried, how often and how patiently.
    pub retry: RetryPolicy,
    /// Limit for one attempt, from connect to the last byte of the body.
    pub timeout: Duration,
    /// Largest response body read ([`MAX_RESPONSE_BYTES`]); a larger answer fails the request.
    pub max_response_bytes: usize,
    /// Root certificates trusted besides the system's (`--ca-cert`).
    pub trusted_roots: TrustedRoots,
    /// Where waits happen: [`SystemClock`] for real runs, [`VirtualClock`] in tests.
    pub clock: Arc<dyn Clock>,
}

impl ClientConfig {
    /// A configuration with NetBird Cloud's budget and the default retry policy.
    pub fn new(base_url: impl Into<String>, token: Secret<String>) -> Self {
        Self {
            base_url: base_url.into(),
            token,
            requests_per_minute: CLOUD_REQUESTS_PER_MINUTE,
            burst: CLOUD_BURST,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            max_response_bytes: MAX_RESPONSE_BYTES,
            trusted_roots: TrustedRoots::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// An HTTP method birdhouse uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Read.
    Get,
    /// Create; not idempotent, never retried blindly.
    Post,
    /// Full replace; idempotent.
    Put,
    /// Delete; idempotent.
    Delete,
}

impl Method {
    /// Whether sending the request twice has the same effect as once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }

    fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        })
    }
}

/// The account a request runs in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The token's own account: no `?account=`.
    OwnAccount,
    /// A tenant reached with `?account=<id>`.
    Tenant(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::OwnAccount => f.write_str("own account"),
            Scope::Tenant(id) => write!(f, "tenant {id}"),
        }
    }
}

/// Calls and waits of the run so far, for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// HTTP requests sent, retries included: what the token's budget was charged.
    pub requests: u64,
    /// Requests answered with 429.
    pub rate_limited: u64,
    /// Requests that were attempts after the first (for any reason).
    pub retries: u64,
    /// Time spent waiting for the budget and backing off, summed over all requests.
    pub waited: Duration,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    waited_micros: AtomicU64,
}

impl Counters {
    fn add_wait(&self, waited: Duration) {
        let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
        self.waited_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// How requests travel, apart from the token and the budget: the same for authenticated and
/// anonymous (bootstrap) clients.
#[derive(Debug, Clone)]
struct Transport {
    /// Limit for one attempt.
    timeout: Duration,
    /// Largest response body read.
    max_response_bytes: usize,
    /// Roots trusted besides the system's.
    trusted_roots: TrustedRoots,
}

/// The run's connection to one NetBird management server. Cheap to clone; clones share the
/// budget and the counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    authorization: Option<HeaderValue>,
    token: Option<Secret<String>>,
    budget: RateBudget,
    retry: RetryPolicy,
    max_response_bytes: usize,
    counters: Counters,
    /// Set by the first successful answer: from then on a 404 is a missing object, not a
    /// rejected token.
    authenticated: AtomicBool,
    /// Set when the server turned out to have no account-wide resource list, so no tenant of
    /// the run spends a call asking again.
    no_account_wide_resources: AtomicBool,
    /// The groups of the token's own account, read once per run (see
    /// [`Client::own_groups`]).
    own_groups: tokio::sync::OnceCell<Vec<wire::Named>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client. Fails on an unusable URL, plain http to a non-loopback host, or a
    /// token that cannot be sent; sends nothing.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let token = config.token;
        let mut authorization = HeaderValue::from_str(&format!("Token {}", token.expose()))
            .map_err(|_| ApiError::TokenNotSendable)?;
        authorization.set_sensitive(true);
        Self::build(
            &config.base_url,
            Some((authorization, token)),
            RateBudget::new(config.requests_per_minute, config.burst, config.clock),
            config.retry,
            &Transport {
                timeout: config.timeout,
                max_response_bytes: config.max_response_bytes,
                trusted_roots: config.trusted_roots,
            },
        )
    }

    fn build(
        base_url: &str,
        credential: Option<(HeaderValue, Secret<String>)>,
        budget: RateBudget,
        retry: RetryPolicy,
        transport: &Transport,
    ) -> Result<Self, ApiError> {
        let base = parse_base_url(base_url)?;
        let mut headers = header::HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let timeout = transport.timeout;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // The API never redirects; following one could carry the token somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_merge(transport.trusted_roots.to_reqwest())
            .build()
            .map_err(|source| ApiError::ClientSetup { source })?;
        let (authorization, token) = credential.unzip();
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                authorization,
                token,
                budget,
                retry,
                max_response_bytes: transport.max_response_bytes,
                counters: Counters::default(),
                authenticated: AtomicBool::new(false),
                no_account_wide_resources: AtomicBool::new(false),
                own_groups: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// A handle whose every request runs in `account` (`?account=<id>`); `None` is the
    /// token's own account (no parameter).
    pub fn tenant(&self, account: Option<&str>) -> TenantClient {
        TenantClient {
            client: self.clone(),
            scope: account.map_or(Scope::OwnAccount, |id| Scope::Tenant(id.to_owned())),
        }
    }

    /// The id of the token's own account's `All` group (`None` when it has none), read with
    /// one `GET /api/groups` the first time any tenant of the run asks, then kept. Every
    /// account has an `All` group of its own, and NetBird falls back to the token's own account
    /// when it does not honour `?account=`: a tenant read whose `All` group has this id was
    /// answered by the own account.
    pub async fn own_all_group_id(&self) -> Result<Option<String>, ApiError> {
        Ok(self
            .own_groups()
            .await?
            .iter()
            .find(|g| g.name == wire::ALL_GROUP)
            .map(|g| g.id.clone()))
    }

    /// The groups of the token's own account (the MSP's: `msp_access` names them), read with
    /// one `GET /api/groups` the first time anything in the run asks, then kept: the identity
    /// proof of MSP tenants and `msp_access` share the one read.
    pub async fn own_groups(&self) -> Result<&[wire::Named], ApiError> {
        self.inner
            .own_groups
            .get_or_try_init(|| async { self.tenant(None).list(&["api", "groups"]).await })
            .await
            .map(Vec::as_slice)
    }

    /// Whether [`Client::own_groups`] has been read in this run already.
    pub fn own_all_group_known(&self) -> bool {
        self.inner.own_groups.initialized()
    }

    /// The server's base URL, normalised (no trailing `/api`).
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// `scheme://host:port` of the server, for messages.
    fn server(&self) -> String {
        let base = &self.inner.base;
        match (base.host_str(), base.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", base.scheme()),
            _ => base.origin().ascii_serialization(),
        }
    }

    /// The shared request budget.
    pub fn budget(&self) -> &RateBudget {
        &self.inner.budget
    }

    /// Calls, 429s and waits of the run so far.
    pub fn stats(&self) -> CallStats {
        let c = &self.inner.counters;
        CallStats {
            requests: c.requests.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            waited: Duration::from_micros(c.waited_micros.load(Ordering::Relaxed)),
        }
    }

    /// Sends a request and parses the JSON answer.
    async fn call<T: DeserializeOwned>(
        &self,
        scope: &Scope,
        method: Method,
        path: &Path,
        body: Option<Vec<u8>>,
    ) -> Result<T, ApiError> {
        let (label, bytes) = self.execute(scope, method, path, body).await?;
        parse(&label, &bytes)
    }

    /// Sends a request whose answer carries nothing (DELETE returns `{}`).
    async fn call_unit(&self, scope: &Scope, method: Method, path: &Path) -> Result<(), ApiError> {
        self.execute(scope, method, path, None).await.map(|_| ())
    }

    /// The request loop: budget, send, classify, retry. Returns the success body.
    async fn execute(
        &self,
        scope: &Scope,
        method: Method,
        path: &Path,
        body: Option<Vec<u8>>,
    ) -> Result<(RequestLabel, Vec<u8>), ApiError> {
        let inner = &*self.inner;
        let label = RequestLabel {
            scope: scope.clone(),
            method,
            path: path.label(),
        };
        let url = self.url(scope, path);
        let clock = inner.budget.clock().clone();
        let mut attempt: u32 = 0;
        let mut attempts = retry::Attempts::default();
        let mut pending_wait = Duration::ZERO;
        loop {
            attempt += 1;
            let waited = std::mem::take(&mut pending_wait) + inner.budget.acquire().await;
            inner.counters.add_wait(waited);
            inner.counters.requests.fetch_add(1, Ordering::Relaxed);
            if attempt > 1 {
                inner.counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            let sent = Sent {
                label: &label,
                attempt,
                waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
            };
            // Boxed: the send's future is large, and every caller's future would carry it.
            let failed = match Box::pin(self.attempt(&sent, &url, body.as_deref())).await {
                Attempted::Answered(bytes) => return Ok((label, bytes)),
                Attempted::Fatal(error) => return Err(error),
                Attempted::Failed(failed) => failed,
            };
            match attempts.after(&inner.retry, method, failed.failure) {
                Next::AfterRefill => {
                    inner.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    inner.budget.drain();
                    // One refill interval, so the server's bucket has a token again, plus up to
                    // half an interval of jitter so clients refused together do not return
                    // together. The drained budget keeps every other tenant waiting too.
                    let interval = inner.budget.refill_interval();
                    pending_wait = sleep_for(&*clock, interval + retry::jitter(interval / 2)).await;
                }
                Next::After(backoff) => pending_wait = sleep_for(&*clock, backoff).await,
                Next::TooManyRateLimited => {
                    inner.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    inner.budget.drain();
                    return Err(ApiError::RateLimited {
                        request: label,
                        attempts: attempt,
                    });
                }
                Next::OutcomeUnknown => {
                    let reason = match (failed.failure, &failed.transport) {
                        (_, Some(err)) => format!("no complete answer ({})", transport_kind(err)),
                        (Failure::Status(status), None) => {
                            format!("the gateway answered {status}")
                        }
                        _ => "no complete answer".to_owned(),
                    };
                    return Err(ApiError::OutcomeUnknown {
                        request: label,
                        reason,
                    });
                }
                Next::GiveUp => {
                    return Err(self.give_up(
                        label,
                        failed.failure,
                        failed.body.as_deref(),
                        failed.transport,
                        attempt,
                    ));
                }
            }
        }
    }

    /// Sends one attempt and classifies what came back, logging it.
    async fn attempt(&self, sent: &Sent<'_>, url: &Url, body: Option<&[u8]>) -> Attempted {
        let label = sent.label;
        let (scope, method, attempt, waited_ms) =
            (&label.scope, label.method, sent.attempt, sent.waited_ms);
        match self.send_once(method, url, body).await {
            Ok((status, bytes)) => {
                tracing::debug!(
                    tenant = %scope, method = %method, path = %label.path, status,
                    attempt, waited_ms, "api request"
                );
                if (200..300).contains(&status) {
                    self.inner.authenticated.store(true, Ordering::Relaxed);
                    return Attempted::Answered(bytes);
                }
                Attempted::Failed(FailedAttempt {
                    failure: Failure::Status(status),
                    body: Some(bytes),
                    transport: None,
                })
            }
            Err(SendError::TooLarge) => {
                tracing::debug!(
                    tenant = %scope, method = %method, path = %label.path,
                    error = "answer too large", attempt, waited_ms, "api request failed"
                );
                Attempted::Fatal(ApiError::ResponseTooLarge {
                    request: label.clone(),
                    limit_bytes: self.inner.max_response_bytes,
                })
            }
            Err(SendError::Transport(err)) => {
                let err = err.without_url();
                let failure = if tls::certificate_problem(&err).is_some() {
                    Failure::Certificate
                } else if err.is_connect() {
                    Failure::Connect
                } else {
                    Failure::NoAnswer
                };
                tracing::debug!(
                    tenant = %scope, method = %method, path = %label.path,
                    error = transport_kind(&err), attempt, waited_ms, "api request failed"
                );
                Attempted::Failed(FailedAttempt {
                    failure,
                    body: None,
                    transport: Some(err),
                })
            }
        }
    }

    async fn send_once(
        &self,
        method: Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<(u16, Vec<u8>), SendError> {
        let inner = &*self.inner;
        let mut request = inner.http.request(method.as_reqwest(), url.clone());
        if let Some(authorization) = &inner.authorization {
            request = request.header(header::AUTHORIZATION, authorization.clone());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = read_body(response, inner.max_response_bytes).await?;
        Ok((status, bytes))
    }

    /// The error for a failure that is not retried (any more).
    fn give_up(
        &self,
        label: RequestLabel,
        failure: Failure,
        body: Option<&[u8]>,
        transport: Option<reqwest::Error>,
        attempts: u32,
    ) -> ApiError {
        if let Some(source) = transport {
            if let Some(problem) = tls::certificate_problem(&source) {
                return ApiError::UntrustedCertificate {
                    request: label,
                    problem,
                };
            }
            return ApiError::Transport {
                request: label,
                server: self.server(),
                attempts,
                hint: transport_hint(&source, self.inner.base.scheme()),
                source,
            };
        }
        let Failure::Status(status) = failure else {
            unreachable!("invariant: a failure without a transport error is a status")
        };
        let parsed = body.and_then(|bytes| serde_json::from_slice::<ErrorBody>(bytes).ok());
        let json = parsed.is_some();
        let message = self.clean_message(parsed.map(|body| body.message).unwrap_or_default());
        let credential_404 = json
            && (message.contains("invalid token")
                || (label.method == Method::Get
                    && !self.inner.authenticated.load(Ordering::Relaxed)));
        ApiError::from_status(label, status, message, json, credential_404)
    }

    /// Shortens a server message and makes sure it cannot echo the token.
    fn clean_message(&self, message: String) -> String {
        let mut message = match &self.inner.token {
            Some(token) if !token.expose().is_empty() => {
                message.replace(token.expose().as_str(), "<redacted>")
            }
            _ => message,
        };
        if message.chars().count() > MAX_MESSAGE_CHARS {
            message = message.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "...";
        }
        message
    }

    fn url(&self, scope: &Scope, path: &Path) -> Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("invariant: an http(s) base URL has path segments")
            .pop_if_empty()
            .extend(path.segments.iter().map(String::as_str));
        for (name, value) in &path.query {
            url.query_pairs_mut().append_pair(name, value);
        }
        if let Scope::Tenant(id) = scope {
            url.query_pairs_mut().append_pair("account", id);
        }
        url
    }
}

/// One attempt of a request, for its log line.
struct Sent<'a> {
    label: &'a RequestLabel,
    attempt: u32,
    waited_ms: u64,
}

/// What one attempt came to.
enum Attempted {
    /// A success status, with the body.
    Answered(Vec<u8>),
    /// A failure no retry can help (an answer larger than the client reads).
    Fatal(ApiError),
    /// A failure the retry policy decides about.
    Failed(FailedAttempt),
}

/// A failed attempt: what failed, and the answer's body or the transport error if any.
struct FailedAttempt {
    failure: Failure,
    body: Option<Vec<u8>>,
    transport: Option<reqwest::Error>,
}

/// Why one attempt got no usable answer.
enum SendError {
    /// The connection failed or dropped.
    Transport(reqwest::Error),
    /// The body is larger than the client reads.
    TooLarge,
}

impl From<reqwest::Error> for SendError {
    fn from(err: reqwest::Error) -> Self {
        SendError::Transport(err)
    }
}

/// Reads a response body chunk by chunk, refusing it once it passes `limit` bytes (or announces
/// more in `Content-Length`), so a huge or endless answer never sits in memory.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, SendError> {
    let announced = response.content_length().unwrap_or(0);
    if usize::try_from(announced).map_or(true, |announced| announced > limit) {
        return Err(SendError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if chunk.len() > limit - body.len() {
            return Err(SendError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sleeps on the clock and returns the time slept.
async fn sleep_for(clock: &dyn Clock, duration: Duration) -> Duration {
    if !duration.is_zero() {
        clock.sleep_until(clock.now() + duration).await;
    }
    duration
}

/// A short, URL-free name for a transport failure, for logs and messages.
fn transport_kind(err: &reqwest::Error) -> &'static str {
    if tls::certificate_problem(err).is_some() {
        "certificate not trusted"
    } else if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "connection dropped while reading the answer"
    } else {
        "connection dropped"
    }
}

/// Parses a success body; a parse failure names the request and where parsing stopped, never
/// the body (it may hold a secret).
fn parse<T: DeserializeOwned>(label: &RequestLabel, bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| {
        let detail = match err.classify() {
            serde_json::error::Category::Data => {
                let text = err.to_string();
                // "invalid type: string \"...\"" quotes the value; keep only the shape.
                if text.starts_with("invalid type") || text.starts_with("invalid value") {
                    format!(
                        "a field has the wrong type at line {} column {}",
                        err.line(),
                        err.column()
                    )
                } else {
                    text
                }
            }
            serde_json::error::Category::Eof => "the body ends too early".to_owned(),
            _ => format!("not JSON at line {} column {}", err.line(), err.column()),
        };
        ApiError::MalformedBody {
            request: label.clone(),
            detail,
        }
    })
}

/// Serialises a request body. Wire types only hold strings, numbers and maps with string keys,
/// so this cannot fail.
fn to_body<T: Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).expect("invariant: wire request types always serialise")
}

/// Parses and checks the base URL: http(s) only, plain http only to loopback, no credentials,
/// What a person can do about a transport failure, when its cause says: an `https://` URL
/// whose server answered in plain text is an `http://` port.
fn transport_hint(error: &reqwest::Error, scheme: &str) -> &'static str {
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(current) = cause {
        let text = current.to_string();
        if scheme == "https"
            && (text.contains("InvalidContentType") || text.contains("corrupt message"))
        {
            return "; the server does not speak TLS there: is it a plain-http port? (use http://)";
        }
        cause = current.source();
    }
    ""
}

/// query or fragment. A trailing `/api` (as NetBird's docs write self-hosted URLs) is dropped,
/// because every path birdhouse sends starts with `/api`.
pub fn parse_base_url(base_url: &str) -> Result<Url, ApiError> {
    let invalid = |reason: &str| ApiError::InvalidUrl {
        url: base_url.to_owned(),
        reason: reason.to_owned(),
    };
    let text = base_url.trim();
    if !text.contains("://") {
        // `host:port` would otherwise parse as a URL whose scheme is the host.
        return Err(invalid(&format!(
            "it has no scheme; write https://{text} (or http://{text} for a server on this \
             machine)"
        )));
    }
    let mut url = Url::parse(text).map_err(|err| invalid(&err.to_string()))?;
    let host = url
        .host_str()
        .ok_or_else(|| invalid("it has no host"))?
        .to_owned();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => return Err(ApiError::InsecureUrl { host }),
        _ => return Err(invalid("use an https:// URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials do not belong in the URL; use the token",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/api").unwrap_or(path).to_owned();
    url.set_path(&path);
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An API path as segments, so ids are percent-encoded and never change the path's shape.
#[derive(Debug, Clone)]
struct Path {
    segments: Vec<String>,
    /// Query parameters besides `account` (which the scope adds).
    query: Vec<(&'static str, String)>,
}

impl Path {
    fn new(segments: &[&str]) -> Self {
        Self {
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
        }
    }

    fn with_query(mut self, query: &[(&'static str, String)]) -> Self {
        self.query.extend_from_slice(query);
        self
    }

    fn label(&self) -> String {
        let mut label = String::new();
        for segment in &self.segments {
            label.push('/');
            label.push_str(segment);
        }
        label
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiError, is_loopback, parse_base_url};

    #[test]
    fn base_urls() {
        let ok = [
            ("https://api.netbird.io", "https://api.netbird.io/"),
            ("https://nb.example.com/api/", "https://nb.example.com/"),
            (
                "https://nb.example.com/netbird/api",
                "https://nb.example.com/netbird",
            ),
            ("http://localhost:33073", "http://localhost:33073/"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            ("http://[::1]:8080", "http://[::1]:8080/"),
        ];
        for (given, expected) in ok {
            assert_eq!(parse_base_url(given).unwrap().as_str(), expected, "{given}");
        }
        for refused in [
            "http://example.com",
            "http://10.0.0.1:80",
            "http://localhost.evil.io",
        ] {
            assert!(
                matches!(parse_base_url(refused), Err(ApiError::InsecureUrl { .. })),
                "{refused}"
            );
        }
        for invalid in [
            "api.netbird.io",
            "ftp://x",
            "https://user:pw@x",
            "https://x/?a=1",
        ] {
            assert!(
                matches!(parse_base_url(invalid), Err(ApiError::InvalidUrl { .. })),
                "{invalid}"
            );
        }
        assert!(is_loopback("127.0.0.2"));
    }
}
