//! `birdhouse completions` and `birdhouse man`: generated from the same clap definitions the
//! parser uses, so they cannot drift from the real command line.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::args::{Args, CompletionsArgs};
use crate::cli::exit::Exit;

pub(crate) fn completions(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut command = Args::command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "birdhouse", &mut stdout);
    stdout.flush()?;
    Ok(Exit::Success)
}

pub(crate) fn man() -> anyhow::Result<Exit> {
    let mut stdout = std::io::stdout().lock();
    clap_mangen::Man::new(Args::command()).render(&mut stdout)?;
    stdout.flush()?;
    Ok(Exit::Success)
}
