//! The command line exactly as typed: clap-derive types and nothing else (no I/O, no checks
//! across options). `settings.rs` turns these into validated settings.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0   success (with --detailed-exitcode: no changes)
  1   error (invalid input, API failure)
  2   changes present (plan --detailed-exitcode)
  3   a tenant was refused whole: it changed since it was planned, or another apply holds
      its lock (`birdhouse unlock` removes a lock whose apply is gone)
  4   apply finished, but some tenants failed or were skipped as blocked
  64  usage error (bad command line)";

/// The version line: birdhouse's own version and the NetBird release its API handling is
/// tested against (the lab's pinned server).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (tested against the NetBird management API v0.77.1)"
);

/// Manage NetBird MSP tenants as code: validate, plan and apply YAML desired state.
#[derive(Debug, Parser)]
#[command(name = "birdhouse", version = VERSION, about, after_help = EXIT_CODES)]
pub(crate) struct Args {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, ClapArgs)]
pub(crate) struct GlobalArgs {
    /// Only these tenants (by name; glob patterns such as `acme*`); repeatable.
    #[arg(long = "tenant", value_name = "NAME", global = true)]
    pub tenants: Vec<String>,
    /// Tenants worked on at once.
    // 16: the token's budget, not this number, is what keeps the server's load in bounds; with
    // fewer tenants in flight a high-latency link leaves most of a burst unspent for seconds,
    // and a run wakes up for every answer instead of for several (4: 8.0 s and 2.6 s of CPU for
    // a cold plan of 1,000 tenants at 5 ms latency; 16: 2.8 s and 2.3 s).
    #[arg(long, value_name = "N", default_value_t = 16, global = true)]
    pub parallel: usize,
    /// Request budget of the token, in requests per minute (NetBird Cloud: 120).
    #[arg(long, value_name = "PER_MINUTE", default_value_t = 120, global = true)]
    pub rate: u32,
    /// Requests the token may spend at once before the rate applies (NetBird Cloud: 1200).
    #[arg(long, value_name = "REQUESTS", default_value_t = 1200, global = true)]
    pub burst: u32,
    /// More output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output on stderr (-q errors only).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// NetBird management API URL [default: `https://api.netbird.io`].
    #[arg(long, value_name = "URL", env = "NETBIRD_API_URL", global = true)]
    pub api_url: Option<String>,
    /// File holding the API token (instead of NETBIRD_API_TOKEN).
    #[arg(long, value_name = "PATH", global = true)]
    pub token_file: Option<PathBuf>,
    /// PEM certificate (or bundle) of a private CA to trust besides the system's, for a
    /// self-hosted server whose certificate it signed.
    #[arg(long, value_name = "FILE", env = "NETBIRD_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when stdout is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check desired-state files offline: syntax, fields, references.
    #[command(after_help = "\
Examples:
  birdhouse validate -f tenants/
  birdhouse validate -f tenants/acme-dental.yaml
  birdhouse validate -f tenants/ --tenant 'acme*'")]
    Validate(InputArgs),
    /// Read the live tenants and show what apply would change.
    #[command(after_help = "\
Examples:
  birdhouse plan -f tenants/
  birdhouse plan -f tenants/ --changed-since origin/main --format markdown
  birdhouse plan -f tenants/ --out plan.json --detailed-exitcode")]
    Plan(PlanArgs),
    /// Make the live tenants match the files (or execute a saved plan).
    #[command(after_help = "\
Examples:
  birdhouse apply -f tenants/ --secrets-out secrets.jsonl
  birdhouse apply plan.json --secrets-out secrets.jsonl
  birdhouse apply -f tenants/ --tenant acme-dental --yes --secrets-out secrets.jsonl")]
    Apply(ApplyArgs),
    /// Write live tenants as desired-state YAML.
    #[command(after_help = "\
Examples:
  birdhouse export -o tenants/
  birdhouse export -o tenants/ --tenant 'acme*' --force
  birdhouse export -o tenants/ --baselines")]
    Export(ExportArgs),
    /// List the MSP's tenants.
    #[command(after_help = "\
Examples:
  birdhouse tenants
  birdhouse tenants --format json")]
    Tenants(TenantsArgs),
    /// Remove the apply locks a killed apply left on the tenants named by --tenant.
    #[command(after_help = "\
Examples:
  birdhouse unlock -f tenants/ --tenant acme-dental
  birdhouse unlock -f tenants/ --tenant 'acme*'")]
    Unlock(InputArgs),
    /// Print the JSON Schema of the desired-state format.
    #[command(after_help = "\
Examples:
  birdhouse schema > schema/birdhouse.schema.json")]
    Schema,
    /// Manage the API token: `token rotate` replaces it with a new one.
    #[command(
        subcommand,
        after_help = "\
Examples:
  birdhouse token rotate --user current --expires-in 90d --out new.pat
  birdhouse token rotate --user current --expires-in 30d --out new.pat --keep-old"
    )]
    Token(TokenCommand),
    /// First run of a self-hosted server: create the owner and a PAT.
    #[command(after_help = "\
Examples:
  birdhouse bootstrap --url https://netbird.example.com --email admin@example.com \\
    --name Admin --password-file owner.pw --pat-out birdhouse.pat")]
    Bootstrap(BootstrapArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "\
Examples:
  birdhouse completions bash > ~/.local/share/bash-completion/completions/birdhouse
  birdhouse completions zsh > ~/.zfunc/_birdhouse")]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(after_help = "\
Examples:
  birdhouse man > birdhouse.1 && man ./birdhouse.1")]
    Man,
}

/// `birdhouse token …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a new PAT, prove it works, write it to a new 0600 file, then delete the old one.
    #[command(after_help = "\
Examples:
  birdhouse token rotate --user current --expires-in 90d --out new.pat
  birdhouse token rotate --user current --expires-in 30d --out new.pat --keep-old
  birdhouse token rotate --user 1a2b3c --expires-in 90d --out ci.pat --replace old-ci-token")]
    Rotate(RotateArgs),
}

/// `birdhouse token rotate`.
#[derive(Debug, ClapArgs)]
pub(crate) struct RotateArgs {
    /// Whose token: `current` (the user of the token in use) or a user id of the token's own
    /// account (a service user, say).
    #[arg(long, value_name = "ID|current", default_value = "current")]
    pub user: String,
    /// The new token's lifetime in whole days, 1d to 365d.
    #[arg(long, value_name = "DAYS", default_value = "90d")]
    pub expires_in: String,
    /// A new file for the new token, created with mode 0600; the token is never printed.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The new token's name (default: `birdhouse` and today's date).
    #[arg(long)]
    pub name: Option<String>,
    /// The token to delete, by id or name (default: the token in use for `--user current`,
    /// the user's only token otherwise).
    #[arg(long, value_name = "ID|NAME", conflicts_with = "keep_old")]
    pub replace: Option<String>,
    /// Keep the old token (delete it yourself once nothing uses it).
    #[arg(long)]
    pub keep_old: bool,
}

/// The global options each command ignores, by command: hidden from that command's help (they
/// are still accepted, so a flag set once for every call does not break a command).
const IGNORED_GLOBALS: &[(&str, &[&str])] = &[
    (
        "validate",
        &[
            "parallel",
            "rate",
            "burst",
            "color",
            "api_url",
            "token_file",
            "ca_cert",
        ],
    ),
    ("export", &["color"]),
    ("tenants", &["tenants", "parallel", "color"]),
    ("token", &["tenants", "parallel", "color"]),
    ("rotate", &["tenants", "parallel", "color"]),
    ("unlock", &["color"]),
    (
        "bootstrap",
        &[
            "tenants",
            "parallel",
            "rate",
            "burst",
            "color",
            "api_url",
            "token_file",
        ],
    ),
    ("schema", &ALL_GLOBALS),
    ("completions", &ALL_GLOBALS),
    ("man", &ALL_GLOBALS),
];

/// Every global option, by its argument id.
const ALL_GLOBALS: [&str; 10] = [
    "tenants",
    "parallel",
    "rate",
    "burst",
    "verbose",
    "quiet",
    "color",
    "api_url",
    "token_file",
    "ca_cert",
];

/// The command line definition: the derived one, with each command's help listing only the
/// global options it uses. The parser, the completions and the man page all use this.
pub(crate) fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut command = Args::command();
    // Building propagates the global options into every subcommand, where they can be hidden.
    command.build();
    // In place, keeping the order of commands and options (help lists them as declared).
    command.mut_subcommands(hide_ignored_globals)
}

/// Hides the global options `sub` (and each of its own subcommands) ignores.
fn hide_ignored_globals(sub: clap::Command) -> clap::Command {
    let sub = sub.mut_subcommands(hide_ignored_globals);
    let Some((_, ignored)) = IGNORED_GLOBALS
        .iter()
        .find(|(name, _)| *name == sub.get_name())
    else {
        return sub;
    };
    sub.mut_args(|arg| {
        let hidden = ignored.contains(&arg.get_id().as_str());
        arg.hide(hidden)
    })
}

/// `birdhouse completions`.
#[derive(Debug, ClapArgs)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where the desired state is.
#[derive(Debug, ClapArgs)]
pub(crate) struct InputArgs {
    /// A YAML file, or a directory of `*.yaml`/`*.yml` files.
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub path: PathBuf,
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PlanFormat {
    /// Terraform-like text, summary first.
    Text,
    /// The versioned JSON plan (docs/plan-format.md).
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// `birdhouse plan`.
#[derive(Debug, ClapArgs)]
pub(crate) struct PlanArgs {
    /// Desired state.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Also save the JSON plan here, for `birdhouse apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Only tenants whose definition changed since this git ref.
    #[arg(long, value_name = "GIT_REF")]
    pub changed_since: Option<String>,
    /// Allow plans that delete more than 30% of a tenant's objects, or all of them.
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// The secrets file apply writes to: its journal (FILE.journal, read only) names creates
    /// whose one-time secret never arrived, which are planned again as new keys and tokens.
    #[arg(long, value_name = "FILE")]
    pub secrets_out: Option<PathBuf>,
    /// Snapshots kept between runs.
    #[command(flatten)]
    pub kept: SnapshotArgs,
}

/// `--snapshots` and its age limit, for plan and apply.
#[derive(Debug, Clone, ClapArgs)]
pub(crate) struct SnapshotArgs {
    /// Keep each tenant's snapshot in DIR between runs and prove it current with one audit-log
    /// call per tenant instead of reading every list (docs/snapshots.md). Without DIR:
    /// .birdhouse/snapshots, for a CI cache.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        default_missing_value = crate::live::DEFAULT_SNAPSHOT_DIR,
        env = "BIRDHOUSE_SNAPSHOTS"
    )]
    pub snapshots: Option<PathBuf>,
    /// With --snapshots: read a tenant whole once its stored snapshot is older than this
    /// (e.g. 12h, 3d), whatever its audit log says.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = humantime::parse_duration, requires = "snapshots")]
    pub snapshot_max_age: std::time::Duration,
    /// With --snapshots: plan the parts NetBird changes without an audit event (the account
    /// settings, network resources' groups, users' groups while groups propagation is off)
    /// from the snapshot for this long after they were read, instead of reading them on every
    /// run; the plan names them, and a change made to them meanwhile is not seen. 0 (the
    /// default) reads them every time.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = humantime::parse_duration, requires = "snapshots")]
    pub unlogged_max_age: std::time::Duration,
}

impl SnapshotArgs {
    /// The directory and the age limits, when `--snapshots` is given.
    pub(crate) fn store(&self) -> Option<crate::live::KeptSettings<'_>> {
        self.snapshots
            .as_deref()
            .map(|dir| crate::live::KeptSettings {
                dir,
                max_age: self.snapshot_max_age,
                unlogged_max_age: self.unlogged_max_age,
            })
    }
}

/// `birdhouse apply`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ApplyArgs {
    /// A plan saved with `birdhouse plan --out`; executed without asking.
    #[arg(value_name = "PLANFILE", conflicts_with = "path")]
    pub plan_file: Option<PathBuf>,
    /// Desired state (plan, confirm, apply).
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Write one-time secrets (new setup keys, service-user tokens) here, mode 0600; creates
    /// recorded there whose secret never arrived are planned again.
    #[arg(long, value_name = "FILE", conflicts_with = "discard_secrets")]
    pub secrets_out: Option<PathBuf>,
    /// Create setup keys and tokens without keeping their one-time secrets (by default apply
    /// refuses, before writing anything, to create a secret it cannot keep).
    #[arg(long)]
    pub discard_secrets: bool,
    /// Only tenants whose definition changed since this git ref.
    #[arg(long, value_name = "GIT_REF")]
    pub changed_since: Option<String>,
    /// Allow plans that delete more than 30% of a tenant's objects, or all of them.
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Snapshots kept between runs.
    #[command(flatten)]
    pub kept: SnapshotArgs,
}

/// `birdhouse export`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ExportArgs {
    /// Directory to write one YAML file per tenant into.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Write into a directory that is not empty, overwriting files of the same names.
    #[arg(long)]
    pub force: bool,
    /// Export the token's own account (as a tenant with `self: true`) instead of the MSP's
    /// tenants; works on any NetBird server, an MSP or not.
    #[arg(long = "self", conflicts_with = "tenants")]
    pub own_account: bool,
    /// Write what two or more tenants share once, as baselines (baselines.yaml) the tenants
    /// name; planning the export is still empty.
    #[arg(long)]
    pub baselines: bool,
}

/// Output formats of the tenant list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    /// An aligned table.
    Table,
    /// A JSON array.
    Json,
}

/// `birdhouse tenants`.
#[derive(Debug, ClapArgs)]
pub(crate) struct TenantsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// `birdhouse bootstrap`.
#[derive(Debug, ClapArgs)]
pub(crate) struct BootstrapArgs {
    /// URL of the fresh self-hosted management server.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Email of the owner to create.
    #[arg(long)]
    pub email: String,
    /// Display name of the owner.
    #[arg(long)]
    pub name: String,
    /// File holding the owner's password (8 to 72 bytes).
    #[arg(long, value_name = "PATH")]
    pub password_file: PathBuf,
    /// Where to write the new PAT (created with mode 0600).
    #[arg(long, value_name = "FILE")]
    pub pat_out: PathBuf,
    /// Days until the PAT expires (1 to 365).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub pat_expire_in: u32,
}
