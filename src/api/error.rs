//! `ApiError`: every way a NetBird API call can fail, worded so a user knows what to do next.
//!
//! Each request error names the request (method and path, never the query, the token or a
//! body) and the tenant it ran in, because a run talks to many tenants at once and "403" alone
//! does not say which one refused.

use std::fmt;

use crate::api::{Method, Scope};

/// The request an error happened on: where it went and in which tenant.
///
/// Carries no headers, query string or body, so it is safe to print anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLabel {
    /// The account the request ran in.
    pub scope: Scope,
    /// The HTTP method.
    pub method: Method,
    /// The path without the query, e.g. `/api/groups/ch8i4ug6lnn4g9hqv7m0`.
    pub path: String,
}

impl fmt::Display for RequestLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.method, self.path, self.scope)
    }
}

/// A failed NetBird API call, or a client that cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API URL is not a URL birdhouse can use.
    #[error("invalid API URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Plain `http://` to a host that is not loopback: the token would cross the network in
    /// clear text, so birdhouse refuses before sending anything.
    #[error(
        "refusing plain http to {host}: the API token would travel unencrypted; \
         use an https:// URL (http is accepted only for localhost)"
    )]
    InsecureUrl {
        /// The host of the refused URL.
        host: String,
    },

    /// The token cannot be sent in an HTTP header (it holds control characters).
    #[error("the API token contains characters that cannot be sent in an HTTP header")]
    TokenNotSendable,

    /// The HTTP client could not be built (TLS set-up failed).
    #[error("could not set up the HTTP client")]
    ClientSetup {
        /// What failed.
        #[source]
        source: reqwest::Error,
    },

    /// 401, or a JSON 404 that rejects the credential: NetBird answers 404 for a well-formed
    /// token it does not know (deleted, or issued by another server).
    #[error(
        "{request}: the API token was rejected: invalid, expired or unknown to this server{}; \
         create a new personal access token and pass it in NETBIRD_API_TOKEN or --token-file",
        said(.message)
    )]
    Unauthorized {
        /// The request that was refused.
        request: RequestLabel,
        /// The server's message, if it sent one.
        message: String,
    },

    /// 403: the token is valid but its user may not do this here.
    #[error("{request}: {}{}", forbidden_hint(.request), said(.message))]
    Forbidden {
        /// The request that was refused.
        request: RequestLabel,
        /// The server's message, if it sent one.
        message: String,
    },

    /// 404: the object (or, with a plain-text body, the endpoint) does not exist.
    #[error("{request}: not found{}", said(.message))]
    NotFound {
        /// The request that was refused.
        request: RequestLabel,
        /// The server's message, if it sent one.
        message: String,
    },

    /// A plain-text 404 elsewhere: no such route, so the URL probably does not point at a
    /// NetBird management server (NetBird's own 404s are JSON).
    #[error(
        "{request}: the server has no such endpoint (a plain-text 404, not a NetBird error); \
         check the API URL"
    )]
    NoSuchEndpoint {
        /// The request that was refused.
        request: RequestLabel,
    },

    /// A plain-text 404 under `/api/integrations/msp`: the server has no MSP API, which is
    /// what self-hosted NetBird answers.
    #[error(
        "{request}: this server has no MSP API (plain 404; self-hosted NetBird?); \
         tenants can be listed only on NetBird Cloud with an MSP account"
    )]
    MspUnavailable {
        /// The request that was refused.
        request: RequestLabel,
    },

    /// 409: the object clashes with an existing one (a group or user email of that name).
    #[error("{request}: conflicts with an existing object{}", said(.message))]
    Conflict {
        /// The request that was refused.
        request: RequestLabel,
        /// The server's message, if it sent one.
        message: String,
    },

    /// 412: a precondition failed (object in use, feature not enabled on the server).
    #[error("{request}: precondition failed{}", said(.message))]
    PreconditionFailed {
        /// The request that was refused.
        request: RequestLabel,
        /// The server's message, if it sent one.
        message: String,
    },

    /// 400 or 422: the server found the request invalid; its message says which field.
    #[error("{request}: rejected as invalid ({status}){}", said(.message))]
    Rejected {
        /// The request that was refused.
        request: RequestLabel,
        /// 400 or 422.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },

    /// 429 on every attempt: something else is spending the token's budget too.
    #[error(
        "{request}: still rate limited (429) after {attempts} attempts; another client is \
         probably using the same token; lower --rate or try again later"
    )]
    RateLimited {
        /// The request that was refused.
        request: RequestLabel,
        /// Attempts made, the first included.
        attempts: u32,
    },

    /// A 5xx answer that was not retried, or still failed after the retries.
    #[error("{request}: server error {status}{}{}", said(.message), server_hint(*.status))]
    Server {
        /// The request that failed.
        request: RequestLabel,
        /// The HTTP status.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },

    /// A POST whose fate is unknown (timeout, dropped connection, gateway error): it may or
    /// may not have been applied, so it is never retried blindly; re-read before trying again.
    #[error(
        "{request}: {reason}; the outcome is unknown (the server may have applied it), so it \
         was not retried; re-read the tenant before trying again"
    )]
    OutcomeUnknown {
        /// The request whose outcome is unknown.
        request: RequestLabel,
        /// What happened instead of an answer.
        reason: String,
    },

    /// A success answer whose body is not the JSON NetBird sends for this endpoint.
    #[error("{request}: the response is not the JSON NetBird sends for this endpoint ({detail})")]
    MalformedBody {
        /// The request whose answer could not be read.
        request: RequestLabel,
        /// Where parsing failed (never the body itself, which may hold secrets).
        detail: String,
    },

    /// An answer larger than the client reads: no NetBird answer comes near the limit, so the
    /// URL probably points at something else (or the server is broken). Not retried.
    #[error(
        "{request}: the answer is larger than {}, far more than any NetBird answer; it was \
         not read (check the API URL)",
        byte_size(*.limit_bytes)
    )]
    ResponseTooLarge {
        /// The request whose answer was refused.
        request: RequestLabel,
        /// The limit it passed.
        limit_bytes: usize,
    },

    /// The TLS handshake refused the server's certificate. Not retried: it would fail the
    /// same way every time. A self-hosted server with a private CA needs that CA trusted.
    #[error(
        "{request}: the server's TLS certificate is not trusted: {problem}; if the server uses \
         a private CA, trust it with --ca-cert FILE (or NETBIRD_CA_CERT=FILE), or point \
         SSL_CERT_FILE or SSL_CERT_DIR at a bundle that holds it"
    )]
    UntrustedCertificate {
        /// The request whose handshake failed.
        request: RequestLabel,
        /// What the TLS library found wrong with the certificate.
        problem: String,
    },

    /// The server could not be reached, or the connection failed on every attempt.
    #[error(
        "{request}: no answer from the NetBird API at {server} after {attempts} attempt(s){hint}"
    )]
    Transport {
        /// The request that failed.
        request: RequestLabel,
        /// The server tried: scheme, host and port (never a path or query).
        server: String,
        /// Attempts made, the first included.
        attempts: u32,
        /// What to do about it, when the cause says (`; …`), or empty.
        hint: &'static str,
        /// The last transport error (without the URL).
        #[source]
        source: reqwest::Error,
    },

    /// Any other status (a redirect, 405, ...).
    #[error("{request}: unexpected HTTP status {status}{}", said(.message))]
    UnexpectedStatus {
        /// The request that failed.
        request: RequestLabel,
        /// The HTTP status.
        status: u16,
        /// The server's message, if it sent one.
        message: String,
    },
}

impl ApiError {
    /// The request the error happened on; `None` for set-up errors.
    pub fn request(&self) -> Option<&RequestLabel> {
        match self {
            ApiError::InvalidUrl { .. }
            | ApiError::InsecureUrl { .. }
            | ApiError::TokenNotSendable
            | ApiError::ClientSetup { .. } => None,
            ApiError::Unauthorized { request, .. }
            | ApiError::Forbidden { request, .. }
            | ApiError::NotFound { request, .. }
            | ApiError::MspUnavailable { request }
            | ApiError::NoSuchEndpoint { request }
            | ApiError::Conflict { request, .. }
            | ApiError::PreconditionFailed { request, .. }
            | ApiError::Rejected { request, .. }
            | ApiError::RateLimited { request, .. }
            | ApiError::Server { request, .. }
            | ApiError::OutcomeUnknown { request, .. }
            | ApiError::MalformedBody { request, .. }
            | ApiError::ResponseTooLarge { request, .. }
            | ApiError::UntrustedCertificate { request, .. }
            | ApiError::Transport { request, .. }
            | ApiError::UnexpectedStatus { request, .. } => Some(request),
        }
    }

    /// The HTTP status the server answered with, when the error is an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Forbidden { .. } => Some(403),
            ApiError::NotFound { .. }
            | ApiError::MspUnavailable { .. }
            | ApiError::NoSuchEndpoint { .. } => Some(404),
            ApiError::Conflict { .. } => Some(409),
            ApiError::PreconditionFailed { .. } => Some(412),
            ApiError::RateLimited { .. } => Some(429),
            ApiError::Rejected { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Maps a non-success answer to the variant a user can act on.
    ///
    /// `credential_404` says whether a JSON 404 is to be read as a rejected token (see
    /// [`crate::api`] for when that is the case); `json` whether the body was NetBird's JSON
    /// error shape.
    pub(crate) fn from_status(
        request: RequestLabel,
        status: u16,
        message: String,
        json: bool,
        credential_404: bool,
    ) -> Self {
        match status {
            401 => ApiError::Unauthorized { request, message },
            403 => ApiError::Forbidden { request, message },
            404 if !json && request.path.starts_with(super::MSP_PREFIX) => {
                ApiError::MspUnavailable { request }
            }
            404 if json && credential_404 => ApiError::Unauthorized { request, message },
            404 if !json => ApiError::NoSuchEndpoint { request },
            404 => ApiError::NotFound { request, message },
            409 => ApiError::Conflict { request, message },
            412 => ApiError::PreconditionFailed { request, message },
            400 | 422 => ApiError::Rejected {
                request,
                status,
                message,
            },
            500..=599 => ApiError::Server {
                request,
                status,
                message,
            },
            _ => ApiError::UnexpectedStatus {
                request,
                status,
                message,
            },
        }
    }
}

/// A size limit as a person reads it: whole MiB where it is one, bytes otherwise.
fn byte_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// ` (server: "...")`, or nothing when the server sent no message.
fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" (server: {message:?})")
    }
}

fn forbidden_hint(request: &RequestLabel) -> String {
    if request.method != Method::Get {
        // The reads of the plan went through, or this write would not have been sent.
        return "this token's user may read but not write here: a read-only role (auditor) can \
                plan but not apply, which needs an admin or owner (or, in a tenant, an MSP \
                permission group allowed to write)"
            .to_owned();
    }
    match &request.scope {
        Scope::Tenant(id) => format!(
            "the token's user has no access to tenant {id}: add the user to an MSP permission \
             group that reaches this tenant with a role allowed to do this"
        ),
        Scope::OwnAccount => "the token's user lacks the permission for this; it needs a role \
                              that allows it (admin or owner for writes)"
            .to_owned(),
    }
}

/// NetBird reports some invalid input (a bad network-resource address) as a bare 500.
fn server_hint(status: u16) -> &'static str {
    if status == 500 {
        "; NetBird also answers 500 to some invalid values, so check what was sent"
    } else {
        ""
    }
}
