//! Forwarding a request to one tenant's real server, as NetBird Cloud executes it "inside"
//! that tenant.
//!
//! The front swaps the MSP token for the server's own PAT and drops the `account` query
//! parameter (the open-source server would ignore it anyway); method, path, the rest of the
//! query, headers and body pass through unchanged, and so does the answer, status and error
//! body included.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    AUTHORIZATION, CONNECTION, CONTENT_LENGTH, HOST, HeaderName, TRANSFER_ENCODING,
};
use hyper::http::request::Parts;
use hyper::{Response, StatusCode};

use crate::msp::reply::{self, Reply};
use crate::state::ServerRecord;

/// Hop-by-hop headers and the ones the forwarding rewrites; never copied either way.
fn is_dropped(name: &HeaderName) -> bool {
    [
        AUTHORIZATION,
        CONNECTION,
        CONTENT_LENGTH,
        HOST,
        TRANSFER_ENCODING,
    ]
    .contains(name)
        || matches!(name.as_str(), "keep-alive" | "te" | "trailer" | "upgrade")
        || name.as_str().starts_with("proxy-")
}

/// The raw query without `account=` pairs, so the rest reaches the server byte for byte.
pub fn query_without_account(query: Option<&str>) -> Option<String> {
    let kept: Vec<&str> = query?
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("account"))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

/// The value of `account` when it appears exactly once, as NetBird's middleware requires.
pub fn account_param(query: Option<&str>) -> Option<String> {
    let query = query?;
    let url = reqwest::Url::parse(&format!("http://front/?{query}")).ok()?;
    let mut values = url
        .query_pairs()
        .filter(|(k, _)| k == "account")
        .map(|(_, v)| v);
    let first = values.next()?;
    values.next().is_none().then(|| first.into_owned())
}

/// Sends the request to `target` with its PAT and returns its answer.
pub async fn forward(
    http: &reqwest::Client,
    parts: &Parts,
    body: Bytes,
    target: &ServerRecord,
) -> Reply {
    let mut url = format!("{}{}", target.url, parts.uri.path());
    if let Some(query) = query_without_account(parts.uri.query()) {
        url.push('?');
        url.push_str(&query);
    }
    let mut request = http.request(parts.method.clone(), &url);
    for (name, value) in &parts.headers {
        if !is_dropped(name) {
            request = request.header(name, value);
        }
    }
    let request = request
        .header(AUTHORIZATION, format!("Token {}", target.pat))
        .body(body);
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => {
            let message = format!("lab front: server of {} unreachable: {e}", target.name);
            return reply::error(StatusCode::BAD_GATEWAY, &message.to_lowercase());
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = format!(
                "lab front: reading the answer of {} failed: {e}",
                target.name
            );
            return reply::error(StatusCode::BAD_GATEWAY, &message.to_lowercase());
        }
    };
    let mut reply = Response::new(Full::new(bytes));
    *reply.status_mut() = status;
    for (name, value) in &headers {
        if !is_dropped(name) {
            reply.headers_mut().append(name, value.clone());
        }
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::{account_param, query_without_account};

    #[test]
    fn account_counts_only_when_given_once() {
        assert_eq!(account_param(Some("account=abc")), Some("abc".to_owned()));
        assert_eq!(
            account_param(Some("x=1&account=a%62c")),
            Some("abc".to_owned())
        );
        assert_eq!(account_param(Some("account=a&account=b")), None);
        assert_eq!(account_param(Some("x=1")), None);
        assert_eq!(account_param(None), None);
    }

    #[test]
    fn account_is_removed_and_the_rest_kept_verbatim() {
        assert_eq!(query_without_account(Some("account=abc")), None);
        assert_eq!(
            query_without_account(Some("service_user=true&account=abc&q=a%20b")),
            Some("service_user=true&q=a%20b".to_owned())
        );
        assert_eq!(query_without_account(None), None);
    }
}
