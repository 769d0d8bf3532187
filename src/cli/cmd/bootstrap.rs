//! `birdhouse bootstrap`: the first run of a fresh self-hosted server. Creates the owner
//! through `POST /api/setup` with `create_pat`, writes the PAT to a file created with mode 0600,
//! and never prints it. The one deliberate reveal of a secret, to where the user asked.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use crate::api::ApiError;
use crate::cli::UsageError;
use crate::cli::args::BootstrapArgs;
use crate::cli::connection;
use crate::cli::exit::Exit;
use crate::cli::settings::{Settings, Verbosity};
use crate::kinds::wire::SetupRequest;
use crate::secret::Secret;

pub(crate) fn run(settings: &Settings, args: &BootstrapArgs) -> anyhow::Result<Exit> {
    if !(1..=365).contains(&args.pat_expire_in) {
        return Err(UsageError(format!(
            "--pat-expire-in {} is out of range (expected 1 to 365 days)",
            args.pat_expire_in
        ))
        .into());
    }
    if let Some(warning) =
        connection::shared_secret_file_warning(&args.password_file, "--password-file")
        && settings.verbosity > Verbosity::Quiet
    {
        eprintln!("{warning}");
    }
    let password = read_password(&args.password_file)?;
    let trusted_roots = connection::trusted_roots(settings.connection.ca_cert.as_deref())?;
    // Before `POST /api/setup`: the setup runs once per server, and its PAT is shown once.
    crate::cli::secret_file::check_new(&args.pat_out, "--pat-out")?;
    let request = SetupRequest {
        email: args.email.clone(),
        name: args.name.clone(),
        password,
        create_pat: true,
        pat_expire_in: Some(args.pat_expire_in),
    };
    let engine = crate::engine::Engine::offline()?;
    let response = engine
        .block_on(crate::api::setup(&args.url, &request, &trusted_roots))
        .map_err(explain)?;
    let Some(token) = response.personal_access_token else {
        bail!(
            "the server created the owner {} but returned no PAT: it runs without NB_SETUP_PAT_ENABLED=true; \
             log in to the dashboard as the owner and create a PAT there",
            response.email
        );
    };
    crate::cli::secret_file::write_new(&args.pat_out, &token).with_context(|| {
        format!(
            "writing the PAT to {}; the owner {} now exists, so setup cannot run again: log in to \
             the dashboard as the owner and create a PAT there",
            args.pat_out.display(),
            response.email
        )
    })?;
    writeln!(
        std::io::stderr().lock(),
        "created owner {} (user {}); PAT written to {} (mode 0600, expires in {} days)",
        response.email,
        response.user_id,
        args.pat_out.display(),
        args.pat_expire_in
    )?;
    Ok(Exit::Success)
}

fn read_password(path: &Path) -> anyhow::Result<Secret<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the password file {}", path.display()))?;
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if !(8..=72).contains(&password.len()) {
        return Err(UsageError(format!(
            "the password in {} must be 8 to 72 bytes long",
            path.display()
        ))
        .into());
    }
    Ok(Secret::new(password))
}

/// Turns the server's answers into what to do next.
fn explain(error: ApiError) -> anyhow::Error {
    let advice = match &error {
        ApiError::PreconditionFailed { .. } => {
            "setup was already done on this server: use a PAT of an existing user (create one in the dashboard)"
        }
        ApiError::Rejected { message, .. } if message.contains("pat_expire_in") => {
            "the PAT lifetime must be 1 to 365 days"
        }
        ApiError::Rejected { .. } => "the server refused the owner's details",
        ApiError::Server { .. } => {
            "the server could not run setup: it needs the embedded identity provider (the combined server)"
        }
        _ => "the server could not be bootstrapped",
    };
    anyhow::Error::new(error).context(advice)
}
