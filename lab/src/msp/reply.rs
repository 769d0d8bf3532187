//! Building the front's own answers, shaped like NetBird's.
//!
//! NetBird's error body is always `{"message": "...", "code": <status>}` with a lower-case
//! message; success bodies are JSON with `Content-Type: application/json; charset=UTF-8`.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// Every response the front sends.
pub type Reply = Response<Full<Bytes>>;

const JSON: &str = "application/json; charset=UTF-8";

/// A JSON body with `status`.
pub fn json(status: StatusCode, body: &impl Serialize) -> Reply {
    let bytes = serde_json::to_vec(body).expect("invariant: reply bodies serialise");
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

/// NetBird's `util.ErrorResponse`; a struct, so the fields keep NetBird's order.
#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    code: u16,
}

/// NetBird's error body for `status`.
pub fn error(status: StatusCode, message: &str) -> Reply {
    json(
        status,
        &ErrorBody {
            message,
            code: status.as_u16(),
        },
    )
}

/// 401 as NetBird sends it for a token it does not accept.
pub fn token_invalid() -> Reply {
    error(StatusCode::UNAUTHORIZED, "token invalid")
}

/// 429 as NetBird sends it: this body and no `Retry-After`.
pub fn too_many_requests() -> Reply {
    error(StatusCode::TOO_MANY_REQUESTS, "too many requests")
}

/// An empty body with `status`, as gorilla/mux answers a method it has no route for (405).
pub fn empty(status: StatusCode) -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// gorilla/mux's plain-text 404 for a path with no route.
pub fn not_found_text() -> Reply {
    let mut response = Response::new(Full::new(Bytes::from_static(b"404 page not found\n")));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
