//! The command line: parse, validate settings, set up tracing, dispatch to one command.
//! The only orchestrator; every command is a slice of the same load → fetch → plan → apply
//! pipeline.

pub(crate) mod args;
mod cmd;
mod common;
mod connection;
pub(crate) mod exit;
mod secret_file;
pub(crate) mod settings;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::args::{Args, Command};
use crate::cli::exit::Exit;
use crate::cli::settings::{Settings, Verbosity};

/// A command line that cannot work, found after clap parsed it; exits 64.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let parsed = args::command()
        .try_get_matches()
        .and_then(|matches| <Args as clap::FromArgMatches>::from_arg_matches(&matches));
    let args = match parsed {
        Ok(args) => args,
        Err(err) => {
            let exit = if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            // Printing help or the usage error can only fail if the terminal is gone.
            let _ = err.print();
            return exit.into();
        }
    };
    match run(args) {
        Ok(exit) => exit.into(),
        // A reader that stopped early (`birdhouse plan | head`) is not an error worth a message;
        // the exit code still says the output was cut.
        Err(err) if is_broken_pipe(&err) => Exit::Error.into(),
        Err(err) => {
            let exit = if err.downcast_ref::<UsageError>().is_some() {
                Exit::Usage
            } else {
                Exit::Error
            };
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {err:#}");
            exit.into()
        }
    }
}

fn run(args: Args) -> anyhow::Result<Exit> {
    let settings = Settings::from_args(&args.global)?;
    init_tracing(settings.verbosity);
    match args.command {
        Command::Validate(input) => cmd::validate::run(&settings, &input),
        Command::Schema => cmd::schema::run(),
        Command::Plan(plan) => cmd::plan::run(&settings, &plan),
        Command::Apply(apply) => cmd::apply::run(&settings, &apply),
        Command::Export(export) => cmd::export::run(&settings, &export),
        Command::Tenants(tenants) => cmd::tenants::run(&settings, &tenants),
        Command::Unlock(input) => cmd::unlock::run(&settings, &input),
        Command::Bootstrap(bootstrap) => cmd::bootstrap::run(&settings, &bootstrap),
        Command::Token(token) => cmd::token::run(&settings, &token),
        Command::Completions(completions) => cmd::docs::completions(&completions),
        Command::Man => cmd::docs::man(),
    }
}

fn init_tracing(verbosity: Verbosity) {
    let level = match verbosity {
        Verbosity::Quiet => "error",
        Verbosity::Normal => "warn",
        Verbosity::Info => "info",
        Verbosity::Debug => "debug",
        Verbosity::Trace => "trace",
    };
    // By default only birdhouse's own events: dependencies (hyper, rustls) log request details
    // at their debug levels. The certificate verifier logs every refused certificate as an
    // error of its own, which would only repeat the error birdhouse reports with its remedy.
    // RUST_LOG, as in every tracing program, replaces the default; the token's header is
    // marked sensitive, so even hyper's own logs never show it.
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|directives| !directives.trim().is_empty())
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| {
            tracing_subscriber::EnvFilter::new(format!(
                "warn,rustls_platform_verifier=off,birdhouse={level}"
            ))
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
