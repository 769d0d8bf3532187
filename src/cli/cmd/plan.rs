//! `birdhouse plan`: read the selected tenants, plan them, render the plan; `--out` saves the
//! JSON plan for `birdhouse apply FILE`.

use std::io::Write;

use anyhow::Context;

use crate::cli::args::{PlanArgs, PlanFormat};
use crate::cli::exit::Exit;
use crate::cli::pipeline::{self, PlanRequest};
use crate::cli::settings::Settings;
use crate::render::{Format, RenderOptions, render};

pub(crate) fn run(settings: &Settings, args: &PlanArgs) -> anyhow::Result<Exit> {
    let request = PlanRequest {
        path: &args.input.path,
        changed_since: args.changed_since.as_deref(),
        allow_mass_delete: args.allow_mass_delete,
        keep_live: false,
        secrets_file: args.secrets_out.as_deref(),
    };
    let Some(planned) = pipeline::plan(settings, &request)? else {
        return Ok(Exit::Error);
    };
    let plan = &planned.plan;
    if let Some(out) = &args.out {
        let mut bytes = Vec::new();
        render(
            plan,
            Format::Json,
            &RenderOptions { color: false },
            &mut bytes,
        )?;
        std::fs::write(out, bytes)
            .with_context(|| format!("writing the plan to {}", out.display()))?;
    }
    let format = match args.format {
        PlanFormat::Text => Format::Text,
        PlanFormat::Json => Format::Json,
        PlanFormat::Markdown => Format::Markdown,
    };
    let mut stdout = std::io::stdout().lock();
    render(
        plan,
        format,
        &RenderOptions {
            color: settings.color && format == Format::Text,
        },
        &mut stdout,
    )?;
    stdout.flush()?;
    let stats = planned.client.stats();
    tracing::info!(
        requests = stats.requests,
        rate_limited = stats.rate_limited,
        "plan read the tenants"
    );
    if pipeline::name_blocked_tenants(plan)? {
        return Ok(Exit::Error);
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Exit::ChangesPresent
    } else {
        Exit::Success
    })
}
