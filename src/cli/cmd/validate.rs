//! `birdhouse validate`: load and resolve the files offline; print every problem.

use std::io::Write;

use crate::cli::args::InputArgs;
use crate::cli::exit::Exit;
use crate::cli::settings::{Settings, Verbosity};
use crate::desired::Loaded;
use crate::render::plural;

pub(crate) fn run(settings: &Settings, input: &InputArgs) -> anyhow::Result<Exit> {
    let loaded = crate::desired::load(&input.path);
    let mut stderr = std::io::stderr().lock();
    if settings.verbosity > Verbosity::Quiet {
        print_skipped(&loaded, &mut stderr)?;
    }
    if let Ok(state) = &loaded.state {
        {
            let files = loaded.sources.paths().len();
            let selected = state
                .tenants
                .iter()
                .filter(|t| settings.tenant_filter.selects(&t.name))
                .count();
            writeln!(
                stderr,
                "{} valid: {}, {}",
                input.path.display(),
                plural(files, "file", "files"),
                plural(selected, "tenant", "tenants")
            )?;
            return Ok(Exit::Success);
        }
    }
    print_diagnostics(&loaded, 0, &mut stderr)?;
    Ok(Exit::Error)
}

/// Warns about every entry left unopened, so a file that is silently missing from the run
/// does not go unnoticed.
pub(crate) fn print_skipped(loaded: &Loaded, out: &mut impl Write) -> std::io::Result<()> {
    for skipped in &loaded.skipped {
        writeln!(
            out,
            "warning: {}: skipped: {}, not a regular file",
            skipped.path.display(),
            skipped.kind
        )?;
    }
    Ok(())
}

/// Prints every diagnostic, sorted, then a count line saying what was sent: nothing, or the
/// `reads` made while the files loaded (see `engine::early`); never a write.
pub(crate) fn print_diagnostics(
    loaded: &Loaded,
    reads: u64,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let Err(diagnostics) = &loaded.state else {
        return Ok(());
    };
    for diagnostic in diagnostics.sorted() {
        writeln!(out, "error: {}", diagnostic.display(&loaded.sources))?;
    }
    let problems = plural(diagnostics.len(), "problem", "problems");
    if reads == 0 {
        writeln!(out, "{problems} found; nothing was contacted")
    } else {
        writeln!(
            out,
            "{problems} found; nothing was written ({} made while the files loaded)",
            plural(
                usize::try_from(reads).unwrap_or(usize::MAX),
                "read was",
                "reads were"
            )
        )
    }
}
