//! `birdhouse plan`: read the selected tenants, plan them, render the plan; `--out` saves the
//! JSON plan for `birdhouse apply FILE`.

use std::io::Write;

use crate::cli::args::{PlanArgs, PlanFormat};
use crate::cli::common;
use crate::cli::exit::Exit;
use crate::cli::settings::Settings;
use crate::engine::{PlanRequest, write_plan};
use crate::render::{Format, RenderOptions, render};

pub(crate) fn run(settings: &Settings, args: &PlanArgs) -> anyhow::Result<Exit> {
    let Some(started) = common::load_and_connect(
        settings,
        &args.input.path,
        args.changed_since.as_deref(),
        args.kept.store().is_some(),
    )?
    else {
        return Ok(Exit::Error);
    };
    let (selected, engine) = (started.selected, started.engine);
    let token_expiry = common::check_token(&engine, settings);
    let format = match args.format {
        PlanFormat::Text => Format::Text,
        PlanFormat::Json => Format::Json,
        PlanFormat::Markdown => Format::Markdown,
    };
    let request = PlanRequest {
        allow_mass_delete: args.allow_mass_delete,
        keep_live: false,
        secrets_file: args.secrets_out.as_deref(),
        budget: common::budget(settings),
        reference: selected.reference.as_ref(),
        snapshots: args.kept.store(),
        early: started.early.as_ref(),
        fingerprints: args.out.is_some() || format == Format::Json,
    };
    let mut planned = engine.plan(selected.tenants, &request)?;
    planned.plan.token_expiry = token_expiry;
    let plan = &planned.plan;
    if let Some(out) = &args.out {
        write_plan(plan, out)?;
    }
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
    let stats = engine.stats();
    tracing::info!(
        requests = stats.requests,
        rate_limited = stats.rate_limited,
        "plan read the tenants"
    );
    if common::name_blocked_tenants(plan)? {
        return Ok(Exit::Error);
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Exit::ChangesPresent
    } else {
        Exit::Success
    })
}
