//! `birdhouse schema`: print the JSON Schema of the desired-state format.

use std::io::Write;

use crate::cli::exit::Exit;

pub(crate) fn run() -> anyhow::Result<Exit> {
    std::io::stdout()
        .lock()
        .write_all(crate::desired::schema::schema_json().as_bytes())?;
    Ok(Exit::Success)
}
