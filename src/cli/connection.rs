//! Connection options and environment → [`ClientConfig`]: where the API is and which token to
//! send. Only commands that talk to NetBird call this, so `validate` and `schema` need no token.
//!
//! The base URL comes from `--api-url`/`NETBIRD_API_URL`, else from `NETBIRD_HOST` read the
//! way NetBird's Python client reads it (`host[:port]` means https; a value with a scheme is
//! used as is), else NetBird Cloud. The token comes from `--token-file` or `NETBIRD_API_TOKEN`,
//! never from a flag: a `--token` value would show in process lists and CI logs.
//! `--ca-cert`/`NETBIRD_CA_CERT` adds a private CA to the roots the client trusts; the file is
//! read and checked here, so a bad one fails before any request.

use std::path::Path;

use crate::api::{self, ApiError, ClientConfig, TrustedRoots};
use crate::cli::UsageError;
use crate::cli::settings::{BudgetSettings, ConnectionArgs, Settings, Verbosity};
use crate::secret::Secret;

/// Resolves the connection of a run from its settings and the process environment.
pub(crate) fn client_config(settings: &Settings) -> Result<ClientConfig, UsageError> {
    if let Some(path) = &settings.connection.token_file
        && let Some(warning) = shared_secret_file_warning(path, "--token-file")
        && settings.verbosity > Verbosity::Quiet
    {
        eprintln!("{warning}");
    }
    resolve(&settings.connection, settings.budget, &|name| {
        std::env::var(name).ok()
    })
}

/// [`client_config`] with the environment passed in, so tests need not touch the process's.
fn resolve(
    args: &ConnectionArgs,
    budget: BudgetSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ClientConfig, UsageError> {
    let base_url = base_url(args, env)?;
    let token = token(args, env)?;
    let mut config = ClientConfig::new(base_url, token);
    config.requests_per_minute = budget.requests_per_minute;
    config.burst = budget.burst;
    config.trusted_roots = trusted_roots(args.ca_cert.as_deref())?;
    Ok(config)
}

/// The roots of `--ca-cert FILE` (none without it); an unreadable file or one without a usable
/// PEM certificate is a usage error naming the file.
pub(crate) fn trusted_roots(ca_cert: Option<&Path>) -> Result<TrustedRoots, UsageError> {
    let Some(path) = ca_cert else {
        return Ok(TrustedRoots::default());
    };
    let pem = std::fs::read(path)
        .map_err(|err| UsageError(format!("cannot read --ca-cert {}: {err}", path.display())))?;
    TrustedRoots::from_pem(&pem)
        .map_err(|err| UsageError(format!("--ca-cert {}: {err}", path.display())))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn base_url(
    args: &ConnectionArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, UsageError> {
    let (url, source) = if let Some(url) = non_empty(args.api_url.clone()) {
        (url, "--api-url/NETBIRD_API_URL")
    } else if let Some(host) = non_empty(env("NETBIRD_HOST")) {
        (url_from_host(&host), "NETBIRD_HOST")
    } else {
        (api::DEFAULT_BASE_URL.to_owned(), "the default")
    };
    match api::parse_base_url(&url) {
        Ok(_) => Ok(url),
        Err(err @ (ApiError::InsecureUrl { .. } | ApiError::InvalidUrl { .. })) => {
            Err(UsageError(format!("{source}: {err}")))
        }
        Err(err) => Err(UsageError(err.to_string())),
    }
}

/// `NETBIRD_HOST` as the Python client reads it: `api.netbird.io` or `nb.example.com:33073`
/// means https; `http://localhost:33073` keeps its scheme (and plain http is then allowed only
/// for loopback, by the client).
fn url_from_host(host: &str) -> String {
    let host = host.trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        host.to_owned()
    } else {
        format!("https://{host}")
    }
}

fn token(
    args: &ConnectionArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret<String>, UsageError> {
    let (raw, source) = if let Some(path) = &args.token_file {
        (
            read_token_file(path)?,
            format!("--token-file {}", path.display()),
        )
    } else if let Some(value) = env("NETBIRD_API_TOKEN") {
        (Secret::new(value), "NETBIRD_API_TOKEN".to_owned())
    } else {
        return Err(UsageError(
            "no API token: set NETBIRD_API_TOKEN or pass --token-file PATH (there is no --token \
             flag: it would show in process lists and CI logs)"
                .to_owned(),
        ));
    };
    let token = raw.expose().trim();
    if token.is_empty() {
        return Err(UsageError(format!("the API token from {source} is empty")));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UsageError(format!(
            "the API token from {source} contains spaces or control characters; a NetBird \
             token is a single word (nbp_...)"
        )));
    }
    Ok(Secret::new(token.to_owned()))
}

fn read_token_file(path: &Path) -> Result<Secret<String>, UsageError> {
    std::fs::read_to_string(path)
        .map(Secret::new)
        .map_err(|err| {
            UsageError(format!(
                "cannot read --token-file {}: {err}",
                path.display()
            ))
        })
}

/// The warning for a file holding a secret that its group or others can read (anyone who can
/// read it holds the secret), or `None`. A warning, not an error: CI runners often mount
/// secrets 0644 in a private workspace.
pub(crate) fn shared_secret_file_warning(path: &Path, flag: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o044 != 0).then(|| {
            format!(
                "warning: {flag} {} is readable by {} (mode {mode:04o}); anyone who can read it \
                 has the secret: chmod 600 {}",
                path.display(),
                if mode & 0o004 == 0 {
                    "its group"
                } else {
                    "every user"
                },
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::num::NonZeroU32;
    use std::path::PathBuf;

    use super::resolve;
    use crate::cli::settings::{BudgetSettings, ConnectionArgs};

    const TOKEN: &str = "nbp_abcdefghijklmnopqrstuvwxyz0123456789";

    fn budget() -> BudgetSettings {
        BudgetSettings {
            requests_per_minute: NonZeroU32::new(90).unwrap(),
            burst: NonZeroU32::new(9).unwrap(),
        }
    }

    fn args(api_url: Option<&str>, token_file: Option<PathBuf>) -> ConnectionArgs {
        ConnectionArgs {
            api_url: api_url.map(str::to_owned),
            token_file,
            ca_cert: None,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn base_url_precedence_and_netbird_host() {
        type Case<'a> = (Option<&'a str>, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (None, &[], "https://api.netbird.io"),
            (
                Some("https://nb.example.com"),
                &[("NETBIRD_HOST", "x.io")],
                "https://nb.example.com",
            ),
            (
                None,
                &[("NETBIRD_HOST", "nb.example.com:33073")],
                "https://nb.example.com:33073",
            ),
            (
                None,
                &[("NETBIRD_HOST", " api.netbird.io/ ")],
                "https://api.netbird.io",
            ),
            (
                None,
                &[("NETBIRD_HOST", "http://localhost:33073")],
                "http://localhost:33073",
            ),
            (Some(""), &[("NETBIRD_HOST", "x.io")], "https://x.io"),
        ];
        for (api_url, vars, expected) in cases {
            let mut pairs = vars.to_vec();
            pairs.push(("NETBIRD_API_TOKEN", TOKEN));
            let config = resolve(&args(*api_url, None), budget(), &env(&pairs)).unwrap();
            assert_eq!(config.base_url, *expected, "{api_url:?} {vars:?}");
            assert_eq!(config.requests_per_minute.get(), 90);
            assert_eq!(config.burst.get(), 9);
        }
    }

    #[test]
    fn plain_http_to_a_remote_host_is_a_usage_error() {
        let vars = env(&[
            ("NETBIRD_API_TOKEN", TOKEN),
            ("NETBIRD_HOST", "http://nb.example.com"),
        ]);
        let err = resolve(&args(None, None), budget(), &vars).unwrap_err();
        assert!(
            err.0
                .starts_with("NETBIRD_HOST: refusing plain http to nb.example.com"),
            "{}",
            err.0
        );
        let err = resolve(&args(Some("http://10.1.2.3"), None), budget(), &vars).unwrap_err();
        assert!(
            err.0.contains("--api-url") && err.0.contains("https://"),
            "{}",
            err.0
        );
    }

    #[test]
    fn token_from_env_or_file_trimmed() {
        let config = resolve(
            &args(None, None),
            budget(),
            &env(&[("NETBIRD_API_TOKEN", &format!("  {TOKEN}\n"))]),
        )
        .unwrap();
        assert_eq!(config.token.expose(), TOKEN);

        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "{TOKEN}").unwrap();
        let config = resolve(
            &args(None, Some(file.path().to_owned())),
            budget(),
            &env(&[("NETBIRD_API_TOKEN", "nbp_from_env_loses")]),
        )
        .unwrap();
        assert_eq!(
            config.token.expose(),
            TOKEN,
            "an explicit --token-file wins over the env"
        );
    }

    #[test]
    fn missing_empty_or_broken_tokens_are_usage_errors_that_never_echo_it() {
        let err = resolve(&args(None, None), budget(), &env(&[])).unwrap_err();
        assert!(
            err.0.contains("NETBIRD_API_TOKEN") && err.0.contains("--token-file"),
            "{}",
            err.0
        );

        let err = resolve(
            &args(None, None),
            budget(),
            &env(&[("NETBIRD_API_TOKEN", " ")]),
        )
        .unwrap_err();
        assert!(err.0.contains("is empty"), "{}", err.0);

        let spaced = format!("{TOKEN} extra");
        let err = resolve(
            &args(None, None),
            budget(),
            &env(&[("NETBIRD_API_TOKEN", &spaced)]),
        )
        .unwrap_err();
        assert!(
            err.0.contains("spaces") && !err.0.contains(TOKEN),
            "{}",
            err.0
        );

        let missing = PathBuf::from("/nonexistent/birdhouse-token");
        let err = resolve(&args(None, Some(missing)), budget(), &env(&[])).unwrap_err();
        assert!(
            err.0
                .contains("cannot read --token-file /nonexistent/birdhouse-token"),
            "{}",
            err.0
        );
    }
}
