//! `birdhouse token rotate`: a new PAT for a user of the token's own account, proven to work
//! and written to a new 0600 file before the old one is deleted, so a failure at any step
//! leaves a working token: the old one until the new one is written, the new one after.

use std::io::Write;

use anyhow::Context;

use crate::api::Client;
use crate::cli::UsageError;
use crate::cli::args::{RotateArgs, TokenCommand};
use crate::cli::connection;
use crate::cli::exit::Exit;
use crate::cli::secret_file;
use crate::cli::settings::Settings;
use crate::engine::{Engine, RotateRequest, TokenOwner};

pub(crate) fn run(settings: &Settings, command: &TokenCommand) -> anyhow::Result<Exit> {
    match command {
        TokenCommand::Rotate(args) => rotate(settings, args),
    }
}

fn rotate(settings: &Settings, args: &RotateArgs) -> anyhow::Result<Exit> {
    let expires_in_days = days(&args.expires_in)?;
    // Before anything is created: a token made for a file that cannot be written is waste.
    secret_file::check_new(&args.out, "--out")?;
    let config = connection::client_config(settings)?;
    let engine = Engine::connect(config.clone(), settings.parallel)?;
    let request = RotateRequest {
        owner: match args.user.as_str() {
            "current" => TokenOwner::Current,
            id => TokenOwner::Id(id.to_owned()),
        },
        name: args.name.clone().unwrap_or_else(default_name),
        expires_in_days,
        replace: args.replace.clone(),
        keep_old: args.keep_old,
    };
    let rotated = engine.rotate_token(
        &request,
        |token| {
            let mut config = config.clone();
            config.token = token;
            Client::new(config).context("building a client for the new token")
        },
        |token| {
            secret_file::write_new(&args.out, token)
                .with_context(|| format!("writing the new token to {}", args.out.display()))
        },
    )?;
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "created token {:?} (id {}) for user {}, expires {}; written to {} (mode 0600)",
        rotated.new_name,
        rotated.new_id,
        rotated.user_id,
        rotated.expires,
        args.out.display()
    )?;
    match &rotated.deleted {
        Some((id, name)) => writeln!(stderr, "deleted the old token {name:?} (id {id})")?,
        None => writeln!(
            stderr,
            "kept the old token (--keep-old): delete it once nothing uses it"
        )?,
    }
    Ok(Exit::Success)
}

/// `90d` (or `90`) → 90; NetBird takes 1 to 365 whole days.
fn days(text: &str) -> Result<u32, UsageError> {
    let number = text.strip_suffix('d').unwrap_or(text);
    number
        .parse::<u32>()
        .ok()
        .filter(|days| (1..=365).contains(days))
        .ok_or_else(|| {
            UsageError(format!(
                "--expires-in {text}: a token lives 1 to 365 whole days, e.g. 90d"
            ))
        })
}

/// `birdhouse 2026-12-01`: the date the token was made, so a list of tokens says which is new.
fn default_name() -> String {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    format!("birdhouse {}", &now[..10])
}

#[cfg(test)]
mod tests {
    use super::days;

    #[test]
    fn lifetimes_are_whole_days_from_one_to_365() {
        assert_eq!(days("90d").unwrap(), 90);
        assert_eq!(days("365").unwrap(), 365);
        for bad in ["0d", "366d", "12h", "d", "-1d", "1.5d"] {
            assert!(days(bad).is_err(), "{bad}");
        }
    }
}
