//! Fault scenarios for the API client against httpmock (and a raw socket for dropped
//! connections), plus `birdhouse tenants` driven like a user. Every scenario has a deadline so a
//! hang fails instead of blocking the suite; budget waits run on a virtual clock.

mod endless;
mod flaky;
mod tls;

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use birdhouse::api::{ApiError, Client, ClientConfig, RetryPolicy, TrustedRoots, VirtualClock};
use birdhouse::kinds::wire::{
    CreateSetupKeyRequest, GroupRequest, NetworkRequest, Resource, SetupRequest,
};
use birdhouse::secret::Secret;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::json;

/// A well-formed PAT (nbp_ + 30 + 6 characters) that must never show up in any output.
const TOKEN: &str = "nbp_S3cr3tT0k3nThatMustNotLeak0aB1c2";
const TENANT: &str = "ctq2p8nten4nt000001";
const DEADLINE: Duration = Duration::from_secs(20);

/// Fails the test if `work` does not finish in time.
async fn within<F: Future>(work: F) -> F::Output {
    tokio::time::timeout(DEADLINE, work)
        .await
        .expect("the scenario did not finish before its deadline")
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// A client at NetBird Cloud's budget on a virtual clock, with fast transient backoff.
fn client_for(base_url: &str) -> (Client, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::new());
    let mut config = ClientConfig::new(base_url, Secret::new(TOKEN.to_owned()));
    config.clock = clock.clone();
    config.retry = RetryPolicy {
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
        ..RetryPolicy::default()
    };
    config.timeout = Duration::from_secs(5);
    (Client::new(config).unwrap(), clock)
}

fn group_json(id: &str) -> serde_json::Value {
    json!({"id": id, "name": "devs", "issued": "api", "peers": null, "peers_count": 0,
           "resources": null, "resources_count": 0})
}

fn error_json(message: &str, code: u16) -> serde_json::Value {
    json!({"message": message, "code": code})
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

#[tokio::test]
async fn a_429_storm_is_waited_out_counted_and_paced() {
    let server = MockServer::start_async().await;
    let storm = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/groups");
            then.status(429)
                .json_body(error_json("too many requests", 429))
                .up_to_n_times(5);
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/groups");
            then.status(200).json_body(json!([group_json("g1")]));
        })
        .await;
    let (client, clock) = client_for(&server.base_url());

    let groups = within(client.tenant(Some(TENANT)).list_groups())
        .await
        .unwrap();

    assert_eq!(groups[0].id, "g1");
    storm.assert_calls_async(5).await;
    ok.assert_calls_async(1).await;
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.retries),
        (6, 5, 5)
    );
    // Each 429 empties the bucket, so each retry waits at least one refill interval (0.5 s at
    // 120/min) and at most 1.5 intervals with jitter.
    let elapsed = clock.elapsed();
    assert!(
        elapsed >= Duration::from_millis(2500),
        "retried too fast: {elapsed:?}"
    );
    assert!(
        elapsed <= Duration::from_millis(3800),
        "waited too long: {elapsed:?}"
    );
    assert!(stats.waited >= Duration::from_millis(2500), "{stats:?}");
}

#[tokio::test]
async fn a_429_storm_that_never_ends_fails_clearly_after_bounded_attempts() {
    let server = MockServer::start_async().await;
    let storm = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/groups");
            then.status(429)
                .json_body(error_json("too many requests", 429));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let body = GroupRequest {
        name: "devs".into(),
        peers: vec![],
        resources: vec![],
    };

    let err = within(client.tenant(Some(TENANT)).create_group(&body))
        .await
        .unwrap_err();

    assert!(
        matches!(err, ApiError::RateLimited { attempts: 8, .. }),
        "{err:?}"
    );
    storm.assert_calls_async(8).await;
    let text = err.to_string();
    assert!(
        text.contains("POST /api/groups (tenant ctq2p8nten4nt000001)")
            && text.contains("429")
            && text.contains("--rate"),
        "{text}"
    );
    assert_eq!(client.stats().rate_limited, 8);
}

#[tokio::test]
async fn concurrent_tenants_all_get_through_a_shared_storm() {
    let server = MockServer::start_async().await;
    let storm = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/users");
            then.status(429)
                .json_body(error_json("too many requests", 429))
                .up_to_n_times(6);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/users");
            then.status(200).json_body(json!([]));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());

    let tenants = ["t-a", "t-b", "t-c"].map(|id| client.tenant(Some(id)));
    let results = within(async {
        let (a, b, c) = tokio::join!(
            tenants[0].list_users(),
            tenants[1].list_users(),
            tenants[2].list_users()
        );
        [a, b, c]
    })
    .await;

    for result in results {
        assert!(result.unwrap().is_empty());
    }
    storm.assert_calls_async(6).await;
    assert_eq!(client.stats().rate_limited, 6);
    assert_eq!(client.stats().requests, 9);
}

/// A server-side token bucket like NetBird's (keyed by token, 429 when empty): a client on
/// the same budget must never be refused.
#[tokio::test]
async fn the_budget_alone_never_meets_a_429() {
    const PER_MINUTE: u32 = 3000; // one token per 20 ms, so the test takes under half a second
    const BURST: u32 = 5;
    // Tokens of slack for scheduling jitter on a loaded machine; without the client's budget
    // the 20 requests would still overrun 5 + 3 at once.
    const SLACK: f64 = 3.0;
    let server = MockServer::start_async().await;
    let refused = Arc::new(AtomicUsize::new(0));
    let bucket = Arc::new(Mutex::new((f64::from(BURST) + SLACK, Instant::now())));
    {
        let refused = refused.clone();
        let bucket = bucket.clone();
        server
            .mock_async(move |when, then| {
                when.method(GET).path("/api/groups");
                then.respond_with(move |_req: &HttpMockRequest| {
                    let mut state = bucket.lock().unwrap();
                    let now = Instant::now();
                    let refill =
                        now.duration_since(state.1).as_secs_f64() * f64::from(PER_MINUTE) / 60.0;
                    state.0 = (state.0 + refill).min(f64::from(BURST) + SLACK);
                    state.1 = now;
                    if state.0 >= 1.0 {
                        state.0 -= 1.0;
                        HttpMockResponse::builder().status(200).body("[]").build()
                    } else {
                        refused.fetch_add(1, Ordering::SeqCst);
                        HttpMockResponse::builder()
                            .status(429)
                            .body(r#"{"message":"too many requests","code":429}"#)
                            .build()
                    }
                });
            })
            .await;
    }
    let mut config = ClientConfig::new(server.base_url(), Secret::new(TOKEN.to_owned()));
    config.requests_per_minute = nz(PER_MINUTE);
    config.burst = nz(BURST);
    let client = Client::new(config).unwrap();
    let tenants: Vec<_> = (0..4)
        .map(|i| client.tenant(Some(&format!("t-{i}"))))
        .collect();

    let started = Instant::now();
    within(async {
        let mut tasks = Vec::new();
        for tenant in tenants {
            tasks.push(tokio::spawn(async move {
                for _ in 0..5 {
                    tenant.list_groups().await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    })
    .await;

    assert_eq!(
        refused.load(Ordering::SeqCst),
        0,
        "the server had to refuse requests"
    );
    assert_eq!(client.stats().rate_limited, 0);
    assert_eq!(client.stats().requests, 20);
    // 5 free, 15 paced at 20 ms each: the budget, not the server, set the pace.
    assert!(
        started.elapsed() >= Duration::from_millis(280),
        "{:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Transient failures

#[tokio::test]
async fn gateway_errors_on_a_get_are_retried() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/networks");
            then.status(503)
                .body("upstream unavailable")
                .up_to_n_times(2);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/networks");
            then.status(200).json_body(json!([]));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());

    let networks = within(client.tenant(Some(TENANT)).list_networks()).await;

    assert!(networks.unwrap().is_empty());
    failing.assert_calls_async(2).await;
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn gateway_errors_that_persist_fail_after_bounded_attempts() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(PUT).path("/api/networks/n1");
            then.status(502).body("<html>bad gateway</html>");
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let body = NetworkRequest {
        name: "office".into(),
        description: None,
    };

    let err = within(client.tenant(Some(TENANT)).update_network("n1", &body))
        .await
        .unwrap_err();

    failing.assert_calls_async(4).await;
    assert!(
        matches!(err, ApiError::Server { status: 502, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("PUT /api/networks/n1 (tenant ctq2p8nten4nt000001): server error 502"),
        "{err}"
    );
}

#[tokio::test]
async fn a_gateway_error_on_a_post_is_not_retried_and_says_the_outcome_is_unknown() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/setup-keys");
            then.status(504).body("gateway timeout");
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let body = CreateSetupKeyRequest {
        name: "office".into(),
        kind: "reusable".into(),
        expires_in: 0,
        auto_groups: vec![],
        usage_limit: 0,
        ephemeral: None,
        allow_extra_dns_labels: None,
    };

    let err = within(client.tenant(Some(TENANT)).create_setup_key(&body))
        .await
        .unwrap_err();

    failing.assert_calls_async(1).await;
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("POST /api/setup-keys") && text.contains("outcome is unknown"),
        "{text}"
    );
}

#[tokio::test]
async fn a_dropped_connection_on_a_get_is_retried() {
    let server = flaky::Server::start(1, r#"[{"id":"t1","name":"Acme","domain":"a.example"}]"#);
    let (client, _clock) = client_for(&server.url);

    let tenants = within(client.list_tenants()).await.unwrap();

    assert_eq!(tenants[0].id, "t1");
    assert_eq!(server.connections(), 2, "one dropped, one answered");
}

#[tokio::test]
async fn a_dropped_connection_on_a_post_is_not_retried_and_says_the_outcome_is_unknown() {
    let server = flaky::Server::start(5, "{}");
    let (client, _clock) = client_for(&server.url);
    let body = GroupRequest {
        name: "devs".into(),
        peers: vec![],
        resources: vec![],
    };

    let err = within(client.tenant(Some(TENANT)).create_group(&body))
        .await
        .unwrap_err();

    assert_eq!(
        server.connections(),
        1,
        "a POST that may have landed was sent again"
    );
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.to_string().contains("re-read the tenant"), "{err}");
}

#[tokio::test]
async fn a_get_that_times_out_is_retried() {
    let server = MockServer::start_async().await;
    let slow = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/policies");
            then.status(200)
                .json_body(json!([]))
                .delay(Duration::from_secs(3))
                .up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/policies");
            then.status(200).json_body(json!([]));
        })
        .await;
    let clock = Arc::new(VirtualClock::new());
    let mut config = ClientConfig::new(server.base_url(), Secret::new(TOKEN.to_owned()));
    config.clock = clock;
    config.timeout = Duration::from_millis(500);

    let client = Client::new(config).unwrap();
    let policies = within(client.tenant(None).list_policies()).await;

    assert!(policies.unwrap().is_empty());
    slow.assert_calls_async(1).await;
    assert_eq!(client.stats().requests, 2);
}

#[tokio::test]
async fn an_unreachable_server_fails_with_a_transport_error_naming_the_request() {
    // Bind then drop a listener: nothing accepts on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (client, _clock) = client_for(&format!("http://127.0.0.1:{port}"));

    let err = within(client.tenant(Some(TENANT)).list_groups())
        .await
        .unwrap_err();

    assert!(
        matches!(err, ApiError::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("GET /api/groups (tenant ctq2p8nten4nt000001): no answer"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Answer size

/// A client like [`client_for`] that reads answers of at most `limit` bytes.
fn client_with_limit(base_url: &str, limit: usize) -> Client {
    let mut config = ClientConfig::new(base_url, Secret::new(TOKEN.to_owned()));
    config.clock = Arc::new(VirtualClock::new());
    config.timeout = Duration::from_secs(5);
    config.max_response_bytes = limit;
    Client::new(config).unwrap()
}

#[tokio::test]
async fn an_answer_above_the_size_limit_is_refused_naming_the_request_not_the_query() {
    const LIMIT: usize = 64 * 1024;
    let server = MockServer::start_async().await;
    let huge = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/groups");
            then.status(200).body("x".repeat(LIMIT + 1));
        })
        .await;
    let fits = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/users");
            then.status(200)
                .body(format!("[{}]", " ".repeat(LIMIT - 2)));
        })
        .await;
    let client = client_with_limit(&server.base_url(), LIMIT);
    let tenant = client.tenant(Some(TENANT));

    let err = within(tenant.list_groups()).await.unwrap_err();

    assert!(
        matches!(
            err,
            ApiError::ResponseTooLarge {
                limit_bytes: LIMIT,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "GET /api/groups (tenant ctq2p8nten4nt000001): the answer is larger than 65536 bytes, \
         far more than any NetBird answer; it was not read (check the API URL)"
    );
    huge.assert_calls_async(1).await;
    assert!(within(tenant.list_users()).await.unwrap().is_empty());
    fits.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_endless_answer_is_cut_off_at_the_size_limit() {
    const LIMIT: usize = 1024 * 1024;
    let server = endless::Server::start();
    let client = client_with_limit(&server.url, LIMIT);

    let err = within(client.tenant(None).list_groups()).await.unwrap_err();

    assert!(
        matches!(
            err,
            ApiError::ResponseTooLarge {
                limit_bytes: LIMIT,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("GET /api/groups (own account): the answer is larger than 1 MiB"),
        "{err}"
    );
    assert_eq!(
        client.stats().requests,
        1,
        "a refused answer is not retried"
    );
}

#[test]
fn tenants_stops_reading_an_endless_answer_at_64_mib() {
    let server = endless::Server::start();

    let output = birdhouse(&server.url).args(["tenants"]).output().unwrap();

    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: listing the MSP's tenants: GET /api/integrations/msp/tenants (own account): \
         the answer is larger than 64 MiB, far more than any NetBird answer; it was not read (check the API URL)\n"
    );
    // The client hung up soon after the limit; socket buffers hold at most a few MiB more.
    let sent = server.sent();
    assert!(sent < 80 * 1024 * 1024, "{sent} bytes were sent");
}

// ---------------------------------------------------------------------------------------------
// TLS trust

#[tokio::test]
async fn an_untrusted_certificate_fails_after_one_handshake_and_says_how_to_trust_the_ca() {
    let server = tls::Server::start("[]");
    let (client, _clock) = client_for(&server.url);

    let err = within(client.tenant(Some(TENANT)).list_groups())
        .await
        .unwrap_err();

    assert!(
        matches!(err, ApiError::UntrustedCertificate { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "GET /api/groups (tenant ctq2p8nten4nt000001): the server's TLS certificate is not \
         trusted: it is signed by an unknown issuer (a private or self-signed CA?); if the \
         server uses a private CA, trust it with --ca-cert FILE (or NETBIRD_CA_CERT=FILE), or \
         point SSL_CERT_FILE or SSL_CERT_DIR at a bundle that holds it"
    );
    assert_eq!(
        server.handshakes(),
        1,
        "a certificate failure is not retried"
    );
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test]
async fn a_private_ca_given_as_a_trusted_root_is_trusted() {
    let server = tls::Server::start(r#"[{"id": "g1", "name": "devs", "issued": "api"}]"#);
    let mut config = ClientConfig::new(&server.url, Secret::new(TOKEN.to_owned()));
    config.clock = Arc::new(VirtualClock::new());
    config.trusted_roots = TrustedRoots::from_pem(&std::fs::read(tls::ca_pem()).unwrap()).unwrap();
    let client = Client::new(config).unwrap();

    let groups = within(client.tenant(None).list_groups()).await.unwrap();

    assert_eq!(groups[0].id, "g1");
    assert_eq!(server.handshakes(), 1);
}

#[test]
fn tenants_with_an_untrusted_certificate_exits_1_after_one_handshake() {
    let server = tls::Server::start("[]");

    let output = birdhouse(&server.url).args(["tenants"]).output().unwrap();

    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: listing the MSP's tenants: GET /api/integrations/msp/tenants (own \
             account): the server's TLS certificate is not trusted"
        ) && stderr.contains("--ca-cert FILE")
            && stderr.contains("SSL_CERT_FILE"),
        "{stderr}"
    );
    assert_eq!(server.handshakes(), 1);
}

#[test]
fn tenants_trusts_the_ca_given_with_ca_cert_or_netbird_ca_cert() {
    let server = tls::Server::start("[]");
    let ca = tls::ca_pem();

    let flag = birdhouse(&server.url)
        .args(["tenants", "--ca-cert", ca.to_str().unwrap()])
        .output()
        .unwrap();
    let env = birdhouse(&server.url)
        .env("NETBIRD_CA_CERT", &ca)
        .args(["tenants"])
        .output()
        .unwrap();

    for output in [flag, env] {
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            "ID  NAME  DOMAIN  STATUS\n"
        );
    }
    assert_eq!(server.handshakes(), 2);
}

#[test]
fn ca_cert_that_is_missing_or_not_pem_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.der");
    std::fs::write(&not_pem, [0x30, 0x82, 0x01, 0x0a, 0x02]).unwrap();
    let missing = dir.path().join("missing.pem");

    for (file, expected) in [
        (
            &not_pem,
            format!(
                "error: --ca-cert {}: no PEM certificate in it (expected one or more \
                 -----BEGIN CERTIFICATE----- blocks; a DER file converts with \
                 `openssl x509 -inform der -in FILE -out FILE.pem`)\n",
                not_pem.display()
            ),
        ),
        (
            &missing,
            format!(
                "error: cannot read --ca-cert {}: No such file or directory (os error 2)\n",
                missing.display()
            ),
        ),
    ] {
        let output = birdhouse("https://127.0.0.1:9")
            .args(["tenants", "--ca-cert", file.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(64), "{stderr}");
        assert_eq!(stderr, expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Error bodies

#[tokio::test]
async fn malformed_json_names_the_endpoint() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/setup-keys");
            then.status(200).body(r#"[{"id": "k1", "key": "ABCDE****""#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/users");
            then.status(200)
                .body(r#"[{"id":"u1","role":"user","is_blocked":"very-secret-value"}]"#);
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let tenant = client.tenant(Some(TENANT));

    let err = within(tenant.list_setup_keys()).await.unwrap_err();
    assert!(matches!(err, ApiError::MalformedBody { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("GET /api/setup-keys (tenant ctq2p8nten4nt000001): the response is not"),
        "{err}"
    );

    let err = within(tenant.list_users()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("GET /api/users") && text.contains("wrong type"),
        "{text}"
    );
    assert!(
        !text.contains("very-secret-value"),
        "a body value leaked: {text}"
    );
}

#[tokio::test]
async fn status_codes_become_messages_a_user_can_act_on() {
    let server = MockServer::start_async().await;
    let cases: [(&str, u16, &str); 6] = [
        ("/api/groups", 401, "token invalid"),
        ("/api/setup-keys", 403, "permission denied"),
        (
            "/api/users",
            409,
            "can't invite a user with an existing netbird account",
        ),
        (
            "/api/networks",
            412,
            "idp manager must be enabled to send user invites",
        ),
        ("/api/policies", 422, "unknown protocol type: sctp"),
        ("/api/networks/routers", 500, "internal server error"),
    ];
    for (path, status, message) in cases {
        server
            .mock_async(move |when, then| {
                when.path(path);
                then.status(status).json_body(error_json(message, status));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.path("/api/accounts");
            then.status(200)
                .json_body(json!([{"id": TENANT, "domain": "acme.example", "settings": {}}]));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let tenant = client.tenant(Some(TENANT));
    within(tenant.list_accounts()).await.unwrap();

    let err = within(tenant.list_groups()).await.unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("token was rejected: invalid, expired")
            && err.to_string().contains("NETBIRD_API_TOKEN"),
        "{err}"
    );

    let err = within(tenant.list_setup_keys()).await.unwrap_err();
    assert!(matches!(err, ApiError::Forbidden { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("has no access to tenant ctq2p8nten4nt000001"),
        "{err}"
    );

    let err = within(tenant.list_users()).await.unwrap_err();
    assert!(matches!(err, ApiError::Conflict { .. }), "{err:?}");
    let err = within(tenant.list_networks()).await.unwrap_err();
    assert!(
        matches!(err, ApiError::PreconditionFailed { .. }),
        "{err:?}"
    );
    let err = within(tenant.list_policies()).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 422, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("unknown protocol type: sctp"),
        "{err}"
    );
    let err = within(tenant.list_network_routers()).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Server { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(client.stats().requests, 7, "none of these is retried");
}

#[tokio::test]
async fn a_404_before_any_success_means_the_token_is_unknown() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/accounts");
            then.status(404)
                .json_body(error_json("invalid token: pat: q2x8= not found", 404));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/api/groups");
            then.status(404).json_body(error_json("not found", 404));
        })
        .await;

    // By its message, on the identity check...
    let (client, _clock) = client_for(&server.base_url());
    let err = within(client.tenant(None).list_accounts())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("(own account)"), "{err}");

    // ...and by position: the first call of a run cannot legitimately be a 404.
    let (client, _clock) = client_for(&server.base_url());
    let err = within(client.tenant(Some(TENANT)).list_groups())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn a_404_after_a_success_is_a_missing_object() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/groups");
            then.status(200).json_body(json!([]));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/api/groups/gone");
            then.status(404)
                .json_body(error_json("group: gone not found", 404));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let tenant = client.tenant(Some(TENANT));
    within(tenant.list_groups()).await.unwrap();

    let err = within(tenant.delete_group("gone")).await.unwrap_err();

    assert!(matches!(err, ApiError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("DELETE /api/groups/gone"), "{err}");
}

#[tokio::test]
async fn a_plain_404_from_the_msp_endpoint_means_no_msp_api_on_this_server() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/api/integrations/msp/tenants");
            then.status(404)
                .header("content-type", "text/plain")
                .body("404 page not found");
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());

    let err = within(client.list_tenants()).await.unwrap_err();

    assert!(matches!(err, ApiError::MspUnavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("self-hosted"), "{err}");

    // Elsewhere, a plain 404 means the URL is not a NetBird API at all.
    server
        .mock_async(|when, then| {
            when.path("/api/groups");
            then.status(404).body("<html>Not Found</html>");
        })
        .await;
    let err = within(client.tenant(None).list_groups()).await.unwrap_err();
    assert!(matches!(err, ApiError::NoSuchEndpoint { .. }), "{err:?}");
    assert!(err.to_string().contains("check the API URL"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Scope, headers and bodies

#[tokio::test]
async fn every_tenant_request_carries_account_and_own_account_requests_do_not() {
    let server = MockServer::start_async().await;
    let list_paths = [
        "/api/accounts",
        "/api/groups",
        "/api/setup-keys",
        "/api/users",
        "/api/policies",
        "/api/networks",
        "/api/networks/resources",
        "/api/networks/routers",
        "/api/networks/n1/resources",
        "/api/users/u1/tokens",
    ];
    let mut scoped = Vec::new();
    let mut own = Vec::new();
    for path in list_paths {
        scoped.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(path)
                        .query_param("account", TENANT)
                        .query_param_count("account", ".*", 1)
                        .header("authorization", format!("Token {TOKEN}"))
                        .header(
                            "user-agent",
                            concat!("birdhouse/", env!("CARGO_PKG_VERSION")),
                        );
                    then.status(200).body("null");
                })
                .await,
        );
        own.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(path)
                        .query_param_missing("account")
                        .header("authorization", format!("Token {TOKEN}"));
                    then.status(200).body("[]");
                })
                .await,
        );
    }
    let delete_scoped = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/networks/n1/routers/r1")
                .query_param("account", TENANT);
            then.status(200).body("{}");
        })
        .await;
    let create_own = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/groups")
                .query_param_missing("account")
                .header("content-type", "application/json")
                .json_body(json!({"name": "devs", "peers": ["p1"],
                                  "resources": [{"id": "res1", "type": "subnet"}]}));
            then.status(200).json_body(group_json("g9"));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());

    within(async {
        for scope in [Some(TENANT), None] {
            let t = client.tenant(scope);
            // `null` (scoped mocks) and `[]` (own mocks) both read as empty lists.
            assert!(t.list_accounts().await.unwrap().is_empty());
            assert!(t.list_groups().await.unwrap().is_empty());
            assert!(t.list_setup_keys().await.unwrap().is_empty());
            assert!(t.list_users().await.unwrap().is_empty());
            assert!(t.list_policies().await.unwrap().is_empty());
            assert!(t.list_networks().await.unwrap().is_empty());
            assert!(t.list_network_resources().await.unwrap().is_empty());
            assert!(t.list_network_routers().await.unwrap().is_empty());
            assert!(t.list_resources_of_network("n1").await.unwrap().is_empty());
            assert!(t.list_tokens("u1").await.unwrap().is_empty());
        }
        client
            .tenant(Some(TENANT))
            .delete_network_router("n1", "r1")
            .await
            .unwrap();
        let created = client
            .tenant(None)
            .create_group(&GroupRequest {
                name: "devs".into(),
                peers: vec!["p1".into()],
                resources: vec![Resource {
                    id: "res1".into(),
                    kind: "subnet".into(),
                }],
            })
            .await
            .unwrap();
        assert_eq!(created.id, "g9");
    })
    .await;

    for mock in scoped.iter().chain(&own) {
        mock.assert_calls_async(1).await;
    }
    delete_scoped.assert_calls_async(1).await;
    create_own.assert_calls_async(1).await;
}

#[tokio::test]
async fn ids_are_percent_encoded_and_cannot_change_the_path() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let seen = seen.clone();
        server
            .mock_async(move |when, then| {
                when.method(DELETE);
                then.respond_with(move |req: &HttpMockRequest| {
                    seen.lock().unwrap().push(req.uri().path().to_owned());
                    HttpMockResponse::builder().status(200).body("{}").build()
                });
            })
            .await;
    }
    let (client, _clock) = client_for(&server.base_url());

    within(
        client
            .tenant(Some(TENANT))
            .delete_user("google-oauth2|1234/../x"),
    )
    .await
    .unwrap();

    // One segment, its slashes escaped: no `..` walks out of /api/users.
    assert_eq!(
        *seen.lock().unwrap(),
        ["/api/users/google-oauth2|1234%2F..%2Fx"]
    );
}

#[tokio::test]
async fn a_new_setup_keys_plain_value_is_held_as_a_secret() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/setup-keys");
            then.status(200).json_body(json!({
                "id": "k1", "key": "A616097E-FCF0-48FA-9354-CA4A61142761", "name": "office",
                "type": "reusable", "expires": "0001-01-01T00:00:00Z", "valid": true,
                "revoked": false, "used_times": 0, "last_used": "0001-01-01T00:00:00Z",
                "state": "valid", "auto_groups": ["g1"], "updated_at": "2025-01-01T00:00:00Z",
                "usage_limit": 0, "ephemeral": false, "allow_extra_dns_labels": false
            }));
        })
        .await;
    let (client, _clock) = client_for(&server.base_url());
    let body = CreateSetupKeyRequest {
        name: "office".into(),
        kind: "reusable".into(),
        expires_in: 0,
        auto_groups: vec!["g1".into()],
        usage_limit: 0,
        ephemeral: Some(false),
        allow_extra_dns_labels: None,
    };

    let created = within(client.tenant(Some(TENANT)).create_setup_key(&body))
        .await
        .unwrap();

    assert_eq!(created.key.expose(), "A616097E-FCF0-48FA-9354-CA4A61142761");
    assert_eq!(created.setup_key.auto_groups, ["g1"]);
    assert!(!format!("{created:?}").contains("A616097E"));
}

#[tokio::test]
async fn setup_sends_no_token_and_holds_the_new_pat_as_a_secret() {
    let server = MockServer::start_async().await;
    let setup = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/setup")
                .header_missing("authorization")
                .json_body(json!({"email": "admin@example.test", "name": "Admin",
                                  "password": "correct horse battery", "create_pat": true,
                                  "pat_expire_in": 1}));
            then.status(200)
                .header("cache-control", "no-store")
                .json_body(json!({"user_id": "u1", "email": "admin@example.test",
                                  "personal_access_token": TOKEN}));
        })
        .await;
    let request = SetupRequest {
        email: "admin@example.test".into(),
        name: "Admin".into(),
        password: Secret::new("correct horse battery".into()),
        create_pat: true,
        pat_expire_in: Some(1),
    };

    let response = within(birdhouse::api::setup(
        &server.base_url(),
        &request,
        &TrustedRoots::default(),
    ))
    .await
    .unwrap();

    setup.assert_calls_async(1).await;
    assert_eq!(response.personal_access_token.unwrap().expose(), TOKEN);
    assert!(!format!("{request:?}").contains("correct horse"));
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    for url in ["http://api.netbird.io", "http://192.168.1.10:33073"] {
        let err = Client::new(ClientConfig::new(url, Secret::new(TOKEN.to_owned()))).unwrap_err();
        assert!(
            matches!(err, ApiError::InsecureUrl { .. }),
            "{url}: {err:?}"
        );
        assert!(err.to_string().contains("refusing plain http"), "{err}");
    }
    Client::new(ClientConfig::new(
        "http://localhost:33073",
        Secret::new(TOKEN.to_owned()),
    ))
    .expect("http to loopback is fine");
}

// ---------------------------------------------------------------------------------------------
// `birdhouse tenants`, driven like a user

fn birdhouse(server_url: &str) -> Command {
    let mut cmd = Command::cargo_bin("birdhouse").unwrap();
    cmd.env_remove("NETBIRD_HOST")
        .env_remove("NETBIRD_CA_CERT")
        .env_remove("RUST_LOG")
        .env("NETBIRD_API_URL", server_url)
        .env("NETBIRD_API_TOKEN", TOKEN)
        .timeout(DEADLINE);
    cmd
}

/// Removes terminal colour sequences, so assertions read the text.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn tenants_mock(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(GET)
            .path("/api/integrations/msp/tenants")
            .query_param_missing("account")
            .header("authorization", format!("Token {TOKEN}"));
        then.status(200).json_body(json!([
            {"id": "d0globex00000000001", "name": "Globex", "domain": "globex.example",
             "groups": null, "status": "invited", "created_at": "2025-01-01T00:00:00Z",
             "updated_at": "2025-01-01T00:00:00Z", "dns_challenge": "x", "extra": 1},
            {"id": "ctq2p8nten4nt000001", "name": "Acme Corp", "domain": "acme.example",
             "groups": [{"id": "g", "role": "admin"}], "status": "active",
             "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
             "dns_challenge": "y"}
        ]));
    })
}

#[test]
fn tenants_prints_an_aligned_table_and_never_the_token() {
    let server = MockServer::start();
    let mock = tenants_mock(&server);

    let output = birdhouse(&server.base_url())
        .args(["-vv", "tenants"])
        .output()
        .unwrap();

    mock.assert_calls(1);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "ID                   NAME       DOMAIN          STATUS\n\
         ctq2p8nten4nt000001  Acme Corp  acme.example    active\n\
         d0globex00000000001  Globex     globex.example  invited\n"
    );
    // -vv shows the per-request debug event...
    let plain = strip_ansi(&stderr);
    assert!(
        plain.contains("path=/api/integrations/msp/tenants") && plain.contains("status=200"),
        "{stderr}"
    );
    // ...and the token appears nowhere.
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "{stderr}"
    );
    assert!(!stderr.contains("S3cr3t"), "{stderr}");
}

#[test]
fn tenants_prints_a_json_array() {
    let server = MockServer::start();
    tenants_mock(&server);

    let output = birdhouse(&server.base_url())
        .args(["tenants", "--format", "json"])
        .output()
        .unwrap();

    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        value,
        json!([
            {"id": "ctq2p8nten4nt000001", "name": "Acme Corp", "domain": "acme.example",
             "status": "active"},
            {"id": "d0globex00000000001", "name": "Globex", "domain": "globex.example",
             "status": "invited"}
        ])
    );
}

#[test]
fn tenants_with_a_rejected_token_exits_1_without_echoing_it() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.path("/api/integrations/msp/tenants");
        // A server that (wrongly) echoes the credential must not make birdhouse leak it.
        then.status(401)
            .json_body(error_json(&format!("token invalid: {TOKEN}"), 401));
    });

    let output = birdhouse(&server.base_url())
        .args(["-vv", "tenants"])
        .output()
        .unwrap();

    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("GET /api/integrations/msp/tenants (own account)")
            && stderr.contains("token was rejected"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[test]
fn tenants_rides_out_429s_at_the_command_line_rate() {
    let server = MockServer::start();
    let storm = server.mock(|when, then| {
        when.path("/api/integrations/msp/tenants");
        then.status(429)
            .json_body(error_json("too many requests", 429))
            .up_to_n_times(2);
    });
    let ok = tenants_mock(&server);

    // --rate 6000: a 10 ms refill interval keeps the waits short.
    let output = birdhouse(&server.base_url())
        .args(["--rate", "6000", "tenants", "--format", "json"])
        .output()
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    storm.assert_calls(2);
    ok.assert_calls(1);
}

#[test]
fn tenants_refuses_plain_http_to_a_remote_host_before_sending_anything() {
    let output = birdhouse("http://nb.example.com")
        .arg("tenants")
        .output()
        .unwrap();

    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("refusing plain http to nb.example.com"),
        "{stderr}"
    );
}

#[test]
fn tenants_without_a_token_names_both_ways_to_give_one() {
    let output = birdhouse("https://api.netbird.io")
        .env_remove("NETBIRD_API_TOKEN")
        .arg("tenants")
        .output()
        .unwrap();

    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.contains("NETBIRD_API_TOKEN") && stderr.contains("--token-file"),
        "{stderr}"
    );
}

#[test]
fn netbird_host_is_read_like_the_python_client() {
    let server = MockServer::start();
    let mock = tenants_mock(&server);

    let output = birdhouse("")
        .env_remove("NETBIRD_API_URL")
        .env("NETBIRD_HOST", server.base_url())
        .arg("tenants")
        .output()
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    mock.assert_calls(1);
}
