//! Raw arguments plus environment → validated settings. The only place that checks option
//! combinations; commands see `Settings`, never `Args`.

use std::io::IsTerminal;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::apply::SecretsSink;
use crate::cli::UsageError;
use crate::cli::args::{ApplyArgs, ColorChoice, GlobalArgs, SnapshotArgs};

/// Validated settings shared by every command.
#[derive(Debug)]
pub(crate) struct Settings {
    /// Which tenants the run is limited to.
    pub tenant_filter: TenantFilter,
    /// Tenants worked on at once.
    pub parallel: NonZeroUsize,
    /// The request budget of the token.
    pub budget: BudgetSettings,
    /// How much goes to stderr.
    pub verbosity: Verbosity,
    /// Whether stdout gets ANSI colour.
    pub color: bool,
    /// Whether to colour what goes to stderr (apply's change lines), by the same rule.
    pub color_stderr: bool,
    /// Where the API is and how to authenticate; resolved only by commands that need it, so
    /// `validate` and `schema` work without a token.
    pub connection: ConnectionArgs,
}

/// The budget as the user gave it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BudgetSettings {
    /// Sustained requests per minute.
    pub requests_per_minute: NonZeroU32,
    /// Requests that may be spent at once.
    pub burst: NonZeroU32,
}

/// Connection options before the environment is read.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionArgs {
    /// `--api-url` or `NETBIRD_API_URL`.
    pub api_url: Option<String>,
    /// `--token-file`.
    pub token_file: Option<PathBuf>,
    /// `--ca-cert` or `NETBIRD_CA_CERT`.
    pub ca_cert: Option<PathBuf>,
}

/// How much the run says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// Errors only.
    Quiet,
    /// Warnings and errors (default).
    Normal,
    /// Progress information.
    Info,
    /// Per-request detail.
    Debug,
    /// Everything.
    Trace,
}

/// Tenant names selected with `--tenant` (globs); empty selects every tenant.
#[derive(Debug, Clone, Default)]
pub(crate) struct TenantFilter {
    patterns: Vec<String>,
    set: Option<GlobSet>,
}

impl TenantFilter {
    /// Builds the filter; an invalid glob is a usage error naming the pattern.
    pub(crate) fn new(patterns: &[String]) -> Result<Self, UsageError> {
        if patterns.is_empty() {
            return Ok(Self::default());
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Self::glob(pattern)?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| UsageError(format!("--tenant patterns: {e}")))?;
        Ok(Self {
            patterns: patterns.to_vec(),
            set: Some(set),
        })
    }

    /// A pattern as a case-insensitive glob (`acme*` selects "Acme Dental").
    fn glob(pattern: &str) -> Result<Glob, UsageError> {
        GlobBuilder::new(pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| UsageError(format!("--tenant {pattern:?} is not a valid glob: {e}")))
    }

    /// Refuses a pattern that selects none of `names` (the tenants of the files, or the MSP's),
    /// even when another pattern selects some: a mistyped name would otherwise leave a tenant
    /// out of the run unnoticed.
    pub(crate) fn check_against<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str> + Clone,
        among: &str,
    ) -> Result<(), UsageError> {
        for pattern in &self.patterns {
            let Ok(glob) = Self::glob(pattern) else {
                continue;
            };
            let matcher = glob.compile_matcher();
            if !names.clone().into_iter().any(|name| matcher.is_match(name)) {
                return Err(UsageError(format!(
                    "--tenant {pattern:?} matches no tenant {among}{}",
                    crate::diag::did_you_mean_hint(pattern, names)
                )));
            }
        }
        Ok(())
    }

    /// True when the tenant with this name is selected.
    pub(crate) fn selects(&self, tenant_name: &str) -> bool {
        self.set
            .as_ref()
            .is_none_or(|set| set.is_match(tenant_name))
    }

    /// The patterns as typed, for messages.
    pub(crate) fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

impl Settings {
    /// Validates the global options.
    pub(crate) fn from_args(global: &GlobalArgs) -> Result<Self, UsageError> {
        let parallel = NonZeroUsize::new(global.parallel)
            .ok_or_else(|| UsageError("--parallel must be at least 1".into()))?;
        let requests_per_minute = NonZeroU32::new(global.rate)
            .ok_or_else(|| UsageError("--rate must be at least 1 request per minute".into()))?;
        let burst = NonZeroU32::new(global.burst)
            .ok_or_else(|| UsageError("--burst must be at least 1 request".into()))?;
        let verbosity = match (global.quiet, global.verbose) {
            (q, _) if q > 0 => Verbosity::Quiet,
            (_, 0) => Verbosity::Normal,
            (_, 1) => Verbosity::Info,
            (_, 2) => Verbosity::Debug,
            _ => Verbosity::Trace,
        };
        let colour_on = |terminal: bool| match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        let color = colour_on(std::io::stdout().is_terminal());
        let color_stderr = colour_on(std::io::stderr().is_terminal());
        Ok(Self {
            tenant_filter: TenantFilter::new(&global.tenants)?,
            parallel,
            budget: BudgetSettings {
                requests_per_minute,
                burst,
            },
            verbosity,
            color,
            color_stderr,
            connection: ConnectionArgs {
                api_url: global.api_url.clone(),
                token_file: global.token_file.clone(),
                ca_cert: global.ca_cert.clone(),
            },
        })
    }
}

/// Where an apply's plan comes from.
#[derive(Debug, Clone)]
pub(crate) enum ApplySource {
    /// Plan the files now (`apply -f PATH`), then confirm unless `--yes`.
    Files {
        /// The desired state.
        path: PathBuf,
        /// `--changed-since`.
        changed_since: Option<String>,
        /// `--allow-mass-delete`.
        allow_mass_delete: bool,
    },
    /// A saved plan (`apply PLANFILE`), executed without asking.
    Saved(PathBuf),
}

/// `birdhouse apply`'s validated options.
#[derive(Debug, Clone)]
pub(crate) struct ApplySettings {
    /// Where the plan comes from.
    pub source: ApplySource,
    /// Apply without asking (`--yes`, or a saved plan).
    pub yes: bool,
    /// `--secrets-out`, already checked to be usable.
    pub secrets_out: Option<PathBuf>,
    /// `--discard-secrets`.
    pub discard_secrets: bool,
    /// `--snapshots` and `--snapshot-max-age`.
    pub kept: SnapshotArgs,
}

impl ApplySettings {
    /// Checks the combination of options (a usage error) and that `--secrets-out` can be
    /// used (an error), before any file is read or request sent.
    pub(crate) fn from_args(args: &ApplyArgs) -> anyhow::Result<Self> {
        let source = match (&args.plan_file, &args.path) {
            (Some(file), _) => {
                if args.changed_since.is_some() {
                    return Err(UsageError(
                        "--changed-since selects tenants while planning; a saved plan already \
                         holds its tenants"
                            .into(),
                    )
                    .into());
                }
                if args.allow_mass_delete {
                    return Err(UsageError(
                        "--allow-mass-delete is decided while planning: make the plan with \
                         `birdhouse plan --allow-mass-delete --out FILE`"
                            .into(),
                    )
                    .into());
                }
                ApplySource::Saved(file.clone())
            }
            (None, Some(path)) => {
                if !args.yes && !std::io::stdin().is_terminal() {
                    return Err(UsageError(
                        "stdin is not a terminal, so apply cannot ask for confirmation; pass \
                         --yes to apply without asking (or save a plan with `birdhouse plan \
                         --out FILE` and run `birdhouse apply FILE`)"
                            .into(),
                    )
                    .into());
                }
                ApplySource::Files {
                    path: path.clone(),
                    changed_since: args.changed_since.clone(),
                    allow_mass_delete: args.allow_mass_delete,
                }
            }
            (None, None) => {
                return Err(UsageError(
                    "apply needs the desired state (`-f PATH`) or a saved plan (`birdhouse \
                     apply PLANFILE`)"
                        .into(),
                )
                .into());
            }
        };
        if let Some(path) = &args.secrets_out {
            anyhow::Context::context(SecretsSink::check(path), "--secrets-out")?;
        }
        Ok(Self {
            yes: args.yes || matches!(source, ApplySource::Saved(_)),
            source,
            secrets_out: args.secrets_out.clone(),
            discard_secrets: args.discard_secrets,
            kept: args.kept.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TenantFilter;

    #[test]
    fn empty_filter_selects_everything() {
        let filter = TenantFilter::new(&[]).unwrap();
        assert!(filter.selects("Acme Corp"));
    }

    #[test]
    fn globs_select_by_name() {
        let filter = TenantFilter::new(&["acme*".into(), "Globex".into()]).unwrap();
        assert!(filter.selects("acme-eu"));
        assert!(filter.selects("Globex"));
        assert!(!filter.selects("Initech"));
    }

    #[test]
    fn invalid_glob_is_a_usage_error() {
        let err = TenantFilter::new(&["acme[".into()]).unwrap_err();
        assert!(err.0.contains("--tenant \"acme[\""), "{}", err.0);
    }
}
